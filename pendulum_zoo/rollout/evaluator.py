"""The population evaluator: P policies x E episodes, across worker processes, bit-identical for any split.

Each worker process (``pendulum_zoo.rollout.workers``) keeps one ``LockstepRunner`` (a few dozen physics clients)
for the evaluator's life, so clients are built once, not once per generation. The jobs (one per policy and episode) are cut into chunks
handed out in order; a job's result depends only on its policy and its episode seed, so the returns are the
same whatever the number of workers (``workers=1`` runs in this process, with no pool).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from pendulum_zoo.envs.pendulum import seeded_pole_angle
from pendulum_zoo.envs.registration import (
    canonical_env_id,
    is_swingup,
    track_half_width,
)
from pendulum_zoo.rollout.lockstep import DEFAULT_SLOTS, LockstepRunner
from pendulum_zoo.networks.policy import as_population
from pendulum_zoo.rollout.workers import WorkerProcess, run_tasks

CHUNKS_PER_WORKER = 4  # several chunks per worker even out episodes of unequal length


@dataclass(frozen=True)
class Evaluation:
    """Returns and lengths of every (policy, episode), shape ``(P, E)``, and the env steps taken."""

    returns: np.ndarray
    lengths: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.lengths.sum())


def check_workers(workers: object) -> int:
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return int(workers)


class PopulationEvaluator:
    """Scores populations on one environment ID. Use as a context manager, or call ``close()``."""

    def __init__(self, env_id: str, workers: int | None = None, max_episode_steps: int = 1000,
                 slots: int = DEFAULT_SLOTS) -> None:
        self.env_id = canonical_env_id(env_id)
        self.workers = check_workers(workers)
        if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, (int, np.integer)) \
                or max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be a positive integer, got {max_episode_steps!r}")
        self.max_episode_steps = int(max_episode_steps)
        self.swingup = is_swingup(self.env_id)
        settings = {"track_half_width": track_half_width(self.env_id), "swingup": self.swingup,
                    "max_episode_steps": self.max_episode_steps, "slots": slots}
        self._runner: LockstepRunner | None = None
        self._workers: list[WorkerProcess] = []
        if self.workers == 1:
            self._runner = LockstepRunner(**settings)
        else:
            self._workers = [WorkerProcess(settings) for _ in range(self.workers)]

    def evaluate(self, params: np.ndarray, episode_seeds: list[int], *, noise_std: float = 0.0,
                 on_progress: Callable[[int, int], None] | None = None) -> Evaluation:
        """Run every policy in ``params`` (``(P, 192)``) on every episode seed (all policies face the same
        starting states). Returns an ``Evaluation`` with arrays of shape ``(P, E)``.

        ``noise_std > 0`` adds Gaussian observation noise (``seeding.observation_noise_rng``).
        ``on_progress(episodes_done, episodes_total)`` is called as chunks of episodes finish.
        """
        population = as_population(params)
        seeds = [int(s) for s in episode_seeds]
        if not seeds:
            raise ValueError("episode_seeds must hold at least one seed")
        if not (isinstance(noise_std, (int, float)) and math.isfinite(noise_std) and noise_std >= 0):
            raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}")
        count, episodes = population.shape[0], len(seeds)
        angles = np.array([seeded_pole_angle(seed, self.swingup) for seed in seeds])
        members = np.repeat(np.arange(count), episodes)  # jobs in member-major order
        job_angles = np.tile(angles, count)
        job_seeds = np.tile(np.array(seeds, dtype=np.uint64), count)
        chunks = min(len(members), max(1, self.workers) * CHUNKS_PER_WORKER)
        bounds = np.linspace(0, len(members), chunks + 1).astype(int)
        tasks = [({"noise_std": float(noise_std)}, (population[members[a:b]], job_angles[a:b], job_seeds[a:b]))
                 for a, b in zip(bounds[:-1], bounds[1:])]
        done = [0]

        def finished(index: int) -> None:
            done[0] += int(bounds[index + 1] - bounds[index])
            if on_progress is not None:
                on_progress(done[0], len(members))

        if self._runner is not None:
            parts = []
            for index, (options, arrays) in enumerate(tasks):
                parts.append(self._runner.run(*arrays, **options))
                finished(index)
        elif self._workers:
            try:
                parts = run_tasks(self._workers, tasks, finished)
            except BaseException:  # Ctrl-C or a dead worker: the others may be mid-task, so stop them all
                self.close()
                raise
        else:
            raise RuntimeError("this evaluator was closed")
        returns = np.concatenate([part[0] for part in parts])
        lengths = np.concatenate([part[1] for part in parts])
        return Evaluation(returns.reshape(count, episodes), lengths.reshape(count, episodes))

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def __enter__(self) -> PopulationEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
