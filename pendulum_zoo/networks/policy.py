"""The article's policy network and its batched forward pass.

Article, "Shared Characteristics of all Policies": 5 observations -> 32 tanh hidden units -> 1 output, action
``tanh(output)``, no biases. A policy is its two weight matrices, stored flat: a population is a
``(P, 192)`` float64 array whose first 160 entries are the input-to-hidden matrix ``W1`` (5 x 32, row-major:
entry ``i * 32 + j`` connects input ``i`` to hidden unit ``j``) and whose last 32 are the hidden-to-output
matrix ``W2`` (32 x 1). Pruning strategies hold 0/1 masks; CMA-ES holds real weights.

The forward pass is plain element-wise numpy in a fixed order (no BLAS): a row's result then depends only on
that row, never on how many other rows share the batch, so an episode scores the same whatever the batch or
the number of worker processes.
"""

from __future__ import annotations

import numpy as np

N_INPUTS, N_HIDDEN, N_OUTPUTS = 5, 32, 1
LAYER_SHAPES: tuple[tuple[int, int], ...] = ((N_INPUTS, N_HIDDEN), (N_HIDDEN, N_OUTPUTS))
LAYER_SLICES: tuple[slice, ...] = (slice(0, N_INPUTS * N_HIDDEN), slice(N_INPUTS * N_HIDDEN, N_INPUTS * N_HIDDEN + N_HIDDEN))
NUM_PARAMS = N_INPUTS * N_HIDDEN + N_HIDDEN * N_OUTPUTS  # 192
INPUT_NAMES = ("x", "x_dot", "cos(theta)", "sin(theta)", "theta_dot")


def as_population(params: np.ndarray) -> np.ndarray:
    """``params`` as a finite float64 ``(P, 192)`` array; a single ``(192,)`` policy becomes ``(1, 192)``."""
    array = np.asarray(params, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != NUM_PARAMS:
        raise ValueError(f"policy parameters must have shape (P, {NUM_PARAMS}) or ({NUM_PARAMS},), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("policy parameters must be finite")
    return array


def layers(params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Views ``(W1, W2)`` of a population, shapes ``(P, 5, 32)`` and ``(P, 32)``."""
    population = np.asarray(params)
    count = population.shape[0]
    return (population[:, LAYER_SLICES[0]].reshape(count, N_INPUTS, N_HIDDEN),
            population[:, LAYER_SLICES[1]].reshape(count, N_HIDDEN))


def expand_rows(params: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights laid out for ``forward_rows``: row ``r`` of the batch runs policy ``members[r]``.

    Returns ``W1`` as ``(5, R, 32)`` and ``W2`` as ``(R, 32)``, so that each step's arithmetic runs over
    contiguous blocks. Build once per batch of episodes, not once per step.
    """
    rows = np.asarray(params, dtype=np.float64)[np.asarray(members)]
    count = rows.shape[0]
    w1 = np.ascontiguousarray(rows[:, LAYER_SLICES[0]].reshape(count, N_INPUTS, N_HIDDEN).transpose(1, 0, 2))
    w2 = np.ascontiguousarray(rows[:, LAYER_SLICES[1]])
    return w1, w2


def forward_rows(w1: np.ndarray, w2: np.ndarray, observations: np.ndarray) -> np.ndarray:
    """Actions for R rows: ``w1`` ``(5, R, 32)`` and ``w2`` ``(R, 32)`` from ``expand_rows``, and
    ``observations`` ``(5, R)``, one column per row. Returns ``(R,)`` float32 actions in [-1, 1]: float32 is
    the action space's dtype, and every caller casts the same way.
    """
    # hidden[r, j] = tanh(sum_i obs[i, r] * W1[i, r, j]), summed in the order i = 0..4
    hidden = w1[0] * observations[0][:, None]
    term = np.empty_like(hidden)
    for i in range(1, N_INPUTS):
        np.multiply(w1[i], observations[i][:, None], out=term)
        hidden += term
    np.tanh(hidden, out=hidden)
    # out[r] = sum_j hidden[r, j] * W2[r, j]: a reduction along each contiguous row, which numpy performs
    # identically for every row whatever R is (tests/test_policies.py checks it)
    np.multiply(hidden, w2, out=term)
    return np.tanh(term.sum(axis=1)).astype(np.float32)


def forward(params: np.ndarray, observations: np.ndarray) -> np.ndarray:
    """Actions of P policies, each on its own B observations: ``params`` ``(P, 192)``, ``observations``
    ``(P, B, 5)``; returns ``(P, B)`` float32. The same arithmetic as ``forward_rows``, row by row.
    """
    obs = np.asarray(observations, dtype=np.float64)
    count, batch = obs.shape[0], obs.shape[1]
    w1, w2 = expand_rows(params, np.repeat(np.arange(count), batch))
    columns = np.ascontiguousarray(obs.reshape(count * batch, N_INPUTS).T)  # (5, P * B)
    return forward_rows(w1, w2, columns).reshape(count, batch)


def connection_counts(params: np.ndarray) -> np.ndarray:
    """Number of nonzero weights of each policy, shape ``(P,)``."""
    return np.count_nonzero(as_population(params), axis=1)


def complexity_penalty(params: np.ndarray) -> np.ndarray:
    """Article's complexity penalty: mean over layers of the fraction of connections kept, in [0, 1]."""
    population = as_population(params)
    fractions = [np.count_nonzero(population[:, part], axis=1) / (part.stop - part.start) for part in LAYER_SLICES]
    return np.mean(fractions, axis=0)


def is_binary(params: np.ndarray) -> bool:
    """Every weight is 0 or 1: a pruning strategy's mask (mk1, mk2)."""
    array = np.asarray(params)
    return bool(np.all((array == 0.0) | (array == 1.0)))


def live_hidden_units(params: np.ndarray) -> np.ndarray:
    """Which hidden units can affect the action, per policy, shape ``(P, 32)`` bool: a unit is live when some
    input feeds it (a nonzero weight in ``W1``) and it feeds the output (a nonzero weight in ``W2``)."""
    w1, w2 = layers(as_population(params))
    return np.any(w1 != 0, axis=1) & (w2 != 0)


def effective_connections(params: np.ndarray) -> np.ndarray:
    """Weights that lie on some input -> hidden -> output path, per policy: the rest cannot affect the action."""
    population = as_population(params)
    w1, _ = layers(population)
    live = live_hidden_units(population)
    return np.count_nonzero((w1 != 0) & live[:, None, :], axis=(1, 2)) + np.count_nonzero(live, axis=1)


class Policy:
    """One network, ready to act: ``policy.act(observation) -> action`` with shape ``(1,)``, float32."""

    def __init__(self, params: np.ndarray, description: str = "network") -> None:
        population = as_population(params)
        if population.shape[0] != 1:
            raise ValueError(f"a Policy holds one network, got {population.shape[0]}")
        self.params = population[0].copy()
        self.params.setflags(write=False)
        self._w1, self._w2 = expand_rows(population, np.zeros(1, dtype=np.intp))
        self.description = description
        self.card: dict | None = None  # the model card, for champions and policy files

    @property
    def binary(self) -> bool:
        return is_binary(self.params)

    @property
    def connections(self) -> int:
        return int(np.count_nonzero(self.params))

    def act(self, observation: np.ndarray) -> np.ndarray:
        obs = np.asarray(observation, dtype=np.float64)
        if obs.shape != (N_INPUTS,):
            raise ValueError(f"observation must have shape ({N_INPUTS},), got {obs.shape}")
        return forward_rows(self._w1, self._w2, obs[:, None])

    __call__ = act

    def __repr__(self) -> str:
        return f"Policy({self.description}, {self.connections} connections)"
