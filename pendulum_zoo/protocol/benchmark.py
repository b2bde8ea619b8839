"""Train-then-score: the article's tables for any algorithm and environment.

``train_and_evaluate(algo, env_id, seeds=(0, 1, 2))`` trains one run per seed, scores each champion with the
protocol, and tabulates as the article's Tables 1 and 2 do: steps to solve (mean +/- std over the seeds that
solved) and the best agent's final performance (mean +/- std over its 100 protocol episodes), plus its
connection count and the wall time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pendulum_zoo.storage.fileio import to_json
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.protocol import DEFAULT_EPISODES, evaluate
from pendulum_zoo.protocol.report import Report
from pendulum_zoo.rollout.evaluator import DEFAULT_ENGINE
from pendulum_zoo.training import TrainConfig, TrainResult, train
from pendulum_zoo.training.run_folder import run_name


@dataclass
class SeedRun:
    seed: int
    training: TrainResult
    report: Report


@dataclass
class BenchmarkResult:
    algorithm: str
    env_id: str
    runs: list[SeedRun] = field(default_factory=list)
    best_seed: int | None = None  # chosen elsewhere (the zoo selects on other episodes); else the best mean

    @property
    def best(self) -> SeedRun:
        """The article's "best agent": the run of ``best_seed`` if set, else the highest protocol mean."""
        if self.best_seed is not None:
            return next(run for run in self.runs if run.seed == self.best_seed)
        return max(self.runs, key=lambda run: run.report.statistics()["mean"])

    def row(self) -> dict[str, Any]:
        solved = [run.training.card["steps_to_solve"] for run in self.runs
                  if run.training.card["steps_to_solve"] is not None]
        best = self.best
        stats = best.report.statistics()
        return {
            "algorithm": self.algorithm, "env_id": self.env_id, "seeds": [run.seed for run in self.runs],
            "solved_runs": len(solved),
            "steps_to_solve_mean": float(np.mean(solved)) if solved else None,
            "steps_to_solve_std": float(np.std(solved)) if solved else None,
            "best_seed": best.seed, "best_mean": stats["mean"], "best_std": stats["std"],
            "best_iqm": stats["iqm"], "best_connections": best.report.connections,
            "per_seed_mean": [run.report.statistics()["mean"] for run in self.runs],
            "wall_time_s_mean": float(np.mean([run.training.card["wall_time_s"] for run in self.runs])),
        }

    def markdown(self) -> str:
        return TABLE_HEADER + "\n" + markdown_row(self.row()) + "\n"

    def to_json(self) -> str:
        return to_json({"row": self.row(), "runs": [
            {"seed": run.seed, "card": run.training.card, "report": run.report.to_dict()} for run in self.runs]})


TABLE_HEADER = ("| Method | Env | Steps to solve (solved runs) | Best agent final performance | Connections "
                "| Wall time per run |\n|---|---|---|---|---|---|")


def scientific(mean: float | None, std: float | None) -> str:
    """The article's number style: ``2.507e+05 +/- 9.224e+04``."""
    return "-" if mean is None else f"{mean:.3e} +/- {std:.3e}"


def markdown_row(row: dict[str, Any]) -> str:
    runs = len(row["seeds"])
    steps = f"{scientific(row['steps_to_solve_mean'], row['steps_to_solve_std'])} ({row['solved_runs']}/{runs})"
    best = f"{row['best_mean']:.1f} +/- {row['best_std']:.2f} (seed {row['best_seed']})"
    minutes = row["wall_time_s_mean"] / 60
    return (f"| {row['algorithm']} | {row['env_id'].split('/')[-1]} | {steps} | {best} | "
            f"{row['best_connections']} | {minutes:.1f} min |")


def train_and_evaluate(algorithm: str, env_id: str, seeds: Sequence[int] = (0, 1, 2), *,
                       out_root: str | os.PathLike | None = None, workers: int | None = None,
                       engine: str = DEFAULT_ENGINE,
                       eval_episodes: int = DEFAULT_EPISODES, eval_seed: int = 0, resume: bool = False,
                       on_run: Callable[[int, str], None] | None = None,
                       on_generation: Callable[[int, dict[str, Any]], None] | None = None,
                       **config: Any) -> BenchmarkResult:
    """Train ``algorithm`` on ``env_id`` once per seed, score every champion with the protocol.

    ``config`` holds further ``TrainConfig`` fields (``population_size``, ``episodes`` per member in
    training, ``max_generations``...); ``eval_episodes`` is the protocol's episode count. With
    ``out_root``, each run goes to ``out_root/<algorithm>-<Env>-s<seed>`` (and ``resume=True`` continues
    unfinished runs there). ``on_run(seed, stage)`` and ``on_generation(seed, record)`` report progress.
    """
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    configs = [TrainConfig(algorithm, env_id, seed=seed, **config).resolved() for seed in seeds]  # check all first
    result = BenchmarkResult(configs[0].algorithm, configs[0].env_id)
    for train_config in configs:
        seed = train_config.seed
        folder = None
        if out_root is not None:
            folder = os.path.join(out_root, run_name(algorithm, train_config.env_id, seed))
        if on_run is not None:
            on_run(seed, "training")
        resume_run = resume and folder is not None and os.path.exists(os.path.join(folder, "checkpoint.npz"))
        callback = None if on_generation is None else (lambda record, seed=seed: on_generation(seed, record))
        training = train(train_config, folder, workers=workers, engine=engine, resume=resume_run, callback=callback)
        if on_run is not None:
            on_run(seed, "scoring")
        policy = Policy(training.champion, f"{algorithm} seed {seed}")
        report = evaluate(policy, train_config.env_id, episodes=eval_episodes, seed=eval_seed, workers=workers,
                          engine=engine)
        report.algorithm = algorithm
        report.training_steps = training.card.get("total_steps")
        result.runs.append(SeedRun(seed, training, report))
    return result

