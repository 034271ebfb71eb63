"""A progress bar on stderr for inputs that take more than a moment.

Silent when stderr is not a terminal, with ``--quiet``, and for reads that
finish within the first half second (most files), so scripts and logs never
see it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator

DELAY_SECONDS = 0.5


def enabled(quiet: bool) -> bool:
    return not quiet and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def track(batches: Iterable[Any], total_rows: int | None, *, label: str, show: bool) -> Iterator[Any]:
    """Yield ``batches`` unchanged, drawing rows read so far once reading is slow."""
    if not show:
        yield from batches
        return
    started = time.monotonic()
    bar = None
    task = None
    rows = 0
    try:
        for batch in batches:
            rows += batch.n
            if bar is None and time.monotonic() - started > DELAY_SECONDS:
                bar, task = _start(label, total_rows)
            if bar is not None:
                bar.update(task, completed=rows)
            yield batch
    finally:
        if bar is not None:
            bar.stop()


def _start(label: str, total_rows: int | None) -> tuple[Any, Any]:
    from rich.console import Console

    bar = progress_display(total_rows, Console(file=sys.stderr))
    bar.start()
    return bar, bar.add_task(short_label(label), total=total_rows)


# Room the label leaves on an 80-column terminal for the bar and the times.
LABEL_MOST_CHARS = 36


def short_label(label: str) -> str:
    """``label`` cut at its start to fit beside the bar: a long path keeps its
    file name, the part that tells files apart."""
    if len(label) <= LABEL_MOST_CHARS:
        return label
    verb, _, path = label.partition(" ")
    room = LABEL_MOST_CHARS - len(verb) - 2
    if room <= 8:
        return f"…{label[-(LABEL_MOST_CHARS - 1):]}"
    tail = path[-room:]
    # From a folder's start where there is one: 'on/predictions.parquet', not 'es/on/...'.
    cut = tail.find("/", 1)
    return f"{verb} …{tail[cut:] if cut > 0 else tail}"


def progress_display(total_rows: int | None, console: Any) -> Any:
    """The display: with the total known (Parquet, Arrow), a bar, the share
    done and the time left; else the rows so far and the time taken."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total_rows:
        columns += [BarColumn(bar_width=24), TaskProgressColumn(), TextColumn("left"), TimeRemainingColumn()]
    else:
        columns += [TextColumn("{task.completed:,} rows"), TimeElapsedColumn()]
    return Progress(*columns, console=console, transient=True)
