"""pendulum-zoo: cart-pole tasks, sparse-network learners and an evaluation protocol.

Importing the package registers its environments with gymnasium::

    import gymnasium, pendulum_zoo
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingupWide-v0")
"""

from pendulum_zoo._version import __version__
from pendulum_zoo.envs import (
    ENV_IDS,
    InvertedPendulumEnv,
    InvertedPendulumSwingupEnv,
)
from pendulum_zoo.envs.registration import register_envs as _register_envs

_register_envs()

__all__ = [
    "ENV_IDS",
    "InvertedPendulumEnv",
    "InvertedPendulumSwingupEnv",
    "__version__",
]
