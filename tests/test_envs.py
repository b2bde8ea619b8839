"""The four pendulum environments: registration, fidelity to pybullet_envs, episodes, rendering, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import warnings

import gymnasium
import numpy as np
import pybullet_data
import pytest
from gymnasium.error import ClosedEnvironmentError, ResetNeeded
from gymnasium.utils.env_checker import check_env, env_render_passive_checker
from hypothesis import given
from hypothesis import strategies as st

import pendulum_zoo
from pendulum_zoo.physics.mjcf import pendulum_mjcf
from pendulum_zoo.envs import pendulum as pendulum_env
from pendulum_zoo.envs.pendulum import action_to_force
from pendulum_zoo.physics.bullet import pybullet
from tests.conftest import BALANCE_IDS, DATA, SWINGUP_IDS

ALL_IDS = pendulum_zoo.ENV_IDS
LEGACY_TO_ID = {
    "InvertedPendulumBulletEnv": "pendulum_zoo/InvertedPendulum-v0",
    "InvertedPendulumSwingupBulletEnv": "pendulum_zoo/InvertedPendulumSwingup-v0",
    "InvertedPendulumBulletEnvWide": "pendulum_zoo/InvertedPendulumWide-v0",
    "InvertedPendulumSwingupBulletEnvWide": "pendulum_zoo/InvertedPendulumSwingupWide-v0",
}


def rollout(env, seed, actions):
    observation, _ = env.reset(seed=seed)
    observations, rewards, ends = [observation], [], []
    for action in actions:
        observation, reward, terminated, truncated, _ = env.step(np.array([action], dtype=np.float32))
        observations.append(observation)
        rewards.append(reward)
        ends.append((terminated, truncated))
    return np.array(observations), rewards, ends


def test_six_ids_registered_with_the_legacy_aliases():
    assert len(ALL_IDS) == 6
    for env_id in ALL_IDS:
        assert env_id in gymnasium.registry
        assert gymnasium.registry[env_id].max_episode_steps == 1000
    legacy = gymnasium.make("InvertedPendulumSwingupBulletEnv-v0").unwrapped
    assert isinstance(legacy, pendulum_zoo.InvertedPendulumSwingupEnv)
    assert legacy.track_half_width == 1.0
    assert gymnasium.make("pendulum_zoo/InvertedPendulumSwingupWide-v0").unwrapped.track_half_width == 2.0


def test_module_colon_id_form_works_without_a_prior_import():
    code = (
        "import gymnasium\n"
        "for i in ['pendulum_zoo:pendulum_zoo/InvertedPendulumWide-v0', 'pendulum_zoo:InvertedPendulumBulletEnv-v0']:\n"
        "    env = gymnasium.make(i); env.reset(seed=1); print(type(env.unwrapped).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["InvertedPendulumEnv", "InvertedPendulumEnv"]


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_check_env_warns_only_about_the_infinite_observation_bounds(env_id, no_display):
    # Default arguments: check_env makes the env once per render mode, "human" included, with no display here
    # (as in CI). CartPole-v1 raises the same two warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = gymnasium.make(env_id)
        check_env(env.unwrapped)
        env.close()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2, messages
    assert any("minimum value is -infinity" in m for m in messages)
    assert any("maximum value is infinity" in m for m in messages)


def test_spaces_match_the_legacy_environment():
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0")
    assert env.observation_space == gymnasium.spaces.Box(-np.inf, np.inf, (5,), np.float64)
    assert env.action_space == gymnasium.spaces.Box(-1.0, 1.0, (1,), np.float32)


def test_generated_model_is_the_legacy_file_at_the_default_width():
    with open(os.path.join(pybullet_data.getDataPath(), "mjcf", "inverted_pendulum.xml"), encoding="utf-8") as f:
        assert pendulum_mjcf(1.0) == f.read()
    wide = pendulum_mjcf(2.0)
    assert 'range="-2 2"' in wide and 'pos="-2 0 0"' in wide and 'size="0.02 4"' in wide


@pytest.mark.parametrize("legacy_name", sorted(LEGACY_TO_ID))
def test_trajectories_match_pybullet_envs_bit_for_bit(legacy_name):
    # Recorded from the legacy classes under gym 0.26 by tools/record_legacy_trajectories.py: several episodes
    # in one environment (reseeded and not), actions beyond [-1, 1], stepping on after termination.
    with open(os.path.join(DATA, "legacy_trajectories.json"), encoding="utf-8") as handle:
        episodes = json.load(handle)["trajectories"][legacy_name]
    env = gymnasium.make(LEGACY_TO_ID[legacy_name]).unwrapped
    for episode in episodes:
        observation, _ = env.reset(seed=episode["seed"] if episode["reseed"] else None)
        observations, rewards, dones = [observation.tolist()], [], []
        for action in episode["actions"]:
            observation, reward, terminated, truncated, _ = env.step(np.array([action]))
            observations.append(observation.tolist())
            rewards.append(reward)
            dones.append(terminated)
        assert observations == episode["observations"]
        assert rewards == episode["rewards"]
        assert dones == episode["dones"]
    env.close()


@pytest.mark.parametrize("env_id", ("pendulum_zoo/InvertedPendulumSwingup-v0", "pendulum_zoo/InvertedPendulumWide-v0"))
def test_same_seed_same_trajectory_and_different_seeds_differ(env_id):
    actions = np.random.default_rng(0).uniform(-1, 1, 100)
    first = rollout(gymnasium.make(env_id), 11, actions)
    other_env = gymnasium.make(env_id)
    rollout(other_env, 5, actions)  # a different history in the same environment changes nothing
    second = rollout(other_env, 11, actions)
    third = rollout(gymnasium.make(env_id), 12, actions)
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert not np.array_equal(first[0][0], third[0][0])


def test_initial_angle_is_the_single_legacy_draw():
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0")
    observation, _ = env.reset(seed=123)
    u = np.random.Generator(np.random.PCG64(np.random.SeedSequence(123))).uniform(-0.1, 0.1)
    assert observation[2] == np.cos(3.1415 + u) and observation[3] == np.sin(3.1415 + u)
    assert observation[0] == observation[1] == observation[4] == 0.0


def test_same_seed_gives_the_same_episode_in_another_process():
    code = (
        "import gymnasium, numpy as np, pendulum_zoo\n"
        "env = gymnasium.make('pendulum_zoo/InvertedPendulumSwingupWide-v0')\n"
        "env.reset(seed=42)\n"
        "for a in np.linspace(-1, 1, 300): o, *_ = env.step(np.array([a], dtype=np.float32))\n"
        "print(repr(o.tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingupWide-v0")
    env.reset(seed=42)
    for a in np.linspace(-1, 1, 300):
        observation, *_ = env.step(np.array([a], dtype=np.float32))
    assert out.strip().splitlines()[-1] == repr(observation.tolist())


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_episodes_are_capped_at_1000_steps(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    swingup = "Swingup" in env_id
    for step in range(1, 1001):
        # Swing-up never terminates; the balance pole is kept up by a stabilising feedback.
        observation = env.unwrapped._physics.state()
        x, x_dot, theta, theta_dot = observation
        action = 0.0 if swingup else np.clip(10 * theta + 2 * theta_dot + 0.5 * x + x_dot, -1, 1)
        _, _, terminated, truncated, _ = env.step(np.array([action], dtype=np.float32))
        assert not terminated
        assert truncated == (step == 1000)


def test_max_episode_steps_overrides_the_cap():
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0", max_episode_steps=7)
    env.reset(seed=0)
    ends = [env.step(np.zeros(1, np.float32))[3] for _ in range(7)]
    assert ends == [False] * 6 + [True]


@pytest.mark.parametrize("env_id", BALANCE_IDS)
def test_balance_terminates_when_the_pole_passes_0_2_rad(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=3)
    for _ in range(200):
        observation, reward, terminated, _, _ = env.step(np.ones(1, np.float32))
        assert reward == 1.0
        theta = np.arctan2(observation[3], observation[2])
        assert terminated == (abs(theta) > 0.2)
        if terminated:
            break
    assert terminated


@pytest.mark.parametrize("env_id", SWINGUP_IDS)
def test_swingup_reward_is_cos_theta_and_never_terminates(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=3)
    for action in np.random.default_rng(1).uniform(-1, 1, 1000):
        observation, reward, terminated, _, _ = env.step(np.array([action], np.float32))
        assert reward == observation[2]
        assert not terminated


@pytest.mark.parametrize(("env_id", "end_stop"), (("pendulum_zoo/InvertedPendulumSwingup-v0", 1.0),
                                                  ("pendulum_zoo/InvertedPendulumSwingupWide-v0", 2.0)))
def test_the_track_ends_at_track_half_width(env_id, end_stop):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    positions = [env.step(np.ones(1, np.float32))[0][0] for _ in range(400)]
    # Under full force the cart presses into the soft joint limit by a few centimetres, as in pybullet_envs.
    assert end_stop - 0.1 < max(positions) < end_stop + 0.1
    if end_stop == 2.0:
        assert max(positions) > 1.5  # the wide track lets the cart pass |x| = 1


def test_track_half_width_keyword_builds_any_width():
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0", track_half_width=1.5)
    env.reset(seed=0)
    positions = [env.step(np.ones(1, np.float32))[0][0] for _ in range(400)]
    assert 1.4 < max(positions) < 1.6


@pytest.mark.parametrize("width", (np.float32(2.0), np.int64(2), 2))
def test_track_half_width_accepts_numpy_scalars(width):
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0", track_half_width=width)
    assert env.unwrapped.track_half_width == 2.0 and type(env.unwrapped.track_half_width) is float
    env.reset(seed=0)
    positions = [env.step(np.ones(1, np.float32))[0][0] for _ in range(400)]
    assert 1.9 < max(positions) < 2.1


def test_no_files_are_left_in_the_temporary_folder():
    before = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("pendulum_zoo_")}
    env = gymnasium.make("pendulum_zoo/InvertedPendulumWide-v0", track_half_width=3.0)
    env.reset(seed=0)
    env.close()
    after = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("pendulum_zoo_")}
    assert after == before


@pytest.mark.parametrize("env_id", ("pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumSwingupWide-v0"))
def test_rgb_array_rendering_draws_the_cart_and_pole(env_id):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    env_render_passive_checker(env.unwrapped)
    first = env.render()
    assert first.shape == (240, 320, 3) and first.dtype == np.uint8
    assert len(np.unique(first.reshape(-1, 3), axis=0)) > 10  # not a blank frame
    for _ in range(30):
        env.step(np.ones(1, np.float32))
    assert not np.array_equal(env.render(), first)  # the cart moved


def test_human_rendering_without_a_display_runs_headless_and_says_so_once(no_display, monkeypatch, caplog):
    monkeypatch.setattr(pendulum_env, "_missing_display_logged", False)
    for _ in range(2):
        env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="human")
        env.reset(seed=0)
        env.step(np.zeros(1, np.float32))
        assert env.render() is None
        env.close()
    notices = [r for r in caplog.records if r.name == "pendulum_zoo" and "needs a display" in r.getMessage()]
    assert len(notices) == 1 and notices[0].levelname == "WARNING"


class RecordingPhysics:
    """Stands in for PendulumPhysics to see which pybullet connection an environment asks for."""

    modes = []

    def __init__(self, track_half_width, connection_mode):
        self.modes.append(connection_mode)
        self.client = 0

    def reset(self, angle):
        return (0.0, 0.0, angle, 0.0)

    def close(self):
        pass


def test_human_rendering_with_a_display_opens_the_viewer_at_the_first_reset(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(pendulum_env, "PendulumPhysics", RecordingPhysics)
    RecordingPhysics.modes = []
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="human")
    assert RecordingPhysics.modes == []  # making the environment connects nothing
    env.reset(seed=0)
    assert RecordingPhysics.modes == [pybullet.GUI]
    gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="rgb_array").reset(seed=0)
    assert RecordingPhysics.modes == [pybullet.GUI, pybullet.DIRECT]


def test_unknown_render_mode_is_rejected():
    # gymnasium warns first, then our constructor refuses the mode
    with pytest.warns(UserWarning, match="render_modes"), pytest.raises(ValueError, match="render_mode"):
        gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="rgb")


@pytest.mark.parametrize("bad", ([np.nan], [np.inf], [-np.inf], np.array([np.nan], np.float32)))
def test_nan_and_infinite_actions_are_rejected(bad):
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match="finite"):
        env.step(bad)


@pytest.mark.parametrize("bad", (np.zeros(2), np.zeros((1, 1)), np.float32(0.5), 0.5, [], [[0.1]]))
def test_wrongly_shaped_actions_are_rejected(bad):
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"shape \(1,\)"):
        env.step(bad)


@pytest.mark.parametrize("bad", (["left"], "a", None, [object()], {"force": 1}))
def test_non_numeric_actions_are_rejected(bad):
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(TypeError, match="numeric"):
        env.step(bad)


def test_out_of_range_actions_are_clipped_as_legacy_does():
    env = gymnasium.make("pendulum_zoo/InvertedPendulumSwingup-v0")
    big = rollout(env, 4, [7.5, -3.0, 2.0])
    clipped = rollout(env, 4, [1.0, -1.0, 1.0])
    assert np.array_equal(big[0], clipped[0])


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_force_is_100_times_the_clipped_action(value):
    assert action_to_force(np.array([value], np.float32)) == 100.0 * min(1.0, max(-1.0, value))


@pytest.mark.parametrize("bad", (0, -1.0, float("nan"), float("inf")))
def test_track_half_width_must_be_a_positive_number(bad):
    with pytest.raises(ValueError, match="track_half_width"):
        gymnasium.make("pendulum_zoo/InvertedPendulum-v0", track_half_width=bad)


@pytest.mark.parametrize("bad", ("2", None, True))
def test_track_half_width_must_be_numeric(bad):
    with pytest.raises(TypeError, match="track_half_width"):
        gymnasium.make("pendulum_zoo/InvertedPendulum-v0", track_half_width=bad)


def test_step_before_reset_is_an_error_wrapped_or_not():
    with pytest.raises(ResetNeeded):
        gymnasium.make("pendulum_zoo/InvertedPendulum-v0").step(np.zeros(1, np.float32))
    with pytest.raises(ResetNeeded, match="reset"):
        gymnasium.make("pendulum_zoo/InvertedPendulum-v0").unwrapped.step(np.zeros(1, np.float32))


def test_step_reset_and_render_after_close_are_errors_and_close_twice_is_fine():
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0", render_mode="rgb_array").unwrapped
    env.reset(seed=0)
    env.close()
    env.close()
    with pytest.raises(ClosedEnvironmentError, match="closed"):
        env.step(np.zeros(1, np.float32))
    with pytest.raises(ClosedEnvironmentError, match="closed"):
        env.reset(seed=0)
    with pytest.raises(ClosedEnvironmentError, match="closed"):
        env.render()


def test_pybullet_banner_is_never_printed_not_even_by_worker_processes():
    code = (
        "import numpy as np, pendulum_zoo.protocol as protocol\n"
        "from pendulum_zoo.networks.policy import Policy\n"
        "print('scored', protocol.evaluate(Policy(np.ones(192)), 'InvertedPendulum-v0', episodes=4, workers=2).completed,"
        " protocol.evaluate(lambda obs: np.zeros(1), 'InvertedPendulum-v0', episodes=4, workers=2).completed)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout == "scored 4 4\n"
    assert "pybullet build time" not in out.stderr and "pybullet build time" not in out.stdout


def test_a_huge_bad_action_is_quoted_only_in_part():
    env = gymnasium.make("pendulum_zoo/InvertedPendulum-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must have shape \(1,\)") as raised:
        env.step([0.0] * 1_000_000)
    assert len(str(raised.value)) < 200
    env.close()
    envs = gymnasium.make_vec("pendulum_zoo/InvertedPendulum-v0", num_envs=2)
    envs.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must have shape \(2, 1\)") as raised:
        envs.step([[0.0] * 500_000] * 2)
    assert len(str(raised.value)) < 200
    envs.close()
