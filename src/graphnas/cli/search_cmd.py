"""``graphnas search`` and ``graphnas resume``. The search command's flags are made from the
fields of :class:`graphnas.api.SearchSettings`: its name, type, default and help are declared
there once."""

from __future__ import annotations

import contextlib
import inspect
import json
import sys
import typing
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import typer

from graphnas.api import (
    SearchResult,
    SearchSettings,
    flag_name,
    load_settings,
    method_help,
    multi_objective_methods,
    parse_assignments,
    setting_choices,
)
from graphnas.api import search as run_search

from .app import UsageError, app


def _finish(settings: SearchSettings, as_json: bool, progress: str) -> None:
    try:  # with --json, stdout holds the summary alone (Ray's workers print on it)
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            result = run_search(settings, progress="quiet" if as_json else progress)
    except RuntimeError as err:
        typer.echo(f"graphnas: search failed: {err}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    valid = "retrained on train+valid" if result.valid_metric is None \
        else f"validation {result.valid_metric:.4f}"
    typer.echo(f"found: test {result.metric} {result.test_metric:.4f} ({valid}), "
               f"{result.params} parameters, {result.trials} trials")
    _baselines(result)
    typer.echo(f"report: {result.run_dir / 'report.html'}\nbest model: {result.run_dir / 'best'}")


def _baselines(result: SearchResult) -> None:
    """The baselines' test metrics, a line per kind, and a note for each that beats the
    found network."""
    graphs = {k: v for k, v in result.baselines.items() if k not in result.classical}
    classical = {k: result.baselines[k] for k in result.classical}
    for what, scores in (("hand-designed baselines, same protocol", graphs),
                         ("classical models, same splits", classical)):
        if scores:
            typer.echo(f"{what}: " + "  ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    for name in result.beaten_by:
        typer.echo(f"note: {name} beats the found network ({result.baselines[name]:.4f} vs "
                   f"{result.test_metric:.4f} test {result.metric})")


def _cli_type(annotation: Any, meta: dict) -> type:
    """The type typer parses a setting's flag as: the field's, without None; text for a
    duration; repeated text for ``KEY=VALUE`` options."""
    if meta.get("repeat"):
        return list[str]
    if meta.get("duration"):
        return str
    plain = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    return plain[0]


def _help(f: Any) -> str:
    text = f.metadata["help"]
    if f.name == "strategy":
        text += " " + " ".join(f"{n}: {h}" for n, h in method_help().items())
    elif f.name == "objectives":
        text += f" Methods that search several: {', '.join(multi_objective_methods())}."
    elif f.metadata.get("choices"):
        text += f" One of: {', '.join(setting_choices(f.metadata['choices']))}."
    if f.default not in (None, MISSING) and not f.metadata.get("switch") \
            and "default" not in text and f.default != {}:
        text += f" (default {f.default})"
    return text


def _setting_parameters() -> list[inspect.Parameter]:
    """A keyword parameter per settings field, with its ``typer.Option``."""
    hints = typing.get_type_hints(SearchSettings)
    params = []
    for f in fields(SearchSettings):
        name = flag_name(f)
        decls = [f"--{name}/--no-{name}"] if f.metadata.get("switch") else [f"--{name}"]
        option = typer.Option(None, *decls, help=_help(f), show_default=False)
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                        annotation=_cli_type(hints[f.name], f.metadata)))
    return params


def _flags(values: dict[str, Any]) -> dict[str, Any]:
    """The settings given as flags (None: not given), ``KEY=VALUE`` lists read as tables."""
    out = {}
    for f in fields(SearchSettings):
        value = values.get(f.name)
        if value is None or (f.metadata.get("repeat") and not value):
            continue
        out[f.name] = parse_assignments(value, f"--{flag_name(f)}") \
            if f.metadata.get("repeat") else value
    return out


def search(config: Path | None, progress: str, as_json: bool, **values: Any) -> None:
    """Search an architecture for a task; running the same command again resumes it."""
    base = load_settings(config) if config else {}
    flags = _flags(values)
    for key in ("space_options", "strategy_options"):  # a flag adds to the file's options
        if key in flags and isinstance(base.get(key), dict):
            flags[key] = {**base[key], **flags[key]}
    merged = {**base, **flags}
    if "trials" in flags and "budget" not in flags and "budget" not in base:
        merged["budget"] = None  # --trials alone: no time budget
    settings = SearchSettings.from_dict(merged, str(config) if config else "flags").validate()
    _finish(settings, as_json, progress)


search.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
    *_setting_parameters(),
    inspect.Parameter("config", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None,
                      default=typer.Option(None, "--config", help="Settings file (.toml, "
                                           ".yaml or .json; its keys are the settings' "
                                           "names); flags override it.")),
    inspect.Parameter("progress", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                      default=typer.Option("auto", "--progress",
                                           help="auto, rich, plain or quiet.")),
    inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                      default=typer.Option(False, "--json",
                                           help="Print one JSON summary on stdout.")),
])
app.command()(search)


@app.command()
def resume(
    run: Path = typer.Argument(..., help="A run directory."),
    progress: str = typer.Option("auto", "--progress", help="auto, rich, plain or quiet."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON summary on stdout."),
) -> None:
    """Resume a search from its run directory, with the settings it was started with."""
    path = run / "config.json"
    if not path.exists():
        raise UsageError(f"{run}: not a run directory (no config.json)")
    try:
        saved = json.loads(path.read_text())["settings"]
    except (ValueError, KeyError, TypeError, OSError) as err:
        raise UsageError(f"{path}: unreadable run configuration ({err})") from None
    saved["out"] = str(run)
    _finish(SearchSettings.from_dict(saved, str(path)).validate(), as_json, progress)
