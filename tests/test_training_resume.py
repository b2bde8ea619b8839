"""Resume refuses a damaged run folder before any work, naming the file and what is wrong; a torn last log line
(a kill mid-write) is the one damage it repairs."""

import json
import re
import shutil

import numpy as np
import pytest

from pendulum_zoo.storage.fileio import read_npz, write_npz
from pendulum_zoo.training import TrainConfig, read_log, train


def tiny_run(seed=3):
    return TrainConfig("mk1", "pendulum_zoo/InvertedPendulum-v0", seed=seed, population_size=12, episodes=2,
                       threshold=2000.0, min_generations=0, max_generations=6, validation_episodes=2)


def without_wall_time(records):
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in records]


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run interrupted after generation 3 (log and checkpoint hold generations 0..3), and the same run,
    uninterrupted."""
    root = tmp_path_factory.mktemp("runs")

    def interrupt(record):
        if record["generation"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny_run(), root / "interrupted", workers=1, callback=interrupt)
    straight = train(tiny_run(), root / "straight", workers=1)
    return root / "interrupted", straight


def copy_of(folder, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    return copy


def resume_refused(folder, message):
    """Resume ``folder``, expecting a ValueError matching ``message`` before any generation ran and with the
    folder's files untouched."""
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    calls = []
    with pytest.raises(ValueError, match=message):
        train(tiny_run(), folder, workers=1, resume=True, callback=calls.append)
    assert calls == []
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_a_torn_last_line_is_repaired_so_the_log_equals_an_uninterrupted_one(interrupted, tmp_path):
    folder, straight = interrupted
    folder = copy_of(folder, tmp_path)
    with open(folder / "log.jsonl", "a", encoding="utf-8") as stream:  # a kill after the log, before the
        stream.write(json.dumps(straight.log[4]) + "\n")            # checkpoint, then mid-line
        stream.write(json.dumps(straight.log[5])[:40])
    resumed = train(tiny_run(), folder, workers=1, resume=True)
    assert without_wall_time(read_log(folder / "log.jsonl")) == without_wall_time(straight.log)
    assert np.array_equal(resumed.champion, straight.champion)


def damage_line(text, number, replacement):
    lines = text.splitlines(keepends=True)
    lines[number - 1:number] = replacement
    return "".join(lines)


@pytest.mark.parametrize(("damage", "message"), (
    (lambda text: damage_line(text, 2, ['{"generation": 1, "best_fit\n']), "line 2 is damaged: not a JSON record"),
    (lambda text: damage_line(text, 2, ["\x00\x00\x00\n"]), "line 2 is damaged: not a JSON record"),
    (lambda text: damage_line(text, 2, []), "line 2 is damaged or out of sequence: it should log generation 1"),
    (lambda text: damage_line(text, 3, ["[1, 2]\n"]), "line 3 is damaged: not a JSON object"),
))
def test_a_damaged_log_is_refused_naming_the_line(interrupted, tmp_path, damage, message):
    folder = copy_of(interrupted[0], tmp_path)
    log = folder / "log.jsonl"
    log.write_text(damage(log.read_text()))
    resume_refused(folder, f"training log {re.escape(str(log))} {message}")
    with pytest.raises(ValueError, match=message):
        read_log(log)  # the public reader applies the same rule


def test_a_log_shorter_than_the_checkpoint_is_refused(interrupted, tmp_path):
    folder = copy_of(interrupted[0], tmp_path)
    log = folder / "log.jsonl"
    log.write_text(damage_line(log.read_text(), 4, []))
    resume_refused(folder, "logs 3 generation\\(s\\), its checkpoint 4; the records from line 4 on are lost")


def test_a_log_of_another_run_is_refused(interrupted, tmp_path):
    folder = copy_of(interrupted[0], tmp_path)
    other = train(TrainConfig(**{**tiny_run(seed=4).to_dict(), "max_generations": 4}), tmp_path / "other",
                  workers=1)
    shutil.copy(other.out_dir + "/log.jsonl", folder / "log.jsonl")
    resume_refused(folder, f"line 4 of its training log {re.escape(str(folder))}/log.jsonl \\(generation 3\\) records "
                           f"{other.log[3]['env_steps']} environment steps, its checkpoint "
                           f"{interrupted[1].log[3]['env_steps']}; they are not of the same run")


def rewrite_checkpoint(folder, change):
    arrays = read_npz(folder / "checkpoint.npz")
    header = json.loads(arrays.pop("header").tobytes())
    change(header, arrays)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    write_npz(folder / "checkpoint.npz", arrays)


def set_nan(arrays):
    arrays["champion"] = arrays["champion"].copy()
    arrays["champion"][7] = np.nan


@pytest.mark.parametrize(("change", "message"), (
    (lambda h, a: h["run"].update(generation=2), "its header says generation 2, its strategy state is at "
                                                 "generation 4"),
    (lambda h, a: a.update(champion=a["champion"][:-1]), "the champion array must hold 192 numbers, got shape "
                                                         "\\(191,\\)"),
    (lambda h, a: set_nan(a), "the champion array holds 1 non-finite value"),
    (lambda h, a: a.update(champion=a["champion"] * 0.5), "the champion array of a pruning strategy must hold only"),
    (lambda h, a: h.pop("config"), "lacks config: it is damaged or was not written by pendulum-zoo"),
    (lambda h, a: h.pop("run"), "lacks run: it is damaged"),
    (lambda h, a: a.pop("champion"), "lacks the champion array: it is damaged"),
    (lambda h, a: h["run"].pop("env_steps"), "its run state lacks env_steps"),
    (lambda h, a: h["run"].update(env_steps=True), "run.env_steps must be an integer, got True"),
    (lambda h, a: h["run"].update(stop_reason="bored"), "run.stop_reason must be one of"),
    (lambda h, a: h["strategy"].update(seed=4), "does not match its configuration in seed \\(4, the "
                                                "configuration says 3\\)"),
    (lambda h, a: h["strategy"].pop("rng"), "holds a damaged strategy state: lacks 'rng'"),
    (lambda h, a: a.update({"strategy/pool": a["strategy/pool"][:, :5]}), "holds a damaged strategy state"),
))
def test_a_damaged_or_mismatched_checkpoint_is_refused_before_any_work(interrupted, tmp_path, change, message):
    folder = copy_of(interrupted[0], tmp_path)
    rewrite_checkpoint(folder, change)
    resume_refused(folder, f"checkpoint {re.escape(str(folder))}/checkpoint.npz.*{message}")


@pytest.mark.parametrize("damage", ("truncate", "flip"))
def test_a_truncated_or_bit_flipped_checkpoint_is_refused_naming_the_run_folder(interrupted, tmp_path, damage):
    folder = copy_of(interrupted[0], tmp_path)
    data = bytearray((folder / "checkpoint.npz").read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x10
    (folder / "checkpoint.npz").write_bytes(bytes(data))
    resume_refused(folder, f"checkpoint {re.escape(str(folder))}/checkpoint.npz is damaged or not a readable "
                           f".npz archive")
