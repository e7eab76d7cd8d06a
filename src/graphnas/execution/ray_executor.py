"""Ray: a local Ray instance, or an existing cluster joined by address.

Each trial is a Ray task with its own CPU and (fractional) GPU request; on a cluster with GPUs,
by default ``TRIALS_PER_GPU`` trials share each GPU. Ray re-runs a task whose worker process or
whole node died (``max_retries``), elsewhere if the node is gone; a trial past its time limit is
cancelled by force. The limit counts from when the trial could first run (not while it queues)
and spans its retries. A trial's future carries ``node``, the id of the Ray node that ran it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from graphnas.extras import require

from .base import TRIALS_PER_GPU, Executor, TrialTimeout, WorkerDied

log = logging.getLogger(__name__)


def _call(fn: Callable[..., Any], threads: int, *args: Any) -> tuple[str, Any]:
    """In a Ray worker: the node's id and ``fn(*args)``."""
    import os
    import sys

    import ray

    os.environ["OMP_NUM_THREADS"] = str(threads)  # read by torch when a trial first loads it
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return ray.get_runtime_context().get_node_id(), fn(*args)


class RayExecutor(Executor):
    """Run trials as Ray tasks.

    Args:
        workers: trials in flight at once (on a cluster: as many as its resources allow).
        address: a cluster to join (``ray start --head`` prints it); None starts a local
            instance, even where a cluster runs on this machine.
        cpus_per_trial, gpus_per_trial: each trial's resource request (gpus may be fractional;
            None: 1 / TRIALS_PER_GPU where the cluster has GPUs, else 0).
        timeout: seconds a trial may run before it is cancelled.
        retries: re-runs of a trial whose worker died.
    """

    name = "ray"

    def __init__(self, workers: int = 2, address: str | None = None, cpus_per_trial: float = 1,
                 gpus_per_trial: float | None = None, timeout: float | None = None,
                 retries: int = 2) -> None:
        ray = require("ray", "ray", "--executor ray")
        self._ray = ray
        self.workers = workers
        self.timeout = timeout
        self.retries = retries
        self.threads = max(1, int(cpus_per_trial))
        if not ray.is_initialized():
            kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False,
                                          configure_logging=False)
            if address:
                check_reachable(address)
                ray.init(address=address, **kwargs)
                log.info("joined the Ray cluster at %s: %d nodes, resources %s", address,
                         len([n for n in ray.nodes() if n["Alive"]]),
                         {k: v for k, v in ray.cluster_resources().items()
                          if k in ("CPU", "GPU")})
            else:  # "local": not a cluster that ``ray start`` left on this machine
                ray.init(address="local", num_cpus=max(1, int(workers * cpus_per_trial)),
                         **kwargs)
            self._owns_ray = True
        else:
            self._owns_ray = False
        if gpus_per_trial is None:
            has_gpu = ray.cluster_resources().get("GPU", 0) > 0
            gpus_per_trial = 1 / TRIALS_PER_GPU if has_gpu else 0
        self.gpus_per_trial = gpus_per_trial
        self._remote = ray.remote(_call).options(
            num_cpus=cpus_per_trial, num_gpus=gpus_per_trial, max_retries=retries)
        # ref -> [future, start]; a trial's clock starts once it is among the first ``workers``
        # unfinished ones (in submission order), i.e. could be running, not while it queues
        self._watch: dict[Any, list] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._watcher = threading.Thread(target=self._watch_timeouts, daemon=True)
        if timeout is not None:
            self._watcher.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        ref = self._remote.remote(fn, self.threads, *args)
        future: Future = Future()
        with self._lock:
            self._watch[ref] = [future, None]

        def settle(inner: Future) -> None:
            with self._lock:
                self._watch.pop(ref, None)
            if future.done():
                return
            err = inner.exception()
            if err is None:
                future.node, result = inner.result()
                future.set_result(result)
            elif isinstance(err, self._ray.exceptions.TaskCancelledError):
                future.set_exception(
                    TrialTimeout(f"trial ran past its time limit of {self.timeout:g} s"))
            elif isinstance(err, self._ray.exceptions.RayTaskError):
                future.set_exception(err.as_instanceof_cause())
            elif isinstance(err, (self._ray.exceptions.WorkerCrashedError,
                                  self._ray.exceptions.RaySystemError,
                                  self._ray.exceptions.OutOfMemoryError)):
                future.set_exception(WorkerDied(f"worker died; gave up after {self.retries + 1}"
                                                f" tries: {err}"))
            elif isinstance(err, (self._ray.exceptions.NodeDiedError,
                                  self._ray.exceptions.ObjectLostError)):
                future.set_exception(WorkerDied(f"node died; gave up after {self.retries + 1}"
                                                f" tries: {err}"))
            else:
                future.set_exception(err)

        ref.future().add_done_callback(settle)
        return future

    def _watch_timeouts(self) -> None:
        while not self._closed:
            time.sleep(0.2)
            now = time.monotonic()
            with self._lock:
                for entry in list(self._watch.values())[:self.workers]:
                    entry[1] = now if entry[1] is None else entry[1]
                late = [ref for ref, (_, t0) in self._watch.items()
                        if t0 is not None and now - t0 > self.timeout]
            for ref in late:
                log.warning("cancelling a trial past %.0f s", self.timeout)
                self._ray.cancel(ref, force=True)
                with self._lock:
                    self._watch.pop(ref, None)

    def shutdown(self) -> None:
        self._closed = True
        if self._owns_ray and self._ray.is_initialized():
            self._ray.shutdown()


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse at once a ``HOST:PORT`` cluster address that nothing listens on (``ray.init``
    would retry for minutes); other forms (``auto``, ``ray://...``) are left to Ray.

    Raises:
        ConnectionError: nothing accepts a connection at the address within ``timeout``.
    """
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as err:
        raise ConnectionError(f"cannot reach the Ray cluster at {address} ({err}); start it "
                              "with 'ray start --head' and give the address it prints") from None
