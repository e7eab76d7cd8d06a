"""Worker processes never outlive a driver that was killed."""

import os


def test_workers_exit_when_the_driver_is_killed(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = ("from graphnas.execution import ProcessExecutor\n"
              "import time\nex = ProcessExecutor(workers=2)\n"
              "print(' '.join(map(str, ex.worker_pids())), flush=True)\ntime.sleep(60)\n")
    driver = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in driver.stdout.readline().split()]
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split()[2] != "Z"


def test_a_driver_killed_mid_trial_leaves_no_traceback(tmp_path):
    """A worker whose trial ends after its driver died finds the pipe broken and exits
    quietly (a killed search resumes; its workers print nothing)."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    marker = tmp_path / "started"
    script = ("from graphnas.execution import ProcessExecutor\n"
              "from tests.execution import jobs\nimport time\n"
              "ex = ProcessExecutor(workers=1)\n"
              f"ex.submit(jobs.mark_then_sleep, {str(marker)!r}, 1.0)\ntime.sleep(60)\n")
    root = Path(__file__).parents[2]
    driver = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True,
                              cwd=root, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                  [str(root), os.environ.get("PYTHONPATH", "")])})
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    err = driver.stderr.read()  # EOF once the worker, which shares the pipe, has exited
    assert "Traceback" not in err, err
