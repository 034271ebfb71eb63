"""How --by groups and --sample-col ids read from CSV are shown.

CSV has no types: ``007``, ``7`` and ``1e3`` are three pieces of text that
happen to look like numbers. Such columns are read as written, so every
distinct text is its own group. Reports show a column's values as numbers
only when every one of them is a number written the usual way (``0``,
``-3``, ``0.25``), decided once over all the groups of the run: a fold
column 0..4 then reads as numbers in JSON, while zip codes stay text.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

# The key of rows whose value is missing (an empty cell). Reports show it as
# null (JSON) or "(missing)" (tables, Markdown, CSV, where a real text value
# "(missing)" is quoted); the NUL keeps it apart from such a value, which no
# file holds with a NUL in it.
MISSING = "\x00(missing)"


def canonical_number(text: str) -> int | float | None:
    """The number ``text`` is the usual spelling of, else None.

    ``"12"`` and ``"-3"`` are integers and ``"0.25"`` a float; ``"007"``,
    ``"+1"``, ``"1e3"``, ``"1.0"`` and ``" 4"`` are not, since showing them as
    numbers would change what was written (and ``"1.0"`` would collide with
    ``"1"``).
    """
    try:
        whole = int(text)
    except ValueError:
        whole = None
    if whole is not None:
        return whole if str(whole) == text else None
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isfinite(value) and not value.is_integer() and repr(value) == text:
        return value
    return None


def shown_labels(labels: Iterable[str]) -> dict[str, Any]:
    """Every text label -> the value reports show: all numbers, or, if any
    label is not a plain number, all text as written; a missing value as
    None either way, as it is in a typed column."""
    labels = list(dict.fromkeys(labels))
    numbers = {label: canonical_number(label) for label in labels if label != MISSING}
    if numbers and all(value is not None for value in numbers.values()):
        return {**numbers, MISSING: None}
    return {label: None if label == MISSING else label for label in labels}


def shown_value(label: str) -> Any:
    """One value on its own (streamed per-row output, where the whole column is
    not known yet): a number when it is written as one, else the text."""
    if label == MISSING:
        return None
    number = canonical_number(label)
    return label if number is None else number


def label_order(value: Any) -> tuple:
    """Sort key for shown values: missing first, then numbers by value, then text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))
