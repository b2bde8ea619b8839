"""Proximal Policy Optimization in numpy, read top to bottom like CleanRL's ``ppo_continuous_action.py``.

Separate actor and critic MLPs, a Gaussian policy with a state-independent log-std, clipped surrogate, GAE,
one Adam over every parameter, global gradient-norm clipping, optional sparse training (``sparse.py``).
Defaults: Graesser et al. 2022, appendix A.3 (PPO table): 64x64 networks, learning rate 3e-4, discount 0.99,
GAE lambda 0.95, 2048 steps per rollout, minibatch 64, 10 epochs, clip 0.2, value coefficient 0.5, gradient
clip 0.5, no entropy bonus. Weight decay: Table 3's, per sparse method.

Rollouts run on a ``gymnasium.vector.VectorEnv`` in next-step autoreset mode (gymnasium 1.x
``AutoresetMode.NEXT_STEP``): the step that ends an episode returns its final observation; the following
step ignores the action and returns the reset observation. Those autoreset rows are kept in the buffer with
weight 0. A truncated episode is bootstrapped with the value of its final observation, which is exactly the
value computed for the autoreset row that follows it.

Training's forward passes use one matrix product per layer (``MLP.forward_layers(per_row=False)``): the same
run gives the same numbers, and only the saved policy (``policy()``) needs the batch-independent forward.
"""

from __future__ import annotations

import time

import gymnasium
import numpy as np

from pendulum_zoo.networks.mlp import MLP, RunningNormaliser, init_weights
from pendulum_zoo.rl.adam import Adam, clip_global_norm
from pendulum_zoo.rl.losses import gaussian_log_prob, policy_loss, value_loss
from pendulum_zoo.rl.ppo_config import PPOConfig
from pendulum_zoo.rl.ppo_state import ppo_state, restore_state
from pendulum_zoo.rl.sparse import SparseTrainer

ACTOR_OUTPUT_GAIN, CRITIC_OUTPUT_GAIN = 0.01, 1.0  # CleanRL layer_init: std 0.01 (actor head), 1.0 (critic)


def gae(rewards, values, last_value, terminated, done, gamma: float, lam: float):
    """Generalised advantage estimates (Schulman et al. 2016) over ``(T, N)`` arrays; returns (advantages,
    returns). ``values[t + 1]`` (or ``last_value``) is the value of step t's next observation, also after a
    truncation (the final observation); termination cuts the bootstrap, any episode end cuts the trace."""
    next_values = np.concatenate([values[1:], last_value[None]], axis=0)
    delta = rewards + gamma * next_values * (1.0 - terminated) - values
    advantages = np.zeros_like(values)
    running = np.zeros_like(last_value)
    for t in range(values.shape[0] - 1, -1, -1):
        running = delta[t] + gamma * lam * (1.0 - done[t]) * running
        advantages[t] = running
    return advantages, advantages + values


class PPO:
    """One PPO run: ``PPO(config).train()`` returns the per-iteration statistics; ``policy()`` the
    deterministic actor (mean action) with frozen observation statistics."""

    def __init__(self, config: PPOConfig, envs: gymnasium.vector.VectorEnv | None = None, *,
                 initial: dict | None = None) -> None:
        """``initial`` maps ``"actor"`` (and optionally ``"critic"``) to ``(masks, weights)``: that network
        starts from these weights and keeps these masks fixed (as ``static``; for iterative magnitude pruning,
        ``imp.py``). Use it with the ``dense`` sparse method."""
        self.config = c = config
        init_seed, sparse_seed, action_seed, shuffle_seed = np.random.SeedSequence(c.seed).spawn(4)
        self.action_rng, self.shuffle_rng = np.random.default_rng(action_seed), np.random.default_rng(shuffle_seed)
        self.envs = envs if envs is not None else gymnasium.make_vec(
            c.env_id, num_envs=c.num_envs, vectorization_mode=c.vectorization_mode)
        space = self.envs.single_action_space
        if not isinstance(space, gymnasium.spaces.Box):
            if envs is None:
                self.envs.close()
            raise ValueError(f"PPO needs a continuous (Box) action space; {c.env_id} has {space}")
        obs_size, act_size = int(np.prod(self.envs.single_observation_space.shape)), int(np.prod(space.shape))
        self.action_low, self.action_high, self.action_dtype = space.low, space.high, space.dtype

        # networks, masks and initial weights
        normaliser = RunningNormaliser(obs_size) if c.normalize_obs else None
        self.actor = MLP((obs_size, *c.actor_hidden, act_size), activation=c.activation, normaliser=normaliser)
        self.critic = MLP((obs_size, *c.critic_hidden, 1), activation=c.activation, normaliser=normaliser)
        self.log_std = np.full(act_size, c.log_std_init)
        self.params = [*self.actor.parameters(), *self.critic.parameters(), self.log_std]
        offset = len(self.actor.parameters())
        layers = [(w, m, k) for k, (w, m) in enumerate(zip(self.actor.weights, self.actor.masks))]
        layers += [(w, m, offset + k) for k, (w, m) in enumerate(zip(self.critic.weights, self.critic.masks))]
        groups = [list(range(len(self.actor.weights))),
                  list(range(len(self.actor.weights), len(layers)))]
        self.sparse = SparseTrainer(c.sparse, layers, groups, c.optimiser_steps, np.random.default_rng(sparse_seed))
        init_rng = np.random.default_rng(init_seed)
        masks = self.sparse.initial_masks()
        for net, net_masks, gain in ((self.actor, masks[:len(self.actor.weights)], ACTOR_OUTPUT_GAIN),
                                     (self.critic, masks[len(self.actor.weights):], CRITIC_OUTPUT_GAIN)):
            for mask, new in zip(net.masks, net_masks):
                mask[...] = new
            start = init_weights(net.sizes, init_rng, scheme=c.init, activation=c.activation, masks=net.masks,
                                 sparsity_aware=c.sparse.sparsity_aware_init, output_gain=gain)
            for weight, new in zip(net.weights, start):
                weight[...] = new
        for name, given in (initial or {}).items():
            net = {"actor": self.actor, "critic": self.critic}[name]
            for mask, weight, (new_mask, new_weight) in zip(net.masks, net.weights, zip(*given), strict=True):
                if np.shape(new_mask) != mask.shape or np.shape(new_weight) != weight.shape:
                    raise ValueError(f"initial {name} layer of shape {mask.shape} given {np.shape(new_mask)}")
                mask[...], weight[...] = new_mask, np.asarray(new_weight) * new_mask
        self.optimiser = Adam(self.params, c.learning_rate)
        self.reward_scale = RunningNormaliser(1) if c.normalize_reward else None

        # environment state between rollouts
        self.obs = self._observe(self.envs.reset(seed=c.seed)[0])
        self.autoreset = np.zeros(c.num_envs, dtype=bool)
        self.discounted = np.zeros(c.num_envs)  # running discounted return, for reward scaling
        self.episode_return, self.episode_length = np.zeros(c.num_envs), np.zeros(c.num_envs, dtype=np.int64)
        self.iteration, self.env_steps, self.optimiser_step = 0, 0, 0

    def _observe(self, raw: np.ndarray) -> np.ndarray:
        """Observations as the networks see them: normalised with running statistics updated first (as
        gymnasium's NormalizeObservation and SB3's VecNormalize)."""
        raw = np.asarray(raw, dtype=np.float64).reshape(self.config.num_envs, -1)
        if self.actor.normaliser is None:
            return raw
        self.actor.normaliser.update(raw)
        return self.actor.normaliser.normalise(raw)

    def collect(self) -> dict:
        """One rollout of ``num_steps`` steps on every copy of the vector env."""
        c = self.config
        shape = (c.num_steps, c.num_envs)
        batch = {"obs": np.zeros((*shape, self.obs.shape[1])), "actions": np.zeros((*shape, self.log_std.size)),
                 "log_probs": np.zeros(shape), "values": np.zeros(shape), "rewards": np.zeros(shape),
                 "terminated": np.zeros(shape), "done": np.zeros(shape), "valid": np.zeros(shape)}
        finished: list[tuple[float, int]] = []
        std = np.exp(self.log_std)
        for t in range(c.num_steps):
            mean = self.actor.forward_layers(self.obs, per_row=False)[0]
            value = self.critic.forward_layers(self.obs, per_row=False)[0][:, 0]
            action = mean + std * self.action_rng.standard_normal(mean.shape)
            batch["obs"][t], batch["actions"][t], batch["values"][t] = self.obs, action, value
            batch["log_probs"][t] = gaussian_log_prob(action, mean, self.log_std)
            env_action = np.clip(action, self.action_low, self.action_high).astype(self.action_dtype)
            raw, reward, terminated, truncated, _ = self.envs.step(env_action)
            valid = ~self.autoreset  # an autoreset step ignored its action (next-step autoreset)
            done = (terminated | truncated) & valid
            reward = np.where(valid, reward, 0.0)
            batch["valid"][t], batch["terminated"][t], batch["done"][t] = valid, terminated & valid, done
            batch["rewards"][t] = self._scale_rewards(reward, valid, done)
            self.episode_return += reward
            self.episode_length += valid
            for k in np.flatnonzero(done):
                finished.append((float(self.episode_return[k]), int(self.episode_length[k])))
            self.episode_return[done], self.episode_length[done] = 0.0, 0
            self.autoreset = done
            self.obs = self._observe(raw)
        self.env_steps += c.batch_size
        last_value = self.critic.forward_layers(self.obs, per_row=False)[0][:, 0]
        batch["advantages"], batch["returns"] = gae(batch["rewards"], batch["values"], last_value,
                                                    batch["terminated"], batch["done"], c.gamma, c.gae_lambda)
        batch["episodes"] = finished
        return batch

    def _scale_rewards(self, reward: np.ndarray, valid: np.ndarray, done: np.ndarray) -> np.ndarray:
        """Rewards divided by the running standard deviation of the discounted return (SB3 VecNormalize)."""
        if self.reward_scale is None:
            return reward
        self.discounted = np.where(valid, self.discounted * self.config.gamma + reward, self.discounted)
        if valid.any():
            self.reward_scale.update(self.discounted[valid][:, None])
        self.discounted[done] = 0.0
        scale = np.sqrt(self.reward_scale.var[0] + 1e-8)
        return np.clip(reward / scale, -10.0, 10.0)

    def update(self, batch: dict) -> dict:
        """``epochs`` passes over the rollout in shuffled minibatches; returns mean losses and diagnostics."""
        c = self.config
        flat = {key: batch[key].reshape(c.batch_size, *batch[key].shape[2:])
                for key in ("obs", "actions", "log_probs", "advantages", "returns", "valid", "values")}
        lr = c.learning_rate * (1.0 - self.iteration / c.iterations if c.anneal_lr else 1.0)
        sums = {"policy_loss": 0.0, "value_loss": 0.0, "approx_kl": 0.0, "clip_fraction": 0.0, "grad_norm": 0.0}
        count = 0
        for _ in range(c.epochs):
            order = self.shuffle_rng.permutation(c.batch_size)
            for start in range(0, c.batch_size, c.minibatch_size):
                rows = order[start:start + c.minibatch_size]
                valid = flat["valid"][rows]
                weights = valid / max(1.0, valid.sum())
                advantages = flat["advantages"][rows]
                if valid.sum() > 1:  # CleanRL norm_adv: per-minibatch mean and (unbiased) std
                    kept = advantages[valid == 1.0]
                    advantages = (advantages - kept.mean()) / (kept.std(ddof=1) + 1e-8)
                mean, actor_acts = self.actor.forward_layers(flat["obs"][rows], per_row=False)
                values, critic_acts = self.critic.forward_layers(flat["obs"][rows], per_row=False)
                p_loss, grad_mean, grad_log_std, info = policy_loss(
                    mean, self.log_std, flat["actions"][rows], flat["log_probs"][rows], advantages, weights,
                    c.clip, c.entropy_coef)
                v_loss, grad_values = value_loss(values[:, 0], flat["returns"][rows], weights, c.value_coef)
                actor_w, actor_b = self.actor.backward(actor_acts, grad_mean)
                critic_w, critic_b = self.critic.backward(critic_acts, grad_values[:, None])
                grads = [*actor_w, *actor_b, *critic_w, *critic_b, grad_log_std]
                dense_grads = [g.copy() for g in grads] if c.sparse.method == "rigl" else grads
                self.sparse.mask_gradients(grads)
                norm = clip_global_norm(grads, c.max_grad_norm)
                self.optimiser.step(grads, lr)
                self.optimiser_step += 1
                self.sparse.after_step(self.optimiser_step, dense_grads, self.optimiser)
                for key, value in (("policy_loss", p_loss), ("value_loss", v_loss), ("grad_norm", norm), *info.items()):
                    sums[key] += value
                count += 1
        stats = {key: value / count for key, value in sums.items()}
        valid = flat["valid"] == 1.0
        residual = np.var(flat["returns"][valid] - flat["values"][valid])
        spread = np.var(flat["returns"][valid])
        stats["explained_variance"] = float(1.0 - residual / spread) if spread > 0 else None
        return stats

    def state(self) -> dict:
        """The run's whole state between iterations (``rl.ppo_state``): JSON-able meta and arrays."""
        return ppo_state(self)

    def load_state(self, state: dict) -> None:
        """Continue from ``state()``'s data, saved by a run of the same configuration."""
        restore_state(self, state)

    def iterate(self) -> dict:
        """One rollout and one update; the statistics of both."""
        started = time.perf_counter()
        batch = self.collect()
        collected = time.perf_counter()
        stats = self.update(batch)
        self.iteration += 1
        returns = [r for r, _ in batch["episodes"]]
        stats.update({
            "iteration": self.iteration, "env_steps": self.env_steps, "episodes": len(returns),
            "mean_return": float(np.mean(returns)) if returns else None,  # None: no episode ended
            "actor_sparsity": self.actor.sparsity, "critic_sparsity": self.critic.sparsity,
            "actor_connections": self.actor.connections,
            "log_std": float(np.mean(self.log_std)),
            "rollout_seconds": collected - started, "update_seconds": time.perf_counter() - collected,
        })
        return stats

    def train(self, callback=None) -> list[dict]:
        """Run every iteration of the budget; ``callback(stats)`` after each may return True to stop early."""
        history = []
        while self.iteration < self.config.iterations:
            stats = self.iterate()
            history.append(stats)
            if callback is not None and callback(stats):
                break
        return history

    def policy(self) -> MLP:
        """The deterministic policy: the actor's mean action, with frozen observation statistics."""
        return self.actor.copy(freeze_normaliser=True)

    def close(self) -> None:
        self.envs.close()
