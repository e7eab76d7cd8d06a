"""Multi-fidelity search end to end: trials train in rungs, the best are promoted and go on from
their checkpoints, records keep the rungs, and a search killed while a promotion trains resumes
without losing a finished rung, to the same trials and rungs as the uninterrupted search."""

from __future__ import annotations

import json

import pytest

import graphnas
from graphnas.driver.fidelity import KEEP, RungTraining
from graphnas.store import TrialState, read_trials

SMALL = dict(task="digits", strategy="evolution", fidelity="asha", budget=None,
             retrain_steps=20, finalists=0, baselines=False, progress="quiet",
             space_options={"n_nodes": 2, "widths": [8], "memory": False},
             strategy_options={"population": 4, "sample": 2})


class Killed(BaseException):
    """Stands in for the process dying."""


def rungs(run_dir) -> list[tuple[str, list]]:
    """(graph, [[steps, score], ...]) of every trained trial, in order."""
    return [(t.hash, [r[:2] for r in t.metrics["rungs"]]) for t in read_trials(run_dir)
            if t.state == TrialState.COMPLETE and not t.cached and "rungs" in t.metrics]


# rungs of 1, 3 and 9 steps: 27 and 3, as a user would start, take three times as long here
ASHA = dict(trials=9, trial_steps=9, min_steps=1, **SMALL)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """An uninterrupted ASHA search."""
    return graphnas.search(out=str(tmp_path_factory.mktemp("asha") / "whole"), **ASHA)


def test_asha_search_promotes_and_records_rungs(whole):
    r = whole
    assert r.module is not None and r.test_metric is not None
    trials = [t for t in read_trials(r.run_dir) if t.state == TrialState.COMPLETE]
    history = {t.id: t.metrics["rungs"] for t in trials if not t.cached}
    assert len(trials) == 9 and all(h[0][0] == 1 for h in history.values())
    promoted = {i: h for i, h in history.items() if len(h) > 1}
    assert promoted and any(len(h) == 3 for h in promoted.values())  # to the top rung
    for t in trials:
        h = t.metrics["rungs"]
        assert [s for s, *_ in h] == [1, 3, 9][:len(h)]
        assert t.score == [x[1] for x in h if x[1] is not None][-1]  # the highest rung's
        assert t.metrics["steps"] <= h[-1][0]
    # checkpoints: none at the top rung, at most KEEP waiting per rung below it
    files = sorted(p.name for p in (r.run_dir / "checkpoints").glob("*.pt"))
    top = {f"search-{i}-{h[-1][0]}.pt" for i, h in history.items() if h[-1][0] == 9}
    assert files and not top & set(files)
    for steps in (1, 3):
        assert len([f for f in files if f.endswith(f"-{steps}.pt")]) <= KEEP
    # the strategy heard each promotion (saved with its state), the report shows the rungs
    saved = json.loads((r.run_dir / "state-search.json").read_text())
    assert {int(k) for k in saved["rungs_told"]} == set(promoted)
    assert "Score against training steps" in (r.run_dir / "report.html").read_text()


def test_killed_while_promoting_resumes_without_losing_a_finished_rung(whole, tmp_path,
                                                                        monkeypatch):
    run = tmp_path / "split"
    call = RungTraining.__call__
    promotions = {"n": 0}

    def dies_at_every_third_promotion(self, arch_json, seed):
        if self.resume is not None:
            promotions["n"] += 1
            if promotions["n"] % 3 == 0:
                raise Killed
        return call(self, arch_json, seed)

    monkeypatch.setattr(RungTraining, "__call__", dies_at_every_third_promotion)
    kills = 0
    while True:
        before = rungs(run) if run.exists() else []
        try:
            graphnas.search(out=str(run), **ASHA)
            break
        except Killed:
            kills += 1
            after = dict(rungs(run))
            for graph, history in before:  # every rung finished before is still there
                assert after[graph][:len(history)] == history
            promoting = json.loads((run / "state-search-rungs.json").read_text())["promoting"]
            assert promoting  # the promotion in flight, to be restarted first
    assert kills >= 1
    assert rungs(run) == rungs(whole.run_dir)  # the same trials, rungs and scores


def test_hyperband_starts_trials_at_every_rung(tmp_path):
    r = graphnas.search(out=str(tmp_path / "hb"), trials=6, trial_steps=9, min_steps=1,
                        **{**SMALL, "fidelity": "hyperband"})
    trials = [t for t in read_trials(r.run_dir) if t.state == TrialState.COMPLETE
              and not t.cached]
    firsts = {(t.metrics["bracket"], t.metrics["rungs"][0][0]) for t in trials}
    assert firsts <= {(0, 1), (1, 3), (2, 9)} and len({b for b, _ in firsts}) > 1


@pytest.mark.parametrize("setting,message", [
    ({"strategy": "differentiable"}, "has no trials to promote"),
    ({"eta": 1}, "--eta must be at least 2"),
    ({"min_steps": 27}, "--min-steps must be at least 1 and below --trial-steps (27)"),
])
def test_nonsense_is_refused_before_a_run_directory_is_made(tmp_path, setting, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        graphnas.search(out=str(tmp_path / "no"), trials=3, trial_steps=27,
                        **{**SMALL, **setting})
    assert not (tmp_path / "no").exists()


def test_show_and_progress_tell_rungs_and_promotions(whole):
    from graphnas.api.progress import SearchProgress, progress_events
    from graphnas.api.runs import load_run

    top = load_run(whole.run_dir).to_dict(3)["top"]
    assert all("rungs" in t for t in top) and len(top[0]["rungs"]) > 1
    bar = SearchProgress("quiet", "accuracy")
    events = progress_events(bar)
    rec = next(t for t in read_trials(whole.run_dir) if len(t.metrics.get("rungs", ())) > 1)
    events("promote", {"trial": rec.id, "rung": 1, "in_flight": 1})
    assert "0 promoted (1 in flight)" in bar.line()
    events("promoted", {"record": rec, "rung": 1, "in_flight": 0})
    assert ", 1 promoted |" in bar.line() and bar.state.best == rec.score
