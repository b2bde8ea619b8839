"""``pendulum-zoo train ppo``: PPO with optional sparse training, in a run folder like the other trainers'."""

from __future__ import annotations

import argparse
import dataclasses

from rich.console import Console
from rich.markup import escape

from pendulum_zoo.cli.options import parse_assignments
from pendulum_zoo.cli.paths import check_output_folder, default_run_folder
from pendulum_zoo.cli.training import run_and_summarise, run_progress
from pendulum_zoo.rl import PPOConfig, SparseConfig
from pendulum_zoo.rl.settings import ppo_config
from pendulum_zoo.training import TrainConfig, train_ppo

PPO_OPTIONS = ("settings", "sparse", "sparsity", "distribution", "total_steps", "num_envs", "num_steps",
               "normalize_obs", "normalize_reward")  # the dests of parser.add_ppo_options
SPARSE_OPTIONS = ("sparse", "sparsity", "distribution")  # of those, SparseConfig's ("sparse" is its method)
CARD_SUMMARY = ("algorithm", "env_id", "seed", "sparse_method", "sparsity", "stop_reason", "iterations",
                "total_steps", "steps_to_solve", "final_training_return", "connections", "wall_time_s")


def ppo_config_from_args(args: argparse.Namespace) -> PPOConfig:
    """The configuration ``train ppo``'s options give; options of the evolutionary trainers are refused."""
    flags = [f.metadata.get("flag", "--" + f.name.replace("_", "-")) for f in dataclasses.fields(TrainConfig)
             if f.name not in ("algorithm", "env_id", "seed", "hyperparameters") and hasattr(args, f.name)]
    if args.workers is not None:
        flags.append("--workers")
    if flags:
        raise ValueError(f"{flags[0]} is an option of the evolutionary trainers, not of 'train ppo' (PPO runs in "
                         f"one process)")
    sets = parse_assignments(getattr(args, "hyperparameters", []))
    sparse_fields = {f.name for f in dataclasses.fields(SparseConfig)} - {"method"}
    sparse_values = {name: sets.pop(name) for name in list(sets) if name in sparse_fields}
    for name in SPARSE_OPTIONS:
        if hasattr(args, name):
            sparse_values["method" if name == "sparse" else name] = getattr(args, name)
    overrides = {name: getattr(args, name) for name in PPO_OPTIONS
                 if name not in (*SPARSE_OPTIONS, "settings") and hasattr(args, name)}
    return ppo_config(args.env_id, seed=getattr(args, "seed", 0), settings=getattr(args, "settings", "tuned"),
                      sparse=SparseConfig(**sparse_values), **{**sets, **overrides})


def run_name(config: PPOConfig) -> str:
    """``ppo`` for dense training, ``ppo-rigl90`` for RigL at 90% sparsity: a run folder's prefix."""
    sparse = config.sparse
    return "ppo" if sparse.method == "dense" else f"ppo-{sparse.method}{round(100 * sparse.sparsity)}"


def ppo_train_command(args: argparse.Namespace, console: Console) -> int:
    config = ppo_config_from_args(args)  # every bad value is reported before any work
    out = check_output_folder(args.out or default_run_folder(run_name(config), config.env_id, config.seed),
                              "run folder")
    progress = run_progress(console, "iter", "return {task.fields[ret]}  kl {task.fields[kl]}  "
                            "sparsity {task.fields[sparsity]}  steps {task.fields[steps]}  {task.fields[rate]}/s")
    task = progress.add_task("train", total=config.iterations, ret="-", kl="-", sparsity="-", steps="-", rate="-")

    def show(record: dict) -> None:
        rate = record["env_steps"] / record["wall_time"] if record["wall_time"] > 0 else 0.0
        ret = "-" if record["mean_return"] is None else f"{record['mean_return']:.1f}"
        progress.update(task, completed=record["iteration"], ret=ret, kl=f"{record['approx_kl']:.4f}",
                        sparsity=f"{record['actor_sparsity']:.2f}", steps=f"{record['env_steps']:.3g}",
                        rate=f"{rate:,.0f}")

    sparse = config.sparse
    method = "dense" if sparse.method == "dense" else f"{sparse.method} at sparsity {sparse.sparsity:g} " \
                                                      f"({sparse.distribution})"
    console.print(f"training ppo ({method}) on {config.env_id}, seed {config.seed}: {config.total_steps:,} steps "
                  f"on {config.num_envs} env copies, {config.iterations} iterations of {config.batch_size:,}; "
                  f"run folder {escape(out)}", soft_wrap=True)
    return run_and_summarise(console, progress, out, "iteration", CARD_SUMMARY,
                             lambda: train_ppo(config, out, resume=args.resume, callback=show))
