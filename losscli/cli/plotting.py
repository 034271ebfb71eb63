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

PlotOpt = Annotated[
    bool,
    typer.Option("--plot", help="Also draw a chart in the terminal (on stderr when stdout carries json/csv/markdown).", rich_help_panel="Output"),
]
PlotFileOpt = Annotated[
    Optional[str],
    typer.Option("--plot-file", help="Also write the chart to FILE.png or FILE.svg (one file per loss: FILE-LOSS.png). Needs 'losscli[plot]'.", rich_help_panel="Output"),
]


class RowCollector:
    """Keeps the per-row losses of every row-level loss for a distribution chart
    (memory grows with the rows: 16 bytes per row and loss)."""

    def __init__(self, count: int) -> None:
        self.values: list[list[Any]] = [[] for _ in range(count)]
        self.rows: list[Any] = []

    def __call__(self, batch: Any, per_row: list[Any]) -> None:
        import numpy as np

        ids = batch.row_ids if batch.row_ids is not None else np.arange(batch.row_offset + 1, batch.row_offset + batch.n + 1)
        self.rows.append(np.asarray(ids))
        for store, values in zip(self.values, per_row):
            if values is not None:
                store.append(np.asarray(values, dtype=np.float64))


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


def distribution_charts(collector: RowCollector, losses: list[Any]) -> list[tuple[str, Any]]:
    """(loss label, chart) for every loss that has per-row values."""
    import numpy as np

    from ..plots import distribution

    rows = np.concatenate(collector.rows) if collector.rows else np.zeros(0, dtype=np.int64)
    charts = []
    for bound, parts in zip(losses, collector.values):
        if not parts:
            continue
        values = np.concatenate(parts)
        charts.append((bound.display, distribution(values, rows, loss=bound.display, title=f"Per-row {bound.display}: {len(values):,} rows")))
    return charts


def check_plot_file(path: Optional[str], inputs: list[str]) -> None:
    if path:
        from ..plots import check_plot_file as check

        check(path, inputs, option="--plot-file")


def file_for(path: str, label: str, many: bool) -> str:
    if not many:
        return path
    stem, ext = os.path.splitext(path)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label)
    return f"{stem}-{safe}{ext}"


def emit(charts: list[tuple[str, Any]], *, plot: bool, plot_file: Optional[str], to_stdout: bool) -> None:
    """Draw the charts and/or write them to files."""
    from ..plots import chart_width, draw, save, terminal_console

    if plot_file:
        for label, chart in charts:
            save(chart, file_for(plot_file, label, len(charts) > 1))
    if plot:
        stream = sys.stdout if to_stdout else sys.stderr
        width = chart_width(None)
        buffer = io.StringIO()
        console = terminal_console(buffer, width=width, colour=stream.isatty())
        for _, chart in charts:
            draw(chart, console, width=width)
        stream.write(buffer.getvalue())
