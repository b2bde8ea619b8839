"""Worker processes: tasks out, results back over two private pipes; a worker that dies or stops answering is
named with its real exit code or signal, never waited for forever.

One mechanism, two ways to start a worker (the child's side is ``worker_serve.py``):

- spawned (``python -m pendulum_zoo.rollout.worker_serve``): the handler is named by ``"module:function"``
  and built from JSON settings. It never imports the parent's ``__main__``, so scripts read from stdin,
  notebooks and frozen programs all work, and no thread of the parent is copied. The evaluator uses it.
- forked: the handler is a Python object of the parent (an agent that is any callable), inherited with the
  child's copy of memory, never pickled. The protocol uses it for agents that are not networks.

Messages are ``frames.py`` frames (JSON header + raw arrays). ``WorkerPool.run`` hands tasks out in order and
returns the results in order, up to and including the first failed task (a ``TaskFailure``): a worker that
died, exceeded its time limit, or whose handler raised.
"""

from __future__ import annotations

import os
import selectors
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from pendulum_zoo.rollout.frames import read_frame, write_frame

Task = tuple[dict[str, Any], tuple[np.ndarray, ...]]
Result = tuple[dict[str, Any], list[np.ndarray]]
POLL_INTERVAL = 0.5  # seconds between checks that busy workers are alive (a grandchild may hold the pipe open)
REAP_WAIT = 5.0  # seconds a worker whose pipe closed is given to exit before it is killed
_PARENT_ENDS: set[int] = set()  # pipe ends the parent holds; a forked worker closes all but its own


@dataclass(frozen=True)
class TaskFailure:
    """Why a task has no result: ``reason`` is "died", "timeout" or "error"; ``message`` a complete sentence."""

    worker: str
    reason: str
    message: str


def describe_exit(returncode: int | None) -> str:
    """``exited with code 3``, ``was killed by signal 9 (SIGKILL)``: a ``waitstatus_to_exitcode`` value."""
    if returncode is None:
        return "is still running"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"was killed by signal {-returncode} ({name})"
    return f"exited with code {returncode}"


class WorkerProcess:
    """The parent's handle on one worker: ``submit`` a task, later ``receive`` its result."""

    def __init__(self, name: str, *, factory: str | None = None, settings: dict[str, Any] | None = None,
                 handler: Callable[[], Any] | None = None) -> None:
        """Spawn a worker running ``factory(settings)``, or (``handler``) fork one running ``handler()``."""
        self.returncode: int | None = None
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        child_ends = (to_child_read, from_child_write)
        parent_ends = (to_child_write, from_child_read)
        try:
            self.pid = self._fork(child_ends, parent_ends, handler) if handler else self._spawn(child_ends)
        except BaseException:
            for fd in (to_child_read, to_child_write, from_child_read, from_child_write):
                os.close(fd)
            raise
        for fd in child_ends:
            os.close(fd)
        _PARENT_ENDS.update(parent_ends)
        self._send = os.fdopen(to_child_write, "wb")
        self._receive = os.fdopen(from_child_read, "rb")
        self.fileno = from_child_read
        self.deadline: float | None = None
        self.name = f"{name} (pid {self.pid})"
        if handler is None:
            self._write({"command": "start", "factory": factory, "settings": settings or {}})

    @staticmethod
    def _spawn(child_ends: tuple[int, int]) -> int:
        for fd in child_ends:
            os.set_inheritable(fd, True)
        argv = [sys.executable, "-m", "pendulum_zoo.rollout.worker_serve", *map(str, child_ends), str(os.getpid())]
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
        return os.posix_spawn(sys.executable, argv, os.environ, file_actions=actions)

    @staticmethod
    def _fork(child_ends: tuple[int, int], parent_ends: tuple[int, int], handler: Callable[[], Any]) -> int:
        from pendulum_zoo.rollout.worker_serve import guard_against_orphaning, serve

        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # else the child would write the parent's buffered text again
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        pid = os.fork()
        if pid:
            return pid
        code = 0
        try:  # the child: never return into the parent's code
            for fd in (*_PARENT_ENDS, *parent_ends):  # else the parent's death or close would go unnoticed
                try:
                    os.close(fd)
                except OSError:
                    pass
            guard_against_orphaning(parent)
            serve(*child_ends, handler())
        except SystemExit as exit_:  # sys.exit() in the handler's code: exit with its code, as a process would
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)

    def _write(self, header: dict[str, Any], arrays: tuple[np.ndarray, ...] = ()) -> None:
        write_frame(self._send, header, arrays)

    def submit(self, task: Task, timeout: float | None = None) -> TaskFailure | None:
        options, arrays = task
        try:
            self._write({"command": "run", **options}, arrays)
        except OSError:  # BrokenPipeError: it is gone
            return self.died()
        self.deadline = None if timeout is None else time.monotonic() + timeout
        return None

    def receive(self) -> Result | TaskFailure:
        try:
            header, arrays = read_frame(self._receive)
        except EOFError:
            return self.died()
        self.deadline = None
        if "worker_error" in header:  # the handler raised (worker_serve.serve)
            return TaskFailure(self.name, "error", f"{self.name} failed:\n{header['worker_error']}")
        return header, arrays

    def poll(self) -> int | None:
        """The exit code (negative: the signal), once the process has ended and been reaped; else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1  # reaped elsewhere: the code is lost, but it is gone
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def died(self) -> TaskFailure:
        """Its pipe closed: reap it (killing it if it lingers) and say how it ended."""
        self._reap(REAP_WAIT)
        return TaskFailure(self.name, "died", f"{self.name} {describe_exit(self.returncode)}")

    def timed_out(self, timeout: float) -> TaskFailure:
        self._reap(0.0)
        return TaskFailure(self.name, "timeout", f"{self.name} did not finish its task within {timeout:g} s and "
                                                 "was stopped")

    def _reap(self, wait: float) -> None:
        end = time.monotonic() + wait
        while self.poll() is None and time.monotonic() < end:
            time.sleep(0.01)
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)

    @property
    def alive(self) -> bool:
        return self.returncode is None

    def close(self, wait: float = 1.0) -> None:
        """Close the pipes (an idle worker then exits by itself); kill it if it has not exited within ``wait``."""
        for stream in (self._send, self._receive):
            if not stream.closed:
                _PARENT_ENDS.discard(stream.fileno())
                try:
                    stream.close()
                except OSError:
                    pass
        if self.returncode is None:
            self._reap(wait)


class WorkerPool:
    """``size`` workers made by ``start(index)``; ``run`` hands them tasks. Dead or stopped workers are replaced
    before the next ``run``. Use as a context manager, or call ``close()``."""

    def __init__(self, size: int, start: Callable[[int], WorkerProcess]) -> None:
        self._start = start
        self.workers: list[WorkerProcess] = []
        try:
            for index in range(size):
                self.workers.append(start(index))
        except BaseException:
            self.close()
            raise

    def run(self, tasks: list[Task], on_result: Callable[[int], None] | None = None,
            timeout: Callable[[int], float | None] | float | None = None) -> list[Result | TaskFailure]:
        """Results of ``tasks`` in order, up to the first failed task (a ``TaskFailure``, the list's last item).

        Tasks are handed out in order, each worker taking the next as soon as it is free; after a failure no
        later task starts, earlier ones still running finish, later ones are abandoned (their workers stopped).
        ``timeout`` (seconds, or a function of the task index) bounds each task. ``on_result(index)`` is called
        as each task finishes.
        """
        limit = timeout if callable(timeout) else (lambda index: timeout)
        self._replace_dead()
        results: dict[int, Result | TaskFailure] = {}
        assigned: dict[WorkerProcess, int] = {}
        pending = iter(range(len(tasks)))
        first_failure = len(tasks)

        def hand_out(worker: WorkerProcess) -> None:
            nonlocal first_failure
            index = next(pending, None)
            if index is None or index > first_failure:
                return
            failure = worker.submit(tasks[index], limit(index))
            if failure is not None:
                results[index], first_failure = failure, min(first_failure, index)
            else:
                assigned[worker] = index

        def finish(worker: WorkerProcess, outcome: Result | TaskFailure) -> None:
            nonlocal first_failure
            index = assigned.pop(worker)
            results[index] = outcome
            if isinstance(outcome, TaskFailure):
                first_failure = min(first_failure, index)
            elif on_result is not None:
                on_result(index)
            if worker.alive:
                hand_out(worker)

        with selectors.DefaultSelector() as selector:
            for worker in self.workers:
                selector.register(worker.fileno, selectors.EVENT_READ, worker)
                hand_out(worker)
            while any(index < first_failure for index in assigned.values()):
                now = time.monotonic()
                deadlines = [w.deadline for w in assigned if w.deadline is not None]
                wait = min([POLL_INTERVAL, *(d - now for d in deadlines)])
                for key, _ in selector.select(max(wait, 0.0)):
                    if key.data in assigned:
                        finish(key.data, key.data.receive())
                now = time.monotonic()
                for worker in list(assigned):
                    if worker.deadline is not None and now >= worker.deadline:
                        finish(worker, worker.timed_out(limit(assigned[worker])))
                    elif worker.poll() is not None:  # ended without closing its pipe (a child of its own holds it)
                        finish(worker, worker.died())
        for worker in assigned:  # busy with tasks after the first failure: stop them, they are replaced later
            worker.close(wait=0.0)
        return [results[index] for index in sorted(results) if index <= first_failure]

    def _replace_dead(self) -> None:
        for index, worker in enumerate(self.workers):
            if not worker.alive or worker._send.closed:
                worker.close()
                self.workers[index] = self._start(index)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
