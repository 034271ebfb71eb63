"""Regression losses.

Kernels return element-wise losses; the engine averages over all elements
(PyTorch's reduction for multi-output regression) and applies sample weights.
"""

from __future__ import annotations

import math

import numpy as np

from ..conventions import loss
from ..registry import Characteristics, Param, Role, Y_PRED_REGRESSION, Y_TRUE_REGRESSION
from ..errors import LossCliError
from ..wording import counted
from ._checks import as_column, clip_above, fail_where, matching_columns
from .pair_sums import PairSums

ROLES = (Y_TRUE_REGRESSION, Y_PRED_REGRESSION)
TASKS = ("regression",)
_LOG2 = math.log(2.0)


def _residual(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    return y_pred - y_true


# Batch sums from shared terms (see ``pair_sums``): each equals the sum of its
# kernel's rows up to rounding, and each may return None to leave the batch
# to the kernel.


def _sum_squares(sums: PairSums, **_: object) -> float:
    return sums.sum_squares


def _sum_abs(sums: PairSums, **_: object) -> float:
    return sums.sum_abs


def _huber_total(sums: PairSums, *, delta: float, **_: object) -> float:
    return sums.huber(delta)


def _smooth_l1_total(sums: PairSums, *, beta: float, **_: object) -> float:
    if beta == 0:
        return sums.sum_abs
    return _huber_total(sums, delta=beta) / beta


@loss(
    name="mse",
    aliases=("l2", "mean_squared_error", "squared_error"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(),
    characteristics=Characteristics(False, True, False, True),
    formula="mean((y_pred - y_true)^2)",
    description="Squares every residual, so one large error counts as much as many small ones: "
    "the fit is pulled towards outliers. The maximum-likelihood loss under Gaussian noise.",
    use_cases="Linear regression, neural network regression, any target with light-tailed noise.",
    reference="PyTorch MSELoss (mean over all elements); scikit-learn mean_squared_error",
    propagates_nonfinite=True,
    total=_sum_squares,
)
def mse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    residual = _residual(y_true, y_pred)
    # In place: the residual is ours, and one temporary less matters on 50M rows.
    return np.multiply(residual, residual, out=residual)


@loss(
    name="mae",
    aliases=("l1", "mean_absolute_error", "absolute_error"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(),
    characteristics=Characteristics(True, False, False, True, smooth_note="not differentiable at zero"),
    formula="mean(|y_pred - y_true|)",
    description="Penalises every unit of error equally, so outliers do not dominate; the optimum is "
    "the conditional median. The gradient jumps at zero.",
    use_cases="Regression with outliers or heavy-tailed noise.",
    reference="PyTorch L1Loss; scikit-learn mean_absolute_error",
    propagates_nonfinite=True,
    total=_sum_abs,
)
def mae(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    residual = _residual(y_true, y_pred)
    return np.abs(residual, out=residual)


@loss(
    name="huber",
    aliases=("huber_loss",),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(Param("delta", float, 1.0, "residual size where the loss turns from quadratic to linear", low=0.0, low_open=True),),
    characteristics=Characteristics(True, True, False, True, robust_note="tunable with delta"),
    formula="0.5 e^2 if |e| < delta else delta (|e| - 0.5 delta), e = y_pred - y_true",
    description="Quadratic for small residuals and linear for large ones: smooth like MSE near zero, "
    "robust like MAE far from it. delta sets where the switch happens.",
    use_cases="Regression with noisy targets and some outliers.",
    reference="PyTorch HuberLoss(delta); equals Keras Huber and scipy.special.huber",
    propagates_nonfinite=True,
    total=_huber_total,
)
def huber(y_true: np.ndarray, y_pred: np.ndarray, *, delta: float) -> np.ndarray:
    # Branch-free form (optax): with q = min(|e|, delta), 0.5 q^2 + delta (|e| - q);
    # two arrays, updated in place, instead of np.where over four temporaries.
    error = _residual(y_true, y_pred)
    np.abs(error, out=error)
    quadratic = clip_above(error, delta)
    error -= quadratic
    error *= delta
    quadratic *= quadratic
    quadratic *= 0.5
    error += quadratic
    return error


@loss(
    name="smooth_l1",
    aliases=("smoothl1", "smooth_l1_loss"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(Param("beta", float, 1.0, "residual size where the loss turns from quadratic to linear; 0 gives L1", low=0.0),),
    characteristics=Characteristics(True, True, False, True, robust_note="tunable with beta"),
    formula="0.5 e^2 / beta if |e| < beta else |e| - 0.5 beta",
    description="Huber divided by beta: the linear part has slope 1 whatever beta is. Common in "
    "object-detection box regression.",
    use_cases="Bounding-box regression (Fast R-CNN), regression with outliers.",
    reference="PyTorch SmoothL1Loss(beta)",
    propagates_nonfinite=True,
    total=_smooth_l1_total,
)
def smooth_l1(y_true: np.ndarray, y_pred: np.ndarray, *, beta: float) -> np.ndarray:
    if beta == 0:
        return np.abs(_residual(y_true, y_pred))
    # Huber with delta = beta, divided by beta: branch-free and in place.
    losses = huber(y_true, y_pred, delta=beta)
    losses /= beta
    return losses


def _log_cosh_rows(residual: np.ndarray) -> np.ndarray:
    """log(cosh(e)) as log1p(2 sinh(e/2)^2), in a new array; infinite where
    cosh overflows (|e| above about 710).

    cosh(e) = 1 + 2 sinh(e/2)^2 exactly, and both sinh and log1p keep their
    relative accuracy near zero: a residual of 1e-9 gives 5e-19 to the last
    digits. The textbook |e| + log1p(exp(-2|e|)) - log 2 (Keras) leaves 1e-16
    of rounding from log 2 there, far more than the value itself, and costs
    the same two transcendental functions and one more pass.
    """
    rows = np.multiply(residual, 0.5)
    np.sinh(rows, out=rows)
    np.multiply(rows, rows, out=rows)
    rows *= 2.0
    return np.log1p(rows, out=rows)


def _fill_overflowed(rows: np.ndarray, residual: np.ndarray) -> None:
    """Where cosh(e) overflowed, log(cosh(e)) is |e| - log 2 to the last bit:
    the rest, log1p(exp(-2|e|)), is below 1e-300."""
    overflowed = np.isinf(rows)
    if overflowed.any():
        rows[overflowed] = np.abs(residual[overflowed]) - _LOG2


def _log_cosh_total(sums: PairSums, **_: object) -> float:
    rows = _log_cosh_rows(sums.residual)
    total = float(np.sum(rows))
    if math.isinf(total):  # only then can a row have overflowed: no pass looks for one before
        _fill_overflowed(rows, sums.residual)
        total = float(np.sum(rows))
    return total


@loss(
    name="log_cosh",
    aliases=("logcosh",),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(),
    characteristics=Characteristics(True, True, False, True, robust_note="like MAE for large residuals"),
    formula="mean(log(cosh(y_pred - y_true)))",
    description="A smooth MAE: about e^2/2 near zero and |e| - log 2 far away, twice differentiable "
    "everywhere. Computed as log1p(2 sinh(e/2)^2), exact to the last digits for tiny residuals, "
    "and as |e| - log 2 where cosh(e) would overflow.",
    use_cases="Regression that needs smooth gradients and tolerance to outliers.",
    reference="Keras LogCosh (mean; --reduction sum gives the guide's formula, a sum)",
    propagates_nonfinite=True,
    total=_log_cosh_total,
)
def log_cosh(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    error = _residual(y_true, y_pred)
    rows = _log_cosh_rows(error)
    _fill_overflowed(rows, error)
    return rows


def _sqrt(value: float, **_: object) -> float:
    return math.sqrt(value) if value >= 0 else float("nan")


@loss(
    name="rmse",
    aliases=("root_mean_squared_error",),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(),
    characteristics=Characteristics(
        False, True, False, True, robust_note="the square root of MSE: it ranks as MSE does, so large residuals dominate it as they dominate MSE"
    ),
    formula="sqrt(mean((y_pred - y_true)^2))",
    description="The square root of MSE, in the units of the target. Ranks models exactly as MSE "
    "does. Per-row values are the squared errors that the root is taken over.",
    use_cases="Reporting regression error in the target's units.",
    reference="scikit-learn root_mean_squared_error for one column (sqrt of the mean over all elements)",
    propagates_nonfinite=True,
    total=_sum_squares,
    notes=(
        "For several columns scikit-learn's root_mean_squared_error averages one root per column "
        "(multioutput='uniform_average'); here the root is taken once, over every element.",
    ),
    finalize=_sqrt,
    no_sum=(
        "it is the square root of a mean, and the root of a sum of squared errors is no library's loss",
        "--loss mse --reduction sum gives the sum of squared errors",
    ),
)
def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return mse(y_true, y_pred)


def _log_ratio(abs_error: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """|log1p(y_pred) - log1p(y_true)| as log1p(|e| / (1 + min(y_true, y_pred))),
    in a new array, for values above -1.

    The two logs of a close prediction are nearly equal, and their difference
    keeps only the digits they do not share: a prediction within 1e-9 of a
    label of 100 lost half of its loss's digits. One log1p of the ratio keeps
    them all, and costs one logarithm instead of two."""
    ratio = np.minimum(y_true, y_pred)
    ratio += 1.0
    np.divide(abs_error, ratio, out=ratio)
    return np.log1p(ratio, out=ratio)


def _msle_total(sums: PairSums, *, floor: float | None, **_: object) -> float | None:
    if floor is not None:
        y_true, y_pred = np.maximum(sums.y_true, floor), np.maximum(sums.y_pred, floor)
        diff = _log_ratio(np.abs(y_pred - y_true), y_true, y_pred)
    elif sums.min_true > -1 and sums.min_pred > -1:
        diff = _log_ratio(sums.abs_residual, sums.y_true, sums.y_pred)
    else:
        return None  # the kernel names the first value at or below -1
    return float(np.dot(diff, diff))


@loss(
    name="msle",
    aliases=("mean_squared_logarithmic_error", "mean_squared_log_error"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(
        Param(
            "floor",
            float,
            None,
            "values below this are raised to it before the log (Keras uses 1e-7); none keeps them as "
            "they are (scikit-learn)",
            low=0.0,
            allow_none=True,
        ),
    ),
    characteristics=Characteristics(
        True, True, False, True, robust_note="errors are relative, so large targets do not dominate"
    ),
    formula="mean((log1p(y_pred) - log1p(y_true))^2)",
    description="MSE between log(1 + value): penalises relative rather than absolute error and "
    "under-prediction more than over-prediction. Values must be greater than -1.",
    use_cases="Counts, prices and other targets spanning orders of magnitude.",
    reference="scikit-learn mean_squared_log_error; Keras MeanSquaredLogarithmicError "
    "(which clips at 1e-7, within 1e-6 for non-negative values; floor=1e-7 reproduces it)",
    # A floor raises -inf to the floor, so only the unfloored form shows every inf.
    propagates_nonfinite=lambda floor, **_: floor is None,
    total=_msle_total,
    notes=(
        "Keras raises every value below 1e-7 to 1e-7 before the log, so negative values all count "
        "as 0 there; floor=1e-7 (convention=keras) does the same. Without a floor, values must be "
        "greater than -1, as in scikit-learn.",
    ),
)
def msle(y_true: np.ndarray, y_pred: np.ndarray, *, floor: float | None) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    if floor is not None:
        # Floored values are never below 0, so the log is always defined.
        y_true, y_pred = np.maximum(y_true, floor), np.maximum(y_pred, floor)
    for role, values in (("y_true", y_true), ("y_pred", y_pred)):
        fail_where(values <= -1, "msle needs values greater than -1", role=role, values=values)
    diff = _log_ratio(np.abs(y_pred - y_true), y_true, y_pred)
    return np.multiply(diff, diff, out=diff)


_MAPE_FLOOR = 1e-7


def _mape_total(sums: PairSums, *, floor: float, percent: bool, **_: object) -> float:
    if sums.min_true >= floor:
        # Labels at or above the floor are their own divisor: no |y| and no floor
        # to take (and the smallest label is shared with msle and poisson).
        ratios = np.divide(sums.abs_residual, sums.y_true)
    else:
        divisor = np.abs(sums.y_true)
        if divisor.min() < floor:  # a pass of its own, skipped when no label is that small
            np.maximum(divisor, floor, out=divisor)
        ratios = np.divide(sums.abs_residual, divisor, out=divisor)
    return (100.0 if percent else 1.0) * float(np.sum(ratios))


@loss(
    name="mape",
    aliases=("mean_absolute_percentage_error",),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(
        Param(
            "floor",
            float,
            _MAPE_FLOOR,
            "the divisor |y_true| is raised to at least this (Keras 1e-7; scikit-learn uses machine "
            "epsilon, 2.22e-16)",
            low=0.0,
            low_open=True,
        ),
        Param("percent", bool, True, "report percent (x100, Keras); false gives the fraction (scikit-learn)"),
    ),
    characteristics=Characteristics(
        False, False, False, True, robust_note="explodes for targets near zero", smooth_note="an absolute error: a kink at zero, as MAE"
    ),
    formula="100 * mean(|y_true - y_pred| / max(|y_true|, floor)), floor = 1e-7",
    description="Absolute error relative to the target, in percent. Scale-free, but undefined for "
    "targets at zero (the divisor is floored at 1e-7, as Keras does).",
    use_cases="Forecasting and business metrics where relative error matters.",
    reference="Keras MeanAbsolutePercentageError (x100); scikit-learn returns the fraction "
    "(percent=false) with a floor of machine epsilon",
    propagates_nonfinite=True,
    total=_mape_total,
    notes=(
        "scikit-learn's mean_absolute_percentage_error is a fraction, not a percent, and floors the "
        "divisor at 2.22e-16 instead of 1e-7: a target of exactly 0 gives a far larger value there "
        "(convention=sklearn reproduces both).",
    ),
)
def mape(y_true: np.ndarray, y_pred: np.ndarray, *, floor: float, percent: bool) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    # Scaled after the division, as the batch sum is: 100 |e| overflows for
    # residuals above 1.8e306 whose ratio to the label is an ordinary number.
    ratios = np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), floor)
    return ratios * 100.0 if percent else ratios


def _quantile_total(sums: PairSums, *, q: float | tuple[float, ...], **_: object) -> float | None:
    if isinstance(q, tuple):
        return None  # a level per column: the kernel weighs each column by its own
    # A row costs q |e| when the prediction is below the label and (1 - q) e
    # when above (e = y_pred - y_true); the two parts sum to (sum|e| - sum e) / 2
    # and (sum|e| + sum e) / 2. When one part is tiny its difference loses up
    # to sum|e| * 1e-16 to rounding; weighted by q or 1 - q that stays within
    # about 1e-13 of the value, except for q within 1e-3 of 0 or 1.
    if min(q, 1.0 - q) < 1e-3:
        return None
    under = (sums.sum_abs - sums.sum_residual) / 2.0
    over = (sums.sum_abs + sums.sum_residual) / 2.0
    return q * under + (1.0 - q) * over


@loss(
    name="quantile",
    aliases=("pinball", "pinball_loss", "quantile_loss", "mean_pinball_loss"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(
        Param(
            "q",
            float,
            0.5,
            "the quantile predicted; several (0.1;0.5;0.9) for as many prediction columns, one level each, "
            "taken from the columns' names (q0.1, p90, y_0.9) when not given",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            many=True,
        ),
    ),
    characteristics=Characteristics(
        True, False, False, True, robust_note="linear in the residual, as MAE; q=0.5 is half the MAE", smooth_note="kink at zero"
    ),
    formula="mean(max(q (y_true - y_pred), (q - 1) (y_true - y_pred)))",
    description="Asymmetric absolute error whose optimum is the q-th conditional quantile; q=0.5 "
    "is half the MAE. Several levels (one prediction column each, beside one label column) give "
    "the mean over the levels of each level's loss.",
    use_cases="Prediction intervals, quantile regression, forecasting with asymmetric costs.",
    reference="scikit-learn mean_pinball_loss(alpha=q); several levels: the mean of mean_pinball_loss at each",
    propagates_nonfinite=True,
    total=_quantile_total,
)
def quantile(y_true: np.ndarray, y_pred: np.ndarray, *, q: float | tuple[float, ...]) -> np.ndarray:
    if isinstance(q, tuple):
        y_true, y_pred, q = _per_level(y_true, y_pred, q)
    else:
        columns = y_pred.shape[1] if y_pred.ndim == 2 else 1
        if columns > 1 and as_column(y_true).ndim == 1:
            # A quantile forecast whose columns' names state no level (a, b, c; a numpy array).
            example = ";".join(f"{level:g}" for level in np.linspace(0.1, 0.9, columns).round(2)) if columns <= 9 else "0.1;0.5;0.9"
            raise LossCliError(
                f"y_true has 1 column but y_pred has {columns}, and q gives one quantile level ({q:g})",
                role="y_pred",
                hint=f"for a quantile forecast, give one level per prediction column, in their order: --loss 'quantile:q={example}'; "
                "or select one prediction column",
            )
        y_true, y_pred = matching_columns(y_true, y_pred)
    diff = y_true - y_pred
    return np.maximum(q * diff, (q - 1.0) * diff)


def _per_level(y_true: np.ndarray, y_pred: np.ndarray, levels: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantile forecasts, one prediction column per level, beside one label
    column (or one per level): the labels broadcast over the levels, which
    broadcast over the rows."""
    y_pred = y_pred.reshape(-1, 1) if y_pred.ndim == 1 else y_pred
    if y_pred.shape[1] != len(levels):
        raise LossCliError(
            f"q gives {len(levels)} quantile levels but y_pred has {counted(y_pred.shape[1], 'column')}",
            role="y_pred",
            hint="give one prediction column per level, in the order of q",
        )
    repeated = next((level for index, level in enumerate(levels) if level in levels[:index]), None)
    if repeated is not None:
        raise LossCliError(
            f"q gives the level {repeated:g} twice: the mean over the levels would count it twice",
            role="y_pred",
            hint="give each level once, one prediction column per level",
        )
    y_true = as_column(y_true)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    elif y_true.shape[1] != len(levels):
        raise LossCliError(
            f"y_true has {y_true.shape[1]} columns but q gives {len(levels)} quantile levels",
            role="y_true",
            hint="give one label column, which every level is scored against",
        )
    return y_true, y_pred, np.asarray(levels, dtype=np.float64)


def _poisson_total(
    sums: PairSums, *, log_input: bool, full: bool, eps: float, deviance: bool, **_: object
) -> float | None:
    if full or deviance or not sums.min_true >= 0:
        return None  # the kernel names the first negative count
    if not log_input and not sums.min_pred >= 0:
        return None
    # Row by row as the kernel does: for a calibrated model (rates near e, or
    # one base rate for every row) the rows nearly cancel, and the difference
    # of the two large sums, sum(rate) - sum(y log rate), lost 1e-11 of the value.
    if log_input:
        rows = np.exp(sums.y_pred)
        rows -= np.multiply(sums.y_true, sums.y_pred)
    else:
        rows = sums.y_pred + eps
        np.log(rows, out=rows)
        rows *= sums.y_true
        np.subtract(sums.y_pred, rows, out=rows)
    return float(np.sum(rows))


@loss(
    name="poisson",
    aliases=("poisson_nll", "poisson_nll_loss"),
    family="regression",
    tasks=TASKS,
    roles=ROLES,
    params=(
        Param("log_input", bool, True, "predictions are log-rates (true) or rates (false)"),
        Param("full", bool, False, "add the Stirling approximation of log(y!) for y > 1"),
        Param("eps", float, 1e-8, "added to the rate before the log when log_input=false", low=0.0),
        Param(
            "deviance",
            bool,
            False,
            "report the Poisson deviance 2 (y log(y / mu) - y + mu) instead of the negative "
            "log-likelihood (scikit-learn mean_poisson_deviance)",
        ),
    ),
    characteristics=Characteristics(
        False,
        True,
        False,
        True,
        robust_note="on log-rates p (the default) the gradient exp(p) - y grows with the count y, so one extreme "
        "count pulls the fit as a squared error would",
    ),
    formula="exp(p) - y p (log_input) or p - y log(p + eps); full adds y log y - y + 0.5 log(2 pi y); "
    "deviance: 2 (y log(y / mu) - y + mu), mu the predicted rate",
    description="Negative log-likelihood of counts under a Poisson model, without the constant "
    "log(y!) unless full=true. Can be negative.",
    use_cases="Count regression: events, arrivals, clicks.",
    reference="PyTorch PoissonNLLLoss(log_input, full, eps)",
    # The deviance treats y = 0 apart, where a rate of 0 (log rate -inf) gives 0.
    propagates_nonfinite=lambda deviance, **_: not deviance,
    total=_poisson_total,
    minimum=None,
    notes=(
        "Keras' Poisson loss takes rates and adds 1e-7 inside the log (log_input=false, eps=1e-7). "
        "scikit-learn reports the deviance, which is 0 for a perfect prediction (deviance=true).",
    ),
)
def poisson(
    y_true: np.ndarray, y_pred: np.ndarray, *, log_input: bool, full: bool, eps: float, deviance: bool
) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    fail_where(y_true < 0, "poisson needs non-negative counts", role="y_true", values=y_true)
    if deviance:
        return _poisson_deviance(y_true, y_pred, log_input=log_input)
    if log_input:
        losses = np.exp(y_pred) - y_true * y_pred
    else:
        fail_where(
            y_pred < 0,
            "rates must be non-negative with log_input=false",
            role="y_pred",
            values=y_pred,
            hint="if the predictions are log-rates, poisson:log_input=true reads them so",
        )
        losses = y_pred - y_true * np.log(y_pred + eps)
    if full:
        safe = np.where(y_true > 1, y_true, 2.0)
        stirling = safe * np.log(safe) - safe + 0.5 * np.log(2.0 * math.pi * safe)
        losses = losses + np.where(y_true > 1, stirling, 0.0)
    return losses


def _poisson_deviance(y_true: np.ndarray, y_pred: np.ndarray, *, log_input: bool) -> np.ndarray:
    """2 (y log(y / mu) - y + mu), with y log(y / mu) = 0 at y = 0 (scikit-learn)."""
    if log_input:
        rate, log_rate = np.exp(y_pred), y_pred
    else:
        fail_where(y_pred <= 0, "the deviance needs positive rates", role="y_pred", values=y_pred)
        rate, log_rate = y_pred, np.log(y_pred)
    positive = y_true > 0
    log_ratio = np.log(np.where(positive, y_true, 1.0)) - log_rate
    return 2.0 * (np.where(positive, y_true * log_ratio, 0.0) - y_true + rate)


@loss(
    name="gaussian_nll",
    aliases=("gaussian_nll_loss", "gaussiannll"),
    family="regression",
    tasks=TASKS,
    roles=(
        Y_TRUE_REGRESSION,
        Y_PRED_REGRESSION,
        Role("var", ("var", "variance", "y_var", "pred_var"), "vector", "predicted variance (one column or one per output)"),
    ),
    params=(
        Param("full", bool, False, "add the constant 0.5 log(2 pi)"),
        Param("eps", float, 1e-6, "variances are clamped to at least eps", low=0.0, low_open=True),
    ),
    characteristics=Characteristics(False, True, False, True, robust_note="a small predicted variance magnifies outliers"),
    formula="0.5 (log(max(var, eps)) + (y_pred - y_true)^2 / max(var, eps)) [+ 0.5 log(2 pi)]",
    description="Negative log-likelihood of the target under a Gaussian with the predicted mean and "
    "variance: the model is scored on its error and on how well it knows its uncertainty. Can be negative.",
    use_cases="Heteroscedastic regression, uncertainty estimation.",
    reference="PyTorch GaussianNLLLoss(full, eps)",
    minimum=None,
)
def gaussian_nll(y_true: np.ndarray, y_pred: np.ndarray, var: np.ndarray, *, full: bool, eps: float) -> np.ndarray:
    y_true, y_pred = matching_columns(y_true, y_pred)
    fail_where(var < 0, "variance must be non-negative", role="var", values=var)
    k = 1 if y_pred.ndim == 1 else y_pred.shape[1]
    k_var = 1 if var.ndim == 1 else var.shape[1]
    if k_var not in (1, k):
        raise_width = f"var has {k_var} columns; give one, or one per output ({k})"
        fail_where(np.ones(len(var), dtype=bool), raise_width, role="var")
    if var.ndim == 1 and y_pred.ndim == 2:
        var = var[:, None]
    elif var.ndim == 2 and var.shape[1] == 1 and y_pred.ndim == 1:
        var = var[:, 0]
    var = np.maximum(var, eps)
    residual = y_pred - y_true
    losses = 0.5 * (np.log(var) + residual * residual / var)
    if full:
        losses = losses + 0.5 * math.log(2.0 * math.pi)
    return losses
