"""Behavioural cloning: the teacher's trajectories without autoreset rows, a fixed student mask, and a student
that reaches its teacher's protocol score on balance from a small budget."""

import numpy as np
import pytest

import pendulum_zoo
from pendulum_zoo.envs.pendulum import BALANCE_ANGLE_LIMIT
from pendulum_zoo.rl.bc import BCConfig, article_teacher, behavioural_cloning, collect

BALANCE = "pendulum_zoo/InvertedPendulum-v0"


def test_collect_keeps_only_states_where_the_teacher_acts():
    push = lambda obs: np.ones(obs.shape[0])  # full force one way: the pole falls within a few dozen steps
    obs, actions, returns = collect(push, BALANCE, 400, 2, seed=4)
    assert len(returns) >= 4 and obs.shape[1] == 5 and actions.shape == (obs.shape[0], 1)
    assert 400 - len(returns) <= obs.shape[0] <= 400 - len(returns) + 2  # one autoreset row per episode end
    angles = np.arctan2(obs[:, 3], obs[:, 2])
    assert np.all(np.abs(angles) <= BALANCE_ANGLE_LIMIT)  # no final (terminal) observation was kept
    again = collect(push, BALANCE, 400, 2, seed=4)
    assert np.array_equal(again[0], obs)


def test_the_student_keeps_its_mask():
    rng = np.random.default_rng(0)
    config = BCConfig(hidden=(8,), epochs=2, teacher_steps=200, num_envs=2)
    masks = [(rng.random((5, 8)) < 0.5).astype(float), np.ones((8, 1))]
    weights = [rng.normal(size=(5, 8)), rng.normal(size=(8, 1))]
    data = (rng.normal(size=(200, 5)), rng.normal(size=(200, 1)))
    student, stats = behavioural_cloning(None, config, initial=(masks, weights), data=data)
    assert np.all(student.weights[0][masks[0] == 0] == 0) and np.array_equal(student.masks[0], masks[0])
    assert stats["bc_loss"] < stats["bc_loss_first_epoch"]


@pytest.mark.parametrize("algorithm", ["mk1"])
def test_bc_reaches_its_teachers_score_on_balance(algorithm):
    from pendulum_zoo.protocol.scoring import evaluate

    teacher = pendulum_zoo.load_champion(algorithm, BALANCE)
    student, _ = behavioural_cloning(article_teacher(teacher.params), BCConfig(env_id=BALANCE, seed=1))
    teacher_score = np.mean(evaluate(teacher, BALANCE, episodes=20, seed=0, workers=1).returns)
    student_score = np.mean(evaluate(student.act, BALANCE, episodes=20, seed=0, workers=1).returns)
    assert student_score >= 0.99 * teacher_score
