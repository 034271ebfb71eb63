"""The rows of a block of --by group results, written in bulk.

A million groups are a million rows in each format. Writing them one
:class:`~losscli.results.Result` at a time (a dict, a call per value, a
``csv.writer`` row) took longer than computing the losses; here the parts
every row of a block shares are written once, and each row adds its value,
rows and group value, converted a column at a time with ``map`` over
Python's own ``repr``: the text is the same, character for character.

Rows whose text is not of that one form (a null value with its warning, a
group value of a type without a fast conversion) are handed back to the
writer of single results (``one``), in their place.
"""

from __future__ import annotations

import csv
import io
import re
from itertools import chain, repeat
from json.encoder import encode_basestring_ascii
from typing import Any, Callable, Iterator

from .results import GroupResults, Result

# Rows converted at once: a bounded amount of text in flight.
CHUNK = 1 << 16

# (rows of the chunk written one by one, the chunk's group cells) for a chunk's (start, stop).
Prepare = Callable[[int, int], "tuple[set[int], list[Any]]"]
# The text of the rows start+first .. start+last-1, given the chunk's cells.
Run = Callable[[int, int, int, list[Any]], str]


def _pieces(block: GroupResults, prepare: Prepare, run: Run, one: Callable[[Result], str]) -> Iterator[str]:
    """The block's text in pieces, in row order: runs of rows written by
    ``run``, and between them each row ``prepare`` sets apart, written by ``one``."""
    for start in range(0, len(block), CHUNK):
        stop = min(start + CHUNK, len(block))
        apart, cells = prepare(start, stop)
        first = 0
        for index in sorted(apart) + [stop - start]:
            if index > first:
                yield run(start, first, index, cells)
            if index < stop - start:
                yield one(block.result(start + index))
            first = index + 1


def _warned(block: GroupResults, start: int, stop: int) -> set[int]:
    if not block.warnings:
        return set()
    return {index - start for index in block.warnings if start <= index < stop}


def _values(block: GroupResults, start: int, stop: int) -> Iterator[str]:
    """Values as ``repr`` writes them (JSON and CSV alike); a null value's row is written apart."""
    return map(float.__repr__, block.values[start:stop].tolist())


def _rows(block: GroupResults, start: int, stop: int) -> Iterator[str]:
    return map(int.__repr__, block.n[start:stop].tolist())


def _only_ints(values: list[Any]) -> bool:
    """Whether every value is an int (not a bool): its text is ``int.__repr__``'s digits and sign."""
    return set(map(type, values)) <= {int}


# ---------------------------------------------------------------------- JSON


def json_texts(values: list[Any]) -> list[str | None]:
    """Group values as ``json.dumps`` writes them; None for a type written apart."""
    if _only_ints(values):
        return list(map(int.__repr__, values))
    if set(map(type, values)) <= {str}:
        return list(map(encode_basestring_ascii, values))
    from .render import json_scalar

    return [json_scalar(value) for value in values]


def json_entries(block: GroupResults, frame: list[str], one: Callable[[Result], str], separator: str) -> Iterator[str]:
    """The block's results as JSON, in pieces to be joined by ``separator``.

    ``frame`` is the text of a result of the block without a warning, cut
    where its value, rows and group value go.
    """
    head, after_value, after_rows, tail = frame
    between = tail + separator + head

    def prepare(start: int, stop: int) -> tuple[set[int], list[Any]]:
        texts = json_texts(block.groups[start:stop])
        return _warned(block, start, stop) | {index for index, text in enumerate(texts) if text is None}, texts

    def run(start: int, first: int, last: int, texts: list[Any]) -> str:
        values, rows = _values(block, start + first, start + last), _rows(block, start + first, start + last)
        pieces = zip(chain((head,), repeat(between)), values, repeat(after_value), rows, repeat(after_rows), texts[first:last])
        return "".join(chain.from_iterable(pieces)) + tail

    return _pieces(block, prepare, run, one)


# ---------------------------------------------------------------------- CSV

# A field holding none of these is written as it is by csv.writer (QUOTE_MINIMAL, ',' and '"').
_CSV_SPECIALS = re.compile(r'[,"\r\n]')


def csv_field(text: str) -> str:
    """One field as ``csv.writer`` writes it in a row."""
    buffer = io.StringIO()
    # A second, empty field: a row of one empty field is written '""'.
    csv.writer(buffer, lineterminator="\n").writerow([text, ""])
    return buffer.getvalue()[:-2]


def csv_rows(block: GroupResults, one: Callable[[Result], str]) -> Iterator[str]:
    """The block's CSV rows (loss, spec, value, n, reduction, model, group, warning), in pieces."""
    from .render import group_cell

    head = f"{csv_field(block.loss.name)},{csv_field(block.loss.display)},"
    middle = f",{csv_field(block.reduction)},{csv_field(block.model)},"

    def prepare(start: int, stop: int) -> tuple[set[int], list[Any]]:
        groups = block.groups[start:stop]
        if _only_ints(groups):
            cells = list(map(int.__repr__, groups))
        else:
            cells = [csv_field(text) if _CSV_SPECIALS.search(text) else text for text in map(group_cell, groups)]
        return _warned(block, start, stop), cells

    def run(start: int, first: int, last: int, cells: list[Any]) -> str:
        values, rows = _values(block, start + first, start + last), _rows(block, start + first, start + last)
        # The warning field is empty: rows with a warning are written apart.
        pieces = zip(repeat(head), values, repeat(","), rows, repeat(middle), cells[first:last], repeat(",\n"))
        return "".join(chain.from_iterable(pieces))

    return _pieces(block, prepare, run, one)


# ---------------------------------------------------------------------- Markdown


def markdown_rows(block: GroupResults, one: Callable[[Result], str]) -> Iterator[str]:
    """The block's Markdown table rows (loss, group, value, rows), each ending in a newline."""
    from . import markdown as md
    from .render import group_cell, number

    head = "| " + md.cell(md.code(block.loss.display)) + " | "

    def prepare(start: int, stop: int) -> tuple[set[int], list[Any]]:
        groups = block.groups[start:stop]
        # An int's digits and sign need no quoting or escaping.
        cells = list(map(int.__repr__, groups)) if _only_ints(groups) else [md.cell(group_cell(value)) for value in groups]
        return set(), cells

    def run(start: int, first: int, last: int, cells: list[Any]) -> str:
        # number() writes digits, a point, 'e' and signs, or null (for NaN, a
        # null value here): nothing to escape.
        values = map(number, block.values[start + first : start + last].tolist())
        rows = _rows(block, start + first, start + last)
        pieces = zip(repeat(head), cells[first:last], repeat(" | "), values, repeat(" | "), rows, repeat(" |\n"))
        return "".join(chain.from_iterable(pieces))

    return _pieces(block, prepare, run, one)
