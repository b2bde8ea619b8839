"""Opening a run: a new one in an empty folder, or an interrupted or finished one from its checkpoint.

Resuming checks the log against the checkpoint. A kill can leave the log a little ahead of the checkpoint (a
generation is logged, then checkpointed) and its last line torn: those lines are dropped, and the generations
they logged run again, so that the resumed log equals an uninterrupted one. Any other damage (a corrupt line
before the last, a missing generation, a log that disagrees with the checkpoint) is refused, naming the file
and the line, since resuming would lose or mix records. Only the stopping rule may differ from the saved
configuration (see ``stopping``).
"""

from __future__ import annotations

from typing import Any

from pendulum_zoo.training.checkpoint import load_checkpoint
from pendulum_zoo.training.config import STOPPING_RULE, TrainConfig
from pendulum_zoo.training.run_folder import RunFolder, read_log_lines
from pendulum_zoo.training.state import RunState
from pendulum_zoo.training.stopping import change_stopping_rule


def open_run(config: TrainConfig, folder: RunFolder | None, resume: bool):
    """``(strategy, state, log records)`` to go on from: fresh, or ``folder``'s run (which it holds locked)."""
    if not resume:
        if folder is not None:
            folder.start(config)
        return config.make_strategy(), RunState(), []
    folder.check_resumable()
    strategy, state, saved_config = load_checkpoint(folder.checkpoint)
    differences = [name for name in config.__dataclass_fields__
                   if getattr(saved_config, name) != getattr(config, name)]
    fixed = [name for name in differences if name not in STOPPING_RULE]
    if fixed:
        raise ValueError(f"cannot resume {folder.path}: the run was made with different {', '.join(fixed)} "
                         f"({', '.join(f'{n}={getattr(saved_config, n)!r}' for n in fixed)})")
    log = _log_of_checkpoint(folder, state)
    if differences:  # a new stopping rule: the run ends as one started with it would
        change_stopping_rule(folder.path, config, state, log)
        folder.write_config(config)
    folder.write_log(log)
    return strategy, state, log


def _log_of_checkpoint(folder: RunFolder, state: RunState) -> list[dict[str, Any]]:
    """The log's records of the generations the checkpoint holds, checked against it."""
    records, _ = read_log_lines(folder.log)  # raises for damage other than a torn last line
    if len(records) < state.generation:
        raise ValueError(f"cannot resume {folder.path}: its training log {folder.log} logs {len(records)} "
                         f"generation(s), its checkpoint {state.generation}; the records from line "
                         f"{len(records) + 1} on are lost")
    records = records[: state.generation]  # generations run after the last checkpoint will run again
    last = records[-1]
    validation_steps = 0 if state.validation is None else state.validation["env_steps"]
    if last["env_steps"] != state.env_steps - validation_steps:
        raise ValueError(f"cannot resume {folder.path}: line {state.generation} of its training log {folder.log} "
                         f"(generation {state.generation - 1}) records {last['env_steps']!r} environment steps, "
                         f"its checkpoint {state.env_steps - validation_steps}; they are not of the same run")
    return records
