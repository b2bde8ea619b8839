"""The command line: every command's options. ``train`` and ``benchmark`` take theirs from ``TrainConfig``'s
fields (contract 2), so that a default is written once, on the field."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any

import pendulum_zoo
from pendulum_zoo.cli import champions, demo, evaluation, sweep, tickets, training
from pendulum_zoo.cli.paths import RUNS_ROOT
from pendulum_zoo.envs.registration import ENV_IDS
from pendulum_zoo.protocol import DEFAULT_EPISODES
from pendulum_zoo.rl import PPO_ALGORITHMS, SPARSE_METHODS
from pendulum_zoo.rl.settings import SETTINGS
from pendulum_zoo.rl.sparse import DISTRIBUTIONS
from pendulum_zoo.rollout.evaluator import DEFAULT_ENGINE, ENGINES
from pendulum_zoo.strategies import algorithm_names
from pendulum_zoo.training import TrainConfig
from pendulum_zoo.zoo import champion_algorithms

# fields whose form the contract fixes: ALGO is positional, env_id is --env, hyperparameters is --set KEY=VALUE
POSITIONAL, ENV_FLAG, ASSIGNMENT_FLAG = "algorithm", "--env", "--set"
PPO_ALGORITHM = PPO_ALGORITHMS[0]  # `train ppo`: the options below, and --set for any PPOConfig or SparseConfig field
AGENT_HELP = "a champion name (" + ", ".join(champion_algorithms()) + ") or a policy file"


def add_execution_options(parser: argparse.ArgumentParser, scoring: bool = False) -> None:
    """How the work runs, never what it gives: worker processes and the physics engine."""
    default = "all cores; a network on the numpy engine is scored in this process" if scoring else "all cores"
    parser.add_argument("--workers", type=int, default=None, help=f"worker processes (default: {default})")
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                        help=f"how pendulums are stepped: the batched numpy engine or pybullet clients, the same "
                             f"returns bit for bit (default {DEFAULT_ENGINE})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pendulum-zoo", description=pendulum_zoo.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pendulum-zoo {pendulum_zoo.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser("demo", help="run one random-action episode on each task")
    demo_parser.add_argument("--seed", type=int, default=0, help="reset and action seed (default 0)")
    demo_parser.set_defaults(handler=demo.demo_command)

    train_parser = commands.add_parser("train", help="train an algorithm on a pendulum task",
                                       description="Train ALGO on --env; log, checkpoint and champion go to --out.")
    add_config_options(train_parser, also=f"; or {PPO_ALGORITHM} (options below)")
    add_ppo_options(train_parser)
    add_execution_options(train_parser)
    train_parser.add_argument("--out", default=None, metavar="DIR",
                              help=f"run folder (default: {RUNS_ROOT}/ALGO-ENV-sSEED)")
    train_parser.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train_parser.set_defaults(handler=training.train_command)

    evaluate_parser = commands.add_parser(
        "evaluate", help=f"score an agent with the standard protocol ({DEFAULT_EPISODES} seeded episodes)",
        description=f"Score AGENT: {AGENT_HELP}, or 'random'.")
    evaluate_parser.add_argument("agent", metavar="AGENT")
    evaluate_parser.add_argument(ENV_FLAG, dest="env", required=True, metavar="ID", help=_one_of(ENV_IDS))
    evaluate_parser.add_argument("--episodes", type=int, default=DEFAULT_EPISODES,
                                 help=f"default {DEFAULT_EPISODES}")
    evaluate_parser.add_argument("--seed", type=int, default=0, help="evaluation seed (default 0)")
    add_execution_options(evaluate_parser, scoring=True)
    evaluate_parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                                 help="seconds an episode may take; an agent exceeding it counts as a failure "
                                      "(default: no limit)")
    evaluate_parser.add_argument("--noise", default=None, metavar="STD,STD,...",
                                 help="observation-noise levels for the robustness section, e.g. 0,0.05,0.1")
    evaluate_parser.add_argument("--json", default=None, metavar="PATH", help="write the report as JSON")
    evaluate_parser.add_argument("--markdown", default=None, metavar="PATH", help="write the report's markdown row")
    evaluate_parser.set_defaults(handler=evaluation.evaluate_command)

    benchmark_parser = commands.add_parser(
        "benchmark", help="train one run per seed and score each champion (the article's tables)")
    add_config_options(benchmark_parser, exclude=("seed",))
    benchmark_parser.add_argument("--seeds", default="0,1,2", help="comma-separated run seeds (default 0,1,2)")
    add_execution_options(benchmark_parser)
    benchmark_parser.add_argument("--out", default=RUNS_ROOT, metavar="DIR",
                                  help=f"parent folder of the runs (default {RUNS_ROOT})")
    benchmark_parser.add_argument("--resume", action="store_true", help="continue unfinished runs in --out")
    benchmark_parser.add_argument("--eval-episodes", type=int, default=DEFAULT_EPISODES,
                                  help=f"protocol episodes per champion (default {DEFAULT_EPISODES})")
    benchmark_parser.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON")
    benchmark_parser.set_defaults(handler=training.benchmark_command)

    zoo_parser = commands.add_parser("zoo", help="list the pretrained champions")
    zoo_parser.add_argument("--score", action="store_true",
                            help="score every champion afresh with the protocol and compare with its card")
    add_execution_options(zoo_parser, scoring=True)
    zoo_parser.set_defaults(handler=champions.zoo_command)

    show_parser = commands.add_parser("show", help="draw a network: a champion's or a policy file's (terminal, SVG)")
    show_parser.add_argument("agent", metavar="AGENT", help=AGENT_HELP)
    show_parser.add_argument(ENV_FLAG, dest="env", default=None, metavar="ID",
                             help="the champion's task (needed for a champion name)")
    show_parser.add_argument("--svg", default=None, metavar="PATH", help="default: NAME-network.svg")
    show_parser.set_defaults(handler=champions.show_command)

    enjoy_parser = commands.add_parser("enjoy", help="watch a network: one episode as an animated PNG")
    enjoy_parser.add_argument("agent", metavar="AGENT", help=AGENT_HELP)
    enjoy_parser.add_argument(ENV_FLAG, dest="env", default=None, metavar="ID",
                              help="the task (default for a policy file: the one its card names)")
    enjoy_parser.add_argument("--seed", type=int, default=0, help="the episode's reset seed (default 0)")
    enjoy_parser.add_argument("--out", default=None, metavar="PATH", help="default: NAME-episode.png")
    enjoy_parser.add_argument("--frame-every", type=int, default=3, help="keep one frame in N (default 3)")
    enjoy_parser.set_defaults(handler=champions.enjoy_command)

    sweep.add_sweep_parser(commands)
    tickets.add_commands(commands)
    return parser


def add_config_options(parser: argparse.ArgumentParser, exclude: tuple[str, ...] = (), also: str = "") -> None:
    """One option per ``TrainConfig`` field (contract 2): flag and help from the field's metadata (flag
    default ``--`` + name with ``-`` for ``_``), the type from its annotation. An option not given is left out
    of the namespace (``argparse.SUPPRESS``), so that ``config_from_args`` lets the dataclass fill the default.
    ``also`` is added to ALGO's help (``train``: "or ppo")."""
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        if field.name in exclude:
            continue
        meta = field.metadata
        if field.name == POSITIONAL:
            parser.add_argument(field.name, metavar=meta.get("metavar", "ALGO"),
                                help=meta.get("help", _one_of(algorithm_names())) + also)
            continue
        if field.name == "env_id":
            parser.add_argument(ENV_FLAG, dest=field.name, required=True, metavar=meta.get("metavar", "ID"),
                                help=meta.get("help", _one_of(ENV_IDS)))
            continue
        options: dict[str, Any] = {"dest": field.name, "default": argparse.SUPPRESS,
                                   "help": meta.get("help", _default_help(field))}
        value_type = _value_type(hints[field.name])
        options["metavar"] = meta.get("metavar", {int: "N", float: "X"}.get(value_type, "VALUE"))
        if field.name == "hyperparameters":
            options["metavar"] = meta.get("metavar", "KEY=VALUE")
            parser.add_argument(ASSIGNMENT_FLAG, action="append", **options)
            continue
        flag = meta.get("flag", "--" + field.name.replace("_", "-"))
        parser.add_argument(flag, type=value_type, **options)


def add_ppo_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``train ppo`` (left out of the namespace when not given, as the others): the ones that
    matter most; ``--set KEY=VALUE`` sets any other ``PPOConfig`` or ``SparseConfig`` field."""
    group = parser.add_argument_group(f"train {PPO_ALGORITHM}", "PPO with optional sparse training (ALGO ppo); "
                                      "--set KEY=VALUE sets any other PPO or sparse-training field")
    suppress = {"default": argparse.SUPPRESS}
    group.add_argument("--settings", choices=SETTINGS, help="tuned per task (default) or the paper's (A.3)",
                       **suppress)
    group.add_argument("--sparse", choices=SPARSE_METHODS, metavar="METHOD",
                       help=f"{_one_of(SPARSE_METHODS)} (default dense)", **suppress)
    group.add_argument("--sparsity", type=float, metavar="X", help="target fraction of weights removed "
                       "(default 0.9 for the sparse methods)", **suppress)
    group.add_argument("--distribution", choices=DISTRIBUTIONS, help="layer sparsities (default erk)", **suppress)
    group.add_argument("--total-steps", type=int, metavar="N", help="env steps in all (default: the settings')",
                       **suppress)
    group.add_argument("--num-envs", type=int, metavar="N", help="env copies stepped together", **suppress)
    group.add_argument("--num-steps", type=int, metavar="N", help="steps per copy per rollout", **suppress)
    group.add_argument("--normalize-obs", action=argparse.BooleanOptionalAction,
                       help="running observation normalisation", **suppress)
    group.add_argument("--normalize-reward", action=argparse.BooleanOptionalAction,
                       help="reward scaling by the return's running std", **suppress)


def _value_type(annotation: Any) -> type:
    """``int`` for ``int`` or ``int | None``; likewise ``float``; ``str`` for anything else."""
    candidates = [arg for arg in typing.get_args(annotation) if arg is not type(None)] or [annotation]
    return candidates[0] if candidates[0] in (int, float) else str


def _default_help(field: dataclasses.Field) -> str:
    """Help for a field without metadata: its default, or that the task decides."""
    if field.default is None:
        return "default: the task's"
    if field.default is not dataclasses.MISSING:
        return f"default {field.default}"
    return "may be given more than once"


def _one_of(names) -> str:
    return "one of: " + ", ".join(names)
