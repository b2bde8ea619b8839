"""Environment IDs, registered with gymnasium when ``pendulum_zoo`` is imported."""

from __future__ import annotations

import gymnasium

from pendulum_zoo.validation import did_you_mean, quote

MAX_EPISODE_STEPS = 1000  # pybullet_envs/__init__.py registers max_episode_steps=1000

_ENTRY = "pendulum_zoo.envs.pendulum:"
_VECTOR_ENTRY = "pendulum_zoo.envs.vector:"

# ID -> (class, track half width): the four tasks of the synaptolytic-learning article.
ENV_SPECS: dict[str, tuple[str, float]] = {
    "pendulum_zoo/InvertedPendulum-v0": ("InvertedPendulumEnv", 1.0),
    "pendulum_zoo/InvertedPendulumSwingup-v0": ("InvertedPendulumSwingupEnv", 1.0),
    "pendulum_zoo/InvertedPendulumWide-v0": ("InvertedPendulumEnv", 2.0),
    "pendulum_zoo/InvertedPendulumSwingupWide-v0": ("InvertedPendulumSwingupEnv", 2.0),
}

# Legacy pybullet_envs names, so code written for them runs after `import pendulum_zoo`.
LEGACY_ALIASES: dict[str, str] = {
    "InvertedPendulumBulletEnv-v0": "pendulum_zoo/InvertedPendulum-v0",
    "InvertedPendulumSwingupBulletEnv-v0": "pendulum_zoo/InvertedPendulumSwingup-v0",
}

ENV_IDS: tuple[str, ...] = tuple(ENV_SPECS) + tuple(LEGACY_ALIASES)

# article: "a return of 999.5 on the balancing task or 880.0 on the swingup task"
SOLVED_THRESHOLDS = {False: 999.5, True: 880.0}


def canonical_env_id(env_id: str) -> str:
    """The ``pendulum_zoo/...`` ID for ``env_id`` (legacy aliases resolved), or ValueError if unknown."""
    if not isinstance(env_id, str):
        raise TypeError(f"env ID must be a string, got {quote(env_id)}")
    name = env_id.split(":", 1)[1] if env_id.startswith("pendulum_zoo:") else env_id
    name = LEGACY_ALIASES.get(name, name)
    if "/" not in name and f"pendulum_zoo/{name}" in ENV_SPECS:  # the namespace may be left out
        name = f"pendulum_zoo/{name}"
    if name not in ENV_SPECS:
        # the suggestion is spelled as the user wrote it: with or without the namespace
        spellings = [*ENV_IDS, *(spec.split("/", 1)[1] for spec in ENV_SPECS)]
        raise ValueError(f"unknown environment {quote(env_id)}{did_you_mean(env_id, spellings)}; choose one of: "
                         f"{', '.join(ENV_IDS)}")
    return name


def env_name(env_id: str) -> str:
    """An env ID without its namespace: ``InvertedPendulumSwingupWide-v0``."""
    return canonical_env_id(env_id).split("/")[-1]


def is_swingup(env_id: str) -> bool:
    return ENV_SPECS[canonical_env_id(env_id)][0] == "InvertedPendulumSwingupEnv"


def solved_threshold(env_id: str) -> float:
    """The return at which the article counts the task as solved: 999.5 (balance) or 880 (swing-up)."""
    return SOLVED_THRESHOLDS[is_swingup(env_id)]


def track_half_width(env_id: str) -> float:
    return ENV_SPECS[canonical_env_id(env_id)][1]


def register_envs() -> None:
    """Register every ID with gymnasium (idempotent)."""
    for env_id, (cls, half_width) in ENV_SPECS.items():
        _register(env_id, cls, half_width)
    for alias, target in LEGACY_ALIASES.items():
        cls, half_width = ENV_SPECS[target]
        _register(alias, cls, half_width)


def _register(env_id: str, cls: str, half_width: float) -> None:
    if env_id in gymnasium.registry:
        return
    gymnasium.register(
        id=env_id,
        entry_point=_ENTRY + cls,
        vector_entry_point=_VECTOR_ENTRY + cls.replace("Env", "VectorEnv"),  # the batched engine (envs/vector.py)
        max_episode_steps=MAX_EPISODE_STEPS,
        kwargs={"track_half_width": half_width},
    )
