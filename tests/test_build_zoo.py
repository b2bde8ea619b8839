"""tools/build_zoo.py: a rebuild that changes no result leaves the reports as they were."""

import dataclasses
import importlib.util
import os
import sys

from pendulum_zoo.protocol.report import Report

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "build_zoo.py")


def build_zoo():
    spec = importlib.util.spec_from_file_location("build_zoo", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_zoo"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def report(**changes) -> Report:
    base = Report(env_id="pendulum_zoo/InvertedPendulum-v0", env_version="v0", agent="a", algorithm="mk1",
                  episodes=3, seed=0, seed_schedule="", episode_seeds=[1, 2, 3], returns=[1000.0, 990.0, 12.5],
                  lengths=[1000, 990, 13], threshold=950.0, wall_time_s=1.0, versions={"numpy": "1"})
    return dataclasses.replace(base, **changes)


def test_a_report_with_the_same_results_keeps_the_file_and_a_changed_one_replaces_it(tmp_path):
    unchanged_or_new = build_zoo().unchanged_or_new
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
    tool = build_zoo()
    monkeypatch.setattr(tool, "RUNS", str(tmp_path))
    for name, finished in [("mk1-InvertedPendulum-v0-s0", True), ("mk1-InvertedPendulum-v0-s1-episodes16", True),
                           ("mk1-InvertedPendulum-v0-s2", False), ("mk1-InvertedPendulumWide-v0-s0", True),
                           ("mk1-InvertedPendulum-v0-sx", True)]:
        (tmp_path / name).mkdir()
        if finished:
            (tmp_path / name / "champion.json").write_text("{}")
    found = tool.finished_runs("mk1", "pendulum_zoo/InvertedPendulum-v0")
    assert [(os.path.basename(folder), tag) for folder, tag in found] == [
        ("mk1-InvertedPendulum-v0-s0", ""), ("mk1-InvertedPendulum-v0-s1-episodes16", "episodes16")]
