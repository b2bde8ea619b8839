"""Sparse training, chosen by name: ``dense``, ``static``, ``set``, ``rigl``, ``prune``.

Graesser et al. 2022, "The State of Sparse Training in Deep Reinforcement Learning", section 2.1:
- static: a random mask at initialisation, kept fixed;
- set (Mocanu et al. 2018): every ``update_interval`` optimiser steps, drop the smallest-magnitude fraction of
  each layer's active weights and grow as many at random; the fraction decays on a cosine schedule
  (Dettmers and Zettlemoyer 2019) and updates stop at ``end_fraction`` of training (appendix A.3: 80%);
- rigl (Evci et al. 2020): as SET, but grow where the dense gradient's magnitude is largest;
- prune (Zhu and Gupta 2018): gradual magnitude pruning, cubic schedule from 20% to 80% of training.
Grown weights start at zero (RigL's and its codebase's SET), with zeroed Adam moments. Layer sparsities are
``uniform`` or ``erk`` (Erdos-Renyi-Kernel, Evci et al. 2020). Sparsity counts weight matrices only (biases and
the log-std stay dense). Steps are optimiser steps.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from pendulum_zoo.validation import check_integer, check_number, quote

SPARSE_METHODS = ("dense", "static", "set", "rigl", "prune")
DISTRIBUTIONS = ("uniform", "erk")
DEFAULT_SPARSITY = 0.9
PRUNE_START, PRUNE_END = 0.2, 0.8  # section 2.1: "from 20% of the training steps ... when we reach 80%"
TOPOLOGY_END = 0.8  # appendix A.3: SET and RigL stop "when 80% of training is completed"

# Appendix A.3, Table 3 ("PPO best hyper-parameters from sweep"). SET's drop fraction: Table 3 prints 0, which
# would make SET identical to static; appendix D finds "a drop fraction of 30% worked best for SET", used here.
TABLE_3 = {
    "dense": {"weight_decay": 1e-6, "update_interval": 0, "drop_fraction": 0.0, "sparsity_aware_init": False},
    "prune": {"weight_decay": 1e-6, "update_interval": 500, "drop_fraction": 0.0, "sparsity_aware_init": False},
    "static": {"weight_decay": 0.0, "update_interval": 0, "drop_fraction": 0.0, "sparsity_aware_init": True},
    "rigl": {"weight_decay": 1e-4, "update_interval": 250, "drop_fraction": 0.3, "sparsity_aware_init": True},
    "set": {"weight_decay": 1e-6, "update_interval": 100, "drop_fraction": 0.3, "sparsity_aware_init": True},
}


@dataclasses.dataclass(frozen=True)
class SparseConfig:
    """A sparse-training method and its options; ``None`` takes the method's Table 3 default."""

    method: str = "dense"
    sparsity: float | None = None  # target fraction of weights removed: 0 for dense, 0.9 otherwise
    distribution: str = "erk"
    sparsity_aware_init: bool | None = None
    weight_decay: float | None = None
    update_interval: int | None = None
    drop_fraction: float | None = None
    end_fraction: float = TOPOLOGY_END

    def __post_init__(self) -> None:
        if self.method not in SPARSE_METHODS:
            raise ValueError(f"sparse method must be one of {', '.join(SPARSE_METHODS)}, got {quote(self.method)}")
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"sparsity distribution must be one of {', '.join(DISTRIBUTIONS)}, "
                             f"got {quote(self.distribution)}")
        defaults = TABLE_3[self.method]

        def pick(name: str):
            value = getattr(self, name)
            return defaults[name] if value is None else value

        sparsity = (0.0 if self.method == "dense" else DEFAULT_SPARSITY) if self.sparsity is None else self.sparsity
        sparsity = check_number("sparsity", sparsity, 0.0, 1.0)
        if self.method == "dense" and sparsity != 0.0:
            raise ValueError(f"dense training has sparsity 0, got {quote(self.sparsity)}; choose a sparse method")
        if self.method != "dense" and not sparsity < 1.0:
            raise ValueError("sparsity must be below 1: a network needs some weights")
        values = {
            "sparsity": sparsity,
            "sparsity_aware_init": defaults["sparsity_aware_init"] if self.sparsity_aware_init is None
            else self.sparsity_aware_init,
            "weight_decay": check_number("weight decay", pick("weight_decay"), 0.0),
            "update_interval": check_integer("update interval", pick("update_interval"), 0),
            "drop_fraction": check_number("drop fraction", pick("drop_fraction"), 0.0, 1.0),
            "end_fraction": check_number("last topology update (fraction of training)", self.end_fraction, 0.0, 1.0),
        }
        if not isinstance(values["sparsity_aware_init"], (bool, np.bool_)):
            raise TypeError(f"sparsity-aware init must be true or false, got {quote(self.sparsity_aware_init)}")
        if self.method in ("set", "rigl", "prune") and values["update_interval"] < 1:
            raise ValueError(f"{self.method} needs an update interval of at least 1 optimiser step")
        for name, value in values.items():
            object.__setattr__(self, name, value)


def layer_densities(shapes: list[tuple[int, int]], sparsity: float, distribution: str) -> list[float]:
    """Fraction of weights kept in each layer so that the whole reaches ``1 - sparsity``.

    ERK (rigl's sparse_utils.get_sparsities, erdos_renyi_kernel): density proportional to
    ``(n_in + n_out) / (n_in * n_out)``; layers that would exceed 1 are made dense and the rest rescaled.
    """
    if distribution == "uniform" or sparsity == 0.0:
        return [1.0 - sparsity] * len(shapes)
    sizes = [n_in * n_out for n_in, n_out in shapes]
    raw = [(n_in + n_out) / (n_in * n_out) for n_in, n_out in shapes]
    dense: set[int] = set()
    while True:
        kept = (1.0 - sparsity) * sum(sizes) - sum(sizes[k] for k in dense)
        divisor = sum(raw[k] * sizes[k] for k in range(len(shapes)) if k not in dense)
        epsilon = kept / divisor
        over = [k for k in range(len(shapes)) if k not in dense and epsilon * raw[k] > 1.0]
        if not over:
            return [1.0 if k in dense else epsilon * raw[k] for k in range(len(shapes))]
        dense.update(over)


def matched_dense_width(sizes, sparsity: float) -> int:
    """The hidden width (every hidden layer alike) whose dense network has about as many weights as ``sizes``
    at ``sparsity``: the paper's parameter-matched dense baseline (section 3, "scaling down layer widths").
    Weights only, as sparsity counts them; ties go to the narrower network."""
    sizes = tuple(sizes)
    hidden = len(sizes) - 2
    if hidden < 1:
        raise ValueError(f"a network needs a hidden layer to be narrowed, got sizes {quote(sizes)}")
    target = (1.0 - sparsity) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    def weights(width: int) -> int:
        widths = (sizes[0], *([width] * hidden), sizes[-1])
        return sum(a * b for a, b in zip(widths[:-1], widths[1:]))

    return min(range(1, max(sizes[1:-1]) + 1), key=lambda width: (abs(weights(width) - target), width))


def random_masks(shapes: list[tuple[int, int]], densities: list[float], rng: np.random.Generator) -> list[np.ndarray]:
    """0/1 masks with ``round(density * size)`` ones per layer (at least one), placed uniformly at random."""
    masks = []
    for (n_in, n_out), density in zip(shapes, densities):
        size = n_in * n_out
        ones = min(size, max(1, round(density * size)))
        flat = np.zeros(size)
        flat[rng.permutation(size)[:ones]] = 1.0
        masks.append(flat.reshape(n_in, n_out))
    return masks


def cosine_drop_fraction(initial: float, step: int, end_step: int) -> float:
    """Dettmers and Zettlemoyer 2019 / RigL: ``initial * (1 + cos(pi * step / end_step)) / 2``."""
    return 0.5 * initial * (1.0 + math.cos(math.pi * min(step, end_step) / end_step))


def cubic_sparsity(final: float, step: int, start: int, end: int) -> float:
    """Zhu and Gupta 2018, eq. 1 with s_i = 0: ``s_f * (1 - (1 - (t - t0) / (t1 - t0))^3)`` between t0 and t1."""
    progress = min(1.0, max(0.0, (step - start) / max(1, end - start)))
    return final * (1.0 - (1.0 - progress) ** 3)


class SparseTrainer:
    """Keeps the masks of a list of weight matrices during training.

    ``layers`` holds, per weight matrix, ``(weight, mask, param_index)``: arrays updated in place (the
    networks' own) and the matrix's index in the optimiser's parameter list. Each network in ``groups``
    (lists of indices into ``layers``) reaches the target sparsity on its own.
    """

    def __init__(self, config: SparseConfig, layers, groups, total_steps: int, rng: np.random.Generator) -> None:
        self.config, self.layers, self.rng = config, list(layers), rng
        self.total_steps = check_integer("total optimiser steps", total_steps, 1)
        shapes = [weight.shape for weight, _, _ in self.layers]
        self.final_density = [1.0] * len(self.layers)
        for group in groups:
            densities = layer_densities([shapes[k] for k in group], config.sparsity, config.distribution)
            for k, density in zip(group, densities):
                self.final_density[k] = density
        self.end_step = max(1, round(config.end_fraction * self.total_steps))
        self.prune_start = round(PRUNE_START * self.total_steps)
        self.prune_end = max(self.prune_start + 1, round(PRUNE_END * self.total_steps))

    def initial_masks(self) -> list[np.ndarray]:
        """Masks at initialisation: random at the target densities (static, SET, RigL) or dense."""
        shapes = [weight.shape for weight, _, _ in self.layers]
        if self.config.method in ("static", "set", "rigl"):
            return random_masks(shapes, self.final_density, self.rng)
        return [np.ones(shape) for shape in shapes]

    def mask_gradients(self, grads: list[np.ndarray]) -> None:
        """Zero, in place, the gradients of masked weights, then add weight decay (L2, as a loss term) on
        active weights."""
        decay = self.config.weight_decay
        for weight, mask, index in self.layers:
            grads[index] *= mask
            if decay:
                grads[index] += decay * weight

    def after_step(self, step: int, dense_grads: list[np.ndarray], optimiser) -> bool:
        """After optimiser step ``step`` (counted from 1): update the topology if one is due, zero the weights
        and Adam moments of masked entries. ``dense_grads`` are that step's unmasked gradients (RigL grows
        where they are largest). Returns whether the topology changed."""
        method, interval = self.config.method, self.config.update_interval
        touched = [np.zeros(weight.shape, dtype=bool) for weight, _, _ in self.layers]  # dropped or grown
        if method in ("set", "rigl") and step % interval == 0 and step <= self.end_step:
            fraction = cosine_drop_fraction(self.config.drop_fraction, step, self.end_step)
            for k, (weight, mask, index) in enumerate(self.layers):
                self._drop_and_grow(weight, mask, dense_grads[index], fraction, touched[k])
        elif method == "prune" and self.prune_start <= step <= self.prune_end and (
                (step - self.prune_start) % interval == 0 or step == self.prune_end):
            for k, (weight, mask, _) in enumerate(self.layers):
                target = cubic_sparsity(1.0 - self.final_density[k], step, self.prune_start, self.prune_end)
                self._prune_to(weight, mask, target, touched[k])
        changed = any(t.any() for t in touched)
        for (weight, mask, index), moved in zip(self.layers, touched):
            weight *= mask  # pruned weights exactly zero after every update
            if moved.any():  # a weight dropped and grown back in one update also restarts from nothing
                optimiser.reset_moments(index, moved | (mask == 0.0))
        return changed

    def _order(self, scores: np.ndarray) -> np.ndarray:
        """Indices by ascending score, ties broken by a seeded random permutation."""
        shuffle = self.rng.permutation(scores.size)
        return shuffle[np.argsort(scores[shuffle], kind="stable")]

    def _drop_and_grow(self, weight: np.ndarray, mask: np.ndarray, grad: np.ndarray, fraction: float,
                       touched: np.ndarray) -> None:
        flat_w, flat_m = weight.reshape(-1), mask.reshape(-1)
        active = np.flatnonzero(flat_m)
        count = round(fraction * active.size)
        if count == 0:
            return
        dropped = active[self._order(np.abs(flat_w[active]))[:count]]
        flat_m[dropped] = 0.0
        candidates = np.flatnonzero(flat_m == 0.0)  # includes the just-dropped, as in RigL
        if self.config.method == "rigl":
            grown = candidates[self._order(-np.abs(grad.reshape(-1)[candidates]))[:count]]
        else:
            grown = self.rng.choice(candidates, size=count, replace=False)
        flat_m[grown] = 1.0
        flat_w[dropped] = 0.0
        # new connections start at zero (google-research/rigl: grow_init='zeros'); one whose gradient is exactly
        # zero (out of a unit with no live input and zero bias, or into one with no live output) stays zero
        flat_w[grown] = 0.0
        touched.reshape(-1)[dropped] = touched.reshape(-1)[grown] = True

    def _prune_to(self, weight: np.ndarray, mask: np.ndarray, sparsity: float, touched: np.ndarray) -> None:
        flat_m = mask.reshape(-1)
        keep = min(flat_m.size, max(1, round((1.0 - sparsity) * flat_m.size)))
        if keep >= np.count_nonzero(flat_m):
            return
        scores = np.where(flat_m == 1.0, np.abs(weight.reshape(-1)), -1.0)  # pruned entries never come back
        pruned = self._order(scores)[:flat_m.size - keep]
        touched.reshape(-1)[pruned] = flat_m[pruned] == 1.0
        flat_m[pruned] = 0.0
