"""Regenerate the zoo and the evaluation folder from the finished training runs.

    python tools/build_zoo.py [--workers K]

For every algorithm and task with finished runs in ``evaluation/runs/`` (``tools/train_zoo.py`` makes them):

1. score every run's champion with the protocol on a *selection* seed (1000, 100 episodes) and pick the best
   (the sparser network among equals); selecting on other episodes than those reported keeps the reported
   score free of selection bias;
2. score the pick with the protocol (evaluation seed 0, 100 episodes): ``evaluation/<name>.json`` and ``.md``;
3. write ``agents/<name>/``: ``policy.json`` (weights and model card, the card holding the protocol result),
   ``learning_curve.jsonl``, ``learning_curve.svg``, ``network.svg`` and ``MODEL_CARD.md``;

then write ``evaluation/REPRODUCTION.md``: the article's Tables 1 and 2 beside ours, from the runs of
``InvertedPendulum-v0`` and ``InvertedPendulumSwingupWide-v0`` (three seeds per algorithm).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass

import numpy as np

from pendulum_zoo.protocol.benchmark import BenchmarkResult, SeedRun, scientific
from pendulum_zoo.drawing import write_learning_curve_svg, write_network_svg
from pendulum_zoo.storage.fileio import atomic_write_text
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.storage.policy_file import load_policy, save_policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.protocol.report import Report
from pendulum_zoo.training import TrainResult, load_config, read_log
from pendulum_zoo.zoo import champion_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = os.path.join(ROOT, "evaluation", "runs")
AGENTS = os.path.join(ROOT, "agents")
EVALUATION = os.path.join(ROOT, "evaluation")
SELECTION_SEED = 1000
ALGORITHMS = ("mk1", "mk2", "cma-layerwise", "cma")
ENVS = ("pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumWide-v0",
        "pendulum_zoo/InvertedPendulumSwingup-v0", "pendulum_zoo/InvertedPendulumSwingupWide-v0")

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


def finished_runs(algorithm: str, env_id: str) -> list[tuple[str, str]]:
    """``(folder, tag)`` of every finished run: ``<name>-s<seed>`` has the article's settings (tag ``""``),
    ``<name>-s<seed>-<tag>`` has tuned ones (``tools/train_zoo.py``'s ``TUNED``; its card says which)."""
    prefix = f"{champion_name(algorithm, env_id)}-s"
    if not os.path.isdir(RUNS):
        return []
    runs = []
    for name in sorted(os.listdir(RUNS)):
        seed, _, tag = name[len(prefix):].partition("-")
        if name.startswith(prefix) and seed.isdigit() and os.path.exists(os.path.join(RUNS, name, "champion.json")):
            runs.append((os.path.join(RUNS, name), tag))
    return runs


def load_run(folder: str) -> TrainResult:
    params, card = load_policy(os.path.join(folder, "champion.json"))
    return TrainResult(params, card, folder, read_log(os.path.join(folder, "log.jsonl")))


@dataclass
class Run:
    """One finished run, scored: ``tag`` is ``""`` for the article's settings."""
    tag: str
    scored: SeedRun
    selection_mean: float

    @property
    def label(self) -> str:
        return f"{self.scored.seed}" + (f" ({self.tag})" if self.tag else "")


@dataclass
class Built:
    """One algorithm on one task. The tables compare the article's settings only (``article``); the zoo's
    champion is the best of all runs, tuned ones included."""
    article: BenchmarkResult
    runs: list[Run]
    champion: Run


def build_champion(algorithm: str, env_id: str, folders: list[tuple[str, str]], workers: int | None) -> Built:
    runs = []
    for folder, tag in folders:
        training = load_run(folder)
        seed = load_config(folder).seed
        policy = Policy(training.champion, f"{algorithm} seed {seed}" + (f" {tag}" if tag else ""))
        selection_mean = evaluate(policy, env_id, seed=SELECTION_SEED, workers=workers).statistics()["mean"]
        report = evaluate(policy, env_id, workers=workers)
        report.algorithm = algorithm
        runs.append(Run(tag, SeedRun(seed, training, report), selection_mean))
    # the best selection mean; among equals (every balance champion scores 1000) the sparser network
    def pick(candidates: list[Run]) -> Run:
        return max(candidates, key=lambda run: (run.selection_mean, -run.scored.report.connections))
    article_runs = [run for run in runs if not run.tag]
    article = BenchmarkResult(algorithm, env_id, [run.scored for run in article_runs],
                              pick(article_runs).scored.seed if article_runs else None)
    champion = pick(runs)
    chosen = champion.scored
    name = champion_name(algorithm, env_id)
    report = chosen.report
    report.agent = f"{algorithm} champion for {env_id}"
    report = unchanged_or_new(os.path.join(EVALUATION, f"{name}.json"), report)
    chosen.report = report
    report.save(os.path.join(EVALUATION, f"{name}.json"))
    atomic_write_text(os.path.join(EVALUATION, f"{name}.md"), report.markdown())

    folder = os.path.join(AGENTS, name)
    os.makedirs(folder, exist_ok=True)
    stats = report.statistics()
    card = {**chosen.training.card, "zoo": {
        "selected_from_runs": [os.path.basename(run.scored.training.out_dir) for run in runs],
        "selection": f"best protocol mean on evaluation seed {SELECTION_SEED}",
        "selection_means": {os.path.basename(run.scored.training.out_dir): run.selection_mean for run in runs},
        "protocol": {"episodes": report.episodes, "seed": report.seed, "mean": stats["mean"], "std": stats["std"],
                     "iqm": stats["iqm"], "success_rate": stats["success_rate"], "returns": report.returns},
    }}
    save_policy(os.path.join(folder, "policy.json"), chosen.training.champion, card)
    shutil.copyfile(os.path.join(chosen.training.out_dir, "log.jsonl"), os.path.join(folder, "learning_curve.jsonl"))
    write_learning_curve_svg(os.path.join(folder, "learning_curve.svg"), chosen.training.log,
                             title=f"{algorithm} on {env_id.split('/')[-1]}, seed {champion.label}",
                             threshold=chosen.training.card["hyperparameters"]["threshold"])
    write_network_svg(os.path.join(folder, "network.svg"), chosen.training.champion,
                      title=f"{algorithm} champion, {env_id.split('/')[-1]}")
    atomic_write_text(os.path.join(folder, "MODEL_CARD.md"), model_card_markdown(name, card, report))
    return Built(article, runs, champion)


def unchanged_or_new(path: str, report: Report) -> Report:
    """The report already at ``path`` if its episodes and results equal ``report``'s, else ``report``: a
    rebuild that changes no result then leaves the file as it was, wall time and versions included."""
    if os.path.exists(path):
        kept = Report.load(path)
        if kept.results() == report.results():
            return kept
    return report


def model_card_markdown(name: str, card: dict, report: Report) -> str:
    stats = report.statistics()
    low, high = stats["iqm_ci95"]
    hp = card["hyperparameters"]
    zoo = card["zoo"]
    steps = "not reached" if card["steps_to_solve"] is None else f"{card['steps_to_solve']:,} (generation {card['solved_generation']})"
    lines = [
        f"# {name}", "",
        f"The `{card['algorithm']}` champion for `{card['env_id']}`, trained by pendulum-zoo "
        f"{card['package_version']}. Load it with `pendulum_zoo.load_champion(\"{card['algorithm']}\", "
        f"\"{card['env_id']}\")`.", "",
        "## Protocol score", "",
        f"100 episodes, evaluation seed {report.seed} ([report](../../evaluation/{name}.json)): "
        f"**{stats['mean']:.2f} +/- {stats['std']:.2f}**, IQM {stats['iqm']:.2f} [{low:.2f}, {high:.2f}], "
        f"success rate {stats['success_rate']:.2f}.", "",
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


# The zoo's targets (issue "champion zoo"): (env, algorithms, what, test on (protocol statistics, connections)).
TARGETS = [
    *[(env_id, ALGORITHMS, "mean 1000.0 +/- 0.0", lambda stats, _: stats["mean"] == 1000.0 and stats["std"] == 0.0)
      for env_id in ("pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumWide-v0")],
    ("pendulum_zoo/InvertedPendulum-v0", ("mk1",), "at most 7 connections (article)",
     lambda _, connections: connections <= 7),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("mk1",), "mean >= 889.5 (article: 889.5 +/- 0.36)",
     lambda stats, _: stats["mean"] >= 889.5),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("cma-layerwise", "cma"),
     "mean >= 867.9 (article's CMA: 867.9 +/- 42.4)", lambda stats, _: stats["mean"] >= 867.9),
    ("pendulum_zoo/InvertedPendulumSwingupWide-v0", ("mk2",), "mean >= 776.7 (article: 776.7 +/- 247.9)",
     lambda stats, _: stats["mean"] >= 776.7),
    ("pendulum_zoo/InvertedPendulumSwingup-v0", ALGORITHMS,
     "mean >= 867 (rl-baselines-zoo PPO2: 866.989 +/- 27.134)", lambda stats, _: stats["mean"] >= 867.0),
]


def targets_table(results: dict[tuple[str, str], Built]) -> list[str]:
    lines = ["## The zoo's targets", "", "Every zoo champion against its target, on its 100 protocol episodes.", "",
             "| Env | Method | Target | Champion | Met |", "|---|---|---|---|---|"]
    for env_id, algorithms, what, met in TARGETS:
        for algorithm in algorithms:
            result = results.get((algorithm, env_id))
            if result is None:
                lines.append(f"| {env_id.split('/')[-1]} | {algorithm} | {what} | not trained yet | no |")
                continue
            report = result.champion.scored.report
            stats = report.statistics()  # computed once: it includes a bootstrap
            lines.append(f"| {env_id.split('/')[-1]} | {algorithm} | {what} | {stats['mean']:.2f} +/- "
                         f"{stats['std']:.2f}, {report.connections} connections, seed {result.champion.label} | "
                         f"{'yes' if met(stats, report.connections) else '**no**'} |")
    return lines + [""]


# How the article's tables count "solved": Table 1 "Steps to solve (R > 999.0)", Table 2 the 880 threshold.
ARTICLE_SOLVED = {"pendulum_zoo/InvertedPendulum-v0": lambda fitness: fitness > 999.0,
                  "pendulum_zoo/InvertedPendulumSwingupWide-v0": lambda fitness: fitness >= 880.0}


def steps_to_solve(log: list[dict], solved) -> int | None:
    """Env steps up to the first generation whose best fitness counts as solved, by the article's rule."""
    return next((record["env_steps"] for record in log if solved(record["best_fitness"])), None)


def reproduction(results: dict[tuple[str, str], Built]) -> str:
    lines = ["# Reproduction of the article's tables", "",
             "Generated by `python tools/build_zoo.py` from the runs in `evaluation/runs/` (article settings: "
             "population 128/256, 8 episodes, threshold 999.5/880, at least 100 generations; at most 1024, "
             "or the smaller budget that the per-seed table shows). "
             "\"Steps to solve\" counts env steps up to the first generation whose best fitness counts as solved "
             "by the article's rule (Table 1: R > 999.0; Table 2: 880), mean +/- std over the runs that got "
             "there, with how many did. \"Best agent\": among the seeds' champions, the one "
             f"with the best protocol mean on evaluation seed {SELECTION_SEED} (the sparser among equals), "
             "reported as mean +/- std over its 100 protocol episodes on evaluation seed 0; picking on other "
             "episodes than those reported keeps the score free of selection bias. The tables hold runs with the "
             "article's settings only; the zoo's champion is picked the same way from these and from runs with "
             "tuned settings (the per-seed table names them), and is the one the targets table shows. "
             "The article's CMA is its "
             "layer-wise variant (`cma-layerwise`); canonical CMA-ES (`cma`) is ours alone.", ""]
    for title, env_id in (("Table 1: balance, `InvertedPendulum-v0`", "pendulum_zoo/InvertedPendulum-v0"),
                          ("Table 2: swing-up, widened track, `InvertedPendulumSwingupWide-v0`",
                           "pendulum_zoo/InvertedPendulumSwingupWide-v0")):
        lines += [f"## {title}", "", "| Method | Article: steps to solve | Article: best agent | Ours: steps to "
                  "solve (runs that solved) | Ours: best agent | Ours: connections | Ours: wall time per run |",
                  "|---|---|---|---|---|---|---|"]
        for algorithm in ALGORITHMS:
            article = ARTICLE[env_id].get(algorithm, ("-", "-"))
            result = results[(algorithm, env_id)].article if (algorithm, env_id) in results else None
            if result is None or not result.runs:
                lines.append(f"| {algorithm} | {article[0]} | {article[1]} | no finished run yet | | | |")
                continue
            solved = [steps_to_solve(run.training.log, ARTICLE_SOLVED[env_id]) for run in result.runs]
            reached = [steps for steps in solved if steps is not None]
            steps = (scientific(float(np.mean(reached)), float(np.std(reached))) if reached else "-")
            best = result.best
            stats = best.report.statistics()
            minutes = np.mean([run.training.card["wall_time_s"] for run in result.runs]) / 60
            lines.append(f"| {algorithm} | {article[0]} | {article[1]} | {steps} ({len(reached)}/{len(result.runs)}) "
                         f"| {stats['mean']:.1f} +/- {stats['std']:.2f} (seed {best.seed}) | "
                         f"{best.report.connections} | {minutes:.1f} min |")
        lines.append("")
    lines += targets_table(results)
    lines += ["## Per-seed results", "",
              "| Method | Env | Seed (settings) | Steps to solve (article's rule) | Trainer's steps to solve (threshold) "
              "| Generations run / budget (stop) | Protocol mean +/- std | Connections |",
              "|---|---|---|---|---|---|---|---|"]
    for (algorithm, env_id), result in sorted(results.items()):
        for entry in result.runs:
            run = entry.scored
            card, stats = run.training.card, run.report.statistics()
            rule = ARTICLE_SOLVED.get(env_id)
            article_steps = steps_to_solve(run.training.log, rule) if rule else None
            trainer_steps = card["steps_to_solve"]
            lines.append(f"| {algorithm} | {env_id.split('/')[-1]} | {entry.label} | "
                         f"{'-' if article_steps is None else f'{article_steps:.3e}'} | "
                         f"{'-' if trainer_steps is None else f'{trainer_steps:.3e}'} | {card['generations']} / "
                         f"{card['hyperparameters']['max_generations']} ({card['stop_reason']}) | "
                         f"{stats['mean']:.2f} +/- {stats['std']:.2f} | {run.report.connections} |")
    notes = os.path.join(EVALUATION, "REPRODUCTION_NOTES.md")
    if os.path.exists(notes):  # the hand-written commentary on these numbers
        with open(notes, encoding="utf-8") as stream:
            lines += ["", stream.read().strip(), ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    results = {}
    for env_id in ENVS:
        for algorithm in ALGORITHMS:
            folders = finished_runs(algorithm, env_id)
            if not folders:
                print(f"{champion_name(algorithm, env_id):45s} no finished run yet", flush=True)
                continue
            result = build_champion(algorithm, env_id, folders, args.workers)
            results[(algorithm, env_id)] = result
            stats = result.champion.scored.report.statistics()
            print(f"{champion_name(algorithm, env_id):45s} {len(folders)} run(s); protocol {stats['mean']:.2f} "
                  f"+/- {stats['std']:.2f}", flush=True)
    atomic_write_text(os.path.join(EVALUATION, "REPRODUCTION.md"), reproduction(results))


if __name__ == "__main__":
    sys.exit(main())
