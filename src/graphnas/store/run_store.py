"""The run directory: ``config.json``, ``trials.sqlite``, strategy states and artefacts.

Each trial's row is written when it starts and updated, in its own transaction, when it ends,
so a process killed at any moment loses at most the trials in flight (marked ``lost`` when the
run is opened again). A run directory belongs to one search: opening it with settings that
define a different search is refused.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from .records import TrialRecord, TrialState

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    id INTEGER PRIMARY KEY, phase TEXT, choices TEXT, arch_json TEXT, hash TEXT, state TEXT,
    score REAL, metrics TEXT, params INTEGER, flops INTEGER, started REAL, ended REAL,
    seconds REAL, error TEXT, fidelity REAL, seed INTEGER, cached INTEGER DEFAULT 0
);
CREATE INDEX IF NOT EXISTS trials_hash ON trials (hash, state);
"""


class RunMismatch(ValueError):
    """The run directory holds a different search."""


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunStore:
    """Opens (creating or resuming) a run directory.

    Args:
        run_dir: the folder.
        identity: the settings that define the search (task, space, strategy, seed, ...); a
            directory made with other values is refused with :class:`RunMismatch`.
        settings: everything else worth keeping (budgets may change between resumes).
    """

    def __init__(self, run_dir: str | Path, identity: dict[str, Any],
                 settings: dict[str, Any] | None = None) -> None:
        self.dir = Path(run_dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            probe = self.dir / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as err:
            raise RunMismatch(f"{self.dir}: cannot write the run directory ({err.strerror})"
                              ) from None
        config_path = self.dir / "config.json"
        identity = json.loads(json.dumps(identity, default=str))
        if config_path.exists():
            old = json.loads(config_path.read_text(encoding="utf-8"))
            if old.get("identity") != identity:
                diff = sorted(k for k in set(identity) | set(old.get("identity", {}))
                              if identity.get(k) != old.get("identity", {}).get(k))
                raise RunMismatch(
                    f"{self.dir} belongs to another search ({', '.join(diff)} differ); use "
                    f"another --out or the same settings to resume it")
            self.resumed = True
        elif (self.dir / "trials.sqlite").exists():
            raise RunMismatch(f"{self.dir}: has trials.sqlite but no config.json; not a run "
                              f"directory graphnas can resume")
        else:
            self.resumed = False
        write_json_atomic(config_path, {"identity": identity, "settings": settings or {},
                                        "graphnas": _version()})
        self.db = sqlite3.connect(self.dir / "trials.sqlite", timeout=30,
                                  check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            self.db.commit()
        except sqlite3.DatabaseError as err:
            self.db.close()
            raise RunMismatch(f"{self.dir}: trials.sqlite is not a readable run database "
                              f"({err}); use another --out") from None
        # Decoded records by id, in id order: filled once, then kept current by this store's
        # own writes; reloaded only if another connection wrote to the file (data_version).
        self._cache: dict[int, TrialRecord] | None = None
        self._data_version: int | None = None
        self.t0 = time.time() - self.elapsed_before()

    # -- time ------------------------------------------------------------------------------
    def elapsed_before(self) -> float:
        """Wall time the run spent in earlier sessions (from its state file)."""
        meta = self.load_state("run") or {}
        return float(meta.get("elapsed", 0.0))

    def now(self) -> float:
        """Seconds since the run began, across resumes."""
        return time.time() - self.t0

    def checkpoint_time(self) -> None:
        self.save_state("run", {"elapsed": self.now()})

    # -- trials ----------------------------------------------------------------------------
    def start_trial(self, phase: str, choices, arch_json: str, hash_: str, fidelity: float,
                    seed: int) -> int:
        cur = self.db.execute(
            "INSERT INTO trials (phase, choices, arch_json, hash, state, started, fidelity, "
            "seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (phase, json.dumps(list(choices)), arch_json, hash_, TrialState.RUNNING.value,
             self.now(), fidelity, seed))
        self.db.commit()
        trial_id = int(cur.lastrowid)
        if self._fresh_cache() is not None:
            self._cache[trial_id] = self.trial(trial_id)
        return trial_id

    def finish_trial(self, trial_id: int, state: TrialState, score: float | None = None,
                     metrics: dict | None = None, params: int | None = None,
                     flops: int | None = None, seconds: float | None = None,
                     error: str | None = None, cached: bool = False) -> TrialRecord:
        self.db.execute(
            "UPDATE trials SET state=?, score=?, metrics=?, params=?, flops=?, ended=?, "
            "seconds=?, error=?, cached=? WHERE id=?",
            (state.value, score, json.dumps(metrics or {}, default=str), params, flops,
             self.now(), seconds, error, int(cached), trial_id))
        self.db.commit()
        rec = self.trial(trial_id)
        if self._fresh_cache() is not None:
            self._cache[trial_id] = rec
        return rec

    def mark_lost(self, phase: str | None = None) -> int:
        """Trials (of ``phase``, or all) left running by a process that died: they will never
        report."""
        where, args = "state=?", [TrialState.RUNNING.value]
        if phase is not None:
            where, args = where + " AND phase=?", args + [phase]
        cur = self.db.execute(f"UPDATE trials SET state=? WHERE {where}",
                              (TrialState.LOST.value, *args))
        self.db.commit()
        if self._fresh_cache() is not None:
            for id_, rec in self._cache.items():
                if rec.state == TrialState.RUNNING and phase in (None, rec.phase):
                    self._cache[id_] = dataclasses.replace(rec, state=TrialState.LOST)
        return cur.rowcount

    def trial(self, trial_id: int) -> TrialRecord:
        row = self.db.execute("SELECT * FROM trials WHERE id=?", (trial_id,)).fetchone()
        return _record(row)

    def trials(self, phase: str | None = None, states: tuple[TrialState, ...] | None = None
               ) -> list[TrialRecord]:
        """The trials (of ``phase``, in ``states``) in id order. Each row is decoded once per
        store, not once per call: callers may ask inside loops."""
        cache = self._fresh_cache()
        if cache is None:
            rows = self.db.execute("SELECT * FROM trials ORDER BY id").fetchall()
            cache = self._cache = {row[0]: _record(row) for row in rows}
        return [r for r in cache.values()
                if (phase is None or r.phase == phase) and (states is None or r.state in states)]

    def _fresh_cache(self) -> dict[int, TrialRecord] | None:
        """The cache, or None when it was never filled or another connection has written to
        the file since (SQLite's data_version counts other connections' commits only)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._cache, self._data_version = None, version
        return self._cache

    def known(self, hash_: str, fidelity: float) -> TrialRecord | None:
        """A finished, trained (not cached) trial of the same architecture and fidelity."""
        row = self.db.execute(
            "SELECT * FROM trials WHERE hash=? AND fidelity=? AND state IN (?, ?) AND cached=0 "
            "ORDER BY id LIMIT 1",
            (hash_, fidelity, TrialState.COMPLETE.value, TrialState.FAILED.value)).fetchone()
        return None if row is None else _record(row)

    def best(self, phase: str | None = None) -> TrialRecord | None:
        done = [t for t in self.trials(phase, (TrialState.COMPLETE,)) if t.score is not None]
        return max(done, key=lambda t: (t.score, -t.id), default=None)

    # -- strategy states and files ---------------------------------------------------------
    def save_state(self, name: str, state: dict[str, Any]) -> None:
        write_json_atomic(self.dir / f"state-{name}.json", state)

    def load_state(self, name: str) -> dict[str, Any] | None:
        p = self.dir / f"state-{name}.json"
        if not p.exists():
            return None
        return json.loads(p.read_text(encoding="utf-8"))

    def close(self) -> None:
        self.checkpoint_time()
        self.db.close()


def _record(row) -> TrialRecord:
    (id_, phase, choices, arch_json, hash_, state, score, metrics, params, flops, started,
     ended, seconds, error, fidelity, seed, cached) = row
    return TrialRecord(id_, phase, tuple(json.loads(choices)), arch_json, hash_,
                       TrialState(state), score, json.loads(metrics or "{}"), params, flops,
                       started, ended, seconds, error, fidelity, seed, bool(cached))


def _version() -> str:
    from graphnas import __version__

    return __version__
