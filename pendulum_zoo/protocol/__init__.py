"""The standard evaluation protocol: any agent over seeded episodes, its report, the article's tables.

``pendulum_zoo.protocol.evaluate`` takes agents as objects and files; ``pendulum_zoo.evaluate``
(``pendulum_zoo.resolve``) also takes the zoo's champion names.
"""

from pendulum_zoo.protocol.agent import Agent, RandomAgent, as_agent
from pendulum_zoo.protocol.scoring import DEFAULT_EPISODES, evaluate

__all__ = ["DEFAULT_EPISODES", "Agent", "RandomAgent", "as_agent", "evaluate"]
