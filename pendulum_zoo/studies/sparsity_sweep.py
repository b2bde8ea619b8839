"""The sparsity sweep: train every run of a plan with PPO, score its final policy with the protocol, and keep one
small result file per run, so that the sweep resumes where it stopped.

Where things live, next to the plan file: ``runs/GROUP-seedN.json`` (one per finished run, written atomically
when the run ends), ``summary.json``, ``sweep.svg`` and ``COMMENTARY.md`` (``sweep_outputs``). A result file
records the run's complete PPO settings and evaluation settings; a run whose file is present and matches the
plan is skipped. A file that cannot be read, or that records other settings than the plan's (the plan changed
since), stops the sweep before any training with an error naming each such file: it is never used, and never
overwritten behind the user's back (delete it, or move the runs folder away, to train those runs again).

Each run is independent and seeded by the plan alone, so its result is the same whatever the number of worker
processes (``workers`` runs train at once, each in its own process with single-threaded BLAS).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

from pendulum_zoo.protocol.report import report_from_dict
from pendulum_zoo.protocol.scoring import evaluate
from pendulum_zoo.rl.ppo import PPO
from pendulum_zoo.rollout.evaluator import check_workers
from pendulum_zoo.storage.fileio import read_json, to_json, write_json
from pendulum_zoo.studies.sweep_commentary import write_commentary
from pendulum_zoo.studies.sweep_plan import SweepPlan, SweepRun, parse_plan
from pendulum_zoo.studies.sweep_plot import write_sweep_svg
from pendulum_zoo.studies.sweep_summary import summarise
from pendulum_zoo.validation import check_integer, check_number, quote
from pendulum_zoo.versions import installed_versions

RESULT_FORMAT = "pendulum-zoo/sparsity-sweep-run"
RESULT_VERSION = 1
RUNS_FOLDER = "runs"
MAX_RESULT_BYTES = 2**20  # a result is ~10 kB (the protocol report's 100 returns, lengths and seeds)
# one BLAS thread per worker: the workers share the machine's cores (and a run's matrices are small)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclasses.dataclass(frozen=True)
class SweepOutputs:
    """The files a sweep writes, in the folder of its plan."""

    folder: str

    @property
    def runs(self) -> str:
        return os.path.join(self.folder, RUNS_FOLDER)

    def result(self, run: SweepRun) -> str:
        return os.path.join(self.runs, f"{run.name}.json")

    @property
    def summary(self) -> str:
        return os.path.join(self.folder, "summary.json")

    @property
    def plot(self) -> str:
        return os.path.join(self.folder, "sweep.svg")

    @property
    def commentary(self) -> str:
        return os.path.join(self.folder, "COMMENTARY.md")


def sweep_outputs(plan_path: str) -> SweepOutputs:
    return SweepOutputs(os.path.dirname(os.path.abspath(plan_path)))


def plain(value: Any) -> Any:
    """``value`` as JSON gives it back (tuples become lists...): what a result file holds."""
    return json.loads(to_json(value))


def run_settings(plan: SweepPlan, run: SweepRun) -> dict[str, Any]:
    """Everything a run's result depends on, as its result file records it."""
    return {"ppo": plain(dataclasses.asdict(plan.ppo_config(run))),
            "evaluation": {"episodes": plan.evaluation_episodes, "seed": plan.evaluation_seed}}


def train_and_score(plan: SweepPlan, run: SweepRun) -> dict[str, Any]:
    """Train ``run`` with PPO and score its final deterministic policy with the protocol; the result record."""
    config = plan.ppo_config(run)
    started, started_cpu = time.perf_counter(), time.process_time()
    ppo = PPO(config)
    try:
        history = ppo.train()
        actor, critic = ppo.policy(), ppo.critic
    finally:
        ppo.close()
    trained, trained_cpu = time.perf_counter(), time.process_time()
    report = evaluate(actor, plan.env_id, plan.evaluation_episodes, plan.evaluation_seed, workers=1)
    if report.failure is not None:
        raise RuntimeError(f"run {run.name}: the protocol failed on its policy: {report.failure}")
    last = next((stats["mean_return"] for stats in reversed(history) if stats["mean_return"] is not None), None)
    return {
        "format": RESULT_FORMAT, "format_version": RESULT_VERSION,
        "run": run.name, "group": run.group, "method": run.method, "sparsity": run.sparsity, "seed": run.seed,
        "hidden": list(run.hidden), "env_id": plan.env_id, "settings": run_settings(plan, run),
        "actor": {"sizes": list(actor.sizes), "weights": actor.num_weights, "connections": actor.connections},
        "critic": {"sizes": list(critic.sizes), "weights": critic.num_weights, "connections": critic.connections},
        "score": report.statistics()["mean"],
        "training": {"env_steps": ppo.env_steps, "iterations": ppo.iteration, "last_mean_return": last,
                     "seconds": round(trained - started, 3), "cpu_seconds": round(trained_cpu - started_cpu, 3),
                     # the learning curve: env steps and mean return of the episodes ended in each rollout
                     "curve": [[stats["env_steps"], stats["mean_return"]] for stats in history]},
        "evaluation_seconds": round(time.perf_counter() - trained, 3),
        "evaluation_cpu_seconds": round(time.process_time() - trained_cpu, 3),
        "report": report.to_dict(), "versions": installed_versions(),
    }


def check_result(data: Any, plan: SweepPlan, run: SweepRun, source: str) -> dict[str, Any]:
    """``data`` if it is a complete result of ``run`` under ``plan``'s settings; ValueError naming ``source``."""
    def fail(problem: str) -> ValueError:
        return ValueError(f"{source} {problem}")

    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise fail(f"is not a {RESULT_FORMAT} file")
    if data.get("format_version") != RESULT_VERSION:
        raise fail(f"has format version {quote(data.get('format_version'))}; this pendulum-zoo reads {RESULT_VERSION}")
    expected = {"run": run.name, "group": run.group, "method": run.method, "sparsity": run.sparsity,
                "seed": run.seed, "hidden": list(run.hidden), "env_id": plan.env_id}
    for key, value in expected.items():
        if data.get(key) != value:
            raise fail(f"is labelled {key} = {quote(data.get(key))}, expected {quote(value)}")
    recorded = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    for section, values in run_settings(plan, run).items():
        found = recorded.get(section)
        if found != values:
            changed = sorted(key for key in values if not isinstance(found, dict) or found.get(key) != values[key])
            raise fail(f"was made with other {section} settings than the plan's (differing: "
                       f"{', '.join(changed) or quote(found)}); delete it to train the run again")
    try:
        for network in ("actor", "critic"):
            part = data.get(network)
            if not isinstance(part, dict):
                raise ValueError(f"{network} must be an object")
            weights = check_integer(f"{network}.weights", part.get("weights"), 1)
            check_integer(f"{network}.connections", part.get("connections"), 0, weights)
        score = check_number("score", data.get("score"))
        training = data.get("training") if isinstance(data.get("training"), dict) else {}
        check_number("training.seconds", training.get("seconds"), 0.0)
        check_number("training.cpu_seconds", training.get("cpu_seconds"), 0.0)
        check_number("evaluation_seconds", data.get("evaluation_seconds"), 0.0)
        check_number("evaluation_cpu_seconds", data.get("evaluation_cpu_seconds"), 0.0)
        report = report_from_dict(data.get("report"), "its protocol report")
    except (TypeError, ValueError) as error:
        raise fail(f"is damaged: {error}") from None
    if (report.env_id, report.episodes, report.seed) != (plan.env_id, plan.evaluation_episodes, plan.evaluation_seed) \
            or report.completed != report.episodes or report.failure is not None:
        raise fail("holds a protocol report of other episodes than the plan's, or an incomplete one")
    if score != report.statistics()["mean"]:
        raise fail(f"records score {score}, but its protocol report's mean return is {report.statistics()['mean']}")
    return data


def load_result(path: str, plan: SweepPlan, run: SweepRun) -> dict[str, Any]:
    return check_result(read_json(path, f"sweep result of {run.name}", MAX_RESULT_BYTES), plan, run,
                        f"sweep result {path}")


def finished_results(plan: SweepPlan, outputs: SweepOutputs) -> dict[str, dict[str, Any]]:
    """The valid result of every run that has one, by run name. ValueError naming every file present but
    unusable (unreadable, damaged, or made with other settings), before anything else happens."""
    results, problems = {}, []
    for run in plan.runs():
        path = outputs.result(run)
        if not os.path.exists(path):
            continue
        try:
            results[run.name] = load_result(path, plan, run)
        except (OSError, ValueError) as error:
            problems.append(str(error))
    if problems:
        raise ValueError(f"{len(problems)} result file(s) of the sweep cannot be used: " + "; ".join(problems))
    return results


def selected(plan: SweepPlan, only: list[str] | None = None) -> list[SweepRun]:
    """The plan's runs, or those named in ``only``; ValueError for a name the plan lacks."""
    runs = plan.runs()
    if only is None:
        return runs
    names = {run.name for run in runs}
    unknown = [name for name in only if name not in names]
    if unknown:
        raise ValueError(f"the plan has no run {', '.join(map(quote, unknown))}; its runs are named like "
                         f"{runs[0].name}")
    return [run for run in runs if run.name in set(only)]


def pending_runs(plan: SweepPlan, results: dict[str, Any], only: list[str] | None = None) -> list[SweepRun]:
    """The selected runs that have no result yet, in plan order."""
    return [run for run in selected(plan, only) if run.name not in results]


def run_sweep(plan: SweepPlan, outputs: SweepOutputs, workers: int | None = 1, only: list[str] | None = None,
              on_result: Callable[[dict[str, Any], int, int], None] | None = None) -> dict[str, dict[str, Any]]:
    """Train and score every run of ``plan`` (or of ``only``, run names) that has no result yet, ``workers`` at
    once (None: one per core); each result is written as soon as its run ends, and ``on_result(result, done,
    total)`` is called. Returns every finished result (those found and those made), by run name."""
    workers = check_workers(workers)
    selected(plan, only)  # an unknown name is refused before the results are read
    results = finished_results(plan, outputs)
    todo = pending_runs(plan, results, only)
    os.makedirs(outputs.runs, exist_ok=True)
    for done, result in enumerate(_train(plan, todo, outputs, workers), start=1):
        results[result["run"]] = result
        if on_result is not None:
            on_result(result, done, len(todo))
    return results


def _train(plan: SweepPlan, runs: list[SweepRun], outputs: SweepOutputs, workers: int) -> Iterator[dict]:
    jobs = [(plan.data, plan.source, run, outputs.result(run)) for run in runs]
    if workers == 1 or len(runs) <= 1:
        for job in jobs:
            yield _train_one(job)
        return
    with _single_threaded_blas():
        pool = multiprocessing.get_context("spawn").Pool(min(workers, len(runs)), initializer=_ignore_interrupts)
    try:
        yield from pool.imap_unordered(_train_one, jobs)
        pool.close()
        pool.join()
    finally:  # an error or Ctrl-C (which the workers ignore): runs in progress stop, finished ones are on disk
        pool.terminate()


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them all at once (no traceback from each)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _train_one(job: tuple[dict, str, SweepRun, str]) -> dict[str, Any]:
    """One run, in a worker process or in this one: train, score, write its result atomically."""
    plan_data, source, run, path = job
    plan = parse_plan(plan_data, source)
    result = train_and_score(plan, run)
    write_json(path, result)
    return result


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Worker processes started inside inherit one BLAS thread each; this process's setting is restored."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def write_outputs(plan: SweepPlan, outputs: SweepOutputs, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``summary.json``, ``sweep.svg`` and ``COMMENTARY.md`` from ``results``; returns the summary."""
    summary = summarise(plan, results)
    write_sweep_svg(outputs.plot, summary)  # first: it refuses a sweep without any finished run
    write_json(outputs.summary, summary)
    write_commentary(outputs.commentary, summary)
    return summary
