"""Where the quoted values of a CSV body begin and end, as Arrow's parser
reads them, so that the body is cut between rows, never inside a value
that holds a line break, and a quote that runs away with the rows after
it is found where it opens.

Arrow's rules (RFC 4180, and pandas' and Python's csv module alike): a
quote opens a value only at the start of a field; inside a value, two
quotes are one quote and a single quote closes it; a quote anywhere else
is text. A value that holds line breaks is legitimate, and so, within a
line, is one whose closing quote is followed by more text (Arrow joins
the two). What no writer produces is a quote that is never closed, which
made the rest of the file one text value and its rows disappear without
a word, or one that takes in lines that look like rows.

Finding quotes one by one in Python costs a microsecond each, which on a
file with a quoted text column would be slower than parsing it. A cut
counts the quotes before it (numpy), finds them all only when the count
is odd (``_pairs_in_order``), and quote by quote only where they stand
elsewhere than at field boundaries; the parser of each piece then checks
that the count told the truth (``rows_in_step``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .numbers import number_pattern

QUOTE = b'"'
_QUOTE = ord(QUOTE)
_LF, _CR = ord("\n"), ord("\r")
# Lines of a value that runs over line breaks checked for looking like rows:
# a stray quote takes in rows by the thousand, a few tell.
_LINES_CHECKED = 50


@dataclass(frozen=True)
class Layout:
    """What the quote scan needs to know of a file: its delimiter, the
    byte that ends its lines (LF, or CR in old Mac files), how many
    fields a row has, and its decimal separator (to tell numbers)."""

    delimiter: int
    newline: bytes
    fields: int
    decimal: str = "."


def row_end(data: object, start: int, stop: int, layout: Layout, *, final: bool, first_quote: int | None = None) -> tuple[int | None, int | None]:
    """Where the rows of ``data[start:stop]`` end, ``start`` being a row's start.

    Returns (the offset just past its last line end outside quoted values,
    or None if it holds none; the offset of the quote that opens a value
    still open at ``stop``, or None). ``final``: ``stop`` is the end of the
    input, so a quote there closes its value. ``first_quote``: where the
    first quote from ``start`` is (-1: none before ``stop``), if known.
    """
    end = data.rfind(layout.newline, start, stop)
    if first_quote is None:
        first_quote = data.find(QUOTE, start, stop)
    if first_quote < 0:
        # No quote at all (most numeric files): every line end ends a row.
        return (None if end < 0 else end + 1), None
    if (end >= 0 or final) and _count(data, QUOTE, start, stop if final else end) % 2 == 0:
        # An even number of quotes before the line end: outside every value,
        # as writers quote (see _pairs_in_order). Finding every quote would
        # cost more than parsing the piece; the piece's parser checks that it
        # is so (see ``rows_in_step``).
        return (None if end < 0 else end + 1), None
    quotes = _pairs_in_order(data, start, stop, layout)
    if quotes is None:
        return row_end_exactly(data, start, stop, layout, final=final)
    # Quote k (counted from ``start``) opens a value when k is even, closes it when odd.
    open_at = int(quotes[_opening(quotes, len(quotes) - 1)]) if len(quotes) % 2 else None
    while end >= 0:
        before = int(np.searchsorted(quotes, end))
        if before % 2 == 0:
            return end + 1, open_at
        # The line end lies inside a value: look before the quote that opened it.
        end = data.rfind(layout.newline, start, int(quotes[_opening(quotes, before - 1)]))
    return None, open_at


def _pairs_in_order(data: object, start: int, stop: int, layout: Layout) -> np.ndarray | None:
    """The offsets of the quotes in ``data[start:stop]`` when they pair up
    in order, so that the k-th quote opens a value when k is even and
    closes it when k is odd, as Arrow reads them; else None.

    That holds when every would-be opening quote starts a field (follows a
    delimiter or a line end) or is the second of two quotes inside a value,
    and every would-be closing quote ends a field or is the first of two:
    the quotes of every value a CSV writer quotes. A quote inside an
    unquoted field (12" pizza) or text after a closing quote breaks it,
    and the exact scan takes over.
    """
    view = np.frombuffer(data, dtype=np.uint8, count=stop - start, offset=start)
    found = np.flatnonzero(view == _QUOTE)
    boundary = (layout.delimiter, _LF, _CR)
    # The byte before each quote (a row starts at ``start``) and after it.
    before = view[np.maximum(found - 1, 0)]
    before[found == 0] = _LF
    after = view[np.minimum(found + 1, len(view) - 1)]
    if len(found) and found[-1] == len(view) - 1:
        # The last byte: the end of the input closes a value. In mid-input the
        # next byte is not known; taken as a closing quote, it lies after every
        # line end here, so no row end depends on it, and the next window,
        # which starts before it, looks at it again.
        after[-1] = _LF
    doubled = np.zeros(len(found) + 1, dtype=bool)
    doubled[1:-1] = np.diff(found) == 1  # doubled[k]: quotes k-1 and k stand side by side
    opening = np.isin(before[0::2], boundary) | doubled[0:-1:2]
    closing = np.isin(after[1::2], boundary) | doubled[2::2]
    if opening.all() and closing.all():
        return found + start
    return None


def _opening(quotes: np.ndarray, index: int) -> int:
    """The index of the quote that opened the value quote ``index`` (even,
    an opening quote, or the second of a doubled pair) belongs to."""
    while index >= 2 and quotes[index] - quotes[index - 1] == 1:
        index -= 2  # a doubled quote inside the value: its opening is further back
    return index


@dataclass(frozen=True)
class QuotedValue:
    """A value between quotes: ``opens`` and ``closes`` are the offsets of
    its quotes (``closes`` None when the data ends first); ``text_after``:
    its closing quote is followed by more text of the field."""

    opens: int
    closes: int | None
    text_after: bool


def quoted_values(data: object, start: int, stop: int, layout: Layout, *, final: bool = True) -> Iterator[QuotedValue]:
    """Every quoted value of ``data[start:stop]``, ``start`` being a row's
    start, found quote by quote as Arrow's parser finds them."""
    position = start
    boundary = (layout.delimiter, _LF, _CR)
    while True:
        quote = data.find(QUOTE, position, stop)
        if quote < 0:
            return
        if quote > start and data[quote - 1] not in boundary:
            position = quote + 1  # text, inside an unquoted field
            continue
        search = quote + 1
        while True:
            close = data.find(QUOTE, search, stop)
            if close < 0 or (close + 1 == stop and not final):
                yield QuotedValue(quote, None, False)
                return
            if close + 1 < stop and data[close + 1] == _QUOTE:
                search = close + 2  # two quotes: one quote of the text
                continue
            break
        yield QuotedValue(quote, close, close + 1 < stop and data[close + 1] not in boundary)
        position = close + 1


def row_end_exactly(data: object, start: int, stop: int, layout: Layout, *, final: bool) -> tuple[int | None, int | None]:
    """``row_end`` found quote by quote: for quotes that do not pair up in order."""
    end, position = None, start
    for value in quoted_values(data, start, stop, layout, final=final):
        found = data.rfind(layout.newline, position, value.opens)
        end = found + 1 if found >= 0 else end
        if value.closes is None:
            return end, value.opens
        position = value.closes + 1
    found = data.rfind(layout.newline, position, stop)
    return (found + 1 if found >= 0 else end), None


@dataclass(frozen=True)
class QuotesOutOfStep:
    """A piece cut at a line end that its quotes, counted, put outside every
    value, but that lies inside the value opening at ``opens``: quotes inside
    unquoted values (12" pizza) made the count wrong."""

    opens: int


def rows_in_step(data: object, start: int, stop: int, rows: int, layout: Layout, *, last: bool) -> RunawayQuote | QuotesOutOfStep | None:
    """What is wrong with the quotes of a piece ``data[start:stop]`` that
    Arrow read as ``rows`` rows; ``last``: the piece ends the input.

    As many rows as lines (the common case, found by counting line ends)
    means no value holds a line break, except perhaps one opening on the last
    line and running past the piece's end: that line alone is scanned. Fewer
    rows than lines means values with line breaks (or blank lines): every
    value is looked at, for one that runs away with rows.
    """
    lines = _count(data, layout.newline, start, stop)
    if stop > start and data[stop - 1] != layout.newline[0]:
        lines += 1
    if rows >= lines:
        last_line = data.rfind(layout.newline, start, stop - 1) + 1 or start
        values = quoted_values(data, last_line, stop, layout)
    else:
        values = quoted_values(data, start, stop, layout)
    for value in values:
        if value.closes is None and not last:
            return QuotesOutOfStep(value.opens)
        found = runaway_value(data, value, stop, layout)
        if found is not None:
            return found
    return None


# ----------------------------------------------------------------------------- values that run away


@dataclass(frozen=True)
class RunawayQuote:
    """A quoted value that takes in the rows after it: ``opens`` is the
    offset of its quote, ``lines`` how many line breaks it spans (to the
    end of the data when ``unclosed``), and ``evidence`` what gives it away:
    "unclosed" (the input ends inside it), "rows" (lines in it look like
    rows of the file), or "text after" (it is closed by a quote followed by
    more text, a stray quote rather than the end of a value); ``sample``
    a line it takes in that looks like a row."""

    opens: int
    lines: int
    evidence: str
    sample: str = ""
    # Found before its end was read: ``lines`` are those read so far.
    still_open: bool = False


def runaway_value(data: object, value: QuotedValue, stop: int, layout: Layout) -> RunawayQuote | None:
    """``value`` as a runaway quote: never closed, or spanning line breaks
    and closed as no value ends, or holding lines that look like rows;
    None for a value that legitimately holds line breaks, or none."""
    end = stop if value.closes is None else value.closes
    breaks = _count(data, layout.newline, value.opens, end)
    if value.closes is None:
        # Never closed (pandas: "EOF inside string"), even within one line.
        return RunawayQuote(value.opens, breaks, "unclosed")
    if breaks == 0:
        return None
    if value.text_after:
        return RunawayQuote(value.opens, breaks, "text after")
    return _rows_inside(data, value.opens, end, breaks, layout)


def open_value_takes_in_rows(data: object, opens: int, stop: int, layout: Layout) -> RunawayQuote | None:
    """A value still open at ``stop`` (its closing quote not yet read) that
    has already taken in lines that look like rows: known to be a runaway
    before the rest of the input is read."""
    return _rows_inside(data, opens, stop, _count(data, layout.newline, opens, stop), layout, still_open=True)


def _rows_inside(data: object, opens: int, end: int, breaks: int, layout: Layout, *, still_open: bool = False) -> RunawayQuote | None:
    """A runaway when at least half the whole lines inside the value (the
    first few) look like rows of the file; legitimate text seldom has
    lines of exactly the file's field count, half of them numbers."""
    lines = _whole_lines(data, opens, end, layout)
    if not lines:
        return None
    rowlike = [line for line in lines if looks_like_row(line, layout)]
    if 2 * len(rowlike) < len(lines):
        return None
    return RunawayQuote(opens, breaks, "rows", rowlike[0], still_open)


def looks_like_row(line: str, layout: Layout) -> bool:
    """Whether a line of text has the file's number of fields, at least
    half of them (and at least one) numbers or missing values."""
    fields = line.rstrip("\r").split(chr(layout.delimiter))
    if len(fields) != layout.fields:
        return False
    numbers = sum(1 for field in fields if re.fullmatch(number_pattern(layout.decimal), field))
    blanks = sum(1 for field in fields if not field.strip())
    return numbers >= 1 and 2 * (numbers + blanks) >= len(fields)


def _whole_lines(data: object, opens: int, end: int, layout: Layout) -> list[str]:
    """The first lines that lie wholly inside ``data[opens:end]``."""
    first = data.find(layout.newline, opens, end)
    last = data.rfind(layout.newline, opens, end)
    if first < 0 or first == last:
        return []
    stop = min(last, first + 1 + _LINES_CHECKED * 4096)
    text = bytes(data[first + 1 : stop]).decode("utf-8", errors="replace")
    return text.split(layout.newline.decode())[:_LINES_CHECKED]


def _count(data: object, byte: bytes, start: int, stop: int) -> int:
    if stop <= start:
        return 0
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=stop - start, offset=start) == byte[0]))
