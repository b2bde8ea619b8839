"""The stopping rule (``threshold``, ``min_generations``, ``max_generations``) and changing it on resume.

The run stops when the best fitness of a generation reaches the threshold and at least ``min_generations``
generations have run, or after ``max_generations``. Only the stopping rule may change on resume, and only if a
run started with the new rule would have gone through the same generations: it must not stop at any generation
already run, except the last one of a finished run. A finished run goes on if the new rule would not have
stopped it where it ended (a longer budget for one that used it up, a threshold above its final generation's
best fitness for a solved one); its validation is undone and redone at the new end. The run then ends exactly as
one started with the new rule would, wall time aside.
"""

from __future__ import annotations

from typing import Any

from pendulum_zoo.training.config import TrainConfig
from pendulum_zoo.training.state import RunState


def stop_reason(config: TrainConfig, generations: int, best_fitness: float) -> str | None:
    """Why ``config``'s stopping rule ends a run after ``generations`` generations, the last one's best
    fitness being ``best_fitness``; None if it goes on."""
    if best_fitness >= config.threshold and generations >= config.min_generations:
        return "solved"
    if generations >= config.max_generations:
        return "max_generations"
    return None


def _stops(config: TrainConfig, record: dict[str, Any]) -> bool:
    """Whether ``config``'s stopping rule ends a run after the generation that ``record`` logs."""
    return stop_reason(config, record["generation"] + 1, record["best_fitness"]) is not None


def change_stopping_rule(folder: str, config: TrainConfig, state: RunState, records: list[dict[str, Any]]) -> None:
    """Check, against the log ``records`` of the generations run, that a run with ``config``'s stopping rule
    would have gone through the same generations as the saved run, and reopen the saved run if it finished
    where the new rule goes on."""
    if config.max_generations <= state.generation and state.stop_reason is None:
        raise ValueError(f"cannot resume {folder} with max_generations={config.max_generations}: it has "
                         f"already run {state.generation} generations")
    if len(records) != state.generation:
        raise ValueError(f"cannot check a new stopping rule for {folder}: its log.jsonl holds {len(records)} "
                         f"generations, its checkpoint {state.generation}")
    *earlier, final = records

    def finished(extend: str) -> ValueError:
        return ValueError(f"cannot change the stopping rule of {folder}: the run has already finished "
                          f"({state.stop_reason}, generation {state.generation}); only {extend} extends it")
    if state.stop_reason is not None and config.max_generations <= state.generation:
        raise finished(f"a budget above {state.generation}")
    stopped = next((r["generation"] + 1 for r in earlier if _stops(config, r)), None)
    if stopped is not None or (state.stop_reason is None and _stops(config, final)):
        raise ValueError(f"cannot resume {folder} with threshold={config.threshold!r} and min_generations="
                         f"{config.min_generations}: a run with them would have stopped after generation "
                         f"{stopped or state.generation}")
    if state.stop_reason is not None:
        if _stops(config, final):
            raise finished(f"a threshold above its final best fitness {final['best_fitness']!r}")
        _reopen(folder, state)
    # when the run first reached the threshold, as the log records it
    solved = next((r for r in records if r["best_fitness"] >= config.threshold), None)
    state.steps_to_solve = None if solved is None else solved["env_steps"]
    state.solved_generation = None if solved is None else solved["generation"]


def _reopen(folder: str, state: RunState) -> None:
    """Undo the end of a run that used up its budget, so that it goes on as if the budget had been larger."""
    if state.validation is not None:
        if state.trained_champion is not None:
            state.champion = state.trained_champion
            state.champion_fitness = state.trained_champion_fitness
            state.champion_generation = state.trained_champion_generation
        elif state.validation["picked"] != "all-time best":  # a checkpoint from before trained_champion
            raise ValueError(f"cannot give {folder} a longer budget: its checkpoint was written before "
                             f"checkpoints kept the all-time best member that validation replaced; start a "
                             f"new run with the longer budget instead")
        state.env_steps -= state.validation["env_steps"]
    state.stop_reason = state.validation = None
    state.trained_champion = state.trained_champion_fitness = state.trained_champion_generation = None
