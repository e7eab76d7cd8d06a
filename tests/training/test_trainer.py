"""The trainer: learns, is deterministic, honours budgets, and turns failures into results."""

import math
from dataclasses import replace

import pytest
import torch

from graphnas.graph import Edge, Graph, Node, load_example
from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig, load_model, lr_factor, save_model, train

FAST = TrainConfig(eval_every=20, threads=1)


@pytest.fixture(scope="module")
def digits():
    return get_task("digits")


def test_learns_and_reports(digits):
    r = train(load_example("cnn2d"), digits, Budget(steps=200), FAST, evaluate_test=True)
    assert r.ok and r.metric == "accuracy"
    assert r.valid["accuracy"] > 0.6 and r.test["accuracy"] > 0.6  # chance is 0.1
    assert r.score == r.valid["accuracy"] and r.params > 0 and r.flops > 0
    assert r.curve[-1][0] == 200 and r.steps == 200 and r.seconds > 0


def test_search_never_sees_the_test_split(digits):
    assert train(load_example("cnn2d"), digits, Budget(steps=5), FAST).test is None


def test_seeded_and_deterministic(digits):
    a = train(load_example("cnn2d"), digits, Budget(steps=40), FAST)
    b = train(load_example("cnn2d"), digits, Budget(steps=40), FAST)
    c = train(load_example("cnn2d"), digits, Budget(steps=40), TrainConfig(eval_every=20, seed=1))
    assert a.curve == b.curve and a.valid == b.valid
    assert a.curve != c.curve


@pytest.mark.parametrize("opt", ["adam", "adamw", "rmsprop", "sgd"])
@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_optimizers_and_schedules(digits, opt, schedule):
    cfg = TrainConfig(optimizer=opt, schedule=schedule, lr=1e-2 if opt == "sgd" else 3e-3,
                      eval_every=50)
    assert train(load_example("cnn2d"), digits, Budget(steps=50), cfg).ok


def test_schedules():
    assert lr_factor("cosine", 0) == 1 and abs(lr_factor("cosine", 1)) < 1e-12
    assert lr_factor("onecycle", 0) < 0.1 and lr_factor("onecycle", 0.1) == 1


def test_budget_in_epochs_and_seconds(digits):
    r = train(load_example("cnn2d"), digits, Budget(epochs=1), TrainConfig(batch_size=100))
    assert r.steps == len(digits.train) // 100
    r = train(load_example("cnn2d"), digits, Budget(seconds=0.5), FAST)
    assert r.ok and r.seconds < 5


def test_fidelity_and_early_stopping(digits):
    r = train(load_example("cnn2d"), digits, Budget(steps=2000),
              TrainConfig(fidelity=0.1, eval_every=5, patience=2, lr=1e-6))
    assert r.ok and r.steps < 2000 and r.fidelity == 0.1


def test_a_run_at_chance_stops_at_its_first_evaluation(digits):
    stuck = TrainConfig(eval_every=20, threads=1, lr=1e-7, stop_at_chance=True)
    r = train(load_example("cnn2d"), digits, Budget(steps=100), stuck)
    assert r.ok and r.steps == 20 and r.score < 0.2 and len(r.curve) == 1
    assert train(load_example("cnn2d"), digits, Budget(steps=100),
                 replace(stuck, stop_at_chance=False)).steps == 100
    learning = replace(stuck, lr=3e-3, eval_every=34)  # 0.3 at step 34: trains on
    assert train(load_example("cnn2d"), digits, Budget(steps=100), learning).steps == 100


def test_chance_is_the_best_constant_prediction(digits):
    from graphnas.training.metrics import at_chance

    y = torch.tensor([0, 0, 0, 1])  # a constant 0 is right 3 times in 4
    assert at_chance({"accuracy": 0.76}, y, digits)
    assert not at_chance({"accuracy": 0.8}, y, digits)
    adding = get_task("adding", length=12, train=16, valid=16, test=16)
    assert at_chance({"mse": 0.2, "r2": 0.01}, torch.zeros(4, 1), adding)
    assert not at_chance({"mse": 0.01, "r2": 0.9}, torch.zeros(4, 1), adding)


def test_keeps_the_best_validation_weights_or_the_last(digits):
    """Steps 40 -> 45 lower the validation score at this learning rate: "best" goes back to
    step 40's weights, "last" keeps step 45's."""
    cfg = TrainConfig(eval_every=5, threads=1, schedule="none", lr=0.05)
    best = train(load_example("cnn2d"), digits, Budget(steps=45), cfg)
    last = train(load_example("cnn2d"), digits, Budget(steps=45), replace(cfg, keep="last"))
    assert best.curve == last.curve and best.curve[-1][2] < max(c[2] for c in best.curve)
    assert best.score == max(c[2] for c in best.curve)
    assert last.score == last.curve[-1][2]
    with pytest.raises(ValueError, match="unknown keep"):
        TrainConfig(keep="first")


def test_nan_loss_is_a_failed_result(digits):
    r = train(load_example("cnn2d"), digits, Budget(steps=50), TrainConfig(lr=1e12,
                                                                          grad_clip=None))
    assert not r.ok and "non-finite loss" in r.error


def test_invalid_graph_is_a_failed_result(digits):
    g = Graph(("x",), (Node("l", "linear"),), (Edge("x", "l"),), "l")  # linear on images
    r = train(g, digits, Budget(steps=5), FAST)
    assert not r.ok and r.error.startswith("invalid graph") and "'l'" in r.error


def test_model_exception_is_a_failed_result(digits, monkeypatch):
    import graphnas.nn.module as module

    def boom(self, x):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(module.GraphModule, "forward", boom)
    r = train(load_example("cnn2d"), digits, Budget(steps=5), FAST)
    assert not r.ok and r.error == "RuntimeError: kaboom"


def test_out_of_memory_is_a_failed_result(digits, monkeypatch):
    import graphnas.nn.module as module

    def oom(self, x):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20 GiB")

    monkeypatch.setattr(module.GraphModule, "forward", oom)
    r = train(load_example("cnn2d"), digits, Budget(steps=5), FAST)
    assert not r.ok and r.error == "out of memory"


def test_time_limit_is_a_failed_result(digits):
    r = train(load_example("cnn2d"), digits, Budget(steps=10**6), TrainConfig(max_seconds=0.3))
    assert not r.ok and r.error.startswith("time limit")


def test_regression_and_per_step_tasks():
    adding = get_task("adding", length=12, train=256, valid=64, test=64)
    r = train(load_example("gru"), adding, Budget(steps=30), FAST)
    assert r.ok and r.metric == "mse" and math.isclose(r.score, -r.valid["mse"])
    copy = get_task("copy", length=3, delay=2, train=64, valid=16, test=16)
    g = Graph(("x",), (Node("e", "embedding", {"width": 8}), Node("h", "linear", {"width": 8}),
                       Node("a", "tanh")), (Edge("x", "e"), Edge("e", "h"), Edge("h", "a")), "a")
    assert train(g, copy, Budget(steps=10), FAST).ok


def test_save_and_load_weights_only(digits, tmp_path):
    r = train(load_example("cnn2d"), digits, Budget(steps=20), FAST, keep_module=True)
    save_model(tmp_path / "best", r.module, load_example("cnn2d"))
    loaded = load_model(tmp_path / "best")
    x = torch.as_tensor(digits.test.x[:8])
    r.module.eval()
    assert torch.equal(loaded(x), r.module(x))


def test_result_round_trips_as_json(digits):
    import json

    from graphnas.training import Result

    r = train(load_example("cnn2d"), digits, Budget(steps=20), FAST)
    back = Result.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back.valid == r.valid and back.curve == r.curve


def test_the_result_says_how_steps_ran(digits):
    r = train(load_example("cnn2d"), digits, Budget(steps=5), TrainConfig(device="cpu"))
    assert r.step_mode == "eager (cpu: CUDA graphs need a GPU)"
    r = train(load_example("cnn2d"), digits, Budget(steps=5),
              TrainConfig(device="cpu", cuda_graph="off", precision="bf16"))
    assert r.ok and r.step_mode == "capture off"


@pytest.mark.parametrize("field, value", [("cuda_graph", "always"), ("precision", "fp16")])
def test_unknown_step_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=f"unknown {field}"):
        TrainConfig(**{field: value})
