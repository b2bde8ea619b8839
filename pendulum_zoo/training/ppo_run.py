"""``train_ppo()``: a PPO run in a run folder, as ``train()`` runs the evolutionary strategies.

The same folder (``run_folder``: ``config.json``, ``log.jsonl``, ``checkpoint.npz``, ``champion.json``, the lock),
one log record per iteration (PPO's statistics and the wall time), a checkpoint after every iteration
(``ppo_checkpoint``: the whole state at a rollout boundary), so that a resumed run ends exactly as an uninterrupted
one; Ctrl-C leaves the last iteration's checkpoint. The champion is the final policy: the actor's mean action with
frozen observation statistics, saved as a version 3 policy file with its model card (``ppo_card``).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from pendulum_zoo.networks.mlp import MLPPolicy
from pendulum_zoo.rl import PPO, PPOConfig
from pendulum_zoo.training.ppo_card import ppo_log_record, ppo_model_card
from pendulum_zoo.training.ppo_checkpoint import load_ppo_checkpoint, save_ppo_checkpoint
from pendulum_zoo.training.run_folder import RunFolder, read_log_lines

LOG_COUNTER = ("iteration", 1)  # a PPO log's line n records iteration n


@dataclass
class PPOTrainResult:
    """What a PPO run produced: the deterministic policy, its card, the run's folder and log."""

    policy: MLPPolicy
    card: dict[str, Any]
    out_dir: str | None
    log: list[dict[str, Any]]


def train_ppo(config: PPOConfig, out_dir: str | os.PathLike | None = None, *, resume: bool = False,
              callback: Callable[[dict[str, Any]], None] | None = None) -> PPOTrainResult:
    """Train ``config``; with ``out_dir``, log, checkpoint and save the champion there.

    ``resume=True`` continues the run in ``out_dir`` from its checkpoint (the configuration must be the saved
    one). ``callback(record)`` after every iteration. Ctrl-C (KeyboardInterrupt) leaves the checkpoint of the
    last completed iteration and is re-raised. A second run in a folder in use raises ``RunFolderLocked``.
    """
    if not isinstance(config, PPOConfig):
        raise TypeError(f"train_ppo needs a PPOConfig, got {type(config).__name__}")
    if resume and out_dir is None:
        raise ValueError("resume needs the run's folder (out_dir)")
    folder = None if out_dir is None else RunFolder(out_dir)
    with contextlib.nullcontext() if folder is None else folder.locked(create=not resume):
        ppo, run, log = _open(config, folder, resume)
        try:
            _run(ppo, run, log, folder, callback)
            card = ppo_model_card(ppo, run, log)
            policy = MLPPolicy(ppo.policy(), f"{card['algorithm']} run", card)
            if folder is not None and not os.path.exists(folder.champion):
                folder.save_champion(policy, card)
        finally:
            ppo.close()
    return PPOTrainResult(policy, card, None if folder is None else folder.path, log)


def _open(config: PPOConfig, folder: RunFolder | None, resume: bool):
    """``(ppo, run state, log records)``: a fresh run, or the folder's from its checkpoint."""
    if not resume:
        if folder is not None:
            folder.start(config)
        return PPO(config), {"wall_time": 0.0, "stop_reason": None}, []
    folder.check_resumable()
    ppo, run = load_ppo_checkpoint(folder.checkpoint)
    try:
        saved, given = ppo.config.to_dict(), config.to_dict()
        differences = [name for name in saved if saved[name] != given[name]]
        if differences:
            raise ValueError(f"cannot resume {folder.path}: the run was made with different "
                             + ", ".join(f"{name} ({saved[name]!r})" for name in differences))
        records, _ = read_log_lines(folder.log, *LOG_COUNTER)  # raises for damage other than a torn last line
        if len(records) < ppo.iteration:
            raise ValueError(f"cannot resume {folder.path}: its training log {folder.log} logs {len(records)} "
                             f"iteration(s), its checkpoint {ppo.iteration}")
        log = records[:ppo.iteration]  # iterations logged after the last checkpoint run again
        if log and log[-1]["env_steps"] != ppo.env_steps:
            raise ValueError(f"cannot resume {folder.path}: line {len(log)} of {folder.log} records "
                             f"{log[-1]['env_steps']!r} env steps, its checkpoint {ppo.env_steps}")
        folder.write_log(log)
    except BaseException:
        ppo.close()
        raise
    return ppo, run, log


def _run(ppo: PPO, run: dict[str, Any], log: list[dict[str, Any]], folder: RunFolder | None,
         callback: Callable[[dict[str, Any]], None] | None) -> None:
    """The iterations from the checkpoint (or the start) to the end of the budget."""
    started, wall_time_before = time.perf_counter(), run["wall_time"]
    while ppo.iteration < ppo.config.iterations:
        stats = ppo.iterate()
        run["wall_time"] = wall_time_before + time.perf_counter() - started
        if ppo.iteration == ppo.config.iterations:
            run["stop_reason"] = "total_steps"
        record = ppo_log_record(stats, run["wall_time"])
        log.append(record)
        if folder is not None:
            folder.append_log(record)
            save_ppo_checkpoint(folder.checkpoint, ppo, run)
            if run["stop_reason"] is not None:
                card = ppo_model_card(ppo, run, log)
                folder.save_champion(MLPPolicy(ppo.policy(), card["algorithm"], card), card)
        if callback is not None:
            callback(record)
