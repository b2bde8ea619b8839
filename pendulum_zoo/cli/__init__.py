"""The ``pendulum-zoo`` command: parses arguments, calls the library, prints.

``parser`` builds the command line (the ``train`` and ``benchmark`` options come from ``TrainConfig``'s fields),
``app.main`` runs a command and turns every library error into one ``error:`` line; one module per command
group (``demo``, ``training``, ``evaluation``, ``champions``); ``output`` and ``paths`` hold what they share.
"""

from pendulum_zoo.cli.app import main

__all__ = ["main"]
