"""The policy file format: one JSON file holding a network's weights and its model card.

```json
{
  "format": "pendulum-zoo/policy",
  "format_version": 2,
  "architecture": {"inputs": 5, "hidden": 32, "outputs": 1, "activation": "tanh", "bias": false},
  "binary": true,
  "W1": [[...32 numbers...], ...5 rows...],
  "W2": [...32 numbers...],
  "weights_sha256": "3f1c...64 hex digits",
  "card": {"algorithm": "mk1", "env_id": "...", ...}
}
```

``W1[i][j]`` connects input ``i`` (x, x_dot, cos theta, sin theta, theta_dot) to hidden unit ``j``; ``W2[j]``
connects hidden unit ``j`` to the output. Python's JSON writes floats exactly (shortest round-trip repr), so
weights survive a save and load bit for bit, and ``weights_sha256`` (version 2) can be the SHA-256 of the
weights as little-endian float64 bytes, ``W1`` row by row then ``W2`` (``weights_checksum``): a changed digit
in a weight is refused on load. Version 1 files (no checksum) still load. Loading checks the size (before
parsing), the format, version, shapes and values, and never executes anything from the file.

Version 3 stores any ``networks.mlp.MLP`` (PPO's agents; the article's network keeps version 2):

```json
{
  "format": "pendulum-zoo/policy", "format_version": 3,
  "network": {"sizes": [5, 64, 64, 1], "activation": "tanh", "output_activation": "identity", "bias": true},
  "weights": [[[...]], ...], "biases": [[...], ...], "masks": [[[0, 1, ...]], ...],
  "normaliser": {"mean": [...5...], "var": [...5...]},
  "weights_sha256": "...", "card": {...}
}
```

``weights[l]`` has shape ``(sizes[l], sizes[l + 1])`` (``MLP``'s layout), ``biases`` is null without biases,
``normaliser`` (the frozen observation statistics) null without one. ``weights_sha256`` hashes, as little-endian
float64, the weights, then the biases, the masks, the normaliser's mean and variance (``network_checksum``).
``load_policy`` returns the (192,) weights of a version 1-2 file and an ``MLP`` for version 3;
``policy_object`` makes either into the object that acts (``Policy`` or ``MLPPolicy``).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import numpy as np

from pendulum_zoo.networks.mlp import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, MLPPolicy, RunningNormaliser
from pendulum_zoo.networks.policy import (
    LAYER_SLICES,
    N_HIDDEN,
    N_INPUTS,
    N_OUTPUTS,
    NUM_PARAMS,
    Policy,
    as_population,
    is_binary,
)
from pendulum_zoo.storage.fileio import read_json, write_json
from pendulum_zoo.validation import check_number, is_integer, quote

FORMAT = "pendulum-zoo/policy"
FORMAT_VERSION = 2  # 2: adds weights_sha256; the version the article's network is written in
MLP_FORMAT_VERSION = 3  # 3: any MLP (module docstring)
READABLE_VERSIONS = (1, 2, 3)
NETWORK_FIELDS = ("sizes", "activation", "output_activation", "bias")
ARCHITECTURE = {"inputs": N_INPUTS, "hidden": N_HIDDEN, "outputs": N_OUTPUTS, "activation": "tanh", "bias": False}
# The largest article-network file is ~20 kB; a 64x64 PPO actor with its masks ~110 kB. 4 MiB holds a 256x256
# actor (~1.6 MB) with room to spare while refusing, before parsing, a file no pendulum policy needs.
MAX_POLICY_FILE_BYTES = 2**22
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def weights_checksum(params: np.ndarray) -> str:
    """SHA-256 (hex) of one policy's 192 weights as little-endian float64 bytes, in the flat order."""
    return hashlib.sha256(as_population(params)[0].astype("<f8").tobytes()).hexdigest()


def policy_document(params: np.ndarray, card: dict[str, Any]) -> dict[str, Any]:
    flat = as_population(params)[0]
    w1 = flat[LAYER_SLICES[0]].reshape(N_INPUTS, N_HIDDEN)
    w2 = flat[LAYER_SLICES[1]]
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "architecture": ARCHITECTURE,
            "binary": is_binary(flat), "W1": w1.tolist(), "W2": w2.tolist(), "weights_sha256": weights_checksum(flat),
            "card": card}


def _network_arrays(net: MLP) -> list[np.ndarray]:
    arrays = [*net.weights, *net.biases, *net.masks]
    if net.normaliser is not None:
        arrays += [net.normaliser.mean, net.normaliser.var]
    return arrays


def network_checksum(net: MLP) -> str:
    """SHA-256 (hex) of an MLP's arrays as little-endian float64 bytes (module docstring's order)."""
    digest = hashlib.sha256()
    for array in _network_arrays(net):
        digest.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
    return digest.hexdigest()


def network_document(net: MLP, card: dict[str, Any]) -> dict[str, Any]:
    """The version 3 document of ``net`` (an MLP or an MLPPolicy's network)."""
    net = net.network if isinstance(net, MLPPolicy) else net
    normaliser = None if net.normaliser is None else {"mean": net.normaliser.mean.tolist(),
                                                      "var": net.normaliser.var.tolist()}
    return {"format": FORMAT, "format_version": MLP_FORMAT_VERSION,
            "network": {"sizes": list(net.sizes), "activation": net.activation,
                        "output_activation": net.output_activation, "bias": net.bias},
            "weights": [w.tolist() for w in net.weights], "biases": [b.tolist() for b in net.biases] or None,
            "masks": [m.astype(np.int64).tolist() for m in net.masks], "normaliser": normaliser,
            "weights_sha256": network_checksum(net), "card": card}


def save_policy(path: str | os.PathLike, params, card: dict[str, Any]) -> None:
    """Write a policy file atomically: the article's (192,) weights as version 2, an MLP (or MLPPolicy) as 3."""
    is_mlp = isinstance(params, (MLP, MLPPolicy))
    write_json(path, network_document(params, card) if is_mlp else policy_document(params, card))


def load_policy(path: str | os.PathLike) -> tuple[np.ndarray | MLP, dict[str, Any]]:
    """Read and validate a policy file: returns ``(network, card)``, ``network`` a ``(192,)`` float64 array
    (versions 1 and 2) or an ``MLP`` (version 3)."""
    return parse_policy(read_json(path, "policy file", MAX_POLICY_FILE_BYTES), os.fspath(path))


def policy_object(network: np.ndarray | MLP, description: str, card: dict[str, Any]) -> Policy | MLPPolicy:
    """What ``load_policy`` returned, as the object that acts, its card attached."""
    if isinstance(network, MLP):
        return MLPPolicy(network, description, card)
    policy = Policy(network, description)
    policy.card = card
    return policy


def parse_policy(document: Any, source: str = "policy") -> tuple[np.ndarray | MLP, dict[str, Any]]:
    """Validate a parsed policy document; ``source`` names it in error messages (ValueError)."""
    def fail(problem: str) -> ValueError:
        return ValueError(f"{source} is not a valid pendulum-zoo policy: {problem}")

    if not isinstance(document, dict):
        raise fail("the top level must be a JSON object")
    if document.get("format") != FORMAT:
        raise fail(f"'format' must be {FORMAT!r}, got {quote(document.get('format'))}")
    version = document.get("format_version")
    if not is_integer(version):  # true and 1.0 are not version 1
        raise fail(f"'format_version' must be an integer, got {quote(version)}")
    if version not in READABLE_VERSIONS:
        raise fail(f"'format_version' {quote(version)} is not supported (this pendulum-zoo reads versions "
                   f"{', '.join(map(str, READABLE_VERSIONS))})")
    if version == MLP_FORMAT_VERSION:
        return _parse_network(document, fail)
    if document.get("architecture") != ARCHITECTURE:
        raise fail(f"'architecture' must be {ARCHITECTURE}, got {quote(document.get('architecture'))}")
    w1 = _matrix(document.get("W1"), (N_INPUTS, N_HIDDEN), "W1", fail)
    w2 = _matrix(document.get("W2"), (N_HIDDEN,), "W2", fail)
    params = np.concatenate([w1.ravel(), w2])
    assert params.shape == (NUM_PARAMS,)
    if version >= 2:
        _check_checksum(document.get("weights_sha256"), params, fail)
    binary = document.get("binary")
    if not isinstance(binary, bool):
        raise fail(f"'binary' must be true or false, got {quote(binary)}")
    if binary and not is_binary(params):
        raise fail("'binary' is true but some weights are neither 0 nor 1")
    card = document.get("card")
    if not isinstance(card, dict):
        raise fail(f"'card' must be a JSON object, got {quote(card)}")
    return params, card


def _parse_network(document: dict[str, Any], fail) -> tuple[MLP, dict[str, Any]]:
    """A version 3 document's MLP and card."""
    spec = document.get("network")
    if not isinstance(spec, dict) or sorted(spec) != sorted(NETWORK_FIELDS):
        raise fail(f"'network' must be an object with {', '.join(NETWORK_FIELDS)}, got {quote(spec)}")
    sizes = spec["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(is_integer(n) and n >= 1 for n in sizes):
        raise fail(f"'network.sizes' must list at least two positive integers, got {quote(sizes)}")
    if spec["activation"] not in ACTIVATIONS or spec["output_activation"] not in OUTPUT_ACTIVATIONS \
            or not isinstance(spec["bias"], bool):
        raise fail(f"'network' must name an activation ({', '.join(ACTIVATIONS)}), an output activation "
                   f"({', '.join(OUTPUT_ACTIVATIONS)}) and bias true or false, got {quote(spec)}")
    shapes = [(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1)]

    def matrices(name: str, layer_shapes) -> list[np.ndarray]:
        value = document.get(name)
        if not isinstance(value, list) or len(value) != len(layer_shapes):
            raise fail(f"{name!r} must be a list of {len(layer_shapes)} arrays, got {quote(value)}")
        return [_matrix(v, shape, f"{name}[{k}]", fail) for k, (v, shape) in enumerate(zip(value, layer_shapes))]

    weights, masks = matrices("weights", shapes), matrices("masks", shapes)
    biases = matrices("biases", [(n,) for _, n in shapes]) if spec["bias"] else None
    if not spec["bias"] and document.get("biases") is not None:
        raise fail("'biases' must be null for a network without biases")
    normaliser = document.get("normaliser")
    if normaliser is not None:
        if not isinstance(normaliser, dict) or sorted(normaliser) != ["mean", "var"]:
            raise fail(f"'normaliser' must be null or an object with mean and var, got {quote(normaliser)}")
        mean = _matrix(normaliser["mean"], (sizes[0],), "normaliser.mean", fail)
        var = _matrix(normaliser["var"], (sizes[0],), "normaliser.var", fail)
        if np.any(var < 0):
            raise fail("'normaliser.var' must not be negative")
        normaliser = RunningNormaliser(sizes[0], mean, var, frozen=True)
    try:
        net = MLP(sizes, activation=spec["activation"], output_activation=spec["output_activation"],
                  bias=spec["bias"], weights=weights, biases=biases, masks=masks, normaliser=normaliser)
    except ValueError as error:  # masks not 0/1, nonzero masked weights
        raise fail(str(error)) from None
    _check_checksum(document.get("weights_sha256"), network_checksum(net), fail)
    card = document.get("card")
    if not isinstance(card, dict):
        raise fail(f"'card' must be a JSON object, got {quote(card)}")
    return net, card


def _check_checksum(recorded: Any, params: np.ndarray | str, fail) -> None:
    if not isinstance(recorded, str) or not _SHA256_HEX.fullmatch(recorded):
        raise fail(f"'weights_sha256' must be 64 lowercase hex digits, got {quote(recorded)}")
    computed = params if isinstance(params, str) else weights_checksum(params)
    if recorded != computed:
        raise fail(f"the weights do not match 'weights_sha256' (the file was changed or damaged): it records "
                   f"{recorded[:12]}..., the weights give {computed[:12]}...")


def _matrix(value: Any, shape: tuple[int, ...], name: str, fail) -> np.ndarray:
    """``value`` (nested lists from JSON) as a float64 array of ``shape``; every entry a finite number."""
    if not isinstance(value, list):
        raise fail(f"{name!r} must be a list of numbers with shape {shape}, got {quote(value)}")
    rows = value if len(shape) == 2 else [value]
    if len(rows) != (shape[0] if len(shape) == 2 else 1):
        raise fail(f"{name!r} must have shape {shape}, found {len(rows)} rows")
    for row in rows:
        if not isinstance(row, list) or len(row) != shape[-1]:
            found = f"{len(row)} entries in a row" if isinstance(row, list) else f"a row {quote(row)}"
            raise fail(f"{name!r} must have shape {shape}, found {found}")
        for entry in row:
            try:
                check_number(name, entry)  # booleans, strings and non-finite numbers are refused
            except (TypeError, ValueError) as error:
                raise fail(f"{error}: weights must be finite numbers") from None
    return np.array(value, dtype=np.float64)
