"""Evaluator throughput in env steps per second, policy included, with 1 worker and with all cores.

    python benchmarks/evaluator_speed.py [--env ID] [--population P] [--episodes E] [--rounds R]

The population is random mk1-style masks (half the connections kept), evaluated on the same episode seeds by
each evaluator; worker start-up is excluded (the evaluator is built, then warmed up with one evaluation).
Every round's returns are checked to be identical across worker counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from pendulum_zoo.rollout.evaluator import PopulationEvaluator
from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.rollout.seeding import training_episode_seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulumSwingupWide-v0")
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    params = (np.random.default_rng(0).random((args.population, NUM_PARAMS)) < 0.5).astype(np.float64)
    rates: dict[int, list[float]] = {}
    returns: dict[int, np.ndarray] = {}
    for workers in sorted({1, cores}):
        with PopulationEvaluator(args.env, workers=workers) as evaluator:
            evaluator.evaluate(params, training_episode_seeds(0, 0, args.episodes))  # warm-up
            for round_ in range(args.rounds):
                seeds = training_episode_seeds(0, round_ + 1, args.episodes)
                start = time.perf_counter()
                evaluation = evaluator.evaluate(params, seeds)
                rates.setdefault(workers, []).append(evaluation.steps / (time.perf_counter() - start))
                if round_ in returns:
                    assert np.array_equal(returns[round_], evaluation.returns), "results depend on workers"
                returns[round_] = evaluation.returns
    print(f"environment: {args.env}; {args.population} policies x {args.episodes} episodes, {args.rounds} rounds, "
          f"median round; returns identical across worker counts")
    for workers, values in rates.items():
        rate = statistics.median(values)
        print(f"{workers} worker(s): {rate:10,.0f} env steps/s   ({rate / workers:,.0f} per worker)")
    if cores > 1:
        print(f"speed-up with {cores} workers: {statistics.median(rates[cores]) / statistics.median(rates[1]):.2f}x")


if __name__ == "__main__":
    main()
