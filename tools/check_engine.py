"""Check the batched engine against pybullet, bit for bit: random single steps and 1000-step trajectories.

    python tools/check_engine.py            # the representative subset the tests run (a few seconds)
    python tools/check_engine.py --full     # 99,999 single steps and 864 trajectories (about a minute)

Single steps start from random states set into a pybullet client (``resetJointState``): positions up to
0.2 beyond both end stops (and exactly at them), velocities up to 150 so the +/-100 clamp acts, random
forces. Trajectories run through ``PendulumPhysics.reset``/``step`` (``restoreState`` included) from the
environments' seeded starting angles, with random, bang-bang and feedback actions, on the legacy track,
the widened one and a width of neither (1.5), and compare every state of every step.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from pendulum_zoo.envs.pendulum import seeded_pole_angle
from pendulum_zoo.physics import engine, engine_fast
from pendulum_zoo.physics.bullet_client import PendulumPhysics
from pendulum_zoo.physics.engine_guard import EngineStepper, PybulletStepper

WIDTHS = (1.0, 2.0, 1.5)
POLICIES = ("random", "bang-bang", "feedback")
STEPS = 1000


def random_states(rng: np.random.Generator, n: int, width: float) -> tuple[np.ndarray, ...]:
    x = rng.uniform(-width - 0.2, width + 0.2, n)
    x[: n // 10] = rng.choice([-width, width], n // 10)  # exactly at an end stop
    x_dot, theta_dot = rng.uniform(-150.0, 150.0, n), rng.uniform(-150.0, 150.0, n)
    theta = rng.uniform(-7.0, 7.0, n)
    force = rng.uniform(-100.0, 100.0, n)
    return x, x_dot, theta, theta_dot, force


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.view(np.int64) == b.view(np.int64)


def steppers(width: float) -> dict[str, EngineStepper]:
    model = engine.model_for(width)
    return {"fast": EngineStepper(engine_fast.Kernels(np.sin, np.cos), model, np.sin, np.cos),
            "readable": EngineStepper(engine.Kernels(model, engine.ArrayOps()), model, np.sin, np.cos)}


def check_single_steps(width: float, n: int, seed: int) -> dict[str, int]:
    """Counts of states stepped, of states at a limit / clamped, and of mismatches per engine form."""
    x, x_dot, theta, theta_dot, force = random_states(np.random.default_rng(seed), n, width)
    reference = PybulletStepper(width).step(x, x_dot, theta, theta_dot, force)
    counts = {"states": n, "at or beyond a limit": int(((x <= -width) | (x >= width)).sum()),
              "deep (split impulse)": int(((x < -width - 0.04) | (x > width + 0.04)).sum()),
              "velocity clamped": int((np.abs(reference[1]) == 100.0).sum() + (np.abs(reference[3]) == 100.0).sum())}
    for name, stepper in steppers(width).items():
        mine = stepper.step(x, x_dot, theta, theta_dot, force)
        counts[f"{name} mismatches"] = int(sum((~same_bits(m, r)).sum() for m, r in zip(mine, reference)))
    return counts


def _force(policy: str, rng: np.random.Generator, t: int, state, gains, period: int) -> float:
    if policy == "random":
        return 100.0 * float(np.clip(rng.uniform(-1.5, 1.5), -1.0, 1.0))
    if policy == "bang-bang":
        return 100.0 if (t // period) % 2 == 0 else -100.0
    x, x_dot, theta, theta_dot = state  # a PD-like feedback on the observation
    action = gains[0] * x + gains[1] * x_dot + gains[2] * np.sin(theta) + gains[3] * theta_dot
    return 100.0 * float(np.clip(action, -1.0, 1.0))


def check_trajectories(per_case: int, seed: int = 0) -> dict[str, int]:
    """Trajectories of STEPS steps for every width x start x policy; counts of trajectories and mismatches."""
    counts = {"trajectories": 0, "mismatching trajectories": 0, "steps at a limit": 0}
    for width in WIDTHS:
        cases = [(swingup, policy, seed * 100_000 + i) for swingup in (False, True) for policy in POLICIES
                 for i in range(per_case)]
        starts = np.array([seeded_pole_angle(s, swingup) for swingup, _, s in cases])
        rngs = [np.random.default_rng(s) for _, _, s in cases]
        gains = [np.random.default_rng(s + 1).uniform(-2.0, 2.0, 4) for _, _, s in cases]
        periods = [int(np.random.default_rng(s + 2).integers(5, 60)) for _, _, s in cases]
        reference = np.empty((len(cases), STEPS, 4))
        physics = PendulumPhysics(width)
        try:
            for k, (_, policy, _) in enumerate(cases):
                state = physics.reset(float(starts[k]))
                rng = np.random.default_rng(cases[k][2])
                for t in range(STEPS):
                    state = physics.step(_force(policy, rng, t, state, gains[k], periods[k]))
                    reference[k, t] = state
        finally:
            physics.close()
        pendulums = engine.BatchedPendulum(len(cases), width, stepper=steppers(width)["fast"])
        pendulums.reset(starts)
        mine = np.empty_like(reference)
        for t in range(STEPS):
            forces = [_force(policy, rngs[k], t, (pendulums.x[k], pendulums.x_dot[k], pendulums.theta[k],
                                                  pendulums.theta_dot[k]), gains[k], periods[k])
                      for k, (_, policy, _) in enumerate(cases)]
            pendulums.step(np.array(forces))
            mine[:, t] = np.stack([pendulums.x, pendulums.x_dot, pendulums.theta, pendulums.theta_dot], axis=1)
        counts["trajectories"] += len(cases)
        counts["mismatching trajectories"] += int((~same_bits(mine, reference)).any(axis=(1, 2)).sum())
        counts["steps at a limit"] += int((np.abs(reference[:, :, 0]) >= width).sum())
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full set instead of the representative subset")
    args = parser.parse_args(argv)
    steps, per_case = (100_000 // len(WIDTHS), 48) if args.full else (3000, 2)
    failed = False
    for width in WIDTHS:
        counts = check_single_steps(width, steps, seed=int(width * 10))
        failed |= counts["fast mismatches"] > 0 or counts["readable mismatches"] > 0
        print(f"single steps, track +/-{width:g}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    counts = check_trajectories(per_case)
    failed |= counts["mismatching trajectories"] > 0
    print(f"{STEPS}-step trajectories: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print("FAILED: the engine differs from pybullet" if failed else "all bit-identical to pybullet")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
