"""`graphnas search --data` on rows of features: classical models beside the found network in
``--json``, ``result.json``, the printed summary and the report, marked when they beat it."""

import json
import subprocess
import sys

import numpy as np
from sklearn.datasets import load_wine


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", "search", *args],
                          capture_output=True, text=True, timeout=600)


def test_wine_search_reports_classical_baselines_and_who_beats_it(tmp_path):
    d = load_wine()
    np.savez(tmp_path / "wine.npz", x=d.data, y=d.target)
    args = ["--data", str(tmp_path / "wine.npz"), "--strategy", "random", "--trials", "2",
            "--trial-steps", "20", "--retrain-steps", "40", "--finalists", "0",
            "--progress", "quiet", "--out", str(tmp_path / "r")]
    r = run(*args, "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    base, found = summary["baselines"], summary["test_metric"]
    assert set(base) == {"logistic_regression", "gradient_boosting"}
    assert base["logistic_regression"] > 0.85 and base["gradient_boosting"] > 0.8
    assert summary["beaten_by"] == [n for n, v in base.items() if v > found]
    saved = json.loads((tmp_path / "r" / "result.json").read_text())
    assert saved["baselines"] == base and saved["beaten_by"] == summary["beaten_by"]
    assert "setting" in json.loads((tmp_path / "r" / "baselines.json").read_text())[
        "logistic_regression"]
    page = (tmp_path / "r" / "report.html").read_text()
    assert "against classical baselines" in page and "logistic_regression" in page

    again = run(*args)  # finished: the summary again, without training
    assert again.returncode == 0, again.stderr
    assert "classical models, same splits: logistic_regression" in again.stdout
    for name in summary["beaten_by"]:
        assert f"note: {name} beats the found network" in again.stdout
        assert f"note: {name} beats the found network" in page
