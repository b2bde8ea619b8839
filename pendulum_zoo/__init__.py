"""pendulum-zoo: cart-pole tasks, sparse-network learners and an evaluation protocol.

Importing the package registers its environments with gymnasium::

    import gymnasium, pendulum_zoo
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingupWide-v0")

The rest is loaded on first use: ``pendulum_zoo.train``, ``pendulum_zoo.evaluate``,
``pendulum_zoo.train_and_evaluate``, ``pendulum_zoo.load_champion``...
"""

from importlib import import_module
from typing import Any

from pendulum_zoo._version import __version__
from pendulum_zoo.envs import (
    ENV_IDS,
    InvertedPendulumEnv,
    InvertedPendulumSwingupEnv,
)
from pendulum_zoo.envs.registration import register_envs as _register_envs

_register_envs()

_LAZY = {
    "Policy": "pendulum_zoo.networks.policy",
    "TrainConfig": "pendulum_zoo.training",
    "train": "pendulum_zoo.training",
    "train_ppo": "pendulum_zoo.training",
    "ppo_config": "pendulum_zoo.rl.settings",
    "evaluate": "pendulum_zoo.resolve",
    "resolve_agent": "pendulum_zoo.resolve",
    "RandomAgent": "pendulum_zoo.protocol",
    "Report": "pendulum_zoo.protocol.report",
    "train_and_evaluate": "pendulum_zoo.protocol.benchmark",
    "load_champion": "pendulum_zoo.zoo",
    "load_policy": "pendulum_zoo.storage.policy_file",
    "save_policy": "pendulum_zoo.storage.policy_file",
    "make_strategy": "pendulum_zoo.strategies",
    "PopulationEvaluator": "pendulum_zoo.rollout.evaluator",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pendulum_zoo' has no attribute {name!r}")


__all__ = ["ENV_IDS", "InvertedPendulumEnv", "InvertedPendulumSwingupEnv", "__version__", *_LAZY]
