"""The population evaluator: P policies x E episodes, across worker processes, bit-identical for any split.

Two engines give the same returns bit for bit: ``"numpy"`` (the default) steps every job of a chunk at once on
the batched engine (``rollout.engine_runner``); ``"pybullet"`` runs them on a few dozen pybullet clients in
lock-step (``rollout.lockstep``), the reference path kept for cross-checks. Each worker process
(``pendulum_zoo.rollout.workers``, spawned) keeps one runner for the evaluator's life. A worker that dies or
exceeds a time limit raises ``EvaluatorWorkerFailed`` (a RuntimeError) naming it and its exit code or signal.
The jobs (one per policy and episode) are cut into chunks handed out in order; a job's result depends only on
its policy and its episode seed, so the returns are the same whatever the engine and the number of workers
(``workers=1`` runs in this process, with no pool).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from pendulum_zoo.envs.pendulum import seeded_pole_angle
from pendulum_zoo.envs.registration import (
    canonical_env_id,
    is_swingup,
    track_half_width,
)
from pendulum_zoo.rollout.engine_runner import EngineRunner
from pendulum_zoo.rollout.lockstep import DEFAULT_SLOTS, LockstepRunner
from pendulum_zoo.networks.policy import as_population
from pendulum_zoo.rollout.workers import TaskFailure, WorkerPool, WorkerProcess
from pendulum_zoo.validation import check_integer, check_number

ENGINES = ("numpy", "pybullet")  # the batched engine (default), or pybullet clients in lock-step
DEFAULT_ENGINE = "numpy"
# chunks per worker: several even out the pybullet path's episodes of unequal length; the engine's batch
# sheds ended episodes itself, and larger batches step faster
CHUNKS_PER_WORKER = {"numpy": 1, "pybullet": 4}


@dataclass(frozen=True)
class Evaluation:
    """Returns and lengths of every (policy, episode), shape ``(P, E)``, and the env steps taken."""

    returns: np.ndarray
    lengths: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.lengths.sum())


class EvaluatorWorkerFailed(RuntimeError):
    """A worker process died, exceeded its time limit or failed. ``returns`` and ``lengths`` hold the jobs
    finished before the failed chunk, in job order (member-major), ``failure`` says what happened."""

    def __init__(self, failure: TaskFailure, returns: np.ndarray, lengths: np.ndarray) -> None:
        detail = "; its error, if any, is printed above" if failure.reason == "died" else ""
        super().__init__(f"the evaluator's {failure.message}{detail}")
        self.failure, self.returns, self.lengths = failure, returns, lengths


def check_engine(engine: object) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(repr(e) for e in ENGINES)}, got {engine!r}")
    return str(engine)


def make_runner(engine: str, slots: int, **settings: Any) -> EngineRunner | LockstepRunner:
    """The runner of ``engine``; ``slots`` (pybullet clients per runner) matters to the pybullet path only."""
    if engine == "numpy":
        return EngineRunner(**settings)
    return LockstepRunner(**settings, slots=slots)


class RunnerHandler:
    """The task handler of an evaluator worker: one runner answering chunks of jobs."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.runner = make_runner(**settings)

    def run(self, header: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], tuple[np.ndarray, ...]]:
        return {}, self.runner.run(*arrays, noise_std=header["noise_std"])

    def close(self) -> None:
        self.runner.close()


def check_workers(workers: object) -> int:
    """The number of worker processes: ``None`` means one per core."""
    if workers is None:
        return os.cpu_count() or 1
    count = check_integer("workers", workers)
    if count < 1:
        raise ValueError(f"workers must be a positive integer, got {count}")
    return count


class PopulationEvaluator:
    """Scores populations on one environment ID. Use as a context manager, or call ``close()``."""

    def __init__(self, env_id: str, workers: int | None = None, max_episode_steps: int = 1000,
                 slots: int = DEFAULT_SLOTS, engine: str = DEFAULT_ENGINE) -> None:
        self.env_id = canonical_env_id(env_id)
        self.workers = check_workers(workers)
        self.engine = check_engine(engine)
        self.max_episode_steps = check_integer("max_episode_steps", max_episode_steps, minimum=1)
        self.swingup = is_swingup(self.env_id)
        settings = {"engine": self.engine, "track_half_width": track_half_width(self.env_id),
                    "swingup": self.swingup, "max_episode_steps": self.max_episode_steps,
                    "slots": check_integer("slots", slots, minimum=1)}
        self._runner: EngineRunner | LockstepRunner | None = None
        self._pool: WorkerPool | None = None
        if self.workers == 1:
            self._runner = make_runner(**settings)
        else:
            self._pool = WorkerPool(self.workers, lambda index: WorkerProcess(
                f"worker {index + 1}", factory="pendulum_zoo.rollout.evaluator:RunnerHandler", settings=settings))

    def evaluate(self, params: np.ndarray, episode_seeds: list[int], *, noise_std: float = 0.0,
                 on_progress: Callable[[int, int], None] | None = None, timeout: float | None = None) -> Evaluation:
        """Run every policy in ``params`` (``(P, 192)``) on every episode seed (all policies face the same
        starting states). Returns an ``Evaluation`` with arrays of shape ``(P, E)``.

        ``noise_std > 0`` adds Gaussian observation noise (``seeding.observation_noise_rng``).
        ``on_progress(episodes_done, episodes_total)`` is called as chunks of episodes finish. ``timeout``
        (seconds per episode, worker processes only) bounds a chunk of ``n`` episodes to ``n * timeout``.
        Raises ``EvaluatorWorkerFailed`` if a worker dies, exceeds the time limit or fails.
        """
        population = as_population(params)
        seeds = [int(s) for s in episode_seeds]
        if not seeds:
            raise ValueError("episode_seeds must hold at least one seed")
        noise_std = check_number("noise_std", noise_std, minimum=0.0)
        if timeout is not None:
            timeout = check_number("timeout", timeout, positive=True)
        count, episodes = population.shape[0], len(seeds)
        angles = np.array([seeded_pole_angle(seed, self.swingup) for seed in seeds])
        members = np.repeat(np.arange(count), episodes)  # jobs in member-major order
        job_angles = np.tile(angles, count)
        job_seeds = np.tile(np.array(seeds, dtype=np.uint64), count)
        chunks = min(len(members), max(1, self.workers) * CHUNKS_PER_WORKER[self.engine])
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
        elif self._pool is not None:
            limit = None if timeout is None else (lambda index: timeout * int(bounds[index + 1] - bounds[index]))
            try:
                results = self._pool.run(tasks, finished, limit)
            except BaseException:  # Ctrl-C: the workers may be mid-task, so stop them all
                self.close()
                raise
            failure = results.pop() if isinstance(results[-1], TaskFailure) else None
            parts = [arrays for _, arrays in results]
            if failure is not None:
                raise EvaluatorWorkerFailed(failure, *_joined(parts))
        else:
            raise RuntimeError("this evaluator was closed")
        returns, lengths = _joined(parts)
        return Evaluation(returns.reshape(count, episodes), lengths.reshape(count, episodes))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
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


def _joined(parts: list) -> tuple[np.ndarray, np.ndarray]:
    """Chunks' ``(returns, lengths)`` pairs joined in job order."""
    if not parts:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate([part[0] for part in parts]), np.concatenate([part[1] for part in parts])
