"""cma-layerwise: the article's own "naive" CMA-ES, one Gaussian per weight matrix.

Source: the article's section "Covariant Matrix Adaptation Evolution Strategy": "based on the description at A
Visual Guide to Evolution Strategies" (D. Ha, 2017, the "simple CMA-ES" there), with "covariance matrices for
each layer-to-layer weight matrix separately"; details as in the author's code (``src/cma_by_layer.py`` in
riveSunder/synaptolytic-learning): mean 0 and identity covariance at the start, an elite of the best 1/8 plus
the all-time best member, and the all-time best re-inserted as the last member of every new population.

Each generation, per layer (Ha, 2017):  C <- mean over elite x of (x - m_old)(x - m_old)^T,  m <- mean of the
elite. The covariance is taken around the *old* mean, which widens the search when the mean moves far. There is
no step size and no evolution path; see ``cma`` for the canonical algorithm.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from pendulum_zoo.networks.policy import LAYER_SLICES, NUM_PARAMS
from pendulum_zoo.strategies import register
from pendulum_zoo.strategies.base import Strategy, check_number, ranked


@register
class CMALayerwise(Strategy):
    """A mean and a full covariance per layer, refitted to the elite every generation."""

    name: ClassVar[str] = "cma-layerwise"
    binary: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {
        "initial_sigma": 1.0,  # author's code: identity covariance, weights ~ N(0, 1) at the start
        "elite_fraction": 0.125,  # article: the elite 1/8 (its code: ceil(0.125 * population))
        "jitter": 1e-8,  # added to the covariance's eigenvalues, so a rank-deficient covariance still samples
    }

    def __init__(self, population_size: int, seed: int, num_params: int = NUM_PARAMS,
                 layer_slices: tuple[slice, ...] = LAYER_SLICES, **hyperparameters: Any) -> None:
        super().__init__(population_size, seed, num_params, layer_slices, **hyperparameters)
        hp = self.hyperparameters
        for key in ("initial_sigma", "elite_fraction", "jitter"):
            hp[key] = check_number(key, hp[key])
        if hp["initial_sigma"] <= 0.0:
            raise ValueError(f"initial_sigma must be positive, got {hp['initial_sigma']}")
        if not 0.0 < hp["elite_fraction"] <= 1.0:
            raise ValueError(f"elite_fraction must be in (0, 1], got {hp['elite_fraction']}")
        if hp["jitter"] < 0.0:
            raise ValueError(f"jitter must be non-negative, got {hp['jitter']}")
        covered = np.concatenate([np.arange(self.num_params)[part] for part in self.layer_slices]) \
            if self.layer_slices else np.array([], dtype=int)
        if not np.array_equal(covered, np.arange(self.num_params)):
            raise ValueError(f"layer_slices must split range({self.num_params}) into consecutive, non-overlapping "
                             f"parts, got {self.layer_slices}")
        # author's code: mean 0 and identity covariance per layer (scaled by initial_sigma^2)
        sizes = [len(range(self.num_params)[part]) for part in self.layer_slices]
        self._means = [np.zeros(size) for size in sizes]
        self._covariances = [hp["initial_sigma"] ** 2 * np.eye(size) for size in sizes]
        self._best: np.ndarray | None = None
        self._best_fitness: float | None = None

    def _ask(self) -> np.ndarray:
        population = np.empty((self.population_size, self.num_params))
        jitter = self.hyperparameters["jitter"]
        for part, mean, covariance in zip(self.layer_slices, self._means, self._covariances):
            # x = m + V diag(sqrt(lambda)) z ~ N(m, C) with C = V diag(lambda) V^T; eigenvalues floored at 0 and
            # jittered, as the covariance of a small elite is singular (rank <= elite size)
            eigenvalues, eigenvectors = np.linalg.eigh(covariance)
            scale = np.sqrt(np.maximum(eigenvalues, 0.0) + jitter)
            noise = self.rng.standard_normal((self.population_size, mean.size))
            population[:, part] = mean + (noise * scale) @ eigenvectors.T
        if self._best is not None:
            # author's code: the all-time best member is re-inserted as the last member of each new population
            population[-1] = self._best
        return population

    def _tell(self, population: np.ndarray, fitness: np.ndarray) -> None:
        order = ranked(fitness)
        if self._best_fitness is None or fitness[order[0]] > self._best_fitness:
            self._best = population[order[0]].copy()
            self._best_fitness = float(fitness[order[0]])
        # author's code: the elite is the all-time best member followed by this generation's best 1/8
        elite = np.concatenate([self._best[None, :], population[order[:self.elite_size]]])
        for index, part in enumerate(self.layer_slices):
            members = elite[:, part]
            # Ha (2017): covariance of the elite around the old mean, then the new mean = elite average
            deviations = members - self._means[index]
            self._covariances[index] = deviations.T @ deviations / len(elite)
            self._means[index] = members.mean(axis=0)

    def stats(self) -> dict[str, float]:
        """``mean_std``: the search distribution's standard deviation, averaged over all weights."""
        variances = np.concatenate([np.diag(covariance) for covariance in self._covariances])
        return {"mean_std": float(np.mean(np.sqrt(np.maximum(variances, 0.0))))}

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {}
        for index, (mean, covariance) in enumerate(zip(self._means, self._covariances)):
            arrays[f"mean_{index}"] = mean
            arrays[f"covariance_{index}"] = covariance
        if self._best is not None:
            arrays["best"] = self._best
        return arrays, {"best_fitness": self._best_fitness}

    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        count = len(self.layer_slices)
        self._means = [np.asarray(arrays[f"mean_{index}"], dtype=np.float64) for index in range(count)]
        self._covariances = [np.asarray(arrays[f"covariance_{index}"], dtype=np.float64) for index in range(count)]
        self._best = np.asarray(arrays["best"], dtype=np.float64) if "best" in arrays else None
        self._best_fitness = None if meta["best_fitness"] is None else float(meta["best_fitness"])
