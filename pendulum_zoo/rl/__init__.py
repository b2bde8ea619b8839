"""Gradient-trained agents: numpy PPO (ppo.py, its configuration ppo_config.py, its saved state ppo_state.py,
named settings settings.py) with its losses (losses.py), Adam (adam.py) and sparse training (sparse.py: dense,
static, SET, RigL, gradual magnitude pruning)."""

from pendulum_zoo.rl.ppo import PPO
from pendulum_zoo.rl.ppo_config import PPOConfig
from pendulum_zoo.rl.sparse import SPARSE_METHODS, SparseConfig

# the names of PPO-trained agents (``algorithm`` on their cards, champion names in the zoo): dense, and sparse
# by any method of ``SPARSE_METHODS`` but dense (the card's ``sparse`` section names it)
PPO_ALGORITHMS = ("ppo", "ppo-sparse")


def ppo_algorithm(config: PPOConfig) -> str:
    """``ppo`` for dense training, ``ppo-sparse`` for the sparse methods."""
    return PPO_ALGORITHMS[config.sparse.method != "dense"]


__all__ = ["PPO", "PPOConfig", "PPO_ALGORITHMS", "SPARSE_METHODS", "SparseConfig", "ppo_algorithm"]
