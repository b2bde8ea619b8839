"""One home for checking the numbers users pass in: integers that are not booleans, finite real numbers.

numpy scalars count (``np.int64(2)``, ``np.float32(2.0)``); booleans never do, although Python treats ``True``
as 1. Every message names the argument and quotes its value, shortened when long; a misspelled name gets the
closest valid one suggested (``did_you_mean``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

QUOTE_LIMIT = 80  # characters of an offending value quoted in a message


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters so that a huge value never floods a message."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 25]}... ({len(text):,} characters)"


def is_integer(value: Any) -> bool:
    """True for Python and numpy integers, False for booleans and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_integer(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise: ``TypeError`` if it is not an integer, ``ValueError`` if out of
    ``[minimum, maximum]``."""
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {quote(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def check_number(name: str, value: Any, minimum: float | None = None, maximum: float | None = None, *,
                 positive: bool = False) -> float:
    """Return ``value`` as a finite Python float, or raise: ``TypeError`` if it is not a real number (booleans are
    not), ``ValueError`` if it is NaN, infinite, out of ``[minimum, maximum]`` or (``positive``) not above 0."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got {quote(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {quote(value)}")
    if positive and number <= 0:
        raise ValueError(f"{name} must be positive, got {quote(value)}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {quote(value)}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {quote(value)}")
    return number



def did_you_mean(value: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` naming the choice closest to a misspelled ``value`` (difflib), or ``""``."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_fields(cls: type, values: Any, what: str) -> dict:
    """``values`` (a JSON object read back) as keyword arguments of the dataclass ``cls``: ValueError naming
    ``what`` if it is not an object or has fields ``cls`` does not know (the one rule of every ``from_dict``)."""
    if not isinstance(values, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(values).__name__}")
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise ValueError(f"{what} has unknown field(s): {', '.join(unknown)}")
    return dict(values)
