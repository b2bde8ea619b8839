"""What the protocol scores: an ``Agent``, made from a ``Policy``, an ``MLPPolicy`` or ``MLP`` (PPO's agents), a
weight array, a policy file, ``"random"``, a callable ``obs -> action``, an object with ``act(obs)`` or a
stable-baselines3 style ``predict``.

Champion names (``"mk1"``) are not resolved here: the zoo is a layer above the protocol, so
``pendulum_zoo.resolve.resolve_agent`` (and ``pendulum_zoo.evaluate``) turn names into agents first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pendulum_zoo.networks.mlp import MLP, MLPPolicy
from pendulum_zoo.networks.inputs import effective_connection_count
from pendulum_zoo.networks.policy import NUM_PARAMS, Policy, effective_connections
from pendulum_zoo.storage.policy_file import load_policy, policy_object
from pendulum_zoo.validation import is_integer

AGENT_KINDS = ("a policy file, 'random', a Policy, an MLPPolicy or MLP, a callable obs -> action, an object with act(obs), or an object "
               "with predict(obs, deterministic=True) returning (action, state)")


@dataclass
class Agent:
    """An agent resolved for the protocol: a network (fast path) or a function ``obs -> action``."""

    description: str
    algorithm: str
    policy: Policy | None = None
    act: Callable[[np.ndarray], Any] | None = None
    # batch-independent actions of many episodes at once: observations (J, 5) -> actions (J,); such agents
    # run all their episodes in one batch on the batched engine
    batch_act: Callable[[np.ndarray], np.ndarray] | None = None
    seed_episode: Callable[[int], None] | None = None  # called with the episode seed before each episode
    training_steps: int | None = None  # env steps of the training behind it, from its model card, if known
    # the acting network's size, for networks: connections kept, those on an input-output path, and sparsity
    connections: int | None = None
    effective_connections: int | None = None
    sparsity: float | None = None


class RandomAgent:
    """Uniform random actions in [-1, 1], reseeded from each episode's seed (so any split gives the same)."""

    def __init__(self) -> None:
        self._rng = np.random.default_rng(0)

    def seed_episode(self, seed: int) -> None:
        self._rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(3,)))

    def act(self, observation: np.ndarray) -> np.ndarray:
        return self._rng.uniform(-1.0, 1.0, size=1).astype(np.float32)


def as_agent(agent: Any) -> Agent:
    """Work out what kind of agent ``agent`` is; TypeError/ValueError naming the problem if none fits."""
    if isinstance(agent, Agent):
        return agent
    if isinstance(agent, Policy):
        return Agent(agent.description, _algorithm_of(agent), policy=agent, training_steps=_training_steps(agent.card),
                     **_network_size(agent))
    if isinstance(agent, MLP):
        agent = MLPPolicy(agent, "MLP")
    if isinstance(agent, MLPPolicy):
        return Agent(agent.description, _algorithm_of(agent), act=agent.act, batch_act=agent.batch_act,
                     training_steps=_training_steps(agent.card), **_network_size(agent))
    if isinstance(agent, (str, os.PathLike)):
        return _from_text(agent)
    if isinstance(agent, np.ndarray):
        if agent.shape != (NUM_PARAMS,):
            raise ValueError(f"a weight array must have shape ({NUM_PARAMS},), got {agent.shape}")
        return replace(as_agent(Policy(agent, "weights")), algorithm="network")
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
    raise TypeError(f"cannot evaluate {agent!r}: an agent is a champion name (such as 'mk1'), {AGENT_KINDS}")


def _from_text(agent: str | os.PathLike) -> Agent:
    text = os.fspath(agent)
    if text == "random":
        return as_agent(RandomAgent())
    if os.path.isdir(text):
        raise ValueError(f"{text!r} is a folder, not a policy file")
    if os.path.exists(text):
        network, card = load_policy(text)
        algorithm = card.get("algorithm") if isinstance(card.get("algorithm"), str) else "network"
        policy = policy_object(network, text, card)
        return replace(as_agent(policy), description=f"{algorithm} policy file {text}", algorithm=algorithm)
    raise ValueError(f"{text!r} is not 'random' or an existing policy file (champion names such as 'mk1' are "
                     "resolved by pendulum_zoo.evaluate)")


def _algorithm_of(policy: Policy | MLPPolicy) -> str:
    card_algorithm = (policy.card or {}).get("algorithm")
    if isinstance(card_algorithm, str):
        return card_algorithm
    return policy.description.split()[0] if policy.description else "network"


def _network_size(policy: Policy | MLPPolicy) -> dict[str, Any]:
    """The ``Agent`` fields describing a network's size (the report's connections and sparsity)."""
    if isinstance(policy, Policy):
        return {"connections": policy.connections, "sparsity": 1.0 - policy.connections / NUM_PARAMS,
                "effective_connections": int(effective_connections(policy.params)[0])}
    network = policy.network
    return {"connections": network.connections, "sparsity": network.sparsity,
            "effective_connections": effective_connection_count(network)}


def _training_steps(card: dict | None) -> int | None:
    """The card's ``total_steps`` (env steps spent in training), when it holds a usable one."""
    steps = (card or {}).get("total_steps")
    return int(steps) if is_integer(steps) and steps >= 0 else None
