"""Values checked against their declared types: settings, and the options of spaces,
strategies and methods, whether they come from a flag, a config file or Python."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Union

import yaml

_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
          dict: "a table of options", list: "a list", tuple: "a list", type(None): "none"}


def type_name(annotation: Any) -> str:
    """How an error message names a type: ``an integer``, ``true or false`` (None, which
    means "not set", is left unsaid)."""
    named = [t for t in _members(annotation) if t is not type(None)] or [type(None)]
    return " or ".join(dict.fromkeys(_NAMES.get(t, getattr(t, "__name__", str(t)))
                                     for t in named))


def _members(annotation: Any) -> list[type]:
    """The plain types a (possibly union or generic) annotation admits."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return [object]
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    if origin is not None:  # list[int], dict[str, Any], Sequence[int], ...
        return [tuple if origin is tuple else origin if isinstance(origin, type) else object]
    return [annotation if isinstance(annotation, type) else object]


def conforms(value: Any, annotation: Any) -> bool:
    """Whether ``value`` is of the annotated type (an int counts as a float, a bool never as
    a number, a list as a tuple or sequence)."""
    for t in _members(annotation):
        if t is object or (t is float and isinstance(value, int) and not isinstance(value, bool)):
            return True
        if t in (int, float) and isinstance(value, bool):
            continue
        if t is tuple and isinstance(value, list):
            return True
        try:
            if isinstance(value, t):
                return True
        except TypeError:  # an abstract alias isinstance cannot check
            return True
    return False


def check_value(key: str, value: Any, annotation: Any, where: str) -> None:
    """Raise ``ValueError`` naming ``key`` and its expected type when ``value`` does not fit."""
    if not conforms(value, annotation):
        raise ValueError(f"{where}: {key} must be {type_name(annotation)}, got {value!r}")


def _parameters(target: Callable[..., Any], skip: int) -> tuple[Any, list]:
    """The function behind ``target`` (a class's ``__init__``) and its parameters past
    ``self`` and ``skip`` leading positional ones."""
    func = target.__init__ if isinstance(target, type) else target
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    return func, params[skip:]


def option_names(target: Callable[..., Any], skip: int = 0) -> list[str]:
    """The keyword options ``target`` (a class or function) takes, past ``skip`` leading
    positional parameters."""
    return [p.name for p in _parameters(target, skip)[1] if p.kind != p.VAR_KEYWORD]


def check_options(target: Callable[..., Any], options: Mapping[str, Any], where: str,
                  skip: int = 0) -> None:
    """Check ``options`` against the keyword parameters of ``target`` (a class or function;
    ``skip`` leading positional parameters, e.g. a space and a seed): unknown keys and values
    of the wrong type raise one-line ``ValueError``s naming the key."""
    func, params = _parameters(target, skip)
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001  (an annotation that cannot be resolved is not checked)
        hints = {}
    known = {p.name: hints.get(p.name, Any) for p in params}
    for key, value in options.items():
        if key not in known:
            raise ValueError(f"{where}: unknown option {key!r}; known: "
                             f"{', '.join(sorted(known)) or 'none'}")
        check_value(key, value, known[key], where)


def parse_assignments(items: list[str] | None, flag: str) -> dict[str, Any]:
    """``["n_nodes=6", "widths=[8, 16]"]`` as ``{"n_nodes": 6, "widths": [8, 16]}``: each value
    read as YAML (numbers, true/false, lists), a string where it reads as nothing else."""
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{flag}: expected KEY=VALUE, got {item!r}")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        out[key.strip()] = text if isinstance(value, dict) else value
    return out
