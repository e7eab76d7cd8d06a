"""Batch-norm statistics recomputed for the last weights (keep="last")."""

import copy

import pytest
import torch
from torch import nn

from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig, train
from graphnas.training.metrics import evaluate
from graphnas.training.precise_bn import recompute_bn_stats

from .graphs import BN_NET


@pytest.fixture(scope="module")
def digits():
    return get_task("digits")


def test_the_statistics_become_the_average_over_the_batches_and_nothing_else_moves():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    model[1].running_mean.fill_(100.0)
    model.eval()
    x = torch.randn(256, 3) * 2 + 1
    before = torch.random.get_rng_state()
    assert recompute_bn_stats(model, x, batch=64, batches=4, seed=1)  # each row once
    assert torch.equal(torch.random.get_rng_state(), before)
    assert not model.training and model[1].momentum == 0.1
    with torch.no_grad():
        expected = model[0](x).mean(0)
    torch.testing.assert_close(model[1].running_mean, expected, rtol=1e-5, atol=1e-5)
    assert not recompute_bn_stats(nn.Linear(3, 4), x, 64, 4, 1)  # no batch norm: untouched


def test_every_batch_is_full_where_the_rows_do_not_divide_into_batches():
    """129 rows in batches of 128: the second batch wraps around rather than holding 1 row,
    which batch norm cannot train on; a single row is no batch at all."""
    sizes = []
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model.register_forward_pre_hook(lambda _, args: sizes.append(len(args[0])))
    assert recompute_bn_stats(model, torch.randn(129, 3), batch=128, batches=3, seed=0)
    assert sizes == [128, 128, 128]
    assert not recompute_bn_stats(model, torch.randn(1, 3), batch=128, batches=3, seed=0)


def test_a_last_weights_training_hands_back_the_recomputed_statistics(digits):
    cfg = TrainConfig(eval_every=10, threads=1, keep="last", device="cpu")
    plain = train(BN_NET, digits, Budget(steps=30), TrainConfig(**{**cfg.to_dict(),
                                                                  "precise_bn": 0}),
                  keep_module=True)
    precise = train(BN_NET, digits, Budget(steps=30), cfg, keep_module=True)
    assert any(isinstance(m, nn.BatchNorm1d) for m in plain.module.modules())
    model = copy.deepcopy(plain.module)  # the same last weights, recomputed here
    xt = torch.as_tensor(digits.train.x)[torch.randperm(
        len(digits.train), generator=torch.Generator().manual_seed(0))]
    recompute_bn_stats(model, xt, cfg.batch_size, cfg.precise_bn, cfg.seed)
    want = evaluate(model, torch.as_tensor(digits.valid.x), torch.as_tensor(digits.valid.y),
                    digits)
    assert precise.valid == pytest.approx(want) and precise.curve[-1][2] == precise.score
    assert precise.curve[:-1] == plain.curve[:-1]


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="precise_bn"):
        TrainConfig(precise_bn=-1)
