"""PPO: hand-written gradients against finite differences, GAE and autoreset handling, seeds, sparse runs."""

import time

import numpy as np
import pytest

from pendulum_zoo.networks.mlp import MLP, init_weights
from pendulum_zoo.rl import PPO, PPOConfig, SparseConfig
from pendulum_zoo.rl.adam import Adam, clip_global_norm
from pendulum_zoo.rl.losses import gaussian_entropy, gaussian_log_prob, policy_loss, value_loss
from pendulum_zoo.rl.ppo import gae

BALANCE = "pendulum_zoo/InvertedPendulum-v0"
SWINGUP = "pendulum_zoo/InvertedPendulumSwingup-v0"
TINY = {"num_steps": 64, "total_steps": 128, "minibatch_size": 16, "epochs": 2, "actor_hidden": (8, 8),
        "critic_hidden": (8, 8)}


def numeric_gradient(loss, array, step=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + step
        up = loss()
        array[index] = saved - step
        down = loss()
        array[index] = saved
        grad[index] = (up - down) / (2 * step)
    return grad


def small_net(sizes, rng, activation="tanh"):
    masks = [(rng.random((a, b)) < 0.7).astype(float) for a, b in zip(sizes[:-1], sizes[1:])]
    weights = init_weights(sizes, rng, activation=activation, masks=masks)
    biases = [rng.normal(size=b) * 0.1 for b in sizes[1:]]
    return MLP(sizes, activation=activation, weights=weights, biases=biases, masks=masks)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_actor_loss_gradient_matches_finite_differences(activation):
    rng = np.random.default_rng(0)
    actor = small_net((5, 6, 6, 2), rng, activation)
    log_std = np.array([-0.3, 0.2])
    obs, rows = rng.normal(size=(40, 5)), 40
    actions = actor.forward_layers(obs)[0] + rng.normal(size=(rows, 2))
    # old log-probs off by up to +-0.4: some ratios fall outside the clip range, some inside
    old = gaussian_log_prob(actions, actor.forward_layers(obs)[0], log_std) + rng.uniform(-0.4, 0.4, rows)
    advantages = rng.normal(size=rows)
    valid = (rng.random(rows) < 0.9).astype(float)
    weights = valid / valid.sum()

    def loss():
        return policy_loss(actor.forward_layers(obs)[0], log_std, actions, old, advantages, weights, 0.2, 0.01)[0]

    mean, activations = actor.forward_layers(obs)
    _, grad_mean, grad_log_std, info = policy_loss(mean, log_std, actions, old, advantages, weights, 0.2, 0.01)
    assert 0.1 < info["clip_fraction"] < 0.9  # both branches of the clipped objective are exercised
    grad_w, grad_b = actor.backward(activations, grad_mean)
    for array, grad in zip(actor.parameters(), [*grad_w, *grad_b]):
        assert np.allclose(grad, numeric_gradient(loss, array), rtol=1e-5, atol=1e-8)
    assert np.allclose(grad_log_std, numeric_gradient(loss, log_std), rtol=1e-5, atol=1e-8)


def test_critic_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    critic = small_net((5, 7, 7, 1), rng)
    obs, returns = rng.normal(size=(30, 5)), rng.normal(size=30)
    weights = np.full(30, 1 / 30)

    def loss():
        return value_loss(critic.forward_layers(obs)[0][:, 0], returns, weights, 0.5)[0]

    values, activations = critic.forward_layers(obs)
    _, grad_values = value_loss(values[:, 0], returns, weights, 0.5)
    grad_w, grad_b = critic.backward(activations, grad_values[:, None])
    for array, grad in zip(critic.parameters(), [*grad_w, *grad_b]):
        assert np.allclose(grad, numeric_gradient(loss, array), rtol=1e-5, atol=1e-8)


def test_gaussian_formulas():
    mean, log_std = np.array([[0.5, -1.0]]), np.array([0.1, -0.4])
    action = np.array([[0.2, 0.3]])
    std = np.exp(log_std)
    expected = np.sum(-0.5 * ((action - mean) / std) ** 2 - np.log(std * np.sqrt(2 * np.pi)))
    assert np.isclose(gaussian_log_prob(action, mean, log_std)[0], expected)
    assert np.isclose(gaussian_entropy(log_std), np.sum(0.5 * np.log(2 * np.pi * np.e * std ** 2)))


def reference_gae(rewards, values, last_value, terminated, done, gamma, lam):
    """Per copy, a plain loop over steps, written independently of ``gae``."""
    steps, copies = rewards.shape
    advantages = np.zeros_like(rewards)
    for n in range(copies):
        following = 0.0
        for t in reversed(range(steps)):
            next_value = last_value[n] if t == steps - 1 else values[t + 1, n]
            if terminated[t, n]:
                next_value = 0.0
            delta = rewards[t, n] + gamma * next_value - values[t, n]
            following = delta + (0.0 if done[t, n] else gamma * lam * following)
            advantages[t, n] = following
    return advantages


def test_gae_matches_a_plain_loop():
    rng = np.random.default_rng(2)
    shape = (50, 3)
    done = (rng.random(shape) < 0.1).astype(float)
    terminated = done * (rng.random(shape) < 0.5)
    args = (rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=3), terminated, done, 0.99, 0.95)
    advantages, returns = gae(*args)
    assert np.allclose(advantages, reference_gae(*args))
    assert np.allclose(returns, advantages + args[1])


def test_truncated_episodes_bootstrap_from_their_final_observation():
    # swing-up never terminates: every episode is truncated at 1000 steps, the next step is an autoreset
    ppo = PPO(PPOConfig(env_id=SWINGUP, **{**TINY, "num_steps": 1003, "total_steps": 2006, "num_envs": 2}))
    try:
        batch = ppo.collect()
    finally:
        ppo.close()
    assert np.all(batch["done"][999] == 1.0) and np.all(batch["terminated"] == 0.0)
    assert np.all(batch["valid"][1000] == 0.0) and batch["valid"].sum() == 2 * 1002
    assert [length for _, length in batch["episodes"]] == [1000, 1000]
    assert np.allclose(np.sum(batch["rewards"][:1000], axis=0), [r for r, _ in batch["episodes"]])
    # the last transition of each episode: r + gamma * V(final observation) - V(obs), V(final) from row 1000
    expected = batch["rewards"][999] + 0.99 * batch["values"][1000] - batch["values"][999]
    assert np.allclose(batch["advantages"][999], expected)
    assert np.all(batch["rewards"][1000] == 0.0)


def test_terminated_episodes_and_autoreset_rows_on_balance():
    ppo = PPO(PPOConfig(env_id=BALANCE, **{**TINY, "num_steps": 300, "num_envs": 3}))
    try:
        batch = ppo.collect()
    finally:
        ppo.close()
    done, valid = batch["done"], batch["valid"]
    assert done.sum() > 3 and np.array_equal(batch["terminated"], done)  # a random policy falls, never truncates
    assert np.array_equal(valid[1:], 1.0 - done[:-1]) and np.all(valid[0] == 1.0)  # autoreset after each end
    assert np.all(batch["advantages"][done == 1.0] == (batch["rewards"] - batch["values"])[done == 1.0])
    lengths = sum(length for _, length in batch["episodes"])
    assert lengths + ppo.episode_length.sum() == valid.sum()


def run_params(**overrides):
    ppo = PPO(PPOConfig(**{**TINY, **overrides}))
    try:
        history = ppo.train()
    finally:
        ppo.close()
    return [p.copy() for p in ppo.params], history


def test_same_seed_same_run_and_different_seed_different_run():
    first, history = run_params(seed=3, normalize_obs=True, normalize_reward=True)
    second, _ = run_params(seed=3, normalize_obs=True, normalize_reward=True)
    third, _ = run_params(seed=4, normalize_obs=True, normalize_reward=True)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not all(np.array_equal(a, b) for a, b in zip(first, third))
    assert len(history) == 2 and history[-1]["env_steps"] == 128


@pytest.mark.parametrize("method", ["dense", "static", "set", "rigl", "prune"])
def test_every_method_keeps_masked_weights_zero_in_ppo(method, monkeypatch):
    sparse = SparseConfig(method=method, update_interval=None if method in ("dense", "static") else 3,
                          distribution="uniform" if method == "set" else "erk")
    ppo = PPO(PPOConfig(**{**TINY, "sparse": sparse, "total_steps": 256}))
    original = ppo.sparse.after_step
    calls = []

    def checked(step, dense_grads, optimiser):
        changed = original(step, dense_grads, optimiser)
        for net in (ppo.actor, ppo.critic):
            for weight, mask in zip(net.weights, net.masks):
                assert np.all(weight[mask == 0.0] == 0.0)
        calls.append(changed)
        return changed

    monkeypatch.setattr(ppo.sparse, "after_step", checked)
    try:
        ppo.train()
    finally:
        ppo.close()
    assert len(calls) == ppo.config.optimiser_steps
    if method == "dense":
        assert ppo.actor.sparsity == 0.0 and not any(calls)
    else:
        target = 0.9
        assert abs(ppo.actor.sparsity - target) < 0.02 and abs(ppo.critic.sparsity - target) < 0.02
        assert any(calls) == (method != "static")


def test_adam_matches_torch_arithmetic_and_clipping():
    param = np.array([1.0, -2.0])
    adam = Adam([param], lr=0.1, eps=1e-8)
    adam.step([np.array([0.5, -1.0])])
    assert np.allclose(param, [0.9, -1.9])  # first step moves each entry by lr * sign(gradient)
    grads = [np.array([3.0, 0.0]), np.array([4.0])]
    assert clip_global_norm(grads, 1.0) == 5.0
    assert np.isclose(np.sqrt(sum(np.sum(g * g) for g in grads)), 1.0, atol=1e-6)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"num_envs": 0}, ValueError, "num envs must be at least 1"),
    ({"env_id": "CartPole-v2"}, ValueError, "unknown environment 'CartPole-v2'"),
    ({"learning_rate": "fast"}, TypeError, "learning rate must be a number"),
    ({"gamma": 1.5}, ValueError, "gamma must be at most 1"),
    ({"actor_hidden": 64}, TypeError, "actor hidden widths must be a sequence"),
    ({"init": "orthogonal"}, ValueError, "init must be one of"),
    ({"sparse": "rigl"}, TypeError, "sparse must be a SparseConfig"),
])
def test_bad_ppo_options_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        PPOConfig(**kwargs)


def test_env_ids_are_resolved_and_discrete_actions_refused():
    assert PPOConfig(env_id="InvertedPendulum-v0").env_id == BALANCE
    with pytest.raises(ValueError, match="continuous"):
        PPO(PPOConfig(env_id="CartPole-v1", **TINY))


@pytest.mark.slow
def test_ppo_solves_balance_from_a_small_budget():
    from pendulum_zoo.protocol import evaluate

    from pendulum_zoo.rl.settings import ppo_config

    started = time.perf_counter()
    ppo = PPO(ppo_config(BALANCE, seed=0))  # the tuned settings: 8 env copies, 100k steps
    try:
        ppo.train()
    finally:
        ppo.close()
    agent = ppo.policy()
    report = evaluate(agent.act, BALANCE, episodes=10, seed=0, workers=1)
    print(f"trained and evaluated in {time.perf_counter() - started:.1f} s")
    assert np.mean(report.returns) == 1000.0
