"""mk2: the article's second pruning-only algorithm, a distribution over connection masks.

Source: the article's section "Pruning and Selection Method" (second variant, "mk2"): "each generation is
initialized anew with the probability of pruning any given connection given by the frequency of that
connection in the elite section of the preceding population. These probabilities are clipped at 5% and 95% ...
a few (half the elite population in these experiments) of the best policies are carried over intact". Members
are 0/1 connection masks; each sampled member keeps connection ``j`` independently with probability ``p_j``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from pendulum_zoo.networks.policy import LAYER_SLICES, NUM_PARAMS
from pendulum_zoo.strategies import register
from pendulum_zoo.strategies.base import Strategy, check_number, ranked


@register
class Mk2(Strategy):
    """Sample every generation anew from the connection frequencies of the last elite."""

    name: ClassVar[str] = "mk2"
    binary: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {
        # The article is silent on mk2's first generation; like mk1 (and like the author's frequency-sampling
        # version of prune_bot_mk2.py), the all-ones start is pruned once at random at 0.25.
        "initial_prune_rate": 0.25,
        "min_keep_probability": 0.05,  # article: "clipped at 5% and 95%"
        "max_keep_probability": 0.95,
        # The author's code added N(0, 0.1) noise to the frequencies before clipping; the article does not
        # mention it, so it is off by default (0.0). Set 0.1 to follow the code.
        "probability_noise": 0.0,
        "elite_fraction": 0.125,  # article: "the elite 1/8"
    }

    def __init__(self, population_size: int, seed: int, num_params: int = NUM_PARAMS,
                 layer_slices: tuple[slice, ...] = LAYER_SLICES, **hyperparameters: Any) -> None:
        super().__init__(population_size, seed, num_params, layer_slices, **hyperparameters)
        hp = self.hyperparameters
        for key in ("initial_prune_rate", "min_keep_probability", "max_keep_probability", "elite_fraction"):
            hp[key] = check_number(key, hp[key], 0.0, 1.0)
        hp["probability_noise"] = check_number("probability_noise", hp["probability_noise"], 0.0, math.inf)
        if hp["elite_fraction"] == 0.0:
            raise ValueError("elite_fraction must be greater than 0")
        if hp["min_keep_probability"] > hp["max_keep_probability"]:
            raise ValueError(f"min_keep_probability ({hp['min_keep_probability']}) must not exceed "
                             f"max_keep_probability ({hp['max_keep_probability']})")
        # the first generation keeps each connection with probability 1 - initial_prune_rate
        self._keep_probability = np.full(self.num_params, 1.0 - hp["initial_prune_rate"])
        self._carried: np.ndarray | None = None  # the best members of the last generation, best first

    @property
    def carry_size(self) -> int:
        # article: "half the elite population"; its code: ceil(population / 16), the same number by default
        return min(math.ceil(self.elite_size / 2), self.population_size - 1)

    def _sample(self, count: int) -> np.ndarray:
        # each connection kept independently with its keep probability (a Bernoulli draw per entry)
        return (self.rng.random((count, self.num_params)) < self._keep_probability).astype(np.float64)

    def _ask(self) -> np.ndarray:
        if self._carried is None:
            # first generation: fully connected, pruned at random at initial_prune_rate (as mk1)
            return self._sample(self.population_size)
        # article: the best few "carried over intact"; the rest "initialized anew"
        return np.concatenate([self._carried, self._sample(self.population_size - len(self._carried))])

    def _tell(self, population: np.ndarray, fitness: np.ndarray) -> None:
        order = ranked(fitness)
        hp = self.hyperparameters
        # article: keep probability = "the frequency of that connection in the elite section". (The author's
        # code put the all-time best policy in place of this generation's last elite member, and carried it
        # over; here the elite and the carried members are this generation's best, as the article says.)
        probability = np.mean(population[order[:self.elite_size]] != 0.0, axis=0)
        if hp["probability_noise"] > 0.0:
            # author's code: Gaussian noise on the frequencies before clipping (off by default)
            probability = probability + self.rng.normal(0.0, hp["probability_noise"], self.num_params)
        # article: "These probabilities are clipped at 5% and 95%"
        self._keep_probability = np.clip(probability, hp["min_keep_probability"], hp["max_keep_probability"])
        self._carried = population[order[:self.carry_size]].copy()

    def stats(self) -> dict[str, float]:
        """``mean_keep_probability``: mean over connections of ``p``. ``mutation_rate``: mean over connections
        of ``min(p, 1 - p)``, the chance that a freshly sampled connection departs from what most of the elite
        had (0 when every ``p`` is 0 or 1, 0.5 at most); mk2's counterpart of mk1's removal rate."""
        p = self._keep_probability
        return {"mean_keep_probability": float(np.mean(p)),
                "mutation_rate": float(np.mean(np.minimum(p, 1.0 - p)))}

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {"keep_probability": self._keep_probability}
        if self._carried is not None:
            arrays["carried"] = self._carried
        return arrays, {}

    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self._keep_probability = np.asarray(arrays["keep_probability"], dtype=np.float64)
        self._carried = np.asarray(arrays["carried"], dtype=np.float64) if "carried" in arrays else None
