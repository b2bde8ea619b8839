"""Iterative magnitude pruning with rewinding, and the four conditions that disentangle a ticket.

Vischer, Lange and Sprekeler 2022, section 2 (after Frankle and Carbin 2019): train; "prune 20% of the weights
with smallest magnitude globally (across all layers)"; reset the remaining weights to their initial values;
repeat. Biases (and PPO's log-std) are never pruned. Ties in magnitude are broken by a fixed rule: the
earlier layer, then the lower row-major index, goes first.

Figure 1 (middle) and Table 1, the conditions trained at every sparsity level, all derived here from the
ticket's mask and initial weights at that level, so that every condition has exactly the ticket's sparsity:
- ``mask/weights``: the ticket, mask and surviving initial weights;
- ``mask/permuted``: the mask, with the surviving initial weights permuted within each layer;
- ``permuted/permuted``: mask and weights permuted within each layer (each layer keeps its pruning ratio);
- ``random/re-init``: a random mask of the same global sparsity and freshly drawn initial weights.

A network is a list of ``(fan_in, fan_out)`` weight matrices; a start is ``{"actor": (masks, weights),
"critic": (masks, weights)}`` (the critic only for PPO), what ``PPO(..., initial=start)`` takes. The driver,
``run_imp``, is told how to train and score; its state holds arrays and JSON-ready values only, so a study can
checkpoint it after every round and resume to the same result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from pendulum_zoo.networks.mlp import init_weights
from pendulum_zoo.validation import check_integer, check_number, quote

PRUNE_FRACTION = 0.2  # section 2: "we prune 20% of the weights with smallest magnitude globally"
INPUT_SCALE = 0.1  # section 4.2: "downscaling the Kaiming initialization of the input layer by a factor of ten"
IMP_INITIALISATIONS = ("kaiming", "xavier", "kaiming-input-0.1")
CONDITIONS = ("mask/weights", "mask/permuted", "permuted/permuted", "random/re-init")
PRUNED_NETWORKS = {"actor": ("actor",), "actor-critic": ("actor", "critic")}  # paper: AP and ACP (appendix A.5)
# the trainers IMP prunes, and the zoo's name (a card's ``algorithm``) for each one's ticket champions
IMP_ALGORITHMS = {"ppo": "imp-ppo", "bc": "imp-bc"}


def imp_initial_weights(sizes, rng: np.random.Generator, scheme: str, activation: str = "tanh",
                        output_gain: float | None = None) -> list[np.ndarray]:
    """Dense initial weights: ``kaiming``, ``xavier`` (``networks/mlp.py``), or ``kaiming-input-0.1``, Kaiming
    with the input layer scaled by 0.1 (section 4.2)."""
    if scheme not in IMP_INITIALISATIONS:
        raise ValueError(f"initialisation must be one of {', '.join(IMP_INITIALISATIONS)}, got {quote(scheme)}")
    base = "xavier" if scheme == "xavier" else "kaiming"
    weights = init_weights(sizes, rng, scheme=base, activation=activation, output_gain=output_gain)
    if scheme == "kaiming-input-0.1":
        weights[0] *= INPUT_SCALE
    return weights


def survivors(masks: list[np.ndarray]) -> int:
    return int(sum(np.count_nonzero(mask) for mask in masks))


def global_sparsity(masks: list[np.ndarray]) -> float:
    return 1.0 - survivors(masks) / sum(mask.size for mask in masks)


def prune_count(alive: int, fraction: float = PRUNE_FRACTION) -> int:
    """How many of ``alive`` weights one round removes: ``fraction`` of them, rounded half up."""
    return int(np.floor(fraction * alive + 0.5))


def prune_global(weights: list[np.ndarray], masks: list[np.ndarray],
                 fraction: float = PRUNE_FRACTION) -> list[np.ndarray]:
    """New masks with ``prune_count`` of the surviving weights removed: those of smallest magnitude across all
    the given layers; ties go to the earlier layer, then the lower row-major index."""
    check_number("prune fraction", fraction, 0.0, 1.0)
    magnitude, layer, index = [], [], []
    for k, (weight, mask) in enumerate(zip(weights, masks, strict=True)):
        alive = np.flatnonzero(mask.reshape(-1))
        magnitude.append(np.abs(weight.reshape(-1)[alive]))
        layer.append(np.full(alive.size, k))
        index.append(alive)
    magnitude, layer, index = np.concatenate(magnitude), np.concatenate(layer), np.concatenate(index)
    order = np.lexsort((index, layer, magnitude))  # last key is the primary one
    removed = order[:prune_count(magnitude.size, fraction)]
    new = [mask.copy() for mask in masks]
    for k, flat in zip(layer[removed], index[removed]):
        new[k].reshape(-1)[flat] = 0.0
    return new


def rewind(initial: list[np.ndarray], masks: list[np.ndarray]) -> list[np.ndarray]:
    """The surviving weights reset to their initial values, the pruned ones zero."""
    return [weight * mask for weight, mask in zip(initial, masks, strict=True)]


def permute_survivors(initial: np.ndarray, mask: np.ndarray, target: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """One layer: the initial values that survive under ``mask``, shuffled onto the ones of ``target`` (which
    holds as many ones)."""
    values = initial.reshape(-1)[np.flatnonzero(mask.reshape(-1))]
    out = np.zeros(initial.size)
    out[np.flatnonzero(target.reshape(-1))] = rng.permutation(values)
    return out.reshape(initial.shape)


def permute_mask(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The layer's ones moved to random places: only its pruning ratio survives."""
    return rng.permutation(mask.reshape(-1)).reshape(mask.shape)


def random_global_mask(shapes: list[tuple[int, int]], alive: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``alive`` ones placed uniformly at random over all the layers together (no layer's ratio kept)."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    flat = np.zeros(sum(sizes))
    flat[rng.permutation(flat.size)[:alive]] = 1.0
    bounds = np.cumsum([0, *sizes])
    return [flat[bounds[k]:bounds[k + 1]].reshape(shape) for k, shape in enumerate(shapes)]


def condition_start(condition: str, initial: dict, masks: dict, pruned: tuple[str, ...], rng: np.random.Generator,
                    fresh: Callable[[], dict]) -> dict:
    """The start ``{name: (masks, weights)}`` of ``condition`` for the ticket ``masks`` (pruned networks; the
    others are dense) with ``initial`` weights; ``fresh()`` draws new dense initial weights (``random/re-init``)."""
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}, got {quote(condition)}")
    if condition == "random/re-init":
        drawn = fresh()
        layers = [(name, k) for name in pruned for k in range(len(masks[name]))]
        alive = survivors([masks[name][k] for name, k in layers])
        new = random_global_mask([masks[name][k].shape for name, k in layers], alive, rng)
        start = {name: ([np.ones_like(w) for w in drawn[name]], [w.copy() for w in drawn[name]]) for name in drawn}
        for (name, k), mask in zip(layers, new):
            start[name][0][k], start[name][1][k] = mask, drawn[name][k] * mask
        return start
    start = {}
    for name, weights in initial.items():
        net_masks = masks.get(name, [np.ones_like(w) for w in weights])
        if condition == "mask/weights" or name not in pruned:
            start[name] = ([m.copy() for m in net_masks], rewind(weights, net_masks))
            continue
        targets = [m.copy() if condition == "mask/permuted" else permute_mask(m, rng) for m in net_masks]
        start[name] = (targets, [permute_survivors(w, m, t, rng) for w, m, t in zip(weights, net_masks, targets)])
    return start


def condition_rng(seed: int, round_index: int, condition: str) -> np.random.Generator:
    """The generator of one condition at one round: a function of the seed, the round and the condition only,
    so a resumed run draws what an uninterrupted one draws."""
    return np.random.default_rng(np.random.SeedSequence([seed, round_index, CONDITIONS.index(condition)]))


@dataclasses.dataclass
class IMPState:
    """Where an IMP run stands: the ticket's initial weights, its current masks (pruned networks), the next
    round, and one result row per trained (round, condition)."""

    initial: dict[str, list[np.ndarray]]
    masks: dict[str, list[np.ndarray]]
    round: int = 0
    rows: list[dict] = dataclasses.field(default_factory=list)
    tickets: list[list[np.ndarray]] = dataclasses.field(default_factory=list)  # each round's ``ticket_arrays``


def start_state(sizes: dict[str, tuple[int, ...]], seed: int, scheme: str, pruned: tuple[str, ...],
                gains: dict[str, float | None], activation: str = "tanh") -> IMPState:
    """Round 0: dense masks and the initial weights every round rewinds to."""
    initial = initial_networks(sizes, np.random.default_rng(np.random.SeedSequence([seed, 2**31])), scheme, gains,
                               activation)
    return IMPState(initial, {name: [np.ones_like(w) for w in initial[name]] for name in pruned})


def initial_networks(sizes: dict, rng: np.random.Generator, scheme: str, gains: dict, activation: str) -> dict:
    return {name: imp_initial_weights(net_sizes, rng, scheme, activation, gains.get(name))
            for name, net_sizes in sizes.items()}


def run_imp(state: IMPState, rounds: int, *, seed: int, scheme: str, sizes: dict, pruned: tuple[str, ...],
            gains: dict, train: Callable, score: Callable, conditions: tuple[str, ...] = CONDITIONS,
            activation: str = "tanh", fraction: float = PRUNE_FRACTION,
            on_round: Callable[[IMPState], bool | None] | None = None) -> IMPState:
    """Rounds ``state.round`` to ``rounds`` (round r trains at ``1 - 0.8^r`` of the pruned weights removed).

    ``train(start, seed) -> (networks, stats)`` trains from a start and returns the trained networks by name
    (objects with ``weights``, ``biases`` and ``parameters()``, as ``MLP``) and a small dict;
    ``score(actor) -> dict`` scores a trained actor. Round 0 (dense) is trained once
    and shared by every condition. The ticket's trained weights give the next round's masks. ``on_round``
    (after each round's state is complete) may return True to stop."""
    check_integer("rounds", rounds, 0)
    for condition in conditions:
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}, got {quote(condition)}")
    if "mask/weights" not in conditions:
        raise ValueError("the mask/weights condition (the ticket) must be trained: it gives the next masks")
    while state.round <= rounds:
        r = state.round
        train_seed = int(np.random.SeedSequence([seed, r]).generate_state(1)[0] % 2**31)
        trained_ticket = None
        for condition in (conditions if r > 0 else ("mask/weights",)):
            rng = condition_rng(seed, r, condition)
            fresh_rng = np.random.default_rng(np.random.SeedSequence([seed, r, 99]))
            start = condition_start(condition, state.initial, state.masks, pruned, rng,
                                    lambda: initial_networks(sizes, fresh_rng, scheme, gains, activation))
            networks, stats = train(start, train_seed)
            result = score(networks["actor"])
            pruned_masks = [m for name in pruned for m in start[name][0]]
            for shown in (conditions if r == 0 else (condition,)):
                state.rows.append({"round": r, "condition": shown, "sparsity": global_sparsity(pruned_masks),
                                   "actor_sparsity": global_sparsity(start["actor"][0]),
                                   "weights_alive": survivors(pruned_masks), "train_seed": train_seed,
                                   **result, **stats})
            if condition == "mask/weights":
                trained_ticket = networks
        state.tickets.append(ticket_arrays(trained_ticket["actor"]))
        state.masks = prune_networks(trained_ticket, state.masks, pruned, fraction)
        state.round = r + 1
        if on_round is not None and on_round(state):
            break
    return state


def ticket_arrays(actor) -> list[np.ndarray]:
    """What a round keeps of its trained ticket: the actor's parameters (weights, then biases), then, when it
    normalises its observations (PPO's tuned swing-up settings), the normaliser's mean and variance."""
    arrays = [p.copy() for p in actor.parameters()]
    if getattr(actor, "normaliser", None) is not None:
        arrays += [actor.normaliser.mean.copy(), actor.normaliser.var.copy()]
    return arrays


def prune_networks(trained: dict, masks: dict, pruned: tuple[str, ...], fraction: float = PRUNE_FRACTION) -> dict:
    """One global pruning over every layer of the ``pruned`` networks together (actor and critic: the paper's
    ACP); returns their new masks by name."""
    flat_w = [w for name in pruned for w in trained[name].weights]
    flat_m = [m for name in pruned for m in masks[name]]
    new = prune_global(flat_w, flat_m, fraction)
    out, k = {}, 0
    for name in pruned:
        out[name] = new[k:k + len(masks[name])]
        k += len(masks[name])
    return out
