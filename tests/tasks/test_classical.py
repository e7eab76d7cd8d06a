"""Classical baselines: settings chosen on validation, the task's metric and its direction,
the final fit's data, subsampling, and failures that leave a model out instead of a run."""

import logging

import numpy as np
import pytest
from sklearn.datasets import load_wine, make_regression
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from graphnas.graph import InputSpec, OutputSpec
from graphnas.tasks import Split, Task, TaskRef, beaten_by, fit_classical, has_vector_inputs
from graphnas.tasks import classical as cl
from graphnas.tasks.base import split_indices


def _task(x: np.ndarray, y: np.ndarray, out: OutputSpec) -> Task:
    tr, va, te = split_indices(len(y), (0.2, 0.2), seed=0)
    return Task("t", Split(x[tr], y[tr]), Split(x[va], y[va]), Split(x[te], y[te]),
                InputSpec("vector", (x.shape[1],)), out, TaskRef("file", {"path": "t.npz"}))


@pytest.fixture(scope="module")
def wine() -> Task:
    d = load_wine()
    return _task(d.data.astype(np.float32), d.target.astype(np.int64), OutputSpec("classes", 3))


@pytest.fixture(scope="module")
def regression() -> Task:
    x, y = make_regression(300, 8, n_informative=5, noise=20.0, random_state=0)
    return _task(x.astype(np.float32), y.astype(np.float32)[:, None],
                 OutputSpec("regression", 1))


def test_wine_classifiers_reach_the_accuracy_of_a_fair_model(wine):
    fitted = fit_classical(wine)
    assert set(fitted) == {"logistic_regression", "gradient_boosting"}
    assert fitted["logistic_regression"].test_metric > 0.85
    assert fitted["gradient_boosting"].test_metric > 0.8
    assert fitted["logistic_regression"].setting["C"] in (0.01, 0.1, 1.0, 10.0, 100.0)
    assert 1 <= fitted["gradient_boosting"].setting["max_iter"] <= cl.BOOST_ROUNDS
    assert all(c.rows == len(wine.train) for c in fitted.values())


def _valid_mse(est, task: Task) -> float:
    est.fit(task.train.x.astype(np.float64), task.train.y.ravel())
    pred = est.predict(task.valid.x.astype(np.float64))
    return float(np.mean(np.square(pred - task.valid.y.ravel())))


def test_settings_are_the_best_on_validation_by_a_reference_fit(regression):
    fitted = fit_classical(regression)
    alphas = [s["alpha"] for s in cl._models(regression)[0].grid]
    mse = {a: _valid_mse(make_pipeline(StandardScaler(), Ridge(alpha=a)), regression)
           for a in alphas}
    ridge = fitted["ridge"]
    assert ridge.setting["alpha"] == min(mse, key=mse.get)  # lower is better for mse
    assert ridge.valid_metric == pytest.approx(min(mse.values()))
    boost = fitted["gradient_boosting"]  # its rounds too: fitted again with them, the same
    again = HistGradientBoostingRegressor(**boost.setting, early_stopping=False, random_state=0)
    assert _valid_mse(again, regression) == pytest.approx(boost.valid_metric)


def test_the_test_metric_is_the_tasks_mse_after_a_refit_on_train_and_valid(regression):
    ridge = fit_classical(regression, refit=True)["ridge"]
    assert ridge.rows == len(regression.train) + len(regression.valid)
    est = make_pipeline(StandardScaler(), Ridge(**ridge.setting))
    est.fit(np.concatenate([regression.train.x, regression.valid.x]).astype(np.float64),
            np.concatenate([regression.train.y, regression.valid.y]).ravel())
    pred = est.predict(regression.test.x.astype(np.float64))
    assert ridge.test_metric == pytest.approx(np.mean(np.square(pred - regression.test.y[:, 0])))


def test_beaten_by_follows_the_metrics_direction():
    base = {"a": 0.4, "b": 0.6, "tie": 0.5}
    assert beaten_by(0.5, base, "accuracy") == ["b"]
    assert beaten_by(0.5, base, "mse") == ["a"]
    assert beaten_by(None, base, "mse") == []


def test_large_data_is_subsampled(wine, monkeypatch):
    monkeypatch.setattr(cl, "FIT_WORK", 13 * 3 * 40)  # 40 rows of 13 features, 3 classes
    monkeypatch.setattr(cl, "MIN_ROWS", 10)
    fitted = fit_classical(wine, refit=True)
    assert {c.rows for c in fitted.values()} == {40}


def test_only_rows_of_features_and_failures_leave_models_out(wine, caplog):
    image = Task("i", wine.train, wine.valid, wine.test, InputSpec("image", (1, 1, 13)),
                 wine.output_spec, wine.ref)
    assert not has_vector_inputs(image) and fit_classical(image) == {}
    one = Split(wine.train.x, np.zeros(len(wine.train), dtype=np.int64))
    broken = Task("b", one, wine.valid, wine.test, wine.input_spec, wine.output_spec, wine.ref)
    with caplog.at_level(logging.WARNING, logger="graphnas.tasks.classical"):
        fitted = fit_classical(broken)  # one class only: lbfgs refuses, the run goes on
    assert "logistic_regression" not in fitted and "gradient_boosting" in fitted
    assert "logistic_regression failed" in caplog.text
    assert fit_classical(wine, seconds=-1.0) == {}  # no time left: none started
