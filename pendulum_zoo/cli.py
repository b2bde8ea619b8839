"""The ``pendulum-zoo`` command: parses arguments, calls the library, prints."""

from __future__ import annotations

import argparse
import json
import os
import sys

import gymnasium
from rich import box
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
        validation_episodes=args.validation_episodes, hyperparameters=parse_assignments(args.set),
    ).resolved()  # every bad value is reported here, before any work starts
    out = args.out or default_run_folder(config.algorithm, config.env_id, config.seed)
    progress = Progress(
        TextColumn("[bold]gen"), MofNCompleteColumn(), BarColumn(bar_width=16),
        TextColumn("best {task.fields[best]}  elite {task.fields[elite]}  conn {task.fields[conn]}  "
                   "steps {task.fields[steps]}  {task.fields[rate]}/s"),
        TextColumn("ETA"), TimeRemainingColumn(compact=True), console=console,
    )
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


def parse_noise(text: str | None) -> list[float]:
    if not text:
        return []
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--noise expects comma-separated numbers such as 0,0.05,0.1, got {text!r}") from None


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--seeds expects comma-separated integers such as 0,1,2, got {text!r}") from None
    if not seeds or any(seed < 0 for seed in seeds):
        raise ValueError(f"--seeds must list non-negative integers, got {text!r}")
    return seeds


def episode_progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("episodes"),
                    TimeElapsedColumn(), console=console, transient=True)


def evaluate_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.resolve import evaluate  # takes champion names too

    noise = parse_noise(args.noise)
    progress = episode_progress(console)
    with progress:
        task = progress.add_task(f"{args.agent} on {args.env.split('/')[-1]}", total=None)
        report = evaluate(args.agent, args.env, episodes=args.episodes, seed=args.seed, workers=args.workers,
                          noise=noise, on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                       total=total))
    console.print(report)
    if args.json:
        report.save(args.json)
        console.print(f"report written to {args.json}")
    if args.markdown:
        from pendulum_zoo.storage.fileio import atomic_write_text

        atomic_write_text(args.markdown, report.markdown())
        console.print(f"markdown row written to {args.markdown}")
    return 0 if report.failure is None else 1


def benchmark_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.protocol.benchmark import train_and_evaluate

    seeds = parse_seeds(args.seeds)
    overrides = {"hyperparameters": parse_assignments(args.set)}
    for name in ("population_size", "episodes", "threshold", "min_generations", "max_generations",
                 "validation_episodes"):
        value = getattr(args, name)
        if value is not None:
            overrides[name] = value
    config = TrainConfig(args.algorithm, args.env, **overrides).resolved()  # errors before any work
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console)
    with progress:
        tasks = {seed: progress.add_task(f"seed {seed}", total=config.max_generations, status="waiting")
                 for seed in seeds}
        result = train_and_evaluate(
            args.algorithm, args.env, seeds, out_root=args.out, workers=args.workers, eval_episodes=args.eval_episodes,
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
    console.print(table)
    console.print(result.markdown())
    if args.json:
        from pendulum_zoo.storage.fileio import atomic_write_text

        atomic_write_text(args.json, result.to_json())
    return 0


def zoo_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.protocol import evaluate
    from pendulum_zoo.zoo import champion_keys, load_champion

    keys = champion_keys()
    if not keys:
        console.print("the zoo is empty")
        return 1
    table = Table(title=f"pendulum-zoo {pendulum_zoo.__version__} champions: protocol, 100 episodes, seed 0",
                  box=box.SIMPLE_HEAD)
    for column in ("algorithm", "env", "conn", "mean +/- std", "solved at"):
        table.add_column(column, justify="left" if column in ("algorithm", "env") else "right", no_wrap=True,
                         min_width=len(column))
    if args.score:
        table.add_column("fresh score", justify="right", no_wrap=True, min_width=11)
        table.add_column("same", justify="center", no_wrap=True, min_width=4)
    mismatches = 0
    progress = episode_progress(console)
    with progress:
        task = progress.add_task("scoring the zoo", total=len(keys) if args.score else 0)
        for algorithm, env_id in keys:
            policy = load_champion(algorithm, env_id)
            card = policy.card
            protocol = card["zoo"]["protocol"]
            steps = "-" if card["steps_to_solve"] is None else f"{card['steps_to_solve']:.3e}"
            row = [algorithm, env_id.split("/")[-1], str(policy.connections),
                   f"{protocol['mean']:.2f} +/- {protocol['std']:.2f}", steps]
            if args.score:
                report = evaluate(policy, env_id, episodes=protocol["episodes"], seed=protocol["seed"],
                                  workers=args.workers)
                fresh = report.statistics()
                same = report.returns == protocol["returns"]
                mismatches += not same
                row += [f"{fresh['mean']:.2f} +/- {fresh['std']:.2f}", "yes" if same else "[red]NO"]
                progress.advance(task)
            table.add_row(*row)
    console.print(table)
    return 0 if mismatches == 0 else 1


def show_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.drawing import network_renderable, write_network_svg
    from pendulum_zoo.zoo import champion_name, load_champion

    policy = load_champion(args.algorithm, args.env)
    title = f"{args.algorithm} champion, {policy.card['env_id'].split('/')[-1]}"
    console.print(network_renderable(policy.params, title))
    path = args.svg or f"{champion_name(args.algorithm, args.env)}-network.svg"
    write_network_svg(path, policy.params, title)
    console.print(f"network drawing written to {path}")
    return 0


def enjoy_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.episode_video import record_episode
    from pendulum_zoo.zoo import champion_name, load_champion

    policy = load_champion(args.algorithm, args.env)
    with console.status("running and rendering one episode"):
        recording = record_episode(policy, policy.card["env_id"], seed=args.seed, frame_every=args.frame_every)
        path = args.out or f"{champion_name(args.algorithm, args.env)}-episode.png"
        recording.write_apng(path)
    console.print(f"{policy.description}, episode seed {args.seed}: return {recording.total_return:.2f} in "
                  f"{recording.steps} steps; {len(recording.frames)} frames written to {path} (animated PNG)")
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
    train_parser.add_argument("--threshold", type=float, default=None,
                              help="default: 999.5 balance, 880 swing-up; --resume may raise it (also to keep a "
                                   "solved run going)")
    train_parser.add_argument("--min-generations", type=int, default=100,
                              help="never stop before this many generations; --resume may change it")
    train_parser.add_argument("--max-generations", type=int, default=1024,
                              help="the run's generation budget; --resume may change it (also to extend a "
                                   "run that used up its budget)")
    train_parser.add_argument("--validation-episodes", type=int, default=100,
                              help="episodes on which the final candidates are scored to choose the champion")
    train_parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                              help="a strategy hyperparameter, for example --set initial_sigma=0.3")
    train_parser.set_defaults(handler=train_command)

    evaluate_parser = commands.add_parser(
        "evaluate", help="score an agent with the standard protocol (100 seeded episodes)",
        description="Score AGENT: a champion name (mk1, mk2, cma-layerwise, cma), a policy file, or 'random'.")
    evaluate_parser.add_argument("agent", metavar="AGENT")
    evaluate_parser.add_argument("--env", required=True, metavar="ID")
    evaluate_parser.add_argument("--episodes", type=int, default=100)
    evaluate_parser.add_argument("--seed", type=int, default=0, help="evaluation seed (default 0)")
    evaluate_parser.add_argument("--workers", type=int, default=None)
    evaluate_parser.add_argument("--noise", default=None, metavar="STD,STD,...",
                                 help="observation-noise levels for the robustness section, e.g. 0,0.05,0.1")
    evaluate_parser.add_argument("--json", default=None, metavar="PATH", help="write the report as JSON")
    evaluate_parser.add_argument("--markdown", default=None, metavar="PATH", help="write the report's markdown row")
    evaluate_parser.set_defaults(handler=evaluate_command)

    benchmark_parser = commands.add_parser(
        "benchmark", help="train one run per seed and score each champion (the article's tables)")
    benchmark_parser.add_argument("algorithm", metavar="ALGO")
    benchmark_parser.add_argument("--env", required=True, metavar="ID")
    benchmark_parser.add_argument("--seeds", default="0,1,2")
    benchmark_parser.add_argument("--workers", type=int, default=None)
    benchmark_parser.add_argument("--out", default="runs", metavar="DIR", help="parent folder of the runs")
    benchmark_parser.add_argument("--resume", action="store_true", help="continue unfinished runs in --out")
    benchmark_parser.add_argument("--eval-episodes", type=int, default=100)
    benchmark_parser.add_argument("--population", dest="population_size", type=int, default=None)
    benchmark_parser.add_argument("--episodes", type=int, default=None)
    benchmark_parser.add_argument("--threshold", type=float, default=None)
    benchmark_parser.add_argument("--min-generations", type=int, default=None)
    benchmark_parser.add_argument("--max-generations", type=int, default=None)
    benchmark_parser.add_argument("--validation-episodes", type=int, default=None)
    benchmark_parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    benchmark_parser.add_argument("--json", default=None, metavar="PATH")
    benchmark_parser.set_defaults(handler=benchmark_command)

    zoo_parser = commands.add_parser("zoo", help="list the pretrained champions")
    zoo_parser.add_argument("--score", action="store_true",
                            help="score every champion afresh with the protocol and compare with its card")
    zoo_parser.add_argument("--workers", type=int, default=None)
    zoo_parser.set_defaults(handler=zoo_command)

    show_parser = commands.add_parser("show", help="draw a champion's network (terminal and SVG)")
    show_parser.add_argument("algorithm", metavar="ALGO")
    show_parser.add_argument("--env", required=True, metavar="ID")
    show_parser.add_argument("--svg", default=None, metavar="PATH", help="default: ALGO-ENV-network.svg")
    show_parser.set_defaults(handler=show_command)

    enjoy_parser = commands.add_parser("enjoy", help="watch a champion: one episode as an animated PNG")
    enjoy_parser.add_argument("algorithm", metavar="ALGO")
    enjoy_parser.add_argument("--env", required=True, metavar="ID")
    enjoy_parser.add_argument("--seed", type=int, default=0, help="the episode's reset seed")
    enjoy_parser.add_argument("--out", default=None, metavar="PATH", help="default: ALGO-ENV-episode.png")
    enjoy_parser.add_argument("--frame-every", type=int, default=3, help="keep one frame in N (default 3)")
    enjoy_parser.set_defaults(handler=enjoy_command)
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
