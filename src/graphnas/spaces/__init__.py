"""Search spaces: sequences of discrete decisions that decode into architectures."""

from .base import Candidate, Decision, RestrictedSpace, Space
from .cell import CellSpace
from .macro import MacroSpace
from .registry import get_space, space_names
from .rnn_cell import RnnCellSpace

__all__ = ["Candidate", "CellSpace", "Decision", "MacroSpace", "RestrictedSpace", "RnnCellSpace",
           "Space", "get_space", "space_names"]
