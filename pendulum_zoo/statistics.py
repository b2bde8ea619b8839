"""Aggregate scores over runs as rliable does (Agarwal et al. 2021, "Deep RL at the Edge of the Statistical
Precipice"): the interquartile mean and stratified percentile-bootstrap confidence intervals.

Scores are ``(runs,)`` (one task) or ``(runs, tasks)``. The IQM is rliable's ``metrics.aggregate_iqm``:
``scipy.stats.trim_mean(scores, 0.25, axis=None)``, the mean of all runs of all tasks after dropping
``floor(n / 4)`` of the ``n`` scores from each end. Intervals follow ``rliable.library.get_interval_estimates``:
each resample draws, for every task separately, as many runs as it has with replacement (``StratifiedBootstrap``:
runs are resampled within their task, never across), evaluates the statistic, and the interval is the
percentile interval of those values (``method="percentile"``, 50,000 resamples by default). A difference of
two IQMs resamples each side on its own (``StratifiedIndependentBootstrap``). Every resample is drawn at once
(vectorised numpy) from an explicit seed, so an interval is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pendulum_zoo.validation import check_integer, check_number

DEFAULT_RESAMPLES = 50_000  # rliable get_interval_estimates(reps=50000)
DEFAULT_CONFIDENCE = 0.95
TRIM = 0.25  # rliable aggregate_iqm: trim_mean(..., proportiontocut=0.25)


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap confidence interval ``[low, high]``."""

    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_list(self) -> list[float]:
        return [self.estimate, self.low, self.high]


def as_score_matrix(scores, what: str = "scores") -> np.ndarray:
    """``scores`` as a float ``(runs, tasks)`` array: a 1-D sequence is one task. ValueError for an empty, ragged,
    non-numeric or non-finite input."""
    try:
        matrix = np.array(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers arranged as (runs,) or (runs, tasks)") from None
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.size == 0:
        raise ValueError(f"{what} must be a non-empty (runs,) or (runs, tasks) array, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{what} must be finite numbers")
    return matrix


def iqm_rows(samples: np.ndarray) -> np.ndarray:
    """The IQM of every row of a ``(R, n)`` array: sort each row, drop ``floor(n / 4)`` from each end, average."""
    ordered = np.sort(samples, axis=-1)
    count = ordered.shape[-1]
    cut = int(TRIM * count)  # scipy trim_mean: lowercut = int(proportiontocut * nobs)
    return ordered[..., cut:count - cut].mean(axis=-1)


def interquartile_mean(scores) -> float:
    """rliable's aggregate IQM of ``scores`` (all runs of all tasks together)."""
    return float(iqm_rows(as_score_matrix(scores).reshape(1, -1))[0])


def stratified_resamples(matrix: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(resamples, runs * tasks)``: for each resample and each task, ``runs`` draws with replacement from that
    task's runs (rliable ``StratifiedBootstrap.update_indices``: run indices of the scores' shape, tasks kept)."""
    runs, tasks = matrix.shape
    picks = rng.integers(0, runs, size=(resamples, runs, tasks))
    return matrix[picks, np.arange(tasks)].reshape(resamples, runs * tasks)


def bootstrap_iqms(scores, resamples: int = DEFAULT_RESAMPLES, seed=0) -> np.ndarray:
    """The IQM of each of ``resamples`` stratified resamples of ``scores`` (the bootstrap distribution)."""
    matrix = as_score_matrix(scores)
    resamples = check_integer("bootstrap resamples", resamples, 1)
    return iqm_rows(stratified_resamples(matrix, resamples, np.random.default_rng(seed)))


def percentile_interval(estimate: float, distribution: np.ndarray, confidence: float) -> Interval:
    """The percentile bootstrap interval: the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles."""
    confidence = check_number("confidence", confidence, 0.0, 1.0)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(distribution, [tail, 1.0 - tail])
    return Interval(float(estimate), float(low), float(high))


def iqm_interval(scores, *, seed=0, resamples: int = DEFAULT_RESAMPLES,
                 confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The IQM of ``scores`` with its stratified percentile-bootstrap interval; ``seed`` (an int or a
    ``numpy.random.SeedSequence``) fixes the resamples."""
    return percentile_interval(interquartile_mean(scores), bootstrap_iqms(scores, resamples, seed), confidence)


def iqm_difference_interval(scores_a, scores_b, *, seed=0, resamples: int = DEFAULT_RESAMPLES,
                            confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """``IQM(a) - IQM(b)`` with its percentile-bootstrap interval, ``a`` and ``b`` resampled independently
    (their runs are unpaired: different networks trained from their own seeds)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    # the children spawn(2) would make, without spawn's side effect on ``seed`` (a second call gives the same)
    seed_a, seed_b = (np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k)) for k in range(2))
    distribution = bootstrap_iqms(scores_a, resamples, seed_a) - bootstrap_iqms(scores_b, resamples, seed_b)
    estimate = interquartile_mean(scores_a) - interquartile_mean(scores_b)
    return percentile_interval(estimate, distribution, confidence)
