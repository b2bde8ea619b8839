"""Train (resumably) and assemble the zoo's PPO champions: ``ppo`` and ``ppo-sparse`` on the four tasks.

    python tools/build_ppo_zoo.py [--only ppo-sparse] [--env InvertedPendulum-v0] [--train-only]

The plan is data (``tools/ppo_zoo_plan.json``): per champion name its sparse method and the seeds to train.
Each run trains with the task's tuned settings (``pendulum_zoo/rl/ppo_settings.json``) in
``evaluation/ppo-runs/<name>-<Env>-s<seed>/`` (``train_ppo``; an unfinished run resumes; beside, not in,
``evaluation/runs/``, which holds the runs of ``tools/train_zoo_plan.json``). Then, as
``tools/build_zoo.py`` does for the evolutionary champions: every run's policy is scored with the protocol on the
selection seed (1000) and the evaluation seed (0), the best on the selection seed is the champion, and
``evaluation/<name>-<Env>.json`` / ``.md`` and ``agents/<name>-<Env>/`` (``policy.json`` with the card and its
protocol record, ``learning_curve.jsonl``, ``learning_curve.svg``, ``network.svg``, ``MODEL_CARD.md``) are written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pendulum_zoo.drawing import write_learning_curve_svg, write_mlp_svg  # noqa: E402
from pendulum_zoo.envs.registration import ENV_SPECS, canonical_env_id, solved_threshold  # noqa: E402
from pendulum_zoo.networks.mlp import MLPPolicy  # noqa: E402
from pendulum_zoo.protocol import evaluate  # noqa: E402
from pendulum_zoo.protocol.report import Report  # noqa: E402
from pendulum_zoo.rl import SparseConfig  # noqa: E402
from pendulum_zoo.rl.settings import ppo_config  # noqa: E402
from pendulum_zoo.storage.fileio import atomic_write_text, read_json  # noqa: E402
from pendulum_zoo.storage.policy_file import load_policy, save_policy  # noqa: E402
from pendulum_zoo.training import train_ppo  # noqa: E402
from pendulum_zoo.training.ppo_run import LOG_COUNTER  # noqa: E402
from pendulum_zoo.training.run_folder import read_log_lines  # noqa: E402
from pendulum_zoo.zoo import champion_name  # noqa: E402
from build_zoo import protocol_record, protocol_section, save_champion_report  # noqa: E402
from run_archive import AGENTS, PROTOCOL_EPISODES, PROTOCOL_SEED, SELECTION_SEED  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVALUATION = os.path.join(ROOT, "evaluation")
RUNS = os.path.join(EVALUATION, "ppo-runs")
PLAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ppo_zoo_plan.json")


def run_folder(name: str, env_id: str, seed: int) -> str:
    return os.path.join(RUNS, f"{champion_name(name, env_id)}-s{seed}")


def train_run(name: str, env_id: str, seed: int, sparse: dict) -> str:
    """The folder of the finished run (trained or resumed here if it is not finished)."""
    folder = run_folder(name, env_id, seed)
    config = ppo_config(env_id, seed=seed, sparse=SparseConfig(**sparse))
    if not os.path.exists(os.path.join(folder, "champion.json")):
        resume = os.path.exists(os.path.join(folder, "checkpoint.npz"))
        print(f"{os.path.basename(folder)}: {'resuming' if resume else 'training'}, {config.total_steps:,} steps",
              flush=True)

        def show(record):
            if record["iteration"] % 20 == 0:
                print(f"  iteration {record['iteration']}: {record['env_steps']:,} steps, return "
                      f"{record['mean_return']}, {record['wall_time']:.0f} s", flush=True)
        train_ppo(config, folder, resume=resume, callback=show)
    return folder


def score(folder: str, env_id: str, seed: int) -> tuple[MLPPolicy, dict, Report, float]:
    network, card = load_policy(os.path.join(folder, "champion.json"))
    policy = MLPPolicy(network, f"{card['algorithm']} run {os.path.basename(folder)}", card)
    selection = evaluate(policy, env_id, PROTOCOL_EPISODES, SELECTION_SEED, workers=1).statistics()["mean"]
    report = evaluate(policy, env_id, PROTOCOL_EPISODES, PROTOCOL_SEED, workers=1)
    return policy, card, report, selection


def build(name: str, env_id: str, plan: dict) -> None:
    runs = {seed: train_run(name, env_id, seed, plan["sparse"]) for seed in plan["seeds"]}
    scored = {seed: score(folder, env_id, seed) for seed, folder in runs.items()}
    best = max(scored, key=lambda seed: (scored[seed][3], -seed))  # ties to the lower seed
    policy, card, report, _ = scored[best]
    champion = champion_name(name, env_id)
    report = save_champion_report(name, env_id, report)
    stats = report.statistics()
    card = {**card, "zoo": {
        "selected_from_runs": [os.path.basename(folder) for folder in runs.values()],
        "selection": f"best protocol mean on evaluation seed {SELECTION_SEED}",
        "selection_means": {os.path.basename(runs[seed]): scored[seed][3] for seed in runs},
        "protocol": protocol_record(report),
    }}
    folder = os.path.join(AGENTS, champion)
    os.makedirs(folder, exist_ok=True)
    save_policy(os.path.join(folder, "policy.json"), policy.network, card)
    shutil.copyfile(os.path.join(runs[best], "log.jsonl"), os.path.join(folder, "learning_curve.jsonl"))
    log = read_log_lines(os.path.join(runs[best], "log.jsonl"), *LOG_COUNTER)[0]
    short = env_id.split("/")[-1]
    write_learning_curve_svg(os.path.join(folder, "learning_curve.svg"), log, title=f"{name} on {short}, seed {best}",
                             threshold=solved_threshold(env_id), kind="ppo")
    write_mlp_svg(os.path.join(folder, "network.svg"), policy.network, title=f"{name} champion, {short}")
    atomic_write_text(os.path.join(folder, "MODEL_CARD.md"), model_card_markdown(champion, card, report))
    print(f"{champion:45s} champion seed {best}: protocol {stats['mean']:.2f} +/- {stats['std']:.2f}", flush=True)


def model_card_markdown(name: str, card: dict, report: Report) -> str:
    hp, zoo = card["hyperparameters"], card["zoo"]
    sparse = hp["sparse"]
    method = "dense" if sparse["method"] == "dense" else (
        f"{sparse['method']}, sparsity {sparse['sparsity']:g} ({sparse['distribution']}), update interval "
        f"{sparse['update_interval']}, drop fraction {sparse['drop_fraction']:g}, weight decay {sparse['weight_decay']:g}")
    steps = "not reached" if card["steps_to_solve"] is None else f"{card['steps_to_solve']:,}"
    lines = [
        f"# {name}", "",
        f"The `{card['algorithm']}` champion for `{card['env_id']}`, trained by pendulum-zoo "
        f"{card['package_version']} with PPO (numpy, `pendulum_zoo.rl`). Load it with "
        f"`pendulum_zoo.load_champion(\"{card['algorithm']}\", \"{card['env_id']}\")`.", "",
        *protocol_section(name, report, " The deterministic policy: the actor's mean action."),
        "## Network", "",
        f"Actor {card['network']} ({hp['activation']}), {card['connections']} of {card['weights']} weights nonzero "
        f"(sparsity {card['sparsity']:.3f}); observations normalised with frozen running statistics: "
        f"{'yes' if hp['normalize_obs'] else 'no'}. ![network](network.svg)", "",
        "## Training", "",
        "| | |", "|---|---|",
        f"| algorithm | `{card['algorithm']}` (PPO, sparse training: {method}) |",
        f"| seed | {card['seed']} (picked from runs {', '.join(zoo['selected_from_runs'])} by {zoo['selection']}) |",
        f"| settings that differ from the paper's (Graesser et al. 2022, A.3) | `{card['tuned']}` |",
        f"| iterations, env steps | {card['iterations']}, {card['total_steps']:,} |",
        f"| steps until the training episodes' mean return first reached {solved_threshold(card['env_id']):g} | "
        f"{steps} |",
        f"| final training return (stochastic actions) | {card['final_training_return']:.2f} |",
        f"| wall time | {card['wall_time_s'] / 60:.1f} min |",
        "", "![learning curve](learning_curve.svg)", "",
        "`learning_curve.jsonl` is the run's per-iteration log; `policy.json` holds the network and this card.", "",
    ]
    return "\n".join(lines)


def champion_arguments(description: str) -> argparse.Namespace:
    """The command line of a zoo builder that trains its runs from a plan (PPO's, the tickets')."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", default=None, help="one champion name of the plan")
    parser.add_argument("--env", default=None, help="one task")
    parser.add_argument("--train-only", action="store_true", help="train the runs, assemble nothing")
    return parser.parse_args()


def main() -> None:
    args = champion_arguments(__doc__.splitlines()[0])
    plan = read_json(PLAN, "PPO zoo plan")["champions"]
    envs = [canonical_env_id(args.env)] if args.env else list(ENV_SPECS)
    for env_id in envs:
        for name, entry in plan.items():
            if args.only not in (None, name):
                continue
            if args.train_only:
                for seed in entry["seeds"]:
                    train_run(name, env_id, seed, entry["sparse"])
            else:
                build(name, env_id, entry)


if __name__ == "__main__":
    sys.exit(main())
