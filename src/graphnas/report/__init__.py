"""Plots and the self-contained HTML report of a run."""

from .html import RunReport, TrialRow, render_html, write_report
from .plots import pareto_front

__all__ = ["RunReport", "TrialRow", "pareto_front", "render_html", "write_report"]
