"""The standard evaluation protocol: score any agent over 100 seeded episodes (evaluation/PROTOCOL.md).

``evaluate(agent, env_id)`` accepts a champion name (``"mk1"``: the zoo's champion for ``env_id``), a policy
file, ``"random"``, a ``Policy``, a plain callable ``obs -> action``, an object with ``act(obs)``, or an
object with a stable-baselines3 style ``predict(obs, deterministic=True) -> (action, state)``. Networks run
through the lock-step population evaluator; other agents run episode by episode in worker processes forked
from this one (stateless agents give the same report whatever the number of workers; an agent that keeps
state between calls should be scored with ``workers=1``).

An agent that raises, returns NaN or returns a wrongly shaped action is reported, not fatal: the report keeps
the episodes before the first failing one (in schedule order, whatever the number of workers), and records
the episode, step and error of the failure.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np
import pybullet

from pendulum_zoo._version import __version__
from pendulum_zoo.envs.pendulum import InvertedPendulumEnv
from pendulum_zoo.envs.registration import MAX_EPISODE_STEPS, canonical_env_id, solved_threshold
from pendulum_zoo.rollout.evaluator import PopulationEvaluator, check_workers
from pendulum_zoo.networks.policy import NUM_PARAMS, Policy, effective_connections
from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.protocol.report import Report
from pendulum_zoo.rollout.seeding import check_seed, evaluation_episode_seeds, observation_noise_rng

DEFAULT_EPISODES = 100
SEED_SCHEDULE = "evaluation_episode_seeds(seed, episodes): SeedSequence(entropy=seed, spawn_key=(i,)), first uint32"


@dataclass(frozen=True)
class AgentFailure:
    """The agent raised, or returned an unusable action, at ``step`` of an episode (a plain record, so it
    travels back from worker processes)."""

    step: int
    error: str


@dataclass
class Agent:
    """An agent resolved for the protocol: a network (fast path) or a function ``obs -> action``."""

    description: str
    algorithm: str
    policy: Policy | None = None
    act: Callable[[np.ndarray], Any] | None = None
    seed_episode: Callable[[int], None] | None = None  # called with the episode seed before each episode


class RandomAgent:
    """Uniform random actions in [-1, 1], reseeded from each episode's seed (so any split gives the same)."""

    def __init__(self) -> None:
        self._rng = np.random.default_rng(0)

    def seed_episode(self, seed: int) -> None:
        self._rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(3,)))

    def act(self, observation: np.ndarray) -> np.ndarray:
        return self._rng.uniform(-1.0, 1.0, size=1).astype(np.float32)


def resolve_agent(agent: Any, env_id: str) -> Agent:
    """Work out what kind of agent ``agent`` is; TypeError/ValueError naming the problem if none fits."""
    if isinstance(agent, Agent):
        return agent
    if isinstance(agent, Policy):
        return Agent(agent.description, _algorithm_of(agent.description), policy=agent)
    if isinstance(agent, (str, os.PathLike)):
        return _resolve_name(agent, env_id)
    if isinstance(agent, np.ndarray):
        if agent.shape != (NUM_PARAMS,):
            raise ValueError(f"a weight array must have shape ({NUM_PARAMS},), got {agent.shape}")
        return Agent("weights", "network", policy=Policy(agent, "weights"))
    if isinstance(agent, RandomAgent):
        return Agent("random", "random", act=agent.act, seed_episode=agent.seed_episode)
    predict = getattr(agent, "predict", None)
    if callable(predict):
        def act_with_predict(observation: np.ndarray) -> Any:
            output = predict(observation, deterministic=True)
            if not (isinstance(output, tuple) and len(output) == 2):
                raise TypeError("predict(obs, deterministic=True) must return (action, state)")
            return output[0]
        return Agent(f"{type(agent).__name__}.predict", type(agent).__name__, act=act_with_predict)
    act = getattr(agent, "act", None)
    if callable(act):
        return Agent(f"{type(agent).__name__}.act", type(agent).__name__, act=act)
    if callable(agent):
        name = getattr(agent, "__name__", type(agent).__name__)
        return Agent(f"callable {name}", name, act=agent)
    raise TypeError(
        f"cannot evaluate {agent!r}: an agent is a champion name (such as 'mk1'), a policy file, 'random', a "
        "Policy, a callable obs -> action, an object with act(obs), or an object with "
        "predict(obs, deterministic=True) returning (action, state)"
    )


def _resolve_name(agent: str | os.PathLike, env_id: str) -> Agent:
    text = os.fspath(agent)
    if text == "random":
        return resolve_agent(RandomAgent(), env_id)
    if os.path.exists(text):
        params, card = load_policy(text)
        algorithm = card.get("algorithm", "network") if isinstance(card.get("algorithm"), str) else "network"
        return Agent(f"{algorithm} policy file {text}", algorithm, policy=Policy(params, text))
    from pendulum_zoo.strategies import algorithm_names

    if text in algorithm_names():
        from pendulum_zoo.zoo import load_champion

        policy = load_champion(text, env_id)
        return Agent(policy.description, text, policy=policy)
    raise ValueError(f"{text!r} is not a champion name ({', '.join(algorithm_names())}), 'random', or an existing "
                     "policy file")


def _algorithm_of(description: str) -> str:
    return description.split()[0] if description else "network"


def evaluate(agent: Any, env_id: str, episodes: int = DEFAULT_EPISODES, seed: int = 0, *,
             workers: int | None = None, noise: Sequence[float] = (),
             on_progress: Callable[[int, int], None] | None = None) -> Report:
    """Score ``agent`` on ``env_id`` over ``episodes`` seeded episodes; returns a ``Report``.

    Episode ``i`` starts from ``reset(seed=evaluation_episode_seeds(seed, episodes)[i])``, seeds that training
    never uses. ``noise`` lists observation-noise standard deviations for the robustness section (each runs
    the same episodes again). ``on_progress(done, total)`` reports episodes finished.
    """
    env_id = canonical_env_id(env_id)
    if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes!r}")
    seed = check_seed(seed, "evaluation seed")
    noise_levels = check_noise_levels(noise)
    workers = check_workers(workers)
    resolved = resolve_agent(agent, env_id)
    seeds = evaluation_episode_seeds(seed, int(episodes))
    total = len(seeds) * (1 + len(noise_levels))
    progress = _Progress(on_progress, total)
    started = time.perf_counter()
    evaluator = None
    if resolved.policy is not None:  # one evaluator (and one set of worker processes) for every pass
        evaluator = PopulationEvaluator(env_id, workers=min(workers, len(seeds)))
    try:
        returns, lengths, failure = _run(resolved, env_id, seeds, 0.0, workers, progress, evaluator)
        robustness = []
        for level in noise_levels:
            if level == 0.0:  # the noise-free pass above
                noisy, noisy_failure = returns, failure
                progress.base += len(seeds)
            else:
                noisy, _, noisy_failure = _run(resolved, env_id, seeds, level, workers, progress, evaluator)
            entry = {"noise_std": level, "episodes": len(noisy),
                     "mean": float(np.mean(noisy)) if noisy else None,
                     "std": float(np.std(noisy)) if noisy else None}
            if noisy_failure is not None:
                entry["failure"] = noisy_failure
            robustness.append(entry)
    finally:
        if evaluator is not None:
            evaluator.close()
    wall_time = time.perf_counter() - started
    policy = resolved.policy
    connections = None if policy is None else policy.connections
    return Report(
        env_id=env_id, env_version=env_id.rsplit("-", 1)[-1], agent=resolved.description,
        algorithm=resolved.algorithm, episodes=int(episodes), seed=seed, seed_schedule=SEED_SCHEDULE,
        episode_seeds=seeds, returns=returns, lengths=lengths, threshold=solved_threshold(env_id),
        connections=connections,
        effective_connections=None if policy is None else int(effective_connections(policy.params)[0]),
        sparsity=None if policy is None else 1.0 - connections / NUM_PARAMS,
        failure=failure, robustness=robustness or None, wall_time_s=round(wall_time, 3),
        versions={"pendulum_zoo": __version__, "gymnasium": gymnasium.__version__,
                  "pybullet": str(pybullet.getAPIVersion()), "numpy": np.__version__,
                  "python": sys.version.split()[0]},
    )


def check_noise_levels(noise: Sequence[float]) -> list[float]:
    try:
        levels = [float(level) for level in noise]
    except (TypeError, ValueError):
        raise ValueError(f"noise must be a list of numbers, got {noise!r}") from None
    if any(not math.isfinite(level) or level < 0 for level in levels):
        raise ValueError(f"noise standard deviations must be finite numbers >= 0, got {list(noise)!r}")
    return levels


class _Progress:
    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback, self.total, self.base = callback, total, 0

    def stage(self, done: int, _stage_total: int) -> None:
        if self.callback is not None:
            self.callback(self.base + done, self.total)


def _run(agent: Agent, env_id: str, seeds: list[int], noise_std: float, workers: int, progress: _Progress,
         evaluator: PopulationEvaluator | None):
    """Returns (returns, lengths, failure) for one pass over the episodes."""
    if agent.policy is not None:
        evaluation = evaluator.evaluate(agent.policy.params[None, :], seeds, noise_std=noise_std,
                                        on_progress=progress.stage)
        outcomes: list[Any] = list(zip(evaluation.returns[0].tolist(), evaluation.lengths[0].tolist()))
    else:
        outcomes = _run_generic(agent, env_id, seeds, noise_std, workers, progress)
    progress.base += len(seeds)
    returns, lengths, failure = [], [], None
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, AgentFailure):
            failure = {"episode": index, "step": outcome.step, "error": outcome.error}
            break
        returns.append(float(outcome[0]))
        lengths.append(int(outcome[1]))
    return returns, lengths, failure


# -- agents that are not networks: one episode at a time --------------------------------------------------------

_forked: tuple[Agent, str, float] | None = None  # what forked workers inherit
_worker_env: InvertedPendulumEnv | None = None


def _run_generic(agent: Agent, env_id: str, seeds: list[int], noise_std: float, workers: int, progress: _Progress):
    global _forked
    methods = multiprocessing.get_all_start_methods()
    if workers == 1 or len(seeds) == 1 or "fork" not in methods:
        env = _make_env(env_id)
        try:
            outcomes = []
            for index, seed in enumerate(seeds):
                outcomes.append(_run_episode(agent, env, seed, noise_std))
                progress.stage(index + 1, len(seeds))
                if isinstance(outcomes[-1], AgentFailure):
                    break  # later episodes would not be reported
            return outcomes
        finally:
            env.close()
    # fork: the workers inherit the agent, which therefore needs no pickling
    _forked = (agent, env_id, noise_std)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(seeds))) as pool:
            outcomes = []
            for index, outcome in enumerate(pool.imap(_forked_episode, seeds)):
                outcomes.append(outcome)
                progress.stage(index + 1, len(seeds))
            return outcomes
    finally:
        _forked = None


def _forked_episode(seed: int):
    global _worker_env
    agent, env_id, noise_std = _forked
    if _worker_env is None:
        _worker_env = _make_env(env_id)
    return _run_episode(agent, _worker_env, seed, noise_std)


def _make_env(env_id: str) -> InvertedPendulumEnv:
    # the registration knows each ID's class and track; episodes are capped by _run_episode itself
    return gymnasium.make(env_id).unwrapped


def _run_episode(agent: Agent, env: InvertedPendulumEnv, seed: int, noise_std: float):
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
        action = _check_action(raw)
        if isinstance(action, str):
            return AgentFailure(steps, action)
        observation, reward, terminated, _, _ = env.step(action)
        total += reward
        steps += 1
        if terminated:
            break
    return total, steps


def _check_action(raw: Any) -> np.ndarray | str:
    """The action as a float64 array of shape (1,), or a message saying what is wrong with it."""
    try:
        array = np.asarray(raw)
    except Exception:
        return f"the agent returned {raw!r}, not an array"
    if array.dtype.kind not in "iuf":
        return f"the agent returned a non-numeric action {raw!r}"
    if array.size != 1:
        return f"the agent returned an action of shape {array.shape}; expected one number, shape (1,)"
    value = float(array.reshape(-1)[0])
    if not math.isfinite(value):
        return f"the agent returned a non-finite action ({value})"
    return np.array([value])
