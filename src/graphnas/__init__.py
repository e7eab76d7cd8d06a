"""graphnas: neural architecture search over graph-structured networks with memory links."""

__version__ = "0.1.0"
