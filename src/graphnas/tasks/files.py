"""User data from .npz and .csv files, checked with one clear error per problem.

.npz: arrays ``x`` and ``y``; optional ``x_valid``/``y_valid`` and ``x_test``/``y_test``, or a
``split`` array (0/1/2 or "train"/"valid"/"test"); optional scalar strings ``kind``
("classification" or "regression") and ``layout`` ("vector", "sequence", "image", "tokens").
The layout is otherwise read from x: (N, F) vector, (N, T, C) sequence, (N, C, H, W) image.

.csv: a header row, numeric feature columns and a target column (``target``, default the last).
Classification is inferred when the target is text or has at most 20 integer values, unless
``kind`` says otherwise; class labels are numbered in sorted order. Features are standardised
with the training split's statistics.

Without explicit splits, rows are split 70/15/15, seeded.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from graphnas.graph import InputSpec, OutputSpec

from .base import Split, Task, TaskError, TaskRef, split_indices

_LAYOUT_BY_NDIM = {2: "vector", 3: "sequence", 4: "image"}


def _fail(path: Path, problem: str) -> TaskError:
    return TaskError(f"{path}: {problem}")


def _check_x(path: Path, name: str, x: np.ndarray) -> np.ndarray:
    if x.dtype.kind not in "biuf":
        raise _fail(path, f"array {name!r} must be numeric, got dtype {x.dtype}")
    if x.size == 0:
        raise _fail(path, f"array {name!r} is empty")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise _fail(path, f"array {name!r} has NaN or inf (first at index {tuple(bad)})")
    return x


def _kind(path: Path, y: np.ndarray, stated: str | None) -> str:
    if stated is not None:
        if stated not in ("classification", "regression"):
            raise _fail(path, f"kind must be 'classification' or 'regression', not {stated!r}")
        return stated
    if y.dtype.kind in "biu":
        return "classification"
    return "regression"


def load_npz(path: str | Path, kind: str | None = None, seed: int = 0) -> Task:
    """A task from a .npz file (see the module docstring for the arrays it reads)."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise _fail(p, "no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise _fail(p, f"not a readable .npz file ({err})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise _fail(p, f"missing array {key!r} (found: {', '.join(sorted(arrays)) or 'none'})")
    kind = kind or (str(arrays["kind"]) if "kind" in arrays else None)
    layout = str(arrays["layout"]) if "layout" in arrays else None
    parts = {"train": (arrays["x"], arrays["y"])}
    for s in ("valid", "test"):
        if f"x_{s}" in arrays or f"y_{s}" in arrays:
            if f"x_{s}" not in arrays or f"y_{s}" not in arrays:
                raise _fail(p, f"give both x_{s} and y_{s}")
            parts[s] = (arrays[f"x_{s}"], arrays[f"y_{s}"])
    for s, (x, y) in parts.items():
        suffix = "" if s == "train" else f"_{s}"
        _check_x(p, f"x{suffix}", x)
        _check_x(p, f"y{suffix}", y)
        if len(x) != len(y):
            raise _fail(p, f"x{suffix} has {len(x)} rows but y{suffix} has {len(y)}")
    if "split" in arrays:
        parts = _by_split_array(p, arrays["split"], *parts["train"])
    elif len(parts) < 3:
        x, y = parts["train"]
        tr, va, te = split_indices(len(y), (0.15, 0.15), seed)
        parts = {"train": (x[tr], y[tr]), "valid": parts.get("valid", (x[va], y[va])),
                 "test": parts.get("test", (x[te], y[te]))}
    x0 = parts["train"][0]
    layout = layout or _LAYOUT_BY_NDIM.get(x0.ndim)
    if layout is None:
        raise _fail(p, f"x has {x0.ndim} dims; expected 2 (rows of features), 3 (sequences) "
                       f"or 4 (images)")
    kind = _kind(p, parts["train"][1], kind)
    return _make_task(p, parts, layout, kind, TaskRef("file", {"path": str(p), "kind": kind,
                                                               "seed": seed}))


def _by_split_array(p: Path, split: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict:
    if len(split) != len(y):
        raise _fail(p, f"split has {len(split)} entries but x has {len(y)} rows")
    names = {"train": 0, "valid": 1, "test": 2}
    codes = np.array([names.get(str(s), s) if not isinstance(s, (int, np.integer)) else s
                      for s in split.tolist()])
    out = {}
    for name, code in names.items():
        idx = np.flatnonzero(codes == code)
        if len(idx) == 0:
            raise _fail(p, f"the split array gives no {name!r} rows")
        out[name] = (x[idx], y[idx])
    return out


def _make_task(p: Path, parts: dict, layout: str, kind: str, ref: TaskRef) -> Task:
    classification = kind == "classification"
    ys = [parts[s][1] for s in ("train", "valid", "test")]
    if classification:
        for y in ys:
            if y.dtype.kind == "f" and not np.all(y == np.round(y)):
                raise _fail(p, "classification labels must be integers")
        n_classes = int(max(int(y.max()) for y in ys)) + 1
        if min(int(y.min()) for y in ys) < 0:
            raise _fail(p, "class labels out of range: labels must be 0 .. n_classes - 1")
        if n_classes > 100_000:
            raise _fail(p, f"class labels out of range: largest label is {n_classes - 1}")
        seen = np.unique(ys[0])
        if len(seen) < 2:
            raise _fail(p, f"the training split holds one class only (label {seen[0]}): a "
                           f"classifier has nothing to learn; give two classes or more")
        out = OutputSpec("classes", n_classes)
    else:
        size = 1 if ys[0].ndim == 1 else int(np.prod(ys[0].shape[1:]))
        out = OutputSpec("regression", size)

    def split(s: str) -> Split:
        x, y = parts[s]
        xd = x.astype(np.int64) if layout == "tokens" else x.astype(np.float32)
        if classification:
            return Split(xd, y.astype(np.int64).reshape(len(y)))
        return Split(xd, y.astype(np.float32).reshape(len(y), -1))

    x0 = parts["train"][0]
    vocab = int(max(int(parts[s][0].max()) for s in parts)) + 1 if layout == "tokens" else None
    try:
        spec = InputSpec(layout, x0.shape[1:], vocab)
    except ValueError as err:
        raise _fail(p, f"x does not fit layout {layout!r}: {err}") from None
    return Task(p.stem, split("train"), split("valid"), split("test"), spec, out, ref,
                f"user data from {p.name}")


def load_csv(path: str | Path, target: str | None = None, kind: str | None = None,
             seed: int = 0) -> Task:
    """A task from a .csv file with a header row (see the module docstring)."""
    p = Path(path)
    try:
        with open(p, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise _fail(p, "no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise _fail(p, f"cannot read as CSV ({err})") from None
    if len(rows) < 2:
        raise _fail(p, "no data rows (a header row and at least one row are needed)")
    header, body = rows[0], [r for r in rows[1:] if r]
    target = target or header[-1]
    if target not in header:
        raise _fail(p, f"missing target column {target!r} (columns: {', '.join(header)})")
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise _fail(p, f"line {i} has {len(r)} fields, the header has {len(header)}")
    t = header.index(target)
    features = [c for c in range(len(header)) if c != t]
    if not features:
        raise _fail(p, "no feature columns besides the target")
    x = np.empty((len(body), len(features)), dtype=np.float64)
    for i, r in enumerate(body):
        for j, c in enumerate(features):
            try:
                x[i, j] = float(r[c])
            except ValueError:
                raise _fail(p, f"line {i + 2}, column {header[c]!r}: {r[c]!r} is not a "
                               f"number") from None
    _check_x(p, "features", x)
    raw = [r[t] for r in body]
    y, kind = _csv_target(p, raw, kind)
    tr, va, te = split_indices(len(y), (0.15, 0.15), seed)
    mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-8
    x = (x - mu) / sd
    parts = {"train": (x[tr], y[tr]), "valid": (x[va], y[va]), "test": (x[te], y[te])}
    return _make_task(p, parts, "vector", kind,
                      TaskRef("file", {"path": str(p), "target": target, "kind": kind,
                                       "seed": seed}))


def _csv_target(p: Path, raw: list[str], kind: str | None) -> tuple[np.ndarray, str]:
    try:
        values = np.array([float(v) for v in raw])
        numeric = True
    except ValueError:
        numeric = False
    if numeric and not np.isfinite(values).all():
        raise _fail(p, "the target column has NaN or inf")
    if kind is None:
        few = numeric and np.all(values == np.round(values)) and len(np.unique(values)) <= 20
        kind = "classification" if (not numeric or few) else "regression"
    if kind == "regression":
        if not numeric:
            raise _fail(p, "a regression target must be numeric")
        return values.astype(np.float32), kind
    labels = sorted(set(raw), key=lambda v: (float(v) if numeric else 0, v))
    index = {v: i for i, v in enumerate(labels)}
    return np.array([index[v] for v in raw], dtype=np.int64), "classification"


def load_file(path: str | Path, target: str | None = None, kind: str | None = None,
              seed: int = 0, window: int = 128, context: int | None = None) -> Task:
    """A task from a .npz or .csv file, or a character language model of a .txt file
    (``window`` and ``context``: see :func:`.text.load_text`; its split is not seeded)."""
    from .text import load_text

    p = Path(path)
    if p.suffix == ".npz":
        return load_npz(p, kind, seed)
    if p.suffix == ".csv":
        return load_csv(p, target, kind, seed)
    if p.suffix == ".txt":
        if target is not None or kind not in (None, "classification"):
            raise TaskError(f"{p}: a text file is a character language model; it takes no "
                            f"target column or kind")
        return load_text(p, window, context)
    raise TaskError(f"{p}: unsupported data file; use .npz, .csv or .txt (a character "
                    f"language model)")
