"""The standard evaluation protocol: any agent over seeded episodes, its report, the article's tables."""

from pendulum_zoo.protocol.scoring import DEFAULT_EPISODES, RandomAgent, evaluate

__all__ = ["DEFAULT_EPISODES", "RandomAgent", "evaluate"]
