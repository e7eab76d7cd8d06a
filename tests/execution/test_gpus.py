"""GPU placement: which GPU each worker gets, how many trials share one, and (on a GPU machine)
that workers see exactly what they were given."""

import pytest
import torch

from graphnas.execution import ProcessExecutor, default_workers, gpu_slots

from . import jobs


def test_gpu_slots_spread_and_share():
    assert gpu_slots(3, 0, None) == [None, None, None]  # no GPU: CPU workers
    assert gpu_slots(5, 2, None) == [0, 1, 0, 1, 0]  # spread, several per GPU
    assert gpu_slots(4, 1, 0.25) == [0, 0, 0, 0]
    assert gpu_slots(2, 4, 0) == [None, None]  # 0: keep trials off the GPUs


@pytest.mark.parametrize("workers, gpus, share, message", [
    (5, 1, 0.25, "need 2 GPUs; 1 visible"),
    (1, 0, 0.5, "no GPU is visible"),
    (1, 1, 2.0, "at most one GPU"),
    (1, 1, -1, "0 or more"),
])
def test_gpu_slots_refuse_what_cannot_fit(workers, gpus, share, message):
    with pytest.raises(ValueError, match=message):
        gpu_slots(workers, gpus, share)


def test_default_workers_follow_the_gpus(monkeypatch):
    import graphnas.execution.base as base

    monkeypatch.setattr(base, "gpu_count", lambda: 0)
    assert default_workers() == 1
    monkeypatch.setattr(base, "gpu_count", lambda: 2)
    monkeypatch.setattr(base.os, "cpu_count", lambda: 64)
    assert default_workers() == 2 * base.TRIALS_PER_GPU
    monkeypatch.setattr(base.os, "cpu_count", lambda: 3)
    assert default_workers() == 3  # a core each to launch kernels


def test_cpu_workers_do_not_see_gpus():
    with ProcessExecutor(1, threads_per_worker=1, gpus_per_trial=0) as ex:
        visible, cuda = ex.submit(jobs.visible_gpu).result(timeout=120)
    assert visible == "" and not cuda


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_workers_share_a_gpu():
    with ProcessExecutor(2, threads_per_worker=1, gpus_per_trial=0.5) as ex:
        seen = [f.result(timeout=120) for f in [ex.submit(jobs.visible_gpu) for _ in range(4)]]
    assert all(cuda for _, cuda in seen) and {v for v, _ in seen} == {"0"}
