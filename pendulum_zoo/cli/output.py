"""How the CLI prints: tables whole in a file or a pipe, Markdown lines never wrapped, one-line errors."""

from __future__ import annotations

import sys

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

_UNBOUNDED = 10_000  # columns offered to a renderable to measure its natural width


def print_whole(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable`` with all its columns. On a terminal rich fits it to the window; in a file or a
    pipe rich would assume 80 columns (or $COLUMNS) and drop or squeeze a wider table's columns, so the
    console is widened to the renderable's natural width for this print."""
    if console.is_terminal:
        console.print(renderable)
        return
    needed = Measurement.get(console, console.options.update_width(_UNBOUNDED), renderable).maximum
    width = console.width
    console.width = max(width, needed)
    try:
        console.print(renderable)
    finally:
        console.width = width


def print_lines(console: Console, text: str) -> None:
    """Print ``text`` as it is (Markdown rows...): never wrapped or cut, no markup, no highlighting."""
    console.print(text, soft_wrap=True, markup=False, highlight=False)


def print_error(message: str) -> None:
    """``error: message`` as one line on stderr."""
    _print_stderr("error: ", "bold red", message)


def print_warning(message: str) -> None:
    """``warning: message`` as one line on stderr."""
    _print_stderr("warning: ", "bold yellow", message)


def _print_stderr(label: str, style: str, message: str) -> None:
    console = Console(file=sys.stderr, highlight=False)
    console.print(Text(label, style=style) + Text(" ".join(message.split())), soft_wrap=True)


def counting_progress(console: Console, unit: str) -> Progress:
    """A transient bar counting ``unit`` ("episodes", "champions") done of a total; off in a file or a pipe,
    where rich would leave an empty line in its place."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                    TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)
