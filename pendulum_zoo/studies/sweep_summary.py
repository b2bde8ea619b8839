"""The sweep's numbers: per group of runs, the IQM over seeds of the final return with its 95% stratified
bootstrap interval; the comparisons behind the paper's three claims, with their verdicts; the zoo's champions
on the same axes. ``summary.json`` holds them, and the plot and the commentary are drawn from it alone.

Parameter count: the acting network's connections, its nonzero weights (biases and the log-std not counted),
as the zoo counts its champions' connections; the critic is trained alongside at the same sparsity but does
not act. A run's score is the protocol's mean return of its final deterministic policy (the paper's "final
reward"). Claims (Graesser et al. 2022, section 4):

1. "performance obtained by sparse networks significantly exceeds that of their dense counterparts with a
   comparable number of parameters": each method at each sparsity against the dense network narrowed to that
   sparsity's weight count; better or worse when the 95% interval of the IQM difference excludes 0.
2. "It is possible to train sparse networks with up to 80-90% fewer parameters and without loss in
   performance compared to the standard dense model": each method against the full dense network; "no loss"
   when the interval's lower end is above minus the plan's tolerance (a fraction of the dense IQM), "loss"
   when its upper end is below it.
3. "Gradient based growing (i.e. RigL) seems to have limited impact": RigL against SET at each sparsity; the
   paper's evidence is overlapping intervals, here an interval of the difference containing 0.
"""

from __future__ import annotations

import statistics as stats
import zlib
from typing import Any

import numpy as np

from pendulum_zoo.envs.registration import solved_threshold
from pendulum_zoo.statistics import Interval, iqm_difference_interval, iqm_interval
from pendulum_zoo.studies.sweep_plan import DENSE, SweepPlan, group_name, sweep_hours
from pendulum_zoo.validation import check_integer
from pendulum_zoo.zoo import champion_keys, champion_name, load_champion, protocol_score

SUMMARY_FORMAT = "pendulum-zoo/sparsity-sweep-summary"
SUMMARY_VERSION = 1
MIN_RUNS = 2  # a group with fewer finished runs has no interval worth comparing
NO_LOSS_SPARSITIES = (0.8, 0.9)  # claim 2: "80-90% fewer parameters"
BETTER, WORSE, SAME = "better", "worse", "no significant difference"
NO_LOSS, LOSS, UNDECIDED = "no loss", "loss", "inconclusive"
TOO_FEW = "too few runs"
WORKER_COUNTS = (1, 2)  # the wall-time estimates given: one process, and one per core of this machine


def _seed(plan: SweepPlan, *labels: str) -> np.random.SeedSequence:
    """The bootstrap seed of a group or comparison: the plan's analysis seed and a checksum of its labels, so
    that adding a group changes no other interval."""
    return np.random.SeedSequence([plan.analysis.seed, *(zlib.crc32(label.encode()) for label in labels)])


def summarise(plan: SweepPlan, results: dict[str, dict[str, Any]], zoo: list[dict] | None = None) -> dict[str, Any]:
    """Every number the plot and the commentary show, from ``results`` (run name -> result record)."""
    analysis = plan.analysis
    options = {"resamples": analysis.bootstrap_resamples, "confidence": analysis.confidence}
    members: dict[str, list] = {}
    for run in plan.runs():
        members.setdefault(run.group, [])
        if run.name in results:
            members[run.group].append(results[run.name])
    groups = []
    for run in plan.runs()[:len(plan.runs()) // len(plan.seeds)]:  # one run per group, in plan order
        found = members[run.group]
        entry = {"group": run.group, "method": run.method, "sparsity": run.sparsity, "hidden": list(run.hidden),
                 "narrowed": run.method == DENSE and run.sparsity > 0.0, "planned": len(plan.seeds),
                 "runs": len(found), "seeds": [r["seed"] for r in found], "scores": [r["score"] for r in found],
                 "connections": sorted({r["actor"]["connections"] for r in found}), "iqm": None}
        if found:
            entry["iqm"] = iqm_interval(entry["scores"], seed=_seed(plan, run.group), **options).as_list()
        groups.append(entry)
    by_name = {entry["group"]: entry for entry in groups}

    def compare(entry: dict, against: str, judge, into: list) -> None:
        """Append the comparison of ``entry`` with group ``against`` (when the plan has it) to ``into``."""
        other = by_name.get(against)
        if other is None:
            return
        comparison = {"group": entry["group"], "method": entry["method"], "sparsity": entry["sparsity"],
                      "against": against, "difference": None, "verdict": TOO_FEW}
        if min(entry["runs"], other["runs"]) >= MIN_RUNS:
            interval = iqm_difference_interval(entry["scores"], other["scores"],
                                               seed=_seed(plan, entry["group"], against), **options)
            comparison.update(difference=interval.as_list(), verdict=judge(interval))
        into.append(comparison)

    dense_iqm = by_name[DENSE]["iqm"][0] if DENSE in by_name and by_name[DENSE]["iqm"] else None
    margin = None if dense_iqm is None else analysis.no_loss_tolerance * abs(dense_iqm)

    def loss(interval: Interval) -> str:
        return NO_LOSS if interval.low >= -margin else LOSS if interval.high < -margin else UNDECIDED

    matched, no_loss, rigl_set = [], [], []
    for entry in groups:
        if entry["method"] == DENSE:
            continue
        sparsity = entry["sparsity"]
        compare(entry, group_name(DENSE, sparsity), _sign, matched)
        compare(entry, DENSE, loss, no_loss)
        if entry["method"] == "rigl":
            compare(entry, group_name("set", sparsity), _sign, rigl_set)
    finished = list(results.values())
    seconds = [run_seconds(r) for r in finished]
    cpu_seconds = [run_cpu_seconds(r) for r in finished]
    return {
        "format": SUMMARY_FORMAT, "format_version": SUMMARY_VERSION,
        "env_id": plan.env_id, "threshold": solved_threshold(plan.env_id), "plan": plan.data,
        "parameter_count": "connections of the acting network (nonzero actor weights; biases and log-std not "
                           "counted). A SET or RigL group can count fewer than its mask holds: a weight grown at "
                           "zero whose gradient is exactly zero (it leaves a unit with no live input and a zero "
                           "bias, or enters a unit with no live output) stays zero and carries nothing",
        "score": "protocol mean return of the run's final deterministic policy, "
                 f"{plan.evaluation_episodes} episodes, evaluation seed {plan.evaluation_seed}",
        "runs": {"planned": len(plan.runs()), "finished": len(finished),
                 "mean_seconds": stats.fmean(seconds) if seconds else None,
                 # the median, not the mean, sizes the plan: a run paused or starved by other jobs on the
                 # machine inflates the mean without saying anything about the runs' cost
                 "median_seconds": stats.median(seconds) if seconds else None,
                 "mean_cpu_seconds": stats.fmean(cpu_seconds) if cpu_seconds else None,
                 "total_steps": plan.ppo_config(plan.runs()[0]).total_steps,
                 # the whole plan's wall time: from the plan's measured run, and from the finished runs
                 "estimated_hours": {str(w): plan.estimated_hours(w) for w in WORKER_COUNTS},
                 "measured_hours": {str(w): sweep_hours(stats.median(seconds), len(plan.runs()), w) if seconds
                                    else None for w in WORKER_COUNTS}},
        "groups": groups,
        "dense_iqm": dense_iqm, "no_loss_margin": margin,
        "claims": {"sparse_beats_dense": {"verdict": _claim_1(matched), "comparisons": matched},
                   "prunable_without_loss": {"verdict": _claim_2(no_loss), "comparisons": no_loss},
                   "rigl_like_set": {"verdict": _claim_3(rigl_set), "comparisons": rigl_set}},
        "zoo": zoo_points(plan.env_id) if zoo is None else zoo,
    }


def run_seconds(result: dict[str, Any]) -> float:
    """A run's wall time: training and evaluation."""
    return result["training"]["seconds"] + result["evaluation_seconds"]


def run_cpu_seconds(result: dict[str, Any]) -> float:
    """A run's CPU time (its own process): training and evaluation."""
    return result["training"]["cpu_seconds"] + result["evaluation_cpu_seconds"]


def _sign(interval: Interval) -> str:
    return BETTER if interval.low > 0.0 else WORSE if interval.high < 0.0 else SAME


def _decided(comparisons: list[dict]) -> list[dict]:
    return [c for c in comparisons if c["verdict"] != TOO_FEW]


def _claim_1(comparisons: list[dict]) -> str:
    decided = _decided(comparisons)
    if not decided:
        return "not tested (too few runs)"
    better = sum(c["verdict"] == BETTER for c in decided)
    worse = sum(c["verdict"] == WORSE for c in decided)
    if 2 * better > len(decided) and not worse:
        return "holds"
    if 2 * worse > len(decided):
        return "contradicted"
    return "mixed"


def _claim_2(comparisons: list[dict]) -> str:
    """Holds when some method loses nothing at 90% (the paper: "it is possible ... up to 80-90%")."""
    decided = [c for c in _decided(comparisons) if c["sparsity"] in NO_LOSS_SPARSITIES]
    if not decided:
        return "not tested (too few runs, or no 80% / 90% groups)"
    lowest, highest = NO_LOSS_SPARSITIES
    if any(c["verdict"] == NO_LOSS and c["sparsity"] == highest for c in decided):
        return "holds"
    if any(c["verdict"] == NO_LOSS and c["sparsity"] == lowest for c in decided):
        return f"holds up to {lowest:.0%} only"
    if all(c["verdict"] == LOSS for c in decided):
        return "contradicted"
    return "inconclusive"


def _claim_3(comparisons: list[dict]) -> str:
    decided = _decided(comparisons)
    if not decided:
        return "not tested (too few runs)"
    same = sum(c["verdict"] == SAME for c in decided)
    return "holds" if same == len(decided) else "mostly holds" if 2 * same > len(decided) else "does not hold"


def zoo_points(env_id: str) -> list[dict[str, Any]]:
    """The zoo's champions for ``env_id``: connections of the network and protocol mean return (their cards)."""
    points = []
    for algorithm, champion_env in champion_keys():
        if champion_env != env_id:
            continue
        name = champion_name(algorithm, env_id)
        policy = load_champion(algorithm, env_id)
        connections = check_integer(f"champion {name}'s connections", (policy.card or {}).get("connections"), 0)
        points.append({"champion": name, "algorithm": algorithm, "connections": connections,
                       "mean": protocol_score(policy, name).mean})
    return points
