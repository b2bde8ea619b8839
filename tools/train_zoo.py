"""Train the runs behind the zoo and the reproduction of the article's tables, resuming where they stopped.

    python tools/train_zoo.py [--only NAME-SUBSTRING] [--workers K] [--stop-after MINUTES]
                              [--max-generations N] [--list]

The runs are planned in ``tools/train_zoo_plan.json`` (one entry per group of runs, with its settings and the
reason for it; its ``about`` says how to read it). Each lives in ``evaluation/runs/<algo>-<Env>-s<seed>[-<tag>]/``
(config, log, checkpoint, champion). Finished runs are skipped, whether their folder is in the tree or only
their row in ``evaluation/runs.json`` (``tools/run_archive.py``); unfinished ones resume from their checkpoint
and end exactly as an uninterrupted run would. Checkpoints are never committed (``.gitignore``), so a run
resumes only in the work tree that holds its checkpoint and starts over elsewhere (same seed, same result).
``--stop-after`` ends the script cleanly, right after a generation's checkpoint, once that many minutes have
passed. ``--max-generations`` gives the selected runs a generation budget other than their plan's; it is
written into the run's config and the champion's card. ``tools/build_zoo.py`` then picks the champions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import dataclass, replace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pendulum_zoo.storage.fileio import read_json  # noqa: E402
from pendulum_zoo.training import TrainConfig, read_log, train  # noqa: E402
from pendulum_zoo.validation import check_integer, quote  # noqa: E402
from pendulum_zoo.training.run_folder import run_name  # noqa: E402
from run_archive import RUNS, read_archive  # noqa: E402

PLAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_zoo_plan.json")
PLAN_FORMAT, PLAN_VERSION = "pendulum-zoo/train-plan", 1
ENTRY_KEYS = ("algorithms", "env_id", "seeds", "tag", "settings", "continues", "reason")
RUN_FILES = ("config.json", "log.jsonl", "checkpoint.npz")


@dataclass(frozen=True)
class PlannedRun:
    name: str  # the run folder's name
    config: TrainConfig
    continues: str | None  # the folder name of the finished run it starts from
    reason: str


def planned_runs(path: str = PLAN) -> list[PlannedRun]:
    """Every run of the plan file, in order; ValueError/TypeError naming the entry for a malformed one."""
    document = read_json(path, "training plan")
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT \
            or document.get("format_version") != PLAN_VERSION or not isinstance(document.get("entries"), list):
        raise ValueError(f"{path} is not a training plan ({PLAN_FORMAT!r}, version {PLAN_VERSION}, 'entries')")
    runs, seen = [], set()
    for number, entry in enumerate(document["entries"]):
        where = f"{path}, entry {number}"
        if not isinstance(entry, dict) or sorted(entry) != sorted(ENTRY_KEYS):
            raise ValueError(f"{where}: an entry has exactly the keys {', '.join(ENTRY_KEYS)}; got {quote(entry)}")
        if not isinstance(entry["settings"], dict) or {"algorithm", "env_id", "seed"} & set(entry["settings"]):
            raise ValueError(f"{where}: 'settings' must be an object of TrainConfig fields other than algorithm, "
                             "env_id and seed")
        for key in ("tag", "reason"):
            if not isinstance(entry[key], str):
                raise TypeError(f"{where}: {key!r} must be text, got {quote(entry[key])}")
        if not entry["reason"]:
            raise ValueError(f"{where}: every entry says why it was planned ('reason')")
        for algorithm in entry["algorithms"]:
            for seed in entry["seeds"]:
                check_integer(f"{where}: a seed", seed, 0)
                config = TrainConfig.from_dict({"algorithm": algorithm, "env_id": entry["env_id"], "seed": seed,
                                                **entry["settings"]})
                name = run_name(algorithm, entry["env_id"], seed, entry["tag"])
                if name in seen:
                    raise ValueError(f"{where}: run {name} is planned twice")
                seen.add(name)
                continues = entry["continues"]
                runs.append(PlannedRun(name, config, None if continues is None else
                                       run_name(algorithm, entry["env_id"], seed, continues), entry["reason"]))
    return runs


def status(folder: str, archived: bool = False) -> str:
    if os.path.exists(os.path.join(folder, "champion.json")):
        return "finished"
    if archived:
        return "finished (archived: its row is in evaluation/runs.json, its folder left the tree)"
    if os.path.exists(os.path.join(folder, "checkpoint.npz")):
        return f"at generation {len(read_log(os.path.join(folder, 'log.jsonl')))}"
    if os.path.exists(os.path.join(folder, "log.jsonl")):
        return "not started here (its checkpoint is in another work tree: it starts over)"
    return "not started"


def copy_run(source: str, folder: str) -> bool:
    """Copy a finished run's files into ``folder``, to be resumed there with another stopping rule; False if
    the source's checkpoint is not in this work tree (the run then starts from scratch: same result)."""
    if not os.path.exists(os.path.join(source, "checkpoint.npz")):
        print(f"  continues {os.path.basename(source)}, whose checkpoint is not here: trained from the start",
              flush=True)
        return False
    if status(source) != "finished":
        raise SystemExit(f"{os.path.basename(folder)} continues {source}, which has not finished: train it first")
    os.makedirs(folder, exist_ok=True)
    for name in RUN_FILES:
        shutil.copy2(os.path.join(source, name), os.path.join(folder, name))
    print(f"  continues {os.path.basename(source)}", flush=True)
    return True


class TimeBudgetReached(Exception):
    """Raised from the training callback, after the generation's checkpoint is saved."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only plans whose folder name contains this text")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--list", action="store_true", help="print the plan and each run's status, then stop")
    parser.add_argument("--stop-after", type=float, default=None, metavar="MINUTES",
                        help="stop cleanly after the first generation that ends past this many minutes")
    parser.add_argument("--max-generations", type=int, default=None, metavar="N",
                        help="generation budget for the selected runs (default: the plan's)")
    args = parser.parse_args()
    deadline = None if args.stop_after is None else time.time() + 60 * args.stop_after

    def watch(record: dict) -> None:
        if deadline is not None and time.time() > deadline:
            raise TimeBudgetReached(f"generation {record['generation']}")
    archive = read_archive()
    for run in planned_runs():
        if args.only not in run.name:
            continue
        config = run.config
        if args.max_generations is not None:
            config = replace(config, max_generations=args.max_generations)
        folder = os.path.join(RUNS, run.name)
        state = status(folder, run.name in archive)
        print(f"{run.name:70s} {state}", flush=True)
        if args.list or state.startswith("finished"):
            continue
        resume = state.startswith("at generation")
        if not resume and run.continues is not None:
            resume = copy_run(os.path.join(RUNS, run.continues), folder)
        started = time.time()
        try:
            result = train(config, folder, workers=args.workers, resume=resume, callback=watch)
        except TimeBudgetReached as stop:
            print(f"  -> time budget reached after {stop}; the checkpoint is saved, resume by running again")
            return
        card = result.card
        print(f"  -> {card['stop_reason']} after {card['generations']} generations, steps to solve "
              f"{card['steps_to_solve']}, {card['connections']} connections, {time.time() - started:.0f} s",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
