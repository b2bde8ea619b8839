"""``pendulum-zoo tickets`` (iterative magnitude pruning with the four conditions, one run per seed) and
``pendulum-zoo inputs`` (which observations a network still sees)."""

from __future__ import annotations

import argparse
import os

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pendulum_zoo.cli.options import parse_seeds
from pendulum_zoo.cli.output import print_whole
from pendulum_zoo.cli.paths import RUNS_ROOT, check_output_file, check_output_folder, writing
from pendulum_zoo.envs.registration import ENV_IDS
from pendulum_zoo.rl.imp import CONDITIONS, IMP_INITIALISATIONS, PRUNED_NETWORKS
from pendulum_zoo.rl.settings import SETTINGS
from pendulum_zoo.studies.tickets import TRAINERS, TicketsConfig

DEFAULTS = TicketsConfig()


def add_commands(commands) -> None:
    """Register ``tickets`` and ``inputs`` on the CLI's subparsers."""
    parser = commands.add_parser("tickets", help="lottery tickets: IMP with the four conditions, one run per seed",
                                 description="Iterative magnitude pruning (20% of the survivors per round, "
                                             "rewinding) with PPO or BC; every round trains the ticket and its "
                                             "three baselines and scores them with the protocol.")
    parser.add_argument("--trainer", choices=TRAINERS, default=DEFAULTS.trainer)
    parser.add_argument("--env", required=True, metavar="ID", help="one of: " + ", ".join(ENV_IDS))
    parser.add_argument("--rounds", type=int, default=DEFAULTS.rounds, help=f"default {DEFAULTS.rounds}")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default 0,1,2,3,4)")
    parser.add_argument("--pruned", choices=tuple(PRUNED_NETWORKS), default=DEFAULTS.pruned)
    parser.add_argument("--init", choices=IMP_INITIALISATIONS, default=DEFAULTS.init)
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated (default: all four)")
    parser.add_argument("--ppo-steps", type=int, default=DEFAULTS.ppo_steps, help=f"default {DEFAULTS.ppo_steps}")
    parser.add_argument("--ppo-settings", choices=SETTINGS, default=DEFAULTS.ppo_settings,
                        help=f"PPO's other settings: the paper's, or the task's tuned ones (default "
                             f"{DEFAULTS.ppo_settings})")
    parser.add_argument("--teacher", default=DEFAULTS.teacher,
                        help=f"BC: the zoo champion distilled (default {DEFAULTS.teacher})")
    parser.add_argument("--teacher-steps", type=int, default=DEFAULTS.teacher_steps,
                        help=f"default {DEFAULTS.teacher_steps}")
    parser.add_argument("--eval-episodes", type=int, default=DEFAULTS.eval_episodes,
                        help=f"protocol episodes per trained network (default {DEFAULTS.eval_episodes})")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help=f"parent folder of the runs (default {RUNS_ROOT}/tickets-TRAINER-ENV-INIT-PRUNED)")
    parser.add_argument("--resume", action="store_true", help="continue the runs in --out from their checkpoints")
    parser.add_argument("--json", default=None, metavar="PATH", help="write the curves over seeds as JSON")
    parser.set_defaults(handler=tickets_command)

    inputs = commands.add_parser("inputs", help="which observations a network still sees (live paths, weights)")
    inputs.add_argument("agent", metavar="AGENT", help="a champion name or a policy file")
    inputs.add_argument("--env", default=None, metavar="ID", help="the champion's task (needed for a champion name)")
    inputs.add_argument("--json", default=None, metavar="PATH", help="write the report as JSON")
    inputs.set_defaults(handler=inputs_command)


def tickets_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.studies.tickets import run_tickets
    from pendulum_zoo.studies.tickets_report import summarise_group
    from pendulum_zoo.training.run_folder import RunFolder
    from pendulum_zoo.zoo import env_name

    seeds = parse_seeds(args.seeds)
    configs = [TicketsConfig(trainer=args.trainer, env_id=args.env, seed=seed, rounds=args.rounds, pruned=args.pruned,
                             init=args.init, conditions=tuple(c.strip() for c in args.conditions.split(",")),
                             ppo_steps=args.ppo_steps, ppo_settings=args.ppo_settings, teacher=args.teacher,
                             teacher_steps=args.teacher_steps, eval_episodes=args.eval_episodes)
               for seed in seeds]  # errors before any work
    first = configs[0]
    out = check_output_folder(args.out or os.path.join(
        RUNS_ROOT, f"tickets-{first.trainer}-{env_name(first.env_id)}-{first.init}-{first.pruned}"), "parent folder")
    if args.json:
        check_output_file(args.json, "results")
    folders = [os.path.join(out, f"s{config.seed}") for config in configs]
    for folder in folders:
        if RunFolder(folder).holds_run() and not args.resume:
            raise ValueError(f"{folder} already holds a run: give --resume to continue it, or choose another --out")
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(bar_width=16), MofNCompleteColumn(),
                        TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console)
    runs = []
    try:
        with progress, writing(f"the runs in {out}"):
            for config, folder in zip(configs, folders):
                task = progress.add_task(f"seed {config.seed}", total=config.rounds + 1, status="starting")

                def show(state, seconds, task=task):
                    rows = [row for row in state.rows if row["round"] == state.round - 1]
                    scores = " ".join(f"{row['score']:.0f}" for row in rows)
                    progress.update(task, completed=state.round,
                                    status=f"{rows[0]['sparsity']:.3f} sparse: {scores} ({seconds:.0f} s)")

                runs.append((config, run_tickets(folder, config, on_round=show)))
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted.[/] Every run's last completed round is checkpointed in {escape(out)}; "
                      f"continue with the same command and --resume.")
        return 130
    summary = summarise_group(runs)
    table = Table(title=f"{first.trainer} tickets on {first.env_id}: mean protocol return over seeds {args.seeds}")
    table.add_column("round", justify="right")
    table.add_column("weights left", justify="right")
    for condition in summary["curves"]:
        table.add_column(condition, justify="right")
    for r, point in enumerate(summary["curves"]["mask/weights"]):
        table.add_row(str(r), f"{100 * (1 - point['sparsity']):.2f}%",
                      *(f"{summary['curves'][c][r]['mean']:.0f}" for c in summary["curves"]))
    print_whole(console, table)
    for condition, sparsity in summary["sparsest_within_2_percent"].items():
        console.print(f"{condition}: sparsest within 2% of dense: "
                      + ("none" if sparsity is None else f"{100 * sparsity:.1f}% of weights removed"))
    if args.json:
        from pendulum_zoo.storage.fileio import write_json

        with writing(f"the results to {args.json}"):
            write_json(args.json, summary)
        console.print(f"results written to {escape(args.json)}")
    return 0


def inputs_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.networks.inputs import input_report
    from pendulum_zoo.zoo import load_agent_policy

    if args.json:
        check_output_file(args.json, "input report")
    policy = load_agent_policy(args.agent, args.env)
    report = input_report(policy)
    table = Table(title=f"inputs of {escape(policy.description)} ({policy.connections} connections)")
    for column in ("input", "reaches the output", "live connections", "connections", "cumulative |weight|"):
        table.add_column(column, justify="left" if column == "input" else "right")
    for name, live, live_count, count, weight in zip(report.names, report.live, report.live_connections,
                                                     report.connections, report.input_weight):
        table.add_row(name, "yes" if live else "[red]no", str(live_count), str(count), f"{weight:.3g}")
    print_whole(console, table)
    console.print(f"live inputs: {', '.join(report.live_names) or 'none'}")
    if args.json:
        from pendulum_zoo.storage.fileio import write_json

        with writing(f"the input report to {args.json}"):
            write_json(args.json, {"agent": args.agent, "description": policy.description,
                                   "connections": policy.connections, **report.to_json()})
        console.print(f"input report written to {escape(args.json)}")
    return 0
