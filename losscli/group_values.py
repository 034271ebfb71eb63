"""A loss's value per --by group, and why a value is null.

A run with a million groups has a million values: :class:`GroupColumns`
keeps them as arrays (group values, loss values, rows) with the few null
values' reasons beside them, so they are finalized, sorted and reported
column by column. Building a :class:`GroupValue` per group took a fifth of
such a run; they are still made on request (``group_values``), for callers
that read groups one at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The value of a weighted mean whose weights sum to zero: not a number, but
# for a reason the report can name.
ZERO_WEIGHTS = float("nan")

SAMPLE_WEIGHTS_SUM_TO_ZERO = "the sample weights of these rows sum to zero"

INFINITE = "the value is infinite (overflow or an impossible case)"


@dataclass(slots=True)
class GroupValue:
    key: tuple
    value: float | None
    n: int
    warning: str | None = None
    # The +inf or -inf a null value stands for: reports have no infinity,
    # but the Python API returns it rather than NaN.
    infinite: float | None = None


@dataclass(frozen=True)
class NullReasons:
    """Why a loss may have no value though rows were read: ``undefined`` for
    a value that is not a number (the loss's own reason, if it has one),
    ``uncounted`` for a mean with nothing to divide by."""

    undefined: str | None = None
    uncounted: str = SAMPLE_WEIGHTS_SUM_TO_ZERO


def group_value(key: tuple, value: float, n: int, reasons: NullReasons = NullReasons()) -> GroupValue:
    """The value as reported: a number, or null with the reason it is not one."""
    if value is ZERO_WEIGHTS:
        return GroupValue(key, None, n, reasons.uncounted)
    if value is None or not math.isfinite(value):
        infinite = value is not None and math.isinf(value)
        reason = "no rows" if n == 0 else (INFINITE if infinite else reasons.undefined or "the value is not a number")
        return GroupValue(key, None, n, reason, value if infinite else None)
    return GroupValue(key, value, n)


@dataclass
class GroupColumns:
    """Every group's value of one loss, in report order, as arrays.

    ``keys`` holds each group's value (the one element of its key tuple);
    ``values`` the loss values, NaN where a value is null; ``n`` the rows.
    A value is null exactly where ``reasons`` holds a reason, and
    ``infinite`` the infinity a null value stands for.
    """

    keys: np.ndarray
    values: np.ndarray
    n: np.ndarray
    reasons: dict[int, str]
    infinite: dict[int, float]

    def __len__(self) -> int:
        return len(self.values)

    def group_values(self) -> list[GroupValue]:
        values = self.values.tolist()
        for index in self.reasons:
            values[index] = None
        return [
            GroupValue((key,), value, n, self.reasons.get(index), self.infinite.get(index))
            for index, (key, value, n) in enumerate(zip(self.keys.tolist(), values, self.n.tolist()))
        ]

    def taken(self, order: np.ndarray) -> "GroupColumns":
        """The groups in another order: ``order[i]`` is the position of the new ``i``-th."""
        position = np.empty(len(order), dtype=np.intp)
        position[order] = np.arange(len(order))
        moved = position.tolist()
        return GroupColumns(
            self.keys[order],
            self.values[order],
            self.n[order],
            {moved[index]: reason for index, reason in self.reasons.items()},
            {moved[index]: value for index, value in self.infinite.items()},
        )


def group_columns(keys: np.ndarray, finals: np.ndarray, rows: np.ndarray, zero_weights: np.ndarray | None, reasons: NullReasons) -> GroupColumns:
    """Groups whose values are computed as arrays: ``zero_weights`` marks the
    means with nothing to divide by (None: no such group). Only the null
    values, usually few, are looked at one by one for their reasons."""
    null = ~np.isfinite(finals)
    if zero_weights is not None:
        null |= zero_weights
    why: dict[int, str] = {}
    infinite: dict[int, float] = {}
    counts = rows.tolist() if null.any() else []
    for index in np.flatnonzero(null).tolist():
        unweighted = zero_weights is not None and bool(zero_weights[index])
        shown = group_value((), ZERO_WEIGHTS if unweighted else float(finals[index]), counts[index], reasons)
        why[index] = shown.warning
        if shown.infinite is not None:
            infinite[index] = shown.infinite
    values = np.where(null, np.nan, finals) if why else finals
    return GroupColumns(keys, values, rows, why, infinite)


def columns_of(groups: list[GroupValue]) -> GroupColumns:
    """Groups made one at a time (losses whose groups are not kept as arrays)."""
    keys = np.empty(len(groups), dtype=object)
    keys[:] = [group.key[0] for group in groups]
    values = np.array([np.nan if group.value is None else group.value for group in groups], dtype=np.float64)
    rows = np.array([group.n for group in groups], dtype=np.int64)
    reasons = {index: group.warning for index, group in enumerate(groups) if group.value is None}
    infinite = {index: group.infinite for index, group in enumerate(groups) if group.infinite is not None}
    return GroupColumns(keys, values, rows, reasons, infinite)
