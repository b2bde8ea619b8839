"""``pendulum-zoo zoo`` (the champions, optionally scored afresh), ``show`` (a network drawn) and ``enjoy``
(an episode as an animated PNG)."""

from __future__ import annotations

import argparse
import os

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import pendulum_zoo
from pendulum_zoo.cli.evaluation import warn_if_other_task
from pendulum_zoo.cli.output import counting_progress, print_whole
from pendulum_zoo.cli.paths import check_output_file, writing
from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks.mlp import MLPPolicy
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.zoo import (
    champion_keys,
    champion_name,
    env_name,
    load_agent_policy,
    load_champion,
    protocol_score,
    trained_env_id,
)


def zoo_command(args: argparse.Namespace, console: Console) -> int:
    keys = champion_keys()
    if not keys:
        console.print("the zoo is empty")
        return 1
    table = Table(box=box.SIMPLE_HEAD)
    columns = ["algorithm", "env", "conn", "mean +/- std", "solved at"] + (["fresh score", "same"] if args.score else [])
    for column in columns:
        justify = "left" if column in ("algorithm", "env") else "center" if column == "same" else "right"
        table.add_column(column, justify=justify, no_wrap=True, min_width=len(column))
    mismatches, protocols = 0, set()
    progress = counting_progress(console, "champions")
    with progress:
        task = progress.add_task("scoring the zoo", total=len(keys) if args.score else 0)
        for algorithm, env_id in keys:
            policy = load_champion(algorithm, env_id)
            recorded = protocol_score(policy, champion_name(algorithm, env_id))
            protocols.add((recorded.episodes, recorded.seed))
            steps = "-" if recorded.steps_to_solve is None else f"{recorded.steps_to_solve:.3e}"
            row = [algorithm, env_name(env_id), str(policy.connections),
                   f"{recorded.mean:.2f} +/- {recorded.std:.2f}", steps]
            if args.score:
                report = pendulum_zoo.evaluate(policy, env_id, episodes=recorded.episodes, seed=recorded.seed,
                                  workers=args.workers, engine=args.engine)
                fresh = report.statistics()
                same = report.returns == recorded.returns
                mismatches += not same
                row += [f"{fresh['mean']:.2f} +/- {fresh['std']:.2f}", "yes" if same else "[red]NO"]
                progress.advance(task)
            table.add_row(*row)
    protocol = "protocol"
    if len(protocols) == 1:  # as every card of the shipped zoo records it
        episodes, seed = protocols.pop()
        protocol += f", {episodes} episodes, seed {seed}"
    table.title = f"pendulum-zoo {pendulum_zoo.__version__} champions: {protocol}"
    print_whole(console, table)
    return 0 if mismatches == 0 else 1


def show_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.drawing import mlp_renderable, network_renderable, write_mlp_svg, write_network_svg

    policy = load_agent_policy(args.agent, args.env)
    path = check_output_file(args.svg or f"{output_stem(args.agent, policy)}-network.svg", "network drawing")
    # an MLP (PPO's agents) or the article's 192-weight network
    network, renderable, write = (policy.network, mlp_renderable, write_mlp_svg) if isinstance(policy, MLPPolicy) \
        else (policy.params, network_renderable, write_network_svg)
    print_whole(console, renderable(network, policy.description))
    with writing(f"the network drawing to {path}"):
        write(path, network, policy.description)
    console.print(f"network drawing written to {escape(path)}")
    return 0


def enjoy_command(args: argparse.Namespace, console: Console) -> int:
    from pendulum_zoo.episode_video import record_episode

    policy = load_agent_policy(args.agent, args.env)
    env_id = canonical_env_id(args.env) if args.env is not None else trained_env_id(policy)
    if env_id is None:
        raise ValueError(f"{args.agent}'s card names no task: give --env")
    warn_if_other_task(policy, env_id, "shown")
    path = check_output_file(args.out or f"{output_stem(args.agent, policy)}-episode.png", "animation")
    with console.status("running and rendering one episode"):
        recording = record_episode(policy, env_id, seed=args.seed, frame_every=args.frame_every)
        with writing(f"the animation to {path}"):
            recording.write_apng(path)
    on_task = "" if env_id in policy.description else f" on {env_id}"  # a champion's description names it
    console.print(f"{escape(policy.description)}{on_task}, episode seed {args.seed}: return "
                  f"{recording.total_return:.2f} in {recording.steps} steps; {len(recording.frames)} frames written "
                  f"to {escape(path)} (animated PNG)", soft_wrap=True)
    return 0


def output_stem(agent: str, policy: Policy | MLPPolicy) -> str:
    """The default file name's stem: the champion's name (``mk1-InvertedPendulum-v0``) or the policy file's."""
    if os.path.exists(agent):
        return os.path.splitext(os.path.basename(agent))[0]
    return champion_name(agent, policy.card["env_id"])
