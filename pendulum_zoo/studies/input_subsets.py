"""Dense agents trained on a subset of the observation dimensions (the paper's Figure 8, bottom): do the inputs
an IMP ticket keeps suffice to learn the task?

The agent sees ``obs[:, dims]`` only: PPO through a vector-env wrapper, BC through the collected data, and the
protocol scores ``actor(obs[dims])``. Results go to ``input_subsets.json``, one entry per (trainer, task,
subset, seed), written after each so that an interrupted study resumes where it stopped.
"""

from __future__ import annotations

import os

import gymnasium
import numpy as np
from gymnasium.wrappers.vector import TransformObservation

from pendulum_zoo.networks.policy import INPUT_NAMES
from pendulum_zoo.protocol.scoring import evaluate
from pendulum_zoo.rl import PPO, PPOConfig
from pendulum_zoo.rl.bc import BCConfig, behavioural_cloning, collect
from pendulum_zoo.storage.fileio import read_json, write_json
from pendulum_zoo.studies.tickets import TicketsConfig, zoo_teacher
from pendulum_zoo.validation import quote

FILE = "input_subsets.json"
FORMAT, FORMAT_VERSION = "pendulum-zoo/input-subsets", 1
# every input; the pole alone; angle and angular velocity (the paper's Cart-Pole finding); the cart alone;
# the inputs BC tickets keep on balance (x_dot) and those most PPO tickets with a small input layer keep (x)
SUBSETS = {"all": (0, 1, 2, 3, 4), "pole": (2, 3, 4), "sin+theta_dot": (3, 4), "x_dot+sin+theta_dot": (1, 3, 4),
           "cart": (0, 1), "x+sin+theta_dot": (0, 3, 4)}


def check_dims(dims) -> tuple[int, ...]:
    dims = tuple(int(d) for d in dims)
    if not dims or len(set(dims)) != len(dims) or any(d < 0 or d >= len(INPUT_NAMES) for d in dims):
        raise ValueError(f"observation dimensions must be distinct indices 0-{len(INPUT_NAMES) - 1}, got {quote(dims)}")
    return tuple(sorted(dims))


def select_observations(envs: gymnasium.vector.VectorEnv, dims: tuple[int, ...]) -> gymnasium.vector.VectorEnv:
    """``envs`` whose observations hold only the columns ``dims``."""
    single = envs.single_observation_space
    space = gymnasium.spaces.Box(single.low[list(dims)], single.high[list(dims)], (len(dims),), single.dtype)
    return TransformObservation(envs, lambda obs: np.asarray(obs)[:, list(dims)],
                                observation_space=gymnasium.vector.utils.batch_space(space, envs.num_envs),
                                single_observation_space=space)


def train_on_inputs(config: TicketsConfig, dims: tuple[int, ...], teacher=None):
    """A dense actor trained on ``dims`` with the run's trainer and budget; returns ``act(full_observation)``."""
    dims = check_dims(dims)
    if config.trainer == "ppo":
        ppo_config = PPOConfig(env_id=config.env_id, seed=config.seed, total_steps=config.ppo_steps,
                               actor_hidden=config.hidden, critic_hidden=config.hidden)
        ppo = PPO(ppo_config, envs=select_observations(gymnasium.make_vec(config.env_id, num_envs=1), dims))
        try:
            ppo.train()
        finally:
            ppo.close()
        actor = ppo.policy()
    else:
        bc = BCConfig(env_id=config.env_id, seed=config.seed, teacher_steps=config.teacher_steps,
                      teacher_noise=config.teacher_noise, epochs=config.bc_epochs, hidden=config.hidden)
        teacher = teacher if teacher is not None else zoo_teacher(config)
        data = collect(teacher, config.env_id, bc.teacher_steps, bc.num_envs, config.seed, bc.teacher_noise,
                       observe=lambda obs: obs[:, list(dims)])[:2]
        actor, _ = behavioural_cloning(teacher, bc, data=data)
    return lambda observation: actor.act(np.asarray(observation)[list(dims)])


def run_input_subsets(root: str, configs: list[TicketsConfig], subsets: dict = SUBSETS, on_entry=None) -> list[dict]:
    """Train and score every (config, subset); entries already in ``root/input_subsets.json`` are kept."""
    path = os.path.join(root, FILE)
    entries = read_json(path, "input-subset results")["entries"] if os.path.exists(path) else []
    done = {(e["trainer"], e["env_id"], e["subset"], e["seed"]) for e in entries}
    for config in configs:
        for name, dims in subsets.items():
            if (config.trainer, config.env_id, name, config.seed) in done:
                continue
            act = train_on_inputs(config, dims)
            returns = evaluate(act, config.env_id, episodes=config.eval_episodes, seed=0, workers=1).returns
            entry = {"trainer": config.trainer, "env_id": config.env_id, "subset": name,
                     "inputs": [INPUT_NAMES[d] for d in dims], "seed": config.seed,
                     "score": float(np.mean(returns)), "score_std": float(np.std(returns))}
            entries.append(entry)
            write_json(path, {"format": FORMAT, "format_version": FORMAT_VERSION, "entries": entries})
            if on_entry is not None:
                on_entry(entry)
    return entries
