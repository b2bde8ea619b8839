"""The four strategies (mk1, mk2, cma-layerwise, cma): interface, the article's rules, convergence, state."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.strategies import (
    STRATEGIES,
    get_strategy_class,
    make_strategy,
    strategy_from_state_dict,
)
from pendulum_zoo.strategies.base import ranked
from pendulum_zoo.strategies.cma import CMA
from pendulum_zoo.strategies.cma_layerwise import CMALayerwise

NAMES = ("mk1", "mk2", "cma-layerwise", "cma")
# a small problem keeps the CMA eigendecompositions cheap; two "layers" exercise the per-layer code
SMALL = {"num_params": 24, "layer_slices": (slice(0, 16), slice(16, 24))}


def target_fitness(population: np.ndarray) -> np.ndarray:
    """A deterministic fitness of the population (maximised): close to 0.3 everywhere."""
    return -np.sum((population - 0.3) ** 2, axis=1) + 0.01 * population[:, 0]


def small(name: str, population_size: int = 16, seed: int = 0, **hp):
    return get_strategy_class(name)(population_size, seed, **SMALL, **hp)


def run(strategy, generations: int, fitness=target_fitness) -> list[np.ndarray]:
    populations = []
    for _ in range(generations):
        population = strategy.ask()
        populations.append(population)
        strategy.tell(fitness(population))
    return populations


# -- the interface -------------------------------------------------------------------------------------------


def test_registry_holds_the_four():
    make_strategy("mk1", 4, 0)
    assert set(NAMES) <= set(STRATEGIES)
    for name in NAMES:
        assert STRATEGIES[name].name == name
    assert STRATEGIES["mk1"].binary and STRATEGIES["mk2"].binary
    assert not STRATEGIES["cma"].binary and not STRATEGIES["cma-layerwise"].binary


@pytest.mark.parametrize("name", NAMES)
def test_ask_and_tell_at_the_article_size(name):
    strategy = make_strategy(name, 16, seed=3)
    population = strategy.ask()
    assert population.shape == (16, NUM_PARAMS) and population.dtype == np.float64
    assert np.all(np.isfinite(population))
    assert np.array_equal(strategy.ask(), population)  # asking twice before tell: the same population
    population[:] = 7.0  # ask returns a copy
    assert not np.array_equal(strategy.ask(), population)
    if strategy.binary:
        assert set(np.unique(strategy.ask())) <= {0.0, 1.0}
    strategy.tell(target_fitness(strategy.ask()))
    assert strategy.generation == 1
    after = strategy.ask()
    assert after.shape == (16, NUM_PARAMS)
    stats = strategy.stats()
    assert stats and all(isinstance(v, float) and math.isfinite(v) for v in stats.values())


@pytest.mark.parametrize("name", NAMES)
def test_bad_fitness_is_refused(name):
    strategy = small(name, 8)
    with pytest.raises(RuntimeError):
        strategy.tell(np.zeros(8))  # nothing asked yet
    strategy.ask()
    with pytest.raises(ValueError):
        strategy.tell(np.zeros(7))
    with pytest.raises(ValueError):
        strategy.tell(np.zeros((8, 1)))
    bad = np.zeros(8)
    bad[3] = np.nan
    with pytest.raises(ValueError):
        strategy.tell(bad)
    bad[3] = np.inf
    with pytest.raises(ValueError):
        strategy.tell(bad)
    strategy.tell(np.zeros(8))  # still usable: nothing was changed by the refused calls
    assert strategy.generation == 1


def test_bad_construction_is_refused():
    with pytest.raises(ValueError, match="unknown algorithm"):
        make_strategy("nope", 16, 0)
    for name in NAMES:
        with pytest.raises(ValueError):
            make_strategy(name, 1, 0)
        with pytest.raises(ValueError):
            make_strategy(name, 16, 0, not_a_hyperparameter=1.0)


@pytest.mark.parametrize("name, hp", [
    ("mk1", {"initial_prune_rate": 1.5}), ("mk1", {"min_mutation_rate": -0.1}),
    ("mk1", {"min_mutation_rate": 0.2, "max_mutation_rate": 0.1}), ("mk1", {"elite_fraction": 0.0}),
    ("mk1", {"max_mutation_rate": "high"}),
    ("mk2", {"initial_prune_rate": -0.5}), ("mk2", {"min_keep_probability": 0.9, "max_keep_probability": 0.1}),
    ("mk2", {"max_keep_probability": 1.1}), ("mk2", {"probability_noise": -0.1}), ("mk2", {"elite_fraction": 2}),
    ("cma-layerwise", {"initial_sigma": 0.0}), ("cma-layerwise", {"jitter": -1e-8}),
    ("cma-layerwise", {"elite_fraction": 0.0}), ("cma-layerwise", {"initial_sigma": float("nan")}),
    ("cma", {"initial_sigma": -1.0}), ("cma", {"initial_sigma": 0}), ("cma", {"initial_mean": float("inf")}),
    ("cma", {"initial_mean": [0.0, 1.0]}),
])
def test_bad_hyperparameters_are_refused(name, hp):
    with pytest.raises(ValueError):
        make_strategy(name, 16, 0, **hp)


def test_layerwise_needs_slices_that_split_the_parameters():
    with pytest.raises(ValueError, match="layer_slices"):
        CMALayerwise(8, 0, num_params=12, layer_slices=(slice(0, 8), slice(9, 12)))
    with pytest.raises(ValueError, match="layer_slices"):
        CMALayerwise(8, 0, num_params=12, layer_slices=(slice(0, 8),))


# -- mk1 -----------------------------------------------------------------------------------------------------


def test_mk1_starts_fully_connected_pruned_at_a_quarter():
    population = make_strategy("mk1", 256, seed=1).ask()
    assert set(np.unique(population)) <= {0.0, 1.0}
    assert abs(np.mean(population == 0.0) - 0.25) < 0.01  # 49,152 draws: standard error 0.002


def test_mk1_offspring_only_lose_connections_and_keep_the_best():
    rng = np.random.default_rng(5)
    strategy = make_strategy("mk1", 64, seed=2)
    seen: list[np.ndarray] = []  # every member ever evaluated
    best, best_fitness = None, -np.inf
    for _ in range(8):
        population = strategy.ask()
        assert set(np.unique(population)) <= {0.0, 1.0}
        if seen:
            history = np.concatenate(seen)
            # each new member is some earlier member with zero or more ones turned into zeros
            covers = np.all(history[:, None, :] >= population[None, :, :], axis=2)  # (history, members)
            assert np.all(covers.any(axis=0))
            # the all-time best policy is carried over unchanged
            assert np.any(np.all(population == best, axis=1))
        fitness = rng.normal(size=64)  # arbitrary fitness
        top = ranked(fitness)[0]
        if fitness[top] > best_fitness:
            best, best_fitness = population[top].copy(), fitness[top]
        seen.append(population)
        strategy.tell(fitness)
        rate = strategy.stats()["mutation_rate"]
        assert 0.001 <= rate <= 0.125


def test_mk1_carries_this_generations_elite_and_breeds_from_it():
    strategy = make_strategy("mk1", 64, seed=4)
    population = strategy.ask()
    fitness = -np.count_nonzero(population, axis=1) + 0.001 * np.arange(64)  # fewer connections is better
    strategy.tell(fitness)
    elite = population[ranked(fitness)[:strategy.elite_size]]
    offspring = strategy.ask()
    for member in elite:  # this generation's elite (here also the all-time best elite) enters unchanged
        assert np.any(np.all(offspring == member, axis=1))
    # every new member descends from the elite: it is at most one of them, elementwise
    assert np.all(np.all(elite[:, None, :] >= offspring[None, :, :], axis=2).any(axis=0))


def test_mk1_mutation_rate_follows_the_article():
    strategy = make_strategy("mk1", 64, seed=7)
    assert strategy.stats()["mutation_rate"] == 0.25  # before any tell: the initial pruning rate
    population = strategy.ask()
    fitness = np.count_nonzero(population, axis=1).astype(float)  # more connections is better
    strategy.tell(fitness)
    connections = np.count_nonzero(population, axis=1)
    elite = ranked(fitness)[:strategy.elite_size]
    expected = math.sqrt(np.mean((connections.mean() - connections[elite]) ** 2)) / connections.mean()
    assert strategy.stats()["mutation_rate"] == pytest.approx(min(max(expected, 0.001), 0.125))
    # a population of identical members gives rate 0, clipped to the article's 0.1%
    strategy = make_strategy("mk1", 8, seed=0, initial_prune_rate=0.0)
    strategy.ask()
    strategy.tell(np.arange(8.0))
    assert strategy.stats()["mutation_rate"] == 0.001


# -- mk2 -----------------------------------------------------------------------------------------------------


def test_mk2_samples_from_the_clipped_elite_frequencies():
    size = 4096
    strategy = make_strategy("mk2", size, seed=3)
    population = strategy.ask()
    assert set(np.unique(population)) <= {0.0, 1.0}
    assert abs(np.mean(population == 0.0) - 0.25) < 0.01
    elite_size = strategy.elite_size
    # craft the evaluated population (through the public state): the elite (rows 0..elite_size-1) has
    # connections 0-9 in every member and connections 10-19 in none
    crafted = population.copy()
    crafted[:elite_size, :10] = 1.0
    crafted[:elite_size, 10:20] = 0.0
    state = strategy.state_dict()
    state["arrays"]["_pending_population"] = crafted
    strategy = strategy_from_state_dict(state)
    fitness = np.zeros(size)
    fitness[:elite_size] = 1.0 + np.arange(elite_size)[::-1]  # row 0 best
    strategy.tell(fitness)
    expected = np.clip(crafted[:elite_size].mean(axis=0), 0.05, 0.95)
    assert np.all(expected[:10] == 0.95) and np.all(expected[10:20] == 0.05)

    nxt = strategy.ask()
    carry = math.ceil(size / 16)
    assert np.array_equal(nxt[:carry], crafted[:carry])  # the best ceil(P/16), best first, intact
    sampled = nxt[carry:]
    assert set(np.unique(sampled)) <= {0.0, 1.0}
    frequency = sampled.mean(axis=0)  # 3840 draws per connection: standard error <= 0.008
    assert np.max(np.abs(frequency - expected)) < 0.04
    assert np.max(np.abs(frequency[:20] - expected[:20])) < 0.015  # at 5% / 95%: standard error 0.0035
    stats = strategy.stats()
    assert stats["mean_keep_probability"] == pytest.approx(expected.mean())
    assert stats["mutation_rate"] == pytest.approx(np.mean(np.minimum(expected, 1 - expected)))


def test_mk2_carries_the_best_sixteenth_over_intact():
    rng = np.random.default_rng(0)
    strategy = make_strategy("mk2", 128, seed=1, probability_noise=0.1)
    for _ in range(4):
        population = strategy.ask()
        fitness = rng.normal(size=128)
        strategy.tell(fitness)
        nxt = strategy.ask()
        assert np.array_equal(nxt[:8], population[ranked(fitness)[:8]])  # ceil(128 / 16) = 8
        probability = strategy._keep_probability
        assert np.all((probability >= 0.05) & (probability <= 0.95))


# -- cma -----------------------------------------------------------------------------------------------------


def test_cma_default_constants():
    strategy = make_strategy("cma", 128, seed=0)
    assert strategy.mu == 64
    assert strategy.weights.sum() == pytest.approx(1.0)
    assert np.all(np.diff(strategy.weights) < 0)
    assert 1 < strategy.mu_eff < 64
    assert 0 < strategy.c_1 < strategy.c_mu < 1 and strategy.c_1 + strategy.c_mu <= 1
    assert 0 < strategy.c_sigma < 1 and strategy.d_sigma > 1 and 0 < strategy.c_c < 1
    assert strategy.stats() == {"sigma": 0.5, "axis_ratio": 1.0}
    population = strategy.ask()  # weights ~ N(0, 0.5^2) around the initial mean 0
    assert abs(population.std() - 0.5) < 0.02 and abs(population.mean()) < 0.02


def test_cma_converges_on_the_sphere():
    strategy = CMA(10, 0, num_params=10, layer_slices=(slice(0, 10),))
    best = -np.inf
    for _ in range(400):
        population = strategy.ask()
        fitness = -np.sum((population - 1.0) ** 2, axis=1)  # maximise -||x - 1||^2, optimum at 1
        best = max(best, fitness.max())
        strategy.tell(fitness)
        if best > -1e-8:
            break
    assert best > -1e-8
    assert strategy.stats()["sigma"] < 1e-3  # the step size shrinks as the optimum is approached
    assert np.allclose(strategy._mean, 1.0, atol=1e-3)


def test_cma_learns_an_ill_conditioned_ellipsoid():
    n = 10
    scales = 10.0 ** (4 * np.arange(n) / (n - 1))  # condition number 1e4

    def ellipsoid(population):
        return -np.sum(scales * (population - 1.0) ** 2, axis=1)

    strategy = CMA(10, 1, num_params=n, layer_slices=(slice(0, n),))
    best = -np.inf
    for _ in range(800):
        population = strategy.ask()
        fitness = ellipsoid(population)
        best = max(best, fitness.max())
        strategy.tell(fitness)
        if best > -1e-8:
            break
    assert best > -1e-8
    # the covariance has learnt the shape: its axis ratio approaches sqrt(1e4) = 100
    assert 30 < strategy.stats()["axis_ratio"] < 300
    # an isotropic search (the same CMA-ES with covariance learning switched off) gets far less far
    isotropic = CMA(10, 1, num_params=n, layer_slices=(slice(0, n),))
    isotropic.c_1 = isotropic.c_mu = 0.0
    iso_best = -np.inf
    for _ in range(strategy.generation):
        population = isotropic.ask()
        fitness = ellipsoid(population)
        iso_best = max(iso_best, fitness.max())
        isotropic.tell(fitness)
    assert iso_best < -1e-4
    assert isotropic.stats()["axis_ratio"] == 1.0


# -- cma-layerwise -------------------------------------------------------------------------------------------


def test_cma_layerwise_improves_on_a_quadratic():
    centre = np.linspace(-1.0, 1.0, 12)
    strategy = CMALayerwise(64, 0, num_params=12, layer_slices=(slice(0, 8), slice(8, 12)))

    def fitness(population):
        return -np.sum((population - centre) ** 2, axis=1)

    means = []
    for _ in range(30):
        population = strategy.ask()
        values = fitness(population)
        means.append(values.mean())
        strategy.tell(values)
    assert means[0] < -5.0
    assert means[-1] > 0.05 * means[0]  # the mean fitness (negative) improved more than twentyfold
    assert np.max(np.abs(np.concatenate(strategy._means) - centre)) < 0.5
    # the search distribution shrinks; this naive variant (no step-size control, covariance of 1/8 of the
    # population) also stalls short of the optimum, as its variance collapses within a few dozen generations
    assert strategy.stats()["mean_std"] < 0.1


def test_cma_layerwise_follows_the_simple_cma_update():
    strategy = CMALayerwise(16, 4, num_params=6, layer_slices=(slice(0, 4), slice(4, 6)), initial_sigma=2.0)
    population = strategy.ask()
    assert abs(population.std() - 2.0) < 0.6
    fitness = -np.sum(population ** 2, axis=1)
    strategy.tell(fitness)
    order = ranked(fitness)
    elite = np.concatenate([population[order[:1]], population[order[:2]]])  # all-time best + top 1/8 (2)
    for index, part in enumerate(((0, 4), (4, 6))):
        members = elite[:, part[0]:part[1]]
        assert np.allclose(strategy._means[index], members.mean(axis=0))
        assert np.allclose(strategy._covariances[index], members.T @ members / 3)  # around the old mean 0
    nxt = strategy.ask()
    assert np.array_equal(nxt[-1], population[order[0]])  # the all-time best is the last member


# -- state ---------------------------------------------------------------------------------------------------


def through_files(state: dict) -> dict:
    """The state after JSON (strict: no NaN or infinities) and npz without pickles, as a checkpoint stores it."""
    meta = json.loads(json.dumps(state["meta"], allow_nan=False))
    buffer = io.BytesIO()
    np.savez(buffer, **state["arrays"])
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return {"arrays": arrays, "meta": meta}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pending", [False, True])
def test_state_round_trip_continues_identically(name, pending):
    hp = {"probability_noise": 0.1} if name == "mk2" else {}  # exercise mk2's extra draws
    original = small(name, 16, seed=11, **hp)
    run(original, 3)
    if pending:
        original.ask()
    restored = strategy_from_state_dict(through_files(original.state_dict()))
    assert type(restored) is type(original) and restored.generation == 3
    assert restored.stats() == original.stats()
    for a, b in zip(run(original, 3), run(restored, 3)):
        assert np.array_equal(a, b)
    assert restored.stats() == original.stats()


@pytest.mark.parametrize("name", NAMES)
def test_state_round_trip_before_the_first_generation(name):
    original = small(name, 8, seed=2)
    restored = strategy_from_state_dict(through_files(original.state_dict()))
    for a, b in zip(run(original, 2), run(restored, 2)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_populations_different_seed_different(name):
    first, second, other = small(name, 16, seed=5), small(name, 16, seed=5), small(name, 16, seed=6)
    a, b, c = run(first, 3), run(second, 3), run(other, 3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
