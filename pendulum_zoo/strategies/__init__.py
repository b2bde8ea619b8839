"""Ask/tell strategies, one algorithm per file, registered by name."""

from __future__ import annotations

from typing import Any

from pendulum_zoo.strategies.base import Strategy
from pendulum_zoo.validation import did_you_mean, quote

STRATEGIES: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    STRATEGIES[cls.name] = cls
    return cls


def get_strategy_class(name: str) -> type[Strategy]:
    _load_builtins()
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(f"unknown algorithm {quote(name)}{did_you_mean(name, STRATEGIES)}; choose one of: "
                         f"{', '.join(algorithm_names())}") from None


_ARTICLE_ORDER = ("mk1", "mk2", "cma-layerwise", "cma")  # the article's order, then canonical CMA-ES


def algorithm_names() -> list[str]:
    """Every registered algorithm: the built-in ones in the article's order, then any others by name."""
    _load_builtins()
    return [n for n in _ARTICLE_ORDER if n in STRATEGIES] + sorted(set(STRATEGIES) - set(_ARTICLE_ORDER))


def make_strategy(name: str, population_size: int, seed: int, **hyperparameters: Any) -> Strategy:
    """A new strategy by name (``mk1``, ``mk2``, ``cma-layerwise``, ``cma``)."""
    return get_strategy_class(name)(population_size, seed, **hyperparameters)


def strategy_from_state_dict(state: dict[str, Any]) -> Strategy:
    return get_strategy_class(state["meta"]["name"]).from_state_dict(state)


def _load_builtins() -> None:
    from pendulum_zoo.strategies import cma, cma_layerwise, mk1, mk2  # noqa: F401  (they register themselves)


__all__ = ["STRATEGIES", "Strategy", "algorithm_names", "get_strategy_class", "make_strategy", "register", "strategy_from_state_dict"]
