"""Segmentation losses: soft Dice, IoU (Jaccard) and Tversky.

Each is a ratio of sums over the pixels of a sample, so a row's loss means
nothing on its own. Kernels (kind ``ratio``) return the per-row sufficient
statistics, and ``finalize`` turns their sums into the loss. For C scored
classes the statistics are 3C columns::

    [I_1 .. I_C, P_1 .. P_C, T_1 .. T_C]
    I = sum p t (soft intersection), P = sum p, T = sum t

The engine sums them over all rows (one global sample) or per sample with
--sample-col / ``sample_ids``, multiplying each row by its sample weight first;
``finalize`` receives an (3C,) or (S, 3C) array. C is the number of prediction
columns, so every batch yields the same width.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conventions import loss
from ..errors import LossCliError
from ..registry import FROM_LOGITS, LABEL_DEFAULTS, PRED_DEFAULTS, Characteristics, Param, Role
from ..wording import counted
from ._checks import (
    as_matrix,
    check_class_index,
    check_probabilities,
    check_unit_interval_labels,
    sigmoid,
    softmax,
)

TASKS = ("segmentation",)
_STATS_PER_CLASS = 3  # I, P, T

Y_TRUE = Role(
    "y_true",
    LABEL_DEFAULTS,
    "class",
    "true mask: 0/1 (one column, binary), class index 0..C-1 (one column), or one 0/1 column per class",
)
Y_PRED = Role(
    "y_pred",
    PRED_DEFAULTS,
    "vector",
    "foreground probability (one column) or class probabilities (one column per class)",
)
ROLES = (Y_TRUE, Y_PRED)

SMOOTH = Param(
    "smooth",
    float,
    1e-5,
    "added to the numerator and the denominator of every class ratio (MONAI's smooth_nr = smooth_dr)",
    low=0.0,
)
CLASS_WEIGHTS = Param(
    "weights",
    "floats",
    None,
    "class weights, one per prediction column: weighted mean over classes, sum(w L) / sum(w); "
    "none = plain mean",
    allow_none=True,
)
SMOOTH_DR = Param(
    "smooth_dr",
    float,
    None,
    "smoothing of the denominator when it should differ from smooth (Keras: smooth=0, "
    "smooth_dr=1e-7); none = smooth",
    low=0.0,
    allow_none=True,
)
POOL_CLASSES = Param(
    "pool_classes",
    bool,
    False,
    "sum the statistics of all classes into one ratio, as Keras' Dice and Tversky (which reduce "
    "over every axis) do, instead of averaging per-class losses",
)
ALPHA = Param("alpha", float, 0.5, "weight of false positives (MONAI's convention)", low=0.0)
BETA = Param("beta", float, 0.5, "weight of false negatives (MONAI's convention)", low=0.0)
ALPHA_WEIGHTS = Param(
    "alpha_weights",
    str,
    "false_positives",
    "which errors alpha prices (beta prices the others): false_positives as MONAI and the Tversky "
    "paper; false_negatives reproduces Keras up to 3.15",
    choices=("false_positives", "false_negatives"),
)

# The guide's characteristics table rates Dice/IoU: robust yes, smooth gradient no,
# classification yes, regression no.
_ROBUST_NOTE = (
    "the guide's rating: a ratio of overlap sums, so a few badly predicted pixels move it little "
    "and a small structure counts as much as the background"
)
_SMOOTH_NOTE = (
    "the guide's rating: the soft form is differentiable, but the ratio's gradient is unstable "
    "for small or empty regions, where the sums are tiny"
)
OVERLAP_CHARACTERISTICS = Characteristics(
    True, False, True, False, robust_note=_ROBUST_NOTE, smooth_note=_SMOOTH_NOTE
)
TVERSKY_CHARACTERISTICS = Characteristics(
    True,
    False,
    True,
    False,
    robust_note="our judgement (the guide does not rate Tversky): like Dice, of which it is a "
    "generalisation; " + _ROBUST_NOTE.removeprefix("the guide's rating: "),
    smooth_note="our judgement, like Dice: the soft form is differentiable, but the ratio's "
    "gradient is unstable for small or empty regions",
)

# Notes shared by the three losses: the convention differences users trip on.
_AGGREGATION_NOTE = (
    "Aggregation: without --sample-col every row is pooled into one sample (a 'batch' or "
    "'global' loss, like MONAI batch=True, smp and Keras Dice(axis=None)); with --sample-col "
    "(the pixels of one image) the loss is computed per image and averaged (MONAI's default "
    "batch=False). The two differ, and which one is meant is the most common confusion with "
    "these losses (Project-MONAI/MONAI#807, qubvel-org/segmentation_models.pytorch#712)."
)
_SMOOTHING_NOTE = (
    "Smoothing differs between libraries: MONAI adds 1e-5 to numerator and denominator (our "
    "default); smp adds 0 and clamps the denominator at eps=1e-7 (smooth=0 here); Keras adds "
    "1e-7 to the denominator only (smooth=0, smooth_dr=1e-7); optax's dice_loss (>= 0.2.8) adds "
    "1.0 to I and to I + (FP + FN) / 2, which is dice with smooth=2 and tversky or iou with "
    "smooth=1. The smoothing is negligible on masks of many pixels and dominates on tiny ones: on "
    "p=[.9,.4,.1,0], t=[1,1,0,0] dice is 0.2352941 unsmoothed, 0.2352934 with MONAI's 1e-5 and "
    "0.1481481 with optax's 1.0."
)
_EMPTY_NOTE = (
    "Empty masks: a class with no true and no predicted pixels in a sample scores loss 0 - the "
    "limit of the smoothed ratio, MONAI's value. With smooth=0 that case is 0/0 and is defined "
    "as 0 as well, never NaN. An empty truth with a non-empty prediction gives about 1 (MONAI; "
    "smp instead drops classes without true pixels to 0)."
)
_LAYOUT_NOTE = (
    "Layouts: one prediction column is the foreground probability and the loss is on the "
    "foreground only (MONAI with one channel); give two columns (background, foreground) to "
    "score the background too. Several columns are classes, and every class counts, background "
    "included; to leave the background out (MONAI include_background=False) give it weight 0, "
    "e.g. weights=0;1;1. Class columns are not required to sum to 1 (multi-label masks work). "
    "--from-logits applies a sigmoid to one column and a softmax across several. A list column "
    "holds the classes of one pixel, not the pixels of an image: a table of one row per image "
    "with lists of its pixels is exploded to one row per pixel (pandas DataFrame.explode, or "
    "pyarrow's list_flatten), with --sample-col naming the image."
)
_WEIGHTS_NOTE = (
    "Class weights give the weighted average sum(w_c L_c) / sum(w_c); MONAI's DiceLoss(weight=w) "
    "multiplies each class loss by w_c and divides by the number of classes instead, which is "
    "the same only when the weights sum to C."
)
_ROW_WEIGHTS_NOTE = (
    "Row weights (--weight-col) weigh pixels: each row's I, P and T are multiplied by its weight "
    "before they are summed, so a weight of 0 leaves a pixel out (as MONAI's MaskedDiceLoss masks "
    "it) and a weight of 2 counts it twice. With --sample-col the images' losses are then averaged "
    "without weights: a weight that is the same on every pixel of an image changes only the "
    "smoothing's share, not how much the image counts."
)
_COMMON_NOTES = (_AGGREGATION_NOTE, _SMOOTHING_NOTE, _EMPTY_NOTE, _LAYOUT_NOTE, _WEIGHTS_NOTE, _ROW_WEIGHTS_NOTE)


# --------------------------------------------------------------------------- statistics


def _probabilities(y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """Prediction columns as an (n, C) matrix of probabilities."""
    scores = as_matrix(y_pred)
    if not from_logits:
        check_probabilities(scores)
        return scores
    return sigmoid(scores) if scores.shape[1] == 1 else softmax(scores)


def _truth_matrix(y_true: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels as an (n, C) matrix of per-class memberships in [0, 1]."""
    labels = as_matrix(y_true)
    width = labels.shape[1]
    if n_classes == 1:
        if width != 1:
            raise LossCliError(
                f"y_true has {width} columns but y_pred has one (the foreground probability)",
                role="y_true",
                hint="give a 0/1 mask column, or one prediction column per class",
            )
        check_unit_interval_labels(labels, role="y_true")
        return labels
    if width == 1:
        # One label column with several prediction columns: class indices.
        index = check_class_index(labels[:, 0], n_classes)
        return (index[:, None] == np.arange(n_classes)).astype(np.float64)
    if width != n_classes:
        raise LossCliError(
            f"y_true has {width} columns but y_pred has {n_classes} class columns",
            role="y_true",
            hint="give one label column (class index) or one 0/1 column per prediction column",
        )
    check_unit_interval_labels(labels, role="y_true")
    return labels


def _check_class_weights(weights: tuple[float, ...] | None, n_classes: int) -> None:
    if weights is None:
        return
    if len(weights) != n_classes:
        raise LossCliError(
            f"parameter 'weights' has {counted(len(weights), 'value')} but y_pred has {counted(n_classes, 'class column')}",
            hint="give one weight per prediction column, separated by ';'",
        )
    if sum(weights) <= 0:
        raise LossCliError(
            "parameter 'weights': the class weights sum to 0", hint="give at least one class a positive weight"
        )


def _overlap_stats(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    from_logits: bool,
    weights: tuple[float, ...] | None,
    pool_classes: bool = False,
) -> np.ndarray:
    """Per-row [I_c, P_c, T_c] for every class: the (n, 3C) sufficient statistics."""
    probs = _probabilities(y_pred, from_logits)
    n_classes = probs.shape[1]
    _check_class_weights(weights, n_classes)
    if pool_classes and weights is not None:
        raise LossCliError(
            "class weights have no effect with pool_classes=true: every class is summed into one ratio",
            hint="drop weights= or pool_classes=true",
        )
    truth = _truth_matrix(y_true, n_classes)
    return np.concatenate([probs * truth, probs, truth], axis=1)


def _split_sums(sums: np.ndarray, pool_classes: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., 3C) summed statistics -> I, P, T, each (..., C); (..., 1) when the classes are pooled."""
    sums = np.asarray(sums, dtype=np.float64)
    n_classes = sums.shape[-1] // _STATS_PER_CLASS
    stacked = sums.reshape(*sums.shape[:-1], _STATS_PER_CLASS, n_classes)
    if pool_classes:
        stacked = stacked.sum(axis=-1, keepdims=True)
    return stacked[..., 0, :], stacked[..., 1, :], stacked[..., 2, :]


def _one_minus_ratio(
    numerator: np.ndarray, denominator: np.ndarray, smooth: float, smooth_dr: float | None = None
) -> np.ndarray:
    """1 - (num + s) / (den + s_dr), with 0/0 (no smoothing, empty class) defined as loss 0.

    s_dr is s unless given (Keras smooths the denominator only). In all three
    losses 0 <= num <= den, so den + s_dr == 0 only when the class is empty in
    both truth and prediction; loss 0 is the limit as s -> 0+. Only that 0/0
    becomes a ratio of 1: a NaN sum (from a NaN input) stays NaN, never a
    perfect score.
    """
    denominator = denominator + (smooth if smooth_dr is None else smooth_dr)
    defined = denominator != 0
    ratio = np.divide(numerator + smooth, denominator, out=np.ones_like(denominator), where=defined)
    return 1.0 - ratio


def _class_mean(class_losses: np.ndarray, weights: tuple[float, ...] | None) -> Any:
    """Mean over the class axis (weighted if weights are given); scalar for one sample."""
    if weights is None:
        value = class_losses.mean(axis=-1)
    else:
        w = np.asarray(weights, dtype=np.float64)
        value = (class_losses * w).sum(axis=-1) / w.sum()
    return float(value) if np.ndim(value) == 0 else value


# --------------------------------------------------------------------------- finalizers


def _dice_from_sums(
    sums: np.ndarray,
    *,
    smooth: float,
    weights: tuple[float, ...] | None,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
    **_: Any,
) -> Any:
    intersection, predicted, true = _split_sums(sums, pool_classes)
    return _class_mean(_one_minus_ratio(2.0 * intersection, predicted + true, smooth, smooth_dr), weights)


def _iou_from_sums(
    sums: np.ndarray,
    *,
    smooth: float,
    weights: tuple[float, ...] | None,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
    **_: Any,
) -> Any:
    intersection, predicted, true = _split_sums(sums, pool_classes)
    union = predicted + true - intersection
    return _class_mean(_one_minus_ratio(intersection, union, smooth, smooth_dr), weights)


def _tversky_from_sums(
    sums: np.ndarray,
    *,
    smooth: float,
    weights: tuple[float, ...] | None,
    alpha: float,
    beta: float,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
    alpha_weights: str = "false_positives",
    **_: Any,
) -> Any:
    intersection, predicted, true = _split_sums(sums, pool_classes)
    false_positives = predicted - intersection
    false_negatives = true - intersection
    if alpha_weights == "false_negatives":
        # Keras up to 3.15 prices false negatives with alpha, contrary to its documentation.
        alpha, beta = beta, alpha
    denominator = intersection + alpha * false_positives + beta * false_negatives
    return _class_mean(_one_minus_ratio(intersection, denominator, smooth, smooth_dr), weights)


# --------------------------------------------------------------------------- declarations


@loss(
    name="dice",
    aliases=("dice_loss", "soft_dice", "soft_dice_loss", "sorensen_dice"),
    family="segmentation",
    tasks=TASKS,
    roles=ROLES,
    params=(SMOOTH, CLASS_WEIGHTS, FROM_LOGITS, SMOOTH_DR, POOL_CLASSES),
    characteristics=OVERLAP_CHARACTERISTICS,
    formula="mean over classes of 1 - (2 I + s) / (P + T + s), I = sum p t, P = sum p, T = sum t",
    description="One minus the soft Dice coefficient: twice the overlap between predicted and true "
    "masks over their total size, computed on probabilities rather than thresholded masks. "
    "Because it is a ratio, a small object counts as much as a large one, which is why it suits "
    "images where the foreground is a few pixels.",
    use_cases="Semantic and medical image segmentation, especially with small foreground regions; "
    "often added to cross-entropy.",
    reference="MONAI DiceLoss(smooth_nr=smooth_dr=1e-5, include_background=True); per sample with "
    "--sample-col (MONAI batch=False), pooled without (batch=True); smooth=0 gives smp DiceLoss; "
    "Keras Dice is smooth=0, smooth_dr=1e-7, pool_classes=true over all rows",
    kind="ratio",
    finalize=_dice_from_sums,
    notes=_COMMON_NOTES,
    example="losscli compute masks.parquet --loss dice --pred-col 'p_*' --sample-col image_id",
)
def dice(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    smooth: float,
    weights: tuple[float, ...] | None,
    from_logits: bool,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
) -> np.ndarray:
    return _overlap_stats(y_true, y_pred, from_logits=from_logits, weights=weights, pool_classes=pool_classes)


@loss(
    name="iou",
    aliases=("jaccard", "jaccard_loss", "iou_loss", "soft_jaccard", "soft_iou"),
    family="segmentation",
    tasks=TASKS,
    roles=ROLES,
    params=(SMOOTH, CLASS_WEIGHTS, FROM_LOGITS, SMOOTH_DR, POOL_CLASSES),
    characteristics=OVERLAP_CHARACTERISTICS,
    formula="mean over classes of 1 - (I + s) / (P + T - I + s), I = sum p t, P = sum p, T = sum t",
    description="One minus the soft intersection over union (Jaccard index) of predicted and true "
    "masks, on probabilities. Ranks predictions like Dice but punishes partial overlap harder: "
    "IoU index = Dice index / (2 - Dice index) for hard masks.",
    use_cases="Segmentation and detection masks, when the evaluation metric is IoU / mIoU.",
    reference="smp JaccardLoss formula (1 - (I + s)/(P + T - I + s)) with MONAI's default smooth 1e-5; "
    "scikit-learn jaccard_score on 0/1 masks with smooth=0",
    kind="ratio",
    finalize=_iou_from_sums,
    notes=_COMMON_NOTES
    + (
        "MONAI's DiceLoss(jaccard=True) places the smoothing differently, 1 - (2I + s)/(2(P + T - I) + s): "
        "that equals this loss with smooth halved (MONAI's default 1e-5 is smooth=5e-6 here). The "
        "two differ in the 6th significant digit at the default smoothing.",
    ),
    example="losscli compute masks.csv --loss iou --sample-col image_id",
)
def iou(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    smooth: float,
    weights: tuple[float, ...] | None,
    from_logits: bool,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
) -> np.ndarray:
    return _overlap_stats(y_true, y_pred, from_logits=from_logits, weights=weights, pool_classes=pool_classes)


@loss(
    name="tversky",
    aliases=("tversky_loss", "soft_tversky"),
    family="segmentation",
    tasks=TASKS,
    roles=ROLES,
    params=(ALPHA, BETA, SMOOTH, CLASS_WEIGHTS, FROM_LOGITS, SMOOTH_DR, POOL_CLASSES, ALPHA_WEIGHTS),
    characteristics=TVERSKY_CHARACTERISTICS,
    formula="mean over classes of 1 - (I + s) / (I + alpha FP + beta FN + s), FP = P - I, FN = T - I",
    description="A Dice loss with separate prices for false positives (alpha) and false negatives "
    "(beta). alpha = beta = 0.5 is Dice with twice the smoothing (dice smooth=2s), alpha = beta = 1 "
    "is IoU with the same smoothing; beta > alpha favours recall, "
    "which helps when missing a small lesion costs more than a false alarm.",
    use_cases="Segmentation with heavy class imbalance or asymmetric error costs (lesions, "
    "defects), where recall matters more than precision.",
    reference="MONAI TverskyLoss(alpha, beta, smooth_nr=smooth_dr=1e-5): alpha weights false "
    "positives, beta false negatives; smooth=0 gives smp TverskyLoss (gamma=1)",
    kind="ratio",
    finalize=_tversky_from_sums,
    notes=_COMMON_NOTES
    + (
        "Keras Tversky up to 3.15 applies alpha to false negatives and beta to false positives "
        "(contrary to its documentation; fixed in keras-team/keras PR #23333): "
        "alpha_weights=false_negatives (or convention=keras) reproduces it.",
        "smp's TverskyLoss also raises the class mean to a power gamma (focal Tversky); that "
        "exponent is not applied here.",
    ),
    example="losscli compute masks.csv --loss tversky:alpha=0.3,beta=0.7 --sample-col image_id",
)
def tversky(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    alpha: float,
    beta: float,
    smooth: float,
    weights: tuple[float, ...] | None,
    from_logits: bool,
    smooth_dr: float | None = None,
    pool_classes: bool = False,
    alpha_weights: str = "false_positives",
) -> np.ndarray:
    return _overlap_stats(y_true, y_pred, from_logits=from_logits, weights=weights, pool_classes=pool_classes)
