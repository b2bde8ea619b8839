"""PPO throughput: env steps per second of rollouts, samples per second through the update, and (optionally)
the wall time of a whole training run, beside stable-baselines3's PPO when it is installed.

    python benchmarks/ppo_speed.py [--env ID] [--num-envs N ...] [--rounds R] [--sparse METHOD] [--train-steps S]
                                   [--solve]

Rollouts: ``PPO.collect()`` (policy and value forward passes, sampling, GAE included) for 2048 steps in all,
over N copies of the native vector env (``gymnasium.make_vec``, the batched engine), beside bare vector-env stepping with random
actions on the same copies. Update: ``PPO.update()`` on that rollout (10 epochs of minibatch 64, the paper's
defaults), as samples (rows x epochs) per second. Each figure is the median of R rounds. ``--train-steps``
also times ``PPO.train()`` for S env steps, and stable-baselines3's PPO with the same settings and 64x64 tanh
networks when ``stable_baselines3`` imports (skipped otherwise). ``--solve`` trains dense PPO with the task's
tuned settings (``rl/settings.py``) and scores the policy on the protocol (100 episodes): the issue's target is
1000 on InvertedPendulum-v0 in under 30 s. The machine's cores may be shared: figures are indicative.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium
import numpy as np

import pendulum_zoo  # noqa: F401  (registers the IDs)
from pendulum_zoo.rl import PPO, PPOConfig, SparseConfig
from pendulum_zoo.rl.settings import ppo_config


def median_rate(work, amount: float, rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        rates.append(amount / (time.perf_counter() - started))
    return statistics.median(rates)


def bare_env_rate(env_id: str, num_envs: int, steps: int, rounds: int) -> float:
    envs = gymnasium.make_vec(env_id, num_envs=num_envs)
    envs.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (steps, num_envs, 1)).astype(np.float32)
    try:
        return median_rate(lambda: [envs.step(a) for a in actions], steps * num_envs, rounds)
    finally:
        envs.close()


def ppo_rates(env_id: str, num_envs: int, sparse: str, rounds: int) -> tuple[float, float]:
    config = PPOConfig(env_id=env_id, num_envs=num_envs, num_steps=2048 // num_envs, total_steps=10 ** 9,
                       sparse=SparseConfig(method=sparse))
    ppo = PPO(config)
    try:
        batch = ppo.collect()
        rollout = median_rate(ppo.collect, config.batch_size, rounds)
        update = median_rate(lambda: ppo.update(batch), config.batch_size * config.epochs, rounds)
    finally:
        ppo.close()
    return rollout, update


def time_ours(env_id: str, steps: int) -> float:
    ppo = PPO(PPOConfig(env_id=env_id, total_steps=steps))
    started = time.perf_counter()
    try:
        ppo.train()
    finally:
        ppo.close()
    return time.perf_counter() - started


def solve(env_id: str) -> tuple[float, int, dict]:
    """Seconds to train dense PPO with the tuned settings, its env steps, and the protocol's statistics."""
    from pendulum_zoo.protocol import evaluate

    ppo = PPO(ppo_config(env_id))
    started = time.perf_counter()
    try:
        ppo.train()
    finally:
        ppo.close()
    seconds = time.perf_counter() - started
    return seconds, ppo.env_steps, evaluate(ppo.policy(), env_id, workers=1).statistics()


def time_sb3(env_id: str, steps: int) -> float | None:
    try:
        import torch
        from stable_baselines3 import PPO as SB3PPO
    except ImportError:
        return None
    env = gymnasium.make(env_id)
    model = SB3PPO("MlpPolicy", env, n_steps=2048, batch_size=64, n_epochs=10, learning_rate=3e-4, gamma=0.99,
                   gae_lambda=0.95, clip_range=0.2, vf_coef=0.5, ent_coef=0.0, max_grad_norm=0.5, seed=0,
                   policy_kwargs={"net_arch": {"pi": [64, 64], "vf": [64, 64]}, "activation_fn": torch.nn.Tanh},
                   device="cpu", verbose=0)
    started = time.perf_counter()
    model.learn(total_timesteps=steps)
    env.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulum-v0")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sparse", default="dense", help="sparse method for the update figure")
    parser.add_argument("--train-steps", type=int, default=0, help="also time a whole run of this many steps")
    parser.add_argument("--solve", action="store_true", help="train with the tuned settings and score the policy")
    args = parser.parse_args()
    print(f"{args.env}, 64x64 tanh actor and critic, {args.sparse}, median of {args.rounds} rounds")
    for num_envs in args.num_envs:
        bare = bare_env_rate(args.env, num_envs, 2048 // num_envs, args.rounds)
        rollout, update = ppo_rates(args.env, num_envs, args.sparse, args.rounds)
        print(f"  {num_envs:2d} env copies: rollout {rollout:8,.0f} env steps/s (bare vector env {bare:8,.0f}), "
              f"update {update:8,.0f} samples/s")
    if args.train_steps:
        ours = time_ours(args.env, args.train_steps)
        print(f"  PPO.train, {args.train_steps:,} steps: {ours:.1f} s")
        theirs = time_sb3(args.env, args.train_steps)
        if theirs is None:
            print("  stable-baselines3: not installed, skipped")
        else:
            print(f"  stable-baselines3 PPO, same settings: {theirs:.1f} s ({theirs / ours:.1f}x ours)")
    if args.solve:
        seconds, steps, stats = solve(args.env)
        print(f"  tuned dense PPO: {steps:,} steps trained in {seconds:.1f} s; protocol (100 episodes) "
              f"{stats['mean']:.2f} +/- {stats['std']:.2f}, min {stats['min']:.2f}")


if __name__ == "__main__":
    main()
