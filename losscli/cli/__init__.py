"""The ``losscli`` command line: a thin Typer layer over the library."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__

app = typer.Typer(
    name="losscli",
    help="Evaluate deep-learning loss functions on prediction and label files.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Evaluate deep-learning loss functions on prediction and label files.

    Exit codes: 0 success, 1 a --fail-above/--fail-below gate failed, 2 bad usage or bad input.
    """


def _register() -> None:
    from .compute import compute

    app.command("compute", no_args_is_help=True)(compute)


_register()


def main() -> None:
    app(prog_name="losscli")
