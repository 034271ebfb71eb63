"""Options shared by several commands, and the one place errors become exit codes.

Nothing here imports numpy, pyarrow or rich at module level: ``--help`` and
shell completion stay fast.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys
from contextlib import contextmanager
from enum import Enum
from typing import Annotated, Any, Callable, Iterator, Optional

import typer

# typer bundles its own click (every version pyproject allows does).
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from ..errors import LossCliError, ThresholdBreached

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_USAGE = 2

# Rich help panels for people at a terminal; plain help for pipes and scripts,
# which also skips importing the rich renderer (a third of start-up). A
# stdout the caller closed (`>&-`) is None here, and no terminal.
RICH_HELP = sys.stdout is not None and sys.stdout.isatty()


def literal(text: str) -> str:
    """Help text that reads as written in both help styles: rich would take
    ``[plot]`` in ``losscli[plot]`` for markup and drop it, while plain help
    would print the backslash that escapes it."""
    return text.replace("[", "\\[") if RICH_HELP else text


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class DocumentFormat(str, Enum):
    """The formats of one document (a loss's description), which has no rows for CSV."""

    table = "table"
    json = "json"
    markdown = "markdown"


class Reduction(str, Enum):
    mean = "mean"
    sum = "sum"
    none = "none"


class NanPolicy(str, Enum):
    error = "error"
    omit = "omit"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


INPUT = "Input"
LOSSES = "Losses"
OUTPUT = "Output"
GATES = "CI gates"

LabelsOpt = Annotated[Optional[str], typer.Option("--labels", "-l", help="File with the labels, if not in the prediction file ('-' for stdin).", rich_help_panel=INPUT)]
KeyOpt = Annotated[Optional[str], typer.Option("--key", help="Join predictions and labels on this id column instead of row order.", rich_help_panel=INPUT)]
AllowUnmatchedOpt = Annotated[bool, typer.Option("--allow-unmatched", help="With --key: evaluate matched rows and report the others instead of failing.", rich_help_panel=INPUT)]
PredColOpt = Annotated[Optional[str], typer.Option("--pred-col", "-p", help="Prediction column(s): a name, a comma list or a glob ('p_*'). Integer labels pick the column named by them (prob_1), else the one at their position.", rich_help_panel=INPUT)]
LabelColOpt = Annotated[Optional[str], typer.Option("--label-col", "-y", help="Label column(s): a name, a comma list or a glob. Paired with the prediction columns by name (y_true_a with y_pred_a), else in order.", rich_help_panel=INPUT)]
ColOpt = Annotated[Optional[list[str]], typer.Option("--col", help="Columns of another input role: ROLE=COLS, e.g. anchor='a_*'. Repeatable.", rich_help_panel=INPUT)]
WeightOpt = Annotated[Optional[str], typer.Option("--weight-col", "-w", help="Per-row sample weights (weighted mean).", rich_help_panel=INPUT)]
ByOpt = Annotated[Optional[str], typer.Option("--by", help="Also report every loss per group of this column.", rich_help_panel=INPUT)]
SampleOpt = Annotated[Optional[str], typer.Option("--sample-col", help="Rows with the same value form one sample (pixels of an image, frames of an utterance).", rich_help_panel=INPUT)]
NanOpt = Annotated[NanPolicy, typer.Option("--nan-policy", help="Missing/NaN/inf values: error, or omit those rows (counted).", rich_help_panel=INPUT)]
ConventionOpt = Annotated[Optional[str], typer.Option("--convention", help="Compute every loss as this library defines it: torch, keras, sklearn, optax or monai ('losscli info LOSS --conventions' shows the differences).", rich_help_panel=LOSSES)]
EngineOpt = Annotated[Engine, typer.Option("--engine", help=literal("local (default), or dask: a Parquet dataset on a Dask cluster (pip install 'losscli[dask]')."), rich_help_panel=INPUT)]
SchedulerOpt = Annotated[Optional[str], typer.Option("--scheduler", help="With --engine dask: the scheduler address (tcp://host:8786); default: a local cluster for this run.", rich_help_panel=INPUT)]
InputFormatOpt = Annotated[Optional[str], typer.Option("--input-format", help="csv, tsv, parquet, arrow or ndjson (default: from the file name). A --labels file follows it only when its own name does not say its format.", rich_help_panel=INPUT)]
DelimiterOpt = Annotated[Optional[str], typer.Option("--delimiter", help="CSV delimiter: one character, or tab, comma, semicolon, pipe, space ('\\t' is a tab too). Default: detected from the header among , ; tab | (else single spaces), or taken from Excel's sep= first line.", rich_help_panel=INPUT)]
DecimalOpt = Annotated[str, typer.Option("--decimal", help="Decimal separator of CSV numbers: . (default) or , (also point, comma), for files written 0,5 (pandas decimal=',', R write.csv2); the fields then need another delimiter, such as ;.", rich_help_panel=INPUT)]
PositiveOpt = Annotated[Optional[str], typer.Option("--positive", help="Binary labels beside one prediction column: the label whose probability (or score) the column holds, e.g. yes; its rows count as 1, every other label as 0 (-1 for hinge).", metavar="LABEL", rich_help_panel=LOSSES)]
FromLogitsOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--from-logits/--no-from-logits",
        help="Predictions are logits/raw scores (sigmoid or softmax is applied stably), or, with --no-from-logits, probabilities. "
        "Default: logits where the prediction columns are named so (logits, y_logit, logit_0 ..), else probabilities.",
        show_default=False,
        rich_help_panel=LOSSES,
    ),
]
EpsOpt = Annotated[Optional[float], typer.Option("--eps", help="Clip probabilities to eps .. 1-eps (default 1e-7; 0 disables).", rich_help_panel=LOSSES)]
NormalizeOpt = Annotated[bool, typer.Option("--normalize", help="Divide class-probability rows by their sum instead of rejecting rows that do not sum to 1.", rich_help_panel=LOSSES)]
FormatOpt = Annotated[Optional[Format], typer.Option("--format", "-f", help="table (default), json, csv or markdown.", rich_help_panel=OUTPUT)]
DocumentFormatOpt = Annotated[Optional[DocumentFormat], typer.Option("--format", "-f", help="table (default), json or markdown.", rich_help_panel=OUTPUT)]
OutputOpt = Annotated[Optional[str], typer.Option("--output", "-o", help="Write the report to this file (atomically) instead of stdout ('-' is stdout); .json, .csv and .md set the format unless --format is given.", rich_help_panel=OUTPUT)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or notes on stderr.", rich_help_panel=OUTPUT)]
FailAboveOpt = Annotated[Optional[list[str]], typer.Option("--fail-above", help="Exit 1 if LOSS's value is above VALUE: LOSS=VALUE. Repeatable.", rich_help_panel=GATES)]
FailBelowOpt = Annotated[Optional[list[str]], typer.Option("--fail-below", help="Exit 1 if LOSS's value is below VALUE: LOSS=VALUE. Repeatable.", rich_help_panel=GATES)]


def parse_role_cols(items: list[str] | None) -> dict[str, str]:
    roles: dict[str, str] = {}
    for item in items or []:
        role, sep, columns = item.partition("=")
        if not sep or not role.strip() or not columns.strip():
            raise LossCliError(f"--col takes ROLE=COLUMNS, got '{item}'", hint="for example --col anchor='a_*'")
        role, columns = role.strip(), columns.strip()
        if roles.get(role, columns) != columns:
            # As a parameter given twice in a loss spec: the last one silently
            # won, so a loss read other columns than the user may have meant.
            raise LossCliError(
                f"--col {role} is given twice ('{roles[role]}' and '{columns}')",
                hint="give each role once; several columns of one role are one comma list or glob",
            )
        roles[role] = columns
    return roles


def global_params(from_logits: bool | None, eps: float | None, normalize: bool) -> dict[str, Any]:
    """The switches given, for every loss that has them. ``from_logits`` None
    (neither --from-logits nor --no-from-logits) leaves each loss to read its
    predictions as their column names say (see ``losscli.logit_names``)."""
    params: dict[str, Any] = {}
    if from_logits is not None:
        params["from_logits"] = from_logits
    if eps is not None:
        params["eps"] = eps
    if normalize:
        params["normalize"] = True
    return params


def parse_losses(texts: list[str], shared: dict[str, Any], convention: str | None) -> list[Any]:
    """Loss spec strings as bound losses, under --convention when given."""
    from ..conventions import apply
    from ..registry import parse_spec

    return [apply(parse_spec(text, shared), convention) for text in texts]


class TerminalBuffer(io.TextIOBase):
    """Collects output in memory but answers ``isatty`` for the real stdout, so
    a table is rendered (with the right colours) before anything is printed."""

    def __init__(self, pieces: list[str], real: Any) -> None:
        self._pieces = pieces
        self._real = real

    def write(self, text: str) -> int:
        self._pieces.append(text)
        return len(text)

    def isatty(self) -> bool:
        return bool(getattr(self._real, "isatty", lambda: False)())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        # rich draws a table's rules in ASCII for a terminal that cannot show '─'.
        return getattr(self._real, "encoding", None) or "utf-8"

    def flush(self) -> None:
        pass


def rendered(draw: Callable[[Any], None], real: Any, *, table: bool) -> Any:
    """What ``draw`` writes, rendered in memory first: a failure while rendering
    leaves stdout empty. Off a terminal, tables lose the trailing padding rich
    adds to every line.

    A table comes back as one text; other documents as the list of pieces
    they were written in, for ``losscli.output.write_text``: joined, the
    250 MB JSON of a million --by groups was held twice.
    """
    pieces: list[str] = []
    sink = TerminalBuffer(pieces, real)
    draw(sink)
    if not table:
        return pieces
    text = "".join(pieces)
    if not sink.isatty():
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text


def fail(message: str) -> None:
    """Print one ``error:`` line on stderr."""
    typer.echo(f"error: {message}", err=True)


def note(message: str, quiet: bool = False) -> None:
    if not quiet:
        typer.echo(f"note: {message}", err=True)


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into one stderr line and an exit code; no tracebacks.

    ``LOSSCLI_DEBUG=1`` re-raises so the traceback is visible.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = os.environ.get("LOSSCLI_DEBUG", "") not in ("", "0")
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except ThresholdBreached as breach:
            for line in breach.args[0]:
                fail(line)
            raise typer.Exit(EXIT_THRESHOLD) from None
        except LossCliError as error:
            if debug:
                raise
            fail(str(error))
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt as interrupt:
            from ..output import interrupted_exit_code

            # Raised with a message where output was already written (the charts after a report).
            fail(str(interrupt) or "interrupted; no output was written")
            # 130 for Ctrl-C, 143 for SIGTERM: what a shell reports for a process the signal ended.
            raise typer.Exit(interrupted_exit_code(interrupt)) from None
        except MemoryError:
            if debug:
                raise
            fail(
                "out of memory; check that the columns read are the ones meant (a very wide list or vector column "
                "becomes one column per value), or run an exact loss such as wasserstein_distance, which keeps "
                "every value, on a sample"
            )
            raise typer.Exit(EXIT_USAGE) from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): not an error of ours.
            silence_stdout()
            sys.stderr.close()
            raise typer.Exit(EXIT_OK) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
            if debug:
                raise
            fail(f"internal error: {type(error).__name__}: {error} (set LOSSCLI_DEBUG=1 for the traceback and please report it)")
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper


def write_stdout(text: str | list[str]) -> None:
    """Write a report to stdout. If its reader went away (``| head``), stop
    writing there but let the run go on: the gates still set the exit code."""
    from ..output import write_text

    try:
        write_text(sys.stdout, text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    """Point stdout's descriptor at the null device after a broken pipe, so the
    interpreter's flush at exit does not fail again and change the exit code
    (the recipe of Python's signal module documentation)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real descriptor (a test runner's stream): nothing flushes at exit
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def check_named_paths(paths: dict[str, str | None]) -> None:
    """Refuse an option given an empty path, as a script's unset variable
    gives (``--output "$REPORT"``): read as not given, it would send the
    report to stdout, drop the baseline and its gates, or take the labels
    from the prediction file instead."""
    for option, path in paths.items():
        if path is None or path.strip():
            continue
        if option == "PREDICTIONS":
            raise LossCliError("a prediction file name is empty", hint="give a path, or '-' for stdin")
        hint = {"--labels": "give a path, '-' for stdin, or leave the option out", "--output": "give a path, '-' for stdout, or leave the option out", "--per-row": "give a path, '-' for stdout, or leave the option out"}
        raise LossCliError(f"{option} was given an empty file name", hint=hint.get(option, "give a path, or leave the option out"))


def check_named_columns(values: dict[str, str | list[str] | None]) -> None:
    """Refuse a column (or other name) option given an empty value, as a
    script's unset variable gives (``--weight-col "$WEIGHTS"``): read as not
    given, it silently dropped the weights, the sample ids or the join, and
    ``--by ''`` failed with an internal error."""
    for option, value in values.items():
        given = [value] if isinstance(value, str) else list(value or [])
        if any(item == "" for item in given):
            if _NAMES_A_COLUMN.get(option, True):
                raise LossCliError(f"{option} was given an empty column name", hint="give a column name, or leave the option out")
            raise LossCliError(f"{option} was given an empty value", hint="give a value, or leave the option out")


# Options of check_named_columns that name something other than a column.
_NAMES_A_COLUMN = {"--input-format": False, "--delimiter": False, "--convention": False, "--scheduler": False, "--task": False}


def output_target(path: str | None) -> str | None:
    """The --output file, or None for stdout: '-' is stdout, as it is for every input."""
    return None if path == "-" else path


# The report format an --output file's extension asks for, when --format is not given.
_FORMAT_OF_EXTENSION = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown"}


def resolve_format(fmt: Format | DocumentFormat | None, output: str | None = None) -> str:
    """--format, else what the --output file's extension says (report.json), else a table."""
    if fmt is not None:
        return fmt.value
    if output and output != "-":
        return _FORMAT_OF_EXTENSION.get(os.path.splitext(output)[1].lower(), "table")
    return "table"


# Data formats a report is not written in: a text table in report.parquet
# would be a file that every reader of that name rejects.
_DATA_EXTENSIONS = {".parquet": "Parquet", ".pq": "Parquet", ".arrow": "Arrow", ".feather": "Arrow", ".ipc": "Arrow", ".jsonl": "JSON Lines", ".ndjson": "JSON Lines", ".tsv": "TSV", ".xlsx": "Excel", ".xls": "Excel"}


def check_report_name(output: str | None, fmt: Format | DocumentFormat | None) -> None:
    """A report (not per-row values) named as a data format, with no --format to say otherwise."""
    extension = os.path.splitext(output or "")[1].lower()
    if fmt is None and extension in _DATA_EXTENSIONS:
        raise LossCliError(
            f"--output {output}: reports are written as JSON, CSV, Markdown or a text table, not {_DATA_EXTENSIONS[extension]}",
            hint="name the file .json, .csv or .md, or choose with --format",
        )


class OneLineUsageErrors(TyperGroup):
    """A group (the root, ``plot``) whose commands' usage errors (a bad option
    value, an unknown option, a missing argument) become one ``error:`` line
    and exit code 2 like every other error, instead of a usage block. A
    subcommand parses its arguments inside its group's ``invoke``."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with usage_errors_in_one_line(lambda: _command_path(parent, info_name)):
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        # Some parser errors (an option missing its value) carry no context:
        # they come from the subcommand being parsed, if there is one yet.
        with usage_errors_in_one_line(lambda: _command_path(ctx, ctx.invoked_subcommand), lambda: ctx.meta.get(_COMMAND_ARGUMENTS)):
            return super().invoke(ctx)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, TyperGroup):
            # The subcommand and its words as given, for a usage error's hints.
            ctx.meta[_COMMAND_ARGUMENTS] = (command, list(rest))
            with usage_errors_in_one_line(lambda: _command_path(ctx, name), lambda: (command, rest)):
                refuse_repeated_options(command, rest)
        return name, command, rest


def refuse_repeated_options(command: Any, args: list[str]) -> None:
    """An option that takes one value, given twice: the parser keeps the
    last and drops the first without a word (``compute --pred-col a
    --pred-col b`` scored b alone), so either may be the one meant."""
    takes_one = {}
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not param.multiple and not param.is_flag and not param.count:
            for opt in param.opts + param.secondary_opts:
                takes_one[opt] = param
    seen: dict[Any, list[str]] = {}
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token[:2] if token.startswith("-") else None
        param = takes_one.get(name)
        if param is None:
            continue
        seen.setdefault(param, []).append(name)
        if "=" not in token and token == name:
            for _ in range(param.nargs):
                next(tokens, None)  # its value, which may itself start with '-'
    for param, names in seen.items():
        if len(names) > 1:
            option = max(param.opts, key=len)
            raise UsageError(f"{option} is given {len(names)} times and takes one value: give it once" + _REPEATED_HINTS.get(option, ""))


# What a repeated option usually means instead.
_REPEATED_HINTS = {
    "--pred-col": "; several columns of one model are a comma list or a glob, and models kept as columns of one file are compared with 'losscli compare FILE --pred-col A --pred-col B'",
    "--label-col": "; several columns are a comma list or a glob",
}


def _command_path(parent: Any, name: str | None) -> str:
    """'losscli plot curves': the path of command ``name`` under the context ``parent``."""
    return " ".join(part for part in (parent.command_path if parent else "", name) if part) or "losscli"


# Where a group keeps the subcommand it resolved and that command's words.
_COMMAND_ARGUMENTS = "losscli.command_arguments"


@contextmanager
def usage_errors_in_one_line(
    command_path: Callable[[], str], command_arguments: Callable[[], Any] = lambda: None
) -> Iterator[None]:
    """``command_path`` names the command when the error does not;
    ``command_arguments`` gives the command and its words, when known."""
    try:
        yield
    except NoArgsIsHelpError:
        raise  # a command given no arguments shows its help
    except UsageError as error:
        path = error.ctx.command_path if error.ctx is not None else command_path()
        fail(usage_message(error, path, command_arguments()))
        raise typer.Exit(EXIT_USAGE) from None


def usage_message(error: UsageError, path: str, command_arguments: Any = None) -> str:
    """The parser's own words on one line, then where to read the usage."""
    message = " ".join(error.format_message().split()).rstrip(".")
    hints = [_dash_files_hint(command_arguments, path), _extra_files_hint(message, path), f"see '{path} --help'"]
    return f"{message} ({'; '.join(hint for hint in hints if hint)})"


# The commands whose arguments are files.
_FILE_COMMANDS = ("compute", "compare")


def _dash_files_hint(command_arguments: Any, command_path: str) -> str | None:
    """A file whose name starts with '-' is read as options (``-preds.csv``
    as ``-p reds.csv``), and the argument it was meant to be goes missing:
    say how to pass it as a file."""
    if command_arguments is None or command_path.split()[-1] not in _FILE_COMMANDS:
        return None
    files = _dash_files(*command_arguments)
    if not files:
        return None
    from ..shell import command

    said = "names a file but was read as an option" if len(files) == 1 else "name files but were read as options"
    return f"{command(files)} {said}: write {command('./' + name for name in files)}, or {command(['--', *files])} after the last option"


def _dash_files(command: Any, args: list[str]) -> list[str]:
    """The words of ``args`` that start with '-', name an existing file and
    are neither an option of ``command`` nor an option's value."""
    values_taken: dict[str, int] = {}
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            for opt in param.opts + param.secondary_opts:
                values_taken[opt] = 0 if param.is_flag or param.count else param.nargs
    files = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break  # every word after it is an argument, as meant
        if not token.startswith("-") or token == "-":
            continue
        if token in values_taken:
            for _ in range(values_taken[token]):
                next(tokens, None)  # its value, which may itself start with '-'
        elif not (token.startswith("--") and token.split("=", 1)[0] in values_taken) and os.path.exists(token):
            files.append(token)
    return files


# The commands that read a dataset, which a glob pattern may name.
_DATASET_COMMANDS = ("compute", "recommend")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument\(s\) \((.*)\)")


def _extra_files_hint(message: str, command_path: str) -> str | None:
    """A glob the shell expanded arrives as many file names where one was
    expected: say how to pass the pattern itself."""
    extra = _EXTRA_ARGUMENTS.match(message)
    files = [word for word in extra.group(1).split() if os.path.exists(word)] if extra else []
    if not files or command_path.split()[-1] not in _DATASET_COMMANDS:
        return None
    from ..shell import quote

    hint = f"quote a glob pattern, e.g. {quote(_glob_of(files))}, so that losscli reads the files as one dataset"
    if command_path.split()[-1] == "compute":
        hint += "; 'losscli compare' takes one file per model"
    return hint


def _glob_of(files: list[str]) -> str:
    """A pattern matching files of one folder and extension, like 'ds/*.parquet'."""
    folders = {os.path.dirname(path) for path in files}
    extensions = {os.path.splitext(path)[1] for path in files}
    folder = folders.pop() if len(folders) == 1 else "DIR"
    extension = extensions.pop() if len(extensions) == 1 else ".parquet"
    return os.path.join(folder, f"*{extension}")
