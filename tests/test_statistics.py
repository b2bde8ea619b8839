"""IQM and stratified bootstrap intervals (studies/statistics.py) against hand computations."""

import numpy as np
import pytest

from pendulum_zoo.protocol.report import interquartile_mean as protocol_iqm
from pendulum_zoo.statistics import (
    bootstrap_iqms,
    interquartile_mean,
    iqm_difference_interval,
    iqm_interval,
    iqm_rows,
)


def test_iqm_drops_a_quarter_from_each_end():
    assert interquartile_mean([1, 2, 3, 4, 5, 6, 7, 8]) == 4.5  # 3, 4, 5, 6 kept
    assert interquartile_mean([100, 1, 3, 2, 4]) == 3.0  # floor(5 / 4) = 1 dropped each end: 2, 3, 4
    assert interquartile_mean([7, 9, 2]) == 6.0  # fewer than four runs: nothing dropped, the mean
    assert interquartile_mean([[1, 10], [2, 20], [3, 30], [4, 40]]) == 9.25  # 8 scores of 2 tasks: 3, 4, 10, 20 kept


def test_iqm_agrees_with_the_protocols_iqm_over_episodes():
    values = np.random.default_rng(3).normal(size=37)
    assert interquartile_mean(values) == pytest.approx(protocol_iqm(values), abs=1e-12)


def test_iqm_rows_is_row_by_row():
    rows = np.array([[4.0, 1.0, 3.0, 2.0], [10.0, 0.0, 0.0, 10.0]])
    assert iqm_rows(rows).tolist() == [2.5, 5.0]


def test_bootstrap_distribution_of_two_runs_matches_the_exact_one():
    # runs 0 and 1: a resample is (0, 0), (0, 1), (1, 0) or (1, 1), IQM (no trimming at n = 2) 0, 0.5, 0.5, 1
    values, counts = np.unique(bootstrap_iqms([0.0, 1.0], resamples=40_000, seed=1), return_counts=True)
    assert values.tolist() == [0.0, 0.5, 1.0]
    assert counts / counts.sum() == pytest.approx([0.25, 0.5, 0.25], abs=0.01)
    interval = iqm_interval([0.0, 1.0], seed=1, resamples=40_000)
    assert (interval.estimate, interval.low, interval.high) == (0.5, 0.0, 1.0)


def test_resampling_is_stratified_by_task():
    # task 0 always scores 0, task 1 always 10: every stratified resample holds two 0s and two 10s, IQM 5;
    # pooling the tasks would also draw four 0s or four 10s
    scores = np.array([[0.0, 10.0], [0.0, 10.0]])
    assert set(bootstrap_iqms(scores, resamples=2000, seed=0).tolist()) == {5.0}
    pooled = bootstrap_iqms(scores.reshape(-1), resamples=2000, seed=0)
    assert pooled.min() == 0.0 and pooled.max() == 10.0


def test_interval_is_reproducible_from_its_seed_and_covers_the_estimate():
    scores = np.random.default_rng(0).normal(800.0, 30.0, size=5)
    first, again = iqm_interval(scores, seed=7, resamples=5000), iqm_interval(scores, seed=7, resamples=5000)
    assert first == again
    assert np.array_equal(bootstrap_iqms(scores, 100, seed=7), bootstrap_iqms(scores, 100, seed=7))
    assert not np.array_equal(bootstrap_iqms(scores, 100, seed=7), bootstrap_iqms(scores, 100, seed=8))
    assert first.low < first.estimate < first.high
    assert min(scores) <= first.low and first.high <= max(scores)
    wider = iqm_interval(scores, seed=7, resamples=5000, confidence=0.99)
    assert wider.low <= first.low and wider.high >= first.high


def test_difference_of_iqms():
    exact = iqm_difference_interval([10.0, 10.0, 10.0], [3.0, 3.0], resamples=100)
    assert exact.as_list() == [7.0, 7.0, 7.0]
    seed = np.random.SeedSequence(5)
    noisy = iqm_difference_interval([1.0, 2.0, 3.0, 4.0], [0.0, 1.0], seed=seed, resamples=3000)
    assert noisy == iqm_difference_interval([1.0, 2.0, 3.0, 4.0], [0.0, 1.0], seed=seed, resamples=3000)
    assert noisy.estimate == 2.5 - 0.5 and noisy.low < 2.0 < noisy.high
    assert noisy.contains(2.0) and not noisy.contains(100.0)


@pytest.mark.parametrize("scores", ([], [1.0, float("nan")], [[1.0, 2.0], [3.0]], ["a", "b"], np.zeros((2, 2, 2))))
def test_bad_scores_are_refused(scores):
    with pytest.raises(ValueError, match="scores"):
        interquartile_mean(scores)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="confidence"):
        iqm_interval([1.0, 2.0], confidence=1.5)
    with pytest.raises(ValueError, match="resamples"):
        iqm_interval([1.0, 2.0], resamples=0)
