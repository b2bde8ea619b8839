"""Episodes of agents that are not networks, one at a time, in this process or in forked worker processes.

A forked worker inherits the agent with its copy of the parent's memory (nothing is pickled) and answers one
episode per task (``rollout.workers``). Stateless agents give the same outcomes whatever the number of
workers; an agent that keeps state between calls should be scored with ``workers=1``. A worker that dies or
exceeds ``timeout`` seconds ends its episode as a failure (``AgentFailure`` with ``step=None``), as an agent
that raises does, and the process of the caller never waits forever.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np

from pendulum_zoo.envs.pendulum import InvertedPendulumEnv
from pendulum_zoo.envs.registration import MAX_EPISODE_STEPS
from pendulum_zoo.protocol.agent import Agent
from pendulum_zoo.rollout.seeding import observation_noise_rng
from pendulum_zoo.rollout.workers import TaskFailure, WorkerPool, WorkerProcess
from pendulum_zoo.validation import quote


@dataclass(frozen=True)
class AgentFailure:
    """The agent raised or returned an unusable action at ``step`` of an episode; or its worker process died or
    ran out of time (``step`` None: where in the episode is unknown)."""

    step: int | None
    error: str


Outcome = tuple[float, int] | AgentFailure  # (return, length) or what ended the episode


def can_fork() -> bool:
    return hasattr(os, "fork")


class EpisodeHandler:
    """The task handler of an agent's worker: one episode per task, on an environment made once."""

    def __init__(self, agent: Agent, env_id: str) -> None:
        self.agent, self.env_id = agent, env_id
        self.env: InvertedPendulumEnv | None = None

    def run(self, header: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], tuple]:
        if self.env is None:
            self.env = make_env(self.env_id)
        outcome = run_episode(self.agent, self.env, header["seed"], header["noise_std"])
        if isinstance(outcome, AgentFailure):
            return {"step": outcome.step, "error": outcome.error}, ()
        return {"return": outcome[0], "length": outcome[1]}, ()  # JSON keeps a float exactly (repr round trip)

    def close(self) -> None:
        if self.env is not None:
            self.env.close()


def agent_pool(agent: Agent, env_id: str, workers: int) -> WorkerPool:
    """``workers`` forked processes running ``agent``'s episodes on ``env_id``."""
    return WorkerPool(workers, lambda index: WorkerProcess(
        f"worker {index + 1}", handler=lambda: EpisodeHandler(agent, env_id)))


def run_episodes(agent: Agent, env_id: str, seeds: list[int], noise_std: float, pool: WorkerPool | None,
                 timeout: float | None, on_episode: Callable[[int], None]) -> list[Outcome]:
    """Outcomes of the episodes in schedule order, up to the first failure. ``pool`` None: in this process."""
    if pool is None:
        env = make_env(env_id)
        try:
            outcomes: list[Outcome] = []
            for index, seed in enumerate(seeds):
                outcomes.append(run_episode(agent, env, seed, noise_std))
                on_episode(index)
                if isinstance(outcomes[-1], AgentFailure):
                    break  # later episodes would not be reported
            return outcomes
        finally:
            env.close()
    tasks = [({"seed": seed, "noise_std": noise_std}, ()) for seed in seeds]
    outcomes = []
    for result in pool.run(tasks, on_episode, timeout):
        if isinstance(result, TaskFailure):
            outcomes.append(AgentFailure(None, f"the agent's {result.message}"))
            break
        header, _ = result
        outcomes.append(AgentFailure(header["step"], header["error"]) if "error" in header
                        else (header["return"], header["length"]))
        if isinstance(outcomes[-1], AgentFailure):
            break
    return outcomes


def make_env(env_id: str) -> InvertedPendulumEnv:
    # the registration knows each ID's class and track; episodes are capped by run_episode itself
    return gymnasium.make(env_id).unwrapped


def run_episode(agent: Agent, env: InvertedPendulumEnv, seed: int, noise_std: float) -> Outcome:
    """``(return, length)`` of one episode, or the ``AgentFailure`` that ended it."""
    if agent.seed_episode is not None:
        agent.seed_episode(seed)
    noise = observation_noise_rng(seed) if noise_std > 0 else None
    observation, _ = env.reset(seed=seed)
    total, steps = 0.0, 0
    while steps < MAX_EPISODE_STEPS:
        seen = observation if noise is None else observation + noise.normal(0.0, noise_std, observation.shape)
        try:
            raw = agent.act(seen.copy())
        except Exception as error:  # the agent's own error, reported with where it happened
            return AgentFailure(steps, f"the agent raised {type(error).__name__}: {error}")
        action = check_action(raw)
        if isinstance(action, str):
            return AgentFailure(steps, action)
        observation, reward, terminated, _, _ = env.step(action)
        total += reward
        steps += 1
        if terminated:
            break
    return total, steps


def check_action(raw: Any) -> np.ndarray | str:
    """The action as a float64 array of shape (1,), or a message saying what is wrong with it."""
    try:
        array = np.asarray(raw)
    except Exception:
        return f"the agent returned {quote(raw)}, not an array"
    if array.dtype.kind not in "iuf":
        return f"the agent returned a non-numeric action {quote(raw)}"
    if array.size != 1:
        return f"the agent returned an action of shape {array.shape}; expected one number, shape (1,)"
    value = float(array.reshape(-1)[0])
    if not math.isfinite(value):
        return f"the agent returned a non-finite action ({value})"
    return np.array([value])
