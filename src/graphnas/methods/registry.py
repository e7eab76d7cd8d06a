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


def multi_objective_methods() -> list[str]:
    """The methods that search several objectives (``--objectives score,params``)."""
    return [name for name, m in METHODS.items() if m.multi_objective]


def check_objectives(name: str, objectives: int) -> None:
    """ValueError when method ``name`` is given several objectives it cannot search."""
    if objectives > 1 and name in METHODS and not METHODS[name].multi_objective:
        raise ValueError(f"--strategy {name} searches one objective; with several "
                         f"--objectives use one of {', '.join(multi_objective_methods())}")


def check_fidelity(name: str, fidelity: str) -> None:
    """ValueError when method ``name`` has no trials to train in rungs."""
    if name in METHODS and not METHODS[name].multi_fidelity:
        able = [n for n, m in METHODS.items() if m.multi_fidelity]
        raise ValueError(f"--fidelity {fidelity}: --strategy {name} has no trials to promote "
                         f"(it trains a supergraph); use one of {', '.join(able)}")


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; use one of {', '.join(method_names())}")
    return METHODS[name]
