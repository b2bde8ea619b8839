"""Worker processes for the evaluator, each holding a ``LockstepRunner``.

Each worker is ``python -m pendulum_zoo.rollout.workers READ_FD WRITE_FD``, talking to its parent over two private
pipes in length-prefixed frames: a JSON header followed by raw array bytes. Nothing is pickled, the worker
never imports the parent's ``__main__`` (so scripts read from stdin, notebooks and frozen ``__main__``
modules all work), and a worker that dies is reported at once instead of hanging the parent.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import traceback
from typing import Any, BinaryIO, Callable

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
    header = json.loads(_read_exactly(stream, _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))[0]))
    arrays = []
    for dtype, shape in header["arrays"]:
        dtype = np.dtype(dtype)
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        arrays.append(np.frombuffer(_read_exactly(stream, size), dtype=dtype).reshape(shape))
    return header, arrays


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the other side closed the pipe")
    return data


class WorkerProcess:
    """Parent's handle on one worker: ``submit`` a task, later ``receive`` its result."""

    def __init__(self, settings: dict[str, Any]) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pendulum_zoo.rollout.workers", str(to_child_read), str(from_child_write)],
            pass_fds=(to_child_read, from_child_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )
        os.close(to_child_read)
        os.close(from_child_write)
        self._send = os.fdopen(to_child_write, "wb")
        self._receive = os.fdopen(from_child_read, "rb")
        self.fileno = from_child_read
        self.busy = False
        write_frame(self._send, {"command": "start", "settings": settings})

    def submit(self, task: tuple[dict[str, Any], tuple[np.ndarray, ...]]) -> None:
        options, arrays = task
        try:
            write_frame(self._send, {"command": "run", **options}, arrays)
        except (BrokenPipeError, OSError):
            raise RuntimeError(self._death_message()) from None
        self.busy = True

    def receive(self) -> list[np.ndarray]:
        try:
            header, arrays = read_frame(self._receive)
        except EOFError:
            raise RuntimeError(self._death_message()) from None
        self.busy = False
        if "error" in header:
            raise RuntimeError(f"an evaluator worker failed:\n{header['error']}")
        return arrays

    def _death_message(self) -> str:
        code = self.process.poll()
        return f"an evaluator worker process died (exit code {code}); its error, if any, is printed above"

    def close(self) -> None:
        for stream in (self._send, self._receive):
            try:
                stream.close()
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def run_tasks(workers: list[WorkerProcess], tasks: list[tuple[dict[str, Any], tuple[np.ndarray, ...]]],
              on_result: Callable[[int], None] | None = None) -> list[list[np.ndarray]]:
    """Run ``tasks`` (``(options, arrays)`` pairs) on the workers, each taking the next task as soon as it is
    free; results in task order. ``on_result(index)`` is called as each task finishes."""
    results: list[list[np.ndarray] | None] = [None] * len(tasks)
    assigned: dict[int, int] = {}
    pending = iter(range(len(tasks)))
    with selectors.DefaultSelector() as selector:
        for worker in workers:
            selector.register(worker.fileno, selectors.EVENT_READ, worker)
            index = next(pending, None)
            if index is not None:
                worker.submit(tasks[index])
                assigned[worker.fileno] = index
        while assigned:
            for key, _ in selector.select():
                worker = key.data
                finished = assigned.pop(worker.fileno)
                results[finished] = worker.receive()
                if on_result is not None:
                    on_result(finished)
                index = next(pending, None)
                if index is not None:
                    worker.submit(tasks[index])
                    assigned[worker.fileno] = index
    return results  # type: ignore[return-value]


def _serve(read_fd: int, write_fd: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from pendulum_zoo.rollout.lockstep import LockstepRunner

    receive, send = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    runner = None
    while True:
        try:
            header, arrays = read_frame(receive)
        except EOFError:
            break
        try:
            if header["command"] == "start":
                runner = LockstepRunner(**header["settings"])
            elif header["command"] == "run":
                if runner is None:
                    raise RuntimeError("run before start")
                write_frame(send, {}, runner.run(*arrays, noise_std=header.get("noise_std", 0.0)))
        except BrokenPipeError:
            break  # the parent is gone (stopped or killed): nothing left to answer
        except Exception:
            try:
                write_frame(send, {"error": traceback.format_exc()})
            except BrokenPipeError:
                break
    if runner is not None:
        runner.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
