"""The sweep's figure (Graesser et al. 2022, Figure 2, on one task): final return against parameter count.

One line per method through its sparsities (the IQM over seeds), its 95% interval shaded; the dense networks
narrowed to each sparsity's weight count as one more line; the full dense network as a horizontal dashed line
(the paper's "reward obtained by the dense baseline"); a dotted vertical line at the 80%-sparse networks'
connections (the paper's too); the zoo's champions as labelled diamonds; the task's solved threshold. The x
axis is logarithmic: connections of the acting network. Drawn from ``summary.json``'s content alone.
"""

from __future__ import annotations

import math
import os
from typing import Any

from pendulum_zoo.drawing.curve_svg import nice_axis  # the package's tick rule (1, 2, 2.5, 5 x 10^k)
from pendulum_zoo.drawing.svg import TEXT_COLOUR, svg_head, svg_text
from pendulum_zoo.storage.fileio import atomic_write_text

METHOD_STYLE = {  # method -> (legend label, colour)
    "dense": ("dense, narrowed", "#555555"),
    "static": ("static", "#1f77b4"),
    "set": ("SET", "#2ca02c"),
    "rigl": ("RigL", "#d62728"),
    "prune": ("pruning", "#9467bd"),
}
ZOO_COLOUR, THRESHOLD_COLOUR, GRID, FRAME, MUTED = "#e08214", "#2ca02c", "#ececec", "#999999", "#777777"
# methods at one sparsity have one connection count: their points are spread by a few pixels so none hides another
OFFSET = {"dense": 0.0, "static": -4.5, "set": -1.5, "rigl": 1.5, "prune": 4.5}
MARK_SPARSITY = 0.8  # Figure 2: "Parameter count for networks with 80% sparsity ... highlighted"
WIDTH, HEIGHT = 820, 470
LEFT, TOP, PLOT_WIDTH, PLOT_HEIGHT = 72.0, 48.0, 540.0, 350.0
LEGEND_X = LEFT + PLOT_WIDTH + 20


def sweep_svg(summary: dict[str, Any]) -> str:
    """The figure as a standalone SVG document; ValueError when no group has a finished run."""
    groups = [g for g in summary["groups"] if g["iqm"] is not None]
    if not groups:
        raise ValueError("the sweep has no finished run to plot yet")
    zoo = summary.get("zoo", [])
    xs = [_connections(g) for g in groups] + [p["connections"] for p in zoo if p["connections"] > 0]
    ys = [v for g in groups for v in g["iqm"]] + [p["mean"] for p in zoo] + [summary["threshold"]]
    low, high = _log_bounds(min(xs) / 1.1, max(xs) * 1.1)
    y_axis = nice_axis(min(ys), max(ys), margin_low=0.05, margin_high=0.05)

    def px(connections: float) -> float:
        return LEFT + (math.log10(connections / low)) / math.log10(high / low) * PLOT_WIDTH

    def py(value: float) -> float:
        return y_axis.scale(value, TOP + PLOT_HEIGHT, -PLOT_HEIGHT)

    title = f"Sparsity sweep: PPO on {summary['env_id'].split('/')[-1]}"
    parts = svg_head(WIDTH, HEIGHT, title, LEFT + PLOT_WIDTH / 2, 26)
    parts += _frame(low, high, y_axis, px, py)
    threshold = summary["threshold"]
    parts.append(_hline("threshold", py(threshold), THRESHOLD_COLOUR, "6 4", f'data-value="{threshold:g}"'))
    marked = [_connections(g) for g in groups if g["method"] != "dense" and g["sparsity"] == MARK_SPARSITY]
    if marked:
        x = px(sum(marked) / len(marked))
        parts.append(f'<line class="mark-sparsity" x1="{x:.1f}" y1="{TOP:.1f}" x2="{x:.1f}" '
                     f'y2="{TOP + PLOT_HEIGHT:.1f}" stroke="{MUTED}" stroke-width="1" stroke-dasharray="2 3"/>')
    legend: list[tuple[str, str, str]] = []  # (kind, label, colour)
    full = next((g for g in groups if g["method"] == "dense" and not g["narrowed"]), None)
    if full is not None:
        parts.append(_hline("dense-full", py(full["iqm"][0]), TEXT_COLOUR, "8 3", f'data-value="{full["iqm"][0]:g}"'))
        parts += _points([full], px, py, TEXT_COLOUR)
        legend.append(("dash", f"dense, full ({full['iqm'][0]:.1f})", TEXT_COLOUR))
    for method, (label, colour) in METHOD_STYLE.items():
        line = sorted((g for g in groups if g["method"] == method and (method != "dense" or g["narrowed"])),
                      key=_connections)
        if line:
            parts += _series(method, line, px, py, colour)
            legend.append(("line", label, colour))
    placed: list[tuple[float, float]] = []
    for point in sorted(zoo, key=lambda p: p["connections"]):
        if point["connections"] > 0:
            x, y = px(point["connections"]), py(point["mean"])
            label_y = _free_row(x, y - 6, placed)
            parts.append(f'<path class="champion" data-champion="{svg_text(point["champion"])}" d="{_diamond(x, y)}" '
                         f'fill="{ZOO_COLOUR}" stroke="{TEXT_COLOUR}" stroke-width="0.6"/>')
            parts.append(f'<text class="champion-label" x="{x + 7:.1f}" y="{label_y:.1f}" font-size="10" '
                         f'fill="{TEXT_COLOUR}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                         f'{svg_text(point["algorithm"])}</text>')
    if zoo:
        legend.append(("diamond", "zoo champions", ZOO_COLOUR))
    legend.append(("threshold", f"solved ({threshold:g})", THRESHOLD_COLOUR))
    parts += _legend(legend)
    parts.append(f'<text class="axis-title" x="{LEFT + PLOT_WIDTH / 2:.1f}" y="{TOP + PLOT_HEIGHT + 38:.1f}" '
                 f'text-anchor="middle" font-size="12" fill="{TEXT_COLOUR}">connections of the acting network '
                 f'(nonzero actor weights, log scale)</text>')
    middle = TOP + PLOT_HEIGHT / 2
    parts.append(f'<text class="axis-title" x="{LEFT - 52:.1f}" y="{middle:.1f}" text-anchor="middle" '
                 f'font-size="12" fill="{TEXT_COLOUR}" transform="rotate(-90 {LEFT - 52:.1f} {middle:.1f})">'
                 f'final return: IQM over seeds, 95% CI</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_sweep_svg(path: str | os.PathLike, summary: dict[str, Any]) -> None:
    atomic_write_text(path, sweep_svg(summary))


def _connections(group: dict[str, Any]) -> float:
    """A group's x: the mean of its runs' connection counts (they agree but for rounding in a layer)."""
    return sum(group["connections"]) / len(group["connections"])


def _diamond(x: float, y: float, size: float = 5.0) -> str:
    return (f"M {x:.1f} {y - size:.1f} L {x + size:.1f} {y:.1f} L {x:.1f} {y + size:.1f} "
            f"L {x - size:.1f} {y:.1f} Z")


def _x(group: dict[str, Any], px) -> float:
    return px(_connections(group)) + OFFSET[group["method"]]


def _log_bounds(low: float, high: float) -> tuple[float, float]:
    """The x axis' ends: the nearest 1, 2 or 5 x 10^k outside ``[low, high]``."""
    steps = [m * 10.0 ** k for k in range(-1, 12) for m in (1, 2, 5)]
    return max(v for v in steps if v <= low), min(v for v in steps if v >= high)


def _free_row(x: float, y: float, placed: list[tuple[float, float]]) -> float:
    """A label's baseline near ``y`` that keeps it off the labels already placed (about 12 px tall, 90 wide)."""
    for shift in (0, 12, -12, 24, -24, 36):
        if all(abs(x - px) > 90 or abs(y + shift - py) > 11 for px, py in placed):
            y += shift
            break
    placed.append((x, y))
    return y


def _frame(low: float, high: float, y_axis, px, py) -> list[str]:
    parts = []
    for tick, label in zip(y_axis.ticks, y_axis.labels, strict=True):
        y = py(tick)
        parts.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{LEFT + PLOT_WIDTH:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                     f'fill="{MUTED}">{label}</text>')
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for multiple in (1, 2, 5):
            value = multiple * 10.0 ** power
            if not low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
                continue
            x = px(value)
            parts.append(f'<line x1="{x:.1f}" y1="{TOP:.1f}" x2="{x:.1f}" y2="{TOP + PLOT_HEIGHT:.1f}" '
                         f'stroke="{GRID}"/>')
            parts.append(f'<text class="tick" x="{x:.1f}" y="{TOP + PLOT_HEIGHT + 15:.1f}" text-anchor="middle" '
                         f'font-size="10" fill="{MUTED}">{value:g}</text>')
    parts.append(f'<rect x="{LEFT:.1f}" y="{TOP:.1f}" width="{PLOT_WIDTH:.1f}" height="{PLOT_HEIGHT:.1f}" '
                 f'fill="none" stroke="{FRAME}"/>')
    return parts


def _hline(kind: str, y: float, colour: str, dashes: str, data: str) -> str:
    return (f'<line class="{kind}" x1="{LEFT:.1f}" y1="{y:.1f}" x2="{LEFT + PLOT_WIDTH:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="{dashes}" {data}/>')


def _series(method: str, line: list[dict], px, py, colour: str) -> list[str]:
    upper = [(_x(g, px), py(g["iqm"][2])) for g in line]
    lower = [(_x(g, px), py(g["iqm"][1])) for g in reversed(line)]
    band = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower)
    middle = " ".join(f"{_x(g, px):.1f},{py(g['iqm'][0]):.1f}" for g in line)
    return [f'<polygon class="interval" data-method="{method}" points="{band}" fill="{colour}" '
            f'fill-opacity="0.15" stroke="none"/>',
            f'<polyline class="series" data-method="{method}" points="{middle}" fill="none" stroke="{colour}" '
            f'stroke-width="1.6"/>', *_points(line, px, py, colour)]


def _points(line: list[dict], px, py, colour: str) -> list[str]:
    parts = []
    for g in line:
        x, (iqm, low, high) = _x(g, px), g["iqm"]
        parts.append(f'<line class="error-bar" x1="{x:.1f}" y1="{py(low):.1f}" x2="{x:.1f}" y2="{py(high):.1f}" '
                     f'stroke="{colour}" stroke-width="1"/>')
        parts.append(f'<circle class="point" data-group="{svg_text(g["group"])}" data-iqm="{iqm:.6g}" '
                     f'data-runs="{g["runs"]}" cx="{x:.1f}" cy="{py(iqm):.1f}" r="3" fill="{colour}"/>')
    return parts


def _legend(entries: list[tuple[str, str, str]]) -> list[str]:
    parts = []
    for row, (kind, label, colour) in enumerate(entries):
        y = TOP + 8 + 18 * row
        if kind == "diamond":
            x = LEGEND_X + 11
            parts.append(f'<path d="{_diamond(x, y)}" fill="{colour}" stroke="{TEXT_COLOUR}" stroke-width="0.6"/>')
        else:
            dashes = {"dash": ' stroke-dasharray="8 3"', "threshold": ' stroke-dasharray="6 4"'}.get(kind, "")
            parts.append(f'<line x1="{LEGEND_X:.1f}" y1="{y:.1f}" x2="{LEGEND_X + 22:.1f}" y2="{y:.1f}" '
                         f'stroke="{colour}" stroke-width="2"{dashes}/>')
        parts.append(f'<text class="legend" x="{LEGEND_X + 28:.1f}" y="{y + 4:.1f}" font-size="11" '
                     f'fill="{TEXT_COLOUR}">{svg_text(label)}</text>')
    return parts
