"""The one error type the graph package raises."""


class GraphError(ValueError):
    """A graph is malformed or does not fit its input; the message says where and what to change."""
