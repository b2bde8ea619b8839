"""The run folder: one run at a time (a lock), leftovers of interrupted writes cleaned up, bad paths refused early."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from pendulum_zoo import training
from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.training import TrainConfig, read_log, train


def tiny_run(**changes):
    values = dict(seed=3, population_size=12, episodes=2, threshold=2000.0, min_generations=0, max_generations=3,
                  validation_episodes=2)
    values.update(changes)
    return TrainConfig("mk1", "pendulum_zoo/InvertedPendulum-v0", **values)


def interrupt_at(generation):
    def callback(record):
        if record["generation"] == generation:
            raise KeyboardInterrupt
    return callback


# one process of the concurrency test: waits for the go file, trains with its seed, sleeps in every generation
# so that the run holds the folder while the other process tries
RACER = """
import os, sys, time
from pendulum_zoo.training import TrainConfig, train
folder, go, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
open(go + f".ready{seed}", "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
config = TrainConfig("mk1", "pendulum_zoo/InvertedPendulum-v0", seed=seed, population_size=12, episodes=2,
                     threshold=2000.0, min_generations=0, max_generations=3, validation_episodes=2)
train(config, folder, workers=1, callback=lambda record: time.sleep(0.3))
"""


def test_two_runs_started_together_in_one_folder_one_is_refused(tmp_path):
    folder, go = tmp_path / "run", tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(folder), str(go), str(seed)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    deadline = time.monotonic() + 60
    while not all(os.path.exists(f"{go}.ready{seed}") for seed in (1, 2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outcomes = [(racer.wait(timeout=120), racer.communicate()[1]) for racer in racers]
    winners = [index for index, (code, _) in enumerate(outcomes) if code == 0]
    assert len(winners) == 1, outcomes
    winner, loser = racers[winners[0]], racers[1 - winners[0]]
    error = outcomes[1 - winners[0]][1].strip().splitlines()[-1]
    assert error.startswith("pendulum_zoo.training.run_folder.RunFolderLocked:")
    assert str(folder) in error and f"process {winner.pid}" in error
    # the folder holds the winner's run alone
    seed = 1 + winners[0]
    _, card = load_policy(folder / "champion.json")
    assert json.loads((folder / "config.json").read_text())["seed"] == card["seed"] == seed
    log = read_log(folder / "log.jsonl")
    assert [record["generation"] for record in log] == [0, 1, 2] == list(range(card["generations"]))
    assert not (folder / "run.lock").exists() and loser.returncode != 0


def test_a_second_run_in_a_folder_in_use_is_refused_at_once(tmp_path):
    folder = tmp_path / "run"
    refusals = []

    def second_run(record):
        if record["generation"] == 0:
            with pytest.raises(training.RunFolderLocked) as refusal:
                train(tiny_run(), folder, workers=1, resume=True)
            refusals.append(str(refusal.value))
            assert (folder / "run.lock").read_text() == f"{os.getpid()}\n"

    train(tiny_run(), folder, workers=1, callback=second_run)
    assert refusals == [f"run folder {folder} is in use by another run (process {os.getpid()}); wait for it to "
                        f"end, or choose another folder"]
    assert issubclass(training.RunFolderLocked, RuntimeError)
    assert [record["generation"] for record in read_log(folder / "log.jsonl")] == [0, 1, 2]
    assert not (folder / "run.lock").exists()


# one process that trains and is killed (SIGKILL, no clean-up) in its second generation
KILLED = """
import os, signal, sys
from pendulum_zoo.training import TrainConfig, train
config = TrainConfig("mk1", "pendulum_zoo/InvertedPendulum-v0", seed=3, population_size=12, episodes=2,
                     threshold=2000.0, min_generations=0, max_generations=3, validation_episodes=2)
train(config, sys.argv[1], workers=1,
      callback=lambda record: record["generation"] == 1 and os.kill(os.getpid(), signal.SIGKILL))
"""


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    killed = subprocess.run([sys.executable, "-c", KILLED, str(folder)], capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert (folder / "run.lock").exists()  # left behind, but no longer locked
    resumed = train(tiny_run(), folder, workers=1, resume=True)
    assert resumed.card["generations"] == 3 and not (folder / "run.lock").exists()


def test_temporary_files_of_interrupted_writes_are_removed_when_the_folder_is_opened(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(tiny_run(), folder, workers=1, callback=interrupt_at(0))
    leftovers = ["checkpoint.npz.k3j_x9.tmp", "champion.json.a1b2c3.tmp", "config.json.zz.tmp", "log.jsonl.q.tmp"]
    kept = ["notes.json.x1.tmp", "checkpoint.npz.bak", "mine.tmp"]  # not the trainer's: never touched
    for name in leftovers + kept:
        (folder / name).write_bytes(b"partial")
    train(tiny_run(), folder, workers=1, resume=True)
    assert sorted(os.listdir(folder)) == sorted(["champion.json", "checkpoint.npz", "config.json", "log.jsonl"]
                                                + kept)


def test_an_output_path_that_cannot_be_a_folder_fails_before_any_work(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    calls = []
    path = re.escape(str(tmp_path))
    with pytest.raises(NotADirectoryError, match=f"cannot create the run folder {path}/file/run: "
                                                 f"{path}/file is a file, not a folder"):
        train(tiny_run(), tmp_path / "file" / "run", workers=1, callback=calls.append)
    with pytest.raises(NotADirectoryError, match=f"cannot use {path}/file as a run folder: it is a file"):
        train(tiny_run(), tmp_path / "file", workers=1, callback=calls.append)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(tiny_run(), tmp_path / "absent", workers=1, resume=True)
    assert calls == [] and not (tmp_path / "absent").exists()
    assert (tmp_path / "file").read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_output_folder_that_cannot_be_written_fails_before_any_work(tmp_path):
    path = re.escape(str(tmp_path))
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "run").mkdir()
    os.chmod(tmp_path / "locked", 0o500)
    os.chmod(tmp_path / "locked" / "run", 0o500)
    try:
        with pytest.raises(PermissionError, match=f"cannot create the run folder {path}/locked/new"):
            train(tiny_run(), tmp_path / "locked" / "new", workers=1)
        with pytest.raises(PermissionError, match=f"run folder {path}/locked/run is not writable"):
            train(tiny_run(), tmp_path / "locked" / "run", workers=1)
    finally:
        os.chmod(tmp_path / "locked", 0o700)
        os.chmod(tmp_path / "locked" / "run", 0o700)
