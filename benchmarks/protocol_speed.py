"""Wall time of scoring one masked-network champion over 100 full 1000-step episodes with the protocol.

    python benchmarks/protocol_speed.py [--rounds R] [--workers K] [--engine numpy|pybullet]

Times ``pendulum_zoo.evaluate(policy, "pendulum_zoo/InvertedPendulumSwingupWide-v0")`` end to end, worker
start-up (if any) included, after one untimed evaluation that runs the engine's start-up checks (swing-up episodes never terminate, so all 100 run the full 1000 steps). The policy is the
zoo's mk1 champion for that task when the zoo has one, else a random 0/1 mask (the same cost per step).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from pendulum_zoo.networks.policy import NUM_PARAMS, Policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.rollout.evaluator import DEFAULT_ENGINE, ENGINES

ENV = "pendulum_zoo/InvertedPendulumSwingupWide-v0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    args = parser.parse_args()
    try:
        from pendulum_zoo.zoo import load_champion

        policy = load_champion("mk1", ENV)
    except FileNotFoundError:
        policy = Policy((np.random.default_rng(0).random(NUM_PARAMS) < 0.3).astype(float), "random mask")
    evaluate(policy, ENV, episodes=1, workers=args.workers, engine=args.engine)  # start-up checks, once per process
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        report = evaluate(policy, ENV, workers=args.workers, engine=args.engine)
        times.append(time.perf_counter() - start)
        assert report.env_steps == 100_000
    print(f"{policy.description} ({policy.connections} connections) on {ENV}: 100 episodes, "
          f"{report.env_steps:,} env steps, engine {args.engine}")
    print(f"wall time per evaluation: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
          f"max {max(times):.2f} s over {args.rounds} rounds   (target < 0.3 s on the numpy engine)")


if __name__ == "__main__":
    main()
