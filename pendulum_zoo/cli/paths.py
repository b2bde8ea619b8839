"""Where the CLI writes: default names, and output paths checked before any work starts, so that a result
is never lost to a path that cannot be written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from pendulum_zoo.training.run_folder import run_name

RUNS_ROOT = "runs"  # the parent folder of runs made by `train` and `benchmark` unless --out says otherwise


def default_run_folder(algorithm: str, env_id: str, seed: int) -> str:
    """``runs/mk1-InvertedPendulum-v0-s0``: a run's folder, named as ``benchmark`` names its runs."""
    return os.path.join(RUNS_ROOT, run_name(algorithm, env_id, seed))


def check_output_file(path: str, what: str) -> str:
    """Raise an OSError naming ``what`` and the obstacle if the file ``path`` clearly cannot be written: it is a
    folder, it is read-only, a parent is a file, or the nearest existing folder is read-only."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write the {what} to {path}: it is a folder; give a file name")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise PermissionError(f"cannot write the {what} to {path}: the file is read-only")
    _check_creatable(os.path.dirname(os.path.abspath(path)), f"the {what} to {path}")
    return path


def check_output_folder(path: str, what: str) -> str:
    """As ``check_output_file``, for a folder that may exist already or be created with its parents."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"cannot use {path} as the {what}: it is a file, not a folder")
    _check_creatable(os.path.abspath(path), f"the {what} {path}")
    return path


def _check_creatable(folder: str, target: str) -> None:
    existing = folder
    while not os.path.exists(existing):  # the nearest folder that exists: the rest will be created in it
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise NotADirectoryError(f"cannot write {target}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {target}: the folder {existing} is not writable")


@contextmanager
def writing(target: str) -> Iterator[None]:
    """Name ``target`` ("the report to r.json") in a system error that names no file, such as a full disk's
    ``[Errno 28] No space left on device``; the library's own messages already name their files."""
    try:
        yield
    except OSError as error:
        if error.errno is None or error.filename is not None:
            raise
        raise type(error)(f"cannot write {target}: {error.strerror}") from error
