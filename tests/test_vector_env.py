"""The native vector env (batched engine) against gymnasium's SyncVectorEnv of single envs, bit for bit."""

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ClosedEnvironmentError, ResetNeeded
from gymnasium.vector import AutoresetMode

from pendulum_zoo.envs.registration import ENV_IDS
from pendulum_zoo.envs.vector import InvertedPendulumSwingupVectorEnv, InvertedPendulumVectorEnv


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def _compare(env_id, num_envs, steps, seed, **kwargs):
    native = gymnasium.make_vec(env_id, num_envs=num_envs, **kwargs)
    sync = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync", **kwargs)
    try:
        obs_native, _ = native.reset(seed=seed)
        obs_sync, _ = sync.reset(seed=seed)
        assert _same(obs_native, obs_sync)
        rng = np.random.default_rng(seed)
        ends = 0
        for _ in range(steps):
            actions = rng.uniform(-1.5, 1.5, (num_envs, 1)).astype(np.float32)  # clipping included
            got, expected = native.step(actions), sync.step(actions)
            for a, b in zip(got[:4], expected[:4]):
                assert _same(a, b)
            assert got[4] == expected[4] == {}
            ends += int((got[2] | got[3]).sum())
        return ends
    finally:
        native.close()
        sync.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_make_vec_returns_the_native_env_and_equals_sync(env_id):
    envs = gymnasium.make_vec(env_id, num_envs=2)
    expected = InvertedPendulumSwingupVectorEnv if "Swingup" in env_id else InvertedPendulumVectorEnv
    assert type(envs) is expected and envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert envs.observation_space.shape == (2, 5) and envs.action_space.shape == (2, 1)
    assert envs.max_episode_steps == 1000
    assert envs.track_half_width == (2.0 if "Wide" in env_id else 1.0)
    envs.close()
    # a short time limit so that truncations and their autoresets happen too
    assert _compare(env_id, num_envs=5, steps=120, seed=11, max_episode_steps=35) > 5


def test_long_episodes_and_a_track_of_neither_width():
    assert _compare("pendulum_zoo/InvertedPendulumSwingup-v0", 4, 1100, seed=3) == 4  # the 1000-step cap
    _compare("pendulum_zoo/InvertedPendulumSwingup-v0", 3, 200, seed=4, track_half_width=1.5)
    _compare("pendulum_zoo/InvertedPendulum-v0", 3, 200, seed=4, track_half_width=1.5)


def test_same_step_autoreset_equals_sync():
    native = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=4, autoreset_mode="SameStep")
    sync = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=4, vectorization_mode="sync",
                              vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP})
    assert native.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert _same(native.reset(seed=1)[0], sync.reset(seed=1)[0])
    rng = np.random.default_rng(1)
    finals = 0
    for _ in range(80):
        actions = rng.uniform(-1, 1, (4, 1)).astype(np.float32)
        got, expected = native.step(actions), sync.step(actions)
        for a, b in zip(got[:4], expected[:4]):
            assert _same(a, b)
        assert set(got[4]) == set(expected[4])
        if "final_obs" in got[4]:
            finals += 1
            assert _same(got[4]["_final_obs"], expected[4]["_final_obs"])
            for a, b in zip(got[4]["final_obs"], expected[4]["final_obs"]):
                assert (a is None and b is None) or _same(a, b)
    assert finals > 3


def test_reset_seeds_sub_env_i_with_seed_plus_i():
    envs = gymnasium.make_vec("pendulum_zoo/InvertedPendulumSwingup-v0", num_envs=3)
    obs, _ = envs.reset(seed=40)
    for i in range(3):
        single = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0")
        assert _same(obs[i], single.reset(seed=40 + i)[0])
        single.close()
    assert _same(envs.reset(seed=40)[0], obs)
    assert _same(envs.reset(seed=[40, 41, 42])[0], obs)
    assert not _same(envs.reset(seed=None)[0], obs)  # continues each sub-environment's generator
    with pytest.raises(ValueError, match="3 entries"):
        envs.reset(seed=[1, 2])
    envs.close()


def test_reset_mask_resets_only_the_selected_sub_envs():
    native = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=3)
    sync = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=3, vectorization_mode="sync")
    native.reset(seed=2), sync.reset(seed=2)
    actions = np.full((3, 1), 0.3, dtype=np.float32)
    native.step(actions), sync.step(actions)
    mask = np.array([True, False, True])
    assert _same(native.reset(options={"reset_mask": mask})[0], sync.reset(options={"reset_mask": mask})[0])
    for a, b in zip(native.step(actions)[:4], sync.step(actions)[:4]):
        assert _same(a, b)
    with pytest.raises(ValueError, match="at least one"):
        native.reset(options={"reset_mask": np.zeros(3, dtype=bool)})


def test_bad_actions_are_refused_as_in_the_single_env():
    envs = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=2)
    with pytest.raises(ResetNeeded):
        envs.step(np.zeros((2, 1), dtype=np.float32))
    envs.reset(seed=0)
    with pytest.raises(ValueError, match="finite"):
        envs.step(np.array([[0.0], [np.nan]], dtype=np.float32))
    with pytest.raises(ValueError, match="finite"):
        envs.step(np.array([[np.inf], [0.0]]))
    with pytest.raises(ValueError, match="shape"):
        envs.step(np.zeros(2, dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        envs.step([[0.1], [0.2, 0.3]])
    with pytest.raises(TypeError, match="numeric"):
        envs.step(np.array([["a"], ["b"]]))
    envs.step([[1], [-3]])  # integers and Python lists, clipped as in the single env
    envs.close()
    with pytest.raises(ClosedEnvironmentError):
        envs.reset(seed=0)


def test_an_action_for_a_resetting_sub_env_is_ignored_as_sync_ignores_it():
    envs = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=2, max_episode_steps=1)
    envs.reset(seed=0)
    envs.step(np.zeros((2, 1), dtype=np.float32))  # both truncate: the next step resets them
    obs, rewards, _, _, _ = envs.step(np.full((2, 1), np.nan, dtype=np.float32))
    assert rewards.tolist() == [0.0, 0.0]
    envs.close()


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="num_envs"):
        InvertedPendulumVectorEnv(num_envs=0)
    with pytest.raises(ValueError, match="render_mode"):
        InvertedPendulumVectorEnv(render_mode="human")
    with pytest.raises(ValueError, match="autoreset_mode"):
        InvertedPendulumVectorEnv(autoreset_mode="Disabled")
    with pytest.raises(ValueError, match="track_half_width"):
        InvertedPendulumVectorEnv(track_half_width=0.0)


def test_rgb_array_renders_sub_env_0_as_the_single_env_does():
    envs = gymnasium.make_vec("pendulum_zoo/InvertedPendulumWide-v0", num_envs=3, render_mode="rgb_array")
    single = gymnasium.make("pendulum_zoo/InvertedPendulumWide-v0", render_mode="rgb_array")
    envs.reset(seed=9)
    single.reset(seed=9)
    for _ in range(5):
        envs.step(np.full((3, 1), 0.8, dtype=np.float32))
        single.step(np.array([0.8], dtype=np.float32))
    frame = envs.render()
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert np.array_equal(frame, single.render())
    assert gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=1).render() is None
    envs.close()
    single.close()


def test_get_state_and_set_state_continue_bit_for_bit_and_refuse_other_envs():
    import json

    env_id = "pendulum_zoo/InvertedPendulum-v0"
    rng = np.random.default_rng(1)
    actions = rng.uniform(-1, 1, (120, 3, 1)).astype(np.float32)
    first = gymnasium.make_vec(env_id, num_envs=3)
    first.reset(seed=4)
    for a in actions[:60]:
        first.step(a)  # random actions: poles fall, autoresets are pending at some steps
    state = first.get_state()
    state = {"meta": json.loads(json.dumps(state["meta"])), "arrays": state["arrays"]}
    expected = [first.step(a)[:4] for a in actions[60:]]
    second = gymnasium.make_vec(env_id, num_envs=3)
    second.set_state(state)
    for a, want in zip(actions[60:], expected):
        for got, b in zip(second.step(a)[:4], want):
            assert _same(got, b)
    ends = sum(int((w[2] | w[3]).sum()) for w in expected)
    assert ends > 0
    for other in (gymnasium.make_vec(env_id, num_envs=2), gymnasium.make_vec("pendulum_zoo/InvertedPendulumWide-v0",
                                                                                num_envs=3)):
        with pytest.raises(ValueError, match="another environment"):
            other.set_state(state)
    bad = {"meta": state["meta"], "arrays": {**state["arrays"], "x": np.array([0.0, np.nan, 0.0])}}
    with pytest.raises(ValueError, match="non-finite"):
        second.set_state(bad)
    with pytest.raises(ValueError, match="sub-env 1"):
        second.set_state({"meta": {**state["meta"], "generators": [state["meta"]["generators"][0], 5, None]},
                          "arrays": state["arrays"]})
