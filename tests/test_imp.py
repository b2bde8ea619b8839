"""Iterative magnitude pruning: one round removes exactly 20% of the survivors by global magnitude, rewinding
restores the initial values exactly, and each of the four conditions keeps and scrambles what it should."""

import os

import numpy as np
import pytest

from pendulum_zoo.networks.mlp import MLP
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.rl.imp import (
    CONDITIONS,
    condition_start,
    global_sparsity,
    imp_initial_weights,
    prune_count,
    prune_global,
    run_imp,
    start_state,
    survivors,
)

SHAPES = [(5, 16), (16, 16), (16, 1)]
SIZES = {"actor": (5, 16, 16, 1), "critic": (5, 16, 16, 1)}
GAINS = {"actor": 0.01, "critic": 1.0}


def random_network(rng, density=0.6):
    masks = [(rng.random(shape) < density).astype(float) for shape in SHAPES]
    weights = [rng.normal(size=shape) * mask for shape, mask in zip(SHAPES, masks)]
    return weights, masks


def test_a_round_removes_exactly_a_fifth_of_the_survivors_smallest_first_across_layers():
    rng = np.random.default_rng(0)
    weights, masks = random_network(rng)
    weights[2] *= 0.05  # a small-weight layer: global pruning must take more from it than from the others
    alive = survivors(masks)
    new = prune_global(weights, masks)
    assert alive - survivors(new) == prune_count(alive) == round(0.2 * alive)
    assert all(np.all(n <= m) for n, m in zip(new, masks))  # pruned entries never come back
    removed = np.concatenate([np.abs(w[(m == 1) & (n == 0)]) for w, m, n in zip(weights, masks, new)])
    kept = np.concatenate([np.abs(w[n == 1]) for w, n in zip(weights, new)])
    assert removed.max() <= kept.min()
    kept_share = [np.count_nonzero(n) / np.count_nonzero(m) for n, m in zip(new, masks)]
    assert kept_share[2] < 0.8 < kept_share[0]


def test_ties_are_broken_by_layer_then_index():
    weights = [np.ones((2, 2)), np.ones((2, 1))]
    masks = [np.ones((2, 2)), np.ones((2, 1))]
    new = prune_global(weights, masks, 0.5)  # 3 of 6 equal weights go: the first layer's first three
    assert new[0].reshape(-1).tolist() == [0.0, 0.0, 0.0, 1.0] and new[1].reshape(-1).tolist() == [1.0, 1.0]


def test_twenty_rounds_leave_about_one_percent():
    masks = [np.ones(shape) for shape in [(5, 64), (64, 64), (64, 1)]]
    rng = np.random.default_rng(1)
    for _ in range(20):
        masks = prune_global([rng.normal(size=m.shape) * m for m in masks], masks)
    assert 0.010 < 1 - global_sparsity(masks) < 0.013


def test_kaiming_input_scaling_scales_only_the_input_layer():
    plain = imp_initial_weights((5, 8, 1), np.random.default_rng(3), "kaiming")
    scaled = imp_initial_weights((5, 8, 1), np.random.default_rng(3), "kaiming-input-0.1")
    assert np.array_equal(scaled[0], plain[0] * 0.1) and np.array_equal(scaled[1], plain[1])
    assert not np.allclose(imp_initial_weights((5, 8, 1), np.random.default_rng(3), "xavier")[0], plain[0])


def ticket(rng):
    initial = {name: imp_initial_weights(SIZES[name], rng, "kaiming") for name in SIZES}
    masks = {"actor": random_network(rng, 0.3)[1]}
    return initial, masks


def fresh_networks():
    return {name: imp_initial_weights(SIZES[name], np.random.default_rng(77), "kaiming") for name in SIZES}


def starts(initial, masks, pruned=("actor",)):
    return {c: condition_start(c, initial, masks, pruned, np.random.default_rng(5), fresh_networks) for c in CONDITIONS}


def test_each_condition_keeps_what_it_should_and_scrambles_the_rest():
    initial, masks = ticket(np.random.default_rng(4))
    s = starts(initial, masks)
    actor_masks = masks["actor"]
    survivors_by_layer = [np.sort(w[m == 1]) for w, m in zip(initial["actor"], actor_masks)]
    # the ticket: the mask and the surviving initial values, in place
    ticket_masks, ticket_weights = s["mask/weights"]["actor"]
    assert all(np.array_equal(a, b) for a, b in zip(ticket_masks, actor_masks))
    assert all(np.array_equal(w, i * m) for w, i, m in zip(ticket_weights, initial["actor"], actor_masks))
    # mask/permuted: same mask, each layer's surviving values moved among its surviving places
    kept_masks, kept_weights = s["mask/permuted"]["actor"]
    assert all(np.array_equal(a, b) for a, b in zip(kept_masks, actor_masks))
    assert all(np.array_equal(np.sort(w[m == 1]), v) for w, m, v in zip(kept_weights, actor_masks, survivors_by_layer))
    assert not np.array_equal(kept_weights[0], ticket_weights[0])
    # permuted/permuted: each layer's count (pruning ratio) and values, anywhere in the layer
    moved_masks, moved_weights = s["permuted/permuted"]["actor"]
    assert [m.sum() for m in moved_masks] == [m.sum() for m in actor_masks]
    assert not np.array_equal(moved_masks[0], actor_masks[0])
    assert all(np.array_equal(np.sort(w[m == 1]), v) for w, m, v in zip(moved_weights, moved_masks, survivors_by_layer))
    assert all(np.all(w[m == 0] == 0) for w, m in zip(moved_weights, moved_masks))
    # random/re-init: only the global count; fresh weights
    random_masks, random_weights = s["random/re-init"]["actor"]
    assert survivors(random_masks) == survivors(actor_masks)
    assert [m.sum() for m in random_masks] != [m.sum() for m in actor_masks]
    assert np.array_equal(random_weights[1], fresh_networks()["actor"][1] * random_masks[1])
    # the unpruned critic: rewound (dense) in every condition but random/re-init, which draws it afresh
    for condition in CONDITIONS[:3]:
        assert all(np.array_equal(w, i) for w, i in zip(s[condition]["critic"][1], initial["critic"]))
    assert np.array_equal(s["random/re-init"]["critic"][1][0], fresh_networks()["critic"][0])


def test_actor_critic_pruning_keeps_the_global_count_over_both_networks():
    initial, masks = ticket(np.random.default_rng(6))
    masks["critic"] = random_network(np.random.default_rng(7), 0.5)[1]
    s = starts(initial, masks, ("actor", "critic"))
    both = masks["actor"] + masks["critic"]
    drawn = s["random/re-init"]["actor"][0] + s["random/re-init"]["critic"][0]
    assert survivors(drawn) == survivors(both)
    moved = s["permuted/permuted"]
    assert [m.sum() for m in moved["critic"][0]] == [m.sum() for m in masks["critic"]]


class FakeTrainer:
    """Training moves every live weight by a seeded amount; records each start it was given."""

    def __init__(self):
        self.starts = []

    def __call__(self, start, seed):
        self.starts.append(start)
        rng = np.random.default_rng(seed)
        trained = {name: MLP(SIZES[name], masks=start[name][0],
                             weights=[(w + rng.normal(size=w.shape)) * m for m, w in zip(*start[name])])
                   for name in start}
        return trained, {"trained": True}


def score(actor):
    return {"score": float(sum(np.abs(w).sum() for w in actor.weights))}


def imp(state, rounds, trainer, on_round=None):
    return run_imp(state, rounds, seed=3, scheme="kaiming", sizes=SIZES, pruned=("actor",), gains=GAINS,
                   train=trainer, score=score, on_round=on_round)


def test_rewinding_restores_the_initial_values_exactly():
    trainer = FakeTrainer()
    state = imp(start_state(SIZES, 3, "kaiming", ("actor",), GAINS), 3, trainer)
    ticket_starts = [trainer.starts[0]] + trainer.starts[1::4]  # round 0, then each round's mask/weights
    for r, start in enumerate(ticket_starts):
        masks, weights = start["actor"]
        assert all(np.array_equal(w, i * m) for w, i, m in zip(weights, state.initial["actor"], masks))
    alive = [survivors(s["actor"][0]) for s in ticket_starts]
    expected = [5 * 16 + 16 * 16 + 16]
    for _ in range(3):
        expected.append(expected[-1] - prune_count(expected[-1]))
    assert alive == expected
    assert len(state.rows) == 4 + 3 * 4 and {row["condition"] for row in state.rows} == set(CONDITIONS)


def test_an_interrupted_run_resumed_equals_an_uninterrupted_one():
    whole = imp(start_state(SIZES, 3, "kaiming", ("actor",), GAINS), 3, FakeTrainer())
    part = imp(start_state(SIZES, 3, "kaiming", ("actor",), GAINS), 3, FakeTrainer(), on_round=lambda s: s.round == 2)
    assert part.round == 2
    resumed = imp(part, 3, FakeTrainer())
    assert resumed.rows == whole.rows
    assert all(np.array_equal(a, b) for a, b in zip(resumed.masks["actor"], whole.masks["actor"]))


def test_unknown_condition_is_refused():
    with pytest.raises(ValueError, match="condition"):
        condition_start("mask/shuffled", *ticket(np.random.default_rng(0)), ("actor",), np.random.default_rng(0),
                        fresh_networks)


def test_ppo_starts_from_the_given_masks_and_weights_and_keeps_the_masks():
    from pendulum_zoo.rl import PPO, PPOConfig

    config = PPOConfig(num_steps=64, total_steps=128, minibatch_size=16, epochs=2, actor_hidden=(16, 16),
                       critic_hidden=(16, 16))
    initial, masks = ticket(np.random.default_rng(8))
    start = starts(initial, masks)["mask/permuted"]
    ppo = PPO(config, initial=start)
    try:
        assert all(np.array_equal(w, s) for w, s in zip(ppo.actor.weights, start["actor"][1]))
        assert all(np.array_equal(w, s) for w, s in zip(ppo.critic.weights, start["critic"][1]))
        ppo.train()
    finally:
        ppo.close()
    for weight, mask, first in zip(ppo.actor.weights, start["actor"][0], start["actor"][1]):
        assert np.all(weight[mask == 0] == 0) and np.array_equal(ppo.actor.masks[0], start["actor"][0][0])
        assert not np.array_equal(weight, first)


@pytest.mark.parametrize("trainer", ["ppo", "bc"])
def test_a_resumed_imp_run_equals_an_uninterrupted_one(tmp_path, trainer):
    from pendulum_zoo.studies.tickets import TicketsConfig, read_run, run_tickets

    config = TicketsConfig(trainer=trainer, rounds=2, hidden=(8, 8), ppo_steps=256, teacher_steps=300,
                           bc_epochs=2, eval_episodes=2)
    whole = run_tickets(str(tmp_path / "whole"), config)
    part = run_tickets(str(tmp_path / "part"), config, stop_after=1)
    assert part.round == 1 and len(part.rows) == 4
    resumed = run_tickets(str(tmp_path / "part"), config)
    assert resumed.round == whole.round == 3
    assert resumed.rows == whole.rows and len(whole.rows) == 4 + 2 * 4
    assert all(np.array_equal(a, b) for a, b in zip(resumed.masks["actor"], whole.masks["actor"]))
    saved_config, saved = read_run(str(tmp_path / "part"))
    assert saved_config == config and saved.rows == whole.rows
    assert all(np.array_equal(a, b) for r in range(3) for a, b in zip(saved.tickets[r], whole.tickets[r]))


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    from pendulum_zoo.studies.tickets import TicketsConfig, run_tickets

    config = TicketsConfig(trainer="bc", rounds=0, hidden=(8,), teacher_steps=100, bc_epochs=1, eval_episodes=1)
    run_tickets(str(tmp_path), config)
    with pytest.raises(ValueError, match="another run"):
        run_tickets(str(tmp_path), TicketsConfig(trainer="bc", rounds=0, hidden=(8,), seed=1, teacher_steps=100,
                                                 bc_epochs=1, eval_episodes=1))


def test_the_sparsity_figure_is_valid_svg_with_one_polyline_per_series():
    import xml.etree.ElementTree as ElementTree

    from pendulum_zoo.drawing.sparsity_svg import Series, sparsity_curves_svg

    text = sparsity_curves_svg([Series("a<b", [(0, 1.0, 0.1), (1, 0.5, 0.2)]), Series("c", [(0, 0.0, None)])],
                               [1.0, 0.8], title="t & u")
    root = ElementTree.fromstring(text.split("\n", 1)[1])
    lines = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert [e.get("data-series") for e in lines] == ["a<b", "c"]


def test_the_tickets_command_runs_resumes_and_refuses_to_overwrite(tmp_path, capsys):
    from pendulum_zoo.cli.app import main

    command = ["tickets", "--trainer", "bc", "--env", "InvertedPendulum-v0", "--rounds", "0", "--seeds", "0",
               "--teacher-steps", "200", "--eval-episodes", "1", "--out", str(tmp_path)]
    assert main(command) == 0
    assert "mask/weights: sparsest within 2% of dense" in capsys.readouterr().out
    assert main(command) == 2 and "--resume" in capsys.readouterr().err
    assert main(command + ["--resume"]) == 0


def test_a_damaged_checkpoint_is_refused_with_its_name(tmp_path):
    from pendulum_zoo.storage.fileio import write_npz
    from pendulum_zoo.studies.tickets import TicketsConfig, load_checkpoint, run_tickets, save_checkpoint

    config = TicketsConfig(trainer="bc", rounds=0, hidden=(8,), teacher_steps=100, bc_epochs=1, eval_episodes=1)
    state = run_tickets(str(tmp_path), config)
    path = str(tmp_path / "checkpoint.npz")
    (tmp_path / "checkpoint.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="checkpoint.npz"):
        load_checkpoint(path, config)
    save_checkpoint(path, config, state)
    state.masks["actor"][0][0, 0] = 0.5
    save_checkpoint(path, config, state)
    with pytest.raises(ValueError, match="other than 0 and 1"):
        load_checkpoint(path, config)
    write_npz(path, {"meta": np.array('{"format": "something else"}')})
    with pytest.raises(ValueError, match="not a version-1 tickets checkpoint"):
        load_checkpoint(path, config)


def test_a_ppo_ticket_keeps_its_observation_normaliser_through_the_checkpoint(tmp_path):
    """With the tuned swing-up settings the actor normalises its observations: the checkpoint must keep the
    statistics, or the saved ticket would act differently from the one that was scored."""
    from pendulum_zoo.studies.tickets import TicketsConfig, read_run, run_tickets, ticket_network

    config = TicketsConfig(trainer="ppo", env_id="InvertedPendulumSwingupWide-v0", rounds=1, hidden=(8, 8),
                           conditions=("mask/weights",), ppo_settings="tuned", ppo_steps=16_384, eval_episodes=2)
    assert config.normalises_observations
    run_tickets(str(tmp_path), config)
    saved_config, state = read_run(str(tmp_path))
    for row, arrays in zip(state.rows, state.tickets, strict=True):
        network = ticket_network(saved_config, arrays)
        assert network.normaliser is not None and network.normaliser.frozen
        returns = evaluate(network.act, config.env_id, episodes=2, seed=0, workers=1).returns
        assert float(np.mean(returns)) == row["score"]


def test_a_report_in_a_clone_without_checkpoints_keeps_every_run(tmp_path):
    from pendulum_zoo.studies.tickets import TicketsConfig, run_tickets
    from pendulum_zoo.studies.tickets_report import group_runs

    config = TicketsConfig(trainer="bc", rounds=1, hidden=(8,), teacher_steps=100, bc_epochs=1, eval_episodes=1)
    run_tickets(str(tmp_path / "runs" / "bc-balance-s0"), config)
    (with_checkpoint,) = group_runs(str(tmp_path), "bc-balance")
    os.remove(tmp_path / "runs" / "bc-balance-s0" / "checkpoint.npz")
    (from_results,) = group_runs(str(tmp_path), "bc-balance")
    assert from_results[0] == with_checkpoint[0] == config
    assert from_results[1].rows == with_checkpoint[1].rows and from_results[1].round == with_checkpoint[1].round == 2
