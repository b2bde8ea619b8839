"""cma: canonical CMA-ES with one full covariance matrix over all weights.

Source: N. Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772. This is the (mu/mu_W, lambda)
CMA-ES of the tutorial's algorithm summary (Appendix A, eqs. 38-47) with the default parameters of its Table 1,
restricted to positive recombination weights (no active CMA): mu = lambda // 2 and
w_i proportional to ln((lambda + 1) / 2) - ln(i). The article called its own per-layer variant ("cma-layerwise")
a deviation from this algorithm; this one is the fix it proposed: "a single covariance matrix ... for all
parameters". Equation numbers in comments are the tutorial's.

Fitness is maximised here, so candidates are ranked by descending fitness (the tutorial minimises).
lambda is the caller's population size (128 or 256 in the article), not the tutorial's 4 + 3 ln n.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from pendulum_zoo.networks.policy import LAYER_SLICES, NUM_PARAMS
from pendulum_zoo.strategies import register
from pendulum_zoo.strategies.base import Strategy, check_number, ranked


@register
class CMA(Strategy):
    """Canonical CMA-ES: weighted recombination, cumulative step-size adaptation, rank-one + rank-mu updates."""

    name: ClassVar[str] = "cma"
    binary: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {
        "initial_mean": 0.0,  # every weight starts at this value
        # 0.5: weights ~ N(0, 0.25) give hidden pre-activations of standard deviation about 0.5 * sqrt(5) ~ 1.1
        # for observations of order 1, so the tanh units start mostly out of saturation yet with a varied,
        # non-trivial response; the tutorial asks sigma0 to be about a quarter to half of the range in which
        # the optimum is expected, and useful weights here are of order 1.
        "initial_sigma": 0.5,
    }

    def __init__(self, population_size: int, seed: int, num_params: int = NUM_PARAMS,
                 layer_slices: tuple[slice, ...] = LAYER_SLICES, **hyperparameters: Any) -> None:
        super().__init__(population_size, seed, num_params, layer_slices, **hyperparameters)
        hp = self.hyperparameters
        hp["initial_mean"] = check_number("initial_mean", hp["initial_mean"])
        hp["initial_sigma"] = check_number("initial_sigma", hp["initial_sigma"])
        if hp["initial_sigma"] <= 0.0:
            raise ValueError(f"initial_sigma must be positive, got {hp['initial_sigma']}")
        if self.num_params < 1:
            raise ValueError(f"num_params must be at least 1, got {self.num_params}")

        n, lam = self.num_params, self.population_size
        # Hansen's tutorial, Table 1: mu = floor(lambda / 2), w'_i = ln((lambda + 1) / 2) - ln(i), positive
        # weights normalised to sum to 1 (the negative ones, used only by active CMA, are left out)
        self.mu = lam // 2
        raw = math.log((lam + 1) / 2) - np.log(np.arange(1, self.mu + 1))
        self.weights = raw / raw.sum()
        # Hansen's tutorial, sec. 3.1: the variance effective selection mass, mu_eff = 1 / sum(w_i^2)
        self.mu_eff = 1.0 / float(np.sum(self.weights ** 2))
        mu_eff = self.mu_eff
        # Hansen's tutorial, Table 1: step-size control
        self.c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
        self.d_sigma = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + self.c_sigma
        # Hansen's tutorial, Table 1: covariance matrix adaptation (alpha_cov = 2)
        alpha_cov = 2.0
        self.c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        self.c_1 = alpha_cov / ((n + 1.3) ** 2 + mu_eff)
        self.c_mu = min(1 - self.c_1,
                        alpha_cov * (0.25 + mu_eff + 1 / mu_eff - 2) / ((n + 2) ** 2 + alpha_cov * mu_eff / 2))
        self.c_m = 1.0  # Hansen's tutorial, Table 1: learning rate of the mean
        # Hansen's tutorial, sec. 3.4: E||N(0, I)|| ~ sqrt(n) (1 - 1 / (4n) + 1 / (21 n^2))
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n ** 2))

        self._mean = np.full(n, hp["initial_mean"])
        self._sigma = hp["initial_sigma"]
        self._covariance = np.eye(n)
        self._eigenvectors = np.eye(n)  # B
        self._axis_lengths = np.ones(n)  # D: square roots of C's eigenvalues
        self._path_sigma = np.zeros(n)  # p_sigma
        self._path_c = np.zeros(n)  # p_c

    def _ask(self) -> np.ndarray:
        z = self.rng.standard_normal((self.population_size, self.num_params))  # Hansen's tutorial, eq. 38
        y = (z * self._axis_lengths) @ self._eigenvectors.T  # eq. 39: y = B D z ~ N(0, C)
        return self._mean + self._sigma * y  # eq. 40: x = m + sigma y ~ N(m, sigma^2 C)

    def _tell(self, population: np.ndarray, fitness: np.ndarray) -> None:
        n = self.num_params
        selected = ranked(fitness)[:self.mu]  # maximising: the best mu by descending fitness
        y = (population[selected] - self._mean) / self._sigma  # y_{i:lambda}
        y_w = self.weights @ y  # Hansen's tutorial, eq. 41
        self._mean = self._mean + self.c_m * self._sigma * y_w  # eq. 42

        # eq. 43: C^(-1/2) <y>_w = B D^-1 B^T <y>_w
        whitened = self._eigenvectors @ ((self._eigenvectors.T @ y_w) / self._axis_lengths)
        self._path_sigma = ((1 - self.c_sigma) * self._path_sigma
                            + math.sqrt(self.c_sigma * (2 - self.c_sigma) * self.mu_eff) * whitened)
        norm_sigma = float(np.linalg.norm(self._path_sigma))
        # Hansen's tutorial, Appendix A: h_sigma = 1 if ||p_sigma|| / sqrt(1 - (1 - c_sigma)^(2(g+1)))
        # < (1.4 + 2 / (n + 1)) E||N(0, I)||, else 0 (g counts generations from 0); it stalls p_c when
        # ||p_sigma|| is large, e.g. right after a step-size increase
        h_sigma = float(norm_sigma / math.sqrt(1 - (1 - self.c_sigma) ** (2 * (self.generation + 1)))
                        < (1.4 + 2 / (n + 1)) * self.chi_n)
        self._path_c = ((1 - self.c_c) * self._path_c
                        + h_sigma * math.sqrt(self.c_c * (2 - self.c_c) * self.mu_eff) * y_w)  # eq. 45
        # eq. 47 with positive weights only (sum w_j = 1, so eq. 46 leaves them unchanged);
        # delta(h_sigma) = (1 - h_sigma) c_c (2 - c_c)
        delta = (1 - h_sigma) * self.c_c * (2 - self.c_c)
        rank_one = np.outer(self._path_c, self._path_c)
        rank_mu = (y.T * self.weights) @ y
        self._covariance = ((1 + self.c_1 * delta - self.c_1 - self.c_mu) * self._covariance
                            + self.c_1 * rank_one + self.c_mu * rank_mu)
        # eq. 44: cumulative step-size adaptation
        self._sigma *= math.exp((self.c_sigma / self.d_sigma) * (norm_sigma / self.chi_n - 1))
        self._decompose()

    def _decompose(self) -> None:
        """C = B D^2 B^T, every generation (a 192 x 192 eigendecomposition is cheap next to the episodes)."""
        self._covariance = (self._covariance + self._covariance.T) / 2  # keep C exactly symmetric
        eigenvalues, eigenvectors = np.linalg.eigh(self._covariance)
        # C is positive definite in exact arithmetic; guard against round-off making an eigenvalue <= 0
        floor = max(float(eigenvalues[-1]), np.finfo(np.float64).tiny) * 1e-20
        self._axis_lengths = np.sqrt(np.maximum(eigenvalues, floor))
        self._eigenvectors = eigenvectors

    def stats(self) -> dict[str, float]:
        """``sigma``: the step size; ``axis_ratio``: sqrt(max eigenvalue / min eigenvalue) of C."""
        return {"sigma": float(self._sigma),
                "axis_ratio": float(self._axis_lengths.max() / self._axis_lengths.min())}

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {"mean": self._mean, "covariance": self._covariance, "eigenvectors": self._eigenvectors,
                  "axis_lengths": self._axis_lengths, "path_sigma": self._path_sigma, "path_c": self._path_c}
        return arrays, {"sigma": float(self._sigma)}

    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self._mean = np.asarray(arrays["mean"], dtype=np.float64)
        self._covariance = np.asarray(arrays["covariance"], dtype=np.float64)
        self._eigenvectors = np.asarray(arrays["eigenvectors"], dtype=np.float64)
        self._axis_lengths = np.asarray(arrays["axis_lengths"], dtype=np.float64)
        self._path_sigma = np.asarray(arrays["path_sigma"], dtype=np.float64)
        self._path_c = np.asarray(arrays["path_c"], dtype=np.float64)
        self._sigma = float(meta["sigma"])
