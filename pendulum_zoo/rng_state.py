"""A numpy ``Generator``'s state as JSON-able data, and back, checked.

PCG64 (what ``np.random.default_rng`` and gymnasium's ``seeding.np_random`` make) keeps two 128-bit integers;
they are written as 32 hex digits, since JSON readers (``storage.fileio.read_json``) refuse integers that long.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from pendulum_zoo.validation import quote

_HEX128 = re.compile(r"[0-9a-f]{32}")
_FIELDS = ("bit_generator", "state", "inc", "has_uint32", "uinteger")


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """``rng``'s state: ``{"bit_generator": "PCG64", "state": hex, "inc": hex, "has_uint32": 0/1, "uinteger": n}``."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise TypeError(f"only PCG64 generators can be saved, got {state['bit_generator']}")
    return {"bit_generator": "PCG64", "state": f"{state['state']['state']:032x}",
            "inc": f"{state['state']['inc']:032x}", "has_uint32": int(state["has_uint32"]),
            "uinteger": int(state["uinteger"])}


def generator_from_state(data: Any, what: str = "generator state") -> np.random.Generator:
    """A generator in the state ``generator_state`` wrote; ValueError naming ``what`` if ``data`` is not one."""
    if not isinstance(data, dict) or sorted(data) != sorted(_FIELDS) or data["bit_generator"] != "PCG64":
        raise ValueError(f"{what} must be a PCG64 state object with fields {', '.join(_FIELDS)}, got {quote(data)}")
    for name in ("state", "inc"):
        if not isinstance(data[name], str) or not _HEX128.fullmatch(data[name]):
            raise ValueError(f"{what}: {name!r} must be 32 lowercase hex digits, got {quote(data[name])}")
    if data["has_uint32"] not in (0, 1) or isinstance(data["has_uint32"], bool):
        raise ValueError(f"{what}: 'has_uint32' must be 0 or 1, got {quote(data['has_uint32'])}")
    if type(data["uinteger"]) is not int or not 0 <= data["uinteger"] < 2**32:
        raise ValueError(f"{what}: 'uinteger' must be an integer in [0, 2^32), got {quote(data['uinteger'])}")
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = {"bit_generator": "PCG64",
                               "state": {"state": int(data["state"], 16), "inc": int(data["inc"], 16)},
                               "has_uint32": data["has_uint32"], "uinteger": data["uinteger"]}
    return rng
