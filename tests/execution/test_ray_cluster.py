"""Ray beyond one node: a two-node cluster on this machine (a head and a second node joined by
address, one CPU each), a search whose trials land on both, and the second node killed in the
middle of it. The commands are the README's (section "Parallel and distributed trials"), plus
the ports and the temporary directory that two nodes on one machine must not share with
anything else."""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from graphnas.store import TrialState, read_trials

pytest.importorskip("ray")

RAY = str(Path(sys.executable).with_name("ray"))
GRAPHNAS = str(Path(sys.executable).with_name("graphnas"))
TRIALS = 16
# Ray's token authentication (Ray >= 2.52; ignored before): one token for the nodes and the
# search, as on a real cluster, and not the one a local ray.init() leaves in ~/.ray/auth_token
TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Node:
    """``ray start ... --block`` in its own process group: killing the group stops this node,
    and no other Ray on the machine (``ray stop`` would stop every one)."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str]) -> None:
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen([RAY, "start", "--block", "--num-cpus", "1",
                                          "--object-store-memory", str(100 * 2**20), *args],
                                         stdout=out, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)

    def wait_started(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while "Ray runtime started" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start failed:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """Stop the node at once, as a machine that fails: SIGKILL to all its processes (a
        clean stop, SIGTERM, takes half a minute)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)



@pytest.fixture
def cluster():
    """(address, head, second node); both killed afterwards, whatever happened."""
    # short: the sockets Ray makes under it must fit in 107 characters
    temp = Path(tempfile.mkdtemp(prefix="gnray"))
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"} | TOKEN
    gcs, dashboard, agent_head, agent_second = free_ports(4)
    nodes: list[Node] = []
    try:
        head = Node(["--head", "--port", str(gcs), "--temp-dir", str(temp),
                     "--include-dashboard=false", "--dashboard-port", str(dashboard),
                     "--dashboard-agent-listen-port", str(agent_head)], temp / "head.log", env)
        nodes.append(head)
        head.wait_started()
        address = f"127.0.0.1:{gcs}"
        second = Node(["--address", address, "--dashboard-agent-listen-port",
                       str(agent_second)], temp / "second.log", env)
        nodes.append(second)
        second.wait_started()
        yield address, head, second
    finally:
        for node in reversed(nodes):
            node.kill()
        shutil.rmtree(temp, ignore_errors=True)


def nodes_of(trials) -> set[str]:
    return {t.metrics["node"] for t in trials if t.state == TrialState.COMPLETE}


@pytest.mark.slow  # about a minute on two busy cores: BENCHMARKS.md, "Slow tests, run by hand"
def test_a_search_survives_losing_a_node(cluster, tmp_path):
    address, _, second = cluster
    out, output = tmp_path / "run", tmp_path / "search.txt"
    command = [GRAPHNAS, "search", "--executor", "ray", "--address", address, "--workers", "2",
               "--task", "digits", "--space-option", "n_nodes=2", "--space-option",
               "widths=[8]", "--strategy", "random", "--trials", str(TRIALS),
               "--trial-steps", "100", "--retrain-steps", "10", "--finalists", "0",
               "--no-baselines", "--progress", "plain", "--out", str(out)]
    # (not --json: Ray's driver prints its raylets' messages, a task retried, on stdout)
    with open(output, "wb") as sink:
        search = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                  env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"} | TOKEN)
    try:
        # once trials have finished on both nodes, the second one dies
        deadline = time.monotonic() + 300
        trials = []
        while len(nodes_of(trials)) < 2:
            assert search.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "no trials on two nodes"
            time.sleep(0.1)
            with contextlib.suppress(ValueError, sqlite3.OperationalError):  # not made yet
                trials = read_trials(out)
        second.kill()
        at_kill = {t.id: t for t in trials}
        search.wait(timeout=300)
    finally:
        if search.poll() is None:
            search.kill()
            search.wait()
    assert search.returncode == 0, output.read_text()
    assert "2 nodes" in (out / "log.txt").read_text()  # the executor saw the whole cluster
    summary = json.loads((out / "result.json").read_text())

    trials = [t for t in read_trials(out) if t.phase == "search"]
    assert len(trials) == summary["trials"] == TRIALS
    # every trial finished (those in flight on the lost node were run again elsewhere) ...
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.error for t in trials]
    # ... and none that had finished before the node died is lost or changed
    now = {t.id: t for t in trials}
    assert all(now[i] == t for i, t in at_kill.items() if t.state == TrialState.COMPLETE)
    # trials started after the kill ran on the node that was left
    after = [t for t in trials if t.id not in at_kill]
    assert after, "the search had ended before the node was killed"
    assert len(nodes_of(trials)) == 2 and len(nodes_of(after)) == 1
