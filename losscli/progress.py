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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total_rows:
        columns += [BarColumn(), MofNCompleteColumn()]
    else:
        columns += [TextColumn("{task.completed:,} rows")]
    columns.append(TimeElapsedColumn())
    bar = Progress(*columns, console=Console(file=sys.stderr), transient=True)
    bar.start()
    return bar, bar.add_task(label, total=total_rows)
