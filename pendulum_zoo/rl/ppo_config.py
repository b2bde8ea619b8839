"""PPO's configuration: ``PPOConfig``, every field checked, and its JSON form (``to_dict`` / ``from_dict``).

Defaults: Graesser et al. 2022, appendix A.3 (PPO table); see ``ppo.py``. ``settings.py`` names tuned sets.
"""

from __future__ import annotations

import dataclasses

import gymnasium

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks.mlp import INITIALISATIONS
from pendulum_zoo.rl.sparse import SparseConfig
from pendulum_zoo.validation import check_fields, check_integer, check_number, quote

VECTORIZATION_MODES = ("sync", "async", "vector_entry_point")


@dataclasses.dataclass(frozen=True)
class PPOConfig:
    env_id: str = "pendulum_zoo/InvertedPendulum-v0"
    seed: int = 0
    total_steps: int = 1_000_000  # env steps over all copies, rounded down to whole rollouts (at least one)
    num_envs: int = 1
    num_steps: int = 2048  # steps per copy per rollout
    learning_rate: float = 3e-4
    anneal_lr: bool = False
    gamma: float = 0.99
    gae_lambda: float = 0.95
    minibatch_size: int = 64
    epochs: int = 10
    clip: float = 0.2
    value_coef: float = 0.5
    entropy_coef: float = 0.0
    max_grad_norm: float = 0.5
    actor_hidden: tuple[int, ...] = (64, 64)
    critic_hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    init: str = "kaiming"
    log_std_init: float = 0.0
    normalize_obs: bool = False
    normalize_reward: bool = False
    vectorization_mode: str = "vector_entry_point"  # the native vector env (envs/vector.py), bit-identical to sync
    sparse: SparseConfig = SparseConfig()

    def __post_init__(self) -> None:
        if not isinstance(self.env_id, str) or self.env_id not in gymnasium.registry:
            object.__setattr__(self, "env_id", canonical_env_id(self.env_id))  # ValueError naming the choices
        for name in ("seed", "total_steps", "num_envs", "num_steps", "minibatch_size", "epochs"):
            check_integer(name.replace("_", " "), getattr(self, name), 0 if name == "seed" else 1)
        for name, low, high in (("learning_rate", 0.0, None), ("gamma", 0.0, 1.0), ("gae_lambda", 0.0, 1.0),
                                ("clip", 0.0, None), ("value_coef", 0.0, None), ("entropy_coef", None, None),
                                ("max_grad_norm", 0.0, None), ("log_std_init", None, None)):
            check_number(name.replace("_", " "), getattr(self, name), low, high)
        for name in ("actor_hidden", "critic_hidden"):
            widths = getattr(self, name)
            if not isinstance(widths, (tuple, list)):
                raise TypeError(f"{name.replace('_', ' ')} widths must be a sequence of integers, got {quote(widths)}")
            object.__setattr__(self, name, tuple(check_integer("hidden width", w, 1) for w in widths))
        if self.init not in INITIALISATIONS:
            raise ValueError(f"init must be one of {', '.join(INITIALISATIONS)}, got {quote(self.init)}")
        if self.vectorization_mode not in VECTORIZATION_MODES:
            raise ValueError(f"vectorization mode must be one of {', '.join(VECTORIZATION_MODES)}, "
                             f"got {quote(self.vectorization_mode)}")
        if not isinstance(self.sparse, SparseConfig):
            raise TypeError(f"sparse must be a SparseConfig, got {quote(self.sparse)}")

    def to_dict(self) -> dict:
        """The configuration as JSON-able data (``from_dict`` reads it back)."""
        values = dataclasses.asdict(self)
        return {**values, "actor_hidden": list(self.actor_hidden), "critic_hidden": list(self.critic_hidden)}

    @classmethod
    def from_dict(cls, values: dict) -> PPOConfig:
        """The configuration ``to_dict`` wrote; ValueError for unknown fields, TypeError/ValueError for bad values."""
        values = check_fields(cls, values, "a PPO configuration")
        if isinstance(values.get("sparse"), dict):
            values["sparse"] = SparseConfig(**check_fields(SparseConfig, values["sparse"], "a sparse configuration"))
        return cls(**values)

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def iterations(self) -> int:
        return max(1, self.total_steps // self.batch_size)

    @property
    def optimiser_steps(self) -> int:
        return self.iterations * self.epochs * -(-self.batch_size // self.minibatch_size)
