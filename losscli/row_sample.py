"""The rows ``recommend --data`` reads: all of them, or a random sample of a large file.

Beyond about two million rows inference keeps a sample: class balance,
tails and sample sizes show as well in a million rows, and memory stays
bounded by it instead of growing with the file (a 50M-row file took 3.8 GB).
Wide rows fill memory long before the row count does (a thousand class
probabilities per row: two million rows are 16 GB), so the sample is held
to a number of values too, and every suggested loss is tried on no more.

The sample is random, not every k-th row: labels that repeat with the
period of the stride (1, 0, 1, 0, ...) would show only one class. Each row
of the file gets a fixed pseudo-random priority from its row number, and
the rows kept are those whose priority is below a threshold halved until
the sample fits. So the same file read twice (for columns found later)
keeps the same rows, however its batches fall. Counting needs no sample:
the class counts of every row are kept as the file streams past
(:mod:`losscli.label_tally`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from .io._lazy import pc

from .errors import LossCliError
from .io.batch_tables import one_table
from .label_tally import LabelTally

SAMPLE_ROWS = 1 << 20
# Four million values: two million rows of a label and a prediction, a few
# thousand rows of a thousand classes. Never fewer rows than SMALLEST_SAMPLE.
SAMPLE_VALUES = 1 << 22
SMALLEST_SAMPLE = 1 << 10

# splitmix64 (Steele, Lea and Flood 2014): consecutive integers in, well-mixed
# 64-bit values out, so no pattern in the row numbers survives into the sample.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def row_priorities(start: int, count: int) -> np.ndarray:
    """The fixed priorities of the file's rows ``start .. start + count - 1``."""
    z = (np.arange(start, start + count, dtype=np.uint64) + np.uint64(1)) * _GOLDEN  # wraps around, as intended
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


def _kept(priorities: np.ndarray, halvings: int) -> np.ndarray:
    """Rows whose priority is below 2**64 / 2**halvings: a share of 1 / 2**halvings."""
    if halvings == 0:
        return np.ones(priorities.size, dtype=bool)
    return (priorities >> np.uint64(64 - halvings)) == 0


@dataclass
class Rows:
    """The rows read for inference."""

    table: Any
    file_rows: int
    halvings: int  # the rows kept are about 1 in 2**halvings of the file's
    missing: int  # rows of the whole file with a missing value in a column read
    tally: LabelTally | None  # the labels of every row, counted, when the rows kept are a sample

    @property
    def sampled(self) -> bool:
        return self.halvings > 0


def read_rows(source: Any, columns: list[str], label_columns: list[str] | None = None) -> Rows:
    """``columns`` of every row of ``source``, or of a random sample of them;
    with ``label_columns``, their values counted over every row as well."""
    batches: list[pa.RecordBatch] = []
    priorities: list[np.ndarray] = []
    widths: list[float] = []
    kept_rows = kept_values = file_rows = missing = halvings = 0
    tally = LabelTally(label_columns, source.display) if label_columns else None
    for batch in source.batches(columns):
        n = batch.num_rows
        if n == 0:
            continue
        missing_rows = rows_with_missing(batch)
        missing += int(missing_rows.sum())
        if tally is not None:
            tally.add(batch, missing_rows)
        batch_priorities = row_priorities(file_rows, n)
        file_rows += n
        keep = _kept(batch_priorities, halvings)
        if not keep.all():
            batch, batch_priorities = batch.filter(pa.array(keep)), batch_priorities[keep]
        batches.append(batch)
        priorities.append(batch_priorities)
        widths.append(_values_per_row(batch))
        kept_rows += batch.num_rows
        kept_values += batch.num_rows * widths[-1]
        while _too_many(kept_rows, kept_values):
            halvings += 1
            keeps = [_kept(p, halvings) for p in priorities]
            batches = [b.filter(pa.array(k)) for b, k in zip(batches, keeps)]
            priorities = [p[k] for p, k in zip(priorities, keeps)]
            kept_rows = sum(b.num_rows for b in batches)
            kept_values = sum(b.num_rows * width for b, width in zip(batches, widths))
    if file_rows == 0:
        raise LossCliError("no data rows", file=source.display, hint="the file has a header but no rows")
    table = one_table(batches, source.display).combine_chunks()
    return Rows(table, file_rows, halvings, missing, tally if halvings else None)


def _too_many(rows: int, values: float) -> bool:
    return rows > 2 * SAMPLE_ROWS or (values > 2 * SAMPLE_VALUES and rows > 2 * SMALLEST_SAMPLE)


def _values_per_row(batch: Any) -> float:
    """How many values a row of the batch holds on average: one per column,
    the elements of a list column (a thousand class probabilities) each."""
    from .io.readers import is_list_type

    if batch.num_rows == 0:
        return 0.0
    values = sum(len(column.flatten()) if is_list_type(column.type) else batch.num_rows for column in batch.columns)
    return values / batch.num_rows


def rows_with_missing(batch: Any) -> np.ndarray:
    """Which rows of a batch have a null or NaN in any column (NaN inside lists aside)."""
    flags = None
    for column in batch.columns:
        kind = column.type
        nan_is_null = pa.types.is_floating(kind)
        if not (column.null_count or nan_is_null):
            continue
        row_flags = pc.is_null(column, nan_is_null=nan_is_null)
        flags = row_flags if flags is None else pc.or_(flags, row_flags)
    if flags is None:
        return np.zeros(batch.num_rows, dtype=bool)
    return flags.to_numpy(zero_copy_only=False)
