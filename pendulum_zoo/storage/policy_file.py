"""The policy file format: one JSON file holding a network's weights and its model card.

```json
{
  "format": "pendulum-zoo/policy",
  "format_version": 1,
  "architecture": {"inputs": 5, "hidden": 32, "outputs": 1, "activation": "tanh", "bias": false},
  "binary": true,
  "W1": [[...32 numbers...], ...5 rows...],
  "W2": [...32 numbers...],
  "card": {"algorithm": "mk1", "env_id": "...", ...}
}
```

``W1[i][j]`` connects input ``i`` (x, x_dot, cos theta, sin theta, theta_dot) to hidden unit ``j``; ``W2[j]``
connects hidden unit ``j`` to the output. Python's JSON writes floats exactly (shortest round-trip repr), so
weights survive a save and load bit for bit. Loading checks the format, version, shapes and values and never
executes anything from the file.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from pendulum_zoo.storage.fileio import read_json, write_json
from pendulum_zoo.networks.policy import (
    LAYER_SLICES,
    N_HIDDEN,
    N_INPUTS,
    N_OUTPUTS,
    NUM_PARAMS,
    as_population,
    is_binary,
)

FORMAT = "pendulum-zoo/policy"
FORMAT_VERSION = 1
ARCHITECTURE = {"inputs": N_INPUTS, "hidden": N_HIDDEN, "outputs": N_OUTPUTS, "activation": "tanh", "bias": False}


def policy_document(params: np.ndarray, card: dict[str, Any]) -> dict[str, Any]:
    flat = as_population(params)[0]
    w1 = flat[LAYER_SLICES[0]].reshape(N_INPUTS, N_HIDDEN)
    w2 = flat[LAYER_SLICES[1]]
    binary = is_binary(flat)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "architecture": ARCHITECTURE, "binary": binary,
            "W1": w1.tolist(), "W2": w2.tolist(), "card": card}


def save_policy(path: str | os.PathLike, params: np.ndarray, card: dict[str, Any]) -> None:
    """Write a policy file atomically."""
    write_json(path, policy_document(params, card))


def load_policy(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Read and validate a policy file: returns ``(params, card)``, ``params`` a ``(192,)`` float64 array."""
    return parse_policy(read_json(path, "policy file"), os.fspath(path))


def parse_policy(document: Any, source: str = "policy") -> tuple[np.ndarray, dict[str, Any]]:
    def fail(problem: str) -> ValueError:
        return ValueError(f"{source} is not a valid pendulum-zoo policy: {problem}")

    if not isinstance(document, dict):
        raise fail("the top level must be a JSON object")
    if document.get("format") != FORMAT:
        raise fail(f"'format' must be {FORMAT!r}, got {document.get('format')!r}")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise fail(f"'format_version' {version!r} is not supported (this pendulum-zoo reads version {FORMAT_VERSION})")
    if document.get("architecture") != ARCHITECTURE:
        raise fail(f"'architecture' must be {ARCHITECTURE}, got {document.get('architecture')!r}")
    w1 = _matrix(document.get("W1"), (N_INPUTS, N_HIDDEN), "W1", fail)
    w2 = _matrix(document.get("W2"), (N_HIDDEN,), "W2", fail)
    params = np.concatenate([w1.ravel(), w2])
    assert params.shape == (NUM_PARAMS,)
    binary = document.get("binary")
    if not isinstance(binary, bool):
        raise fail("'binary' must be true or false")
    if binary and not is_binary(params):
        raise fail("'binary' is true but some weights are neither 0 nor 1")
    card = document.get("card")
    if not isinstance(card, dict):
        raise fail("'card' must be a JSON object")
    return params, card


def _matrix(value: Any, shape: tuple[int, ...], name: str, fail) -> np.ndarray:
    if not isinstance(value, list):
        raise fail(f"{name!r} must be a list of numbers with shape {shape}")
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(f"{name!r} must hold only numbers, shape {shape}") from None
    if array.shape != shape:
        raise fail(f"{name!r} has shape {array.shape}, expected {shape}")
    flat = [v for row in value for v in (row if isinstance(row, list) else [row])]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in flat):
        raise fail(f"{name!r} must hold only numbers")
    if not all(math.isfinite(v) for v in flat):
        raise fail(f"{name!r} holds a non-finite number")
    return array
