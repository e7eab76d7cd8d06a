"""Every executor runs trials, survives dead workers and stops trials past their time limit."""

import os
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import pytest

from graphnas.execution import (
    ProcessExecutor,
    SerialExecutor,
    TrialTimeout,
    WorkerDied,
    get_executor,
)

from . import jobs


@pytest.fixture(scope="module")
def processes():
    ex = ProcessExecutor(workers=2, threads_per_worker=1, timeout=3, retries=1)
    yield ex
    ex.shutdown()


@pytest.fixture(scope="module")
def ray_executor():
    pytest.importorskip("ray")
    from graphnas.execution.ray_executor import RayExecutor

    # Ray's workers import this test's job functions as pytest does: from the tests folder.
    tests_dir = str(Path(__file__).resolve().parents[1])
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [tests_dir, old]))
    # 30 s: a Ray trial's limit spans its retries, each on a freshly booted worker process,
    # which takes seconds on a busy machine (8 s was too short for CI under load)
    ex = RayExecutor(workers=2, timeout=30, retries=1)
    yield ex
    # Ray is shut down by its own exit hook when the test process ends: shutting it down in
    # the middle of a test session ended the session with it.
    ex._closed = True
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


@pytest.fixture(params=["serial", "processes", "ray"])
def executor(request):
    if request.param == "serial":
        return SerialExecutor()
    return request.getfixturevalue("processes" if request.param == "processes"
                                   else "ray_executor")


def test_results_and_errors(executor):
    futures = [executor.submit(jobs.square, i) for i in range(5)]
    assert [f.result(timeout=60) for f in futures] == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="boom"):
        executor.submit(jobs.fail, "boom").result(timeout=60)


def test_results_arrive_in_any_order(processes):
    processes.wait_until_booted()
    slow = processes.submit(jobs.sleep_then, 2.0, 1)
    fast = processes.submit(jobs.sleep_then, 0.0, 2)
    done, _ = wait([slow, fast], return_when=FIRST_COMPLETED, timeout=60)
    assert fast in done and slow not in done
    assert slow.result(timeout=60) == 1


@pytest.mark.parametrize("kind", ["processes", "ray_executor"])
def test_a_killed_worker_is_retried(kind, request, tmp_path):
    ex = request.getfixturevalue(kind)
    assert ex.submit(jobs.die_once, str(tmp_path / "m")).result(timeout=120) == "survived"


@pytest.mark.parametrize("kind", ["processes", "ray_executor"])
def test_a_worker_that_keeps_dying_fails_the_trial(kind, request):
    ex = request.getfixturevalue(kind)
    with pytest.raises(WorkerDied, match="gave up after 2 tries"):
        ex.submit(jobs.always_die).result(timeout=120)
    assert ex.submit(jobs.square, 3).result(timeout=60) == 9  # the pool lives on


@pytest.mark.parametrize("kind", ["processes", "ray_executor"])
def test_a_trial_past_its_time_limit_is_stopped(kind, request):
    ex = request.getfixturevalue(kind)
    with pytest.raises(TrialTimeout, match=r"time limit of (3|30) s"):
        ex.submit(jobs.sleep_then, 60, 0).result(timeout=120)
    assert ex.submit(jobs.square, 4).result(timeout=60) == 16


def test_a_worker_killed_while_sending_its_result_stops_no_other(processes):
    with pytest.raises(WorkerDied, match="gave up after 2 tries"):
        processes.submit(jobs.die_while_sending, 50_000_000).result(timeout=120)
    futures = [processes.submit(jobs.square, i) for i in range(4)]
    assert [f.result(timeout=60) for f in futures] == [0, 1, 4, 9]


def test_an_unpicklable_result_fails_only_its_trial(processes):
    with pytest.raises(RuntimeError, match="could not be sent back"):
        processes.submit(jobs.unpicklable_result).result(timeout=60)
    assert processes.submit(jobs.square, 5).result(timeout=60) == 25


def test_workers_use_their_share_of_threads(processes):
    assert processes.submit(jobs.threads).result(timeout=60) == 1


def test_choosing_an_executor():
    assert isinstance(get_executor(None, workers=1), SerialExecutor)
    with pytest.raises(ValueError, match="unknown executor 'dask'"):
        get_executor("dask")

