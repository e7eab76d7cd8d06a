"""Classical baselines for tasks with vector inputs (rows of features): scikit-learn's
logistic regression (classification) or ridge regression, and histogram gradient boosting.

Each model's few settings are chosen on the validation split, fitted on the training split;
the chosen one is then fitted again on the final protocol's data (training, or training and
validation together) and scored once on the test split with the task's own metric, so that
its figure stands beside the searched network's. Large data is subsampled so that the fits
take seconds: a fit sees at most ``SELECT_WORK`` (choosing) or ``FIT_WORK`` (final) rows x
features x outputs.

Example::

    fitted = fit_classical(get_task("diabetes"))
    fitted["ridge"].test_metric, fitted["ridge"].setting  # 0.52..., {'alpha': 10.0}
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .base import LOWER_IS_BETTER, Split, Task

log = logging.getLogger(__name__)

CLASSICAL = ("logistic_regression", "ridge", "gradient_boosting")  # every name it may report
SECONDS = 60.0  # all fits of a task; a model not started by then is left out
SELECT_WORK = 1_000_000  # rows x features x outputs of a fit that chooses a setting
FIT_WORK = 4_000_000  # ... of the final fit
MIN_ROWS = 500  # subsampling never goes below this many rows
VALID_ROWS = 20_000  # validation rows a setting is scored on, at most
BOOST_ROUNDS = 100  # boosting iterations at most; the number is chosen on validation


@dataclass(frozen=True)
class Classical:
    """One fitted classical baseline: its setting chosen on validation, that setting's
    validation metric (fitted on the training split) and its test metric after the final fit."""

    name: str
    setting: dict[str, Any]
    valid_metric: float
    test_metric: float
    rows: int  # training rows of the final fit (after subsampling)
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Model:
    name: str
    make: Callable[[dict[str, Any], int], Any]  # (setting, seed) -> an unfitted estimator
    grid: tuple[dict[str, Any], ...]  # the settings tried, in order (the first wins a tie)


def has_vector_inputs(task: Task) -> bool:
    """Whether classical models apply: rows of features in, a class or values out."""
    return (task.input_spec.layout == "vector" and task.train.x.ndim == 2
            and task.output_spec.kind in ("classes", "regression"))


def beaten_by(found: float | None, baselines: dict[str, float], metric: str) -> list[str]:
    """The baselines whose test ``metric`` is strictly better than ``found``'s (higher
    accuracy, lower mse)."""
    if found is None:
        return []
    lower = metric in LOWER_IS_BETTER
    return [n for n, v in baselines.items() if (v < found if lower else v > found)]


def fit_classical(task: Task, refit: bool = False, seed: int = 0, seconds: float = SECONDS,
                  threads: int = 1, skip: frozenset[str] = frozenset()
                  ) -> dict[str, Classical]:
    """The task's classical baselines (except those in ``skip``), name -> :class:`Classical`;
    ``refit``: the final fit on training and validation together. A model that fails is
    logged and left out, as is one not started within ``seconds``. One thread by default: on
    small data OpenMP's overhead outweighs the fit, and the work caps bound large ones."""
    if not has_vector_inputs(task):
        return {}
    deadline = time.monotonic() + seconds
    out = {}
    for model in _models(task):
        if model.name in skip:
            continue
        if time.monotonic() > deadline:
            log.warning("classical baseline %s left out: no time left", model.name)
            continue
        try:
            out[model.name] = _fit(model, task, refit, seed, deadline, threads)
        except Exception as err:  # noqa: BLE001  (a baseline that fails never ends a run)
            log.warning("classical baseline %s failed: %s: %s", model.name,
                        type(err).__name__, err)
    return out


def _models(task: Task) -> list[_Model]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    boost_grid = tuple({"learning_rate": lr, "max_leaf_nodes": leaves, "max_iter": BOOST_ROUNDS}
                       for lr in (0.05, 0.2) for leaves in (7, 31))

    def boosting(cls: type) -> Callable[[dict[str, Any], int], Any]:
        def make(setting: dict[str, Any], seed: int) -> Any:
            est = cls(**setting, early_stopping=False, random_state=seed)
            return MultiOutputRegressor(est) if _outputs(task) > 1 and not task.classification \
                else est
        return make

    if task.classification:
        linear = _Model("logistic_regression", lambda s, seed: make_pipeline(
            StandardScaler(), LogisticRegression(**s, max_iter=300)),
            tuple({"C": c} for c in (0.01, 0.1, 1.0, 10.0, 100.0)))
        return [linear, _Model("gradient_boosting", boosting(HistGradientBoostingClassifier),
                               boost_grid)]
    linear = _Model("ridge", lambda s, seed: make_pipeline(StandardScaler(), Ridge(**s)),
                    tuple({"alpha": a} for a in (100.0, 10.0, 1.0, 0.1, 0.01)))
    return [linear, _Model("gradient_boosting", boosting(HistGradientBoostingRegressor),
                           boost_grid)]


def _fit(model: _Model, task: Task, refit: bool, seed: int, deadline: float,
         threads: int) -> Classical:
    """Choose ``model``'s setting on validation, fit it on the final data, score on test."""
    from threadpoolctl import threadpool_limits

    t0 = time.monotonic()
    rng = np.random.default_rng(seed)
    work = task.train.x.shape[1] * _outputs(task)
    train = _subsample(task.train, max(MIN_ROWS, SELECT_WORK // work), rng)
    valid = _subsample(task.valid, VALID_ROWS, rng)
    final = _subsample(task.refit().train if refit else task.train,
                       max(MIN_ROWS, FIT_WORK // work), rng)
    with warnings.catch_warnings(), threadpool_limits(threads):
        warnings.simplefilter("ignore")  # lbfgs stopping at max_iter on a large C, and such
        setting, valid_metric = _select(model, task, train, valid, seed, deadline)
        est = model.make(setting, seed).fit(final.x.astype(np.float64), _target(task, final))
        test = _metrics(task, task.test.y, est.predict(task.test.x.astype(np.float64)))
    log.info("classical baseline %s: %s on validation, test %s %.4f", model.name, setting,
             task.metric, test[task.metric])
    return Classical(model.name, setting, valid_metric, test[task.metric], len(final),
                     time.monotonic() - t0)


def _select(model: _Model, task: Task, train: Split, valid: Split, seed: int,
            deadline: float) -> tuple[dict[str, Any], float]:
    """The setting of ``model.grid`` (and, for boosting, the number of rounds) with the best
    validation score, and that score's metric; later settings are skipped past ``deadline``."""
    best: tuple | None = None
    for setting in model.grid:
        if best is not None and time.monotonic() > deadline:
            break
        est = model.make(setting, seed).fit(train.x.astype(np.float64), _target(task, train))
        for extra, pred, proba in _predictions(est, valid.x.astype(np.float64), task):
            metrics = _metrics(task, valid.y, pred)
            key = (task.score(metrics), -_log_loss(est, valid.y, proba))
            if best is None or key > best[0]:
                best = (key, {**setting, **extra}, metrics[task.metric])
    assert best is not None
    return best[1], best[2]


def _predictions(est: Any, x: np.ndarray, task: Task) -> Iterator[tuple[dict, np.ndarray, Any]]:
    """(setting override, predictions, class probabilities or None): after each boosting
    round when the model can tell, else once."""
    if task.classification and hasattr(est, "staged_predict_proba"):
        for i, p in enumerate(est.staged_predict_proba(x)):
            yield {"max_iter": i + 1}, est.classes_[p.argmax(1)], p
    elif not task.classification and hasattr(est, "staged_predict"):
        for i, p in enumerate(est.staged_predict(x)):
            yield {"max_iter": i + 1}, p, None
    else:
        yield {}, est.predict(x), est.predict_proba(x) if task.classification else None


def _metrics(task: Task, y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """The task's metric, computed as training's ``evaluate`` does."""
    if task.classification:
        return {"accuracy": float(np.mean(pred == y))}
    return {"mse": float(np.mean(np.square(pred.reshape(y.shape) - y)))}


def _log_loss(est: Any, y: np.ndarray, proba: np.ndarray | None) -> float:
    """Cross-entropy of ``proba`` on labels ``y`` (a class the model never saw: 1e-15);
    0 without probabilities. It breaks ties of accuracy, which small splits make common."""
    if proba is None:
        return 0.0
    classes = est.classes_
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    p = np.where(classes[idx] == y, proba[np.arange(len(y)), idx], 0.0)
    return float(-np.mean(np.log(np.clip(p, 1e-15, 1.0))))


def _outputs(task: Task) -> int:
    """How many outputs a fit works out: classes (beyond two), or regression targets."""
    n = task.output_spec.size
    return n if n > 2 or not task.classification else 1


def _target(task: Task, split: Split) -> np.ndarray:
    y = split.y
    return y.reshape(len(y)) if task.classification or y.shape[1] == 1 else y


def _subsample(split: Split, rows: int, rng: np.random.Generator) -> Split:
    """At most ``rows`` rows of ``split``, drawn without replacement in their order."""
    if len(split) <= rows:
        return split
    keep = np.sort(rng.choice(len(split), rows, replace=False))
    return Split(split.x[keep], split.y[keep])
