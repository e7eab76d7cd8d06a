"""`graphnas search`, `resume`, `show` and `export` end to end on a small real task."""

import json
import sqlite3
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", *args], capture_output=True,
                          text=True, timeout=600)


SMALL = ["--task", "digits", "--trials", "3", "--trial-steps", "20", "--retrain-steps", "40",
         "--finalists", "2", "--finalist-folds", "1",  # two folds: tests/api/test_finalists
         "--progress", "quiet",
         "--space-option", "n_nodes=2", "--space-option", "widths=[8, 16]"]  # trains in seconds


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "r"
    r = run("search", *SMALL, "--strategy", "evolution", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    return out, json.loads(r.stdout)


def test_search_json_summary(finished):
    out, summary = finished
    assert {"valid_metric", "test_metric", "params", "trials", "run_dir", "baselines"} <= set(
        summary)
    assert summary["trials"] == 3 and "cnn" in summary["baselines"]
    for f in ("config.json", "trials.sqlite", "report.html", "log.txt", "best/graph.json",
              "best/model.pt", "best/model.py", "best/model.onnx", "best/graph.svg"):
        assert (out / f).exists(), f


def test_no_baselines_skips_them_and_every_trial_trains_to_the_end(tmp_path):
    r = run("search", *SMALL, "--strategy", "random", "--out", str(tmp_path / "r"), "--json",
            "--no-baselines", "--no-stop-at-chance")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["baselines"] == {} and summary["test_metric"] is not None
    assert not (tmp_path / "r" / "baselines.json").exists()
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["settings"]["stop_at_chance"] is False
    db = sqlite3.connect(tmp_path / "r" / "trials.sqlite")
    steps = [json.loads(m)["steps"] for (m,) in db.execute(
        "SELECT metrics FROM trials WHERE phase = 'search' AND state = 'complete'")]
    db.close()
    assert steps and all(n == 20 for n in steps)  # none stopped at chance


def test_running_again_hands_back_the_finished_result(finished):
    out, summary = finished
    stamp = (out / "best" / "model.pt").stat().st_mtime_ns
    r = run("search", *SMALL, "--strategy", "evolution", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == summary
    r = run("resume", str(out), "--json", "--progress", "quiet")
    assert r.returncode == 0 and json.loads(r.stdout) == summary
    assert (out / "best" / "model.pt").stat().st_mtime_ns == stamp  # nothing retrained


def test_show_and_export(finished, tmp_path):
    out, _ = finished
    r = run("show", str(out), "--json")
    shown = json.loads(r.stdout)
    finalists = shown["final"]["finalists"]  # trained again for longer: trials of their own
    assert r.returncode == 0 and finalists, shown
    assert shown["trials"] == 3 + len(finalists), shown  # failed or complete
    for fmt, name in (("py", "m.py"), ("onnx", "m.onnx"), ("torchscript", "m.ts"),
                      ("json", "g.json"), ("png", "g.png")):
        r = run("export", str(out), "--format", fmt, "-o", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize("args,message", [
    (["search", "--strategy", "bayes"], "--strategy: unknown value 'bayes'"),
    (["search", "--budget", "ten minutes"], "bad duration"),
    (["search", "--retrain-on", "test"], "--retrain-on: unknown value 'test'"),
    (["search", "--task", "mnist", "--trials", "1"], "unknown task 'mnist'"),
    (["search", "--data", "missing.csv", "--trials", "1"], "no such file"),
    (["search", "--config", "missing.toml"], "no such settings file"),
    (["search", "--finalists", "1"], "--finalists must be 0 (none) or at least 2"),
    (["search", "--space-option", "n_nodes"], "--space-option: expected KEY=VALUE"),
    (["search", "--space-option", "n_nodez=3", "--trials", "1"], "unknown option 'n_nodez'"),
    (["search", "--space-option", "n_nodes=many", "--trials", "1"],
     "n_nodes must be an integer, got 'many'"),
    (["search", "--strategy", "evolution", "--strategy-option", "population=big",
      "--trials", "1"], "population must be an integer, got 'big'"),
    (["search", "--strategy", "hybrid", "--strategy-option", "top_k=2.5", "--trials", "1"],
     "top_k must be an integer, got 2.5"),
    (["show", "nowhere"], "not a run directory"),
    (["export", "nowhere.json", "--format", "xls"], "--format: unknown value 'xls'"),
])
def test_bad_input_is_one_line_exit_2(args, message, tmp_path):
    r = run(*args, "--out", str(tmp_path / "o")) if args[0] == "search" else run(*args)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text,message", [
    ('workers = "many"\n', "workers must be an integer, got 'many'"),
    ("budget = true\n", "bad duration True"),
    ("baselines = 1\n", "baselines must be true or false, got 1"),
    ("[strategy_options]\npopulation = 'x'\n", "population must be an integer, got 'x'"),
    ("space_options = 3\n", "space_options must be a table of options, got 3"),
    ("trials = 1\nstrategy = 'bayes'\n", "--strategy: unknown value 'bayes'"),
])
def test_a_config_value_of_the_wrong_type_is_named(tmp_path, text, message):
    config = tmp_path / "s.toml"
    config.write_text("strategy = 'evolution'\n" * ("strategy =" not in text) + text)
    r = run("search", "--config", str(config), "--out", str(tmp_path / "o"))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def _single_class_npz(path):
    import numpy as np

    np.savez(path, x=np.random.default_rng(0).normal(size=(60, 4)), y=np.ones(60, dtype=int))


@pytest.mark.parametrize("name,write,flag,message", [
    ("deep.json", lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "--config",
     "malformed settings file"),
    ("deep.toml", lambda p: p.write_text("a = " + "[" * 100_000 + "]" * 100_000), "--config",
     "malformed settings file"),
    ("deep.yaml", lambda p: p.write_text("a: " + "[" * 100_000 + "]" * 100_000), "--config",
     "malformed settings file"),
    ("list.yaml", lambda p: p.write_text("- 1\n- 2\n"), "--config", "a table of name = value"),
    ("one.npz", _single_class_npz, "--data", "holds one class only"),
    ("one.csv", lambda p: p.write_text("a,y\n" + "1,yes\n" * 30), "--data",
     "holds one class only"),
    ("binary.toml", lambda p: p.write_bytes(b"\xff\xfe\x00"), "--config", "settings file"),
])
def test_bad_files_are_one_line_exit_2(tmp_path, name, write, flag, message):
    path = tmp_path / name
    write(path)
    r = run("search", flag, str(path), "--trials", "1", "--out", str(tmp_path / "o"))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_help_lists_every_method_and_setting():
    from dataclasses import fields

    from graphnas.methods import SearchSettings, method_names

    r = run("search", "--help")
    text = " ".join(r.stdout.split())
    assert r.returncode == 0
    for name in method_names():
        assert f"{name}:" in text, name
    for f in fields(SearchSettings):
        assert f.metadata.get("flag", f.name.replace("_", "-")) in text, f.name


def test_a_run_directory_of_another_search_is_refused(finished):
    out, _ = finished
    r = run("search", *SMALL, "--strategy", "random", "--out", str(out))
    assert r.returncode == 2 and "belongs to another search" in r.stderr


def test_unwritable_out(tmp_path):
    (tmp_path / "file").write_text("")
    r = run("search", *SMALL, "--out", str(tmp_path / "file" / "run"))
    assert r.returncode == 2 and "cannot write the run directory" in r.stderr


def test_several_objectives_list_the_front_and_pick_a_smaller_member(tmp_path):
    out = tmp_path / "mo"
    r = run("search", "--task", "digits", "--trials", "5", "--trial-steps", "20",
            "--retrain-steps", "20", "--finalists", "0", "--no-baselines", "--progress",
            "quiet", "--strategy", "random", "--space-option", "n_nodes=2",
            "--space-option", "widths=[8, 32]", "--space-option", "memory=false",
            "--objectives", "score,params", "--pick", "smallest-within=100", "--json",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    front = json.loads(r.stdout)["pareto"]
    smallest = min(front, key=lambda m: m["params"])
    assert len(front) >= 2 and smallest["params"] < max(front, key=lambda m: m["score"])[
        "params"]  # every member within 100 points: the smallest is picked
    assert json.loads(r.stdout)["params"] == smallest["params"]
    assert sorted(p.name for p in (out / "pareto").glob("*.json")) == sorted(
        ["front.json", *(f"{m['trial']}.json" for m in front)])
    r = run("search", "--task", "digits", "--trials", "5", "--trial-steps", "20",
            "--strategy", "random", "--space-option", "n_nodes=2", "--space-option",
            "widths=[8, 32]", "--space-option", "memory=false", "--objectives",
            "score,latency", "--out", str(out))
    assert r.returncode == 2 and "objectives differ" in r.stderr  # another search
