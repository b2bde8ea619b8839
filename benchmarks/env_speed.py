"""Environment step rate: gymnasium.make vs the unwrapped environment vs a bare stepSimulation loop.

    python benchmarks/env_speed.py [--env ID] [--steps N] [--rounds R] [--legacy-python PATH]

All three run in one process, on one physics client, interleaved over R rounds; each figure is the median
round. (a) steps ``gymnasium.make(ID)`` with its default wrappers (TimeLimit, OrderEnforcing,
PassiveEnvChecker), resetting at the 1000-step cap; (b) steps ``env.unwrapped`` the same way; (c) calls only
``pybullet.stepSimulation`` on the same client. Actions are uniform in [-1, 1], drawn beforehand.

``--legacy-python`` names a Python with gym 0.26 and pybullet installed (see
tools/record_legacy_trajectories.py); the legacy ``InvertedPendulumSwingupBulletEnv`` is then timed in that
interpreter, in the same run, with the same loop.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import gymnasium
import numpy as np
import pybullet

import pendulum_zoo  # noqa: F401  (registers the IDs)

LEGACY_SNIPPET = """
import sys, time, numpy as np
sys.path.insert(0, {tools!r})
from record_legacy_trajectories import import_legacy_module
env = import_legacy_module().InvertedPendulumSwingupBulletEnv()
env.seed(0); env.reset()
actions = list(np.random.default_rng(0).uniform(-1, 1, size=({steps}, 1)).astype(np.float32))
rates = []
for _ in range({rounds}):
    start = time.perf_counter()
    for i, a in enumerate(actions):
        env.step(a)
        if i % 1000 == 999:
            env.reset()
    rates.append({steps} / (time.perf_counter() - start))
print(sorted(rates)[len(rates) // 2])
"""


def time_env(env: gymnasium.Env, actions: list[np.ndarray]) -> float:
    env.reset(seed=0)
    start = time.perf_counter()
    for i, action in enumerate(actions):
        env.step(action)
        if i % 1000 == 999:
            env.reset()
    return len(actions) / (time.perf_counter() - start)


def time_bare(client: int, steps: int) -> float:
    step = pybullet.stepSimulation
    start = time.perf_counter()
    for _ in range(steps):
        step(client)
    return steps / (time.perf_counter() - start)


def legacy_rate(python: str, steps: int, rounds: int) -> float:
    import pathlib

    tools = str(pathlib.Path(__file__).resolve().parent.parent / "tools")
    code = LEGACY_SNIPPET.format(tools=tools, steps=steps, rounds=rounds)
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulumSwingup-v0")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--legacy-python", default=None)
    args = parser.parse_args(argv)

    wrapped = gymnasium.make(args.env)
    unwrapped = wrapped.unwrapped
    client = unwrapped._physics.client
    actions = list(np.random.default_rng(0).uniform(-1, 1, size=(args.steps, 1)).astype(np.float32))
    rates: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    for _ in range(args.rounds):
        rates["a"].append(time_env(wrapped, actions))
        rates["b"].append(time_env(unwrapped, actions))
        unwrapped.reset(seed=0)
        rates["c"].append(time_bare(client, args.steps))
    a, b, c = (statistics.median(rates[k]) for k in "abc")
    print(f"environment: {args.env}, {args.steps} steps x {args.rounds} rounds, median round")
    print(f"(a) gymnasium.make, default wrappers : {a:10,.0f} steps/s  {1e6 / a:6.2f} us/step")
    print(f"(b) unwrapped environment            : {b:10,.0f} steps/s  {1e6 / b:6.2f} us/step")
    print(f"(c) bare stepSimulation, same client : {c:10,.0f} steps/s  {1e6 / c:6.2f} us/step")
    print(f"cost (b)/(c) = {c / b:.2f}x   (target <= 1.3x)")
    if args.legacy_python:
        legacy = legacy_rate(args.legacy_python, args.steps, args.rounds)
        print(f"(l) legacy pybullet_envs swing-up    : {legacy:10,.0f} steps/s  {1e6 / legacy:6.2f} us/step")
        print(f"rate (a)/(l) = {a / legacy:.2f}x   (target >= 2.5x)")
    else:
        print(f"rate (a) / legacy 27,400 steps/s (reference figure) = {a / 27_400:.2f}x   (target >= 2.5x)")
    wrapped.close()


if __name__ == "__main__":
    main(sys.argv[1:])
