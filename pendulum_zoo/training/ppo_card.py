"""What a PPO run writes about itself: one log record per iteration, and the champion's model card."""

from __future__ import annotations

from typing import Any

from pendulum_zoo._version import __version__
from pendulum_zoo.envs.registration import solved_threshold
from pendulum_zoo.rl import PPO, ppo_algorithm
from pendulum_zoo.rl.settings import changed_settings

# PPO.iterate's statistics, in the log's order; then the run's wall time
PPO_LOG_FIELDS = (
    "iteration", "env_steps", "episodes", "mean_return", "policy_loss", "value_loss", "approx_kl",
    "clip_fraction", "grad_norm", "explained_variance", "log_std", "actor_sparsity", "critic_sparsity",
    "actor_connections",
    "rollout_seconds", "update_seconds",
)


def ppo_log_record(stats: dict[str, Any], wall_time: float) -> dict[str, Any]:
    """The log record of one iteration: its statistics (``PPO_LOG_FIELDS``) and the run's wall time so far."""
    record = {name: stats[name] for name in PPO_LOG_FIELDS}
    for name in ("rollout_seconds", "update_seconds"):
        record[name] = round(record[name], 4)
    record["wall_time"] = round(wall_time, 3)
    return record


def ppo_model_card(ppo: PPO, run: dict[str, Any], log: list[dict[str, Any]]) -> dict[str, Any]:
    """The model card of ``ppo``'s current policy: how it was trained and what training measured."""
    from pendulum_zoo.versions import installed_versions

    config = ppo.config
    threshold = solved_threshold(config.env_id)
    # as the evolutionary cards' steps_to_solve: when a training measure (here the iteration's mean episode
    # return, stochastic actions) first reached the task's threshold
    solved = next((r for r in log if r["mean_return"] is not None and r["mean_return"] >= threshold), None)
    returns = [r["mean_return"] for r in log if r["mean_return"] is not None]
    actor = ppo.actor
    return {
        "algorithm": ppo_algorithm(config),
        "env_id": config.env_id,
        "seed": config.seed,
        "hyperparameters": config.to_dict(),
        "tuned": changed_settings(config),  # the settings that differ from the paper's (Graesser et al. A.3)
        "sparse_method": config.sparse.method,
        "iterations": ppo.iteration,
        "total_steps": ppo.env_steps,
        "steps_to_solve": None if solved is None else solved["env_steps"],
        "final_training_return": returns[-1] if returns else None,
        "wall_time_s": round(run["wall_time"], 3),
        "stop_reason": run["stop_reason"],
        "network": "-".join(str(size) for size in actor.sizes),
        "connections": actor.connections,
        "weights": actor.num_weights,
        "sparsity": actor.sparsity,
        "critic_sparsity": ppo.critic.sparsity,
        "package": "pendulum-zoo",
        "package_version": __version__,
        "versions": {name: value for name, value in installed_versions().items()
                     if name in ("gymnasium", "pybullet", "numpy")},
    }
