"""Input checks and numerically stable building blocks shared by every family.

Kernels call these instead of repeating validation; each check raises a
:class:`LossCliError` naming the role and the first offending row (1-based,
relative to the rows the kernel was given; the engine adds the batch offset
and the file name).
"""

from __future__ import annotations

import numpy as np

from ..errors import LossCliError
from ..wording import counted, exact_number


def first_bad_row(bad: np.ndarray) -> int:
    """1-based index of the first row where ``bad`` (any column) is true."""
    rows = bad.reshape(bad.shape[0], -1).any(axis=1) if bad.ndim > 1 else bad
    return int(np.argmax(rows)) + 1


def fail_where(bad: np.ndarray, message: str, *, role: str, values: np.ndarray | None = None, hint: str | None = None) -> None:
    """Raise about the first row where ``bad`` holds, quoting its value if given."""
    if not bad.any():
        return
    row = first_bad_row(bad)
    if values is not None:
        shown = values[row - 1]
        if np.ndim(shown) == 0:
            message = f"{message} (value {exact_number(shown)})"
    # No count of the bad rows: a kernel sees one batch, not the whole input,
    # and a count of that batch read as the file's would mislead.
    raise LossCliError(message, role=role, row=row, hint=hint)


def as_matrix(x: np.ndarray) -> np.ndarray:
    """(n,) -> (n, 1); (n, k) unchanged."""
    return x[:, None] if x.ndim == 1 else x


def as_column(values: np.ndarray) -> np.ndarray:
    """(n, 1) -> (n,): a one-column input is a column, whatever the container."""
    return values[:, 0] if values.ndim == 2 and values.shape[1] == 1 else values


def matching_columns(y_true: np.ndarray, y_pred: np.ndarray, *, what: str = "column") -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions of an element-wise loss, with the same shape.

    One side as (n,) and the other as (n, 1) (a width-1 list column, a
    one-column DataFrame or tensor) would broadcast to an (n, n) matrix of
    every pairing, a plausible-looking wrong value.
    """
    y_true, y_pred = as_column(y_true), as_column(y_pred)
    check_same_width(y_true, y_pred, what=what)
    return y_true, y_pred


def binary_columns(y_true: np.ndarray, y_pred: np.ndarray, loss_name: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`matching_columns` for a loss of the positive class's probability.

    One label column beside two prediction columns is almost always one
    probability per class (scikit-learn's predict_proba, a Spark ML
    probability vector): a different loss, not a column to drop.
    """
    y_true, y_pred = as_column(y_true), as_column(y_pred)
    if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 2:
        raise LossCliError(
            f"y_true has 1 column but y_pred has 2, one per class; {loss_name} takes the positive class's probability alone",
            role="y_pred",
            hint="for two class columns use --loss cce, which reads labels 0/1 as class indices; "
            "or give --pred-col the positive class's column",
        )
    return matching_columns(y_true, y_pred)


def one_column(values: np.ndarray, role: str, loss_name: str) -> np.ndarray:
    """The values of a role that takes one number per row, as (n,)."""
    values = as_column(values)
    if values.ndim != 1:
        raise LossCliError(
            f"{loss_name} takes one {role} column, got {values.shape[1]}",
            role=role,
            hint=f"select a single column for {role}",
        )
    return values


def check_same_width(y_true: np.ndarray, y_pred: np.ndarray, *, what: str = "column") -> None:
    """Element-wise losses need as many prediction columns as label columns
    (``what`` names one of them: "column", "feature column")."""
    k_true = 1 if y_true.ndim == 1 else y_true.shape[1]
    k_pred = 1 if y_pred.ndim == 1 else y_pred.shape[1]
    if k_true != k_pred:
        raise LossCliError(
            f"y_true has {counted(k_true, what)} but y_pred has {k_pred}",
            role="y_pred",
            hint="select matching columns with --label-col and --pred-col",
        )


def within(values: np.ndarray, low: float, high: float) -> bool:
    """Whether every value lies in [low, high]: two reductions and no boolean
    temporaries, so the common case costs a fraction of a row-by-row check.
    NaN gives False, sending the caller to its row-by-row check.

    For [0, high] on float64, one reduction: non-negative doubles are ordered
    as their bit patterns read as unsigned integers, and a negative number
    (sign bit set) or a NaN reads as larger than any such bound. The largest
    pattern is at most ``high``'s exactly when every value lies in [+0, high];
    only then is the answer given from it (-0.0 takes the two reductions)."""
    if values.size == 0:
        return True
    if low == 0 and high >= 0 and values.dtype == np.float64 and values.view(np.uint64).max() <= np.float64(high).view(np.uint64):
        return True
    return bool(values.min() >= low and values.max() <= high)


def check_probabilities(p: np.ndarray, *, role: str = "y_pred") -> None:
    """Probabilities must lie in [0, 1]."""
    if within(p, 0.0, 1.0):
        return
    fail_where(
        (p < 0) | (p > 1),
        "probability outside [0, 1]",
        role=role,
        values=p,
        hint="pass --from-logits if these are logits or raw scores",
    )


def check_unit_interval_labels(y: np.ndarray, *, role: str = "y_true") -> None:
    """Binary (or soft binary) targets must lie in [0, 1]."""
    if within(y, 0.0, 1.0):
        return
    fail_where(
        (y < 0) | (y > 1),
        "binary label outside [0, 1]",
        role=role,
        values=y,
        hint="labels must be 0/1 (or soft targets in [0, 1]); for two other labels, --positive LABEL names the class "
        "the predictions are the probability or score of (--positive 1 for -1/1 labels)",
    )


def check_class_index(y: np.ndarray, n_classes: int, *, role: str = "y_true", ignoring_loss: str | None = None) -> np.ndarray:
    """Class-index labels must be integers 0..C-1; returns them as int64.
    ``ignoring_loss`` names the loss when it has an ignore_index parameter,
    which the error then offers for padding labels (see ``_padding_hint``)."""
    if y.dtype.kind not in "iu":  # an integer column holds whole numbers already
        fail_where(y != np.round(y), "class label is not an integer", role=role, values=y)
    if within(y, 0, n_classes - 1):  # integers by now, so this is 0..C-1
        return y.astype(np.int64)
    outside = (y < 0) | (y >= n_classes)
    fail_where(
        outside,
        f"class label outside the {n_classes} classes 0..{n_classes - 1}",
        role=role,
        values=y,
        hint=_padding_hint(y[outside], ignoring_loss) or f"y_pred has {n_classes} probability columns; labels must index them",
    )
    return y.astype(np.int64)


def _padding_hint(outside: np.ndarray, ignoring_loss: str | None) -> str | None:
    """The ignore_index to give when every label outside the classes is one
    negative value: that is padding (PyTorch's -100), not a wrong class.
    A kernel sees one batch, so "every" is every one of that batch."""
    if ignoring_loss is None:
        return None
    values = np.unique(outside)
    if len(values) != 1 or not values[0] < 0:
        return None
    value = exact_number(values[0])
    return f"if {value} marks rows to leave out (PyTorch pads with -100), --loss {ignoring_loss}:ignore_index={value} leaves them out of the mean"


def clip_above(values: np.ndarray, high: float) -> np.ndarray:
    """min(values, high) in a new array, NaN kept. numpy's clip between two
    numbers runs about three times as fast as its minimum with one number
    (0.16 against 0.44 ns a value, measured), whose loop is not vectorised."""
    return np.clip(values, -np.inf, high)


def valid_clipped_probabilities(p: np.ndarray, eps: float, *, role: str = "y_pred") -> np.ndarray:
    """Probabilities checked to lie in [0, 1] and clipped to [eps, 1-eps]
    (Keras' rule, in float64; eps=0 keeps p as is). The check's min and max
    also tell when nothing needs clipping, the common case: then p itself is
    returned, without a clipped copy."""
    if p.size == 0:
        return p
    low, high = p.min(), p.max()
    if not (low >= 0.0 and high <= 1.0):  # also NaN, which the row-by-row check lets through
        check_probabilities(p, role=role)
    if eps > 0 and not (low >= eps and high <= 1.0 - eps):
        return np.clip(p, eps, 1.0 - eps)
    return p


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(sigmoid(x)) without overflow: -softplus(-x)."""
    return -np.logaddexp(0.0, -x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Sigmoid that stays finite and accurate for large |x|."""
    out = np.empty_like(x, dtype=np.float64)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    out[~positive] = exp_x / (1.0 + exp_x)
    return out


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax, stable for extreme logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(logits))
