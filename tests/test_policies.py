"""The article's network: shapes, batch independence, penalty and connection counts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pendulum_zoo.networks.policy import (
    NUM_PARAMS,
    Policy,
    as_population,
    complexity_penalty,
    connection_counts,
    effective_connections,
    expand_rows,
    forward,
    forward_rows,
    live_hidden_units,
)


def test_forward_matches_the_plain_formula():
    rng = np.random.default_rng(0)
    params = rng.normal(size=(3, NUM_PARAMS))
    obs = rng.normal(size=(3, 4, 5))
    w1 = params[:, :160].reshape(3, 5, 32)
    w2 = params[:, 160:]
    expected = np.tanh(np.einsum("pbj,pj->pb", np.tanh(np.einsum("pbi,pij->pbj", obs, w1)), w2))
    assert np.allclose(forward(params, obs), expected, atol=1e-6)
    assert forward(params, obs).dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 80), st.integers(0, 2**32 - 1))
def test_a_row_gives_the_same_action_whatever_else_is_in_the_batch(rows, seed):
    # The evaluator splits episodes across slots and processes; bit-identical results need this.
    rng = np.random.default_rng(seed)
    params = rng.normal(size=(rows, NUM_PARAMS)) * rng.exponential(size=(rows, 1))
    observations = rng.normal(size=(5, rows)) * 5
    batch = forward_rows(*expand_rows(params, np.arange(rows)), observations)
    singles = [forward_rows(*expand_rows(params, [r]), observations[:, r:r + 1])[0] for r in range(rows)]
    assert np.array_equal(batch, np.array(singles))
    policy = Policy(params[0])
    assert np.array_equal(policy.act(observations[:, 0]), batch[:1])


def test_complexity_penalty_is_the_mean_of_the_layers_kept_fractions():
    full = np.ones(NUM_PARAMS)
    half_first = full.copy()
    half_first[:80] = 0.0
    only_output = np.zeros(NUM_PARAMS)
    only_output[160:] = 1.0
    assert complexity_penalty(np.stack([full, half_first, only_output])).tolist() == [1.0, 0.75, 0.5]


def test_connection_counts_and_effective_connections():
    params = np.zeros(NUM_PARAMS)
    params[0 * 32 + 3] = 1.0  # x -> h3
    params[2 * 32 + 3] = 1.0  # cos -> h3
    params[160 + 3] = 1.0  # h3 -> out
    params[1 * 32 + 7] = 1.0  # x_dot -> h7, which reaches nothing
    params[160 + 9] = 1.0  # h9 -> out, which nothing feeds
    assert connection_counts(params).tolist() == [5]
    assert effective_connections(params).tolist() == [3]
    assert np.flatnonzero(live_hidden_units(params)[0]).tolist() == [3]  # fed by an input and feeding the output


def test_the_drawing_uses_the_networks_live_unit_rule():
    from pendulum_zoo.drawing import circuit

    rng = np.random.default_rng(4)
    population = (rng.random((20, NUM_PARAMS)) < 0.05) * rng.normal(size=(20, NUM_PARAMS))
    live = live_hidden_units(population)
    assert live.shape == (20, 32) and live.any() and not live.all()
    for row, expected in zip(population, live, strict=True):
        assert np.array_equal(circuit(row).hidden_live, expected)


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="shape"):
        as_population(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="finite"):
        as_population(np.full(NUM_PARAMS, np.nan))
    with pytest.raises(ValueError, match="one network"):
        Policy(np.zeros((2, NUM_PARAMS)))
    with pytest.raises(ValueError, match="observation"):
        Policy(np.zeros(NUM_PARAMS)).act(np.zeros(4))
