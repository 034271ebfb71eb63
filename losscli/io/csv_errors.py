"""What went wrong in a piece of a CSV body, said with the file's row and
column and how to fix it.

Arrow names neither the row nor the column of a failure precisely, and a
quote that runs away is not a failure to Arrow at all. The piece that
failed is at hand (``csv_blocks.PieceFailed``), with the number of rows
before it, so the cell is found in that piece alone: nothing is read
again, which stdin could not give anyway.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Callable

import pyarrow as pa

from ..errors import LossCliError
from ._lazy import pc
from .csv_blocks import LongRow, Piece, PieceFailed, ROW_MOST_BYTES
from .csv_quotes import QuotesOutOfStep, RunawayQuote, row_end_exactly
from .numbers import BOOLEAN_WORDS, MISSING_WORDS, not_a_number, number_pattern
from .utf8 import first_invalid_utf8


@dataclass(frozen=True)
class CsvFile:
    """What the explanations need to know of the file: its name, columns
    and their types, delimiter, a way to read it again from the start to
    count lines (None for stdin), and its decimal separator."""

    display: str
    types: dict[str, pa.DataType]
    delimiter: str
    reread: Callable[[], pa.NativeFile] | None
    decimal: str = "."

    @property
    def names(self) -> list[str]:
        return list(self.types)


def explain(failure: PieceFailed, rows_before: int, file: CsvFile) -> LossCliError:
    """The error to report for a piece that failed, ``rows_before`` rows
    into the body."""
    piece, error = failure.piece, failure.error
    nul = piece.data.find(b"\0", piece.start, piece.stop)
    if nul >= 0:
        # Checked first: zeros make any other failure (a ragged row, a cell that is no number).
        row = rows_before + _rows_up_to(piece, nul, file) + 1
        return nul_bytes(piece.at(nul), file.display, row=row, line=_line_of(piece.at(nul), piece.layout.newline, file))
    if isinstance(error, (RunawayQuote, QuotesOutOfStep)):
        return _runaway(error, piece, rows_before, file)
    if isinstance(error, LongRow):
        if error.opens is not None:
            return _runaway(RunawayQuote(error.opens, 0, "long"), piece, rows_before, file)
        return LossCliError(
            f"a line runs on for more than {ROW_MOST_BYTES >> 20} MB without ending",
            file=file.display,
            row=rows_before + _rows_up_to(piece, piece.start, file) + 1,
            hint="is it a CSV file? check --input-format and --delimiter",
        )
    return _explain_arrow(error, piece, rows_before, file)


def nul_bytes(offset: int, display: str, *, row: int | None = None, line: int | None = None) -> LossCliError:
    """NUL bytes, which no text holds: a file cut short by a crash (the
    space it had taken is left zeros), zeros written after it, or binary data."""
    where = f"from byte {offset}" + (f" (line {line})" if line else "")
    return LossCliError(
        f"the file holds NUL bytes {where}, which CSV text never has: it may be truncated or corrupt "
        "(a crash while it was written leaves zeros), or it is not text at all",
        file=display,
        row=row,
        hint=f"write the file again; if the rows before are complete, keep only them, e.g. head -c {offset} FILE > FIXED",
    )


def _runaway(quote: RunawayQuote | QuotesOutOfStep, piece: Piece, rows_before: int, file: CsvFile) -> LossCliError:
    """A quoted value that takes in the rows after it, or whose end cannot
    be told: named at the row, line and column where its quote opens."""
    start = _row_start(piece, quote.opens)
    line = _line_of(piece.at(quote.opens), piece.layout.newline, file)
    where = f"a quote opens a value here{f' (line {line})' if line else ''}"
    if isinstance(quote, QuotesOutOfStep):
        message = f"{where} that holds a line break, and quotes inside unquoted values before it (such as 12\" pizza) leave its end unclear"
    elif quote.evidence == "unclosed":
        message = f"{where} and nothing closes it, so the rest of the input, {quote.lines} line{'s' if quote.lines != 1 else ''}, would be read as that one value"
    elif quote.evidence == "rows":
        runs = f"is still open {quote.lines} lines on" if quote.still_open else f"runs on over {quote.lines} lines"
        message = f"{where} that {runs}, taking in lines that look like rows ('{_shortened(quote.sample)}')"
    elif quote.evidence == "text after":
        message = f"{where} that runs on over {quote.lines} lines to a quote followed by more text, which is no value's end"
    else:
        message = f"{where} that runs on for more than {ROW_MOST_BYTES >> 20} MB without closing"
    return LossCliError(
        message,
        file=file.display,
        column=_column_at(piece, start, quote.opens, file),
        row=rows_before + _rows_up_to(piece, start, file) + 1,
        hint="close the quote where the value ends; a quote that is part of the text needs the whole value "
        'in quotes and itself doubled ("12"" pizza"), or the quote removed',
    )


def _shortened(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def _row_start(piece: Piece, position: int) -> int:
    """Where the row holding ``position`` starts, its quotes found one by
    one: a count of them can be put out of step (see ``csv_quotes``)."""
    end, _ = row_end_exactly(piece.data, piece.start, position, piece.layout, final=False)
    return piece.start if end is None else end


def _rows_up_to(piece: Piece, position: int, file: CsvFile) -> int:
    """How many rows of ``piece`` end before the row holding ``position``."""
    start = _row_start(piece, position)
    if start == piece.start:
        return 0
    prefix = pa.py_buffer(memoryview(piece.data)[piece.start : start])
    try:
        return _parse(prefix, file, include=[]).num_rows
    except pa.ArrowInvalid:
        # Rows Arrow cannot read before it: counted as lines that are not blank.
        text = bytes(prefix)
        return sum(1 for line in text.split(piece.layout.newline) if line.strip())


def _column_at(piece: Piece, start: int, position: int, file: CsvFile) -> str | None:
    """The name of the column whose field ``position`` lies in, its row starting at ``start``."""
    text = bytes(piece.data[start:position]).decode("utf-8", errors="replace")
    fields = next(csv.reader([text], delimiter=file.delimiter), [""]) if text else [""]
    index = len(fields) - 1
    return file.names[index] if index < len(file.names) else None


def _line_of(offset: int, newline: bytes, file: CsvFile) -> int | None:
    """The 1-based line of the input at byte ``offset``, when the input can
    be read again (not stdin): rows and lines differ once a value holds a
    line break, and an editor goes to a line."""
    if file.reread is None:
        return None
    lines, read = 1, 0
    with file.reread() as stream:
        while read < offset:
            chunk = stream.read(min(1 << 24, offset - read))
            if not chunk:
                break
            lines += chunk.count(newline)
            read += len(chunk)
    return lines


# ----------------------------------------------------------------------------- what Arrow could not parse


def _explain_arrow(error: Exception, piece: Piece, rows_before: int, file: CsvFile) -> LossCliError:
    message = str(error)
    ragged = re.search(r"Expected (\d+) columns, got (\d+)", message)
    if ragged:
        found = _first_ragged_row(piece, int(ragged.group(1)), file)
        if found:
            row, fields = found
            return LossCliError(
                f"this row has {fields} field{'s' if fields != 1 else ''} where the header has {ragged.group(1)}",
                file=file.display,
                row=rows_before + row,
                hint=csv_hint(error),
            )
    match = re.search(r"column #(\d+)", message)
    if match and "conversion error" in message:
        # Arrow numbers the column by its position in the file, not among the selected ones.
        index = int(match.group(1))
        explained = _explain_conversion(piece, file.names[index], "UTF8" in message, rows_before, file) if index < len(file.names) else None
        if explained is not None:
            return explained
    return LossCliError(f"cannot parse CSV: {csv_problem(error)}", file=file.display, hint=csv_hint(error))


def _explain_conversion(piece: Piece, name: str, utf8_error: bool, rows_before: int, file: CsvFile) -> LossCliError | None:
    """The cell of column ``name`` that Arrow could not convert."""
    if not utf8_error:
        boolean = pa.types.is_boolean(file.types[name])
        accepts = (lambda values: pc.is_in(values, value_set=pa.array(BOOLEAN_WORDS))) if boolean else (lambda values: pc.match_substring_regex(values, number_pattern(file.decimal)))
        found = _first_mismatch(piece, name, accepts, file)
        if found:
            row, text = found
            if boolean:
                message, hint = f"text '{text}' in a column of true/false values", "fix the value, or write the column as numbers"
            else:
                message, hint = not_a_number(text, file.delimiter, file.decimal)
            return LossCliError(message, file=file.display, column=name, row=rows_before + row, hint=hint)
    # Bytes that are not UTF-8 in a number column stop the text search above
    # too, and Arrow's message then does not say UTF-8.
    row = _first_invalid_utf8(piece, name, file)
    if row is None and not utf8_error:
        return None
    return LossCliError(
        "text that is not valid UTF-8",
        file=file.display,
        column=name,
        row=None if row is None else rows_before + row,
        hint="save the file as UTF-8; a damaged or binary file reads like this too",
    )


def _first_ragged_row(piece: Piece, expected: int, file: CsvFile) -> tuple[int, int] | None:
    """(row in the piece, field count) of the first row whose field count differs from the header's."""
    text = io.TextIOWrapper(io.BytesIO(piece.buffer), encoding="utf-8", errors="replace", newline="")
    row = 0
    for record in csv.reader(text, delimiter=file.delimiter):
        if not record:
            continue  # Arrow skips empty lines; so does the row count
        row += 1
        if len(record) != expected:
            return row, len(record)
    return None


def _first_mismatch(piece: Piece, name: str, accepts: Callable[[pa.Array], pa.Array], file: CsvFile) -> tuple[int, str] | None:
    """(row in the piece, text) of the first value of ``name`` that is neither missing nor accepted."""
    try:
        values = _parse(piece.buffer, file, include=[name], types={name: pa.string()}).column(0)
    except pa.ArrowInvalid:
        return None
    ok = pc.or_kleene(pc.is_null(values), accepts(values))
    bad = pc.invert(pc.fill_null(ok, True))
    if not pc.any(bad).as_py():
        return None
    index = pc.index(bad, True).as_py()
    return index + 1, values[index].as_py()


def _first_invalid_utf8(piece: Piece, name: str, file: CsvFile) -> int | None:
    """1-based row in the piece of the first value of ``name`` that is not valid UTF-8."""
    try:
        values = _parse(piece.buffer, file, include=[name], types={name: pa.binary()}, missing=False).column(0)
    except pa.ArrowInvalid:
        return None
    index = first_invalid_utf8(values.combine_chunks())
    return None if index is None else index + 1


def _parse(data: pa.Buffer, file: CsvFile, *, include: list[str], types: dict[str, pa.DataType] | None = None, missing: bool = True) -> pa.Table:
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(column_names=file.names, use_threads=False, block_size=max(len(data), 1) + 1)
    parse = pacsv.ParseOptions(delimiter=file.delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        include_columns=include, column_types=types or {}, strings_can_be_null=missing, null_values=MISSING_WORDS if missing else [], decimal_point=file.decimal
    )
    return pacsv.read_csv(pa.BufferReader(data), read_options=read, parse_options=parse, convert_options=convert)


def csv_problem(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    match = re.search(r"Expected (\d+) columns, got (\d+)", text)
    if match:
        return f"a row has {match.group(2)} fields where the header has {match.group(1)}"
    return text


def csv_hint(error: BaseException) -> str:
    text = str(error)
    if "Expected" in text and "columns" in text:
        return "every row needs as many fields as the header (ragged CSV); check the delimiter with --delimiter"
    return "check the file is CSV with a header line; --delimiter and --input-format override detection"

