"""The batched engine against pybullet, bit for bit; the generated form against the readable one; guards."""

import importlib.util
import itertools
import math
import os
import warnings

import numpy as np
import pytest

from pendulum_zoo.physics import engine, engine_fast, engine_guard
from pendulum_zoo.physics.bullet_client import PendulumPhysics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "tools", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_engine = _tool("check_engine")
generate_engine = _tool("generate_engine")


def test_model_constants_come_from_pybullet_and_match_the_generated_engine():
    for width in (1.0, 2.0, 1.5):
        model = engine.model_for(width)
        assert (model.lower, model.upper) == (-width, width)
        assert engine.model_key(model) == engine_fast.MODEL_KEY
    model = engine.model_for(1.0)
    # the reference values of bullet-step.md: float32-rounded inertial offset, bounding-box inertia
    assert model.links[3].d_vector == (0.0005000000237487257, 0.0, 0.30000001192092896)
    assert model.links[1].mass == 10.47197598009977 and model.links[3].mass == 5.018591545810472
    assert [link.joint for link in model.links] == ["prismatic", "fixed", "revolute", "fixed"]
    assert model.link_damping == float(np.float32(0.04)) != 0.04


@pytest.mark.parametrize("width", check_engine.WIDTHS)
def test_single_steps_are_bit_identical_to_pybullet(width):
    counts = check_engine.check_single_steps(width, 2000, seed=int(width * 10) + 1)
    assert counts["fast mismatches"] == 0 and counts["readable mismatches"] == 0
    # the sample exercises what it claims: both kinds of limit row and the clamp
    assert counts["at or beyond a limit"] > 200 and counts["deep (split impulse)"] > 50
    assert counts["velocity clamped"] > 200


def test_limit_rows_at_both_stops_and_the_clamp_are_exercised_separately():
    width = 1.0
    n = 400
    rng = np.random.default_rng(5)
    x = np.concatenate([np.full(n // 4, -width), np.full(n // 4, width), rng.uniform(-1.1, -0.99, n // 4),
                        rng.uniform(0.99, 1.1, n // 4)])
    x_dot = rng.uniform(-3.0, 3.0, n)
    theta, theta_dot = rng.uniform(-3.0, 3.0, n), rng.uniform(-120.0, 120.0, n)
    force = rng.uniform(-100.0, 100.0, n)
    reference = engine_guard.PybulletStepper(width).step(x, x_dot, theta, theta_dot, force)
    mine = check_engine.steppers(width)["fast"].step(x, x_dot, theta, theta_dot, force)
    for a, b in zip(mine, reference):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))


def test_signed_zeros_match_pybullet():
    # every combination of +0.0 / -0.0 (and a few non-zero values) in state and force: the engine keeps
    # Bullet's zero signs too, not only its values
    zeros = (0.0, -0.0)
    grid = np.array(list(itertools.product((0.0, -0.0, 1.0, -1.0), zeros, (0.0, -0.0, np.pi, -3.1415), zeros,
                                           (0.0, -0.0, 100.0, -100.0))))
    x, x_dot, theta, theta_dot, force = grid.T.copy()
    reference = engine_guard.PybulletStepper(1.0).step(x, x_dot, theta, theta_dot, force)
    for stepper in check_engine.steppers(1.0).values():
        for a, b in zip(stepper.step(x, x_dot, theta, theta_dot, force), reference):
            assert np.array_equal(a.view(np.int64), b.view(np.int64))


def test_trajectories_are_bit_identical_to_pybullet():
    counts = check_engine.check_trajectories(per_case=1, seed=3)
    assert counts["trajectories"] == 18 and counts["mismatching trajectories"] == 0
    assert counts["steps at a limit"] > 500


@pytest.mark.slow
def test_full_trajectory_set():
    counts = check_engine.check_trajectories(per_case=16, seed=7)
    assert counts["mismatching trajectories"] == 0


def test_generated_engine_equals_the_readable_one_bit_for_bit():
    model = engine.model_for(1.5)
    x, x_dot, theta, theta_dot, force = check_engine.random_states(np.random.default_rng(11), 5000, 1.5)
    readable = engine.Kernels(model, engine.ArrayOps())
    fast = engine_fast.Kernels(np.sin, np.cos)
    for a, b in zip(readable.free_velocities(x, theta, x_dot, theta_dot, force),
                    fast.free_velocities(x, theta, x_dot, theta_dot, force)):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))
    direction = np.where(x < 0, 1.0, -1.0)
    for a, b in zip(readable.slider_response(x, theta, direction), fast.slider_response(x, theta, direction)):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))


def test_generated_engine_is_up_to_date():
    with open(generate_engine.TARGET, encoding="utf-8") as handle:
        assert handle.read() == generate_engine.generate(), "run python tools/generate_engine.py"


def test_tracer_folds_only_exact_identities():
    tracer = generate_engine.Tracer()
    a = tracer.input("a")
    assert a * 1.0 is a and a + 0.0 is a and 0.0 + a is a and a - 0.0 is a and a / 1.0 is a
    assert (a * 0.0) == 0.0 and (2.0 * 3.0) == 6.0
    assert (a * 2.0) is (2.0 * a)  # shared: IEEE multiplication commutes
    assert (a * 2.0) is not (a * 3.0)
    assert -(-a) is a
    b = tracer.input("b")
    assert (a + -b) is (a - b) and (a - -b) is (a + b) and (-a * 2.0) is (a * -2.0)  # exact sign moves


def test_batched_pendulum_reset_step_and_errors():
    pendulums = engine.BatchedPendulum(3, 2.0)
    pendulums.reset(np.array([0.05, -0.05, 3.14]))
    physics = PendulumPhysics(2.0)
    try:
        expected = [physics.reset(0.05), physics.step(30.0), physics.step(-100.0)]
    finally:
        physics.close()
    pendulums.step(np.array([30.0, 0.0, 0.0]))
    pendulums.step(np.array([-100.0, 0.0, 0.0]))
    assert (pendulums.x[0], pendulums.x_dot[0], pendulums.theta[0], pendulums.theta_dot[0]) == expected[2]
    pendulums.reset(np.array([0.01]), indices=[1])
    assert (pendulums.x[1], pendulums.theta[1], pendulums.theta_dot[1]) == (0.0, 0.01, 0.0)
    cos, sin = pendulums.cos_sin()
    assert cos[2] == math.cos(pendulums.theta[2]) and sin[2] == math.sin(pendulums.theta[2])
    with pytest.raises(ValueError, match="shape"):
        pendulums.step(np.zeros(2))
    with pytest.raises(ValueError):
        engine.BatchedPendulum(0)
    with pytest.raises(ValueError):
        engine.BatchedPendulum(2, track_half_width=-1.0)


@pytest.fixture
def fresh_guard(monkeypatch):
    monkeypatch.setattr(engine_guard, "_cache", {})
    monkeypatch.setattr(engine_guard, "_warned", set())


def _fallbacks(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, engine_guard.EngineFallbackWarning)]


def test_guard_uses_the_fast_engine_when_everything_checks_out(fresh_guard):
    stepper, messages = _fallbacks(lambda: engine_guard.stepper_for(1.0))
    assert messages == [] and isinstance(stepper.kernels, engine_fast.Kernels)
    assert stepper.sin is np.sin


def test_guard_falls_back_to_exact_trig_when_numpy_differs(fresh_guard, monkeypatch):
    off_by_one_ulp = lambda values: np.nextafter(engine_guard.exact_sin(values), np.inf)  # noqa: E731
    monkeypatch.setattr(engine_guard.np, "sin", off_by_one_ulp)
    stepper, messages = _fallbacks(lambda: engine_guard.stepper_for(1.0))
    assert len(messages) == 1 and "numpy's sin differs from math.sin" in messages[0]
    assert stepper.sin is engine_guard.exact_sin
    pendulums = engine.BatchedPendulum(2, stepper=stepper)
    pendulums.reset(np.array([0.1, 0.2]))
    pendulums.step(np.array([10.0, -10.0]))  # still exact: the trajectory check passed with exact trig


def test_guard_falls_back_to_pybullet_when_the_engine_disagrees(fresh_guard, monkeypatch):
    monkeypatch.setattr(engine, "LINK_DAMPING", 0.04)  # double instead of Bullet's 0.04f: a wrong engine
    stepper, messages = _fallbacks(lambda: engine_guard.stepper_for(1.0))
    assert len(messages) == 2
    assert "other than the one engine_fast.py was generated for" in messages[0]
    assert "failed its start-up check" in messages[1] and "differs from pybullet at step" in messages[1]
    assert isinstance(stepper, engine_guard.PybulletStepper)
    _, again = _fallbacks(lambda: engine_guard._choose(1.0))
    assert again == []  # one warning per reason and process


def test_guard_falls_back_to_pybullet_on_an_unverified_version(fresh_guard, monkeypatch):
    monkeypatch.setattr(engine_guard, "VERIFIED_PYBULLET", ("0.0.1",))
    stepper, messages = _fallbacks(lambda: engine_guard.stepper_for(2.0))
    assert len(messages) == 1 and "verified on pybullet 0.0.1" in messages[0]
    pendulums = engine.BatchedPendulum(2, 2.0, stepper=stepper)
    pendulums.reset(np.array([0.05, 3.1415]))
    pendulums.step(np.array([100.0, -100.0]))
    physics = PendulumPhysics(2.0)
    try:
        physics.reset(0.05)
        assert physics.step(100.0) == (pendulums.x[0], pendulums.x_dot[0], pendulums.theta[0], pendulums.theta_dot[0])
    finally:
        physics.close()
