"""A dataset of CSV or JSON Lines part files, read as one input: Spark's
output folder (``preds.csv/part-00000-....csv``, with ``_SUCCESS`` and
``.crc`` files left out), or a glob of shards (``'shards/*.csv'``).

The files are read one after the other, in sorted order, each with the
reader of its own (a CSV file its own head, delimiter and blocks), but all
with the columns and types of the first: a CSV part whose header differs is
an error naming that part. Errors at a row name the part file and its row.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator

import pyarrow as pa

from ..errors import LossCliError
from .hive import FolderColumns, add_folder_columns
from .readers import Column, Source


class PartsSource(Source):
    """Part files read as one dataset; ``open_part`` opens one of them with
    the reader of its format."""

    def __init__(self, path: str, files: list[str], open_part: Callable[[str], Source], folder_columns: frozenset[str] = frozenset()) -> None:
        self.path = self.display = path
        self._open_part = open_part
        # Empty part files (Spark writes one per empty partition) hold no rows, nor a header:
        # of zero bytes, compressed ones of nothing, or a line break alone (pandas' to_json
        # of an empty frame with lines=True).
        self.files = [name for name in files if not _holds_nothing(name)]
        if not self.files:
            raise LossCliError("every file of the dataset is empty", file=path, hint="the dataset has no rows")
        self._first = open_part(self.files[0])
        self.untyped = self._first.untyped
        self.columns = list(self._first.columns)
        self.struct_paths = self._first.struct_paths
        self._folders = FolderColumns(path, self.files, folder_columns, set(self.names()))
        self.columns += [Column(name, kind) for name, kind in self._folders.kinds.items()]
        # [file, rows read from it] of the files read so far, the last one still being read.
        self._rows_read: list[list] = []

    def unread_folder_keys(self) -> list[str]:
        return self._folders.unread(self.names())

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        # The other parts are read with the first one's types.
        found = self._first.check_one_type([name for name in names if name not in self._folders.kinds], option)
        return {**found, **{name: self._folders.kinds[name] for name in names if name in self._folders.kinds}}

    def locate(self, row: int) -> tuple[str, int]:
        """The part file that holds ``row`` of the whole input, and its row there."""
        before = 0
        for name, rows in list(self._rows_read):
            if row <= before + rows:
                return name, row - before
            before += rows
        return self.display, row

    def _file_row_counts(self) -> list[tuple[str, int]] | None:
        # Rows are counted as they are read: the files read so far, the last one in part.
        return [(name, rows) for name, rows in self._rows_read]

    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        self._rows_read = []
        read = [name for name in columns if name not in self._folders.kinds]
        for name in self.files:
            part = self._first if name == self.files[0] else self._part(name)
            counted = [name, 0]
            self._rows_read.append(counted)
            for batch in add_folder_columns(part.batches(read, text_columns), columns, self._folders.of(name, columns), self._folders.kinds):
                counted[1] += batch.num_rows
                yield batch

    def _part(self, name: str) -> object:
        part = self._open_part(name)
        part.read_like(self._first)
        return part


# A part whose first bytes (decompressed) are blank up to its end is read as holding nothing.
_BLANK_MOST_BYTES = 1 << 12


def _holds_nothing(name: str) -> bool:
    """Whether the part file holds no text but blanks: zero bytes, or (for
    a small file) only white space, once decompressed. A file that cannot be
    read so is left to its reader, which names what is wrong."""
    import codecs

    from .formats import compression_from_magic

    size = os.path.getsize(name)
    if size == 0:
        return True
    if size > _BLANK_MOST_BYTES:
        return False  # more than a compressed nothing, or a few blank lines
    try:
        with open(name, "rb") as handle:
            head = handle.read(_BLANK_MOST_BYTES)
        compression = compression_from_magic(head)
        if compression is not None:
            with pa.input_stream(name, compression=compression) as stream:
                head = stream.read(_BLANK_MOST_BYTES + 1)
    except (OSError, pa.ArrowException):
        return False
    return len(head) <= _BLANK_MOST_BYTES and not head.removeprefix(codecs.BOM_UTF8).strip()
