"""Record one episode of a policy as frames, for ``pendulum-zoo enjoy``."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium
import numpy as np

from pendulum_zoo.drawing import write_apng
from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks.policy import Policy
from pendulum_zoo.rollout.seeding import check_seed
from pendulum_zoo.validation import check_integer

FRAME_RATE = 1.0 / 0.0165  # the simulation's real-time rate, about 60.6 steps per second


@dataclass
class Recording:
    frames: list[np.ndarray]
    total_return: float
    steps: int
    frame_every: int

    def write_apng(self, path) -> None:
        """An animated PNG playing in real time (one frame every ``frame_every`` steps)."""
        write_apng(path, self.frames, fps=FRAME_RATE / self.frame_every)


def record_episode(policy: Policy, env_id: str, seed: int = 0, frame_every: int = 3) -> Recording:
    """Run ``policy`` for one episode of ``env_id`` from ``reset(seed=seed)``, keeping every
    ``frame_every``-th frame (and the first and last)."""
    frame_every = check_integer("frame_every", frame_every, 1)
    seed = check_seed(seed, "episode seed")  # before gymnasium, whose own error is not a ValueError
    env = gymnasium.make(canonical_env_id(env_id), render_mode="rgb_array")
    try:
        observation, _ = env.reset(seed=seed)
        frames = [env.render()]
        total, steps, done = 0.0, 0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy.act(observation))
            total += reward
            steps += 1
            done = terminated or truncated
            if steps % frame_every == 0 or done:
                frames.append(env.render())
    finally:
        env.close()
    return Recording(frames, total, steps, frame_every)
