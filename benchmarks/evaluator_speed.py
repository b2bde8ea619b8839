"""Evaluator throughput in env steps per second, policy included: the numpy engine against pybullet clients in
lock-step, with the same worker count (1 and all cores).

    python benchmarks/evaluator_speed.py [--env ID] [--population P] [--episodes E] [--rounds R] [--engines ...]

The default batch is one generation of mk1 on the swing-up tasks (256 policies x 8 episodes); the population
is random mk1-style masks (half the connections kept), evaluated on the same episode seeds by every
evaluator. Worker start-up is excluded (each evaluator is built, then warmed up with one evaluation). Every
round's returns are checked to be identical across engines and worker counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.rollout.evaluator import ENGINES, PopulationEvaluator
from pendulum_zoo.rollout.seeding import training_episode_seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulumSwingupWide-v0")
    parser.add_argument("--population", type=int, default=256)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                        help="the engines to time (default both; one alone says whether workers pay off)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    params = (np.random.default_rng(0).random((args.population, NUM_PARAMS)) < 0.5).astype(np.float64)
    rates: dict[tuple[str, int], float] = {}
    returns: dict[int, np.ndarray] = {}
    for workers in sorted({1, cores}):
        for engine in args.engines:
            with PopulationEvaluator(args.env, workers=workers, engine=engine) as evaluator:
                evaluator.evaluate(params[:8], training_episode_seeds(0, 0, 2))  # warm-up
                values = []
                for round_ in range(args.rounds):
                    seeds = training_episode_seeds(0, round_ + 1, args.episodes)
                    start = time.perf_counter()
                    evaluation = evaluator.evaluate(params, seeds)
                    values.append(evaluation.steps / (time.perf_counter() - start))
                    if round_ in returns:
                        assert np.array_equal(returns[round_], evaluation.returns), "results depend on the engine"
                    returns[round_] = evaluation.returns
            rates[engine, workers] = statistics.median(values)
    print(f"environment: {args.env}; {args.population} policies x {args.episodes} episodes, {args.rounds} rounds, "
          f"median round; returns identical across engines and worker counts")
    for workers in sorted({1, cores}):
        line = "   ".join(f"{engine} {rates[engine, workers]:12,.0f} env steps/s" for engine in args.engines)
        if len(args.engines) == 2:
            line += f": {rates['numpy', workers] / rates['pybullet', workers]:5.1f}x   (target >= 20x)"
        print(f"{workers} worker(s): {line}")
    if cores > 1:
        for engine in args.engines:
            print(f"{engine}, {cores} workers against 1: {rates[engine, cores] / rates[engine, 1]:.2f}x")


if __name__ == "__main__":
    main()
