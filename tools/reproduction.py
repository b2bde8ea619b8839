"""``evaluation/REPRODUCTION.md`` from the rows of ``evaluation/runs.json`` alone (``tools/run_archive.py``).

The article's Tables 1 and 2 beside ours (runs with the article's settings), the zoo's targets (every
champion), the per-seed results (every finished run), then the hand-written ``REPRODUCTION_NOTES.md``.
``tools/build_zoo.py`` calls ``reproduction``; it needs no run folder, so the same rows give the same file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from pendulum_zoo.protocol.benchmark import scientific
from pendulum_zoo.strategies import algorithm_names
from run_archive import SELECTION_SEED

Row = dict[str, Any]

# The article's Tables 1 and 2 (shared/seeds/001, "Results"), as published.
ARTICLE = {
    "pendulum_zoo/InvertedPendulum-v0": {
        "cma-layerwise": ("1.928e+05 +/- 1.376e+05", "1000 +/- 0"),
        "mk1": ("2.507e+05 +/- 9.224e+04", "1000 +/- 0"),
        "mk2": ("2.743e+05 +/- 9.097e+04", "1000 +/- 0"),
    },
    "pendulum_zoo/InvertedPendulumSwingupWide-v0": {
        "cma-layerwise": ("3.823e+07 +/- 1.931e+07", "867.9 +/- 42.4"),
        "mk1": ("3.430e+07 +/- 6.432e+06", "889.5 +/- 0.36"),
        "mk2": ("6.656e+07 +/- 1.095e+07", "776.7 +/- 247.9"),
    },
}
TABLES = (("Table 1: balance, `InvertedPendulum-v0`", "pendulum_zoo/InvertedPendulum-v0"),
          ("Table 2: swing-up, widened track, `InvertedPendulumSwingupWide-v0`",
           "pendulum_zoo/InvertedPendulumSwingupWide-v0"))

# The zoo's targets (issue "champion zoo"): (env, algorithms, what, test on (protocol mean, std, connections)).
TARGETS = [
    *[(env_id, tuple(algorithm_names()), "mean 1000.0 +/- 0.0", lambda mean, std, _: mean == 1000.0 and std == 0.0)
      for env_id in ("pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumWide-v0")],
    ("pendulum_zoo/InvertedPendulum-v0", ("mk1",), "at most 7 connections (article)",
     lambda mean, std, connections: connections <= 7),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("mk1",), "mean >= 889.5 (article: 889.5 +/- 0.36)",
     lambda mean, std, _: mean >= 889.5),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("cma-layerwise", "cma"),
     "mean >= 867.9 (article's CMA: 867.9 +/- 42.4)", lambda mean, std, _: mean >= 867.9),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("mk2",), "mean >= 776.7 (article: 776.7 +/- 247.9)",
     lambda mean, std, _: mean >= 776.7),
    ("pendulum_zoo/InvertedPendulumSwingup-v0", tuple(algorithm_names()),
     "mean >= 867 (rl-baselines-zoo PPO2: 866.989 +/- 27.134)", lambda mean, std, _: mean >= 867.0),
]


def pick(rows: Iterable[Row]) -> Row:
    """The zoo's choice: the best mean on the selection seed; among equals (every balance champion scores
    1000) the sparser network."""
    return max(rows, key=lambda row: (row["selection_mean"], -row["connections"]))


def label(row: Row) -> str:
    return f"{row['seed']}" + (f" ({row['tag']})" if row["tag"] else "")


def grouped(rows: Iterable[Row]) -> dict[tuple[str, str], list[Row]]:
    """Rows by (algorithm, env ID), sorted so; each group's rows sorted by run name."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in sorted(rows, key=lambda row: row["run"]):
        groups.setdefault((row["algorithm"], row["env_id"]), []).append(row)
    return dict(sorted(groups.items()))


def _short(env_id: str) -> str:
    return env_id.split("/")[-1]


def article_table(title: str, env_id: str, groups: dict[tuple[str, str], list[Row]]) -> list[str]:
    lines = [f"## {title}", "", "| Method | Article: steps to solve | Article: best agent | Ours: steps to "
             "solve (runs that solved) | Ours: best agent | Ours: connections | Ours: wall time per run |",
             "|---|---|---|---|---|---|---|"]
    for algorithm in algorithm_names():
        article = ARTICLE[env_id].get(algorithm, ("-", "-"))
        runs = [row for row in groups.get((algorithm, env_id), []) if not row["tag"]]
        if not runs:
            lines.append(f"| {algorithm} | {article[0]} | {article[1]} | no finished run yet | | | |")
            continue
        reached = [row["article_steps_to_solve"] for row in runs if row["article_steps_to_solve"] is not None]
        steps = scientific(float(np.mean(reached)), float(np.std(reached))) if reached else "-"
        best = pick(runs)
        minutes = np.mean([row["wall_time_s"] for row in runs]) / 60
        lines.append(f"| {algorithm} | {article[0]} | {article[1]} | {steps} ({len(reached)}/{len(runs)}) "
                     f"| {best['protocol_mean']:.1f} +/- {best['protocol_std']:.2f} (seed {best['seed']}) | "
                     f"{best['connections']} | {minutes:.1f} min |")
    return lines + [""]


def targets_table(groups: dict[tuple[str, str], list[Row]]) -> list[str]:
    lines = ["## The zoo's targets", "", "Every zoo champion against its target, on its 100 protocol episodes.", "",
             "| Env | Method | Target | Champion | Met |", "|---|---|---|---|---|"]
    for env_id, algorithms, what, met in TARGETS:
        for algorithm in algorithms:
            runs = groups.get((algorithm, env_id))
            if not runs:
                lines.append(f"| {_short(env_id)} | {algorithm} | {what} | not trained yet | no |")
                continue
            best = pick(runs)
            mean, std, connections = best["protocol_mean"], best["protocol_std"], best["connections"]
            lines.append(f"| {_short(env_id)} | {algorithm} | {what} | {mean:.2f} +/- {std:.2f}, {connections} "
                         f"connections, seed {label(best)} | {'yes' if met(mean, std, connections) else '**no**'} |")
    return lines + [""]


def per_seed_table(groups: dict[tuple[str, str], list[Row]]) -> list[str]:
    lines = ["## Per-seed results", "",
             "| Method | Env | Seed (settings) | Steps to solve (article's rule) | Trainer's steps to solve (threshold) "
             "| Generations run / budget (stop) | Protocol mean +/- std | Connections |",
             "|---|---|---|---|---|---|---|---|"]

    def steps(value: int | None) -> str:
        return "-" if value is None else f"{value:.3e}"
    for (algorithm, env_id), runs in groups.items():
        for row in runs:
            lines.append(f"| {algorithm} | {_short(env_id)} | {label(row)} | {steps(row['article_steps_to_solve'])} | "
                         f"{steps(row['steps_to_solve'])} | {row['generations']} / "
                         f"{row['config']['max_generations']} ({row['stop_reason']}) | "
                         f"{row['protocol_mean']:.2f} +/- {row['protocol_std']:.2f} | {row['connections']} |")
    return lines


INTRODUCTION = (
    "Generated by `python tools/build_zoo.py` from `evaluation/runs.json`, the results of every finished "
    "training run (article settings: population 128/256, 8 episodes, threshold 999.5/880, at least 100 "
    "generations; at most 1024, or the smaller budget that the per-seed table shows). "
    "\"Steps to solve\" counts env steps up to the first generation whose best fitness counts as solved "
    "by the article's rule (Table 1: R > 999.0; Table 2: 880), mean +/- std over the runs that got "
    "there, with how many did. \"Best agent\": among the seeds' champions, the one "
    f"with the best protocol mean on evaluation seed {SELECTION_SEED} (the sparser among equals), "
    "reported as mean +/- std over its 100 protocol episodes on evaluation seed 0; picking on other "
    "episodes than those reported keeps the score free of selection bias. The tables hold runs with the "
    "article's settings only; the zoo's champion is picked the same way from these and from runs with "
    "tuned settings (the per-seed table names them), and is the one the targets table shows. "
    "The article's CMA is its layer-wise variant (`cma-layerwise`); canonical CMA-ES (`cma`) is ours alone.")


def reproduction(rows: Iterable[Row], notes_path: str | None) -> str:
    """The text of ``REPRODUCTION.md`` for ``rows`` (the archive's), with the notes file appended if it exists."""
    groups = grouped(rows)
    lines = ["# Reproduction of the article's tables", "", INTRODUCTION, ""]
    for title, env_id in TABLES:
        lines += article_table(title, env_id, groups)
    lines += targets_table(groups) + per_seed_table(groups)
    if notes_path is not None and os.path.exists(notes_path):  # the hand-written commentary on these numbers
        with open(notes_path, encoding="utf-8") as stream:
            lines += ["", stream.read().strip(), ""]
    return "\n".join(lines) + "\n"
