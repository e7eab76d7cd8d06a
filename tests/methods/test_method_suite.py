"""The suite every registered method passes through the one method interface: it searches
and records each phase's hand-over, refuses a wrong option before anything runs, and a run
stopped after any phase (its work done, its hand-over not yet recorded) resumes to the same
trials and the same graph as the uninterrupted run."""

from __future__ import annotations

import pytest

import graphnas
from graphnas.methods import SearchSettings, get_method, method_names, runner
from graphnas.spaces import get_space
from graphnas.store import TrialState, read_trials
from graphnas.tasks import get_task

NAMES = method_names()
SMALL = dict(task="digits", trials=4, budget=None, trial_steps=10, retrain_steps=20,
             finalists=0, baselines=False, progress="quiet",
             space_options={"n_nodes": 2, "widths": [8], "memory": False})


class Killed(BaseException):
    """Stands in for the process dying."""


GENOMES = dict(space="genome", space_options={"widths": [8], "max_nodes": 2, "memory": False})


def small(name: str) -> dict:
    """SMALL, on the genome space for a method made for genomes."""
    from graphnas.strategies import STRATEGIES

    genomes = name in STRATEGIES and STRATEGIES[name].genome_only
    return {**SMALL, **(GENOMES if genomes else {})}


def digits_space(name: str = "random"):
    task = get_task("digits")
    kw = small(name)
    return get_space(kw.get("space", "macro"), task.input_spec, task.output_spec,
                     **kw["space_options"])


def plan_length(name: str) -> int:
    settings = SearchSettings(**{k: v for k, v in small(name).items() if k != "progress"})
    return len(get_method(name).plan(settings, digits_space(name))) + \
        len(runner.closing_phases())


def kill_after_each_phase(monkeypatch, phases: int, search) -> None:
    """Runs ``search()`` once per phase, killed once that phase did its work but before its
    hand-over was recorded; each run resumes the one before."""
    record = runner.save
    for stop in range(phases):

        def save_then_die(store, key, handover, settings, stop=stop):
            if key.startswith(f"handover-{stop}-"):
                raise Killed
            record(store, key, handover, settings)

        monkeypatch.setattr(runner, "save", save_then_die)
        with pytest.raises(Killed):
            search()
        monkeypatch.setattr(runner, "save", record)


def trained(run_dir) -> list[tuple[str, str]]:
    """(phase, graph) of every finished trial that trained, in order."""
    return [(t.phase, t.hash) for t in read_trials(run_dir)
            if t.state in (TrialState.COMPLETE, TrialState.FAILED) and not t.cached]


def test_the_registry_holds_every_strategy_and_the_multi_phase_methods():
    from graphnas.strategies import strategy_names

    assert set(strategy_names()) | {"differentiable", "hybrid"} == set(NAMES)
    assert all(get_method(n).help for n in NAMES)
    with pytest.raises(ValueError, match="unknown method 'bayes'"):
        get_method("bayes")


@pytest.mark.parametrize("name", NAMES)
def test_rejects_an_unknown_or_mistyped_option_before_anything_runs(name):
    space = digits_space(name)
    with pytest.raises(ValueError, match="unknown option 'nonsense'"):
        get_method(name).plan(SearchSettings(strategy_options={"nonsense": 1}), space)


@pytest.mark.parametrize("name", NAMES)
def test_stopped_after_any_phase_resumes_as_the_uninterrupted_run(tmp_path, monkeypatch,
                                                                    name):
    whole = graphnas.search(strategy=name, out=str(tmp_path / "whole"), **small(name))
    assert whole.module is not None and whole.test_metric is not None
    handovers = sorted(whole.run_dir.glob("state-handover-*.json"))
    assert len(handovers) == plan_length(name)  # every phase's hand-over is recorded

    kill_after_each_phase(monkeypatch, plan_length(name), lambda: graphnas.search(
        strategy=name, out=str(tmp_path / "split"), **small(name)))
    resumed = graphnas.search(strategy=name, out=str(tmp_path / "split"), **small(name))
    assert trained(tmp_path / "split") == trained(tmp_path / "whole")  # none trained twice
    assert resumed.graph == whole.graph and resumed.test_metric == whole.test_metric


@pytest.mark.parametrize("name", ["hybrid", "differentiable"])
def test_the_supergraph_methods_search_the_cell_space(tmp_path, name):
    r = graphnas.search(strategy=name, out=str(tmp_path / name), space="cell",
                        **{**SMALL, "space_options": {"n_cell_nodes": 2, "n_cells": 1,
                                                      "width": 8}})
    assert r.module is not None and r.test_metric is not None


def test_a_space_no_supergraph_covers_is_refused_before_anything_runs(monkeypatch):
    from graphnas.methods import differentiable

    monkeypatch.setattr(differentiable, "unsupported_reason", lambda space: "not a graph space")
    for name in ("hybrid", "differentiable"):
        with pytest.raises(ValueError, match="cannot cover this space: not a graph space"):
            get_method(name).plan(SearchSettings(), digits_space())


def test_several_objectives_resume_after_any_phase_to_the_same_front(tmp_path, monkeypatch):
    """The Pareto phase closes the plan; a run stopped after any phase (the front written,
    its hand-over not yet recorded, too) resumes to the same front and pick."""
    opts = {**SMALL, "trials": 3, "strategy": "evolution", "objectives": "score,params",
            "pick": "smallest-within=100", "pareto_retrain": 1}
    whole = graphnas.search(out=str(tmp_path / "whole"), **opts)
    settings = SearchSettings(**{k: v for k, v in opts.items() if k != "progress"}).validate()
    phases = len(get_method("evolution").plan(settings, digits_space())) + len(
        runner.closing_phases(settings))
    assert phases == 4 and (whole.run_dir / "pareto" / "front.json").exists()
    kill_after_each_phase(monkeypatch, phases,
                          lambda: graphnas.search(out=str(tmp_path / "split"), **opts))
    resumed = graphnas.search(out=str(tmp_path / "split"), **opts)
    assert trained(tmp_path / "split") == trained(tmp_path / "whole")
    assert resumed.pareto == whole.pareto and resumed.graph == whole.graph
