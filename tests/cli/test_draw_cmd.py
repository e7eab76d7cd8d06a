"""`graphnas --version`, `graphnas draw` and its errors, run as a user would."""

import subprocess
import sys
from pathlib import Path

import pytest

from graphnas.graph import example_names

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "graphnas" / "examples"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", *args], capture_output=True,
                          text=True, timeout=120)


def test_version_and_help():
    assert run("--version").stdout.startswith("graphnas ")
    assert "draw" in run("--help").stdout


@pytest.mark.parametrize("name", example_names())
def test_draw_every_example(name, tmp_path):
    out = tmp_path / f"{name}.svg"
    r = run("draw", str(EXAMPLES / f"{name}.json"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert b"<svg" in out.read_bytes()


def test_draw_png_with_shapes(tmp_path):
    out = tmp_path / "gru.png"
    r = run("draw", str(EXAMPLES / "gru.json"), "-o", str(out), "--input", "sequence:40x1")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args,message", [
    (["draw", "missing.json"], "no such file"),
    (["draw", "--nope"], "No such option"),
    (["draw", "{graph}", "--input", "sequence:4xq"], "bad input spec"),
    (["draw", "{graph}", "--input", "image:1x8x8"], "takes vector or sequence input"),
    (["draw", "{bad}"], "unknown op 'lstm_magic'"),
])
def test_errors_are_one_line_with_exit_code_2(args, message, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text((EXAMPLES / "mlp.json").read_text().replace('"relu"', '"lstm_magic"', 1))
    args = [a.format(graph=EXAMPLES / "mlp.json", bad=bad) for a in args]
    r = run(*args)
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_validate_prints_the_summary():
    r = run("validate", str(EXAMPLES / "gru.json"), "--input", "sequence:40x1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("valid") and "node" in r.stdout
    r = run("validate", str(EXAMPLES / "mlp.json"), "--input", "image:1x8x8")
    assert r.returncode == 2 and "takes vector or sequence input" in r.stderr


def test_demo(tmp_path):
    r = run("demo", "--out", str(tmp_path / "demo"))
    assert r.returncode == 0, r.stderr
    assert f"wrote {tmp_path / 'demo' / 'gru.svg'}" in r.stdout and "hash " in r.stdout
    assert (tmp_path / "demo" / "gru.json").exists()
