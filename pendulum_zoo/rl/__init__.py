"""Gradient-trained agents: numpy PPO (ppo.py) with its losses (losses.py), Adam (adam.py) and sparse training
(sparse.py: dense, static, SET, RigL, gradual magnitude pruning)."""

from pendulum_zoo.rl.ppo import PPO, PPOConfig
from pendulum_zoo.rl.sparse import SPARSE_METHODS, SparseConfig

__all__ = ["PPO", "PPOConfig", "SPARSE_METHODS", "SparseConfig"]
