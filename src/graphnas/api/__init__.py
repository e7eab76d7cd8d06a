"""The Python API behind the ``graphnas`` command."""

from graphnas.methods import METHODS as _METHODS
from graphnas.methods import (
    RETRAIN_ON,
    SearchSettings,
    flag_name,
    load_settings,
    method_names,
    multi_objective_methods,
    parse_duration,
)
from graphnas.methods.settings import setting_choices
from graphnas.methods.types import parse_assignments

from .bench import compare_on_nasbenchgraph, nasbenchgraph_datasets
from .graphs import check_graph, draw_graph, write_demo
from .models import EXPORT_FORMATS, TrainingFailed, TrainReport, export_model, train_graph
from .runs import RunSummary, load_run
from .search import SearchResult, search


def method_help() -> dict[str, str]:
    """Each registered method's name and one line of help."""
    return {name: m.help for name, m in _METHODS.items()}


__all__ = ["EXPORT_FORMATS", "RETRAIN_ON", "RunSummary", "SearchResult", "SearchSettings",
           "TrainReport", "TrainingFailed", "check_graph", "compare_on_nasbenchgraph",
           "draw_graph", "export_model", "flag_name", "load_run", "load_settings", "method_help",
           "method_names", "multi_objective_methods", "nasbenchgraph_datasets",
           "parse_assignments", "parse_duration",
           "search", "setting_choices", "train_graph", "write_demo"]
