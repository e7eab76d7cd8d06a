"""The optimizer space: known rules are points of it, decode and encode invert each other, the
found rule becomes a standalone optimizer.py, and every decision-space strategy searches it."""

from dataclasses import replace
from importlib import resources

import numpy as np
import pytest

from graphnas.graph import InputSpec, OutputSpec, from_json, load, to_json, validate
from graphnas.spaces import get_space
from graphnas.spaces.base import _count
from graphnas.strategies import get_strategy

IMG, CLASSES = InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10)
DIGITS_CNN = str(resources.files("graphnas") / "baselines" / "digits_cnn.json")


def _space(**kw):
    return get_space("optimizer", IMG, CLASSES, **kw)


def _choices(space, *units):
    """Choices for units given as (o1, u1, o2, u2, b), then (u1, o2, u2, b) each."""
    names = iter([*([len(units)] if space.max_units > 1 else []), *(n for u in units for n in u)])
    out: list[int] = []
    while (d := space.next_decision(out)) is not None:
        out.append(d.options.index(next(names)))
    return tuple(out)


KNOWN = {  # rule -> its units
    "keep_left(g, one)": [("g", "identity", "one", "identity", "keep_left")],
    "keep_left(adam, g)": [("adam", "identity", "g", "identity", "keep_left")],
    "mul(exp(mul(sign_g, sign_m)), g)": [("sign_g", "identity", "sign_m", "identity", "mul"),
                                         ("exp", "g", "identity", "mul")],
    "mul(add(mul(sign_g, sign_m), one), g)": [("sign_g", "identity", "sign_m", "identity", "mul"),
                                              ("identity", "one", "identity", "add"),
                                              ("identity", "g", "identity", "mul")],
    "div(clip(sub(neg(m), drop(v))), sqrt_abs(rmsprop))": [
        ("m", "neg", "v", "drop", "sub"), ("clip", "rmsprop", "sqrt_abs", "div")],
}


@pytest.mark.parametrize("rule", KNOWN)
def test_known_rules_decode_and_encode_back(rule):
    space = _space()
    choices = _choices(space, *KNOWN[rule])
    graph = space.decode(choices)
    assert graph.update_rule == rule and space.rule(choices) == rule
    assert space.encode(graph) == choices
    assert from_json(to_json(graph)) == graph  # the rule travels in the graph JSON
    validate(graph, IMG)


def test_samples_round_trip_and_differ_in_hash():
    space = _space()
    rng = np.random.default_rng(0)
    cands = [space.sample(rng) for _ in range(300)]
    for c in cands:
        assert space.encode(c.arch) == c.choices
        assert space.encode(from_json(to_json(c.arch))) == c.choices
    rules = {c.arch.update_rule for c in cands}
    assert len({c.hash for c in cands}) == len(rules)


def test_graphs_outside_the_space_are_refused():
    space = _space(max_units=1)
    base = space.decode(_choices(space, *KNOWN["keep_left(g, one)"]))
    for rule in ["", "g", "mul(exp(mul(sign_g, sign_m)), g)", "exp(neg(g))"]:
        assert not space.contains(replace(base, update_rule=rule))
    small = _space(operands=["g", "m"], unary=["identity", "neg"], binary=["add", "mul"])
    assert small.size() == _count(small, [])
    assert not small.contains(_space().decode(_choices(_space(), *KNOWN["keep_left(adam, g)"])))


def test_the_base_graph_and_settings():
    space = _space(base_graph=DIGITS_CNN)
    graph = space.decode(space.sample(np.random.default_rng(1)).choices)
    assert graph.nodes == load(DIGITS_CNN).nodes and graph.update_rule
    assert _space().base.name == "optimizer base"
    with pytest.raises(ValueError, match="max_units must be 1, 2 or 3"):
        _space(max_units=4)
    with pytest.raises(ValueError, match=r"unknown update-rule names \['tan'\]"):
        _space(unary=["identity", "tan"])


def test_the_found_rule_is_a_standalone_optimizer_file():
    space = _space()
    graph = space.decode(_choices(space, *KNOWN["mul(exp(mul(sign_g, sign_m)), g)"]))
    text = space.artifacts(graph)["optimizer.py"]
    assert "graphnas" not in text.split('"""')[2]  # the code past the docstring
    assert "RULE = 'mul(exp(mul(sign_g, sign_m)), g)'" in text
    compile(text, "optimizer.py", "exec")


@pytest.mark.parametrize("name", ["random", "evolution", "reinforce", "surrogate"])
def test_every_decision_space_strategy_searches_it(name):
    space = _space()
    strategy = get_strategy(name, space, seed=0)
    for i in range(12):
        cand = strategy.ask(1)[0]
        assert space.contains(cand.arch)
        strategy.tell(cand, float(i % 5))
