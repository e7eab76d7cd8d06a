"""Training in rungs: a run stopped at a checkpoint and continued ends where the uninterrupted
run ends (on a CPU, to float tolerance), with the learning-rate schedule of the longer run."""

from __future__ import annotations

import pytest
import torch

from graphnas.graph import load_example
from graphnas.nn import build
from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig, train
from graphnas.training.checkpoint import load_state

from .graphs import BN_NET  # dropout and batch norm: their state must carry over


@pytest.fixture(scope="module")
def digits():
    return get_task("digits")


def _weights(result) -> dict[str, torch.Tensor]:
    return load_state(result.checkpoint)["model"]


@pytest.mark.parametrize("graph,optimizer,schedule", [
    (BN_NET, "adamw", "cosine"), (load_example("cnn2d"), "sgd", "onecycle")])
def test_continued_run_equals_the_straight_run(digits, graph, optimizer, schedule):
    # 3 + 7 steps with a batch of 64 over ~1,000 samples: the continuation crosses no epoch
    # end; 12 + 20 steps with 128 crosses several, so the batch order must carry over too
    for first, second, batch in ((3, 10, 64), (12, 32, 128)):
        cfg = TrainConfig(optimizer=optimizer, schedule=schedule, eval_every=5, threads=1,
                          batch_size=batch, schedule_steps=second, device="cpu")
        straight = train(graph, digits, Budget(steps=second), cfg, save=True)
        rung = train(graph, digits, Budget(steps=first), cfg, save=True)
        assert straight.ok and rung.ok and rung.steps == first
        more = train(graph, digits, Budget(steps=second), cfg, resume=rung.checkpoint,
                     save=True)
        assert more.ok and more.steps == second
        a, b = _weights(straight), _weights(more)
        for k in a:
            torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
        # the curve goes on from the rung's (an evaluation at its end is one more point)
        assert more.curve[:len(rung.curve)] == rung.curve
        assert [p[0] for p in more.curve][-1] == second
        assert more.score == pytest.approx(max(p[2] for p in more.curve))


def test_the_schedule_spans_schedule_steps_not_the_budget(digits):
    """A rung of 5 steps of a 20-step schedule trains as the first 5 steps of the 20-step run,
    not as a whole 5-step cosine."""
    long = TrainConfig(eval_every=5, threads=1, schedule_steps=20, device="cpu")
    short = TrainConfig(eval_every=5, threads=1, device="cpu")
    rung = train(BN_NET, digits, Budget(steps=5), long, save=True)
    whole = train(BN_NET, digits, Budget(steps=5), short, save=True)
    assert load_state(rung.checkpoint)["step"] == 5
    assert any(not torch.equal(a, b) for a, b in zip(_weights(rung).values(),
                                                     _weights(whole).values()))


def test_checkpoint_holds_best_weights_and_is_read_weights_only(digits):
    cfg = TrainConfig(eval_every=2, threads=1, schedule_steps=8, device="cpu")
    r = train(BN_NET, digits, Budget(steps=4), cfg, save=True)
    ck = load_state(r.checkpoint)
    assert ck["step"] == 4 and ck["best_score"] == max(p[2] for p in r.curve)
    model = build(BN_NET, digits.input_spec, digits.output_spec)
    model.load_state_dict(ck["best_model"])  # the best weights load into a fresh module
    assert train(BN_NET, digits, Budget(steps=4), cfg).checkpoint is None  # only when asked
