"""Batched engine speed: env steps/s and ns per env step at N = 256, 2048, 8192, its arithmetic floor, and
the ratio at N = 2048 to one pybullet client stepped in a Python loop.

    python benchmarks/engine_speed.py [--steps S] [--rounds R]

Each figure is the median of R rounds. The engine steps N pendulums from balance starts with uniform random
forces in [-100, 100] N (drawn beforehand), so many carts reach an end stop: the share of pendulum-steps
at a limit is printed beside each figure. The pybullet baseline is ``PendulumPhysics.step`` (the torque
call, ``stepSimulation``, ``getJointStates``) on one client, same forces.

The floor: a step is a fixed list of numpy array operations (the generated free step of engine_fast.py,
the step's own bookkeeping, and the limit response and solver iterations on the pendulums at a limit).
The script counts them by kind (arithmetic, comparison, where, sqrt, min/max, sin, cos), times one
operation of each kind at the same N (the least disturbed of several repeats, a new output array each
time, as the generated code does) and adds up count x time: the cost of the step's operations alone,
without Python's work between them. The element-only floor takes away the per-call overhead too: it
uses each kind's marginal cost per element (its time at N = 65536 minus its time at N = 4096, per extra
element), i.e. numpy's arithmetic throughput.
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


KINDS = {"sin": "sin(", "cos": "cos(", "sqrt": "np.sqrt(", "where": "np.where(", "minmax": "np.m"}
_SAMPLE = {
    "arith": lambda a, b, c: a * b, "compare": lambda a, b, c: a > b, "where": lambda a, b, c: np.where(c, a, 0.0),
    "sqrt": lambda a, b, c: np.sqrt(b + 3.0), "minmax": lambda a, b, c: np.maximum(a, -0.5),
    "sin": lambda a, b, c: np.sin(a), "cos": lambda a, b, c: np.cos(a),
}


def kernel_ops(name: str) -> dict[str, int]:
    """The operations of one generated kernel, counted by kind."""
    source = open(engine_fast.__file__, encoding="utf-8").read()
    body = source.split(f"\ndef {name}(")[1].split("\ndef ")[0]
    counts = dict.fromkeys(_SAMPLE, 0)
    for line in re.findall(r"^    t\d+ = (.*)$", body, flags=re.M):
        kind = next((k for k, marker in KINDS.items() if marker in line), None)
        if kind is None:
            kind = "compare" if re.search(r" (>|>=|<|<=) ", line) else "arith"
        counts[kind] += 1
    return counts


def op_seconds(kind: str, n: int, repeats: int = 1000) -> float:
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-3, 3, n), rng.uniform(-3, 3, n)
    c, op = a > 0, _SAMPLE[kind]
    best = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            op(a, b, c)
        best.append((time.perf_counter() - start) / repeats)
    return min(best)  # the least disturbed repeat: a floor, on a shared machine


def floor_seconds(counts: dict[str, int], n: int, marginal: bool = False) -> float:
    """Seconds for the listed operations on n values (marginal: per-element cost only, times n)."""
    if marginal:
        return sum(c * n * (op_seconds(k, 65536, 200) - op_seconds(k, 4096)) / (65536 - 4096)
                   for k, c in counts.items() if c)
    return sum(c * op_seconds(k, max(n, 1)) for k, c in counts.items() if c)


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
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (figures are indicative)")
    print(f"array ops per step on all N: free step {sum(free.values())} ({_describe(free)}) + bookkeeping "
          f"{BOOKKEEPING_OPS}; on those at a limit: response {sum(response.values())} + {LIMIT_SETUP_OPS} + "
          f"{LIMIT_ITERATION_OPS} per solver iteration (two, usually: the second finds a residual of ~0)")
    limit_arith = LIMIT_SETUP_OPS + 2 * LIMIT_ITERATION_OPS
    rates = {}
    for n in (256, 2048, 8192):
        rate, share = engine_rate(n, args.steps, args.rounds)
        rates[n] = rate
        m = max(1, round(share * n))
        floors = []
        for marginal in (False, True):
            total = floor_seconds({**free, "arith": free["arith"] + BOOKKEEPING_OPS}, n, marginal)
            total += floor_seconds({**response, "arith": response["arith"] + limit_arith}, m, marginal)
            floors.append(total / n)
        print(f"N = {n:5d}: {rate / 1e6:6.2f} M env steps/s, {1e9 / rate:6.1f} ns per env step "
              f"({share:.0%} at a limit); floor {floors[0] * 1e9:5.1f} ns, element-only floor "
              f"{floors[1] * 1e9:5.1f} ns")
    baseline = pybullet_rate(args.steps * 50, args.rounds)
    print(f"one pybullet client in a Python loop: {baseline / 1e3:,.0f} k env steps/s, {1e9 / baseline:,.0f} ns")
    print(f"ratio at N = 2048: {rates[2048] / baseline:.1f}x   (target >= 30x)")


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {k}" for k, c in counts.items() if c)


if __name__ == "__main__":
    main()
