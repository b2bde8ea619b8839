"""Record trajectories of the legacy ``pybullet_envs`` pendulum environments, for the fidelity tests.

Run it with a Python that has ``gym==0.26.2`` and ``pybullet==3.2.7`` (never pendulum-zoo's own
environment: gym is not one of its dependencies)::

    python -m venv /tmp/legacy && /tmp/legacy/bin/pip install gym==0.26.2 pybullet==3.2.7 numpy setuptools
    /tmp/legacy/bin/python tools/record_legacy_trajectories.py tests/data/legacy_trajectories.json

``pybullet_envs/__init__.py`` no longer imports under gym 0.26 (it reads ``registry.env_specs``), so the
environment classes are imported from their modules directly, and driven through their own legacy API:
``env.seed(s)``, ``env.reset()``, ``env.step(a)``. The widened track is the article's hand edit of the MJCF
(slider range -2..2, rail ``pos="-2 0 0"`` ``size="0.02 4"``), applied to a copy of pybullet_data's file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import types

import numpy as np

EPISODES = ((0, True), (0, False), (7, True), (2024, True), (2024, False))  # (seed, reseed?) in one env
STEPS = 200


def import_legacy_module():
    spec = importlib.util.find_spec("pybullet_envs")
    folder = os.path.dirname(spec.origin)
    package = types.ModuleType("pybullet_envs")  # skip the broken __init__.py
    package.__path__ = [folder]
    sys.modules["pybullet_envs"] = package
    sys.path.insert(0, folder)
    from pybullet_envs import gym_pendulum_envs

    return gym_pendulum_envs


def widen_pybullet_data(tmp: str) -> None:
    import pybullet_data

    original = os.path.join(pybullet_data.getDataPath(), "mjcf", "inverted_pendulum.xml")
    os.makedirs(os.path.join(tmp, "mjcf"))
    with open(original, encoding="utf-8") as handle:
        text = handle.read()
    edits = (('range="-1 1"', 'range="-2 2"'), ('name="rail" pos="0 0 0"', 'name="rail" pos="-2 0 0"'),
             ('size="0.02 1"', 'size="0.02 4"'))
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    with open(os.path.join(tmp, "mjcf", "inverted_pendulum.xml"), "w", encoding="utf-8") as handle:
        handle.write(text)
    pybullet_data.getDataPath = lambda: tmp


def record(env) -> list[dict]:
    episodes = []
    for index, (seed, reseed) in enumerate(EPISODES):
        if reseed:
            env.seed(seed)
        observation = env.reset()
        # Actions beyond [-1, 1] check the clipping.
        actions = np.random.default_rng(1000 + index).uniform(-1.5, 1.5, size=(STEPS, 1))
        observations, rewards, dones = [observation.tolist()], [], []
        for action in actions:
            observation, reward, done, _ = env.step(action)
            observations.append(observation.tolist())
            rewards.append(float(reward))
            dones.append(bool(done))
        episodes.append({"seed": seed, "reseed": reseed, "actions": actions[:, 0].tolist(),
                         "observations": observations, "rewards": rewards, "dones": dones})
    return episodes


def main(path: str) -> None:
    import gym
    import pybullet

    legacy = import_legacy_module()
    result = {"gym": gym.__version__, "pybullet": pybullet.getAPIVersion(), "numpy": np.__version__,
              "steps": STEPS, "trajectories": {}}
    for name in ("InvertedPendulumBulletEnv", "InvertedPendulumSwingupBulletEnv"):
        env = getattr(legacy, name)()
        result["trajectories"][name] = record(env)
        env.close()
    with tempfile.TemporaryDirectory() as tmp:
        widen_pybullet_data(tmp)
        for name in ("InvertedPendulumBulletEnv", "InvertedPendulumSwingupBulletEnv"):
            env = getattr(legacy, name)()
            result["trajectories"][name + "Wide"] = record(env)
            env.close()
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
        handle.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
