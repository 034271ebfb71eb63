"""Markdown tables, with every cell escaped in one place.

A ``|`` in a file name, a ``--by`` column or one of its values, a model
name or a note would otherwise end its cell early and shift the rest of the
row. Cells are given as plain text, or built with :func:`code`, :func:`bold`
and :func:`markup` (:class:`Markdown`); :func:`row` escapes each one, headers
included. Inside a table GitHub reads ``\\|`` as a pipe even in a code span,
so one escape serves both.

Plain text also has Markdown's inline specials backslashed, so a model named
``**x**``, ``_tmp_`` or ``<b>`` shows as written in a job summary instead of
as bold, italics or HTML: GitHub-flavoured Markdown reads a backslash before
any ASCII punctuation as that character, and gives ``\\ ` * _ [ ] < & ~``
or ``$`` a meaning inline (emphasis, code spans, links, HTML tags and
entities, strikethrough, GitHub's math). Code spans are left as built: a
backslash in one is shown.

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


class Markdown(str):
    """Text that is Markdown already (a code span, bold text): a cell keeps
    its formatting and escapes only what would break the table."""


# Characters with an inline meaning in GitHub-flavoured Markdown; the pipe is cell()'s.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<&~$])")


def escaped(text: object) -> str:
    """Plain text as Markdown that shows it as written (pipes aside: see :func:`cell`).

    An ``_`` between two letters or digits (``model_a``, ``y_true``) can
    neither open nor close emphasis, so it stays as it is, readable."""
    if isinstance(text, Markdown):
        return str(text)
    text = str(text)

    def backslashed(match: re.Match[str]) -> str:
        at = match.start()
        if match.group() == "_" and 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum():
            return "_"
        return "\\" + match.group()

    return _INLINE_SPECIALS.sub(backslashed, text)


def cell(text: object) -> str:
    """Text that stays in one table cell (or one line of a note): plain text
    escaped (:class:`Markdown` kept as built), pipes escaped, line breaks made spaces."""
    return escaped(text).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def markup(*parts: object) -> Markdown:
    """Parts written one after another: :class:`Markdown` as built, plain text escaped."""
    return Markdown("".join(escaped(part) for part in parts))


def joined(separator: str, parts: Iterable[object]) -> Markdown:
    """``separator.join(parts)``, each part as :func:`markup` writes it."""
    return Markdown(escaped(separator).join(escaped(part) for part in parts))


def code(text: object) -> Markdown:
    """Text as a code span: fenced with more backticks than it holds in a row,
    padded where it starts or ends with one, so a backtick cannot end it."""
    text = str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def bold(text: object) -> Markdown:
    """Text in bold; plain text escaped."""
    return Markdown(f"**{escaped(text)}**")


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
