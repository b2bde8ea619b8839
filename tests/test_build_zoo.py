"""tools/build_zoo.py: a rebuild that changes no result leaves the reports as they were."""

import dataclasses
import importlib.util
import os

from pendulum_zoo.report import Report

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "build_zoo.py")


def build_zoo():
    spec = importlib.util.spec_from_file_location("build_zoo", TOOL)
    module = importlib.util.module_from_spec(spec)
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
