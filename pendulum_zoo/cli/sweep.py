"""``pendulum-zoo sweep``: the sparsity sweep (issue 29), resumable: train the runs of the plan that have no
result yet, then write the summary, the figure and the commentary next to the plan."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pendulum_zoo.cli.output import print_whole
from pendulum_zoo.cli.paths import check_output_folder, writing
from pendulum_zoo.rollout.evaluator import check_workers
from pendulum_zoo.studies.sparsity_sweep import (
    finished_results,
    pending_runs,
    run_sweep,
    selected,
    sweep_outputs,
    write_outputs,
)
from pendulum_zoo.studies.sweep_plan import load_plan
from pendulum_zoo.studies.sweep_summary import run_seconds

DEFAULT_PLAN = "evaluation/sparsity-sweep/plan.json"


def add_sweep_parser(commands) -> None:
    parser = commands.add_parser(
        "sweep", help="the sparsity sweep: PPO with sparse training against parameter count (resumable)",
        description="Train the plan's runs that have no result yet, then write summary.json, sweep.svg and "
                    "COMMENTARY.md beside the plan.")
    parser.add_argument("--plan", default=DEFAULT_PLAN, metavar="FILE", help=f"default {DEFAULT_PLAN}")
    parser.add_argument("--workers", type=int, default=None, help="runs trained at once (default: all cores)")
    parser.add_argument("--plot-only", action="store_true", help="train nothing: summarise the finished runs")
    parser.add_argument("--list", action="store_true", help="list the plan's runs and where each stands")
    parser.add_argument("--only", nargs="+", default=None, metavar="RUN", help="train only these runs (names as "
                        "--list shows them)")
    parser.set_defaults(handler=sweep_command)


def sweep_command(args: argparse.Namespace, console: Console) -> int:
    plan = load_plan(args.plan)
    outputs = sweep_outputs(args.plan)
    workers = check_workers(args.workers)
    selected(plan, args.only)  # a misspelled run name is refused before anything else
    if args.list:
        return _list(plan, outputs, workers, console)
    if args.plot_only:
        results = finished_results(plan, outputs)
    else:
        check_output_folder(outputs.runs, "sweep's runs folder")
        todo = pending_runs(plan, finished_results(plan, outputs), args.only)
        console.print(f"sweep {escape(args.plan)}: {len(todo)} of {len(plan.runs())} runs to train, {workers} at "
                      f"once; results in {escape(outputs.runs)}", soft_wrap=True)
        progress = Progress(TextColumn("[bold]runs"), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(compact=True), console=console)

        def show(result: dict, done: int, total: int) -> None:
            progress.console.print(f"{result['run']}: return {result['score']:.1f}, "
                                   f"{result['actor']['connections']} connections, "
                                   f"{run_seconds(result):.0f} s")
            progress.update(task, completed=done)

        try:
            with progress, writing(f"the sweep's results in {outputs.runs}"):
                task = progress.add_task("sweep", total=len(todo))
                results = run_sweep(plan, outputs, workers, args.only, on_result=show)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted.[/] Finished runs are kept; the same command resumes the sweep.")
            return 130
    with writing(f"the sweep's summary in {outputs.folder}"):
        summary = write_outputs(plan, outputs, results)
    table = Table(title=f"{summary['runs']['finished']} of {summary['runs']['planned']} runs finished",
                  show_header=False)
    for claim, entry in summary["claims"].items():
        table.add_row(claim.replace("_", " "), entry["verdict"])
    print_whole(console, table)
    for path in (outputs.summary, outputs.plot, outputs.commentary):
        console.print(f"written: {escape(path)}")
    return 0


def _list(plan, outputs, workers: int, console: Console) -> int:
    results = finished_results(plan, outputs)
    table = Table(title=f"{escape(plan.source)}: {len(results)} of {len(plan.runs())} runs finished")
    for column in ("run", "hidden", "return", "connections", "seconds"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for run in plan.runs():
        result = results.get(run.name)
        if result is None:
            table.add_row(run.name, "x".join(map(str, run.hidden)), "-", "-", "-")
        else:
            table.add_row(run.name, "x".join(map(str, run.hidden)), f"{result['score']:.1f}",
                          str(result["actor"]["connections"]),
                          f"{run_seconds(result):.0f}")
    print_whole(console, table)
    hours = plan.estimated_hours(workers)
    if hours is not None:
        console.print(f"the whole plan: about {hours:.1f} h with {workers} worker(s), from the plan's measured run "
                      f"of {plan.timing['run_seconds']:.0f} s", soft_wrap=True)
    return 0
