"""What a run writes about itself: one log record per generation, and the champion's model card."""

from __future__ import annotations

from typing import Any

import numpy as np

from pendulum_zoo._version import __version__
from pendulum_zoo.networks.policy import connection_counts, effective_connections
from pendulum_zoo.strategies import get_strategy_class
from pendulum_zoo.training.config import TrainConfig
from pendulum_zoo.training.state import RunState

LOG_FIELDS = (
    "generation", "env_steps", "wall_time", "best_fitness", "champion_fitness",
    "elite_fitness_mean", "elite_fitness_std", "elite_fitness_min", "elite_fitness_max",
    "population_fitness_mean", "population_fitness_std", "population_fitness_min", "population_fitness_max",
    "best_return", "best_connections", "elite_connections_mean", "population_connections_mean",
    "population_connections_std", "mutation_rate",
)  # then one ``strategy_<name>`` field per scalar of the strategy's ``stats()``


def log_record(state: RunState, params: np.ndarray, fitness: np.ndarray, mean_return: np.ndarray,
               strategy) -> dict[str, Any]:
    """The log record of the generation ``state.generation`` that scored ``params`` (see ``LOG_FIELDS``)."""
    order = np.argsort(-fitness, kind="stable")
    elite = order[: strategy.elite_size]
    connections = connection_counts(params)
    stats = strategy.stats()
    record = {
        "generation": state.generation, "env_steps": state.env_steps, "wall_time": round(state.wall_time, 3),
        "best_fitness": float(fitness[order[0]]), "champion_fitness": state.champion_fitness,
        "elite_fitness_mean": float(fitness[elite].mean()), "elite_fitness_std": float(fitness[elite].std()),
        "elite_fitness_min": float(fitness[elite].min()), "elite_fitness_max": float(fitness[elite].max()),
        "population_fitness_mean": float(fitness.mean()), "population_fitness_std": float(fitness.std()),
        "population_fitness_min": float(fitness.min()), "population_fitness_max": float(fitness.max()),
        "best_return": float(mean_return[order[0]]), "best_connections": int(connections[order[0]]),
        "elite_connections_mean": float(connections[elite].mean()),
        "population_connections_mean": float(connections.mean()),
        "population_connections_std": float(connections.std()),
        "mutation_rate": stats.get("mutation_rate"),
    }
    record.update({f"strategy_{k}": float(v) for k, v in stats.items() if k != "mutation_rate"})
    return record


def model_card(config: TrainConfig, state: RunState) -> dict[str, Any]:
    """The champion's model card: how it was trained and what training measured."""
    from pendulum_zoo.versions import installed_versions

    champion = state.champion[None, :]
    return {
        "algorithm": config.algorithm,
        "env_id": config.env_id,
        "seed": config.seed,
        "hyperparameters": {
            "population_size": config.population_size, "episodes": config.episodes,
            "threshold": config.threshold, "min_generations": config.min_generations,
            "max_generations": config.max_generations, "validation_episodes": config.validation_episodes,
            "strategy": {**get_strategy_class(config.algorithm).defaults, **config.hyperparameters},
        },
        "generations": state.generation,
        "champion_generation": state.champion_generation,
        "training_fitness": state.champion_fitness,
        "validation": state.validation,
        "steps_to_solve": state.steps_to_solve,
        "solved_generation": state.solved_generation,
        "total_steps": state.env_steps,
        "wall_time_s": round(state.wall_time, 3),
        "stop_reason": state.stop_reason,
        "connections": int(connection_counts(champion)[0]),
        "effective_connections": int(effective_connections(champion)[0]),
        "package": "pendulum-zoo",
        "package_version": __version__,
        # distribution versions (pybullet 3.2.7, not its API number 202010061)
        "versions": {name: value for name, value in installed_versions().items()
                     if name in ("gymnasium", "pybullet", "numpy")},
    }
