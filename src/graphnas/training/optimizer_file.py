"""Optimizers defined in a Python file, such as the ``optimizer.py`` that an optimizer search
writes: ``TrainConfig(optimizer="best/optimizer.py")``."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import torch


def optimizer_class(path: str | Path) -> type[torch.optim.Optimizer]:
    """The ``torch.optim.Optimizer`` subclass that the file defines: its ``OPTIMIZER``, else
    the one class defined there. ValueError (one line) when there is none, or several and no
    ``OPTIMIZER``, or the file is missing or does not load."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"optimizer file {p}: no such file")
    spec = importlib.util.spec_from_file_location(f"graphnas_optimizer_{p.stem}", p)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        raise ValueError(f"optimizer file {p}: not valid Python ({err.msg} at line "
                         f"{err.lineno})") from None
    except Exception as err:  # noqa: BLE001  (whatever the file raises: one line)
        text = f"{type(err).__name__}: {err}".splitlines()[0]
        raise ValueError(f"optimizer file {p}: failed to load ({text})") from None
    named = getattr(module, "OPTIMIZER", None)
    if named is not None:
        if not (inspect.isclass(named) and issubclass(named, torch.optim.Optimizer)):
            raise ValueError(f"optimizer file {p}: OPTIMIZER is not a torch.optim.Optimizer "
                             f"subclass")
        return named
    found = [c for c in vars(module).values() if inspect.isclass(c)
             and issubclass(c, torch.optim.Optimizer) and c.__module__ == module.__name__]
    if not found:
        raise ValueError(f"optimizer file {p} defines no torch.optim.Optimizer subclass")
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise ValueError(f"optimizer file {p} defines several optimizers ({names}); name one "
                         f"with OPTIMIZER = {found[0].__name__}")
    return found[0]


def file_optimizer(path: str | Path, params, lr: float,
                   weight_decay: float) -> torch.optim.Optimizer:
    """The file's optimizer over ``params``, given ``lr`` and (where it takes one)
    ``weight_decay``."""
    cls = optimizer_class(path)
    takes = inspect.signature(cls).parameters
    kwargs = {"lr": lr}
    if "weight_decay" in takes:
        kwargs["weight_decay"] = weight_decay
    return cls(params, **kwargs)
