"""The ``losscli`` command line: a thin Typer layer over the library."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import warnings
from typing import Annotated, NoReturn, Optional

import typer

from .. import __version__
from ..allocator import prefer_jemalloc_for_arrow
from .common import RICH_HELP, OneLineUsageErrors

def _new_app() -> typer.Typer:
    new = typer.Typer(
        name="losscli",
        help="Evaluate deep-learning loss functions on prediction and label files.",
        epilog="Exit codes: 0 success, 1 a --fail-above/--fail-below/--max-increase gate failed, 2 bad usage or bad input.",
        no_args_is_help=True,
        cls=OneLineUsageErrors,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode="rich" if RICH_HELP else None,
    )
    new.callback()(_root)
    return new


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = None,
) -> None:
    """Evaluate deep-learning loss functions on prediction and label files."""


# (command name, module in losscli.cli, function); modules import their heavy
# dependencies inside the command body, so registering them all is cheap.
_COMMANDS = (
    ("compute", "compute", "compute"),
    ("compare", "compare", "compare"),
    ("recommend", "recommend", "recommend"),
    ("list", "catalog", "list_losses"),
    ("info", "catalog", "info"),
)


def _app_with(names: frozenset[str] | None = None) -> typer.Typer:
    """The command line with every command, or only ``names`` (and the
    options of the root)."""
    import importlib

    new = _new_app()
    for name, module_name, function in _COMMANDS:
        if names is not None and name not in names:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as error:
            if error.name == f"{__name__}.{module_name}":
                continue
            raise
        new.command(name, no_args_is_help=name in ("compute", "compare", "info"))(getattr(module, function))
    if names is None:
        from .plot import plot_app

        new.add_typer(plot_app, name="plot")
    return new


def _app_for(arguments: list[str]) -> typer.Typer:
    """The command line a run needs: a run of one command builds that command
    alone (Typer builds every registered command's options on each run: 4 ms
    of the 5 ms it took, measured); anything else (no command, --help,
    --version, a misspelt command) gets them all, to list or suggest."""
    first = arguments[0] if arguments else ""
    if first in {name for name, _, _ in _COMMANDS}:
        return _app_with(frozenset([first]))
    return _full_app()


def _full_app() -> typer.Typer:
    if "app" not in globals():
        globals()["app"] = _app_with()
    return globals()["app"]


def __getattr__(name: str) -> object:
    # ``app``, every command: built on first use, so a run of one command
    # does not import the modules of the others.
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line; ends with SystemExit like any click program."""
    # losscli spreads work over cores with its own threads and makes no BLAS
    # calls worth threading, but numpy's OpenBLAS starts a thread per core at
    # import that spins for a while: a tenth of a second of CPU on every run,
    # taken from the decoding threads (measured on 2 cores). An explicit
    # setting by the user wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Before pyarrow is imported, as OpenBLAS's setting before numpy.
    prefer_jemalloc_for_arrow()
    # Every floating-point problem reaches the user as a null value with its
    # reason; numpy's own RuntimeWarning (file, line and source) is never for them.
    # Only for this run: a program that calls main() keeps its own warnings,
    # and those of losscli's Python API.
    # A run with many --by groups makes a few objects per group and result;
    # with a million groups the collector's passes over them took a quarter
    # of the run (measured). Collecting cycles far less often keeps it out of
    # the way; the thresholds are put back for a program that calls main().
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            _app_for(sys.argv[1:])(prog_name="losscli")
    finally:
        gc.set_threshold(*thresholds)


def run() -> NoReturn:
    """The process entry (the ``losscli`` script, ``python -m losscli``): run
    the command line, then end the process without the interpreter's teardown
    of every module and object: 20-40 ms of pure CPU after the output is
    written (numpy, pyarrow and typer's modules, the batches' memory pools):
    a 1,000-row file took 0.135 s and now takes 0.115 s (measured). Exit
    handlers still run (``atexit``: logging's flush, a coverage tool's save);
    output files are closed and renamed by then. Code that calls the command
    line inside its own process uses :func:`main`."""
    open_closed_standard_streams()
    encode_standard_streams()
    try:
        main()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, or a closed stream: nothing more to say
            pass
    os._exit(code)


def open_closed_standard_streams() -> None:
    """Give a standard stream the caller closed (``2>&-``, ``>&-``) the null
    device, as ``| head`` leaves stdout once its reader is gone.

    Python sets such a stream to None, so the first write or the flush at
    the end failed and turned every exit code, a passed gate's 0 too, into
    1. And the next file opened would take the free descriptor number and
    receive what was meant for the stream. Now the run goes on and its exit
    code says how it went, though what went to a closed stream is lost.
    """
    for descriptor, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        null = os.open(os.devnull, os.O_RDWR)
        if null != descriptor:
            os.dup2(null, descriptor)
            os.close(null)
        mode = "r" if descriptor == 0 else "w"
        setattr(sys, name, open(descriptor, mode, encoding="utf-8", closefd=False))


def encode_standard_streams() -> None:
    """Write UTF-8 to a pipe or file whatever the locale says, and never fail
    on a character a terminal's encoding lacks.

    Under a locale that is not UTF-8 (``LANG=en_US.ISO-8859-1``, a Windows
    runner's cp1252, ``PYTHONIOENCODING=ascii``) every table failed on its
    rule line and a group named ``café`` failed every format: an internal
    error and exit code 2, a passed gate's run too. A report on stdout is now
    the same bytes ``--output FILE`` writes (UTF-8, as JSON and the inputs
    are), which is what jq, pandas and a job summary read. A terminal keeps
    its encoding, with ``?`` for what it cannot show.
    """
    import codecs

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            if codecs.lookup(stream.encoding or "").name == "utf-8":
                continue
            terminal = stream.isatty()
        except (AttributeError, LookupError, OSError, ValueError):
            terminal = False
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            if terminal:
                reconfigure(errors="replace")
            else:
                reconfigure(encoding="utf-8", errors="strict" if name == "stdout" else "backslashreplace")
        except (OSError, ValueError):
            pass  # a stream that was already written to in another encoding, or closed
