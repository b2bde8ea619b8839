"""Any agent, by name or as an object: the layer above the protocol and the zoo that joins them.

``resolve_agent("mk1", env_id)`` is the zoo's mk1 champion for ``env_id``; anything else goes to the protocol
(``protocol.agent.as_agent``: policy files, ``"random"``, ``Policy``, callables, ``act``/``predict`` objects).
``evaluate`` is ``protocol.evaluate`` taking names too; it is ``pendulum_zoo.evaluate``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.protocol import DEFAULT_EPISODES
from pendulum_zoo.protocol import evaluate as evaluate_agent
from pendulum_zoo.protocol.agent import Agent, as_agent
from pendulum_zoo.protocol.report import Report
from pendulum_zoo.rollout.evaluator import DEFAULT_ENGINE


def resolve_agent(agent: Any, env_id: str) -> Agent:
    """The ``Agent`` that ``agent`` names or is, for ``env_id``; TypeError/ValueError naming the problem."""
    if isinstance(agent, (str, os.PathLike)):
        text = os.fspath(agent)
        if text != "random" and not os.path.exists(text):
            return _champion(text, env_id)
    return as_agent(agent)


def _champion(name: str, env_id: str) -> Agent:
    from pendulum_zoo.zoo import champion_algorithms, load_champion

    if name not in champion_algorithms():
        raise ValueError(f"{name!r} is not a champion name ({', '.join(champion_algorithms())}), 'random', or an "
                         "existing policy file")
    return as_agent(load_champion(name, canonical_env_id(env_id)))


def evaluate(agent: Any, env_id: str, episodes: int = DEFAULT_EPISODES, seed: int = 0, *,
             workers: int | None = None, noise: Sequence[float] = (),
             on_progress: Callable[[int, int], None] | None = None, timeout: float | None = None,
             engine: str = DEFAULT_ENGINE) -> Report:
    """``protocol.evaluate`` (see there), accepting champion names such as ``"mk1"`` as well."""
    return evaluate_agent(resolve_agent(agent, env_id), env_id, episodes, seed, workers=workers, noise=noise,
                          on_progress=on_progress, timeout=timeout, engine=engine)
