"""The lock-step population evaluator: same dynamics as gymnasium.make, same results for any worker count."""

import subprocess
import sys

import gymnasium
import numpy as np
import pytest

from pendulum_zoo.rollout.evaluator import PopulationEvaluator
from pendulum_zoo.networks.policy import NUM_PARAMS, Policy
from pendulum_zoo.rollout.seeding import (
    TRAINING_SEED_LOW,
    evaluation_episode_seeds,
    training_episode_seeds,
)
from tests.conftest import BALANCE_IDS, SWINGUP_IDS


def gymnasium_returns(env_id, params, seeds, max_episode_steps=1000):
    env = gymnasium.make(env_id, max_episode_steps=max_episode_steps)
    result = np.zeros((len(params), len(seeds)))
    lengths = np.zeros((len(params), len(seeds)), dtype=int)
    for p, row in enumerate(params):
        policy = Policy(row)
        for e, seed in enumerate(seeds):
            observation, _ = env.reset(seed=seed)
            total, done = 0.0, False
            while not done:
                observation, reward, terminated, truncated, _ = env.step(policy.act(observation))
                total += reward
                lengths[p, e] += 1
                done = terminated or truncated
            result[p, e] = total
    return result, lengths


def mixed_population(count, seed=0):
    rng = np.random.default_rng(seed)
    masks = (rng.random((count // 2, NUM_PARAMS)) < 0.3).astype(float)
    weights = rng.normal(size=(count - count // 2, NUM_PARAMS)) * 0.5
    return np.concatenate([masks, weights])


@pytest.mark.parametrize("env_id", BALANCE_IDS + SWINGUP_IDS)
def test_returns_equal_those_through_gymnasium_make(env_id):
    params = mixed_population(6)
    seeds = training_episode_seeds(3, 0, 2)
    steps = 1000 if "Swingup" not in env_id else 300  # a shorter cap keeps the test quick
    expected, lengths = gymnasium_returns(env_id, params, seeds, steps)
    with PopulationEvaluator(env_id, workers=1, max_episode_steps=steps, slots=4) as evaluator:
        evaluation = evaluator.evaluate(params, seeds)
    assert np.array_equal(evaluation.returns, expected)
    assert np.array_equal(evaluation.lengths, lengths)
    assert evaluation.steps == lengths.sum()


def test_results_are_identical_whatever_the_number_of_workers_and_slots():
    params = mixed_population(10, seed=1)
    seeds = training_episode_seeds(0, 5, 3)
    results = []
    for workers, slots in ((1, 32), (1, 3), (2, 32), (2, 5)):
        with PopulationEvaluator("pendulum_zoo/InvertedPendulumSwingupWide-v0", workers=workers,
                                 max_episode_steps=200, slots=slots) as evaluator:
            results.append(evaluator.evaluate(params, seeds))
    for other in results[1:]:
        assert np.array_equal(results[0].returns, other.returns)
        assert np.array_equal(results[0].lengths, other.lengths)


def test_every_member_faces_the_same_episodes():
    params = np.tile(mixed_population(2)[1], (3, 1))  # three copies of one policy
    with PopulationEvaluator("pendulum_zoo/InvertedPendulum-v0", workers=1) as evaluator:
        evaluation = evaluator.evaluate(params, [1, 2, 3])
    assert (evaluation.returns == evaluation.returns[0]).all()
    assert len(set(evaluation.returns[0])) > 1  # ... and the episodes differ from one another


def test_workers_run_from_a_script_read_on_stdin():
    # Worker processes never import the parent's __main__, so this cannot hang or fail.
    code = (
        "import numpy as np\n"
        "from pendulum_zoo.rollout.evaluator import PopulationEvaluator\n"
        "with PopulationEvaluator('pendulum_zoo/InvertedPendulum-v0', workers=2) as ev:\n"
        "    print(ev.evaluate(np.zeros((2, 192)), [1, 2]).steps)\n"
    )
    out = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.split()[-1]) > 0


def test_seed_schedules_are_disjoint_and_reproducible():
    training = training_episode_seeds(7, 3, 8)
    assert training == training_episode_seeds(7, 3, 8)
    assert training != training_episode_seeds(7, 4, 8) and training != training_episode_seeds(8, 3, 8)
    assert all(s >= TRAINING_SEED_LOW for s in training)
    assert all(s < 2**32 for s in evaluation_episode_seeds(0, 100))
    assert len(set(evaluation_episode_seeds(0, 100))) == 100


@pytest.mark.parametrize(("bad", "error"), ((0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)))
def test_bad_worker_counts_are_rejected(bad, error):
    # validation.check_integer: not an integer (booleans included) is a TypeError, out of range a ValueError
    with pytest.raises(error, match="workers must be"):
        PopulationEvaluator("pendulum_zoo/InvertedPendulum-v0", workers=bad)


def test_numpy_integers_are_accepted():
    with PopulationEvaluator("pendulum_zoo/InvertedPendulum-v0", workers=np.int64(1), max_episode_steps=np.int32(50),
                             slots=np.int64(2)) as evaluator:
        assert evaluator.evaluate(np.zeros((1, NUM_PARAMS)), [np.uint64(1)], noise_std=np.float32(0.1)).steps > 0


def test_unknown_env_and_empty_seed_lists_are_rejected():
    with pytest.raises(ValueError, match="unknown environment"):
        PopulationEvaluator("CartPole-v1", workers=1)
    with PopulationEvaluator("pendulum_zoo/InvertedPendulum-v0", workers=1) as evaluator:
        with pytest.raises(ValueError, match="at least one seed"):
            evaluator.evaluate(np.zeros((1, NUM_PARAMS)), [])
