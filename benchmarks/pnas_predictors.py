"""PNAS's predictor against simpler ones, on the cells B10's searches trained (issue 35).

Reads each PNAS search's strategy state (``state-search.json``: every trained cell with its
score and round) and replays its rounds: for each round after the first, a predictor is fitted
on the cells told before the round was ranked and scores the round's trained cells (the ones the
search's own predictor had ranked, so all predictors are judged on the same cells). Per
predictor, the mean over searches of the last round's Spearman and of the mean over rounds.

Predictors: ``mlp`` (the paper's MLP ensemble on the raw scores, refitted here with another
seed), ``mlp-ranks`` (the same on the scores' normal scores, as ``pnas`` fits it), ``ridge`` (ridge
regression on the same features), ``gp`` (scikit-learn's Gaussian process, RBF plus white
noise), ``parent`` (the score of the cell one block smaller that was expanded: no learning at
all), ``mlp+parent`` (the MLP ensemble with the parent's standardised score as one more
feature; 0 for one-block cells) and ``recorded`` (the Spearman the search itself logged).
The cells are kept in a small committed file, so the table reprints without the run folders::

    .venv/bin/python benchmarks/pnas_predictors.py runs/b10/digits/pnas/seed*
    .venv/bin/python benchmarks/pnas_predictors.py          # from the committed cells only
    .venv/bin/python benchmarks/pnas_predictors.py --offset 100   # refits with other seeds

Run folders passed are (re)read into ``--record`` under ``task-seed``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
from record import RESULTS, Record
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import Ridge
from summaries import summary

from graphnas.spaces import get_space
from graphnas.strategies.normal_scores import normal_scores
from graphnas.strategies.pnas_parts import BlockGrowth, MLPEnsemble, spearman
from graphnas.tasks import get_task

PREDICTORS = ("recorded", "mlp", "mlp-ranks", "ridge", "gp", "parent", "mlp+parent")


def read_run(folder: Path) -> dict:
    """The run's task, seed, space options, rounds and cells in the order they were told."""
    config = json.loads((folder / "config.json").read_text())["settings"]
    state = json.loads((folder / "state-search.json").read_text())["strategy"]
    round_of = {tuple(c): r for c, r in state["round_of"]}
    return {"task": config["task"], "seed": config["seed"],
            "space_options": config.get("space_options") or {}, "rounds": state["rounds"],
            "told": [[c, s, round_of.get(tuple(c))] for c, s in state["told"]],
            "predicted": state["predicted"]}


def replay(run: dict, offset: int = 0) -> dict[str, list[float | None]]:
    """Per predictor, the Spearman on each round after the first (None where undefined);
    ``offset`` is added to the seeds of the refitted predictors."""
    task = get_task(run["task"], seed=run["seed"])
    growth = BlockGrowth(get_space("blocks", task.input_spec, task.output_spec,
                                   **run["space_options"]))
    predicted = {tuple(c) for c, _ in run["predicted"]}
    told = [(tuple(c), s, r) for c, s, r in run["told"]]
    closed_at = _closing_tells(told, [info["quota"] for info in run["rounds"]])
    out: dict[str, list[float | None]] = {p: [] for p in PREDICTORS}
    for r, info in enumerate(run["rounds"][1:], start=1):
        if closed_at[r - 1] is None:
            break
        known = [(c, s) for c, s, _ in told[: closed_at[r - 1] + 1] if s is not None]
        test = [(c, s) for c, s, rr in told if rr == r and s is not None and c in predicted]
        out["recorded"].append(info["spearman"])
        for name in PREDICTORS[1:]:
            guess = predict(name, growth, known, [c for c, _ in test], run["seed"] + r + offset)
            out[name].append(spearman(guess, [s for _, s in test]) if guess else None)
    return out


def _closing_tells(told: list, quotas: list[int]) -> list[int | None]:
    """For each round, the index of the tell that closed it (its quota's last), as the
    strategy closes a round: failures count."""
    counts, closed = [0] * len(quotas), [None] * len(quotas)
    for i, (_, _, r) in enumerate(told):
        if r is not None:
            counts[r] += 1
            if counts[r] == quotas[r] and closed[r] is None:
                closed[r] = i
    return closed


def predict(name: str, growth: BlockGrowth, known: list, cells: list, seed: int) -> list:
    """``name``'s scores for ``cells``, fitted on ``known`` (cell, score) pairs."""
    if len(known) < 2 or not cells:
        return []
    scores = dict(known)
    if name == "parent":
        guess = [scores.get(_parent(c)) for c in cells]
        return [] if None in guess else guess
    rows = [growth.features(c) for c, _ in known]
    y = np.array([s for _, s in known])
    if name == "mlp+parent":
        mean, std = y.mean(), y.std() or 1.0

        def features(c: tuple) -> dict[str, float]:
            p = scores.get(_parent(c))
            return {**growth.features(c), "parent": 0.0 if p is None else (p - mean) / std}

        model = MLPEnsemble(seed=seed).fit([features(c) for c, _ in known], y)
        return list(model.predict([features(c) for c in cells]))
    if name == "mlp-ranks":
        return list(MLPEnsemble(seed=seed).fit(rows, normal_scores(y)).predict(
            [growth.features(c) for c in cells]))
    if name == "mlp":
        return list(MLPEnsemble(seed=seed).fit(rows, y).predict([growth.features(c)
                                                                 for c in cells]))
    names = sorted({k for row in rows for k in row})
    x = _matrix(rows, names)
    xt = _matrix([growth.features(c) for c in cells], names)
    if name == "ridge":
        return list(Ridge(alpha=1.0).fit(x, y).predict(xt))
    kernel = ConstantKernel() * RBF(length_scale=1.0) + WhiteKernel()
    gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
    return list(gp.fit(x, y).predict(xt))


def _parent(cell: tuple) -> tuple:
    """The cell one block smaller that ``cell`` extends (blocks-space choices)."""
    return (cell[0] - 1, *cell[1:1 + 4 * cell[0]])


def _matrix(rows: list[dict[str, float]], names: list[str]) -> np.ndarray:
    return np.array([[row.get(n, 0.0) for n in names] for row in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="*", type=Path, help="PNAS run folders to (re)read")
    ap.add_argument("--record", default=str(RESULTS / "b10-cells.json"))
    ap.add_argument("--offset", type=int, default=0, help="added to the refits' seeds")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")  # the GP's convergence notes
    record = Record(args.record)
    for folder in args.runs:
        run = read_run(folder)
        record.put(f"{run['task']}-s{run['seed']}", run)
    by_task: dict[str, list[dict]] = {}
    for _, run in sorted(record.rows.items()):
        by_task.setdefault(run["task"], []).append(replay(run, args.offset))
    print("| task | predictor | last-round Spearman per seed | last round (mean) | "
          "mean over rounds (mean) |\n|---|---|---|---|---|")
    for task, runs in by_task.items():
        for name in PREDICTORS:
            last = [r[name][-1] if r[name] else None for r in runs]
            each = ", ".join("n/a" if v is None else f"{v:.2f}" for v in last)
            means = [summary(r[name])[0] for r in runs]
            print(f"| {task} | {name} | {each} | {_fmt(summary(last)[0])} | "
                  f"{_fmt(summary(means)[0])} |")


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


if __name__ == "__main__":
    main()
