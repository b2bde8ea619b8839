"""The input report on hand-built masks: a dimension cut at the input, one whose hidden units never reach the
output, and the article's network layout."""

import numpy as np
import pytest

from pendulum_zoo.networks.inputs import input_report, reaches_output
from pendulum_zoo.networks.mlp import MLP
from pendulum_zoo.networks.policy import N_HIDDEN, N_INPUTS, NUM_PARAMS, Policy


def policy_params(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return np.concatenate([w1.reshape(-1), w2.reshape(-1)])


def test_a_dimension_cut_at_the_input_is_dead():
    w1 = np.ones((N_INPUTS, N_HIDDEN))
    w1[0, :] = 0.0  # x: no connection at all
    report = input_report(Policy(policy_params(w1, np.ones(N_HIDDEN))))
    assert report.live == (False, True, True, True, True)
    assert report.connections == (0, 32, 32, 32, 32)
    assert report.live_names == ("x_dot", "cos(theta)", "sin(theta)", "theta_dot")


def test_a_dimension_whose_hidden_units_never_reach_the_output_is_dead():
    w1 = np.zeros((N_INPUTS, N_HIDDEN))
    w1[1, :4] = -2.0  # x_dot feeds units 0-3 only ...
    w1[4, 2:10] = 0.5  # theta_dot feeds units 2-9
    w2 = np.zeros(N_HIDDEN)
    w2[5:] = 1.0  # ... and units 0-4 never reach the output
    report = input_report(policy_params(w1, w2))
    assert report.live == (False, False, False, False, True)
    assert report.connections == (0, 4, 0, 0, 8)  # x_dot keeps its first-layer weights ...
    assert report.live_connections == (0, 0, 0, 0, 5)  # ... but none of them on a live path
    assert report.input_weight == pytest.approx((0.0, 8.0, 0.0, 0.0, 4.0))


def test_mlp_paths_follow_masks_through_every_layer():
    sizes = (3, 4, 4, 2)
    masks = [np.zeros((3, 4)), np.zeros((4, 4)), np.zeros((4, 2))]
    masks[0][0, 0] = masks[0][1, 1] = masks[0][2, 2] = 1.0  # input k -> unit k of layer 1
    masks[1][0, 3] = masks[1][1, 1] = 1.0  # unit 0 -> 3, unit 1 -> 1, unit 2 goes nowhere
    masks[2][3, 0] = 1.0  # only unit 3 of layer 2 reaches the output: unit 1 is a dead end
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=m.shape) * m for m in masks]
    report = input_report(MLP(sizes, weights=weights, masks=masks))
    assert report.live == (True, False, False)
    assert report.names == ("obs[0]", "obs[1]", "obs[2]")
    assert [list(r) for r in reaches_output(weights)][1] == [True, False, False, False]


def test_a_binary_mask_weighs_its_connections():
    rng = np.random.default_rng(1)
    mask = (rng.random(NUM_PARAMS) < 0.3).astype(float)
    report = input_report(mask)
    w1 = mask[:N_INPUTS * N_HIDDEN].reshape(N_INPUTS, N_HIDDEN)
    assert report.input_weight == tuple(float(v) for v in w1.sum(axis=1))
    assert report.to_json()["dimensions"][2]["name"] == "cos(theta)"


def test_mismatched_layers_are_refused():
    with pytest.raises(ValueError, match="rows"):
        input_report([np.ones((5, 3)), np.ones((4, 1))])
    with pytest.raises(ValueError, match="names"):
        input_report([np.ones((2, 1))], names=("a",))


def test_selected_observations_are_the_chosen_columns():
    import gymnasium

    import pendulum_zoo  # noqa: F401  (registers the tasks)
    from pendulum_zoo.studies.input_subsets import check_dims, select_observations

    full = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=3)
    chosen = select_observations(gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=3), (1, 3))
    try:
        assert chosen.single_observation_space.shape == (2,)
        obs, selected = full.reset(seed=5)[0], chosen.reset(seed=5)[0]
        assert np.array_equal(selected, obs[:, [1, 3]])
        actions = np.full((3, 1), 0.3, dtype=np.float32)
        assert np.array_equal(chosen.step(actions)[0], full.step(actions)[0][:, [1, 3]])
    finally:
        full.close()
        chosen.close()
    with pytest.raises(ValueError, match="distinct"):
        check_dims((1, 1))


def test_the_inputs_command_prints_and_writes_the_report(tmp_path, capsys):
    import json

    from pendulum_zoo.cli.app import main
    from pendulum_zoo.zoo import load_champion

    path = tmp_path / "inputs.json"
    assert main(["inputs", "mk2", "--env", "InvertedPendulum-v0", "--json", str(path)]) == 0
    expected = input_report(load_champion("mk2", "InvertedPendulum-v0"))
    assert f"live inputs: {', '.join(expected.live_names)}" in capsys.readouterr().out
    assert json.loads(path.read_text())["live_names"] == list(expected.live_names)


def test_a_saved_mlp_agent_is_reported_through_its_network(capsys):
    """PPO's and IMP's champions load as ``MLPPolicy``: the report reads the network inside."""
    from pendulum_zoo.cli.app import main
    from pendulum_zoo.zoo import load_champion

    policy = load_champion("ppo-sparse", "InvertedPendulum-v0")
    assert input_report(policy) == input_report(policy.network)
    assert main(["inputs", "ppo-sparse", "--env", "InvertedPendulum-v0"]) == 0
    assert "live inputs:" in capsys.readouterr().out


def test_the_subsets_table_groups_rows_by_trainer_and_task_in_the_studys_subset_order():
    from pendulum_zoo.studies.tickets_report import subsets_markdown

    def entry(trainer, subset, inputs, seed, score):
        return {"trainer": trainer, "env_id": "pendulum_zoo/InvertedPendulum-v0", "subset": subset,
                "inputs": inputs, "seed": seed, "score": score}

    # a subset added to a finished study is appended to the file after every other trainer's entries
    entries = [entry("bc", "all", ["x"], 0, 1000.0), entry("ppo", "all", ["x"], 0, 990.0),
               entry("bc", "x+sin+theta_dot", ["x", "sin(theta)", "theta_dot"], 0, 500.0),
               entry("bc", "pole", ["cos(theta)"], 0, 300.0), entry("bc", "pole", ["cos(theta)"], 1, 200.0)]
    rows = [line.split(" | ")[:3] + line.split(" | ")[4:] for line in subsets_markdown(entries).splitlines()
            if line.startswith("| bc") or line.startswith("| ppo")]
    assert [(r[0], r[2]) for r in rows] == [("| bc", "all"), ("| bc", "pole"), ("| bc", "x+sin+theta_dot"),
                                            ("| ppo", "all")]
    assert rows[1][3:] == ["2", "250 +/- 50 |"]
