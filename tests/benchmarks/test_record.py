"""benchmarks/record.py: finished benchmark rows kept in a JSON file and read back."""

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "record.py"


def _record_class():
    spec = importlib.util.spec_from_file_location("record", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Record


def test_a_row_put_is_read_back_by_a_new_record(tmp_path):
    Record = _record_class()
    path = tmp_path / "results" / "b0.json"
    first = Record(path)
    assert first.get("mnist1d-s0") is None
    first.put("mnist1d-s0", {"test": 0.98, "scores": {"relu": 0.97, "found": 0.98}})
    first.put("adding-s0", {"test": 1e-6})
    again = Record(path)
    assert again.get("mnist1d-s0") == {"test": 0.98, "scores": {"relu": 0.97, "found": 0.98}}
    assert list(again.rows) == ["mnist1d-s0", "adding-s0"]  # the order rows were put in
    assert json.loads(path.read_text())["adding-s0"] == {"test": 1e-6}
    assert not list(path.parent.glob("*.tmp"))  # written through a temporary file, replaced
