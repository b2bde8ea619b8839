"""A training log's learning curve as a standalone SVG chart.

Top panel: fitness of the generation's best member, the elite mean and the population mean against
environment steps, with the success threshold as a dashed line. Bottom panel: connection counts of the best
member and the population mean. Records are ``log.jsonl`` rows (``training.card.LOG_FIELDS``); a key that is
missing or None in some record just leaves a gap in that series, so partial or older logs still draw.
``kind="ppo"`` charts a PPO run's log (``training.ppo_card.PPO_LOG_FIELDS``) instead: the mean return of the
iteration's training episodes, and the actor's nonzero weights.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pendulum_zoo.drawing.svg import svg_head, svg_text
from pendulum_zoo.storage.fileio import atomic_write_text
from pendulum_zoo.validation import check_number

# (log key, legend label, colour)
FITNESS_SERIES = (
    ("best_fitness", "best", "#222222"),
    ("elite_fitness_mean", "elite mean", "#2166ac"),
    ("population_fitness_mean", "population mean", "#e08214"),
)
CONNECTION_SERIES = (
    ("best_connections", "best member", "#222222"),
    ("population_connections_mean", "population mean", "#e08214"),
)
RETURN_SERIES = (("mean_return", "training episodes", "#222222"),)
ACTOR_SERIES = (("actor_connections", "nonzero actor weights", "#222222"),)  # RigL grows weights at 0
# per kind of log: the main panel's series and title, the small panel's
CURVES = {"evolution": (FITNESS_SERIES, "fitness", CONNECTION_SERIES, "connections"),
          "ppo": (RETURN_SERIES, "mean return", ACTOR_SERIES, "connections")}
# The x axis is the first of these keys that the log holds; env steps are what the article compares.
X_KEYS = (("env_steps", "environment steps"), ("generation", "generation"))

# Geometry, in SVG user units.
WIDTH = 760
LEFT, PLOT_WIDTH = 72.0, 480.0
LEGEND_X = LEFT + PLOT_WIDTH + 18
MAIN_TOP, MAIN_HEIGHT = 48.0, 260.0
SMALL_GAP, SMALL_HEIGHT = 32.0, 100.0
BOTTOM = 52.0  # tick labels and the x axis title
GRID, FRAME, TEXT, MUTED = "#ececec", "#999999", "#222222", "#777777"


@dataclass(frozen=True)
class _Axis:
    low: float
    high: float
    ticks: list[float]
    labels: list[str]

    def scale(self, value: float, start: float, length: float) -> float:
        return start + (value - self.low) / (self.high - self.low) * length


def learning_curve_svg(records: list[dict], title: str = "", threshold: float | None = None,
                       kind: str = "evolution") -> str:
    """A standalone SVG document charting ``records`` (one dict per generation, oldest first).

    Each drawn series is a ``<polyline class="series" data-series="KEY">``; the threshold, when given, is a
    ``<line class="threshold">``. Raises ValueError for an empty log, a record that is not a dict, a value that
    is not a number, or a non-finite threshold.
    """
    if not isinstance(records, (list, tuple)) or not records:
        raise ValueError("records must be a non-empty list of dicts (one per generation)")
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise ValueError(f"record {index} is a {type(record).__name__}, not a dict")
    if threshold is not None:
        threshold = check_number("threshold", threshold)
    if kind not in CURVES:
        raise ValueError(f"kind must be one of {', '.join(CURVES)}, got {kind!r}")
    main_series, main_title, small_series, small_title = CURVES[kind]

    xs, x_title = _x_values(records)
    fitness = {key: _points(records, key, xs) for key, _, _ in main_series}
    connections = {key: _points(records, key, xs) for key, _, _ in small_series}
    has_small = any(connections.values())

    all_x = [x for x in xs if x is not None]
    x_axis = nice_axis(min([0.0, *all_x]), max([0.0, *all_x]))  # learning curves start from zero
    fitness_values = [y for points in fitness.values() for _, y in points]
    if threshold is not None:
        fitness_values.append(threshold)
    y_axis = nice_axis(min(fitness_values, default=0.0), max(fitness_values, default=1.0), margin_low=0.04,
                   margin_high=0.04)

    small_top = MAIN_TOP + MAIN_HEIGHT + SMALL_GAP
    plot_bottom = small_top + SMALL_HEIGHT if has_small else MAIN_TOP + MAIN_HEIGHT
    height = int(plot_bottom + BOTTOM)

    parts = svg_head(WIDTH, height, title, LEFT + PLOT_WIDTH / 2, 26)

    parts += _panel(x_axis, y_axis, MAIN_TOP, MAIN_HEIGHT, main_title, x_labels=not has_small)
    parts += _series(main_series, fitness, x_axis, y_axis, MAIN_TOP, MAIN_HEIGHT)
    legend_y = MAIN_TOP + 8
    if threshold is not None:
        y = y_axis.scale(threshold, MAIN_TOP + MAIN_HEIGHT, -MAIN_HEIGHT)
        parts.append(f'<line class="threshold" x1="{LEFT:.1f}" y1="{y:.1f}" x2="{LEFT + PLOT_WIDTH:.1f}" '
                     f'y2="{y:.1f}" stroke="#2ca02c" stroke-width="1.2" stroke-dasharray="6 4" '
                     f'data-value="{threshold:g}"/>')
    parts += _legend(main_series, fitness, legend_y)
    if threshold is not None:
        y = legend_y + 18 * len(main_series)
        parts.append(f'<line x1="{LEGEND_X:.1f}" y1="{y:.1f}" x2="{LEGEND_X + 22:.1f}" y2="{y:.1f}" '
                     f'stroke="#2ca02c" stroke-width="1.2" stroke-dasharray="6 4"/>')
        parts.append(_legendsvg_text(y, f"threshold ({threshold:g})"))

    if has_small:
        counts = [y for points in connections.values() for _, y in points]
        c_axis = nice_axis(0.0, max(counts), target=3, margin_high=0.08)
        parts += _panel(x_axis, c_axis, small_top, SMALL_HEIGHT, small_title, x_labels=True)
        parts += _series(small_series, connections, x_axis, c_axis, small_top, SMALL_HEIGHT)
        parts += _legend(small_series, connections, small_top + 8)

    parts.append(f'<text class="axis-title" x="{LEFT + PLOT_WIDTH / 2:.1f}" y="{plot_bottom + 38:.1f}" '
                 f'text-anchor="middle" font-size="12" fill="{TEXT}">{x_title}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_learning_curve_svg(path: str | os.PathLike, records: list[dict], title: str = "",
                             threshold: float | None = None, kind: str = "evolution") -> None:
    """Write ``learning_curve_svg(records, title, threshold, kind)`` to ``path`` atomically."""
    atomic_write_text(path, learning_curve_svg(records, title, threshold, kind))


def _number(record: Mapping, key: str, index: int) -> float | None:
    """The record's value for ``key`` as a float; None when absent, None or not finite (a gap)."""
    value: Any = record.get(key)
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and not math.isfinite(value):
        return None  # NaN or infinite: a gap
    # bool is an int to Python but never a meaningful log value; a str would be a corrupt log
    return check_number(f"record {index}: {key}", value)


def _x_values(records: list[dict]) -> tuple[list[float | None], str]:
    for key, name in X_KEYS:
        values = [_number(record, key, index) for index, record in enumerate(records)]
        if any(value is not None for value in values):
            return values, name
    return [float(index) for index in range(len(records))], "record"


def _points(records: list[dict], key: str, xs: list[float | None]) -> list[tuple[float, float]]:
    points = []
    for index, (record, x) in enumerate(zip(records, xs, strict=True)):
        y = _number(record, key, index)
        if x is not None and y is not None:
            points.append((x, y))
    return points


def nice_axis(low: float, high: float, target: int = 5, margin_low: float = 0.0, margin_high: float = 0.0) -> _Axis:
    """About ``target`` ticks at 1, 2, 2.5 or 5 times a power of ten.

    Without margins the limits are rounded out to ticks. A margin (a fraction of the range) instead keeps
    values and lines off the frame, as a threshold the best member reaches exactly would otherwise be.
    """
    if high - low <= 0:  # a single value (one record, a flat series): give it room
        if low == 0:
            high = 1.0  # zero steps or connections: the axes here never go below zero then
        else:
            pad = abs(low) * 0.1
            low, high = low - pad, high + pad
    raw = (high - low) / target
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    if margin_low or margin_high:
        span = high - low
        low, high = low - margin_low * span, high + margin_high * span
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    else:
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        low, high = first * step, last * step
    ticks = [k * step for k in range(first, last + 1)]
    return _Axis(low, high, ticks, _tick_labels(ticks, step))


def _tick_labels(ticks: list[float], step: float) -> list[str]:
    if max(abs(t) for t in ticks) >= 1e5:  # env steps: "2e7" reads better than "20000000"
        return [_scientific(t) for t in ticks]
    decimals = next(d for d in range(12) if abs(round(step, d) - step) <= 1e-9 * step)  # 2.5 needs 1
    labels = [f"{t:.{decimals}f}" for t in ticks]
    return ["0" if float(label) == 0 else label for label in labels]  # never "-0"


def _scientific(value: float) -> str:
    if abs(value) < 1e-12:
        return "0"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _panel(x_axis: _Axis, y_axis: _Axis, top: float, height: float, y_title: str, x_labels: bool) -> list[str]:
    bottom = top + height
    parts = [f'<g class="panel" data-panel="{y_title}">']
    for tick, label in zip(y_axis.ticks, y_axis.labels, strict=True):
        y = y_axis.scale(tick, bottom, -height)
        parts.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{LEFT + PLOT_WIDTH:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                     f'fill="{MUTED}">{label}</text>')
    for tick, label in zip(x_axis.ticks, x_axis.labels, strict=True):
        x = x_axis.scale(tick, LEFT, PLOT_WIDTH)
        parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        if x_labels:
            parts.append(f'<text class="tick" x="{x:.1f}" y="{bottom + 15:.1f}" text-anchor="middle" '
                         f'font-size="10" fill="{MUTED}">{label}</text>')
    parts.append(f'<rect x="{LEFT:.1f}" y="{top:.1f}" width="{PLOT_WIDTH:.1f}" height="{height:.1f}" '
                 f'fill="none" stroke="{FRAME}" stroke-width="1"/>')
    middle = top + height / 2
    parts.append(f'<text class="axis-title" x="{LEFT - 50:.1f}" y="{middle:.1f}" text-anchor="middle" '
                 f'font-size="12" fill="{TEXT}" transform="rotate(-90 {LEFT - 50:.1f} {middle:.1f})">'
                 f'{y_title}</text>')
    parts.append("</g>")
    return parts


def _series(specs: tuple[tuple[str, str, str], ...], data: dict[str, list[tuple[float, float]]],
            x_axis: _Axis, y_axis: _Axis, top: float, height: float) -> list[str]:
    parts = []
    for key, _, colour in specs:
        points = data[key]
        if not points:
            continue
        pixels = [(x_axis.scale(x, LEFT, PLOT_WIDTH), y_axis.scale(y, top + height, -height)) for x, y in points]
        coordinates = " ".join(f"{px:.1f},{py:.1f}" for px, py in pixels)
        parts.append(f'<polyline class="series" data-series="{key}" points="{coordinates}" fill="none" '
                     f'stroke="{colour}" stroke-width="1.6" stroke-linejoin="round"/>')
        if len(pixels) == 1:  # a one-point polyline draws nothing: mark the point
            parts.append(f'<circle class="marker" data-series="{key}" cx="{pixels[0][0]:.1f}" '
                         f'cy="{pixels[0][1]:.1f}" r="3" fill="{colour}"/>')
    return parts


def _legend(specs: tuple[tuple[str, str, str], ...], data: dict[str, list[tuple[float, float]]],
            top: float) -> list[str]:
    parts = []
    for row, (key, label, colour) in enumerate(specs):
        y = top + 18 * row
        points = data[key]
        parts.append(f'<line x1="{LEGEND_X:.1f}" y1="{y:.1f}" x2="{LEGEND_X + 22:.1f}" y2="{y:.1f}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        # the last value answers "where did it end?" without reading the axis
        parts.append(_legendsvg_text(y, f"{label} ({points[-1][1]:.4g})" if points else f"{label} (no data)"))
    return parts


def _legendsvg_text(y: float, text: str) -> str:
    return (f'<text class="legend" x="{LEGEND_X + 28:.1f}" y="{y + 4:.1f}" font-size="11" '
            f'fill="{TEXT}">{svg_text(text)}</text>')
