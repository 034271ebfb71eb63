"""Class counts over every row of a file, as it streams past.

Counting is cheap and needs no sample: the imbalance ratio, the classes
present and bce's pos_weight come from every row of a large file, even
where the rows kept for the rest of the inference are a sample (see
:mod:`losscli.row_sample`). Rows with a missing value in any column read
are not counted, as the inference leaves them out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from .io._lazy import pc

from .errors import LossCliError

# More distinct values than this and counting them over every row would only
# cost time: they are targets, or so many classes (ImageNet-21k's 21,841)
# that the sample's counts serve as well.
MOST_CLASSES = 10_000


class LabelTally:
    """Counts of each value of one label column, or sums of several label
    columns (one-hot, soft or multi-label), over the rows added."""

    def __init__(self, columns: list[str], display: str) -> None:
        self.columns = list(columns)
        self.display = display
        self.rows = 0
        self.counts: dict[Any, int] | None = {} if len(columns) == 1 else None
        self.sums: np.ndarray | None = np.zeros(len(columns)) if len(columns) > 1 else None
        self.text: bool | None = None  # the single column holds text (else numbers)
        self.usable = True

    def add(self, batch: pa.RecordBatch, missing_rows: np.ndarray) -> None:
        if not self.usable:
            return
        present = ~missing_rows
        arrays = [batch.column(batch.schema.get_field_index(name)) for name in self.columns]
        if not present.all():
            mask = pa.array(present)
            arrays = [array.filter(mask) for array in arrays]
        try:
            if self.counts is not None:
                self._count(arrays[0])
            else:
                self._sum(arrays)
        except (LossCliError, pa.ArrowException):
            self.usable = False  # lists, sequences as text, ...: the sample's reading stands
        if self.usable:
            self.rows += int(present.sum())

    def _count(self, array: pa.Array) -> None:
        kind = array.type
        if pa.types.is_dictionary(kind):
            array, kind = array.cast(pa.string()), pa.string()
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) or pa.types.is_decimal(kind)
        if not (text or numeric) or (self.text is not None and self.text != text):
            self.usable = False
            return
        self.text = text
        if numeric:
            array = pc.cast(array, pa.float64())
        found = pc.value_counts(array)
        if len(found) + len(self.counts) > MOST_CLASSES:
            self.usable = False
            return
        for value, count in zip(found.field("values").to_pylist(), found.field("counts").to_pylist()):
            self.counts[value] = self.counts.get(value, 0) + count

    def _sum(self, arrays: list[pa.Array]) -> None:
        from .io.columns import to_float

        for index, (name, array) in enumerate(zip(self.columns, arrays)):
            self.sums[index] += float(np.sum(to_float(array, column=name, display=self.display)))

    def classes(self) -> tuple[list[Any], np.ndarray] | None:
        """(the distinct values, sorted, and their counts) of a single column."""
        if not self.usable or self.counts is None or not self.counts:
            return None
        values = sorted(self.counts)
        return values, np.array([self.counts[v] for v in values], dtype=np.float64)
