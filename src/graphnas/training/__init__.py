"""Budgeted training and evaluation of one built network."""

from .checkpoint import load_model, save_model
from .config import Budget, TrainConfig
from .latency import measure_latency
from .optimizer_file import optimizer_class
from .result import Result
from .trainer import lr_factor, resolve_device, train
from .update_rule import UpdateRuleOptimizer

__all__ = ["Budget", "Result", "TrainConfig", "UpdateRuleOptimizer", "load_model", "lr_factor",
           "measure_latency", "optimizer_class", "resolve_device", "save_model", "train"]
