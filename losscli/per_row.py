"""Per-row (``--reduction none`` / ``--per-row FILE``) output.

Rows are streamed batch by batch into a temporary file, which is renamed
into place (or copied to stdout, a device or a FIFO) only once the whole
input has been read, so a failure part-way leaves no partial output.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

import numpy as np
import pyarrow as pa

from . import markdown
from .column_names import KEY_PREFIX, SAMPLE_PREFIX, distinct, group_column
from .engine import Batch
from .errors import LossCliError
from .io.arrow_numpy import from_numpy
from .labels import MISSING, shown_labels, shown_value
from .output import open_in_place, publish, temp_path_for, writes_in_place, writing
from .registry import BoundLoss
from .wording import numbered_repeats

FILE_FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    # Arrow's IPC file format, which Feather version 2 is: what the inputs read as Arrow.
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
}


# --format table asks for a summary laid out for a screen; per-row values are
# one line per input row, streamed as they are computed, so they stay CSV,
# which any number of rows fits and pandas or a spreadsheet reads back.
ROWS_NOT_A_TABLE = (
    "--reduction none writes one line per row as CSV, not as a table, which would have to hold every row "
    "of the input; --format json or markdown write the rows in those formats"
)


def per_row_format(path: str | None, fmt: str) -> str:
    if path and path != "-":
        ext = os.path.splitext(path.lower())[1]
        if ext in ("", ".txt"):
            return "csv"
        if ext not in FILE_FORMATS:
            # Writing CSV into rows.xlsx or rows.tsv would only surprise later.
            raise LossCliError(
                f"per-row output '{path}': unknown file type '{ext}'",
                hint=f"use one of {', '.join(sorted(FILE_FORMATS))}",
            )
        return FILE_FORMATS[ext]
    return {"json": "json", "markdown": "markdown"}.get(fmt, "csv")


def check_per_row_losses(losses: list[BoundLoss], sample_col: str | None) -> str:
    """'row' or 'sample': which unit the per-row output has; an error if neither fits."""
    from .conventions import pools_samples

    pooled = [b for b in losses if b.spec.kind == "ratio" and pools_samples(b)]
    if pooled:
        # Keras' Dice and Tversky reduce over every axis: one ratio for all rows, none per sample.
        names = ", ".join(dict.fromkeys(b.display for b in pooled))
        raise LossCliError(
            f"{names} {'has' if ', ' not in names else 'have'} no per-row or per-sample value: the library pools every row into one ratio, whatever --sample-col says",
            hint="drop the convention to get one value per sample, or drop --reduction none and --per-row",
        )
    row_level = [b for b in losses if b.spec.kind == "mean" or (b.spec.per_row is not None and not sample_col)]
    sample_level = [b for b in losses if b.spec.kind == "ratio" and sample_col]
    other = [b for b in losses if b not in row_level and b not in sample_level]
    if other:
        shown = list(dict.fromkeys(b.display for b in other))  # a loss asked for twice, named once
        hint = "give --sample-col to get one value per sample" if any(b.spec.kind == "ratio" for b in other) else f"drop {'it' if len(shown) == 1 else 'them'} from this run"
        verb, what = ("has", "it is") if len(shown) == 1 else ("have", "each is")
        raise LossCliError(f"{', '.join(shown)} {verb} no per-row value: {what} computed from all rows at once", hint=hint)
    if row_level and sample_level:
        raise LossCliError(
            "per-row output cannot mix per-row losses ("
            + ", ".join(b.display for b in row_level)
            + ") with per-sample losses ("
            + ", ".join(b.display for b in sample_level)
            + ")",
            hint="run them in two commands",
        )
    return "sample" if sample_level else "row"


class PerRowWriter:
    """Collects per-row losses into a temp file next to the target, or
    anywhere for a stream (stdout, a device, a FIFO) it is copied into."""

    def __init__(
        self, path: str | None, fmt: str, losses: list[BoundLoss], by: str | None, sample_col: str | None = None, key: str | None = None
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.losses = losses
        self.by = by
        # The row number (and a dataset's file) and the losses have columns of
        # their own: the group's may not take one's name. "file" is kept for a
        # dataset's file whatever the input, so a --by column's header does
        # not depend on how many files were read.
        own = {"file", "row", *self._names()}
        self.group_header = group_column(by, own) if by else None
        # Long-format sequences are numbered in order, not by a row of the file: their id says which they are.
        self.sample_header = distinct(sample_col, {*own, self.group_header}, SAMPLE_PREFIX) if sample_col else None
        # Named last, so the other columns are named as they are without --key.
        self.key_header = distinct(key, {*own, self.group_header, self.sample_header}, KEY_PREFIX) if key else None
        self.to_stdout = not path or path == "-"
        self.to_stream = self.to_stdout or writes_in_place(path)
        # Errors name the user's path (None: stdout), never the temp file.
        self.shown_path = None if self.to_stdout else path
        with writing(self.shown_path):
            self.temp = _stream_temp() if self.to_stream else temp_path_for(path)
        self._writer: Any = None
        self._arrow_schema: pa.Schema | None = None
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._handle: Any = None
        self._first = True
        self.rows = 0
        # CSV text columns whose values JSON writes as numbers where they are plain numbers.
        self._shown_columns: set[str] = set()
        # Per loss column: how many values are not finite, and the row (or sample) of the first.
        self._not_finite: dict[str, list[Any]] = {}
        self._unit = "row"
        if fmt in ("csv", "parquet"):
            # Arrow registers its compute functions when pyarrow.compute is
            # first imported, and these writers look them up (cast). A first
            # import on the reading thread (an error being explained, text
            # labels) while this thread wrote now and then failed the write
            # with "No function registered with name: cast"; imported here,
            # before any reading thread starts, it cannot race.
            import pyarrow.compute  # noqa: F401

    def _names(self) -> list[str]:
        # A loss asked for twice (mse and its alias l2) gets a column each: mse, mse#2.
        return numbered_repeats([b.display for b in self.losses])

    def __call__(self, batch: Batch, values: list[np.ndarray | None]) -> None:
        rows = batch.row_ids if batch.row_ids is not None else np.arange(batch.row_offset + 1, batch.row_offset + batch.n + 1)
        columns: dict[str, Any] = {}
        located = batch.locate_rows(np.asarray(rows, dtype=np.int64)) if batch.locate_rows is not None else None
        if located is not None:
            # A dataset's row is named by its file and its row there, as errors name it.
            files, index, rows = located
            columns["file"] = pa.array(files, pa.string()).take(from_numpy(index))
        columns["row"] = from_numpy(np.asarray(rows, dtype=np.int64))
        if self.key_header and batch.keys is not None:
            # Beside the row number: both say which row a line is, the key in the user's own terms.
            columns[self.key_header] = _written_keys(batch.keys, self.fmt)
        if self.sample_header and batch.sequence_ids is not None:
            if batch.sequence_ids_as_text:
                self._shown_columns.add(self.sample_header)
                columns[self.sample_header] = pa.array([None if v == MISSING else v for v in batch.sequence_ids.tolist()], pa.string())
            else:
                columns[self.sample_header] = _typed_column(batch.sequence_ids.tolist())
        if self.by and batch.groups is not None:
            if batch.groups_as_text:
                # Rows are written as they come, before the run has seen every
                # group, so each value is shown on its own (see _write).
                self._shown_columns.add(self.group_header)
                columns[self.group_header] = pa.array([None if v == MISSING else v for v in batch.groups.tolist()], pa.string())
            else:
                columns[self.group_header] = _typed_column(batch.groups.tolist())
        for name, column in zip(self._names(), values):
            column = np.asarray(column, dtype=np.float64)
            self._count_not_finite(name, column, rows)
            columns[name] = from_numpy(column)
        self._write(pa.RecordBatch.from_pydict(columns))

    def write_samples(
        self, keys: list[tuple], per_loss: list[np.ndarray], sample_col: str, *, groups_as_text: bool = False, samples_as_text: bool = False
    ) -> None:
        """One row per (group, sample) key; ``*_as_text``: those values were read
        as text from CSV and are shown as numbers only if all of them are."""
        columns: dict[str, Any] = {}
        if self.by:
            columns[self.group_header] = _shown_column([k[0][0] if k[0] else None for k in keys], groups_as_text)
        sample_header = distinct(sample_col, {self.group_header, *self._names()}, SAMPLE_PREFIX)
        columns[sample_header] = _shown_column([k[1] for k in keys], samples_as_text)
        for name, values in zip(self._names(), per_loss):
            values = np.asarray(values, dtype=np.float64)
            self._unit = "sample"
            self._count_not_finite(name, values, columns[sample_header].to_pylist())
            columns[name] = from_numpy(values)
        self._write(pa.RecordBatch.from_pydict(columns))

    def _count_not_finite(self, name: str, values: np.ndarray, where: Any) -> None:
        bad = ~np.isfinite(values)
        if bad.any():
            seen = self._not_finite.setdefault(name, [0, where[int(np.argmax(bad))]])
            seen[0] += int(bad.sum())

    def notes(self) -> list[str]:
        """What a reader of the rows should know: which values are not numbers
        (an impossible CTC alignment, a sample with only real or only fake rows)."""
        unit = self._unit
        written = {"json": "null", "ndjson": "null", "markdown": "an empty cell"}.get(self.fmt)
        out = []
        for name, (count, first) in self._not_finite.items():
            how = f"written as {written}" if written else "written as inf or nan"
            many = count > 1
            out.append(
                f"{name}: {count} per-{unit} value{'s' if many else ''} {'are' if many else 'is'} infinite or undefined "
                f"(the first at {unit} {first}), {how}"
            )
        return out

    def _write(self, batch: pa.RecordBatch) -> None:
        with writing(self.shown_path):
            self._write_rows(batch)

    def _write_rows(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if self.fmt == "csv":
            import pyarrow.csv as pacsv

            if self._writer is None:
                self._writer = pacsv.CSVWriter(self.temp, batch.schema)
            self._writer.write_batch(batch)
        elif self.fmt in ("parquet", "arrow"):
            # A column without a value so far (a --by group missing in every
            # row yet, as in a file of a dataset whose column holds none) has
            # Arrow's null type, which no later value fits: the file gets its
            # schema from the first batch that gives every column a type. The
            # batches held meanwhile are bounded: past PENDING_MOST_ROWS a
            # column still without a value is written as text.
            self._pending.append(batch)
            self._pending_rows += batch.num_rows
            if self._writer is None:
                schema = _typed_schema(self._pending, text_if_none=self._pending_rows >= PENDING_MOST_ROWS)
                if schema is not None:
                    self._open_typed(schema)
            self._write_pending()
        else:
            if self._handle is None:
                self._handle = open(self.temp, "w", encoding="utf-8")
                if self.fmt == "json":
                    self._handle.write("[")
                elif self.fmt == "markdown":
                    names = batch.schema.names
                    self._handle.write("\n".join(markdown.table(names, _markdown_aligns(batch.schema), [])) + "\n")
            # Markdown shows the text as written; JSON has numbers to offer.
            shown = self._shown_columns if self.fmt != "markdown" else set()
            for record in batch.to_pylist():
                record = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in record.items()}
                for name in shown:
                    if record.get(name) is not None:
                        record[name] = shown_value(record[name])
                if self.fmt == "markdown":
                    self._handle.write(markdown.row("" if v is None else f"{v:.6g}" if isinstance(v, float) else v for v in record.values()) + "\n")
                elif self.fmt == "json":
                    self._handle.write(("\n " if self._first else ",\n ") + json.dumps(record))
                else:
                    self._handle.write(json.dumps(record) + "\n")
                self._first = False

    def _open_typed(self, schema: pa.Schema) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self.temp, schema)
        else:
            self._writer = pa.ipc.new_file(self.temp, schema)
        self._arrow_schema = schema

    def _write_pending(self) -> None:
        if self._writer is None:
            return
        for batch in self._pending:
            self._writer.write_batch(_in_schema(batch, self._arrow_schema))
        self._pending = []
        self._pending_rows = 0

    def _close(self) -> None:
        if self._pending and self._writer is None:
            # A column missing in every row stays of the null type.
            self._open_typed(self._pending[0].schema)
            self._write_pending()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._handle is not None:
            if self.fmt == "json":
                self._handle.write("\n]\n")
            elif self.fmt == "markdown":
                self._handle.write("\n")  # see markdown.document
            self._handle.close()
            self._handle = None

    def complete(self) -> None:
        """Finish the temp file, all but putting it in place (``finish``)."""
        with writing(self.shown_path):
            self._close()

    def finish(self) -> None:
        """Move the finished file into place, or copy it into the stream."""
        with writing(self.shown_path):
            self._close()
            if not self.to_stream:
                publish(self.temp, self.path)
                return
            if self.to_stdout:
                self._copy_to_stdout()
            else:
                with open(self.temp, "rb") as handle, open_in_place(self.path, "wb") as target:
                    shutil.copyfileobj(handle, target)
        os.unlink(self.temp)

    def _copy_to_stdout(self) -> None:
        with open(self.temp, "rb") as handle:
            sys.stdout.flush()
            shutil.copyfileobj(handle, sys.stdout.buffer if hasattr(sys.stdout, "buffer") else _TextBridge(sys.stdout))
        sys.stdout.flush()

    def abort(self) -> None:
        try:
            self._close()
        finally:
            if os.path.exists(self.temp):
                os.unlink(self.temp)


def _stream_temp() -> str:
    """A temp file for rows bound for a stream: nothing is renamed, so any
    directory does; the working directory, else the system's temp directory."""
    import tempfile

    try:
        return temp_path_for(os.path.join(os.getcwd(), "per-row"))
    except OSError:
        fd, temp = tempfile.mkstemp(prefix=".losscli-")
        os.close(fd)
        return temp


def _shown_column(values: list[Any], as_text: bool) -> pa.Array:
    if not as_text:
        return _typed_column(values)
    shown = shown_labels(v for v in values if v is not None)
    return pa.array([None if v is None else shown[v] for v in values])


# Rows of per-row output held while a column has no type yet (see _write_rows).
PENDING_MOST_ROWS = 1 << 20


def _typed_schema(batches: list[pa.RecordBatch], *, text_if_none: bool = False) -> pa.Schema | None:
    """The first batch's schema with each column of the null type given the
    type a later batch has for it; None while a column has no other type,
    unless ``text_if_none``: such a column is then text."""
    fields = []
    for index, field in enumerate(batches[0].schema):
        typed = next((b.schema.field(index).type for b in batches if not pa.types.is_null(b.schema.field(index).type)), None)
        if typed is None:
            if not text_if_none:
                return None
            typed = pa.string()
        fields.append(field.with_type(typed))
    return pa.schema(fields)


def _in_schema(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """A batch in the types of the first one written: a group column of
    integers with a missing value arrives as floats, and one whose values
    are all missing as nulls."""
    if batch.schema.equals(schema):
        return batch
    try:
        return batch.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise LossCliError(
            f"per-row output: a column changed type part way, from {schema} to {batch.schema}".replace("\n", ", "),
            hint="write the per-row output as .csv or .jsonl",
        ) from None


def _written_keys(keys: pa.Array, fmt: str) -> pa.Array:
    """--key values as ``fmt`` holds them: Parquet and Arrow keep every type; text
    formats get dates, times and timestamps as ISO 8601 text (JSON has no
    such type, and the CSV writer's own spelling differs from the reports'),
    and decimals as their digits (JSON has no exact decimal number)."""
    if fmt in ("parquet", "arrow"):
        return keys
    from .io.ids import is_temporal, iso_text

    if is_temporal(keys.type):
        return iso_text(keys)
    if pa.types.is_decimal(keys.type):
        return keys.cast(pa.string())
    return keys


def _typed_column(values: list[Any]) -> pa.Array:
    """Group values of a typed column; a missing value (a number or boolean
    read as -inf, text as MISSING, see ``losscli.io.plan._keys``) is empty."""
    return pa.array([None if v == MISSING or (isinstance(v, float) and not np.isfinite(v)) else v for v in values])


class _TextBridge:
    """Lets shutil copy bytes into a text stream (test runners replace stdout)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, data: bytes) -> int:
        self.stream.write(data.decode("utf-8"))
        return len(data)


def _markdown_aligns(schema: pa.Schema) -> list[str]:
    """Numbers to the right, as the summary's Markdown has them; text (a
    file, a text key or group) to the left, where it is read."""
    return [markdown.RIGHT if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type) else markdown.LEFT for f in schema]
