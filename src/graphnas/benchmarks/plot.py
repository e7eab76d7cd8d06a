"""Anytime curves of a strategy comparison (matplotlib, Agg; nothing is shown)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def plot_regret_curves(results: Mapping[str, Mapping[str, Mapping[str, Any]]], path: str | Path,
                       title: str = "", curve: str = "regret_curve") -> Path:
    """One panel per data set: mean regret against queries, one line per strategy.

    ``results`` maps data set -> strategy -> a summary with the ``curve`` key
    (``regret_curve``: validation regret; ``hv_regret_curve``: hypervolume regret).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for ax, (dataset, by_strategy) in zip(axes[0], results.items()):
        for name, summary in by_strategy.items():
            values = summary[curve]
            ax.plot(range(1, len(values) + 1), values, label=name)
        ax.set_title(dataset)
        ax.set_xlabel("queries")
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("mean hypervolume regret" if curve == "hv_regret_curve"
                          else "mean validation regret")
    axes[0][-1].legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
