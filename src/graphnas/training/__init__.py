"""Budgeted training and evaluation of one built network."""

from .checkpoint import load_model, save_model
from .config import Budget, TrainConfig
from .latency import measure_latency
from .result import Result
from .trainer import lr_factor, resolve_device, train

__all__ = ["Budget", "Result", "TrainConfig", "load_model", "lr_factor", "measure_latency",
           "resolve_device", "save_model", "train"]
