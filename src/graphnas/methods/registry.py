"""Search methods by name: every registered ask/tell strategy as a one-phase method, and the
multi-phase methods. Adding a method is one module (a :class:`~.base.Method`) and one line
here; a new strategy in :data:`graphnas.strategies.STRATEGIES` is a method already."""

from __future__ import annotations

from graphnas.strategies import strategy_names

from .ask_tell import StrategyMethod
from .base import Method
from .differentiable import Differentiable
from .hybrid import Hybrid

METHODS: dict[str, Method] = {
    **{name: StrategyMethod(name) for name in strategy_names()},
    "differentiable": Differentiable(),
    "hybrid": Hybrid(),
}


def method_names() -> list[str]:
    return list(METHODS)


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; use one of {', '.join(method_names())}")
    return METHODS[name]
