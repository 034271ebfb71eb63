"""Opening prediction and label files as streams of Arrow record batches.

One class per source kind; every one exposes the column names and types
before any data is read, and yields batches of only the requested columns,
so memory is bounded by the batch size rather than by the file.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import pyarrow as pa

from ..errors import LossCliError
from ._lazy import pc
from .csv_blocks import ROW_MOST_BYTES, PieceFailed, body_pieces, parallel_csv_batches
from .csv_errors import CsvFile, csv_hint, csv_problem, explain
from .csv_head import (
    check_encoding,
    check_header_encoding,
    check_decimal_and_delimiter,
    check_header_is_names,
    comment_lines,
    delimiter_directive,
    delimiter_given,
    header_cells,
    second_line,
    sniff_delimiter,
    without_numpy_comment,
    wrong_delimiter_advice,
)
from .formats import (
    FORMAT_NAMES,
    compression_from_magic,
    dataset_files,
    dataset_members,
    detect_format,
    foreign_format,
    format_from_magic,
    is_dataset,
    is_feather_v1,
    is_glob,
    named_format,
)
from .numbers import DECIMAL_COMMA, MISSING_WORDS, decimal_given, number_pattern
from .piped import PipedInput, piped_input, stdin_input
from .utf8 import first_invalid_utf8
from .json_layouts import check_not_object_of_objects, document_layout, json_kind, read_document
from .hive import MISSING_IN_PART, FolderColumns, add_folder_columns
from .ids import NOTHING, TEXT, id_kind, is_binary, is_temporal, is_text
from .row_groups import batch_rows, coalesced, group_bytes, parallel_workers, row_group_batches, use_threads
from .vectors import VECTOR_TYPE, is_json_vector, is_vector_like, read_type, vectors_as_lists

# 256K rows: two float64 columns stay within a few MB, so the numpy passes over a
# batch run from cache; larger batches were slower and doubled peak memory (measured).
BATCH_ROWS = 1 << 18
# A Parquet batch of wide rows gets fewer rows: 2^18 rows of ten class
# probabilities are 23 MB, but of a thousand (8 KB a row) 2 GB, held several
# times over while converted (a 400 MB file of 50K rows peaked at 2.6 GB).
BATCH_BYTES = 1 << 25
# The head of a CSV file read for its encoding, delimiter and header line.
_HEAD_BYTES = 1 << 16
CSV_BLOCK_BYTES = 1 << 24
CSV_SCHEMA_BYTES = 1 << 20
# Of the body, for a look at the first rows (see CsvSource.head).
CSV_HEAD_BYTES = 1 << 18
NDJSON_ROW_BLOCK_BYTES = 1 << 22
# Pieces of a CSV body parsed in parallel: 8 MB kept the pool busy with the
# least memory (16 MB was no faster and took 50% more).
CSV_PARALLEL_BLOCK_BYTES = 1 << 23
# One parser per core: with one more, CE on a 1 GB CSV took 13% longer and
# more memory (2 cores), the parsers taking turns on the cores. At most eight:
# they parse about 4.5 GB/s, more than most disks give, and each holds its
# block and its columns (on an 11-column file, peak memory 178 MB with two
# parsers, 339 MB with eight, 515 MB with sixteen).
CSV_MOST_PARSERS = 8
# Parquet column chunks are read in pieces of this size rather than whole:
# with row groups decoded on several threads, whole compressed chunks held
# at once added tens of MB to peak memory for no speed (measured).
_READ_BUFFER_BYTES = 1 << 18

@dataclass
class Column:
    name: str
    type: pa.DataType

    @property
    def numeric(self) -> bool:
        return pa.types.is_integer(self.type) or pa.types.is_floating(self.type) or pa.types.is_boolean(self.type)

    @property
    def is_list(self) -> bool:
        return is_list_type(self.type)


def is_list_type(kind: pa.DataType) -> bool:
    """Lists of every layout: list, large_list, fixed_size_list (numpy
    embeddings through pyarrow) and the list views."""
    return (
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_fixed_size_list(kind)
        or pa.types.is_list_view(kind)
        or pa.types.is_large_list_view(kind)
    )


def with_struct_fields(columns: list[Column]) -> tuple[list[Column], dict[str, tuple[str, ...]]]:
    """The columns with, after each struct column, a column per field named
    by its path (``out.p``; nested, ``out.q.r``), and each path's parts.

    JSON Lines logs and Parquet files often nest a model's outputs in an
    object; its fields are then named like any column (``--pred-col out.p``,
    ``--pred-col 'scores.*'``). Spark ML vectors stay whole (they read as
    lists), and a path that is already a column's name (a table flattened
    before writing) keeps that column.
    """
    taken = {c.name for c in columns}
    offered: list[Column] = []
    paths: dict[str, tuple[str, ...]] = {}

    def add_fields(kind: pa.DataType, path: tuple[str, ...]) -> None:
        if not pa.types.is_struct(kind) or is_vector_like(kind):
            return
        for index in range(kind.num_fields):
            field = kind.field(index)
            name = ".".join((*path, field.name))
            if name not in taken and name not in paths:
                paths[name] = (*path, field.name)
                offered.append(Column(name, read_type(field.type)))
            add_fields(field.type, (*path, field.name))

    for column in columns:
        offered.append(column)
        add_fields(column.type, (column.name,))
    return offered, paths


class Source:
    """A table on disk (or stdin) that can be read in batches of chosen columns."""

    path: str
    display: str
    columns: list[Column]
    compression: str | None = None
    # CSV values carry no type: a column that looks numeric is only text that
    # reads as numbers, and may be read as the text itself (see text_columns).
    untyped = False
    # Struct fields offered as columns: path name -> (struct column, field, ...).
    struct_paths: dict[str, tuple[str, ...]] = {}
    # What to say instead of listing the columns when a CSV header was read as
    # one column with the wrong delimiter (see csv_head.wrong_delimiter_advice).
    delimiter_advice: str | None = None

    def _offer_struct_fields(self) -> None:
        self.columns, self.struct_paths = with_struct_fields(self.columns)

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        # A file of 50,000 class columns (a language model's vocabulary) asks
        # for every column by name: a scan each time made reading it quadratic.
        index = self.__dict__.get("_column_index")
        if index is None or index[0] is not self.columns or index[1] != len(self.columns):
            first = {}
            for c in self.columns:
                first.setdefault(c.name, c)
            index = (self.columns, len(self.columns), first)
            self._column_index = index
        found = index[2].get(name)
        if found is None:
            raise KeyError(name)
        return found

    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError

    def rows_hint(self) -> int | None:
        """Row count when the format knows it without reading (Parquet, Arrow)."""
        return None

    def read_position(self) -> tuple[int, int] | None:
        """(bytes read, bytes in all) while ``batches`` reads, where the size
        is known and the rows are not: a plain CSV file. For progress only:
        the reader runs ahead of the batches taken."""
        return None

    def head(self, columns: list[str], text_columns: frozenset[str] = frozenset(), rows: int = 10_000) -> pa.RecordBatch | None:
        """Up to ``rows`` first rows of ``columns`` (fewer when the first
        batch has fewer), None for none; a look at the data before it is
        read, so the reader is closed after."""
        batches = self.batches(columns, text_columns)
        try:
            first = next(iter(batches), None)
            return first.slice(0, rows) if first is not None else None
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    def unread_folder_keys(self) -> list[str]:
        """Hive folder keys of a dataset that were not asked for, so are not
        among the columns: named when a column is not found."""
        return []

    def locate(self, row: int) -> tuple[str, int]:
        """(file, row in that file) of a 1-based row of the whole input: a
        dataset of several files names the one file that holds the row."""
        counts = self._file_row_counts()
        if counts is None or len(counts) < 2:
            return self.display, row
        before = 0
        for path, rows in counts:
            if row <= before + rows:
                return path, row - before
            before += rows
        return self.display, row

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        """Refuse an id column (``--by``, ``--sample-col``, ``--key``) that holds
        text in one file of a dataset and numbers in another: 0 and "0" would
        be two groups, or two keys that never match. Returns each column's
        type across the files (see ``typed_across``)."""
        return {name: self.column(name).type for name in names}

    @contextmanager
    def read_failures_explained(self) -> Iterator[None]:
        """I/O and decompression errors (Arrow raises them as OSError) become a
        LossCliError naming this input, instead of an internal error."""
        try:
            yield
        except OSError as error:
            raise _read_failure(error, self.display, self.compression) from None

    def _file_row_counts(self) -> list[tuple[str, int]] | None:
        """(file, rows) of every file in reading order, for a multi-file source."""
        return None

    # Whether _file_row_counts is known before reading (file footers) and so
    # can be kept, rather than growing as the files are read.
    row_counts_known_ahead = False

    def files_of_rows(self, rows: "np.ndarray") -> tuple[list[str], "np.ndarray", "np.ndarray"] | None:
        """For a dataset (a directory or glob): its files, and for each
        1-based row of the whole input its file (an index into those) and
        its row in that file. None for a single file, whose rows are its own."""
        import numpy as np

        if self.path == "-" or not is_dataset(self.path):
            return None
        counts = getattr(self, "_kept_row_counts", None)
        if counts is None:
            counts = self._file_row_counts() or [(self.display, 0)]
            if self.row_counts_known_ahead:
                self._kept_row_counts = counts
        ends = np.cumsum([rows_in for _, rows_in in counts])
        # The file whose last row is the first at or past the row; empty files end where the one before does.
        index = np.minimum(np.searchsorted(ends, rows, side="left"), len(counts) - 1)
        starts = ends - np.array([rows_in for _, rows_in in counts])
        return [name for name, _ in counts], index, np.asarray(rows) - starts[index]

    def read_like(self, first: "Source") -> None:
        """Read this part of a dataset (see ``parts``) with the columns and
        types of the dataset's ``first`` part, so every part gives the
        batches the first promised."""


def _explains_read_failures(batches: Callable[..., Iterator[pa.RecordBatch]]) -> Callable[..., Iterator[pa.RecordBatch]]:
    """``Source.batches`` that reports a file failing midway (truncated,
    corrupt, vanished) like any other bad input; errors surface only as the
    batches are read, long after the file was opened."""

    @functools.wraps(batches)
    def explained(self: Source, *args: object, **kwargs: object) -> Iterator[pa.RecordBatch]:
        with self.read_failures_explained():
            yield from batches(self, *args, **kwargs)

    return explained


def _vectors_read_as_lists(batches: Callable[..., Iterator[pa.RecordBatch]]) -> Callable[..., Iterator[pa.RecordBatch]]:
    """``Source.batches`` that hands on Spark ML vector columns as the lists
    of numbers ``Source.columns`` says they are (see ``vectors``)."""

    @functools.wraps(batches)
    def as_lists(self: Source, *args: object, **kwargs: object) -> Iterator[pa.RecordBatch]:
        yield from vectors_as_lists(batches(self, *args, **kwargs), self.display)

    return as_lists


def struct_fields_read(batches: Callable[..., Iterator[pa.RecordBatch]]) -> Callable[..., Iterator[pa.RecordBatch]]:
    """``Source.batches`` that reads a struct field asked for by its path from
    its struct column and hands it on as a column of its own (a missing
    struct makes its fields missing, as a missing object does in JSON)."""

    @functools.wraps(batches)
    def with_fields(self: Source, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        paths = {name: self.struct_paths[name] for name in columns if name in self.struct_paths}
        if not paths:
            yield from batches(self, columns, text_columns)
            return
        read = list(dict.fromkeys(paths[name][0] if name in paths else name for name in columns))
        for batch in batches(self, read, text_columns):
            arrays = [pc.struct_field(batch.column(paths[name][0]), list(paths[name][1:])) if name in paths else batch.column(name) for name in columns]
            yield pa.RecordBatch.from_arrays(arrays, names=columns)

    return with_fields


_CHECK_COMMANDS = {"gzip": "gzip -t", "bz2": "bzip2 -t", "zstd": "zstd -t"}


def _read_failure(error: OSError, file: str, compression: str | None) -> LossCliError:
    if isinstance(error, FileNotFoundError):
        return LossCliError("the file disappeared while it was being read", file=file, hint="leave it in place until losscli has finished")
    if compression:
        return LossCliError(
            f"cannot decompress the {compression} data: {_first_line(error)}",
            file=file,
            hint=f"the compressed file is truncated or corrupt, or not {compression} at all; decompress it to check, e.g. with {_CHECK_COMMANDS[compression]}",
        )
    return LossCliError(f"cannot read the file: {_first_line(error)}", file=file, hint="the file may be truncated or corrupt, or the disk failed")


def open_source(path: str, input_format: str | None = None, delimiter: str | None = None, names_given: frozenset[str] = frozenset(), decimal: str = ".") -> Source:
    """The reader for ``path``; ``names_given`` are column names the user
    gave, which a Parquet dataset may find as hive folder keys
    (``region=eu/``), and which make a CSV first line of numbers a header.
    ``delimiter`` and ``decimal`` (the decimal separator) are for CSV."""
    csv = CsvDialect(delimiter, decimal_given(decimal))
    piped = stdin_input() if path == "-" else piped_input(path)
    if piped is not None:
        return _piped_source(path, piped, input_format or (None if path == "-" else named_format(path)), csv, names_given)
    fmt, compression = detect_format(path, input_format)
    if not is_glob(path) and not os.path.exists(path):
        raise LossCliError("file not found", file=path, hint="check the path")
    if os.path.isfile(path) and not os.access(path, os.R_OK):
        raise LossCliError("file is not readable (permission denied)", file=path)
    _refuse_foreign_format(path, None, by_name=not input_format)
    if os.path.isfile(path):
        _refuse_other_content(path, fmt, compression, given=bool(input_format))
    return _make_source(fmt, path, compression, csv, None, names_given, given=bool(input_format))


@dataclass(frozen=True)
class CsvDialect:
    """How the user said a CSV input is written: its delimiter (None:
    detected) and decimal separator."""

    delimiter: str | None = None
    decimal: str = "."
    # The delimiter is TSV's tab, not one --delimiter gave (see wrong_delimiter_advice).
    by_format: bool = False

    def of(self, fmt: str) -> "CsvDialect":
        """The dialect for a file read as ``fmt``: TSV is tab-separated unless --delimiter says otherwise."""
        return CsvDialect("\t", self.decimal, by_format=True) if fmt == "tsv" and not self.delimiter else self


def _piped_source(path: str, piped: PipedInput, input_format: str | None, csv: CsvDialect, names_given: frozenset[str]) -> Source:
    """A source of stdin ('-') or a pipe named by its path (``<(...)``,
    /dev/stdin), which can be read only once and has no name to tell its
    format by: its first bytes tell it. CSV is read as it arrives; the other
    formats from a temporary copy (Parquet's schema is at its end)."""
    fmt, _ = detect_format("-", input_format)
    compression = compression_from_magic(piped.head(16))
    if not input_format:
        fmt = _format_of_first_bytes(piped, compression)
    _refuse_foreign_format("-", piped.head(8), by_name=False)
    try:
        if fmt in ("csv", "tsv"):
            source: Source = CsvSource(path, None, csv.of(fmt), piped=piped, names_given=names_given)
        else:
            # Copied decompressed, except NDJSON, which decompresses as it reads.
            copy = piped.spooled(compression if fmt in ("parquet", "arrow") else None)
            source = _make_source(fmt, "-", None, csv, copy, names_given)
    except OSError as error:
        raise _read_failure(error, piped.display, compression) from None
    except LossCliError as error:
        error.file = path if error.file == "<stdin>" and path != "-" else error.file
        raise
    source.display = piped.display
    return source


def _format_of_first_bytes(piped: PipedInput, compression: str | None) -> str:
    """parquet, arrow, ndjson or csv, told by the first bytes once decompressed."""
    if compression is None:
        return format_from_magic(piped.head(_SNIFF_BYTES))
    try:
        with pa.input_stream(piped.open(keep=True), compression=compression) as stream:
            return format_from_magic(stream.read(_SNIFF_BYTES))
    except OSError:
        return "csv"  # the CSV reader reports the broken compression


def _make_source(fmt: str, path: str, compression: str | None, csv: CsvDialect, stdin: str | None, names_given: frozenset[str], *, given: bool = False) -> Source:
    """The reader of ``path`` as ``fmt``; a directory or glob of CSV or JSON
    Lines files is read as one dataset of their parts (``given``: the format
    is --input-format's, so files named as no format are parts too). For
    ``path`` '-', ``stdin`` names the temporary copy of stdin."""
    try:
        if fmt in ("csv", "tsv", "ndjson") and path != "-" and is_dataset(path):
            return _parts_source(fmt, path, csv, names_given, given=given)
        if fmt in ("csv", "tsv"):
            return CsvSource(path, compression, csv.of(fmt), names_given=names_given)
        if fmt == "parquet":
            return ParquetSource(path, names_given, stdin=stdin)
        if fmt == "arrow":
            return ArrowSource(path, stdin=stdin)
        return _json_source(path, compression, stdin)
    except LossCliError:
        raise
    except (pa.ArrowException, OSError, ValueError) as error:
        raise LossCliError(f"cannot read as {fmt}: {_first_line(error)}", file="<stdin>" if path == "-" else path, hint=_format_hint(fmt)) from None


def _parts_source(fmt: str, path: str, csv: CsvDialect, names_given: frozenset[str], *, given: bool) -> Source:
    from .parts import PartsSource

    files = dataset_files(path, fmt, given=given)
    if not files:
        if is_glob(path) and not os.path.isdir(path):
            raise LossCliError("the pattern matches no file", file=path, hint="quote the pattern so the shell does not expand it")
        raise _no_dataset_files(path, fmt)

    def open_part(name: str) -> Source:
        return _make_source(fmt, name, detect_format(name, fmt)[1], csv, None, names_given)

    return PartsSource(path, files, open_part, names_given)


# Enough of the input to see past a byte-order mark and blank lines to its first character.
_SNIFF_BYTES = 1 << 10


def _refuse_foreign_format(path: str, head: bytes | None, *, by_name: bool) -> None:
    """An archive, a NumPy or pickle file, or a spreadsheet, named as such:
    read as CSV, it would fail as a ragged row, or worse, read.

    With --input-format the user says what the file is, so its name is not
    asked (a tab-separated export named .xls); its first bytes still are."""
    if path == "-":
        head = head or b""
    elif os.path.isfile(path):
        with open(path, "rb") as handle:
            head = handle.read(8)
    else:
        return  # a directory or a glob: a dataset, whose files are checked as read
    found = foreign_format("" if path == "-" or not by_name else path, head[:8])
    if found is not None:
        what, instead = found
        raise LossCliError(f"the file is {what}, which losscli does not read", file="<stdin>" if path == "-" else path, hint=instead)


_SUFFIX = {"csv": ".csv", "tsv": ".tsv", "parquet": ".parquet", "arrow": ".arrow", "ndjson": ".jsonl"}
_COMPRESSION_SUFFIX = {"gzip": ".gz", "bz2": ".bz2", "zstd": ".zst"}


def _refuse_other_content(path: str, fmt: str, compression: str | None, *, given: bool) -> None:
    """A file whose first bytes say another format than its name (or
    --input-format) does: Parquet saved as preds.csv, gzip data without .gz,
    CSV text named .parquet. Read as named, each fails deep in a reader with
    an error about NUL bytes, magic bytes or metadata lengths that does not
    say what the file is."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return  # the reader reports it
    packed = compression_from_magic(head)
    if compression is not None:
        _refuse_other_compression(path, fmt, compression, packed, head)
        return
    if packed is not None:
        if fmt in ("csv", "tsv", "ndjson"):
            hint = f"name it {os.path.basename(path)}{_COMPRESSION_SUFFIX[packed]}, which losscli decompresses as it reads, or decompress it"
        else:
            hint = "decompress it first"
        raise LossCliError(f"the file is {packed}-compressed, which its name does not say", file=path, hint=hint)
    found = format_from_magic(head)
    if found == fmt or (found == "csv" and fmt == "tsv"):
        return
    if found in ("csv", "ndjson") and fmt in ("csv", "tsv", "ndjson"):
        if not (found == "ndjson" and fmt in ("csv", "tsv")):
            return  # text the named reader reads, or explains
    elif found == "csv" and not _is_text(head):
        return  # not text either: corrupt or cut short, as the reader says
    what = "text (CSV)" if found == "csv" else FORMAT_NAMES[found]
    if given:
        said, hint = f" as --input-format {fmt} says", f"pass --input-format {found}"
    else:
        # A name of no known format is read as CSV; it said nothing.
        said = " as its name says" if named_format(path) is not None else ""
        hint = f"rename it to end in {_SUFFIX[found]}, or pass --input-format {found}"
    raise LossCliError(f"the file is {what}, not {FORMAT_NAMES[fmt]}{said}", file=path, hint=hint)


def _refuse_other_compression(path: str, fmt: str, compression: str, packed: str | None, head: bytes) -> None:
    """A name that says gzip, bz2 or zstd on data that is not so compressed:
    a .csv.gz that is plain text (pandas' to_csv given the name, then
    written uncompressed, or a file gunzipped in place). Read as named it
    failed as a corrupt stream. Data that is neither compressed nor text is
    left to the decompressor, which says it is corrupt."""
    name = os.path.basename(path)
    plain = name[: -len(_COMPRESSION_SUFFIX[compression])] if name.lower().endswith(_COMPRESSION_SUFFIX[compression]) else name
    if packed is not None and packed != compression:
        raise LossCliError(
            f"the file is {packed}-compressed, not {compression} as its name says",
            file=path,
            hint=f"rename it to {plain}{_COMPRESSION_SUFFIX[packed]}",
        )
    if packed is None and head and _is_text(head):
        raise LossCliError(
            f"the file is not {compression}-compressed, as its name says: it is plain text",
            file=path,
            hint=f"rename it to {plain}",
        )
    if packed is not None and fmt in ("parquet", "arrow"):
        raise LossCliError(
            f"the file is {packed}-compressed, and {FORMAT_NAMES[fmt]} files are read uncompressed (they compress their own columns)",
            file=path,
            hint=f"decompress it first, e.g. with {_DECOMPRESS[packed]} {name}",
        )


_DECOMPRESS = {"gzip": "gzip -dk", "bz2": "bzip2 -dk", "zstd": "zstd -d"}


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes (a character cut at the end of ``head`` aside)."""
    import codecs

    if b"\0" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _stdin_copy(copy: str | None) -> str:
    """The temporary copy of stdin: the one open_source made, else made now."""
    return copy if copy is not None else stdin_input().spooled()


def _format_hint(fmt: str) -> str:
    return f"is it really {fmt}? --input-format sets the format when the extension misleads"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ----------------------------------------------------------------------------- CSV




class CsvSource(Source):
    untyped = True

    def __init__(self, path: str, compression: str | None, dialect: CsvDialect | None = None, *, piped: PipedInput | None = None, names_given: frozenset[str] = frozenset()) -> None:
        import pyarrow.csv as pacsv

        self._csv = pacsv
        self.path = path
        self.display = piped.display if piped is not None else path
        # stdin or a pipe: read once, its head kept (see ``piped``); its
        # compression is told by its first bytes, as it has no name to tell it.
        self._piped = piped
        self._position: list[int] | None = None  # [bytes read, file size] of a plain file being read
        self.compression = compression_from_magic(piped.head(16)) if piped is not None else compression
        # Lines before the header: Excel's "sep=;" line, comment lines (# ...).
        self.lines_before_header = 0
        # The column names when the header line is not read as written
        # (numpy's "# y_true,y_pred"); Arrow then skips that line.
        self._header_names: list[str] | None = None
        dialect = dialect or CsvDialect()
        delimiter = delimiter_given(dialect.delimiter) if dialect.delimiter else None
        # Numbers written 0,5 (--decimal ,), as Arrow's decimal_point reads them.
        self.decimal = dialect.decimal
        with self.read_failures_explained():
            self._inspect(delimiter, names_given)
        if delimiter is not None:
            # A detected delimiter splits the header wherever one can.
            self.delimiter_advice = wrong_delimiter_advice(self.names(), delimiter, by_format=dialect.by_format)

    def _inspect(self, delimiter: str | None, names_given: frozenset[str]) -> None:
        """The delimiter and the columns, from the head of the input."""
        with self._input() as stream:
            head = stream.read(_HEAD_BYTES)
        # A UTF-8 byte order mark alone (a spreadsheet's empty export) is no header either.
        if not head.removeprefix(codecs.BOM_UTF8).strip():
            raise LossCliError("file is empty", file=self.display, hint="it needs a header line and at least one row")
        check_encoding(head, self.display)
        if len(head) == _HEAD_BYTES and not re.search(b"[\r\n]", head):
            self._check_first_line_ends()
        directive = delimiter_directive(head)
        if directive is not None:
            self.lines_before_header = 1
            head = head.split(b"\n", 1)[1] if b"\n" in head else b""
            if not head.strip():
                raise LossCliError("file is empty", file=self.display, hint="it needs a header line and at least one row")
        skipped, offset = comment_lines(head, delimiter or directive, names_given, self.decimal)
        if skipped:
            self.lines_before_header += skipped
            head = head[offset:]
        check_header_encoding(head, self.display)
        header = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        uncommented = without_numpy_comment(header, second_line(head), delimiter or directive, names_given, self.decimal)
        header = header if uncommented is None else uncommented
        self.delimiter = delimiter or directive or sniff_delimiter(header, second_line(head), self.decimal)
        check_decimal_and_delimiter(self.delimiter, self.decimal, self.display)
        check_header_is_names(header, self.delimiter, self.display, names_given, self.decimal)
        if uncommented is not None:
            self._header_names = header_cells(uncommented, self.delimiter)
        # Column types come from the first 1 MB of rows (inferring them from
        # 16 MB took 0.15 s and 70 MB on a large file); a column still empty
        # there is looked at further.
        fields = len(header_cells(re.split("[\r\n]", header, maxsplit=1)[0], self.delimiter))
        first_rows = self._first_rows(CSV_SCHEMA_BYTES, fields)
        if any(pa.types.is_null(f.type) for f in first_rows.schema):
            first_rows = self._first_rows(CSV_BLOCK_BYTES, fields)
        self.columns = [Column(f.name, f.type) for f in first_rows.schema]
        _check_names(self.names(), self.display)
        # Columns of numbers written with the other decimal separator (0,5
        # without --decimal ,, or 0.5 with it) are text to Arrow. They are
        # read as numbers all the same, so the cell that fails is named with
        # its row in the file and the fix (see csv_errors), as in a column
        # whose first rows were numbers.
        self._numbers_as_text = frozenset(name for name in first_rows.column_names if _numbers_written_as_text(first_rows.column(name)))

    def _check_first_line_ends(self) -> None:
        """A first line that does not end within ROW_MOST_BYTES is no header
        (binary data, or text without line ends), and is not read on and on."""
        read = 0
        with self._input() as stream:
            while read < ROW_MOST_BYTES:
                chunk = stream.read(_HEAD_BYTES)
                if not chunk or re.search(b"[\r\n]", chunk):
                    return
                read += len(chunk)
        raise LossCliError(
            f"the first line runs on for more than {ROW_MOST_BYTES >> 20} MB without a line end, so it is no header line",
            file=self.display,
            hint="is it a CSV file? --input-format sets the format when the name or the first bytes mislead",
        )

    def _first_rows(self, size: int, fields: int) -> pa.Table:
        """The rows of the first ``size`` bytes of the body, in the columns
        and types Arrow infers from them and the header (a header alone
        gives columns of no type)."""
        with self._input() as stream:
            piece = next(body_pieces(stream, size, header_lines=self._header_lines, delimiter=self.delimiter, fields=fields, decimal=self.decimal), None)
        if piece is not None and piece.problem is not None:
            raise self._explained(PieceFailed(piece, piece.problem), 0, {})
        with self._input() as stream:
            data = stream.read(piece.offset + len(piece) if piece is not None else _HEAD_BYTES)
        if piece is None and not data.endswith((b"\n", b"\r")):
            data += b"\n"  # Arrow reads no header without a line end
        read = self._csv.ReadOptions(
            use_threads=False,
            block_size=len(data) + 1,
            skip_rows=self.lines_before_header + (self._header_names is not None),
            column_names=self._header_names,
        )
        try:
            table = self._csv.read_csv(pa.BufferReader(data), read_options=read, parse_options=self._parsing(), convert_options=self._converting())
        except pa.ArrowInvalid as error:
            if piece is None:
                raise LossCliError(f"cannot parse CSV: {csv_problem(error)}", file=self.display, hint=csv_hint(error)) from None
            raise self._explained(PieceFailed(piece, error), 0, {}) from None
        return table

    def head(self, columns: list[str], text_columns: frozenset[str] = frozenset(), rows: int = 10_000) -> pa.RecordBatch | None:
        """Up to ``rows`` rows of the first quarter megabyte or so of the body, each
        column as its text (``text_columns`` aside, CSV has no other types
        to keep): a look that does not start the parallel reader."""
        if self._piped is not None:
            return None  # what is read from a pipe is kept; a look is not worth that
        fields = len(self.columns)
        with self._input() as stream:
            piece = next(body_pieces(stream, CSV_HEAD_BYTES, header_lines=self._header_lines, delimiter=self.delimiter, fields=fields, decimal=self.decimal), None)
        if piece is None or piece.problem is not None:
            return None
        with self._input() as stream:
            data = stream.read(piece.offset + len(piece))
        read = self._csv.ReadOptions(
            use_threads=False,
            block_size=len(data) + 1,
            skip_rows=self.lines_before_header + (self._header_names is not None),
            column_names=self._header_names,
        )
        convert = self._converting(include_columns=columns, column_types={name: pa.string() for name in columns}, strings_can_be_null=True)
        try:
            table = self._csv.read_csv(pa.BufferReader(data), read_options=read, parse_options=self._parsing(), convert_options=convert)
        except pa.ArrowInvalid:
            return None  # the read proper says what is wrong, and where
        return table.slice(0, rows).combine_chunks().to_batches()[0] if table.num_rows else None

    def read_like(self, first: Source) -> None:
        """Parts of a CSV dataset need the first part's header: a column of
        another name, or in another place, would be read as the wrong one.
        A column the first part could not type (no values in its first
        megabytes) keeps this part's type."""
        if self.names() != first.names():
            raise LossCliError(f"the header differs from that of {first.display}: {_header_difference(self.names(), first.names())}", file=self.display, hint="every file of a CSV dataset needs the same header, as Spark writes them; rewrite this file or move it out of the dataset")
        self.columns = [Column(mine.name, mine.type if pa.types.is_null(theirs.type) else theirs.type) for mine, theirs in zip(self.columns, first.columns)]

    @property
    def _header_lines(self) -> int:
        """The lines before the body: the header, and Excel's sep= line and comment lines before it."""
        return 1 + self.lines_before_header

    def _input(self, *, keep: bool = True) -> pa.NativeFile:
        """The input from its first byte, decompressed. From a pipe, what a
        ``keep`` stream reads is kept to be read again; the rows are read by
        one stream that keeps nothing."""
        source = self._piped.open(keep=keep) if self._piped is not None else self.path
        return pa.input_stream(source, compression=self.compression)

    def _converting(self, **options: object) -> object:
        """Arrow's conversion options, with pandas' words for a missing value
        and the file's decimal separator."""
        return self._csv.ConvertOptions(null_values=MISSING_WORDS, decimal_point=self.decimal, **options)

    def _parsing(self) -> object:
        # Values may hold line breaks: the body is cut between rows (see csv_blocks).
        return self._csv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True)

    @_explains_read_failures
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        types = {}
        for name in columns:
            column = self.column(name)
            if name in text_columns or not (column.numeric or name in self._numbers_as_text):
                types[name] = pa.string()
            elif pa.types.is_boolean(column.type):
                # true/false labels convert like a Parquet bool column.
                types[name] = pa.bool_()
            else:
                # Force float64 so a later block cannot change the inferred type;
                # integers up to 2**53 are exact.
                types[name] = pa.float64()
        convert = self._converting(include_columns=columns, column_types=types, strings_can_be_null=True)
        # Loss inputs read as text (labels, or numbers among text) are parsed
        # later, with a decimal point: their decimal commas are made points.
        commas_to_points = [name for name in columns if self.decimal == "," and types[name] == pa.string() and name not in text_columns]
        # A plain file is memory-mapped; compressed files and stdin are streamed.
        plain_file = self._piped is None and self.compression is None
        # Offsets in a compressed file are of its decompressed text: no share of its size.
        self._position = [0, os.path.getsize(self.path)] if plain_file else None
        pieces = body_pieces(
            self.path if plain_file else self._input(keep=False),
            CSV_PARALLEL_BLOCK_BYTES,
            header_lines=self._header_lines,
            delimiter=self.delimiter,
            fields=len(self.columns),
            decimal=self.decimal,
        )
        rows = 0
        try:
            for batch in parallel_csv_batches(
                pieces,
                names=self.names(),
                parse_options=self._parsing(),
                convert_options=convert,
                batch_rows=BATCH_ROWS,
                workers=max(1, min(os.cpu_count() or 1, CSV_MOST_PARSERS)),
                on_piece=self._piece_read if plain_file else None,
            ):
                rows += batch.num_rows
                yield _with_decimal_points(batch, commas_to_points) if commas_to_points else batch
        except PieceFailed as failure:
            raise self._explained(failure, rows, types) from None

    def _piece_read(self, end: int) -> None:
        self._position[0] = end

    def read_position(self) -> tuple[int, int] | None:
        position = self._position
        return (position[0], position[1]) if position else None

    def _explained(self, failure: PieceFailed, rows_before: int, read_as: dict[str, pa.DataType]) -> LossCliError:
        """The error for a piece that failed ``rows_before`` rows into the
        body, whose columns were read as ``read_as`` (the others as typed)."""
        names = self.names() if hasattr(self, "columns") else None
        types = {c.name: read_as.get(c.name, c.type) for c in self.columns} if names is not None else self._header_types()
        reread = None if self._piped is not None else lambda: self._input()
        return explain(failure, rows_before, CsvFile(self.display, types, self.delimiter, reread, self.decimal))

    def _header_types(self) -> dict[str, pa.DataType]:
        """The header's names, untyped: for a failure found before the types are known."""
        with self._input() as stream:
            head = stream.read(_HEAD_BYTES)
        lines = re.split(b"\r\n|\r|\n", head)
        header = lines[self.lines_before_header].decode("utf-8-sig", errors="replace") if len(lines) > self.lines_before_header else ""
        names = self._header_names or header_cells(header, self.delimiter)
        return {name: pa.string() for name in names}


# A number however its decimals are separated (0.5, 0,5, 1.234,5).
_ANY_DECIMAL = "|".join((number_pattern("."), number_pattern(","), DECIMAL_COMMA))


def _names_twice(line: str, field: str) -> bool:
    """Whether an object in the JSON ``line`` names ``field`` twice (json
    keeps the last value without a word, Arrow refuses the line)."""
    import json

    if line.count(json.dumps(field)) < 2:
        return False  # the common line, passed without parsing it again
    found = False

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal found
        found = found or sum(1 for key, _ in items if key == field) > 1
        return dict(items)

    json.loads(line, object_pairs_hook=pairs)
    return found


def _numbers_written_as_text(values: pa.ChunkedArray) -> bool:
    """Whether a text column holds numbers alone, some of them written with
    the decimal separator the file is not read with."""
    if not pa.types.is_string(values.type) or values.null_count == len(values):
        return False
    return bool(pc.all(pc.match_substring_regex(values, _ANY_DECIMAL)).as_py())


def _with_decimal_points(batch: pa.RecordBatch, names: list[str]) -> pa.RecordBatch:
    """``batch`` with the numbers of text columns ``names`` written 0,5 rewritten 0.5."""
    pattern = number_pattern(",")
    for name in names:
        index = batch.schema.get_field_index(name)
        values = batch.column(index)
        numbers = pc.match_substring_regex(values, pattern)
        pointed = pc.if_else(numbers, pc.replace_substring(values, ",", "."), values)
        batch = batch.set_column(index, batch.schema.field(index), pointed)
    return batch


def _header_difference(names: list[str], first: list[str]) -> str:
    """How a part's header differs from the first part's, in a few words."""
    missing = [name for name in first if name not in names]
    extra = [name for name in names if name not in first]
    said = []
    if missing:
        said.append(f"no column {', '.join(repr(n) for n in missing[:3])}")
    if extra:
        said.append(f"a column {', '.join(repr(n) for n in extra[:3])} it lacks")
    return "; ".join(said) or f"the columns are in another order ({', '.join(names[:6])})"


def _check_names(names: list[str], display: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise LossCliError(f"column name '{name}' appears twice in the header", file=display, hint="rename one of them")
        seen.add(name)


# ----------------------------------------------------------------------------- Parquet


_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_ARROW_SUFFIXES = (".arrow", ".arrows", ".feather", ".ipc")
_SUFFIX_FORMATS = {_PARQUET_SUFFIXES: "parquet", _ARROW_SUFFIXES: "arrow"}


def _expand_paths(path: str, suffixes: tuple[str, ...]) -> list[str]:
    if os.path.isfile(path):
        return [path]  # even when the name holds glob characters, like "run[3].parquet"
    if os.path.isdir(path):
        found = [f for f in dataset_members(path) if f.lower().endswith(suffixes)]
        if not found:
            raise _no_dataset_files(path, _SUFFIX_FORMATS[suffixes])
        return found
    if is_glob(path):
        found = dataset_members(path)
        if not found:
            raise LossCliError("the pattern matches no file", file=path, hint="quote the pattern so the shell does not expand it")
        return found
    return [path]


def _no_dataset_files(folder: str, fmt: str) -> LossCliError:
    """A folder without files of the format it is read as: one of other parts
    is named as such, and how to read it."""
    message = f"directory holds no {FORMAT_NAMES[fmt]} files"
    others = [name for name in dataset_members(folder) if named_format(name) not in (None, fmt)]
    if others:
        other = named_format(others[0])
        return LossCliError(
            f"{message}, but {FORMAT_NAMES[other]} files such as {os.path.basename(others[0])}",
            file=folder,
            hint=f"--input-format {fmt} reads only {FORMAT_NAMES[fmt]} files; leave it out, or give --input-format {other}",
        )
    unnamed = dataset_members(folder)
    if unnamed:
        return LossCliError(
            f"{message} by name: its files, such as {os.path.basename(unnamed[0])}, have no extension losscli knows",
            file=folder,
            hint="say what they are with --input-format csv, tsv, ndjson, parquet or arrow",
        )
    if not any(files for _, _, files in os.walk(folder)):
        # Nothing was passed over: an output not written yet, or the wrong folder.
        with os.scandir(folder) as entries:
            empty = next(entries, None) is None
        return LossCliError(
            "directory is empty" if empty else "directory holds no files, only empty folders",
            file=folder,
            hint="name the file or folder the data was written to",
        )
    return LossCliError("directory holds no files but hidden ones and those marked with _ (such as _SUCCESS), which are passed over", file=folder)


class ParquetSource(Source):
    """A Parquet file, directory or glob; ``folder_columns`` names the hive
    folder keys (``region=eu/``) that may be offered as columns."""

    def __init__(self, path: str, folder_columns: frozenset[str] = frozenset(), *, stdin: str | None = None) -> None:
        import pyarrow.parquet as pq

        self._pq = pq
        self.path = path
        self.display = "<stdin>" if path == "-" else path
        self.files = [_stdin_copy(stdin)] if path == "-" else _expand_paths(path, _PARQUET_SUFFIXES)
        first = self._file(self.files[0])
        self.columns = [Column(f.name, read_type(f.type)) for f in first.schema_arrow]
        self._folders = FolderColumns(path, self.files, folder_columns, set(self.names()))
        self.columns += [Column(name, kind) for name, kind in self._folders.kinds.items()]
        _check_names(self.names(), self.display)
        self._offer_struct_fields()
        self._rows = None
        self._thread_handles = threading.local()

    def unread_folder_keys(self) -> list[str]:
        return self._folders.unread(self.names())

    def _file(self, path: str) -> object:
        try:
            return self._pq.ParquetFile(path, pre_buffer=False, buffer_size=_READ_BUFFER_BYTES)
        except (pa.ArrowException, OSError) as error:
            raise LossCliError(f"cannot read as Parquet: {_first_line(error)}", file=self._shown(path), hint="is the file complete and really Parquet?") from None

    def _shown(self, path: str) -> str:
        """How a file is named to the user: stdin's copy as stdin."""
        return self.display if self.path == "-" else path

    def rows_hint(self) -> int | None:
        if self._rows is None:
            self._rows = sum(self._file(f).metadata.num_rows for f in self.files)
        return self._rows

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        schemas = [(path, self._file(path).schema_arrow) for path in self.files[1:]]
        return {name: typed_across(name, self.column(name).type, self._shown(self.files[0]), schemas, option) for name in names}

    row_counts_known_ahead = True

    def _file_row_counts(self) -> list[tuple[str, int]] | None:
        # Footers only: asked for when reporting an error, or once for per-row output's file column.
        return [(self._shown(f), self._file(f).metadata.num_rows) for f in self.files]

    def head(self, columns: list[str], text_columns: frozenset[str] = frozenset(), rows: int = 10_000) -> pa.RecordBatch | None:
        """The first rows of the first file, read alone: the parallel reader
        would decode whole row groups ahead."""
        handle = self._file(self.files[0])
        if any(name not in handle.schema_arrow.names for name in columns):
            return super().head(columns, text_columns, rows)  # folder keys, struct fields
        return next(handle.iter_batches(batch_size=rows, columns=columns, use_threads=False), None)

    @_vectors_read_as_lists
    @struct_fields_read
    @_explains_read_failures
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        return coalesced(self._file_batches(columns), most_rows=BATCH_ROWS, most_bytes=BATCH_BYTES)

    def row_group_parts(self, columns: list[str]) -> list[RowGroupPart] | None:
        """The row groups of every file as parts any thread can decode (see
        ``part_batches``): consecutive row groups of fewer rows than a batch
        together, as ``batches`` joins them. None where the files must be read
        in order with ``batches``: folder keys, struct fields or columns other
        than plain numbers asked for, or row groups too few or too large to
        decode side by side."""
        if any(name in self._folders.kinds or name in self.struct_paths for name in columns):
            return None
        wanted = frozenset(columns)
        parts: list[RowGroupPart] = []
        held: list[tuple[str, int]] = []
        rows = size = 0
        held_types = None
        for path in self.files:
            handle = self._file(path)
            schema = handle.schema_arrow
            if any(name not in schema.names or not _plain_number(schema.field(name).type) for name in columns):
                return None
            metadata = handle.metadata
            if parallel_workers(metadata, columns) < 2 or batch_rows(metadata, columns, most_rows=BATCH_ROWS, most_bytes=BATCH_BYTES) < BATCH_ROWS:
                return None
            types = [schema.field(name).type for name in columns]
            for index in range(metadata.num_row_groups):
                group = metadata.row_group(index)
                decoded = group_bytes(group, wanted)
                if held and (rows + group.num_rows > BATCH_ROWS or size + decoded > BATCH_BYTES or types != held_types):
                    parts.append(RowGroupPart(tuple(held), rows))
                    held, rows, size = [], 0, 0
                held.append((path, index))
                rows += group.num_rows
                size += decoded
                held_types = types
        if held:
            parts.append(RowGroupPart(tuple(held), rows))
        return parts

    def part_batches(self, part: RowGroupPart, columns: list[str]) -> list[pa.RecordBatch]:
        """The ``columns`` of a part's row groups in batches of ``BATCH_ROWS``,
        decoded on the calling thread through a file handle of its own."""
        tables = []
        for path, index in part.groups:
            try:
                # One thread per row group; threads inside a row group would only compete.
                tables.append(self._thread_file(path).read_row_group(index, columns=columns, use_threads=False))
            except (pa.ArrowException, OSError) as error:  # as _file_batches reports them
                raise LossCliError(f"cannot read Parquet data: {_first_line(error)}", file=self._shown(path), hint="the file may be truncated or corrupt") from None
        if len(tables) == 1:
            return tables[0].to_batches(max_chunksize=BATCH_ROWS)
        # Row groups smaller than a batch make one batch, as ``coalesced`` joins them.
        return [pa.RecordBatch.from_arrays([pa.concat_arrays([c for t in tables for c in t.column(name).chunks]) for name in columns], names=columns)]

    def _thread_file(self, path: str) -> object:
        """The calling thread's handle of ``path``: one at a time, so a dataset
        of a thousand files does not keep a thousand open."""
        local = self._thread_handles
        if getattr(local, "path", None) != path:
            local.path, local.handle = path, self._file(path)
        return local.handle

    def _file_batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        read = [c for c in columns if c not in self._folders.kinds]
        for path in self.files:
            handle = self._file(path)
            names = set(handle.schema_arrow.names)
            missing = [c for c in read if c not in names]
            if missing:
                raise LossCliError(f"column '{missing[0]}' is missing from this file of the dataset", file=path, hint=MISSING_IN_PART)
            _check_same_shape(self, handle.schema_arrow, read, path)
            workers = parallel_workers(handle.metadata, read)
            rows = batch_rows(handle.metadata, read, most_rows=BATCH_ROWS, most_bytes=BATCH_BYTES)
            try:
                if workers > 1:
                    stream = row_group_batches(lambda path=path: self._file(path), handle.metadata.num_row_groups, read, batch_rows=rows, workers=workers)
                else:
                    stream = handle.iter_batches(batch_size=rows, columns=read, use_threads=use_threads(handle.metadata, read))
                yield from add_folder_columns(stream, columns, self._folders.of(path, columns), self._folders.kinds)
            except (pa.ArrowException, OSError) as error:
                raise LossCliError(f"cannot read Parquet data: {_first_line(error)}", file=self._shown(path), hint="the file may be truncated or corrupt") from None


@dataclass(frozen=True)
class RowGroupPart:
    """Consecutive row groups of a Parquet source, (file, index) each, and
    their rows: decoded together on any thread."""

    groups: tuple[tuple[str, int], ...]
    rows: int


def _plain_number(kind: pa.DataType) -> bool:
    return pa.types.is_floating(kind) or pa.types.is_integer(kind)


def typed_across(name: str, first: pa.DataType, first_file: str, schemas: list[tuple[str, pa.Schema]], option: str) -> pa.DataType:
    """The type of id column ``name`` across a dataset's files, each checked
    against it: the first file's, or, where that file's column holds only
    missing values (Arrow's null type, as pandas writes a column of None),
    the first type a later file holds values of."""
    typed, typed_file = first, first_file
    for path, schema in schemas:
        if name not in schema.names:
            continue
        kind = schema.field(name).type
        if id_kind(typed) == NOTHING:
            typed, typed_file = kind, path
        else:
            check_same_kind(name, typed, typed_file, kind, path, option)
    return typed


def check_same_kind(name: str, first: pa.DataType, first_file: str, other: pa.DataType, other_file: str, option: str) -> None:
    """Text in one file and numbers in another is an error; int32 and int64,
    or string and large_string, are the same kind and fine, and so is a
    column of no values (Arrow's null type) beside any other."""
    kinds = (id_kind(first), id_kind(other))
    if kinds[0] != kinds[1] and TEXT in kinds and NOTHING not in kinds:
        raise LossCliError(
            f"'{name}' holds {other} here but {first} in {first_file}; {option} needs one type in every file of a dataset, as 0 and \"0\" are different values",
            file=other_file,
            column=name,
            hint=f"cast '{name}' to one type (string or integer) when writing the files",
        )


# ----------------------------------------------------------------------------- Arrow IPC


class ArrowSource(Source):
    def __init__(self, path: str, *, stdin: str | None = None) -> None:
        self.path = path
        self.display = "<stdin>" if path == "-" else path
        self.files = _expand_paths(path, _ARROW_SUFFIXES) if path != "-" else [path]
        self._stdin = _stdin_copy(stdin) if path == "-" else None
        schema = self._schema(self.files[0])
        self.columns = [Column(f.name, read_type(_undictionaried_type(f.type))) for f in schema]
        _check_names(self.names(), self.display)
        self._offer_struct_fields()

    def _reader(self, path: str) -> object:
        """A reader of the IPC file format (Feather v2), or else of the stream format."""
        source = pa.memory_map(self._stdin if path == "-" else path)
        try:
            return pa.ipc.open_file(source)
        except pa.ArrowInvalid:
            source.seek(0)
            head = source.read(8)
            source.seek(0)
            if is_feather_v1(head):
                raise _feather_v1(self._shown(path)) from None
            return pa.ipc.open_stream(source)

    def _shown(self, path: str) -> str:
        return self.display if path == "-" else path

    def _schema(self, path: str) -> pa.Schema:
        try:
            return self._reader(path).schema
        except (pa.ArrowException, OSError) as error:
            raise LossCliError(f"cannot read as Arrow IPC/Feather: {_first_line(error)}", file=self._shown(path), hint="is the file complete and really Arrow/Feather (v2)?") from None

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        schemas = [(path, self._schema(path)) for path in self.files[1:]]
        return {name: typed_across(name, self.column(name).type, self.files[0], schemas, option) for name in names}

    row_counts_known_ahead = True

    def _file_row_counts(self) -> list[tuple[str, int]] | None:
        return [(path, _ipc_rows(self._reader(path))) for path in self.files if path != "-"]

    @_vectors_read_as_lists
    @struct_fields_read
    @_explains_read_failures
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        for path in self.files:
            reader = self._reader(path)
            _check_same_shape(self, reader.schema, columns, path)
            try:
                if hasattr(reader, "num_record_batches"):
                    items = (reader.get_batch(i) for i in range(reader.num_record_batches))
                else:
                    items = iter(reader)
                for batch in items:
                    yield _undictionaried(batch.select(columns))
            except (pa.ArrowException, OSError, KeyError) as error:
                raise LossCliError(f"cannot read Arrow data: {_first_line(error)}", file=self._shown(path), hint="the file may be truncated or corrupt") from None


def _feather_v1(file: str) -> LossCliError:
    # pyarrow deprecated reading it (25.0) and will drop it; v2 is Arrow IPC.
    return LossCliError(
        "the file is Feather v1, an old format that pyarrow has deprecated and losscli does not read",
        file=file,
        hint="rewrite it as Feather v2, which is Arrow IPC: pyarrow.feather.write_feather(pyarrow.feather.read_table(PATH), NEW_PATH), "
        "or pandas df.to_feather(NEW_PATH), which writes v2",
    )


def _undictionaried_type(kind: pa.DataType) -> pa.DataType:
    """The type a dictionary-encoded IPC column is read as: numbers decoded,
    as Parquet's reader gives them (pandas and pyarrow encode repeated
    numbers so), and text kept encoded but with string_view values (polars'
    Categorical), which Arrow can neither decode nor cast, made plain."""
    if not pa.types.is_dictionary(kind):
        return kind
    values = kind.value_type
    if pa.types.is_string_view(values):
        return pa.dictionary(kind.index_type, pa.string())
    if pa.types.is_binary_view(values):
        return pa.dictionary(kind.index_type, pa.binary())
    if is_text(values) or is_binary(values):
        return kind
    return values


def _undictionaried(batch: pa.RecordBatch) -> pa.RecordBatch:
    for index, kind in enumerate(batch.schema.types):
        wanted = _undictionaried_type(kind)
        if wanted == kind:
            continue
        values = batch.column(index)
        if pa.types.is_dictionary(wanted):
            plain = pa.DictionaryArray.from_arrays(values.indices, values.dictionary.cast(wanted.value_type))
        else:
            plain = values.dictionary_decode()
        batch = batch.set_column(index, batch.schema.field(index).with_type(wanted), plain)
    return batch


def _ipc_rows(reader: object) -> int:
    if hasattr(reader, "num_record_batches"):
        return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    return sum(batch.num_rows for batch in reader)


# ----------------------------------------------------------------------------- datasets


def _check_same_shape(source: "ParquetSource | ArrowSource", schema: pa.Schema, columns: list[str], path: str) -> None:
    """Every file of a dataset must hold lists where the first file does, and
    single values where it does: the plan chose how to read a column from the
    first file alone."""
    first = source.files[0]
    if path == first:
        return
    for name in columns:
        if name not in schema.names:
            continue
        here, there = read_type(schema.field(name).type), source.column(name).type
        if _shape(here) != _shape(there):
            raise LossCliError(
                f"the column holds {_type_name(here)} here but {_type_name(there)} in {first}",
                file=path,
                column=name,
                hint="every file of a dataset needs the same column types; rewrite this file or move it out of the dataset",
            )


def _type_name(kind: pa.DataType) -> str:
    """list<double> rather than Arrow's list<element: double>."""
    if is_list_type(kind):
        return f"list<{_type_name(kind.value_type)}>"
    return str(kind)


def _shape(kind: pa.DataType) -> int:
    """How deeply a type nests lists: 0 for single values, 1 for lists, 2 for lists of lists."""
    depth = 0
    while is_list_type(kind):
        depth += 1
        kind = kind.value_type
    return depth


# ----------------------------------------------------------------------------- NDJSON


class NdjsonSource(Source):
    def __init__(self, path: str, compression: str | None = None, *, stdin: str | None = None) -> None:
        import pyarrow.json as pajson

        self._json = pajson
        self.path = path
        self.display = "<stdin>" if path == "-" else path
        # stdin is read from its temporary copy, compressed as it came.
        self._readable = _stdin_copy(stdin) if path == "-" else path
        self.compression = _compression_of_copy(self._readable) if path == "-" else compression
        if path == "-" and _blank(self._readable):
            raise LossCliError("input is empty", file=self.display)
        if path != "-" and os.path.getsize(path) == 0:
            raise LossCliError("file is empty", file=self.display)
        # JSON has no date type: Arrow reads text that looks like a date as a
        # timestamp, which would merge "2024-01-01" and "2024-01-01T00:00:00"
        # into one --by group. Such columns are read as the text written, and
        # Spark ML vectors with all their fields (see _json_written_type).
        with self.read_failures_explained():
            inferred = self._inferred_schema()
            check_not_object_of_objects(inferred, self.display)
            # Every field's type as the rows are read (see _row_reader).
            self._row_types = pa.schema([pa.field(f.name, _json_written_type(f.type)) for f in inferred])
            self.columns = [Column(f.name, read_type(f.type)) for f in self._row_types]
        self._offer_struct_fields()

    def _stream(self) -> pa.NativeFile:
        return pa.input_stream(self._readable, compression=self.compression)

    def read_like(self, first: Source) -> None:
        """JSON Lines parts may hold other fields (rows of a log need not
        name every field): a field of the first part's is read with its type
        (missing here: null), any other is passed over."""
        if isinstance(first, NdjsonSource):
            self._row_types, self.columns, self.struct_paths = first._row_types, first.columns, first.struct_paths

    def _inferred_schema(self) -> pa.Schema:
        """The types Arrow infers from the first 16 MB block."""
        try:
            return self._json.open_json(self._stream(), read_options=self._json.ReadOptions(block_size=CSV_BLOCK_BYTES)).schema
        except pa.ArrowInvalid as error:
            raise self._explain_failure(error) from None

    def _row_reader(self, types: pa.Schema) -> object:
        """A reader of every row with every field's type given, as the first
        block's were inferred when the file was opened. Nothing is inferred
        again, and the rows are read in smaller blocks, which Arrow parses
        ahead better (MSE on 3M rows: 0.78 to 0.65 s; CE on 40K rows of 100
        classes: 0.56 to 0.47 s; 1 MB blocks were slower on wide rows). A
        field that first appears after the first block is not a column, and
        is passed over. Raises Arrow's error for a value that does not fit."""
        parse = self._json.ParseOptions(explicit_schema=types, unexpected_field_behavior="ignore")
        read = self._json.ReadOptions(block_size=NDJSON_ROW_BLOCK_BYTES)
        return self._json.open_json(self._stream(), read_options=read, parse_options=parse)

    def check_one_type(self, names: list[str], option: str) -> dict[str, pa.DataType]:
        """Also reads ids that Arrow infers as float64 because one of them
        exceeds int64 (hashed ids up to 2**64) exactly, as uint64: as floats,
        distinct ids merged into one group, or into a duplicate key."""
        with self.read_failures_explained():
            for name in names:
                if name in self.struct_paths:
                    continue  # a field of an object: Arrow's inferred type stands
                if pa.types.is_floating(self.column(name).type) and self._reads_as(name, pa.uint64()):
                    self._read_as(name, pa.uint64())
        return super().check_one_type(names, option)

    def _reads_as(self, name: str, kind: pa.DataType) -> bool:
        """Whether every value of column ``name`` converts to ``kind`` (a pass over the file)."""
        try:
            for _ in self._row_reader(self._with_field(name, kind)):
                pass
        except pa.ArrowInvalid:
            return False
        return True

    def _read_as(self, name: str, kind: pa.DataType) -> None:
        self._row_types = self._with_field(name, kind)
        self.columns = [Column(c.name, kind) if c.name == name else c for c in self.columns]

    def _with_field(self, name: str, kind: pa.DataType) -> pa.Schema:
        return self._row_types.set(self._row_types.get_field_index(name), pa.field(name, kind))

    def _explain_failure(self, error: pa.ArrowInvalid) -> LossCliError:
        """Arrow numbers rows from 0 within a block: find the file's row by rescanning."""
        text = _first_line(error)
        changed = re.search(r"Column\(/([^)]*)\) changed from", text)
        # Arrow names the field (its path: /y_pred, /meta/id) but not the line.
        twice = re.search(r"Column\(/([^)]*)\) was specified twice", text)
        repeated = twice.group(1).rsplit("/", 1)[-1] if twice else None
        row = self._first_bad_line(changed.group(1) if changed else None, repeated)
        problem = re.sub(r" in row \d+", "", text)
        return LossCliError(
            f"cannot parse NDJSON: {problem}",
            file=self.display,
            row=row,
            hint=f"name each field once per object: remove the extra '{repeated}'" if repeated else "one JSON object per line, with the same types in every line",
        )

    def _first_bad_line(self, column: str | None, repeated: str | None = None) -> int | None:
        """The first data row that is not a JSON object, whose ``column``
        changes JSON type, or with an object naming the field ``repeated`` twice."""
        import json

        first_kind = None
        row = 0
        for line in io.TextIOWrapper(self._stream(), encoding="utf-8-sig", errors="replace"):
            if not line.strip():
                continue
            row += 1
            try:
                record = json.loads(line)
            except ValueError:
                return row
            if not isinstance(record, dict):
                return row
            if repeated is not None and _names_twice(line, repeated):
                return row
            if column is None or record.get(column) is None:
                continue
            kind = json_kind(record[column])
            first_kind = first_kind or kind
            if kind != first_kind:
                return row
        return None

    @_vectors_read_as_lists
    @struct_fields_read
    @_explains_read_failures
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        try:
            reader = self._row_reader(self._row_types)
        except pa.ArrowInvalid as error:
            raise self._explain_failure(error) from None
        offset = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as error:
                raise self._explain_failure(error) from None
            batch = batch.select(columns)
            self._check_utf8(batch, offset)
            offset += batch.num_rows
            yield batch

    def _check_utf8(self, batch: pa.RecordBatch, offset: int) -> None:
        """Arrow's JSON reader passes bytes that are not UTF-8 into text columns; stop them here."""
        for name, values in zip(batch.schema.names, batch.columns):
            if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
                continue
            index = first_invalid_utf8(values)
            if index is not None:
                raise LossCliError(
                    "text that is not valid UTF-8",
                    file=self.display,
                    column=name,
                    row=offset + index + 1,
                    hint="save the file as UTF-8; a damaged or binary file reads like this too",
                )


def _json_written_type(inferred: pa.DataType) -> pa.DataType:
    """The type a JSON column is read as when Arrow's guess would lose what
    was written: dates as their text, and Spark ML vectors, whose dense rows
    leave out size and indices, with every field of a vector."""
    if is_temporal(inferred):
        return pa.string()
    if is_json_vector(inferred):
        return VECTOR_TYPE
    return inferred


def _json_source(path: str, compression: str | None, stdin: str | None) -> Source:
    """JSON Lines, streamed, or a document of pandas' to_json that names its
    columns (orient="split" or "table"), read whole; told by its first bytes."""
    readable = _stdin_copy(stdin) if path == "-" else path
    if path == "-":
        compression = _compression_of_copy(readable)
    display = "<stdin>" if path == "-" else path
    try:
        with pa.input_stream(readable, compression=compression) as stream:
            layout = document_layout(stream.read(_SNIFF_BYTES), display)
        if layout is None:
            return NdjsonSource(path, compression, stdin=readable if path == "-" else None)
        with pa.input_stream(readable, compression=compression) as stream:
            return JsonDocumentSource(path, read_document(stream, layout, display))
    except OSError as error:
        raise _read_failure(error, display, compression) from None


def _compression_of_copy(path: str) -> str | None:
    """How stdin's copy is compressed, told by its first bytes (it has no name to tell it)."""
    with open(path, "rb") as copy:
        return compression_from_magic(copy.read(16))


def _blank(path: str) -> bool:
    """Whether a file holds nothing but white space (looked for in its first 64 KB)."""
    with open(path, "rb") as copy:
        return not copy.read(1 << 16).strip() and not copy.read(1)


class JsonDocumentSource(Source):
    """A table from one JSON document (pandas' to_json with orient="split" or
    "table"), held in memory: the document must be parsed whole."""

    def __init__(self, path: str, table: pa.Table) -> None:
        self.path = path
        self.display = "<stdin>" if path == "-" else path
        self._table = table
        self.columns = [Column(f.name, f.type) for f in table.schema]
        _check_names(self.names(), self.display)
        self._offer_struct_fields()

    def rows_hint(self) -> int | None:
        return self._table.num_rows

    @struct_fields_read
    def batches(self, columns: list[str], text_columns: frozenset[str] = frozenset()) -> Iterator[pa.RecordBatch]:
        yield from self._table.select(columns).to_batches(max_chunksize=BATCH_ROWS)
