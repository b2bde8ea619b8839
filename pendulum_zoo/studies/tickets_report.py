"""The lottery-ticket study's outputs from its run folders: ``tickets.json`` (curves over seeds), one SVG per
group of return against sparsity for the four conditions and one of each input's weight in the ticket, and
``TABLES.md`` (the numbers the commentary, ``README.md`` in the same folder, quotes)."""

from __future__ import annotations

import os

import numpy as np

from pendulum_zoo.drawing.sparsity_svg import Series, sparsity_curves_svg
from pendulum_zoo.envs.registration import solved_threshold
from pendulum_zoo.networks.policy import INPUT_NAMES
from pendulum_zoo.rl.imp import CONDITIONS, IMPState
from pendulum_zoo.storage.fileio import atomic_write_text, read_json, write_json
from pendulum_zoo.studies.input_subsets import FILE as SUBSETS_FILE, SUBSETS
from pendulum_zoo.studies.tickets import RESULTS_FILE, RESULTS_FORMAT, TicketsConfig, read_run, save_results
from pendulum_zoo.studies.tickets_plan import PLAN
from pendulum_zoo.validation import check_integer
from pendulum_zoo.zoo import env_name

FORMAT, FORMAT_VERSION = "pendulum-zoo/tickets-study", 1
KEEP = 0.98  # "within 2% of its dense agent": the rule for the sparsest good ticket


def group_runs(root: str, name: str) -> list[tuple[object, object]]:
    """(config, state) of every run folder of group ``name``: from its checkpoint, which also refreshes the
    run's ``results.json``, or, where the checkpoint is not in this work tree, from that ``results.json`` (its
    rows and rounds only), so that a report written in a fresh clone keeps every finished run."""
    folder = os.path.join(root, "runs")
    runs = []
    for seed in PLAN[name][0]:
        path = os.path.join(folder, f"{name}-s{seed}")
        results = os.path.join(path, RESULTS_FILE)
        if os.path.exists(os.path.join(path, "checkpoint.npz")):
            runs.append(read_run(path))
            save_results(path, runs[-1][1])
        elif os.path.exists(results):
            config = TicketsConfig.from_dict(read_json(os.path.join(path, "config.json"), "tickets config"))
            saved = read_json(results, "tickets results")
            if saved.get("format") != RESULTS_FORMAT or not isinstance(saved.get("rows"), list):
                raise ValueError(f"{results} is not a tickets results file ({RESULTS_FORMAT})")
            runs.append((config, IMPState({}, {}, check_integer(f"rounds_done of {results}",
                                                                saved.get("rounds_done"), 0), saved["rows"])))
    return runs


def summarise_group(runs: list) -> dict:
    """Per condition and round: sparsity, mean and std of the protocol score over the seeds that reached it;
    per round, how often each input is live in the ticket and its mean cumulative input weight."""
    config = runs[0][0]
    rounds = max(state.round for _, state in runs)  # a round's figures use the seeds that have finished it
    curves = {}
    for condition in config.conditions:
        points = []
        for r in range(rounds):
            rows = _rows(runs, r, condition)
            scores = [row["score"] for row in rows]
            points.append({"round": r, "sparsity": rows[0]["sparsity"], "weights_alive": rows[0]["weights_alive"],
                           "mean": float(np.mean(scores)), "std": float(np.std(scores)), "seeds": len(scores)})
        curves[condition] = points
    inputs = []
    for r in range(rounds):
        rows = _rows(runs, r, "mask/weights")
        live = np.zeros(len(INPUT_NAMES))
        for row in rows:
            live[row["live_inputs"]] += 1
        inputs.append({"round": r, "live_fraction": (live / len(rows)).tolist(),
                       "input_weight_mean": np.mean([row["input_weight"] for row in rows], axis=0).tolist()})
    dense = curves["mask/weights"][0]["mean"] if rounds else None
    sparsest = {condition: _sparsest_kept([p for p in points if p["seeds"] == len(runs)], dense)
                for condition, points in curves.items()}
    return {"config": {k: v for k, v in config.to_dict().items() if k != "seed"},
            "seeds": [c.seed for c, _ in runs], "rounds_done": rounds, "dense_mean": dense,
            "sparsest_within_2_percent": sparsest, "curves": curves, "inputs": inputs}


def _rows(runs: list, round_index: int, condition: str) -> list[dict]:
    return [row for _, state in runs for row in state.rows
            if row["round"] == round_index and row["condition"] == condition]


def _sparsest_kept(points: list[dict], dense: float | None) -> float | None:
    """The highest sparsity whose mean score is within 2% of the dense round's."""
    kept = [p["sparsity"] for p in points if dense is not None and p["mean"] >= KEEP * dense]
    return max(kept) if kept else None


def group_figures(name: str, summary: dict) -> tuple[str, str]:
    remaining = [1.0 - p["sparsity"] for p in summary["curves"]["mask/weights"]]
    env_id = summary["config"]["env_id"]
    top = 1000.0 if solved_threshold(env_id) > 990 else 900.0
    returns = sparsity_curves_svg(
        [Series(c, [(p["round"], p["mean"], p["std"]) for p in points]) for c, points in summary["curves"].items()],
        remaining, title=f"{name}: return against sparsity, {len(summary['seeds'])} seeds",
        y_title="protocol return (mean, 1 std)", y_range=(min(0.0, _low(summary)), top))
    base = summary["inputs"][0]["input_weight_mean"] if summary["inputs"] else [1.0] * len(INPUT_NAMES)
    weights = sparsity_curves_svg(
        [Series(n, [(e["round"], e["input_weight_mean"][k] / max(base[k], 1e-12), None) for e in summary["inputs"]])
         for k, n in enumerate(INPUT_NAMES)],
        remaining, title=f"{name}: inputs' |weight| in the ticket / round 0",
        y_title="input weight / initial", y_range=None)
    return returns, weights


def _low(summary: dict) -> float:
    return min((p["mean"] for points in summary["curves"].values() for p in points), default=0.0)


def tables_markdown(summaries: dict) -> str:
    lines = ["# Lottery-ticket study: the numbers", "",
             "Written by `python -m pendulum_zoo.studies.tickets_plan report` from the run folders. Protocol return "
             "(mean over seeds of the mean over 10 protocol episodes, +/- std over seeds) per IMP round; a round "
             "removes 20% of the surviving weights of the pruned networks.", ""]
    for name, s in summaries.items():
        cfg = s["config"]
        lines += [f"## {name}", "", f"{PLAN[name][3]}. Trainer {cfg['trainer']}, {env_name(cfg['env_id'])}, "
                  f"pruned: {cfg['pruned']}, init {cfg['init']}, hidden {tuple(cfg['hidden'])}, seeds "
                  f"{s['seeds']}, rounds done {s['rounds_done']} of {cfg['rounds'] + 1} (by the furthest seed)"
                  + (f", teacher {cfg['teacher']} ({cfg['teacher_steps']} steps, noise {cfg['teacher_noise']})"
                     if cfg["trainer"] == "bc" else f", {cfg['ppo_steps']} PPO steps per training") + ".", ""]
        sparsest = ", ".join(f"{c}: {v:.3f}" if v is not None else f"{c}: none"
                             for c, v in s["sparsest_within_2_percent"].items())
        lines += [f"Sparsest level within 2% of dense ({s['dense_mean']:.1f}): {sparsest}.", "",
                  "| round | weights left | " + " | ".join(s["curves"])
                  + " | inputs live in the ticket (share of seeds) |",
                  "|---:|---:|" + "---:|" * len(s["curves"]) + "---|"]
        for r, entry in enumerate(s["inputs"]):
            cells = [f"{s['curves'][c][r]['mean']:.0f} +/- {s['curves'][c][r]['std']:.0f}" for c in s["curves"]]
            seeds = s["curves"]["mask/weights"][r]["seeds"]
            if seeds < len(s["seeds"]):
                cells[-1] += f" ({seeds} seeds)"
            live = " ".join(f"{n}:{f:.1f}" for n, f in zip(INPUT_NAMES, entry["live_fraction"]) if f < 1.0) or "all"
            left = 1.0 - s["curves"]["mask/weights"][r]["sparsity"]
            lines.append(f"| {r} | {100 * left:.2f}% | " + " | ".join(cells) + f" | {live} |")
        lines.append("")
    return "\n".join(lines)


def subsets_markdown(entries: list[dict]) -> str:
    """Dense agents on input subsets: mean +/- std over seeds of the protocol return, per trainer, task, subset."""
    groups: dict[tuple, list[float]] = {}
    for e in entries:
        groups.setdefault((e["trainer"], env_name(e["env_id"]), e["subset"], ", ".join(e["inputs"])), []).append(
            e["score"])
    lines = ["## Dense agents on input subsets (the paper's Figure 8, bottom)", "",
             "Each trained by the group's trainer and budget on the listed observations only, scored with the protocol "
             "(10 episodes).", "", "| trainer | task | subset | inputs | seeds | return |",
             "|---|---|---|---|---:|---:|"]
    rank = {name: k for k, name in enumerate(SUBSETS)}  # rows by trainer and task, subsets in the study's order

    def row_key(key: tuple) -> tuple:
        trainer, task, subset, _ = key
        return trainer, task, rank.get(subset, len(rank)), subset

    for (trainer, task, subset, inputs), scores in sorted(groups.items(), key=lambda item: row_key(item[0])):
        lines.append(f"| {trainer} | {task} | {subset} | {inputs} | {len(scores)} | "
                     f"{np.mean(scores):.0f} +/- {np.std(scores):.0f} |")
    return "\n".join(lines) + "\n"


def write_report(root: str, names: list[str]) -> dict:
    summaries = {}
    for name in names:
        runs = group_runs(root, name)
        if runs and max(state.round for _, state in runs) > 1:  # at least one pruned level
            summaries[name] = summarise_group(runs)
    write_json(os.path.join(root, "tickets.json"), {"format": FORMAT, "format_version": FORMAT_VERSION,
                                                    "conditions": list(CONDITIONS), "groups": summaries})
    for name, summary in summaries.items():
        returns, weights = group_figures(name, summary)
        atomic_write_text(os.path.join(root, f"{name}.svg"), returns)
        atomic_write_text(os.path.join(root, f"{name}-inputs.svg"), weights)
    tables = tables_markdown(summaries)
    subsets = os.path.join(root, SUBSETS_FILE)
    if os.path.exists(subsets):
        tables += "\n" + subsets_markdown(read_json(subsets, "input-subset results")["entries"])
    atomic_write_text(os.path.join(root, "TABLES.md"), tables)
    return summaries
