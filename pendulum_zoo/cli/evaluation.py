"""``pendulum-zoo evaluate``: the standard protocol on any agent, its report printed and written."""

from __future__ import annotations

import argparse
import os
from typing import Any

from rich.console import Console
from rich.markup import escape

import pendulum_zoo
from pendulum_zoo.cli.options import parse_noise
from pendulum_zoo.cli.output import counting_progress, print_lines, print_warning, print_whole
from pendulum_zoo.cli.paths import check_output_file, writing
from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.validation import did_you_mean
from pendulum_zoo.zoo import champion_algorithms, env_name, load_agent_policy, trained_env_id


def evaluate_command(args: argparse.Namespace, console: Console) -> int:
    env_id = canonical_env_id(args.env)
    noise = parse_noise(args.noise)
    for path, what in ((args.json, "report"), (args.markdown, "markdown row")):
        if path:
            check_output_file(path, what)  # before the evaluation, so that no result is lost to a bad path
    agent = resolve_network(args.agent, env_id)
    options = {} if args.timeout is None else {"timeout": args.timeout}
    progress = counting_progress(console, "episodes")
    with progress:
        task = progress.add_task(f"{args.agent} on {env_name(env_id)}", total=None)
        # pendulum_zoo.evaluate: the protocol, taking champion names as well (contract 4)
        report = pendulum_zoo.evaluate(agent, env_id, episodes=args.episodes, seed=args.seed, workers=args.workers,
                                       engine=args.engine,
                                       noise=noise, on_progress=lambda done, total: progress.update(
                                           task, completed=done, total=total), **options)
    print_whole(console, report)
    print_lines(console, report.markdown())
    if args.json:
        with writing(f"the report to {args.json}"):
            report.save(args.json)
        console.print(f"report written to {escape(args.json)}")
    if args.markdown:
        from pendulum_zoo.storage.fileio import atomic_write_text

        with writing(f"the markdown row to {args.markdown}"):
            atomic_write_text(args.markdown, report.markdown())
        console.print(f"markdown row written to {escape(args.markdown)}")
    return 0 if report.failure is None else 1


def resolve_network(agent: str, env_id: str) -> Any:
    """A champion name, a policy file, or a misspelled champion name is loaded here (to check its card's task
    and suggest a spelling); anything else ('random') goes to the protocol as given."""
    names = champion_algorithms()
    if not (os.path.exists(agent) or agent in names or did_you_mean(agent, names)):
        return agent
    policy = load_agent_policy(agent, env_id)
    warn_if_other_task(policy, env_id, "scored")
    return policy


def warn_if_other_task(policy: Policy, env_id: str, doing: str) -> None:
    """A warning when the card names another task than the one ``policy`` is about to be ``doing`` on."""
    trained = trained_env_id(policy)
    if trained is not None and trained != env_id:
        print_warning(f"{policy.description} was trained on {trained}; it is {doing} on {env_id}")
