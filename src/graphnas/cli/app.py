"""The typer application, its error handling and the global options."""

from __future__ import annotations

import sys

import typer

from graphnas import __version__

app = typer.Typer(
    name="graphnas",
    help="Neural architecture search over graph-structured networks with memory links.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def fail(message: str, code: int = 2) -> None:
    """Print one error line to stderr and exit."""
    typer.echo(f"graphnas: error: {message}", err=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"graphnas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """graphnas: find a network's architecture as a graph of layers, memory links included."""


def _register() -> None:
    from . import (  # noqa: F401  (commands register on import)
        bench_cmd,
        demo_cmd,
        draw_cmd,
        export_cmd,
        search_cmd,
        show_cmd,
        train_cmd,
    )


def main() -> None:
    """Console entry point: known errors become one line and exit code 2, never a traceback.

    The API raises ValueError (graph, task and settings errors among them) for bad input."""
    _register()
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (UsageError, ValueError, OSError) as e:
        typer.echo(f"graphnas: error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("graphnas: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001  (click's own usage errors and the unexpected)
        if hasattr(e, "format_message"):  # click's (or typer's vendored click's) usage errors
            typer.echo(f"graphnas: error: {e.format_message()}", err=True)
            sys.exit(2)
        if type(e).__name__ == "Abort":
            sys.exit(130)
        typer.echo(f"graphnas: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(1)
