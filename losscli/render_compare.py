"""Rendering a comparison: the loss x model matrix as a table, JSON, CSV or Markdown.

Rows are losses (and, with --by, their groups), columns are models; the best
value per row is marked. With one model the matrix becomes a list of values
with each loss's characteristics beside it. Number formatting, the console
and the JSON envelope come from :mod:`losscli.render`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .compare import Comparison, Entry
from .evaluation import json_params
from .knowledge import properties
from .registry import CHARACTERISTIC_KEYS, CHARACTERISTIC_TITLES
from .render import exact, group_cell, group_text, json_document, left_out_note, left_out_text, make_console, number, printable, table_group_text, table_rows, table_warnings, table_width_limit, warning_lines
from .table_layout import FOLD, WORDS, Column, Layout, Row, print_fitted
from . import markdown as md
from .column_names import REPORT_COLUMNS, group_column

BEST_MARK = "*"


# --------------------------------------------------------------------------- shared pieces


def _characteristic(value: bool | None) -> str:
    # None: nobody rates this loss on that property.
    return {True: "yes", False: "no"}.get(value, "-")


def _characteristics(entry: Entry) -> dict[str, bool | None]:
    """The four characteristics of the entry's loss, by key (CHARACTERISTIC_KEYS order)."""
    ratings = entry.result.loss.spec.characteristics.as_dict()
    return {key: ratings[key] for key in CHARACTERISTIC_KEYS}


def _characteristic_cells(entry: Entry) -> list[str]:
    """The characteristics as a table shows them: on a loss's overall row only,
    so its groups' rows below do not repeat them."""
    if entry.result.group is not None:
        return [""] * len(CHARACTERISTIC_KEYS)
    return [_characteristic(value) for value in _characteristics(entry).values()]


def _change(entry: Entry | None) -> str:
    """``+2.31%`` against the baseline, or '' when there is nothing to compare."""
    if entry is None or entry.baseline is None:
        return ""
    delta = entry.baseline
    if delta.delta_pct is not None:
        return f"{delta.delta_pct:+.2f}%"
    if delta.delta is not None:
        return f"{delta.delta:+.6g}"
    return "n/a"


def _cell(entry: Entry | None, several: bool, *, mark: str = BEST_MARK, bold: bool = False) -> str:
    if entry is None:
        return "-"
    text = number(entry.result.value)
    if several and entry.result.best:
        text = md.bold(text) if bold else f"{text} {mark}"
    change = _change(entry)
    if not change:
        return text
    # bold: a Markdown cell, which keeps the bold as built.
    return md.markup(text, f" ({change})") if bold else f"{text} ({change})"


def _row_counts(comparison: Comparison) -> list[str]:
    """Each model's row count, shown when the models were evaluated on different rows."""
    return [f"{m.rows:,}" for m in comparison.models]


def _mean_rank(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _best_overall(comparison: Comparison) -> str:
    best = [s for s in comparison.summary if s.best]
    if not best:
        return ""
    # A table's line: a model named by a file name may hold control characters.
    names = ", ".join(printable(s.model) for s in best)
    return f"best overall: {names} (mean rank {_mean_rank(best[0].mean_rank)})"


def _footnotes(comparison: Comparison, listed: list[Any], rows: list[Any]) -> list[str]:
    """The lines under the table that explain its cells: warnings of the
    results it lists and what it left out (``rows``, with the counts of
    groups left out). Skipped losses and the run's notes are diagnostics,
    which the command writes to stderr."""
    lines = table_warnings([e.result for e in comparison.entries], listed, name_model=len(comparison.models) > 1)
    return lines + left_out_note(rows)


def run_notes(comparison: Comparison) -> list[str]:
    """What the run has to say beside its results: skipped losses, notes, baseline results not found."""
    return [f"skipped {s.loss}: {s.reason}" for s in comparison.skipped] + comparison.notes + comparison.baseline_missing


def _listed_results(rows: list[Any]) -> list[Any]:
    """The results in the grid rows a table lists (cells per model)."""
    return [cell.result for row in rows if not isinstance(row, int) for cell in row[2].values()]


def _warnings(comparison: Comparison) -> list[str]:
    return warning_lines([e.result for e in comparison.entries], name_model=len(comparison.models) > 1)


def _row_label(comparison: Comparison, loss_index: int) -> str:
    return comparison.losses[loss_index].display


# --------------------------------------------------------------------------- JSON


def json_compare(comparison: Comparison) -> str:
    """The report schema of ``compute`` plus ranks, models, summary, skipped losses and the baseline."""
    extra: dict[str, Any] = {
        "inputs": {
            "predictions": [m.predictions for m in comparison.models],
            "labels": comparison.labels,
            "rows": comparison.rows,
        },
        "results": [_json_result(e, single=len(comparison.models) == 1) for e in comparison.entries],
        "models": [m.as_dict() for m in comparison.models],
        "losses": [_json_loss(comparison, index) for index in range(len(comparison.losses))],
        "summary": [s.as_dict() for s in comparison.summary],
        "skipped": [s.as_dict() for s in comparison.skipped],
    }
    if comparison.baseline_file is not None:
        extra["baseline"] = {"file": comparison.baseline_file, "missing": comparison.baseline_missing}
    return json_document(comparison.report(), extra)


def _json_loss(comparison: Comparison, index: int) -> dict[str, Any]:
    """A loss as asked for, with the parameters its results were computed
    with: a parameter the data settled per model (a task's poisson reading
    rates or log-rates, a column named as logits) is null here, with each
    model's value under ``per_model``."""
    bound = comparison.losses[index]
    used: dict[str, dict[str, Any]] = {}
    for entry in comparison.entries:
        if entry.loss_index == index and entry.result.group is None:
            used.setdefault(entry.result.model, json_params(entry.result.loss.params))
    params = json_params(bound.params)
    if used:
        params = dict(next(iter(used.values())))
    differing = sorted({name for values in used.values() for name, value in values.items() if value != params.get(name)})
    out: dict[str, Any] = {"loss": bound.name, "spec": bound.display, "params": {**params, **dict.fromkeys(differing)}}
    if differing:
        out["per_model"] = {model: {name: values.get(name) for name in differing} for model, values in used.items()}
    out["characteristics"] = properties(bound.spec)
    return out


def _json_result(entry: Entry, *, single: bool) -> dict[str, Any]:
    """A result; with a single model, its loss's characteristics beside its value
    (the same as in ``losses``, kept there for the readers of earlier reports)."""
    out = entry.as_dict()
    if single:
        out["characteristics"] = properties(entry.result.loss.spec)
    return out


# --------------------------------------------------------------------------- CSV


def csv_compare(comparison: Comparison) -> str:
    """Long format, one line per loss, group and model: easy to load anywhere."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    by = comparison.by
    with_baseline = comparison.baseline_file is not None
    single = len(comparison.models) == 1
    header = ["loss", "spec", "model"] + ([group_column(by)] if by else []) + ["value", "n", "rank", "best"]
    header += list(CHARACTERISTIC_KEYS) if single else []
    header += ["baseline", "delta", "delta_pct"] if with_baseline else []
    writer.writerow(header + ["warning"])
    for entry in comparison.entries:
        r = entry.result
        row = [r.loss.name, r.loss.display, r.model] + (["" if r.group is None else group_cell(r.group[by])] if by else [])
        row += [exact(r.value), r.n, r.rank, "true" if r.best else "false"]
        if single:
            # On every line, groups' too: a line read on its own says all.
            row += ["" if value is None else str(value).lower() for value in _characteristics(entry).values()]
        if with_baseline:
            delta = entry.baseline
            row += [exact(delta.baseline), exact(delta.delta), exact(delta.delta_pct)] if delta else ["", "", ""]
        writer.writerow(row + [_csv_warning(r.warning, comparison.row_sets_differ)])
    return buffer.getvalue()


def _csv_warning(own: str | None, row_sets_differ: str | None) -> str:
    """A CSV file has no place for notes: a rank over different rows says so on every line."""
    return "; ".join(text for text in (own, row_sets_differ) if text)


# --------------------------------------------------------------------------- Markdown


def markdown_compare(comparison: Comparison) -> str:
    """A table for a pull request or CI job summary; the best value per loss in bold."""
    several = len(comparison.models) > 1
    by = comparison.by
    lines = _md_matrix(comparison, by) if several else _md_single(comparison, by)
    text = "\n".join(lines) + "\n"
    if several and comparison.summary:
        best = [s.model for s in comparison.summary if s.best]
        if best:
            text += f"\nBest overall: {md.cell(md.bold(', '.join(best)))} (lowest mean rank; lower loss is better)\n"
    if comparison.skipped:
        text += "\nSkipped:\n\n" + "\n".join(f"- {md.code(s.loss)}: {md.cell(s.reason)}" for s in comparison.skipped) + "\n"
    other = _warnings(comparison) + comparison.notes + comparison.baseline_missing
    if other:
        text += "\n" + md.quoted(other)
    return md.document(text)


def _md_matrix(comparison: Comparison, by: str | None) -> list[str]:
    names = [m.name for m in comparison.models]
    header = ["Loss"] + ([group_column(by, REPORT_COLUMNS | set(names))] if by else []) + names
    aligns = [md.LEFT] * (1 + bool(by)) + [md.RIGHT] * len(names)
    rows = []
    for loss_index, _key, cells in comparison.grid():
        first = next(iter(cells.values())).result
        row = [md.code(_row_label(comparison, loss_index))] + ([group_text(first)] if by else [])
        rows.append(row + [_cell(cells.get(name), True, bold=True) for name in names])
    rows.append([md.bold("Mean rank")] + ([""] if by else []) + [md.bold(_mean_rank(s.mean_rank)) if s.best else _mean_rank(s.mean_rank) for s in comparison.summary])
    if comparison.row_sets_differ:
        rows.append(["Rows"] + ([""] if by else []) + _row_counts(comparison))
    return md.table(header, aligns, rows)


def _md_single(comparison: Comparison, by: str | None) -> list[str]:
    with_baseline = comparison.baseline_file is not None
    titles = [CHARACTERISTIC_TITLES[key].capitalize() for key in CHARACTERISTIC_KEYS]
    # The columns of the table and of compute's Markdown: a group's value
    # means little without the number of rows it is over.
    header = ["Loss"] + ([group_column(by)] if by else []) + ["Value"] + (["Baseline", "Change"] if with_baseline else []) + ["Rows"] + titles
    aligns = [md.LEFT] * (1 + bool(by)) + [md.RIGHT] * (2 + 2 * with_baseline) + [md.CENTER] * len(titles)
    rows = []
    for entry in comparison.entries:
        r = entry.result
        row = [md.code(r.loss.display)] + ([group_text(r)] if by else []) + [number(r.value)]
        if with_baseline:
            row += [number(entry.baseline.baseline) if entry.baseline else "-", _change(entry) or "-"]
        rows.append(row + [str(r.n)] + _characteristic_cells(entry))
    return md.table(header, aligns, rows)


# --------------------------------------------------------------------------- table


def table_compare(comparison: Comparison, stream: Any) -> None:
    """The matrix on a terminal, or, where it would not fit, a layout that does
    (see :mod:`losscli.table_layout`): nothing it reports is ever cut."""
    console = make_console(stream)
    several = len(comparison.models) > 1
    if several:
        rows = table_rows(list(comparison.grid()), lambda row: row[0], lambda row: bool(row[1]))
        layouts = [_matrix_layout(comparison, rows), _long_layout(comparison, rows)]
    else:
        rows = table_rows(comparison.entries, lambda entry: entry.loss_index, lambda entry: bool(entry.result.group))
        layouts = [_single_layout(comparison, rows, merged=False), _single_layout(comparison, rows, merged=True)]
    print_fitted(console, layouts, limit=table_width_limit(console, stream))
    if several:
        legend = "; ".join(part for part in (f"{BEST_MARK} best per loss (lower is better; ties share the rank)", _best_overall(comparison)) if part)
        console.print(legend, highlight=False, markup=False)
    listed = _listed_results(rows) if several else [entry.result for entry in rows if isinstance(entry, Entry)]
    for line in _footnotes(comparison, listed, rows):
        console.print(f"note: {line}", style="yellow", highlight=False, markup=False)


def _group_header(comparison: Comparison) -> Column:
    """The --by column: named as the input column (which may fold), unless a column of the report has that name."""
    name = group_column(comparison.by, REPORT_COLUMNS | {m.name for m in comparison.models})
    return Column(printable(name), header_breaks=FOLD)


# What the best mark adds after a value: the space before it and the mark.
_UNMARKED = " " * (len(BEST_MARK) + 1)


def _value_text(entry: Entry | None, pad: bool) -> Any:
    """A matrix cell: the value (marked and green when best) and its change
    against the baseline; ``pad``: unmarked values as wide as marked ones."""
    from rich.text import Text

    best = entry is not None and entry.result.best
    text = _cell(entry, True)
    if pad and not best:
        # As wide as the mark, so the last digits of a column line up whether
        # or not a value is marked best (and the changes after them too).
        value, bracket, change = text.partition(" (")
        text = value + _UNMARKED + bracket + change
    return Text(text, style="bold green" if best else "")


def _left_out_row(count: int, width: int) -> Row:
    """"... 12 more groups", under the group column (there is one, since groups were left out)."""
    return Row(["", left_out_text(count)] + [""] * (width - 2), style="dim", breaks=WORDS)


def _mean_ranks(comparison: Comparison, padded: list[bool]) -> list[Any]:
    from rich.text import Text

    # Padded as an unmarked value is, so the ranks line up with the values above them.
    return [Text(_mean_rank(s.mean_rank) + (_UNMARKED if pad else ""), style="bold" if s.best else "") for s, pad in zip(comparison.summary, padded)]


def _mixed_marks(entries: list[Entry | None]) -> bool:
    """Whether some of these values are marked best and some not: only then
    do the unmarked ones need padding to line up with the marked."""
    marks = {entry is not None and entry.result.best for entry in entries}
    return len(marks) > 1


def _leading_columns(comparison: Comparison) -> list[Column]:
    """The loss, and the group with --by: the columns every layout starts with."""
    return [Column("loss", style="bold")] + ([_group_header(comparison)] if comparison.by else [])


def _row_start(comparison: Comparison, item: tuple) -> tuple[list[Any], str | None, dict]:
    """The leading cells of a (loss, group) row of the model layouts, its
    style (groups dimmed below their overall row) and its cells by model."""
    loss_index, _key, cells = item
    first = next(iter(cells.values())).result
    start = [_row_label(comparison, loss_index)] + ([table_group_text(first)] if comparison.by else [])
    return start, "dim" if first.group else None, cells


def _matrix_layout(comparison: Comparison, rows: list[Any]) -> Layout:
    """Rows are losses (and their groups), columns are models: the model names may fold."""
    names = [m.name for m in comparison.models]
    # Model names come from file names, which may hold a line break or an escape code: shown escaped.
    columns = _leading_columns(comparison) + [Column(printable(name), justify="right", header_breaks=FOLD) for name in names]
    layout = Layout(columns)
    # A column's values line up when some of them are marked; a column all
    # marked or all unmarked keeps its width.
    padded = [_mixed_marks([item[2].get(name) for item in rows if not isinstance(item, int)]) for name in names]
    for item in rows:
        if isinstance(item, int):
            layout.rows.append(_left_out_row(item, len(columns)))
            continue
        start, style, cells = _row_start(comparison, item)
        layout.rows.append(Row(start + [_value_text(cells.get(name), pad) for name, pad in zip(names, padded)], style=style))
    blank = [""] if comparison.by else []
    layout.rows.append(Row(["mean rank", *blank, *_mean_ranks(comparison, padded)], breaks=WORDS, section=True))
    if comparison.row_sets_differ:
        counts = (count + (_UNMARKED if pad else "") for count, pad in zip(_row_counts(comparison), padded))
        layout.rows.append(Row(["rows", *blank, *counts], style="yellow", breaks=WORDS))
    return layout


def _long_layout(comparison: Comparison, rows: list[Any]) -> Layout:
    """One row per loss, group and model: narrow enough for any number of models."""
    blank = [""] if comparison.by else []
    columns = _leading_columns(comparison) + [Column("model", cells_break=FOLD), Column("value", justify="right")]
    layout = Layout(columns)
    pad = _mixed_marks([entry for item in rows if not isinstance(item, int) for entry in item[2].values()])
    for item in rows:
        if isinstance(item, int):
            layout.rows.append(_left_out_row(item, len(columns)))
            continue
        start, style, cells = _row_start(comparison, item)
        for model in comparison.models:
            layout.rows.append(Row(start + [printable(model.name), _value_text(cells.get(model.name), pad)], style=style))
    for index, (model, rank) in enumerate(zip(comparison.models, _mean_ranks(comparison, [pad] * len(comparison.models)))):
        layout.rows.append(Row(["mean rank", *blank, printable(model.name), rank], breaks={0: WORDS}, section=index == 0))
    if comparison.row_sets_differ:
        for model, count in zip(comparison.models, _row_counts(comparison)):
            layout.rows.append(Row(["rows", *blank, printable(model.name), count + (_UNMARKED if pad else "")], style="yellow", breaks={0: WORDS}))
    return layout


def _single_layout(comparison: Comparison, rows: list[Any], *, merged: bool) -> Layout:
    """Values with each loss's characteristics beside them: in a column each,
    or, ``merged``, in one column of words that wraps."""
    by = comparison.by
    with_baseline = comparison.baseline_file is not None
    columns = _leading_columns(comparison) + [Column("value", justify="right")]
    if with_baseline:
        columns += [Column("baseline", justify="right"), Column("change", justify="right")]
    columns.append(Column("rows", justify="right"))
    if merged:
        columns.append(Column("characteristics", cells_break=WORDS))
    else:
        columns += [Column(CHARACTERISTIC_TITLES[key], justify="center") for key in CHARACTERISTIC_KEYS]
    layout = Layout(columns)
    for entry in rows:
        if isinstance(entry, int):
            layout.rows.append(_left_out_row(entry, len(columns)))
            continue
        r = entry.result
        row = [r.loss.display] + ([table_group_text(r)] if by else []) + [number(r.value)]
        if with_baseline:
            row += [number(entry.baseline.baseline) if entry.baseline else "-", _change(entry) or "-"]
        row.append(f"{r.n:,}")
        marks = _characteristic_cells(entry)
        if merged:
            titles = [CHARACTERISTIC_TITLES[key] for key in CHARACTERISTIC_KEYS]
            row.append(", ".join(f"{title}: {mark}" for title, mark in zip(titles, marks)) if r.group is None else "")
        else:
            row += marks
        layout.rows.append(Row(row, style="dim" if r.group else None))
    return layout


# --------------------------------------------------------------------------- dispatch


def render_compare(comparison: Comparison, fmt: str, stream: Any) -> None:
    if fmt == "json":
        stream.write(json_compare(comparison))
    elif fmt == "csv":
        stream.write(csv_compare(comparison))
    elif fmt == "markdown":
        stream.write(markdown_compare(comparison))
    else:
        table_compare(comparison, stream)
