"""Many pendulums in one process, stepped in lock-step with one batched policy computation per step.

A ``LockstepRunner`` owns ``slots`` physics clients (pybullet clients are costly: about 20 ms and 28 MB
each, so a runner keeps a few dozen and reuses them). Jobs are episodes: "run policy ``w`` from pole angle
``a``". Every slot runs one job at a time; when a job's episode ends the slot takes the next job at once, so
no client idles while work remains. A job's result depends only on its own policy and angle, never on the
slot it ran in or on its neighbours (see ``policies.forward_rows``), so any split of the jobs across slots,
runners or processes gives bit-identical returns.

Each slot's step is ``InvertedPendulumEnv.step``'s: the same ``step_pendulum`` and ``reward_and_termination``
(the tests check that returns through this runner equal those through ``gymnasium.make``).
"""

from __future__ import annotations

import math

import numpy as np

from pendulum_zoo.envs.pendulum import observation_from_state, reward_and_termination
from pendulum_zoo.physics.bullet_client import FORCE_SCALE, PendulumPhysics, step_pendulum
from pendulum_zoo.networks.policy import N_INPUTS, NUM_PARAMS, expand_rows, forward_rows
from pendulum_zoo.rollout.seeding import observation_noise_rng
from pendulum_zoo.validation import check_integer

DEFAULT_SLOTS = 32  # measured: more clients per process thrash the CPU caches and slow every step


class LockstepRunner:
    """Runs episodes of many policies at once on ``slots`` private physics clients."""

    def __init__(self, track_half_width: float, swingup: bool, max_episode_steps: int = 1000,
                 slots: int = DEFAULT_SLOTS) -> None:
        self.swingup = bool(swingup)
        self.max_episode_steps = check_integer("max_episode_steps", max_episode_steps, minimum=1)
        self.track_half_width = track_half_width
        self.slots = check_integer("slots", slots, minimum=1)
        self._physics: list[PendulumPhysics] = []  # built on first need: a client costs about 20 ms

    def _clients(self, count: int) -> list[PendulumPhysics]:
        while len(self._physics) < count:
            self._physics.append(PendulumPhysics(self.track_half_width))
        return self._physics[:count]

    def close(self) -> None:
        for physics in self._physics:
            physics.close()
        self._physics = []

    def run(self, params: np.ndarray, angles: np.ndarray, noise_seeds: np.ndarray | None = None,
            noise_std: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Run job ``j``: policy ``params[j]`` (``(J, 192)``) from pole angle ``angles[j]``.

        With ``noise_std > 0`` the policy sees observations plus Gaussian noise drawn from
        ``observation_noise_rng(noise_seeds[j])``. Returns ``(returns, lengths)``, float64 and int64 arrays of
        shape ``(J,)``.
        """
        params = np.asarray(params, dtype=np.float64)
        angles = np.asarray(angles, dtype=np.float64)
        jobs = len(angles)
        if params.shape != (jobs, NUM_PARAMS):
            raise ValueError(f"params must have shape ({jobs}, {NUM_PARAMS}), got {params.shape}")
        returns = np.zeros(jobs)
        lengths = np.zeros(jobs, dtype=np.int64)
        if jobs == 0:
            return returns, lengths
        width = min(self.slots, jobs)
        physics = self._clients(width)
        clients = [p.client for p in physics]
        cart = physics[0].cart  # the same body index in every client
        w1, w2 = expand_rows(params, np.arange(width))
        observations = np.zeros((N_INPUTS, width))
        job_of_slot = list(range(width))
        total = [0.0] * width
        steps = [0] * width
        active = list(range(width))
        next_job = width
        noisy = noise_std > 0.0
        noise = [observation_noise_rng(int(noise_seeds[slot])) for slot in range(width)] if noisy else []
        for slot in range(width):
            _put_observation(observations, slot, physics[slot].reset(float(angles[slot])))

        step, reward_of, cos, sin = step_pendulum, reward_and_termination, math.cos, math.sin
        swingup, cap = self.swingup, self.max_episode_steps
        while active:
            if noisy:  # the agent sees a noisy observation; the pendulum is unaffected
                for slot in active:
                    observations[:, slot] += noise[slot].normal(0.0, noise_std, N_INPUTS)
            # InvertedPendulumEnv.step's action_to_force: 100 * clip(action, -1, 1); tanh keeps it in range.
            forces = (FORCE_SCALE * np.clip(forward_rows(w1, w2, observations), -1.0, 1.0).astype(np.float64)).tolist()
            columns = []
            finished = []
            for slot in active:
                x, x_dot, theta, theta_dot = step(clients[slot], cart, forces[slot])
                reward, terminated = reward_of(theta, swingup)
                total[slot] += reward
                steps[slot] += 1
                if terminated or steps[slot] >= cap:
                    finished.append(slot)
                else:  # observation_from_state, inlined on this hot path
                    columns.append((slot, x, x_dot, cos(theta), sin(theta), theta_dot))
            if columns:
                block = np.array(columns)
                index = block[:, 0].astype(np.intp)
                observations[:, index] = block[:, 1:].T
            for slot in finished:
                job = job_of_slot[slot]
                returns[job], lengths[job] = total[slot], steps[slot]
                if next_job < jobs:
                    job_of_slot[slot] = next_job
                    total[slot], steps[slot] = 0.0, 0
                    job_w1, job_w2 = expand_rows(params, [next_job])
                    w1[:, slot], w2[slot] = job_w1[:, 0], job_w2[0]
                    _put_observation(observations, slot, physics[slot].reset(float(angles[next_job])))
                    if noisy:
                        noise[slot] = observation_noise_rng(int(noise_seeds[next_job]))
                    next_job += 1
                else:
                    active.remove(slot)
        return returns, lengths


def _put_observation(observations: np.ndarray, slot: int, state: tuple[float, float, float, float]) -> None:
    observations[:, slot] = observation_from_state(state)
