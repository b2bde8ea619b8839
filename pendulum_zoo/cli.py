"""The ``pendulum-zoo`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import argparse
import json
import os
import sys

import gymnasium
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

import pendulum_zoo
from pendulum_zoo.envs.registration import ENV_IDS, ENV_SPECS
from pendulum_zoo.strategies import algorithm_names
from pendulum_zoo.training import TrainConfig, train


def demo(args: argparse.Namespace, console: Console) -> int:
    """One seeded episode with uniformly random actions on each of the four tasks."""
    table = Table(title=f"pendulum-zoo {pendulum_zoo.__version__}: one random-action episode per task")
    for column in ("env ID", "track", "steps", "return"):
        table.add_column(column, justify="left" if column == "env ID" else "right")
    for env_id in ENV_SPECS:
        env = gymnasium.make(env_id)
        env.action_space.seed(args.seed)
        env.reset(seed=args.seed)
        total, steps, done = 0.0, 0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            total += reward
            steps += 1
            done = terminated or truncated
        width = env.unwrapped.track_half_width
        table.add_row(env_id, f"-{width:g}..{width:g}", str(steps), f"{total:.1f}")
        env.close()
    console.print(table)
    return 0


def default_run_folder(algorithm: str, env_id: str, seed: int) -> str:
    return os.path.join("runs", f"{algorithm}-{env_id.split('/')[-1]}-s{seed}")


def parse_assignments(items: list[str]) -> dict[str, object]:
    """``["key=value", ...]`` -> dict; values are read as JSON where they parse (numbers, true, null)."""
    values: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def train_command(args: argparse.Namespace, console: Console) -> int:
    config = TrainConfig(
        args.algorithm, args.env, seed=args.seed, population_size=args.population, episodes=args.episodes,
        threshold=args.threshold, min_generations=args.min_generations, max_generations=args.max_generations,
        hyperparameters=parse_assignments(args.set),
    ).resolved()  # every bad value is reported here, before any work starts
    out = args.out or default_run_folder(config.algorithm, config.env_id, config.seed)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("best {task.fields[best]:>8}  elite {task.fields[elite]:>8}  conn {task.fields[conn]:>3}  "
                   "steps {task.fields[steps]:>9}  {task.fields[rate]:>7} steps/s"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
    )
    blank = {"best": "-", "elite": "-", "conn": "-", "steps": "-", "rate": "-"}
    task = progress.add_task(f"{config.algorithm} {config.env_id.split('/')[-1]} s{config.seed}",
                             total=config.max_generations, **blank)

    def show(record: dict) -> None:
        rate = record["env_steps"] / record["wall_time"] if record["wall_time"] > 0 else 0.0
        progress.update(task, completed=record["generation"] + 1, best=f"{record['best_fitness']:.1f}",
                        elite=f"{record['elite_fitness_mean']:.1f}", conn=str(record["best_connections"]),
                        steps=f"{record['env_steps']:.3g}", rate=f"{rate:,.0f}")

    console.print(f"training {config.algorithm} on {config.env_id}, seed {config.seed}: "
                  f"population {config.population_size}, {config.episodes} episodes, threshold "
                  f"{config.threshold:g}, generations {config.min_generations}..{config.max_generations}; "
                  f"run folder {out}")
    try:
        with progress:
            result = train(config, out, workers=args.workers, resume=args.resume, callback=show)
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted.[/] The checkpoint of the last completed generation is in {out}; "
                      f"continue with the same command and --resume.")
        return 130
    card = result.card
    table = Table(title=f"champion: {out}/champion.json", show_header=False)
    for key in ("algorithm", "env_id", "seed", "stop_reason", "generations", "steps_to_solve", "total_steps",
                "training_fitness", "connections", "effective_connections", "wall_time_s"):
        table.add_row(key, str(card[key]))
    console.print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pendulum-zoo", description=pendulum_zoo.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pendulum-zoo {pendulum_zoo.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="run one random-action episode on each task")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(handler=demo)

    train_parser = commands.add_parser("train", help="train an algorithm on a pendulum task",
                                       description="Train ALGO on --env; log, checkpoint and champion go to --out.")
    train_parser.add_argument("algorithm", metavar="ALGO", help=f"one of: {', '.join(algorithm_names())}")
    train_parser.add_argument("--env", required=True, metavar="ID", help=f"one of: {', '.join(ENV_IDS)}")
    train_parser.add_argument("--seed", type=int, default=0)
    train_parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    train_parser.add_argument("--out", default=None, metavar="DIR",
                              help="run folder (default: runs/ALGO-ENV-sSEED)")
    train_parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train_parser.add_argument("--population", type=int, default=None, help="default: 128 balance, 256 swing-up")
    train_parser.add_argument("--episodes", type=int, default=8)
    train_parser.add_argument("--threshold", type=float, default=None, help="default: 999.5 balance, 880 swing-up")
    train_parser.add_argument("--min-generations", type=int, default=100)
    train_parser.add_argument("--max-generations", type=int, default=1024)
    train_parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                              help="a strategy hyperparameter, for example --set initial_sigma=0.3")
    train_parser.set_defaults(handler=train_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    try:
        return args.handler(args, console)
    except (ValueError, TypeError, FileNotFoundError) as error:
        console.print(f"[bold red]error:[/] {error}")
        return 2
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130


if __name__ == "__main__":
    sys.exit(main())
