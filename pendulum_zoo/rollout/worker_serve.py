"""The worker's side of ``workers.py``: answer tasks until the parent closes the pipe, and never outlive it.

A spawned worker runs ``python -m pendulum_zoo.rollout.worker_serve READ_FD WRITE_FD PARENT_PID``; its first
frame names the task handler (``"module:function"`` called with JSON settings). A forked worker calls
``serve`` with the handler built in the parent's memory. A handler is an object with ``run(header, arrays) ->
(header, arrays)`` and optionally ``close()``.

The parent's death ends the worker three ways: end of file on the task pipe (an idle worker), Linux's
``PR_SET_PDEATHSIG`` (SIGKILL when the parent dies, even inside a blocking call) and a watchdog thread that
polls the parent's pid (other systems).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import sys
import threading
import time
import traceback
from typing import Any, Callable

from pendulum_zoo.rollout.frames import read_frame, write_frame

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_INTERVAL = 0.5  # seconds between two looks at the parent's pid


def guard_against_orphaning(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` does (called first thing in a worker)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent_pid:  # the parent died before the guard was set up
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def serve(read_fd: int, write_fd: int, handler: Any = None) -> None:
    """Answer ``run`` frames with ``handler.run`` until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    receive, send = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    try:
        while True:
            try:
                header, arrays = read_frame(receive)
            except EOFError:
                break
            try:
                if header["command"] == "start":
                    handler = _handler_factory(header["factory"])(header["settings"])
                    continue
                if handler is None:
                    raise RuntimeError("a task arrived before the worker was started")
                reply, reply_arrays = handler.run(header, arrays)
                write_frame(send, reply, reply_arrays)
            except BrokenPipeError:
                break  # the parent is gone (stopped or killed): nothing left to answer
            except Exception:
                try:
                    write_frame(send, {"worker_error": traceback.format_exc()})
                except BrokenPipeError:
                    break
    finally:
        close = getattr(handler, "close", None)
        if callable(close):
            close()


def _handler_factory(name: str) -> Callable[[dict[str, Any]], Any]:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


if __name__ == "__main__":
    guard_against_orphaning(int(sys.argv[3]))
    serve(int(sys.argv[1]), int(sys.argv[2]))
