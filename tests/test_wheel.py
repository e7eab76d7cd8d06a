"""graphnas as users install it: the wheel, built from a copy of the source, installed with its
core dependencies only (``pip install graphnas``) into a fresh virtual environment, and run
from a folder outside the source tree: a tiny search, an export, the shipped example graphs
and baselines, and the one-line refusal of a feature whose extra is missing.

Slow (a few minutes: the environment gets its own torch): ``pytest --slow tests/test_wheel.py``.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    # nothing of the source tree or of the test's own environment leaks in
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=1200)
    if check:
        assert r.returncode == 0, f"{args}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what a release holds (builds leave files behind)."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "graphnas"
    src.mkdir()
    shutil.copytree(ROOT / "src", src / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    # with this environment's setuptools where it has one (no download)
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", tmp / "dist",
        src, cwd=tmp)
    (whl,) = (tmp / "dist").glob("graphnas-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh environment with the wheel and its core dependencies (torch pinned as make
    pins it: the CPU build)."""
    env = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", env, cwd=env.parent)
    run(env / "bin" / "pip", "install", "-q", "-c", ROOT / "constraints.txt", wheel,
        cwd=env.parent)
    return env


def test_the_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("examples", "baselines"):
        shipped = {f"graphnas/{folder}/{p.name}" for p in (ROOT / "src/graphnas" / folder)
                   .glob("*.json")}
        assert shipped and shipped <= names, shipped - names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_alone_it_searches_and_exports(venv, tmp_path):
    bin_ = venv / "bin"
    installed = run(bin_ / "python", "-c", "import graphnas; print(graphnas.__file__)",
                    cwd=tmp_path).stdout.strip()
    assert Path(installed).is_relative_to(venv), installed  # not the source tree
    for module in ("ray", "onnx", "nas_bench_graph"):  # the core only
        r = run(bin_ / "python", "-c", f"import {module}", cwd=tmp_path, check=False)
        assert r.returncode != 0, f"{module} is not a core dependency"

    # the example graphs and the baselines, read from the installed package
    shipped = run(bin_ / "python", "-c", "import json; from graphnas.graph import example_names;"
                  " from graphnas.tasks.baselines import baselines_for;"
                  " print(json.dumps([example_names(), sorted(baselines_for('digits'))]))",
                  cwd=tmp_path).stdout
    examples, baselines = json.loads(shipped)
    assert examples == sorted(p.stem for p in (ROOT / "src/graphnas/examples").glob("*.json"))
    assert baselines

    # a tiny search (its baselines train too), then an export of its best model
    r = run(bin_ / "graphnas", "search", "--task", "digits", "--strategy", "random", "--trials",
            "2", "--trial-steps", "20", "--retrain-steps", "20", "--finalists", "0",
            "--progress", "quiet", "--out", "run", "--json", cwd=tmp_path)
    summary = json.loads(r.stdout)
    assert summary["trials"] == 2 and set(summary["baselines"]) == set(baselines)
    best = tmp_path / "run" / "best"
    assert (best / "model.py").is_file() and (best / "graph.json").is_file()
    assert not (best / "model.onnx").exists()  # ONNX is an extra: skipped, with a note
    assert "pip install 'graphnas[onnx]'" in (tmp_path / "run" / "log.txt").read_text()
    run(bin_ / "graphnas", "export", "run", "--format", "py", "--out", "m.py", cwd=tmp_path)
    run(bin_ / "python", "-c", "import m; m.make_model()", cwd=tmp_path)

    # features of the extras say what to install
    for args, line in ((["search", "--task", "digits", "--trials", "1", "--executor", "ray",
                         "--out", "r2"], "pip install 'graphnas[ray]'"),
                       (["export", "run", "--format", "onnx"], "pip install 'graphnas[onnx]'")):
        r = run(bin_ / "graphnas", *args, cwd=tmp_path, check=False)
        assert r.returncode == 2 and line in r.stderr, r.stderr
