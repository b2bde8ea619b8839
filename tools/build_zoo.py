"""Regenerate the zoo and the evaluation folder from the finished training runs.

    python tools/build_zoo.py [--workers K]

Every finished run is a row of ``evaluation/runs.json`` (``tools/run_archive.py``); the runs that a champion or
a cell of the article's tables needs also keep their folder in ``evaluation/runs/`` (``tools/train_zoo.py``
makes them). For every algorithm and task with finished runs:

1. score every run folder's champion with the protocol on a *selection* seed (1000, 100 episodes) and on the
   evaluation seed (0, 100 episodes), and write its row; rows whose folder left the tree keep their scores;
2. pick the best on the selection seed (the sparser network among equals); selecting on other episodes than
   those reported keeps the reported score free of selection bias; the pick must have its folder;
3. write its protocol report, ``evaluation/<name>.json`` and ``.md``, and ``agents/<name>/``: ``policy.json``
   (weights and model card, the card holding the protocol result), ``learning_curve.jsonl``,
   ``learning_curve.svg``, ``network.svg`` and ``MODEL_CARD.md``;

then ``evaluation/runs.json`` and ``evaluation/REPRODUCTION.md`` (``tools/reproduction.py``), from the rows alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pendulum_zoo.drawing import write_learning_curve_svg, write_network_svg  # noqa: E402
from pendulum_zoo.envs.registration import ENV_SPECS  # noqa: E402
from pendulum_zoo.protocol import evaluate  # noqa: E402
from pendulum_zoo.protocol.report import Report  # noqa: E402
from pendulum_zoo.storage.fileio import atomic_write_text  # noqa: E402
from pendulum_zoo.storage.policy_file import save_policy  # noqa: E402
from pendulum_zoo.strategies import algorithm_names  # noqa: E402
from pendulum_zoo.training import TrainResult  # noqa: E402
from pendulum_zoo.zoo import champion_name  # noqa: E402
from reproduction import label, pick, reproduction  # noqa: E402
from run_archive import (  # noqa: E402
    AGENTS, PROTOCOL_EPISODES, PROTOCOL_SEED, RUNS, SELECTION_SEED, load_run, make_row, policy_of,
    read_archive, write_archive,
)
from train_zoo import planned_runs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVALUATION = os.path.join(ROOT, "evaluation")


def finished_runs(algorithm: str, env_id: str) -> list[tuple[str, str]]:
    """``(folder, tag)`` of every finished run in the tree: ``<name>-s<seed>`` has the article's settings (tag
    ``""``), ``<name>-s<seed>-<tag>`` has tuned ones (``tools/train_zoo_plan.json``; its card says which)."""
    prefix = f"{champion_name(algorithm, env_id)}-s"
    if not os.path.isdir(RUNS):
        return []
    runs = []
    for name in sorted(os.listdir(RUNS)):
        seed, _, tag = name[len(prefix):].partition("-")
        if name.startswith(prefix) and seed.isdigit() and os.path.exists(os.path.join(RUNS, name, "champion.json")):
            runs.append((os.path.join(RUNS, name), tag))
    return runs


@dataclass
class Scored:
    """A run folder's champion, scored on the evaluation seed."""
    training: TrainResult
    report: Report


def score_folders(algorithm: str, env_id: str, archive: dict, purposes: dict[str, str],
                  workers: int | None) -> dict[str, Scored]:
    """Score every finished run folder of ``algorithm`` on ``env_id`` and write its row into ``archive``."""
    scored = {}
    for folder, tag in finished_runs(algorithm, env_id):
        name = os.path.basename(folder)
        training = load_run(folder)
        policy = policy_of(training, tag)
        selection_mean = evaluate(policy, env_id, episodes=PROTOCOL_EPISODES, seed=SELECTION_SEED,
                                  workers=workers).statistics()["mean"]
        report = evaluate(policy, env_id, episodes=PROTOCOL_EPISODES, seed=PROTOCOL_SEED, workers=workers)
        report.algorithm = algorithm
        history = archive.get(name, {}).get("history")  # a commit holding its checkpoint, kept from the row
        archive[name] = make_row(folder, training, report, selection_mean, purpose=purposes.get(name, ""),
                                 history=history)
        scored[name] = Scored(training, report)
    return scored


def check_folders(archive: dict) -> None:
    """Refuse rows that say their folder is in the tree when it is not."""
    missing = [name for name, row in archive.items()
               if row["folder"] and not os.path.exists(os.path.join(RUNS, name, "champion.json"))]
    if missing:
        raise SystemExit(f"evaluation/runs.json says these runs have a folder in evaluation/runs/, but none is "
                         f"there: {', '.join(missing)}; restore them (git checkout <commit> -- evaluation/runs/"
                         "<name>) or archive them (python tools/run_archive.py NAME --remove)")


def build_champion(algorithm: str, env_id: str, rows: list[dict], scored: dict[str, Scored]) -> dict:
    """Write the champion of ``rows`` (all finished runs of ``algorithm`` on ``env_id``); return its row."""
    best = pick(rows)
    if best["run"] not in scored:
        raise SystemExit(f"the best run of {algorithm} on {env_id} is {best['run']}, whose folder left the tree: "
                         f"restore it with git checkout {best['history']} -- evaluation/runs/{best['run']}")
    chosen = scored[best["run"]]
    name = champion_name(algorithm, env_id)
    report = save_champion_report(algorithm, env_id, chosen.report)

    folder = os.path.join(AGENTS, name)
    os.makedirs(folder, exist_ok=True)
    card = {**chosen.training.card, "zoo": {
        "selected_from_runs": [row["run"] for row in rows],
        "selection": f"best protocol mean on evaluation seed {SELECTION_SEED}",
        "selection_means": {row["run"]: row["selection_mean"] for row in rows},
        "protocol": protocol_record(report),
    }}
    save_policy(os.path.join(folder, "policy.json"), chosen.training.champion, card)
    shutil.copyfile(os.path.join(chosen.training.out_dir, "log.jsonl"), os.path.join(folder, "learning_curve.jsonl"))
    write_learning_curve_svg(os.path.join(folder, "learning_curve.svg"), chosen.training.log,
                             title=f"{algorithm} on {env_id.split('/')[-1]}, seed {label(best)}",
                             threshold=chosen.training.card["hyperparameters"]["threshold"])
    write_network_svg(os.path.join(folder, "network.svg"), chosen.training.champion,
                      title=f"{algorithm} champion, {env_id.split('/')[-1]}")
    atomic_write_text(os.path.join(folder, "MODEL_CARD.md"), model_card_markdown(name, card, report))
    return best


def unchanged_or_new(path: str, report: Report) -> Report:
    """The report already at ``path`` if its episodes and results equal ``report``'s, else ``report``: a
    rebuild that changes no result then leaves the file as it was, wall time and versions included."""
    if os.path.exists(path):
        kept = Report.load(path)
        if kept.results() == report.results():
            return kept
    return report


def save_champion_report(algorithm: str, env_id: str, report: Report) -> Report:
    """The champion's protocol report as ``evaluation/<champion>.json`` and ``.md`` (every builder's); the file
    already there is kept when no result changed (``unchanged_or_new``). Returns the report written."""
    path = os.path.join(EVALUATION, f"{champion_name(algorithm, env_id)}.json")
    report.agent = f"{algorithm} champion for {env_id}"
    report = unchanged_or_new(path, report)
    report.save(path)
    atomic_write_text(path[:-len(".json")] + ".md", report.markdown())
    return report


def protocol_record(report: Report) -> dict:
    """A card's ``zoo.protocol`` record of its report (what ``pendulum_zoo.zoo.protocol_score`` reads back)."""
    stats = report.statistics()
    return {"episodes": report.episodes, "seed": report.seed, "mean": stats["mean"], "std": stats["std"],
            "iqm": stats["iqm"], "success_rate": stats["success_rate"], "returns": report.returns}


def protocol_section(name: str, report: Report, note: str = "") -> list[str]:
    """A model card's "Protocol score" section (every champion's, whatever trained it)."""
    stats = report.statistics()
    low, high = stats["iqm_ci95"]
    return ["## Protocol score", "",
            f"100 episodes, evaluation seed {report.seed} ([report](../../evaluation/{name}.json)): "
            f"**{stats['mean']:.2f} +/- {stats['std']:.2f}**, IQM {stats['iqm']:.2f} [{low:.2f}, {high:.2f}], "
            f"success rate {stats['success_rate']:.2f}.{note}", ""]


def model_card_markdown(name: str, card: dict, report: Report) -> str:
    hp = card["hyperparameters"]
    zoo = card["zoo"]
    steps = "not reached" if card["steps_to_solve"] is None else f"{card['steps_to_solve']:,} (generation {card['solved_generation']})"
    lines = [
        f"# {name}", "",
        f"The `{card['algorithm']}` champion for `{card['env_id']}`, trained by pendulum-zoo "
        f"{card['package_version']}. Load it with `pendulum_zoo.load_champion(\"{card['algorithm']}\", "
        f"\"{card['env_id']}\")`.", "",
        *protocol_section(name, report),
        "## Network", "",
        f"{card['connections']} connections ({card['effective_connections']} on an input -> hidden -> output path). "
        "![network](network.svg)", "",
        "## Training", "",
        "| | |", "|---|---|",
        f"| algorithm | `{card['algorithm']}` |",
        f"| seed | {card['seed']} (picked from runs {', '.join(zoo['selected_from_runs'])} by "
        f"{zoo['selection']}) |",
        f"| population, episodes per member | {hp['population_size']}, {hp['episodes']} |",
        f"| threshold, generations | {hp['threshold']:g}, {hp['min_generations']}..{hp['max_generations']} |",
        f"| strategy hyperparameters | `{hp['strategy']}` |",
        f"| generations run | {card['generations']} ({card['stop_reason']}) |",
        f"| steps to solve | {steps} |",
        f"| total env steps | {card['total_steps']:,} |",
        f"| training fitness of the champion | {card['training_fitness']:.3f} (generation {card['champion_generation']}) |",
        f"| wall time | {card['wall_time_s'] / 60:.1f} min |",
        "", "![learning curve](learning_curve.svg)", "",
        "`learning_curve.jsonl` is the run's per-generation log; `policy.json` holds the weights and this card.", "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    archive = read_archive()
    check_folders(archive)
    purposes = {run.name: run.reason for run in planned_runs()}
    for env_id in ENV_SPECS:
        for algorithm in algorithm_names():
            name = champion_name(algorithm, env_id)
            scored = score_folders(algorithm, env_id, archive, purposes, args.workers)
            rows = sorted((row for row in archive.values() if (row["algorithm"], row["env_id"]) == (algorithm, env_id)),
                          key=lambda row: row["run"])
            if not rows:
                print(f"{name:45s} no finished run yet", flush=True)
                continue
            best = build_champion(algorithm, env_id, rows, scored)
            print(f"{name:45s} {len(rows)} run(s), {len(scored)} with a folder; champion {best['run']}, protocol "
                  f"{best['protocol_mean']:.2f} +/- {best['protocol_std']:.2f}", flush=True)
    write_archive(archive)
    atomic_write_text(os.path.join(EVALUATION, "REPRODUCTION.md"),
                      reproduction(archive.values(), os.path.join(EVALUATION, "REPRODUCTION_NOTES.md")))


if __name__ == "__main__":
    sys.exit(main())
