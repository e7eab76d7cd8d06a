"""`graphnas train` trains a shipped baseline and reports JSON (then `export` exports the saved
model); bad input exits 2."""

import json
import subprocess
import sys
from pathlib import Path

BASELINES = Path(__file__).resolve().parents[2] / "src" / "graphnas" / "baselines"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphnas", *args], capture_output=True,
                          text=True, timeout=300)


def test_train_json(tmp_path):
    r = run("train", str(BASELINES / "digits_cnn.json"), "--task", "digits", "--steps", "150",
            "--json", "--save", str(tmp_path / "model"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"valid_metric", "test_metric", "params", "seconds"} <= set(out)
    assert out["test_metric"] > 0.5 and out["params"] == 9930
    assert (tmp_path / "model" / "model.pt").exists()
    r = run("export", str(tmp_path / "model"), "--format", "py", "-o", str(tmp_path / "m.py"))
    assert r.returncode == 0 and r.stdout.strip() == f"wrote {tmp_path / 'm.py'}", r.stderr
    assert "def make_model" in (tmp_path / "m.py").read_text()


def test_train_on_a_csv_file(tmp_path):
    rows = "\n".join(f"{i % 5},{(i * 7) % 11},{int((i % 5) > 2)}" for i in range(200))
    (tmp_path / "d.csv").write_text("a,b,label\n" + rows + "\n")
    (tmp_path / "mlp.json").write_text((BASELINES.parent / "examples" / "mlp.json").read_text())
    r = run("train", str(tmp_path / "mlp.json"), "--data", str(tmp_path / "d.csv"), "--target",
            "label", "--steps", "50", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["metric"] == "accuracy"


def test_graph_that_does_not_fit_the_task():
    r = run("train", str(BASELINES / "mnist1d_cnn.json"), "--task", "digits", "--steps", "5")
    assert r.returncode == 2 and "takes sequence input" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_task():
    r = run("train", str(BASELINES / "mnist1d_cnn.json"), "--task", "mnist2d")
    assert r.returncode == 2 and "unknown task 'mnist2d'" in r.stderr


def test_precision_and_step_mode_flags():
    r = run("train", str(BASELINES / "digits_cnn.json"), "--task", "digits", "--steps", "20",
            "--precision", "bf16", "--cuda-graph", "off", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["step_mode"] in ("capture off", "eager (cpu: CUDA graphs need a GPU)")
    r = run("train", str(BASELINES / "digits_cnn.json"), "--task", "digits", "--precision",
            "fp8")
    assert r.returncode == 2 and "unknown precision 'fp8'" in r.stderr
    assert "Traceback" not in r.stderr
