"""Distribution of per-row (or per-sample) losses: is a mean driven by a few rows?

:func:`distribution` turns an array of losses into a :class:`DistributionChart`
(quantiles, the worst rows with their row numbers and key values, the share
of the total loss those rows carry); the terminal and file renderers bin it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import LossCliError

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

    @property
    def n(self) -> int:
        return len(self.values)

    def histogram(self, bins: int) -> tuple[np.ndarray, np.ndarray]:
        """(counts, edges) over [min, max] in ``bins`` equal bins."""
        low, high = float(self.values.min()), float(self.values.max())
        if low == high:
            # Every row has the same loss: one bin around it.
            pad = abs(low) * 0.05 or 0.5
            low, high = low - pad, high + pad
        return np.histogram(self.values, bins=bins, range=(low, high))

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
    mean = float(kept.mean())
    quantiles = dict(zip((name for name, _ in QUANTILES), map(float, np.quantile(kept, [q for _, q in QUANTILES]))))

    worst_rows = [
        WorstRow(_plain(ids[i]), float(values[i]), {name: _plain(column[i]) for name, column in key_columns.items()})
        for i in _worst_positions(values, finite, max(worst, 0))
    ]
    dropped = int(n - finite.sum())
    total = float(kept.sum())
    share = None
    if worst_rows and not dropped and kept.min() >= 0 and total > 0:
        # With a row that has no finite loss the total is not finite: no share to give.
        share = sum(r.value for r in worst_rows) / total
    notes = [f"{dropped} {row_label}{'s' if dropped != 1 else ''} with no finite value left out of the histogram"] if dropped else []
    return DistributionChart(
        title=title or f"Per-{row_label} {loss}: {len(kept):,} {row_label}{'s' if len(kept) != 1 else ''}",
        loss=loss,
        values=kept,
        mean=mean,
        quantiles=quantiles,
        worst=worst_rows,
        row_label=row_label,
        worst_share=share,
        dropped=dropped,
        notes=notes,
    )


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
