"""The standard evaluation protocol: score an agent over seeded episodes (evaluation/PROTOCOL.md).

``evaluate(agent, env_id)`` takes any agent ``protocol.agent.as_agent`` accepts (champion names are resolved
a layer above, by ``pendulum_zoo.evaluate``). The article's networks run through the population evaluator,
and agents with a batch-independent ``batch_act`` (the general MLPs) in one batch, both on the batched engine
(``engine="numpy"``, in this process unless ``workers`` asks for more: 100 episodes take a fraction of a
second, less than starting a worker) or, with ``engine="pybullet"``, on pybullet clients as a cross-check;
other agents run episode by episode on the single environment (``protocol.episodes``), in forked worker
processes when there are several workers or a ``timeout``. Every path gives the same returns bit for bit.

An agent that raises, returns NaN or a wrongly shaped action, whose worker process dies, or that exceeds the
timeout is reported, not fatal: the report keeps the episodes before the first failing one (in schedule
order, whatever the number of workers), and records the episode, step and error of the failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pendulum_zoo.envs.pendulum import seeded_pole_angle
from pendulum_zoo.envs.registration import (MAX_EPISODE_STEPS, canonical_env_id, is_swingup, solved_threshold,
                                            track_half_width)
from pendulum_zoo.protocol.agent import Agent, as_agent
from pendulum_zoo.protocol.episodes import AgentFailure, Outcome, agent_pool, can_fork, run_episodes
from pendulum_zoo.protocol.report import Report
from pendulum_zoo.rollout.engine_runner import run_batch
from pendulum_zoo.rollout.evaluator import (DEFAULT_ENGINE, EvaluatorWorkerFailed, PopulationEvaluator, check_engine,
                                            check_workers)
from pendulum_zoo.rollout.seeding import check_seed, evaluation_episode_seeds
from pendulum_zoo.rollout.workers import WorkerPool
from pendulum_zoo.validation import check_integer, check_number
from pendulum_zoo.versions import installed_versions

DEFAULT_EPISODES = 100
SEED_SCHEDULE = "evaluation_episode_seeds(seed, episodes): SeedSequence(entropy=seed, spawn_key=(i,)), first uint32"


def evaluate(agent: Any, env_id: str, episodes: int = DEFAULT_EPISODES, seed: int = 0, *,
             workers: int | None = None, noise: Sequence[float] = (),
             on_progress: Callable[[int, int], None] | None = None, timeout: float | None = None,
             engine: str = DEFAULT_ENGINE) -> Report:
    """Score ``agent`` on ``env_id`` over ``episodes`` seeded episodes; returns a ``Report``.

    Episode ``i`` starts from ``reset(seed=evaluation_episode_seeds(seed, episodes)[i])``, seeds that training
    never uses. ``noise`` lists observation-noise standard deviations for the robustness section (each runs
    the same episodes again). ``on_progress(done, total)`` reports episodes finished. ``timeout`` (seconds
    per episode; None, no limit) stops an agent that takes longer, which then counts as a failure; agents
    other than networks then run in a worker process even with ``workers=1``. ``engine`` (``"numpy"`` or
    ``"pybullet"``) chooses how networks are stepped; it never changes a return.
    """
    env_id = canonical_env_id(env_id)
    episodes = check_integer("episodes", episodes)
    if episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes}")
    seed = check_seed(seed, "evaluation seed")
    noise_levels = check_noise_levels(noise)
    engine = check_engine(engine)
    requested_workers = None if workers is None else check_workers(workers)
    if timeout is not None:
        timeout = check_number("timeout", timeout, positive=True)
    resolved = as_agent(agent)
    on_engine = engine == "numpy" and (resolved.policy is not None or _batched(resolved, engine))
    # on the engine a network's episodes are scored in this process unless workers are asked for
    workers = requested_workers or (1 if on_engine else check_workers(None))
    seeds = evaluation_episode_seeds(seed, episodes)
    progress = _Progress(on_progress, len(seeds) * (1 + len(noise_levels)))
    started = time.perf_counter()
    runner = _Runner(resolved, env_id, seeds, min(workers, len(seeds)), timeout, engine)
    try:
        returns, lengths, failure = runner.run(0.0, progress)
        robustness = []
        for level in noise_levels:
            if level == 0.0:  # the noise-free pass above
                noisy, noisy_failure = returns, failure
                progress.base += len(seeds)
            else:
                noisy, _, noisy_failure = runner.run(level, progress)
            entry = {"noise_std": level, "episodes": len(noisy),
                     "mean": float(np.mean(noisy)) if noisy else None,
                     "std": float(np.std(noisy)) if noisy else None}
            if noisy_failure is not None:
                entry["failure"] = noisy_failure
            robustness.append(entry)
    finally:
        runner.close()
    return Report(
        env_id=env_id, env_version=env_id.rsplit("-", 1)[-1], agent=resolved.description,
        algorithm=resolved.algorithm, episodes=episodes, seed=seed, seed_schedule=SEED_SCHEDULE,
        episode_seeds=seeds, returns=returns, lengths=lengths, threshold=solved_threshold(env_id),
        connections=resolved.connections, effective_connections=resolved.effective_connections,
        sparsity=resolved.sparsity,
        failure=failure, robustness=robustness or None, training_steps=resolved.training_steps,
        wall_time_s=round(time.perf_counter() - started, 3), versions=installed_versions(),
    )


def check_noise_levels(noise: Sequence[float]) -> list[float]:
    try:
        levels = list(noise)
    except TypeError:
        raise ValueError(f"noise must be a list of numbers, got {noise!r}") from None
    try:
        return [check_number("noise standard deviation", level, minimum=0.0) for level in levels]
    except TypeError:
        raise ValueError(f"noise must be a list of numbers, got {noise!r}") from None
    except ValueError:
        raise ValueError(f"noise standard deviations must be finite numbers >= 0, got {levels!r}") from None


class _Progress:
    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback, self.total, self.base = callback, total, 0

    def stage(self, done: int, _stage_total: int = 0) -> None:
        if self.callback is not None:
            self.callback(self.base + done, self.total)


class _Runner:
    """One agent's passes over the episodes, on worker processes kept for every pass."""

    def __init__(self, agent: Agent, env_id: str, seeds: list[int], workers: int, timeout: float | None,
                 engine: str) -> None:
        self.agent, self.env_id, self.seeds, self.timeout = agent, env_id, seeds, timeout
        self.evaluator: PopulationEvaluator | None = None
        self.pool: WorkerPool | None = None
        self.batched = _batched(agent, engine)  # one batch in this process (``_run_batch``)
        if agent.policy is not None:
            self.evaluator = PopulationEvaluator(env_id, workers=workers, engine=engine)
        elif not self.batched and (timeout is not None or workers > 1):
            if not can_fork():
                if timeout is not None:
                    raise ValueError("timeout needs worker processes made with os.fork, which this system lacks")
            else:
                self.pool = agent_pool(agent, env_id, workers)

    def run(self, noise_std: float, progress: _Progress) -> tuple[list[float], list[int], dict | None]:
        """``(returns, lengths, failure)`` of one pass: the episodes before the first failure, and that one."""
        if self.evaluator is not None:
            outcomes = self._run_network(noise_std, progress)
        elif self.batched:
            outcomes = self._run_batch(noise_std, progress)
        else:
            outcomes = run_episodes(self.agent, self.env_id, self.seeds, noise_std, self.pool, self.timeout,
                                    lambda index: progress.stage(index + 1))
        progress.base += len(self.seeds)
        returns, lengths, failure = [], [], None
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, AgentFailure):
                failure = {"episode": index, "step": outcome.step, "error": outcome.error}
                break
            returns.append(float(outcome[0]))
            lengths.append(int(outcome[1]))
        return returns, lengths, failure

    def _run_network(self, noise_std: float, progress: _Progress) -> list[Outcome]:
        params = self.agent.policy.params[None, :]  # type: ignore[union-attr]
        try:
            evaluation = self.evaluator.evaluate(params, self.seeds, noise_std=noise_std,  # type: ignore[union-attr]
                                                 on_progress=progress.stage, timeout=self.timeout)
        except EvaluatorWorkerFailed as failed:
            done: list[Outcome] = list(zip(failed.returns.tolist(), failed.lengths.tolist()))
            return done + [AgentFailure(None, str(failed))]
        return list(zip(evaluation.returns[0].tolist(), evaluation.lengths[0].tolist()))

    def _run_batch(self, noise_std: float, progress: _Progress) -> list[Outcome]:
        """Every episode of a ``batch_act`` agent in one batch on the engine. An error or an unusable action
        is reported as the failure of the schedule's first episode: in one batch, the episodes fail together."""
        batch_act = self.agent.batch_act

        def act(observations: np.ndarray, jobs: np.ndarray) -> np.ndarray:
            try:
                raw = batch_act(observations.copy())  # type: ignore[misc]
            except Exception as error:
                raise _BatchFailure(f"the agent raised {type(error).__name__}: {error}") from None
            actions = np.asarray(raw, dtype=np.float64).reshape(-1)
            if actions.shape != (len(jobs),):
                raise _BatchFailure(f"batch_act returned {actions.size} actions for {len(jobs)} observations")
            if not np.isfinite(actions).all():
                raise _BatchFailure(f"the agent returned a non-finite action ({actions[~np.isfinite(actions)][0]})")
            return actions

        swingup = is_swingup(self.env_id)
        try:
            returns, lengths = run_batch(
                act, [seeded_pole_angle(seed, swingup) for seed in self.seeds],
                track_half_width=track_half_width(self.env_id), swingup=swingup,
                max_episode_steps=MAX_EPISODE_STEPS, noise_seeds=np.array(self.seeds, dtype=np.uint64),
                noise_std=noise_std)
        except _BatchFailure as failure:
            return [AgentFailure(None, str(failure))]
        finally:
            progress.stage(len(self.seeds))
        return list(zip(returns.tolist(), lengths.tolist()))

    def close(self) -> None:
        for owner in (self.evaluator, self.pool):
            if owner is not None:
                owner.close()


def _batched(agent: Agent, engine: str) -> bool:
    """Whether ``agent`` (not the article's network) runs all its episodes as one batch on the engine."""
    return agent.policy is None and agent.batch_act is not None and engine == "numpy"


class _BatchFailure(Exception):
    """What went wrong with a ``batch_act`` agent's actions."""
