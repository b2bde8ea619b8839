"""Any MLP (PPO's agents) as an SVG figure and as a terminal table.

The SVG has one column of nodes per layer and a line per nonzero weight, blue when positive and red when
negative (as ``network_svg``), its opacity growing with ``|w|`` so that a dense 64x64 layer stays readable (the
lines of one colour and opacity are one ``<path class="connection" data-segments="n">``);
units that no input reaches or that reach no output (through nonzero weights) are greyed. The table lists each
layer: its shape, the active weights and the sparsity, the weights' range.
"""

from __future__ import annotations

import os

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pendulum_zoo.drawing.network_svg import GREY_FILL, GREY_STROKE, NEGATIVE, OUTPUT_NAME, POSITIVE, USED_FILL
from pendulum_zoo.drawing.svg import TEXT_COLOUR, svg_head, svg_text
from pendulum_zoo.networks.mlp import MLP
from pendulum_zoo.networks.policy import INPUT_NAMES
from pendulum_zoo.storage.fileio import atomic_write_text

COLUMN, TOP, BOTTOM, MARGIN = 170, 62, 50, 110
MAX_ROW, MAX_IO_ROW = 9.0, 34.0  # the widest spacing of hidden units, and of inputs and outputs (bigger nodes)
OPACITY_STEPS = 8  # a line's opacity grows with |w| / max |w| in this many steps
SPAN = 64 * MAX_ROW * 0.9  # the tallest column's height: a 64-unit layer at its densest spacing


def live_units(net: MLP) -> list[np.ndarray]:
    """Per layer of units (inputs first), whether each lies on an input -> output path of nonzero weights."""
    nonzero = [w != 0.0 for w in net.weights]
    forward = [np.ones(net.sizes[0], dtype=bool)]
    for links in nonzero:
        forward.append((forward[-1][:, None] & links).any(axis=0))
    backward = [np.ones(net.sizes[-1], dtype=bool)]
    for links in reversed(nonzero):
        backward.insert(0, (links & backward[0][None, :]).any(axis=1))
    return [f & b for f, b in zip(forward, backward)]


def mlp_svg(net: MLP, title: str = "") -> str:
    """A standalone SVG document drawing ``net``; the output depends only on the inputs."""
    width = 2 * MARGIN + COLUMN * (len(net.sizes) - 1)
    height = TOP + SPAN + BOTTOM
    positions = []
    for index, size in enumerate(net.sizes):
        widest = MAX_IO_ROW if index in (0, len(net.sizes) - 1) else MAX_ROW
        row = min(widest, SPAN / max(1, size - 1))
        top = TOP + (SPAN - row * (size - 1)) / 2
        positions.append([(MARGIN + index * COLUMN, top + k * row) for k in range(size)])
    live = live_units(net)
    largest = max((float(np.abs(w).max()) for w in net.weights if w.size), default=0.0) or 1.0
    parts = svg_head(width, height, title, width / 2, 22)
    parts.append(f'<text class="legend" x="{width / 2:.1f}" y="40" text-anchor="middle" font-size="10" '
                 f'fill="#666666">{svg_text(_legend(net))}</text>')
    # one path per colour and opacity step: a dense 64x64 layer stays a small file
    segments: dict[tuple[bool, int], list[str]] = {}
    for layer, weight in enumerate(net.weights):
        for i, j in zip(*np.nonzero(weight)):
            (x1, y1), (x2, y2) = positions[layer][i], positions[layer + 1][j]
            value = float(weight[i, j])
            step = min(OPACITY_STEPS - 1, int(OPACITY_STEPS * abs(value) / largest))
            segments.setdefault((value > 0, step), []).append(f"M{x1:.0f} {y1:.1f}L{x2:.0f} {y2:.1f}")
    parts.append('<g class="connections" fill="none" stroke-width="0.8">')
    for (positive, step), path in sorted(segments.items()):
        opacity = 0.08 + 0.72 * (step + 0.5) / OPACITY_STEPS
        parts.append(f'<path class="connection" data-segments="{len(path)}" '
                     f'stroke="{POSITIVE if positive else NEGATIVE}" stroke-opacity="{opacity:.2f}" '
                     f'd="{"".join(path)}"/>')
    parts.append("</g>")
    parts.append('<g class="nodes">')
    for layer, column in enumerate(positions):
        radius = 7.0 if layer in (0, len(positions) - 1) else 3.2
        for k, (x, y) in enumerate(column):
            used = bool(live[layer][k])
            parts.append(f'<circle class="node {"used" if used else "unused"}" cx="{x:.1f}" cy="{y:.1f}" '
                         f'r="{radius}" fill="{USED_FILL if used else GREY_FILL}" stroke="{GREY_STROKE}"/>')
    for k, (x, y) in enumerate(positions[0]):
        name = INPUT_NAMES[k] if net.sizes[0] == len(INPUT_NAMES) else f"in {k}"
        parts.append(f'<text class="label" x="{x - 13:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="{TEXT_COLOUR}">{svg_text(name)}</text>')
    for k, (x, y) in enumerate(positions[-1]):
        name = OUTPUT_NAME if net.sizes[-1] == 1 else f"out {k}"
        parts.append(f'<text class="label" x="{x + 13:.1f}" y="{y + 4:.1f}" font-size="12" '
                     f'fill="{TEXT_COLOUR}">{svg_text(name)}</text>')
    parts.append("</g>")
    caption = f"{net.connections} of {net.num_weights} weights nonzero, sparsity {net.sparsity:.1%}"
    parts.append(f'<text class="caption" x="{width / 2:.1f}" y="{height - 18}" text-anchor="middle" '
                 f'font-size="11" fill="{TEXT_COLOUR}" data-connections="{net.connections}">'
                 f'{svg_text(caption)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_mlp_svg(path: str | os.PathLike, net: MLP, title: str = "") -> None:
    """Write ``mlp_svg(net, title)`` to ``path`` atomically."""
    atomic_write_text(path, mlp_svg(net, title))


def mlp_renderable(net: MLP, title: str = "") -> RenderableType:
    """A rich table of ``net``'s layers: shape, active weights, sparsity, weight range."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("layer", "shape", "active", "sparsity", "min w", "max w"):
        table.add_column(column, justify="left" if column == "layer" else "right", no_wrap=True)
    for layer, (weight, mask) in enumerate(zip(net.weights, net.masks)):
        active = int(mask.sum())
        table.add_row(str(layer + 1), f"{weight.shape[0]} x {weight.shape[1]}", f"{active}/{mask.size}",
                      f"{1 - active / mask.size:.1%}", f"{weight.min():.3f}", f"{weight.max():.3f}")
    parts: list[RenderableType] = [Text(title, style="bold")] if title else []
    parts += [table, Text(_legend(net))]
    return Group(*parts)


def _legend(net: MLP) -> str:
    widths = "-".join(str(size) for size in net.sizes)
    normalised = "normalised inputs" if net.normaliser is not None else "raw inputs"
    bias = "biases" if net.bias else "no biases"
    return f"MLP {widths}, {net.activation} ({net.output_activation} output), {bias}, {normalised}"
