"""``train()``: runs a strategy generation by generation, logs, checkpoints, and saves the champion.

Fitness of a member = mean return over the generation's episodes minus, for pruning strategies only, the
article's complexity penalty. The run stops by its stopping rule (``stopping``); the champion is then chosen on
fresh validation episodes (``champion``). With a run folder (``run_folder``), every generation is logged and
checkpointed, so that resuming an interrupted run continues from its checkpoint (``resume``) and ends with
exactly the champion an uninterrupted run would have.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from pendulum_zoo.networks.policy import complexity_penalty
from pendulum_zoo.rollout.evaluator import DEFAULT_ENGINE, PopulationEvaluator, check_engine, check_workers
from pendulum_zoo.rollout.seeding import training_episode_seeds
from pendulum_zoo.training.card import log_record, model_card
from pendulum_zoo.training.champion import choose_champion
from pendulum_zoo.training.checkpoint import save_checkpoint
from pendulum_zoo.training.config import TrainConfig
from pendulum_zoo.training.resume import open_run
from pendulum_zoo.training.run_folder import RunFolder
from pendulum_zoo.training.stopping import stop_reason


@dataclass
class TrainResult:
    """What a run produced: the champion's weights and card, and where the run's files are."""

    champion: np.ndarray
    card: dict[str, Any]
    out_dir: str | None
    log: list[dict[str, Any]]

    @property
    def solved(self) -> bool:
        return self.card["steps_to_solve"] is not None


def train(config: TrainConfig, out_dir: str | os.PathLike | None = None, *, workers: int | None = None,
          engine: str = DEFAULT_ENGINE, resume: bool = False,
          callback: Callable[[dict[str, Any]], None] | None = None) -> TrainResult:
    """Train ``config`` and return the champion. With ``out_dir``, log, checkpoint and save there.

    ``workers`` (default: all cores) and ``engine`` (``"numpy"``, the batched engine, or ``"pybullet"``)
    never change the result. ``resume=True`` continues the run in
    ``out_dir`` from its checkpoint. ``callback(record)`` is called after every generation with its log
    record. Ctrl-C (KeyboardInterrupt) leaves the last generation's checkpoint and the champion so far in
    ``out_dir`` and is re-raised. While the run uses ``out_dir`` it holds it locked: a second run there
    raises ``RunFolderLocked``.
    """
    config = config.resolved()
    workers, engine = check_workers(workers), check_engine(engine)
    if resume and out_dir is None:
        raise ValueError("resume needs the run's folder (out_dir)")
    folder = None if out_dir is None else RunFolder(out_dir)
    with contextlib.nullcontext() if folder is None else folder.locked(create=not resume):
        strategy, state, log = open_run(config, folder, resume)
        if state.stop_reason is None:  # else the run had already finished
            _run(config, strategy, state, log, folder, workers, engine, callback)
    return TrainResult(state.champion.copy(), model_card(config, state), None if folder is None else folder.path,
                       log)


def _run(config: TrainConfig, strategy, state, log: list[dict[str, Any]], folder: RunFolder | None,
         workers: int, engine: str, callback: Callable[[dict[str, Any]], None] | None) -> None:
    """The generations from ``state`` to the end of the run (CleanRL-style: one loop, top to bottom)."""
    run_started = time.perf_counter()
    wall_time_before = state.wall_time
    with PopulationEvaluator(config.env_id, workers=workers, engine=engine) as evaluator:
        while state.stop_reason is None:
            params = strategy.ask()
            evaluation = evaluator.evaluate(params, training_episode_seeds(config.seed, state.generation,
                                                                           config.episodes))
            mean_return = evaluation.returns.mean(axis=1)
            # article: "the reported fitness includes a penalty for network complexity" (pruning only)
            fitness = mean_return - complexity_penalty(params) if strategy.binary else mean_return
            strategy.tell(fitness)
            state.env_steps += evaluation.steps
            state.wall_time = wall_time_before + time.perf_counter() - run_started
            best = int(np.argmax(fitness))
            if fitness[best] > state.champion_fitness:
                state.champion, state.champion_fitness = params[best].copy(), float(fitness[best])
                state.champion_generation = state.generation
            if state.steps_to_solve is None and fitness[best] >= config.threshold:
                state.steps_to_solve, state.solved_generation = state.env_steps, state.generation
            record = log_record(state, params, fitness, mean_return, strategy)
            state.generation += 1
            state.stop_reason = stop_reason(config, state.generation, float(fitness[best]))
            if state.stop_reason is not None and config.validation_episodes > 0:
                choose_champion(config, state, evaluator, strategy, params, fitness)
                state.wall_time = wall_time_before + time.perf_counter() - run_started
            log.append(record)
            if folder is not None:
                folder.append_log(record)
                save_checkpoint(folder.checkpoint, config, strategy, state)
                if state.stop_reason is not None:
                    folder.save_champion(state.champion, model_card(config, state))
            if callback is not None:
                callback(record)
