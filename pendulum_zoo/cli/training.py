"""``pendulum-zoo train`` (one run: an evolutionary strategy, or ``train ppo``) and ``pendulum-zoo benchmark``
(one run per seed, each champion scored)."""

from __future__ import annotations

import argparse
import dataclasses

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pendulum_zoo.cli.options import parse_assignments, parse_seeds
from pendulum_zoo.cli.output import print_lines, print_whole
from pendulum_zoo.cli.paths import check_output_file, check_output_folder, default_run_folder, writing
from pendulum_zoo.training import TrainConfig, train

CARD_SUMMARY = ("algorithm", "env_id", "seed", "stop_reason", "generations", "steps_to_solve", "total_steps",
                "training_fitness", "connections", "effective_connections", "wall_time_s")


def config_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The ``TrainConfig`` fields given on the command line (options left out take the field's default)."""
    given = {field.name: getattr(args, field.name) for field in dataclasses.fields(TrainConfig)
             if hasattr(args, field.name)}
    given["hyperparameters"] = parse_assignments(given.get("hyperparameters", []))
    return given


def train_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.cli.ppo_training import PPO_OPTIONS, ppo_train_command
    from pendulum_zoo.rl import PPO_ALGORITHMS

    if args.algorithm == PPO_ALGORITHMS[0]:
        return ppo_train_command(args, console)
    given = [name for name in PPO_OPTIONS if hasattr(args, name)]
    if given:
        raise ValueError(f"--{given[0].replace('_', '-')} is an option of 'train ppo', not of {args.algorithm}")
    config = TrainConfig(**config_overrides(args)).resolved()  # every bad value is reported before any work
    out = check_output_folder(args.out or default_run_folder(config.algorithm, config.env_id, config.seed),
                              "run folder")
    progress = run_progress(console, "gen", "best {task.fields[best]}  elite {task.fields[elite]}  "
                            "conn {task.fields[conn]}  steps {task.fields[steps]}  {task.fields[rate]}/s")
    blank = {"best": "-", "elite": "-", "conn": "-", "steps": "-", "rate": "-"}
    task = progress.add_task("train", total=config.max_generations, **blank)

    def show(record: dict) -> None:
        rate = record["env_steps"] / record["wall_time"] if record["wall_time"] > 0 else 0.0
        progress.update(task, completed=record["generation"] + 1, best=f"{record['best_fitness']:.1f}",
                        elite=f"{record['elite_fitness_mean']:.1f}", conn=str(record["best_connections"]),
                        steps=f"{record['env_steps']:.3g}", rate=f"{rate:,.0f}")

    console.print(f"training {config.algorithm} on {config.env_id}, seed {config.seed}: "
                  f"population {config.population_size}, {config.episodes} episodes, threshold "
                  f"{config.threshold:g}, generations {config.min_generations}..{config.max_generations}; "
                  f"run folder {escape(out)}", soft_wrap=True)
    return run_and_summarise(console, progress, out, "generation", CARD_SUMMARY,
                             lambda: train(config, out, workers=args.workers, engine=args.engine,
                                            resume=args.resume, callback=show))


def run_progress(console: Console, unit: str, fields: str) -> Progress:
    """A training run's progress line: ``unit`` count, bar, the run's own ``fields``, time remaining."""
    return Progress(TextColumn(f"[bold]{unit}"), MofNCompleteColumn(), BarColumn(bar_width=16), TextColumn(fields),
                    TextColumn("ETA"), TimeRemainingColumn(compact=True), console=console)


def run_and_summarise(console: Console, progress: Progress, out: str, unit: str, summary: tuple[str, ...],
                      run) -> int:
    """``run()`` (a training run in ``out``) under its progress display; on Ctrl-C, where its checkpoint is and
    exit code 130; else the ``summary`` keys of its champion's card."""
    try:
        with progress, writing(f"the run folder {out}"):
            result = run()
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted.[/] The checkpoint of the last completed {unit} is in "
                      f"{escape(out)}; continue with the same command and --resume.")
        return 130
    table = Table(title=f"champion: {escape(out)}/champion.json", show_header=False)
    for key in summary:
        table.add_row(key, str(result.card[key]))
    print_whole(console, table)
    return 0


def benchmark_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.protocol.benchmark import train_and_evaluate

    seeds = parse_seeds(args.seeds)
    overrides = config_overrides(args)
    algorithm, env_id = overrides.pop("algorithm"), overrides.pop("env_id")
    config = TrainConfig(algorithm, env_id, **overrides).resolved()  # errors before any work
    check_output_folder(args.out, "parent folder of the runs")
    if args.json:
        check_output_file(args.json, "results")
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console)
    with progress, writing(f"the runs in {args.out}"):
        tasks = {seed: progress.add_task(f"seed {seed}", total=config.max_generations, status="waiting")
                 for seed in seeds}
        result = train_and_evaluate(
            algorithm, env_id, seeds, out_root=args.out, workers=args.workers, engine=args.engine,
            eval_episodes=args.eval_episodes,
            resume=args.resume,
            on_run=lambda seed, stage: progress.update(tasks[seed], status=stage),
            on_generation=lambda seed, record: progress.update(
                tasks[seed], completed=record["generation"] + 1,
                status=f"best {record['best_fitness']:.1f}, {record['env_steps']:.3g} steps"),
            **overrides)
    table = Table(title=f"{config.algorithm} on {config.env_id}: seeds {', '.join(map(str, seeds))}")
    for column in ("seed", "steps to solve", "generations", "protocol mean +/- std", "connections", "wall time"):
        table.add_column(column, justify="right")
    for run in result.runs:
        stats = run.report.statistics()
        card = run.training.card
        table.add_row(str(run.seed), "-" if card["steps_to_solve"] is None else f"{card['steps_to_solve']:.3e}",
                      str(card["generations"]), f"{stats['mean']:.1f} +/- {stats['std']:.2f}",
                      str(run.report.connections), f"{card['wall_time_s'] / 60:.1f} min")
    print_whole(console, table)
    print_lines(console, result.markdown())
    if args.json:
        from pendulum_zoo.storage.fileio import atomic_write_text

        with writing(f"the results to {args.json}"):
            atomic_write_text(args.json, result.to_json())
        console.print(f"results written to {escape(args.json)}")
    return 0
