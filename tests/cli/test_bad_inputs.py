"""Bad input of every kind (graph files, data files, flags, settings files, run directories):
exit code 2 and one line naming the problem, never a traceback or an "internal error".

The command line runs in this process (no interpreter start per case), so the table stays cheap;
tests/cli/test_search_cmd.py runs more cases, and some of these, as a user would, in a
subprocess.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from graphnas.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "graphnas" / "examples"
MLP = json.loads((EXAMPLES / "mlp.json").read_text())
CNN2D = str(EXAMPLES / "cnn2d.json")
OPT = ["train", CNN2D, "--task", "digits", "--steps", "2", "--optimizer"]


def _graph(mutate):
    def write(path: Path) -> None:
        g = json.loads(json.dumps(MLP))
        mutate(g)
        path.write_text(json.dumps(g))
    return write


def _text(text: str):
    return lambda path: path.write_text(text)


def _npz(**arrays):
    return lambda path: np.savez(path, **arrays)


RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(60, 4)), RNG.integers(0, 3, 60)

# name of a file to write (or None) -> its writer; "{f}" in the arguments is its path.
GRAPHS = [
    ("not_json.json", _text("{not json"), ["validate", "{f}"], "not valid JSON"),
    ("empty.json", _text(""), ["validate", "{f}"], "not valid JSON"),
    ("list.json", _text("[]"), ["validate", "{f}"], "expected a JSON object, got list"),
    ("deep.json", _text("[" * 100_000 + "]" * 100_000), ["validate", "{f}"], "deep.json"),
    ("cycle.json", _graph(lambda g: g["edges"].append({"src": g["output"], "dst": "fc1"})),
     ["validate", "{f}"], "forward edges form a cycle"),
    ("ghost.json", _graph(lambda g: g["edges"].append({"src": "ghost", "dst": g["output"]})),
     ["validate", "{f}"], "'ghost' is not a node of the graph"),
    ("dup.json", _graph(lambda g: g["nodes"].append(dict(g["nodes"][0]))), ["validate", "{f}"],
     "duplicate node id 'fc1'"),
    ("param.json", _graph(lambda g: g["nodes"][0]["params"].update(width="big")),
     ["validate", "{f}"], "parameter 'width' of 'linear' must be int, got 'big'"),
    ("zero.json", _graph(lambda g: g["nodes"][0]["params"].update(width=0)), ["validate", "{f}"],
     "must be >= 1, got 0"),
    ("mem.json", _graph(lambda g: g["memory"].append({"src": "ghost", "dst": "fc1"})),
     ["validate", "{f}"], "memory link ghost -> fc1"),
    ("out.json", _graph(lambda g: g.update(output="nowhere")), ["validate", "{f}"],
     "output 'nowhere' is not a node"),
    ("v99.json", _graph(lambda g: g.update(version=99)), ["validate", "{f}"],
     "unsupported graph version 99"),
    ("keys.json", _graph(lambda g: g.update(json.loads(json.dumps(g).replace('"fc1"',
                                                                              '"keys"')))),
     ["export", "{f}", "--format", "py", "--data", "{data}"], "node id 'keys' cannot name"),
    (None, None, ["validate", str(EXAMPLES)], "cannot read"),
    (None, None, ["validate", str(EXAMPLES / "mlp.json"), "--input", "vector:0"],
     "bad input spec 'vector:0'"),
    (None, None, ["draw", str(EXAMPLES / "mlp.json"), "-o", "{tmp}/g.xyz"],
     "unknown drawing format 'xyz'"),
    (None, None, ["train", CNN2D, "--task", "adding", "--steps", "2"],
     "op 'conv2d' takes image input but gets sequence"),
    ("rule.json", _graph(lambda g: g.update(update_rule="mul(g, nothing)")),
     ["validate", "{f}"], "update rule 'mul(g, nothing)': unknown name 'nothing'"),
    (None, None, [*OPT, "{tmp}/missing.py"], "missing.py: no such file"),
    (None, None, [*OPT, "lion"], "unknown optimizer 'lion'"),
    ("none.py", _text("import torch\nx = 1\n"), [*OPT, "{f}"],
     "defines no torch.optim.Optimizer subclass"),
    ("syntax.py", _text("def step(:\n"), [*OPT, "{f}"], "not valid Python"),
    ("raises.py", _text("import nothing_here\n"), [*OPT, "{f}"],
     "failed to load (ModuleNotFoundError"),
    ("two.py", _text("import torch\nclass A(torch.optim.SGD): pass\n"
                     "class B(torch.optim.SGD): pass\n"), [*OPT, "{f}"],
     "several optimizers (A, B); name one with OPTIMIZER = A"),
]

DATA = [
    ("t.csv", _text("a,b\n1,2\n3,4\n"), ["--target", "c"], "missing target column 'c'"),
    ("empty.csv", _text(""), [], "no data rows"),
    ("header.csv", _text("a,b,y\n"), [], "no data rows"),
    ("words.csv", _text("a,y\nfoo,1\nbar,0\n"), ["--target", "y"], "'foo' is not a number"),
    ("ragged.csv", _text("a,b,y\n1,2,0\n3,1\n"), [], "fields, the header has 3"),
    ("noy.npz", _npz(x=X), [], "missing array 'y' (found: x)"),
    ("rows.npz", _npz(x=X, y=Y[:10]), [], "x has 60 rows but y has 10"),
    ("nan.npz", _npz(x=np.full((60, 4), np.nan), y=Y), [], "has NaN or inf"),
    ("negative.npz", _npz(x=X, y=Y - 5), [], "class labels out of range"),
    ("five_d.npz", _npz(x=RNG.normal(size=(60, 2, 2, 2, 2)), y=Y), [], "x has 5 dims"),
    ("zip.npz", lambda p: p.write_bytes(b"PK\x03\x04garbage"), [], "not a readable .npz"),
    ("data.json", _text("[1, 2, 3]"), [], "unsupported data file; use .npz, .csv or .txt"),
    ("short.txt", _text("1 2 3"), [], "5 characters; a language model needs at least 1000"),
    ("latin1.txt", lambda p: p.write_bytes("caf\xe9 ".encode("latin-1") * 400),
     [], "not UTF-8 text (byte 3); save it as UTF-8"),
    ("target.txt", _text("ab " * 500), ["--target", "y"], "takes no target column"),
    ("empty.txt", _text(""), [], "the file is empty"),
    ("binary.txt", lambda p: p.write_bytes(b"ab\x00" * 600), [],
     "a NUL character at 2: a binary file, not text"),
    ("window.txt", _text("abc " * 500), [], "must be longer than the window (128 characters)"),
    ("one.npz", _npz(x=X, y=np.ones(60, dtype=int)), [], "holds one class only"),
]

FLAGS = [
    (["search", "--workers", "0"], "--workers must be at least 1"),
    (["search", "--trial-limit", "0"], "--trial-limit must be more than 0 seconds"),
    (["search", "--trials", "-1"], "--trials must be at least 1"),
    (["search", "--budget", "0s"], "--budget must be more than 0"),
    (["search", "--executor", "dask"], "--executor: unknown value 'dask'"),
    (["search", "--space", "nonexistent"], "--space: unknown value 'nonexistent'"),
    (["search", "--seed", "abc"], "Invalid value for '--seed'"),
    (["search", "--nope"], "No such option: --nope"),
    (["search", "--max-params", "-1"], "--max-params and --max-flops must be at least 1"),
    (["search", "--max-flops", "many"], "Invalid value for '--max-flops'"),
    (["search", "--task", "digits", "--data", "x.npz"], "give either --task or --data"),
    (["search", "--executor", "ray", "--address", "127.0.0.1:1"],
     "cannot reach the Ray cluster at 127.0.0.1:1"),
    (["train", CNN2D, "--task", "digits", "--data", "x.npz"], "give either --task or --data"),
    (["train", CNN2D, "--task", "digits", "--precision", "fp16"], "fp16"),
    (["export", str(EXAMPLES / "mlp.json"), "--format", "onnx"], "give --task or --data"),
    (["export", str(EXAMPLES / "mlp.json"), "--format", "py", "--task", "nope"],
     "unknown task 'nope'"),
    (["bench", "nope"], "nope"),
    (["search", "--objectives", "score,size"], "--objectives: unknown objective 'size'"),
    (["search", "--objectives", "params"], "--objectives must start with score"),
    (["search", "--strategy", "random", "--objectives", "score,params", "--pick", "smallest"],
     "--pick: expected best or smallest-within=M"),
    (["search", "--strategy", "random", "--objectives", "score,params", "--pick",
      "smallest-within=-1"], "--pick: expected best or smallest-within=M"),
    (["search", "--pick", "smallest-within=0.5"], "--pick and --pareto-retrain choose among"),
    (["search", "--pareto-retrain", "2"], "--pick and --pareto-retrain choose among"),
    (["search", "--strategy", "pnas", "--objectives", "score,params"],
     "--strategy pnas searches one objective; with several --objectives use one of"),
    (["search", "--strategy", "hybrid", "--objectives", "score,latency"],
     "--strategy hybrid searches one objective"),
    (["search", "--strategy", "differentiable", "--objectives", "score,flops"],
     "--strategy differentiable searches one objective"),
    (["search", "--fidelity", "sha"], "--fidelity: unknown value 'sha'"),
    (["search", "--fidelity", "asha", "--eta", "1"], "--eta must be at least 2"),
    (["search", "--fidelity", "asha", "--min-steps", "300"],
     "--min-steps must be at least 1 and below --trial-steps (300)"),
    (["search", "--fidelity", "hyperband", "--trial-steps", "10", "--min-steps", "0"],
     "--min-steps must be at least 1"),
    (["search", "--fidelity", "asha", "--eta", "two"], "Invalid value for '--eta'"),
    (["search", "--fidelity", "asha", "--strategy", "differentiable"],
     "--strategy differentiable has no trials to promote"),
    (["search", "--strategy", "neat"], "use --space genome"),
    (["search", "--space", "genome", "--strategy", "reinforce"], "grows by mutation"),
    (["search", "--space", "genome", "--strategy", "hybrid"], "no supergraph"),
    (["search", "--strategy", "evolution", "--strategy-option", "inherit_weights=true",
      "--fidelity", "asha"], "cannot also train in rungs"),
    (["search", "--strategy", "neat", "--space", "genome", "--strategy-option",
      "inherit_steps=2"], "inherit_steps"),
]

SETTINGS = [
    ("unknown.toml", "worker = 2\n", "unknown setting(s) worker"),
    ("s.ini", "[a]\nb=1\n", "settings must be .toml, .yaml, .yml or .json"),
    ("broken.toml", "workers = = 2\n", "malformed settings file"),
    ("broken.json", "{\"workers\": }", "malformed settings file"),
    ("list.json", "[1, 2]", "a table of name = value"),
    ("negative.yaml", "workers: -2\n", "--workers must be at least 1"),
    ("objectives.toml", 'objectives = ["params", "score"]\n', "--objectives must start with score"),
    ("objectives.yaml", "objectives: 3\n", "objectives must be a string or a list"),
]


def cli(*args: str) -> tuple[int, str]:
    """Run ``graphnas ARGS`` here; its exit code and stderr."""
    import contextlib
    import io

    err = io.StringIO()
    argv = sys.argv
    sys.argv = ["graphnas", *args]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main()
        code = 0
    except SystemExit as e:
        code = e.code
    finally:
        sys.argv = argv
    return code, err.getvalue()


def one_line_exit_2(code: int, stderr: str, message: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert message in stderr, stderr


@pytest.fixture
def wine_csv(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c,d,y\n" + "".join(f"{x[0]},{x[1]},{x[2]},{x[3]},{y}\n"
                                            for x, y in zip(X, Y)))
    return path


@pytest.mark.parametrize("name,write,args,message", GRAPHS,
                         ids=[f"graph-{i}" for i in range(len(GRAPHS))])
def test_bad_graph_input(tmp_path, wine_csv, name, write, args, message):
    f = tmp_path / (name or "unused")
    if write:
        write(f)
    args = [a.format(f=f, tmp=tmp_path, data=wine_csv) for a in args]
    one_line_exit_2(*cli(*args), message)


@pytest.mark.parametrize("name,write,extra,message", DATA, ids=[d[0] for d in DATA])
def test_bad_data_file(tmp_path, name, write, extra, message):
    f = tmp_path / name
    write(f)
    one_line_exit_2(*cli("train", str(EXAMPLES / "mlp.json"), "--data", str(f), *extra),
                    message)


@pytest.mark.parametrize("args,message", FLAGS, ids=[" ".join(a[:3]) for a, _ in FLAGS])
def test_bad_flag(tmp_path, args, message):
    if args[0] == "search":
        args = [*args, "--trials", "1", "--out", str(tmp_path / "run")] \
            if "--trials" not in args else [*args, "--out", str(tmp_path / "run")]
    one_line_exit_2(*cli(*args), message)


@pytest.mark.parametrize("name,text,message", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_bad_settings_file(tmp_path, name, text, message):
    config = tmp_path / name
    config.write_text(text)
    one_line_exit_2(*cli("search", "--config", str(config), "--trials", "1",
                         "--out", str(tmp_path / "run")), message)


def _broken_run(path: Path) -> None:
    path.mkdir()
    (path / "trials.sqlite").write_bytes(b"garbage" * 100)
    (path / "config.json").write_text("{")


@pytest.mark.parametrize("command", [["show"], ["resume"], ["export", "--format", "py"]])
@pytest.mark.parametrize("kind", ["missing", "empty", "broken", "file"])
def test_bad_run_directory(tmp_path, command, kind):
    run = tmp_path / "run"
    if kind == "empty":
        run.mkdir()
    elif kind == "broken":
        _broken_run(run)
    elif kind == "file":
        run.write_text("not a run")
    code, stderr = cli(command[0], str(run), *command[1:])
    one_line_exit_2(code, stderr, str(run))
