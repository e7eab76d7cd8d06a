"""An activation search end to end: the task's best baseline as the fixed network, the found
activation in best/activation.json, and a later macro search that offers it as an op."""

import json

import graphnas
from graphnas.graph import load


def test_an_activation_search_hands_its_function_to_a_later_search(tmp_path):
    result = graphnas.search(task="digits", space="activation", strategy="random", trials=2,
                             trial_steps=10, retrain_steps=20, baselines=False, finalists=0,
                             workers=1,
                             out=str(tmp_path / "act"), progress="quiet")
    found = json.loads((tmp_path / "act" / "best" / "activation.json").read_text())
    best = load(tmp_path / "act" / "best" / "graph.json")
    assert found["base_graph"] == "digits_cnn" and found["sites"] == ["act1", "act2"]
    assert {dict(n.params)["expression"] for n in best.nodes if n.op == "expr"} == \
        {found["expression"]}
    assert result.test_metric is not None
    later = graphnas.search(task="digits", space="macro", strategy="random", trials=1,
                            trial_steps=5, retrain_steps=5, baselines=False, finalists=0,
                            workers=1,
                            space_options={"n_nodes": 2, "ops": ["relu"], "widths": [8],
                                           "activations": str(tmp_path / "act" / "best" /
                                                              "activation.json")},
                            out=str(tmp_path / "macro"), progress="quiet")
    assert later.test_metric is not None
