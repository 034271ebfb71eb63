"""``--plot`` and ``--plot-file`` for compute and compare: the glue between a
finished report and the chart functions of :mod:`losscli.plots`.

Terminal charts go to stdout beside a table, and to stderr when stdout
carries JSON, CSV or Markdown for a script, so machine output stays clean.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Annotated, Any, Callable, Optional

import typer

from .common import literal

PlotOpt = Annotated[
    bool,
    typer.Option("--plot", help="Also draw a chart in the terminal (on stderr when stdout carries json/csv/markdown).", rich_help_panel="Output"),
]
PlotFileOpt = Annotated[
    Optional[str],
    typer.Option("--plot-file", help=literal("Also write the chart to FILE.png or FILE.svg (one file per loss: FILE-LOSS.png). Needs 'losscli[plot]'."), rich_help_panel="Output"),
]


class RowCollector:
    """Folds the per-row losses of every row-level loss into the distribution
    chart drawn after the report, in memory that does not grow with the rows
    (see ``losscli.plots.distribution.StreamedDistribution``)."""

    def __init__(self, count: int) -> None:
        from ..plots.distribution import StreamedDistribution

        self.streams = [StreamedDistribution() for _ in range(count)]
        # A dataset's rows are numbered across its files; this names a row's file (see Batch.locate_rows).
        self.locate_rows: Optional[Callable[[Any], Any]] = None

    def __call__(self, batch: Any, per_row: list[Any]) -> None:
        import numpy as np

        self.locate_rows = batch.locate_rows
        ids = batch.row_ids if batch.row_ids is not None else np.arange(batch.row_offset + 1, batch.row_offset + batch.n + 1)
        for stream, values in zip(self.streams, per_row):
            if values is not None:
                stream.add(values, ids, batch.weights)


def tee(*callbacks: Optional[Callable[[Any, list[Any]], None]]) -> Optional[Callable[[Any, list[Any]], None]]:
    """One on_rows callback that feeds every given callback."""
    active = [c for c in callbacks if c is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]

    def both(batch: Any, per_row: list[Any]) -> None:
        for callback in active:
            callback(batch, per_row)

    return both


def has_row_values(bound: Any, sample_col: Optional[str] = None) -> bool:
    """Whether the engine hands out per-row values of this loss (see RowCollector).
    With ``sample_col`` a ratio loss has per-sample values instead (``has_sample_values``)."""
    if has_sample_values(bound, sample_col):
        return False
    return bound.spec.kind == "mean" or (bound.spec.kind == "ratio" and bound.spec.per_row is not None)


def has_sample_values(bound: Any, sample_col: Optional[str]) -> bool:
    """Whether the run gives this loss one value per --sample-col sample (dice
    per image), as --per-row writes them; a library convention that pools
    every row into one ratio gives none."""
    from ..conventions import pools_samples

    return sample_col is not None and bound.spec.kind == "ratio" and not pools_samples(bound)


def has_values_to_draw(bound: Any, sample_col: Optional[str]) -> bool:
    return has_row_values(bound, sample_col) or has_sample_values(bound, sample_col)


def distribution_charts(
    collector: RowCollector, losses: list[Any], report: Any = None, *, sample_col: Optional[str] = None, accumulators: Optional[list[Any]] = None
) -> list[tuple[str, Any]]:
    """(loss label, chart) for every loss that has per-row values, or per-sample
    values with ``sample_col`` (from the run's ``accumulators``); the chart is
    None, with a note saying why, when there is nothing to draw. With the
    ``report``, a chart whose mean is not the value reported says why."""
    from ..results import overall_results

    overall = {id(r.loss): r for r in overall_results(report.results)} if report is not None else {}
    # The results carry the losses as evaluated (logits read by their column's name), in this order.
    evaluated = report.losses if report is not None and report.losses else losses
    charts: list[tuple[str, Any]] = []
    for index, (bound, read, stream) in enumerate(zip(losses, evaluated, collector.streams)):
        if has_sample_values(bound, sample_col) and accumulators is not None:
            chart = _sample_chart(bound, accumulators[index])
        elif has_row_values(bound, sample_col):
            # A null result is reported, not an error: the report is already written.
            chart = stream.chart(loss=bound.display) if stream.finite_rows else None
            if chart is not None and collector.locate_rows is not None:
                _name_files(chart, collector.locate_rows)
        else:
            continue
        result = overall.get(id(read))
        if chart is not None and result is not None and result.reduction == "mean":
            why = _not_the_mean(bound, result.value, chart.mean)
            if why:
                chart.notes.append(why)
        charts.append((bound.display, chart))
    return charts


def _name_files(chart: Any, locate_rows: Callable[[Any], Any]) -> None:
    """Name each worst row of a dataset by its file and its row there, as
    per-row output and errors do, rather than by its row across the files."""
    import numpy as np

    if not chart.worst:
        return
    located = locate_rows(np.array([row.row for row in chart.worst], dtype=np.int64))
    if located is None:
        return
    files, index, rows = located
    for worst, file_index, row in zip(chart.worst, index, rows):
        worst.row = int(row)
        worst.keys = {"file": files[file_index], **worst.keys}


def _sample_chart(bound: Any, accumulator: Any) -> Any:
    """The distribution of a per-sample loss's values, one per sample, named
    by its id (and its --by group): all of them are in memory already."""
    import numpy as np

    from ..plots.distribution import distribution

    keys, values = accumulator.per_sample_values()
    if not np.isfinite(values).any():
        return None
    ids = [sample if not group else f"{group[0]} / {sample}" for group, sample in keys]
    return distribution(values, np.array(ids, dtype=object), loss=bound.display, row_label="sample")


def _not_the_mean(bound: Any, value: Optional[float], mean: float) -> Optional[str]:
    """Why the reported value differs from the mean the chart marks, or None when it does not."""
    import math

    from ..plots.terminal import value_text

    if value is None:
        return f"{bound.display} is reported as null; the mean, quantiles and histogram here are of the rows with a finite value"
    if math.isclose(value, mean, rel_tol=1e-9, abs_tol=1e-12):
        return None
    if bound.spec.kind == "mean" and bound.spec.finalize is not None:
        how = f"it is {bound.spec.formula}"
    elif bound.spec.kind == "ratio":
        how = "it is a ratio of sums over every row"
    else:
        how = "its mean does not divide by the row count"
    return f"{bound.display} is {value_text(value)}, not the mean of the per-row values drawn: {how}"


# Bytes of a loss label kept in a file name; the rest is replaced by a digest,
# so a long spec (many class weights) still names a file the system accepts.
_LABEL_BYTES = 80


def chart_files(path: Optional[str], labels: list[str], inputs: list[str]) -> list[Optional[str]]:
    """The file each chart goes to: ``path`` itself for a single chart, else
    ``STEM-LABEL.EXT`` per chart, each name distinct. Every name is checked
    before any work is done (format, directory, length, not an input)."""
    if not path:
        return [None] * len(labels)
    from ..plots import check_plot_file as check

    files = [path] if len(labels) == 1 else _names_per_label(path, labels)
    for name in files:
        check(name, inputs, option="--plot-file")
    return files


def _names_per_label(path: str, labels: list[str]) -> list[str]:
    import hashlib

    stem, ext = os.path.splitext(path)
    names: list[str] = []
    for label in labels:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label)
        if len(safe.encode()) > _LABEL_BYTES:
            digest = hashlib.sha1(label.encode()).hexdigest()[:8]
            while len(safe.encode()) > _LABEL_BYTES - len(digest) - 1:
                safe = safe[:-1]
            safe = f"{safe}-{digest}"
        name, copy = f"{stem}-{safe}{ext}", 2
        while name in names:
            # The same loss given twice: a second file, not one overwriting the first.
            name, copy = f"{stem}-{safe}-{copy}{ext}", copy + 1
        names.append(name)
    return names


def emit(charts: list[tuple[str, Any]], *, plot: bool, files: list[Optional[str]], to_stdout: bool, quiet: bool) -> None:
    """Draw the charts and/or write them to their files (``files`` is aligned
    with ``charts``). Runs after the report is written, so an interrupt here
    says so."""
    from ..output import Interrupts

    try:
        with Interrupts():
            _emit(charts, plot=plot, files=files, to_stdout=to_stdout, quiet=quiet)
    except KeyboardInterrupt as interrupt:
        # The same kind (Ctrl-C's, or SIGTERM's Terminated), so the exit code still names the signal.
        raise type(interrupt)("interrupted while drawing the charts; the report was already written") from None


def _emit(charts: list[tuple[str, Any]], *, plot: bool, files: list[Optional[str]], to_stdout: bool, quiet: bool) -> None:
    from ..plots import chart_width, draw, save, terminal_console
    from ..plots.terminal import ascii_text, draws_unicode
    from .common import note, write_stdout

    for (label, chart), target in zip(charts, files):
        if chart is None:
            note(f"{label}: no finite per-row value, so no chart" + (f"; {target} was not written" if target else ""), quiet)
        elif target:
            save(chart, target)
            note(f"wrote {target}", quiet)
    drawn = [chart for _, chart in charts if chart is not None]
    if plot and drawn:
        stream = sys.stdout if to_stdout else sys.stderr
        width = chart_width(None)
        buffer = io.StringIO()
        console = terminal_console(buffer, width=width, colour=stream.isatty())
        unicode = draws_unicode(stream)
        for chart in drawn:
            draw(chart, console, width=width, style="auto" if unicode else "markers")
        text = buffer.getvalue() if unicode else ascii_text(buffer.getvalue())
        if to_stdout:
            # A reader that went away (| head) must not cost the gates their exit code.
            write_stdout(text)
        else:
            stream.write(text)
