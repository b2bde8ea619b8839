"""What defines a run: ``TrainConfig``, the task defaults, and the checks a configuration must pass.

Each field carries ``metadata={"flag": ..., "help": ...}`` from which the CLI generates the options of ``train``
and ``benchmark``, so that a default lives here and nowhere else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from collections.abc import Mapping
from typing import Any

import numpy as np

from pendulum_zoo.envs.registration import ENV_IDS, SOLVED_THRESHOLDS, canonical_env_id, is_swingup
from pendulum_zoo.rollout.seeding import check_seed
from pendulum_zoo.strategies import algorithm_names, get_strategy_class
from pendulum_zoo.validation import check_fields, check_integer, check_number, quote

VALIDATION_GENERATION = 2**32  # the validation episodes' seeds: a "generation" no run reaches

# article: "a static population of 128 ... the swingup task doubles that number"
TASK_DEFAULTS = {
    False: {"population_size": 128, "threshold": SOLVED_THRESHOLDS[False]},
    True: {"population_size": 256, "threshold": SOLVED_THRESHOLDS[True]},
}

# the settings a resume may change (see ``stopping``)
STOPPING_RULE = ("threshold", "min_generations", "max_generations")


def _per_task(name: str) -> str:
    return f"default: {TASK_DEFAULTS[False][name]:g} balance, {TASK_DEFAULTS[True][name]:g} swing-up"


def _option(help: str, flag: str | None = None, metavar: str | None = None, **default: Any):
    """A field with the CLI's flag and help text (contract: flag defaults to ``--`` + name, ``_`` -> ``-``)."""
    metadata = {"help": help}
    if flag is not None:
        metadata["flag"] = flag
    if metavar is not None:
        metadata["metavar"] = metavar
    return field(metadata=metadata, **default)


@dataclass(frozen=True)
class TrainConfig:
    """What defines a run. ``None`` fields take the task's defaults (article: population 128 for balance, 256
    for swing-up; threshold 999.5 for balance, 880 for swing-up)."""

    algorithm: str = _option(f"one of: {', '.join(algorithm_names())}", metavar="ALGO")  # positional
    env_id: str = _option(f"one of: {', '.join(ENV_IDS)}", flag="--env", metavar="ID")
    seed: int = _option("the run's seed (default 0): the same seed gives the same run", default=0)
    population_size: int | None = _option(_per_task("population_size"), flag="--population", default=None)
    # article: "Policy runs are repeated 8 times for each member"
    episodes: int = _option("episodes per member and generation (default 8)", default=8)
    threshold: float | None = _option(f"{_per_task('threshold')}; --resume may raise it (also to keep a solved "
                                      f"run going)", default=None)
    # article: "Training continues for at least 100 generations"
    min_generations: int = _option("never stop before this many generations; --resume may change it",
                                   default=100)
    # article's code: 1024
    max_generations: int = _option("the run's generation budget; --resume may change it (also to extend a run "
                                   "that used up its budget)", default=1024)
    validation_episodes: int = _option("episodes on which the final candidates are scored to choose the "
                                       "champion", default=100)
    hyperparameters: dict[str, Any] = _option("a strategy hyperparameter, for example --set initial_sigma=0.3",
                                              flag="--set", metavar="KEY=VALUE", default_factory=dict)

    def resolved(self) -> TrainConfig:
        """The configuration with defaults filled in, checked, numbers as Python ints and floats; raises
        ValueError/TypeError naming the field."""
        get_strategy_class(self.algorithm)
        env_id = canonical_env_id(self.env_id)
        defaults = TASK_DEFAULTS[is_swingup(env_id)]
        if not isinstance(self.hyperparameters, Mapping):
            raise TypeError(f"hyperparameters must be a mapping of names to values, got "
                            f"{quote(self.hyperparameters)}")
        population_size = defaults["population_size"] if self.population_size is None else self.population_size
        threshold = defaults["threshold"] if self.threshold is None else self.threshold
        config = replace(
            self, env_id=env_id, seed=check_seed(self.seed),
            population_size=check_integer("population_size", population_size, 2),
            episodes=check_integer("episodes", self.episodes, 1),
            threshold=check_number("threshold", threshold),
            min_generations=check_integer("min_generations", self.min_generations, 0),
            max_generations=check_integer("max_generations", self.max_generations, 1, VALIDATION_GENERATION - 1),
            validation_episodes=check_integer("validation_episodes", self.validation_episodes, 0),
            # numpy scalars as Python numbers, so that the checkpoint's JSON header can hold them
            hyperparameters={name: value.item() if isinstance(value, np.generic) else value
                             for name, value in self.hyperparameters.items()},
        )
        if config.min_generations > config.max_generations:
            raise ValueError(f"min_generations ({config.min_generations}) must not exceed max_generations "
                             f"({config.max_generations})")
        config.make_strategy()  # checks the strategy's hyperparameters before any work starts
        return config

    def make_strategy(self):
        return get_strategy_class(self.algorithm)(self.population_size, self.seed, **self.hyperparameters)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """The configuration ``values`` holds (as ``to_dict`` wrote it); ValueError for unknown or missing fields."""
        values = check_fields(cls, values, "a run configuration")
        missing = [name for name in ("algorithm", "env_id") if name not in values]
        if missing:
            raise ValueError(f"the run configuration lacks {', '.join(missing)}")
        return cls(**values)
