"""What PyTorch, Keras, scikit-learn, optax and MONAI would report: library conventions as data.

The same loss on the same data gives different numbers in different libraries:
probabilities are clipped differently, weights enter the mean differently,
labels are read differently. losscli's own definition is fixed by SPEC section 4;
this module records, for every (loss, library) pair, how that library's
definition differs from it, as *data*: the values of existing kernel parameters
that reproduce the library (``fixed``), the library's own defaults for
parameters it also lets users set (``library_defaults``), a one-line
``difference``, the reference (class or function, and file) and the texts
``info --conventions`` shows.

How the ``convention`` parameter reaches the registry: family modules declare
their losses with :func:`loss` from this module, a thin layer over
``registry.loss``. For a loss that at least one library defines it appends a
``convention`` parameter (choices: those libraries; default none = losscli's
own) and wraps the kernel, ``finalize``, ``finalize_sum`` and ``per_row`` so that, when a
convention is set, the parameters are resolved (:func:`resolve`) before the
kernel sees them. Kernels never know about libraries; the table is the only
place that does.

Entry points for the command layer:

* :func:`apply` ``(bound, library) -> BoundLoss``: the global ``--convention``
  switch; also materialises a ``convention=`` given in a spec string, so the
  reported parameters are the effective ones.
* :func:`table` ``(loss) -> list[dict]``: ``info LOSS --conventions``.
* :func:`compare_all` ``(bound, **arrays) -> list[dict]``: ``compare
  --conventions`` on in-memory arrays; :func:`variants` gives the bound losses
  to evaluate in one pass over a file instead.
* :func:`weight_divisor` and :func:`pools_samples`: the two differences that
  live in the engine rather than in a kernel (see their docstrings).
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import registry
from .errors import LossCliError
from .registry import BoundLoss, LossSpec, Param

LIBRARIES = ("torch", "keras", "sklearn", "optax", "monai")
LIBRARY_NAMES = {
    "": "losscli",
    "torch": "PyTorch",
    "keras": "Keras 3",
    "sklearn": "scikit-learn",
    "optax": "optax",
    "monai": "MONAI",
}
# Names users type for the same libraries.
LIBRARY_ALIASES = {
    "pytorch": "torch",
    "torchvision": "torch",
    "tf": "keras",
    "tensorflow": "keras",
    "tf.keras": "keras",
    "keras3": "keras",
    "scikit-learn": "sklearn",
    "scikit_learn": "sklearn",
    "scikitlearn": "sklearn",
    "jax": "optax",
}
OURS = ("", "none", "null", "losscli", "default")

# np.finfo(np.float64).eps: scikit-learn clips probabilities (log_loss) and
# floors divisors (mean_absolute_percentage_error) at machine epsilon.
MACHINE_EPS = 2.220446049250313e-16
KERAS_EPSILON = 1e-7  # keras.backend.epsilon()

# How sample weights enter "mean" (weight_divisor).
WEIGHTS = "weights"  # sum(w l) / sum(w): scikit-learn's np.average, and losscli
ROWS = "rows"  # sum(w l) / N: Keras' sum_over_batch_size, PyTorch's per-element weight
UNWEIGHTED = "none"  # the library takes no sample weights for this loss


# --------------------------------------------------------------------------- the table's shape


@dataclass(frozen=True)
class Convention:
    """How one library defines one loss, relative to losscli's definition.

    ``fixed``: kernel parameter values the library's definition pins (a user
    value that contradicts one is an error). ``library_defaults``: the
    library's defaults for parameters it also lets users set (applied only
    where the loss still has losscli's default). ``check(params, arrays)``
    refuses inputs the library cannot take; ``adjust(params, arrays,
    defaults)`` returns parameters that depend on the input layout.
    """

    loss: str
    library: str
    reference: str
    difference: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    library_defaults: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
    adjust: Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    formula: str = "as losscli"
    defaults: str = ""
    reduction: str = ""
    clipping: str = "none"
    labels: str = ""
    weighted_mean: str = UNWEIGHTED
    pools_samples: bool = False
    caveats: tuple[str, ...] = ()

    @property
    def pinned(self) -> dict[str, Any]:
        """Every parameter value the convention sets."""
        return {**self.library_defaults, **self.fixed}


@dataclass(frozen=True)
class Missing:
    """A library that has no such loss (or none that losscli can reproduce), and why."""

    loss: str
    library: str
    reason: str


@dataclass(frozen=True)
class Worked:
    """A small worked example: keyword arguments for losscli.compute, the same
    text in words, and per library ("" = losscli) the expected value and its source."""

    inputs: Mapping[str, Any]
    text: str
    expected: Mapping[str, tuple[float, str]]


# --------------------------------------------------------------------------- shared texts

TORCH_MEAN = "reduction='mean': the mean over every element"
KERAS_MEAN = (
    "the mean over the last axis per sample, then sum / batch size (reduction='sum_over_batch_size'); "
    "sample weights: sum(w l) / N"
)
SKLEARN_MEAN = "np.average over rows with sample_weight: sum(w l) / sum(w)"
OPTAX_NONE = "none: one value per element or row; the mean is left to the caller"
MONAI_MEAN = "reduction='mean' over samples and classes"

KERAS_FLOAT32 = (
    "Keras loss classes compute in float32 (floatx) by default: values agree with this float64 "
    "computation to about 1e-7 relative, not 1e-12."
)
KERAS_CLIP = "probabilities clipped to [1e-7, 1 - 1e-7] (keras.backend.epsilon())"
SKLEARN_CLIP = "probabilities clipped to [eps, 1 - eps], eps = machine epsilon 2.22e-16 (scikit-learn >= 1.2)"
# optax 0.2.8 (google-deepmind/optax PR #1458) turned dice_loss into a Tversky form with
# alpha = beta = 0.5 by default, which moved its smoothing: the same dice_loss now also
# gives IoU (alpha = beta = 1) and Tversky.
OPTAX_DICE = "optax.losses.dice_loss (optax/losses/_segmentation.py, optax >= 0.2.8)"
OPTAX_SMOOTH_DOUBLED = (
    "A smooth set here is losscli's: optax's smooth = s is smooth = 2 s here (its default 1.0 is smooth=2)."
)
OPTAX_BEFORE_0_2_8 = (
    "optax < 0.2.8 computed dice_loss as 1 - (2I + s) / (P + T + s) (losscli's dice with smooth=1) and had "
    "no alpha or beta (google-deepmind/optax PR #1458)."
)
OPTAX_SOFTMAX = (
    "optax applies softmax (sigmoid for one channel) by default: pass --from-logits for logits; with "
    "apply_softmax=False it requires class columns that sum to 1."
)
OPTAX_CLASS_WEIGHTS = (
    "class_weights multiply the class losses before a plain mean (losscli divides by the sum of the weights)."
)
# A probability of exactly 0 enters these libraries as log 0 = -inf; a term whose
# label is 0 there is 0 x -inf = NaN in their arithmetic, where losscli counts 0.
ZERO_LABEL_AT_ZERO = (
    "{library} multiplies every label by its log term: a class with label 0 and probability exactly 0 "
    "(log 0 = -inf) gives 0 x -inf = NaN in {function}, where losscli counts the term as 0."
)
# Subtracting log 2 from a value near log 2 leaves only rounding for small residuals.
LOG_COSH_CANCELS = (
    "{library} subtracts log 2 last ({formula}), which cancels for small residuals: in float64 a residual "
    "of 1e-9 gives 0 and one of 1e-8 gives 1.1e-16 (in float32 only rounding, 0 or +-6e-8, even negative, for |x| up to about 3e-4), where losscli computes "
    "log1p(2 sinh(x/2)^2) = x^2 / 2 to full precision (5e-19, 5e-17). The two agree to rounding in absolute "
    "terms (about 1e-16 in float64), not relatively, once |x| is below about 1e-4."
)
FROM_PROBABILITIES = (
    "takes logits: probabilities given here are read as their log-odds, so nothing is clipped and "
    "p=0 on the true class is infinite"
)


# --------------------------------------------------------------------------- data checks


def _sklearn_hard_binary(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    """scikit-learn's log_loss binarises labels: no soft labels, no multi-label columns."""
    import numpy as np

    y_true, y_pred = arrays.get("y_true"), arrays.get("y_pred")
    if y_pred is not None and y_pred.ndim == 2 and y_pred.shape[1] > 1:
        raise LossCliError(
            "scikit-learn's log_loss has no multi-label form: give one probability column",
            role="y_pred",
            hint="drop convention=sklearn for multi-label columns",
        )
    if y_true is not None and not np.isin(y_true, (0.0, 1.0)).all():
        raise LossCliError(
            "scikit-learn's log_loss takes hard labels, not soft targets",
            role="y_true",
            hint="drop convention=sklearn for soft labels",
        )


def _sklearn_hard_classes(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    """scikit-learn's log_loss takes class labels: soft-label rows cannot be given to it."""
    import numpy as np

    y_true = arrays.get("y_true")
    if y_true is not None and y_true.ndim == 2 and y_true.shape[1] > 1 and not np.isin(y_true, (0.0, 1.0)).all():
        raise LossCliError(
            "scikit-learn's log_loss takes class labels, not soft-label rows",
            role="y_true",
            hint="drop convention=sklearn for soft labels",
        )


def _sklearn_one_output(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    """scikit-learn's root_mean_squared_error averages one root per output column."""
    y_pred = arrays.get("y_pred")
    if y_pred is not None and y_pred.ndim == 2 and y_pred.shape[1] > 1:
        raise LossCliError(
            "scikit-learn's root_mean_squared_error takes one root per output column and averages them "
            "(multioutput='uniform_average'); losscli's rmse takes one root over every element",
            role="y_pred",
            hint="give one column, or drop convention=sklearn",
        )


def _sklearn_one_level(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    """scikit-learn's mean_pinball_loss scores every column at one alpha."""
    if isinstance(params.get("q"), tuple):
        raise LossCliError(
            "scikit-learn's mean_pinball_loss takes one alpha: convention=sklearn scores one quantile level",
            hint="give one q, or drop convention=sklearn to score each column at its own level",
        )


def _sklearn_no_ignore(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    if params.get("ignore_index") is not None:
        raise LossCliError(
            "scikit-learn's log_loss cannot leave rows out: convention=sklearn takes no ignore_index",
            hint="drop the ignored rows first, or drop convention=sklearn",
        )


def _sklearn_weighted(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    if params.get("smoothing", 0.0) > 0:
        raise LossCliError(
            "scikit-learn's log_loss has no label smoothing: convention=sklearn needs smoothing=0",
            hint="drop smoothing= or convention=sklearn",
        )
    _sklearn_hard_classes(params, arrays)


def _optax_triplet(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    p = params.get("p", 2.0)
    if params.get("swap"):
        raise LossCliError("optax's triplet_margin_loss has no swap: convention=optax needs swap=false")
    if not (math.isfinite(p) and p.is_integer() and p % 2 == 0):
        raise LossCliError(
            f"optax's triplet_margin_loss raises raw differences to the power p without an absolute "
            f"value, a distance only for even p; p={p:g} is not reproduced",
            hint="use an even p (the default is 2)",
        )


def _keras_focal_alpha(params: dict[str, Any], arrays: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Keras' BinaryFocalCrossentropy ignores alpha unless apply_class_balancing=True;
    CategoricalFocalCrossentropy applies it. A binary layout with losscli's default alpha
    therefore has no alpha in Keras."""
    y_pred = arrays.get("y_pred")
    binary = y_pred is not None and (y_pred.ndim == 1 or y_pred.shape[1] == 1)
    if binary and params.get("alpha") == defaults.get("alpha"):
        return {**params, "alpha": -1.0}
    return params


# --------------------------------------------------------------------------- the table


def _torch(loss: str, reference: str, difference: str = "same as losscli", **kw: Any) -> Convention:
    kw.setdefault("reduction", TORCH_MEAN)
    return Convention(loss, "torch", reference, difference, **kw)


def _keras(loss: str, reference: str, difference: str = "same as losscli", **kw: Any) -> Convention:
    kw.setdefault("reduction", KERAS_MEAN)
    kw.setdefault("weighted_mean", ROWS)
    kw["caveats"] = (*kw.get("caveats", ()), KERAS_FLOAT32)
    return Convention(loss, "keras", reference, difference, **kw)


def _sklearn(loss: str, reference: str, difference: str = "same as losscli", **kw: Any) -> Convention:
    kw.setdefault("reduction", SKLEARN_MEAN)
    kw.setdefault("weighted_mean", WEIGHTS)
    return Convention(loss, "sklearn", reference, difference, **kw)


def _optax(loss: str, reference: str, difference: str = "same as losscli", **kw: Any) -> Convention:
    kw.setdefault("reduction", OPTAX_NONE)
    return Convention(loss, "optax", reference, difference, **kw)


def _monai(loss: str, reference: str, difference: str = "same as losscli", **kw: Any) -> Convention:
    kw.setdefault("reduction", MONAI_MEAN)
    return Convention(loss, "monai", reference, difference, **kw)


_ENTRIES: tuple[Convention | Missing, ...] = (
    # ------------------------------------------------------------------ regression
    _torch("mse", "torch.nn.MSELoss (torch/nn/modules/loss.py)", defaults="reduction='mean'",
           labels="targets of the prediction's shape ((N,1) against (N,) broadcasts to (N,N) with a warning)"),
    _keras("mse", "keras.losses.MeanSquaredError (keras/src/losses/losses.py)", defaults="reduction='sum_over_batch_size'"),
    _sklearn("mse", "sklearn.metrics.mean_squared_error (sklearn/metrics/_regression.py)",
             defaults="multioutput='uniform_average'"),
    _optax("mse", "optax.losses.squared_error (optax/losses/_regression.py)",
           "same per element; optax's l2_loss is half of it", defaults="no reduction"),
    Missing("mse", "monai", "MONAI has no plain MSE loss of its own (it uses torch.nn.MSELoss)"),

    _torch("mae", "torch.nn.L1Loss (torch/nn/modules/loss.py)", defaults="reduction='mean'"),
    _keras("mae", "keras.losses.MeanAbsoluteError (keras/src/losses/losses.py)"),
    _sklearn("mae", "sklearn.metrics.mean_absolute_error (sklearn/metrics/_regression.py)"),
    Missing("mae", "optax", "optax has no absolute-error loss (optax/losses/_regression.py)"),

    _torch("huber", "torch.nn.HuberLoss (torch/nn/modules/loss.py)", defaults="delta=1.0",
           formula="0.5 e^2 if |e| < delta else delta (|e| - 0.5 delta)"),
    _keras("huber", "keras.losses.Huber (keras/src/losses/losses.py)",
           "same values (Keras switches at |e| <= delta, where both forms agree)", defaults="delta=1.0",
           formula="0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2"),
    _optax("huber", "optax.losses.huber_loss (optax/losses/_regression.py)", defaults="delta=1.0",
           formula="0.5 min(|e|, delta)^2 + delta (|e| - min(|e|, delta))"),
    Missing("huber", "sklearn", "scikit-learn has no Huber metric (HuberRegressor is a model, not a loss function)"),

    _torch("smooth_l1", "torch.nn.SmoothL1Loss (torch/nn/modules/loss.py)", defaults="beta=1.0"),
    Missing("smooth_l1", "keras", "Keras has no SmoothL1 loss; its Huber equals smooth_l1 only at beta=1 (use huber)"),
    Missing("smooth_l1", "optax", "optax has no SmoothL1 loss; huber_loss equals smooth_l1 only at beta=1 (use huber)"),

    _keras("log_cosh", "keras.losses.LogCosh (keras/src/losses/losses.py)",
           formula="x + softplus(-2x) - log 2, x = y_pred - y_true",
           caveats=(LOG_COSH_CANCELS.format(library="Keras", formula="x + softplus(-2x) - log 2"),)),
    _optax("log_cosh", "optax.losses.log_cosh (optax/losses/_regression.py)", formula="logaddexp(x, -x) - log 2",
           caveats=(LOG_COSH_CANCELS.format(library="optax", formula="logaddexp(x, -x) - log 2"),)),
    Missing("log_cosh", "torch", "PyTorch has no log-cosh loss in torch.nn"),

    _sklearn("rmse", "sklearn.metrics.root_mean_squared_error (sklearn/metrics/_regression.py, >= 1.4)",
             "same for one column; for several, scikit-learn averages one root per column (refused here)",
             check=_sklearn_one_output, defaults="multioutput='uniform_average'",
             formula="mean over columns of sqrt(mean over rows of e^2)"),
    Missing("rmse", "keras", "Keras has RootMeanSquaredError only as a metric, not as a loss"),
    Missing("rmse", "torch", "PyTorch has no RMSE loss (take the root of MSELoss)"),

    _keras("msle", "keras.losses.MeanSquaredLogarithmicError (keras/src/losses/losses.py)",
           "values below 1e-7 are raised to 1e-7 before log(1 + value): negative values count as 0",
           fixed={"floor": KERAS_EPSILON}, formula="mean((log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1))^2)",
           clipping="values floored at 1e-7"),
    _sklearn("msle", "sklearn.metrics.mean_squared_log_error (sklearn/metrics/_regression.py)",
             labels="values must be greater than -1 (an error otherwise)"),

    _keras("mape", "keras.losses.MeanAbsolutePercentageError (keras/src/losses/losses.py)",
           formula="100 mean(|y_true - y_pred| / max(|y_true|, 1e-7))", clipping="divisor floored at 1e-7"),
    _sklearn("mape", "sklearn.metrics.mean_absolute_percentage_error (sklearn/metrics/_regression.py)",
             "a fraction, not a percent, and the divisor is floored at machine epsilon (2.22e-16) instead of 1e-7",
             fixed={"percent": False, "floor": MACHINE_EPS}, formula="mean(|y_true - y_pred| / max(|y_true|, 2.22e-16))",
             clipping="divisor floored at 2.22e-16"),

    _sklearn("quantile", "sklearn.metrics.mean_pinball_loss (sklearn/metrics/_regression.py)",
             "same for one level; scikit-learn takes one alpha, so several levels are refused here",
             check=_sklearn_one_level, defaults="alpha=0.5 (our q)"),

    _torch("poisson", "torch.nn.PoissonNLLLoss (torch/nn/modules/loss.py)",
           defaults="log_input=True, full=False, eps=1e-8"),
    _keras("poisson", "keras.losses.Poisson (keras/src/losses/losses.py)",
           "takes rates and adds 1e-7 inside the log (eps=1e-7 instead of PyTorch's 1e-8)",
           fixed={"eps": KERAS_EPSILON, "log_input": False}, formula="mean(y_pred - y_true log(y_pred + 1e-7))"),
    _sklearn("poisson", "sklearn.metrics.mean_poisson_deviance (sklearn/metrics/_regression.py)",
             "reports the deviance 2 (y log(y / mu) - y + mu), which is 0 for a perfect prediction, not the "
             "negative log-likelihood", fixed={"deviance": True, "log_input": False},
             formula="mean(2 (y log(y / mu) - y + mu))",
             labels="y_true >= 0 and predicted means mu > 0"),

    _torch("gaussian_nll", "torch.nn.GaussianNLLLoss (torch/nn/modules/loss.py)", defaults="full=False, eps=1e-6"),

    # ------------------------------------------------------------------ classification
    _torch("bce", "torch.nn.BCELoss / BCEWithLogitsLoss (aten/src/ATen/native/Loss.cpp)",
           "probabilities are not clipped; each log is capped at -100 instead (a confident miss costs 100, "
           "not 16.118); logits as losscli (BCEWithLogitsLoss)",
           fixed={"eps": 0.0, "log_floor": -100.0}, defaults="reduction='mean', weight=None, pos_weight=None",
           formula="-mean(w [y max(log p, -100) + (1 - y) max(log(1 - p), -100)])",
           clipping="none; logs capped at -100 (BCELoss), exact log-sigmoid (BCEWithLogitsLoss)",
           labels="targets in [0, 1] (BCEWithLogitsLoss silently accepts others)", weighted_mean=ROWS),
    _keras("bce", "keras.losses.BinaryCrossentropy (keras/src/losses/losses.py)",
           "same clipping as losscli (1e-7, losscli's default)", defaults="from_logits=False, label_smoothing=0.0",
           clipping=KERAS_CLIP, labels="0/1 or soft targets; label_smoothing moves them towards 0.5 (smoothing=)",
           caveats=("Keras' float32 clipping is asymmetric: 1 - 1e-7 rounds to 0.99999988, so a 0 label at p=1 "
                    "costs 15.942 in Keras, 16.118 here.",
                    "On the numpy backend from_logits applies a sigmoid and then clips (not exact for |logit| > 16).")),
    _sklearn("bce", "sklearn.metrics.log_loss (sklearn/metrics/_classification.py)",
             "probabilities clipped at machine epsilon (2.22e-16), not 1e-7: a confident miss costs 36.04",
             fixed={"eps": MACHINE_EPS}, check=_sklearn_hard_binary, clipping=SKLEARN_CLIP,
             labels="any two labels, binarised (the larger is positive); no soft or multi-label targets"),
    _optax("bce", "optax.losses.sigmoid_binary_cross_entropy (optax/losses/_classification.py)",
           "takes logits; probabilities are read as their log-odds, so nothing is clipped", fixed={"eps": 0.0},
           formula="-y log_sigmoid(x) - (1 - y) log_sigmoid(-x)", labels="0/1 or soft targets"),
    Missing("bce", "monai", "MONAI has no binary cross-entropy of its own (it uses torch.nn.BCEWithLogitsLoss)"),

    _torch("cce", "torch.nn.CrossEntropyLoss / NLLLoss (aten/src/ATen/native/LossNLL.cpp)",
           "no clipping: probabilities enter as log p (NLLLoss), so p=0 on the true class is infinite; logits "
           "as losscli", fixed={"eps": 0.0}, defaults="reduction='mean', weight=None, label_smoothing=0.0",
           clipping="none (takes logits or log-probabilities)",
           labels="class indices, or class probabilities of the prediction's shape",
           caveats=(ZERO_LABEL_AT_ZERO.format(library="PyTorch", function="CrossEntropyLoss with one-hot or "
                                              "soft-label columns (class indices are not affected)"),)),
    _keras("cce", "keras.losses.CategoricalCrossentropy (keras/src/backend/*/nn.py categorical_crossentropy)",
           "rows are divided by their sum (never rejected), then clipped to [1e-7, 1 - 1e-7]: a certain correct "
           "prediction costs 1e-7, not 0", fixed={"normalize": True, "clip_upper": True},
           defaults="from_logits=False, label_smoothing=0.0, axis=-1", formula="-sum y log(clip(p / sum p))",
           clipping=KERAS_CLIP + " after dividing each row by its sum", labels="one-hot or soft columns"),
    _sklearn("cce", "sklearn.metrics.log_loss (sklearn/metrics/_classification.py)",
             "clipped to [2.22e-16, 1 - 2.22e-16] instead of [1e-7, 1]", fixed={"eps": MACHINE_EPS, "clip_upper": True},
             check=_sklearn_hard_classes, clipping=SKLEARN_CLIP,
             labels="class labels (any hashable, sorted); rows not summing to 1 only warn (>= 1.5)"),
    _optax("cce", "optax.losses.softmax_cross_entropy (optax/losses/_classification.py)",
           "takes logits: " + FROM_PROBABILITIES.removeprefix("takes logits: "), fixed={"eps": 0.0},
           labels="one-hot or soft rows",
           caveats=(ZERO_LABEL_AT_ZERO.format(library="optax", function="softmax_cross_entropy (its "
                                              "safe_softmax_cross_entropy counts 0, as here)"),)),

    _torch("sparse_cce", "torch.nn.CrossEntropyLoss (aten/src/ATen/native/LossNLL.cpp)",
           "no clipping (log p of probabilities, or logits); rows labelled -100 are left out by default",
           fixed={"eps": 0.0}, library_defaults={"ignore_index": -100}, defaults="ignore_index=-100",
           clipping="none (takes logits or log-probabilities)",
           labels="class indices; the mean divides by the rows kept"),
    _keras("sparse_cce", "keras.losses.SparseCategoricalCrossentropy (keras/src/backend/*/nn.py)",
           "rows divided by their sum, then clipped to [1e-7, 1 - 1e-7]", fixed={"normalize": True, "clip_upper": True},
           defaults="from_logits=False, ignore_class=None", clipping=KERAS_CLIP + " after dividing each row by its sum",
           labels="integer classes; ignore_class rows are masked and the mean divides by the valid rows",
           caveats=("Keras divides by the valid rows plus 1e-7 (apply_mask in keras/src/losses/loss.py: "
                    "total / (valid + epsilon)): values differ from losscli's by about 1e-7 / valid relative, "
                    "and a batch where every row is ignored gives 0 in Keras, no value (NaN) here.",)),
    _sklearn("sparse_cce", "sklearn.metrics.log_loss (sklearn/metrics/_classification.py)",
             "clipped to [2.22e-16, 1 - 2.22e-16] instead of [1e-7, 1]; no ignored rows",
             fixed={"eps": MACHINE_EPS, "clip_upper": True}, check=_sklearn_no_ignore, clipping=SKLEARN_CLIP,
             labels="class labels"),
    _optax("sparse_cce", "optax.losses.softmax_cross_entropy_with_integer_labels (optax/losses/_classification.py)",
           FROM_PROBABILITIES, fixed={"eps": 0.0}, formula="logsumexp(x) - x_y", labels="integer classes"),

    _torch("label_smoothing_ce", "torch.nn.CrossEntropyLoss(label_smoothing=s) (aten/src/ATen/native/LossNLL.cpp)",
           "no clipping (log p of probabilities, or logits)", fixed={"eps": 0.0},
           defaults="label_smoothing=0.0 (set it)", clipping="none",
           formula="(1 - s) NLL + (s / C) sum_c -log p_c"),
    _keras("label_smoothing_ce", "keras.losses.CategoricalCrossentropy(label_smoothing=s) (keras/src/losses/losses.py)",
           "rows divided by their sum, then clipped to [1e-7, 1 - 1e-7]", fixed={"normalize": True, "clip_upper": True},
           defaults="label_smoothing=0.0 (set it)", formula="-sum (y (1 - s) + s / C) log(clip(p / sum p))",
           clipping=KERAS_CLIP, labels="one-hot or soft columns (SparseCategoricalCrossentropy has no smoothing)"),
    _optax("label_smoothing_ce", "optax.losses.smooth_labels + softmax_cross_entropy (optax/losses/_smoothing.py)",
           FROM_PROBABILITIES, fixed={"eps": 0.0}, formula="-sum ((1 - s) y + s / C) log_softmax(x)"),

    _torch("weighted_ce", "torch.nn.CrossEntropyLoss(weight=w) (aten/src/ATen/native/LossNLL.cpp)",
           "no clipping (log p of probabilities, or logits); otherwise losscli's definition", fixed={"eps": 0.0},
           defaults="weight=None, label_smoothing=0.0", clipping="none",
           formula="sum_n [(1-s) w_y L_n + (s/C) sum_c w_c (-log p_nc)] / sum_n w_y"),
    _keras("weighted_ce", "Model.fit(class_weight=w) with keras.losses.CategoricalCrossentropy (keras/src/losses/loss.py)",
           "class weights become per-row sample weights: the weighted sum is divided by the row count, and with "
           "smoothing the whole row is weighted by its true class",
           fixed={"mean_over": "rows", "smoothing_weight": "true_class", "normalize": True, "clip_upper": True},
           formula="sum_n w_y ((1 - s) L_n + (s/C) sum_c -log p_nc) / N",
           clipping=KERAS_CLIP + " after dividing each row by its sum",
           caveats=("Keras' reduction='mean_with_sample_weight' divides by the weights instead: that is "
                    "mean_over=weights,smoothing_weight=true_class without a convention.",)),
    _sklearn("weighted_ce", "sklearn.metrics.log_loss(sample_weight=w[y]) (sklearn/metrics/_classification.py)",
             "clipped to [2.22e-16, 1 - 2.22e-16]; no label smoothing", fixed={"eps": MACHINE_EPS, "clip_upper": True},
             check=_sklearn_weighted, clipping=SKLEARN_CLIP,
             formula="sum_n w_y L_n / sum_n w_y (np.average with the class weights as sample weights)",
             labels="class labels; balanced weights = compute_sample_weight('balanced')"),
    Missing("weighted_ce", "optax", "optax's cross-entropies take no class weights"),

    _keras("hinge", "keras.losses.Hinge (keras/src/losses/losses.py)",
           labels="-1/1; 0/1 converted to -1/1 when every label of the batch is 0 or 1",
           caveats=("Keras converts 0/1 labels only when every label of the batch is 0 or 1; a batch mixing "
                    "-1, 0 and 1 is used as given. losscli reads 0 as -1 row by row.",)),
    _sklearn("hinge", "sklearn.metrics.hinge_loss (binary) (sklearn/metrics/_classification.py)",
             labels="any two labels, binarised to -1/1 (LabelBinarizer(neg_label=-1))",
             caveats=("scikit-learn fits the LabelBinarizer on the labels it is given: when they are all the "
                      "same (one row, or a batch of one class) it reads every one as the negative class -1, "
                      "so hinge_loss([1], [0.3]) is 1.3 where losscli gives 0.7. losscli reads each label "
                      "as given.",)),
    _optax("hinge", "optax.losses.hinge_loss (optax/losses/_classification.py)",
           "labels are used as given (strictly -1/1 expected): a 0 label costs 1 instead of being read as -1",
           fixed={"map_zero": False}, formula="max(0, 1 - s t)", labels="-1/1 only, not converted"),
    Missing("hinge", "torch", "PyTorch has no binary SVM hinge loss (HingeEmbeddingLoss is a different loss on "
            "distances; MultiMarginLoss is the multiclass form)"),

    _keras("squared_hinge", "keras.losses.SquaredHinge (keras/src/losses/losses.py)",
           labels="-1/1; 0/1 converted when every label of the batch is 0 or 1",
           caveats=("As for hinge: the 0/1 conversion is decided per batch in Keras, per row here.",)),
    Missing("squared_hinge", "sklearn", "scikit-learn has no squared-hinge metric (LinearSVC(loss='squared_hinge') "
            "is a model)"),
    Missing("squared_hinge", "optax", "optax has no squared hinge loss"),
    Missing("squared_hinge", "torch", "PyTorch has no binary squared hinge loss (MultiMarginLoss(p=2) is multiclass)"),

    _torch("categorical_hinge", "torch.nn.MultiMarginLoss(p=1, margin=1) (aten/src/ATen/native/LossMultiMargin.cpp)",
           "Weston-Watkins form: the sum of the margin violations over every wrong class, divided by C (incl. "
           "the true class), instead of the worst wrong class", fixed={"form": "weston_watkins"},
           defaults="p=1, margin=1.0, weight=None", formula="sum_{j != y} max(0, 1 - s_y + s_j) / C",
           labels="class indices"),
    _keras("categorical_hinge", "keras.losses.CategoricalHinge (keras/src/losses/losses.py)",
           "the max runs over (1 - y) s, where the true class counts as 0: when every wrong score is negative "
           "the loss is max(0, 1 - s_y) instead of max(0, 1 + max_{j != y} s_j - s_y) (keras-team/keras#8083)",
           fixed={"form": "keras"},
           formula="max(0, 1 + max_j (1 - y_j) s_j - sum_j y_j s_j)", labels="one-hot rows"),
    _sklearn("categorical_hinge", "sklearn.metrics.hinge_loss (multiclass, Crammer-Singer) "
             "(sklearn/metrics/_classification.py)", labels="class labels, at least 3 classes",
             caveats=("With exactly two classes scikit-learn treats the scores as binary and needs one column.",)),
    _optax("categorical_hinge", "optax.losses.multiclass_hinge_loss (optax/losses/_classification.py)",
           formula="max_j (s_j + 1 - [j = y]) - s_y", labels="integer classes"),

    _torch("kl_div", "torch.nn.KLDivLoss (torch/nn/modules/loss.py)",
           "the default reduction='mean' divides by rows x classes (reduction='batchmean' is losscli's mean); "
           "no clipping: q=0 under p>0 is infinite", fixed={"eps": 0.0, "per_element": True},
           defaults="reduction='mean', log_target=False (input: log q)",
           formula="sum p (log p - log q) / (N C)", clipping="none (takes log-probabilities)",
           labels="target probabilities; 0 terms count 0 where q > 0",
           caveats=("PyTorch computes xlogy(p, p) - p log q: where p = 0 and q = 0 (log q = -inf) that is "
                    "0 x -inf = NaN; losscli counts the term as 0.",)),
    _keras("kl_div", "keras.losses.KLDivergence (keras/src/losses/losses.py)",
           "the true probabilities are clipped to [1e-7, 1] as well: a true 0 adds 1e-7 log(1e-7 / q)",
           fixed={"clip_target": True}, formula="sum clip(p) log(clip(p) / clip(q)), clip to [1e-7, 1]",
           clipping="both inputs clipped to [1e-7, 1]"),
    _optax("kl_div", "optax.losses.kl_divergence(log_predictions, targets) (optax/losses/_classification.py)",
           "takes log-probabilities: no clipping, q=0 under p>0 is infinite", fixed={"eps": 0.0},
           formula="sum p (log p - log q) per row", clipping="none",
           caveats=("optax computes p (where(p == 0, 0, log p) - log q): where p = 0 and q = 0 (log q = -inf) "
                    "that is 0 x -inf = NaN; losscli counts the term as 0.",)),
    Missing("kl_div", "sklearn", "scikit-learn has no KL divergence (scipy.special.rel_entr is the scipy form)"),

    _torch("focal", "torchvision.ops.sigmoid_focal_loss (torchvision/ops/focal_loss.py)",
           "takes logits (probabilities read as their log-odds, unclipped); several columns are scored "
           "one-vs-rest against one-hot labels (RetinaNet), not with a softmax",
           fixed={"eps": 0.0, "multiclass": "sigmoid"}, defaults="alpha=0.25, gamma=2, reduction='none'",
           reduction="reduction='none' by default; the mean over every element is what training uses",
           formula="alpha_t (1 - p_t)^gamma BCEWithLogits(x, y) per element", clipping="none",
           labels="0/1 per element; alpha < 0 disables alpha"),
    _keras("focal", "keras.losses.BinaryFocalCrossentropy / CategoricalFocalCrossentropy (keras/src/losses/losses.py)",
           "binary: alpha is ignored unless apply_class_balancing=True; logits go through a sigmoid/softmax and "
           "are then clipped; multiclass rows are divided by their sum and clipped to [1e-7, 1 - 1e-7], the "
           "modulating term included",
           fixed={"clip_logits": True, "normalize": True, "clip_upper": True}, adjust=_keras_focal_alpha,
           defaults="binary: apply_class_balancing=False, alpha=0.25, gamma=2.0; categorical: alpha=0.25, gamma=2.0",
           clipping=KERAS_CLIP + " (logits are turned into probabilities first)",
           labels="binary 0/1; categorical one-hot",
           caveats=("In the binary layout losscli's default alpha stands for apply_class_balancing=False (no "
                    "alpha); any other alpha stands for apply_class_balancing=True with that alpha.",
                    "tensorflow/tensorflow#61519: Keras' binary alpha is ignored without apply_class_balancing.")),
    _optax("focal", "optax.losses.sigmoid_focal_loss (optax/losses/_classification.py)",
           "takes logits (probabilities read as their log-odds, unclipped); no alpha by default; several columns "
           "are scored one-vs-rest", fixed={"eps": 0.0, "multiclass": "sigmoid"}, library_defaults={"alpha": -1.0},
           defaults="alpha=None, gamma=2.0", formula="CE(x, y) exp(gamma log(1 - p_t)) [alpha_t]", clipping="none"),
    _monai("focal", "monai.losses.FocalLoss (monai/losses/focal_loss.py)",
           "takes logits (probabilities read as their log-odds, unclipped); no alpha by default; several columns "
           "are scored one-vs-rest with a sigmoid (use_softmax=False)", fixed={"eps": 0.0, "multiclass": "sigmoid"},
           library_defaults={"alpha": -1.0}, defaults="gamma=2.0, alpha=None, use_softmax=False, include_background=True",
           formula="(x - x t - logsigmoid(x)) exp(gamma logsigmoid(-x (2t - 1))) [alpha_t]", clipping="none",
           reduction="reduction='mean' over every element"),
    Missing("focal", "sklearn", "scikit-learn has no focal loss"),

    # ------------------------------------------------------------------ ranking
    _torch("triplet", "torch.nn.TripletMarginLoss (aten/src/ATen/native/Distance.cpp pairwise_distance)",
           defaults="margin=1.0, p=2.0, eps=1e-6, swap=False", formula="max(||a - p + eps||_p - ||a - n + eps||_p + margin, 0)"),
    _optax("triplet", "optax.losses.triplet_margin_loss (optax/losses/_self_supervised.py)",
           "eps goes inside the root, (sum d^p + eps)^(1/p): identical embeddings are eps^(1/p) = 0.001 apart, "
           "not 1.4e-6", fixed={"eps_placement": "root"}, check=_optax_triplet,
           defaults="norm_degree=2, margin=1.0, eps=1e-6 (no swap)",
           formula="max((sum (a - p)^p + eps)^(1/p) - (sum (a - n)^p + eps)^(1/p) + margin, 0)"),
    Missing("triplet", "keras", "Keras has no triplet loss (its metric-learning loss is Circle)"),
    Missing("triplet", "sklearn", "scikit-learn has no triplet loss"),
    Missing("triplet", "monai", "MONAI has no triplet loss"),

    _torch("cosine_embedding", "torch.nn.CosineEmbeddingLoss (aten/src/ATen/native/Loss.cpp)",
           "a label of 0 matches neither case and costs 0 (still counted in the mean); losscli reads 0 as -1",
           fixed={"map_zero": False}, defaults="margin=0.0",
           labels="1 or -1; any other value silently costs 0 (verified)"),
    Missing("cosine_embedding", "keras", "Keras' CosineSimilarity loss is -cos(y_true, y_pred), without labels or margin"),
    Missing("cosine_embedding", "optax", "optax's cosine_distance is 1 - cos, without labels or margin"),
    Missing("cosine_embedding", "sklearn", "scikit-learn has no cosine embedding loss"),

    Missing("contrastive", "torch", "PyTorch has no contrastive pair loss in torch.nn"),
    Missing("contrastive", "keras", "Keras core has no contrastive pair loss (keras-io's siamese example and "
            "tensorflow-addons define their own)"),
    Missing("contrastive", "optax", "optax has no contrastive pair loss (ntxent is a different, batch-wise loss)"),
    Missing("contrastive", "monai", "MONAI's ContrastiveLoss is the batch-wise NT-Xent (SimCLR) loss, not the pair loss"),

    # ------------------------------------------------------------------ sequence
    _torch("ctc", "torch.nn.CTCLoss (aten/src/ATen/native/LossCTC.cpp)",
           defaults="blank=0, reduction='mean', zero_infinity=False",
           formula="mean_n(-log p(y_n | x_n) / max(|y_n|, 1))", labels="log-probabilities (T, N, C), padded targets"),
    _keras("ctc", "keras.losses.CTC / keras.losses.ctc (keras/src/losses/losses.py)",
           "no division by the target length: the batch mean of the raw negative log-likelihood; class 0 is the "
           "blank (and the padding)", fixed={"length_norm": False, "blank": 0},
           formula="mean_n(-log p(y_n | x_n))", labels="logits (N, T, C) (log_softmax applied), targets padded with 0",
           caveats=("An infeasible alignment is inf on the torch backend (as here) but a large finite value on the "
                    "jax and numpy backends (optax's algorithm).",)),
    _optax("ctc", "optax.losses.ctc_loss (optax/losses/_classification.py)",
           "one value per sequence with no division by the target length; the mean is the caller's",
           fixed={"length_norm": False}, defaults="blank_id=0, log_epsilon=-1e5",
           labels="logits (B, T, K) with padding masks (log_softmax applied)",
           caveats=("An infeasible alignment gives a large finite value (about 1e5) in optax, inf here.",)),

    # ------------------------------------------------------------------ segmentation
    _monai("dice", "monai.losses.DiceLoss (monai/losses/dice.py)",
           "same as losscli: smooth_nr = smooth_dr = 1e-5; per image with --sample-col (batch=False)",
           defaults="smooth_nr=1e-5, smooth_dr=1e-5, batch=False, include_background=True",
           formula="1 - (2I + 1e-5) / (P + T + 1e-5) per sample and class", reduction=MONAI_MEAN,
           caveats=("DiceLoss(weight=w) multiplies each class loss by w and divides by C, which equals losscli's "
                    "weighted mean only when the weights sum to C.",)),
    _keras("dice", "keras.losses.Dice(axis=None) (keras/src/losses/losses.py)",
           "1e-7 in the denominator only, no numerator smoothing, and every axis pooled into one ratio: all "
           "rows, samples and classes together", fixed={"smooth": 0.0, "smooth_dr": KERAS_EPSILON, "pool_classes": True},
           pools_samples=True, weighted_mean=UNWEIGHTED, defaults="axis=None",
           formula="1 - 2 sum(y p) / (sum y + sum p + 1e-7) over everything",
           reduction="axis=None: one ratio over the whole batch (axis=(1, 2, 3) gives per-image values)",
           clipping="1e-7 added to the denominator",
           caveats=("An empty truth with an empty prediction gives loss 1 in Keras (0 / 1e-7), 0 in losscli's "
                    "default.",)),
    _optax("dice", OPTAX_DICE,
           "1 - (I + 1) / (I + (FP + FN) / 2 + 1): smooth=1 on I is smooth=2 on 2I here, instead of 1e-5",
           library_defaults={"smooth": 2.0},
           defaults="smooth=1.0, alpha=0.5, beta=0.5, apply_softmax=True, reduction='mean' (over classes), "
                    "per sample",
           formula="1 - (2I + 2) / (P + T + 2) per sample and class, mean over classes",
           reduction="one value per sample (first axis), mean over classes",
           caveats=(OPTAX_SMOOTH_DOUBLED, OPTAX_BEFORE_0_2_8, OPTAX_SOFTMAX, OPTAX_CLASS_WEIGHTS)),
    Missing("dice", "torch", "PyTorch has no Dice loss (MONAI, built on PyTorch, has DiceLoss)"),
    Missing("dice", "sklearn", "scikit-learn has no soft Dice loss; on hard 0/1 masks 1 - f1_score equals dice with "
            "smooth=0"),

    _monai("iou", "monai.losses.DiceLoss(jaccard=True) (monai/losses/dice.py)",
           "MONAI writes 1 - (2I + s) / (2(P + T - I) + s), which is losscli's form with half the smoothing "
           "(smooth=5e-6)", library_defaults={"smooth": 5e-6}, defaults="jaccard=True, smooth_nr=smooth_dr=1e-5",
           formula="1 - (2I + 1e-5) / (2 (P + T - I) + 1e-5)",
           caveats=("A smooth set here is losscli's: MONAI's smooth_nr = smooth_dr = s is smooth = s / 2.",)),
    Missing("iou", "keras", "Keras has IoU metrics on thresholded predictions, no soft Jaccard loss"),
    _optax("iou", OPTAX_DICE.replace("dice_loss", "dice_loss(alpha=1, beta=1)"),
           "smooth=1.0 in numerator and denominator instead of 1e-5", library_defaults={"smooth": 1.0},
           defaults="smooth=1.0 (set alpha=1, beta=1), apply_softmax=True, reduction='mean' (over classes), "
                    "per sample",
           formula="1 - (I + 1) / (P + T - I + 1) per sample and class, mean over classes",
           reduction="one value per sample (first axis), mean over classes",
           caveats=(OPTAX_BEFORE_0_2_8, OPTAX_SOFTMAX, OPTAX_CLASS_WEIGHTS)),
    Missing("iou", "torch", "PyTorch has no soft IoU loss (torchvision's IoU losses are for boxes)"),
    Missing("iou", "sklearn", "scikit-learn has no soft Jaccard loss; on hard 0/1 masks 1 - jaccard_score equals iou "
            "with smooth=0"),

    _monai("tversky", "monai.losses.TverskyLoss (monai/losses/tversky.py)",
           "same as losscli: alpha weights false positives, beta false negatives, smoothing 1e-5",
           defaults="alpha=0.5, beta=0.5, smooth_nr=smooth_dr=1e-5, batch=False"),
    _keras("tversky", "keras.losses.Tversky, released Keras <= 3.15 (keras/src/losses/losses.py)",
           "alpha prices false negatives and beta false positives (contrary to the docs; fixed for 3.16 by "
           "keras-team/keras PR #23333), 1e-7 in the denominator only, every axis pooled into one ratio",
           fixed={"alpha_weights": "false_negatives", "smooth": 0.0, "smooth_dr": KERAS_EPSILON, "pool_classes": True},
           pools_samples=True, weighted_mean=UNWEIGHTED, defaults="alpha=0.5, beta=0.5",
           formula="1 - I / (I + alpha FN + beta FP + 1e-7) over everything",
           reduction="one ratio over the whole batch", clipping="1e-7 added to the denominator",
           caveats=("Keras >= 3.16 applies alpha to false positives: that is losscli's tversky with smooth=0, "
                    "smooth_dr=1e-7, pool_classes=true.",)),
    _optax("tversky", OPTAX_DICE.replace("dice_loss", "dice_loss(alpha, beta)"),
           "smooth=1.0 in numerator and denominator instead of 1e-5; alpha prices false positives, as here",
           library_defaults={"smooth": 1.0},
           defaults="alpha=0.5, beta=0.5, smooth=1.0, apply_softmax=True, reduction='mean' (over classes), "
                    "per sample",
           formula="1 - (I + 1) / (I + alpha FP + beta FN + 1) per sample and class, mean over classes",
           reduction="one value per sample (first axis), mean over classes",
           caveats=(OPTAX_BEFORE_0_2_8, OPTAX_SOFTMAX, OPTAX_CLASS_WEIGHTS)),
    Missing("tversky", "torch", "PyTorch has no Tversky loss (MONAI, built on PyTorch, has TverskyLoss)"),
    Missing("tversky", "sklearn", "scikit-learn has no Tversky loss"),

    # ------------------------------------------------------------------ generative
    Missing("adversarial", "monai", "MONAI's PatchAdversarialLoss scores the real and the fake half in separate calls "
            "with its own activations (LeakyReLU before least squares); it is not reproduced"),
    Missing("perceptual", "monai", "MONAI's PerceptualLoss runs a pretrained network (LPIPS) on images; losscli "
            "compares feature columns you supply"),
    Missing("wasserstein_distance", "sklearn", "the 1-D earth mover's distance is scipy's (scipy.stats."
            "wasserstein_distance), which losscli follows; scikit-learn has none"),
)

CONVENTIONS: dict[tuple[str, str], Convention] = {
    (e.loss, e.library): e for e in _ENTRIES if isinstance(e, Convention)
}
MISSING: dict[tuple[str, str], str] = {(e.loss, e.library): e.reason for e in _ENTRIES if isinstance(e, Missing)}


def libraries(loss: str) -> tuple[str, ...]:
    """The libraries that define ``loss`` (canonical name), in LIBRARIES order."""
    return tuple(lib for lib in LIBRARIES if (loss, lib) in CONVENTIONS)


def supports(loss: str, library: str) -> bool:
    return (registry.get(loss).name, canonical_library(library)) in CONVENTIONS


def canonical_library(name: str | None) -> str:
    """'PyTorch' -> 'torch', 'scikit-learn' -> 'sklearn'; '' / 'none' -> '' (losscli's own)."""
    if name is None:
        return ""
    key = name.strip().lower()
    if key in OURS:
        return ""
    key = LIBRARY_ALIASES.get(key, key)
    if key not in LIBRARIES:
        close = difflib.get_close_matches(key, list(LIBRARIES) + list(LIBRARY_ALIASES), n=1, cutoff=0.6)
        suggestion = f"; did you mean '{LIBRARY_ALIASES.get(close[0], close[0])}'?" if close else ""
        raise LossCliError(f"unknown convention '{name}'{suggestion}", hint=f"conventions: {', '.join(LIBRARIES)}")
    return key


def missing_reason(loss: str, library: str) -> str:
    """Why ``library`` has no ``loss`` (a generic sentence where the table has none)."""
    return MISSING.get((loss, library), f"{LIBRARY_NAMES[library]} has no {loss} loss")


def lookup(loss: str, library: str) -> Convention:
    """The convention of ``library`` for ``loss``, or a LossCliError saying why there is none."""
    library = canonical_library(library)
    entry = CONVENTIONS.get((loss, library))
    if entry is None:
        offered = libraries(loss)
        raise LossCliError(
            f"convention '{library}' is not available for {loss}: {missing_reason(loss, library)}",
            hint=f"conventions of {loss}: {', '.join(offered)}" if offered else f"{loss} has only losscli's own convention",
        )
    return entry


# --------------------------------------------------------------------------- resolving parameters


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def resolve(
    loss: str,
    library: str,
    params: Mapping[str, Any],
    defaults: Mapping[str, Any],
    arrays: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The kernel parameters that reproduce ``library``'s definition of ``loss``.

    The library's defaults replace parameters still at losscli's default; the
    values its definition fixes replace everything, and a user value that
    contradicts one is an error. With ``arrays`` (inside the kernel) the
    library's input checks run and layout-dependent values are set.
    Resolving twice gives the same parameters.
    """
    entry = lookup(loss, library)
    out = {key: value for key, value in params.items() if key != "convention"}
    for key, value in entry.library_defaults.items():
        if out.get(key) == defaults.get(key):
            out[key] = value
    for key, value in entry.fixed.items():
        current = out.get(key, defaults.get(key))
        if current != value and current != defaults.get(key):
            raise LossCliError(
                f"{loss}:convention={entry.library} fixes {key}={_show(value)} ({entry.difference}); "
                f"{key}={_show(current)} contradicts it",
                hint=f"drop {key}= or the convention",
            )
        out[key] = value
    if arrays is not None:
        if entry.check is not None:
            entry.check(out, dict(arrays))
        if entry.adjust is not None:
            out = entry.adjust(out, dict(arrays), dict(defaults))
    return out


# --------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class ConventionParam(Param):
    """The ``convention`` parameter: its errors say why a library is not offered."""

    def validate(self, value: Any, loss: str) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise LossCliError(f"parameter 'convention' of loss '{loss}' must be a library name, got {value!r}")
        library = canonical_library(value)
        if not library:
            return None
        if library not in self.choices:
            lookup(loss, library)  # raises, with the reason
        return library


def convention_param(loss: str) -> ConventionParam:
    offered = libraries(loss)
    absent = [LIBRARY_NAMES[lib] for lib in LIBRARIES if lib not in offered]
    help_text = (
        "compute the loss as this library defines it (clipping, reduction, label reading); none = "
        "losscli's own convention"
    )
    if absent:
        help_text += f". Not available: {', '.join(absent)} (no such loss)"
    return ConventionParam("convention", str, None, help_text, choices=offered, allow_none=True)


def _resolving(
    function: Callable[..., Any] | None, loss: str, defaults: dict[str, Any], *, with_data: bool
) -> Callable[..., Any] | None:
    """``function`` taking a ``convention=`` keyword that it resolves into the other parameters."""
    if function is None:
        return None

    @functools.wraps(function)
    def call(*args: Any, convention: str | None = None, **kwargs: Any) -> Any:
        if convention:
            params = {k: v for k, v in kwargs.items() if k in defaults}
            data = {k: v for k, v in kwargs.items() if k not in defaults}
            params = resolve(loss, convention, params, defaults, data if with_data else None)
            kwargs = {**data, **params}
        return function(*args, **kwargs)

    return call


def loss(**declaration: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``registry.loss``, plus the ``convention`` parameter for a loss that some library defines.

    The module-level kernel stays the plain function; the registered spec gets
    the parameter and the resolving wrappers of kernel, finalize, finalize_sum, per_row
    and the per-row totals hooks.
    """
    name = declaration["name"]
    if not libraries(name):
        return registry.loss(**declaration)
    params = tuple(declaration.get("params", ()))
    defaults = {p.name: p.default for p in params}
    _check_entries(name, defaults)
    declared = {
        **declaration,
        "params": (*params, convention_param(name)),
        "finalize": _resolving(declaration.get("finalize"), name, defaults, with_data=False),
        "per_row": _resolving(declaration.get("per_row"), name, defaults, with_data=True),
        "finalize_sum": _resolving(declaration.get("finalize_sum"), name, defaults, with_data=False),
        "rows_need_totals": _resolving(declaration.get("rows_need_totals"), name, defaults, with_data=False),
        "row_params": _resolving(declaration.get("row_params"), name, defaults, with_data=False),
    }

    def register(kernel: Callable[..., Any]) -> Callable[..., Any]:
        registry.loss(**declared)(_resolving(kernel, name, defaults, with_data=True))
        return kernel

    return register


def _check_entries(name: str, defaults: Mapping[str, Any]) -> None:
    """A table entry may only set parameters the loss has (caught at import, not at run time)."""
    for library in libraries(name):
        entry = CONVENTIONS[(name, library)]
        unknown = sorted(set(entry.pinned) - set(defaults))
        if unknown:
            raise RuntimeError(f"convention {name}/{library} sets unknown parameters {unknown}")


# --------------------------------------------------------------------------- applying to bound losses


def _entry_of(bound: BoundLoss) -> Convention | None:
    library = bound.params.get("convention")
    return CONVENTIONS.get((bound.name, library)) if library else None


def apply(bound: BoundLoss, library: str | None = None) -> BoundLoss:
    """``bound`` computed as ``library`` defines it, with the effective parameters.

    A convention set in the loss's own spec string (``bce:convention=keras``)
    wins over ``library`` (the global ``--convention``), as a spec string's
    eps wins over ``--eps``. ``library`` None or '' keeps losscli's own
    convention but still materialises a spec-string convention, so the
    reported parameters are the ones the kernel uses. Raises LossCliError
    when the library has no such loss or a parameter contradicts it.
    """
    own = bound.params.get("convention")
    chosen = own or canonical_library(library)
    if not chosen:
        return bound
    lookup(bound.name, chosen)
    defaults = bound.spec.defaults()
    params = resolve(bound.name, chosen, bound.params, defaults)
    params["convention"] = chosen
    label = bound.label
    if not own:
        base = bound.label or bound.name
        label = f"{base}{',' if ':' in base else ':'}convention={chosen}"
    return BoundLoss(bound.spec, params, label, given=bound.given, chosen_by_task=bound.chosen_by_task)


def strip(bound: BoundLoss) -> BoundLoss:
    """``bound`` with its convention removed and the parameters that convention set
    back at losscli's defaults (a user value equal to a pinned one is lost, which the
    convention made moot anyway)."""
    entry = _entry_of(bound)
    if entry is None and not bound.params.get("convention"):
        return bound
    defaults = bound.spec.defaults()
    params = dict(bound.params)
    for key, value in (entry.pinned.items() if entry else ()):
        if params.get(key) == value:
            params[key] = defaults[key]
    if "convention" in params:
        params["convention"] = None
    label = bound.label.replace(f",convention={bound.params.get('convention')}", "").replace(
        f":convention={bound.params.get('convention')}", ""
    )
    return BoundLoss(bound.spec, params, label, given=bound.given, chosen_by_task=bound.chosen_by_task)


def weight_divisor(bound: BoundLoss) -> str:
    """What the weighted mean divides by under the bound's convention: 'weights'
    (sum(w l) / sum(w), losscli and scikit-learn) or 'rows' (sum(w l) / N, Keras'
    default reduction and PyTorch's per-element BCE weight).

    This is the one difference the kernels cannot express: the engine applies
    sample weights. For 'rows' the engine should keep the row count (or the
    kernel's own normaliser, unweighted) as the divisor; see compare_all for
    the arithmetic.
    """
    entry = _entry_of(bound)
    return ROWS if entry is not None and entry.weighted_mean == ROWS else WEIGHTS


def ignores_sample_weights(bound: BoundLoss) -> str | None:
    """The library of the bound's convention when it takes no sample weights
    for this loss (PyTorch's MSELoss): losscli still weights, as sum(w l) / sum(w)."""
    entry = _entry_of(bound)
    if entry is not None and entry.weighted_mean == UNWEIGHTED:
        return bound.params.get("convention")
    return None


def pools_samples(bound: BoundLoss) -> bool:
    """True when the bound's convention pools every row into one sample whatever
    --sample-col says (Keras' Dice and Tversky reduce over every axis)."""
    entry = _entry_of(bound)
    return entry is not None and entry.pools_samples


def sums_row_means(bound: BoundLoss) -> bool:
    """True when the bound's convention sums each row's mean where a row has
    several values (Keras: every loss averages over the last axis into one
    loss per sample, and reduction='sum' adds those). Otherwise a sum adds
    every element, as PyTorch's reduction='sum' does."""
    entry = _entry_of(bound)
    return entry is not None and entry.library == "keras"


def folding(losses: list[BoundLoss]) -> dict[str, frozenset[int]]:
    """The engine's ``evaluate`` arguments that carry the losses' conventions
    (``pooled``, ``weights_per_row``, ``sum_row_means``): the command line and
    the Python API both fold with them, so the two give the same value."""
    return {
        "pooled": frozenset(i for i, bound in enumerate(losses) if pools_samples(bound)),
        "weights_per_row": frozenset(i for i, bound in enumerate(losses) if weight_divisor(bound) == ROWS),
        "sum_row_means": frozenset(i for i, bound in enumerate(losses) if sums_row_means(bound)),
    }


# --------------------------------------------------------------------------- comparing conventions


@dataclass(frozen=True)
class Variant:
    """One convention of a loss: the bound loss to evaluate, or why there is none."""

    convention: str
    bound: BoundLoss | None
    entry: Convention | None
    reason: str = ""

    @property
    def library(self) -> str:
        return LIBRARY_NAMES[self.convention]


def variants(bound: BoundLoss) -> list[Variant]:
    """losscli's own convention first, then every library in LIBRARIES order.

    The bound's own convention (if any) is removed first, so every variant
    starts from the parameters the user wrote. A library without the loss, or
    whose fixed values contradict the user's parameters, has ``bound`` None
    and the reason.
    """
    base = strip(bound)
    out = [Variant("", base, None, "")]
    for library in LIBRARIES:
        if (bound.name, library) not in CONVENTIONS:
            out.append(Variant(library, None, None, missing_reason(bound.name, library)))
            continue
        entry = CONVENTIONS[(bound.name, library)]
        try:
            out.append(Variant(library, apply(base, library), entry))
        except LossCliError as error:
            out.append(Variant(library, None, entry, str(error)))
    return out


def compare_all(
    bound: BoundLoss,
    *,
    sample_weight: Any = None,
    sample_ids: Any = None,
    reduction: str = "mean",
    **arrays: Any,
) -> list[dict[str, Any]]:
    """``bound`` under every convention on the given role arrays (y_true=..., y_pred=...).

    One row per convention (losscli's first): ``convention``, ``library``,
    ``value`` (None when it is not a finite number or the library cannot
    compute it), ``difference``, ``reference``, ``params`` (effective), and
    ``note`` (why there is no value, or how weights / samples were treated).
    Sample weights follow each library's own weighted mean (weight_divisor);
    a library that pools samples ignores ``sample_ids``.
    """
    rows = []
    for variant in variants(bound):
        row: dict[str, Any] = {
            "convention": variant.convention,
            "library": variant.library,
            "value": None,
            "difference": variant.entry.difference if variant.entry else ("losscli's own definition" if not variant.convention else ""),
            "reference": variant.entry.reference if variant.entry else (bound.spec.reference if not variant.convention else ""),
            "params": None,
            "note": variant.reason or None,
        }
        if variant.bound is not None:
            row["params"] = dict(variant.bound.params)
            value, note = _evaluate_variant(variant, arrays, sample_weight, sample_ids, reduction)
            row["value"], row["note"] = value, note
        rows.append(row)
    return rows


def _evaluate_variant(
    variant: Variant, arrays: Mapping[str, Any], sample_weight: Any, sample_ids: Any, reduction: str
) -> tuple[float | None, str | None]:
    import numpy as np

    entry, bound = variant.entry, variant.bound
    notes = []
    ids = sample_ids
    if entry is not None and entry.pools_samples and sample_ids is not None:
        ids = None
        notes.append(f"{variant.library} pools every row into one ratio: sample ids not used")
    try:
        value, warning = evaluate(bound, arrays, sample_weight=sample_weight, sample_ids=ids, reduction=reduction)
        if value is not None and sample_weight is not None and entry is not None:
            if entry.weighted_mean == ROWS and reduction == "mean":
                value *= _rows_factor(bound, arrays, np.asarray(sample_weight, dtype=np.float64))
                notes.append("weighted as sum(w l) / N")
            elif entry.weighted_mean == UNWEIGHTED:
                notes.append(f"{variant.library} takes no sample weights here: weighted as losscli, sum(w l) / sum(w)")
    except LossCliError as error:
        return None, str(error)
    if warning:
        notes.append(warning)
    return value, "; ".join(notes) or None


def evaluate(
    bound: BoundLoss,
    arrays: Mapping[str, Any],
    *,
    sample_weight: Any = None,
    sample_ids: Any = None,
    reduction: str = "mean",
) -> tuple[float | None, str | None]:
    """(value, warning) of ``bound`` on in-memory role arrays: None and the reason
    when the value is not a finite number (losscli.compute gives NaN for both)."""
    import numpy as np

    from .api import _prepare
    from .engine import Batch
    from .engine import evaluate as fold

    others = {k: v for k, v in arrays.items() if k not in ("y_true", "y_pred")}
    prepared, role_arrays = _prepare(bound, arrays.get("y_true"), arrays.get("y_pred"), others)
    n = len(next(iter(role_arrays.values())))
    batch = Batch(
        arrays=[role_arrays],
        n=n,
        weights=None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64),
        samples=None if sample_ids is None else np.asarray(sample_ids),
    )
    # Sample weights are handled by the caller (_rows_factor); a Keras sum of
    # rows of several values still adds the rows' means.
    sum_row_means = folding([prepared])["sum_row_means"]
    outcomes, _ = fold([batch], [prepared], reduction=reduction, by_sample=sample_ids is not None, sum_row_means=sum_row_means)
    overall = outcomes[0].overall
    return overall.value, overall.warning


def _rows_factor(bound: BoundLoss, arrays: Mapping[str, Any], weights: Any) -> float:
    """sum(w l) / sum(w norm) -> sum(w l) / sum(norm): the factor sum(w norm) / sum(norm).

    ``norm`` is the kernel's own per-row normaliser (the kept rows of
    sparse_cce) or 1 per row. For the ratio kind (weighted_ce with
    mean_over=rows) the divisor is the weighted row count, so the factor is
    sum(w) / N.
    """
    import numpy as np

    from .api import _prepare
    from .engine import row_losses

    if bound.spec.kind != "mean":
        return float(np.sum(weights) / len(weights))
    others = {k: v for k, v in arrays.items() if k not in ("y_true", "y_pred")}
    prepared, role_arrays = _prepare(bound, arrays.get("y_true"), arrays.get("y_pred"), others)
    _, norm, _, _ = row_losses(prepared, role_arrays)
    norm = np.ones(len(weights)) if norm is None else np.asarray(norm, dtype=np.float64)
    return float(np.sum(weights * norm) / np.sum(norm))


# --------------------------------------------------------------------------- info --conventions

# Worked examples. Each expected value names its source: a value obtained by
# running the library (Keras 3.15.1 on the torch backend and MONAI 1.6.1, with
# float64 inputs; torch 2.13.0 and scikit-learn 1.9.1, which the tests re-run),
# or hand arithmetic on the formula read in the library's source, written out.
_RESIDUALS = {"y_true": [0.0, 0.0, 0.0], "y_pred": [0.5, 2.0, -3.0]}
_RESIDUALS_TEXT = "y_true=[0, 0, 0], y_pred=[0.5, 2, -3] (residuals 0.5, 2, -3)"
_SEG = {"y_true": [1.0, 1.0, 0.0, 0.0], "y_pred": [0.9, 0.4, 0.1, 0.0]}
_SEG_TEXT = "mask t=[1, 1, 0, 0], probabilities p=[0.9, 0.4, 0.1, 0] (I = 1.3, P = 1.4, T = 2)"
_CE_LOGITS = [[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]]


_TORCH = "torch 2.13.0, float64"
_SKLEARN = "scikit-learn 1.9.1"
_KERAS = "Keras 3.15.1 run"
_MONAI = "MONAI 1.6.1 run"
_INF = math.inf

WORKED: dict[str, Worked] = {
    "mse": Worked(_RESIDUALS, _RESIDUALS_TEXT, {
        "": (4.416666666666667, "hand: (0.25 + 4 + 9) / 3"),
        "torch": (4.416666666666667, f"{_TORCH} MSELoss"),
        "keras": (4.416666666666667, f"{_KERAS}: MeanSquaredError 4.4166667"),
        "sklearn": (4.416666666666667, f"{_SKLEARN} mean_squared_error"),
        "optax": (4.416666666666667, "hand: mean of squared_error = (0.25 + 4 + 9) / 3"),
    }),
    "mae": Worked(_RESIDUALS, _RESIDUALS_TEXT, {
        "": (1.8333333333333333, "hand: (0.5 + 2 + 3) / 3"),
        "torch": (1.8333333333333333, f"{_TORCH} L1Loss"),
        "keras": (1.8333333333333333, f"{_KERAS}: MeanAbsoluteError 1.8333333"),
        "sklearn": (1.8333333333333333, f"{_SKLEARN} mean_absolute_error"),
    }),
    "huber": Worked(_RESIDUALS, _RESIDUALS_TEXT + ", delta=1", {
        "": (1.375, "hand: (0.125 + 1.5 + 2.5) / 3"),
        "torch": (1.375, f"{_TORCH} HuberLoss"),
        "keras": (1.375, f"{_KERAS}: Huber(delta=1) 1.375"),
        "optax": (1.375, "hand: 0.5 min(|e|,1)^2 + (|e| - min(|e|,1)) = 0.125, 1.5, 2.5"),
    }),
    "smooth_l1": Worked(_RESIDUALS, _RESIDUALS_TEXT + ", beta=1", {
        "": (1.375, "hand: (0.125 + 1.5 + 2.5) / 3"),
        "torch": (1.375, f"{_TORCH} SmoothL1Loss"),
    }),
    "log_cosh": Worked(_RESIDUALS, _RESIDUALS_TEXT, {
        "": (1.2514819, "hand: mean(|e| + log1p(exp(-2|e|)) - log 2)"),
        "keras": (1.2514819, f"{_KERAS}: LogCosh 1.2514819"),
        "optax": (1.2514819, "same formula, logaddexp(e, -e) - log 2"),
    }),
    "rmse": Worked(_RESIDUALS, _RESIDUALS_TEXT, {
        "": (2.101586702153082, "hand: sqrt(4.4166667)"),
        "sklearn": (2.101586702153082, f"{_SKLEARN} root_mean_squared_error"),
    }),
    "msle": Worked({"y_true": [0.0, 1.0, 3.0], "y_pred": [-0.5, 2.0, 3.0]}, "y_true=[0, 1, 3], y_pred=[-0.5, 2, 3]", {
        "": (0.21495165593712226, "hand: ((log 0.5)^2 + (log 3 - log 2)^2 + 0) / 3"),
        "keras": (0.054800651297721846, "hand: -0.5 and 0 are raised to 1e-7, so the first term is 0: "
                  "(0 + (log 3 - log 2)^2 + 0) / 3"),
        "sklearn": (0.21495165593712226, f"{_SKLEARN} mean_squared_log_error"),
    }),
    "mape": Worked({"y_true": [0.5, 2.0, -4.0], "y_pred": [1.0, 1.0, -3.0]}, "y_true=[0.5, 2, -4], y_pred=[1, 1, -3]", {
        "": (58.333333333333336, "hand: 100 (1 + 0.5 + 0.25) / 3"),
        "keras": (58.333333333333336, "hand: 100 (1 + 0.5 + 0.25) / 3, Keras' formula"),
        "sklearn": (0.5833333333333334, f"{_SKLEARN} mean_absolute_percentage_error"),
    }),
    "quantile": Worked({**_RESIDUALS, "q": 0.5}, _RESIDUALS_TEXT + ", q=0.5", {
        "": (0.9166666666666666, "hand: half the MAE, 1.8333333 / 2"),
        "sklearn": (0.9166666666666666, f"{_SKLEARN} mean_pinball_loss(alpha=0.5)"),
    }),
    "poisson": Worked({"y_true": [0.0, 1.0, 3.0], "y_pred": [0.5, 1.0, 2.0], "log_input": False},
                      "counts y=[0, 1, 3], predicted rates mu=[0.5, 1, 2] (log_input=false)", {
        "": (0.47351947777338815, "hand: mean(mu - y log(mu + 1e-8))"),
        "torch": (0.47351947777338815, f"{_TORCH} PoissonNLLLoss(log_input=False)"),
        "keras": (0.4735194027733911, "hand: mean(mu - y log(mu + 1e-7)), Keras' formula"),
        "sklearn": (0.47759688288299545, f"{_SKLEARN} mean_poisson_deviance"),
    }),
    "gaussian_nll": Worked({"y_true": [0.0, 1.0], "y_pred": [0.5, 0.5], "var": [1.0, 0.25]},
                           "y_true=[0, 1], y_pred=[0.5, 0.5], var=[1, 0.25]", {
        "": (-0.03407359027997264, "hand: (0.5 (0 + 0.25) + 0.5 (log 0.25 + 1)) / 2"),
        "torch": (-0.03407359027997264, f"{_TORCH} GaussianNLLLoss"),
    }),
    "bce": Worked({"y_true": [1.0, 0.0, 1.0, 1.0], "y_pred": [0.9, 0.2, 0.6, 0.0]},
                  "y=[1, 0, 1, 1], p=[0.9, 0.2, 0.6, 0] (the last row a certain miss)", {
        "": (4.239356335424087, "hand: (-log 0.9 - log 0.8 - log 0.6 - log 1e-7) / 4"),
        "torch": (25.209832422684507, f"{_TORCH} BCELoss (100 for p=0, y=1)"),
        "keras": (4.239356335424087, f"hand, as losscli; {_KERAS}: 16.1180957 = -log 1e-7 for p=0, y=1"),
        "sklearn": (9.220745769963795, f"{_SKLEARN} log_loss (36.0437 for p=0, y=1)"),
        "optax": (_INF, "hand: -log_sigmoid(logit 0) = -log 0 is infinite"),
    }),
    "cce": Worked({"y_true": [0.0, 1.0, 2.0], "y_pred": [[1.0, 0.0, 0.0], [0.2, 0.7, 0.1], [0.5, 0.5, 0.0]]},
                  "classes [0, 1, 2]; rows [1, 0, 0], [0.2, 0.7, 0.1], [0.5, 0.5, 0] (the last gives its class 0)", {
        "": (5.491590198299018, "hand: (0 - log 0.7 - log 1e-7) / 3"),
        "torch": (_INF, f"{_TORCH} NLLLoss(log p): log 0 on the true class"),
        "keras": (5.491590231632352, "hand: (-log(1 - 1e-7) - log 0.7 - log 1e-7) / 3, Keras' clip to [1e-7, 1 - 1e-7]"),
        "sklearn": (12.133442777685296, f"{_SKLEARN} log_loss"),
        "optax": (_INF, "hand: log 0 on the true class"),
    }),
    "sparse_cce": Worked({"y_true": [0.0, 1.0, 2.0], "y_pred": [[1.0, 0.0, 0.0], [0.2, 0.7, 0.1], [0.5, 0.5, 0.0]]},
                         "classes [0, 1, 2]; rows [1, 0, 0], [0.2, 0.7, 0.1], [0.5, 0.5, 0]", {
        "": (5.491590198299018, "hand: (0 - log 0.7 - log 1e-7) / 3"),
        "torch": (_INF, f"{_TORCH} NLLLoss(log p): log 0 on the true class"),
        "keras": (5.491590231632352, "hand: (-log(1 - 1e-7) - log 0.7 - log 1e-7) / 3"),
        "sklearn": (12.133442777685296, f"{_SKLEARN} log_loss"),
        "optax": (_INF, "hand: log 0 on the true class"),
    }),
    "label_smoothing_ce": Worked({"y_true": [0.0, 1.0, 2.0], "y_pred": _CE_LOGITS, "smoothing": 0.1, "from_logits": True},
                                 "logits [[2, 1, 0], [0, 3, 1], [1, 1, 1]], classes [0, 1, 2], smoothing 0.1", {
        "": (0.6475769797784807, f"{_TORCH} CrossEntropyLoss(label_smoothing=0.1): 0.6475770"),
        "torch": (0.6475769797784807, f"{_TORCH} CrossEntropyLoss(label_smoothing=0.1)"),
        "keras": (0.6475769797784807, f"{_KERAS}: CategoricalCrossentropy(from_logits=True, label_smoothing=0.1) 0.647577"),
        "optax": (0.6475769797784807, "same smoothed targets y (1 - s) + s / C with log_softmax"),
    }),
    "weighted_ce": Worked({"y_true": [0.0, 1.0, 2.0], "y_pred": _CE_LOGITS, "weights": (1.0, 2.0, 3.0), "from_logits": True},
                          "logits [[2, 1, 0], [0, 3, 1], [1, 1, 1]], classes [0, 1, 2], weights 1;2;3", {
        "": (0.6738558115935467, f"{_TORCH} CrossEntropyLoss(weight=[1, 2, 3]): 0.6738558"),
        "torch": (0.6738558115935467, f"{_TORCH} CrossEntropyLoss(weight=[1, 2, 3])"),
        "keras": (1.3477116231870934, f"{_KERAS}: class weights, default reduction sum(w l) / N 1.347712"),
        "sklearn": (0.6738558115935468, f"{_SKLEARN} log_loss(sample_weight=w[y]) on the softmax"),
    }),
    "hinge": Worked({"y_true": [1.0, 0.0, 1.0, 0.0], "y_pred": [0.3, -0.5, 2.0, 0.2]},
                    "labels [1, 0, 1, 0], scores [0.3, -0.5, 2, 0.2]", {
        "": (0.6, "hand: (0.7 + 0.5 + 0 + 1.2) / 4"),
        "keras": (0.6, "hand: every label is 0/1, so Keras converts them: as losscli"),
        "sklearn": (0.6, f"{_SKLEARN} hinge_loss"),
        "optax": (0.675, "hand: the 0 labels cost max(0, 1 - 0) = 1: (0.7 + 1 + 0 + 1) / 4"),
    }),
    "squared_hinge": Worked({"y_true": [1.0, 0.0, 1.0, 0.0], "y_pred": [0.3, -0.5, 2.0, 0.2]},
                            "labels [1, 0, 1, 0], scores [0.3, -0.5, 2, 0.2]", {
        "": (0.545, "hand: (0.49 + 0.25 + 0 + 1.44) / 4"),
        "keras": (0.545, "hand: (0.49 + 0.25 + 0 + 1.44) / 4, Keras converts the 0/1 labels"),
    }),
    "categorical_hinge": Worked({"y_true": [1.0, 2.0], "y_pred": [[-2.0, -1.0, -3.0], [0.1, 0.2, 0.4]]},
                                "classes [1, 2], scores [[-2, -1, -3], [0.1, 0.2, 0.4]]", {
        "": (0.4, "hand: (max(0, 1 - 2 + 1) + max(0, 1 + 0.2 - 0.4)) / 2"),
        "torch": (0.25, f"{_TORCH} MultiMarginLoss"),
        "keras": (1.4, f"{_KERAS}: categorical_hinge 2.0 on the first row; second row 0.8 by hand: (2 + 0.8) / 2"),
        "sklearn": (0.4, f"{_SKLEARN} hinge_loss(labels=[0, 1, 2])"),
        "optax": (0.4, "hand: max_j(s_j + 1 - [j = y]) - s_y = 0 and 0.8"),
    }),
    "kl_div": Worked({"y_true": [[0.0, 0.5, 0.5], [0.3, 0.3, 0.4]], "y_pred": [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]},
                     "p=[[0, .5, .5], [.3, .3, .4]], q=[[.2, .3, .5], [.1, .1, .8]]", {
        "": (0.31866065642994146, f"{_TORCH} KLDivLoss(reduction='batchmean'): 0.3186607"),
        "torch": (0.10622021880998049, f"{_TORCH} KLDivLoss() (reduction='mean')"),
        "keras": (0.3186599309970545, f"{_KERAS}: KLDivergence 0.255411 on the first row; second row by hand "
                  "0.6 log 3 + 0.4 log 0.5 = 0.3819085"),
        "optax": (0.31866065642994146, "hand: sum p (log p - log q) per row, zeros count 0, as losscli"),
    }),
    "focal": Worked({"y_true": [1.0, 0.0], "y_pred": [2.0, -1.0], "from_logits": True},
                    "logits [2, -1], labels [1, 0], gamma=2 (one column: binary)", {
        "": (0.008722216920080295, f"{_TORCH}, torchvision's sigmoid_focal_loss formula: per row [0.0004509, 0.0169935]"),
        "torch": (0.008722216920080295, f"{_TORCH}, torchvision's sigmoid_focal_loss formula, alpha=0.25"),
        "keras": (0.012230810171853852, f"{_TORCH}, the same formula without alpha: per row [0.0018036, 0.0226581]"),
        "optax": (0.012230810171853852, f"{_TORCH}, the same formula without alpha (optax's default alpha=None)"),
        "monai": (0.012230810171853852, f"{_MONAI}: FocalLoss per row [0.0018036, 0.0226581]"),
    }),
    "triplet": Worked({"anchor": [[0.0, 0.0]], "positive": [[0.0, 0.0]], "negative": [[0.5, 0.0]]},
                      "anchor [0, 0], positive [0, 0], negative [0.5, 0]", {
        "": (0.5000024142125624, "hand: 1 + |(1e-6, 1e-6)| - |(-0.5 + 1e-6, 1e-6)|"),
        "torch": (0.5000024142125624, f"{_TORCH} TripletMarginLoss (d(0, 0) = 1.414e-6)"),
        "optax": (0.5009990000010001, "hand: 1 + sqrt(1e-6) - sqrt(0.25 + 1e-6)"),
    }),
    "cosine_embedding": Worked({"x1": [[1.0, 0.0], [1.0, 1.0]], "x2": [[0.0, 1.0], [1.0, 1.0]], "y_true": [1.0, 0.0]},
                               "pairs ([1, 0], [0, 1]) labelled 1 and ([1, 1], [1, 1]) labelled 0", {
        "": (0.99999999999975, "hand: (1 - 0 + max(0, cos = 1 - 1e-12)) / 2, 0 read as -1"),
        "torch": (0.5, f"{_TORCH} CosineEmbeddingLoss: the 0 label costs 0"),
    }),
    "ctc": Worked({"y_true": [[1], [1, 1]], "y_pred": [[[math.log(0.5)] * 2] * 3] * 2},
                  "two sequences of 3 frames, uniform over {blank, 1}; targets [1] and [1, 1]", {
        "": (0.6637014216458494, "hand: -log 0.75 = 0.2876821 and log 8 = 2.0794415; (0.2876821 / 1 + 2.0794415 / 2) / 2"),
        "torch": (0.6637014216458494, f"{_TORCH} CTCLoss()"),
        "keras": (1.1835618070658083, f"{_KERAS}: CTC per sequence 0.2876821 and 2.0794415, averaged without length normalisation"),
        "optax": (1.1835618070658083, "hand: per-sequence -log 0.75 and log 8, averaged by the caller"),
    }),
    "dice": Worked(_SEG, _SEG_TEXT, {
        "": (0.23529342560757172, "hand: 1 - (2.6 + 1e-5) / (3.4 + 1e-5)"),
        "monai": (0.23529342560757172, f"{_MONAI}: DiceLoss 0.2352934"),
        "keras": (0.23529414013840755, f"{_KERAS}: Dice 0.2352941 = 1 - 2.6 / (3.4 + 1e-7)"),
        "optax": (0.14814814814814814, "hand from optax 0.2.8 dice_loss: 1 - (1.3 + 1) / (1.3 + 0.5 x 0.1 "
                  "+ 0.5 x 0.7 + 1) = 1 - 2.3 / 2.7"),
    }),
    "iou": Worked(_SEG, _SEG_TEXT, {
        "": (0.3809505669020624, "hand: 1 - (1.3 + 1e-5) / (2.1 + 1e-5)"),
        "monai": (0.380951473925062, f"{_MONAI}: DiceLoss(jaccard=True) 0.3809515"),
        "optax": (0.25806451612903225, "hand from optax 0.2.8 dice_loss(alpha=1, beta=1): "
                  "1 - (1.3 + 1) / (1.3 + 0.1 + 0.7 + 1) = 1 - 2.3 / 3.1"),
    }),
    "tversky": Worked({**_SEG, "alpha": 0.3, "beta": 0.7}, _SEG_TEXT + ", alpha=0.3, beta=0.7", {
        "": (0.28571271586419855, "hand: 1 - (1.3 + 1e-5) / (1.3 + 0.3 x 0.1 + 0.7 x 0.7 + 1e-5)"),
        "monai": (0.28571271586419855, f"{_MONAI}: TverskyLoss(alpha=0.3, beta=0.7) 0.2857127"),
        "keras": (0.17721524194840244, f"{_KERAS}: Tversky(alpha=0.3, beta=0.7) 0.1772152"),
        "optax": (0.18439716312056736, "hand from optax 0.2.8 dice_loss(alpha=0.3, beta=0.7): "
                  "1 - (1.3 + 1) / (1.3 + 0.3 x 0.1 + 0.7 x 0.7 + 1) = 1 - 2.3 / 2.82"),
    }),
}


def table(loss: str) -> list[dict[str, Any]]:
    """``info LOSS --conventions``: one row for losscli's own convention, then one per library.

    Each row: ``convention``, ``library``, ``available``, ``reference``,
    ``difference``, ``formula``, ``defaults``, ``reduction``, ``clipping``,
    ``labels``, ``weighted_mean``, ``params`` (the parameter values the
    convention sets), ``caveats``, ``reason`` (why a library is not
    available), and on the loss's worked example: ``example`` (the inputs in
    words), ``value`` (computed by losscli's kernels under that convention;
    None if not finite), ``warning`` and ``cross_check`` (``{"value",
    "source"}``: the independent value and where it comes from).
    """
    spec = registry.get(loss)
    worked = WORKED.get(spec.name)
    rows = [_own_row(spec, worked)]
    for library in LIBRARIES:
        entry = CONVENTIONS.get((spec.name, library))
        rows.append(_library_row(spec, library, entry, worked))
    return rows


def _blank_row(convention: str) -> dict[str, Any]:
    return {
        "convention": convention,
        "library": LIBRARY_NAMES[convention],
        "available": False,
        "reference": "",
        "difference": "",
        "formula": "",
        "defaults": "",
        "reduction": "",
        "clipping": "",
        "labels": "",
        "weighted_mean": "",
        "params": {},
        "caveats": [],
        "reason": "",
        "example": "",
        "value": None,
        "warning": None,
        "cross_check": None,
    }


def _own_row(spec: LossSpec, worked: Worked | None) -> dict[str, Any]:
    row = _blank_row("")
    row.update(
        available=True,
        reference=spec.reference,
        difference="losscli's own definition (SPEC section 4)",
        formula=spec.formula,
        defaults=", ".join(f"{p.name}={_show(p.default)}" for p in spec.params if p.name != "convention"),
        reduction="mean over rows (over every element for several columns); --reduction sum|none",
        weighted_mean="sum(w l) / sum(w)",
        labels="; ".join(f"{r.name}: {r.help}" for r in spec.roles),
    )
    _fill_example(row, spec, "", worked)
    return row


_WEIGHTED_TEXT = {WEIGHTS: "sum(w l) / sum(w)", ROWS: "sum(w l) / N", UNWEIGHTED: "no sample weights"}


def _library_row(spec: LossSpec, library: str, entry: Convention | None, worked: Worked | None) -> dict[str, Any]:
    row = _blank_row(library)
    if entry is None:
        row["reason"] = missing_reason(spec.name, library)
        return row
    row.update(
        available=True,
        reference=entry.reference,
        difference=entry.difference,
        formula=entry.formula,
        defaults=entry.defaults,
        reduction=entry.reduction,
        clipping=entry.clipping,
        labels=entry.labels,
        weighted_mean=_WEIGHTED_TEXT[entry.weighted_mean],
        params=entry.pinned,
        caveats=list(entry.caveats),
    )
    _fill_example(row, spec, library, worked)
    return row


def _fill_example(row: dict[str, Any], spec: LossSpec, library: str, worked: Worked | None) -> None:
    if worked is None:
        return
    roles = {r.name for r in spec.roles}
    inputs = dict(worked.inputs)
    sample_ids = inputs.pop("sample_ids", None)
    params = {k: v for k, v in inputs.items() if k not in roles}
    arrays = {k: v for k, v in inputs.items() if k in roles}
    row["example"] = worked.text
    try:
        bound = apply(registry.bind(spec, params), library)
        row["value"], row["warning"] = evaluate(bound, arrays, sample_ids=sample_ids)
    except LossCliError as error:
        row["warning"] = str(error)
    if library in worked.expected:
        expected, source = worked.expected[library]
        row["cross_check"] = {"value": expected if math.isfinite(expected) else None, "source": source}


__all__ = [
    "LIBRARIES",
    "CONVENTIONS",
    "Convention",
    "apply",
    "compare_all",
    "evaluate",
    "libraries",
    "loss",
    "lookup",
    "pools_samples",
    "resolve",
    "strip",
    "supports",
    "table",
    "variants",
    "weight_divisor",
]
