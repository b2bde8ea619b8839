"""A general multilayer perceptron: any layer widths, tanh or relu, with or without biases, a 0/1 mask per
weight matrix, optional observation normalisation, and a batch-independent forward pass.

The article's 5-32-1 network (``policy.py``) is one instance: ``MLP((5, 32, 1), activation="tanh",
output_activation="tanh", bias=False)`` with ``W1``, ``W2`` as its two weight matrices.

Layout: layer ``l`` maps ``sizes[l]`` inputs to ``sizes[l + 1]`` outputs with ``weights[l]`` of shape
``(sizes[l], sizes[l + 1])`` (entry ``[i, j]`` connects input ``i`` to unit ``j``), ``biases[l]`` of shape
``(sizes[l + 1],)`` (absent without biases) and ``masks[l]``, 0/1 of the weights' shape. Masked weights are
exactly zero (the invariant every trainer keeps), so the forward pass uses ``weights`` as they are and the
backward pass returns the dense gradient, which RigL needs to choose where to grow.

Batch independence: each row goes through its own ``(1, fan_in) @ (fan_in, fan_out)`` product (numpy's stacked
matmul calls BLAS once per row, with the same arguments whatever the batch), so a row's result never depends on
the rest of the batch; ``tests/test_mlp.py`` checks it bit for bit. Gradients use ordinary matrix products.
"""

from __future__ import annotations

import math

import numpy as np

from pendulum_zoo.validation import check_integer, quote

ACTIVATIONS = ("tanh", "relu")
OUTPUT_ACTIVATIONS = ("identity", "tanh")
INITIALISATIONS = ("kaiming", "xavier")
# torch.nn.init.calculate_gain: tanh 5/3, relu sqrt(2)
GAINS = {"tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
NORM_EPSILON = 1e-8  # stable_baselines3 VecNormalize: (obs - mean) / sqrt(var + 1e-8), clipped to +-10
NORM_CLIP = 10.0


class RunningNormaliser:
    """Running mean and variance of vectors (Chan et al.'s parallel update, as stable_baselines3's
    ``RunningMeanStd``); ``normalise`` is element-wise, hence batch-independent. ``frozen`` stops updates: a
    saved agent carries frozen statistics."""

    def __init__(self, size: int, mean=None, var=None, count: float = 1e-4, frozen: bool = False) -> None:
        self.mean = np.zeros(size) if mean is None else np.array(mean, dtype=np.float64)
        self.var = np.ones(size) if var is None else np.array(var, dtype=np.float64)
        if self.mean.shape != (size,) or self.var.shape != (size,):
            raise ValueError(f"normaliser mean and variance must have shape ({size},)")
        if not (np.all(np.isfinite(self.mean)) and np.all(np.isfinite(self.var)) and np.all(self.var >= 0)):
            raise ValueError("normaliser mean and variance must be finite, the variance not negative")
        self.count = float(count)
        self.frozen = bool(frozen)

    def update(self, batch: np.ndarray) -> None:
        if self.frozen:
            return
        batch = np.asarray(batch, dtype=np.float64).reshape(-1, self.mean.size)
        batch_mean, batch_var, batch_count = batch.mean(axis=0), batch.var(axis=0), batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        m2 = self.var * self.count + batch_var * batch_count + delta ** 2 * self.count * batch_count / total
        self.var = m2 / total
        self.count = total

    def normalise(self, observations: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(observations, dtype=np.float64) - self.mean) / np.sqrt(self.var + NORM_EPSILON)
        return np.clip(scaled, -NORM_CLIP, NORM_CLIP)

    def copy(self, frozen: bool | None = None) -> RunningNormaliser:
        return RunningNormaliser(self.mean.size, self.mean, self.var, self.count,
                                 self.frozen if frozen is None else frozen)


def layer_shapes(sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    return [(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1)]


def init_weights(sizes, rng: np.random.Generator, *, scheme: str = "kaiming", activation: str = "tanh",
                 masks=None, sparsity_aware: bool = False, output_gain: float | None = None) -> list[np.ndarray]:
    """Normal initial weights, zero where ``masks`` are 0.

    ``kaiming``: std ``gain / sqrt(fan_in)``; ``xavier``: std ``gain * sqrt(2 / (fan_in + fan_out))`` (He et al.
    2015, Glorot and Bengio 2010; gain of the activation as in torch). ``sparsity_aware`` uses each unit's
    surviving fan-in (and fan-out) instead of the dense one (Evci et al. 2022, as the sparse-RL paper's
    "sparsity-aware initialisation"). ``output_gain`` replaces the gain of the last layer (PPO's policy head
    starts small, 0.01 in CleanRL).
    """
    if scheme not in INITIALISATIONS:
        raise ValueError(f"initialisation must be one of {', '.join(INITIALISATIONS)}, got {quote(scheme)}")
    shapes = layer_shapes(tuple(sizes))
    weights = []
    for index, (fan_in, fan_out) in enumerate(shapes):
        mask = np.ones((fan_in, fan_out)) if masks is None else np.asarray(masks[index], dtype=np.float64)
        gain = GAINS[activation] if output_gain is None or index < len(shapes) - 1 else float(output_gain)
        unit_in = mask.sum(axis=0, keepdims=True) if sparsity_aware else np.full((1, fan_out), float(fan_in))
        unit_out = mask.sum(axis=1, keepdims=True) if sparsity_aware else np.full((fan_in, 1), float(fan_out))
        unit_in, unit_out = np.maximum(unit_in, 1.0), np.maximum(unit_out, 1.0)
        if scheme == "kaiming":
            std = gain / np.sqrt(unit_in) * np.ones((fan_in, 1))
        else:
            std = gain * np.sqrt(2.0 / (unit_in + unit_out))
        weights.append(rng.standard_normal((fan_in, fan_out)) * std * mask)
    return weights


class MLP:
    """A multilayer perceptron; ``forward(observations)`` gives ``(R, sizes[-1])`` outputs for ``(R, sizes[0])``
    observations, normalised first when the network carries a ``normaliser``."""

    def __init__(self, sizes, *, activation: str = "tanh", output_activation: str = "identity", bias: bool = True,
                 weights=None, biases=None, masks=None, normaliser: RunningNormaliser | None = None) -> None:
        self.sizes = tuple(check_integer("layer width", size, minimum=1) for size in sizes)
        if len(self.sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {quote(sizes)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {quote(activation)}")
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"output activation must be one of {', '.join(OUTPUT_ACTIVATIONS)}, "
                             f"got {quote(output_activation)}")
        self.activation, self.output_activation, self.bias = activation, output_activation, bool(bias)
        shapes = layer_shapes(self.sizes)
        self.weights = _arrays("weights", weights, shapes, 0.0)
        self.biases = _arrays("biases", biases, [(shape[1],) for shape in shapes], 0.0) if self.bias else []
        if not self.bias and biases is not None:
            raise ValueError("biases given for a network without biases")
        self.masks = _arrays("masks", masks, shapes, 1.0)
        for index, (weight, mask) in enumerate(zip(self.weights, self.masks)):
            if not np.all((mask == 0.0) | (mask == 1.0)):
                raise ValueError(f"mask of layer {index} must hold only 0 and 1")
            if np.any(weight[mask == 0.0] != 0.0):
                raise ValueError(f"layer {index} has nonzero weights where its mask is 0")
        if normaliser is not None and normaliser.mean.shape != (self.sizes[0],):
            raise ValueError(f"observation normaliser must have size {self.sizes[0]}, got {normaliser.mean.size}")
        self.normaliser = normaliser

    # --- forward and backward -------------------------------------------------------------------------------
    def forward(self, observations: np.ndarray) -> np.ndarray:
        """Outputs for ``(R, sizes[0])`` observations (or one ``(sizes[0],)`` observation -> ``(sizes[-1],)``)."""
        obs = np.asarray(observations, dtype=np.float64)
        single = obs.ndim == 1
        rows = obs[None, :] if single else obs
        if rows.ndim != 2 or rows.shape[1] != self.sizes[0]:
            raise ValueError(f"observations must have shape (R, {self.sizes[0]}), got {obs.shape}")
        if self.normaliser is not None:
            rows = self.normaliser.normalise(rows)
        out = self.forward_layers(rows)[0]
        return out[0] if single else out

    def forward_layers(self, x: np.ndarray, per_row: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
        """The layers alone (no normalisation) on ``(R, sizes[0])`` inputs: the outputs and every layer's
        input and output activations, kept for ``backward``. ``per_row=False`` uses one matrix product per
        layer: faster, deterministic for a given batch, but a row's result may depend on the batch (BLAS
        blocking), so training uses it and evaluation (``forward``) does not."""
        activations = [np.asarray(x, dtype=np.float64)]
        last = len(self.weights) - 1
        for index, weight in enumerate(self.weights):
            h = activations[-1]
            # one (1, fan_in) @ (fan_in, fan_out) product per row: batch-independent (module docstring)
            z = np.matmul(h[:, None, :], weight)[:, 0, :] if per_row else h @ weight
            if self.bias:
                z += self.biases[index]
            name = self.activation if index < last else self.output_activation
            activations.append(np.tanh(z) if name == "tanh" else np.maximum(z, 0.0) if name == "relu" else z)
        return activations[-1], activations

    def backward(self, activations: list[np.ndarray], grad_output: np.ndarray):
        """Gradients ``(weights, biases)`` of a loss whose gradient with respect to the outputs is
        ``grad_output`` (``(R, sizes[-1])``), from ``forward_layers``' activations. Dense: masked entries get
        the gradient they would have if they were active."""
        grad = np.asarray(grad_output, dtype=np.float64)
        last = len(self.weights) - 1
        grad_weights: list[np.ndarray] = [None] * len(self.weights)  # type: ignore[list-item]
        grad_biases: list[np.ndarray] = [None] * len(self.biases)  # type: ignore[list-item]
        for index in range(last, -1, -1):
            out = activations[index + 1]
            name = self.activation if index < last else self.output_activation
            if name == "tanh":
                grad = grad * (1.0 - out * out)  # d tanh(z) / dz = 1 - tanh(z)^2
            elif name == "relu":
                grad = grad * (out > 0.0)
            grad_weights[index] = activations[index].T @ grad
            if self.bias:
                grad_biases[index] = grad.sum(axis=0)
            if index:
                grad = grad @ self.weights[index].T
        return grad_weights, grad_biases

    # --- parameters and counts ------------------------------------------------------------------------------
    def parameters(self) -> list[np.ndarray]:
        """The trainable arrays, weights then biases (the optimiser updates them in place)."""
        return [*self.weights, *self.biases]

    @property
    def num_weights(self) -> int:
        return sum(weight.size for weight in self.weights)

    @property
    def connections(self) -> int:
        """Nonzero weights (biases not counted)."""
        return int(sum(np.count_nonzero(weight) for weight in self.weights))

    @property
    def sparsity(self) -> float:
        """Fraction of weight entries masked out."""
        return 1.0 - sum(float(mask.sum()) for mask in self.masks) / self.num_weights

    def act(self, observation: np.ndarray) -> np.ndarray:
        """The output for one observation as float32, the action spaces' dtype (deterministic policy: the mean)."""
        return self.forward(observation).astype(np.float32)

    __call__ = act

    def copy(self, *, freeze_normaliser: bool = False) -> MLP:
        normaliser = None if self.normaliser is None else self.normaliser.copy(True if freeze_normaliser else None)
        return MLP(self.sizes, activation=self.activation, output_activation=self.output_activation, bias=self.bias,
                   weights=[w.copy() for w in self.weights], biases=[b.copy() for b in self.biases] or None,
                   masks=[m.copy() for m in self.masks], normaliser=normaliser)

    def __repr__(self) -> str:
        widths = "-".join(str(size) for size in self.sizes)
        return f"MLP({widths}, {self.activation}, {self.connections}/{self.num_weights} weights)"


def _arrays(what: str, given, shapes, fill: float) -> list[np.ndarray]:
    if given is None:
        return [np.full(shape, fill) for shape in shapes]
    given = list(given)
    if len(given) != len(shapes):
        raise ValueError(f"expected {len(shapes)} arrays of {what}, got {len(given)}")
    arrays = []
    for index, (array, shape) in enumerate(zip(given, shapes)):
        array = np.array(array, dtype=np.float64)  # a copy: the network owns its arrays
        if array.shape != tuple(shape):
            raise ValueError(f"{what} of layer {index} must have shape {tuple(shape)}, got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{what} of layer {index} must be finite")
        arrays.append(array)
    return arrays


class MLPPolicy:
    """A deterministic policy made of an ``MLP`` (frozen normaliser): what a saved PPO agent is. ``act`` for one
    observation, ``batch_act`` for ``(J, sizes[0])`` observations -> ``(J,)`` actions, both the network's mean
    action clipped to the action range [-1, 1] (the env clips too); rows stay independent of each other."""
    # a (J, 5) batch goes through MLP.forward's per-row products, so batch_act(obs)[j] == act(obs[j])[0]

    def __init__(self, network: MLP, description: str = "network", card: dict | None = None) -> None:
        if not isinstance(network, MLP) or network.sizes[-1] != 1:
            raise ValueError("an MLP policy needs an MLP with one output (the action)")
        self.network = network.copy(freeze_normaliser=True)
        self.description, self.card = description, card
        self.params = None  # not the article's 192-weight network: the protocol runs it through batch_act

    @property
    def connections(self) -> int:
        return self.network.connections

    def batch_act(self, observations: np.ndarray) -> np.ndarray:
        """float32 actions, the action space's dtype: the same numbers ``act`` gives the single env."""
        return np.clip(self.network.forward(observations)[:, 0], -1.0, 1.0).astype(np.float32)

    def act(self, observation: np.ndarray) -> np.ndarray:
        return self.batch_act(np.asarray(observation, dtype=np.float64).reshape(1, -1))  # shape (1,)

    def __repr__(self) -> str:
        return f"MLPPolicy({self.description!r}, {self.network!r})"
