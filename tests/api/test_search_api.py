"""graphnas.search from Python: every strategy family ends in a retrained, exported model."""

import json

import pytest

import graphnas
from graphnas.store import RunStore, TrialState

SMALL = dict(task="digits", trial_steps=20, retrain_steps=40, progress="quiet",
             space_options={"n_nodes": 2, "widths": [8, 16], "memory": False})


def test_hybrid_records_every_phase(tmp_path):
    opts = {**SMALL, "space_options": {"n_nodes": 2, "widths": [8, 16]}}  # memory links on
    r = graphnas.search(strategy="hybrid", trials=5, budget=None, out=str(tmp_path / "h"),
                        **opts)
    assert r.test_metric is not None and r.module is not None and r.graph is not None
    config = json.loads((tmp_path / "h" / "config.json").read_text())
    store = RunStore(tmp_path / "h", config["identity"])
    phases = {t.phase for t in store.trials(states=(TrialState.COMPLETE,))}
    assert {"explore", "supergraph", "exploit"} <= phases
    assert store.load_state("restrict")["allowed"]  # the restriction that was searched
    store.db.close()
    report = (tmp_path / "h" / "report.html").read_text()
    assert "Phases of the strategy" in report and "exploit" in report


@pytest.mark.parametrize("strategy", ["differentiable", "reinforce"])
def test_other_strategies(tmp_path, strategy):
    r = graphnas.search(strategy=strategy, trials=3, budget=None, out=str(tmp_path / "r"),
                        **SMALL)
    assert r.trials >= 1 and 0 <= r.test_metric <= 1
    assert (r.run_dir / "best" / "model.py").exists()
