"""Folding loss kernels over batches of rows.

Every loss is evaluated as ``partial(batch) -> state``, ``merge(a, b)`` and
``finalize(state)``. States are plain float64 arrays keyed by group (and by
sample for per-sample losses), merged by addition, so one batch or a thousand
batches, one thread or many, give the same value. Losses of kind ``exact``
(the 1-D Wasserstein distance) keep their values instead and say so.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Callable, Iterable, NoReturn

import numpy as np

from .errors import LossCliError
from .group_keys import OVERALL, KeyedTotals, Labels, RowKeys, key_order, row_keys, sorted_positions
# GroupValue, ZERO_WEIGHTS and the null reasons live with the per-group
# columns; the engine's callers still import them from here.
from .group_values import (
    SAMPLE_WEIGHTS_SUM_TO_ZERO,
    ZERO_WEIGHTS,
    GroupColumns,
    GroupValue,
    NullReasons as _NullReasons,
    columns_of,
    group_columns,
    group_value as _group_value,
)
from .losses.pair_sums import shared_pair_sums
from .registry import BoundLoss, RowLosses

@dataclass
class Batch:
    """Rows handed to the engine: arrays per loss role, plus row metadata.

    ``arrays`` maps a loss (by its position in the evaluated list) to the
    arrays of its roles. ``groups`` holds a key per row for --by (None = no
    grouping); ``samples`` an id per row for --sample-col. ``groups_as_text``:
    the groups are CSV text as written (see ``losscli.labels``).
    """

    arrays: list[dict[str, np.ndarray]]
    n: int
    weights: np.ndarray | None = None
    groups: "np.ndarray | Labels | None" = None
    samples: "np.ndarray | Labels | None" = None
    row_offset: int = 0
    row_ids: np.ndarray | None = None
    file: str | None = None
    role_columns: list[dict[str, str]] | None = None
    # Roles read from a separate labels file (per loss), that file, and its
    # row of each batch row when it differs from the prediction row (--key).
    label_file: str | None = None
    label_roles: list[frozenset[str]] | None = None
    label_row_ids: np.ndarray | None = None
    groups_as_text: bool = False
    # Long-format sequences (one row per sequence, gathered from frame rows):
    # each row's --sample-col id, for per-row output; text as written in CSV.
    sequence_ids: np.ndarray | None = None
    sequence_ids_as_text: bool = False
    # Each row's --key value in the predictions file, for per-row output
    # (Arrow, in the type it is written in; see ``losscli.io.key_values``).
    keys: Any = None
    # For a dataset of several files: the files and each row's file and row
    # there, from the 1-based input rows (``Source.files_of_rows``), for
    # per-row output. None for a single file.
    locate_rows: Any = None


@dataclass
class Outcome:
    """The evaluated loss: overall value and, with --by, one per group
    (None for a loss that rejected the data and has no value)."""

    loss: BoundLoss
    reduction: str
    overall: GroupValue | None = None
    by_group: GroupColumns | None = None

    @property
    def groups(self) -> list[GroupValue]:
        """The overall value, then each group's, one object per group."""
        overall = [] if self.overall is None else [self.overall]
        return overall + ([] if self.by_group is None else self.by_group.group_values())


def call_kernel(bound: BoundLoss, arrays: Mapping[str, np.ndarray]) -> Any:
    """Run the loss kernel with its role arrays and parameters."""
    with np.errstate(all="ignore"):
        return bound.spec.kernel(**arrays, **bound.params)


def batch_total(bound: BoundLoss, arrays: Mapping[str, np.ndarray], shared: dict | None) -> float | None:
    """The sum of the loss's rows over a batch from terms that losses on the
    same columns share, or None when the kernel must run (the loss has no such
    sum, the columns are not plain, or the sum is not finite: the kernel's
    rows then say what NaN, infinity or error it is)."""
    total = bound.spec.total
    # A convention resolves parameters through the kernel's wrapper only.
    if total is None or bound.params.get("convention"):
        return None
    sums = shared_pair_sums(arrays, shared)
    if sums is None:
        return None
    with np.errstate(all="ignore"):
        value = total(sums, **bound.params)
    return value if value is not None and math.isfinite(value) else None


def row_losses(
    bound: BoundLoss, arrays: Mapping[str, np.ndarray], *, sum_row_means: bool = False
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Per-row losses of a ``mean`` loss: (terms averaged by mean, normaliser
    or None, values written per row, terms added up by sum).

    A kernel with several values per row (multi-output regression, multi-label
    BCE) has each row's mean written, and averaged by mean: equal to PyTorch's
    mean over all elements when every row has the same width. Its sum adds
    every element, as PyTorch's reduction='sum' does, or each row's mean with
    ``sum_row_means`` (Keras, whose per-sample loss is that mean)."""
    out = call_kernel(bound, arrays)
    norm = None
    raw = None
    if isinstance(out, RowLosses):
        out, raw = out.mean_terms, np.asarray(out.raw, dtype=np.float64)
    elif isinstance(out, tuple):
        out, norm = out
    out = np.asarray(out, dtype=np.float64)
    summed = None
    if out.ndim > 1:
        elements = out.reshape(out.shape[0], -1)
        out = elements.mean(axis=1)
        if not sum_row_means:
            summed = elements.sum(axis=1)
    raw = out if raw is None else raw
    return out, norm, raw, (raw if summed is None else summed)


class Accumulator:
    """The partial state of one loss: additive arrays keyed by group (and sample)."""

    def __init__(
        self, bound: BoundLoss, *, by_sample: bool = False, weights_per_row: bool = False, sum_row_means: bool = False
    ) -> None:
        self.bound = bound
        self.kind = bound.spec.kind
        self.by_sample = by_sample and self.kind == "ratio"
        # Keras' weighted mean divides sum(w*l) by the number of rows, not by sum(w).
        self.weights_per_row = weights_per_row
        # Keras' sum of several values per row adds the rows' means, not every element.
        self.sum_row_means = sum_row_means
        # key -> float64 array; for mean: [sum w*l, sum w*norm, rows, sum w*raw]
        self.totals = KeyedTotals()
        # exact losses keep their role arrays: key -> list of dicts
        self.kept: dict[tuple, list[dict[str, np.ndarray]]] = {}
        # and count their rows: a loss whose rows are not paired keeps fewer
        # values in a column than there are rows when values are missing.
        self.kept_rows: dict[tuple, int] = {}
        # Whether the sums of the last batch folded in were finite (mean losses).
        self.last_batch_finite = True
        # Whether any row came with a sample weight: a mean with nothing to
        # divide by then may owe it to the weights, not only to the loss.
        self.sample_weighted = False

    # ---------------------------------------------------------------- partial

    def add(
        self,
        arrays: Mapping[str, np.ndarray],
        *,
        weights: np.ndarray | None,
        keys: "RowKeys",
        want_rows: bool = False,
        shared: dict | None = None,
    ) -> np.ndarray | None:
        """Fold one batch in; return per-row losses on request where the loss
        has them. ``shared``: the batch's terms that losses on the same
        columns share (see ``batch_total``), kept by the caller per batch."""
        # Overflow is expected here (sums of huge losses or weights) and shows
        # as a non-finite sum, reported as null with a reason: not as numpy's warning.
        with np.errstate(all="ignore"):
            return self._add(arrays, weights, keys, want_rows, shared)

    def _add(
        self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, keys: "RowKeys", want_rows: bool, shared: dict | None
    ) -> np.ndarray | None:
        if self.kind == "mean":
            if not want_rows and weights is None and keys.single and self._add_total(arrays, keys, shared):
                return None
            return self._add_mean(arrays, weights, keys)
        if self.kind == "ratio":
            self._add_ratio(arrays, weights, keys)
            if want_rows and self.bound.spec.per_row is not None:
                with np.errstate(all="ignore"):
                    params = {**self.bound.params, **self.bound.row_overrides}
                    return np.asarray(self.bound.spec.per_row(**arrays, **params), dtype=np.float64)
        else:
            self._add_exact(arrays, weights, keys)
        return None

    def _add_total(self, arrays: Mapping[str, np.ndarray], keys: "RowKeys", shared: dict | None) -> bool:
        """Fold in the batch's sum from shared terms, if the loss can give it
        (unweighted, ungrouped rows only); False leaves the batch to the kernel."""
        total = batch_total(self.bound, arrays, shared)
        if total is None:
            return False
        n = float(next(iter(arrays.values())).shape[0])
        # stats: [sum l, rows as the divisor, rows, sum l], as _add_mean keeps them
        self.totals.add(keys.labels, np.array([[total, n, n, total]]))
        self.last_batch_finite = True
        return True

    def _add_mean(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, keys: "RowKeys") -> np.ndarray:
        losses, norm, raw, summed = row_losses(self.bound, arrays, sum_row_means=self.sum_row_means)
        self.sample_weighted = self.sample_weighted or weights is not None
        # The divisor is sum(w * norm) (norm defaults to 1 per row); under a
        # convention that divides by rows, the weights stay out of it.
        if weights is not None and not self.weights_per_row:
            norm = weights if norm is None else norm * weights
        weighted = losses * weights if weights is not None else losses
        weighted_raw = weighted if summed is losses else (summed * weights if weights is not None else summed)
        n = losses.shape[0]
        # stats: [sum w*l, sum w*norm, rows, sum w*raw]
        if keys.single:
            total = _sum(weighted)
            raw_total = total if weighted_raw is weighted else _sum(weighted_raw)
            stats = np.array([total, float(n) if norm is None else _sum(norm), float(n), raw_total])
            self.last_batch_finite = bool(np.isfinite(stats).all())
            self.totals.add(keys.labels, stats[None, :])
            return raw
        count = len(keys)
        sums = np.bincount(keys.codes, weights=weighted, minlength=count)
        rows = np.bincount(keys.codes, minlength=count).astype(np.float64)
        norms = rows if norm is None else np.bincount(keys.codes, weights=norm, minlength=count)
        raws = sums if weighted_raw is weighted else np.bincount(keys.codes, weights=weighted_raw, minlength=count)
        self.last_batch_finite = bool(np.isfinite(sums).all() and np.isfinite(norms).all() and np.isfinite(raws).all())
        self.totals.add_rows(keys, np.column_stack([sums, norms, rows, raws]))
        return raw

    def _add_ratio(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, keys: "RowKeys") -> None:
        if self.weights_per_row and weights is not None:
            raise LossCliError(
                f"{self.bound.display}: this convention's weighted mean (divided by the row count) "
                "is not available for this loss with sample weights",
                hint="drop --weight-col or the convention",
            )
        stats = np.asarray(call_kernel(self.bound, arrays), dtype=np.float64)
        if stats.ndim == 1:
            stats = stats[:, None]
        if weights is not None:
            stats = stats * weights[:, None]
        # One extra column counts the rows behind each key.
        stats = np.concatenate([stats, np.ones((stats.shape[0], 1))], axis=1)
        if keys.single:
            self.totals.add(keys.labels, stats.sum(axis=0)[None, :])
            return
        sums = np.zeros((len(keys), stats.shape[1]))
        np.add.at(sums, keys.codes, stats)
        self.totals.add_rows(keys, sums)

    def _add_exact(self, arrays: Mapping[str, np.ndarray], weights: np.ndarray | None, keys: "RowKeys") -> None:
        if self.bound.spec.check_batch is not None:
            self.bound.spec.check_batch(**arrays)
        # Rows are not paired: a missing value (left in by --nan-policy omit,
        # which drops it per column here) leaves its row's other values in.
        per_column = not self.bound.spec.rows_paired and weights is None
        for index, label in enumerate(keys.labels):
            rows = slice(None) if keys.single else keys.codes == index
            part = {role: values[rows] for role, values in arrays.items()}
            count = len(next(iter(part.values()))) if part else 0
            if per_column:
                part = {role: _finite_values(values) for role, values in part.items()}
            if weights is not None:
                part["__weights__"] = weights[rows]
            self.kept.setdefault(label, []).append(part)
            self.kept_rows[label] = self.kept_rows.get(label, 0) + count

    # ---------------------------------------------------------------- merge

    def merge(self, other: "Accumulator") -> "Accumulator":
        self.totals.merge(other.totals)
        self.sample_weighted = self.sample_weighted or other.sample_weighted
        for key, parts in other.kept.items():
            self.kept.setdefault(key, []).extend(parts)
        for key, count in other.kept_rows.items():
            self.kept_rows[key] = self.kept_rows.get(key, 0) + count
        return self

    # ---------------------------------------------------------------- finalize

    def finalize(self, reduction: str, with_groups: bool) -> Outcome:
        with np.errstate(all="ignore"):  # inf / inf and the like become null values with a reason
            return self._finalize(reduction, with_groups)

    def _finalize(self, reduction: str, with_groups: bool) -> Outcome:
        grouped = self.totals.group_values_and_table() if self.kind != "exact" and not self.by_sample else None
        if grouped is not None:
            return self._finalize_group_values(reduction, with_groups, *grouped)
        if self.kind == "exact":
            per_group = {key: self._finalize_exact(parts, self.kept_rows.get(key, 0)) for key, parts in self.kept.items()}
        elif self.by_sample:
            per_group = self._finalize_samples(reduction)
        elif self.kind == "mean":
            per_group = self._finalize_mean_groups(reduction)
        else:
            per_group = {key: self._finalize_totals(stats, reduction) for key, stats in self.totals.items()}
        outcome = Outcome(self.bound, reduction, self._overall(reduction, per_group))
        if with_groups:
            reasons = self._null_reasons()
            outcome.by_group = columns_of([_group_value(key, *per_group[key], reasons) for key in sorted(per_group, key=key_order)])
        return outcome

    def _finalize_group_values(self, reduction: str, with_groups: bool, values: np.ndarray, table: np.ndarray) -> Outcome:
        """``finalize`` for sums keyed by an array of --by values: the groups
        sorted by a sort over that array and finalized as arrays, not as a
        million tuples and floats."""
        reasons = self._null_reasons()
        # The table's rows are in the order the dict path keeps: the same total.
        value, n = self._finalize_totals(table.sum(axis=0), reduction)
        outcome = Outcome(self.bound, reduction, _group_value(OVERALL, value, n, reasons))
        if not with_groups:
            return outcome
        order = sorted_positions(values)
        values, table = values[order], table[order]
        if self.kind == "mean":
            finals, rows, zero_weights = self._mean_values(table, reduction)
        else:
            pairs = [self._finalize_totals(stats, reduction) for stats in table]
            finals = np.array([value for value, _ in pairs], dtype=np.float64)
            rows, zero_weights = np.array([count for _, count in pairs], dtype=np.int64), None
        outcome.by_group = group_columns(values, finals, rows, zero_weights, reasons)
        return outcome

    def _null_reasons(self) -> "_NullReasons":
        spec, params = self.bound.spec, self.bound.params
        undefined = spec.undefined_reason(**params) if spec.undefined_reason is not None else None
        uncounted = spec.no_rows_counted_reason(**params) if spec.no_rows_counted_reason is not None else None
        if not self.sample_weighted:
            # Without sample weights only the loss can have left every row out.
            return _NullReasons(undefined, uncounted or "no row counts towards the mean")
        if uncounted is None:
            return _NullReasons(undefined, SAMPLE_WEIGHTS_SUM_TO_ZERO)
        return _NullReasons(undefined, f"{SAMPLE_WEIGHTS_SUM_TO_ZERO}, or {uncounted}")

    def _overall(self, reduction: str, per_group: dict[tuple, tuple[float, int]]) -> GroupValue:
        if self.kind == "exact":
            everything = [part for parts in self.kept.values() for part in parts]
            value, n = self._finalize_exact(everything, sum(self.kept_rows.values()))
        elif self.by_sample:
            value, n = self._finalize_samples(reduction, overall=True)[OVERALL]
        else:
            stats = self.totals.total()
            value, n = self._finalize_totals(stats, reduction) if stats is not None else (float("nan"), 0)
        return _group_value(OVERALL, value, n, self._null_reasons())

    def _finalize_totals(self, stats: np.ndarray | None, reduction: str) -> tuple[float, int]:
        spec = self.bound.spec
        if self.kind == "mean":
            total, norm, rows, raw_total = stats
            if reduction != "sum" and norm == 0 and rows > 0:
                return ZERO_WEIGHTS, int(rows)
            # Weights whose sum overflowed leave no mean: finite / inf would read as 0.
            value = raw_total if reduction == "sum" else (total / norm if norm != 0 and math.isfinite(norm) else float("nan"))
            if spec.finalize is not None:
                value = spec.finalize(value, **self.bound.params)
            return float(value), int(rows)
        rows = int(stats[-1])
        finalize = spec.finalize_sum if reduction == "sum" and spec.finalize_sum is not None else spec.finalize
        with np.errstate(all="ignore"):
            value = float(finalize(stats[:-1], **self.bound.params))
        return value, rows

    def _finalize_mean_groups(self, reduction: str) -> dict[tuple, tuple[float, int]]:
        """Every group of a ``mean`` loss at once: what ``_finalize_totals``
        gives one group, with the divisions done over all the groups' sums."""
        keys, table = self.totals.keys_and_table()
        finals, rows, zero_weights = self._mean_values(table, reduction)
        values = finals.tolist()
        for index in np.flatnonzero(zero_weights).tolist():
            values[index] = ZERO_WEIGHTS
        return dict(zip(keys, zip(values, rows.tolist())))

    def _mean_values(self, table: np.ndarray, reduction: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The value and rows of each row of sums of a ``mean`` loss, and
        which have no value because their weights sum to zero."""
        total, norm, rows, raw_total = table.T
        with np.errstate(all="ignore"):
            divisible = (norm != 0) & np.isfinite(norm)
            values = raw_total if reduction == "sum" else np.where(divisible, total / np.where(divisible, norm, 1.0), np.nan)
        zero_weights = np.zeros(len(table), dtype=bool) if reduction == "sum" else (norm == 0) & (rows > 0)
        finalize = self.bound.spec.finalize
        if finalize is not None:
            # One value at a time, as for the overall value: the same function, the same bits.
            finals = values.tolist()
            for index in np.flatnonzero(~zero_weights).tolist():
                finals[index] = float(finalize(finals[index], **self.bound.params))
            values = np.array(finals, dtype=np.float64)
        return values, rows.astype(np.int64), zero_weights

    def _finalize_samples(self, reduction: str, overall: bool = False) -> dict[tuple, tuple[float, int]]:
        """Per-sample ratio losses: finalize each (group, sample), then average."""
        keys, table = self.totals.keys_and_table()
        if not keys:
            return {OVERALL: (float("nan"), 0)} if overall else {}
        if overall:
            table = _sums_by_sample(keys, table)
        with np.errstate(all="ignore"):
            per_sample = np.asarray(self.bound.spec.finalize(table[:, :-1], **self.bound.params), dtype=np.float64)
        if overall:
            return {OVERALL: _sample_mean(per_sample, table[:, -1], reduction)}
        # Sample keys are (group key, sample id); a group's samples keep their order.
        group_uniques: dict[tuple, int] = {}
        codes = np.array([group_uniques.setdefault(group, len(group_uniques)) for group, _sample in keys], dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        bounds = np.cumsum(np.bincount(codes, minlength=len(group_uniques)))[:-1]
        pieces = zip(np.split(per_sample[order], bounds), np.split(table[order, -1], bounds))
        return {group: _sample_mean(values, rows, reduction) for group, (values, rows) in zip(group_uniques, pieces)}

    def _finalize_exact(self, parts: list[dict[str, np.ndarray]], rows: int) -> tuple[float, int]:
        """(value, rows): ``rows`` counts the rows kept, which for a loss whose
        rows are not paired is more than a column's values when some are missing."""
        if not parts:
            return float("nan"), 0
        joined = {role: np.concatenate([p[role] for p in parts]) for role in parts[0]}
        weights = joined.pop("__weights__", None)
        extra = {"weights": weights} if weights is not None else {}
        if any(values.shape[0] == 0 for values in joined.values()):
            # Every value of a column was missing: no distribution to compare.
            return float("nan"), rows
        with np.errstate(all="ignore"):
            value = float(self.bound.spec.kernel(**joined, **extra, **self.bound.params))
        return value, rows

    def per_sample_values(self) -> tuple[list[tuple], np.ndarray]:
        """(keys, per-sample losses) of a per-sample ratio loss, for --per-row."""
        keys, matrix = self.totals.keys_and_table()
        if not keys:
            matrix = np.zeros((0, 1))
        with np.errstate(all="ignore"):
            values = np.asarray(self.bound.spec.finalize(matrix[:, :-1], **self.bound.params), dtype=np.float64)
        return keys, values


def _finite_values(values: np.ndarray) -> np.ndarray:
    """The values that are not missing, NaN or infinite (one cheap pass when all are)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if values.dtype == object or np.isfinite(np.add.reduce(values, axis=None)):
            return values
    return values[np.isfinite(values)] if values.ndim == 1 else values[np.isfinite(values).all(axis=1)]


def _sum(values: np.ndarray) -> float:
    return float(np.sum(values))


def _sums_by_sample(keys: list[tuple], table: np.ndarray) -> np.ndarray:
    """The sums of each sample id over every group its rows fall in.

    With --by, state keys are (group, sample); a sample whose rows span
    several groups must still count as one sample in the overall value, or
    adding --by would change it. Without --by every sample has one key and
    the table comes back unchanged.
    """
    positions: dict[Any, int] = {}
    codes = np.fromiter((positions.setdefault(sample, len(positions)) for _group, sample in keys), dtype=np.intp, count=len(keys))
    if len(positions) == len(keys):
        return table
    sums = np.zeros((len(positions), table.shape[1]))
    np.add.at(sums, codes, table)
    return sums


def _sample_mean(per_sample: np.ndarray, rows: np.ndarray, reduction: str) -> tuple[float, int]:
    value = per_sample.sum() if reduction == "sum" else per_sample.mean()
    return float(value), int(rows.sum())


class UncheckedBatchFailed(Exception):
    """A batch read without the missing-value check gave a non-finite sum or a
    kernel error: the caller reads the input again with the check."""


def new_accumulator(
    losses: list[BoundLoss],
    index: int,
    *,
    by_sample: bool,
    pooled: frozenset[int] = frozenset(),
    weights_per_row: frozenset[int] = frozenset(),
    sum_row_means: frozenset[int] = frozenset(),
) -> Accumulator:
    """An empty state for loss ``index``, with ``evaluate``'s meaning of the arguments."""
    return Accumulator(
        losses[index],
        by_sample=by_sample and index not in pooled,
        weights_per_row=index in weights_per_row,
        sum_row_means=index in sum_row_means,
    )


def evaluate(
    batches: Iterable[Batch],
    losses: list[BoundLoss],
    *,
    reduction: str = "mean",
    by_sample: bool = False,
    with_groups: bool = False,
    on_rows: Callable[[Batch, list[np.ndarray | None]], None] | None = None,
    pooled: frozenset[int] = frozenset(),
    weights_per_row: frozenset[int] = frozenset(),
    sum_row_means: frozenset[int] = frozenset(),
    unchecked: bool = False,
    tolerant: frozenset[int] = frozenset(),
    failures: dict[int, LossCliError] | None = None,
    deferred: bool = False,
) -> tuple[list[Outcome], list[Accumulator]]:
    """Fold every loss over every batch; return one outcome per loss.

    ``on_rows`` receives each batch with its per-row losses (for --per-row).
    ``pooled``, ``weights_per_row`` and ``sum_row_means`` hold the positions
    of losses whose library convention pools all samples, divides a weighted
    sum by the row count, or sums the means of rows of several values
    (see ``row_losses``). ``unchecked`` batches were not checked for NaN and inf: any
    non-finite sum or kernel error raises :class:`UncheckedBatchFailed`.

    A ``tolerant`` loss that rejects the data stops being folded instead of
    stopping the run: its error, in file terms, goes into ``failures`` under
    its position, and its outcome has no values.

    ``deferred``: the batches are :class:`DeferredBatch` items, which only
    an engine that ``takes_deferred_batches`` may be given.
    """
    def fresh(index: int) -> Accumulator:
        return new_accumulator(
            losses, index, by_sample=by_sample, pooled=pooled, weights_per_row=weights_per_row, sum_row_means=sum_row_means
        )

    accumulators = [fresh(index) for index in range(len(losses))]
    failed = _Failures(tolerant, unchecked, {} if failures is None else failures)
    side_by_side = takes_deferred_batches(on_rows) and (deferred or len(losses) > 1)
    fold = _fold_batches_side_by_side if side_by_side else _fold_losses_side_by_side
    fold(batches, accumulators, fresh, by_sample=by_sample, on_rows=on_rows, unchecked=unchecked, failed=failed)
    outcomes = [failed.finalize(index, acc, reduction, with_groups) for index, acc in enumerate(accumulators)]
    return outcomes, accumulators


def takes_deferred_batches(on_rows: object) -> bool:
    """Whether ``evaluate`` can fold :class:`DeferredBatch` items: it folds
    whole batches on several cores then. Per-row output needs every loss's
    rows of a batch together, in order: there the losses of each batch are
    spread over the cores instead."""
    return on_rows is None and (os.cpu_count() or 1) > 1


class _Rejected:
    """A tolerant loss's error on one batch, in place of its folded state."""

    def __init__(self, error: LossCliError) -> None:
        self.error = error


class _Failures:
    """Which tolerant losses rejected the data, and where (first in file order)."""

    def __init__(self, tolerant: frozenset[int], unchecked: bool, errors: dict[int, LossCliError]) -> None:
        self.tolerant = tolerant
        self.unchecked = unchecked
        self.errors = errors

    def add(self, index: int, acc: Accumulator, batch: Batch, keys: tuple, want_rows: bool, shared: dict | None = None) -> Any:
        """Fold loss ``index`` of ``batch`` into ``acc``: its per-row values, or
        a :class:`_Rejected` when a tolerant loss's kernel rejects the batch."""
        try:
            return _add(acc, batch, index, keys, want_rows, shared)
        except LossCliError as error:
            if index not in self.tolerant:
                error.loss_index = index
                raise
            return _Rejected(error)

    def record(self, index: int, rejected: _Rejected, batch: Batch) -> None:
        """Called in file order, so the first batch that fails a loss names it."""
        if index in self.errors:
            return
        if self.unchecked:
            # The error may be a NaN's doing: the caller reads again with the check.
            raise UncheckedBatchFailed
        self.errors[index] = in_file(rejected.error, batch, index)

    def finalize(self, index: int, acc: Accumulator, reduction: str, with_groups: bool) -> Outcome:
        if index in self.errors:
            return Outcome(acc.bound, reduction)
        try:
            return acc.finalize(reduction, with_groups)
        except LossCliError as error:
            if index not in self.tolerant:
                raise
            self.errors[index] = error
            return Outcome(acc.bound, reduction)


def _batch_keys(batch: Batch, by_sample: bool) -> tuple[RowKeys, RowKeys | None]:
    """The state keys of a batch's rows: by group, and by (group, sample) for per-sample losses."""
    group_keys = row_keys(batch.groups, None)
    sample_keys = row_keys(batch.groups, batch.samples) if by_sample and batch.samples is not None else None
    return group_keys, sample_keys


def _add(
    acc: Accumulator,
    batch: Batch,
    index: int,
    keys: tuple[RowKeys, RowKeys | None],
    want_rows: bool,
    shared: dict | None = None,
) -> np.ndarray | None:
    group_keys, sample_keys = keys
    chosen = sample_keys if acc.by_sample and sample_keys is not None else group_keys
    return acc.add(batch.arrays[index], weights=batch.weights, keys=chosen, want_rows=want_rows, shared=shared)


def _raise_in_file(error: LossCliError, batch: Batch, unchecked: bool) -> NoReturn:
    """A kernel's error as the user's error in file terms, or, for a batch read
    without the NaN check, as the signal to read the input again with it."""
    if unchecked:
        raise UncheckedBatchFailed from error
    raise in_file(error, batch, error.loss_index)


def _fold_losses_side_by_side(
    batches: Iterable[Batch],
    accumulators: list[Accumulator],
    fresh: Callable[[int], Accumulator],
    *,
    by_sample: bool,
    on_rows: Callable[[Batch, list[np.ndarray | None]], None] | None,
    unchecked: bool,
    failed: _Failures,
) -> None:
    """One batch at a time, its losses spread over the cores."""
    with _LossThreads(len(accumulators)) as threads:
        for batch in batches:
            keys = _batch_keys(batch, by_sample)

            def fold(index: int, batch: Batch = batch) -> Any:
                if index in failed.errors:
                    return None
                return failed.add(index, accumulators[index], batch, keys, on_rows is not None)

            try:
                per_row = threads.map(fold, len(accumulators), rows=batch.n)
            except LossCliError as error:
                _raise_in_file(error, batch, unchecked)
            for index, rows in enumerate(per_row):
                if isinstance(rows, _Rejected):
                    failed.record(index, rows, batch)
                    per_row[index] = None
            if unchecked and not all(acc.last_batch_finite for index, acc in enumerate(accumulators) if index not in failed.errors):
                raise UncheckedBatchFailed
            if on_rows is not None:
                on_rows(batch, per_row)


class DeferredBatch:
    """Rows that become batches only when ``load`` runs, on the thread that
    folds them: a Parquet row group decoded where its losses are computed.

    Reader threads decoding ahead and folding threads behind them are two
    pipelines coupled by queues: with ten losses on 50M rows they kept about
    1.6 of the two cores busy. Decoding and folding each row group on one
    thread keeps both busy: 0.46 to 0.38 s (in-process, medians of 7; see
    ``InputPlan.deferred_batches``), and one loss gains too (MSE 0.150 to
    0.136 s, BCE on 20M rows 0.084 to 0.076 s, interleaved medians of 11).
    ``n`` is the row count, known before decoding, for progress."""

    def __init__(self, n: int, load: Callable[[], list[Batch]]) -> None:
        self.n = n
        self.load = load


def _fold_batches_side_by_side(
    batches: Iterable[Batch | DeferredBatch],
    accumulators: list[Accumulator],
    fresh: Callable[[int], Accumulator],
    *,
    by_sample: bool,
    on_rows: object,
    unchecked: bool,
    failed: _Failures,
) -> None:
    """Several batches at a time, one per core, each folding every loss into
    states of its own; the states merge in batch order.

    Every batch does the same work, so the cores stay busy without waiting
    for the slowest loss of each batch, and a batch is handed over once
    rather than once per loss: ten losses on 50M rows about 15% faster than
    spreading the losses (measured, 2 cores). Merging in batch order adds the
    sums in the order one thread would: the values are identical. The first
    failing batch in file order is the one reported. A :class:`DeferredBatch`
    is loaded by the thread that folds it, and its batches merge in order.
    """
    from collections import deque

    from .workers import Pool, Task

    def fold_one(batch: Batch) -> list[Accumulator | _Rejected | None]:
        keys = _batch_keys(batch, by_sample)
        # This thread folds every loss of the batch, so they can share terms;
        # a loss alone keeps none (see ``pair_sums``).
        shared: dict | None = {} if len(accumulators) > 1 else None
        parts: list[Accumulator | _Rejected | None] = []
        for index in range(len(accumulators)):
            if index in failed.errors:  # failed on an earlier batch: no more work
                parts.append(None)
                continue
            part = fresh(index)
            try:
                rejected = failed.add(index, part, batch, keys, False, shared)
            except LossCliError as error:
                _raise_in_file(error, batch, unchecked)
            parts.append(rejected if isinstance(rejected, _Rejected) else part)
        return parts

    def fold(item: Batch | DeferredBatch) -> list[tuple[Batch, list[Accumulator | _Rejected | None]]]:
        loaded = item.load() if isinstance(item, DeferredBatch) else [item]
        return [(batch, fold_one(batch)) for batch in loaded]

    def merge(task: Task) -> None:
        for batch, parts in task.result():
            for index, part in enumerate(parts):
                if isinstance(part, _Rejected):
                    failed.record(index, part, batch)
            folded = [(acc, part) for index, (acc, part) in enumerate(zip(accumulators, parts)) if index not in failed.errors]
            if unchecked and not all(part.last_batch_finite for _, part in folded):
                raise UncheckedBatchFailed
            for acc, part in folded:
                acc.merge(part)

    workers = fold_threads()
    # Leaving, the pool waits for the batches under way, unless a signal
    # stops the run (see ``losscli.workers``).
    with Pool(workers, "losscli-batch") as pool:
        pending: deque = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(fold, batch))
                # One batch waiting per core: bounded memory, no core idle.
                if len(pending) > workers:
                    merge(pending.popleft())
            while pending:
                merge(pending.popleft())
        finally:
            for task in pending:
                task.cancel()


def in_file(error: LossCliError, batch: Batch, index: int) -> LossCliError:
    """The error of loss ``index``'s kernel with the file, column and file row
    filled in: those of the labels file when the failing role was read there."""
    columns = batch.role_columns[index] if batch.role_columns else None
    on_labels = batch.label_roles is not None and error.role in batch.label_roles[index]
    file = batch.label_file if on_labels else batch.file
    ids = batch.label_row_ids if on_labels and batch.label_row_ids is not None else batch.row_ids
    offset = batch.row_offset
    if ids is not None and error.row is not None and 0 < error.row <= len(ids):
        # Rows were dropped (--nan-policy omit) or reordered (--key): use the file's numbering.
        error.row, offset = int(ids[error.row - 1]), 0
    return error.with_context(file=file, row_offset=offset, role_columns=columns)


# Threads folding batches or losses: one per core, at most eight. Each holds a
# batch and its losses' temporaries (ten losses on 50M rows: 244 MB of peak
# memory with 2 threads, 474 MB with 16, 847 MB with 64, simulated core counts
# on 2 cores), and the readers decode at most four row groups at once.
MOST_FOLD_THREADS = 8


def fold_threads() -> int:
    return min(os.cpu_count() or 1, MOST_FOLD_THREADS)


# Below this many rows a batch is folded on one thread: handing it over costs more.
_PARALLEL_ROWS = 32_768


class _LossThreads:
    """Folds the losses of one batch on several cores.

    Each loss has its own accumulator and numpy releases the GIL in its
    kernels, so ten losses on two cores take about half the time of ten in
    a row. The first failing loss, in loss order, is the one reported, its
    position in ``loss_index``.
    """

    def __init__(self, losses: int) -> None:
        self.workers = min(losses, fold_threads())
        self.pool = None
        self.seconds: list[float] = []

    def __enter__(self) -> "_LossThreads":
        if self.workers > 1:
            from .workers import Pool

            self.pool = Pool(self.workers, "losscli-loss")
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if self.pool is not None:
            from .workers import stopped_by_signal

            # The losses under way are waited for, unless a signal stops the run.
            self.pool.close(wait=not stopped_by_signal(error))

    def map(self, fold: Callable[[int], Any], count: int, *, rows: int) -> list[Any]:
        if self.pool is None or rows < _PARALLEL_ROWS:
            results = []
            for index in range(count):
                try:
                    results.append(fold(index))
                except LossCliError as error:
                    error.loss_index = index
                    raise
            return results
        # Longest first (by the last batch's times), so the batch does not end
        # with one core busy on a long loss while the other waits.
        if len(self.seconds) != count:
            self.seconds = [0.0] * count
        order = sorted(range(count), key=lambda index: -self.seconds[index])

        def timed(index: int) -> Any:
            started = time.perf_counter()
            try:
                return fold(index)
            finally:
                self.seconds[index] = time.perf_counter() - started

        submitted = {index: self.pool.submit(timed, index) for index in order}
        tasks = [submitted[index] for index in range(count)]
        results = []
        for index, task in enumerate(tasks):
            try:
                results.append(task.result())
            except LossCliError as error:
                for rest in tasks[index + 1 :]:
                    rest.cancel()
                error.loss_index = index
                raise
        return results
