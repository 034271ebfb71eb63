"""Parsing a CSV file's body on every core, block by block, in file order.

Arrow's streaming CSV reader parses on one core. The body is cut at row
ends into pieces that parse independently: a small pool parses the next
pieces while the current one is consumed. On a 10M-row file this took 60%
of the streaming reader's time and less memory (measured, 2 cores). A
plain file is memory-mapped and cut without copying. At most ``workers``
pieces are read ahead.

A row ends at a line end outside quoted values (``csv_quotes``), so a value
that holds a line break stays whole. A quote that is never closed, or that
takes in the rows after it, is not read as text: the piece it is found in
fails with it, in its turn, so the error can name the row it opens in.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from typing import Callable, Iterator

import pyarrow as pa

from .csv_quotes import QUOTE, Layout, QuotedValue, QuotesOutOfStep, RunawayQuote, open_value_takes_in_rows, row_end, rows_in_step, runaway_value
from .prefetch import in_order

# The most a row may take: a line without an end (or a quoted value without
# a closing quote) beyond it is not CSV data, and is not read on and on.
ROW_MOST_BYTES = 1 << 26


@dataclass(frozen=True)
class LongRow:
    """A row that runs on past ROW_MOST_BYTES: no line end (outside quotes)
    within it; ``opens`` is where a quoted value that is still open opened."""

    opens: int | None


class Piece:
    """Rows of the body, ``data[start:stop]``: a zero-copy slice of a
    memory-mapped file, or bytes read from a stream. ``offset`` is where it
    starts in the (decompressed) input; ``quoted``: it holds a quote, so its
    rows are checked for values that span lines; ``problem``: a quote or a
    row that runs away, found while cutting it."""

    def __init__(
        self,
        data: object,
        start: int,
        stop: int,
        offset: int,
        layout: Layout,
        *,
        quoted: bool,
        last: bool = False,
        problem: RunawayQuote | LongRow | None = None,
        unsearched_block: int | None = None,
    ) -> None:
        self.data, self.start, self.stop, self.offset, self.layout = data, start, stop, offset, layout
        self.quoted, self.last, self.problem = quoted, last, problem
        # Cut at a line end without looking for quotes (the block size it was
        # cut with): its parser looks, and a quote found has the rest cut again.
        self.unsearched_block = unsearched_block
        self.buffer = pa.py_buffer(memoryview(data)[start:stop])

    def __len__(self) -> int:
        return self.stop - self.start

    def at(self, position: int) -> int:
        """The input offset of ``position`` in ``data``."""
        return self.offset + position - self.start

    def release(self) -> None:
        """Let go of a mapped piece once parsed: pages of a mapped file that
        were read count in the process's memory until released (a 1 GB CSV
        otherwise left 1 GB resident)."""
        self.buffer = None
        if isinstance(self.data, mmap.mmap) and hasattr(self.data, "madvise"):
            # Whole pages only; a page shared with the next piece is read again from the page cache.
            first = self.start - self.start % mmap.PAGESIZE
            self.data.madvise(mmap.MADV_DONTNEED, first, self.stop - first)


class QuotesFound(Exception):
    """A piece cut without looking for quotes holds one, so its cut may fall
    inside a quoted value: the body is cut again from the piece's start, by
    quotes (``piece`` is where)."""

    def __init__(self, piece: Piece) -> None:
        super().__init__("a quote in a piece cut at a line end")
        self.piece = piece


class PieceFailed(Exception):
    """A piece Arrow could not parse (``error`` is Arrow's), or whose quotes
    are wrong (``error`` is the RunawayQuote, QuotesOutOfStep or LongRow).
    Carries the piece, so the failure is explained from its bytes and the
    rows before it."""

    def __init__(self, piece: Piece, error: Exception | RunawayQuote | QuotesOutOfStep | LongRow) -> None:
        super().__init__(str(error))
        self.piece, self.error = piece, error


def body_pieces(source: str | pa.NativeFile, block_bytes: int, *, header_lines: int = 1, delimiter: str = ",", fields: int = 1, decimal: str = ".") -> Iterator[Piece]:
    """The body's pieces: zero-copy slices of a plain file given by its path,
    or copies read from a stream (compressed files, stdin). The body starts
    after ``header_lines`` lines: the header, and any line before it. Rows
    of ``fields`` fields separated by ``delimiter``, numbers written with
    ``decimal`` (to tell rows inside a runaway quoted value)."""
    if isinstance(source, str):
        return _mapped_pieces(source, block_bytes, header_lines, delimiter, fields, decimal)
    return _stream_pieces(source, block_bytes, header_lines, delimiter, fields, decimal)


def _mapped_pieces(path: str, block_bytes: int, header_lines: int, delimiter: str, fields: int, decimal: str) -> Iterator[Piece]:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    header_end = _end_of_lines(mapped[: 1 << 16], header_lines)
    if header_end is None:
        if size > 1 << 16:
            # The header's end is not in its first 64 KB: find it the streaming way.
            yield from _stream_pieces(pa.BufferReader(pa.py_buffer(mapped)), block_bytes, header_lines, delimiter, fields, decimal)
        return
    end, newline = header_end
    layout = Layout(ord(delimiter), newline, fields, decimal)
    yield from _mapped_from(mapped, end + 1, block_bytes, layout, by_quotes=False)


def _mapped_from(mapped: mmap.mmap, position: int, block_bytes: int, layout: Layout, *, by_quotes: bool) -> Iterator[Piece]:
    """The pieces of a mapped file from ``position``, a row's start.

    Most files hold no quote at all. Looking for one while cutting touched
    every page of the file in the one thread that cuts, before any parser
    could start on it (a tenth of the time of MSE on a 10M-row file, measured
    on 2 cores); so a piece is first cut at the last line end of its block and
    its parser, on its own core, looks for quotes. Only after one is found is
    the rest cut by quotes (``by_quotes``: see ``recut``).
    """
    size = len(mapped)
    while position < size:
        piece = None if by_quotes else _unsearched_piece(mapped, position, size, block_bytes, layout)
        if piece is None:
            piece = _next_piece(mapped, position, size, block_bytes, layout, ended=True, offset=position)
        if piece.problem is None and piece.stop == size and not mapped[position:size].strip():
            return  # blank lines at the end: nothing for Arrow to parse
        yield piece
        if piece.problem is not None:
            return
        position = piece.stop


def _unsearched_piece(mapped: mmap.mmap, position: int, size: int, block_bytes: int, layout: Layout) -> Piece | None:
    """The piece from ``position`` to the last line end within a block, cut
    without looking for quotes; None when the block holds no line end."""
    stop = min(size, position + block_bytes)
    if stop < size:
        end = mapped.rfind(layout.newline, position, stop)
        if end < 0:
            return None
        stop = end + 1
    return Piece(mapped, position, stop, position, layout, quoted=False, last=stop == size, unsearched_block=block_bytes)


def recut(piece: Piece) -> Iterator[Piece]:
    """The pieces of the rest of a mapped file, from an unsearched ``piece``
    found to hold a quote, cut by quotes. Its start is a row's start: every
    piece before it held no quote, so each of their line ends ended a row."""
    return _mapped_from(piece.data, piece.start, piece.unsearched_block, piece.layout, by_quotes=True)


def _next_piece(data: object, position: int, size: int, block_bytes: int, layout: Layout, *, ended: bool, offset: int) -> Piece | None:
    """The piece of ``data`` from ``position`` (a row's start) to the last
    row end within a block, further if a row is longer than a block, where
    ``offset`` is ``position``'s offset in the input. ``size``: how much of
    ``data`` is there; ``ended``: that is the end of the input. None when
    a stream must be read further first."""

    def piece(stop: int, problem: RunawayQuote | LongRow | None = None) -> Piece:
        quoted = problem is not None or 0 <= first_quote < stop
        return Piece(data, position, stop, offset, layout, quoted=quoted, last=ended and stop == size, problem=problem)

    # Found once for the piece, and looked for again only in what a longer
    # row adds: the search touches every page of a mapped file, in the one
    # thread that cuts the pieces.
    stop = min(size, position + block_bytes)
    first_quote = data.find(b'"', position, stop)
    while True:
        final = ended and stop == size
        end, open_at = row_end(data, position, stop, layout, final=final, first_quote=first_quote)
        if final:
            if open_at is not None:
                return piece(stop, runaway_value(data, QuotedValue(open_at, None, False), stop, layout))
            return piece(stop)
        if end is not None:
            return piece(end)
        if open_at is not None and stop - open_at > block_bytes:
            taken = open_value_takes_in_rows(data, open_at, stop, layout)
            if taken is not None:
                # Known to run away without reading the rest of the input.
                return piece(stop, taken)
        if stop - position >= ROW_MOST_BYTES:
            return piece(stop, LongRow(open_at))
        if stop == size:
            return None
        stop, searched = min(size, stop + block_bytes), stop
        if first_quote < 0:
            first_quote = data.find(b'"', searched, stop)


def _stream_pieces(stream: pa.NativeFile, block_bytes: int, header_lines: int, delimiter: str, fields: int, decimal: str) -> Iterator[Piece]:
    """The pieces of a stream, read a block at a time; the bytes after the
    last row end of a block are carried over to the next one. Lines end in
    LF or CRLF; a file whose header ends in a bare CR (old Mac files, which
    Arrow also reads) is cut at CRs instead."""
    carry = b""
    layout = None
    offset = 0  # where ``carry`` starts in the input
    ended = False
    while not ended:
        data = stream.read(block_bytes)
        ended = not data
        data = carry + data
        if layout is None:
            header_end = _end_of_lines(data, header_lines) if not ended else _end_of_lines(data + b"\n", header_lines)
            if header_end is None:
                carry = data
                if len(carry) >= ROW_MOST_BYTES:
                    return  # a header line this long: the reader's checks of the head name it
                continue
            end, newline = header_end
            layout = Layout(ord(delimiter), newline, fields, decimal)
            data, offset = data[end + 1 :], offset + end + 1
        position = 0
        while position < len(data):
            if not ended and len(data) - position < block_bytes // 2:
                break  # too little for a piece: wait for the next block
            piece = _next_piece(data, position, len(data), block_bytes, layout, ended=ended, offset=offset + position)
            if piece is None:
                break
            if piece.problem is None and piece.stop == len(data) and ended and not data[position:].strip():
                break  # blank lines at the end: nothing for Arrow to parse
            # A copy of its own, so the block it was cut from (twice its size
            # with the carry) is not held while it waits for a parser.
            yield piece if piece.problem is not None else Piece(data[piece.start : piece.stop], 0, len(piece), piece.offset, layout, quoted=piece.quoted, last=piece.last)
            if piece.problem is not None:
                return
            position = piece.stop
        carry, offset = data[position:], offset + position


def _line_end(data: bytes) -> tuple[int, bytes] | None:
    """(position, byte) of the end of the first line, once it can be told."""
    lf, cr = data.find(b"\n"), data.find(b"\r")
    if lf >= 0 and (cr < 0 or cr == lf - 1 or lf < cr):
        return lf, b"\n"
    if cr >= 0 and cr + 1 < len(data):
        # A CR not followed by LF ends the line on its own.
        return cr, b"\r"
    return None


def _end_of_lines(data: bytes, count: int) -> tuple[int, bytes] | None:
    """(position, byte) of the end of the ``count``-th line, once it can be told."""
    first = _line_end(data)
    if first is None:
        return None
    end, newline = first
    for _ in range(count - 1):
        end = data.find(newline, end + 1)
        if end < 0:
            return None
    return end, newline


def parallel_csv_batches(
    pieces: Iterator[Piece],
    *,
    names: list[str],
    parse_options: object,
    convert_options: object,
    batch_rows: int,
    workers: int,
    on_piece: Callable[[int], None] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Record batches of the CSV body cut into ``pieces``, parsed as columns
    ``names``, in order. A piece that fails raises PieceFailed in its turn,
    after the batches of the pieces before it. ``on_piece`` is told where
    each piece ends in the input as its batches are handed on."""
    import pyarrow.csv as pacsv

    def parse(piece: Piece) -> tuple[pa.Table, int]:
        if piece.problem is not None:
            raise PieceFailed(piece, piece.problem)
        if piece.unsearched_block is not None and piece.data.find(QUOTE, piece.start, piece.stop) >= 0:
            raise QuotesFound(piece)
        # One Arrow block per piece (a row may not straddle blocks): the pool,
        # not Arrow, spreads the work.
        read_options = pacsv.ReadOptions(column_names=names, use_threads=False, block_size=len(piece) + 1)
        try:
            table = pacsv.read_csv(pa.BufferReader(piece.buffer), read_options=read_options, parse_options=parse_options, convert_options=convert_options)
        except pa.ArrowInvalid as error:
            raise PieceFailed(piece, error) from None
        if piece.quoted:
            trouble = rows_in_step(piece.data, piece.start, piece.stop, table.num_rows, piece.layout, last=piece.last)
            if trouble is not None:
                raise PieceFailed(piece, trouble)
        piece.release()
        return table, piece.at(piece.stop)

    try:
        for table, end in in_order(parse, pieces, workers=workers, name="losscli-csv"):
            if on_piece is not None:
                on_piece(end)
            yield from table.to_batches(max_chunksize=batch_rows)
    except QuotesFound as found:
        # The pieces before it are read; the ones cut after it are dropped.
        options = dict(names=names, parse_options=parse_options, convert_options=convert_options, batch_rows=batch_rows, workers=workers, on_piece=on_piece)
        yield from parallel_csv_batches(recut(found.piece), **options)
