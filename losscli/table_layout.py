"""Tables that fit the terminal without cutting what they report.

Left to itself, rich makes a table that is too wide fit by cutting cells
short ("0.2148…", "qua…") and squeezing columns to nothing. A report must not
lose a digit or a name, so the widths are chosen here instead: numbers, loss
names and group values keep their whole width; only headers (and model
names, which may fold) break across lines. When that is still too wide, the
caller's next layout is tried (one row per loss and model instead of a
matrix, say), and when none fits, the last is printed at its narrowest,
wider than the terminal, which then wraps its lines rather than losing
anything. Off a terminal a table is as wide as it needs to be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

# How a text may be broken across lines.
KEEP = "keep"  # never: values, loss names, group values
WORDS = "words"  # between words: titles, the "... more groups" line
FOLD = "fold"  # anywhere: model names and the --by column's name, which have no spaces to break at

# Between two columns: a space of padding on each side of the (blank) rule.
GAP = 3


@dataclass
class Column:
    header: str
    justify: str = "left"
    header_breaks: str = WORDS
    cells_break: str = KEEP
    style: str | None = None


@dataclass
class Row:
    """One line of cells (text, or rich ``Text`` for styled cells)."""

    cells: Sequence[Any]
    style: str | None = None
    # How the row's cells may break instead of by their column's rule: one
    # rule for every cell, or rules by cell position.
    breaks: str | dict[int, str] | None = None
    # A rule (a blank line in this box) before the row: the summary below the values.
    section: bool = False


@dataclass
class Layout:
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def _width(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def _least(text: str, breaks: str) -> int:
    """The narrowest a text can be laid out under its rule."""
    if breaks == KEEP:
        return _width(text)
    if breaks == WORDS:
        return max((_width(word) for word in text.split()), default=0)
    return 1 if text else 0


def _rule(row: Row, index: int, column: Column) -> str:
    if isinstance(row.breaks, dict):
        return row.breaks.get(index, column.cells_break)
    return row.breaks or column.cells_break


def total(widths: Sequence[int]) -> int:
    """The width of a table whose columns have these widths."""
    return sum(widths) + GAP * (len(widths) - 1)


def natural_and_least(layout: Layout) -> tuple[list[int], list[int]]:
    """Each column's width unbroken, and the least it can take without cutting anything."""
    natural, least = [], []
    for index, column in enumerate(layout.columns):
        cells = [(_plain(row.cells[index]), _rule(row, index, column)) for row in layout.rows]
        natural.append(max([_width(column.header)] + [_width(text) for text, _ in cells]))
        least.append(max([_least(column.header, column.header_breaks)] + [_least(text, breaks) for text, breaks in cells]))
    return natural, least


def fit(layout: Layout, limit: int | None) -> list[int] | None:
    """Column widths for the layout within ``limit`` (None: any), or None when it cannot fit.

    The widest column that can give way gives a character at a time, so
    long headers break before short ones.
    """
    natural, least = natural_and_least(layout)
    if limit is None or total(natural) <= limit:
        return natural
    if total(least) > limit:
        return None
    widths = list(natural)
    while total(widths) > limit:
        index = max((i for i in range(len(widths)) if widths[i] > least[i]), key=lambda i: widths[i])
        widths[index] -= 1
    return widths


def choose(layouts: Sequence[Layout], limit: int | None) -> tuple[Layout, list[int]]:
    """The first layout that fits within ``limit``, with its widths; when
    none does, the last at its narrowest."""
    for layout in layouts:
        widths = fit(layout, limit)
        if widths is not None:
            return layout, widths
    return layouts[-1], natural_and_least(layouts[-1])[1]


def build(layout: Layout, widths: Sequence[int]) -> Any:
    """The rich table of a layout with these column widths."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column, width in zip(layout.columns, widths):
        # "fold" as a last resort only: a header's words are never wider than its column.
        header = Text(column.header, overflow="fold")
        table.add_column(header, justify=column.justify, style=column.style, width=width, overflow="fold")
    for row in layout.rows:
        if row.section:
            table.add_section()
        cells = [cell if hasattr(cell, "plain") else Text(str(cell)) for cell in row.cells]
        table.add_row(*(_kept_trailing_spaces(cell, column, width) for cell, column, width in zip(cells, layout.columns, widths)), style=row.style)
    return table


def _kept_trailing_spaces(cell: Any, column: Column, width: int) -> Any:
    """A right-justified one-line cell that ends in spaces, padded on the left
    here: rich strips the spaces before justifying, so a value padded to line
    up with a marked one ("0.5 *") would end under the mark instead."""
    plain = cell.plain
    if column.justify != "right" or not plain.endswith(" ") or "\n" in plain or _width(plain) > width:
        return cell
    padded = cell.copy()
    padded.pad_left(width - _width(plain))
    padded.justify = "left"
    return padded


def print_fitted(console: Any, layouts: Sequence[Layout], *, limit: int | None) -> Layout:
    """Print the first of ``layouts`` that fits within ``limit`` columns (the
    terminal's width; None off a terminal) and return it."""
    layout, widths = choose(layouts, limit)
    needed = total(widths)
    width = console.width
    if needed > width:
        # Wider than the console: every character stays, and the terminal wraps the lines.
        console.width = needed
    try:
        console.print(build(layout, widths))
    finally:
        console.width = width
    return layout
