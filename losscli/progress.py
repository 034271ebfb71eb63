"""A progress bar on stderr for inputs that take more than a moment.

Silent when stderr is not a terminal, with ``--quiet``, and for reads that
finish within the first half second (most files), so scripts and logs never
see it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Iterable, Iterator

DELAY_SECONDS = 0.5


def enabled(quiet: bool) -> bool:
    return not quiet and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def track(
    batches: Iterable[Any],
    total_rows: int | None,
    *,
    label: str,
    show: bool,
    position: Callable[[], tuple[int, int] | None] | None = None,
) -> Iterator[Any]:
    """Yield ``batches`` unchanged, drawing the progress once reading is
    slow: rows out of ``total_rows``, else bytes out of the size that
    ``position`` gives (a plain CSV file), else the rows read so far."""
    if not show:
        yield from batches
        return
    started = time.monotonic()
    bar = None
    task = None
    by_bytes = False
    rows = 0
    try:
        for batch in batches:
            rows += batch.n
            if bar is None and time.monotonic() - started > DELAY_SECONDS:
                read = position() if position is not None and not total_rows else None
                by_bytes = bool(read and read[1])
                bar, task = _start(label, read[1] if by_bytes else total_rows)
            if bar is not None:
                bar.update(task, completed=position()[0] if by_bytes else rows)
            yield batch
    finally:
        if bar is not None:
            bar.stop()


def _start(label: str, total: int | None) -> tuple[Any, Any]:
    from rich.console import Console

    bar = progress_display(total, Console(file=sys.stderr))
    bar.start()
    return bar, bar.add_task(short_label(label), total=total)


# Room the label leaves on an 80-column terminal for the bar and the times.
LABEL_MOST_CHARS = 36


def short_label(label: str) -> str:
    """``label`` cut at its start to fit beside the bar: a long path keeps its
    file name, the part that tells files apart."""
    if len(label) <= LABEL_MOST_CHARS:
        return label
    from .wording import path_end

    verb, _, path = label.partition(" ")
    room = LABEL_MOST_CHARS - len(verb) - 1
    if room <= 9:
        return f"…{label[-(LABEL_MOST_CHARS - 1):]}"
    return f"{verb} {path_end(path, room)}"


def progress_display(total: int | None, console: Any) -> Any:
    """The display: with a total known (rows of Parquet or Arrow, bytes of a
    plain CSV file), a bar, the share done and the time left; else the rows
    so far and the time taken."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        columns += [BarColumn(bar_width=24), TaskProgressColumn(), TextColumn("left"), TimeRemainingColumn()]
    else:
        columns += [TextColumn("{task.completed:,} rows"), TimeElapsedColumn()]
    return Progress(*columns, console=console, transient=True)
