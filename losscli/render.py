"""Rendering reports: a rich table for people; JSON, CSV and Markdown for scripts.

Only the table path touches rich. Numbers, loss names and group values are
never wrapped or cut (see :mod:`losscli.table_layout`): on a terminal only
headers break, and off one a table is as wide as it needs.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import replace
from json.encoder import encode_basestring_ascii
from typing import Any, Callable, Iterator, Sequence

from . import __version__
from .column_names import group_column
from .evaluation import Report
from .results import GroupResults, Result, parts_of

FORMATS = ("table", "json", "csv", "markdown")
_FORMAT_ALIASES = {"md": "markdown", "tsv": "csv", "text": "table"}


def normalise_format(name: str) -> str:
    from .errors import LossCliError

    fmt = _FORMAT_ALIASES.get(name.lower(), name.lower())
    if fmt not in FORMATS:
        raise LossCliError(f"unknown format '{name}'", hint=f"formats: {', '.join(FORMATS)}")
    return fmt


def number(value: float | None, digits: int = 6) -> str:
    """A value as people read it: 6 significant digits, null as 'null'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"
    return f"{value:.{digits}g}"


def exact(value: float | None) -> str:
    """A value as scripts read it: shortest round-trip repr."""
    if value is None:
        return ""
    return repr(float(value))


def json_document(report: Report, extra: dict[str, Any] | None = None) -> str:
    return "".join(json_pieces(report, extra))


def json_pieces(report: Report, extra: dict[str, Any] | None = None) -> Iterator[str]:
    """``json_document``'s text in pieces: a million --by groups' JSON, joined, is 250 MB."""
    # Results given in ``extra`` replace the report's; the report's are encoded apart.
    results_apart = bool(report.results) and not (extra and "results" in extra)
    document: dict[str, Any] = {
        "schema": 1,
        "tool": {"name": "losscli", "version": __version__},
        "inputs": report.inputs(),
        "results": [_RESULTS_MARK] if results_apart else [r.as_dict() for r in report.results],
    }
    if report.notes:
        document["notes"] = report.notes
    if extra:
        document.update(extra)
    text = _indented_json(document) + "\n"
    if not results_apart:
        yield text
        return
    before, _, after = text.partition(json.dumps(_RESULTS_MARK))
    yield before
    for index, piece in enumerate(_ResultFrames().pieces(report.results)):
        if index:
            yield _RESULTS_SEPARATOR
        yield piece
    yield after


def _indented_json(value: Any) -> str:
    return json.dumps(value, indent=2, allow_nan=False, default=_json_default)


# Marks where the variable parts of a result go while its frame is encoded.
# No file name, column name or text holds a NUL, so none can be mistaken for one.
_RESULTS_MARK = "\x00results\x00"
_VALUE_MARK = "\x00value\x00"
_ROWS_MARK = "\x00n\x00"
_GROUP_MARK = "\x00group\x00"


# Between two results in the results list.
_RESULTS_SEPARATOR = ",\n    "


class _ResultFrames:
    """Results that differ only in value, rows and group value share one
    frame: their JSON encoded once, then filled in.

    ``json.dumps`` with an indent runs the pure-Python encoder, which spent
    about half of a run with a million --by groups. A result whose values
    are not plain numbers or text is encoded as before.
    """

    def __init__(self) -> None:
        self.frames: dict[tuple, str] = {}

    def pieces(self, results: Sequence[Result]) -> Iterator[str]:
        """The results' JSON, in pieces to be joined by the results separator."""
        from .render_groups import json_entries

        for part in parts_of(results):
            if isinstance(part, GroupResults):
                if len(part):
                    frame = _frame_pieces(Result(part.loss, 0.0, 0, part.reduction, part.model, {part.by: None}))
                    yield from json_entries(part, frame, self.encode, _RESULTS_SEPARATOR)
            else:
                yield self.encode(part)

    def encode(self, result: Result) -> str:
        scalars = _result_scalars(result)
        if scalars is None:
            return _indented_json(result.as_dict()).replace("\n", "\n    ")
        shape = (id(result.loss), result.reduction, result.model, None if result.group is None else next(iter(result.group)), result.warning, result.rank, result.best)
        frame = self.frames.get(shape)
        if frame is None:
            frame = self.frames[shape] = "%s".join(piece.replace("%", "%%") for piece in _frame_pieces(result))
        return frame % scalars


def _frame_pieces(result: Result) -> list[str]:
    """The result's JSON at the depth of the results list, cut where its
    value, rows and group value go (two cuts without a group)."""
    group = None if result.group is None else {next(iter(result.group)): _GROUP_MARK}
    marked = replace(result, value=_VALUE_MARK, n=_ROWS_MARK, group=group).as_dict()
    text = _indented_json(marked).replace("\n", "\n    ")
    pieces = []
    for mark in (_VALUE_MARK, _ROWS_MARK) + ((_GROUP_MARK,) if group else ()):
        piece, _, text = text.partition(json.dumps(mark))
        pieces.append(piece)
    return pieces + [text]


def _result_scalars(result: Result) -> tuple[str, ...] | None:
    """A result's value, rows and group value as JSON writes them, or None
    when one is not a plain number or text (it then takes the usual encoder)."""
    value = "null" if result.value is None else json_scalar(result.value)
    n = json_scalar(result.n) if type(result.n) is int else None
    if value is None or n is None:
        return None
    if result.group is None:
        return value, n
    if len(result.group) != 1:
        return None
    group = json_scalar(next(iter(result.group.values())))
    return None if group is None else (value, n, group)


def json_scalar(value: Any) -> str | None:
    """``value`` as ``json.dumps`` writes it, for the plain types; else None."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value) if math.isfinite(value) else None
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return None


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


# What a table shows for the overall row and for rows without a group value.
ALL_GROUPS, MISSING_GROUP = "(all)", "(missing)"


def group_text(result: Result) -> str:
    """The group cell of a table or Markdown row."""
    if not result.group:
        return ALL_GROUPS
    return ", ".join(group_cell(v) for v in result.group.values())


def table_group_text(result: Result) -> str:
    """The group cell of a table row: ``group_text`` with what a terminal
    would act on escaped (see ``printable``)."""
    return printable(group_text(result))


def printable(text: str) -> str:
    """Text with its control characters escaped as ``repr`` escapes them
    (\\x1b, \\n): group values come from the data, and raw, an escape code
    would colour plain-text output and a line break split a table row.
    Printable text, accented and other non-ASCII letters included, is kept."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def group_cell(value: Any) -> str:
    """A group value as tables, Markdown and CSV show it: booleans as JSON
    writes them (true, not True), the missing group as "(missing)". Text that
    would read as the overall row, the missing group or an empty cell is
    quoted, so a file's group written "(all)" or "(missing)" (or an empty
    text in Parquet) is not taken for those."""
    if isinstance(value, str) and value in (ALL_GROUPS, MISSING_GROUP, ""):
        return f'"{value}"'
    if value is None:
        return MISSING_GROUP
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def warning_lines(results: Sequence[Result], *, name_model: bool = False) -> list[str]:
    """The results' warnings as notes under a table: each says which group
    (and, with several models, which model) it is about."""
    lines = []
    for part in parts_of(results):
        for r in _warned_results(part):
            where = ([r.model] if name_model else []) + ([f"{k}={group_cell(v)}" for k, v in r.group.items()] if r.group else [])
            lines.append(f"{', '.join(where)}: {r.warning}" if where else r.warning)
    return lines


def _warned_results(part: Result | GroupResults) -> list[Result]:
    if isinstance(part, GroupResults):
        return [part.result(index) for index in sorted(part.warnings)]
    return [part] if part.warning else []


def _by_column(results: Sequence[Result]) -> str | None:
    for part in parts_of(results):
        if isinstance(part, GroupResults):
            if len(part):
                return part.by
        elif part.group:
            return next(iter(part.group))
    return None


def csv_document(report: Report) -> str:
    return "".join(csv_pieces(report))


def csv_pieces(report: Report) -> Iterator[str]:
    """``csv_document``'s text in pieces."""
    from .render_groups import csv_rows

    by = _by_column(report.results)

    def row(r: Result) -> list[Any]:
        cells = [r.loss.name, r.loss.display, exact(r.value), r.n, r.reduction, r.model]
        if by:
            cells.append("" if r.group is None else group_cell(r.group[by]))
        cells.append(r.warning or "")
        return cells

    def lines(rows: list[list[Any]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()

    yield lines([["loss", "spec", "value", "n", "reduction", "model"] + ([group_column(by)] if by else []) + ["warning"]])
    for part in parts_of(report.results):
        if isinstance(part, GroupResults) and part.by == by:
            yield from csv_rows(part, lambda r: lines([row(r)]))
        else:
            yield lines([row(r) for r in ([part] if isinstance(part, Result) else part.results())])


def markdown_document(report: Report) -> str:
    from . import markdown as md
    from .render_groups import markdown_rows

    by = _by_column(report.results)
    header = ["Loss"] + ([group_column(by)] if by else []) + ["Value", "Rows"]
    aligns = [md.LEFT] * (1 + bool(by)) + [md.RIGHT, md.RIGHT]

    def one(r: Result) -> str:
        return md.row([md.code(r.loss.display)] + ([group_text(r)] if by else []) + [number(r.value), str(r.n)]) + "\n"

    lines = ["\n".join(md.table(header, aligns, [])) + "\n"]
    for part in parts_of(report.results):
        if isinstance(part, GroupResults) and by:
            lines.extend(markdown_rows(part, one))
        else:
            lines.extend(map(one, [part] if isinstance(part, Result) else part.results()))
    text = "".join(lines)
    notes = warning_lines(report.results) + report.notes
    if notes:
        text += "\n" + md.quoted(notes)
    return md.document(text)


def is_terminal(stream: Any) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


def make_console(stream: Any, *, width: int | None = None) -> Any:
    """A rich console for ``stream``: colour only on a terminal without NO_COLOR."""
    from rich.console import Console

    terminal = is_terminal(stream)
    no_color = bool(os.environ.get("NO_COLOR")) or not terminal
    if not terminal:
        # Wide enough that no number is ever wrapped or cut in logs and pipes.
        return Console(file=stream, width=width or 400, height=1000, no_color=no_color, color_system=None, force_terminal=False, highlight=False, soft_wrap=False)
    size = dumb_terminal_size()
    if no_color:
        # NO_COLOR on a terminal: plain text, not just uncoloured bold and dim codes.
        return Console(file=stream, no_color=True, color_system=None, highlight=False, **size)
    return Console(file=stream, highlight=False, **size)


def dumb_terminal_size() -> dict[str, int]:
    """The size of a TERM=dumb terminal (Emacs' shell), as rich's ``width`` and
    ``height``; empty for any other terminal, whose size rich reads itself.

    rich takes a dumb terminal for 80 x 25 whatever its size, so tables were
    laid out for 80 columns on a narrower one, which wrapped every line.
    """
    if os.environ.get("TERM", "").lower() not in ("dumb", "unknown"):
        return {}
    columns, lines = 80, 25
    # The standard streams, as rich asks them: the report may be rendered in memory first.
    for descriptor in (0, 1, 2):
        try:
            columns, lines = os.get_terminal_size(descriptor)
            break
        except OSError:
            continue
    width = os.environ.get("COLUMNS", "")
    return {"width": int(width) if width.isdigit() and int(width) > 0 else columns or 80, "height": lines or 25}


def table_width_limit(console: Any, stream: Any) -> int | None:
    """How wide a table may be: the terminal's width, or any width off a terminal."""
    return console.width if is_terminal(stream) else None


# A table is read by people: past this many groups of one loss, the rest are
# counted instead of listed (laying out a million rows took minutes).
TABLE_GROUPS = 50


def table_rows(items: Sequence[Any], loss_of: Callable[[Any], object], is_group: Callable[[Any], bool]) -> list[Any]:
    """The items a table lists, in order: every overall row and the first
    ``TABLE_GROUPS`` groups of each loss, with, after a loss's last listed
    group, the number of groups left out (an int) where there are any."""
    rows: list[Any] = []
    current, listed, left_out = object(), 0, 0
    for item in items:
        if loss_of(item) != current:
            rows += [left_out] if left_out else []
            current, listed, left_out = loss_of(item), 0, 0
        if is_group(item):
            if listed == TABLE_GROUPS:
                left_out += 1
                continue
            listed += 1
        rows.append(item)
    return rows + ([left_out] if left_out else [])


def left_out_note(rows: list[Any]) -> list[str]:
    """The note under a table that left groups out, saying where they all are."""
    if not any(isinstance(row, int) for row in rows):
        return []
    return [f"the table lists the first {TABLE_GROUPS} groups of each loss; --format csv, json or markdown lists every group"]


def table_warnings(results: Sequence[Result], listed: Sequence[Result], *, name_model: bool = False) -> list[str]:
    """The warnings of the results a table lists, and how many of the others have one."""
    shown = {id(r) for r in listed}
    lines = [printable(line) for line in warning_lines(listed, name_model=name_model)]
    others = sum(1 for r in results if r.warning and id(r) not in shown)
    return lines + ([f"{others:,} results of groups not listed have no value (--format json gives each reason)"] if others else [])


def left_out_text(count: int) -> str:
    return f"... {count:,} more groups"


def table_document(report: Report, stream: Any) -> None:
    from .table_layout import FOLD, WORDS, Column, Layout, Row, print_fitted

    console = make_console(stream)
    by = _by_column(report.results)
    columns = [Column("loss", style="bold")]
    if by:
        columns.append(Column(printable(group_column(by)), header_breaks=FOLD))
    columns += [Column("value", justify="right"), Column("rows", justify="right")]
    layout = Layout(columns)
    rows = _listed_rows(report.results)
    for r in rows:
        if isinstance(r, int):
            layout.rows.append(Row(["", left_out_text(r), "", ""], style="dim", breaks=WORDS))
            continue
        cells = [r.loss.display] + ([table_group_text(r)] if by else []) + [number(r.value), f"{r.n:,}"]
        layout.rows.append(Row(cells, style="dim" if r.group else None))
    print_fitted(console, [layout], limit=table_width_limit(console, stream))
    # Footnotes to the cells above; the run's own notes are diagnostics, for stderr.
    listed = [r for r in rows if not isinstance(r, int)]
    for note in _table_warnings(report.results, listed) + left_out_note(rows):
        # markup=False: a group value such as "[red]x[/red]" is text, as in the table above.
        console.print(f"note: {note}", style="yellow", highlight=False, markup=False)


def _listed_rows(results: Sequence[Result]) -> list[Any]:
    """``table_rows`` of the results, without making the results of the
    groups the table leaves out."""
    rows: list[Any] = []
    current, listed, left_out = object(), 0, 0
    for part in parts_of(results):
        if isinstance(part, GroupResults) and not len(part):
            continue
        if id(part.loss) != current:
            rows += [left_out] if left_out else []
            current, listed, left_out = id(part.loss), 0, 0
        if isinstance(part, GroupResults):
            shown = min(len(part), TABLE_GROUPS - listed)
            rows += [part.result(index) for index in range(shown)]
            listed, left_out = listed + shown, left_out + len(part) - shown
        elif part.group and listed == TABLE_GROUPS:
            left_out += 1
        else:
            listed += bool(part.group)
            rows.append(part)
    return rows + ([left_out] if left_out else [])


def _table_warnings(results: Sequence[Result], listed: Sequence[Result]) -> list[str]:
    """``table_warnings``, counting the warnings of the groups left out without making their results."""
    warned = sum(len(part.warnings) if isinstance(part, GroupResults) else bool(part.warning) for part in parts_of(results))
    others = warned - sum(1 for r in listed if r.warning)
    lines = [printable(line) for line in warning_lines(listed)]
    return lines + ([f"{others:,} results of groups not listed have no value (--format json gives each reason)"] if others else [])


def render(report: Report, fmt: str, stream: Any) -> None:
    if fmt in ("json", "csv"):
        for piece in json_pieces(report) if fmt == "json" else csv_pieces(report):
            stream.write(piece)
    elif fmt == "markdown":
        stream.write(markdown_document(report))
    else:
        table_document(report, stream)
