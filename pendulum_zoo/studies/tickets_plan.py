"""The lottery-ticket study's plan: which IMP runs, with what budgets, and how long each takes on this machine.

``python -m pendulum_zoo.studies.tickets_plan run [--only GROUP...] [--until HH:MM]`` trains the plan's runs one
after another in ``evaluation/tickets/runs/<group>-s<seed>/`` (resumable: a finished run is skipped, an unfinished
one continues from its last round); ``report`` writes the data, figures and tables (``tickets_report.py``) and the
input report of the zoo's masked champions (``inputs.py``). ``hours`` is the measured (or, where marked, estimated)
time of the whole group on this 2-core machine with other jobs running (BC about 5 s a round, PPO on balance about
35 s); the study as planned, with the input-subset groups (minutes each), fits in about 9 hours.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys

from pendulum_zoo.studies.tickets import TicketsConfig, run_tickets
from pendulum_zoo.validation import did_you_mean, quote

BALANCE = "pendulum_zoo/InvertedPendulum-v0"
SWINGUP_WIDE = "pendulum_zoo/InvertedPendulumSwingupWide-v0"
ROOT = os.path.join("evaluation", "tickets")

# name -> (seeds, TicketsConfig settings, hours for the group, why)
PLAN: dict[str, tuple[tuple[int, ...], dict, float, str]] = {
    "bc-balance": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": BALANCE}, 0.16,
                   "Figures 2 and 3: BC tickets and the four conditions, distilling the mk1 champion"),
    "ppo-balance": ((0, 1, 2, 3, 4), {"trainer": "ppo", "env_id": BALANCE}, 1.01,
                    "Figures 2 and 4: PPO tickets, actor pruned (the paper's Cart-Pole PPO: AP)"),
    "bc-balance-input0.1": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": BALANCE, "init": "kaiming-input-0.1"},
                            0.16, "Section 4.2: the input layer's initial scale and which inputs IMP removes"),
    "bc-balance-xavier": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": BALANCE, "init": "xavier"}, 0.2,
                          "Section 4.2: Xavier initialisation; estimated"),
    "bc-balance-gain": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": BALANCE, "actor_output_gain": None}, 0.2,
                        "BC with the output layer at Kaiming's gain instead of 0.01: does its early collapse go? estimated"),
    "ppo-balance-gain": ((0, 1, 2, 3, 4), {"trainer": "ppo", "env_id": BALANCE, "actor_output_gain": None}, 1.0,
                         "PPO with the actor's output layer at Kaiming's gain: does the ticket outlive round 12? estimated"),
    "ppo-balance-input0.1": ((0, 1, 2, 3, 4), {"trainer": "ppo", "env_id": BALANCE, "init": "kaiming-input-0.1"},
                             2.0, "Figure 8 top: PPO's input masks with the input layer scaled by 0.1 (2.0 h measured "
                                  "beside another group on the 2 cores)"),
    "ppo-balance-actor-critic": ((0, 1, 2, 3, 4), {"trainer": "ppo", "env_id": BALANCE, "pruned": "actor-critic"},
                                 2.0, "Appendix A.5: pruning actor and critic together (ACP) (2.0 h measured beside "
                                      "another group on the 2 cores)"),
    "bc-swingupwide": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": SWINGUP_WIDE, "teacher_steps": 50_000}, 0.6,
                       "The widened swing-up, where the cart position may matter (end stops); estimated"),
    "ppo-swingupwide": ((0, 1, 2), {"trainer": "ppo", "env_id": SWINGUP_WIDE, "rounds": 10, "ppo_steps": 1_000_000,
                                    "ppo_settings": "tuned"}, 3.7,
                        "PPO on the widened swing-up, 10 rounds, the tuned settings at the sweep's 1M steps (about "
                        "110 s a training alone on a core, as the imp-ppo champion's run); estimated, not yet run"),
}

# dense agents on input subsets (Figure 8, bottom): name -> (seeds, settings of the runs' trainer and budget)
SUBSET_PLAN: dict[str, tuple[tuple[int, ...], dict]] = {
    "subsets-bc-balance": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": BALANCE}),
    "subsets-ppo-balance": ((0, 1, 2, 3, 4), {"trainer": "ppo", "env_id": BALANCE}),
    "subsets-bc-swingupwide": ((0, 1, 2, 3, 4), {"trainer": "bc", "env_id": SWINGUP_WIDE, "teacher_steps": 50_000}),
}


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def group_configs(name: str) -> list[tuple[str, TicketsConfig]]:
    if name not in PLAN:
        raise ValueError(f"unknown study group {quote(name)}{did_you_mean(name, PLAN)}; choose from {', '.join(PLAN)}")
    seeds, settings, _, _ = PLAN[name]
    return [(f"{name}-s{seed}", TicketsConfig(seed=seed, **settings)) for seed in seeds]


def run_plan(root: str, names: list[str], until: datetime.datetime | None = None) -> None:
    """Every run of the named groups in turn; stops cleanly after a round once ``until`` has passed."""
    for name in names:
        if name in SUBSET_PLAN:
            from pendulum_zoo.studies.input_subsets import run_input_subsets

            seeds, settings = SUBSET_PLAN[name]
            run_input_subsets(root, [TicketsConfig(seed=seed, **settings) for seed in seeds],
                              on_entry=lambda e: print(f"{name} {e['subset']} s{e['seed']}: {e['score']:.0f}",
                                                       flush=True))
            continue
        for folder, config in group_configs(name):
            if until is not None and _now() >= until:
                print(f"stopping: it is past {until:%H:%M} UTC", flush=True)
                return

            def progress(state, seconds, folder=folder):
                rows = [row for row in state.rows if row["round"] == state.round - 1]
                scores = ", ".join(f"{row['condition']} {row['score']:.0f}" for row in rows)
                print(f"{folder} round {state.round - 1} ({rows[0]['sparsity']:.3f} sparse) {seconds:.0f} s: "
                      f"{scores}", flush=True)

            state = run_tickets(os.path.join(root, "runs", folder), config, on_round=progress,
                                should_stop=lambda: until is not None and _now() >= until)
            print(f"{folder}: round {state.round - 1} of {config.rounds} done", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pendulum_zoo.studies.tickets_plan")
    parser.add_argument("action", choices=("run", "report", "list"))
    parser.add_argument("--only", nargs="+", default=[*PLAN, *SUBSET_PLAN], metavar="GROUP")
    parser.add_argument("--until", help="HH:MM (UTC): stop after the round that ends past this time")
    parser.add_argument("--root", default=ROOT)
    args = parser.parse_args(argv)
    if args.action == "list":
        for name, (seeds, settings, hours, why) in PLAN.items():
            print(f"{name:26s} seeds {len(seeds)}  {hours:4.1f} h  {why}")
        for name, (seeds, settings) in SUBSET_PLAN.items():
            print(f"{name:26s} seeds {len(seeds)}  dense agents on input subsets (Figure 8, bottom)")
        print(f"total {sum(entry[2] for entry in PLAN.values()):.1f} h")
        return 0
    if args.action == "report":
        from pendulum_zoo.studies.inputs import write_zoo_inputs
        from pendulum_zoo.studies.tickets_report import write_report

        write_report(args.root, [n for n in PLAN])
        write_zoo_inputs(args.root)  # the input report of every masked champion of the zoo
        return 0
    until = None
    if args.until:
        hour, minute = (int(part) for part in args.until.split(":"))
        until = _now().replace(hour=hour, minute=minute, second=0, microsecond=0)
    run_plan(args.root, args.only, until)
    return 0


if __name__ == "__main__":
    sys.exit(main())
