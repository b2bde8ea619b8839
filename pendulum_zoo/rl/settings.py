"""PPO's settings by name: ``paper`` (Graesser et al. 2022, A.3: ``PPOConfig``'s defaults) or ``tuned`` (per task,
the fields of ``ppo_settings.json`` that differ from the paper's, found by ``tools/ppo_trial.py``).

``ppo_config(env_id, settings="tuned", ...)`` is the configuration ``pendulum-zoo train ppo`` trains; a model card
records the fields that differ from the paper's (``changed_settings``).
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from importlib.resources import files
from typing import Any

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.rl.ppo_config import PPOConfig
from pendulum_zoo.rl.sparse import SparseConfig
from pendulum_zoo.validation import did_you_mean, quote

SETTINGS = ("tuned", "paper")
SETTINGS_FILE = "ppo_settings.json"
_NOT_SETTINGS = ("env_id", "seed", "sparse")  # a run's identity, not its settings


@cache
def _tuned() -> dict[str, dict[str, Any]]:
    with files("pendulum_zoo.rl").joinpath(SETTINGS_FILE).open(encoding="utf-8") as stream:
        tasks = json.load(stream)["tasks"]
    fields = {f.name for f in dataclasses.fields(PPOConfig)} - set(_NOT_SETTINGS)
    for env_id, values in tasks.items():
        unknown = sorted(set(values) - fields)
        if unknown:  # a packaging error: fail loudly rather than train with a setting ignored
            raise ValueError(f"{SETTINGS_FILE}: {env_id} sets unknown PPO field(s) {', '.join(unknown)}")
    return tasks


def task_settings(env_id: str, settings: str = "tuned") -> dict[str, Any]:
    """The ``PPOConfig`` fields that ``settings`` sets for ``env_id`` (none for ``paper``)."""
    if settings not in SETTINGS:
        raise ValueError(f"settings must be one of {', '.join(SETTINGS)}, got {quote(settings)}"
                         f"{did_you_mean(str(settings), SETTINGS)}")
    return {} if settings == "paper" else dict(_tuned().get(canonical_env_id(env_id), {}))


def ppo_config(env_id: str, *, seed: int = 0, settings: str = "tuned", sparse: SparseConfig | None = None,
               **overrides: Any) -> PPOConfig:
    """``settings``' configuration for ``env_id``, with ``overrides`` (``PPOConfig`` fields) on top."""
    env_id = canonical_env_id(env_id)
    values = {**task_settings(env_id, settings), **overrides}
    unknown = sorted(set(values) - ({f.name for f in dataclasses.fields(PPOConfig)} - set(_NOT_SETTINGS)))
    if unknown:
        raise ValueError(f"unknown PPO setting(s) {', '.join(unknown)}")
    return PPOConfig(env_id=env_id, seed=seed, sparse=sparse or SparseConfig(), **values)


def changed_settings(config: PPOConfig) -> dict[str, Any]:
    """The fields of ``config`` (sparse options aside) that differ from the paper's defaults."""
    paper, mine = PPOConfig().to_dict(), config.to_dict()
    return {name: value for name, value in mine.items() if name not in _NOT_SETTINGS and value != paper[name]}
