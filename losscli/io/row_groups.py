"""Decoding a Parquet file's row groups on every core, in file order.

``ParquetFile.iter_batches`` decodes one row group at a time, so on a
two-column file it keeps about one core busy. Row groups are independent, so
a small pool decoding the next few of them while the current one is
consumed reads a 50M-row file in about 60% of the time (measured, 2 cores),
the same as pyarrow's dataset scanner, which cannot be used here because
importing it imports pandas. Memory stays bounded: at most ``workers`` row
groups are decoded ahead of the one being consumed (one more ahead cost
30 MB of peak memory and no time, measured), and files whose row groups are
too large for that are streamed one batch at a time instead.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Iterator

import pyarrow as pa

from .prefetch import in_order

# Decoded size (of the columns read) above which a row group is streamed in
# batches instead of decoded whole: several of these are held at once.
MAX_ROW_GROUP_BYTES = 64 << 20
# Decoded size (of the columns read) below which a file is decoded on the
# reading thread alone: for a file of a few thousand rows, as a dataset of
# many small files has, starting Arrow's threads costs more than they save.
THREADED_FILE_BYTES = 4 << 20


def parallel_workers(metadata: object, columns: list[str]) -> int:
    """How many threads should decode this file's row groups (1 = stream it)."""
    cores = os.cpu_count() or 1
    groups = metadata.num_row_groups
    if cores < 2 or groups < 2:
        return 1
    for index in range(groups):
        if group_bytes(metadata.row_group(index), frozenset(columns)) > MAX_ROW_GROUP_BYTES:
            return 1
    return min(cores, groups, 4)


def use_threads(metadata: object, columns: list[str]) -> bool:
    """Whether ``iter_batches`` should decode this file's columns on Arrow's threads."""
    wanted = frozenset(columns)
    return sum(group_bytes(metadata.row_group(index), wanted) for index in range(metadata.num_row_groups)) > THREADED_FILE_BYTES


def coalesced(batches: Iterator[pa.RecordBatch], *, most_rows: int, most_bytes: int) -> Iterator[pa.RecordBatch]:
    """``batches`` with runs of small consecutive ones (the files of a dataset
    of many small files) joined into batches of up to ``most_rows`` rows and
    ``most_bytes`` bytes, in order. Every batch is converted, checked and
    folded with a fixed cost of its own, which a thousand-row batch does not
    repay. Batches of other schemas (int32 in one file, int64 in the next)
    are not joined; larger batches pass as they are."""
    held: list[pa.RecordBatch] = []
    rows = size = 0
    try:
        for batch in batches:
            if held and (rows + batch.num_rows > most_rows or size + batch.nbytes > most_bytes or not batch.schema.equals(held[0].schema)):
                yield from _joined(held)
                held, rows, size = [], 0, 0
            held.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
        if held:
            yield from _joined(held)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def _joined(batches: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
    if len(batches) == 1:
        return batches
    schema = batches[0].schema
    try:
        return [pa.RecordBatch.from_arrays([pa.concat_arrays([b.column(i) for b in batches]) for i in range(len(schema))], schema=schema)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return batches


def batch_rows(metadata: object, columns: list[str], *, most_rows: int, most_bytes: int) -> int:
    """Rows per batch: ``most_rows``, or fewer when rows are so wide (a
    thousand class columns, 512-dim embeddings) that they would take more
    than ``most_bytes`` decoded. A batch is converted and folded whole, so
    its size, not the file's, sets the peak memory."""
    rows = decoded = 0
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        rows += group.num_rows
        decoded += group_bytes(group, frozenset(columns))
    if rows == 0 or decoded == 0:
        return most_rows
    return max(1, min(most_rows, most_bytes * rows // decoded))


def group_bytes(group: object, columns: frozenset[str]) -> int:
    """About what the ``columns`` of a row group take once decoded."""
    return sum(_decoded_bytes(group.column(c)) for c in range(group.num_columns) if _read(group.column(c).path_in_schema, columns))


_VALUE_BYTES = {"DOUBLE": 8, "INT64": 8, "FLOAT": 4, "INT32": 4, "INT96": 12, "BOOLEAN": 1}


def _decoded_bytes(chunk: object) -> int:
    """About what a column chunk takes once decoded. The stored size is that
    of its encoding: a dictionary-encoded column can be far smaller on disk."""
    return max(chunk.total_uncompressed_size, chunk.num_values * _VALUE_BYTES.get(chunk.physical_type, 0))


def _read(path: str, columns: frozenset[str]) -> bool:
    """Whether a leaf column (``name`` or, nested, ``name.list.element``) belongs to a column read.
    A dotted top-level name may match more leaves than it has: that only errs towards streaming.
    Looked up by the path's prefixes: a thousand columns against a thousand leaves
    compared pairwise took longer than reading the file."""
    parts = path.split(".")
    return any(".".join(parts[:end]) in columns for end in range(1, len(parts) + 1))


def row_group_batches(open_file: Callable[[], object], groups: int, columns: list[str], *, batch_rows: int, workers: int) -> Iterator[pa.RecordBatch]:
    """Record batches of ``columns`` of row groups 0..groups-1, in order.

    ``open_file`` returns a new ``ParquetFile``: each thread reads through a
    handle of its own.
    """
    local = threading.local()

    def decode(index: int) -> pa.Table:
        handle = getattr(local, "handle", None)
        if handle is None:
            handle = local.handle = open_file()
        # One thread per row group; threads inside a row group would only compete.
        return handle.read_row_group(index, columns=columns, use_threads=False)

    for table in in_order(decode, range(groups), workers=workers, name="losscli-parquet"):
        yield from table.to_batches(max_chunksize=batch_rows)
