"""Batched engine speed: env steps/s and ns per env step at N = 256, 2048, 8192, its arithmetic floor, and
the ratio at N = 2048 to one pybullet client stepped in a Python loop.

    python benchmarks/engine_speed.py [--steps S] [--rounds R]

Each figure is the median of R rounds. The engine steps N pendulums from balance starts with uniform random
forces in [-100, 100] N (drawn beforehand), so many carts reach an end stop: the share of pendulum-steps
at a limit is printed beside each figure. The pybullet baseline is ``PendulumPhysics.step`` (the torque
call, ``stepSimulation``, ``getJointStates``) on one client, same forces.

The floor: a step is a fixed list of numpy array operations (the generated free step of engine_fast.py,
the step's own bookkeeping, and the limit response and solver iterations on the pendulums at a limit),
each reading and writing N float64 values. Timing one representative operation (``a * b`` into a new
array) at the same N gives the cost of an operation, call overhead included; ops x that cost is the floor
the engine could reach without fusing operations. The element-only floor uses the per-element cost of
the same operation (its time at N = 65536 minus its time at N = 4096, per extra element: numpy's
arithmetic throughput without the per-call overhead).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

import numpy as np

from pendulum_zoo.physics import engine_fast
from pendulum_zoo.physics.bullet_client import PendulumPhysics
from pendulum_zoo.physics.engine import BatchedPendulum

BOOKKEEPING_OPS = 12  # step_state outside the kernels: penetrations, row test, += 0, positions
LIMIT_SETUP_OPS = 16  # _solve_limit before its loop, plus gathering and scattering the rows
LIMIT_ITERATION_OPS = 16  # one projected Gauss-Seidel iteration


def kernel_ops(name: str) -> int:
    source = open(engine_fast.__file__, encoding="utf-8").read()
    body = source.split(f"\ndef {name}(")[1].split("\ndef ")[0]
    return len(re.findall(r"^    t\d+ = ", body, flags=re.M))


def op_seconds(n: int, repeats: int = 2000) -> float:
    a, b = np.random.default_rng(0).random(n), np.random.default_rng(1).random(n)
    best = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            a * b
        best.append((time.perf_counter() - start) / repeats)
    return min(best)  # the least disturbed repeat: a floor, on a shared machine


def engine_rate(n: int, steps: int, rounds: int) -> tuple[float, float]:
    """Median env steps/s, and the share of pendulum-steps that start at or beyond a limit."""
    forces = np.random.default_rng(n).uniform(-100.0, 100.0, (64, n))
    angles = np.random.default_rng(n + 1).uniform(-0.1, 0.1, n)
    pendulums = BatchedPendulum(n, 1.0)
    pendulums.reset(angles)
    hits = 0
    for t in range(steps):  # untimed: how often the limit rows run
        hits += int((np.abs(pendulums.x) >= 1.0).sum())
        pendulums.step(forces[t % 64])
    rates = []
    for _ in range(rounds):
        pendulums.reset(angles)
        start = time.perf_counter()
        for t in range(steps):
            pendulums.step(forces[t % 64])
        rates.append(n * steps / (time.perf_counter() - start))
    return statistics.median(rates), hits / (n * steps)


def pybullet_rate(steps: int, rounds: int) -> float:
    forces = np.random.default_rng(0).uniform(-100.0, 100.0, steps).tolist()
    physics = PendulumPhysics(1.0)
    rates = []
    for _ in range(rounds):
        physics.reset(0.05)
        step = physics.step
        start = time.perf_counter()
        for f in forces:
            step(f)
        rates.append(steps / (time.perf_counter() - start))
    physics.close()
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    free, response = kernel_ops("free_velocities"), kernel_ops("slider_response")
    # marginal cost of one element of one operation, without the per-call overhead
    per_element = (op_seconds(65536, repeats=300) - op_seconds(4096)) / (65536 - 4096)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (figures are indicative)")
    print(f"array ops per step: free {free} + bookkeeping {BOOKKEEPING_OPS} on all N; limit "
          f"{response} + {LIMIT_SETUP_OPS} + {LIMIT_ITERATION_OPS} per solver iteration on those at a limit")
    rates = {}
    for n in (256, 2048, 8192):
        rate, limit_share = engine_rate(n, args.steps, args.rounds)
        rates[n] = rate
        # two solver iterations is the usual count: the second one finds a residual of ~0 and exits
        ops = free + BOOKKEEPING_OPS + limit_share * (response + LIMIT_SETUP_OPS + 2 * LIMIT_ITERATION_OPS)
        floor = ops * op_seconds(n) / n
        print(f"N = {n:5d}: {rate / 1e6:6.2f} M env steps/s, {1e9 / rate:6.1f} ns per env step "
              f"({limit_share:.0%} at a limit); floor {floor * 1e9:6.1f} ns (ops x one op at this N), "
              f"element-only floor {ops * per_element * 1e9:5.1f} ns")
    baseline = pybullet_rate(args.steps * 50, args.rounds)
    print(f"one pybullet client in a Python loop: {baseline / 1e3:,.0f} k env steps/s, {1e9 / baseline:,.0f} ns")
    print(f"ratio at N = 2048: {rates[2048] / baseline:.1f}x   (target >= 30x)")


if __name__ == "__main__":
    main()
