"""Sums over one batch of (y_true, y_pred) that several losses share.

Comparing ten regression losses on the same two columns computed the residual
ten times and made each loss write its per-row values only for them to be
summed. When only the sum of a batch is needed (no weights, groups or per-row
output), a loss may give that sum from these shared terms instead: the
residual, its absolute value and their sums are computed once per batch, and
sums of squares come from a dot product rather than a squared copy.

Every term is computed lazily and kept for the batch, so a loss pays only for
the terms it uses, and a second loss that needs the same term gets it free.
An instance belongs to one thread: the engine folds all losses of a batch on
the thread that holds the batch.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ._checks import clip_above


class PairSums:
    """Shared terms of one batch's labels and predictions, both 1-D float64
    and not empty."""

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        self.y_true = y_true
        self.y_pred = y_pred
        self.n = y_true.shape[0]
        self._huber: dict[float, float] = {}

    @staticmethod
    def accepts(y_true: np.ndarray, y_pred: np.ndarray) -> bool:
        """Only plain columns: the kernels handle shapes, widths and dtypes."""
        return (
            y_true.ndim == 1
            and y_pred.ndim == 1
            and y_true.shape == y_pred.shape
            and y_true.dtype == np.float64
            and y_pred.dtype == np.float64
        )

    @cached_property
    def residual(self) -> np.ndarray:
        return self.y_pred - self.y_true

    @cached_property
    def abs_residual(self) -> np.ndarray:
        return np.abs(self.residual)

    @cached_property
    def sum_residual(self) -> float:
        return float(np.sum(self.residual))

    @cached_property
    def sum_abs(self) -> float:
        return float(np.sum(self.abs_residual))

    @cached_property
    def sum_squares(self) -> float:
        residual = self.residual
        return float(np.dot(residual, residual))

    @cached_property
    def min_true(self) -> float:
        return float(np.min(self.y_true))

    @cached_property
    def min_pred(self) -> float:
        return float(np.min(self.y_pred))

    def huber(self, delta: float) -> float:
        """The sum of Huber's rows, q (|e| - q/2) with q = min(|e|, delta):
        |e|^2 / 2 up to delta, delta (|e| - delta / 2) beyond, from two dot
        products. Every row's q |e| is at least twice its q^2 / 2, so the
        difference of the two sums keeps the digits of each (a tiny linear
        part is not a difference of two large sums of |e|), and it costs one
        pass over the rows less than adding the quadratic and linear parts."""
        if delta not in self._huber:
            clipped = clip_above(self.abs_residual, delta)
            self._huber[delta] = float(np.dot(clipped, self.abs_residual)) - 0.5 * float(np.dot(clipped, clipped))
        return self._huber[delta]


def shared_pair_sums(arrays: dict[str, np.ndarray], cache: dict | None) -> PairSums | None:
    """The batch's PairSums for a loss's ``y_true`` and ``y_pred``, from
    ``cache`` when another loss on the same two arrays made them already."""
    if arrays.keys() != {"y_true", "y_pred"}:
        return None
    y_true, y_pred = arrays["y_true"], arrays["y_pred"]
    if not PairSums.accepts(y_true, y_pred) or y_true.shape[0] == 0:
        return None
    if cache is None:
        return PairSums(y_true, y_pred)
    # The arrays are alive for the whole batch, so their ids stay theirs.
    key = (id(y_true), id(y_pred))
    sums = cache.get(key)
    if sums is None:
        sums = cache[key] = PairSums(y_true, y_pred)
    return sums
