"""The versions of the distributions a result depends on, as their installers know them (``pip show``), for
reports and model cards: pybullet 3.2.7, not its API number 202010061."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

DISTRIBUTIONS = {"pendulum_zoo": "pendulum-zoo", "gymnasium": "gymnasium", "pybullet": "pybullet", "numpy": "numpy"}


def installed_versions() -> dict[str, str]:
    """``{"pendulum_zoo": "0.1.0", "gymnasium": "1.4.0", "pybullet": "3.2.7", "numpy": ..., "python": ...}``."""
    versions = {}
    for key, distribution in DISTRIBUTIONS.items():
        try:
            versions[key] = version(distribution)
        except PackageNotFoundError:  # run from a source tree that was never installed
            versions[key] = _module_version(key)
    versions["python"] = sys.version.split()[0]
    return versions


def _module_version(name: str) -> str:
    if name == "pendulum_zoo":
        from pendulum_zoo._version import __version__

        return __version__
    return "unknown"
