"""PPO's rollouts on the native vector env (the default) equal those on gymnasium's SyncVectorEnv."""

import gymnasium
import numpy as np
import pytest

from pendulum_zoo.envs.vector import InvertedPendulumVectorEnv
from pendulum_zoo.rl import PPO, PPOConfig

TIMING = ("rollout_seconds", "update_seconds")


def run(mode, env_id):
    # 3 copies of 200 steps: a random balance policy falls often, so autoreset rows are in every rollout
    ppo = PPO(PPOConfig(env_id=env_id, seed=5, num_envs=3, num_steps=200, total_steps=1200, minibatch_size=100,
                        epochs=2, actor_hidden=(8,), critic_hidden=(8,), normalize_obs=True,
                        normalize_reward=True, vectorization_mode=mode))
    try:
        history = ppo.train()
        native = isinstance(ppo.envs.unwrapped, InvertedPendulumVectorEnv)
    finally:
        ppo.close()
    return [{k: v for k, v in stats.items() if k not in TIMING} for stats in history], ppo.params, native


@pytest.mark.parametrize("env_id", ["pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumSwingup-v0"])
def test_a_short_run_gives_identical_statistics_on_sync_and_on_the_native_env(env_id):
    assert PPOConfig().vectorization_mode == "vector_entry_point"
    native_stats, native_params, is_native = run("vector_entry_point", env_id)
    sync_stats, sync_params, is_sync_native = run("sync", env_id)
    assert is_native and not is_sync_native
    assert len(native_stats) == 2
    if "Swingup" not in env_id:
        assert native_stats[0]["episodes"] > 3  # terminations and autoresets were compared too
    assert native_stats == sync_stats
    assert all(np.array_equal(a, b) for a, b in zip(native_params, sync_params))
    assert isinstance(gymnasium.make_vec(env_id, num_envs=1), InvertedPendulumVectorEnv)
