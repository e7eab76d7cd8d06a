"""The retraining's classical baselines: fitted once into ``baselines.json`` (a resumed run
reads them back), within the time the budget leaves, and no hand-designed graphs for user
data whatever its file's name."""

import json

import numpy as np
from sklearn.datasets import load_wine

from graphnas.methods import SearchSettings
from graphnas.methods.retrain import classical_scores, classical_seconds, graph_baselines
from graphnas.store import RunStore
from graphnas.tasks import get_task, load_npz


def test_user_data_named_like_a_builtin_task_gets_no_graph_baselines(tmp_path):
    d = load_wine()
    np.savez(tmp_path / "digits.npz", x=d.data, y=d.target)
    assert graph_baselines(load_npz(tmp_path / "digits.npz")) == {}
    assert "cnn" in graph_baselines(get_task("digits"))


def test_classical_scores_are_fitted_once_and_kept(tmp_path):
    d = load_wine()
    np.savez(tmp_path / "wine.npz", x=d.data, y=d.target)
    task = load_npz(tmp_path / "wine.npz")
    store = RunStore(tmp_path / "r", {"data": "wine"})
    try:
        first = classical_scores(store, task, True, 0, None, 60.0)
        saved = json.loads((tmp_path / "r" / "baselines.json").read_text())
        assert set(first) == {"logistic_regression", "gradient_boosting"}
        assert saved["logistic_regression"]["rows"] == len(task.train) + len(task.valid)
        saved["logistic_regression"]["test_metric"] = 0.5  # read back, not fitted again
        (tmp_path / "r" / "baselines.json").write_text(json.dumps(saved))
        assert classical_scores(store, task, True, 0, None, 60.0)["logistic_regression"] == 0.5
    finally:
        store.close()


def test_classical_fits_get_what_the_budget_leaves_within_bounds():
    assert classical_seconds(SearchSettings(budget=None), 5.0) == 60.0
    assert classical_seconds(SearchSettings(budget=600.0), 570.0) == 30.0
    assert classical_seconds(SearchSettings(budget=600.0), 700.0) == 10.0
