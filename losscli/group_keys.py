"""Which group (and sample) each row of a batch adds to, and the sums kept per key.

State keys are ``(group,)`` tuples (``()`` for the overall result) and, for
per-sample losses, ``(group key, sample id)``. A batch maps its rows to keys
in one vectorised pass (:func:`row_keys`); :class:`KeyedTotals` keeps one row
of float64 sums per key, added batch by batch in file order, so the values do
not depend on how the input was split.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .labels import MISSING

# The overall result is the group with this key.
OVERALL: tuple = ()


class KeyedTotals(Mapping):
    """Float64 sums keyed by group (and sample): one row of a table per key.

    A batch's keys add to their rows in one vectorised step. A dict of small
    arrays, added to one key at a time, spent most of a run with a million
    --by groups allocating and adding them (5M rows: 18 s, against 3 s for
    a pandas groupby).

    Keys of --by groups alone come as an array of group values per batch
    (``add_rows``): those batches wait in a list and are summed by key with
    a sort when the totals are read, or when the list outgrows the groups
    seen, instead of looking every batch's keys up in a dict (a fifth of a
    run with a million groups). Integer values over a range not much wider
    than the groups are summed as they come instead, in a table indexed by
    value (:class:`_ByValue`). Each key's sums are added in batch order
    every way, so the values are the same to the last bit.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple, int] = {}
        self.table: np.ndarray | None = None
        # Group values and their sums, batch after batch, not yet summed by key.
        self.pending_values: list[np.ndarray] = []
        self.pending_stats: list[np.ndarray] = []
        self.pending_count = 0
        # Integer group values summed by value; none are waiting meanwhile.
        self.by_value: _ByValue | None = None

    def add(self, keys: list[tuple], stats: np.ndarray) -> None:
        """Add ``stats[i]`` to the sums of ``keys[i]``; the keys are distinct."""
        # Group values so far, and now other keys: every key goes in the dict.
        self._settle()
        positions = self._positions(keys, stats.shape[1])
        # Distinct keys, distinct rows: a fancy-indexed += adds every one.
        self.table[positions] += stats

    def add_rows(self, keys: "RowKeys", stats: np.ndarray) -> None:
        """Add ``stats[i]`` to the sums of the batch's ``i``-th distinct key."""
        if keys.values is None or self.rows:
            self.add(keys.labels, stats)
            return
        if not self.pending_values and self._add_by_value(keys.values, stats):
            return
        # Values the table cannot hold: what it holds waits with them.
        self._spill()
        self.pending_values.append(keys.values)
        self.pending_stats.append(stats)
        self.pending_count += len(stats)
        if self.pending_count > max(_PENDING_ROWS, 4 * len(self.pending_values[0])):
            self._collapse()

    def _add_by_value(self, values: np.ndarray, stats: np.ndarray) -> bool:
        if self.by_value is None:
            if values.dtype.kind not in "iu" or not len(values):
                return False
            self.by_value = _ByValue(values.dtype, stats.shape[1])
        return self.by_value.add(values, stats)

    def _spill(self) -> None:
        """Turn the sums kept by value into the one waiting block they equal."""
        by_value, self.by_value = self.by_value, None
        if by_value is not None and by_value.count:
            values, table = by_value.values_and_table()
            self.pending_values, self.pending_stats, self.pending_count = [values], [table], len(values)

    def merge(self, other: "KeyedTotals") -> None:
        other._spill()
        if other.pending_values and not self.rows:
            # Values no sort orders together go to the other's dict instead.
            other._collapse()
        if other.pending_values and not self.rows:
            self.add_rows(RowKeys(codes=None, values=other.pending_values[0]), other.pending_stats[0])
        elif other.table is not None or other.pending_values:
            keys, table = other.keys_and_table()
            self.add(keys, table)

    def total(self) -> np.ndarray | None:
        """The sums of every key together (None without any)."""
        self._settle()
        if not self.rows:
            return None
        return self.table[: len(self.rows)].sum(axis=0)

    def keys_and_table(self) -> tuple[list[tuple], np.ndarray]:
        """The keys in the order they first came, and their sums row by row."""
        self._settle()
        width = 0 if self.table is None else self.table.shape[1]
        table = np.zeros((0, width)) if self.table is None else self.table[: len(self.rows)]
        return list(self.rows), table

    def group_values_and_table(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Keys of --by groups alone as an array of group values (in the order
        they first came) with their sums; None when the keys are not that."""
        self._spill()
        if not self.pending_values or self.rows:
            return None
        self._collapse()
        if not self.pending_values:
            # Values no sort orders together (a file's all-null column beside
            # numbers) went to the dict: its readers sort them.
            return None
        return self.pending_values[0], self.pending_stats[0]

    def _collapse(self) -> None:
        """Sum the waiting batches by key into one block, keys in first-seen order."""
        if len(self.pending_values) < 2:
            return
        values = _joined(self.pending_values)
        if values is None:
            self._into_rows()
            return
        try:
            distinct, codes = first_seen(values)
        except TypeError:
            # Values no sort can order together (text beside numbers): the dict takes them.
            self._into_rows()
            return
        width = self.pending_stats[0].shape[1]
        sums = np.empty((len(distinct), width))
        for j in range(width):
            # One column of every batch at a time: the batches' sums whole
            # were as large again as the waiting batches (a million groups: 128 MB).
            column = np.concatenate([stats[:, j] for stats in self.pending_stats])
            # bincount adds in row order, that is batch after batch, as the dict did.
            sums[:, j] = np.bincount(codes, weights=column, minlength=len(distinct))
        self.pending_values = [distinct]
        self.pending_stats = [sums]
        self.pending_count = len(distinct)

    def _settle(self) -> None:
        """Move waiting group values into the dict, for readers of tuple keys."""
        self._spill()
        if self.pending_values:
            self._into_rows()

    def _into_rows(self) -> None:
        pending = list(zip(self.pending_values, self.pending_stats))
        self.pending_values, self.pending_stats, self.pending_count = [], [], 0
        for values, stats in pending:
            positions = self._positions([(u,) for u in plain_values(values)], stats.shape[1])
            self.table[positions] += stats

    def _positions(self, keys: list[tuple], width: int) -> np.ndarray:
        rows = self.rows
        positions = np.fromiter((rows.setdefault(key, len(rows)) for key in keys), dtype=np.intp, count=len(keys))
        self._reserve(len(rows), width)
        return positions

    def _reserve(self, count: int, width: int) -> None:
        if self.table is None:
            self.table = np.zeros((max(count, 1), width))
        elif count > self.table.shape[0]:
            # Doubling keeps the copies to about one of the final table.
            grown = np.zeros((max(count, 2 * self.table.shape[0]), width))
            grown[: self.table.shape[0]] = self.table
            self.table = grown

    def __getitem__(self, key: tuple) -> np.ndarray:
        self._settle()
        return self.table[self.rows[key]]

    def __iter__(self) -> Iterator[tuple]:
        self._settle()
        return iter(self.rows)

    def __len__(self) -> int:
        self._settle()
        return len(self.rows)


class _ByValue:
    """Sums of integer group values in a table indexed by value, added batch
    by batch as they come, and the order in which the values first came.

    Waiting batches took a sort every few batches and, with a million
    groups, up to 4M rows of sums waiting (160 MB). The table holds one row
    per value in its range: it is used while that range is not much wider
    than the groups seen (as for the sort-free ``first_seen``), and grows
    by a quarter more when a batch goes past either end, so values coming
    in order are not copied batch after batch.

    Each key's sums start from zero and add its batches' sums in order, as
    a sum of the waiting batches does: the values are the same to the last bit.
    """

    def __init__(self, dtype: np.dtype, width: int) -> None:
        self.dtype = dtype
        self.low = 0
        # Column by column: adding a batch to each column takes half the
        # time of adding its rows to rows of the table.
        self.sums = np.zeros((width, 0))
        # Each value's place in the order the values first came; -1: not seen.
        self.rank = np.zeros(0, dtype=np.intp)
        self.count = 0
        # The values seen span lowest..highest; the table may reach past them.
        self.lowest = self.highest = 0

    def add(self, values: np.ndarray, stats: np.ndarray) -> bool:
        """Add a batch (distinct values); False, adding nothing, if the table cannot hold them."""
        if values.dtype != self.dtype:
            return False
        if not len(values):
            return True
        low, high = int(values.min()), int(values.max())
        if self.count:
            low, high = min(low, self.lowest), max(high, self.highest)
        if high - low + 1 > 2 * (self.count + len(values)) + _DENSE_SPAN:
            return False
        if not self.count or low < self.low or high >= self.low + len(self.rank):
            self._widen(low, high)
        self.lowest, self.highest = low, high
        slots = _offsets(values, self.low)
        new = slots[self.rank[slots] < 0]
        self.rank[new] = np.arange(self.count, self.count + len(new))
        self.count += len(new)
        # Distinct values, distinct places: a fancy-indexed += adds every one.
        for column, added in zip(self.sums, stats.T):
            column[slots] += added
        return True

    def _widen(self, low: int, high: int) -> None:
        if self.count:
            info = np.iinfo(self.dtype)
            # Room for a quarter more on the side that grew: values coming
            # in order are copied a few times, not once a batch.
            extra = len(self.rank) // 4
            low = max(info.min, low - extra) if low < self.low else self.low
            high = min(info.max, high + extra) if high > self.low + len(self.rank) - 1 else self.low + len(self.rank) - 1
        sums = np.zeros((self.sums.shape[0], high - low + 1))
        rank = np.full(high - low + 1, -1, dtype=np.intp)
        at = self.low - low
        sums[:, at : at + len(self.rank)] = self.sums
        rank[at : at + len(self.rank)] = self.rank
        self.low, self.sums, self.rank = low, sums, rank

    def values_and_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The values in the order they first came, and their sums."""
        seen = np.flatnonzero(self.rank >= 0)
        slots = np.empty(self.count, dtype=np.intp)
        slots[self.rank[seen]] = seen
        wide = np.uint64 if self.dtype.kind == "u" else np.int64
        # Row by row in memory, as the waiting batches' sums are: the overall
        # value adds the rows in that layout's order.
        return (slots.astype(wide) + wide(self.low)).astype(self.dtype), np.ascontiguousarray(self.sums[:, slots].T)


# Waiting batch rows of group values summed by key once there are more than
# this many (and more than four times the groups seen): bounded memory, and a
# sort over the groups every few batches rather than every batch.
_PENDING_ROWS = 1 << 20


def first_seen(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values in the order they first come, each row's position
    among them). Raises TypeError for values no sort can order together."""
    if values.dtype.kind in "iu" and len(values):
        low, span = _span(values)
        # Integers over a range not much wider than the rows: a table indexed
        # by value instead of a sort (a million --by ids: 0.1 s, against 0.7 s).
        if span <= 2 * len(values) + _DENSE_SPAN:
            return _first_seen_dense(values, low, span)
    # A stable sort: each distinct value is first found at its first row.
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    position = np.empty(len(order), dtype=np.intp)
    position[order] = np.arange(len(order))
    return values[first[order]], position[inverse.reshape(-1)]


# Integer values spanning this many more than there are rows still take a table indexed by value.
_DENSE_SPAN = 1 << 20


def _span(values: np.ndarray) -> tuple[Any, int]:
    low = values.min()
    return low, int(values.max()) - int(low) + 1


def _offsets(values: np.ndarray, low: Any) -> np.ndarray:
    """Each value's distance from the lowest, in a type wide enough for it."""
    wide = np.uint64 if values.dtype.kind == "u" else np.int64
    return (values.astype(wide, copy=False) - wide(low)).astype(np.intp)


def _first_seen_dense(values: np.ndarray, low: Any, span: int) -> tuple[np.ndarray, np.ndarray]:
    offsets = _offsets(values, low)
    rows = len(values)
    # Each value's first row (rows: not present).
    first = np.full(span, rows, dtype=np.intp)
    np.minimum.at(first, offsets, np.arange(rows, dtype=np.intp))
    present = first < rows
    starts = first[present]
    opens = np.zeros(rows, dtype=bool)
    opens[starts] = True
    # A value's position: how many values were first seen before its first row.
    first[present] = (np.cumsum(opens) - 1)[starts]
    return values[opens], first[offsets]


def sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)``; integers over a range not much
    wider than the rows without a sort (a batch's --by ids, each batch)."""
    if values.dtype.kind in "iu" and values.ndim == 1 and len(values):
        low, span = _span(values)
        if span <= 4 * len(values) + _DENSE_SPAN:
            offsets = _offsets(values, low)
            present = np.zeros(span, dtype=bool)
            present[offsets] = True
            position = np.cumsum(present) - 1
            wide = np.uint64 if values.dtype.kind == "u" else np.int64
            distinct = (np.flatnonzero(present).astype(wide) + wide(low)).astype(values.dtype)
            return distinct, position[offsets]
    return np.unique(values, return_inverse=True)


def _joined(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The group values of several batches in one array, compared as Python
    compares them (3 and 3.0 are one group; an int64 beyond 2**53 is not a
    float's), or None when they are of kinds a sort cannot order together."""
    kinds = {a.dtype.kind for a in arrays}
    if len({a.dtype for a in arrays}) == 1 or kinds <= {"U"}:
        return np.concatenate(arrays)
    if kinds <= {"i", "u", "f", "b", "O"}:
        return np.concatenate([a.astype(object) for a in arrays])
    return None


def sorted_positions(values: np.ndarray) -> np.ndarray:
    """The positions of distinct group values in report order (``key_order``'s)."""
    if values.dtype.kind in "iuf":
        # Numbers by value, as Python orders them.
        return np.argsort(values, kind="stable")
    if values.dtype.kind == "U":
        # Text by code point, the missing group first: its key sorts after "".
        order = np.argsort(values, kind="stable")
        missing = values[order] == MISSING
        return np.concatenate([order[missing], order[~missing]])
    keys = values.tolist()
    return np.array(sorted(range(len(keys)), key=lambda index: key_order((keys[index],))), dtype=np.intp)


def key_order(key: tuple) -> tuple:
    """Sort key: the missing group, then numbers by value, then text."""
    return tuple((-1, 0) if v is MISSING or v == MISSING else (0, v) if isinstance(v, (int, float)) else (1, str(v)) for v in key)


class RowKeys:
    """Which state key each row of a batch adds to: ``codes[i]`` indexes the
    keys. Keys of --by groups alone are kept as the array of distinct group
    values (``values``); their tuples are made only when asked for."""

    __slots__ = ("_labels", "codes", "values")

    def __init__(self, labels: list[tuple] | None = None, codes: np.ndarray | None = None, *, values: np.ndarray | None = None) -> None:
        self._labels = labels
        self.codes = codes
        self.values = values

    @property
    def labels(self) -> list[tuple]:
        if self._labels is None:
            self._labels = [(u,) for u in plain_values(self.values)]
        return self._labels

    @property
    def single(self) -> bool:
        return self.codes is None

    def __len__(self) -> int:
        return len(self.values) if self._labels is None else len(self._labels)


class Labels:
    """Text labels of a batch's rows, as codes into their distinct values
    (or booleans: False, True and -inf for a missing one).

    Finding a batch's groups then sorts the few distinct texts rather than
    every row's: np.unique over 2^18 strings took 15-60 ms a batch, longer
    than reading it (measured on 2 cores).
    """

    __slots__ = ("values", "codes")

    def __init__(self, values: np.ndarray, codes: np.ndarray) -> None:
        self.values = values
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows: Any) -> "Labels":
        return Labels(self.values, self.codes[rows])

    def array(self) -> np.ndarray:
        return self.values[self.codes]

    def tolist(self) -> list:
        return self.array().tolist()

    def unique(self) -> tuple[np.ndarray, np.ndarray]:
        """What ``np.unique(labels, return_inverse=True)`` gives, without a sort over the rows."""
        order, rank = np.unique(self.values, return_inverse=True)
        ranked = rank.reshape(-1)[self.codes]
        present = np.bincount(ranked, minlength=len(order)) > 0
        position = np.cumsum(present) - 1
        return order[present], position[ranked]


def _unique(labels: np.ndarray | Labels) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(labels, Labels):
        return labels.unique()
    return sorted_unique(labels)


def row_keys(groups: np.ndarray | Labels | None, samples: np.ndarray | Labels | None) -> RowKeys:
    """Map rows to state keys in one vectorised pass.

    Keys are ``(group,)`` (``()`` without --by) and, for per-sample losses,
    ``(group key, sample id)``.
    """
    if samples is None:
        if groups is None:
            return RowKeys([OVERALL])
        uniques, codes = _unique(groups)
        return RowKeys(codes=codes.reshape(-1), values=uniques)
    s_uniques, s_codes = _unique(samples)
    s_codes = s_codes.reshape(-1)
    if groups is None:
        return RowKeys([(OVERALL, u) for u in plain_values(s_uniques)], s_codes)
    g_uniques, g_codes = _unique(groups)
    width = len(s_uniques)
    pairs, codes = np.unique(g_codes.reshape(-1).astype(np.int64) * width + s_codes, return_inverse=True)
    labels = [((g,), s) for g, s in zip(plain_values(g_uniques[pairs // width]), plain_values(s_uniques[pairs % width]))]
    return RowKeys(labels, codes.reshape(-1))


def plain_values(values: np.ndarray) -> list:
    """Python values (an element's ``.item()``), converted in one call rather than one per key."""
    return values.tolist()
