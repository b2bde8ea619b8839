"""Sparse training: layer distributions, masks exactly zero, target sparsity, topology changes, schedules."""

import numpy as np
import pytest

from pendulum_zoo.rl.adam import Adam
from pendulum_zoo.rl.sparse import (
    SparseConfig,
    SparseTrainer,
    TABLE_3,
    cosine_drop_fraction,
    cubic_sparsity,
    layer_densities,
    matched_dense_width,
)

# an actor and a critic as PPO builds them for the pendulum (5 observations, 1 action)
ACTOR = [(5, 64), (64, 64), (64, 1)]
CRITIC = [(5, 64), (64, 64), (64, 1)]
SPARSE = ("static", "set", "rigl", "prune")


def make_trainer(method, distribution="erk", sparsity=0.9, total_steps=200, **options):
    rng = np.random.default_rng(0)
    config = SparseConfig(method=method, sparsity=sparsity, distribution=distribution, **options)
    weights = [np.zeros(shape) for shape in ACTOR + CRITIC]
    masks = [np.ones(shape) for shape in ACTOR + CRITIC]
    layers = [(w, m, k) for k, (w, m) in enumerate(zip(weights, masks))]
    trainer = SparseTrainer(config, layers, [[0, 1, 2], [3, 4, 5]], total_steps, rng)
    for mask, new in zip(masks, trainer.initial_masks()):
        mask[...] = new
    for weight, mask in zip(weights, masks):
        weight[...] = rng.normal(size=weight.shape) * mask
    return trainer, weights, masks, rng


def sparsity_of(masks, group):
    return 1.0 - sum(masks[k].sum() for k in group) / sum(masks[k].size for k in group)


def train_synthetic(trainer, weights, masks, rng, steps, check):
    """Random gradients through Adam, the trainer's hooks after every step, ``check`` after each."""
    optimiser = Adam(weights, lr=1e-2)
    for step in range(1, steps + 1):
        grads = [rng.normal(size=w.shape) for w in weights]
        dense = [g.copy() for g in grads]
        trainer.mask_gradients(grads)
        optimiser.step(grads)
        changed = trainer.after_step(step, dense, optimiser)
        check(step, changed, optimiser)


@pytest.mark.parametrize("distribution", ["uniform", "erk"])
@pytest.mark.parametrize("sparsity", [0.5, 0.8, 0.9, 0.95, 0.98])
def test_layer_densities_reach_the_target(distribution, sparsity):
    densities = layer_densities(ACTOR, sparsity, distribution)
    sizes = [a * b for a, b in ACTOR]
    assert np.isclose(sum(d * n for d, n in zip(densities, sizes)) / sum(sizes), 1.0 - sparsity)
    assert all(0.0 < d <= 1.0 for d in densities)
    if distribution == "uniform":
        assert np.allclose(densities, 1.0 - sparsity)
    else:  # ERK keeps the small input and output layers denser than the 64 x 64 one
        assert densities[0] > densities[1] and densities[2] > densities[1]


def test_erk_makes_overfull_layers_dense():
    densities = layer_densities(ACTOR, 0.5, "erk")
    assert densities[2] == 1.0 and densities[0] == 1.0 and densities[1] < 0.5


@pytest.mark.parametrize("method", SPARSE)
@pytest.mark.parametrize("distribution", ["uniform", "erk"])
def test_masked_weights_stay_zero_and_target_sparsity_is_reached(method, distribution):
    total = 200
    trainer, weights, masks, rng = make_trainer(method, distribution, total_steps=total, update_interval=10)
    initial = [m.copy() for m in masks]
    counts = [m.sum() for m in masks]
    seen = {"changes": 0}
    tolerance = 3.0 / sum(a * b for a, b in ACTOR)  # one weight of rounding per layer

    def check(step, changed, optimiser):
        for k, (w, m) in enumerate(zip(weights, masks)):
            assert np.all(w[m == 0.0] == 0.0), f"masked weight nonzero after step {step}"
            assert np.all(optimiser.m[k][m == 0.0] == 0.0) and np.all(optimiser.v[k][m == 0.0] == 0.0)
        seen["changes"] += changed
        if method in ("set", "rigl", "static"):
            assert [m.sum() for m in masks] == counts  # the count never changes
            for group in ([0, 1, 2], [3, 4, 5]):
                assert abs(sparsity_of(masks, group) - 0.9) <= tolerance

    train_synthetic(trainer, weights, masks, rng, total, check)
    for group in ([0, 1, 2], [3, 4, 5]):
        assert abs(sparsity_of(masks, group) - 0.9) <= tolerance
    moved = any(not np.array_equal(a, b) for a, b in zip(initial, masks))
    if method == "static":
        assert not moved and seen["changes"] == 0
    else:
        assert moved and seen["changes"] > 0
    if method == "prune":
        assert all(np.all(m == 1.0) for m in initial)


def test_set_and_rigl_update_on_schedule_and_stop_at_the_end():
    for method in ("set", "rigl"):
        trainer, weights, masks, rng = make_trainer(method, total_steps=100, update_interval=10)
        changes = []
        train_synthetic(trainer, weights, masks, rng, 100, lambda step, changed, _: changes.append(changed))
        updated = [step for step, changed in enumerate(changes, 1) if changed]
        assert updated and all(step % 10 == 0 and step <= 80 for step in updated)


def test_rigl_grows_where_the_dense_gradient_is_largest():
    trainer, weights, masks, rng = make_trainer("rigl", "uniform", sparsity=0.5, update_interval=1,
                                                drop_fraction=0.5, total_steps=1000)
    before = [m.copy() for m in masks]
    grads = [rng.normal(size=w.shape) for w in weights]
    trainer.after_step(1, grads, Adam(weights))
    for k, (old, new, w, g) in enumerate(zip(before, masks, weights, grads)):
        grown = (new == 1.0) & (old == 0.0)
        if not grown.any():
            continue
        assert np.all(w[grown] == 0.0)  # new connections start at zero
        kept = (old == 1.0) & (new == 1.0)
        candidates = ~kept
        # every grown entry's |gradient| is at least every non-grown candidate's
        assert np.abs(g[grown]).min() >= np.abs(g[candidates & ~grown]).max()


@pytest.mark.parametrize("method", ["set", "rigl"])
def test_grown_weights_start_from_zero_moments_even_when_dropped_and_grown_back(method):
    trainer, weights, masks, rng = make_trainer(method, "uniform", sparsity=0.5, update_interval=1,
                                                drop_fraction=0.5, total_steps=1000)
    optimiser = Adam(weights)
    grads = [rng.normal(size=w.shape) * m for w, m in zip(weights, masks)]
    optimiser.step(grads)
    before = [m.copy() for m in masks]
    # RigL: the largest gradients sit on active weights, so some are dropped and grown back at once
    trainer.after_step(1, [g * 100.0 for g in grads], optimiser)
    regrown = 0
    for k, (w, old, new) in enumerate(zip(weights, before, masks)):
        restarted = (new == 1.0) & (w == 0.0)  # grown (new or dropped and grown back): zero weight
        assert restarted.any()
        assert np.all(optimiser.m[k][restarted] == 0.0) and np.all(optimiser.v[k][restarted] == 0.0)
        assert np.all(optimiser.m[k][new == 0.0] == 0.0)
        regrown += np.count_nonzero(restarted & (old == 1.0))
    if method == "rigl":
        assert regrown > 0


def test_set_drops_the_smallest_magnitudes():
    trainer, weights, masks, rng = make_trainer("set", "uniform", sparsity=0.5, update_interval=1,
                                                drop_fraction=0.5, total_steps=1000)
    before_w, before_m = [w.copy() for w in weights], [m.copy() for m in masks]
    trainer.after_step(1, [np.zeros_like(w) for w in weights], Adam(weights))
    fraction = cosine_drop_fraction(0.5, 1, trainer.end_step)
    for w, now, old, new in zip(before_w, weights, before_m, masks):
        active = np.abs(w[old == 1.0])
        dropped_count = round(fraction * active.size)
        threshold = np.sort(active)[dropped_count]  # the smallest survivor
        survivors = (old == 1.0) & (now != 0.0)  # kept, not dropped (dropped or grown entries are zero)
        assert np.count_nonzero(survivors) == active.size - dropped_count
        assert np.all(np.abs(w[survivors]) >= threshold) and np.array_equal(now[survivors], w[survivors])
        assert new.sum() == old.sum()


def test_matched_dense_width():
    assert matched_dense_width((5, 64, 64, 1), 0.0) == 64
    for sparsity in (0.5, 0.8, 0.9, 0.95, 0.98):
        width = matched_dense_width((5, 64, 64, 1), sparsity)
        target = (1 - sparsity) * (5 * 64 + 64 * 64 + 64)
        count = lambda h: 5 * h + h * h + h  # noqa: E731
        assert abs(count(width) - target) <= min(abs(count(width - 1) - target), abs(count(width + 1) - target))
    assert matched_dense_width((5, 64, 64, 1), 0.9) == 18  # 18 * 24 = 432 weights against 448
    with pytest.raises(ValueError, match="hidden layer"):
        matched_dense_width((5, 1), 0.5)


def test_schedules():
    assert cosine_drop_fraction(0.3, 0, 100) == 0.3 and abs(cosine_drop_fraction(0.3, 100, 100)) < 1e-15
    assert np.isclose(cosine_drop_fraction(0.3, 50, 100), 0.15)
    assert cubic_sparsity(0.9, 20, 20, 80) == 0.0 and cubic_sparsity(0.9, 80, 20, 80) == 0.9
    assert np.isclose(cubic_sparsity(0.9, 50, 20, 80), 0.9 * (1 - 0.5 ** 3))
    assert cubic_sparsity(0.9, 10, 20, 80) == 0.0 and cubic_sparsity(0.9, 99, 20, 80) == 0.9


def test_prune_follows_the_cubic_schedule():
    trainer, weights, masks, rng = make_trainer("prune", "uniform", total_steps=100, update_interval=5)
    seen = []
    train_synthetic(trainer, weights, masks, rng, 100,
                    lambda step, changed, _: seen.append((step, sparsity_of(masks, [0, 1, 2]))))
    for step, sparsity in seen:
        expected = cubic_sparsity(0.9, step - (step - 20) % 5 if 20 <= step < 80 else step, 20, 80)
        assert abs(sparsity - expected) <= 3.0 / sum(a * b for a, b in ACTOR), step


def test_defaults_come_from_table_3():
    for method, row in TABLE_3.items():
        config = SparseConfig(method=method)
        assert config.weight_decay == row["weight_decay"]
        assert config.sparsity == (0.0 if method == "dense" else 0.9)
    assert SparseConfig(method="rigl").update_interval == 250 and SparseConfig(method="rigl").drop_fraction == 0.3
    assert SparseConfig(method="prune").update_interval == 500
    assert SparseConfig(method="static").sparsity_aware_init is True


@pytest.mark.parametrize("kwargs, error, message", [
    ({"method": "lottery"}, ValueError, "sparse method must be one of"),
    ({"method": "dense", "sparsity": 0.5}, ValueError, "dense training has sparsity 0"),
    ({"method": "set", "sparsity": 1.0}, ValueError, "below 1"),
    ({"method": "set", "sparsity": True}, TypeError, "sparsity must be a number"),
    ({"method": "rigl", "update_interval": 0}, ValueError, "update interval of at least 1"),
    ({"method": "set", "drop_fraction": 1.5}, ValueError, "drop fraction must be at most 1"),
    ({"method": "set", "distribution": "normal"}, ValueError, "distribution must be one of"),
])
def test_bad_sparse_options_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        SparseConfig(**kwargs)
