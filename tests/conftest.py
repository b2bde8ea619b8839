import os
import sys

import pytest

import pendulum_zoo  # noqa: F401  (registers the environments)

BALANCE_IDS = ("pendulum_zoo/InvertedPendulum-v0", "pendulum_zoo/InvertedPendulumWide-v0")
SWINGUP_IDS = ("pendulum_zoo/InvertedPendulumSwingup-v0", "pendulum_zoo/InvertedPendulumSwingupWide-v0")
DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture
def no_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check applies on Linux")
