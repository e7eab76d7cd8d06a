"""PNAS on the blocks space: rounds grow cells one block at a time, the predictor's Spearman
is kept, asks run ahead of tells, and a replay asks for the same candidates."""

import json

import numpy as np
import pytest

from graphnas.graph import InputSpec, OutputSpec
from graphnas.spaces import get_space
from graphnas.strategies import get_strategy
from graphnas.strategies.pnas_parts import MLPEnsemble, PrefixGrowth, spearman

from .toy import ToySpace


def blocks_space():
    return get_space("blocks", InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10),
                     blocks=3, ops=["identity", "conv3", "conv5", "relu"])


def score(space, choices) -> float:
    """A made-up objective the predictor can learn: convolutions, depth and h1 inputs."""
    f = space.structure_features(choices)
    return (f.get("ops.conv3", 0) + 0.5 * f.get("ops.conv5", 0) - 0.3 * f["from_h1"]
            + 0.2 * f["depth"]) / f["blocks"] ** 0.5


def search(space, steps, seed=0, **options):
    s = get_strategy("pnas", space, seed=seed, **options)
    asked = []
    while len(asked) < steps:
        c = s.ask(1)[0]
        s.tell(c, score(space, c.choices))
        asked.append(c)
    return s, asked


def test_rounds_grow_cells_one_block_at_a_time():
    space = blocks_space()
    s, asked = search(space, 60, beam=4, init=12)
    sizes = [r["size"] for r in s.rounds]
    assert sizes[:3] == [1, 2, 3] and set(sizes[3:]) == {3}  # then neighbours of the best
    assert [r["quota"] for r in s.rounds[:3]] == [12, 4, 4]
    start = 0
    for r in s.rounds:  # asked one after another: each round's candidates have its size
        batch = asked[start:start + r["asked"]]
        assert {space.n_blocks_of(c.choices) for c in batch} == {r["size"]}
        start += r["asked"]
    assert len({c.hash for c in asked}) == len(asked)


def test_the_predictors_spearman_is_kept_for_every_ranked_round():
    space = blocks_space()
    rhos = []
    for seed in range(3):  # a round's Spearman is on 6 cells: noisy alone
        s, _ = search(space, 60, seed=seed, beam=6, init=20)
        ranked = [r for r in s.rounds[1:] if r["told"] >= r["quota"]]
        assert ranked and all(r["n"] == r["quota"] for r in ranked)
        rhos += [r["spearman"] for r in ranked if r["spearman"] is not None]
    assert len(rhos) >= 6 and np.mean(rhos) > 0.1
    assert s.rounds[0]["spearman"] is None  # round 1 was not ranked
    assert json.loads(json.dumps(s.state_dict()))["rounds"] == s.rounds


def test_probes_are_drawn_from_below_the_best_ranked_and_scored_with_them():
    space = blocks_space()
    s, asked = search(space, 40, beam=4, init=12, probes=2)
    ranked = [r for r in s.rounds[1:] if r["closed"]]
    assert ranked and all(r["quota"] == 6 and r["probes"] == 2 for r in ranked)
    for i in range(1, len(s.rounds)):
        cells = [c.choices for c in asked if s.round_of[c.choices] == i]
        probes = [c for c in cells if c in s.probe]
        best = [c for c in cells if c not in s.probe][:4]  # the round's best-ranked four
        if probes:
            assert min(s.predicted[c] for c in best) >= max(s.predicted[c] for c in probes)
    assert any(r["spearman"] != r["spearman_ranked"] for r in ranked)
    resumed = get_strategy("pnas", space, seed=0, beam=4, init=12, probes=2)
    resumed.load_state_dict(json.loads(json.dumps(s.state_dict())))
    assert resumed.probe == s.probe
    plain, _ = search(space, 24, beam=4, init=12)  # no probes: the two figures are one
    assert all(r["spearman"] == r["spearman_ranked"] and r["probes"] == 0
               for r in plain.rounds if r["closed"])


def test_asks_run_ahead_of_tells():
    space = blocks_space()
    s = get_strategy("pnas", space, seed=1, beam=3, init=5)
    first = s.ask(8)  # round 1's five one-block cells, then more while none is told
    assert len({c.hash for c in first}) == 8
    assert all(space.n_blocks_of(c.choices) == 1 for c in first)
    assert s.rounds[0]["quota"] == 5 and s.rounds[0]["asked"] == 8
    for c in first:
        s.tell(c, score(space, c.choices))
    more = s.ask(5)  # round 2's three, then further predicted-best extensions
    assert all(space.n_blocks_of(c.choices) == 2 for c in more)
    assert s.rounds[1]["asked"] == 5 and s.rounds[1]["quota"] == 3


def test_replay_and_state_give_the_same_asks():
    space = blocks_space()
    _, asked = search(space, 30, seed=2, beam=4, init=8)
    half, _ = search(space, 22, seed=2, beam=4, init=8)
    replay = get_strategy("pnas", space, seed=2, beam=4, init=8)
    for c in asked[:22]:
        assert replay.ask(1)[0].choices == c.choices
        replay.tell(space.candidate(c.choices), score(space, c.choices))
    resumed = get_strategy("pnas", space, seed=2, beam=4, init=8)
    resumed.load_state_dict(json.loads(json.dumps(half.state_dict())))
    for s in (replay, resumed):
        rest = []
        for _ in range(8):
            c = s.ask(1)[0]
            s.tell(c, score(space, c.choices))
            rest.append(c.choices)
        assert rest == [c.choices for c in asked[22:]]


def test_other_spaces_grow_one_decision_at_a_time():
    space = ToySpace(n=3, k=3)  # b0.op, b1.op, b1.skip, b2.op, b2.skip
    growth = PrefixGrowth(space)
    assert growth.first() == [(0, 0, 0, 0, 0), (1, 0, 0, 0, 0), (2, 0, 0, 0, 0)]
    assert growth.extend((2, 0, 0, 0, 0), 1) == [(2, k, 0, 0, 0) for k in range(3)]
    assert growth.extend((2, 1, 0, 0, 0), 1) == []  # already larger
    assert growth.size((2, 1, 0, 0, 0)) == 2


def test_the_predictor_ranks_a_learnable_score():
    rng = np.random.default_rng(0)
    x = (rng.random((120, 30)) < 0.2).astype(float)
    y = np.tanh(x @ rng.normal(size=30))
    rows = [{f"f{j}": v for j, v in enumerate(r) if v} for r in x]
    model = MLPEnsemble(seed=1).fit(rows[:80], y[:80])
    assert spearman(list(model.predict(rows[80:])), list(y[80:])) > 0.5
    assert spearman([1, 2], [1, 2]) is None and spearman([1, 1, 1], [1, 2, 3]) is None


def test_bad_options():
    with pytest.raises(ValueError, match="beam"):
        get_strategy("pnas", ToySpace(), beam=0)
    with pytest.raises(ValueError, match="probes"):
        get_strategy("pnas", ToySpace(), probes=-1)
    with pytest.raises(ValueError, match="signal must be 'score' or 'loss'"):
        get_strategy("pnas", ToySpace(), signal="accuracy")
    assert get_strategy("pnas", ToySpace(), signal="loss").signal == "loss"


def test_the_predictor_learns_the_ranks_so_outliers_do_not_decide_its_fit(monkeypatch):
    """The values it is fitted to are the told scores' normal scores: in the told order, a
    failed-looking cell at -1000 is merely the lowest rank."""
    fitted = []
    fit = MLPEnsemble.fit
    monkeypatch.setattr(MLPEnsemble, "fit", lambda self, rows, y: fitted.append(
        (len(rows), np.asarray(y))) or fit(self, rows, y))
    space = blocks_space()
    s = get_strategy("pnas", space, seed=0, beam=2, init=6)
    for i in range(12):
        c = s.ask(1)[0]
        s.tell(c, -1000.0 if i == 0 else score(space, c.choices))
    n, y = fitted[0]
    assert abs(y.mean()) < 1e-9 and y.min() > -3 and y.max() < 3  # quantiles, not -1000
    from scipy.stats import norm

    assert y.min() == pytest.approx(norm.ppf(0.5 / n))  # the -1000 cell: the lowest rank


def test_the_report_draws_the_predictors_rounds():
    from graphnas.report.html import RunReport, render_html

    space = blocks_space()
    s, _ = search(space, 30, beam=4, init=8)
    page = render_html(RunReport("pnas", "accuracy", [], rounds=s.rounds))
    assert "Rounds of the progressive search" in page and page.count("<svg") == 3
    assert "Rounds of the" not in render_html(RunReport("evolution", "accuracy", []))
