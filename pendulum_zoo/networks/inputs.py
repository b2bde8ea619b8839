"""What a masked network still looks at: which observation dimensions reach the output through a live path, and
the cumulative absolute input weight of each dimension.

Vischer, Lange and Sprekeler 2022 ("On Lottery Tickets and Minimal Task Representations in Deep RL"), section 4:
IMP "deletes entire dimensions from the observation vector ... by removing all connections between those
dimensions and the first hidden layer"; figures 5 and 8 plot each dimension's cumulative absolute input-layer
weight. A dimension can also be cut further in: its first-layer connections may survive, but lead only to
hidden units that no longer reach the output. Here a dimension is live when some chain of nonzero weights
joins it to an output unit. Biases carry no observation, so they never make a path.

Works on the article's network (``Policy``, or a ``(192,)`` weight or mask array: W1 5x32, W2 32x1, a zero is
a pruned connection), on a masked ``MLP`` (a connection is live where its mask is 1 and its weight nonzero),
or on a plain list of ``(fan_in, fan_out)`` weight matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pendulum_zoo.networks.mlp import MLP, MLPPolicy
from pendulum_zoo.networks.policy import INPUT_NAMES, NUM_PARAMS, Policy, as_population, layers


@dataclass(frozen=True)
class InputReport:
    """Per observation dimension: its name, whether it reaches the output, its first-layer connections that lie
    on a live path, all its first-layer connections, and its cumulative absolute first-layer weight."""

    names: tuple[str, ...]
    live: tuple[bool, ...]
    live_connections: tuple[int, ...]
    connections: tuple[int, ...]
    input_weight: tuple[float, ...]

    @property
    def live_dimensions(self) -> tuple[int, ...]:
        return tuple(index for index, alive in enumerate(self.live) if alive)

    @property
    def live_names(self) -> tuple[str, ...]:
        return tuple(self.names[index] for index in self.live_dimensions)

    def to_json(self) -> dict:
        return {"dimensions": [
            {"index": index, "name": name, "live": alive, "live_connections": live_count,
             "connections": count, "input_weight": weight}
            for index, (name, alive, live_count, count, weight) in enumerate(
                zip(self.names, self.live, self.live_connections, self.connections, self.input_weight))],
            "live_dimensions": list(self.live_dimensions), "live_names": list(self.live_names)}


def network_matrices(network: Any) -> list[np.ndarray]:
    """The weight matrices of ``network`` with pruned connections exactly zero, input layer first."""
    if isinstance(network, Policy):
        network = network.params
    if isinstance(network, MLPPolicy):  # a saved PPO or IMP agent
        network = network.network
    if isinstance(network, MLP):
        return [np.where(mask != 0.0, weight, 0.0) for weight, mask in zip(network.weights, network.masks)]
    if isinstance(network, np.ndarray) and network.shape in ((NUM_PARAMS,), (1, NUM_PARAMS)):
        w1, w2 = layers(as_population(network))
        return [w1[0].copy(), w2[0][:, None].copy()]
    matrices = [np.asarray(matrix, dtype=np.float64) for matrix in network]
    if not matrices or any(matrix.ndim != 2 for matrix in matrices):
        raise ValueError("a network must be a Policy, an MLP or MLPPolicy, a (192,) weight array or a list of 2-D "
                         "weight matrices")
    for index in range(1, len(matrices)):
        if matrices[index].shape[0] != matrices[index - 1].shape[1]:
            raise ValueError(f"weight matrix {index} has {matrices[index].shape[0]} rows, but layer {index - 1} "
                             f"has {matrices[index - 1].shape[1]} outputs")
    return matrices


def reaches_output(matrices: list[np.ndarray]) -> list[np.ndarray]:
    """For each layer's input units, whether a chain of nonzero weights joins them to some output unit.

    Backwards from the outputs: a unit reaches the output when it has a nonzero weight to a unit that does.
    Returns one bool vector per matrix (its input units), input layer first.
    """
    alive = np.ones(matrices[-1].shape[1], dtype=bool)
    reach = []
    for matrix in reversed(matrices):
        alive = np.any((matrix != 0.0) & alive[None, :], axis=1)
        reach.append(alive)
    return reach[::-1]


def input_report(network: Any, names: tuple[str, ...] | None = None) -> InputReport:
    """The input report of ``network`` (see the module docstring); ``names`` default to the pendulum's five
    observations (``x, x_dot, cos(theta), sin(theta), theta_dot``) when the network has five inputs."""
    matrices = network_matrices(network)
    first = matrices[0]
    if names is None:
        names = INPUT_NAMES if first.shape[0] == len(INPUT_NAMES) else tuple(f"obs[{k}]" for k in range(first.shape[0]))
    if len(names) != first.shape[0]:
        raise ValueError(f"{len(names)} names given for a network with {first.shape[0]} inputs")
    reach = reaches_output(matrices)
    hidden_alive = reach[1] if len(matrices) > 1 else np.ones(first.shape[1], dtype=bool)
    nonzero = first != 0.0
    return InputReport(
        names=tuple(names), live=tuple(bool(v) for v in reach[0]),
        live_connections=tuple(int(v) for v in np.count_nonzero(nonzero & hidden_alive[None, :], axis=1)),
        connections=tuple(int(v) for v in np.count_nonzero(nonzero, axis=1)),
        input_weight=tuple(float(v) for v in np.abs(first).sum(axis=1)))


def effective_connection_count(network: Any) -> int:
    """Connections on some input -> ... -> output chain of nonzero weights: the others cannot change the action.
    For the article's network this is ``policy.effective_connections``."""
    matrices = network_matrices(network)
    reach = reaches_output(matrices)  # per layer: its input units that reach an output
    from_input = np.ones(matrices[0].shape[0], dtype=bool)  # units an observation reaches
    count = 0
    for index, matrix in enumerate(matrices):
        nonzero = matrix != 0.0
        to_output = reach[index + 1] if index + 1 < len(matrices) else np.ones(matrix.shape[1], dtype=bool)
        count += int(np.count_nonzero(nonzero & from_input[:, None] & to_output[None, :]))
        from_input = np.any(nonzero & from_input[:, None], axis=0)
    return count
