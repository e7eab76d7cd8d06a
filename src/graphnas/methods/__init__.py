"""Search methods: each a named plan of phases (ask/tell strategies, training jobs) that
:func:`run_plan` runs, with the finalists and the final retraining closing every plan."""

from .base import Method, Phase, SearchRun
from .finalists import NoResult
from .handover import Chosen, Handover, Restriction, Retrained, Searched, Supergraph
from .registry import METHODS, get_method, method_names, multi_objective_methods
from .retrain import RetrainFailed
from .runner import outcome_settings, run_plan, search_times
from .settings import RETRAIN_ON, SearchSettings, flag_name, load_settings, parse_duration

__all__ = ["METHODS", "RETRAIN_ON", "Chosen", "Handover", "Method", "NoResult", "Phase",
           "Restriction", "RetrainFailed", "Retrained", "SearchRun", "SearchSettings",
           "Searched", "Supergraph", "flag_name", "get_method", "load_settings",
           "method_names", "multi_objective_methods", "outcome_settings", "parse_duration",
           "run_plan", "search_times"]
