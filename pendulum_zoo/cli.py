"""The ``pendulum-zoo`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import argparse
import sys

import gymnasium
from rich.console import Console
from rich.table import Table

import pendulum_zoo
from pendulum_zoo.envs.registration import ENV_SPECS


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pendulum-zoo", description=pendulum_zoo.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pendulum-zoo {pendulum_zoo.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="run one random-action episode on each task")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(handler=demo)
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
