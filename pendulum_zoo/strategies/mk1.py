"""mk1: the article's first pruning-only genetic algorithm.

Source: the article's section "Pruning and Selection Method" (first variant, "mk1") and its author's code
(``src/prune_bot.py`` in riveSunder/synaptolytic-learning). Members are 0/1 connection masks. The population
starts fully connected and pruned once at random; every later generation is made of the kept elites (unchanged)
and of mutated copies of them, where the only mutation is the removal of connections. No recombination.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from pendulum_zoo.networks.policy import LAYER_SLICES, NUM_PARAMS
from pendulum_zoo.strategies import register
from pendulum_zoo.strategies.base import Strategy, check_number, ranked


@register
class Mk1(Strategy):
    """Inherit the elites, mutate only by removing connections, adapt the removal rate."""

    name: ClassVar[str] = "mk1"
    binary: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {
        "initial_prune_rate": 0.25,  # article code: the all-ones start is pruned once at rate 0.25
        "min_mutation_rate": 0.001,  # article: "clipped between 0.1% and 12.5%"
        "max_mutation_rate": 0.125,
        "elite_fraction": 0.125,  # article: "the elite 1/8 of the population"
    }

    def __init__(self, population_size: int, seed: int, num_params: int = NUM_PARAMS,
                 layer_slices: tuple[slice, ...] = LAYER_SLICES, **hyperparameters: Any) -> None:
        super().__init__(population_size, seed, num_params, layer_slices, **hyperparameters)
        hp = self.hyperparameters
        for key in ("initial_prune_rate", "min_mutation_rate", "max_mutation_rate"):
            hp[key] = check_number(key, hp[key], 0.0, 1.0)
        hp["elite_fraction"] = check_number("elite_fraction", hp["elite_fraction"], 0.0, 1.0)
        if hp["elite_fraction"] == 0.0:
            raise ValueError("elite_fraction must be greater than 0")
        if hp["min_mutation_rate"] > hp["max_mutation_rate"]:
            raise ValueError(f"min_mutation_rate ({hp['min_mutation_rate']}) must not exceed "
                             f"max_mutation_rate ({hp['max_mutation_rate']})")
        # the parents of the next generation, best first, with the fitness each had when it was evaluated
        self._pool: np.ndarray | None = None
        self._pool_fitness: np.ndarray | None = None
        # article: "the all-time best single policy"
        self._best: np.ndarray | None = None
        self._best_fitness: float | None = None
        # article: "the all-time best 1/8": the elite of the generation whose elite mean fitness was highest
        self._best_elite: np.ndarray | None = None
        self._best_elite_fitness: np.ndarray | None = None
        self._best_elite_mean: float | None = None
        # the removal probability used to make the population ask() returns next
        self._mutation_rate = hp["initial_prune_rate"]

    def _prune(self, members: np.ndarray, rate: float) -> np.ndarray:
        # article: "the only mutation available is the removal of connections": each connection is zeroed
        # independently with probability `rate`; a zero stays zero
        return members * (self.rng.random(members.shape) >= rate)

    def _ask(self) -> np.ndarray:
        if self._pool is None:
            # article: "start fully connected", then pruned once at random (its code: rate 0.25)
            return self._prune(np.ones((self.population_size, self.num_params)), self._mutation_rate)
        pool = self._pool
        # the kept elites enter unchanged so the best is never lost; at least one slot is left for offspring
        carried = pool[:min(len(pool), self.population_size - 1)]
        # article code: parents drawn with probability proportional to n, n-1, ..., 1 by rank (best first)
        weights = np.arange(len(pool), 0, -1, dtype=np.float64)
        parents = self.rng.choice(len(pool), size=self.population_size - len(carried), p=weights / weights.sum())
        return np.concatenate([carried, self._prune(pool[parents], self._mutation_rate)])

    def _tell(self, population: np.ndarray, fitness: np.ndarray) -> None:
        order = ranked(fitness)
        elite = order[:self.elite_size]
        # (a) the all-time best single policy (strictly better replaces it, as in the article's code)
        if self._best_fitness is None or fitness[order[0]] > self._best_fitness:
            self._best = population[order[0]].copy()
            self._best_fitness = float(fitness[order[0]])
        # (c) the all-time best elite 1/8: the elite set of the generation with the highest elite mean so far
        elite_mean = float(np.mean(fitness[elite]))
        if self._best_elite_mean is None or elite_mean > self._best_elite_mean:
            self._best_elite = population[elite].copy()
            self._best_elite_fitness = fitness[elite].copy()
            self._best_elite_mean = elite_mean
        # the parent pool: (a) + (b) this generation's elite + (c), best first by recorded fitness (the
        # all-time best leads ties), exact duplicates dropped so each policy is carried over once
        members = np.concatenate([self._best[None, :], population[elite], self._best_elite])
        scores = np.concatenate([[self._best_fitness], fitness[elite], self._best_elite_fitness])
        best_first = np.argsort(-scores, kind="stable")
        members, scores = members[best_first], scores[best_first]
        _, first = np.unique(members, axis=0, return_index=True)
        keep = np.sort(first)
        self._pool, self._pool_fitness = members[keep], scores[keep]
        # article: rate = sqrt(mean over elite e of (mean population connections - connections of e)^2)
        #          / mean population connections, "clipped between 0.1% and 12.5%"
        connections = np.count_nonzero(population, axis=1).astype(np.float64)
        mean_connections = float(np.mean(connections))
        if mean_connections > 0.0:
            rate = math.sqrt(float(np.mean((mean_connections - connections[elite]) ** 2))) / mean_connections
        else:
            rate = 0.0  # nothing left to remove
        hp = self.hyperparameters
        self._mutation_rate = float(min(max(rate, hp["min_mutation_rate"]), hp["max_mutation_rate"]))

    def stats(self) -> dict[str, float]:
        """``mutation_rate``: the per-connection removal probability of the next generation's offspring
        (before the first ``tell``, the initial pruning rate)."""
        out = {"mutation_rate": self._mutation_rate}
        if self._pool is not None:
            out["parent_pool_size"] = float(len(self._pool))
            out["best_fitness"] = float(self._best_fitness)
        return out

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {"mutation_rate": self._mutation_rate, "best_fitness": self._best_fitness,
                                "best_elite_mean": self._best_elite_mean}
        if self._pool is not None:
            arrays = {"pool": self._pool, "pool_fitness": self._pool_fitness, "best": self._best,
                      "best_elite": self._best_elite, "best_elite_fitness": self._best_elite_fitness}
        return arrays, meta

    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self._mutation_rate = float(meta["mutation_rate"])
        self._best_fitness = None if meta["best_fitness"] is None else float(meta["best_fitness"])
        self._best_elite_mean = None if meta["best_elite_mean"] is None else float(meta["best_elite_mean"])
        if "pool" in arrays:
            self._pool = np.asarray(arrays["pool"], dtype=np.float64)
            self._pool_fitness = np.asarray(arrays["pool_fitness"], dtype=np.float64)
            self._best = np.asarray(arrays["best"], dtype=np.float64)
            self._best_elite = np.asarray(arrays["best_elite"], dtype=np.float64)
            self._best_elite_fitness = np.asarray(arrays["best_elite_fitness"], dtype=np.float64)
