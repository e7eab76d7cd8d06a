"""graphnas: neural architecture search over graph-structured networks with memory links.

``graphnas.search(task="mnist1d", budget="10m", out="runs/demo")`` runs a search and returns
the best graph, its scores, the retrained module and the run directory.
"""

__version__ = "0.1.0"


def search(*args, **kwargs):
    """Run (or resume) a search; see :func:`graphnas.api.search`."""
    from graphnas.api import search as _search

    return _search(*args, **kwargs)
