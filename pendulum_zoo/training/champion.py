"""Choosing the champion on fresh episodes.

A fitness measured on 8 episodes rewards luck, and the all-time best member is often a lucky one. The
candidates (the all-time best member and the final generation's elite) are scored on ``validation_episodes``
further episodes, drawn from the training seed range (never the protocol's), and the best validation fitness
wins. ``validation_episodes=0`` keeps the all-time best.
"""

from __future__ import annotations

import numpy as np

from pendulum_zoo.networks.policy import complexity_penalty
from pendulum_zoo.rollout.evaluator import PopulationEvaluator
from pendulum_zoo.rollout.seeding import training_episode_seeds
from pendulum_zoo.training.config import VALIDATION_GENERATION, TrainConfig
from pendulum_zoo.training.state import RunState


def choose_champion(config: TrainConfig, state: RunState, evaluator: PopulationEvaluator, strategy,
                    params: np.ndarray, fitness: np.ndarray) -> None:
    """Score the candidates of the final generation (``params``, ``fitness``) on validation episodes and make
    the best the champion; the all-time best member is kept aside in ``state.trained_champion``."""
    elite = np.argsort(-fitness, kind="stable")[: strategy.elite_size]
    candidates = [(state.champion, state.champion_fitness, state.champion_generation, "all-time best")]
    for rank, index in enumerate(elite):
        if not any(np.array_equal(params[index], c[0]) for c in candidates):
            candidates.append((params[index], float(fitness[index]), state.generation - 1,
                               f"final generation, rank {rank + 1}"))
    matrix = np.stack([c[0] for c in candidates])
    seeds = training_episode_seeds(config.seed, VALIDATION_GENERATION, config.validation_episodes)
    evaluation = evaluator.evaluate(matrix, seeds)
    score = evaluation.returns.mean(axis=1)
    if strategy.binary:
        score = score - complexity_penalty(matrix)
    pick = int(np.argmax(score))  # ties go to the earlier candidate: the all-time best first
    state.trained_champion, state.trained_champion_fitness, state.trained_champion_generation = candidates[0][:3]
    state.champion, state.champion_fitness, state.champion_generation, picked = candidates[pick]
    state.champion = state.champion.copy()
    state.env_steps += evaluation.steps
    state.validation = {"episodes": config.validation_episodes, "candidates": len(candidates), "picked": picked,
                        "fitness": float(score[pick]), "all_time_best_fitness": float(score[0]),
                        "env_steps": evaluation.steps}
