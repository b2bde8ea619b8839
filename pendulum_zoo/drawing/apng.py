"""Animated PNG (APNG) and still PNG files from RGB frames, with numpy, zlib and struct only.

Layout (PNG spec and the APNG extension, https://wiki.mozilla.org/APNG_Specification): signature, IHDR,
acTL (frame count, loop count), then per frame an fcTL (its size, offset and delay) followed by its image
data: IDAT for the first frame, so that viewers without APNG support show it as a still, and fdAT for the
others. fcTL and fdAT share one sequence counter starting at 0. Each row is filtered (None, Sub or Up,
whichever gives the smallest sum of absolute signed bytes, the spec's suggested heuristic) before zlib.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence

import numpy as np

from pendulum_zoo.storage.fileio import atomic_write_bytes
from pendulum_zoo.validation import check_integer, check_number

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESSION_LEVEL = 6  # zlib's default: level 9 costs much more time for a few percent on filtered frames
_BYTES_PER_PIXEL = 3  # 8-bit RGB
_MAX_DIMENSION = 2**31 - 1  # PNG stores sizes as 31-bit integers
_MAX_DELAY = 0xFFFF  # fcTL delays are 16-bit


def encode_png(frame: np.ndarray) -> bytes:
    """A still PNG of one ``(H, W, 3)`` uint8 RGB frame."""
    frame = _check_frame(frame, "frame")
    height, width = frame.shape[:2]
    return b"".join([PNG_SIGNATURE, _ihdr(width, height), _chunk(b"IDAT", _image_data(frame)),
                     _chunk(b"IEND", b"")])


def encode_apng(frames: Sequence[np.ndarray] | np.ndarray, fps: float = 30, loops: int = 0) -> bytes:
    """An animated PNG of ``frames`` (a list of ``(H, W, 3)`` uint8 arrays or one ``(N, H, W, 3)`` array)
    shown at ``fps`` frames per second, played ``loops`` times (0: forever)."""
    checked = _check_frames(frames)
    delay_num, delay_den = frame_delay(fps)
    loops = check_integer("loops (0: forever)", loops, 0, _MAX_DIMENSION)
    height, width = checked[0].shape[:2]

    parts = [PNG_SIGNATURE, _ihdr(width, height), _chunk(b"acTL", struct.pack(">II", len(checked), loops))]
    sequence = 0
    for index, frame in enumerate(checked):
        # width, height, x and y offsets, delay, dispose_op 0 (none), blend_op 0 (source: replace the canvas)
        control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, delay_num, delay_den, 0, 0)
        parts.append(_chunk(b"fcTL", control))
        sequence += 1
        data = _image_data(frame)
        if index == 0:
            parts.append(_chunk(b"IDAT", data))
        else:
            parts.append(_chunk(b"fdAT", struct.pack(">I", sequence) + data))
            sequence += 1
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def write_apng(path: str | os.PathLike, frames: Sequence[np.ndarray] | np.ndarray, fps: float = 30,
               loops: int = 0) -> None:
    """Write ``encode_apng(frames, fps, loops)`` to ``path`` atomically."""
    atomic_write_bytes(path, encode_apng(frames, fps, loops))


def frame_delay(fps: float) -> tuple[int, int]:
    """The fcTL delay ``(numerator, denominator)`` in seconds for ``fps``.

    A whole ``fps`` is exact (``1/fps``); any other rate is rounded to the millisecond, ``round(1000/fps)/1000``.
    """
    fps = check_number("fps", fps, positive=True)
    if float(fps).is_integer() and fps <= _MAX_DELAY:
        return 1, int(fps)
    milliseconds = round(1000 / fps)
    if not 1 <= milliseconds <= _MAX_DELAY:
        raise ValueError(f"fps {fps} gives a frame delay of {1000 / fps:g} ms; "
                         f"APNG stores 1 to {_MAX_DELAY} ms at this precision")
    return milliseconds, 1000


def _check_frame(frame: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(frame, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        # no silent conversion: float frames in [0, 1] would turn black
        raise ValueError(f"{name} must have dtype uint8, got {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"{name} must have shape (H, W, 3) (RGB), got {frame.shape}")
    if not (1 <= frame.shape[0] <= _MAX_DIMENSION and 1 <= frame.shape[1] <= _MAX_DIMENSION):
        raise ValueError(f"{name} must be at least 1x1 pixels, got {frame.shape[1]}x{frame.shape[0]}")
    return frame


def _check_frames(frames: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    if isinstance(frames, np.ndarray):
        if frames.ndim != 4:
            raise ValueError(f"a frames array must have shape (N, H, W, 3), got {frames.shape}; "
                             "pass a single frame as [frame]")
        frames = list(frames)
    elif not isinstance(frames, Sequence) or isinstance(frames, (str, bytes)):
        raise ValueError(f"frames must be a list of arrays or an (N, H, W, 3) array, got {type(frames).__name__}")
    if len(frames) == 0:
        raise ValueError("frames is empty: an animation needs at least one frame")
    if len(frames) > _MAX_DIMENSION:
        raise ValueError(f"too many frames: {len(frames)}")
    checked = [_check_frame(frame, f"frame {index}") for index, frame in enumerate(frames)]
    for index, frame in enumerate(checked):
        if frame.shape != checked[0].shape:
            raise ValueError(f"frame {index} has shape {frame.shape}, frame 0 has {checked[0].shape}: "
                             "all frames must have the same shape")
    return checked


def _chunk(kind: bytes, data: bytes) -> bytes:
    # length, type, data, then the CRC of type + data
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _ihdr(width: int, height: int) -> bytes:
    # bit depth 8, colour type 2 (RGB), compression 0, filter method 0, no interlace
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def _image_data(frame: np.ndarray) -> bytes:
    """zlib stream of the frame's rows, each prefixed by its filter type byte."""
    raw = np.ascontiguousarray(frame).reshape(frame.shape[0], -1)  # (H, W * 3) bytes
    # Candidate filters for every row at once; uint8 arithmetic wraps modulo 256 as the spec requires.
    sub = raw.copy()
    sub[:, _BYTES_PER_PIXEL:] -= raw[:, :-_BYTES_PER_PIXEL]  # Sub: minus the byte one pixel left
    up = raw.copy()
    up[1:] -= raw[:-1]  # Up: minus the byte above (the row above the first is zeros)
    candidates = np.stack([raw, sub, up])  # index = PNG filter type 0, 1, 2
    # Heuristic from the PNG spec: the smallest sum of absolute values, bytes read as signed
    cost = np.abs(candidates.view(np.int8).astype(np.int32)).sum(axis=2)
    choice = np.argmin(cost, axis=0)
    filtered = candidates[choice, np.arange(raw.shape[0])]
    rows = np.concatenate([choice.astype(np.uint8)[:, None], filtered], axis=1)
    return zlib.compress(rows.tobytes(), COMPRESSION_LEVEL)
