"""The GPU path: steps captured in a CUDA graph match eager ones; bf16 stays close; failures stay
results. Skipped where no GPU is present (the CPU suite covers the rest of the trainer)."""

import math

import pytest
import torch

from graphnas.graph import Edge, Graph, Node, load_example
from graphnas.tasks import get_task
from graphnas.tasks.baselines import baselines_for
from graphnas.training import Budget, TrainConfig, train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def mnist1d():
    return get_task("mnist1d")


@pytest.mark.parametrize("name", ["bn_cnn", "gru", "conv_gru"])
@pytest.mark.parametrize("optimizer", ["adamw", "sgd", "rmsprop"])
def test_captured_steps_match_eager(mnist1d, name, optimizer):
    """Step by step (3 eager warm-up steps, then replays), losses and weights agree with an
    eager run within float tolerance (cuDNN's kernels may differ in rounding: over hundreds of
    steps such differences grow, so the steps are compared one by one)."""
    graph = baselines_for("mnist1d")[name]
    cfg = dict(eval_every=1, optimizer=optimizer, lr=3e-3 if optimizer != "sgd" else 3e-2)
    eager = train(graph, mnist1d, Budget(steps=10), TrainConfig(cuda_graph="off", **cfg),
                  keep_module=True)
    captured = train(graph, mnist1d, Budget(steps=10), TrainConfig(**cfg), keep_module=True)
    assert eager.ok and captured.ok, (eager.error, captured.error)
    assert captured.step_mode == "cuda graph" and eager.step_mode == "capture off"
    assert captured.steps == eager.steps == 10 and len(captured.curve) == 10
    for (s1, l1, _), (s2, l2, _) in zip(eager.curve, captured.curve):
        assert s1 == s2 and l1 == pytest.approx(l2, rel=1e-3, abs=1e-5), s1
    # the trained functions agree (raw weights need not: a bias before batch norm has a zero
    # gradient up to rounding noise, which Adam turns into steps of +-lr either way)
    x = torch.as_tensor(mnist1d.valid.x[:256]).cuda()
    with torch.no_grad():
        out_eager, out_captured = eager.module.train()(x), captured.module.train()(x)
    assert torch.allclose(out_eager, out_captured, rtol=1e-3, atol=2e-3)


def test_long_captured_run_learns_like_eager(mnist1d):
    graph = baselines_for("mnist1d")["gru"]
    eager = train(graph, mnist1d, Budget(steps=400), TrainConfig(cuda_graph="off"))
    captured = train(graph, mnist1d, Budget(steps=400), TrainConfig())
    assert captured.step_mode == "cuda graph"
    assert abs(eager.valid_metric - captured.valid_metric) < 0.03


def test_schedule_moves_inside_the_graph(mnist1d):
    """The learning rate is a device tensor the replayed step reads: lr 0 after warm-up would
    freeze the weights if the graph had baked in the first value."""
    graph = baselines_for("mnist1d")["cnn"]
    r = train(graph, mnist1d, Budget(steps=60), TrainConfig(eval_every=20, schedule="cosine"),
              keep_module=True)
    flat = train(graph, mnist1d, Budget(steps=60), TrainConfig(eval_every=20, schedule="none"),
                 keep_module=True)
    assert r.step_mode == flat.step_mode == "cuda graph"
    w1 = torch.cat([p.flatten() for p in r.module.parameters()])
    w2 = torch.cat([p.flatten() for p in flat.module.parameters()])
    assert not torch.allclose(w1, w2)


def test_bf16_autocast_close_to_fp32(mnist1d):
    graph = baselines_for("mnist1d")["bn_cnn"]
    fp32 = train(graph, mnist1d, Budget(steps=600), TrainConfig(eval_every=200))
    bf16 = train(graph, mnist1d, Budget(steps=600), TrainConfig(eval_every=200,
                                                                 precision="bf16"))
    assert fp32.ok and bf16.ok and bf16.step_mode == "cuda graph"
    assert abs(fp32.valid_metric - bf16.valid_metric) < 0.05


def test_nan_loss_fails_on_the_gpu(mnist1d):
    r = train(load_example("mlp"), get_task("diabetes"), Budget(steps=300),
              TrainConfig(lr=1e12, grad_clip=None, eval_every=100))
    assert not r.ok and "non-finite loss" in r.error


def test_dropout_and_memory_ticks_capture(mnist1d):
    """Dropout draws new masks on every replay; a memory cycle without a time axis runs for
    ticks: both capture and learn."""
    digits, diabetes = get_task("digits"), get_task("diabetes")
    dropout_mlp = Graph(("x",), (Node("fc", "linear", {"width": 64}),
                                 Node("drop", "dropout", {"p": 0.3}), Node("act", "relu")),
                        (Edge("x", "fc"), Edge("fc", "drop"), Edge("drop", "act")), "act")
    for graph, task in ((dropout_mlp, diabetes), (load_example("conv_recurrent"), mnist1d),
                        (load_example("elman_rnn"), mnist1d),
                        (load_example("cnn2d"), digits)):
        r = train(graph, task, Budget(steps=150), TrainConfig(eval_every=50))
        assert r.ok and r.step_mode == "cuda graph", (graph.name, r.error, r.step_mode)
        assert math.isfinite(r.score)
