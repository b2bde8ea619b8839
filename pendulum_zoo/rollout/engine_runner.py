"""Every episode of a batch stepped at once on the batched engine (``physics.engine``), one policy computation
per step for all of them.

``EngineRunner.run`` has ``LockstepRunner.run``'s interface and gives its returns bit for bit: the engine
steps as pybullet does, the observation, force, reward and termination are computed with the same arithmetic
(``tests/test_engine_runner.py`` compares the two), and a job's result depends only on its own policy, pole
angle and noise seed. Episodes that end (a balance pole past 0.2 rad, or the step cap) drop out of the batch;
the batch is compacted when a quarter of its rows have ended, not at every ending, since compacting costs
about one step.

``run_batch`` is the loop itself, for any batch-independent policy ``act(observations, jobs) -> actions``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pendulum_zoo.envs.pendulum import BALANCE_ANGLE_LIMIT
from pendulum_zoo.networks.policy import N_INPUTS, NUM_PARAMS, expand_rows, forward_rows
from pendulum_zoo.physics.bullet_client import FORCE_SCALE
from pendulum_zoo.physics.engine_guard import stepper_for
from pendulum_zoo.physics.mjcf import check_track_half_width
from pendulum_zoo.rollout.seeding import observation_noise_rng
from pendulum_zoo.validation import check_integer

NOISE_BLOCK_STEPS = 64  # observation noise is drawn this many steps ahead per episode (memory, not results)
COMPACT_FRACTION = 0.25  # rows that ended before the batch is compacted

# act(observations (K, 5), jobs (K,)) -> actions (K,) for the rows still running, ``jobs`` their job indices
BatchPolicy = Callable[[np.ndarray, np.ndarray], np.ndarray]


class EngineRunner:
    """Runs the article network's episodes, all jobs in one batch (``LockstepRunner``'s interface)."""

    def __init__(self, track_half_width: float, swingup: bool, max_episode_steps: int = 1000) -> None:
        self.track_half_width = check_track_half_width(track_half_width)
        self.swingup = bool(swingup)
        self.max_episode_steps = check_integer("max_episode_steps", max_episode_steps, minimum=1)

    def run(self, params: np.ndarray, angles: np.ndarray, noise_seeds: np.ndarray | None = None,
            noise_std: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Job ``j``: policy ``params[j]`` (``(J, 192)``) from pole angle ``angles[j]``; see ``LockstepRunner.run``."""
        params = np.asarray(params, dtype=np.float64)
        jobs = len(angles)
        if params.shape != (jobs, NUM_PARAMS):
            raise ValueError(f"params must have shape ({jobs}, {NUM_PARAMS}), got {params.shape}")
        w1, w2 = expand_rows(params, np.arange(jobs))
        rows = np.arange(jobs)  # the jobs whose weights w1, w2 hold, in order

        def act(observations: np.ndarray, running: np.ndarray) -> np.ndarray:
            nonlocal w1, w2, rows
            if running.size < rows.size:  # the batch was compacted (order kept): keep its rows' weights only
                kept = np.searchsorted(rows, running)
                w1, w2, rows = w1[:, kept], w2[kept], running
            return forward_rows(w1, w2, observations.T)

        return run_batch(act, angles, track_half_width=self.track_half_width, swingup=self.swingup,
                         max_episode_steps=self.max_episode_steps, noise_seeds=noise_seeds, noise_std=noise_std)

    def close(self) -> None:
        """Nothing to release: the engine holds no clients (here for ``LockstepRunner``'s interface)."""


def run_batch(act: BatchPolicy, angles, *, track_half_width: float, swingup: bool, max_episode_steps: int,
              noise_seeds=None, noise_std: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(returns, lengths)`` of one episode per pole angle, all stepped together on the engine.

    ``act`` gets the observations of the rows in the batch and their job indices, in increasing order (rows
    that ended stay until the next compaction; their actions are ignored).
    """
    angles = np.array(angles, dtype=np.float64).reshape(-1)
    jobs = angles.size
    returns, lengths = np.zeros(jobs), np.zeros(jobs, dtype=np.int64)
    if jobs == 0:
        return returns, lengths
    stepper = stepper_for(track_half_width)
    noisy = noise_std > 0.0
    noise = _NoiseBlocks(noise_seeds, noise_std, jobs) if noisy else None
    # the running rows: their job indices and states (reset: cart at rest at 0, pole at its angle)
    job = np.arange(jobs)
    x, x_dot, theta, theta_dot = np.zeros(jobs), np.zeros(jobs), angles.copy(), np.zeros(jobs)
    total = np.zeros(jobs)
    running = np.ones(jobs, dtype=bool)
    cos, sin = stepper.cos(theta), stepper.sin(theta)
    for step in range(1, max_episode_steps + 1):
        # observation_from_state: [x, x_dot, cos(theta), sin(theta), theta_dot]
        observations = np.stack([x, x_dot, cos, sin, theta_dot], axis=1)
        if noisy:  # the agent sees a noisy observation; the pendulum is unaffected
            observations += noise.draw(job, step - 1)
        actions = np.asarray(act(observations, job)).reshape(-1)
        # InvertedPendulumEnv.step's action_to_force: 100 * clip(action, -1, 1)
        force = FORCE_SCALE * np.clip(actions, -1.0, 1.0).astype(np.float64)
        x, x_dot, theta, theta_dot = stepper.step(x, x_dot, theta, theta_dot, force)
        cos, sin = stepper.cos(theta), stepper.sin(theta)
        # reward_and_termination: swing-up rewards cos(theta), never ends; balance rewards 1, ends past 0.2 rad
        if swingup:
            np.add(total, cos, out=total, where=running)
        else:
            np.add(total, 1.0, out=total, where=running)
            ended = running & (np.abs(theta) > BALANCE_ANGLE_LIMIT)
            if ended.any():
                returns[job[ended]], lengths[job[ended]] = total[ended], step
                running &= ~ended
                if not running.any():
                    break
                if running.sum() <= (1.0 - COMPACT_FRACTION) * running.size:
                    keep = np.flatnonzero(running)
                    job, x, x_dot, theta, theta_dot, cos, sin, total = (
                        a[keep] for a in (job, x, x_dot, theta, theta_dot, cos, sin, total))
                    running = np.ones(job.size, dtype=bool)
    else:  # the step cap ended the episodes still running
        returns[job[running]], lengths[job[running]] = total[running], max_episode_steps
    return returns, lengths


class _NoiseBlocks:
    """Each episode's observation noise, ``observation_noise_rng(seed).normal(0, std, 5)`` per step, drawn
    ``NOISE_BLOCK_STEPS`` steps at a time: a Generator's normal draws are the same sequence whatever the
    size of each draw (``tests/test_engine_runner.py`` checks it)."""

    def __init__(self, seeds, std: float, jobs: int) -> None:
        seeds = np.asarray(seeds)
        if seeds.shape != (jobs,):
            raise ValueError(f"noise_seeds must have shape ({jobs},), got {seeds.shape}")
        self.std = std
        self.generators = [observation_noise_rng(int(seed)) for seed in seeds]
        self.block = np.zeros((jobs, NOISE_BLOCK_STEPS, N_INPUTS))

    def draw(self, jobs: np.ndarray, step: int) -> np.ndarray:
        offset = step % NOISE_BLOCK_STEPS
        if offset == 0:
            for j in jobs:
                self.block[j] = self.generators[j].normal(0.0, self.std, (NOISE_BLOCK_STEPS, N_INPUTS))
        return self.block[jobs, offset]
