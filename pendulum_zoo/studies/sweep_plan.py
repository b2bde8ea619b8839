"""The sparsity sweep's plan: a data file naming the task, methods, sparsities, seeds, PPO settings and budgets,
and the runs it implies (Graesser et al. 2022, Figure 2: final return against parameter count).

A plan (``evaluation/sparsity-sweep/plan.json``) lists every setting a run depends on, so that settings tuned
elsewhere (PPO's swing-up settings) are dropped in as data. It implies these groups of runs, each over every
seed:

- ``METHOD-S``: a sparse method (static, SET, RigL, gradual pruning) at target sparsity S, layer sparsities
  from the plan's distribution (ERK), on the full-width actor and critic;
- ``dense-S``: a dense network narrowed to the weight count of sparsity S (``rl.sparse.matched_dense_width``,
  the paper's "parameter-equivalent dense baseline", section 3), when ``dense_matched``;
- ``dense``: the full-width dense network, when ``dense_full``.

A run is named ``GROUP-seedN``. Runs go seed by seed, so a sweep stopped half way has every group at fewer
seeds rather than some groups complete and others missing.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.rl.ppo import PPOConfig
from pendulum_zoo.rl.sparse import DISTRIBUTIONS, SPARSE_METHODS, SparseConfig, matched_dense_width
from pendulum_zoo.rollout.seeding import check_seed
from pendulum_zoo.storage.fileio import read_json
from pendulum_zoo.validation import check_integer, check_number, did_you_mean, quote

PLAN_FORMAT = "pendulum-zoo/sparsity-sweep-plan"
PLAN_VERSION = 1
DENSE = "dense"
SWEEP_METHODS = tuple(method for method in SPARSE_METHODS if method != DENSE)  # static, set, rigl, prune
# PPOConfig fields the sweep sets itself, per run; the plan's "ppo" section gives any of the others
RUN_FIELDS = ("env_id", "seed", "sparse", "actor_hidden", "critic_hidden")
PLAN_KEYS = ("format", "format_version", "about", "env_id", "seeds", "methods", "sparsities", "distribution",
             "hidden", "dense_matched", "dense_full", "ppo", "sparse", "evaluation", "analysis", "timing")
OPTIONAL_KEYS = ("about", "sparse", "timing")
EVALUATION_KEYS = ("episodes", "seed")
ANALYSIS_KEYS = ("bootstrap_resamples", "confidence", "seed", "no_loss_tolerance")
TIMING_KEYS = ("run_seconds", "measured")


def group_name(method: str, sparsity: float) -> str:
    """The name of the runs that differ only by seed: ``rigl-0.9``, ``dense-0.9`` (narrowed), ``dense`` (full)."""
    return DENSE if method == DENSE and sparsity == 0.0 else f"{method}-{sparsity:g}"


@dataclass(frozen=True)
class SweepRun:
    """One training run of the sweep: ``method`` at ``sparsity`` (for a narrowed dense network, the sparsity
    whose weight count it matches; 0 for the full dense network) with ``hidden`` widths, from ``seed``."""

    method: str
    sparsity: float
    seed: int
    hidden: tuple[int, ...]

    @property
    def group(self) -> str:
        return group_name(self.method, self.sparsity)

    @property
    def name(self) -> str:
        return f"{self.group}-seed{self.seed}"


@dataclass(frozen=True)
class Analysis:
    """How results are aggregated: bootstrap resamples, confidence, seed, and the tolerance of "no loss"."""

    bootstrap_resamples: int
    confidence: float
    seed: int
    no_loss_tolerance: float  # a fraction of the full dense network's IQM


@dataclass(frozen=True)
class SweepPlan:
    env_id: str
    seeds: tuple[int, ...]
    methods: tuple[str, ...]
    sparsities: tuple[float, ...]
    distribution: str
    hidden: tuple[int, ...]
    dense_matched: bool
    dense_full: bool
    ppo: dict[str, Any]
    sparse: dict[str, dict[str, Any]]
    evaluation_episodes: int
    evaluation_seed: int
    analysis: Analysis
    timing: dict[str, Any] | None
    data: dict[str, Any]  # the plan as read, for worker processes and the summary
    source: str = "plan"

    def runs(self) -> list[SweepRun]:
        """Every run of the plan, seed by seed."""
        runs = []
        for seed in self.seeds:
            if self.dense_full:
                runs.append(SweepRun(DENSE, 0.0, seed, self.hidden))
            for sparsity in self.sparsities:
                if self.dense_matched:
                    runs.append(SweepRun(DENSE, sparsity, seed, self.narrowed(sparsity)))
                runs.extend(SweepRun(method, sparsity, seed, self.hidden) for method in self.methods)
        return runs

    def narrowed(self, sparsity: float) -> tuple[int, ...]:
        """Hidden widths of the dense network with about as many weights as the actor at ``sparsity``."""
        width = matched_dense_width(actor_sizes(self.env_id, self.hidden), sparsity)
        return (width,) * len(self.hidden)

    def ppo_config(self, run: SweepRun) -> PPOConfig:
        """The run's complete PPO settings: the plan's, the run's networks and sparse-training method."""
        sparse = SparseConfig(method=run.method, sparsity=None if run.method == DENSE else run.sparsity,
                              distribution=self.distribution, **self.sparse.get(run.method, {}))
        return PPOConfig(env_id=self.env_id, seed=run.seed, actor_hidden=run.hidden, critic_hidden=run.hidden,
                         sparse=sparse, **self.ppo)

    def estimated_hours(self, workers: int) -> float | None:
        """Wall time of the whole plan from the measured time of one run, or None when none is recorded."""
        return None if self.timing is None else sweep_hours(self.timing["run_seconds"], len(self.runs()), workers)


def sweep_hours(run_seconds: float, runs: int, workers: int) -> float:
    """Hours for ``runs`` runs of ``run_seconds`` each, ``workers`` at a time (runs take about equally long)."""
    return run_seconds * runs / check_integer("workers", workers, 1) / 3600.0


@functools.cache
def _space_sizes(env_id: str) -> tuple[int, int]:
    env = gymnasium.make(env_id)
    try:
        return int(np.prod(env.observation_space.shape)), int(np.prod(env.action_space.shape))
    finally:
        env.close()


def actor_sizes(env_id: str, hidden: tuple[int, ...]) -> tuple[int, ...]:
    """Layer widths of the acting network on ``env_id``: observation size, ``hidden``, action size."""
    inputs, outputs = _space_sizes(canonical_env_id(env_id))
    return (inputs, *hidden, outputs)


def load_plan(path: str) -> SweepPlan:
    """Read and check a plan file; ValueError naming the file and the problem."""
    return parse_plan(read_json(path, "sweep plan"), f"sweep plan {path}")


def parse_plan(data: Any, source: str = "sweep plan") -> SweepPlan:
    try:
        return _parse(data, source)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source}: {error}") from None


def _parse(data: Any, source: str) -> SweepPlan:
    _check_keys(data, PLAN_KEYS, "the plan", optional=OPTIONAL_KEYS)
    if data["format"] != PLAN_FORMAT or data["format_version"] != PLAN_VERSION:
        raise ValueError(f"not a version {PLAN_VERSION} {PLAN_FORMAT} file (format {quote(data['format'])}, "
                         f"version {quote(data['format_version'])})")
    env_id = canonical_env_id(data["env_id"])
    seeds = tuple(check_seed(seed, "a seed") for seed in _list(data["seeds"], "seeds"))
    methods = tuple(_list(data["methods"], "methods", allow_empty=True))
    for method in methods:
        if method not in SWEEP_METHODS:
            raise ValueError(f"methods: {quote(method)} is not one of {', '.join(SWEEP_METHODS)}"
                             f"{did_you_mean(method, SWEEP_METHODS)}")
    sparsities = tuple(check_number("a sparsity", value, 0.0, 1.0) for value in _list(data["sparsities"], "sparsities"))
    if any(not 0.0 < value < 1.0 for value in sparsities):
        raise ValueError(f"sparsities must lie strictly between 0 and 1, got {quote(list(sparsities))}")
    if data["distribution"] not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {quote(data['distribution'])}")
    hidden = tuple(check_integer("a hidden width", width, 1) for width in _list(data["hidden"], "hidden"))
    flags = {}
    for name in ("dense_matched", "dense_full"):
        if not isinstance(data[name], bool):
            raise TypeError(f"{name} must be true or false, got {quote(data[name])}")
        flags[name] = data[name]
    ppo = _check_ppo(data["ppo"])
    sparse = data.get("sparse", {})
    _check_keys(sparse, SPARSE_METHODS, "sparse", optional=SPARSE_METHODS)
    option_names = [field.name for field in dataclasses.fields(SparseConfig)
                    if field.name not in ("method", "sparsity", "distribution")]  # the plan's own
    for method, options in sparse.items():
        _check_keys(options, option_names, f"sparse.{method}", optional=option_names)
    evaluation = data["evaluation"]
    _check_keys(evaluation, EVALUATION_KEYS, "evaluation")
    analysis = data["analysis"]
    _check_keys(analysis, ANALYSIS_KEYS, "analysis")
    timing = data.get("timing")
    if timing is not None:
        _check_keys(timing, TIMING_KEYS, "timing")
        if not isinstance(timing["measured"], str):
            raise TypeError(f"timing.measured must say how the run was measured, got {quote(timing['measured'])}")
        timing = {"run_seconds": check_number("timing.run_seconds", timing["run_seconds"], positive=True),
                  "measured": timing["measured"]}
    plan = SweepPlan(
        env_id=env_id, seeds=seeds, methods=methods, sparsities=sparsities, distribution=data["distribution"],
        hidden=hidden, ppo=ppo, sparse=sparse, **flags,
        evaluation_episodes=check_integer("evaluation.episodes", evaluation["episodes"], 1),
        evaluation_seed=check_seed(evaluation["seed"], "evaluation.seed"),
        analysis=Analysis(
            bootstrap_resamples=check_integer("analysis.bootstrap_resamples", analysis["bootstrap_resamples"], 1),
            confidence=check_number("analysis.confidence", analysis["confidence"], 0.0, 1.0),
            seed=check_seed(analysis["seed"], "analysis.seed"),
            no_loss_tolerance=check_number("analysis.no_loss_tolerance", analysis["no_loss_tolerance"], 0.0, 1.0)),
        timing=timing, data=data, source=source)
    runs = plan.runs()
    if not runs:
        raise ValueError("the plan names no run: give methods and sparsities, or dense_full")
    names = [run.name for run in runs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"the plan names some runs twice (a seed or sparsity given twice?): {', '.join(repeated)}")
    widths = [plan.narrowed(s) for s in sparsities] if plan.dense_matched else []
    if len(set(widths)) < len(widths):
        raise ValueError(f"two sparsities narrow the dense network to the same width ({quote(widths)})")
    for run in runs[:len(runs) // len(seeds)]:  # every group's settings build (a bad sparse option...)
        plan.ppo_config(run)
    return plan


def _check_ppo(ppo: Any) -> dict[str, Any]:
    names = [field.name for field in dataclasses.fields(PPOConfig) if field.name not in RUN_FIELDS]
    _check_keys(ppo, names, "ppo", optional=names)
    PPOConfig(**ppo)  # every value checked by PPOConfig itself
    return dict(ppo)


def _check_keys(section: Any, allowed, what: str, optional=()) -> None:
    if not isinstance(section, dict):
        raise TypeError(f"{what} must be a JSON object, got {quote(section)}")
    for key in section:
        if key not in allowed:
            raise ValueError(f"{what} has an unknown key {quote(key)}{did_you_mean(key, allowed)}; "
                             f"known: {', '.join(allowed)}")
    missing = [key for key in allowed if key not in section and key not in optional]
    if missing:
        raise ValueError(f"{what} lacks {', '.join(missing)}")


def _list(value: Any, what: str, allow_empty: bool = False) -> list:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise TypeError(f"{what} must be a {'' if allow_empty else 'non-empty '}list, got {quote(value)}")
    return value
