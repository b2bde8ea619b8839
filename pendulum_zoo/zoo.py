"""The champion zoo: pretrained policies shipped with the package, loadable in one line.

``agents/<algorithm>-<EnvName>/`` in the repository (package ``pendulum_zoo.agents`` once installed) holds
one champion: ``policy.json`` (weights or mask and model card, ``pendulum_zoo.storage.policy_file`` format),
``learning_curve.jsonl`` (the training log), ``learning_curve.svg`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from pendulum_zoo.envs.registration import ENV_SPECS, canonical_env_id
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.storage.policy_file import parse_policy
from pendulum_zoo.strategies import get_strategy_class

POLICY_FILE = "policy.json"


def champion_name(algorithm: str, env_id: str) -> str:
    """The folder name of a champion: ``mk1-InvertedPendulumSwingupWide-v0``."""
    return f"{algorithm}-{canonical_env_id(env_id).split('/')[-1]}"


def zoo_root() -> Traversable:
    return files("pendulum_zoo.agents")


def champion_folder(algorithm: str, env_id: str) -> Traversable:
    get_strategy_class(algorithm)  # a clear error for unknown algorithms
    folder = zoo_root().joinpath(champion_name(algorithm, env_id))
    if not folder.joinpath(POLICY_FILE).is_file():
        raise FileNotFoundError(f"the zoo has no {algorithm} champion for {canonical_env_id(env_id)}; "
                                f"available: {', '.join(available_champions()) or 'none'}")
    return folder


def load_champion(algorithm: str, env_id: str) -> Policy:
    """The zoo's ``algorithm`` champion for ``env_id``, ready to ``act(observation)``; its card is ``.card``."""
    path = champion_folder(algorithm, env_id).joinpath(POLICY_FILE)
    params, card = parse_policy(_read_json(path), f"champion {champion_name(algorithm, env_id)}")
    expected = {"algorithm": algorithm, "env_id": canonical_env_id(env_id)}
    found = {key: card.get(key) for key in expected}
    if found != expected:
        raise ValueError(f"champion {champion_name(algorithm, env_id)} is labelled {found}, expected {expected}")
    policy = Policy(params, f"{algorithm} champion for {canonical_env_id(env_id)}")
    policy.card = card
    return policy


def available_champions() -> list[str]:
    root = zoo_root()
    names = [entry.name for entry in root.iterdir() if entry.is_dir() and entry.joinpath(POLICY_FILE).is_file()]
    return sorted(names)


def champion_keys() -> list[tuple[str, str]]:
    """(algorithm, env ID) of every champion in the zoo, in a stable order: by env ID, then algorithm."""
    from pendulum_zoo.strategies import algorithm_names

    keys = []
    present = set(available_champions())
    for env_id in ENV_SPECS:
        for algorithm in algorithm_names():
            if champion_name(algorithm, env_id) in present:
                keys.append((algorithm, env_id))
    return keys


def _read_json(path: Traversable) -> Any:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
