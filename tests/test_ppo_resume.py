"""A PPO run stopped after k iterations and resumed from its state or checkpoint equals the uninterrupted run."""

import json

import numpy as np
import pytest

from pendulum_zoo.rl import PPO, PPOConfig, SparseConfig
from pendulum_zoo.training.ppo_checkpoint import load_ppo_checkpoint, save_ppo_checkpoint

BALANCE = "pendulum_zoo/InvertedPendulum-v0"


def config(method="rigl", **overrides):
    sparse = SparseConfig(method, None if method == "dense" else 0.5,
                          update_interval=None if method in ("dense", "static") else 3)
    values = {"env_id": BALANCE, "seed": 2, "num_envs": 3, "num_steps": 100, "total_steps": 1200,
              "minibatch_size": 50, "epochs": 2, "actor_hidden": (8, 8), "critic_hidden": (8,),
              "normalize_obs": True, "normalize_reward": True, "anneal_lr": True, "sparse": sparse}
    return PPOConfig(**{**values, **overrides})


def without_timing(history):
    return [{k: v for k, v in stats.items() if not k.endswith("_seconds")} for stats in history]


def uninterrupted(cfg):
    ppo = PPO(cfg)
    try:
        return without_timing(ppo.train()), [p.copy() for p in ppo.params]
    finally:
        ppo.close()


@pytest.mark.parametrize("method", ["dense", "set", "rigl", "prune"])
def test_resume_from_a_checkpoint_equals_the_uninterrupted_run(method, tmp_path):
    cfg = config(method)
    expected_history, expected_params = uninterrupted(cfg)
    first = PPO(cfg)
    history = [first.iterate() for _ in range(2)]
    path = str(tmp_path / "checkpoint.npz")
    save_ppo_checkpoint(path, first, {"wall_time": 1.5, "stop_reason": None})
    first.close()
    resumed, run = load_ppo_checkpoint(path)
    try:
        assert run == {"wall_time": 1.5, "stop_reason": None} and resumed.iteration == 2
        history += resumed.train()
    finally:
        resumed.close()
    assert without_timing(history) == expected_history
    assert all(np.array_equal(a, b) for a, b in zip(resumed.params, expected_params))


def test_state_goes_through_json_and_a_changed_part_is_refused():
    cfg = config()
    ppo = PPO(cfg)
    ppo.iterate()
    state = ppo.state()
    ppo.close()
    meta = json.loads(json.dumps(state["meta"]))  # JSON-able: the checkpoint's header
    target = PPO(cfg)
    try:
        bad = dict(state["arrays"], **{"actor/weights/0": state["arrays"]["actor/weights/0"][:2]})
        with pytest.raises(ValueError, match="actor/weights/0"):
            target.load_state({"meta": meta, "arrays": bad})
        with pytest.raises(ValueError, match="another configuration"):
            target.load_state({"meta": {**meta, "config": config(seed=3).to_dict()}, "arrays": state["arrays"]})
        with pytest.raises(ValueError, match="generator"):
            target.load_state({"meta": {**meta, "generators": {**meta["generators"], "action_rng": {"x": 1}}},
                               "arrays": state["arrays"]})
        assert target.iteration == 0  # nothing changed by the refused states
        target.load_state({"meta": meta, "arrays": state["arrays"]})
        assert target.iteration == 1
    finally:
        target.close()


def test_damaged_checkpoints_are_refused_naming_the_file(tmp_path):
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="checkpoint.npz is damaged"):
        load_ppo_checkpoint(str(path))
    with pytest.raises(FileNotFoundError):
        load_ppo_checkpoint(str(tmp_path / "missing.npz"))
    np.savez(path, header=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="not a pendulum-zoo PPO checkpoint"):
        load_ppo_checkpoint(str(path))


def test_the_sync_env_has_no_state_to_save():
    ppo = PPO(config(vectorization_mode="sync"))
    try:
        with pytest.raises(TypeError, match="native vector env"):
            ppo.state()
    finally:
        ppo.close()


def test_generator_states_round_trip_through_json_and_bad_ones_are_named():
    from pendulum_zoo.rng_state import generator_from_state, generator_state

    rng = np.random.default_rng(7)
    rng.random(3)
    rng.integers(0, 10, dtype=np.uint32)  # leaves a buffered 32-bit half: has_uint32 = 1
    state = json.loads(json.dumps(generator_state(rng)))
    copy = generator_from_state(state)
    assert np.array_equal(copy.random(5), rng.random(5))
    assert copy.integers(0, 2**31, 4).tolist() == rng.integers(0, 2**31, 4).tolist()
    with pytest.raises(ValueError, match="'state' must be 32 lowercase hex digits"):
        generator_from_state({**state, "state": "xyz"}, "the action generator")
    with pytest.raises(ValueError, match="the action generator must be a PCG64 state"):
        generator_from_state({**state, "bit_generator": "MT19937"}, "the action generator")
