"""The pendulum tasks as native gymnasium vector environments, stepped by the batched engine.

``gymnasium.make_vec(ID, num_envs=N)`` returns one of these for every pendulum_zoo ID. For the same seeds and
actions it gives what ``gymnasium.make_vec(ID, num_envs=N, vectorization_mode="sync")`` gives, bit for bit:
observations, rewards, terminations, truncations and autoresets (the engine reproduces pybullet's step;
each sub-environment draws its starting angles from its own generator, seeded as gymnasium seeds the
sub-environments of a ``SyncVectorEnv``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ClosedEnvironmentError, ResetNeeded
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from pendulum_zoo.envs.pendulum import (
    BALANCE_ANGLE_LIMIT,
    InvertedPendulumEnv,
    action_array,
    camera_image,
    initial_pole_angle,
)
from pendulum_zoo.envs.registration import MAX_EPISODE_STEPS
from pendulum_zoo.physics.bullet_client import FORCE_SCALE, HINGE, SLIDER, PendulumPhysics
from pendulum_zoo.physics.engine import BatchedPendulum
from pendulum_zoo.rng_state import generator_from_state, generator_state
from pendulum_zoo.validation import check_integer, quote

_AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
_STATE_ARRAYS = {"x": np.float64, "x_dot": np.float64, "theta": np.float64, "theta_dot": np.float64,
                 "steps": np.int64, "autoreset": np.bool_}


class InvertedPendulumVectorEnv(VectorEnv):
    """``num_envs`` copies of ``InvertedPendulumEnv`` (balance), stepped together on the batched engine.

    Arguments as ``gymnasium.make_vec`` passes them: ``num_envs``, ``max_episode_steps`` (default 1000),
    ``render_mode`` (``None`` or ``"rgb_array"``: a frame of sub-environment 0), ``track_half_width``,
    ``autoreset_mode`` (``"NextStep"``, the default, or ``"SameStep"``). Actions have shape
    ``(num_envs, 1)``; a NaN, infinite or non-numeric action, or another shape, raises as in the single
    environment.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": InvertedPendulumEnv.metadata["render_fps"],
                "autoreset_mode": AutoresetMode.NEXT_STEP}
    swingup = False

    def __init__(self, num_envs: int = 1, max_episode_steps: int = MAX_EPISODE_STEPS, render_mode: str | None = None,
                 track_half_width: float = 1.0, autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP) -> None:
        self.num_envs = check_integer("num_envs", num_envs, minimum=1)
        self.max_episode_steps = check_integer("max_episode_steps", max_episode_steps, minimum=1)
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be 'rgb_array' or None for a vector environment, got {render_mode!r}")
        mode = AutoresetMode(autoreset_mode) if isinstance(autoreset_mode, (str, AutoresetMode)) else None
        if mode not in _AUTORESET_MODES:
            raise ValueError(f"autoreset_mode must be one of {[m.value for m in _AUTORESET_MODES]}, "
                             f"got {autoreset_mode!r}")
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self.autoreset_mode = mode
        self.render_mode = render_mode
        self._pendulums = BatchedPendulum(self.num_envs, track_half_width)
        self.track_half_width = self._pendulums.track_half_width
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (5,), np.float64)
        self.single_action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._generators: list[np.random.Generator | None] = [None] * self.num_envs
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._started = False
        self._renderer: PendulumPhysics | None = None

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        self._check_open()
        seeds = _seed_list(seed, self.num_envs)
        if isinstance(seed, int):
            super().reset(seed=seed)
        mask = np.ones(self.num_envs, dtype=bool)
        if options is not None and "reset_mask" in options:
            mask = _check_reset_mask(options["reset_mask"], self.num_envs)
            if not self._started:
                raise ResetNeeded("reset every sub-environment (no reset_mask) before resetting some of them")
        indices = np.flatnonzero(mask)
        for i in indices:  # Env.reset(seed): a new generator for a seed, else the one it has (or a fresh one)
            if seeds[i] is not None or self._generators[i] is None:
                self._generators[i], _ = seeding.np_random(seeds[i])
        self._reset_pendulums(indices)
        self._autoreset[indices] = False
        self._started = True
        return self._observations(), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        self._check_open()
        if not self._started:
            raise ResetNeeded("call reset() before step(): the episodes have not started")
        resetting = self._autoreset.copy() if self.autoreset_mode == AutoresetMode.NEXT_STEP else None
        forces = _forces(actions, self.num_envs, resetting)
        pendulums = self._pendulums
        pendulums.step(forces)
        self._steps += 1
        infos: dict = {}
        if resetting is not None and resetting.any():
            self._reset_pendulums(np.flatnonzero(resetting))
        cos, sin = pendulums.cos_sin()
        observations = self._observations(cos, sin)
        if self.swingup:  # reward cos(theta), never done
            rewards, terminated = cos.copy(), np.zeros(self.num_envs, dtype=bool)
        else:  # reward 1, done when |theta| > 0.2
            rewards, terminated = np.ones(self.num_envs), np.abs(pendulums.theta) > BALANCE_ANGLE_LIMIT
        truncated = self._steps >= self.max_episode_steps  # TimeLimit: elapsed steps >= max_episode_steps
        if resetting is not None:
            rewards[resetting] = 0.0
            terminated[resetting] = False
            truncated[resetting] = False
        self._autoreset = terminated | truncated
        if self.autoreset_mode == AutoresetMode.SAME_STEP and self._autoreset.any():
            done = np.flatnonzero(self._autoreset)
            final = np.full(self.num_envs, None, dtype=object)
            for i in done:
                final[i] = observations[i].copy()
            infos = {"final_obs": final, "_final_obs": self._autoreset.copy(), "final_info": {},
                     "_final_info": self._autoreset.copy()}
            self._reset_pendulums(done)
            observations[done] = self._observations()[done]
            self._autoreset[:] = False
        return observations, rewards, terminated, truncated, infos

    def get_state(self) -> dict[str, Any]:
        """Everything the next steps depend on, as ``{"meta": JSON-able, "arrays": {name: array}}`` (for a
        checkpoint's header and .npz): the engine's arrays, step counts, autoreset flags, every sub-env's
        generator. ``set_state`` on an env made with the same arguments continues bit for bit."""
        self._check_open()
        p = self._pendulums
        arrays = {"x": p.x, "x_dot": p.x_dot, "theta": p.theta, "theta_dot": p.theta_dot, "steps": self._steps,
                  "autoreset": self._autoreset}
        meta = {"kind": type(self).__name__, **self._shape(), "started": self._started,
                "generators": [None if g is None else generator_state(g) for g in self._generators],
                "np_random": None if self._np_random is None else generator_state(self._np_random),
                "np_random_seed": self._np_random_seed}
        return {"meta": meta, "arrays": {name: np.array(value) for name, value in arrays.items()}}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore ``get_state``'s data (validated first: ValueError naming the problem, the env unchanged)."""
        self._check_open()
        if not isinstance(state, dict) or not isinstance(state.get("meta"), dict) \
                or not isinstance(state.get("arrays"), dict):
            raise ValueError("a vector env state must be {'meta': {...}, 'arrays': {...}}")
        meta, arrays = state["meta"], state["arrays"]
        expected = {"kind": type(self).__name__, **self._shape()}
        wrong = [name for name in expected if meta.get(name) != expected[name]]
        if wrong:
            raise ValueError("the saved vector env state is of another environment: " + ", ".join(
                f"{name} {quote(meta.get(name))}, this env has {quote(expected[name])}" for name in wrong))
        checked = {}
        for name, dtype in _STATE_ARRAYS.items():
            value = np.asarray(arrays.get(name))
            if value.shape != (self.num_envs,) or value.dtype != dtype:
                raise ValueError(f"vector env state: {name!r} must be {np.dtype(dtype).name} of shape "
                                 f"({self.num_envs},), got {value.dtype} of shape {value.shape}")
            if dtype is np.float64 and not np.isfinite(value).all():
                raise ValueError(f"vector env state: {name!r} holds non-finite values")
            checked[name] = value.copy()
        if np.any(checked["steps"] < 0) or np.any(checked["steps"] > self.max_episode_steps):
            raise ValueError(f"vector env state: step counts must lie in [0, {self.max_episode_steps}]")
        generators = meta.get("generators")
        if not isinstance(generators, list) or len(generators) != self.num_envs:
            raise ValueError(f"vector env state: 'generators' must list {self.num_envs} generator states")
        restored = [None if g is None else generator_from_state(g, f"the generator of sub-env {i}")
                    for i, g in enumerate(generators)]
        np_random = meta.get("np_random")
        np_random = None if np_random is None else generator_from_state(np_random, "the vector env's generator")
        seed = meta.get("np_random_seed")
        if seed is not None and type(seed) is not int:
            raise ValueError(f"vector env state: 'np_random_seed' must be an integer or null, got {quote(seed)}")
        if not isinstance(meta.get("started"), bool) or (meta["started"] and None in restored):
            raise ValueError("vector env state: 'started' must be true or false, and a started env has every "
                             "sub-env's generator")
        p = self._pendulums
        p.x, p.x_dot, p.theta, p.theta_dot = (checked[name] for name in ("x", "x_dot", "theta", "theta_dot"))
        self._steps, self._autoreset, self._generators = checked["steps"], checked["autoreset"], restored
        self._np_random, self._np_random_seed = np_random, seed
        self._started = meta["started"]

    def _shape(self) -> dict[str, Any]:
        return {"num_envs": self.num_envs, "max_episode_steps": self.max_episode_steps,
                "track_half_width": self.track_half_width, "autoreset_mode": self.autoreset_mode.value}

    def render(self) -> np.ndarray | None:
        self._check_open()
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            self._renderer = PendulumPhysics(self.track_half_width)
        p, cid, cart = self._pendulums, self._renderer.client, self._renderer.cart
        import pybullet

        pybullet.resetJointState(cart, SLIDER, float(p.x[0]), float(p.x_dot[0]), physicsClientId=cid)
        pybullet.resetJointState(cart, HINGE, float(p.theta[0]), float(p.theta_dot[0]), physicsClientId=cid)
        return camera_image(cid, self.track_half_width)

    def close_extras(self, **kwargs: Any) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def _check_open(self) -> None:
        if self.closed:
            raise ClosedEnvironmentError("this vector environment was closed; make a new one")

    def _reset_pendulums(self, indices: np.ndarray) -> None:
        angles = [initial_pole_angle(self._generators[i], self.swingup) for i in indices]
        self._pendulums.reset(np.array(angles, dtype=np.float64), indices)
        self._steps[indices] = 0

    def _observations(self, cos=None, sin=None) -> np.ndarray:
        # observation_from_state: [x, x_dot, cos(theta), sin(theta), theta_dot]
        p = self._pendulums
        if cos is None:
            cos, sin = p.cos_sin()
        return np.stack([p.x, p.x_dot, cos, sin, p.theta_dot], axis=1)


class InvertedPendulumSwingupVectorEnv(InvertedPendulumVectorEnv):
    """``num_envs`` copies of ``InvertedPendulumSwingupEnv`` on the batched engine (see the base class)."""

    swingup = True


def _seed_list(seed: Any, num_envs: int) -> list:
    # SyncVectorEnv.reset: None -> all None; an int s -> s, s + 1, ...; else a list of num_envs seeds
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return [int(seed) + i for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"a list of seeds must have num_envs={num_envs} entries, got {len(seeds)}")
    return seeds


def _check_reset_mask(mask: Any, num_envs: int) -> np.ndarray:
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        raise TypeError(f"options['reset_mask'] must be a numpy bool array, got {mask!r}")
    if mask.shape != (num_envs,):
        raise ValueError(f"options['reset_mask'] must have shape ({num_envs},), got {mask.shape}")
    if not mask.any():
        raise ValueError("options['reset_mask'] must select at least one sub-environment")
    return mask


def _forces(actions: Any, num_envs: int, ignored: np.ndarray | None) -> np.ndarray:
    """``action_to_force`` for every sub-environment: ``100 * clip(a, -1, 1)`` after the same checks."""
    array = action_array(actions, (num_envs, 1), "actions")
    values = array[:, 0].astype(np.float64)
    checked = np.isfinite(values) if ignored is None else np.isfinite(values) | ignored
    if not checked.all():
        bad = int(np.flatnonzero(~checked)[0])
        raise ValueError(f"actions must be finite, got {array[bad]!r} for sub-environment {bad}")
    if ignored is not None:
        values[ignored] = 0.0  # these sub-environments reset instead of stepping (next-step autoreset)
    # robot_pendula.apply_action: 100 * float(np.clip(a[0], -1, +1))
    return FORCE_SCALE * np.minimum(np.maximum(values, -1.0), 1.0)
