"""The pybullet cart-pole tasks as gymnasium environments."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.error import ClosedEnvironmentError, ResetNeeded

from pendulum_zoo.physics.bullet import pybullet
from pendulum_zoo.physics.mjcf import check_track_half_width
from pendulum_zoo.validation import quote
from pendulum_zoo.physics.bullet_client import (
    FORCE_SCALE,
    INITIAL_ANGLE_RANGE,
    SWINGUP_OFFSET,
    TIMESTEP,
    PendulumPhysics,
)

BALANCE_ANGLE_LIMIT = 0.2  # gym_pendulum_envs: done = np.abs(theta) > .2

# Legacy render settings (env_bases.MJCFBaseBulletEnv): 320 x 240, distance 3, yaw 0, pitch -30, fov 60.
RENDER_WIDTH, RENDER_HEIGHT = 320, 240


def initial_pole_angle(np_random: np.random.Generator, swingup: bool) -> float:
    """The episode's starting pole angle, from the environment's random generator."""
    # robot_pendula.InvertedPendulum.robot_specific_reset: one uniform draw, swing-up adds 3.1415
    u = np_random.uniform(low=-INITIAL_ANGLE_RANGE, high=INITIAL_ANGLE_RANGE)
    return SWINGUP_OFFSET + u if swingup else u


def seeded_pole_angle(seed: int, swingup: bool) -> float:
    """The starting pole angle of ``env.reset(seed=seed)``."""
    np_random, _ = gymnasium.utils.seeding.np_random(seed)
    return initial_pole_angle(np_random, swingup)


def reward_and_termination(theta: float, swingup: bool) -> tuple[float, bool]:
    """The reward of a step that ended at pole angle ``theta``, and whether it ends the episode."""
    # gym_pendulum_envs.InvertedPendulumBulletEnv.step: swing-up rewards cos(theta) and never ends;
    # balance rewards 1.0 and ends when np.abs(theta) > .2
    if swingup:
        return math.cos(theta), False
    return 1.0, abs(theta) > BALANCE_ANGLE_LIMIT


def action_array(action: Any, shape: tuple[int, ...], name: str = "action") -> np.ndarray:
    """``action`` as a numeric array of ``shape``, or TypeError (not numeric) / ValueError (ragged, wrong shape).
    Shared by the single env and the vector env; messages quote the action only in part."""
    try:
        array = np.asarray(action)
    except ValueError:  # ragged nested sequences
        raise ValueError(f"{name} must have shape {shape}, got {quote(action)}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, shape {shape}, got {quote(action)}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}: {quote(action)}")
    return array


def action_to_force(action: Any) -> float:
    """The slider force for ``action``: ``100 * clip(action[0], -1, 1)``, after checking the action.

    Raises TypeError for non-numeric actions and ValueError for a wrong shape or a NaN/infinite value, so a
    bad action never reaches pybullet.
    """
    if type(action) is np.ndarray and action.shape == (1,) and action.dtype.kind == "f":
        value = float(action[0])  # the common case, checked without building a new array
    else:
        value = float(action_array(action, (1,))[0])
    if not math.isfinite(value):
        raise ValueError(f"action must be finite, got {quote(action)}")
    # robot_pendula.apply_action: 100 * float(np.clip(a[0], -1, +1))
    if value > 1.0:
        value = 1.0
    elif value < -1.0:
        value = -1.0
    return FORCE_SCALE * value


class InvertedPendulumEnv(gymnasium.Env):
    """Balance a pole on a cart: pybullet's ``InvertedPendulumBulletEnv``, faithful to the legacy physics.

    ## Description

    A pole is hinged to a cart that slides along a frictionless rail. The pole starts nearly upright and the
    agent pushes the cart left or right to keep it from falling. The model, solver settings, motor set-up and
    torque scale are those of ``pybullet_envs.gym_pendulum_envs.InvertedPendulumBulletEnv`` (pybullet 3.2.7):
    for the same seed and the same actions, observations, rewards and terminations match the legacy
    environment bit for bit. The task comes from the synaptolytic-learning article.

    ## Action Space

    ``Box(-1.0, 1.0, (1,), float32)``: the force on the cart, in units of 100 N. Values outside [-1, 1] are
    clipped, as the legacy environment does. NaN or infinite values, a shape other than ``(1,)``, or
    non-numeric actions raise an error instead.

    ## Observation Space

    ``Box(-inf, inf, (5,), float64)``:

    | index | observation                       | unit  |
    |-------|-----------------------------------|-------|
    | 0     | cart position ``x``               | m     |
    | 1     | cart velocity ``x_dot``           | m/s   |
    | 2     | ``cos(theta)`` of the pole angle  |       |
    | 3     | ``sin(theta)`` of the pole angle  |       |
    | 4     | pole angular velocity             | rad/s |

    ``theta`` is 0 with the pole upright. The cart's travel is limited to ``[-track_half_width,
    track_half_width]`` by the slider joint's limits (the end stops).

    ## Rewards

    +1 for every step, including the step on which the episode terminates. The best return is 1000.

    ## Starting State

    Cart at rest at ``x = 0``; pole at rest at ``theta = u`` with ``u`` drawn once per episode from
    ``self.np_random.uniform(-0.1, 0.1)``, the single draw the legacy environment makes.

    ## Episode End

    - Termination: ``|theta| > 0.2`` after a step.
    - Truncation: 1000 steps, through gymnasium's ``TimeLimit`` wrapper (``max_episode_steps=`` overrides).

    Stepping after termination is allowed and continues the simulation, as in the legacy environment.

    ## Arguments

    ```python
    import gymnasium, pendulum_zoo
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="rgb_array", track_half_width=1.0)
    ```

    - ``render_mode``: ``None``, ``"rgb_array"`` (a 240 x 320 x 3 uint8 frame, works without a display) or
      ``"human"`` (the pybullet viewer, opened at the first ``reset``; without a display the environment runs
      without it and says so once through the ``pendulum_zoo`` logger).
    - ``track_half_width``: half the cart's travel in metres, a number > 0 (default 1.0, the legacy track).
      ``pendulum_zoo/InvertedPendulumWide-v0`` uses 2.0, the article's widened track.

    ## Version History

    - v0: first release; the legacy ``InvertedPendulumBulletEnv-v0`` is an alias of
      ``pendulum_zoo/InvertedPendulum-v0``.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": round(1.0 / TIMESTEP)}

    swingup = False

    def __init__(self, render_mode: str | None = None, track_half_width: float = 1.0) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        self.track_half_width = check_track_half_width(track_half_width)
        self.render_mode = render_mode
        self.observation_space = spaces.Box(-np.inf, np.inf, (5,), np.float64)
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        # The physics client opens on first use, so that making an environment (as gymnasium's check_env does
        # once per render mode) never needs a display; the "human" viewer opens at the first reset.
        self._physics: PendulumPhysics | None = None
        self._closed = False
        self._needs_reset = True
        self._last_frame_time = 0.0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        physics = self._open_physics()
        state = physics.reset(initial_pole_angle(self.np_random, self.swingup))
        self._needs_reset = False
        return observation_from_state(state), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._needs_reset:
            self._open_physics()  # a closed environment says so before asking for a reset
            raise ResetNeeded("call reset() before step(): the episode has not started")
        force = action_to_force(action)
        state = self._physics.step(force)  # type: ignore[union-attr]
        reward, terminated = reward_and_termination(state[2], self.swingup)
        if self.render_mode == "human":
            self._keep_real_time()
        return observation_from_state(state), reward, terminated, False, {}

    def render(self) -> np.ndarray | None:
        physics = self._open_physics()
        if self.render_mode == "rgb_array":
            return camera_image(physics.client, self.track_half_width)
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() was called without a render_mode; pass render_mode='rgb_array' or 'human' to "
                "gymnasium.make"
            )
        return None  # "human": the pybullet viewer draws itself

    def close(self) -> None:
        if self._physics is not None:
            self._physics.close()
            self._physics = None
        self._closed = True
        self._needs_reset = True

    def _open_physics(self) -> PendulumPhysics:
        if self._closed:
            raise ClosedEnvironmentError("this environment was closed; make a new one")
        if self._physics is None:
            connection = pybullet.DIRECT
            if self.render_mode == "human" and _display_available():
                connection = pybullet.GUI
            elif self.render_mode == "human":
                _log_missing_display()
            self._physics = PendulumPhysics(self.track_half_width, connection)
        return self._physics

    def _keep_real_time(self) -> None:
        wait = TIMESTEP - (time.perf_counter() - self._last_frame_time)
        if wait > 0:
            time.sleep(wait)
        self._last_frame_time = time.perf_counter()


class InvertedPendulumSwingupEnv(InvertedPendulumEnv):
    """Swing a hanging pole up and keep it balanced: pybullet's ``InvertedPendulumSwingupBulletEnv``.

    ## Description

    The cart-pole of ``InvertedPendulumEnv`` with the pole starting below the cart. The agent must swing it
    up and then balance it for the rest of the episode. Physics, seeding and spaces are those of the legacy
    ``pybullet_envs.gym_pendulum_envs.InvertedPendulumSwingupBulletEnv`` (pybullet 3.2.7), bit for bit.

    ## Action Space

    ``Box(-1.0, 1.0, (1,), float32)``: the force on the cart in units of 100 N; clipped to [-1, 1] as in the
    legacy environment. NaN, infinite, wrongly shaped or non-numeric actions raise an error.

    ## Observation Space

    ``Box(-inf, inf, (5,), float64)``: ``[x, x_dot, cos(theta), sin(theta), theta_dot]``, with ``theta = 0``
    upright, as in ``InvertedPendulumEnv``.

    ## Rewards

    ``cos(theta)`` every step: +1 upright, -1 hanging. Returns lie in [-1000, 1000]; the article counts 880
    as solved.

    ## Starting State

    Cart at rest at ``x = 0``; pole at rest at ``theta = 3.1415 + u`` (the legacy constant, not pi), with
    ``u`` drawn once from ``self.np_random.uniform(-0.1, 0.1)``.

    ## Episode End

    - Termination: never.
    - Truncation: 1000 steps, through gymnasium's ``TimeLimit`` wrapper (``max_episode_steps=`` overrides).

    ## Arguments

    ```python
    import gymnasium, pendulum_zoo
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0", render_mode=None, track_half_width=1.0)
    ```

    - ``render_mode``: ``None``, ``"rgb_array"`` or ``"human"``, as in ``InvertedPendulumEnv``.
    - ``track_half_width``: half the cart's travel in metres, a number > 0 (default 1.0, the legacy track).
      ``pendulum_zoo/InvertedPendulumSwingupWide-v0`` uses 2.0, the article's widened track.

    ## Version History

    - v0: first release; the legacy ``InvertedPendulumSwingupBulletEnv-v0`` is an alias of
      ``pendulum_zoo/InvertedPendulumSwingup-v0``.
    """

    swingup = True


def observation_from_state(state: tuple[float, float, float, float]) -> np.ndarray:
    # robot_pendula.InvertedPendulum.calc_state: [x, vx, cos(theta), sin(theta), theta_dot]
    x, x_dot, theta, theta_dot = state
    return np.array((x, x_dot, math.cos(theta), math.sin(theta), theta_dot))


_logger = logging.getLogger("pendulum_zoo")
_missing_display_logged = False


def _display_available() -> bool:
    # pybullet's GUI needs an X11 or Wayland display on Linux; connecting without one can abort the process
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _log_missing_display() -> None:
    global _missing_display_logged
    if not _missing_display_logged:  # once per process: a loop of episodes should not repeat it
        _missing_display_logged = True
        _logger.warning("render_mode='human' opens the pybullet viewer, which needs a display, and DISPLAY is not "
                        "set: the environment runs without the viewer; use render_mode='rgb_array' for frames")


def camera_image(client: int, track_half_width: float) -> np.ndarray:
    # env_bases.MJCFBaseBulletEnv.render; the camera backs off on tracks wider than the legacy one so the
    # whole rail stays in view.
    distance = 3.0 * max(1.0, track_half_width / 1.25)
    view = pybullet.computeViewMatrixFromYawPitchRoll(
        cameraTargetPosition=[0, 0, 0], distance=distance, yaw=0, pitch=-30, roll=0, upAxisIndex=2,
        physicsClientId=client,
    )
    projection = pybullet.computeProjectionMatrixFOV(
        fov=60, aspect=RENDER_WIDTH / RENDER_HEIGHT, nearVal=0.1, farVal=100.0, physicsClientId=client
    )
    _, _, pixels, _, _ = pybullet.getCameraImage(
        RENDER_WIDTH, RENDER_HEIGHT, viewMatrix=view, projectionMatrix=projection,
        renderer=pybullet.ER_TINY_RENDERER, physicsClientId=client,
    )
    frame = np.asarray(pixels, dtype=np.uint8).reshape(RENDER_HEIGHT, RENDER_WIDTH, 4)
    return np.ascontiguousarray(frame[:, :, :3])
