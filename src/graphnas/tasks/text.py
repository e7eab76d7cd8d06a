"""Character-level language modelling of a text file (``--data corpus.txt``).

The text is split 90/5/5 into contiguous parts (train, validation, test, in that order). The
vocabulary is the training part's characters, in sorted order, plus one unknown symbol (the
last id) for characters that appear only later. A network reads ``window`` characters and
predicts each next one (tokens in, one class per step out). Training uses the training part cut
into consecutive, non-overlapping windows: backpropagation through time is truncated at window
boundaries, and each window starts from a zero state. Validation and test windows overlap by
``context`` characters (a quarter of the window by default), whose predictions do not count
(they are labelled IGNORE), so that every character after the first ``context`` is scored exactly
once, each with at least ``context`` characters before it. The metric is bits per character: the
mean cross-entropy in bits (lower is better).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphnas.graph import InputSpec, OutputSpec

from .base import IGNORE, Split, Task, TaskError, TaskRef

SPLIT = (0.9, 0.05, 0.05)
MIN_CHARACTERS = 1000


def load_text(path: str | Path, window: int = 128, context: int | None = None) -> Task:
    """A character-level language-modelling task from a UTF-8 text file (``context``: a
    quarter of the window unless given)."""
    p = Path(path)
    context = window // 4 if context is None else context
    if window < 2 or not 0 <= context < window:
        raise TaskError(f"{p}: window must be at least 2 and context in [0, window), got "
                        f"{window} and {context}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TaskError(f"{p}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise TaskError(f"{p}: cannot read it ({err.strerror or err})") from None
    if not text:
        raise TaskError(f"{p}: the file is empty")
    if "\x00" in text:
        raise TaskError(f"{p}: a NUL character at {text.index(chr(0))}: a binary file, not text")
    if len(text) < MIN_CHARACTERS:
        raise TaskError(f"{p}: {len(text)} characters; a language model needs at least "
                        f"{MIN_CHARACTERS}")
    a, b = int(len(text) * SPLIT[0]), int(len(text) * (SPLIT[0] + SPLIT[1]))
    chars = sorted(set(text[:a]))
    index = {c: i for i, c in enumerate(chars)}
    unknown = len(chars)
    ids = np.array([index.get(c, unknown) for c in text], dtype=np.int64)
    parts = [ids[:a], ids[a:b], ids[b:]]
    if min(len(x) for x in parts[1:]) <= window:
        raise TaskError(f"{p}: the validation and test parts (5% each, {len(parts[1])} "
                        f"characters) must be longer than the window ({window} characters); "
                        f"give more text or a smaller window")
    return Task(p.stem, _training_windows(parts[0], window),
                *(_scored_windows(x, window, context) for x in parts[1:]),
                InputSpec("tokens", (window,), vocab=unknown + 1),
                OutputSpec("sequence_classes", unknown + 1, causal=True),
                TaskRef("file", {"path": str(p), "window": window, "context": context}),
                f"character language model of {p.name}: {len(text):,} characters, "
                f"{len(chars)} in the vocabulary and an unknown symbol",
                metric_name="bpc")


def _training_windows(ids: np.ndarray, window: int) -> Split:
    """Consecutive windows; the targets are the inputs shifted by one character."""
    n = (len(ids) - 1) // window
    x = ids[:n * window].reshape(n, window)
    y = ids[1:n * window + 1].reshape(n, window)
    return Split(x, y)


def _scored_windows(ids: np.ndarray, window: int, context: int) -> Split:
    """Windows that score every target after the first ``context`` once; the last window is
    aligned to the end of the part."""
    last = len(ids) - 1 - window
    starts = list(range(0, last + 1, window - context))
    if starts[-1] != last:
        starts.append(last)
    xs, ys = [], []
    scored_to = context  # targets before this index are scored (or are the first context)
    for s in starts:
        x, y = ids[s:s + window], ids[s + 1:s + window + 1].copy()
        y[:max(scored_to - s, 0)] = IGNORE
        scored_to = s + window
        xs.append(x)
        ys.append(y)
    return Split(np.stack(xs), np.stack(ys))
