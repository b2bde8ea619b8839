"""Train (resumably) and assemble the zoo's lottery-ticket champions: ``imp-ppo`` and ``imp-bc`` on the four tasks.

    python tools/build_tickets_zoo.py [--only imp-bc] [--env InvertedPendulum-v0] [--train-only]

The plan is data (``tools/tickets_zoo_plan.json``): per champion name and task, the IMP run's settings
(``TicketsConfig`` fields) and seeds. Each run trains only the ticket (``mask/weights``) in
``evaluation/tickets/zoo-runs/<name>-<Env>-s<seed>/`` (``run_tickets``: a checkpoint after every round, an
unfinished run resumes; its rows are kept in ``results.json``, the checkpoint stays out of the repository) and
stops early once ``stop_after_failed_rounds`` rounds in a row score below 98% of its dense round. Then every
round's ticket is scored with the protocol on the selection seed (1000; cached in the run's ``selection.json``);
the champion is the sparsest ticket, over the seeds, whose selection mean is within 2% of the best dense round of
the seeds, and it is reported on evaluation seed 0. As ``tools/build_ppo_zoo.py``: ``evaluation/<name>-<Env>.json``
/ ``.md`` and ``agents/<name>-<Env>/`` (``policy.json`` with the card and its protocol record,
``learning_curve.jsonl``: one record per round, ``learning_curve.svg``: return against the weights left,
``network.svg``, ``MODEL_CARD.md``).
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pendulum_zoo._version import __version__  # noqa: E402
from pendulum_zoo.drawing import write_mlp_svg  # noqa: E402
from pendulum_zoo.drawing.sparsity_svg import Series, sparsity_curves_svg  # noqa: E402
from pendulum_zoo.envs.registration import ENV_SPECS, canonical_env_id  # noqa: E402
from pendulum_zoo.networks.inputs import input_report  # noqa: E402
from pendulum_zoo.networks.mlp import MLPPolicy  # noqa: E402
from pendulum_zoo.networks.policy import INPUT_NAMES  # noqa: E402
from pendulum_zoo.protocol import evaluate  # noqa: E402
from pendulum_zoo.protocol.report import Report  # noqa: E402
from pendulum_zoo.rl.imp import IMP_ALGORITHMS  # noqa: E402
from pendulum_zoo.storage.fileio import atomic_write_text, read_json, write_json  # noqa: E402
from pendulum_zoo.storage.policy_file import save_policy  # noqa: E402
from pendulum_zoo.studies.tickets import TicketsConfig, read_run, run_tickets, save_results, ticket_network  # noqa: E402
from pendulum_zoo.studies.tickets_report import KEEP  # noqa: E402
from pendulum_zoo.versions import installed_versions  # noqa: E402
from pendulum_zoo.zoo import champion_name  # noqa: E402
from build_ppo_zoo import champion_arguments  # noqa: E402
from build_zoo import protocol_record, protocol_section, save_champion_report  # noqa: E402
from run_archive import AGENTS, PROTOCOL_EPISODES, PROTOCOL_SEED, SELECTION_SEED  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVALUATION = os.path.join(ROOT, "evaluation")
RUNS = os.path.join(EVALUATION, "tickets", "zoo-runs")
PLAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tickets_zoo_plan.json")
TRAINER = {algorithm: trainer for trainer, algorithm in IMP_ALGORITHMS.items()}  # champion name -> trainer
SELECTION_FILE = "selection.json"  # per run: each round's ticket's protocol mean on the selection seed


def run_config(name: str, env_id: str, seed: int, settings: dict) -> TicketsConfig:
    return TicketsConfig(trainer=TRAINER[name], env_id=env_id, seed=seed, conditions=("mask/weights",), **settings)


def failed_streak(rows: list[dict]) -> int:
    """How many of the last rounds in a row scored below 98% of the run's dense round (the study's score)."""
    tickets = [row for row in rows if row["condition"] == "mask/weights"]
    streak = 0
    for row in reversed(tickets[1:]):
        if row["score"] >= KEEP * tickets[0]["score"]:
            break
        streak += 1
    return streak


def train_run(name: str, env_id: str, seed: int, settings: dict, patience: int) -> str:
    """The folder of the run, trained or resumed here until it has all its rounds or has failed ``patience``
    rounds in a row."""
    folder = os.path.join(RUNS, f"{champion_name(name, env_id)}-s{seed}")
    config = run_config(name, env_id, seed, settings)

    streak = [0]

    def progress(state, seconds):
        row, streak[0] = state.rows[-1], failed_streak(state.rows)
        print(f"  {os.path.basename(folder)} round {row['round']}: {row['sparsity']:.3f} sparse, score "
              f"{row['score']:.1f} ({seconds:.0f} s)", flush=True)

    if os.path.exists(os.path.join(folder, "checkpoint.npz")):
        _, state = read_run(folder)
        if failed_streak(state.rows) >= patience or state.round > config.rounds:
            return folder
    print(f"{os.path.basename(folder)}: up to {config.rounds} rounds", flush=True)
    run_tickets(folder, config, on_round=progress, should_stop=lambda: streak[0] >= patience)
    return folder


def selection_means(folder: str) -> tuple[TicketsConfig, object, list[float]]:
    """The run's config and state, and each round's ticket's protocol mean (100 episodes, selection seed),
    cached in the run's ``selection.json`` (a round already scored is not scored again)."""
    config, state = read_run(folder)
    save_results(folder, state)  # the rows stay in the repository; the checkpoint does not
    path = os.path.join(folder, SELECTION_FILE)
    means = read_json(path, "ticket selection scores")["means"] if os.path.exists(path) else []
    for r in range(len(means), state.round):
        policy = MLPPolicy(ticket_network(config, state.tickets[r]))
        means.append(evaluate(policy, config.env_id, PROTOCOL_EPISODES, SELECTION_SEED, workers=1).statistics()["mean"])
    write_json(path, {"format": "pendulum-zoo/ticket-selection", "format_version": 1, "seed": SELECTION_SEED,
                      "episodes": PROTOCOL_EPISODES, "means": means})
    return config, state, means


def best_dense(runs: dict[int, tuple]) -> tuple[int, float]:
    """(seed, selection mean) of the best dense round (round 0) of the task's runs: the dense agent a ticket is
    held to. The best, not the ticket's own: a weak dense round (BC on the narrow swing-up: 699 against 891)
    would otherwise let a weak ticket through."""
    seed = max(runs, key=lambda s: (runs[s][2][0], -s))
    return seed, runs[seed][2][0]


def pick(runs: dict[int, tuple]) -> tuple[int, int]:
    """(seed, round) of the sparsest ticket whose selection mean is within 2% of the best dense round
    (``best_dense``); ties go to the higher selection mean, then the lower seed."""
    _, dense = best_dense(runs)
    candidates = []
    for seed, (config, state, means) in runs.items():
        for r in range(state.round):
            if means[r] >= KEEP * dense:
                sparsity = next(row["sparsity"] for row in state.rows if row["round"] == r)
                candidates.append((sparsity, means[r], -seed, r))
    sparsity, _, negative_seed, r = max(candidates)
    return -negative_seed, r


def steps_to_round(config: TicketsConfig, r: int) -> int:
    """Env steps spent to reach round ``r``'s ticket: PPO's trainings of rounds 0..r; BC's teacher trajectories,
    collected once (the students train offline)."""
    return (r + 1) * config.ppo_steps if config.trainer == "ppo" else config.teacher_steps


def curve_records(config: TicketsConfig, state, means: list[float]) -> list[dict]:
    """The champion's learning curve: one record per IMP round of its run."""
    records = []
    for row in (row for row in state.rows if row["condition"] == "mask/weights"):
        records.append({"round": row["round"], "sparsity": row["sparsity"], "weights_alive": row["weights_alive"],
                        "score": row["score"], "score_std": row["score_std"], "selection_mean": means[row["round"]],
                        "live_inputs": [INPUT_NAMES[k] for k in row["live_inputs"]],
                        "env_steps": steps_to_round(config, row["round"])})
    return records


def build(name: str, env_id: str, entry: dict, patience: int) -> None:
    folders = {seed: train_run(name, env_id, seed, entry["settings"], patience) for seed in entry["seeds"]}
    runs = {seed: selection_means(folder) for seed, folder in folders.items()}
    seed, r = pick(runs)
    dense_seed, dense_mean = best_dense(runs)
    config, state, means = runs[seed]
    network = ticket_network(config, state.tickets[r])
    champion = champion_name(name, env_id)
    report = save_champion_report(
        name, env_id, evaluate(MLPPolicy(network), env_id, PROTOCOL_EPISODES, PROTOCOL_SEED, workers=1))
    stats = report.statistics()
    records = curve_records(config, state, means)
    card = {
        "algorithm": name, "env_id": env_id, "seed": seed, "trainer": config.trainer,
        "tickets_config": config.to_dict(),
        "round": r, "rounds_trained": state.round, "condition": "mask/weights",
        "teacher": config.teacher if config.trainer == "bc" else None,
        "total_steps": steps_to_round(config, r),
        "steps_to_solve": None,
        "network": "-".join(str(size) for size in network.sizes), "connections": network.connections,
        "weights": network.num_weights, "sparsity": network.sparsity,
        "live_inputs": [INPUT_NAMES[k] for k in input_report(network).live_dimensions],
        "package": "pendulum-zoo", "package_version": __version__, "versions": installed_versions(),
        "zoo": {
            "selected_from_runs": [os.path.basename(folder) for folder in folders.values()],
            "selection": f"the sparsest ticket whose protocol mean on evaluation seed {SELECTION_SEED} is within 2% "
                         f"of the best dense round (round 0) of these runs",
            "dense_selection_mean": dense_mean, "dense_seed": dense_seed, "selection_mean": means[r],
            "protocol": protocol_record(report),
        },
    }
    folder = os.path.join(AGENTS, champion)
    os.makedirs(folder, exist_ok=True)
    save_policy(os.path.join(folder, "policy.json"), network, card)
    atomic_write_text(os.path.join(folder, "learning_curve.jsonl"),
                      "".join(json.dumps(record) + "\n" for record in records))
    short = env_id.split("/")[-1]
    remaining = [1 - record["sparsity"] for record in records]
    curves = [Series("ticket, 10 episodes (+/- 1 std)", [(x["round"], x["score"], x["score_std"]) for x in records]),
              Series(f"ticket, 100 episodes, seed {SELECTION_SEED}", [(x["round"], x["selection_mean"], None)
                                                                       for x in records])]
    atomic_write_text(os.path.join(folder, "learning_curve.svg"), sparsity_curves_svg(
        curves, remaining, title=f"{name} on {short}, seed {seed}: return against weights left (champion: round {r})"))
    write_mlp_svg(os.path.join(folder, "network.svg"), network, title=f"{name} champion, {short}")
    atomic_write_text(os.path.join(folder, "MODEL_CARD.md"), model_card_markdown(champion, card, report))
    print(f"{champion:45s} seed {seed} round {r} ({card['sparsity']:.3f} sparse): protocol {stats['mean']:.2f} "
          f"+/- {stats['std']:.2f}", flush=True)


def trainer_description(card: dict) -> str:
    config = card["tickets_config"]
    if card["trainer"] == "ppo":
        settings = "the task's tuned settings" if config["ppo_settings"] == "tuned" else "the paper's settings"
        return f"PPO (numpy, `pendulum_zoo.rl`), {settings}, {config['ppo_steps']:,} env steps a round"
    return (f"behavioural cloning of the zoo's `{card['teacher']}` champion on {config['teacher_steps']:,} steps of "
            f"its own trajectories (action noise {config['teacher_noise']:g}), {config['bc_epochs']} epochs")


def model_card_markdown(name: str, card: dict, report: Report) -> str:
    config, zoo = card["tickets_config"], card["zoo"]
    lines = [
        f"# {name}", "",
        f"The `{card['algorithm']}` champion for `{card['env_id']}`: a lottery ticket found by iterative magnitude "
        f"pruning with rewinding (Vischer et al. 2022), trained by pendulum-zoo {card['package_version']}. Load it "
        f"with `pendulum_zoo.load_champion(\"{card['algorithm']}\", \"{card['env_id']}\")`.", "",
        *protocol_section(name, report, " The deterministic policy: the actor's mean action."),
        "## Network", "",
        f"Actor {card['network']} (tanh), {card['connections']} of {card['weights']} weights left (sparsity "
        f"{card['sparsity']:.3f}), initialised `{config['init']}`; inputs that still reach the action: "
        f"{', '.join(card['live_inputs']) or 'none'}. ![network](network.svg)", "",
        "## Training", "",
        "| | |", "|---|---|",
        f"| algorithm | `{card['algorithm']}`: IMP, 20% of the surviving weights pruned a round by global magnitude, "
        f"survivors rewound to their initial values; trainer: {trainer_description(card)} |",
        f"| ticket | round {card['round']} of {card['rounds_trained']} trained, condition `{card['condition']}` |",
        f"| seed | {card['seed']} (picked from runs {', '.join(zoo['selected_from_runs'])}: {zoo['selection']}) |",
        f"| selection means (100 episodes, seed 1000) | best dense round (seed {zoo['dense_seed']}) "
        f"{zoo['dense_selection_mean']:.2f}, this ticket "
        f"{zoo['selection_mean']:.2f} |",
        f"| env steps to this ticket | {card['total_steps']:,} |",
        "", "![return against weights left](learning_curve.svg)", "",
        "`learning_curve.jsonl` holds one record per IMP round of the run (sparsity, 10-episode score, selection "
        "mean, live inputs); `policy.json` holds the network and this card.", "",
    ]
    return "\n".join(lines)


def main() -> None:
    args = champion_arguments(__doc__.splitlines()[0])
    plan = read_json(PLAN, "tickets zoo plan")
    envs = [canonical_env_id(args.env)] if args.env else list(ENV_SPECS)
    for name, tasks in plan["champions"].items():
        if args.only not in (None, name):
            continue
        for env_id in envs:
            entry = tasks[env_id]
            if args.train_only:
                for seed in entry["seeds"]:
                    train_run(name, env_id, seed, entry["settings"], plan["stop_after_failed_rounds"])
            else:
                build(name, env_id, entry, plan["stop_after_failed_rounds"])


if __name__ == "__main__":
    sys.exit(main())
