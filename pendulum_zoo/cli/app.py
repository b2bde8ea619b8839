"""``main``: parse, run one command, and end every failure in one ``error:`` line with exit code 2."""

from __future__ import annotations

from rich.console import Console

from pendulum_zoo.cli.output import print_error
from pendulum_zoo.cli.parser import build_parser

# contract 1: bad input and damaged files (ValueError, TypeError), the environment (OSError: permissions, a full
# disk, a file where a folder should be...), run-time failures (RuntimeError: a dead worker, a locked run folder)
COMMAND_ERRORS = (ValueError, TypeError, OSError, RuntimeError)
EXIT_ERROR, EXIT_INTERRUPTED = 2, 130  # 2 as argparse exits on bad arguments; 130 = 128 + SIGINT


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    try:
        return args.handler(args, console)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return EXIT_INTERRUPTED
    except COMMAND_ERRORS as error:
        print_error(describe(error))
        return EXIT_ERROR


def describe(error: BaseException) -> str:
    """The message of ``error``; an OSError raised by the system (``[Errno 13] Permission denied: 'x'``)
    becomes ``Permission denied: x``."""
    if isinstance(error, OSError) and error.strerror and str(error).startswith("[Errno"):
        names = [str(name) for name in (error.filename, error.filename2) if name is not None]
        return f"{error.strerror}: {' -> '.join(names)}" if names else error.strerror
    return str(error) or type(error).__name__
