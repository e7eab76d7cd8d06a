"""The update-rule language: parse, canonical text, clear errors, and a graph that carries its
rule through JSON, its hash, validation and drawings."""

import json
from dataclasses import replace

import pytest

from graphnas.graph import GraphError, from_json, load_example, summary, to_dot, to_json
from graphnas.graph.canonical import canonical_hash
from graphnas.graph.update_rule_code import update_source
from graphnas.graph.update_rules import canonical, parse, unparse
from graphnas.graph.validate import check_structure

POWERSIGN = "mul(exp(mul(sign_g, sign_m)), g)"
ADDSIGN = "mul(add(mul(sign_g, sign_m), one), g)"


def test_the_language_parses_and_spells_canonically():
    assert canonical("mul(exp(mul(sign_g,sign_m)),g)") == POWERSIGN
    assert parse(ADDSIGN) == ("mul", ("add", ("mul", ("sign_g",), ("sign_m",)), ("one",)),
                              ("g",))
    assert canonical("keep_left( identity(adam), two )") == "keep_left(adam, two)"
    for rule in [POWERSIGN, ADDSIGN, "g", "div(clip(drop(rmsprop)), sqrt_abs(log_abs(v)))"]:
        assert unparse(parse(rule)) == rule


@pytest.mark.parametrize("bad,why", [
    ("", "non-empty"), ("mul(g)", "takes 2 arguments"), ("foo(g)", "unknown name 'foo'"),
    ("exp(g))", r"unexpected '\)'"), ("exp g", "exp needs '\\('"), ("add(g,", "ends too early"),
    ("g + m", r"unexpected '\+ m'"), ("x", "unknown name 'x'")])
def test_malformed_rules_say_what_is_wrong(bad, why):
    with pytest.raises(ValueError, match=why):
        parse(bad)


def test_the_source_computes_each_operand_once_and_no_dead_argument():
    text = update_source("add(mul(adam, adam), keep_left(g, exp(g3)))")
    assert text.count("adam = ") == 1 and "g3" not in text and "exp" not in text


def test_a_graph_carries_its_rule_through_json_and_its_hash():
    plain = load_example("mlp")
    assert "update_rule" not in to_json(plain)  # graphs without a rule: JSON and hash as before
    ruled = replace(plain, update_rule=POWERSIGN)
    other = replace(plain, update_rule=ADDSIGN)
    assert from_json(to_json(ruled)) == ruled
    assert len({canonical_hash(plain), canonical_hash(ruled), canonical_hash(other)}) == 3
    spaced = replace(plain, update_rule="mul(exp(mul(sign_g,sign_m)),g)")
    assert canonical_hash(spaced) == canonical_hash(ruled)
    assert "update rule: " + POWERSIGN in to_dot(ruled) and POWERSIGN in summary(ruled)


def test_a_malformed_rule_in_a_graph_file_is_a_graph_error_naming_it():
    data = json.loads(to_json(load_example("mlp")))
    data["update_rule"] = "mul(g, nothing)"
    with pytest.raises(GraphError, match="update rule 'mul\\(g, nothing\\)': unknown name"):
        check_structure(from_json(json.dumps(data)))
    data["update_rule"] = 3
    with pytest.raises(GraphError, match="expected a string"):
        from_json(json.dumps(data))
