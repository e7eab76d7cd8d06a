"""Built-in tasks, all offline and deterministic given their seed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from graphnas.graph import InputSpec, OutputSpec

from .base import IGNORE, Split, Task, TaskRef, split_indices


def cache_dir() -> Path:
    """Where generated data sets are kept (``$GRAPHNAS_CACHE`` or ~/.cache/graphnas)."""
    return Path(os.environ.get("GRAPHNAS_CACHE", Path.home() / ".cache" / "graphnas"))


def _mnist1d_arrays() -> dict[str, np.ndarray]:
    """MNIST-1D made by the package's own make_dataset with its default arguments, cached."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    key = hashlib.sha256(json.dumps(get_dataset_args(as_dict=True), sort_keys=True).encode())
    path = cache_dir() / f"mnist1d-{key.hexdigest()[:12]}.npz"
    if path.exists():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    state = np.random.get_state()  # make_dataset seeds numpy's global RNG; leave it as it was
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(state)
    arrays = {k: np.asarray(d[k]) for k in ("x", "y", "x_test", "y_test")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return arrays


def mnist1d(seed: int = 0, valid: int = 500) -> Task:
    """MNIST-1D: 4,000 train (``valid`` of them carved out, seeded) / 1,000 test, 40 x 1."""
    d = _mnist1d_arrays()
    x = d["x"].astype(np.float32)[:, :, None]
    y = d["y"].astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(y))
    tr, va = perm[valid:], perm[:valid]
    test = Split(d["x_test"].astype(np.float32)[:, :, None], d["y_test"].astype(np.int64))
    return Task("mnist1d", Split(x[tr], y[tr]), Split(x[va], y[va]), test,
                InputSpec("sequence", (40, 1)), OutputSpec("classes", 10),
                TaskRef("mnist1d", {"seed": seed, "valid": valid}),
                "MNIST-1D (Greydanus 2020), made locally by the mnist1d package")


def digits(seed: int = 0) -> Task:
    """scikit-learn's bundled 8x8 digits as 1 x 8 x 8 images; 60/20/20 split, seeded."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None]
    y = data.target.astype(np.int64)
    tr, va, te = split_indices(len(y), (0.2, 0.2), seed)
    return Task("digits", Split(x[tr], y[tr]), Split(x[va], y[va]), Split(x[te], y[te]),
                InputSpec("image", (1, 8, 8)), OutputSpec("classes", 10),
                TaskRef("digits", {"seed": seed}), "scikit-learn digits, 8x8 images")


def sdigits(seed: int = 0, permuted: bool = False, permutation: int = 0) -> Task:
    """Sequential digits: scikit-learn's 8x8 digits read one pixel per step (64 steps of one
    value, row by row), the split of :func:`digits`; ``permuted``: every image's pixels in one
    fixed order drawn from ``permutation`` (the same for every split and split seed), so that
    neighbouring pixels are far apart in time."""
    images = digits(seed)
    order = np.random.default_rng(permutation).permutation(64) if permuted else np.arange(64)

    def steps(split: Split) -> Split:
        return Split(np.ascontiguousarray(split.x.reshape(-1, 64)[:, order, None]), split.y)

    name = "psdigits" if permuted else "sdigits"
    options = {"seed": seed, **({"permutation": permutation} if permuted else {})}
    what = f"pixels in a fixed order drawn from seed {permutation}" if permuted else \
        "pixels row by row"
    return Task(name, steps(images.train), steps(images.valid), steps(images.test),
                InputSpec("sequence", (64, 1)), OutputSpec("classes", 10),
                TaskRef(name, options), f"scikit-learn digits read one pixel per step, {what}")


def psdigits(seed: int = 0, permutation: int = 0) -> Task:
    """:func:`sdigits` with one fixed, seeded pixel permutation."""
    return sdigits(seed, permuted=True, permutation=permutation)


def chars(window: int = 128, context: int | None = None, seed: int = 0) -> Task:
    """Character language modelling of the English text of Python's own documentation topics
    (``pydoc_data.topics``, about 465,000 characters, on every Python install; the text, and so
    the figures, may differ between Python versions): see :func:`.text.load_text`. ``seed`` is
    taken like every task's and unused: the parts are contiguous, the same for every seed."""
    import platform
    from dataclasses import replace
    from pydoc_data.topics import topics

    from .text import load_text

    version = platform.python_version()
    path = cache_dir() / f"chars-pydoc-topics-{version}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("\n\n".join(topics[k] for k in sorted(topics)), encoding="utf-8")
        os.replace(tmp, path)
    task = load_text(path, window, context)
    return replace(task, name="chars",
                   ref=TaskRef("chars", {"window": window, "context": context}),
                   description=f"character language model of Python {version}'s documentation "
                               f"topics{task.description[task.description.index(':'):]}")


def _adding(n: int, length: int, rng: np.random.Generator) -> Split:
    values = rng.random((n, length))
    marks = np.zeros((n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    marks[np.arange(n), first] = 1
    marks[np.arange(n), second] = 1
    x = np.stack([values, marks], axis=-1).astype(np.float32)
    y = (values[np.arange(n), first] + values[np.arange(n), second]).astype(np.float32)
    return Split(x, y[:, None])


def adding(length: int = 100, train: int = 10000, valid: int = 1000, test: int = 2000,
           seed: int = 0) -> Task:
    """The adding problem (Hochreiter & Schmidhuber 1997): a sequence of (value, marker) pairs;
    predict the sum of the two marked values, one in each half. Predicting 1.0 gives MSE ~0.167."""
    rng = np.random.default_rng(seed)
    return Task("adding", _adding(train, length, rng), _adding(valid, length, rng),
                _adding(test, length, rng), InputSpec("sequence", (length, 2)),
                OutputSpec("regression", 1),
                TaskRef("adding", {"length": length, "train": train, "valid": valid,
                                   "test": test, "seed": seed}),
                f"adding problem, T = {length}")


def _copy(n: int, symbols: int, length: int, delay: int, rng: np.random.Generator) -> Split:
    total = 2 * length + delay + 1
    seq = rng.integers(1, symbols + 1, (n, length))
    x = np.zeros((n, total), dtype=np.int64)
    x[:, :length] = seq
    x[:, length + delay] = symbols + 1  # the recall cue
    y = np.full((n, total), IGNORE, dtype=np.int64)
    y[:, -length:] = seq
    return Split(x, y)


def copy(symbols: int = 8, length: int = 10, delay: int = 20, train: int = 8000,
         valid: int = 1000, test: int = 1000, seed: int = 0) -> Task:
    """Copy/recall: read ``length`` symbols, wait ``delay`` blanks, see a cue, then write the
    symbols back. Tokens in, one class per step out; only the recall steps count."""
    rng = np.random.default_rng(seed)
    total = 2 * length + delay + 1
    return Task("copy", *(_copy(n, symbols, length, delay, rng) for n in (train, valid, test)),
                InputSpec("tokens", (total,), vocab=symbols + 2),
                OutputSpec("sequence_classes", symbols + 1),
                TaskRef("copy", {"symbols": symbols, "length": length, "delay": delay,
                                 "train": train, "valid": valid, "test": test, "seed": seed}),
                f"copy {length} symbols over a delay of {delay}")


def diabetes(seed: int = 0) -> Task:
    """scikit-learn's bundled diabetes regression (442 rows, 10 features), standardised."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    tr, va, te = split_indices(len(data.target), (0.2, 0.2), seed)
    x = data.data.astype(np.float32)
    y = data.target.astype(np.float32)[:, None]
    mx, sx = x[tr].mean(0), x[tr].std(0) + 1e-8
    my, sy = y[tr].mean(0), y[tr].std(0)
    x, y = (x - mx) / sx, (y - my) / sy

    def part(i: np.ndarray) -> Split:
        return Split(x[i], y[i])

    return Task("diabetes", part(tr), part(va), part(te), InputSpec("vector", (10,)),
                OutputSpec("regression", 1), TaskRef("diabetes", {"seed": seed}),
                "scikit-learn diabetes progression, standardised target")


BUILTIN = {"mnist1d": mnist1d, "digits": digits, "sdigits": sdigits, "psdigits": psdigits,
           "chars": chars, "adding": adding, "copy": copy, "diabetes": diabetes}
