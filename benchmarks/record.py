"""Finished rows of a long benchmark, kept in a small committed JSON file.

A benchmark of several seeds can outlast a session, and its run folders do not survive to the
next one. Each finished unit of work (a search, a seed) is written here under a key that names
everything it depends on, and is read back instead of being run again; so seeds measured in one
session count in the next, and a stopped run loses at most the unit it was in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


class Record:
    """A JSON object of rows by key, rewritten (atomically) after each :meth:`put`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.rows: dict[str, Any] = (json.loads(self.path.read_text())
                                     if self.path.exists() else {})

    def get(self, key: str) -> Any:
        return self.rows.get(key)

    def put(self, key: str, row: Any) -> None:
        self.rows[key] = row
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.rows, indent=1) + "\n")
        os.replace(tmp, self.path)
