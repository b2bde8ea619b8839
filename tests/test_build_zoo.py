"""tools/: the zoo's build, the run archive (evaluation/runs.json) and the training plan, without training or
scoring anything."""

import copy
import dataclasses
import importlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from pendulum_zoo.protocol.report import Report
from pendulum_zoo.zoo import champion_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
RUNS = os.path.join(ROOT, "evaluation", "runs")


def tool(name: str):
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    return importlib.import_module(name)


def report(**changes) -> Report:
    base = Report(env_id="pendulum_zoo/InvertedPendulum-v0", env_version="v0", agent="a", algorithm="mk1",
                  episodes=3, seed=0, seed_schedule="", episode_seeds=[1, 2, 3], returns=[1000.0, 990.0, 12.5],
                  lengths=[1000, 990, 13], threshold=950.0, wall_time_s=1.0, versions={"numpy": "1"})
    return dataclasses.replace(base, **changes)


def test_a_report_with_the_same_results_keeps_the_file_and_a_changed_one_replaces_it(tmp_path):
    unchanged_or_new = tool("build_zoo").unchanged_or_new
    path = str(tmp_path / "r.json")
    fresh = report()
    assert unchanged_or_new(path, fresh) is fresh  # no file yet
    fresh.save(path)
    rerun = report(wall_time_s=2.5, versions={"numpy": "2"})
    kept = unchanged_or_new(path, rerun)
    assert kept is not rerun and kept.wall_time_s == 1.0 and kept.versions == {"numpy": "1"}
    changed = report(returns=[1000.0, 990.0, 13.5], wall_time_s=2.5)
    assert unchanged_or_new(path, changed) is changed


def test_finished_runs_are_found_with_their_settings_tag(tmp_path, monkeypatch):
    build_zoo = tool("build_zoo")
    monkeypatch.setattr(build_zoo, "RUNS", str(tmp_path))
    for name, finished in [("mk1-InvertedPendulum-v0-s0", True), ("mk1-InvertedPendulum-v0-s1-episodes16", True),
                           ("mk1-InvertedPendulum-v0-s2", False), ("mk1-InvertedPendulumWide-v0-s0", True),
                           ("mk1-InvertedPendulum-v0-sx", True)]:
        (tmp_path / name).mkdir()
        if finished:
            (tmp_path / name / "champion.json").write_text("{}")
    found = build_zoo.finished_runs("mk1", "pendulum_zoo/InvertedPendulum-v0")
    assert [(os.path.basename(folder), tag) for folder, tag in found] == [
        ("mk1-InvertedPendulum-v0-s0", ""), ("mk1-InvertedPendulum-v0-s1-episodes16", "episodes16")]


def test_the_run_archive_validates_and_documents_every_column():
    run_archive = tool("run_archive")
    archive = run_archive.read_archive()
    assert len(archive) >= 100
    with open(run_archive.ARCHIVE, encoding="utf-8") as stream:
        document = json.load(stream)
    assert document["columns"] == {name: text for name, (_, _, text) in run_archive.COLUMNS.items()}
    for name, row in archive.items():
        assert name == row["run"] and row["purpose"], name
        assert row["run"] == tool("train_zoo").run_name(row["algorithm"], row["env_id"], row["seed"], row["tag"])
        assert row["config"]["seed"] == row["seed"] and row["generations"] <= row["config"]["max_generations"]


@pytest.mark.parametrize("change, message", [
    (lambda row: row.pop("protocol_std"), "missing \\['protocol_std'\\]"),
    (lambda row: row.update(extra=1), "unknown \\['extra'\\]"),
    (lambda row: row.update(seed=True), "'seed' must be an integer"),
    (lambda row: row.update(protocol_mean="889.5"), "'protocol_mean' must be a number"),
    (lambda row: row.update(protocol_mean=float("nan")), "protocol_mean"),
    (lambda row: row.update(folder=1), "'folder' must be a boolean"),
    (lambda row: row.update(generations=None), "'generations' must be an integer"),
])
def test_a_malformed_row_is_refused_naming_its_column(change, message):
    run_archive = tool("run_archive")
    row = copy.deepcopy(next(iter(run_archive.read_archive().values())))
    change(row)
    with pytest.raises((TypeError, ValueError), match=message):
        run_archive.check_row(row, "row 0")


def test_an_archive_of_another_version_or_with_a_repeated_run_is_refused(tmp_path):
    run_archive = tool("run_archive")
    archive = run_archive.read_archive()
    path = str(tmp_path / "runs.json")
    run_archive.write_archive(archive, path)
    assert run_archive.read_archive(path) == archive  # written and read back
    with open(path, encoding="utf-8") as stream:
        document = json.load(stream)
    document["runs"].append(document["runs"][0])
    (tmp_path / "twice.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="appears twice"):
        run_archive.read_archive(str(tmp_path / "twice.json"))
    document["format_version"] = 2
    (tmp_path / "v2.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="format_version 2 is not 1"):
        run_archive.read_archive(str(tmp_path / "v2.json"))


def test_every_planned_run_is_a_kept_folder_or_a_row_and_every_row_is_planned():
    archive = tool("run_archive").read_archive()
    planned = tool("train_zoo").planned_runs()
    assert all(run.reason for run in planned)
    names = {run.name for run in planned}
    assert set(archive) <= names
    for run in planned:
        finished = os.path.exists(os.path.join(RUNS, run.name, "champion.json"))
        if finished or run.name in archive:
            assert run.name in archive and archive[run.name]["folder"] == finished, run.name
        else:  # not finished: the plan says so
            assert "unfinished" in run.reason, run.name
    for name in os.listdir(RUNS):
        if os.path.isdir(os.path.join(RUNS, name)):
            assert name in names, f"evaluation/runs/{name} is not in the plan"


def test_no_checkpoint_is_committed_and_git_ignores_them():
    if shutil.which("git") is None or not os.path.isdir(os.path.join(ROOT, ".git")) and \
            not os.path.isfile(os.path.join(ROOT, ".git")):
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "evaluation/runs"], capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked and not [path for path in tracked if path.endswith("checkpoint.npz")]
    ignored = subprocess.run(["git", "-C", ROOT, "check-ignore", "-q", "evaluation/runs/any-run/checkpoint.npz"])
    assert ignored.returncode == 0


def test_reproduction_md_is_regenerated_from_the_archive_alone_and_equals_the_committed_one(tmp_path):
    rows = list(tool("run_archive").read_archive().values())
    reproduction = tool("reproduction").reproduction
    notes = os.path.join(ROOT, "evaluation", "REPRODUCTION_NOTES.md")
    texts = []
    for attempt in ("first", "second"):
        path = tmp_path / attempt / "REPRODUCTION.md"
        path.parent.mkdir()
        path.write_text(reproduction(reversed(rows) if attempt == "second" else rows, notes), encoding="utf-8")
        texts.append(path.read_text(encoding="utf-8"))
    with open(os.path.join(ROOT, "evaluation", "REPRODUCTION.md"), encoding="utf-8") as stream:
        committed = stream.read()
    assert texts[0] == texts[1] == committed


def test_the_champions_of_the_archive_are_the_zoos_and_have_their_folder():
    rows = tool("run_archive").read_archive().values()
    reproduction = tool("reproduction")
    for (algorithm, env_id), runs in reproduction.grouped(rows).items():
        best = reproduction.pick(runs)
        assert best["folder"], best["run"]
        with open(os.path.join(ROOT, "agents", champion_name(algorithm, env_id), "policy.json"),
                  encoding="utf-8") as stream:
            card = json.load(stream)["card"]
        assert card["seed"] == best["seed"] and card["zoo"]["selected_from_runs"] == [row["run"] for row in runs]
        assert card["zoo"]["selection_means"] == {row["run"]: row["selection_mean"] for row in runs}
        assert card["zoo"]["protocol"]["mean"] == best["protocol_mean"]


def test_list_shows_every_planned_run_and_archived_runs_as_finished():
    listing = subprocess.run([sys.executable, os.path.join(TOOLS, "train_zoo.py"), "--list"], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout.splitlines()
    planned = tool("train_zoo").planned_runs()
    assert [line.split()[0] for line in listing] == [run.name for run in planned]
    archived = {name for name, row in tool("run_archive").read_archive().items() if not row["folder"]}
    states = {line.split()[0]: line.split(maxsplit=1)[1] for line in listing}
    assert archived and all(states[name].startswith("finished (archived") for name in archived)


def test_a_malformed_plan_entry_is_refused(tmp_path):
    train_zoo = tool("train_zoo")
    with open(train_zoo.PLAN, encoding="utf-8") as stream:
        plan = json.load(stream)
    for change, message in [(lambda entry: entry.pop("reason"), "exactly the keys"),
                            (lambda entry: entry.update(reason=""), "says why"),
                            (lambda entry: entry["settings"].update(seed=3), "other than algorithm"),
                            (lambda entry: entry.update(seeds=[True]), "must be an integer")]:
        broken = copy.deepcopy(plan)
        change(broken["entries"][0])
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(broken))
        with pytest.raises((TypeError, ValueError), match=message):
            train_zoo.planned_runs(str(path))
    twice = copy.deepcopy(plan)
    twice["entries"].append(twice["entries"][0])
    (tmp_path / "twice.json").write_text(json.dumps(twice))
    with pytest.raises(ValueError, match="planned twice"):
        train_zoo.planned_runs(str(tmp_path / "twice.json"))


def test_build_zoo_refuses_a_best_run_without_folder_and_a_row_whose_folder_is_missing(tmp_path, monkeypatch):
    build_zoo = tool("build_zoo")
    rows = [row for row in tool("run_archive").read_archive().values()
            if (row["algorithm"], row["env_id"]) == ("mk1", "pendulum_zoo/InvertedPendulumSwingupWide-v0")]
    archived = dict(max((row for row in rows if not row["folder"]), key=lambda row: row["selection_mean"]),
                    selection_mean=1e6)
    with pytest.raises(SystemExit, match=f"{archived['run']}, whose folder left the tree: restore it with git "
                                         f"checkout {archived['history']}"):
        build_zoo.build_champion("mk1", "pendulum_zoo/InvertedPendulumSwingupWide-v0", [*rows, archived], {})
    monkeypatch.setattr(build_zoo, "RUNS", str(tmp_path))
    with pytest.raises(SystemExit, match="none is there: " + rows[0]["run"]):
        build_zoo.check_folders({rows[0]["run"]: dict(rows[0], folder=True)})


def test_the_ticket_champion_is_the_sparsest_ticket_within_2_percent_of_the_best_dense_round():
    build = tool("build_tickets_zoo")

    def run(scores, sparsities):
        rows = [{"round": r, "condition": "mask/weights", "sparsity": s} for r, s in enumerate(sparsities)]
        return None, dataclasses.make_dataclass("State", ["round", "rows"])(len(scores), rows), scores

    sparsities = [0.0, 0.2, 0.36, 0.488]
    runs = {0: run([1000.0, 990.0, 970.0, 1000.0], sparsities), 1: run([800.0, 790.0, 790.0, 500.0], sparsities)}
    assert build.best_dense(runs) == (0, 1000.0)
    assert build.pick(runs) == (0, 3)  # 970 < 980 at round 2 does not stop round 3 from counting
    runs[0] = run([1000.0, 990.0, 970.0, 979.0], sparsities)
    assert build.pick(runs) == (0, 1)  # seed 1's 790 is within 2% of its own weak dense round, not of the best


def test_an_imp_run_for_the_zoo_stops_after_its_rounds_in_a_row_below_98_percent():
    build = tool("build_tickets_zoo")
    rows = [{"round": r, "condition": "mask/weights", "score": s} for r, s in enumerate([900, 890, 100, 885, 10, 5])]
    assert build.failed_streak(rows) == 2
    assert build.failed_streak(rows[:4]) == 0 and build.failed_streak(rows[:3]) == 1
