"""Classification losses: cross-entropy in its forms, hinge, KL divergence, focal.

Predictions are probabilities by default; losses where logits make sense take
the shared ``from_logits`` switch and then work from log-sigmoid/log-softmax,
never from a rounded probability. Probability inputs are clipped by ``eps``
(binary: [eps, 1-eps], Keras' rule; class rows: [eps, 1], so a perfect
prediction costs exactly 0). Class-probability rows must sum to 1 unless
``normalize`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from ..conventions import loss
from ..errors import LossCliError
from ..shell import loss_option
from ..wording import counted
from ..registry import (
    EPS,
    FROM_LOGITS,
    LABEL_DEFAULTS,
    NORMALIZE,
    PRED_DEFAULTS,
    Characteristics,
    Param,
    Role,
    RowLosses,
)
from ._checks import (
    as_column,
    binary_columns,
    check_class_index,
    check_unit_interval_labels,
    fail_where,
    log_sigmoid,
    log_softmax,
    matching_columns,
    sigmoid,
    softmax,
    valid_clipped_probabilities,
    within,
)

# --------------------------------------------------------------------------- roles

Y_TRUE_BINARY = Role(
    "y_true",
    LABEL_DEFAULTS,
    "vector",
    "binary labels 0/1 (soft targets in [0, 1] allowed); several columns for multi-label",
)
Y_TRUE_SIGN = Role("y_true", LABEL_DEFAULTS, "vector", "labels -1/1 (0/1 accepted: 0 is read as -1)", negative_label=-1.0)
Y_TRUE_CLASS = Role(
    "y_true",
    LABEL_DEFAULTS,
    "class",
    "true class: an integer 0..C-1 (or the number a column is named by: prob_1), a label matching a prediction column's suffix, "
    "or one-hot / soft-label columns (one per class, each row summing to 1)",
)
Y_TRUE_INDEX = Role(
    "y_true",
    LABEL_DEFAULTS,
    "class",
    "true class: an integer 0..C-1 (or the number a column is named by: prob_1) or a label matching a prediction column's suffix",
)
Y_TRUE_HARD_CLASS = Role(
    "y_true",
    LABEL_DEFAULTS,
    "class",
    "true class: an integer 0..C-1 (or the number a column is named by: prob_1), a label matching a prediction column's suffix, or one-hot columns",
)
Y_TRUE_DISTRIBUTION = Role(
    "y_true",
    LABEL_DEFAULTS,
    "class",
    "true distribution: one probability column per class (each row summing to 1), or a class label",
)
Y_PRED_POSITIVE = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "predicted probability of the positive class (logits with from_logits); one column per label",
)
Y_PRED_CLASS_PROBS = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "one column per class: probabilities summing to 1 per row (logits with from_logits)",
)
Y_PRED_SCORE = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "raw decision scores (signed margins, e.g. an SVM's decision function); one column per label",
)
Y_PRED_CLASS_SCORES = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "one raw score per class (e.g. a multiclass SVM's decision function)",
)
Y_PRED_FOCAL = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "one column: probability of the positive class (binary focal); several columns: class "
    "probabilities (multiclass focal); logits with from_logits",
)

BINARY_TASKS = ("classification", "binary")
MULTICLASS_TASKS = ("classification", "multiclass")

CROSS_ENTROPY = Characteristics(False, True, True, False)
HINGE = Characteristics(False, False, True, False, smooth_note="kink where the margin reaches 1")

# Rows of class probabilities may be off by rounding (CSV with few digits),
# not by more: a larger gap means the columns are not a distribution.
ROW_SUM_TOLERANCE = 1e-3
# Wider while the rows were stored in a coarser float (see row_sum_tolerance).
_ROW_SUM_TOLERANCE: ContextVar[float] = ContextVar("row_sum_tolerance", default=ROW_SUM_TOLERANCE)


@contextmanager
def row_sum_tolerance(precision: float | None) -> Iterator[None]:
    """Accept rows that miss 1 by the rounding of the float they were stored
    in: ``precision`` is its machine epsilon (bfloat16's 2**-7; a softmax
    rounded to bfloat16 sums to 1 only within about 0.004). None, or a float
    finer than ROW_SUM_TOLERANCE, changes nothing."""
    token = _ROW_SUM_TOLERANCE.set(max(ROW_SUM_TOLERANCE, precision or 0.0))
    try:
        yield
    finally:
        _ROW_SUM_TOLERANCE.reset(token)

CLIP_NOTE = (
    "Probabilities are clipped to [eps, 1] before the log (eps=1e-7 by default, eps=0 disables); "
    "Keras clips to [1e-7, 1-1e-7] in float32, which differs by about 1e-7 at p=1."
)
PROB_INPUT_NOTE = (
    "PyTorch CrossEntropyLoss takes logits: pass --from-logits for raw network outputs. Rows of "
    "probabilities that do not sum to 1 (within 1e-3) are an error unless --normalize."
)


# --------------------------------------------------------------------------- input helpers


def _class_columns(y_pred: np.ndarray, name: str) -> np.ndarray:
    """Predictions of a multiclass loss: (n, C) with at least two classes."""
    if y_pred.ndim != 2 or y_pred.shape[1] < 2:
        raise LossCliError(
            f"{name} needs one y_pred column per class (at least 2); got 1 column",
            role="y_pred",
            hint="select the class columns with --pred-col 'p_*'; for one probability of the "
            "positive class use bce",
        )
    return y_pred


def _is_index_column(y_true: np.ndarray) -> bool:
    return y_true.ndim == 1 or y_true.shape[1] == 1


def _class_indices(y_true: np.ndarray, n_classes: int, *, ignoring_loss: str | None = None) -> np.ndarray:
    """A class-index column as int64, each label checked to be one of the classes."""
    return check_class_index(as_column(y_true), n_classes, ignoring_loss=ignoring_loss)


def _one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    return (classes[:, None] == np.arange(n_classes)).astype(np.float64)


def _probability_rows(rows: np.ndarray, *, normalize: bool, role: str) -> np.ndarray:
    """Rows of class probabilities: in [0, 1] and summing to 1, or, with normalize,
    any non-negative rows (counts, scores) divided by their sums."""
    what = "soft label" if role == "y_true" else "class probability"
    # Only predictions can be logits; labels cannot.
    logits_hint = "" if role == "y_true" else ", or --from-logits for logits"
    if normalize:
        fail_where(rows < 0, f"{what} is negative", role=role, hint=f"rows must be non-negative{logits_hint}")
    elif not within(rows, 0.0, 1.0):
        fail_where(
            (rows < 0) | (rows > 1),
            f"{what} outside [0, 1]",
            role=role,
            hint=f"pass --normalize to divide each row by its sum{logits_hint}",
        )
    totals = rows.sum(axis=1)
    fail_where(totals <= 0, f"row of {what} values sums to 0", role=role, hint="every row needs some mass")
    if normalize:
        return rows / totals[:, None]
    fail_where(
        # Written so that NaN fails too: a row holding NaN or inf never passes as
        # summing to 1, whichever of its columns is the true class (see cce).
        ~(np.abs(totals - 1.0) <= _ROW_SUM_TOLERANCE.get()),
        f"row of {what} values does not sum to 1",
        role=role,
        values=totals,
        hint=f"pass --normalize to divide each row by its sum{logits_hint}",
    )
    return rows


def _target_distribution(y_true: np.ndarray, n_classes: int, *, normalize: bool) -> np.ndarray:
    """Labels as (n, C) rows: class indices become one-hot, soft labels are checked."""
    if _is_index_column(y_true):
        return _one_hot(_class_indices(y_true, n_classes), n_classes)
    if y_true.shape[1] != n_classes:
        raise LossCliError(
            f"y_true has {y_true.shape[1]} label columns but y_pred has {n_classes} class columns",
            role="y_true",
            hint="give one label column per class, or a single class-index column",
        )
    return _probability_rows(y_true, normalize=normalize, role="y_true")


def _hard_classes(y_true: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    """Class indices from an index column or from one-hot rows (soft labels rejected)."""
    if _is_index_column(y_true):
        return _class_indices(y_true, n_classes)
    if y_true.shape[1] != n_classes:
        raise LossCliError(
            f"y_true has {y_true.shape[1]} label columns but y_pred has {n_classes} class columns",
            role="y_true",
            hint="give one-hot columns (one per class), or a single class-index column",
        )
    not_one_hot = ~((y_true == 0) | (y_true == 1)).all(axis=1) | (y_true.sum(axis=1) != 1)
    fail_where(
        not_one_hot,
        f"{name} needs hard labels: a one-hot row with a single 1",
        role="y_true",
        hint="give the class index, or use cce / label_smoothing_ce for soft labels",
    )
    return y_true.argmax(axis=1)


def _clip_rows(rows: np.ndarray, eps: float, clip_upper: bool = False) -> np.ndarray:
    """Class probabilities clipped to [eps, 1], or to [eps, 1 - eps] with clip_upper (Keras)."""
    if eps <= 0:
        return rows
    return np.clip(rows, eps, 1.0 - eps if clip_upper else np.inf)


def _log_clipped(rows: np.ndarray, eps: float, clip_upper: bool = False) -> np.ndarray:
    """log of class probabilities clipped to [eps, 1]: a true class at p=1 costs exactly 0.
    With clip_upper the top is 1 - eps as well, as Keras clips."""
    with np.errstate(divide="ignore"):
        return np.log(_clip_rows(rows, eps, clip_upper))


def _class_log_probs(
    y_pred: np.ndarray, *, from_logits: bool, eps: float, normalize: bool, clip_upper: bool = False
) -> np.ndarray:
    """(n, C) log-probabilities from class probabilities (clipped to [eps, 1]) or logits."""
    if from_logits:
        return log_softmax(y_pred)
    return _log_clipped(_probability_rows(y_pred, normalize=normalize, role="y_pred"), eps, clip_upper)


CLIP_UPPER = Param(
    "clip_upper",
    bool,
    False,
    "clip class probabilities to 1 - eps as well (Keras, scikit-learn); by default only to eps, "
    "so a certain correct prediction costs exactly 0",
)


def _cross_entropy(target: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """-sum_c target_c log p_c per row, with 0 * log 0 = 0."""
    return -(target * np.where(target > 0, log_p, 0.0)).sum(axis=1)


def _at_class(matrix: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The entry of each row's true class."""
    # A gather from the flat array is twice as fast as take_along_axis.
    # Class columns read from a file are side by side in memory (Fortran order).
    rows, width = matrix.shape
    if matrix.flags.f_contiguous:
        return np.take(matrix.ravel(order="F"), classes * rows + np.arange(rows))
    if matrix.flags.c_contiguous:
        return np.take(matrix.ravel(), np.arange(rows) * width + classes)
    return np.take_along_axis(matrix, classes[:, None], axis=1)[:, 0]


# --------------------------------------------------------------------------- binary cross-entropy


def _binary_log_terms(
    y_pred: np.ndarray, *, from_logits: bool, eps: float, log_floor: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(log p, log(1 - p)) of the positive class, from probabilities or exactly from logits.

    ``log_floor`` caps both logs from below, as PyTorch's BCELoss caps them at -100
    (probabilities only: PyTorch's logits form is exact).
    """
    if from_logits:
        return log_sigmoid(y_pred), log_sigmoid(-y_pred)
    p = valid_clipped_probabilities(y_pred, eps)
    with np.errstate(divide="ignore"):
        log_p, log_not_p = np.log(p), np.log1p(-p)
    if log_floor is not None:
        log_p, log_not_p = np.maximum(log_p, log_floor), np.maximum(log_not_p, log_floor)
    return log_p, log_not_p


def _binary_cross_entropy(y: np.ndarray, log_p: np.ndarray, log_not_p: np.ndarray, pos_weight: float = 1.0) -> np.ndarray:
    # Terms with a zero label contribute nothing, even where the log is -inf (eps=0).
    positive = y * np.where(y > 0, log_p, 0.0)
    negative = (1.0 - y) * np.where(y < 1, log_not_p, 0.0)
    return -(pos_weight * positive + negative)


@loss(
    name="bce",
    aliases=("binary_crossentropy", "log_loss", "binary_cross_entropy", "logloss"),
    family="classification",
    tasks=BINARY_TASKS,
    roles=(Y_TRUE_BINARY, Y_PRED_POSITIVE),
    params=(
        FROM_LOGITS,
        EPS,
        Param("pos_weight", float, 1.0, "multiplies the loss of positive labels (PyTorch pos_weight)", low=0.0),
        Param(
            "smoothing",
            float,
            0.0,
            "label smoothing towards 0.5: labels become y (1 - s) + s / 2 (Keras BinaryCrossentropy)",
            low=0.0,
            high=1.0,
        ),
        Param(
            "log_floor",
            float,
            None,
            "cap each log term from below at this value, as PyTorch BCELoss caps it at -100 "
            "(probabilities only); none = no cap",
            high=0.0,
            allow_none=True,
        ),
    ),
    characteristics=CROSS_ENTROPY,
    formula="-mean(pos_weight y log(p) + (1 - y) log(1 - p)); logits: "
    "-mean(pos_weight y log sigmoid(x) + (1 - y) log sigmoid(-x)); smoothing s: y -> y (1 - s) + s/2",
    description="The negative log-likelihood of 0/1 labels under the predicted probability of the "
    "positive class. Confident mistakes cost without bound, so a few badly wrong rows can dominate. "
    "Several columns are scored as independent labels (multi-label) and averaged.",
    use_cases="Binary classification, multi-label classification, any sigmoid output.",
    reference="PyTorch BCELoss / BCEWithLogitsLoss(pos_weight) (mean over all elements); "
    "scikit-learn log_loss; Keras BinaryCrossentropy clipping",
    # A logit of +inf is a certain, finite-loss prediction; probabilities outside
    # [0, 1] (inf included) are errors and NaN carries through every term.
    propagates_nonfinite=lambda from_logits, **_: not from_logits,
    notes=(
        "Probabilities are clipped to [eps, 1-eps] (Keras' rule, eps=1e-7): a label-1 row predicted "
        "at p=0 costs 16.118. PyTorch BCELoss caps each log at -100 instead (a cost of 100), and "
        "scikit-learn log_loss clips at machine epsilon (36.04); eps=0 gives the exact (infinite) value.",
        "With --from-logits the log-sigmoid form is used, exact for any finite logit (a logit of "
        "-800 on a positive row costs exactly 800).",
        "Keras computes in float32 by default: values differ at about 1e-7 relative, and at p=1 for "
        "a 0 label Keras gives 15.942 where float64 gives 16.118.",
        "Label smoothing for binary targets moves labels towards 0.5 (Keras: y (1 - s) + s/2), not "
        "towards 1/C as for class labels; PyTorch's BCE has no label smoothing.",
    ),
    example="losscli compute preds.csv --loss bce --from-logits",
)
def bce(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    eps: float,
    pos_weight: float,
    smoothing: float = 0.0,
    log_floor: float | None = None,
) -> np.ndarray:
    y_true, y_pred = binary_columns(y_true, y_pred, "bce")
    if smoothing == 0:
        hard = _hard_label_bce(y_true, y_pred, from_logits=from_logits, eps=eps, pos_weight=pos_weight, log_floor=log_floor)
        if hard is not None:
            return hard
    check_unit_interval_labels(y_true)
    if smoothing > 0:
        y_true = y_true * (1.0 - smoothing) + 0.5 * smoothing
    log_p, log_not_p = _binary_log_terms(y_pred, from_logits=from_logits, eps=eps, log_floor=log_floor)
    return _binary_cross_entropy(y_true, log_p, log_not_p, pos_weight)


def _hard_label_bce(
    y: np.ndarray, y_pred: np.ndarray, *, from_logits: bool, eps: float, pos_weight: float, log_floor: float | None
) -> np.ndarray | None:
    """BCE when every label is exactly 0 or 1 (None otherwise).

    A hard label selects one of the two log terms, so each row takes one log:
    of p for a positive, of 1 - p for a negative (as PyTorch's BCELoss and
    scikit-learn's log_loss compute it; numpy's log runs several times faster
    than its log1p). Forming 1 - p costs at most 1.2e-16 of absolute error
    per row, far below any mean's precision. With logits: log-sigmoid of x
    or of -x, exactly as the general form.
    """
    positive = y == 1
    if np.count_nonzero(positive) + np.count_nonzero(y == 0) != y.size:
        return None  # soft labels, or labels outside [0, 1] that the caller reports
    # The selections below are arithmetic with the 0/1 labels, exact for them:
    # np.where on labels in random order is four times slower (branches).
    if from_logits:
        # log sigmoid(x) for positives, log sigmoid(-x) for negatives.
        sign = np.multiply(y, 2.0)
        sign -= 1.0
        out = log_sigmoid(np.multiply(y_pred, sign, out=sign))
    else:
        p = valid_clipped_probabilities(y_pred, eps)
        # p where y = 1, 1 - p where y = 0: |(y - 1) + p|, bit for bit the
        # p and the rounded 1 - p of the two-term formula, in three passes.
        out = np.subtract(y, 1.0)
        out += p
        np.abs(out, out=out)
        with np.errstate(divide="ignore"):
            np.log(out, out=out)
        if log_floor is not None:
            np.maximum(out, log_floor, out=out)
    np.negative(out, out=out)
    if pos_weight != 1.0:
        np.multiply(out, pos_weight, out=out, where=positive)
    return out


# --------------------------------------------------------------------------- categorical cross-entropy

_CE_PARAMS = (FROM_LOGITS, EPS, NORMALIZE, CLIP_UPPER)


@loss(
    name="cce",
    aliases=("categorical_crossentropy", "cross_entropy", "crossentropy", "ce", "categorical_cross_entropy", "categorical_ce"),
    family="classification",
    tasks=MULTICLASS_TASKS,
    roles=(Y_TRUE_CLASS, Y_PRED_CLASS_PROBS),
    params=_CE_PARAMS,
    characteristics=CROSS_ENTROPY,
    formula="-mean over rows of sum_c y_c log(p_c); logits: p = softmax(x)",
    description="The negative log-probability the model gives to the true class, or the cross-entropy "
    "between a soft label distribution and the prediction. Labels may be one-hot or soft columns, "
    "or one class-index column (then it equals sparse_cce).",
    use_cases="Multiclass classification with softmax outputs: images, text, tabular classes; "
    "soft targets from distillation or annotator votes.",
    reference="PyTorch CrossEntropyLoss (index or probability targets); Keras CategoricalCrossentropy",
    notes=(CLIP_NOTE, PROB_INPUT_NOTE),
    example="losscli compute preds.csv --loss cce --pred-col 'p_*'",
    # Probabilities pass the row checks only when finite (a class index only
    # when a whole number), so NaN or inf anywhere raises. Logits and rows to
    # normalise may hold them and still give finite rows.
    propagates_nonfinite=lambda from_logits, normalize, **_: not from_logits and not normalize,
)
def cce(
    y_true: np.ndarray, y_pred: np.ndarray, *, from_logits: bool, eps: float, normalize: bool, clip_upper: bool = False
) -> np.ndarray:
    y_pred = _class_columns(y_pred, "cce")
    if _is_index_column(y_true) and not from_logits:
        # Class indices: only the true class's probability is needed, so take
        # n logs instead of n x C (the rows are still checked in full).
        classes = _class_indices(y_true, y_pred.shape[1])
        rows = _probability_rows(y_pred, normalize=normalize, role="y_pred")
        return -_log_clipped(_at_class(rows, classes), eps, clip_upper)
    target = _target_distribution(y_true, y_pred.shape[1], normalize=normalize)
    log_p = _class_log_probs(y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper)
    return _cross_entropy(target, log_p)


@loss(
    name="sparse_cce",
    aliases=("sparse_categorical_crossentropy", "sparse_cross_entropy", "nll", "sparse_categorical_cross_entropy", "sparse_categorical_ce"),
    family="classification",
    tasks=MULTICLASS_TASKS,
    roles=(Y_TRUE_INDEX, Y_PRED_CLASS_PROBS),
    params=(
        *_CE_PARAMS,
        Param(
            "ignore_index",
            int,
            None,
            "rows with this label are left out of the mean (-100 mimics PyTorch); none by default",
            allow_none=True,
        ),
    ),
    characteristics=CROSS_ENTROPY,
    formula="-mean over kept rows of log(p_y), y the class index; logits: p = softmax(x)",
    description="Cross-entropy with the true class given as an index rather than one-hot columns. "
    "Rows labelled ignore_index are skipped: they neither add to the sum nor count in the mean.",
    use_cases="Multiclass classification with many classes, token-level language modelling with "
    "padding (ignore_index).",
    reference="PyTorch CrossEntropyLoss(ignore_index) with class-index targets; Keras "
    "SparseCategoricalCrossentropy(ignore_class)",
    notes=(
        CLIP_NOTE,
        PROB_INPUT_NOTE,
        "When every row is ignored the mean is undefined (PyTorch gives NaN; reported as null).",
    ),
    example="losscli compute preds.csv --loss sparse_cce:ignore_index=-100 --from-logits",
    no_rows_counted_reason=lambda *, ignore_index, **_: f"every row is labelled ignore_index={ignore_index}, which the mean leaves out",
)
def sparse_cce(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    eps: float,
    normalize: bool,
    ignore_index: int | None,
    clip_upper: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    y_pred = _class_columns(y_pred, "sparse_cce")
    if not _is_index_column(y_true):
        raise LossCliError(
            "sparse_cce takes one class-index column as y_true",
            role="y_true",
            hint="use cce for one-hot or soft-label columns",
        )
    labels = as_column(y_true)
    ignored = labels == ignore_index if ignore_index is not None else np.zeros(labels.shape, dtype=bool)
    classes = _class_indices(np.where(ignored, 0.0, labels), y_pred.shape[1], ignoring_loss="sparse_cce")
    log_p = _class_log_probs(y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper)
    nll = np.where(ignored, 0.0, -_at_class(log_p, classes))
    # The mean divides by the rows kept, as PyTorch does.
    return nll, (~ignored).astype(np.float64)


@loss(
    name="label_smoothing_ce",
    aliases=("label_smoothing", "smoothed_ce", "ls_ce", "label_smoothing_cross_entropy"),
    family="classification",
    tasks=MULTICLASS_TASKS,
    roles=(Y_TRUE_CLASS, Y_PRED_CLASS_PROBS),
    params=(
        *_CE_PARAMS,
        Param("smoothing", float, 0.1, "share of the label mass spread evenly over all classes", low=0.0, high=1.0),
    ),
    characteristics=Characteristics(
        False,
        True,
        True,
        False,
        robust_note="a cross-entropy (the guide rates CE not robust); softened targets make it a "
        "little more tolerant of mislabelled rows",
    ),
    formula="cross-entropy against y (1 - s) + s / C, C = number of classes",
    description="Cross-entropy against targets moved a little towards the uniform distribution, so "
    "the best prediction is never a probability of exactly 1. Even a perfect classifier scores "
    "above 0.",
    use_cases="Image and text classification where over-confident models generalise or calibrate "
    "poorly; large-vocabulary models.",
    reference="PyTorch CrossEntropyLoss(label_smoothing=s) (equal for index and probability targets "
    "without class weights); Keras CategoricalCrossentropy(label_smoothing=s)",
    notes=(CLIP_NOTE, PROB_INPUT_NOTE),
    example="losscli compute preds.csv --loss label_smoothing_ce:smoothing=0.1 --from-logits",
)
def label_smoothing_ce(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    eps: float,
    normalize: bool,
    smoothing: float,
    clip_upper: bool = False,
) -> np.ndarray:
    y_pred = _class_columns(y_pred, "label_smoothing_ce")
    n_classes = y_pred.shape[1]
    target = _target_distribution(y_true, n_classes, normalize=normalize)
    smoothed = target * (1.0 - smoothing) + smoothing / n_classes
    log_p = _class_log_probs(y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper)
    return _cross_entropy(smoothed, log_p)


# --------------------------------------------------------------------------- weighted cross-entropy
#
# The mean of PyTorch's CrossEntropyLoss(weight=w) with class-index targets is
#     sum_n [(1-s) w_y L_n + (s/C) sum_c w_c (-log p_nc)] / sum_n w_y,   L_n = -log p_ny.
# Balanced weights w_c = N / (C n_c) depend on the class counts of all rows, so
# the loss is a ratio of sums: per class, A_c = sum of L over rows of class c,
# n_c = rows of class c and B_c = sum over all rows of -log p_nc; then
#     mean = sum_c w_c ((1-s) A_c + (s/C) B_c) / sum_c w_c n_c.
# With explicit weights three sums suffice: the weighted per-row loss, w_y and
# the row count.
#
# Keras turns class weights into per-row sample weights: the whole smoothed row
# loss is multiplied by w_y (smoothing_weight=true_class; the smoothing block
# then holds S_c = sum over rows of class c of sum_j -log p_nj) and its default
# reduction divides by the row count (mean_over=rows).


def _explicit_class_weights(weights: tuple[float, ...], n_classes: int) -> np.ndarray:
    if len(weights) != n_classes:
        # A template with the right number of weights, to edit.
        example = ";".join(["1"] * n_classes)
        raise LossCliError(
            f"weighted_ce has {counted(len(weights), 'class weight')} but y_pred has {counted(n_classes, 'class column')}",
            hint=f"give one weight per class in column order, e.g. {loss_option(f'weighted_ce:weights={example}')}, "
            f"or {loss_option('weighted_ce:weights=balanced')}",
        )
    if not any(weight > 0 for weight in weights):
        # Every row would count 0 times: the mean would be 0 / 0 whatever the data.
        raise LossCliError(
            "parameter 'weights' of weighted_ce: the class weights are all 0",
            hint="give at least one class a positive weight",
        )
    return np.asarray(weights, dtype=np.float64)


def balanced_class_weights(counts: np.ndarray) -> np.ndarray:
    """scikit-learn's balanced weights N / (C n_c) over the classes present.

    ``counts`` is (C,) or (S, C). A class absent from the rows gets weight 1
    (it only matters through label smoothing).
    """
    counts = np.asarray(counts, dtype=np.float64)
    present = counts > 0
    n_present = present.sum(axis=-1, keepdims=True)
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(present, total / (n_present * counts), 1.0)


def _weighted_ce_parts(
    y_true: np.ndarray, y_pred: np.ndarray, *, from_logits: bool, eps: float, normalize: bool, clip_upper: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class index, -log p_y, -log p for every class) of each row."""
    y_pred = _class_columns(y_pred, "weighted_ce")
    classes = _hard_classes(y_true, y_pred.shape[1], "weighted_ce")
    neg_log_p = -_class_log_probs(y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper)
    return classes, _at_class(neg_log_p, classes), neg_log_p


def _weighted_row_losses(
    classes: np.ndarray,
    nll: np.ndarray,
    neg_log_p: np.ndarray,
    class_weights: np.ndarray,
    smoothing: float,
    smoothing_weight: str = "per_class",
) -> np.ndarray:
    """Unreduced values. PyTorch: (1-s) w_y L + (s/C) sum_c w_c (-log p_c);
    Keras (smoothing_weight=true_class): w_y ((1-s) L + (s/C) sum_c (-log p_c))."""
    row_weights = class_weights[classes]
    losses = row_weights * nll
    if smoothing > 0:
        n_classes = neg_log_p.shape[1]
        if smoothing_weight == "true_class":
            smooth = row_weights * neg_log_p.sum(axis=1)
        else:
            smooth = np.where(class_weights > 0, neg_log_p * class_weights, 0.0).sum(axis=1)
        losses = (1.0 - smoothing) * losses + (smoothing / n_classes) * smooth
    return losses


def _weighted_ce_sums(
    sums: np.ndarray, *, weights: tuple[float, ...] | str, smoothing: float, mean_over: str
) -> tuple[np.ndarray, np.ndarray]:
    """(sum of the rows' weighted losses, what their mean divides it by) from the column sums."""
    sums = np.asarray(sums, dtype=np.float64)
    if weights != "balanced":
        numerator = sums[..., 0]
        denominator = sums[..., 1] if mean_over == "weights" else sums[..., 2]
        return numerator, denominator
    blocks = 3 if smoothing > 0 else 2
    n_classes = sums.shape[-1] // blocks
    class_losses = sums[..., :n_classes]
    counts = sums[..., n_classes : 2 * n_classes]
    class_weights = balanced_class_weights(counts)
    numerator = (class_weights * class_losses).sum(axis=-1)
    if smoothing > 0:
        smoothing_sums = sums[..., 2 * n_classes :]
        numerator = (1.0 - smoothing) * numerator + (smoothing / n_classes) * (class_weights * smoothing_sums).sum(axis=-1)
    denominator = (class_weights * counts).sum(axis=-1) if mean_over == "weights" else counts.sum(axis=-1)
    return numerator, denominator


def _weighted_ce_finalize(
    sums: np.ndarray,
    *,
    weights: tuple[float, ...] | str,
    smoothing: float,
    mean_over: str = "weights",
    **_: object,
) -> np.ndarray | float:
    numerator, denominator = _weighted_ce_sums(sums, weights=weights, smoothing=smoothing, mean_over=mean_over)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Nothing to divide by is no value (NaN, explained by
        # _no_weight_reason), also where smoothing left a numerator: x / 0 is
        # not an overflow.
        value = np.where(denominator == 0, np.nan, numerator / denominator)
    return float(value) if np.ndim(value) == 0 else value


def _no_weight_reason(*, weights: tuple[float, ...] | str, **_: object) -> str:
    """Why weighted_ce has no value though rows were read: clipped probabilities
    keep every term finite, so only a total row weight of 0 leaves no mean."""
    if weights == "balanced":
        return "the sample weights of these rows sum to zero"
    shown = ";".join(f"{weight:g}" for weight in weights)
    return f"the rows' weights sum to 0 (a row counts by its true class's weight in weights={shown}, times its sample weight if any)"


def _weighted_ce_finalize_sum(
    sums: np.ndarray,
    *,
    weights: tuple[float, ...] | str,
    smoothing: float,
    mean_over: str = "weights",
    **_: object,
) -> np.ndarray | float:
    """PyTorch's reduction='sum': the weighted row losses added up, whatever the mean divides by."""
    numerator, _denominator = _weighted_ce_sums(sums, weights=weights, smoothing=smoothing, mean_over=mean_over)
    return float(numerator) if np.ndim(numerator) == 0 else numerator


def _balanced_rows_need_totals(*, weights: tuple[float, ...] | str, **_: object) -> bool:
    return weights == "balanced"


def _balanced_row_params(totals: np.ndarray, *, weights: tuple[float, ...] | str, smoothing: float, **_: object) -> dict[str, Any]:
    """Balanced weights from the class counts of every row, for per-row values:
    one batch's own counts would give each batch different weights."""
    if weights != "balanced":
        return {}
    blocks = 3 if smoothing > 0 else 2
    n_classes = len(totals) // blocks
    counts = np.asarray(totals[n_classes : 2 * n_classes], dtype=np.float64)
    return {"weights": tuple(float(w) for w in balanced_class_weights(counts))}


def weighted_ce_per_row(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool = False,
    eps: float = 1e-7,
    normalize: bool = False,
    weights: tuple[float, ...] | str = "balanced",
    smoothing: float = 0.0,
    clip_upper: bool = False,
    smoothing_weight: str = "per_class",
    mean_over: str = "weights",
) -> np.ndarray:
    """Per-row weighted_ce values, as PyTorch's reduction='none' gives them.

    'balanced' weights come from the class counts of the rows given. The
    loss is the sum of these values divided by the sum of the rows' true-class
    weights (or by the row count with mean_over=rows), not their plain mean.
    """
    classes, nll, neg_log_p = _weighted_ce_parts(
        y_true, y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper
    )
    n_classes = neg_log_p.shape[1]
    if weights == "balanced":
        class_weights = balanced_class_weights(np.bincount(classes, minlength=n_classes))
    else:
        class_weights = _explicit_class_weights(weights, n_classes)
    return _weighted_row_losses(classes, nll, neg_log_p, class_weights, smoothing, smoothing_weight)


@loss(
    name="weighted_ce",
    aliases=("weighted_cross_entropy", "class_weighted_ce", "balanced_ce", "wce"),
    family="classification",
    tasks=("classification", "multiclass", "imbalance"),
    roles=(Y_TRUE_HARD_CLASS, Y_PRED_CLASS_PROBS),
    params=(
        *_CE_PARAMS,
        Param(
            "weights",
            "floats",
            "balanced",
            "one weight per class in column order (0.2;0.8), or 'balanced' for N / (C n_c) from the "
            "class counts of all rows (scikit-learn)",
            special=("balanced",),
        ),
        Param("smoothing", float, 0.0, "label smoothing, as PyTorch applies it to class-index targets", low=0.0, high=1.0),
        Param(
            "mean_over",
            str,
            "weights",
            "what the weighted sum is divided by: the total weight of the rows' true classes "
            "(weights, PyTorch) or the number of rows (rows, Keras' class_weight)",
            choices=("weights", "rows"),
        ),
        Param(
            "smoothing_weight",
            str,
            "per_class",
            "with smoothing: weight each class's smoothing term by that class's weight (per_class, "
            "PyTorch) or the whole row by its true class's weight (true_class, Keras)",
            choices=("per_class", "true_class"),
        ),
    ),
    characteristics=Characteristics(
        False, True, True, False, robust_note="a cross-entropy (the guide rates CE not robust)"
    ),
    formula="sum_n w_{y_n} (-log p_{n,y_n}) / sum_n w_{y_n}; with smoothing s each row adds "
    "(s/C) sum_c w_c (-log p_{n,c}) to (1 - s) times its term",
    description="Cross-entropy where each row counts by the weight of its true class, so rare classes "
    "are not drowned out by common ones. The mean divides by the total weight of the rows' true "
    "classes, not by the row count. 'balanced' weights come from the class counts of all rows, "
    "also when a large file is read in batches.",
    use_cases="Multiclass classification with imbalanced classes: fraud, medical findings, rare "
    "categories.",
    reference="PyTorch CrossEntropyLoss(weight=w, label_smoothing=s) with class-index targets; "
    "scikit-learn compute_class_weight('balanced')",
    notes=(
        "Keras' class_weight / sample_weight divides by the row count by default (mean_over=rows; "
        "its 'mean_with_sample_weight' reduction matches the default mean_over=weights).",
        "PyTorch's probability-target (one-hot) path weights the same terms but divides by the row "
        "count, not by the rows' total class weight (mean_over=rows reproduces it): on logits "
        "[[2,1,0],[0,3,1],[1,1,1]], classes 0,1,2, weights=1;2;3, smoothing=0.1 it gives 1.5136 where "
        "the class-index path and this loss give 0.7568. This loss follows the class-index path.",
        "With sample weights, 'balanced' uses the weighted class counts. A class with no rows gets "
        "weight 1; it matters only through smoothing.",
        "With --by, each group's value uses the class counts of its own rows. Per-row values "
        "(--per-row, --reduction none) use those of every row, so for them the input is read twice.",
        CLIP_NOTE,
    ),
    kind="ratio",
    finalize=_weighted_ce_finalize,
    finalize_sum=_weighted_ce_finalize_sum,
    undefined_reason=_no_weight_reason,
    per_row=weighted_ce_per_row,
    rows_need_totals=_balanced_rows_need_totals,
    row_params=_balanced_row_params,
    example="losscli compute preds.csv --loss weighted_ce:weights=balanced --pred-col 'p_*'",
)
def weighted_ce(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    eps: float,
    normalize: bool,
    weights: tuple[float, ...] | str,
    smoothing: float,
    clip_upper: bool = False,
    mean_over: str = "weights",
    smoothing_weight: str = "per_class",
) -> np.ndarray:
    """Per-row sufficient statistics; ``_weighted_ce_finalize`` turns their sums into the loss."""
    classes, nll, neg_log_p = _weighted_ce_parts(
        y_true, y_pred, from_logits=from_logits, eps=eps, normalize=normalize, clip_upper=clip_upper
    )
    n_classes = neg_log_p.shape[1]
    if weights != "balanced":
        class_weights = _explicit_class_weights(weights, n_classes)
        losses = _weighted_row_losses(classes, nll, neg_log_p, class_weights, smoothing, smoothing_weight)
        return np.column_stack([losses, class_weights[classes], np.ones(len(classes))])
    one_hot = _one_hot(classes, n_classes)
    parts = [np.where(one_hot > 0, nll[:, None], 0.0), one_hot]
    if smoothing > 0:
        if smoothing_weight == "true_class":
            # S_c: each row's total -log p, filed under its true class.
            parts.append(np.where(one_hot > 0, neg_log_p.sum(axis=1)[:, None], 0.0))
        else:
            parts.append(neg_log_p)
    return np.hstack(parts)


# --------------------------------------------------------------------------- hinge family


def _sign_labels(y_true: np.ndarray, map_zero: bool = True) -> np.ndarray:
    """Labels as -1/+1: 0 is read as -1, so 0/1 and -1/1 labelling both work.
    Without map_zero a 0 stays 0 (optax uses labels as given: such a row costs 1)."""
    fail_where(
        ~np.isin(y_true, (-1.0, 0.0, 1.0)),
        "hinge label must be -1 or 1 (0 is read as -1)",
        role="y_true",
        values=y_true,
    )
    return np.where(y_true > 0, 1.0, -1.0) if map_zero else y_true


def _hinge_margin_violation(y_true: np.ndarray, y_pred: np.ndarray, map_zero: bool = True) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    return np.maximum(0.0, 1.0 - _sign_labels(y_true, map_zero) * y_pred)


MAP_ZERO = Param(
    "map_zero",
    bool,
    True,
    "read label 0 as -1 (Keras, scikit-learn); false uses labels as given, as optax does, so a 0 "
    "label costs max(0, 1) = 1",
)


_HINGE_LABEL_NOTE = (
    "Labels 0/1 are read as -1/1 row by row (Keras and scikit-learn convert too); optax's "
    "hinge_loss expects -1/1 and uses a 0 label as given, at a cost of max(0, 1) = 1 (map_zero=false). "
    "PyTorch has no binary SVM hinge (HingeEmbeddingLoss is a different loss on distances)."
)


@loss(
    name="hinge",
    aliases=("hinge_loss", "svm"),
    family="classification",
    tasks=BINARY_TASKS,
    roles=(Y_TRUE_SIGN, Y_PRED_SCORE),
    params=(MAP_ZERO,),
    characteristics=HINGE,
    formula="mean(max(0, 1 - y s)), y in {-1, 1}, s the raw score",
    description="The support-vector machine loss: zero once a row is on the right side of the "
    "boundary by a margin of 1, growing linearly with the score otherwise. Scores are raw margins, "
    "not probabilities.",
    use_cases="Binary classification with SVMs and max-margin linear models.",
    reference="scikit-learn hinge_loss (binary); Keras Hinge",
    notes=(_HINGE_LABEL_NOTE,),
    example="losscli compute scores.csv --loss hinge",
)
def hinge(y_true: np.ndarray, y_pred: np.ndarray, *, map_zero: bool = True) -> np.ndarray:
    return _hinge_margin_violation(y_true, y_pred, map_zero)


@loss(
    name="squared_hinge",
    aliases=("squared_hinge_loss", "l2_svm"),
    family="classification",
    tasks=BINARY_TASKS,
    roles=(Y_TRUE_SIGN, Y_PRED_SCORE),
    params=(MAP_ZERO,),
    characteristics=Characteristics(
        False,
        True,
        True,
        False,
        robust_note="squares margin violations, so badly misclassified rows weigh even more than in hinge",
        smooth_note="differentiable; the gradient is continuous but bends where the margin reaches 1",
    ),
    formula="mean(max(0, 1 - y s)^2), y in {-1, 1}",
    description="The hinge loss squared: a differentiable max-margin loss that punishes large margin "
    "violations quadratically.",
    use_cases="Binary classification with L2-SVMs; max-margin training with gradient methods.",
    reference="Keras SquaredHinge; scikit-learn LinearSVC(loss='squared_hinge')",
    notes=(_HINGE_LABEL_NOTE,),
    example="losscli compute scores.csv --loss squared_hinge",
)
def squared_hinge(y_true: np.ndarray, y_pred: np.ndarray, *, map_zero: bool = True) -> np.ndarray:
    violation = _hinge_margin_violation(y_true, y_pred, map_zero)
    return violation * violation


@loss(
    name="categorical_hinge",
    aliases=("multiclass_hinge", "crammer_singer", "multi_class_hinge"),
    family="classification",
    tasks=MULTICLASS_TASKS,
    roles=(Y_TRUE_HARD_CLASS, Y_PRED_CLASS_SCORES),
    params=(
        Param(
            "form",
            str,
            "crammer_singer",
            "crammer_singer: against the best wrong class (scikit-learn, optax); keras: Keras' "
            "categorical_hinge, whose max includes the zeroed true class; weston_watkins: the sum over "
            "wrong classes divided by C (PyTorch MultiMarginLoss)",
            choices=("crammer_singer", "keras", "weston_watkins"),
        ),
    ),
    characteristics=HINGE,
    formula="mean(max(0, 1 + max_{j != y} s_j - s_y)); keras: max(0, 1 + max_j (1 - y_j) s_j - s_y); "
    "weston_watkins: sum_{j != y} max(0, 1 - s_y + s_j) / C",
    description="The multiclass SVM loss of Crammer and Singer: zero when the true class scores at "
    "least 1 above every other class, otherwise the shortfall against the best wrong class.",
    use_cases="Multiclass SVMs and max-margin classifiers.",
    reference="scikit-learn hinge_loss (multiclass, Crammer-Singer); optax multiclass_hinge_loss",
    notes=(
        "Keras' categorical_hinge differs when every wrong-class score is negative: it takes "
        "max(0, 1 + max_j (1 - y_j) s_j - s_y), where the zeroed true-class slot keeps that max at "
        "0 or more (y=[0,1,0], s=[-2,-1,-3]: Keras 2.0, here 0.0); form=keras reproduces it.",
        "PyTorch MultiMarginLoss is a different form (Weston-Watkins: a sum over wrong classes, "
        "divided by C); form=weston_watkins reproduces it.",
    ),
    example="losscli compute scores.csv --loss categorical_hinge --pred-col 's_*'",
)
def categorical_hinge(y_true: np.ndarray, y_pred: np.ndarray, *, form: str = "crammer_singer") -> np.ndarray:
    scores = _class_columns(y_pred, "categorical_hinge")
    n_classes = scores.shape[1]
    classes = _hard_classes(y_true, n_classes, "categorical_hinge")
    true_score = _at_class(scores, classes)
    if form == "weston_watkins":
        margins = np.maximum(0.0, 1.0 - true_score[:, None] + scores)
        np.put_along_axis(margins, classes[:, None], 0.0, axis=1)
        return margins.sum(axis=1) / n_classes
    wrong = scores.copy()
    # Keras multiplies the true class's score by 0 instead of leaving it out of the max.
    np.put_along_axis(wrong, classes[:, None], 0.0 if form == "keras" else -np.inf, axis=1)
    return np.maximum(0.0, 1.0 + wrong.max(axis=1) - true_score)


# --------------------------------------------------------------------------- KL divergence


@loss(
    name="kl_div",
    aliases=("kld", "kl_divergence", "kullback_leibler", "kl", "kullback_leibler_divergence"),
    family="classification",
    tasks=MULTICLASS_TASKS,
    roles=(Y_TRUE_DISTRIBUTION, Y_PRED_CLASS_PROBS),
    params=(
        FROM_LOGITS,
        EPS,
        NORMALIZE,
        Param(
            "clip_target",
            bool,
            False,
            "clip the true probabilities to [eps, 1] as well, as Keras does (a true 0 then adds "
            "eps log(eps / q))",
        ),
        Param(
            "per_element",
            bool,
            False,
            "average over rows x classes instead of over rows: PyTorch's default reduction='mean' "
            "(our default is its 'batchmean')",
        ),
        Param(
            "log_target",
            bool,
            False,
            "the labels are log-probabilities log p, as PyTorch's kl_div(input, target, log_target=True) "
            "takes them: each term is exp(t) (t - log q)",
        ),
    ),
    characteristics=Characteristics(
        False,
        True,
        True,
        False,
        robust_note="cross-entropy minus the entropy of the labels, so it behaves like CE",
    ),
    formula="mean over rows of sum_c p_c log(p_c / q_c), p = y_true, q = y_pred, 0 log 0 = 0",
    description="How much information is lost when the predicted distribution stands in for the "
    "true one: zero when they agree, infinite when the prediction rules out an outcome the truth "
    "allows. Not symmetric.",
    use_cases="Knowledge distillation, matching a predicted distribution to a target one, "
    "variational models.",
    reference="PyTorch KLDivLoss(reduction='batchmean') (which takes log q); Keras KLDivergence with "
    "clip_target=true; "
    "scipy.special.rel_entr summed per row",
    notes=(
        "PyTorch's default reduction='mean' divides by rows x classes ('not the true KL'); this is "
        "'batchmean' (per_element=true gives 'mean'). PyTorch expects log-probabilities as input; "
        "here predictions are probabilities (--from-logits applies softmax). log_target=true reads the "
        "labels as log p, as its log_target=True does (exp(t) (t - log q) per term).",
        "Predictions are clipped to [eps, 1] so q=0 under p>0 stays finite (eps=0 gives inf, as "
        "scipy). True probabilities are not clipped; Keras clips both at 1e-7 (0.255411 vs "
        "0.255413 on one row; clip_target=true reproduces it).",
    ),
    example="losscli compute preds.csv --labels teacher.csv --loss kl_div --label-col 't_*' --pred-col 'p_*'",
)
def kl_div(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    eps: float,
    normalize: bool,
    clip_target: bool = False,
    per_element: bool = False,
    log_target: bool = False,
) -> np.ndarray:
    y_pred = _class_columns(y_pred, "kl_div")
    if log_target:
        target, given_log_p = _log_target_distribution(y_true, y_pred.shape[1], normalize=normalize)
    else:
        _refuse_log_probabilities(y_true)
        target, given_log_p = _target_distribution(y_true, y_pred.shape[1], normalize=normalize), None
    log_q = _class_log_probs(y_pred, from_logits=from_logits, eps=eps, normalize=normalize)
    if clip_target and eps > 0:
        target, given_log_p = np.clip(target, eps, 1.0), None
    present = target > 0
    # With log_target the labels' own log p enters the terms, as PyTorch's exp(t) * (t - log q).
    log_p = given_log_p if given_log_p is not None else np.log(np.where(present, target, 1.0))
    terms = np.where(present, target * (log_p - np.where(present, log_q, 0.0)), 0.0)
    row_sums = terms.sum(axis=1)
    if eps > 0 and not clip_target:
        # KL between distributions is never negative; raising tiny predictions
        # to eps adds a little mass and can push a row a few ulps below zero.
        row_sums = np.maximum(row_sums, 0.0)
    if per_element:
        # The mean runs over rows x classes (PyTorch 'mean'); sum and per-row values stay the row sums.
        return RowLosses(row_sums / terms.shape[1], row_sums)
    return row_sums


def _log_target_distribution(y_true: np.ndarray, n_classes: int, *, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Labels given as log-probabilities t = log p: (p, log p), p checked as soft
    labels are (with normalize, t - logsumexp(t) per row). A t whose exp is 0 adds 0, as 0 log 0."""
    # A class label column arrives as one dimension: it has no shape[1].
    columns = y_true.shape[1] if y_true.ndim == 2 else 1
    if _is_index_column(y_true) or columns != n_classes:
        raise LossCliError(
            f"log_target=true needs one log-probability column per class: y_true has {columns} column(s), y_pred {n_classes}",
            role="y_true",
            hint="give log p for every class, or leave log_target off for class indices",
        )
    with np.errstate(over="ignore"):
        target = _probability_rows(np.exp(y_true), normalize=normalize, role="y_true")
    present = target > 0
    if normalize:
        log_p = np.log(np.where(present, target, 1.0))
    else:
        log_p = np.where(present, y_true, 0.0)
    return target, log_p


def _refuse_log_probabilities(y_true: np.ndarray) -> None:
    """Soft labels all at most 0, some below, are log-probabilities (log_softmax
    of a teacher's logits): name log_target, not --normalize, which would
    refuse them as negative."""
    if _is_index_column(y_true) or not (y_true < 0).any() or (y_true > 0).any():
        return
    with np.errstate(under="ignore"):
        sums = np.exp(y_true).sum(axis=1)
    also = "" if bool(np.all(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE)) else ",normalize=true"
    fail_where(
        y_true.min(axis=1) < 0,
        "soft label below 0: labels that are all at most 0 look like log-probabilities",
        role="y_true",
        hint=f"pass {loss_option(f'kl_div:log_target=true{also}')} to read them as log p, as PyTorch's kl_div(input, target, log_target=True) does",
    )


# --------------------------------------------------------------------------- focal


def _alpha_factor(y: np.ndarray, alpha: float) -> np.ndarray | float:
    """alpha for positives, 1 - alpha for negatives; a negative alpha turns balancing off."""
    return alpha * y + (1.0 - alpha) * (1.0 - y) if alpha >= 0 else 1.0


def _binary_focal(
    y: np.ndarray, y_pred: np.ndarray, *, gamma: float, alpha: float, from_logits: bool, eps: float, clip_logits: bool = False
) -> np.ndarray:
    check_unit_interval_labels(y)
    if from_logits and clip_logits:
        # Keras: sigmoid first, then the clipped probability form.
        y_pred, from_logits = sigmoid(y_pred), False
    log_p, log_not_p = _binary_log_terms(y_pred, from_logits=from_logits, eps=eps)
    ce = _binary_cross_entropy(y, log_p, log_not_p)
    if from_logits:
        # 1 - p_t = y (1-p) + (1-y) p, with 1-p taken as sigmoid(-x) so it stays exact near 0.
        p, not_p = sigmoid(y_pred), sigmoid(-y_pred)
    else:
        # The modulating term uses the unclipped probability (Keras, torchvision): a perfect
        # prediction costs exactly 0.
        p, not_p = y_pred, 1.0 - y_pred
    miss = y * not_p + (1.0 - y) * p
    return _alpha_factor(y, alpha) * miss**gamma * ce


def _categorical_focal(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    gamma: float,
    alpha: float,
    from_logits: bool,
    eps: float,
    normalize: bool,
    clip_upper: bool = False,
    clip_logits: bool = False,
) -> np.ndarray:
    target = _target_distribution(y_true, y_pred.shape[1], normalize=normalize)
    if from_logits and not clip_logits:
        log_p = log_softmax(y_pred)
        # 1 - p as -expm1(log p): exact where p is within rounding of 1.
        miss = -np.expm1(log_p)
    else:
        # Keras turns logits into probabilities first (clip_logits) and clips those.
        rows = softmax(y_pred) if from_logits else _probability_rows(y_pred, normalize=normalize, role="y_pred")
        clipped = _clip_rows(rows, eps, clip_upper)
        with np.errstate(divide="ignore"):
            log_p = np.log(clipped)
        # Keras computes the modulating term from the clipped probability too
        # (its binary focal loss, unlike this one, does not).
        miss = 1.0 - clipped
    weighted = miss**gamma * target * np.where(target > 0, log_p, 0.0)
    scale = alpha if alpha >= 0 else 1.0
    return -scale * weighted.sum(axis=1)


def _one_vs_rest_focal(
    y_true: np.ndarray, y_pred: np.ndarray, *, gamma: float, alpha: float, from_logits: bool, eps: float, clip_logits: bool
) -> np.ndarray:
    """Binary focal on every class column against its 0/1 label: torchvision and MONAI
    applied to one-hot (or multi-label) targets. Element-wise (n, C); the engine averages all."""
    n_classes = y_pred.shape[1]
    if _is_index_column(y_true):
        target = _one_hot(_class_indices(y_true, n_classes), n_classes)
    elif y_true.shape[1] != n_classes:
        raise LossCliError(
            f"y_true has {y_true.shape[1]} label columns but y_pred has {n_classes} class columns",
            role="y_true",
            hint="give one 0/1 label column per class, or a single class-index column",
        )
    else:
        target = y_true
    return _binary_focal(target, y_pred, gamma=gamma, alpha=alpha, from_logits=from_logits, eps=eps, clip_logits=clip_logits)


@loss(
    name="focal",
    aliases=("focal_loss", "sigmoid_focal", "binary_focal", "categorical_focal"),
    family="classification",
    tasks=("classification", "binary", "multiclass", "imbalance"),
    roles=(Y_TRUE_CLASS, Y_PRED_FOCAL),
    params=(
        Param("gamma", float, 2.0, "focusing strength: how much well-classified rows are down-weighted", low=0.0),
        Param(
            "alpha",
            float,
            0.25,
            "binary: weight of positives (1 - alpha for negatives); multiclass: scale of the true "
            "class's term; a negative value disables it",
            high=1.0,
        ),
        FROM_LOGITS,
        EPS,
        NORMALIZE,
        Param(
            "multiclass",
            str,
            "softmax",
            "several columns: softmax focal over the classes (Keras categorical), or sigmoid focal on "
            "every class column against its 0/1 label, averaged over rows x classes (torchvision on "
            "one-hot targets, MONAI FocalLoss, optax)",
            choices=("softmax", "sigmoid"),
        ),
        Param(
            "clip_logits",
            bool,
            False,
            "with from_logits: turn logits into probabilities and clip them at eps like probability "
            "inputs, as Keras' focal losses do; by default the exact log-sigmoid / log-softmax form",
        ),
        CLIP_UPPER,
    ),
    characteristics=Characteristics(
        True,
        True,
        True,
        False,
        robust_note="per the guide's table; it down-weights easy, well-classified rows, which is "
        "mostly a cure for imbalance rather than for label noise",
    ),
    formula="binary: alpha_t (1 - p_t)^gamma BCE, p_t = p if y=1 else 1-p, alpha_t = alpha if y=1 "
    "else 1-alpha; multiclass: -alpha sum_c y_c (1 - p_c)^gamma log p_c",
    description="Cross-entropy scaled by (1 - p_t)^gamma, the probability the model gave to "
    "everything but the truth: rows it already gets right contribute almost nothing, so training "
    "concentrates on the hard ones. gamma=0 and alpha<0 give plain cross-entropy.",
    use_cases="Class imbalance, dense object detection (RetinaNet), any task swamped by easy "
    "negatives.",
    reference="binary (one y_pred column): torchvision sigmoid_focal_loss(alpha, gamma), mean over "
    "elements; multiclass (several columns): Keras CategoricalFocalCrossentropy(alpha, gamma)",
    notes=(
        "The guide's formula, -(1 - p)^gamma y log(p), is this loss without the alpha term: "
        "alpha=-1 gives it (on a label-1 row of p = 0.5 with gamma=2: 0.25 ln 2 = 0.1733). The "
        "default alpha=0.25 (torchvision's) weighs positives by 0.25 and negatives by 0.75, so its "
        "values are not the guide's.",
        "torchvision applies alpha to positives and 1 - alpha to negatives; Keras' "
        "BinaryFocalCrossentropy ignores alpha unless apply_class_balancing=True. Pass alpha=-1 "
        "to match that default.",
        "Multiclass: Keras scales every class's term by a scalar alpha, so the default is 0.25 x "
        "the unweighted focal loss. With probabilities, p is clipped to [eps, 1] (clip_upper=true: "
        "[eps, 1 - eps], as Keras) for both the log and the modulating term, as Keras computes them.",
        "Binary (one column) with probabilities: only the log is clipped to [eps, 1 - eps]; the "
        "modulating term (1 - p_t)^gamma takes p as given, as Keras' BinaryFocalCrossentropy does "
        "(and torchvision on the logits of p), so a label-1 row at p=0 costs alpha x 16.118, not "
        "alpha x (1 - 1e-7)^gamma x 16.118: about 2e-7 relative apart, only within eps of 0 or 1.",
        "torchvision, MONAI (use_softmax=False) and optax apply the sigmoid focal loss to every "
        "class column of one-hot targets (multiclass=sigmoid); optax and MONAI default to no alpha "
        "(alpha=-1).",
    ),
    example="losscli compute preds.csv --loss focal:gamma=2,alpha=0.25 --from-logits",
)
def focal(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    gamma: float,
    alpha: float,
    from_logits: bool,
    eps: float,
    normalize: bool,
    multiclass: str = "softmax",
    clip_logits: bool = False,
    clip_upper: bool = False,
) -> np.ndarray:
    y_pred = as_column(y_pred)
    if y_pred.ndim == 1:
        y_true = as_column(y_true)
        if y_true.ndim != 1:
            raise LossCliError(
                f"focal with one y_pred column is binary, but y_true has {y_true.shape[1]} columns",
                role="y_true",
                hint="give one 0/1 label column, or one prediction column per class for multiclass focal",
            )
        return _binary_focal(
            y_true, y_pred, gamma=gamma, alpha=alpha, from_logits=from_logits, eps=eps, clip_logits=clip_logits
        )
    if multiclass == "sigmoid":
        return _one_vs_rest_focal(
            y_true, y_pred, gamma=gamma, alpha=alpha, from_logits=from_logits, eps=eps, clip_logits=clip_logits
        )
    return _categorical_focal(
        y_true,
        y_pred,
        gamma=gamma,
        alpha=alpha,
        from_logits=from_logits,
        eps=eps,
        normalize=normalize,
        clip_upper=clip_upper,
        clip_logits=clip_logits,
    )
