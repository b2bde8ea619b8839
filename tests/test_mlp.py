"""The general MLP: batch-independent forward, backward against finite differences, initialisation, checks."""

import numpy as np
import pytest

from pendulum_zoo.networks import policy
from pendulum_zoo.networks.mlp import MLP, RunningNormaliser, init_weights

SHAPES = [((5, 64, 64, 1), "tanh", True), ((5, 32, 1), "tanh", False), ((3, 7, 2), "relu", True),
          ((100, 33, 17, 4), "relu", False)]


def random_mlp(sizes, activation, bias, rng, density=0.5, normalise=False):
    shapes = [(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1)]
    masks = [(rng.random(shape) < density).astype(float) for shape in shapes]
    weights = [rng.normal(size=shape) * mask for shape, mask in zip(shapes, masks)]
    biases = [rng.normal(size=shape[1]) for shape in shapes] if bias else None
    normaliser = None
    if normalise:
        normaliser = RunningNormaliser(sizes[0], rng.normal(size=sizes[0]), rng.random(sizes[0]) + 0.1)
    return MLP(sizes, activation=activation, bias=bias, weights=weights, biases=biases, masks=masks,
               normaliser=normaliser)


@pytest.mark.parametrize("sizes, activation, bias", SHAPES)
def test_forward_is_batch_independent(sizes, activation, bias):
    rng = np.random.default_rng(1)
    net = random_mlp(sizes, activation, bias, rng, normalise=True)
    obs = rng.normal(size=(301, sizes[0]))
    full = net.forward(obs)
    one_by_one = np.stack([net.forward(row) for row in obs])
    assert np.array_equal(full, one_by_one)
    for size in (1, 2, 3, 7, 16, 64, 200):
        for start in range(0, 301 - size, 41):  # unaligned starting rows too
            assert np.array_equal(net.forward(obs[start:start + size]), full[start:start + size])



@pytest.mark.parametrize("sizes, activation, bias", SHAPES)
def test_the_training_forward_agrees_with_the_per_row_forward_to_rounding(sizes, activation, bias):
    rng = np.random.default_rng(2)
    net = random_mlp(sizes, activation, bias, rng)
    obs = rng.normal(size=(64, sizes[0]))
    fast, fast_acts = net.forward_layers(obs, per_row=False)
    slow, slow_acts = net.forward_layers(obs)
    assert np.allclose(fast, slow, rtol=1e-12, atol=1e-12) and len(fast_acts) == len(slow_acts)
    assert np.array_equal(fast, net.forward_layers(obs, per_row=False)[0])  # deterministic for a batch


def test_article_network_is_an_instance():
    rng = np.random.default_rng(2)
    params = rng.normal(size=policy.NUM_PARAMS) * (rng.random(policy.NUM_PARAMS) < 0.3)
    w1, w2 = (layer[0] for layer in policy.layers(params[None]))
    net = MLP((5, 32, 1), activation="tanh", output_activation="tanh", bias=False,
              weights=[w1, w2[:, None]], masks=[(w1 != 0).astype(float), (w2[:, None] != 0).astype(float)])
    obs = rng.normal(size=(50, 5))
    expected = policy.forward(params[None], obs[None])[0]
    # summation order differs from policy.py's element-wise pass, so equal to rounding, not bit for bit
    assert np.allclose(net.forward(obs)[:, 0], expected, rtol=0, atol=1e-6)
    assert net.connections == np.count_nonzero(params)


@pytest.mark.parametrize("sizes, activation, bias", SHAPES[:3])
def test_backward_matches_finite_differences(sizes, activation, bias):
    rng = np.random.default_rng(3)
    net = random_mlp(sizes, activation, bias, rng, density=0.6)
    x = rng.normal(size=(9, sizes[0]))
    coefficients = rng.normal(size=(9, sizes[-1]))

    def loss():
        return float(np.sum(coefficients * net.forward_layers(x)[0]))

    _, activations = net.forward_layers(x)
    grad_w, grad_b = net.backward(activations, coefficients)
    for array, grad in zip(net.parameters(), [*grad_w, *grad_b]):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + 1e-6
            up = loss()
            array[index] = saved - 1e-6
            down = loss()
            array[index] = saved
            numeric[index] = (up - down) / 2e-6
        # masked entries too: the backward pass gives the dense gradient (RigL grows by it)
        assert np.allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_kaiming_and_xavier_scales_and_sparsity_aware_fan_in():
    rng = np.random.default_rng(4)
    (w,) = init_weights((400, 300), rng, scheme="kaiming", activation="relu")
    assert abs(w.std() - np.sqrt(2.0 / 400)) < 0.02 * np.sqrt(2.0 / 400)
    (w,) = init_weights((400, 300), rng, scheme="xavier", activation="tanh")
    assert abs(w.std() - 5 / 3 * np.sqrt(2.0 / 700)) < 0.02 * 5 / 3 * np.sqrt(2.0 / 700)
    mask = np.zeros((400, 300))
    mask[:100, :150] = 1.0  # units 0..149 keep a fan-in of 100; the rest have none
    (w,) = init_weights((400, 300), rng, scheme="kaiming", activation="relu", masks=[mask], sparsity_aware=True)
    assert np.all(w[mask == 0] == 0)
    assert abs(w[:100, :150].std() - np.sqrt(2.0 / 100)) < 0.03 * np.sqrt(2.0 / 100)
    (dense_scaled,) = init_weights((400, 300), rng, scheme="kaiming", activation="relu", masks=[mask])
    assert abs(dense_scaled[:100, :150].std() - np.sqrt(2.0 / 400)) < 0.03 * np.sqrt(2.0 / 400)
    (head,) = init_weights((64, 1), rng, output_gain=0.01)
    assert np.abs(head).max() < 0.01


def test_running_normaliser_matches_batch_statistics_and_freezes():
    rng = np.random.default_rng(5)
    data = rng.normal(3.0, 2.0, size=(1000, 4))
    norm = RunningNormaliser(4, count=0.0)
    for chunk in np.array_split(data, 7):
        norm.update(chunk)
    assert np.allclose(norm.mean, data.mean(axis=0)) and np.allclose(norm.var, data.var(axis=0))
    frozen = norm.copy(frozen=True)
    frozen.update(data + 100.0)
    assert np.array_equal(frozen.mean, norm.mean)
    assert np.allclose(frozen.normalise(data).mean(axis=0), 0.0, atol=1e-9)


def test_copy_is_independent_and_freezes_normaliser():
    rng = np.random.default_rng(6)
    net = random_mlp((3, 8, 2), "tanh", True, rng, normalise=True)
    twin = net.copy(freeze_normaliser=True)
    twin.weights[0][...] = 0.0
    assert np.any(net.weights[0] != 0) and twin.normaliser.frozen and not net.normaliser.frozen


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": [np.ones((3, 5)), np.ones((5, 2))]}, "shape"),
    ({"masks": [np.full((3, 4), 0.5), np.ones((4, 2))]}, "only 0 and 1"),
    ({"masks": [np.zeros((3, 4)), np.ones((4, 2))]}, "nonzero weights where its mask is 0"),
    ({"weights": [np.full((3, 4), np.nan), np.ones((4, 2))]}, "finite"),
    ({"activation": "sigmoid"}, "activation must be one of"),
    ({"normaliser": RunningNormaliser(5)}, "normaliser must have size 3"),
])
def test_bad_networks_are_refused(kwargs, message):
    base = {"weights": [np.ones((3, 4)), np.ones((4, 2))]}
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        MLP((3, 4, 2), **base)


def test_bad_observations_are_refused():
    net = MLP((3, 4, 2))
    with pytest.raises(ValueError, match=r"shape \(R, 3\)"):
        net.forward(np.zeros((2, 4)))
    assert net.act(np.zeros(3)).dtype == np.float32 and net.act(np.zeros(3)).shape == (2,)
