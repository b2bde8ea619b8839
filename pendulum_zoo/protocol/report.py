"""The protocol's report: statistics of an agent's episodes, rendered the same way everywhere.

Statistics (evaluation/PROTOCOL.md gives the definitions):

- mean, std (population standard deviation, ``ddof=0``, as rl-baselines3-zoo and the article report), min,
  median, max of the episode returns;
- IQM, the interquartile mean (rliable's aggregate: the mean of the middle 50% of returns, after dropping
  ``floor(n / 4)`` from each end), with a 95% percentile-bootstrap confidence interval over episodes
  (2000 resamples, seeded from the evaluation seed, so the interval is reproducible);
- the success rate: the fraction of episodes whose return is at or above the task's threshold (999.5 for
  balance, 880 for swing-up; the article's).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pendulum_zoo.storage.fileio import read_json, to_json, write_json
from pendulum_zoo.statistics import iqm_rows
from pendulum_zoo.validation import is_integer, quote

REPORT_FORMAT = "pendulum-zoo/report"
REPORT_VERSION = 2  # 2: training_steps; versions are distribution versions; failure step may be null
READABLE_VERSIONS = (1, 2)  # version 1 lacks training_steps (read as unknown)
BOOTSTRAP_RESAMPLES = 2000


def interquartile_mean(values: np.ndarray) -> float:
    """Mean of the middle half: sort, drop ``floor(n / 4)`` values from each end (scipy's trim_mean(x, 0.25))."""
    return float(iqm_rows(np.asarray(values, dtype=np.float64)[None, :])[0])


def bootstrap_iqm_interval(values: np.ndarray, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
                           confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the IQM: resample episodes with replacement ``resamples`` times."""
    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(2,)))
    iqms = iqm_rows(data[rng.integers(0, len(data), size=(resamples, len(data)))])
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(iqms, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass
class Report:
    """One agent scored by the protocol. ``results()`` is everything but the timing and the versions."""

    env_id: str
    env_version: str
    agent: str
    algorithm: str
    episodes: int
    seed: int
    seed_schedule: str
    episode_seeds: list[int]
    returns: list[float]
    lengths: list[int]
    threshold: float
    connections: int | None = None
    effective_connections: int | None = None
    sparsity: float | None = None
    failure: dict[str, Any] | None = None
    robustness: list[dict[str, float]] | None = None
    training_steps: int | None = None  # env steps of the agent's training (its card's total_steps), if known
    wall_time_s: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    format: str = REPORT_FORMAT
    format_version: int = REPORT_VERSION

    # -- statistics ----------------------------------------------------------------------------------------

    @property
    def completed(self) -> int:
        return len(self.returns)

    @property
    def env_steps(self) -> int:
        return int(sum(self.lengths))

    def statistics(self) -> dict[str, Any]:
        data = np.asarray(self.returns, dtype=np.float64)
        if len(data) == 0:
            keys = ("mean", "std", "min", "median", "max", "iqm", "iqm_ci95", "success_rate")
            return dict.fromkeys(keys)
        return {
            "mean": float(data.mean()), "std": float(data.std()), "min": float(data.min()),
            "median": float(np.median(data)), "max": float(data.max()),
            "iqm": interquartile_mean(data), "iqm_ci95": list(bootstrap_iqm_interval(data, self.seed)),
            "success_rate": float(np.mean(data >= self.threshold)),
        }

    # -- serialisation -------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.update(self.statistics())
        values["completed_episodes"] = self.completed
        values["env_steps"] = self.env_steps
        return values

    def results(self) -> dict[str, Any]:
        """The report without ``wall_time_s`` and ``versions``: equal whenever the episodes were equal."""
        values = self.to_dict()
        del values["wall_time_s"], values["versions"]
        return values

    def to_json(self) -> str:
        return to_json(self.to_dict())

    def save(self, path) -> None:
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path) -> Report:
        return report_from_dict(read_json(path, "report"), str(path))

    # -- rendering -----------------------------------------------------------------------------------------

    def markdown_row(self) -> str:
        """One row in rl-baselines3-zoo's benchmark style (``n_timesteps``: training steps; ``eval_timesteps``:
        the evaluation's env steps), with this protocol's columns after theirs."""
        return "| " + " | ".join(self._markdown_cells()) + " |"

    def _markdown_cells(self) -> list[str]:
        s = self.statistics()
        training = "-" if self.training_steps is None else str(self.training_steps)
        head = [self.algorithm, self.env_id]
        counts = [training, str(self.env_steps), str(self.completed)]
        if s["mean"] is None:
            return head + ["-", "-"] + counts + ["-", "-", "-"]
        low, high = s["iqm_ci95"]
        connections = "-" if self.connections is None else str(self.connections)
        return head + [f"{s['mean']:.3f}", f"{s['std']:.3f}"] + counts + [
            f"{s['iqm']:.3f} [{low:.3f}, {high:.3f}]", f"{s['success_rate']:.2f}", connections]

    @staticmethod
    def markdown_header() -> str:
        columns = ["algo", "env_id", "mean_reward", "std_reward", "n_timesteps", "eval_timesteps", "eval_episodes",
                   "iqm [95% CI]", "success_rate", "connections"]
        return "| " + " | ".join(columns) + " |\n|" + "|".join("---" for _ in columns) + "|"

    def markdown(self) -> str:
        return self.markdown_header() + "\n" + self.markdown_row() + "\n"

    def __str__(self) -> str:
        """A few lines for people: what was scored, the result, and the failure if there was one."""
        s = self.statistics()
        scored = self.agent if self.env_id in self.agent else f"{self.agent} on {self.env_id}"
        lines = [f"{scored}: {self.completed} of {self.episodes} episodes (seed {self.seed})"]
        if s["mean"] is not None:
            low, high = s["iqm_ci95"]
            lines.append(f"  return {s['mean']:.2f} +/- {s['std']:.2f}, IQM {s['iqm']:.2f} [{low:.2f}, {high:.2f}], "
                         f"success {100 * s['success_rate']:.0f}% (return >= {self.threshold:g})")
        if self.connections is not None:
            lines.append(f"  {self.connections} connections ({self.effective_connections} effective)")
        if self.failure is not None:
            lines.append(f"  failure: {_failure_text(self.failure)}")
        return "\n".join(lines)

    def __rich__(self):
        from rich.table import Table

        s = self.statistics()
        table = Table(title=f"{self.agent} on {self.env_id}", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        rows = [("episodes", f"{self.completed} of {self.episodes} (seed {self.seed})")]
        if s["mean"] is not None:
            low, high = s["iqm_ci95"]
            rows += [("mean +/- std", f"{s['mean']:.2f} +/- {s['std']:.2f}"),
                     ("min / median / max", f"{s['min']:.2f} / {s['median']:.2f} / {s['max']:.2f}"),
                     ("IQM [95% CI]", f"{s['iqm']:.2f} [{low:.2f}, {high:.2f}]"),
                     (f"success (return >= {self.threshold:g})", f"{100 * s['success_rate']:.0f}%")]
        if self.connections is not None:
            rows.append(("connections (effective)", f"{self.connections} ({self.effective_connections}), "
                                                    f"sparsity {self.sparsity:.3f}"))
        if self.training_steps is not None:
            rows.append(("training steps", f"{self.training_steps:,}"))
        rows += [("env steps", f"{self.env_steps:,}"), ("wall time", f"{self.wall_time_s:.2f} s")]
        for entry in self.robustness or []:
            rows.append((f"observation noise std {entry['noise_std']:g}", f"{entry['mean']:.2f} +/- {entry['std']:.2f}"))
        if self.failure is not None:
            rows.append(("[red]failure", f"[red]{_failure_text(self.failure)}"))
        for name, value in rows:
            table.add_row(name, value)
        return table


def _failure_text(failure: dict[str, Any]) -> str:
    where = "" if failure.get("step") is None else f", step {failure['step']}"
    return f"episode {failure['episode']}{where}: {failure['error']}"


def report_from_dict(values: dict[str, Any], source: str = "report") -> Report:
    """Rebuild a ``Report`` from ``to_dict()`` output, checking its format and version (older versions are
    read as the current one: a version 1 report has no ``training_steps``)."""
    if not isinstance(values, dict) or values.get("format") != REPORT_FORMAT:
        raise ValueError(f"{source} is not a pendulum-zoo report")
    version = values.get("format_version")
    if not is_integer(version) or version not in READABLE_VERSIONS:
        raise ValueError(f"{source} has report format version {quote(version)}; this pendulum-zoo reads versions "
                         f"{', '.join(map(str, READABLE_VERSIONS))}")
    names = set(Report.__dataclass_fields__)
    report = Report(**{k: v for k, v in values.items() if k in names})
    report.format_version = REPORT_VERSION
    stored = {k: values.get(k) for k in ("mean", "std", "iqm")}
    computed = report.statistics()
    if any(v is not None and not math.isclose(v, computed[k], rel_tol=1e-12, abs_tol=1e-12)
           for k, v in stored.items()):
        raise ValueError(f"{source}: its statistics do not match its returns")
    return report


def report_schema() -> dict[str, Any]:
    """The JSON schema of a saved report (``pendulum_zoo/protocol/report.schema.json``; evaluation/PROTOCOL.md explains
    each field)."""
    import json
    from importlib.resources import files

    return json.loads(files("pendulum_zoo.protocol").joinpath("report.schema.json").read_text(encoding="utf-8"))
