"""``pendulum-zoo demo``: one seeded random-action episode on each task."""

from __future__ import annotations

import argparse

import gymnasium
from rich.console import Console
from rich.table import Table

import pendulum_zoo
from pendulum_zoo.cli.output import print_whole
from pendulum_zoo.envs.registration import ENV_SPECS
from pendulum_zoo.rollout.seeding import check_seed


def demo_command(args: argparse.Namespace, console: Console) -> int:
    seed = check_seed(args.seed, "--seed")  # gymnasium's own error for a negative seed is no ValueError
    table = Table(title=f"pendulum-zoo {pendulum_zoo.__version__}: one random-action episode per task")
    for column in ("env ID", "track", "steps", "return"):
        table.add_column(column, justify="left" if column == "env ID" else "right")
    for env_id in ENV_SPECS:
        env = gymnasium.make(env_id)
        try:
            env.action_space.seed(seed)
            env.reset(seed=seed)
            total, steps, done = 0.0, 0, False
            while not done:
                _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                total += reward
                steps += 1
                done = terminated or truncated
            width = env.unwrapped.track_half_width
        finally:
            env.close()
        table.add_row(env_id, f"-{width:g}..{width:g}", str(steps), f"{total:.1f}")
    print_whole(console, table)
    return 0
