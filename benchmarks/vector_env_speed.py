"""Vector env speed: ``gymnasium.make_vec(ID, num_envs=1024)`` (the batched engine) against
``vectorization_mode="sync"`` with 16 sub-environments (pybullet), random actions, env steps per second.

    python benchmarks/vector_env_speed.py [--env ID] [--steps S] [--rounds R]

Both run in this process, interleaved over R rounds; each figure is the median round. Actions are uniform
in [-1, 1], drawn beforehand; autoresets happen as they come (balance episodes end often).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import gymnasium
import numpy as np

import pendulum_zoo  # noqa: F401  (registers the IDs)


def rate(envs, actions) -> float:
    start = time.perf_counter()
    for action in actions:
        envs.step(action)
    return envs.num_envs * len(actions) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulumSwingupWide-v0")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    native = gymnasium.make_vec(args.env, num_envs=1024)
    sync = gymnasium.make_vec(args.env, num_envs=16, vectorization_mode="sync")
    rng = np.random.default_rng(0)
    native_actions = list(rng.uniform(-1, 1, (args.steps, 1024, 1)).astype(np.float32))
    sync_actions = list(rng.uniform(-1, 1, (args.steps * 8, 16, 1)).astype(np.float32))
    native.reset(seed=0)
    sync.reset(seed=0)
    rates: dict[str, list[float]] = {"native": [], "sync": []}
    for _ in range(args.rounds):
        rates["native"].append(rate(native, native_actions))
        rates["sync"].append(rate(sync, sync_actions))
    a, b = statistics.median(rates["native"]), statistics.median(rates["sync"])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (figures are indicative)")
    print(f"environment {args.env}, median of {args.rounds} rounds")
    print(f"make_vec, num_envs=1024 (batched engine): {a:12,.0f} env steps/s")
    print(f"make_vec sync, 16 sub-environments      : {b:12,.0f} env steps/s")
    print(f"ratio {a / b:.1f}x   (target >= 20x)")
    native.close()
    sync.close()


if __name__ == "__main__":
    main()
