"""Wall time to a run's solving generation on each engine, and the logs compared record by record.

    python benchmarks/training_speed.py [--algorithm mk1] [--env ID] [--seed 0] [--workers K] [--full]

Trains the run (default settings) with ``engine="pybullet"`` and then with ``engine="numpy"``, each stopped
after the generation whose best fitness first reaches the threshold, and prints the wall time to that
generation on each engine and their ratio. Every log record (wall time aside) must be identical across the
engines and equal to the archived run's log in ``evaluation/runs`` when there is one. ``--full`` then
trains the whole run on the numpy engine and compares its full log and champion with the archived run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.training import TrainConfig, read_log, train
from pendulum_zoo.training.run_folder import CHAMPION_FILE, LOG_FILE, run_name

ARCHIVE = os.path.relpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "evaluation", "runs"))


class Solved(Exception):
    """Raised from the callback to stop a run once it has solved."""


def until_solved(config: TrainConfig, engine: str, workers: int | None) -> tuple[list[dict], float]:
    """The log up to and including the solving generation, and the wall time of that generation."""
    records: list[dict] = []

    def watch(record: dict) -> None:
        records.append(record)
        if record["best_fitness"] >= config.threshold:
            raise Solved

    try:
        train(config, workers=workers, engine=engine, callback=watch)
    except Solved:
        return records, records[-1]["wall_time"]
    raise SystemExit(f"the run did not solve on the {engine} engine within {config.max_generations} generations")


def without_wall_time(records: list[dict]) -> list[str]:
    return [json.dumps({k: v for k, v in record.items() if k != "wall_time"}, sort_keys=True) for record in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithm", default="mk1")
    parser.add_argument("--env", default="pendulum_zoo/InvertedPendulumSwingupWide-v0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--full", action="store_true", help="also train the whole run on the numpy engine")
    args = parser.parse_args()
    config = TrainConfig(args.algorithm, args.env, seed=args.seed).resolved()
    archived = os.path.join(ARCHIVE, run_name(config.algorithm, config.env_id, config.seed))
    reference = read_log(os.path.join(archived, LOG_FILE)) if os.path.isdir(archived) else None

    logs, seconds = {}, {}
    for engine in ("pybullet", "numpy"):
        logs[engine], seconds[engine] = until_solved(config, engine, args.workers)
        solved = logs[engine][-1]
        print(f"{engine:>8}: solved at generation {solved['generation']} ({solved['env_steps']:,} env steps), "
              f"{seconds[engine]:.1f} s")
    same = without_wall_time(logs["pybullet"]) == without_wall_time(logs["numpy"])
    print(f"logs identical across engines: {'yes' if same else 'NO'}")
    if reference is not None:
        prefix = without_wall_time(reference[:len(logs["numpy"])])
        print(f"equal to the archived run's log ({archived}): {'yes' if prefix == without_wall_time(logs['numpy']) else 'NO'}")
    print(f"solving generation reached {seconds['pybullet'] / seconds['numpy']:.1f}x sooner on the numpy engine")

    if args.full:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            result = train(config, folder, workers=args.workers, engine="numpy")
            print(f"full run on the numpy engine: {len(result.log)} generations in {time.perf_counter() - start:.1f} s")
            if reference is not None:
                params, _ = load_policy(os.path.join(archived, CHAMPION_FILE))
                print(f"full log equal to the archived run's: "
                      f"{'yes' if without_wall_time(result.log) == without_wall_time(reference) else 'NO'}; "
                      f"champion identical: {'yes' if np.array_equal(params, result.champion) else 'NO'}")


if __name__ == "__main__":
    main()
