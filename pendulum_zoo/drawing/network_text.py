"""One policy network for the terminal: a rich table of the hidden units that can affect the action.

A binary mask (pruning) lists, per used hidden unit, the inputs that feed it. Real weights (CMA-ES, usually
all 192 nonzero) are shown as a grid, one row per used hidden unit: its 5 input weights and its weight to
the output, to 2 decimals, blue when positive and red when negative like the SVG figure. Either fits in 80
columns. Units on no input -> hidden -> output path are left out and counted in the summary.
"""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pendulum_zoo.drawing.network_svg import OUTPUT_NAME, Circuit, circuit
from pendulum_zoo.networks.policy import INPUT_NAMES, N_HIDDEN, N_INPUTS


def network_renderable(params: np.ndarray, title: str = "") -> RenderableType:
    """A rich renderable describing the network ``params`` (one policy of 192 weights)."""
    net = circuit(params)
    parts: list[RenderableType] = []
    if title:
        # Text, not a str: rich would read "[...]" in a str as markup
        parts.append(Text(title, style="bold"))
    if net.hidden_used == 0:
        parts.append(Text("no hidden unit lies on an input \u2192 hidden \u2192 output path: the action is always 0"))
    else:
        parts.append(_mask_table(net) if net.binary else _weight_table(net))
    parts.append(_summary(net))
    return Group(*parts)


def _mask_table(net: Circuit) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("unit", justify="right", no_wrap=True)
    table.add_column("inputs")
    table.add_column(f"\u2192 {OUTPUT_NAME}", justify="right", no_wrap=True)
    for j in np.flatnonzero(net.hidden_live):
        fed_by = ", ".join(INPUT_NAMES[i] for i in range(N_INPUTS) if net.w1[i, j] != 0)
        table.add_row(Text(f"h{j}"), Text(fed_by), _weight(net.w2[j], signed=False))
    return table


def _weight_table(net: Circuit) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("unit", justify="right", no_wrap=True)
    for name in INPUT_NAMES:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column(f"\u2192 {OUTPUT_NAME}", justify="right", no_wrap=True)
    for j in np.flatnonzero(net.hidden_live):
        cells = [_weight(net.w1[i, j]) for i in range(N_INPUTS)]
        table.add_row(Text(f"h{j}"), *cells, _weight(net.w2[j]))
    return table


def _weight(value: float, signed: bool = True) -> Text:
    if value == 0:
        return Text("\u00b7", style="dim")  # no connection
    if not signed:
        return Text(f"{value:g}")
    return Text(f"{value:+.2f}", style="blue" if value > 0 else "red")


def _summary(net: Circuit) -> Text:
    unused = N_HIDDEN - net.hidden_used
    inputs = ", ".join(name for name, live in zip(INPUT_NAMES, net.input_live, strict=True) if live) or "none"
    return Text(f"{net.connections} connections, {net.effective} effective; "
                f"{unused} of {N_HIDDEN} hidden units unused\ninputs used: {inputs}")
