"""Distribution of per-row (or per-sample) losses: is a mean driven by a few rows?

:func:`distribution` turns an array of losses into a :class:`DistributionChart`
(quantiles, the worst rows with their row numbers and key values, the share
of the total loss those rows carry); the terminal and file renderers bin it.
:class:`StreamedDistribution` builds the same chart from batch after batch
of a file in bounded memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import LossCliError
from ..wording import ordinal

QUANTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))


@dataclass
class WorstRow:
    row: Any
    value: float
    keys: dict[str, Any] = field(default_factory=dict)


@dataclass
class DistributionChart:
    title: str
    loss: str
    values: np.ndarray
    mean: float
    quantiles: dict[str, float]
    worst: list[WorstRow]
    row_label: str = "row"
    # Share of the total loss the listed worst rows carry (None when losses can be negative).
    worst_share: float | None = None
    dropped: int = 0
    notes: list[str] = field(default_factory=list)
    # How many rows each of ``values`` stands for: 1, or the stride of a thinned
    # large input, whose smallest and largest losses ``extremes`` then keeps.
    row_weight: int = 1
    extremes: tuple[float, float] | None = None

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def maximum(self) -> float:
        if self.worst and self.worst[0].value == math.inf:
            # A row whose loss overflowed is the largest, though the histogram leaves it out.
            return math.inf
        return self.extremes[1] if self.extremes else float(self.values.max())

    def histogram(self, bins: int) -> tuple[np.ndarray, np.ndarray]:
        """(counts, edges) over [min, max] in ``bins`` equal bins; counts in rows."""
        low, high = self.extremes or (float(self.values.min()), float(self.values.max()))
        if low == high:
            # Every row has the same loss: one bin around it.
            pad = abs(low) * 0.05 or 0.5
            low, high = low - pad, high + pad
        counts, edges = np.histogram(self.values, bins=bins, range=(low, high))
        return counts * self.row_weight, edges

    def marks(self) -> list[tuple[str, float]]:
        """Vertical markers: the mean and the quantiles, in that order."""
        return [("mean", self.mean), *self.quantiles.items()]


def distribution(
    losses: Sequence[float] | np.ndarray,
    row_ids: Sequence[Any] | np.ndarray | None = None,
    *,
    loss: str = "loss",
    keys: Mapping[str, Sequence[Any] | np.ndarray] | None = None,
    worst: int = 5,
    row_label: str = "row",
    title: str | None = None,
) -> DistributionChart:
    """Summarise per-row losses for a histogram with quantiles and the worst rows.

    ``row_ids`` label the rows (default: 1-based row numbers; pass sample ids
    for per-sample losses and ``row_label="sample"``). ``keys`` maps column
    names to per-row values shown beside the worst rows (an ``id`` column).
    Non-finite losses are left out and counted in a note.
    """
    values = np.asarray(losses, dtype=np.float64).reshape(-1)
    n = len(values)
    ids = np.arange(1, n + 1) if row_ids is None else np.asarray(row_ids)
    if len(ids) != n:
        raise LossCliError(f"{len(ids)} row ids for {n} losses")
    key_columns = {name: np.asarray(column) for name, column in (keys or {}).items()}
    for name, column in key_columns.items():
        if len(column) != n:
            raise LossCliError(f"key column '{name}' has {len(column)} values for {n} losses")
    finite = np.isfinite(values)
    if not finite.any():
        raise LossCliError(f"no finite {loss} value to plot ({n} rows)")
    kept = values[finite]
    mean = _mean(kept)

    worst_rows = [
        WorstRow(_plain(ids[i]), float(values[i]), {name: _plain(column[i]) for name, column in key_columns.items()})
        for i in _worst_positions(values, finite, max(worst, 0))
    ]
    dropped = int(n - finite.sum())
    with np.errstate(over="ignore"):
        total = float(kept.sum())
    share = _worst_share(worst_rows, dropped, float(kept.min()), total)
    notes = [f"{dropped} {row_label}{'s' if dropped != 1 else ''} with no finite value left out of the histogram"] if dropped else []
    return DistributionChart(
        title=title or f"Per-{row_label} {loss}: {len(kept):,} {row_label}{'s' if len(kept) != 1 else ''}",
        loss=loss,
        values=kept,
        mean=mean,
        quantiles=_quantiles(kept),
        worst=worst_rows,
        row_label=row_label,
        worst_share=share,
        dropped=dropped,
        notes=notes,
    )


# Per-row losses a streamed chart keeps for its histogram and quantiles: 2^22
# values (32 MB per loss). A larger input keeps every 2nd, 4th, ... row's
# loss instead; the mean, the extremes and the worst rows stay exact.
SAMPLE_VALUES = 1 << 22


class StreamedDistribution:
    """The distribution of one loss's per-row values, folded batch by batch.

    Memory does not grow with the rows: the worst rows are merged batch by
    batch, and the values kept for the histogram are thinned to every
    ``stride``-th finite value (in file order) once there are more than
    twice ``sample_values`` of them.
    """

    def __init__(self, *, worst: int = 5, sample_values: int = SAMPLE_VALUES) -> None:
        self.worst_count = worst
        self.sample_values = sample_values
        self.rows = 0
        self.finite_rows = 0
        self.total = 0.0
        # The mean of the finite values, kept finite when their sum overflows.
        self.running_mean = 0.0
        # With row weights (--weight-col) the mean is sum(w l) / sum(w), as the report's.
        self.weighted = False
        self.weighted_total = 0.0
        self.weight_sum = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.stride = 1
        self.kept: list[np.ndarray] = []
        self.kept_count = 0
        # The worst rows so far: loss, position in the stream, row id.
        self.worst_values = np.zeros(0)
        self.worst_positions = np.zeros(0, dtype=np.int64)
        self.worst_ids: list[Any] = []
        self.worst_weights = np.zeros(0)

    def add(self, losses: np.ndarray, row_ids: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Fold one batch's per-row losses; ``weights`` (one per row) weigh the mean."""
        values = np.asarray(losses, dtype=np.float64).reshape(-1)
        finite = np.isfinite(values)
        # Most batches have no NaN or inf: no masked copies of them then.
        every = bool(finite.all())
        kept = values if every else values[finite]
        row_weights = None if weights is None else np.broadcast_to(np.asarray(weights, dtype=np.float64).reshape(-1), values.shape)
        self.weighted = self.weighted or weights is not None
        if kept.size:
            with np.errstate(over="ignore"):
                batch_total = float(kept.sum())
                if row_weights is None:
                    self.weighted_total += batch_total
                    self.weight_sum += kept.size
                else:
                    kept_weights = row_weights if every else row_weights[finite]
                    self.weighted_total += float(np.dot(kept_weights, kept))
                    self.weight_sum += float(kept_weights.sum())
            self.total += batch_total
            batch_mean = batch_total / kept.size if math.isfinite(batch_total) else _mean(kept)
            # Weights that sum to one: no term overflows, whatever the values.
            count = self.finite_rows + kept.size
            self.running_mean = self.running_mean * (self.finite_rows / count) + batch_mean * (kept.size / count)
            self.low = min(self.low, float(kept.min()))
            self.high = max(self.high, float(kept.max()))
            self._keep(kept)
        self._merge_worst(values, finite, row_ids, row_weights)
        self.rows += values.size
        self.finite_rows += kept.size

    def _keep(self, kept: np.ndarray) -> None:
        # Finite values whose index in the stream is a multiple of the stride.
        part = kept[(-self.finite_rows) % self.stride :: self.stride]
        self.kept.append(part.copy())
        self.kept_count += part.size
        while self.kept_count > 2 * self.sample_values:
            # A copy: a view would keep the whole concatenation alive.
            thinned = np.concatenate(self.kept)[::2].copy()
            self.kept, self.kept_count, self.stride = [thinned], thinned.size, self.stride * 2

    def _merge_worst(self, values: np.ndarray, finite: np.ndarray, row_ids: np.ndarray, weights: np.ndarray | None) -> None:
        if self.worst_count and self.worst_values.size == self.worst_count:
            # Full: only a larger loss can enter (an equal one comes later, so it
            # ranks after). One comparison finds the few, instead of a partition.
            entering = np.flatnonzero(values > self.worst_values[-1])
            local = entering[_worst_positions(values[entering], finite[entering], self.worst_count)]
        else:
            local = _worst_positions(values, finite, self.worst_count)
        if not local.size:
            return
        candidates = np.concatenate([self.worst_values, values[local]])
        positions = np.concatenate([self.worst_positions, self.rows + local])
        candidate_weights = np.concatenate([self.worst_weights, np.ones(local.size) if weights is None else weights[local]])
        ids = self.worst_ids + [row_ids[i] for i in local]
        # +inf first (it sorts first as -inf), then larger losses, then earlier rows.
        order = np.lexsort((positions, -candidates))[: self.worst_count]
        self.worst_values, self.worst_positions = candidates[order], positions[order]
        self.worst_weights = candidate_weights[order]
        self.worst_ids = [ids[i] for i in order]

    def chart(self, *, loss: str, row_label: str = "row") -> DistributionChart:
        if not self.finite_rows:
            raise LossCliError(f"no finite {loss} value to plot ({self.rows} rows)")
        values = np.concatenate(self.kept)
        dropped = self.rows - self.finite_rows
        worst = [WorstRow(_plain(row), float(value)) for row, value in zip(self.worst_ids, self.worst_values)]
        plural = "s" if self.finite_rows != 1 else ""
        notes = [f"{dropped} {row_label}{'s' if dropped != 1 else ''} with no finite value left out of the histogram"] if dropped else []
        mean = self.total / self.finite_rows if math.isfinite(self.total) else self.running_mean
        share = _worst_share(worst, dropped, self.low, self.total)
        if self.weighted:
            mean = self.weighted_total / self.weight_sum if self.weight_sum > 0 else math.nan
            share = None
            if worst and not dropped and self.low >= 0 and self.weighted_total > 0:
                share = float(np.dot(self.worst_weights, self.worst_values)) / self.weighted_total
            notes.append(f"the mean weighs each {row_label} by --weight-col, as the report does; the histogram and quantiles count {row_label}s")
        if self.stride > 1:
            notes.append(
                f"histogram (estimated counts) and quantiles from every {ordinal(self.stride)} {row_label} ({values.size:,} of "
                f"{self.finite_rows:,}); the mean, maximum and worst {row_label}s from all"
            )
        return DistributionChart(
            title=f"Per-{row_label} {loss}: {self.finite_rows:,} {row_label}{plural}",
            loss=loss,
            values=values,
            mean=mean,
            quantiles=_quantiles(values),
            worst=worst,
            row_label=row_label,
            worst_share=share,
            dropped=dropped,
            notes=notes,
            row_weight=self.stride,
            extremes=(self.low, self.high),
        )


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return dict(zip((name for name, _ in QUANTILES), map(float, np.quantile(values, [q for _, q in QUANTILES]))))


def _worst_share(worst: list[WorstRow], dropped: int, lowest: float, total: float) -> float | None:
    """Share of the total loss the worst rows carry; none when a row has no
    finite loss (the total is then not finite) or losses can be negative."""
    if worst and not dropped and lowest >= 0 and 0 < total < math.inf:
        return sum(r.value for r in worst) / total
    return None


def _mean(values: np.ndarray) -> float:
    """The mean of finite values, also when their sum overflows (losses near 1e308)."""
    with np.errstate(over="ignore"):
        mean = float(values.mean())
    if math.isfinite(mean):
        return mean
    return float((values / values.size).sum())


def _worst_positions(values: np.ndarray, finite: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` worst rows, worst first; among equal losses
    the earlier row first. Rows whose loss overflowed to +inf come first:
    they are the worst, and what makes the mean infinite. NaN rows are not
    ranked (a note counts them).

    A partition finds the candidates, so millions of rows are not sorted
    for five of them."""
    broken = np.flatnonzero(values == np.inf)[:count]
    count -= len(broken)
    kept_positions = np.flatnonzero(finite)
    kept = values[kept_positions]
    if count <= 0 or kept.size == 0:
        return broken
    if count < kept.size:
        threshold = np.partition(kept, kept.size - count)[kept.size - count]
        above = np.flatnonzero(kept > threshold)
        ties = np.flatnonzero(kept == threshold)[: count - len(above)]
        candidates = np.concatenate([above, ties])
    else:
        candidates = np.arange(kept.size)
    # lexsort: the last key is the primary one (larger loss first), then the row.
    order = candidates[np.lexsort((candidates, -kept[candidates]))]
    return np.concatenate([broken, kept_positions[order]])


def _plain(value: Any) -> Any:
    """numpy scalars to Python values, for display and JSON alike."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and math.isfinite(value) and abs(value) < 1e15:
        return int(value)
    return value
