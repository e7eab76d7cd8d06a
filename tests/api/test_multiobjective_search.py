"""graphnas.search with several objectives: the front in pareto/, --json and show, --pick."""

import json
import subprocess
import sys

import pytest

import graphnas
from graphnas.api import load_run
from graphnas.graph import load as load_graph
from graphnas.pareto import dominates

SMALL = dict(task="digits", trial_steps=20, retrain_steps=20, progress="quiet", finalists=0,
             baselines=False, trials=5, budget=None, strategy="random",
             space_options={"n_nodes": 2, "widths": [8, 32], "memory": False})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mo") / "r"
    result = graphnas.search(objectives=["score", "params"], out=str(out), **SMALL)
    return out, result


def test_the_front_is_kept_in_pareto_and_listed_in_the_summary(run):
    out, result = run
    front = result.summary()["pareto"]
    assert len(front) >= 2, front  # this seed's trials pull apart: checked below
    vectors = [(m["score"], -m["params"]) for m in front]
    assert not any(dominates(a, b) for a in vectors for b in vectors)
    for m in front:
        assert set(m) >= {"trial", "hash", "score", "params"}
        assert load_graph(out / "pareto" / f"{m['trial']}.json").canonical_hash() == m["hash"]
    assert json.loads((out / "result.json").read_text())["pareto"] == front
    config = json.loads((out / "config.json").read_text())
    assert config["identity"]["objectives"] == "score,params"
    report = (out / "report.html").read_text()
    assert "Pareto front (score, params)" in report
    assert f'href="#front-{front[0]["trial"]}"' in report  # the plot's point links to it
    shown = load_run(out).to_dict()
    assert shown["pareto"] == [{k: m[k] for k in ("trial", "hash", "score", "params")}
                               for m in sorted(front, key=lambda m: (-m["score"],
                                                                     m["trial"]))]
    best = max(front, key=lambda m: m["score"])  # --pick best: the highest score
    assert load_graph(out / "best" / "graph.json").canonical_hash() == best["hash"]


def test_show_lists_the_front(run):
    out, result = run
    r = subprocess.run([sys.executable, "-m", "graphnas", "show", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Pareto front of score, params" in r.stdout
    for m in result.pareto:
        assert m["hash"][:12] in r.stdout


def test_pick_smallest_within_takes_a_smaller_member_and_pareto_is_rebuilt(run):
    out, first = run
    front = first.pareto
    best = max(front, key=lambda m: m["score"])
    # 100 points: every member is within the margin, so the smallest of the front is taken
    smallest = min(front, key=lambda m: m["params"])
    assert smallest["params"] < best["params"]
    (out / "pareto" / f"{best['trial']}.json").unlink()  # rebuilt from the store
    result = graphnas.search(objectives="score,params", out=str(out), pick="smallest-within=100",
                             **SMALL)
    assert load_graph(out / "best" / "graph.json").canonical_hash() == smallest["hash"]
    assert result.params == smallest["params"] and result.pareto == front
    assert (out / "pareto" / f"{best['trial']}.json").exists()
    # 0 points: only the best score qualifies
    graphnas.search(objectives="score,params", out=str(out), pick="smallest-within=0", **SMALL)
    assert load_graph(out / "best" / "graph.json").canonical_hash() == best["hash"]


def test_pareto_retrain_writes_the_members_weights(tmp_path):
    out = tmp_path / "r"
    result = graphnas.search(objectives="score,flops,latency", out=str(out), pareto_retrain=1,
                             **{**SMALL, "trials": 2})
    retrained = [m for m in result.pareto if "retrained" in m]
    assert len(retrained) == 1 and retrained[0]["score"] == max(m["score"]
                                                               for m in result.pareto)
    folder = out / "pareto" / str(retrained[0]["trial"])
    assert (folder / "model.pt").exists() and (folder / "model.py").exists()
    assert all(m["latency"] > 0 and m["flops"] > 0 for m in result.pareto)


def test_one_objective_leaves_the_summary_as_it_was(run, tmp_path):
    result = graphnas.search(out=str(tmp_path / "r"), **{**SMALL, "trials": 2})
    assert "pareto" not in result.summary() and not (tmp_path / "r" / "pareto").exists()
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert "objectives" not in config["identity"]
    assert "objectives" not in json.loads((tmp_path / "r" / "result.json").read_text())[
        "settings"]


def test_known_costs_count_a_candidate_as_its_trial_does(run):
    from graphnas.driver.limits import known_costs
    from graphnas.spaces.base import Candidate
    from graphnas.tasks import TaskRef, load_task

    out, result = run
    task = load_task(TaskRef("digits"))
    known = known_costs(("score", "params"), task.input_spec, task.output_spec)
    for m in result.pareto:
        graph = load_graph(out / "pareto" / f"{m['trial']}.json")
        assert known(Candidate((), graph)) == (None, -float(m["params"]))
    assert known_costs(("score", "latency", "flops"), task.input_spec, task.output_spec) is None


def test_the_surrogate_reads_the_parameters_of_its_pool_before_training(tmp_path, monkeypatch):
    from graphnas.strategies.surrogate import SurrogateSearch

    read = []
    columns = SurrogateSearch._known_columns

    def spy(self, pool, objectives):
        found = columns(self, pool, objectives)
        read.append((len(pool), sorted(found)))
        return found

    monkeypatch.setattr(SurrogateSearch, "_known_columns", spy)
    graphnas.search(objectives=["score", "params"], out=str(tmp_path / "r"),
                    **{**SMALL, "strategy": "surrogate", "strategy_options": {"init": 3},
                       "trials": 5})
    assert read and all(n > 0 and found == [1] for n, found in read)  # params: exact
