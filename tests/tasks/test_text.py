"""Character-level language modelling of a text file: splits, vocabulary, scored windows,
causality and bits per character."""

import math

import numpy as np
import pytest

from graphnas.graph import Edge, Graph, GraphError, MemoryLink, Node, OutputSpec
from graphnas.nn import build
from graphnas.spaces.registry import get_space
from graphnas.tasks import IGNORE, load_file, load_task
from graphnas.training import Budget, TrainConfig, train


@pytest.fixture
def corpus(tmp_path):
    rng = np.random.default_rng(0)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"]
    text = "\n".join(" ".join(rng.choice(words, 8)) + "." for _ in range(400))
    text += " zebra!"  # characters seen only in the test part
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_contiguous_parts_and_a_vocabulary_from_training(corpus):
    path, text = corpus
    t = load_file(path, window=32, context=8)
    train_chars = sorted(set(text[:int(len(text) * 0.9)]))
    assert t.input_spec.vocab == t.output_spec.size == len(train_chars) + 1
    assert t.output_spec.causal and t.metric == "bpc"
    assert OutputSpec.from_dict(t.output_spec.to_dict()) == t.output_spec
    unknown = len(train_chars)
    assert (t.test.y == unknown).sum() == sum(c not in train_chars for c in text[-8:]) > 0
    decode = {i: c for i, c in enumerate(train_chars)}
    first = "".join(decode[int(i)] for i in t.train.x[0])
    assert first == text[:32] and t.train.x.shape[1] == 32
    assert np.array_equal(t.train.x[:, 1:], t.train.y[:, :-1])  # the next character
    assert load_task(t.ref).valid.y.tobytes() == t.valid.y.tobytes()


@pytest.mark.parametrize("window,context", [(32, 8), (16, 0), (50, 49)])
def test_every_held_out_character_after_the_context_is_scored_once(corpus, window, context):
    path, text = corpus
    t = load_file(path, window=window, context=context)
    a, b = int(len(text) * 0.9), int(len(text) * 0.95)
    part = text[a:b]
    chars = sorted(set(text[:a]))
    ids = [chars.index(c) if c in chars else len(chars) for c in part]
    scored = {}
    step = window - context
    starts = list(range(0, len(ids) - 1 - window + 1, step))
    if starts[-1] != len(ids) - 1 - window:
        starts.append(len(ids) - 1 - window)
    assert len(starts) == len(t.valid)
    for s, y in zip(starts, t.valid.y):
        for j, label in enumerate(y):
            if label != IGNORE:
                assert (s + j + 1) not in scored and label == ids[s + j + 1]
                scored[s + j + 1] = label
    assert sorted(scored) == list(range(context + 1, len(ids)))


def test_a_time_mixing_op_is_refused_and_the_macro_space_offers_none(corpus):
    t = load_file(corpus[0], window=32)
    conv = Graph(("x",), (Node("e", "embedding", {"width": 8}),
                          Node("c", "conv1d", {"width": 8, "kernel": 3})),
                 (Edge("x", "e"), Edge("e", "c")), "c")
    with pytest.raises(GraphError, match="node 'c' \\(conv1d\\) mixes the time axis"):
        build(conv, t.input_spec, t.output_spec)
    space = get_space("macro", t.input_spec, t.output_spec)
    assert "conv3" not in space.ops and "linear" in space.ops
    rng = np.random.default_rng(0)
    for _ in range(10):
        build(space.sample(rng).arch, t.input_spec, t.output_spec)
    with pytest.raises(ValueError, match="keep to the past"):
        get_space("macro", t.input_spec, t.output_spec, ops=["conv3"])


def test_a_recurrent_graph_learns_below_uniform_bits_per_character(corpus):
    t = load_file(corpus[0], window=32)
    rnn = Graph(("x",), (Node("e", "embedding", {"width": 32}),
                         Node("h", "linear", {"width": 64}, "concat"), Node("a", "tanh")),
                (Edge("x", "e"), Edge("e", "h"), Edge("h", "a")), "a",
                (MemoryLink("a", "h"),))
    r = train(rnn, t, Budget(steps=150), TrainConfig(eval_every=50, lr=1e-2),
              evaluate_test=True)
    assert r.ok and r.metric == "bpc"
    assert r.test["bpc"] == pytest.approx(r.test["loss"] / math.log(2))
    assert r.score == -r.valid["bpc"]
    assert r.valid["bpc"] < 0.7 * math.log2(t.output_spec.size)
