"""The messages between a parent and its worker processes: length-prefixed frames, a JSON header followed by raw
array bytes. Nothing is pickled, so a frame can carry nothing but data."""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

import numpy as np

_LENGTH = struct.Struct("<Q")


def write_frame(stream: BinaryIO, header: dict[str, Any], arrays: tuple[np.ndarray, ...] = ()) -> None:
    arrays = tuple(np.ascontiguousarray(a) for a in arrays)
    header = {**header, "arrays": [[a.dtype.str, list(a.shape)] for a in arrays]}
    encoded = json.dumps(header).encode()
    stream.write(_LENGTH.pack(len(encoded)) + encoded)
    for array in arrays:
        stream.write(array.tobytes())
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The next frame; EOFError if the other side closed the pipe (or died) before a whole frame arrived."""
    header = json.loads(_read_exactly(stream, _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))[0]))
    arrays = []
    for dtype, shape in header.pop("arrays"):
        dtype = np.dtype(dtype)
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        arrays.append(np.frombuffer(_read_exactly(stream, size), dtype=dtype).reshape(shape))
    return header, arrays


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the other side closed the pipe")
    return data
