"""An optimizer search end to end from the command line: the task's best baseline as the fixed
network, the found rule in best/graph.json and as best/optimizer.py, which `graphnas train
--optimizer` then trains with."""

import contextlib
import io
import json
import sys
from dataclasses import replace

from graphnas.cli import main
from graphnas.graph import load, load_example, to_json
from graphnas.methods.finalists import layer_signature


def cli(*args: str) -> tuple[int, str]:
    """Run ``graphnas ARGS`` in this process; its exit code and stdout."""
    out, argv = io.StringIO(), sys.argv
    sys.argv = ["graphnas", *args]
    try:
        with contextlib.redirect_stdout(out):
            main()
        code = 0
    except SystemExit as e:
        code = e.code
    finally:
        sys.argv = argv
    return code, out.getvalue()


def test_an_optimizer_search_writes_an_optimizer_that_graphnas_train_takes(tmp_path):
    run = tmp_path / "opt"
    code, _ = cli("search", "--space", "optimizer", "--task", "digits", "--strategy", "random",
                  "--trials", "3", "--trial-steps", "10", "--retrain-steps", "20",
                  "--no-baselines", "--finalists", "0", "--workers", "1", "--progress", "quiet",
                  "--out", str(run))
    assert code == 0
    best = load(run / "best" / "graph.json")
    found = (run / "best" / "optimizer.py").read_text()
    assert best.name == "digits_cnn" and best.update_rule
    assert f"RULE = {best.update_rule!r}" in found
    code, out = cli("train", str(run / "best" / "graph.json"), "--task", "digits", "--steps",
                    "20", "--optimizer", str(run / "best" / "optimizer.py"), "--json")
    assert code == 0 and json.loads(out)["test_metric"] is not None


def test_finalists_tell_rules_apart():
    base = load_example("mlp")
    a, b = (replace(base, update_rule=r) for r in ("adam", "mul(exp(mul(sign_g, sign_m)), g)"))
    assert layer_signature(to_json(a)) != layer_signature(to_json(b))
    assert layer_signature(to_json(base)) == json.dumps(
        [(n.op, dict(n.params)) for n in base.nodes], sort_keys=True)
