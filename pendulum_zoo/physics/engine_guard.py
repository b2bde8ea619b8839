"""How a ``BatchedPendulum`` steps: the generated engine, the readable one, or pybullet itself.

The engine equals pybullet bit for bit only where its assumptions hold, so at first use (per track width,
once per process) this module checks them and falls back, with one warning that says why:

- the installed pybullet is a version the engine was verified on (``VERIFIED_PYBULLET``), else pybullet
  clients step the pendulums;
- numpy's float64 ``sin``/``cos`` equal ``math.sin``/``math.cos`` (the C library pybullet calls) on a
  fixed sample, else the engine takes its sines element by element from ``math``;
- the model pybullet builds is the one ``engine_fast`` was generated for, else the readable engine runs;
- the engine reproduces one pybullet client on a short fixed trajectory that hits both end stops, else
  pybullet clients step the pendulums.
"""

from __future__ import annotations

import importlib.metadata
import math
import warnings

import numpy as np
from pendulum_zoo.physics.bullet import pybullet

from pendulum_zoo.physics import engine
from pendulum_zoo.physics.bullet_client import HINGE, SLIDER, PendulumPhysics

VERIFIED_PYBULLET = ("3.2.7",)
_cache: dict[float, object] = {}


class EngineFallbackWarning(RuntimeWarning):
    """The batched engine could not be used as is; the message says why and what runs instead."""


def exact_sin(values):
    return np.fromiter(map(math.sin, np.ravel(values)), np.float64, np.size(values)).reshape(np.shape(values))


def exact_cos(values):
    return np.fromiter(map(math.cos, np.ravel(values)), np.float64, np.size(values)).reshape(np.shape(values))


class EngineStepper:
    """Steps with the engine's kernels (``engine.Kernels`` or ``engine_fast.Kernels``)."""

    def __init__(self, kernels, model, sin, cos) -> None:
        self.kernels, self.model, self.sin, self.cos = kernels, model, sin, cos

    def step(self, x, x_dot, theta, theta_dot, force):
        return engine.step_state(self.kernels, self.model, x, x_dot, theta, theta_dot, force)


class PybulletStepper:
    """The fallback: each pendulum's state set into one pybullet client and stepped there."""

    sin, cos = staticmethod(exact_sin), staticmethod(exact_cos)

    def __init__(self, track_half_width: float) -> None:
        self.physics = PendulumPhysics(track_half_width)
        self.physics.reset(0.0)

    def step(self, x, x_dot, theta, theta_dot, force):
        physics, cid, cart = self.physics, self.physics.client, self.physics.cart
        out = [np.empty_like(x) for _ in range(4)]
        for i in range(x.shape[0]):
            pybullet.resetJointState(cart, SLIDER, float(x[i]), float(x_dot[i]), physicsClientId=cid)
            pybullet.resetJointState(cart, HINGE, float(theta[i]), float(theta_dot[i]), physicsClientId=cid)
            out[0][i], out[1][i], out[2][i], out[3][i] = physics.step(float(force[i]))
        return tuple(out)


def trig_functions():
    """numpy's sin/cos if they equal math's on a fixed sample, else exact element-by-element ones."""
    sample = np.random.default_rng(20240607).uniform(-60.0, 60.0, 20_000)
    sample = np.concatenate([sample, sample * 0.5, -sample * 0.5, np.linspace(-4.0, 4.0, 4001)])
    for name, fast, exact in (("sin", np.sin, exact_sin), ("cos", np.cos, exact_cos)):
        if not np.array_equal(fast(sample).view(np.int64), exact(sample).view(np.int64)):
            _warn(f"numpy's {name} differs from math.{name} on this machine; the engine computes sines and "
                  "cosines element by element with math (exact, slower)")
            return exact_sin, exact_cos
    return np.sin, np.cos


def check_trajectory(stepper, track_half_width: float, steps: int = 160) -> str | None:
    """None if ``stepper`` reproduces a pybullet client bit for bit on a fixed trajectory, else why not."""
    starts = (0.05, -0.08, 3.1415 + 0.03)  # balance and swing-up starts
    physics = PendulumPhysics(track_half_width)
    try:
        reference = []
        for k, angle in enumerate(starts):
            physics.reset(angle)
            for t in range(steps):
                reference.append(physics.step(_guard_force(k, t)))
    finally:
        physics.close()
    n = len(starts)
    state = [np.zeros(n), np.zeros(n), np.array(starts), np.zeros(n)]
    mine = np.empty((n, steps, 4))
    for t in range(steps):
        state = stepper.step(*state, np.array([_guard_force(k, t) for k in range(n)]))
        mine[:, t] = np.stack(state, axis=1)
    expected = np.array(reference).reshape(n, steps, 4)
    bad = np.flatnonzero(~(mine.view(np.int64) == expected.view(np.int64)).all(axis=2).all(axis=0))
    if bad.size:
        return f"it differs from pybullet at step {bad[0] + 1} of a fixed {steps}-step check trajectory"
    return None


def _guard_force(k: int, t: int) -> float:
    # a push to the upper stop, a longer one to the lower stop, then back: both stops on tracks up to +/-2
    sign = 1.0 if t < 40 + 5 * k else (-1.0 if t < 125 + 5 * k else 1.0)
    return 100.0 * sign * (0.75 + 0.25 * ((t * 7 + k) % 5) / 4.0)


def stepper_for(track_half_width: float):
    """The stepper for this track: chosen, checked and cached at first use."""
    if track_half_width not in _cache:
        _cache[track_half_width] = _choose(track_half_width)
    return _cache[track_half_width]


def _choose(track_half_width: float):
    version = importlib.metadata.version("pybullet")
    if version not in VERIFIED_PYBULLET:
        _warn(f"the batched engine was verified on pybullet {', '.join(VERIFIED_PYBULLET)}, not {version}; "
              "pybullet clients step the pendulums instead (exact, slower)")
        return PybulletStepper(track_half_width)
    sin, cos = trig_functions()
    model = engine.model_for(track_half_width)
    kernels = _fast_kernels(model, sin, cos)
    if kernels is None:
        _warn("pybullet built a model other than the one engine_fast.py was generated for; the readable "
              "engine runs instead (exact, slower); regenerate with tools/generate_engine.py")
        kernels = engine.Kernels(model, engine.ArrayOps(sin, cos))
    stepper = EngineStepper(kernels, model, sin, cos)
    problem = check_trajectory(stepper, track_half_width)
    if problem is not None:
        _warn(f"the batched engine failed its start-up check ({problem}); pybullet clients step the "
              "pendulums instead (exact, slower)")
        return PybulletStepper(track_half_width)
    return stepper


def _fast_kernels(model, sin, cos):
    from pendulum_zoo.physics import engine_fast

    if engine.model_key(model) != engine_fast.MODEL_KEY:
        return None
    return engine_fast.Kernels(sin, cos)


_warned: set[str] = set()


def _warn(message: str) -> None:
    if message not in _warned:  # one warning per reason and process
        _warned.add(message)
        warnings.warn(message, EngineFallbackWarning, stacklevel=3)
