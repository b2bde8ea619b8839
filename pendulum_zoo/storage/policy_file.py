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
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import numpy as np

from pendulum_zoo.networks.policy import (
    LAYER_SLICES,
    N_HIDDEN,
    N_INPUTS,
    N_OUTPUTS,
    NUM_PARAMS,
    as_population,
    is_binary,
)
from pendulum_zoo.storage.fileio import read_json, write_json
from pendulum_zoo.validation import check_number, is_integer, quote

FORMAT = "pendulum-zoo/policy"
FORMAT_VERSION = 2  # 2: adds weights_sha256
READABLE_VERSIONS = (1, 2)
ARCHITECTURE = {"inputs": N_INPUTS, "hidden": N_HIDDEN, "outputs": N_OUTPUTS, "activation": "tanh", "bias": False}
# The largest shipped policy file is ~20 kB (a card with the 100 protocol returns and the selection records);
# 1 MiB leaves room for much richer cards while refusing, before parsing, a file no network of this size needs.
MAX_POLICY_FILE_BYTES = 2**20
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


def save_policy(path: str | os.PathLike, params: np.ndarray, card: dict[str, Any]) -> None:
    """Write a policy file atomically."""
    write_json(path, policy_document(params, card))


def load_policy(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Read and validate a policy file: returns ``(params, card)``, ``params`` a ``(192,)`` float64 array."""
    return parse_policy(read_json(path, "policy file", MAX_POLICY_FILE_BYTES), os.fspath(path))


def parse_policy(document: Any, source: str = "policy") -> tuple[np.ndarray, dict[str, Any]]:
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


def _check_checksum(recorded: Any, params: np.ndarray, fail) -> None:
    if not isinstance(recorded, str) or not _SHA256_HEX.fullmatch(recorded):
        raise fail(f"'weights_sha256' must be 64 lowercase hex digits, got {quote(recorded)}")
    computed = weights_checksum(params)
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
