"""Optional dependencies: ``pip install graphnas`` is the core; a feature that needs more names
the extra to install (pyproject.toml's ``[project.optional-dependencies]``) when it is missing.

Example::

    ray = require("ray", "ray", "--executor ray")
    # without Ray: MissingExtra("--executor ray needs ray: pip install 'graphnas[ray]'")
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


class MissingExtra(ImportError, ValueError):
    """A feature's optional dependency is not installed. An ImportError, and a ValueError
    like every bad request the API refuses, so that the command line prints it as one line
    (exit code 2)."""


def install_line(extra: str) -> str:
    """The command that installs an extra, e.g. ``pip install 'graphnas[ray]'``."""
    return f"pip install 'graphnas[{extra}]'"


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``, or raise :class:`MissingExtra` saying which
    ``pip install`` line brings it (``extra``).

    Raises:
        MissingExtra: ``module`` (or a module it imports) is not installed.
    """
    try:
        return import_module(module)
    except ImportError as err:
        missing = (err.name or module).split(".")[0]
        raise MissingExtra(f"{feature} needs {missing}: {install_line(extra)}") from err
