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
from .registry import CHARACTERISTIC_KEYS, CHARACTERISTIC_TITLES
from .render import exact, group_cell, group_text, json_document, left_out_note, left_out_text, make_console, number, table_rows, table_warnings, warning_lines
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
        text = f"**{text}**" if bold else f"{text} {mark}"
    change = _change(entry)
    return f"{text} ({change})" if change else text


def _row_counts(comparison: Comparison) -> list[str]:
    """Each model's row count, shown when the models were evaluated on different rows."""
    return [f"{m.rows:,}" for m in comparison.models]


def _mean_rank(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _best_overall(comparison: Comparison) -> str:
    best = [s for s in comparison.summary if s.best]
    if not best:
        return ""
    names = ", ".join(s.model for s in best)
    return f"best overall: {names} (mean rank {_mean_rank(best[0].mean_rank)})"


def _footnotes(comparison: Comparison, rows: list[Any]) -> list[str]:
    """The lines under the matrix that explain its cells: warnings of the
    results it lists (``rows``) and what it left out. Skipped losses and the
    run's notes are diagnostics, which the command writes to stderr."""
    lines = table_warnings([e.result for e in comparison.entries], _listed_results(rows), name_model=len(comparison.models) > 1)
    return lines + left_out_note(rows)


def run_notes(comparison: Comparison) -> list[str]:
    """What the run has to say beside its results: skipped losses, notes, baseline results not found."""
    return [f"skipped {s.loss}: {s.reason}" for s in comparison.skipped] + comparison.notes + comparison.baseline_missing


def _listed_results(rows: list[Any]) -> list[Any]:
    """The results in the rows a table lists: entries, or grid rows of cells per model."""
    results = []
    for row in rows:
        if isinstance(row, Entry):
            results.append(row.result)
        elif not isinstance(row, int):
            results += [cell.result for cell in row[2].values()]
    return results


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
        "losses": [
            {"loss": b.name, "spec": b.display, "params": json_params(b.params), "characteristics": b.spec.characteristics.as_dict()}
            for b in comparison.losses
        ],
        "summary": [s.as_dict() for s in comparison.summary],
        "skipped": [s.as_dict() for s in comparison.skipped],
    }
    if comparison.baseline_file is not None:
        extra["baseline"] = {"file": comparison.baseline_file, "missing": comparison.baseline_missing}
    return json_document(comparison.report(), extra)


def _json_result(entry: Entry, *, single: bool) -> dict[str, Any]:
    """A result; with a single model, its loss's characteristics beside its value
    (the same as in ``losses``, kept there for the readers of earlier reports)."""
    out = entry.as_dict()
    if single:
        out["characteristics"] = entry.result.loss.spec.characteristics.as_dict()
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
            text += f"\nBest overall: {md.bold(md.cell(', '.join(best)))} (lowest mean rank; lower loss is better)\n"
    if comparison.skipped:
        text += "\nSkipped:\n\n" + "\n".join(f"- {md.code(s.loss)}: {md.cell(s.reason)}" for s in comparison.skipped) + "\n"
    other = _warnings(comparison) + comparison.notes + comparison.baseline_missing
    if other:
        text += "\n" + "\n".join(f"> {md.cell(note)}" for note in other) + "\n"
    return text


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
    header = ["Loss"] + ([group_column(by)] if by else []) + ["Value"] + (["Baseline", "Change"] if with_baseline else []) + titles
    aligns = [md.LEFT] * (1 + bool(by)) + [md.RIGHT] * (1 + 2 * with_baseline) + [md.CENTER] * len(titles)
    rows = []
    for entry in comparison.entries:
        r = entry.result
        row = [md.code(r.loss.display)] + ([group_text(r)] if by else []) + [number(r.value)]
        if with_baseline:
            row += [number(entry.baseline.baseline) if entry.baseline else "-", _change(entry) or "-"]
        rows.append(row + _characteristic_cells(entry))
    return md.table(header, aligns, rows)


# --------------------------------------------------------------------------- table


def table_compare(comparison: Comparison, stream: Any) -> None:
    from rich import box
    from rich.table import Table

    console = make_console(stream)
    several = len(comparison.models) > 1
    by = comparison.by
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("loss", style="bold", no_wrap=True)
    if by:
        table.add_column(group_column(by, REPORT_COLUMNS | {m.name for m in comparison.models}), no_wrap=True)
    rows = _fill_matrix(table, comparison, by) if several else _fill_single(table, comparison, by)
    console.print(table)
    if several:
        legend = "; ".join(part for part in (f"{BEST_MARK} best per loss (lower is better; ties share the rank)", _best_overall(comparison)) if part)
        console.print(legend, highlight=False)
    for line in _footnotes(comparison, rows):
        console.print(f"note: {line}", style="yellow", highlight=False, markup=False)


def _fill_matrix(table: Any, comparison: Comparison, by: str | None) -> list[Any]:
    names = [m.name for m in comparison.models]
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    rows = table_rows(list(comparison.grid()), lambda row: row[0], lambda row: bool(row[1]))
    for item in rows:
        if isinstance(item, int):
            table.add_row("", left_out_text(item), *[""] * len(names), style="dim")
            continue
        loss_index, _key, cells = item
        first = next(iter(cells.values())).result
        row = [_row_label(comparison, loss_index)] + ([group_text(first)] if by else [])
        styled = []
        for name in names:
            entry = cells.get(name)
            text = _cell(entry, True)
            styled.append(f"[bold green]{_escape(text)}[/]" if entry is not None and entry.result.best else _escape(text))
        table.add_row(*(_escape(c) for c in row), *styled, style="dim" if first.group else None)
    table.add_section()
    row = ["mean rank"] + ([""] if by else [])
    table.add_row(*row, *[f"[bold]{_mean_rank(s.mean_rank)}[/]" if s.best else _mean_rank(s.mean_rank) for s in comparison.summary])
    if comparison.row_sets_differ:
        table.add_row("rows", *([""] if by else []), *_row_counts(comparison), style="yellow")
    return rows


def _fill_single(table: Any, comparison: Comparison, by: str | None) -> list[Any]:
    with_baseline = comparison.baseline_file is not None
    table.add_column("value", justify="right", no_wrap=True)
    if with_baseline:
        table.add_column("baseline", justify="right", no_wrap=True)
        table.add_column("change", justify="right", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    for key in CHARACTERISTIC_KEYS:
        table.add_column(CHARACTERISTIC_TITLES[key], justify="center", no_wrap=True)
    rows = table_rows(comparison.entries, lambda entry: entry.loss_index, lambda entry: bool(entry.result.group))
    for entry in rows:
        if isinstance(entry, int):
            table.add_row("", left_out_text(entry), *[""] * (len(table.columns) - 2), style="dim")
            continue
        r = entry.result
        row = [r.loss.display] + ([group_text(r)] if by else []) + [number(r.value)]
        if with_baseline:
            row += [number(entry.baseline.baseline) if entry.baseline else "-", _change(entry) or "-"]
        row += [f"{r.n:,}"] + _characteristic_cells(entry)
        table.add_row(*(_escape(c) for c in row), style="dim" if r.group else None)
    return rows


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))


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
