"""Ask/tell search strategies."""

from .base import Strategy

__all__ = ["Strategy"]
