"""The evaluation protocol: agent kinds, reproducibility, failures, statistics, report formats."""

import json
import pathlib
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

import pendulum_zoo
from pendulum_zoo.networks.policy import NUM_PARAMS, Policy
from pendulum_zoo.storage.policy_file import save_policy
from pendulum_zoo.protocol import RandomAgent, evaluate
from pendulum_zoo.protocol.report import Report, bootstrap_iqm_interval, interquartile_mean, report_from_dict, report_schema
from pendulum_zoo.rollout.seeding import evaluation_episode_seeds

SWINGUP = "pendulum_zoo/InvertedPendulumSwingup-v0"
BALANCE = "pendulum_zoo/InvertedPendulum-v0"


def network(seed=0):
    return Policy(np.random.default_rng(seed).normal(size=NUM_PARAMS) * 0.5, "test network")


def test_same_agent_and_seed_give_the_same_report_twice_and_for_any_worker_count():
    policy = network()
    reports = [evaluate(policy, SWINGUP, episodes=6, seed=4, workers=w) for w in (1, 2, 1)]
    reports += [evaluate(policy.act, SWINGUP, episodes=6, seed=4, workers=w) for w in (1, 2)]
    for report in reports[1:3]:
        assert report.results() == reports[0].results()
    # the same network as a plain callable plays the very same episodes
    assert reports[3].returns == reports[0].returns == reports[4].returns
    assert reports[3].results() == reports[4].results()


class ActAgent:
    def act(self, observation):
        return np.array([-observation[0]], dtype=np.float32)


class PredictAgent:  # stable-baselines3 style
    def predict(self, observation, deterministic=False):
        assert deterministic
        return np.array([0.5], dtype=np.float32), None


@pytest.mark.parametrize("make_agent", (
    lambda tmp: network(),
    lambda tmp: network().params.copy(),
    lambda tmp: (save_policy(tmp / "p.json", network().params, {"algorithm": "cma"}), str(tmp / "p.json"))[1],
    lambda tmp: (save_policy(tmp / "p.json", network().params, {"algorithm": "cma"}), tmp / "p.json")[1],
    lambda tmp: "random",
    lambda tmp: RandomAgent(),
    lambda tmp: (lambda observation: np.zeros(1)),
    lambda tmp: (lambda observation: 0.25),
    lambda tmp: ActAgent(),
    lambda tmp: PredictAgent(),
))
def test_every_kind_of_agent_is_accepted(tmp_path, make_agent):
    report = evaluate(make_agent(tmp_path), BALANCE, episodes=3, workers=1)
    assert report.completed == 3 and report.failure is None
    assert all(1 <= length <= 1000 for length in report.lengths)


def test_a_file_and_its_policy_score_the_same(tmp_path):
    save_policy(tmp_path / "p.json", network().params, {"algorithm": "cma"})
    from_file = evaluate(tmp_path / "p.json", SWINGUP, episodes=3, workers=1)
    assert from_file.returns == evaluate(network(), SWINGUP, episodes=3, workers=1).returns
    assert from_file.algorithm == "cma" and from_file.connections == NUM_PARAMS


def test_random_agent_is_reproducible_whatever_the_workers():
    assert evaluate("random", BALANCE, episodes=8, workers=1).returns == \
        evaluate("random", BALANCE, episodes=8, workers=2).returns


@pytest.mark.parametrize("bad", (object(), 42, [1, 2]))
def test_anything_else_is_refused_with_a_clear_message(bad):
    with pytest.raises(TypeError, match="cannot evaluate"):
        evaluate(bad, BALANCE, episodes=1)


def test_unknown_names_and_weight_shapes_are_refused():
    with pytest.raises(ValueError, match="not a champion name"):
        pendulum_zoo.evaluate("no-such-agent", BALANCE, episodes=1)
    with pytest.raises(ValueError, match="champion names such as 'mk1' are resolved by pendulum_zoo.evaluate"):
        evaluate("mk1", BALANCE, episodes=1)  # the protocol itself knows no zoo
    with pytest.raises(ValueError, match="shape"):
        evaluate(np.zeros(10), BALANCE, episodes=1)


def failing_episode(seeds):
    """The first episode whose initial pole angle exceeds 0.08 rad (the agent below fails there)."""
    for index, seed in enumerate(seeds):
        u = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))).uniform(-0.1, 0.1)
        if np.sin(u) > 0.08:
            return index
    raise AssertionError("no such episode")


def fails_on_steep_starts(observation):
    at_start = observation[0] == 0.0 and observation[1] == 0.0 and observation[4] == 0.0
    if at_start and observation[3] > 0.08:
        raise RuntimeError("cannot start from here")
    return np.array([np.clip(10 * observation[3] + observation[4] + 0.5 * observation[0] + observation[1], -1, 1)])


@pytest.mark.parametrize("workers", (1, 2))
def test_a_failing_agent_gives_a_partial_report_naming_the_failure(workers):
    k = failing_episode(evaluation_episode_seeds(0, 30))
    report = evaluate(fails_on_steep_starts, BALANCE, episodes=30, workers=workers)
    assert report.failure == {"episode": k, "step": 0,
                              "error": "the agent raised RuntimeError: cannot start from here"}
    assert report.completed == k and len(report.lengths) == k
    assert report.statistics()["mean"] is not None or k == 0


@pytest.mark.parametrize(("agent", "message"), (
    (lambda observation: np.array([np.nan]), "non-finite"),
    (lambda observation: np.zeros(2), "shape"),
    (lambda observation: "left", "non-numeric"),
))
def test_bad_actions_are_reported_with_episode_and_step(agent, message):
    report = evaluate(agent, BALANCE, episodes=2, workers=1)
    assert report.failure["episode"] == 0 and report.failure["step"] == 0
    assert message in report.failure["error"]
    assert report.completed == 0 and report.statistics()["mean"] is None
    jsonschema.validate(json.loads(report.to_json()), report_schema())


def test_statistics_match_hand_computed_values():
    report = Report(env_id=BALANCE, env_version="v0", agent="a", algorithm="a", episodes=10, seed=0,
                    seed_schedule="", episode_seeds=list(range(10)), returns=[float(v) for v in range(10)],
                    lengths=[5] * 10, threshold=7.0)
    s = report.statistics()
    assert s["mean"] == 4.5 and s["median"] == 4.5 and s["min"] == 0.0 and s["max"] == 9.0
    assert s["std"] == pytest.approx(2.8722813232690143)  # sqrt(8.25), ddof = 0
    assert s["iqm"] == 4.5  # mean of the middle six, 2..7, after dropping floor(10 / 4) = 2 at each end
    assert s["success_rate"] == 0.3
    assert interquartile_mean([1.0, 100.0, 2.0, 3.0]) == 2.5
    low, high = s["iqm_ci95"]
    assert low < 4.5 < high
    assert (low, high) == bootstrap_iqm_interval(np.arange(10.0), seed=0)  # seeded: reproducible
    assert report.env_steps == 50


def test_json_report_validates_against_the_documented_schema_and_round_trips(tmp_path):
    report = evaluate(network(), SWINGUP, episodes=4, workers=1, noise=[0, 0.05])
    document = json.loads(report.to_json())
    jsonschema.validate(document, report_schema())
    report.save(tmp_path / "r.json")
    assert Report.load(tmp_path / "r.json").results() == report.results()
    assert [entry["noise_std"] for entry in report.robustness] == [0.0, 0.05]
    assert report.robustness[0]["mean"] == report.statistics()["mean"]
    document["mean"] += 1.0
    with pytest.raises(ValueError, match="do not match"):
        report_from_dict(document)


def test_markdown_row_follows_the_rl_zoo_benchmark_columns():
    report = evaluate(network(), BALANCE, episodes=2, workers=1)
    header, rule, row = report.markdown().strip().splitlines()
    assert header.startswith("| algo | env_id | mean_reward | std_reward | n_timesteps | eval_timesteps | "
                             "eval_episodes |")
    cells = [c.strip() for c in row.strip("|").split("|")]
    # n_timesteps is training timesteps, as in rl-baselines3-zoo: unknown for a bare network
    assert cells[1] == BALANCE and cells[4] == "-" and cells[5] == str(report.env_steps) and cells[6] == "2"
    assert len(cells) == len(header.strip("|").split("|"))


def test_markdown_n_timesteps_is_the_training_steps_of_the_card(tmp_path):
    save_policy(tmp_path / "p.json", network().params, {"algorithm": "cma", "total_steps": 123456})
    report = evaluate(tmp_path / "p.json", BALANCE, episodes=2, workers=1)
    assert report.training_steps == 123456
    cells = [c.strip() for c in report.markdown_row().strip("|").split("|")]
    assert cells[4] == "123456" and cells[5] == str(report.env_steps)
    assert json.loads(report.to_json())["training_steps"] == 123456


def test_str_is_a_short_summary_and_versions_are_distribution_versions():
    from importlib.metadata import version

    report = evaluate(network(), BALANCE, episodes=5, seed=2, workers=1)
    text = str(report)
    assert text.splitlines()[0] == f"test network on {BALANCE}: 5 of 5 episodes (seed 2)"
    assert f"{report.statistics()['mean']:.2f} +/- " in text and "IQM" in text
    assert len(text.splitlines()) <= 4 and str(report.episode_seeds[0]) not in text
    assert report.versions["pybullet"] == version("pybullet") != "202010061"
    assert report.versions["gymnasium"] == version("gymnasium") and report.versions["pendulum_zoo"]


def test_a_version_1_report_still_loads():
    path = pathlib.Path(__file__).parent / "data" / "report_v1.json"  # a report as version 0.1.0 wrote it
    assert json.loads(path.read_text())["format_version"] == 1
    report = Report.load(path)
    assert report.training_steps is None and report.completed == report.episodes
    jsonschema.validate(json.loads(report.to_json()), report_schema())  # read as the current version


def test_numpy_scalars_are_accepted_as_numbers():
    report = evaluate(network(), BALANCE, episodes=np.int64(2), seed=np.uint32(1), workers=np.int64(1),
                      noise=[np.float32(0.05)], timeout=np.float64(60))
    assert report.completed == 2 and report.robustness[0]["noise_std"] == pytest.approx(0.05)


@pytest.mark.parametrize(("kwargs", "message"), (
    ({"env_id": "CartPole-v1"}, "unknown environment"),
    ({"episodes": 0}, "episodes must be a positive integer"),
    ({"noise": [-0.1]}, "noise standard deviations"),
    ({"noise": ["a"]}, "noise must be a list of numbers"),
    ({"seed": -3}, "evaluation seed"),
))
def test_bad_arguments_are_refused(kwargs, message):
    arguments = {"agent": "random", "env_id": BALANCE, **kwargs}
    with pytest.raises(ValueError, match=message):
        evaluate(**arguments)


def test_the_package_evaluate_also_takes_champion_names():
    from pendulum_zoo.resolve import evaluate as evaluate_with_names, resolve_agent
    from pendulum_zoo.zoo import load_champion

    assert pendulum_zoo.evaluate is evaluate_with_names and pendulum_zoo.resolve_agent is resolve_agent
    by_name = pendulum_zoo.evaluate("mk1", BALANCE, episodes=2, workers=1)
    champion = load_champion("mk1", BALANCE)
    assert by_name.returns == evaluate(champion, BALANCE, episodes=2, workers=1).returns
    assert by_name.algorithm == "mk1" and by_name.training_steps == champion.card["total_steps"]


def test_the_protocol_imports_no_higher_layer():
    code = ("import sys, pendulum_zoo.protocol, pendulum_zoo.protocol.benchmark\n"
            "print(sorted(m for m in sys.modules if m in ('pendulum_zoo.zoo', 'pendulum_zoo.resolve', "
            "'pendulum_zoo.cli')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_network_size_is_reported_for_the_article_network_and_for_mlps():
    from pendulum_zoo.networks.inputs import effective_connection_count
    from pendulum_zoo.networks.policy import effective_connections
    from pendulum_zoo.zoo import load_champion

    rng = np.random.default_rng(5)
    for _ in range(20):  # the general count agrees with the article network's own rule
        params = rng.normal(size=NUM_PARAMS) * (rng.random(NUM_PARAMS) < 0.15)
        assert effective_connection_count(params) == effective_connections(params)[0]
    champion = load_champion("ppo-sparse", "InvertedPendulum-v0")
    report = evaluate(champion, BALANCE, episodes=2, workers=1)
    network = champion.network
    assert report.connections == network.connections == 448 and report.sparsity == network.sparsity
    assert 0 < report.effective_connections <= report.connections
