"""Option values the CLI reads from text: ``--set KEY=VALUE``, ``--seeds 0,1,2``, ``--noise 0,0.05``."""

from __future__ import annotations

import json

from pendulum_zoo.validation import quote


def parse_assignments(items: list[str]) -> dict[str, object]:
    """``["key=value", ...]`` -> dict; values are read as JSON where they parse (numbers, true, null)."""
    values: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {quote(item)}")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def parse_noise(text: str | None) -> list[float]:
    """``"0,0.05,0.1"`` -> ``[0.0, 0.05, 0.1]``; the numbers' range is the protocol's to check."""
    if not text:
        return []
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--noise expects comma-separated numbers such as 0,0.05,0.1, got {quote(text)}") from None


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``: non-negative integers."""
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--seeds expects comma-separated integers such as 0,1,2, got {quote(text)}") from None
    if any(seed < 0 for seed in seeds):
        raise ValueError(f"--seeds must list non-negative integers, got {quote(text)}")
    return seeds
