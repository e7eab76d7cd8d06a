"""Local worker processes with retries for dead workers and time limits per trial.

Each worker is a long-lived process (spawned, so it starts clean of the parent's threads) with
its own inbox and its own result pipe; a monitor thread hands out trials, collects results,
restarts a worker that died and retries its trial, and kills a worker whose trial ran out of time.
A pipe per worker, rather than one queue shared by all, is what lets a worker die at any moment:
one killed halfway through sending a result tears only its own pipe, which is closed with it,
instead of wedging every other worker and the monitor on a shared lock. Workers set their torch
thread count so that several of them do not fight over the cores. On a GPU machine each worker
sees one GPU (``CUDA_VISIBLE_DEVICES``), several workers sharing a GPU as ``gpus_per_trial``
allows.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import pickle
import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for_any
from multiprocessing.reduction import ForkingPickler
from typing import Any

from .base import Executor, TrialTimeout, WorkerDied, gpu_count, gpu_slots

log = logging.getLogger(__name__)


def _worker_main(inbox: mp.Queue, results: Connection, threads: int, gpu: int | None) -> None:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")  # the driver's own view
    gpu_id = "" if gpu is None else visible[gpu] if visible[0] else str(gpu)
    os.environ["CUDA_VISIBLE_DEVICES"] = gpu_id  # one GPU (or none), set before torch loads
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    results.send((None, True, os.getpid()))  # ready: time limits count from here on
    parent = mp.parent_process()
    while True:
        try:
            job = inbox.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return  # the driver is gone: never linger as an orphan
            continue
        if job is None:
            return
        job_id, fn, args = job
        try:
            outcome = (job_id, True, fn(*args))
        except BaseException as err:  # noqa: BLE001  (sent back, the worker lives on)
            outcome = (job_id, False, _picklable(err))
        try:
            message = ForkingPickler.dumps(outcome)
        except Exception as err:  # noqa: BLE001  (an unpicklable result fails only its trial)
            failure = RuntimeError(f"the trial's result could not be sent back: {_describe(err)}")
            message = ForkingPickler.dumps((job_id, False, failure))
        try:
            results.send_bytes(message)
        except (BrokenPipeError, EOFError, ConnectionResetError):
            return  # the driver was killed mid-trial: it resumes from its store, quietly


def _describe(err: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(err), err)).strip()


def _picklable(err: BaseException) -> BaseException:
    try:
        pickle.dumps(err)
        return err
    except Exception:  # noqa: BLE001
        return RuntimeError(_describe(err))


@dataclass
class _Job:
    id: int
    fn: Callable[..., Any]
    args: tuple
    future: Future
    attempts: int = 0
    started: float = 0.0


@dataclass
class _Worker:
    process: Any
    inbox: Any
    results: Connection  # the read end of the worker's own result pipe
    job: _Job | None = None
    ready: bool = False  # booted (imports done); only then does it get trials
    history: list = field(default_factory=list)


class ProcessExecutor(Executor):
    """A pool of worker processes.

    Args:
        workers: number of processes.
        threads_per_worker: torch/OpenMP threads in each (default: cores // workers, at least 1).
        timeout: seconds a trial may run before its worker is killed (None: no limit).
        retries: how often a trial whose worker died is run again before it fails.
        gpus_per_trial: None spreads workers over the visible GPUs (several per GPU when there
            are more workers than GPUs); 0 keeps trials on the CPU; a fraction f allows at most
            1/f trials per GPU.
    """

    name = "processes"

    def __init__(self, workers: int = 2, threads_per_worker: int | None = None,
                 timeout: float | None = None, retries: int = 2,
                 gpus_per_trial: float | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.gpus = gpu_slots(workers, gpu_count() if gpus_per_trial != 0 else 0,
                              gpus_per_trial)
        self.threads = threads_per_worker or max(1, (os.cpu_count() or 1) // workers)
        self.timeout = timeout
        self.retries = retries
        self._ctx = mp.get_context("spawn")
        self._pending: deque[_Job] = deque()
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._closed = False
        self._pool = [self._start(i) for i in range(workers)]
        self._monitor = threading.Thread(target=self._run, name="graphnas-executor", daemon=True)
        self._monitor.start()

    # -- public ----------------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._closed:
            raise RuntimeError("executor is shut down")
        future: Future = Future()
        with self._lock:
            self._pending.append(_Job(next(self._ids), fn, args, future))
        return future

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (for tests and diagnostics)."""
        return [w.process.pid for w in self._pool]

    def wait_until_booted(self, timeout: float = 120.0) -> bool:
        """Wait until every worker has booted and can take trials; False if ``timeout`` s
        passed first (on a loaded machine one worker can boot seconds after another)."""
        deadline = time.monotonic() + timeout
        while not all(w.ready for w in self._pool):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._monitor.join(timeout=5)
        for w in self._pool:
            with contextlib.suppress(OSError, ValueError):
                w.inbox.put(None)
        for w in self._pool:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)
        for w in self._pool:
            w.results.close()
            if w.job and not w.job.future.done():
                w.job.future.set_exception(RuntimeError("executor shut down"))
        while self._pending:
            job = self._pending.popleft()
            if not job.future.done():
                job.future.set_exception(RuntimeError("executor shut down"))

    # -- monitor thread --------------------------------------------------------------------
    def _start(self, index: int) -> _Worker:
        inbox = self._ctx.Queue()
        results, results_writer = self._ctx.Pipe(duplex=False)
        args = (inbox, results_writer, self.threads, self.gpus[index])
        p = self._ctx.Process(target=_worker_main, args=args,
                              name=f"graphnas-worker-{index}", daemon=True)
        p.start()
        results_writer.close()  # the worker holds the only write end: its death reads as EOF
        return _Worker(p, inbox, results)

    def _run(self) -> None:
        while not self._closed:
            self._dispatch()
            readable = wait_for_any([w.results for w in self._pool], timeout=0.05)
            for index, w in enumerate(self._pool):
                if w.results in readable:
                    self._receive(index, w)
            self._check_workers()

    def _receive(self, index: int, w: _Worker) -> None:
        try:
            job_id, ok, value = w.results.recv()
        except (EOFError, OSError):
            # the worker died, perhaps halfway through a message: _check_workers restarts it
            w.process.join(timeout=5)
            if w.process.is_alive():  # a worker without its pipe is no use either
                w.process.kill()
                w.process.join(timeout=5)
            return
        except Exception as err:  # noqa: BLE001  (a result that cannot be unpickled here)
            if w.job is None:
                return
            job_id, ok = w.job.id, False
            value = RuntimeError(f"the trial's result could not be read: {_describe(err)}")
        self._finish(index, job_id, ok, value)

    def _dispatch(self) -> None:
        with self._lock:
            for w in self._pool:
                if w.ready and w.job is None and self._pending:
                    job = self._pending.popleft()
                    job.attempts += 1
                    job.started = time.monotonic()
                    w.job = job
                    w.inbox.put((job.id, job.fn, job.args))

    def _finish(self, index: int, job_id: int | None, ok: bool, value: Any) -> None:
        w = self._pool[index]
        if job_id is None:  # a worker's ready message (value: its pid)
            w.ready = w.ready or value == w.process.pid
            return
        if w.job is None or w.job.id != job_id:
            return  # a result from a job that was already given up on
        job, w.job = w.job, None
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)

    def _check_workers(self) -> None:
        now = time.monotonic()
        for i, w in enumerate(self._pool):
            job = w.job
            if not w.process.is_alive():
                log.warning("worker %d died (exit code %s)", i, w.process.exitcode)
                w.results.close()
                self._pool[i] = self._start(i)
                if job is not None:
                    self._retry(job, f"worker process died (exit code {w.process.exitcode})")
            elif job is not None and self.timeout is not None and now - job.started > self.timeout:
                log.warning("trial %d ran past %.0f s; stopping its worker", job.id, self.timeout)
                w.process.kill()
                w.process.join(timeout=5)
                w.results.close()
                self._pool[i] = self._start(i)
                job.future.set_exception(
                    TrialTimeout(f"trial ran past its time limit of {self.timeout:g} s"))

    def _retry(self, job: _Job, reason: str) -> None:
        if job.attempts > self.retries:
            job.future.set_exception(WorkerDied(f"{reason}; gave up after {job.attempts} tries"))
            return
        with self._lock:
            self._pending.appendleft(job)
