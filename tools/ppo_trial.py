"""One PPO trial for tuning: train with a task's settings (pendulum_zoo/rl/ppo_settings.json) plus overrides, score the
deterministic policy with the protocol (100 episodes), append one JSON line to --out.

    python tools/ppo_trial.py --env InvertedPendulumSwingup-v0 --seed 0 [--set learning_rate=3e-4 ...]

``tools/ppo_trials.jsonl`` holds the rows of the trials behind ``ppo_settings.json`` and ``ppo_zoo_plan.json``
(``settings`` there are the fields over the paper's defaults; rows before the balance settings were recorded
used the rl-baselines3-zoo start for swing-up).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pendulum_zoo.cli.options import parse_assignments  # noqa: E402
from pendulum_zoo.envs.registration import canonical_env_id  # noqa: E402
from pendulum_zoo.protocol import evaluate  # noqa: E402
from pendulum_zoo.rl import PPO, SparseConfig  # noqa: E402
from pendulum_zoo.rl.settings import ppo_config, task_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a PPOConfig field")
    parser.add_argument("--sparse", default="dense")
    parser.add_argument("--sparsity", type=float, default=None)
    parser.add_argument("--settings", default="tuned", help="tuned or paper")
    parser.add_argument("--every", type=int, default=10, help="print every N iterations")
    parser.add_argument("--out", default="ppo_trials.jsonl")
    args = parser.parse_args()
    env_id = canonical_env_id(args.env)
    settings = {**task_settings(env_id, args.settings), **parse_assignments(args.set)}
    config = ppo_config(env_id, seed=args.seed, settings="paper", sparse=SparseConfig(args.sparse, args.sparsity),
                        **settings)
    ppo = PPO(config)
    started = time.perf_counter()
    try:
        def show(stats):
            if stats["iteration"] % args.every == 0 or stats["iteration"] == config.iterations:
                print(f"it {stats['iteration']:4d} steps {stats['env_steps']:9,d} return {stats['mean_return']} "
                      f"log_std {stats['log_std']:.2f} kl {stats['approx_kl']:.4f} "
                      f"t {time.perf_counter() - started:.0f}s", flush=True)
        ppo.train(show)
    finally:
        ppo.close()
    train_s = time.perf_counter() - started
    report = evaluate(ppo.policy(), env_id, workers=1)
    stats = report.statistics()
    row = {"env_id": env_id, "seed": args.seed, "sparse": args.sparse, "sparsity": args.sparsity,
           "settings": settings, "train_s": round(train_s, 1), "mean": stats["mean"], "std": stats["std"],
           "iqm": stats["iqm"], "min": stats["min"]}
    print(json.dumps(row), flush=True)
    with open(args.out, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
