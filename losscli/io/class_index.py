"""Which probability column a numeric class label stands for.

Integer labels are positions 0..C-1 in the order of the probability columns,
unless the columns are named by class: when every column's suffix (see
:mod:`losscli.io.suffixes`) is a whole number (``prob_1 .. prob_3``,
``p_1, p_0``) or the two booleans (``prob_True, prob_False``, any case), a
label stands for the column named by it, in whatever order the columns are,
and a label that names no column is an error. Booleans are read as 1 and 0,
so ``True`` is the column named ``True`` (or ``1``).

Columns named ``0 .. C-1`` in order (``p_0 .. p_9``) need no lookup: the
label is the position, and nothing is done per row. Text labels are matched
by :func:`losscli.io.columns.map_string_labels`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from ..errors import LossCliError
from .suffixes import suffixes

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
_BOOLEANS = {"false": 0, "true": 1}
# Class numbers up to this span get a lookup table (8 bytes each).
_LARGEST_TABLE = 1 << 16


@dataclass(frozen=True)
class ClassColumnNames:
    """What the probability columns' names say about numeric labels.

    ``values`` are the class numbers the columns are named by, sorted, and
    ``positions`` the column of each; both None when labels are positions.
    ``conflict`` says why numeric labels cannot be read against these names.
    """

    names: tuple[str, ...]
    values: np.ndarray | None = None
    positions: np.ndarray | None = None
    conflict: str | None = None
    booleans: bool = False
    # The column of each label from ``offset`` up, -1 where none is named by
    # it: a lookup per row, where a binary search took four times as long.
    table: np.ndarray | None = None
    offset: int = 0

    @property
    def positional(self) -> bool:
        return self.values is None and self.conflict is None


@functools.lru_cache(maxsize=16)
def class_column_names(names: tuple[str, ...]) -> ClassColumnNames:
    """Worked out once per set of columns, not once per batch."""
    ends = suffixes(names) or ()
    booleans = _are_booleans(ends)
    numbers = [_BOOLEANS[end.lower()] for end in ends] if booleans else _class_numbers(ends)
    if numbers is None:
        return ClassColumnNames(names, conflict=_partly_numbered(names, ends))
    if numbers == list(range(len(names))):
        return ClassColumnNames(names)
    order = np.argsort(numbers, kind="stable")
    values = np.asarray(numbers, dtype=np.float64)[order]
    offset = min(0, numbers[order[0]])
    table = None
    if numbers[order[-1]] - offset < _LARGEST_TABLE:
        table = np.full(numbers[order[-1]] - offset + 1, -1.0)
        table[np.asarray(numbers) - offset] = np.arange(len(numbers))
    return ClassColumnNames(names, values, order.astype(np.float64), booleans=booleans, table=table, offset=offset)


def _are_booleans(ends: tuple[str, ...]) -> bool:
    return len(ends) == 2 and {end.lower() for end in ends} == set(_BOOLEANS)


def _class_numbers(ends: tuple[str, ...]) -> list[int] | None:
    """The class number of each suffix, when every suffix names a distinct one."""
    if not ends or not all(_WHOLE_NUMBER.fullmatch(end) for end in ends):
        return None
    numbers = [int(end) for end in ends]
    return numbers if len(set(numbers)) == len(numbers) else None


def _partly_numbered(names: tuple[str, ...], ends: tuple[str, ...]) -> str | None:
    """Why integer labels cannot be positions when some columns are named by
    a number other than their position (``p_1, p_2, p_rest``), or None."""
    for position, end in enumerate(ends):
        if _WHOLE_NUMBER.fullmatch(end) and int(end) != position:
            return (
                f"integer class labels are positions among the columns {_listed(names)}, but '{names[position]}' "
                f"at position {position} is named by the class {int(end)}"
            )
    return None


def names_every_class(classes: np.ndarray, names: tuple[str, ...] | None, width: int) -> bool:
    """Whether each of the distinct numeric labels ``classes`` stands for one
    of ``width`` probability columns, as :func:`label_positions` reads them:
    by name when the columns are named by class, else by position (``names``
    None for a list column, whose classes are positions). Asked of the
    distinct labels, so a file with a thousand classes costs a thousand checks."""
    columns = class_column_names(tuple(names)) if names is not None and len(names) > 1 else None
    if columns is not None and columns.conflict:
        return False
    if columns is not None and not columns.positional:
        return bool(np.isin(classes, columns.values).all())
    return bool(np.all((classes >= 0) & (classes < width) & (classes == np.round(classes))))


def label_positions(
    labels: np.ndarray, columns: ClassColumnNames, *, keep: float | None = None, column: str, display: str
) -> np.ndarray:
    """Numeric class labels as the positions of the columns they name.

    ``keep`` is a label left as it is (sparse_cce's ``ignore_index``, which
    names rows to leave out, not a class). Missing labels (NaN, inf) stay as
    they are, for the missing-value policy to deal with.
    """
    if columns.conflict:
        raise LossCliError(
            columns.conflict,
            file=display,
            column=column,
            hint="name every column by its class (p_0, p_1, ...) or by text (p_cat), or write the labels as the text of the class names",
        )
    if columns.values is None:
        return labels
    result = _looked_up(labels, columns)
    if result is None:
        result = _searched(labels, columns, keep=keep, column=column, display=display)
    if keep is not None:
        _refuse_ignored_by_mistake(labels, result, keep, columns, column=column, display=display)
    return result


def _looked_up(labels: np.ndarray, columns: ClassColumnNames) -> np.ndarray | None:
    """The common case, every label a class of the columns, by table lookup;
    None when some label is not (missing, not a whole number, no column's)."""
    table = columns.table
    if table is None or not len(labels):
        return None
    low, high = labels.min(), labels.max()  # NaN fails both comparisons
    if not (low >= columns.offset and high < columns.offset + len(table)):
        return None
    index = labels.astype(np.intp)
    if not np.array_equal(index, labels):
        return None
    found = table[index - columns.offset if columns.offset else index]
    return found if found.min() >= 0 else None


def _searched(labels: np.ndarray, columns: ClassColumnNames, *, keep: float | None, column: str, display: str) -> np.ndarray:
    """Labels by binary search among the class numbers, with missing ones and
    ``keep`` left as they are, and an error at the first that names no column."""
    values, positions = columns.values, columns.positions
    found = np.minimum(np.searchsorted(values, labels), len(values) - 1)
    matched = values[found] == labels
    result = np.where(matched, positions[found], labels)
    unmatched = ~matched & np.isfinite(labels)
    if keep is not None:
        unmatched &= labels != keep
    if unmatched.any():
        row = int(np.argmax(unmatched))
        raise LossCliError(
            f"class label {_shown(labels[row])} matches no probability column",
            file=display,
            column=column,
            row=row + 1,
            hint=_unmatched_hint(labels[row], columns),
        )
    return result


def _refuse_ignored_by_mistake(labels: np.ndarray, result: np.ndarray, keep: float, columns: ClassColumnNames, *, column: str, display: str) -> None:
    """A label whose column's position is the ignore_index would be left out
    as if it were that label."""
    mistaken = (result == keep) & (labels != keep)
    if mistaken.any():
        row = int(np.argmax(mistaken))
        raise LossCliError(
            f"class label {_shown(labels[row])} is the column at position {_shown(keep)} ('{columns.names[int(keep)]}'), "
            f"which ignore_index={_shown(keep)} would leave out",
            file=display,
            column=column,
            row=row + 1,
            hint="with columns named by class, give the rows to leave out a label that is not a position, e.g. -100, and ignore_index=-100",
        )


def _unmatched_hint(label: float, columns: ClassColumnNames) -> str:
    if columns.booleans:
        return f"the columns {_listed(columns.names)} are named by the classes False and True, which labels give as 0 and 1 or false and true"
    named = ", ".join(_shown(value) for value in columns.values[:8]) + (", ..." if len(columns.values) > 8 else "")
    hint = f"the columns {_listed(columns.names)} are named by the classes {named}; a label stands for the column named by it"
    if float(label).is_integer():
        hint += f": add a column {_column_for(label, columns.names)}"
    positions = len(columns.names)
    if 0 <= label < positions and float(label).is_integer():
        last = _column_for(positions - 1, columns.names)
        hint += f", or, if the labels are positions 0..{positions - 1} in column order, name the columns {_column_for(0, columns.names)} .. {last}"
    return hint


def _column_for(label: float, names: tuple[str, ...]) -> str:
    """The name a column for ``label`` would have beside ``names``."""
    ends = suffixes(names) or names
    prefix = names[0][: len(names[0]) - len(ends[0])]
    return f"'{prefix}{_shown(label)}'"


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _listed(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:4])
    return shown + (f" ... {names[-1]}" if len(names) > 4 else "")

