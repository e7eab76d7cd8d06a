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
