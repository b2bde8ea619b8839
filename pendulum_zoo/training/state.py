"""A run's state between generations: what the checkpoint saves and the loop updates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class RunState:
    """Everything that changes between generations (and goes into the checkpoint)."""

    generation: int = 0
    env_steps: int = 0
    wall_time: float = 0.0
    champion: np.ndarray | None = None
    champion_fitness: float = -math.inf
    champion_generation: int | None = None
    steps_to_solve: int | None = None
    solved_generation: int | None = None
    stop_reason: str | None = None
    validation: dict[str, Any] | None = None
    # the all-time best member as training left it, kept once validation has chosen another champion, so that
    # a run that used up its budget can be given a longer one
    trained_champion: np.ndarray | None = None
    trained_champion_fitness: float | None = None
    trained_champion_generation: int | None = None


ARRAY_FIELDS = ("champion", "trained_champion")  # saved as arrays; the other fields go into the header
STOP_REASONS = ("solved", "max_generations")
