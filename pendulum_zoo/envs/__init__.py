"""The pendulum environments: physics core, gymnasium classes and their registration."""

from pendulum_zoo.envs.pendulum import InvertedPendulumEnv, InvertedPendulumSwingupEnv
from pendulum_zoo.envs.registration import (
    ENV_IDS,
    ENV_SPECS,
    LEGACY_ALIASES,
    canonical_env_id,
)

__all__ = [
    "ENV_IDS",
    "ENV_SPECS",
    "LEGACY_ALIASES",
    "InvertedPendulumEnv",
    "InvertedPendulumSwingupEnv",
    "canonical_env_id",
]
