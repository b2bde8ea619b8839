"""The champion zoo: pretrained policies shipped with the package, loadable in one line.

``agents/<algorithm>-<EnvName>/`` in the repository (package ``pendulum_zoo.agents`` once installed) holds
one champion: ``policy.json`` (weights or mask and model card, ``pendulum_zoo.storage.policy_file`` format;
PPO's champions, ``ppo`` and ``ppo-sparse``, and the lottery tickets ``imp-ppo`` and ``imp-bc`` are MLPs in
its version 3),
``learning_curve.jsonl`` (the training log), ``learning_curve.svg`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable

from pendulum_zoo.envs.registration import ENV_SPECS, canonical_env_id, env_name
from pendulum_zoo.networks.mlp import MLPPolicy
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.rl import PPO_ALGORITHMS
from pendulum_zoo.rl.imp import IMP_ALGORITHMS
from pendulum_zoo.storage.fileio import read_json
from pendulum_zoo.storage.policy_file import MAX_POLICY_FILE_BYTES, load_policy, parse_policy, policy_object
from pendulum_zoo.strategies import algorithm_names
from pendulum_zoo.validation import check_integer, check_number, did_you_mean, quote

POLICY_FILE = "policy.json"


def champion_name(algorithm: str, env_id: str) -> str:
    """The folder name of a champion: ``mk1-InvertedPendulumSwingupWide-v0``."""
    return f"{algorithm}-{env_name(env_id)}"


def champion_algorithms() -> tuple[str, ...]:
    """The names a champion can have: the evolutionary strategies', then PPO's, then the lottery tickets'."""
    return (*algorithm_names(), *PPO_ALGORITHMS, *IMP_ALGORITHMS.values())


def zoo_root() -> Traversable:
    return files("pendulum_zoo.agents")


def champion_folder(algorithm: str, env_id: str) -> Traversable:
    names = champion_algorithms()
    if algorithm not in names:
        raise ValueError(f"unknown algorithm {quote(algorithm)}{did_you_mean(algorithm, names)}; choose one of: "
                         f"{', '.join(names)}")
    folder = zoo_root().joinpath(champion_name(algorithm, env_id))
    if not folder.joinpath(POLICY_FILE).is_file():
        raise FileNotFoundError(f"the zoo has no {algorithm} champion for {canonical_env_id(env_id)}; "
                                f"available: {', '.join(available_champions()) or 'none'}")
    return folder


def load_champion(algorithm: str, env_id: str) -> Policy | MLPPolicy:
    """The zoo's ``algorithm`` champion for ``env_id``, ready to ``act(observation)``; its card is ``.card``
    (an ``MLPPolicy`` for PPO's champions, which also has ``batch_act``)."""
    name = champion_name(algorithm, env_id)
    with as_file(champion_folder(algorithm, env_id).joinpath(POLICY_FILE)) as path:
        network, card = parse_policy(read_json(path, f"champion {name}", MAX_POLICY_FILE_BYTES), f"champion {name}")
    expected = {"algorithm": algorithm, "env_id": canonical_env_id(env_id)}
    found = {key: card.get(key) for key in expected}
    if found != expected:
        raise ValueError(f"champion {name} is labelled {quote(found)}, expected {expected}")
    return policy_object(network, f"{algorithm} champion for {canonical_env_id(env_id)}", card)


def load_agent_policy(agent: str | os.PathLike, env_id: str | None = None) -> Policy | MLPPolicy:
    """A network by what a user types: a policy file's path, or a champion name (``mk1``) of the zoo's
    champions for ``env_id``. The card comes along as ``.card``. ValueError names the problem, with a "did you
    mean" for a misspelled champion name."""
    text = os.fspath(agent)
    if os.path.exists(text):
        network, card = load_policy(text)
        algorithm = card.get("algorithm") if isinstance(card.get("algorithm"), str) else "network"
        return policy_object(network, f"{algorithm} policy file {text}", card)
    names = champion_algorithms()
    if text in names:
        if env_id is None:
            raise ValueError(f"a champion name ({text}) needs an environment: give --env")
        return load_champion(text, env_id)
    raise ValueError(f"{quote(text)} is neither a champion name ({', '.join(names)}) nor an existing policy "
                     f"file{did_you_mean(text, names)}")


def trained_env_id(policy: Policy | MLPPolicy) -> str | None:
    """The env ID the policy's card says it was trained on (canonical), or None when the card does not say."""
    env_id = (policy.card or {}).get("env_id")
    try:
        return canonical_env_id(env_id)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ProtocolScore:
    """What a champion's card records of its protocol evaluation (``card["zoo"]["protocol"]``)."""

    episodes: int
    seed: int
    mean: float
    std: float
    returns: list[float]
    steps_to_solve: int | None


def protocol_score(policy: Policy | MLPPolicy, name: str) -> ProtocolScore:
    """The card's protocol record, checked; ValueError naming champion ``name`` and the damaged entry."""
    card = policy.card or {}
    zoo_section = card.get("zoo")
    protocol = zoo_section.get("protocol") if isinstance(zoo_section, dict) else None
    if not isinstance(protocol, dict):
        raise ValueError(f"champion {name}'s card has no protocol record (card['zoo']['protocol'])")
    try:
        episodes = check_integer("zoo.protocol.episodes", protocol.get("episodes"), 1)
        returns = protocol.get("returns")
        if not isinstance(returns, list) or len(returns) != episodes:
            raise ValueError(f"zoo.protocol.returns must be a list of {episodes} numbers, got {quote(returns)}")
        steps = card.get("steps_to_solve")
        return ProtocolScore(
            episodes=episodes, seed=check_integer("zoo.protocol.seed", protocol.get("seed"), 0),
            mean=check_number("zoo.protocol.mean", protocol.get("mean")),
            std=check_number("zoo.protocol.std", protocol.get("std"), 0),
            returns=[check_number("a value of zoo.protocol.returns", value) for value in returns],
            steps_to_solve=None if steps is None else check_integer("steps_to_solve", steps, 0))
    except (TypeError, ValueError) as error:
        raise ValueError(f"champion {name}'s card is damaged: {error}") from None


def available_champions() -> list[str]:
    root = zoo_root()
    names = [entry.name for entry in root.iterdir() if entry.is_dir() and entry.joinpath(POLICY_FILE).is_file()]
    return sorted(names)


def champion_keys() -> list[tuple[str, str]]:
    """(algorithm, env ID) of every champion in the zoo, in a stable order: by env ID, then algorithm."""
    present = set(available_champions())
    return [(algorithm, env_id) for env_id in ENV_SPECS for algorithm in champion_algorithms()
            if champion_name(algorithm, env_id) in present]
