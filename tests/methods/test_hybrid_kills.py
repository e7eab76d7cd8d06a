"""A hybrid search killed with SIGKILL during exploration, the supergraph, the finalists and
the retraining resumes each time, loses no finished trial and ends with a result. One run is
killed at the four points in turn (each kill resumed by the next process), then finished;
each point has its test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphnas
from graphnas.store import TrialState, is_run_dir, read_trials

SETTINGS = dict(task="digits", strategy="hybrid", trials=6, budget=None, trial_steps=30,
                retrain_steps=600, finalists=2, finalist_folds=1, baselines=False,
                progress="quiet", space_options={"n_nodes": 2, "widths": [8, 16]})
SCRIPT = "import graphnas, json, sys; graphnas.search(out=sys.argv[1], **json.loads(sys.argv[2]))"


def running(trials, phase) -> bool:
    return any(t.phase == phase and t.state == TrialState.RUNNING for t in trials)


def at_point(point: str, run: Path) -> bool:
    if not is_run_dir(run):
        return False
    trials = read_trials(run)
    if point == "explore":
        return any(t.phase == "explore" and t.state == TrialState.COMPLETE for t in trials) \
            and not any(t.phase == "supergraph" for t in trials)
    if point == "retrain":
        return any(run.glob("state-handover-*-finalists.json")) and \
            not any(run.glob("state-handover-*-retrain.json"))
    return running(trials, point)


POINTS = ["explore", "supergraph", "finalists", "retrain"]


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """The run directory, each point's finished trials at its kill (None: never reached) and
    the result of the run finished after the last kill."""
    run = tmp_path_factory.mktemp("kills") / "run"
    before: dict[str, list | None] = {}
    for point in POINTS:
        proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(run), json.dumps(SETTINGS)])
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and not at_point(point, run):
            time.sleep(0.05)
        reached = proc.poll() is None and at_point(point, run)
        proc.send_signal(signal.SIGKILL) if proc.poll() is None else None
        proc.wait()
        before[point] = [t for t in read_trials(run)
                         if t.state in (TrialState.COMPLETE, TrialState.FAILED)] \
            if reached else None
    result = graphnas.search(out=str(run), **SETTINGS)
    return run, before, result


@pytest.mark.parametrize("point", POINTS)
def test_killed_during_a_phase_resumes_and_keeps_every_finished_trial(killed, point):
    run, before, result = killed
    assert before[point] is not None, f"the run never reached {point}"
    after = {t.id: t for t in read_trials(run)}
    for t in before[point]:  # still there, as it was
        assert after[t.id].state == t.state and after[t.id].hash == t.hash
    finished = [(t.phase, t.hash) for t in after.values()
                if t.state in (TrialState.COMPLETE, TrialState.FAILED) and not t.cached]
    assert len(finished) == len(set(finished))  # no graph trained twice in a phase
    assert result.module is not None and result.test_metric is not None
    assert (run / "result.json").exists() and (run / "best" / "model.pt").exists()
    assert os.path.exists(run / "report.html")
