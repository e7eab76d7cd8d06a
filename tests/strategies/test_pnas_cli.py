"""`graphnas search --space blocks --strategy pnas` end to end: exit 0, the rounds in the store."""

import json
import subprocess
import sys

from graphnas.store import read_trials


def test_pnas_searches_the_blocks_space_from_the_cli(tmp_path):
    out = tmp_path / "r"
    r = subprocess.run(
        [sys.executable, "-m", "graphnas", "search", "--task", "digits", "--space", "blocks",
         "--space-option", "blocks=2", "--space-option", "cells=1", "--space-option",
         "width=8", "--strategy", "pnas", "--strategy-option", "init=3", "--strategy-option",
         "beam=3", "--trials", "6", "--trial-steps", "5", "--retrain-steps", "5",
         "--finalists", "0", "--no-baselines", "--progress", "quiet", "--json",
         "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["trials"] == 6
    state = json.loads((out / "state-search.json").read_text())["strategy"]
    rounds = state["rounds"]
    losses = {tuple(t.choices): -t.metrics["valid"]["loss"] for t in read_trials(out)
              if t.phase == "search" and t.score is not None}
    told = [(tuple(c), s) for c, s in state["told"] if s is not None]
    assert told and all(s == losses[c] for c, s in told)  # told minus the validation loss
    assert [x["size"] for x in rounds] == [1, 2] and rounds[1]["closed"]
    assert sum(x["told"] for x in rounds) == 6 and rounds[1]["n"] <= 3
    page = (out / "report.html").read_text()
    assert ("Rounds of the progressive search" in page) == (rounds[1]["spearman"] is not None)
