"""Seed summaries and metric formatting shared by the benchmark tables."""

from __future__ import annotations

import statistics


def summary(values: list[float | None]) -> tuple[float | None, float | None]:
    """Mean and standard deviation of the values that are not None (None, None if none is)."""
    kept = [v for v in values if v is not None]
    if not kept:
        return None, None
    return statistics.mean(kept), statistics.stdev(kept) if len(kept) > 1 else 0.0


def fmt(v: float | None, mse: bool) -> str:
    """An MSE in scientific notation, an accuracy in percent, a missing value as '-'."""
    return "-" if v is None else f"{v:.2e}" if mse else f"{100 * v:.2f}%"
