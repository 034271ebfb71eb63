"""The loss registry: every loss declared once, with the metadata that
``list``, ``info``, ``recommend``, ``compare --task``, parameter validation and
error messages all read.

A family module (``losscli/losses/<family>.py``) declares each loss by
decorating its kernel with :func:`loss`. Kernels are pure numpy functions;
see ``losscli/engine.py`` for how each ``kind`` of kernel is folded over
batches of rows.
"""

from __future__ import annotations

import difflib
import importlib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple

from . import loss_names, task_names
from .errors import LossCliError

FAMILIES = ("regression", "classification", "ranking", "sequence", "segmentation", "generative")

TASKS = (
    "regression",
    "classification",
    "binary",
    "multiclass",
    "ranking",
    "imbalance",
    "segmentation",
    "sequence",
    "generative",
)

TASK_ALIASES = {
    "reg": "regression",
    "regress": "regression",
    "continuous": "regression",
    "forecasting": "regression",
    "classify": "classification",
    "class": "classification",
    "binary-classification": "binary",
    "binary_classification": "binary",
    "multi-class": "multiclass",
    "multi_class": "multiclass",
    "multiclass-classification": "multiclass",
    "metric-learning": "ranking",
    "metric_learning": "ranking",
    "similarity": "ranking",
    "embedding": "ranking",
    "embeddings": "ranking",
    "siamese": "ranking",
    "siamese-networks": "ranking",
    "face-verification": "ranking",
    "facenet": "ranking",
    "similarity-learning": "ranking",
    "recommendation": "ranking",
    "recommendation-systems": "ranking",
    "retrieval": "ranking",
    "imbalanced": "imbalance",
    "class-imbalance": "imbalance",
    "unbalanced": "imbalance",
    "seg": "segmentation",
    "segment": "segmentation",
    "semantic-segmentation": "segmentation",
    "detection": "segmentation",
    "object-detection": "segmentation",
    "seq": "sequence",
    "seq2seq": "sequence",
    "sequence-to-sequence": "sequence",
    "speech": "sequence",
    "speech-recognition": "sequence",
    "asr": "sequence",
    "ocr": "sequence",
    "handwriting": "sequence",
    "handwriting-recognition": "sequence",
    "ctc": "sequence",
    "gan": "generative",
    "gans": "generative",
    "generation": "generative",
    "image-generation": "generative",
    "text-generation": "generative",
    "wgan": "generative",
    "style-transfer": "generative",
    "super-resolution": "generative",
}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Param:
    """One parameter of a loss.

    ``type`` is one of ``float``, ``int``, ``bool``, ``str`` or ``"floats"``
    (a list of numbers written ``0.2;0.8``; ``special`` names words such a
    list also accepts, like ``balanced``). ``low``/``high`` bound numbers,
    ``choices`` bound strings. ``None`` as a default means "not set".
    """

    name: str
    type: Any
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    special: tuple[str, ...] = ()
    allow_none: bool = False
    # +inf is a value of its own for a few parameters (the p of an L^p norm).
    allow_inf: bool = False
    # A list of counts (perceptual's layer sizes): whole numbers of at least 1.
    counts: bool = False
    # A number that may also be given as several, written 0.1;0.5;0.9, each
    # in the range (quantile's q: one level per prediction column).
    many: bool = False

    def range_text(self) -> str:
        """The valid range in words, as ``info`` and error messages show it."""
        if self.choices:
            return " | ".join(self.choices)
        if self.type == "floats":
            extra = "".join(f" or '{word}'" for word in self.special)
            items = "whole numbers >= 1" if self.counts else "numbers >= 0"
            return f"{items} separated by ';'{extra}"
        if self.type is bool:
            return "true | false"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {_num(self.low)}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {_num(self.high)}")
        text = " and ".join(parts) if parts else "any finite number"
        if self.allow_inf:
            text += ", or inf"
        if self.type is int:
            text = f"integer, {text}" if parts else "integer"
        if self.many:
            text += "; or several separated by ';'"
        return text

    def parse(self, text: str, loss: str) -> Any:
        """Turn the text of a spec string (``delta=2``) into a checked value."""
        raw = text.strip()
        if self.allow_none and raw.lower() in ("none", "null", ""):
            return None
        try:
            if self.type is bool:
                lowered = raw.lower()
                if lowered in ("true", "1", "yes", "on"):
                    value: Any = True
                elif lowered in ("false", "0", "no", "off"):
                    value = False
                else:
                    raise ValueError
            elif self.type is int:
                if re.fullmatch(r"[+-]?\d+", raw):
                    # Exactly as written: through a float, 2**53 + 1 and beyond came out changed.
                    value = int(raw)
                else:
                    number = float(raw)
                    if not number.is_integer():
                        raise ValueError
                    value = int(number)
            elif self.type is float and self.many and ";" in raw:
                value = tuple(float(part) for part in raw.split(";") if part.strip())
                if not value:
                    raise ValueError
            elif self.type is float:
                value = float(raw)
            elif self.type == "floats":
                if raw.lower() in self.special:
                    value = raw.lower()
                else:
                    value = tuple(float(part) for part in raw.replace(",", ";").split(";") if part.strip())
                    if not value:
                        raise ValueError
            else:
                value = raw
        except ValueError:
            raise LossCliError(
                f"parameter '{self.name}' of loss '{loss}' must be {self._type_word()}, got '{raw}'",
                hint=f"valid: {self.range_text()}",
            ) from None
        return self.validate(value, loss)

    def validate(self, value: Any, loss: str) -> Any:
        """Check a value (from a spec string or from Python) against the range."""
        value = _plain_scalar(value)
        if value is None and (self.allow_none or self.default is None):
            return None
        value = self._typed(value, loss)
        if self.many and isinstance(value, tuple):
            single = replace(self, many=False)
            return tuple(single.validate(item, loss) for item in value) if len(value) > 1 else single.validate(value[0], loss)
        ok = True
        if self.choices:
            ok = value in self.choices
        elif self.type in (float, int):
            # Infinity is refused unless it means something: Huber's delta = inf
            # would be MSE / 2 in theory, and 0 * inf = NaN in the kernel.
            ok = math.isfinite(value) or (self.allow_inf and value == math.inf)
            if ok and self.low is not None:
                ok = value > self.low if self.low_open else value >= self.low
            if ok and self.high is not None:
                ok = value < self.high if self.high_open else value <= self.high
        elif self.type == "floats" and not isinstance(value, str):
            ok = all(math.isfinite(v) and v >= 0 and (not self.counts or (v >= 1 and v.is_integer())) for v in value)
        if not ok:
            shown = ";".join(_num(v) for v in value) if isinstance(value, tuple) else _num(value) if isinstance(value, float) else value
            raise LossCliError(
                f"parameter '{self.name}' of loss '{loss}' is out of range: {shown}",
                hint=f"valid: {self.range_text()}",
            )
        return value

    def _typed(self, value: Any, loss: str) -> Any:
        """``value`` as this parameter's type; a value of another type is an
        error, never read as a number (``True`` is not a Huber delta of 1)."""
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.type is float and number:
            return float(value)
        if self.type is float and self.many and (numbers := _number_list(value)):
            return numbers
        if self.type is int and number and (isinstance(value, int) or value.is_integer()):
            return int(value)
        if (self.type is bool and isinstance(value, bool)) or (self.type is str and isinstance(value, str)):
            return value
        if self.type == "floats":
            if isinstance(value, str) and value in self.special:
                return value
            numbers = _number_list(value)
            if numbers is not None:
                return numbers
        shown = f"{type(value).__name__} {value!r:.40}"
        hint = "for example [0.2, 0.8]" if self.type == "floats" else f"valid: {self.range_text()}"
        raise LossCliError(f"parameter '{self.name}' of loss '{loss}' must be {self._python_type_word()}, got {shown}", hint=hint)

    def _python_type_word(self) -> str:
        if self.many:
            return "a number or a list of numbers"
        if self.type == "floats":
            return "a list of numbers" + "".join(f" or '{word}'" for word in self.special)
        return {bool: "True or False", int: "an integer", float: "a number", str: "text"}.get(self.type, "a value")

    def _type_word(self) -> str:
        return {bool: "true or false", int: "an integer", float: "a number", str: "text"}.get(
            self.type, self.range_text()
        )


def _plain_scalar(value: Any) -> Any:
    """A numpy scalar, 0-d array or 0-d tensor as the Python number it holds:
    ``delta=np.float32(2)`` or ``q=torch.tensor(0.9)`` is a number like any other."""
    if isinstance(value, (str, bytes, bool, int, float)) or getattr(value, "ndim", None) != 0:
        return value
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _number_list(value: Any) -> tuple[float, ...] | None:
    """An ordered collection of numbers as a tuple, else None.

    A dict or set is refused: iterating it gives keys, or no order, so
    ``weights={0: 1.0, 1: 2.0}`` would silently become (0.0, 1.0).
    """
    if isinstance(value, (str, bytes, dict, set, frozenset)) or not hasattr(value, "__iter__"):
        return None
    try:
        items = [_plain_scalar(item) for item in value]
    except TypeError:
        return None
    if not all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in items):
        return None
    return tuple(float(item) for item in items)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) >= 1 or value == 0 else repr(value)
    return repr(value) if isinstance(value, float) else str(value)


# Switches shared by many losses. A loss declares the ones that apply to it;
# the CLI's global --from-logits/--eps set them on every loss that has them.
FROM_LOGITS = Param(
    "from_logits",
    bool,
    False,
    "predictions are logits/raw scores (sigmoid or softmax applied in a numerically stable way); "
    "when not set, true for prediction columns named as logits (logits, y_logit, logit_0 ..)",
)
EPS = Param(
    "eps",
    float,
    1e-7,
    "probability clipping: a binary probability to [eps, 1-eps], class probabilities to [eps, 1] "
    "(see the notes); 0 disables clipping",
    low=0.0,
    high=0.5,
    high_open=True,
)

NORMALIZE = Param(
    "normalize",
    bool,
    False,
    "divide each row of class probabilities by its sum instead of rejecting rows that do not sum to 1",
)
GLOBAL_SWITCHES = {"from_logits": FROM_LOGITS, "eps": EPS, "normalize": NORMALIZE}


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class Role:
    """An input of a loss, taken from one or more columns.

    ``shape`` says what the kernel receives:
      * ``scalar``  one column -> array (n,)
      * ``vector``  one or many columns / a list column -> array (n,) or (n, k)
      * ``class``   class labels: integers, strings (mapped to the probability
                    columns by suffix) or one-hot/soft columns -> (n,) or (n, C)
      * ``sequence`` a list column per row (CTC); see the sequence family
    """

    name: str
    defaults: tuple[str, ...]
    shape: str
    help: str
    optional: bool = False
    # Roles this one stands in for when its column is found: the kernel
    # ignores them then, so their columns are not read (nor checked for NaN).
    replaces: tuple[str, ...] = ()
    # How binary labels write the negative class for this role: 0, or -1 for
    # hinge's -1/1. --positive maps every label that is not the positive to it.
    negative_label: float = 0.0
    # Labels of two kinds beside one prediction column in a loss outside the
    # binary and segmentation tasks (a GAN's real/fake), which --positive maps.
    binary_labels: bool = False


# Default column names: losscli's own, then the names exports and training
# loops write (scikit-learn's y_score and predict_proba's proba, a training
# loop's logits and preds, Prophet's yhat, a forecast's actual). losscli's own
# match exactly, then as prefixes (prob_cat); the exported ones only after
# those, and only when one of them alone is in the file: 'predicted' (a
# class from predict()) beside 'proba' is a choice for the user.
_OWN_LABEL_NAMES = ("y_true", "label", "target", "y")
EXPORTED_LABEL_NAMES = ("labels", "targets", "actual", "truth", "ground_truth")
_OWN_PRED_NAMES = ("y_pred", "pred", "prediction", "score", "prob", "logit")
EXPORTED_PRED_NAMES = (
    "preds", "predictions", "predicted", "scores", "probs", "probabilities", "logits",
    "y_score", "y_prob", "y_proba", "proba", "probability", "y_hat", "yhat",
)  # fmt: skip
EXPORTED_NAMES = frozenset(EXPORTED_LABEL_NAMES + EXPORTED_PRED_NAMES)
# Exported names that also match as prefixes: one column per class or label
# (probs_cat, logits_0, labels_a). Not 'predicted_' or 'actual_': a file's
# predicted_label or actual_date is no such group.
EXPORTED_PREFIX_NAMES = frozenset(("labels", "targets", "scores", "probs", "probabilities", "logits", "y_score", "y_prob", "y_proba", "proba"))
Y_TRUE_REGRESSION = Role("y_true", _OWN_LABEL_NAMES + EXPORTED_LABEL_NAMES, "vector", "true values")
Y_PRED_REGRESSION = Role(
    "y_pred",
    _OWN_PRED_NAMES + EXPORTED_PRED_NAMES,
    "vector",
    "predicted values (same number of columns as y_true)",
)
PRED_DEFAULTS = Y_PRED_REGRESSION.defaults
LABEL_DEFAULTS = Y_TRUE_REGRESSION.defaults


# --------------------------------------------------------------------------- declarations


class RowLosses(NamedTuple):
    """What a ``mean`` kernel returns when its mean is not over the raw values.

    ``mean_terms`` are averaged for ``--reduction mean``; ``raw`` are summed for
    ``sum`` and written for ``none`` (PyTorch CTC: the mean divides each
    sequence's loss by its target length, sum and none do not).
    """

    mean_terms: Any
    raw: Any


# The four characteristics of the guide's table, by their keys in JSON and CSV, and as people read them.
CHARACTERISTIC_TITLES = {
    "robust_to_outliers": "robust to outliers",
    "smooth_gradient": "smooth gradient",
    "use_in_classification": "use in classification",
    "use_in_regression": "use in regression",
}
CHARACTERISTIC_KEYS = tuple(CHARACTERISTIC_TITLES)


@dataclass(frozen=True)
class Characteristics:
    """A loss's ratings in the guide's characteristics table, or losscli's own where the guide
    does not rate it. ``None`` = nobody rates it.

    ``robust_note`` / ``smooth_note`` carry qualifiers such as "tunable".
    """

    robust_to_outliers: bool | None
    smooth_gradient: bool | None
    classification: bool
    regression: bool
    robust_note: str = ""
    smooth_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "robust_to_outliers": self.robust_to_outliers,
            "smooth_gradient": self.smooth_gradient,
            "use_in_classification": self.classification,
            "use_in_regression": self.regression,
            "notes": {k: v for k, v in (("robust", self.robust_note), ("smooth", self.smooth_note)) if v},
        }


@dataclass(frozen=True)
class LossSpec:
    """Everything known about one loss.

    ``kind`` says how the engine folds the kernel over rows:
      * ``mean``  kernel(**roles, **params) -> per-row losses, shape (n,) or
        (n, k) (averaged over k, as PyTorch averages all elements), or a tuple
        ``(losses, norm)`` when the mean divides by something other than the
        row count (PyTorch class weights), or :class:`RowLosses` when mean and
        sum use different per-row values (PyTorch CTC). ``finalize`` may transform the mean
        (``rmse`` takes its square root).
      * ``ratio`` kernel(...) -> per-row sufficient statistics (n, m); their
        column sums (over all rows, or per sample with --sample-col) go to
        ``finalize(sums, **params) -> loss`` (dice, adversarial, ...), and
        to ``finalize_sum`` instead for ``--reduction sum`` when the loss
        declares one.
      * ``exact`` needs every value at once (kernel gets whole columns);
        ``check_batch(**roles)`` rejects a bad layout batch by batch.
    """

    name: str
    family: str
    tasks: tuple[str, ...]
    roles: tuple[Role, ...]
    params: tuple[Param, ...]
    characteristics: Characteristics
    formula: str
    description: str
    use_cases: str
    reference: str
    kernel: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    kind: str = "mean"
    finalize: Callable[..., Any] | None = None
    # A ratio loss whose rows still have values of their own (PyTorch's
    # reduction='none' for class-weighted CE) gives them here.
    per_row: Callable[..., Any] | None = None
    # A ratio loss whose --reduction sum is a sum over its rows rather than
    # the ratio itself (PyTorch's reduction='sum' of class-weighted CE: the
    # numerator, not the weighted mean) gives it here.
    finalize_sum: Callable[..., Any] | None = None
    # Why --reduction sum has no meaning for this loss, and what gives the sum
    # meant instead: (message, hint). rmse is the root of a mean; the root of
    # a sum is no library's loss.
    no_sum: tuple[str, str] | None = None
    # A ratio loss whose per-row values depend on every row (balanced class
    # weights come from all rows' class counts) says when with ``rows_need_totals
    # (**params)``; ``row_params(totals, **params)`` then gives, from the state
    # sums of a first pass, the parameters that make each batch's rows use them.
    rows_need_totals: Callable[..., bool] | None = None
    row_params: Callable[..., dict[str, Any]] | None = None
    minimum: float | None = 0.0
    notes: tuple[str, ...] = ()
    example: str = ""
    # True (or a test of the parameters) when a NaN or infinite value in any
    # input always makes the kernel raise or return a non-finite loss: a
    # finite sum then proves the inputs finite, and the reader may skip its
    # own check of every value.
    propagates_nonfinite: bool | Callable[..., bool] = False
    # An ``exact`` kernel runs once every batch is in, when the file and the
    # columns a bad layout came from are no longer known: this checks each
    # batch's role arrays as it arrives, raising what the kernel would.
    check_batch: Callable[..., None] | None = None
    # Why valid rows can still have no value (the GAN losses need real and
    # fake rows), from the parameters: the warning of a null result says so
    # instead of only "not a number".
    undefined_reason: Callable[..., str] | None = None
    # Why a ``mean`` loss can leave every row out of its divisor (sparse_cce
    # leaves out rows labelled ignore_index), from the parameters: its null
    # result says so, not that sample weights sum to zero.
    no_rows_counted_reason: Callable[..., str] | None = None
    # A ``mean`` loss of y_true and y_pred may also give the plain sum of its
    # per-row losses over a batch from terms that losses on the same columns
    # share (``losscli.losses.pair_sums``): ``total(sums, **params) -> float``,
    # or None where only the kernel can say (invalid values: the kernel names
    # the row). Used when nothing needs the rows themselves.
    total: Callable[..., float | None] | None = None
    # False for a loss that compares the distribution of each role's values
    # rather than the roles' values row by row (wasserstein_distance): a row's
    # y_true and y_pred belong to two samples, so --nan-policy omit drops a
    # missing value from its own column only instead of dropping the row.
    rows_paired: bool = True
    # True (or a test of the parameters) when from_logits changes nothing
    # (adversarial's least_squares and hinge forms read raw scores): the
    # predictions are then not switched to logits by their column's name.
    ignores_from_logits: bool | Callable[..., bool] = False

    @property
    def streams(self) -> bool:
        return self.kind != "exact"

    @property
    def binary_label_codes(self) -> tuple[float, float] | None:
        """(negative, positive): the numbers this loss reads binary labels as
        beside one prediction column (0 and 1; hinge's -1 and 1), or None for
        a loss that takes no binary labels. A segmentation loss's one label
        column beside one prediction column is such a mask: a 0/255 PNG mask
        is read with --positive 255."""
        if "binary" not in self.tasks and "segmentation" not in self.tasks and not any(
            role.name == "y_true" and role.binary_labels for role in self.roles
        ):
            return None
        return (self.role("y_true").negative_label, 1.0)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        valid = ", ".join(p.name for p in self.params) or "none"
        raise LossCliError(
            f"loss '{self.name}' has no parameter '{name}'{did_you_mean(name, [p.name for p in self.params])}",
            hint=f"parameters of {self.name}: {valid}",
        )

    def role(self, name: str) -> Role:
        for r in self.roles:
            if r.name == name:
                return r
        valid = ", ".join(r.name for r in self.roles)
        raise LossCliError(
            f"loss '{self.name}' has no input role '{name}'{did_you_mean(name, [r.name for r in self.roles])}",
            hint=f"roles of {self.name}: {valid}",
        )

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


_REGISTRY: dict[str, LossSpec] = {}
_ALIASES: dict[str, str] = {}
_LOADED = False
_FAMILY_MODULES = tuple(f"losscli.losses.{family}" for family in FAMILIES)


def loss(**declaration: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: declare the loss whose kernel is the decorated function."""

    def register(kernel: Callable[..., Any]) -> Callable[..., Any]:
        spec = LossSpec(kernel=kernel, **declaration)
        _add(spec)
        return kernel

    return register


def _add(spec: LossSpec) -> None:
    for key in (spec.name, *spec.aliases):
        key = _normalise(key)
        if key in _ALIASES and _ALIASES[key] != spec.name:
            raise RuntimeError(f"loss name '{key}' is declared twice")
        _ALIASES[key] = spec.name
    _REGISTRY[spec.name] = spec


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for module in _FAMILY_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # A family that is not written yet is simply absent from the registry.
            if exc.name != module:
                raise
    # A family imported on its own before this (the API's first call imports
    # the module its loss needs) registered first; put the families back in
    # their declared order, so available(), list and every listing of the
    # registry give one order whatever ran before.
    ordered = sorted(_REGISTRY.values(), key=lambda spec: FAMILIES.index(spec.family))
    _REGISTRY.clear()
    _REGISTRY.update((spec.name, spec) for spec in ordered)
    _LOADED = True


def available(task: str | None = None) -> list[str]:
    """Canonical names of every registered loss, in declaration order; with
    ``task`` (a name or alias, as ``losscli list --task`` takes), those for it."""
    if task is not None:
        return [spec.name for spec in losses_for_task(task)]
    _load()
    return list(_REGISTRY)


def all_specs() -> list[LossSpec]:
    _load()
    return list(_REGISTRY.values())


def get(name: str) -> LossSpec:
    """Look a loss up by canonical name or alias (case-insensitive), else by a
    library's class or function name for it (``MSELoss``, ``mse_loss``; see
    ``losscli.loss_names``)."""
    _load()
    key = _normalise(name)
    if key in _ALIASES:
        return _REGISTRY[_ALIASES[key]]
    for key in loss_names.prose_keys(name):
        # Words, as the guide and its readers write a loss: "IoU Loss",
        # "Cross-Entropy Loss" (the concept, not PyTorch's CrossEntropyLoss).
        if key in _ALIASES:
            return _REGISTRY[_ALIASES[key]]
    advice = loss_names.library_advice(name)
    if advice is not None:
        raise LossCliError(f"unknown loss '{name}': {advice.message}", hint=advice.hint)
    for key in loss_names.loss_keys(name):
        if key in _ALIASES:
            return _REGISTRY[_ALIASES[key]]
    close = loss_names.closest_loss(name, _ALIASES)
    # The valid names are listed, as an unknown parameter or task lists its
    # valid ones, so a name with no near match still shows what to write.
    raise LossCliError(
        f"unknown loss '{name}'" + (f"; did you mean '{close}'?" if close else ""),
        hint=f"losses: {', '.join(_REGISTRY)}; 'losscli list' shows them with their aliases",
    )


def did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def misspelled(spec: str, candidates: list[str]) -> str:
    """``did_you_mean`` for a gate naming no loss at all ('msee'); nothing
    for one naming a real loss that was not asked for ('mae' beside 'mse')."""
    try:
        parse_spec(spec)
    except LossCliError:
        # Against the names too: 'hubr' is far from 'huber:delta=2', near 'huber'.
        return did_you_mean(spec, list(dict.fromkeys([*candidates, *(c.split(":")[0] for c in candidates)])))
    return ""


def resolve_task(task: str) -> str:
    """A task name or alias to its canonical name, or a "did you mean" error."""
    if not isinstance(task, str):
        raise LossCliError(f"the task must be a name such as 'regression', not {type(task).__name__} {task!r:.40}", hint=f"tasks: {', '.join(TASKS)}")
    key = task.strip().lower().replace(" ", "-")
    if key in TASKS:
        return key
    if key in TASK_ALIASES:
        return TASK_ALIASES[key]
    if key.replace("-", "_") in TASK_ALIASES:
        return TASK_ALIASES[key.replace("-", "_")]
    if task_names.is_multilabel(key):
        raise LossCliError(f"unknown task '{task}': {task_names.MULTILABEL}", hint=task_names.MULTILABEL_HINT)
    close = task_names.closest_task(key, {**{name: name for name in TASKS}, **TASK_ALIASES})
    raise LossCliError(
        f"unknown task '{task}'" + (f"; did you mean '{close}'?" if close else ""),
        hint=f"tasks: {', '.join(TASKS)}",
    )


def losses_for_task(task: str) -> list[LossSpec]:
    canonical = resolve_task(task)
    return [spec for spec in all_specs() if canonical in spec.tasks]


# --------------------------------------------------------------------------- spec strings


@dataclass(frozen=True)
class BoundLoss:
    """A loss with its full effective parameters (defaults included)."""

    spec: LossSpec
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    # Parameters per-row values take instead (see LossSpec.row_params); the
    # report keeps showing ``params``.
    row_overrides: dict[str, Any] = field(default_factory=dict)
    # The parameters the user set: in the spec string, with a global switch
    # (--from-logits, --no-from-logits) or as keywords. What the input's
    # column names suggest (``logit_names``) never overrides them.
    given: frozenset[str] = field(default=frozenset(), compare=False)
    # losscli chose this loss (``compare --task``), the user did not name it:
    # how it reads its input, where the user did not say, follows the data
    # (poisson's log_input: see ``rate_inputs``). A named loss keeps its defaults.
    chosen_by_task: bool = field(default=False, compare=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def display(self) -> str:
        """How the loss is shown in tables: its spec string, or its name."""
        return self.label or self.spec.name

    @property
    def propagates_nonfinite(self) -> bool:
        """Whether NaN or inf in any input always shows in this loss (see LossSpec).
        Only losscli's own convention is vouched for: a library's convention may
        rewrite the parameters (Keras floors msle's inputs, for one)."""
        if self.params.get("convention"):
            return False
        declared = self.spec.propagates_nonfinite
        return declared(**self.params) if callable(declared) else bool(declared)


def bind(spec: LossSpec, overrides: dict[str, Any] | None = None, *, explicit_text: bool = False) -> BoundLoss:
    """Fill defaults and validate values given from Python (or already parsed)."""
    params = spec.defaults()
    for key, value in (overrides or {}).items():
        param = spec.param(key)
        params[key] = value if explicit_text else param.validate(value, spec.name)
    return BoundLoss(spec, params, given=frozenset(overrides or ()))


def check_reduction(bound: BoundLoss, reduction: str, option: str = "--reduction sum") -> None:
    """Refuse a reduction the loss does not define (``no_sum``); ``option``
    is how the caller asked for it (``reduction='sum'`` in Python)."""
    if reduction == "sum" and bound.spec.no_sum is not None:
        message, hint = bound.spec.no_sum
        raise LossCliError(f"{bound.display} has no {option}: {message}", hint=hint)


def parse_spec(text: str, global_params: dict[str, Any] | None = None) -> BoundLoss:
    """Parse ``NAME`` or ``NAME:key=value,key=value``.

    ``global_params`` (from --from-logits, --eps) apply to every loss that has
    the parameter, unless the spec string sets it itself.
    """
    spec, explicit = parse_explicit(text)
    params = spec.defaults()
    switched = set()
    for key, value in (global_params or {}).items():
        # Only the shared switch of that name: poisson's own 'eps' is not --eps.
        if key in params and spec.param(key) is GLOBAL_SWITCHES.get(key):
            params[key] = spec.param(key).validate(value, spec.name)
            switched.add(key)
    params.update(explicit)
    label = spec.name if not explicit else f"{spec.name}:" + ",".join(f"{k}={_show(v)}" for k, v in explicit.items())
    return BoundLoss(spec, params, label, given=frozenset(switched | set(explicit)))


def parse_explicit(text: str) -> tuple[LossSpec, dict[str, Any]]:
    """The loss of a spec string and the parameters it sets itself (no defaults)."""
    name, _, rest = text.partition(":")
    if not name.strip():
        raise LossCliError(f"empty loss name in '{text}'", hint="write --loss NAME or --loss NAME:key=value")
    spec = get(name)
    explicit: dict[str, Any] = {}
    items = _split_params(rest)
    for index, item in enumerate(items):
        key, sep, value = item.partition("=")
        if not sep:
            raise _list_split_by_commas(text, spec, items, index) or LossCliError(
                f"parameter '{item}' in loss spec '{text}' needs a value",
                hint="write key=value, for example huber:delta=2",
            )
        param = spec.param(key.strip())
        if param.name in explicit:
            raise LossCliError(f"parameter '{param.name}' is given twice in loss spec '{text}'", hint="give each parameter once")
        explicit[param.name] = param.parse(value, spec.name)
    return spec, explicit


def _split_params(rest: str) -> list[str]:
    # Values never contain ',' except lists, which are written with ';'.
    return [part.strip() for part in rest.split(",") if part.strip()] if rest.strip() else []


def _list_split_by_commas(text: str, spec: LossSpec, items: list[str], index: int) -> LossCliError | None:
    """The error for a list written with the parameter separator
    (``weights=0.2,0.8``): the bare number at ``items[index]`` continues the
    list before it, which needs ';' instead. None when that is not the case."""
    if index == 0 or not _is_number(items[index]):
        return None
    start = index - 1
    key, _, first = items[start].partition("=")
    if spec.param(key.strip()).type != "floats" or not _is_number(first):
        return None
    end = index
    while end < len(items) and "=" not in items[end] and _is_number(items[end]):
        end += 1
    fixed = f"{key.strip()}=" + ";".join([first.strip(), *items[index:end]])
    corrected = f"{text.partition(':')[0]}:" + ",".join([*items[:start], fixed, *items[end:]])
    return LossCliError(
        f"loss spec '{text}': list values are separated by ';' (quote the spec in a shell): {fixed}",
        hint=f"write --loss '{corrected}'",
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ";".join(_num(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return _num(value) if isinstance(value, float) else str(value)
