"""Search spaces: sequences of discrete decisions that decode into architectures."""

from .base import Candidate, Decision, RestrictedSpace, Space

__all__ = ["Candidate", "Decision", "RestrictedSpace", "Space"]
