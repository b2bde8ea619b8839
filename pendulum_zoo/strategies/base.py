"""The ask/tell interface every strategy implements (after pycma and evosax).

A strategy proposes a population with ``ask()`` and learns from its fitnesses with ``tell(fitness)``; higher
fitness is better. Everything random comes from the strategy's own ``numpy.random.Generator``, seeded at
construction, so a run is reproducible from its seed. ``state_dict()`` captures the whole state (RNG
included) as numpy arrays and JSON values, never pickles, and ``from_state_dict`` rebuilds a strategy that
continues exactly as the original would have.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from pendulum_zoo.networks.policy import LAYER_SLICES, NUM_PARAMS


class Strategy(ABC):
    """Base class: subclasses set ``name`` and ``binary`` and implement ``_ask``, ``_tell`` and the state."""

    name: ClassVar[str]
    binary: ClassVar[bool]  # True: members are 0/1 connection masks (pruning); False: real weights
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, population_size: int, seed: int, num_params: int = NUM_PARAMS,
                 layer_slices: tuple[slice, ...] = LAYER_SLICES, **hyperparameters: Any) -> None:
        if isinstance(population_size, bool) or not isinstance(population_size, (int, np.integer)):
            raise TypeError(f"population_size must be an integer, got {population_size!r}")
        if population_size < 2:
            raise ValueError(f"population_size must be at least 2, got {population_size}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        unknown = set(hyperparameters) - set(self.defaults)
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) for {self.name}: {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(self.defaults)) or 'none'}")
        self.population_size = int(population_size)
        self.seed = int(seed)
        self.num_params = int(num_params)
        self.layer_slices = tuple(layer_slices)
        self.hyperparameters = {**self.defaults, **hyperparameters}
        self.rng = np.random.default_rng(self.seed)
        self.generation = 0
        self._population: np.ndarray | None = None

    # -- the interface -------------------------------------------------------------------------------------

    def ask(self) -> np.ndarray:
        """This generation's population, ``(population_size, num_params)`` float64 (a copy).

        Asking twice before ``tell`` returns the same population.
        """
        if self._population is None:
            self._population = self._ask()
        return self._population.copy()

    def tell(self, fitness: np.ndarray) -> None:
        """Update from the fitnesses of the population last returned by ``ask`` (higher is better)."""
        if self._population is None:
            raise RuntimeError("tell() needs a population: call ask() first")
        values = np.asarray(fitness, dtype=np.float64)
        if values.shape != (self.population_size,):
            raise ValueError(f"fitness must have shape ({self.population_size},), got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("fitness values must be finite")
        self._tell(self._population, values)
        self._population = None
        self.generation += 1

    def stats(self) -> dict[str, float]:
        """Strategy-specific scalars for the training log (for example the mutation rate)."""
        return {}

    # -- state ---------------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """``{"arrays": {name: ndarray}, "meta": {JSON values}}``: the full state, RNG included."""
        arrays, meta = self._state()
        if self._population is not None:
            arrays = {**arrays, "_pending_population": self._population}
        meta = {**meta, "name": self.name, "population_size": self.population_size, "seed": self.seed,
                "num_params": self.num_params,
                "layer_slices": [[s.start, s.stop] for s in self.layer_slices],
                "hyperparameters": self.hyperparameters, "generation": self.generation,
                "rng": self.rng.bit_generator.state}
        return {"arrays": dict(arrays), "meta": meta}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Strategy:
        meta, arrays = state["meta"], dict(state["arrays"])
        if meta.get("name") != cls.name:
            raise ValueError(f"state is for strategy {meta.get('name')!r}, not {cls.name!r}")
        strategy = cls(meta["population_size"], meta["seed"], meta["num_params"],
                       tuple(slice(a, b) for a, b in meta["layer_slices"]), **meta["hyperparameters"])
        strategy.generation = int(meta["generation"])
        strategy.rng.bit_generator.state = meta["rng"]
        pending = arrays.pop("_pending_population", None)
        strategy._load_state({k: np.array(v) for k, v in arrays.items()}, meta)
        strategy._population = None if pending is None else np.array(pending, dtype=np.float64)
        return strategy

    # -- for subclasses ------------------------------------------------------------------------------------

    @abstractmethod
    def _ask(self) -> np.ndarray: ...

    @abstractmethod
    def _tell(self, population: np.ndarray, fitness: np.ndarray) -> None: ...

    @abstractmethod
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]: ...

    @abstractmethod
    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None: ...

    @property
    def elite_size(self) -> int:
        # article: "retains the elite 1/8 of the population"; its code: ceil(0.125 * population), with the
        # fraction a hyperparameter here
        fraction = self.hyperparameters.get("elite_fraction", 0.125)
        return max(1, math.ceil(fraction * self.population_size))


def check_number(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``, or a ValueError naming the hyperparameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        bounds = f" in [{low}, {high}]" if (low, high) != (-math.inf, math.inf) else ""
        raise ValueError(f"{name} must be a finite number{bounds}, got {value}")
    return value


def ranked(fitness: np.ndarray) -> np.ndarray:
    """Indices from best to worst; ties keep population order (a stable sort), so results are reproducible."""
    return np.argsort(-np.asarray(fitness), kind="stable")
