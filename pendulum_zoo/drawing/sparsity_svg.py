"""Mean curves with a one-standard-deviation band against IMP rounds, as a standalone SVG (the lottery-ticket
study's return against sparsity, the paper's Figures 2 to 4, and each input's weight against sparsity, Figure 8).

The x axis is the round: weights remaining fall by a constant factor per round, so rounds are a logarithmic
sparsity axis; tick labels give the percentage of weights remaining.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pendulum_zoo.drawing.svg import TEXT_COLOUR, svg_head, svg_text

WIDTH, HEIGHT = 760, 380
LEFT, TOP, PLOT_W, PLOT_H = 72.0, 48.0, 480.0, 260.0
LEGEND_X = LEFT + PLOT_W + 18
GRID, FRAME, MUTED = "#ececec", "#999999", "#777777"
COLOURS = ("#d7301f", "#1a9850", "#2166ac", "#e08214", "#762a83", "#222222")


@dataclass(frozen=True)
class Series:
    """One curve: ``points`` are ``(round, mean, std)``; ``std`` None draws no band."""

    label: str
    points: list[tuple[float, float, float | None]]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    raw = span / count
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= count:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + k * step for k in range(int((high - first) / step + 1e-9) + 1)]


def sparsity_curves_svg(series: list[Series], remaining: list[float], *, title: str = "", y_title: str = "return",
                        y_range: tuple[float, float] | None = None) -> str:
    """``remaining[r]``: fraction of the pruned weights left at round r (the x tick labels)."""
    rounds = len(remaining) - 1
    values = [v for s in series for _, mean, std in s.points for v in (mean - (std or 0), mean + (std or 0))]
    low, high = y_range if y_range is not None else (min(values, default=0.0), max(values, default=1.0))
    if high <= low:
        high = low + 1.0

    def x(r: float) -> float:
        return LEFT + (r / max(1, rounds)) * PLOT_W

    def y(v: float) -> float:
        return TOP + PLOT_H - (min(max(v, low), high) - low) / (high - low) * PLOT_H

    parts = svg_head(WIDTH, HEIGHT, title, LEFT + PLOT_W / 2, 28)
    for tick in _ticks(low, high):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{TEXT_COLOUR}">{tick:g}</text>')
    step = max(1, round(rounds / 10))
    for r in range(0, rounds + 1, step):
        label = f"{100 * remaining[r]:.3g}"
        parts.append(f'<text x="{x(r):.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle" font-size="11" '
                     f'fill="{TEXT_COLOUR}">{label}</text>')
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="none" stroke="{FRAME}"/>')
    parts.append(f'<text x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H + 36}" text-anchor="middle" font-size="12" '
                 f'fill="{MUTED}">% of weights remaining (one IMP round per step)</text>')
    parts.append(f'<text x="18" y="{TOP + PLOT_H / 2}" text-anchor="middle" font-size="12" fill="{MUTED}" '
                 f'transform="rotate(-90 18 {TOP + PLOT_H / 2})">{svg_text(y_title)}</text>')
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        pts = sorted(s.points)
        band = [(r, m, sd) for r, m, sd in pts if sd is not None]
        if band:
            outline = [f"{x(r):.1f},{y(m + sd):.1f}" for r, m, sd in band]
            outline += [f"{x(r):.1f},{y(m - sd):.1f}" for r, m, sd in reversed(band)]
            parts.append(f'<polygon points="{" ".join(outline)}" fill="{colour}" fill-opacity="0.12" stroke="none"/>')
        line = " ".join(f"{x(r):.1f},{y(m):.1f}" for r, m, _ in pts)
        parts.append(f'<polyline class="series" data-series="{svg_text(s.label)}" points="{line}" fill="none" '
                     f'stroke="{colour}" stroke-width="{4 if index == 0 else 2}"/>')  # the first stays visible under
        ly = TOP + 10 + 20 * index
        parts.append(f'<line x1="{LEGEND_X}" x2="{LEGEND_X + 22}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="3"/>')
        parts.append(f'<text x="{LEGEND_X + 28}" y="{ly + 4}" font-size="12" fill="{TEXT_COLOUR}">'
                     f'{svg_text(s.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
