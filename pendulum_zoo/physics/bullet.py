"""pybullet, imported without its banner. Every module of the package imports pybullet from here.

pybullet's C module prints ``pybullet build time: <date>`` when it is first imported (``fprintf(stderr, ...)``
in ``examples/pybullet/pybullet.c`` today, ``printf`` to stdout in older builds), in every process that
imports it: one line per worker process. The import below runs with file descriptors 1 and 2 pointed at
``/dev/null``, C stdio flushed on both sides, so the line is written nowhere and nothing else is lost.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)  # fflush(NULL): every C output stream
    except (OSError, AttributeError, TypeError):  # no C library to reach (Windows): nothing buffered to flush
        pass


@contextlib.contextmanager
def _descriptors_silenced(descriptors: tuple[int, ...] = (1, 2)) -> Iterator[None]:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    _flush_c_stdio()
    saved: list[tuple[int, int]] = []
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield  # no /dev/null: import normally
        return
    try:
        for fd in descriptors:
            try:
                saved.append((fd, os.dup(fd)))
            except OSError:  # this descriptor is not open: nothing to silence
                continue
            os.dup2(devnull, fd)
        yield
    finally:
        _flush_c_stdio()  # a banner still in a C buffer goes to /dev/null, not to the restored stream
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)


def _import_pybullet():
    if "pybullet" in sys.modules:
        return sys.modules["pybullet"]
    with _descriptors_silenced():
        import pybullet as module
    return module


pybullet = _import_pybullet()

__all__ = ["pybullet"]
