"""Episode seed schedules. Training and evaluation draw from disjoint ranges, so no evaluation episode ever
starts from a state that training saw.

- Training: episode ``e`` of generation ``g`` in a run with seed ``s`` gets a seed in ``[2**32, 2**63)``
  derived from ``(s, g, e)`` with numpy's SeedSequence. Every member of a generation faces the same episodes.
- Evaluation (the protocol): seeds in ``[0, 2**32)``; see ``evaluation_episode_seeds``.
"""

from __future__ import annotations

import numpy as np

from pendulum_zoo.validation import check_integer

TRAINING_SEED_LOW = 2**32
TRAINING_SEED_HIGH = 2**63
EVALUATION_SEED_HIGH = 2**32


def check_seed(seed: object, what: str = "seed") -> int:
    """``seed`` as a Python int (numpy integers accepted); TypeError if not an integer, ValueError if negative."""
    value = check_integer(what, seed)
    if value < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value}")
    return value


def training_episode_seeds(run_seed: int, generation: int, episodes: int) -> list[int]:
    """Reset seeds of the ``episodes`` episodes of ``generation`` in the run seeded ``run_seed``."""
    check_seed(run_seed, "run seed")
    check_seed(generation, "generation")
    raw = np.random.SeedSequence(entropy=int(run_seed), spawn_key=(int(generation),)).generate_state(
        episodes, np.uint64)
    return [TRAINING_SEED_LOW + int(value) % (TRAINING_SEED_HIGH - TRAINING_SEED_LOW) for value in raw]


def evaluation_episode_seeds(seed: int, episodes: int) -> list[int]:
    """Reset seeds of the protocol's ``episodes`` episodes for evaluation seed ``seed``: episode ``i`` gets
    the first 32-bit word of ``SeedSequence(entropy=seed, spawn_key=(i,))``. Distinct seeds give unrelated
    schedules, and every value lies below ``2**32``, outside the training range.
    """
    check_seed(seed, "evaluation seed")
    return [int(np.random.SeedSequence(entropy=int(seed), spawn_key=(i,)).generate_state(1, np.uint32)[0])
            for i in range(episodes)]


def observation_noise_rng(episode_seed: int) -> np.random.Generator:
    """The generator of an episode's observation noise (the protocol's robustness section): one
    ``normal(0, std, 5)`` draw before every action. Derived from the episode seed, so an episode is noised
    the same way in any process."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(episode_seed), spawn_key=(1,)))
