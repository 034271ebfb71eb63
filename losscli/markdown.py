"""Markdown tables, with every cell escaped in one place.

A ``|`` in a file name, a ``--by`` column or one of its values, a model
name or a note would otherwise end its cell early and shift the rest of the
row. Cells are given as plain text, or built with :func:`code` and
:func:`bold`; :func:`row` escapes each one, headers included. Inside a table
GitHub reads ``\\|`` as a pipe even in a code span, so one escape serves both.

A document ends with a blank line (:func:`document`): reports appended to
one file (``>> "$GITHUB_STEP_SUMMARY"``) are then separate tables, where a
table, or a note under it, went on into the next report's header and rows.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

LEFT = "---"
RIGHT = "---:"
CENTER = ":---:"


def cell(text: object) -> str:
    """Text that stays in one table cell (or one line of a note): pipes
    escaped, line breaks made spaces."""
    return str(text).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def code(text: object) -> str:
    """Text as a code span: fenced with more backticks than it holds in a row,
    padded where it starts or ends with one, so a backtick cannot end it."""
    text = str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def bold(text: object) -> str:
    return f"**{text}**"


def row(cells: Iterable[object]) -> str:
    """One table row; every cell escaped."""
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def table(header: Sequence[object], aligns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """The lines of a table: header, alignment row (LEFT, RIGHT or CENTER per column), rows."""
    if len(aligns) != len(header):
        raise ValueError(f"{len(aligns)} alignments for {len(header)} columns")
    return [row(header), "|" + "|".join(aligns) + "|"] + [row(cells) for cells in rows]


def quoted(notes: Iterable[object]) -> str:
    """Notes as a block quote, each its own paragraph (consecutive ``>``
    lines are one paragraph, run together on one line), ending in a newline."""
    return "\n>\n".join(f"> {cell(note)}" for note in notes) + "\n"


def document(text: str) -> str:
    """A whole Markdown document: its text, then one blank line, so that the
    next document appended to the same file starts a table of its own."""
    return text.rstrip("\n") + "\n\n"
