"""User data files, and one clear error per kind of problem."""

import numpy as np
import pytest

from graphnas.tasks import TaskError, TaskRef, load_file, load_task


def _npz(tmp_path, **arrays):
    p = tmp_path / "data.npz"
    np.savez(p, **arrays)
    return p


def _csv(tmp_path, text):
    p = tmp_path / "data.csv"
    p.write_text(text)
    return p


def test_npz_classification_with_inferred_splits(tmp_path):
    rng = np.random.default_rng(0)
    p = _npz(tmp_path, x=rng.normal(size=(100, 6)).astype(np.float32), y=rng.integers(0, 3, 100))
    t = load_file(p)
    assert t.input_spec.layout == "vector" and t.output_spec.size == 3
    assert len(t.train) + len(t.valid) + len(t.test) == 100
    assert load_task(t.ref).train.x.shape == t.train.x.shape  # workers re-create it by path


def test_npz_sequences_with_given_splits(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"{a}{s}": rng.normal(size=(n, 5, 2)) if a == "x" else rng.normal(size=n)
              for s, n in (("", 30), ("_valid", 10), ("_test", 10)) for a in ("x", "y")}
    t = load_file(_npz(tmp_path, **arrays))
    assert t.input_spec.layout == "sequence" and t.metric == "mse"
    assert (len(t.train), len(t.valid), len(t.test)) == (30, 10, 10)


def test_csv_with_text_labels(tmp_path):
    rows = "\n".join(f"{i},{i % 7 * 0.5},{'cat' if i % 2 else 'dog'}" for i in range(40))
    t = load_file(_csv(tmp_path, "a,b,label\n" + rows + "\n"), target="label")
    assert t.classification and t.output_spec.size == 2 and t.input_spec.dims == (2,)


def test_csv_regression_inferred(tmp_path):
    rows = "\n".join(f"{i},{i * 0.37}" for i in range(40))
    assert load_file(_csv(tmp_path, "a,y\n" + rows)).metric == "mse"


@pytest.mark.parametrize("arrays,message", [
    ({"x": np.ones((5, 2))}, "missing array 'y'"),
    ({"x": np.ones((5, 2)), "y": np.ones(4)}, "x has 5 rows but y has 4"),
    ({"x": np.array([[1.0, np.nan]] * 5), "y": np.zeros(5)}, "NaN or inf"),
    ({"x": np.ones((0, 2)), "y": np.zeros(0, dtype=int)}, "is empty"),
    ({"x": np.array([["a", "b"]] * 5), "y": np.zeros(5)}, "must be numeric"),
    ({"x": np.ones((5, 2)), "y": np.array([0, 1, -1, 0, 1])}, "labels out of range"),
    ({"x": np.ones((5, 2, 2, 2, 2)), "y": np.zeros(5, dtype=int)}, "x has 5 dims"),
    ({"x": np.ones((40, 2)), "y": np.full(40, 3)}, "holds one class only \\(label 3\\)"),
])
def test_bad_npz(tmp_path, arrays, message):
    p = _npz(tmp_path, **arrays)
    with pytest.raises(TaskError, match=message) as info:
        load_file(p)
    assert str(p) in str(info.value)


@pytest.mark.parametrize("text,target,message", [
    ("a,b\n1,2\n", "y", "missing target column 'y'"),
    ("a,y\n1,2\n3\n", None, "line 3 has 1 fields"),
    ("a,y\n1,2\nq,1\n", None, "line 3, column 'a': 'q' is not a number"),
    ("a,y\n", None, "no data rows"),
    ("a,y\nnan,1\n2,0\n", None, "NaN or inf"),
    ("a,y\n" + "1,yes\n" * 30, None, "holds one class only"),
])
def test_bad_csv(tmp_path, text, target, message):
    p = _csv(tmp_path, text)
    with pytest.raises(TaskError, match=message):
        load_file(p, target=target)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(TaskError, match="no such file"):
        load_file(tmp_path / "absent.csv")
    with pytest.raises(TaskError, match="use .npz, .csv or .txt"):
        load_file(tmp_path / "data.parquet")
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(TaskError, match="not a readable .npz"):
        load_file(tmp_path / "broken.npz")
    assert TaskRef.from_dict(TaskRef("file", {"path": "p"}).to_dict()).options == {"path": "p"}
