"""``checkpoint.npz``: the whole state of a run after its last completed generation.

numpy arrays (the strategy's, the champion, the all-time best member once validation replaced it) plus a JSON
header (``header``, bytes) holding the configuration, the strategy's scalars and the run's state; loaded with
``allow_pickle=False``. Loading cross-checks the parts against each other before any work, so that a damaged or
mismatched checkpoint is refused with a message naming the file rather than resumed into a different run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

import numpy as np

from pendulum_zoo._version import __version__
from pendulum_zoo.storage.fileio import read_npz, write_npz
from pendulum_zoo.strategies import get_strategy_class, strategy_from_state_dict
from pendulum_zoo.training.config import TrainConfig
from pendulum_zoo.training.state import ARRAY_FIELDS, STOP_REASONS, RunState
from pendulum_zoo.validation import check_integer, check_number, quote

CHECKPOINT_FORMAT = "pendulum-zoo/checkpoint"
CHECKPOINT_VERSION = 1

# run-state fields a checkpoint may lack: checkpoints written before validation kept the all-time best member
OPTIONAL_RUN_FIELDS = ("trained_champion_fitness", "trained_champion_generation")
_STRATEGY_STATE_ERRORS = (KeyError, TypeError, ValueError, IndexError, np.linalg.LinAlgError)


def save_checkpoint(path: str, config: TrainConfig, strategy, state: RunState) -> None:
    strategy_state = strategy.state_dict()
    header = {
        "format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, "package_version": __version__,
        "config": config.to_dict(), "strategy": strategy_state["meta"],
        "run": {k: v for k, v in asdict(state).items() if k not in ARRAY_FIELDS},
    }
    header["run"]["champion_fitness"] = None if state.champion is None else state.champion_fitness
    arrays = {f"strategy/{name}": value for name, value in strategy_state["arrays"].items()}
    arrays["champion"] = state.champion
    if state.trained_champion is not None:
        arrays["trained_champion"] = state.trained_champion
    arrays["header"] = header_array(header)
    write_npz(path, arrays)


def load_checkpoint(path: str):
    """``(strategy, state, config)`` from the checkpoint at ``path``; ValueError naming the file if it is damaged,
    incomplete, or its parts disagree."""
    arrays = read_npz(path, "checkpoint")
    header = read_header(path, arrays.pop("header", None))
    missing = [key for key in ("config", "strategy", "run") if key not in header]
    if "champion" not in arrays:
        missing.append("the champion array")
    if missing:
        raise ValueError(f"checkpoint {path} lacks {', '.join(missing)}: it is damaged or was not written by "
                         f"pendulum-zoo")
    try:
        config = TrainConfig.from_dict(header["config"]).resolved()
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint {path} holds a bad configuration: {error}") from None
    strategy_state = {
        "meta": header["strategy"],
        "arrays": {name.removeprefix("strategy/"): value for name, value in arrays.items()
                   if name.startswith("strategy/")},
    }
    strategy = _strategy(path, strategy_state)
    run = header["run"]
    if not isinstance(run, dict):
        raise ValueError(f"checkpoint {path}: its run state must be a JSON object, got {quote(run)}")
    _check_strategy(path, strategy, config, run.get("generation"))
    state = _run_state(path, run, config)
    state.champion = _member(path, "champion", arrays["champion"], strategy)
    if state.trained_champion_fitness is not None:
        if "trained_champion" not in arrays:
            raise ValueError(f"checkpoint {path} lacks the trained_champion array its header announces")
        state.trained_champion = _member(path, "trained_champion", arrays["trained_champion"], strategy)
    return strategy, state, config


def header_array(header: dict[str, Any]) -> np.ndarray:
    """A checkpoint's JSON header as the uint8 array stored beside its other arrays."""
    return np.frombuffer(json.dumps(header, allow_nan=False).encode(), dtype=np.uint8)


def read_header(path: str, data: np.ndarray | None, kind: str = "", file_format: str = CHECKPOINT_FORMAT,
                version: int = CHECKPOINT_VERSION) -> dict[str, Any]:
    """The JSON header ``header_array`` stored, checked to be of ``file_format`` and ``version``."""
    try:
        if data is None or data.dtype != np.uint8 or data.ndim != 1:
            raise ValueError
        header = json.loads(data.tobytes().decode())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValueError(f"checkpoint {path} has no readable header") from None
    if not isinstance(header, dict) or header.get("format") != file_format \
            or header.get("format_version") != version:
        raise ValueError(f"checkpoint {path} is not a pendulum-zoo {kind}checkpoint of version {version}")
    return header


def _strategy(path: str, strategy_state: dict[str, Any]):
    """The strategy, rebuilt; a second copy proposes one population, so that damaged state arrays are found
    now rather than after the first generation's episodes."""
    try:
        strategy = strategy_from_state_dict(strategy_state)
        population = strategy_from_state_dict(strategy_state).ask()
    except _STRATEGY_STATE_ERRORS as error:
        detail = f"lacks {error}" if isinstance(error, KeyError) else str(error)
        raise ValueError(f"checkpoint {path} holds a damaged strategy state: {detail}") from None
    if population.shape != (strategy.population_size, strategy.num_params) or not np.isfinite(population).all():
        raise ValueError(f"checkpoint {path} holds a damaged strategy state: it proposes a population of shape "
                         f"{population.shape} or with non-finite values")
    return strategy


def _run_state(path: str, run: dict[str, Any], config: TrainConfig) -> RunState:
    """The run's state from the header's ``run`` object, every field checked."""
    names = [f.name for f in fields(RunState) if f.name not in ARRAY_FIELDS]
    missing = [name for name in names if name not in run and name not in OPTIONAL_RUN_FIELDS]
    unknown = sorted(set(run) - set(names))
    if missing:
        raise ValueError(f"checkpoint {path}: its run state lacks {', '.join(missing)}")
    if unknown:
        raise ValueError(f"checkpoint {path}: its run state holds unknown field(s) {', '.join(unknown)}")

    def optional(name: str, check, *limits):
        return None if run.get(name) is None else check(f"run.{name}", run[name], *limits)
    try:
        generation = check_integer("run.generation", run["generation"], 1, config.max_generations)
        state = RunState(
            generation=generation,
            env_steps=check_integer("run.env_steps", run["env_steps"], 0),
            wall_time=check_number("run.wall_time", run["wall_time"], 0.0),
            champion_fitness=check_number("run.champion_fitness", run["champion_fitness"]),
            champion_generation=check_integer("run.champion_generation", run["champion_generation"], 0,
                                              generation - 1),
            steps_to_solve=optional("steps_to_solve", check_integer, 0),
            solved_generation=optional("solved_generation", check_integer, 0, generation - 1),
            trained_champion_fitness=optional("trained_champion_fitness", check_number),
            trained_champion_generation=optional("trained_champion_generation", check_integer, 0, generation - 1),
            stop_reason=run["stop_reason"], validation=run["validation"],
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint {path}: {error}") from None
    if state.stop_reason not in (None, *STOP_REASONS):
        raise ValueError(f"checkpoint {path}: run.stop_reason must be one of {', '.join(STOP_REASONS)} or null, "
                         f"got {quote(state.stop_reason)}")
    if state.stop_reason is None and generation >= config.max_generations:
        raise ValueError(f"checkpoint {path}: the run is at generation {generation}, its budget "
                         f"{config.max_generations}, yet it has not stopped")
    validated = state.stop_reason is not None and config.validation_episodes > 0
    if validated != (state.validation is not None) or not isinstance(state.validation, (dict, type(None))):
        raise ValueError(f"checkpoint {path}: run.validation {quote(state.validation)} does not fit a run "
                         f"{'validated' if validated else 'not validated'} (stop_reason "
                         f"{quote(state.stop_reason)}, validation_episodes {config.validation_episodes})")
    if state.validation is not None:
        try:
            check_integer("run.validation.env_steps", state.validation.get("env_steps"), 0)
        except (TypeError, ValueError) as error:
            raise ValueError(f"checkpoint {path}: {error}") from None
        if not isinstance(state.validation.get("picked"), str):
            raise ValueError(f"checkpoint {path}: run.validation lacks the candidate it picked")
    return state


def _check_strategy(path: str, strategy, config: TrainConfig, generation: Any) -> None:
    """The strategy state belongs to this configuration and to the header's ``generation``."""
    if generation != strategy.generation:
        raise ValueError(f"checkpoint {path}: its header says generation {quote(generation)}, its strategy state "
                         f"is at generation {strategy.generation}")
    expected = {"algorithm": config.algorithm, "population_size": config.population_size, "seed": config.seed,
                "hyperparameters": {**get_strategy_class(config.algorithm).defaults, **config.hyperparameters}}
    found = {"algorithm": strategy.name, "population_size": strategy.population_size, "seed": strategy.seed,
             "hyperparameters": strategy.hyperparameters}
    wrong = [name for name in expected if expected[name] != found[name]]
    if wrong:
        raise ValueError(f"checkpoint {path}: its strategy state does not match its configuration in "
                         + ", ".join(f"{name} ({quote(found[name])}, the configuration says "
                                     f"{quote(expected[name])})" for name in wrong))


def _member(path: str, name: str, value: np.ndarray, strategy) -> np.ndarray:
    """A saved member (the champion) as float64, checked: one value per parameter, finite, 0/1 for pruning."""
    if value.shape != (strategy.num_params,) or not (np.issubdtype(value.dtype, np.number)
                                                     or value.dtype == np.bool_):
        raise ValueError(f"checkpoint {path}: the {name} array must hold {strategy.num_params} numbers, got shape "
                         f"{value.shape} of {value.dtype}")
    member = value.astype(np.float64)
    if not np.isfinite(member).all():
        raise ValueError(f"checkpoint {path}: the {name} array holds {int((~np.isfinite(member)).sum())} "
                         f"non-finite value(s)")
    if strategy.binary and not np.isin(member, (0.0, 1.0)).all():
        raise ValueError(f"checkpoint {path}: the {name} array of a pruning strategy must hold only 0 and 1")
    return member
