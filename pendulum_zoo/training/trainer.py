"""The trainer: runs a strategy generation by generation, logs, checkpoints, and saves the champion.

A run lives in one folder:

- ``config.json``: the run's configuration (algorithm, env ID, seed, hyperparameters);
- ``log.jsonl``: one JSON object per generation (see ``LOG_FIELDS``);
- ``checkpoint.npz``: the whole state after the last completed generation, rewritten atomically each
  generation (numpy arrays plus a JSON header, loaded with ``allow_pickle=False``);
- ``champion.json``: the champion and its model card (``pendulum_zoo.storage.policy_file`` format).

Fitness of a member = mean return over the generation's episodes minus, for pruning strategies only, the
article's complexity penalty. The run stops when the best fitness of a generation reaches the threshold and
at least ``min_generations`` generations have run, or after ``max_generations``.

The champion is then chosen on fresh episodes: a fitness measured on 8 episodes rewards luck, and the
all-time best member is often a lucky one. The candidates (the all-time best member and the final
generation's elite) are scored on ``validation_episodes`` further episodes, drawn from the training seed range
(never the protocol's), and the best validation fitness wins. ``validation_episodes=0`` keeps the all-time
best. Resuming an interrupted run continues from its checkpoint and ends with exactly the champion an
uninterrupted run would have. Only the stopping rule (``threshold``, ``min_generations``, ``max_generations``)
may change on resume, and only if a run started with the new rule would have gone through the same
generations: it must not stop at any generation already run, except the last one of a finished run. A
finished run goes on if the new rule would not have stopped it where it ended (a longer budget for one that
used it up, a threshold above its final generation's best fitness for a solved one); its validation is undone
and redone at the new end. The run then ends exactly as one started with the new rule would, wall time aside.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import numpy as np

from pendulum_zoo._version import __version__
from pendulum_zoo.envs.registration import SOLVED_THRESHOLDS, canonical_env_id, is_swingup
from pendulum_zoo.rollout.evaluator import PopulationEvaluator, check_workers
from pendulum_zoo.storage.fileio import (
    atomic_write_text,
    read_json,
    read_npz,
    write_json,
    write_npz,
)
from pendulum_zoo.networks.policy import (
    complexity_penalty,
    connection_counts,
    effective_connections,
)
from pendulum_zoo.storage.policy_file import save_policy
from pendulum_zoo.rollout.seeding import check_seed, training_episode_seeds
from pendulum_zoo.strategies import get_strategy_class, strategy_from_state_dict

VALIDATION_GENERATION = 2**32  # the validation episodes' seeds: a "generation" no run reaches
CHECKPOINT_FORMAT = "pendulum-zoo/checkpoint"
CHECKPOINT_VERSION = 1

# article: "a static population of 128 ... the swingup task doubles that number"
TASK_DEFAULTS = {
    False: {"population_size": 128, "threshold": SOLVED_THRESHOLDS[False]},
    True: {"population_size": 256, "threshold": SOLVED_THRESHOLDS[True]},
}

# the settings a resume may change (see the module's doc)
STOPPING_RULE = ("threshold", "min_generations", "max_generations")

LOG_FIELDS = (
    "generation", "env_steps", "wall_time", "best_fitness", "champion_fitness",
    "elite_fitness_mean", "elite_fitness_std", "elite_fitness_min", "elite_fitness_max",
    "population_fitness_mean", "population_fitness_std", "population_fitness_min", "population_fitness_max",
    "best_return", "best_connections", "elite_connections_mean", "population_connections_mean",
    "population_connections_std", "mutation_rate",
)


@dataclass(frozen=True)
class TrainConfig:
    """What defines a run. ``None`` fields take the task's defaults (article: population 128 for balance, 256
    for swing-up; threshold 999.5 for balance, 880 for swing-up)."""

    algorithm: str
    env_id: str
    seed: int = 0
    population_size: int | None = None
    episodes: int = 8  # article: "Policy runs are repeated 8 times for each member"
    threshold: float | None = None
    min_generations: int = 100  # article: "Training continues for at least 100 generations"
    max_generations: int = 1024  # article's code: 1024
    validation_episodes: int = 100
    hyperparameters: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> TrainConfig:
        """The configuration with defaults filled in, checked; raises ValueError/TypeError naming the problem."""
        get_strategy_class(self.algorithm)
        env_id = canonical_env_id(self.env_id)
        defaults = TASK_DEFAULTS[is_swingup(env_id)]
        config = replace(
            self, env_id=env_id, seed=check_seed(self.seed),
            population_size=defaults["population_size"] if self.population_size is None else self.population_size,
            threshold=defaults["threshold"] if self.threshold is None else self.threshold,
            hyperparameters=dict(self.hyperparameters),
        )
        _check_int("population_size", config.population_size, 2)
        _check_int("episodes", config.episodes, 1)
        _check_int("min_generations", config.min_generations, 0)
        _check_int("max_generations", config.max_generations, 1)
        _check_int("validation_episodes", config.validation_episodes, 0)
        if config.max_generations >= VALIDATION_GENERATION:
            raise ValueError(f"max_generations must be below {VALIDATION_GENERATION}")
        if config.min_generations > config.max_generations:
            raise ValueError(f"min_generations ({config.min_generations}) must not exceed max_generations "
                             f"({config.max_generations})")
        threshold = config.threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
                or not math.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number, got {threshold!r}")
        config = replace(config, threshold=float(threshold), population_size=int(config.population_size))
        config.make_strategy()  # checks the strategy's hyperparameters before any work starts
        return config

    def make_strategy(self):
        return get_strategy_class(self.algorithm)(self.population_size, self.seed, **self.hyperparameters)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown configuration field(s): {', '.join(sorted(unknown))}")
        return cls(**values)


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


@dataclass
class _RunState:
    """Everything that changes between generations (and goes into the checkpoint)."""

    generation: int = 0
    env_steps: int = 0
    wall_time: float = 0.0
    champion: np.ndarray | None = None
    champion_fitness: float = -math.inf
    champion_generation: int | None = None
    steps_to_solve: int | None = None
    solved_generation: int | None = None
    stop_reason: str | None = None
    validation: dict[str, Any] | None = None
    # the all-time best member as training left it, kept once validation has chosen another champion, so that
    # a run that used up its budget can be given a longer one
    trained_champion: np.ndarray | None = None
    trained_champion_fitness: float | None = None
    trained_champion_generation: int | None = None


def train(config: TrainConfig, out_dir: str | os.PathLike | None = None, *, workers: int | None = None,
          resume: bool = False, callback: Callable[[dict[str, Any]], None] | None = None) -> TrainResult:
    """Train ``config`` and return the champion. With ``out_dir``, log, checkpoint and save there.

    ``workers`` (default: all cores) never changes the result. ``resume=True`` continues the run in
    ``out_dir`` from its checkpoint. ``callback(record)`` is called after every generation with its log
    record. Ctrl-C (KeyboardInterrupt) leaves the last generation's checkpoint and the champion so far in
    ``out_dir`` and is re-raised.
    """
    config = config.resolved()
    workers = check_workers(workers)
    folder = None if out_dir is None else os.fspath(out_dir)
    if resume and folder is None:
        raise ValueError("resume needs the run's folder (out_dir)")
    strategy, state, log = _start(config, folder, resume)
    if state.stop_reason is not None:  # the run had already finished
        return _result(config, state, folder, log)
    run_started = time.perf_counter()
    wall_time_before = state.wall_time
    with PopulationEvaluator(config.env_id, workers=workers) as evaluator:
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
            record = _log_record(state, params, fitness, mean_return, strategy)
            state.generation += 1
            state.stop_reason = _stop_reason(config, state.generation, float(fitness[best]))
            if state.stop_reason is not None and config.validation_episodes > 0:
                _choose_champion(config, state, evaluator, strategy, params, fitness)
                state.wall_time = wall_time_before + time.perf_counter() - run_started
            log.append(record)
            if folder is not None:
                _append_log(folder, record)
                _save_checkpoint(folder, config, strategy, state)
                if state.stop_reason is not None:
                    _save_champion(folder, config, state)
            if callback is not None:
                callback(record)
    return _result(config, state, folder, log)


def _choose_champion(config: TrainConfig, state: _RunState, evaluator: PopulationEvaluator, strategy,
                     params: np.ndarray, fitness: np.ndarray) -> None:
    """Score the candidates on validation episodes and make the best the champion (see the module's doc)."""
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


def _start(config: TrainConfig, folder: str | None, resume: bool):
    checkpoint = None if folder is None else os.path.join(folder, "checkpoint.npz")
    if folder is not None and not resume and os.path.exists(checkpoint):
        raise ValueError(f"{folder} already holds a run; resume it (--resume) or choose another folder")
    if not resume:
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
            write_json(os.path.join(folder, "config.json"), config.to_dict())
            atomic_write_text(os.path.join(folder, "log.jsonl"), "")
        return config.make_strategy(), _RunState(), []
    if not os.path.exists(checkpoint):
        raise FileNotFoundError(f"nothing to resume: {checkpoint} does not exist")
    strategy, state, saved_config = _load_checkpoint(checkpoint)
    differences = [name for name in config.__dataclass_fields__
                   if getattr(saved_config, name) != getattr(config, name)]
    fixed = [name for name in differences if name not in STOPPING_RULE]
    if fixed:
        raise ValueError(f"cannot resume {folder}: the run was made with different {', '.join(fixed)} "
                         f"({', '.join(f'{n}={getattr(saved_config, n)!r}' for n in fixed)})")
    # the log may hold generations run after the last checkpoint: they will be run again
    log = [record for record in read_log(os.path.join(folder, "log.jsonl")) if record["generation"] < state.generation]
    if differences:  # a new stopping rule: the run ends as one started with it would
        _change_stopping_rule(folder, config, state, log)
        write_json(os.path.join(folder, "config.json"), config.to_dict())
    atomic_write_text(os.path.join(folder, "log.jsonl"), "".join(json.dumps(r) + "\n" for r in log))
    return strategy, state, log


def _stop_reason(config: TrainConfig, generations: int, best_fitness: float) -> str | None:
    """Why ``config``'s stopping rule ends a run after ``generations`` generations, the last one's best
    fitness being ``best_fitness``; None if it goes on."""
    if best_fitness >= config.threshold and generations >= config.min_generations:
        return "solved"
    if generations >= config.max_generations:
        return "max_generations"
    return None


def _stops(config: TrainConfig, record: dict[str, Any]) -> bool:
    """Whether ``config``'s stopping rule ends a run after the generation that ``record`` logs."""
    return _stop_reason(config, record["generation"] + 1, record["best_fitness"]) is not None


def _change_stopping_rule(folder: str, config: TrainConfig, state: _RunState,
                          records: list[dict[str, Any]]) -> None:
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


def _reopen(folder: str, state: _RunState) -> None:
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


def _log_record(state: _RunState, params: np.ndarray, fitness: np.ndarray, mean_return: np.ndarray,
                strategy) -> dict[str, Any]:
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


def model_card(config: TrainConfig, state: _RunState) -> dict[str, Any]:
    """The champion's model card: how it was trained and what training measured."""
    import gymnasium
    import pybullet

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
        "versions": {"gymnasium": gymnasium.__version__, "pybullet": pybullet.getAPIVersion(),
                     "numpy": np.__version__},
    }


def _result(config: TrainConfig, state: _RunState, folder: str | None, log: list[dict[str, Any]]) -> TrainResult:
    return TrainResult(state.champion.copy(), model_card(config, state), folder, log)


def _save_champion(folder: str, config: TrainConfig, state: _RunState) -> None:
    save_policy(os.path.join(folder, "champion.json"), state.champion, model_card(config, state))


def _save_checkpoint(folder: str, config: TrainConfig, strategy, state: _RunState) -> None:
    strategy_state = strategy.state_dict()
    header = {
        "format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION, "package_version": __version__,
        "config": config.to_dict(), "strategy": strategy_state["meta"],
        "run": {k: v for k, v in asdict(state).items() if k not in ("champion", "trained_champion")},
    }
    header["run"]["champion_fitness"] = None if state.champion is None else state.champion_fitness
    arrays = {f"strategy/{name}": value for name, value in strategy_state["arrays"].items()}
    arrays["champion"] = state.champion
    if state.trained_champion is not None:
        arrays["trained_champion"] = state.trained_champion
    arrays["header"] = np.frombuffer(json.dumps(header, allow_nan=False).encode(), dtype=np.uint8)
    write_npz(os.path.join(folder, "checkpoint.npz"), arrays)


def _load_checkpoint(path: str):
    arrays = read_npz(path, "checkpoint")
    try:
        header = json.loads(arrays.pop("header").tobytes().decode())
    except (KeyError, ValueError, UnicodeDecodeError):
        raise ValueError(f"checkpoint {path} has no readable header") from None
    if header.get("format") != CHECKPOINT_FORMAT or header.get("format_version") != CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint {path} is not a pendulum-zoo checkpoint of version {CHECKPOINT_VERSION}")
    config = TrainConfig.from_dict(header["config"]).resolved()
    strategy = strategy_from_state_dict({
        "meta": header["strategy"],
        "arrays": {name.removeprefix("strategy/"): value for name, value in arrays.items() if name.startswith("strategy/")},
    })
    run = header["run"]
    state = _RunState(**{**run, "champion": arrays["champion"].astype(np.float64),
                         "champion_fitness": -math.inf if run["champion_fitness"] is None else run["champion_fitness"]})
    if "trained_champion" in arrays:
        state.trained_champion = arrays["trained_champion"].astype(np.float64)
    return strategy, state, config


def _append_log(folder: str, record: dict[str, Any]) -> None:
    with open(os.path.join(folder, "log.jsonl"), "a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")
        stream.flush()


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The per-generation records of a run's ``log.jsonl`` (a torn last line, from a crash, is skipped)."""
    records = []
    try:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    break
    except FileNotFoundError:
        raise FileNotFoundError(f"training log not found: {os.fspath(path)}") from None
    return records


def load_config(folder: str | os.PathLike) -> TrainConfig:
    return TrainConfig.from_dict(read_json(os.path.join(folder, "config.json"), "run configuration"))


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
