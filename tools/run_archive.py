"""The results of every finished training run, as data: ``evaluation/runs.json``.

    python tools/run_archive.py NAME... [--remove] [--workers K]

A run folder (``evaluation/runs/<name>/``: config, log, checkpoint, champion) is kept in the tree only while
something needs its files: a zoo champion (weights and learning curve) or a cell of the article's tables in
``evaluation/REPRODUCTION.md``. The numbers of every finished run, kept or not, are rows of
``evaluation/runs.json`` (``COLUMNS`` says what each holds); ``tools/build_zoo.py`` writes the rows of the
kept runs and renders ``REPRODUCTION.md`` from the file alone.

This script archives finished runs: for each NAME it scores the champion with the protocol (evaluation seed 0,
100 episodes; the selection seed's mean is taken from the zoo card that already records it, else measured),
writes its row (saved after each run, so an interrupted call resumes where it stopped, without scoring a run
twice), and with ``--remove`` deletes the folder. ``git checkout <history> -- evaluation/runs/<name>`` brings
a removed folder back, whole, from the commit that the row's ``history`` names.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from typing import Any

from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.storage.fileio import atomic_write_text, read_json
from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.training import TrainResult, load_config, read_log
from pendulum_zoo.validation import check_integer, check_number, quote
from pendulum_zoo.zoo import champion_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = os.path.join(ROOT, "evaluation", "runs")
ARCHIVE = os.path.join(ROOT, "evaluation", "runs.json")
AGENTS = os.path.join(ROOT, "agents")
FORMAT = "pendulum-zoo/run-archive"
VERSION = 1
SELECTION_SEED = 1000  # the zoo picks its champions on these episodes, and reports on evaluation seed 0
PROTOCOL_SEED = 0
PROTOCOL_EPISODES = 100

# How the article's tables count "solved": Table 1 "Steps to solve (R > 999.0)", Table 2 the 880 threshold.
ARTICLE_SOLVED = {"pendulum_zoo/InvertedPendulum-v0": lambda fitness: fitness > 999.0,
                  "pendulum_zoo/InvertedPendulumSwingupWide-v0": lambda fitness: fitness >= 880.0}

_INT, _NUMBER, _TEXT, _FLAG, _OBJECT = "integer", "number", "text", "boolean", "object"
# column -> (type, may be null, what it holds); the file repeats these descriptions under "columns"
COLUMNS: dict[str, tuple[str, bool, str]] = {
    "run": (_TEXT, False, "the run folder's name, <algorithm>-<Env>-s<seed>[-<settings tag>]"),
    "algorithm": (_TEXT, False, "mk1, mk2, cma-layerwise or cma"),
    "env_id": (_TEXT, False, "the task trained on"),
    "seed": (_INT, False, "the training seed"),
    "tag": (_TEXT, False, "the settings tag ('' for the article's settings; tools/train_zoo_plan.json)"),
    "config": (_OBJECT, False, "the run's config.json: every setting it was trained with"),
    "purpose": (_TEXT, False, "what the run is for: its entry's reason in tools/train_zoo_plan.json"),
    "generations": (_INT, False, "generations run"),
    "stop_reason": (_TEXT, False, "solved (the threshold, after min_generations) or max_generations"),
    "steps_to_solve": (_INT, True, "trainer's env steps up to the generation that reached the threshold"),
    "article_steps_to_solve": (_INT, True, "env steps up to the first generation solved by the article's rule "
                                           "(Table 1: R > 999.0, Table 2: 880); null if none or no such rule"),
    "total_steps": (_INT, False, "env steps of the whole run, validation included"),
    "wall_time_s": (_NUMBER, False, "training wall time in seconds (indicative: shared cores)"),
    "champion_generation": (_INT, False, "the generation the champion comes from"),
    "connections": (_INT, False, "the champion's connections"),
    "effective_connections": (_INT, False, "its connections on an input -> hidden -> output path"),
    "protocol_mean": (_NUMBER, False, f"mean return over the protocol's {PROTOCOL_EPISODES} episodes, "
                                      f"evaluation seed {PROTOCOL_SEED}"),
    "protocol_std": (_NUMBER, False, "their standard deviation"),
    "selection_mean": (_NUMBER, False, f"mean return over {PROTOCOL_EPISODES} episodes of evaluation seed "
                                       f"{SELECTION_SEED}, on which the zoo picks its champions"),
    "folder": (_FLAG, False, "true if evaluation/runs/<run>/ is in the tree (config, log, champion)"),
    "history": (_TEXT, True, "a commit whose tree holds the whole folder, checkpoint included (null: none)"),
}


def article_steps_to_solve(log: list[dict[str, Any]], env_id: str) -> int | None:
    """Env steps up to the first generation whose best fitness counts as solved by the article's rule."""
    solved = ARTICLE_SOLVED.get(env_id)
    if solved is None:
        return None
    return next((record["env_steps"] for record in log if solved(record["best_fitness"])), None)


def run_tag(name: str, algorithm: str, env_id: str) -> str:
    """The settings tag that ends a run folder's name (``""`` for the article's settings)."""
    return name[len(champion_name(algorithm, env_id)) + 2:].partition("-")[2]


def load_run(folder: str) -> TrainResult:
    params, card = load_policy(os.path.join(folder, "champion.json"))
    return TrainResult(params, card, folder, read_log(os.path.join(folder, "log.jsonl")))


def policy_of(training: TrainResult, tag: str) -> Policy:
    card = training.card
    policy = Policy(training.champion, f"{card['algorithm']} seed {card['seed']}" + (f" {tag}" if tag else ""))
    policy.card = card  # the protocol reads the training steps (n_timesteps) from it
    return policy


def make_row(folder: str, training: TrainResult, report, selection_mean: float, *, purpose: str,
             history: str | None) -> dict[str, Any]:
    """The row of a finished run, from its folder, its champion's protocol ``report`` and selection mean."""
    config, card, stats = load_config(folder), training.card, report.statistics()
    name = os.path.basename(folder)
    row = {
        "run": name, "algorithm": config.algorithm, "env_id": config.env_id, "seed": config.seed,
        "tag": run_tag(name, config.algorithm, config.env_id), "config": config.to_dict(), "purpose": purpose,
        "generations": card["generations"], "stop_reason": card["stop_reason"],
        "steps_to_solve": card["steps_to_solve"],
        "article_steps_to_solve": article_steps_to_solve(training.log, config.env_id),
        "total_steps": card["total_steps"], "wall_time_s": card["wall_time_s"],
        "champion_generation": card["champion_generation"], "connections": report.connections,
        "effective_connections": report.effective_connections, "protocol_mean": stats["mean"],
        "protocol_std": stats["std"], "selection_mean": float(selection_mean),
        "folder": os.path.isdir(folder), "history": history,
    }
    return check_row(row, name)


def check_row(row: Any, where: str) -> dict[str, Any]:
    """``row`` if it has exactly ``COLUMNS`` with their types; else ValueError/TypeError naming the column."""
    if not isinstance(row, dict):
        raise TypeError(f"{where}: a row must be an object, got {quote(row)}")
    if list(row) != list(COLUMNS):
        missing, extra = set(COLUMNS) - set(row), set(row) - set(COLUMNS)
        raise ValueError(f"{where}: columns differ from the format's: missing {sorted(missing) or 'none'}, "
                         f"unknown {sorted(extra) or 'none'}" if missing or extra else
                         f"{where}: columns are not in the format's order")
    for column, (kind, nullable, _) in COLUMNS.items():
        value, name = row[column], f"{where}: column {column!r}"
        if value is None and nullable:
            continue
        if kind == _INT:
            check_integer(name, value)
        elif kind == _NUMBER:
            check_number(name, value)
        elif not isinstance(value, {_TEXT: str, _FLAG: bool, _OBJECT: dict}[kind]):
            raise TypeError(f"{name} must be a {kind}, got {quote(value)}")
    return row


def read_archive(path: str = ARCHIVE) -> dict[str, dict[str, Any]]:
    """The rows of the run archive by run name; ``{}`` if there is none yet. Raises ValueError/TypeError
    naming the file and the row for a file of another format or version, a malformed row, a repeated run."""
    if not os.path.exists(path):
        return {}
    document = read_json(path, "run archive")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a run archive (format {FORMAT!r})")
    if document.get("format_version") != VERSION or isinstance(document.get("format_version"), bool):
        raise ValueError(f"{path}: format_version {quote(document.get('format_version'))} is not {VERSION}")
    rows = document.get("runs")
    if not isinstance(rows, list):
        raise ValueError(f"{path}: 'runs' must be a list of rows")
    archive = {}
    for number, row in enumerate(rows):
        check_row(row, f"{path}, row {number}")
        if row["run"] in archive:
            raise ValueError(f"{path}, row {number}: run {row['run']!r} appears twice")
        archive[row["run"]] = row
    return archive


def write_archive(archive: dict[str, dict[str, Any]], path: str = ARCHIVE) -> None:
    """Atomically, rows sorted by run name, one per line (a changed run is a one-line diff)."""
    head = {"format": FORMAT, "format_version": VERSION,
            "columns": {column: description for column, (_, _, description) in COLUMNS.items()}}
    rows = ",\n".join("    " + json.dumps(archive[name], allow_nan=False) for name in sorted(archive))
    text = json.dumps(head, indent=2)[:-2] + ',\n  "runs": [\n' + rows + "\n  ]\n}\n"
    atomic_write_text(path, text)


def recorded_selection_mean(name: str, algorithm: str, env_id: str) -> float | None:
    """The selection mean that the zoo card of ``algorithm`` on ``env_id`` records for run ``name``, if any."""
    path = os.path.join(AGENTS, champion_name(algorithm, env_id), "policy.json")
    if not os.path.exists(path):
        return None
    return load_policy(path)[1].get("zoo", {}).get("selection_means", {}).get(name)


def head_commit() -> str | None:
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from train_zoo import planned_runs  # the plan says what each run is for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="NAME", help="run folders in evaluation/runs/ to archive")
    parser.add_argument("--remove", action="store_true", help="delete each folder once its row is saved")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    purposes = {run.name: run.reason for run in planned_runs()}
    archive, history = read_archive(), head_commit()
    for name in args.names:
        folder = os.path.join(RUNS, name)
        if name not in archive:
            if not os.path.exists(os.path.join(folder, "champion.json")):
                raise SystemExit(f"{folder} holds no finished run (no champion.json): nothing to archive")
            config, training = load_config(folder), load_run(folder)
            policy = policy_of(training, run_tag(name, config.algorithm, config.env_id))
            report = evaluate(policy, config.env_id, episodes=PROTOCOL_EPISODES, seed=PROTOCOL_SEED,
                              workers=args.workers)
            selection = recorded_selection_mean(name, config.algorithm, config.env_id)
            if selection is None:
                selection = evaluate(policy, config.env_id, episodes=PROTOCOL_EPISODES, seed=SELECTION_SEED,
                                     workers=args.workers).statistics()["mean"]
            archive[name] = make_row(folder, training, report, selection, purpose=purposes.get(name, ""),
                                     history=history)
        row = archive[name]
        row["purpose"] = purposes.get(name, row["purpose"])
        if args.remove and os.path.isdir(folder):
            row["folder"] = False
            write_archive(archive)
            shutil.rmtree(folder)
        write_archive(archive)
        print(f"{name:60s} {row['protocol_mean']:.2f} +/- {row['protocol_std']:.2f}"
              + (", folder removed" if not row["folder"] else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
