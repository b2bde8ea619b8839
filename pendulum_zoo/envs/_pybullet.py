"""Import pybullet without its "pybullet build time" banner, which would corrupt piped output (JSON)."""

from __future__ import annotations

import ctypes
import os
import sys


def _import_quietly():
    if "pybullet" in sys.modules:
        return sys.modules["pybullet"]
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no usable stdout (embedded, closed): import as is
        import pybullet

        return pybullet
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        import pybullet

        try:  # the banner sits in C's stdio buffer when stdout is a pipe
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return pybullet


pybullet = _import_quietly()
