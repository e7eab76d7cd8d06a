"""The Python API behind the ``graphnas`` command."""

from graphnas.methods import METHODS as _METHODS
from graphnas.methods import (
    RETRAIN_ON,
    SearchSettings,
    flag_name,
    load_settings,
    method_names,
    parse_duration,
)
from graphnas.methods.settings import setting_choices
from graphnas.methods.types import parse_assignments

from .search import SearchResult, search


def method_help() -> dict[str, str]:
    """Each registered method's name and one line of help."""
    return {name: m.help for name, m in _METHODS.items()}


__all__ = ["RETRAIN_ON", "SearchResult", "SearchSettings", "flag_name", "load_settings",
           "method_help", "method_names", "parse_assignments", "parse_duration", "search",
           "setting_choices"]
