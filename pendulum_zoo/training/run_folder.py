"""A run's folder: its files, and the lock that keeps a second run out of it.

- ``config.json``: the run's configuration (algorithm, env ID, seed, hyperparameters);
- ``log.jsonl``: one JSON object per generation (see ``card.LOG_FIELDS``), appended as generations end;
- ``checkpoint.npz``: the whole state after the last completed generation, rewritten atomically each generation
  (see ``checkpoint``);
- ``champion.json``: the champion and its model card (``pendulum_zoo.storage.policy_file`` format);
- ``run.lock``: exists while a run or resume uses the folder; holds that process's ID.

The lock is an ``flock`` on ``run.lock``: the kernel releases it when its process ends, however it ends, so the
lock of a dead process is simply taken over. Opening the folder (under the lock) removes the temporary files an
interrupted atomic write leaves behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from typing import Any

from pendulum_zoo.envs.registration import env_name
from pendulum_zoo.storage.fileio import atomic_write_text, read_json, write_json
from pendulum_zoo.storage.policy_file import save_policy
from pendulum_zoo.training.config import TrainConfig
from pendulum_zoo.validation import is_integer

CONFIG_FILE = "config.json"
LOG_FILE = "log.jsonl"
CHECKPOINT_FILE = "checkpoint.npz"
CHAMPION_FILE = "champion.json"
LOCK_FILE = "run.lock"
# fileio.atomic_write_bytes writes NAME through a temporary NAME.<random>.tmp in the same folder
_WRITTEN_ATOMICALLY = (CONFIG_FILE, LOG_FILE, CHECKPOINT_FILE, CHAMPION_FILE)
_TEMPORARY = re.compile(rf"^({'|'.join(map(re.escape, _WRITTEN_ATOMICALLY))})\..+\.tmp$")
_HOLDER_WAIT_S = 1.0  # how long to wait for a new holder to write its process ID into the lock file


def run_name(algorithm: str, env_id: str, seed: int, tag: str = "") -> str:
    """A run folder's name, ``mk1-InvertedPendulum-v0-s0`` (``-tag`` appended if given): the one scheme
    behind ``train``'s default folder, ``benchmark``'s runs and the zoo's training plan."""
    name = f"{algorithm}-{env_name(env_id)}-s{seed}"
    return f"{name}-{tag}" if tag else name


class RunFolderLocked(RuntimeError):
    """Another process is running or resuming a run in this folder."""


class RunFolder:
    """The files of the run in ``path``; ``with folder.locked(create=...)`` holds the folder while a run uses it."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self.config = os.path.join(self.path, CONFIG_FILE)
        self.log = os.path.join(self.path, LOG_FILE)
        self.checkpoint = os.path.join(self.path, CHECKPOINT_FILE)
        self.champion = os.path.join(self.path, CHAMPION_FILE)
        self._lock_path = os.path.join(self.path, LOCK_FILE)
        self._lock_fd: int | None = None

    # -- the lock ------------------------------------------------------------------------------------------

    def locked(self, create: bool) -> RunFolder:
        """Lock the folder (creating it first if ``create``), clean up temporary files; a context manager that
        unlocks. Raises ``RunFolderLocked`` at once if another process holds it, an ``OSError`` naming the path if
        the folder cannot be made or written, ``FileNotFoundError`` if it does not exist and not ``create``."""
        if create:
            _make_folder(self.path)
        elif not os.path.isdir(self.path):
            raise FileNotFoundError(f"nothing to resume: the run folder {self.path} does not exist")
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise PermissionError(f"run folder {self.path} is not writable")
        self._lock()
        try:
            self._remove_temporary_files()
        except BaseException:
            self.unlock()
            raise
        return self

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc_info) -> None:
        self.unlock()

    def _lock(self) -> None:
        while True:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise RunFolderLocked(f"run folder {self.path} is in use by another run (process {holder}); wait "
                                      f"for it to end, or choose another folder") from None
            except BaseException:
                os.close(fd)
                raise
            # a holder unlinks the file as it unlocks: if that happened between our open and flock, we hold a
            # lock on a file no one else will see; try again on the file now at the path
            try:
                current = os.stat(self._lock_path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(current, os.fstat(fd)):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            os.unlink(self._lock_path)  # while still holding it (see _lock)
        except FileNotFoundError:
            pass
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _remove_temporary_files(self) -> None:
        for name in os.listdir(self.path):
            if _TEMPORARY.match(name):
                try:
                    os.unlink(os.path.join(self.path, name))
                except FileNotFoundError:
                    pass

    # -- the files -----------------------------------------------------------------------------------------

    def holds_run(self) -> bool:
        return os.path.exists(self.checkpoint)

    def write_config(self, config: TrainConfig) -> None:
        write_json(self.config, config.to_dict())  # also a PPOConfig: anything with to_dict()

    def start(self, config: TrainConfig) -> None:
        """Begin a new run here: refuse a folder that holds one, write the configuration and an empty log."""
        if self.holds_run():
            raise ValueError(f"{self.path} already holds a run; resume it (--resume) or choose another folder")
        self.write_config(config)
        self.write_log([])

    def check_resumable(self) -> None:
        if not self.holds_run():
            raise FileNotFoundError(f"nothing to resume: {self.checkpoint} does not exist")

    def write_log(self, records: list[dict[str, Any]]) -> None:
        atomic_write_text(self.log, "".join(json.dumps(record) + "\n" for record in records))

    def append_log(self, record: dict[str, Any]) -> None:
        with open(self.log, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")  # one write: a kill tears at most this last line
            stream.flush()
            os.fsync(stream.fileno())  # on disk before the checkpoint that counts it

    def save_champion(self, champion, card: dict[str, Any]) -> None:
        save_policy(self.champion, champion, card)


def _make_folder(path: str) -> None:
    """Create the run folder ``path`` (and its parents), or raise an OSError that names what is in the way."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"cannot use {path} as a run folder: it is a file")
    try:
        os.makedirs(path, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = os.path.abspath(path)
        while os.path.dirname(blocking) != blocking and not os.path.isfile(blocking):
            blocking = os.path.dirname(blocking)
        raise NotADirectoryError(f"cannot create the run folder {path}: {blocking} is a file, not a folder") \
            from None
    except OSError as error:
        raise type(error)(f"cannot create the run folder {path}: {error.strerror or error}") from None


def _holder(fd: int) -> str:
    """The process ID the holder wrote into the lock file (it writes it just after taking the lock)."""
    deadline = time.monotonic() + _HOLDER_WAIT_S
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text or time.monotonic() > deadline:
            return text if text.isdigit() else "unknown"
        time.sleep(0.01)


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The per-generation records of a run's ``log.jsonl``. A torn last line (a kill mid-write) is skipped; any
    other damage (a line that is not a JSON object, a generation out of sequence) raises ValueError naming the
    file and the line."""
    return read_log_lines(path)[0]


def read_log_lines(path: str | os.PathLike, counter: str = "generation",
                   first: int = 0) -> tuple[list[dict[str, Any]], bool]:
    """``(records, torn)``: the records of ``log.jsonl`` and whether a torn last line was skipped. Line ``n``
    (from 1) must log ``counter`` ``first + n - 1`` (generations from 0; PPO's iterations from 1)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as stream:
            lines = stream.read().split(b"\n")
    except FileNotFoundError:
        raise FileNotFoundError(f"training log not found: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"training log {path} is a folder, not a file") from None
    unterminated = lines.pop()  # b"" when the file ends with its last line's newline
    records = [_record(path, number, line, counter, first) for number, line in enumerate(lines, 1)]
    torn = False
    if unterminated:
        try:
            records.append(_record(path, len(lines) + 1, unterminated, counter, first))
        except ValueError:
            torn = True  # a kill mid-write: the record is lost, the generation will run again
    return records, torn


def _record(path: str, number: int, line: bytes, counter: str, first: int) -> dict[str, Any]:
    """Line ``number`` (from 1) of a log: the record of ``counter`` ``first + number - 1``."""
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"training log {path} line {number} is damaged: not a JSON record (not UTF-8 text)") \
            from None
    except json.JSONDecodeError as error:
        raise ValueError(f"training log {path} line {number} is damaged: not a JSON record ({error.msg}, "
                         f"column {error.colno})") from None
    except RecursionError:
        raise ValueError(f"training log {path} line {number} is damaged: nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError(f"training log {path} line {number} is damaged: not a JSON object")
    expected = first + number - 1
    if not is_integer(record.get(counter)) or record[counter] != expected:
        raise ValueError(f"training log {path} line {number} is damaged or out of sequence: it should log "
                         f"{counter} {expected}, it holds {counter} {record.get(counter)!r}")
    return record


def load_config(folder: str | os.PathLike) -> TrainConfig:
    """The configuration in a run folder's ``config.json``."""
    path = os.path.join(folder, CONFIG_FILE)
    values = read_json(path, "run configuration")
    try:
        return TrainConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"run configuration {path} is not valid: {error}") from None
