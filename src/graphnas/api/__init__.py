"""The Python API behind the ``graphnas`` command."""

from .search import SearchResult, search
from .settings import SearchSettings, load_settings, parse_duration

__all__ = ["SearchResult", "SearchSettings", "load_settings", "parse_duration", "search"]
