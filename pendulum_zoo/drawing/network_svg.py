"""One policy network as a standalone SVG figure, like the article's champion figures.

Three columns of nodes (the 5 inputs, the 32 hidden units, the action) and a line per nonzero weight. Binary
masks (pruning) are drawn as uniform dark lines; real weights (CMA-ES) are blue when positive and red when
negative, as in the article, with a width proportional to ``|w|``. Units and weights that lie on no
input -> hidden -> output path cannot change the action: they are greyed (dashed lines) so that the effective
circuit stands out. ``circuit`` holds that analysis; ``network_text`` uses it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from pendulum_zoo.drawing.svg import svg_head, svg_text
from pendulum_zoo.storage.fileio import atomic_write_text
from pendulum_zoo.networks.policy import (
    INPUT_NAMES,
    N_HIDDEN,
    N_INPUTS,
    as_population,
    is_binary,
    layers,
    live_hidden_units,
)

OUTPUT_NAME = "action"

# Colours: the article's figure uses blue for positive and red for negative weights.
POSITIVE, NEGATIVE, BINARY = "#2166ac", "#c0392b", "#333333"
GREY_LINE, GREY_FILL, GREY_STROKE, GREY_TEXT = "#c8c8c8", "#eeeeee", "#c4c4c4", "#b0b0b0"
USED_FILL, USED_STROKE, TEXT = "#3c3c3c", "#222222", "#222222"

# Geometry, in SVG user units.
WIDTH = 560
TOP = 62  # room for the title and the legend line
ROW = 18  # vertical distance between hidden units
NODE_R, IO_R = 7.5, 9.0
X_IN, X_HIDDEN, X_OUT = 160.0, 320.0, 460.0
SPAN = (N_HIDDEN - 1) * ROW
HEIGHT = int(TOP + SPAN + 64)


@dataclass(frozen=True)
class Circuit:
    """A network's weights and which of them can affect the action.

    ``w1`` is ``(5, 32)``, ``w2`` is ``(32,)``. Live hidden units are ``networks.policy.live_hidden_units``'s;
    an input is live when it feeds a live hidden unit. Effective weights are the nonzero weights touching a
    live hidden unit, the count ``networks.policy.effective_connections`` gives.
    """

    w1: np.ndarray
    w2: np.ndarray
    binary: bool
    hidden_live: np.ndarray
    input_live: np.ndarray
    w1_effective: np.ndarray
    w2_effective: np.ndarray

    @property
    def connections(self) -> int:
        return int(np.count_nonzero(self.w1) + np.count_nonzero(self.w2))

    @property
    def effective(self) -> int:
        return int(np.count_nonzero(self.w1_effective) + np.count_nonzero(self.w2_effective))

    @property
    def hidden_used(self) -> int:
        return int(np.count_nonzero(self.hidden_live))

    @property
    def max_abs(self) -> float:
        return float(max(np.max(np.abs(self.w1)), np.max(np.abs(self.w2))))


def circuit(params: np.ndarray) -> Circuit:
    """Analyse one policy, ``(192,)`` or ``(1, 192)``; raises ValueError for anything else."""
    population = as_population(params)
    if population.shape[0] != 1:
        raise ValueError(f"expected one policy, got {population.shape[0]}")
    w1_all, w2_all = layers(population)
    w1, w2 = w1_all[0].copy(), w2_all[0].copy()
    hidden_live = live_hidden_units(population)[0]
    w1_effective = (w1 != 0) & hidden_live[None, :]
    return Circuit(
        w1=w1,
        w2=w2,
        binary=is_binary(population),  # a 0/1 mask is a pruning policy
        hidden_live=hidden_live,
        input_live=np.any(w1_effective, axis=1),
        w1_effective=w1_effective,
        w2_effective=hidden_live.copy(),
    )


def network_svg(params: np.ndarray, title: str = "") -> str:
    """A standalone SVG document drawing the network ``params`` (one policy of 192 weights).

    Every connection is a ``<line class="connection effective">`` or ``<line class="connection unused">``;
    nodes and labels carry ``used`` / ``unused`` classes. The output depends only on the inputs.
    """
    net = circuit(params)
    inputs = _input_positions()
    hidden = [(X_HIDDEN, TOP + j * ROW) for j in range(N_HIDDEN)]
    output = (X_OUT, TOP + SPAN / 2)

    lines: list[tuple[bool, str]] = []
    for i in range(N_INPUTS):
        for j in range(N_HIDDEN):
            if net.w1[i, j] != 0:
                lines.append(_connection(net, net.w1[i, j], bool(net.w1_effective[i, j]), inputs[i], hidden[j],
                                         INPUT_NAMES[i], f"h{j}"))
    for j in range(N_HIDDEN):
        if net.w2[j] != 0:
            lines.append(_connection(net, net.w2[j], bool(net.w2_effective[j]), hidden[j], output,
                                     f"h{j}", OUTPUT_NAME))

    parts = svg_head(WIDTH, HEIGHT, title, WIDTH / 2, 22)
    parts.append(f'<text class="legend" x="{WIDTH / 2:.1f}" y="40" text-anchor="middle" font-size="10" '
                 f'fill="#666666">{svg_text(_legend(net))}</text>')
    # Greyed lines first so the effective circuit is drawn on top of them.
    parts.append('<g class="connections">')
    parts.extend(line for effective, line in lines if not effective)
    parts.extend(line for effective, line in lines if effective)
    parts.append("</g>")

    parts.append('<g class="nodes">')
    for i, (x, y) in enumerate(inputs):
        used = bool(net.input_live[i])
        parts.append(_node(x, y, IO_R, used, f"input {INPUT_NAMES[i]}"))
        parts.append(_label(x - IO_R - 6, y + 4, INPUT_NAMES[i], used, "end", 12))
    for j, (x, y) in enumerate(hidden):
        used = bool(net.hidden_live[j])
        parts.append(_node(x, y, NODE_R, used, f"hidden h{j}"))
        # the index sits inside the node: beside it, it would cross the lines that fan out
        parts.append(f'<text class="label {_use(used)}" x="{x:.1f}" y="{y + 2.5:.1f}" text-anchor="middle" '
                     f'font-size="7" fill="{"#ffffff" if used else GREY_TEXT}">{j}</text>')
    out_used = net.hidden_used > 0
    parts.append(_node(*output, IO_R, out_used, f"output {OUTPUT_NAME}"))
    parts.append(_label(output[0] + IO_R + 6, output[1] + 4, OUTPUT_NAME, out_used, "start", 12))
    parts.append("</g>")

    caption = (f"{net.connections} connections, {net.effective} effective, "
               f"{net.hidden_used}/{N_HIDDEN} hidden units used")
    parts.append(f'<text class="caption" x="{WIDTH / 2:.1f}" y="{HEIGHT - 18}" text-anchor="middle" '
                 f'font-size="11" fill="{TEXT}" data-connections="{net.connections}" '
                 f'data-effective="{net.effective}" data-hidden-used="{net.hidden_used}">{svg_text(caption)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_network_svg(path: str | os.PathLike, params: np.ndarray, title: str = "") -> None:
    """Write ``network_svg(params, title)`` to ``path`` atomically."""
    atomic_write_text(path, network_svg(params, title))


def _input_positions() -> list[tuple[float, float]]:
    # the 5 inputs spread over the middle two thirds of the hidden column's height
    gap = SPAN * 2 / 3 / (N_INPUTS - 1)
    first = TOP + SPAN / 2 - gap * (N_INPUTS - 1) / 2
    return [(X_IN, first + i * gap) for i in range(N_INPUTS)]


def _connection(net: Circuit, weight: float, effective: bool, start: tuple[float, float],
                end: tuple[float, float], source: str, target: str) -> tuple[bool, str]:
    if net.binary:
        colour, width = BINARY, 1.2
    else:
        colour = POSITIVE if weight > 0 else NEGATIVE
        width = 0.3 + 2.7 * abs(weight) / net.max_abs
    if effective:
        style = f'stroke="{colour}" stroke-width="{width:.2f}" stroke-opacity="0.85"'
    else:
        style = f'stroke="{GREY_LINE}" stroke-width="{min(width, 1.0):.2f}" stroke-dasharray="3 3"'
    line = (f'<line class="connection {"effective" if effective else "unused"}" '
            f'x1="{start[0]:.1f}" y1="{start[1]:.1f}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" {style} '
            f'data-from="{svg_text(source)}" data-to="{target}" data-weight="{float(weight):.6g}"/>')
    return effective, line


def _node(x: float, y: float, radius: float, used: bool, name: str) -> str:
    fill, stroke = (USED_FILL, USED_STROKE) if used else (GREY_FILL, GREY_STROKE)
    return (f'<circle class="node {_use(used)}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1" data-name="{svg_text(name)}"/>')


def _label(x: float, y: float, text: str, used: bool, anchor: str, size: int) -> str:
    return (f'<text class="label {_use(used)}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
            f'font-size="{size}" fill="{TEXT if used else GREY_TEXT}">{svg_text(text)}</text>')


def _use(used: bool) -> str:
    return "used" if used else "unused"


def _legend(net: Circuit) -> str:
    grey = "dashed grey: on no input \u2192 hidden \u2192 output path"
    if net.binary:
        return f"binary mask: each line is a weight of 1; {grey}"
    return f"blue > 0, red < 0, width \u221d |w| (max {net.max_abs:.3g}); {grey}"
