"""Anytime curves of a strategy comparison (matplotlib, Agg; nothing is shown)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def plot_regret_curves(results: Mapping[str, Mapping[str, Mapping[str, Any]]], path: str | Path,
                       title: str = "") -> Path:
    """One panel per data set: mean validation regret against queries, one line per strategy.

    ``results`` maps data set -> strategy -> a summary with ``regret_curve``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for ax, (dataset, by_strategy) in zip(axes[0], results.items()):
        for name, summary in by_strategy.items():
            curve = summary["regret_curve"]
            ax.plot(range(1, len(curve) + 1), curve, label=name)
        ax.set_title(dataset)
        ax.set_xlabel("queries")
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("mean validation regret")
    axes[0][-1].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
