"""The ``graphnas`` command. It only turns arguments into calls of the Python API."""

from .app import app, main

__all__ = ["app", "main"]
