"""Probe how far a binary champion (mk1, mk2) is from a local optimum of the functions a binary network computes.

    python tools/probe_binary_functions.py ALGO --env ID [--steps N] [--workers K]
    python tools/probe_binary_functions.py ALGO --env ID --fewer-connections [--workers K]
    python tools/probe_binary_functions.py --policy PATH --env ID [...]

``ALGO`` starts from the zoo's champion for ``ID``; ``--policy`` from any binary policy file instead (a run's
``champion.json``, a zoo ``policy.json``), for instance a run that is not, or no longer, the champion.

With 0/1 weights and no biases, the policy is ``tanh(sum_S n_S * tanh(sum_{i in S} obs_i))``: its action
depends only on how many live hidden units (fed by some input, connected to the output) read each nonempty
subset ``S`` of the 5 inputs. Those 31 counts, at most 32 in all, are the whole function; which hidden unit
carries which subset, and dead connections, do not matter. Pruning can reach any such function from the
article's start, so the counts are the space that mk1 and mk2 search.

The probe climbs from the champion's counts. A move adds or removes one live unit reading some subset (a
"single"), or makes two such changes at once (a "pair": a swap, two adds or two removals). Every single is
scored on 100 episodes; every pair is screened on 16 and the best 12 are scored on the same 100. The climb
takes the best improving move, singles first, and stops where none improves. Its episodes come from the
training seed range (a run seed no plan uses); the end point is then scored with the protocol on the
selection seed (1000) and on the protocol seed (0). It answers whether a score is within reach of the
network: the end point is a probe's result, found by a search that is not one of the package's trainers,
and never enters the zoo.

``--fewer-connections`` asks instead whether a smaller network could do the champion's job: it scores every
function that a binary network with fewer connections than the champion's effective ones can compute (a live
unit reading ``S`` costs ``|S| + 1`` connections) on the same 100 episodes, and prints the best.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

from pendulum_zoo.drawing import circuit
from pendulum_zoo.rollout.evaluator import PopulationEvaluator
from pendulum_zoo.networks.policy import INPUT_NAMES, N_HIDDEN, N_INPUTS, effective_connections, is_binary
from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.rollout.seeding import training_episode_seeds
from pendulum_zoo.zoo import load_champion

SUBSETS = [subset for size in range(1, N_INPUTS + 1) for subset in itertools.combinations(range(N_INPUTS), size)]
PROBE_RUN_SEED = 777_000  # a run seed no run of tools/train_zoo_plan.json uses
CONFIRM_EPISODES, SCREEN_EPISODES, SCREEN_KEEP = 100, 16, 12
SELECTION_SEED, PROTOCOL_SEED = 1000, 0  # as in tools/build_zoo.py


def unit_counts(params: np.ndarray) -> np.ndarray:
    """How many live hidden units read each subset of ``SUBSETS``: the function a binary network computes."""
    net = circuit(params)
    counts = np.zeros(len(SUBSETS), dtype=np.int64)
    for unit in np.flatnonzero(net.hidden_live):
        counts[SUBSETS.index(tuple(int(i) for i in np.flatnonzero(net.w1[:, unit])))] += 1
    return counts


def network(counts: np.ndarray) -> np.ndarray:
    """A (192,) 0/1 network computing the function ``counts`` describes, hidden units filled in order."""
    w1, w2 = np.zeros((N_INPUTS, N_HIDDEN)), np.zeros(N_HIDDEN)
    units = [subset for subset, count in zip(SUBSETS, counts) for _ in range(count)]
    for unit, subset in enumerate(units):
        w1[list(subset), unit] = 1.0
        w2[unit] = 1.0
    return np.concatenate([w1.ravel(), w2])


def describe(counts: np.ndarray) -> str:
    return ", ".join(f"{count} x ({'+'.join(INPUT_NAMES[i] for i in subset)})"
                     for subset, count in zip(SUBSETS, counts) if count)


def singles(counts: np.ndarray) -> list[np.ndarray]:
    moves = []
    for index in range(len(SUBSETS)):
        for change in (1, -1):
            moved = counts.copy()
            moved[index] += change
            if moved[index] >= 0 and moved.sum() <= N_HIDDEN:
                moves.append(moved)
    return moves


def pairs(counts: np.ndarray) -> list[np.ndarray]:
    found = {}
    for first in singles(counts):
        for second in singles(first):
            if np.abs(second - counts).sum() == 2:
                found[second.tobytes()] = second
    return list(found.values())


def functions_below(limit: int) -> list[np.ndarray]:
    """Every nonzero function (unit counts) of a binary network with fewer than ``limit`` effective connections."""
    found: list[np.ndarray] = []

    def extend(counts: np.ndarray, first: int, budget: int) -> None:
        # units are added in subset order (first onwards), so each multiset of units is built exactly once
        for index in range(first, len(SUBSETS)):
            cost = len(SUBSETS[index]) + 1  # a live unit's inputs and its output
            if cost <= budget and counts.sum() < N_HIDDEN:
                grown = counts.copy()
                grown[index] += 1
                found.append(grown)
                extend(grown, index, budget - cost)

    extend(np.zeros(len(SUBSETS), dtype=np.int64), 0, limit - 1)
    return found


def start_params(algorithm: str | None, policy: str | None, env_id: str) -> np.ndarray:
    """The network the probe starts from: the zoo's champion of ``algorithm``, or the policy file ``policy``."""
    if (algorithm is None) == (policy is None):
        raise SystemExit("give either a champion's algorithm (mk1, mk2) or --policy PATH, not both")
    if policy is None:
        return load_champion(algorithm, env_id).params
    try:
        params, _ = load_policy(policy)
    except (OSError, ValueError) as error:
        raise SystemExit(str(error)) from None
    if not is_binary(params):
        raise SystemExit(f"{policy} is not a binary network (its weights are not all 0 or 1): the probe reads "
                         "the networks of mk1 and mk2")
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("algorithm", nargs="?", choices=("mk1", "mk2"), help="start from this zoo champion")
    parser.add_argument("--policy", metavar="PATH", help="start from this binary policy file instead")
    parser.add_argument("--env", required=True, help="environment ID to score on")
    parser.add_argument("--steps", type=int, default=20, help="most moves to take (default 20)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--fewer-connections", action="store_true",
                        help="score every function of a network with fewer connections than the starting one's")
    args = parser.parse_args()
    params = start_params(args.algorithm, args.policy, args.env)
    counts = unit_counts(params)
    confirm = training_episode_seeds(PROBE_RUN_SEED, 0, CONFIRM_EPISODES)
    screen = training_episode_seeds(PROBE_RUN_SEED, 1, SCREEN_EPISODES)
    with PopulationEvaluator(args.env, workers=args.workers) as evaluator:
        def score(candidates: list[np.ndarray], seeds: list[int]) -> np.ndarray:
            return evaluator.evaluate(np.stack([network(c) for c in candidates]), seeds).returns.mean(axis=1)

        if args.fewer_connections:
            limit = int(effective_connections(params)[0])
            smaller = functions_below(limit)
            scores = score(smaller, confirm)
            best = int(np.argmax(scores))
            start = "champion" if args.policy is None else args.policy
            print(f"{start}: {limit} effective connections, {describe(counts)}\n"
                  f"  mean return on {CONFIRM_EPISODES} probe episodes: {score([counts], confirm)[0]:.3f}\n"
                  f"{len(smaller)} functions of networks with fewer connections; the best, "
                  f"{effective_connections(network(smaller[best]))[0]} connections, {describe(smaller[best])}:\n"
                  f"  mean return on {CONFIRM_EPISODES} probe episodes: {scores[best]:.3f}")
            return
        current = float(score([counts], confirm)[0])
        print(f"start: {int(counts.sum())} live units: {describe(counts)}\n"
              f"  mean return on {CONFIRM_EPISODES} probe episodes: {current:.3f}", flush=True)
        for step in range(1, args.steps + 1):
            moved = False
            for kind, moves in (("single", singles), ("pair", pairs)):  # pairs only when no single improves
                candidates = moves(counts)
                tried = len(candidates)
                if kind == "pair":  # too many to score on 100 episodes each: screen them first
                    keep = np.argsort(-score(candidates, screen), kind="stable")[:SCREEN_KEEP]
                    candidates = [candidates[i] for i in keep]
                scores = score(candidates, confirm)
                best = int(np.argmax(scores))
                print(f"step {step}: best of {tried} {kind} moves {scores[best]:.3f} (current {current:.3f})",
                      flush=True)
                if scores[best] > current:
                    counts, current, moved = candidates[best], float(scores[best]), True
                    break
            if not moved:
                break
    print(f"end: {int(counts.sum())} live units: {describe(counts)}")
    for label, seed in (("selection", SELECTION_SEED), ("protocol", PROTOCOL_SEED)):
        stats = evaluate(network(counts), args.env, seed=seed, workers=args.workers).statistics()
        print(f"  {label} seed {seed}, 100 episodes: {stats['mean']:.2f} +/- {stats['std']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
