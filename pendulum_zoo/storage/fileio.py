"""Files users keep: written atomically (a crash never leaves half a file), read back with clear errors."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

MAX_JSON_BYTES = 16 * 2**20  # a policy file of the article's network is ~10 kB; refuse a huge file before parsing


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it the usual permissions
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def to_json(value: Any) -> str:
    """JSON text with numpy scalars and arrays converted; NaN and infinities are refused."""
    return json.dumps(value, indent=2, default=_plain, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, value: Any) -> None:
    atomic_write_text(path, to_json(value))


def read_json(path: str | os.PathLike, what: str = "file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse a JSON file, or raise ``ValueError`` naming the file: larger than ``max_bytes`` (checked before
    reading), not UTF-8, not JSON, nested too deeply, or holding a number no float can hold."""
    path = os.fspath(path)
    try:
        size = os.stat(path).st_size
        if os.path.isdir(path):
            raise IsADirectoryError(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{what} {path} is a folder, not a file") from None
    if size > max_bytes:
        raise ValueError(f"{what} {path} is {size:,} bytes, more than the {max_bytes:,} this reader accepts")
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream, parse_int=_parse_int, parse_float=_parse_float,
                             parse_constant=_refuse_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{what} {path} is not valid JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"{what} {path} is nested too deeply to be a pendulum-zoo file") from None
    except _NumberOutOfRange as error:
        raise ValueError(f"{what} {path} holds {error}") from None
    except PermissionError:
        raise PermissionError(f"{what} {path} cannot be read: permission denied") from None


class _NumberOutOfRange(Exception):
    pass


def _parse_int(text: str) -> int:
    # json's default int() accepts any size; beyond float range no pendulum-zoo value is meant
    if len(text) > 20:
        raise _NumberOutOfRange(f"an integer of {len(text)} digits, out of range")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberOutOfRange(f"a non-finite number ({text[:40]} is out of float range)")
    return value


def _refuse_constant(name: str) -> float:
    raise _NumberOutOfRange(f"a non-finite number ({name})")


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def read_npz(path: str | os.PathLike, what: str = "file") -> dict[str, np.ndarray]:
    """Every array of an .npz file, loaded with ``allow_pickle=False``: a file holding objects is refused, and a
    truncated or corrupted archive (bad zip structure, CRC mismatch) raises ``ValueError`` naming the file."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {os.fspath(path)}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as error:
        raise ValueError(f"{what} {os.fspath(path)} is damaged or not a readable .npz archive: {error}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
