"""A PPO run's whole state at a rollout boundary, as ``{"meta": JSON-able, "arrays": {name: array}}``, and back.

Everything the rest of the run depends on: weights, masks, biases and log-std; Adam's moments and step count;
the observation and reward normalisers; the generators of actions, minibatch order and sparse topology; the
vector env's state (``InvertedPendulumVectorEnv.get_state``) and the rollout's carried-over arrays; counters.
``restore_state`` puts it into a ``PPO`` made with the same configuration, checking every part first, so that
a run stopped after k iterations and restored goes on exactly as the uninterrupted run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pendulum_zoo.rng_state import generator_from_state, generator_state
from pendulum_zoo.validation import check_integer, check_number, quote

STATE_VERSION = 1
_CARRIED = ("obs", "autoreset", "discounted", "episode_return", "episode_length")  # PPO attributes, arrays
_COUNTERS = ("iteration", "env_steps", "optimiser_step")
_GENERATORS = ("action_rng", "shuffle_rng")


def _network_arrays(ppo) -> dict[str, np.ndarray]:
    """The arrays updated in place during training, by name: the networks' and the optimiser's."""
    arrays = {}
    for name, net in (("actor", ppo.actor), ("critic", ppo.critic)):
        for kind in ("weights", "biases", "masks"):
            for k, array in enumerate(getattr(net, kind)):
                arrays[f"{name}/{kind}/{k}"] = array
    arrays["log_std"] = ppo.log_std
    for k, (m, v) in enumerate(zip(ppo.optimiser.m, ppo.optimiser.v)):
        arrays[f"adam/m/{k}"], arrays[f"adam/v/{k}"] = m, v
    return arrays


def _normalisers(ppo) -> dict[str, Any]:
    return {"obs_norm": ppo.actor.normaliser, "reward_norm": ppo.reward_scale}


def _envs(ppo):
    envs = ppo.envs.unwrapped
    if not callable(getattr(envs, "get_state", None)):
        raise TypeError(f"PPO's state can be saved only on the native vector env (vectorization mode "
                        f"'vector_entry_point'), not on {type(envs).__name__}")
    return envs


def ppo_state(ppo) -> dict[str, Any]:
    """The state of ``ppo`` between iterations (copies: later training does not change it)."""
    envs = _envs(ppo).get_state()
    arrays = {name: array.copy() for name, array in _network_arrays(ppo).items()}
    arrays.update({name: np.array(getattr(ppo, name)) for name in _CARRIED})
    meta: dict[str, Any] = {"version": STATE_VERSION, "config": ppo.config.to_dict(),
                            "adam_steps": ppo.optimiser.steps, "env": envs["meta"]}
    meta.update({name: getattr(ppo, name) for name in _COUNTERS})
    meta["generators"] = {name: generator_state(getattr(ppo, name)) for name in _GENERATORS}
    meta["generators"]["sparse"] = generator_state(ppo.sparse.rng)
    for name, normaliser in _normalisers(ppo).items():
        meta[f"{name}_count"] = None if normaliser is None else normaliser.count
        if normaliser is not None:
            arrays[f"{name}/mean"], arrays[f"{name}/var"] = normaliser.mean.copy(), normaliser.var.copy()
    arrays.update({f"env/{name}": value for name, value in envs["arrays"].items()})
    return {"meta": meta, "arrays": arrays}


def restore_state(ppo, state: dict[str, Any]) -> None:
    """Put ``ppo_state``'s data into ``ppo`` (made with the same configuration). ValueError naming the part if
    the data does not fit; nothing is changed before every part has been checked."""
    meta, arrays = state.get("meta"), state.get("arrays")
    if not isinstance(meta, dict) or not isinstance(arrays, dict):
        raise ValueError("a PPO state must be {'meta': {...}, 'arrays': {...}}")
    if meta.get("version") != STATE_VERSION:
        raise ValueError(f"PPO state version {quote(meta.get('version'))} is not {STATE_VERSION}")
    if meta.get("config") != ppo.config.to_dict():
        raise ValueError("the PPO state was saved by a run with another configuration")
    targets = _network_arrays(ppo)
    values = {name: _array(arrays, name, target) for name, target in targets.items()}
    carried = {name: _array(arrays, name, np.asarray(getattr(ppo, name))) for name in _CARRIED}
    for net in ("actor", "critic"):
        for k in range(len(getattr(ppo, net).masks)):
            mask, weight = values[f"{net}/masks/{k}"], values[f"{net}/weights/{k}"]
            if not np.isin(mask, (0.0, 1.0)).all() or np.any(weight[mask == 0.0] != 0.0):
                raise ValueError(f"PPO state: {net} layer {k}'s mask is not 0/1 or has nonzero masked weights")
    counters = {name: check_integer(f"PPO state {name}", meta.get(name), 0) for name in _COUNTERS}
    if counters["iteration"] > ppo.config.iterations:
        raise ValueError(f"PPO state: iteration {counters['iteration']} is beyond the run's "
                         f"{ppo.config.iterations}")
    adam_steps = check_integer("PPO state adam_steps", meta.get("adam_steps"), 0)
    saved = meta.get("generators")
    if not isinstance(saved, dict) or sorted(saved) != sorted((*_GENERATORS, "sparse")):
        raise ValueError("PPO state: 'generators' must hold action_rng, shuffle_rng and sparse")
    generators = {name: generator_from_state(saved[name], f"PPO state generator {name}") for name in saved}
    normalisers = {}
    for name, normaliser in _normalisers(ppo).items():
        if normaliser is None:
            continue
        mean = _array(arrays, f"{name}/mean", normaliser.mean)
        var = _array(arrays, f"{name}/var", normaliser.var)
        if np.any(var < 0):
            raise ValueError(f"PPO state: {name}/var holds negative variances")
        normalisers[name] = (mean, var, check_number(f"PPO state {name}_count", meta.get(f"{name}_count"), 0.0))
    env_arrays = {key.removeprefix("env/"): value for key, value in arrays.items() if key.startswith("env/")}
    _envs(ppo).set_state({"meta": meta.get("env"), "arrays": env_arrays})  # checks before it changes anything
    for name, value in values.items():
        targets[name][...] = value  # in place: the optimiser and the sparse trainer hold these arrays
    for name, value in carried.items():
        setattr(ppo, name, value)
    for name, value in counters.items():
        setattr(ppo, name, value)
    ppo.optimiser.steps = adam_steps
    ppo.action_rng, ppo.shuffle_rng = generators["action_rng"], generators["shuffle_rng"]
    ppo.sparse.rng = generators["sparse"]
    for name, (mean, var, count) in normalisers.items():
        normaliser = _normalisers(ppo)[name]
        normaliser.mean, normaliser.var, normaliser.count = mean, var, count


def _array(arrays: dict[str, np.ndarray], name: str, like: np.ndarray) -> np.ndarray:
    """``arrays[name]`` checked to have ``like``'s shape and dtype and finite values; a copy."""
    if name not in arrays:
        raise ValueError(f"PPO state lacks the array {name!r}")
    value = np.asarray(arrays[name])
    if value.shape != like.shape or value.dtype != like.dtype:
        raise ValueError(f"PPO state: {name!r} must be {like.dtype} of shape {like.shape}, got {value.dtype} of "
                         f"shape {value.shape}")
    if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
        raise ValueError(f"PPO state: {name!r} holds non-finite values")
    return value.copy()
