"""Reading a run directory without writing to it: what ``graphnas show`` and reports need.

:class:`~graphnas.store.RunStore` opens a run to search in it (it writes ``config.json`` and
creates the database); :func:`read_trials` only looks (SQLite may add its ``-wal`` and ``-shm``
files beside the database), so it works on a run another process is still writing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .records import TrialRecord
from .run_store import _record


def is_run_dir(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a run: its ``config.json`` and ``trials.sqlite``."""
    d = Path(run_dir)
    return (d / "trials.sqlite").is_file() and (d / "config.json").is_file()


def read_trials(run_dir: str | Path) -> list[TrialRecord]:
    """Every trial of a run directory in id order, read from a read-only connection.

    Raises:
        ValueError: ``run_dir`` is not a run directory.
    """
    d = Path(run_dir)
    if not is_run_dir(d):
        raise ValueError(f"{d}: not a run directory (no trials.sqlite / config.json)")
    db = sqlite3.connect(f"{(d / 'trials.sqlite').resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name='trials'").fetchone():
            return []  # created, schema not yet written (a run starting or killed as it did)
        return [_record(row) for row in db.execute("SELECT * FROM trials ORDER BY id")]
    except sqlite3.DatabaseError as err:
        raise ValueError(f"{d}: trials.sqlite is not a readable run database ({err})") from None
    finally:
        db.close()
