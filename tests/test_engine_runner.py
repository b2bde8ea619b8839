"""Training and scoring on the batched engine equal the pybullet path bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from pendulum_zoo.envs.pendulum import seeded_pole_angle
from pendulum_zoo.networks.policy import NUM_PARAMS, Policy, forward
from pendulum_zoo.protocol.agent import Agent
from pendulum_zoo.protocol.scoring import evaluate
from pendulum_zoo.rollout import engine_runner
from pendulum_zoo.rollout.engine_runner import EngineRunner
from pendulum_zoo.rollout.evaluator import PopulationEvaluator
from pendulum_zoo.rollout.lockstep import LockstepRunner
from pendulum_zoo.rollout.seeding import observation_noise_rng, training_episode_seeds
from pendulum_zoo.zoo import load_champion

TASKS = [(False, 1.0, "InvertedPendulum-v0"), (True, 1.0, "InvertedPendulumSwingup-v0"),
         (True, 2.0, "InvertedPendulumSwingupWide-v0"), (False, 1.7, None)]


def _jobs(swingup: bool, env: str | None, count: int = 40):
    rng = np.random.default_rng(len(env or "") + count)
    params = rng.normal(0.0, 1.5, (count, NUM_PARAMS)) * (rng.random((count, NUM_PARAMS)) < 0.4)
    if env is not None:
        params[:4] = load_champion("mk1", env).params  # episodes that last, besides ones that end early
    angles = np.array([seeded_pole_angle(seed, swingup) for seed in range(count)])
    return params, angles, np.arange(count, dtype=np.uint64) + 11


@pytest.mark.parametrize("swingup, width, env", TASKS)
@pytest.mark.parametrize("noise_std", [0.0, 0.07])
def test_engine_runner_equals_the_lockstep_runner(swingup, width, env, noise_std):
    params, angles, seeds = _jobs(swingup, env)
    expected = LockstepRunner(width, swingup, max_episode_steps=300).run(params, angles, seeds, noise_std)
    returns, lengths = EngineRunner(width, swingup, max_episode_steps=300).run(params, angles, seeds, noise_std)
    assert returns.view(np.int64).tolist() == expected[0].view(np.int64).tolist()
    assert lengths.tolist() == expected[1].tolist()
    if not swingup:  # the batch shed ended episodes (and was compacted) along the way
        assert len(set(lengths.tolist())) > 3


def test_balance_batches_are_compacted_and_still_exact(monkeypatch):
    calls = []
    params, angles, seeds = _jobs(False, "InvertedPendulum-v0", count=64)
    original = engine_runner.forward_rows

    def counting(w1, w2, observations):
        calls.append(observations.shape[1])
        return original(w1, w2, observations)

    monkeypatch.setattr(engine_runner, "forward_rows", counting)
    returns, _ = EngineRunner(1.0, False, max_episode_steps=200).run(params, angles)
    assert calls[0] == 64 and min(calls) < 48  # rows left the batch
    assert np.array_equal(returns, LockstepRunner(1.0, False, max_episode_steps=200).run(params, angles)[0])


def test_noise_drawn_in_blocks_is_the_noise_drawn_step_by_step():
    blocks = engine_runner._NoiseBlocks(np.array([5, 9], dtype=np.uint64), 0.3, 2)
    stepwise = observation_noise_rng(9)
    for step in range(2 * engine_runner.NOISE_BLOCK_STEPS + 3):
        assert np.array_equal(blocks.draw(np.array([1]), step)[0], stepwise.normal(0.0, 0.3, 5))


@pytest.mark.parametrize("workers", [1, 2])
def test_evaluator_engines_give_identical_returns(workers):
    env = "pendulum_zoo/InvertedPendulum-v0"
    params, _, _ = _jobs(False, "InvertedPendulum-v0", count=12)
    seeds = training_episode_seeds(3, 1, 5)
    results = []
    for engine in ("numpy", "pybullet"):
        with PopulationEvaluator(env, workers=workers, engine=engine, max_episode_steps=400) as evaluator:
            results.append(evaluator.evaluate(params, seeds, noise_std=0.02))
    assert np.array_equal(results[0].returns, results[1].returns)
    assert np.array_equal(results[0].lengths, results[1].lengths)


def test_an_unknown_engine_is_named():
    with pytest.raises(ValueError, match="engine must be one of 'numpy', 'pybullet', got 'bullet'"):
        PopulationEvaluator("pendulum_zoo/InvertedPendulum-v0", workers=1, engine="bullet")


def _batch_agent(policy: Policy, batch_act=None) -> Agent:
    return Agent("the champion as a batch agent", "test",
                 act=lambda obs: forward(policy.params[None], obs[None, None])[0, 0].reshape(1),
                 batch_act=batch_act or (lambda obs: forward(policy.params[None], obs[None])[0]))


def test_batch_agents_score_as_networks_and_as_episode_by_episode_agents():
    env = "pendulum_zoo/InvertedPendulumSwingup-v0"
    policy = load_champion("mk2", env)
    network = evaluate(policy, env, episodes=6, noise=[0.05])
    batched = evaluate(_batch_agent(policy), env, episodes=6, noise=[0.05])
    stepwise = evaluate(_batch_agent(policy), env, episodes=6, noise=[0.05], engine="pybullet")
    assert batched.returns == network.returns == stepwise.returns
    assert batched.robustness == network.robustness == stepwise.robustness


def test_a_batch_agent_returning_nan_is_a_reported_failure():
    env = "pendulum_zoo/InvertedPendulum-v0"
    policy = load_champion("mk1", env)
    report = evaluate(_batch_agent(policy, lambda obs: np.full(len(obs), np.nan)), env, episodes=3)
    assert report.returns == [] and "non-finite action" in report.failure["error"]
