"""Loss curves: each loss as a function of one input, drawn from the registered kernels.

A curve is the value a one-row input would get: the kernel is called through
:func:`losscli.per_sample` on a grid of inputs that vary one quantity (the
residual, the probability of the true class, the margin, a distance), so the
pictures can never disagree with the numbers ``compute`` reports.

Where a loss sits on an x-axis is decided by :func:`placement` from the loss's
family, roles and parameters. Losses with no meaningful single input to vary
(CTC, dice over a mask, distribution distances) raise :class:`NotPlottable`
with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import LossCliError
from ..shell import quote
from ..registry import BoundLoss, all_specs, bind, parse_spec

DEFAULT_POINTS = 401


# =========================================================================== axes


@dataclass(frozen=True)
class Axis:
    """One kind of x-axis; losses can share a chart only when they share the axis."""

    key: str
    label: str
    short: str
    default_range: tuple[float, float]


RESIDUAL = Axis("residual", "residual  y_pred - y_true", "the residual", (-3.0, 3.0))
PROBABILITY = Axis("probability", "predicted probability of the true class", "the probability of the true class", (0.01, 1.0))
MARGIN = Axis("margin", "margin  y*s  (label ±1 times the score)", "the margin y*s", (-3.0, 3.0))
DISTANCE = Axis("distance", "distance between the pair's embeddings", "the pair distance", (0.0, 2.0))
COSINE = Axis("cosine", "cosine similarity of the pair", "the cosine similarity", (-1.0, 1.0))
TRIPLET_GAP = Axis("triplet_gap", "d(anchor, positive) - d(anchor, negative)", "the distance gap", (-2.0, 2.0))
FAKE_PROBABILITY = Axis(
    "fake_probability", "D(G(z)): discriminator's probability that a generated sample is real", "D(G(z))", (0.01, 0.99)
)
FAKE_SCORE = Axis("fake_score", "critic score of a generated sample", "the critic score", (-2.0, 2.0))


@dataclass(frozen=True)
class Branch:
    """One curve of a loss: how to build the loss's inputs from the x values.

    ``one_sample_per_point`` is for losses computed per sample (ratio kinds):
    each grid point becomes its own sample.
    """

    inputs: Callable[[np.ndarray], dict[str, Any]]
    suffix: str = ""
    one_sample_per_point: bool = False


@dataclass(frozen=True)
class Placement:
    axis: Axis
    branches: tuple[Branch, ...]
    # Shown after the loss's name in the legend: what is held fixed ("y_true=3").
    held: str = ""


class NotPlottable(LossCliError):
    """This loss (with these parameters) has no curve; ``variant`` names one that has."""

    def __init__(self, message: str, *, variant: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.variant = variant


# =========================================================================== placement


# Losses of the relative size of the error: their curve depends on the target,
# not only on the residual, so it is drawn around a target of 3 (named in the legend).
_TARGET_DEPENDENT = {"msle": 3.0, "mape": 3.0, "poisson": 3.0}


def placement(bound: BoundLoss, *, y_true: float | None = None) -> Placement:
    """Where ``bound`` sits on an x-axis, or :class:`NotPlottable` with the reason."""
    spec = bound.spec
    roles = {role.name for role in spec.roles}
    if any(role.shape == "sequence" for role in spec.roles):
        raise NotPlottable(f"'{spec.name}' scores a whole sequence alignment; no single input can be varied along an axis")
    if spec.kind == "exact":
        raise NotPlottable(f"'{spec.name}' compares whole columns at once, so a single prediction has no value to draw")
    if spec.family == "regression":
        return _regression(bound, roles, y_true)
    if spec.family == "classification":
        return _classification(bound)
    if spec.family == "ranking":
        return _ranking(bound, roles)
    if spec.family == "generative":
        return _generative(bound, roles)
    if spec.kind == "ratio":
        raise NotPlottable(f"'{spec.name}' is computed over all rows of a sample (a whole mask); one prediction alone has no curve")
    raise NotPlottable(f"'{spec.name}' has no single input to vary along an axis")


def _regression(bound: BoundLoss, roles: set[str], y_true: float | None) -> Placement:
    extra = roles - {"y_true", "y_pred"}
    if extra - {"var"}:
        raise NotPlottable(f"'{bound.name}' needs inputs besides y_true and y_pred ({', '.join(sorted(extra))})")
    target = y_true if y_true is not None else _TARGET_DEPENDENT.get(bound.name, 0.0)
    log_input = bool(bound.params.get("log_input", False))

    def inputs(x: np.ndarray) -> dict[str, Any]:
        prediction = target + x
        if log_input:
            # The kernel reads a log-rate; the axis stays the residual of the rate.
            with np.errstate(divide="ignore", invalid="ignore"):
                prediction = np.log(prediction)
        arrays: dict[str, Any] = {"y_true": np.full_like(x, target), "y_pred": prediction}
        if "var" in roles:
            arrays["var"] = np.ones_like(x)
        return arrays

    held = [f"y_true={_short(target)}"] if target != 0.0 else []
    if "var" in roles:
        held.append("var=1")
    return Placement(RESIDUAL, (Branch(inputs),), ", ".join(held))


def _classification(bound: BoundLoss) -> Placement:
    spec = bound.spec
    if isinstance(bound.params.get("weights"), str):
        raise NotPlottable(
            f"'{bound.name}' with weights={bound.params['weights']} takes its class weights from a file's class counts",
            # Quoted, the spec is one word in a shell and a string in Python alike.
            hint=f"give the weights to plot it, e.g. {quote(f'{bound.name}:weights=0.2;0.8')}",
        )
    reads_probabilities = "from_logits" in bound.params and not bound.params["from_logits"]
    # Binary losses read one column (the positive class's probability or score);
    # multiclass ones read one column per class: the true class and one other.
    one_hot = spec.role("y_true").shape == "class" and "binary" not in spec.tasks
    if reads_probabilities:
        axis = PROBABILITY

        def predictions(x: np.ndarray) -> np.ndarray:
            return np.column_stack([x, 1.0 - x]) if one_hot else x

    else:
        # Scores or logits: the true class scores x, the other class 0.
        axis = MARGIN

        def predictions(x: np.ndarray) -> np.ndarray:
            return np.column_stack([x, np.zeros_like(x)]) if one_hot else x

    def inputs(x: np.ndarray) -> dict[str, Any]:
        # True class: index 0 with two columns, or label 1 with one column.
        label = np.zeros_like(x) if one_hot else np.ones_like(x)
        return {"y_true": label, "y_pred": predictions(x)}

    return Placement(axis, (Branch(inputs),))


def _ranking(bound: BoundLoss, roles: set[str]) -> Placement:
    if "distance" in roles:
        return Placement(
            DISTANCE,
            (
                Branch(lambda d: {"distance": d, "y_true": np.ones_like(d)}, "similar pair (y=1)"),
                Branch(lambda d: {"distance": d, "y_true": np.zeros_like(d)}, "dissimilar pair (y=0)"),
            ),
        )
    if {"anchor", "positive", "negative"} <= roles:
        # One-dimensional embeddings: anchor at 0, negative at 2, positive at 2 + gap.
        def triplet(gap: np.ndarray) -> dict[str, Any]:
            n = len(gap)
            return {"anchor": np.zeros((n, 1)), "positive": (gap + 2.0)[:, None], "negative": np.full((n, 1), 2.0)}

        return Placement(TRIPLET_GAP, (Branch(triplet),), "d(anchor, negative)=2")
    if {"x1", "x2", "y_true"} <= roles:
        def pair(cosine: np.ndarray, label: float) -> dict[str, Any]:
            # Unit vectors at the angle whose cosine is x.
            sine = np.sqrt(np.clip(1.0 - cosine * cosine, 0.0, None))
            n = len(cosine)
            return {"x1": np.tile([1.0, 0.0], (n, 1)), "x2": np.column_stack([cosine, sine]), "y_true": np.full(n, label)}

        return Placement(
            COSINE,
            (
                Branch(lambda c: pair(c, 1.0), "similar pair (y=1)"),
                Branch(lambda c: pair(c, -1.0), "dissimilar pair (y=-1)"),
            ),
        )
    raise NotPlottable(f"'{bound.name}' has no single input to vary along an axis")


def _generative(bound: BoundLoss, roles: set[str]) -> Placement:
    if not {"y_true", "y_pred"} >= roles or bound.spec.role("y_pred").shape != "scalar":
        raise NotPlottable(
            f"'{bound.name}' is a distance between feature vectors; its curve is that of the distance itself",
            hint="plot mse or mae for the l2 and l1 distances",
        )
    side = bound.params.get("side")
    if side != "generator":
        raise NotPlottable(
            f"'{bound.name}' with side={side} adds a term over real and one over generated samples, so it has no single curve",
            variant=f"{bound.name}:side=generator",
            hint=f"plot the generator's loss: {bound.name}:side=generator",
        )
    form = bound.params.get("form")
    reads_probabilities = form in ("minimax", "non_saturating") and not bound.params.get("from_logits", False)
    axis = FAKE_PROBABILITY if reads_probabilities else FAKE_SCORE

    def inputs(x: np.ndarray) -> dict[str, Any]:
        return {"y_true": np.zeros_like(x), "y_pred": x}

    return Placement(axis, (Branch(inputs, one_sample_per_point=True),))


def plottable_losses() -> list[str]:
    """Every loss (or variant such as ``adversarial:side=generator``) that has a curve."""
    names = []
    for spec in all_specs():
        try:
            placement(bind(spec))
            names.append(spec.name)
        except NotPlottable as why:
            if why.variant:
                names.append(why.variant)
    return names


# =========================================================================== evaluating


def loss_values(bound: BoundLoss, branch: Branch, x: np.ndarray) -> np.ndarray:
    """The loss at each x; NaN where the loss is undefined or infinite there.

    A kernel rejects a whole call when one input is outside its domain (msle
    below -1), so a rejected stretch of the grid is split until the valid
    points are found: O(log n) extra calls per domain edge.
    """
    try:
        values = _call(bound, branch, x)
    except LossCliError:
        if len(x) == 1:
            return np.array([np.nan])
        middle = len(x) // 2
        return np.concatenate([loss_values(bound, branch, x[:middle]), loss_values(bound, branch, x[middle:])])
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    return np.where(np.isfinite(values), values, np.nan)


def _call(bound: BoundLoss, branch: Branch, x: np.ndarray) -> np.ndarray:
    from ..api import per_sample

    inputs = branch.inputs(x)
    if branch.one_sample_per_point:
        return per_sample(bound, sample_ids=np.arange(len(x)), **inputs)
    values = np.asarray(per_sample(bound, **inputs), dtype=np.float64)
    if bound.spec.kind == "mean" and bound.spec.finalize is not None:
        # The mean of one row is the row itself; finalize turns it into the
        # loss a one-row input reports (rmse: the square root). A handful of
        # grid points, so a comprehension is fine.
        values = np.array([bound.spec.finalize(float(v), **bound.params) for v in values])
    return values


def gradient_values(bound: BoundLoss, branch: Branch, x: np.ndarray, step: float) -> np.ndarray:
    """d loss / d x by central differences on the kernel itself.

    At a kink (mae at 0, hinge at 1) the difference straddles it and gives the
    mean of the two one-sided slopes: the jump stays visible on the chart.
    """
    above = loss_values(bound, branch, x + step)
    below = loss_values(bound, branch, x - step)
    return (above - below) / (2.0 * step)


# =========================================================================== charts


@dataclass
class Series:
    label: str
    x: np.ndarray
    y: np.ndarray


@dataclass
class Panel:
    """One set of axes: a y label and the series drawn on it."""

    y_label: str
    series: list[Series]
    y_range: tuple[float, float] | None = None


@dataclass
class CurveChart:
    title: str
    x_label: str
    x_range: tuple[float, float]
    panels: list[Panel]
    notes: list[str] = field(default_factory=list)


def curves(
    losses: Sequence[str | BoundLoss],
    *,
    x_range: tuple[float, float] | None = None,
    gradient: bool = False,
    points: int = DEFAULT_POINTS,
    y_true: float | None = None,
    y_range: tuple[float, float] | None = None,
    global_params: dict[str, Any] | None = None,
    title: str | None = None,
) -> CurveChart:
    """Each loss as a function of one input, and with ``gradient`` its derivative.

    ``losses`` are spec strings (``focal:gamma=2``) or bound losses; they must
    share an x-axis. ``y_true`` holds the target fixed for regression losses
    (default 0, or 3 for losses of the relative error). ``y_range`` fixes the
    loss panel's vertical range.
    """
    if not losses:
        raise LossCliError("give at least one loss to plot", hint=f"plottable: {', '.join(plottable_losses())}")
    bounds = [item if isinstance(item, BoundLoss) else parse_spec(item, global_params) for item in losses]
    placed = [(bound, _placed(bound, y_true)) for bound in bounds]
    axis = _shared_axis(placed)
    if y_true is not None and axis is not RESIDUAL:
        raise LossCliError(f"the target y_true can be fixed for regression losses only; these are drawn against {axis.short}")
    low, high = _checked_range(x_range or axis.default_range, "x range")
    if points < 3:
        raise LossCliError(f"points must be at least 3, got {points}")
    x = np.linspace(low, high, points)
    loss_series: list[Series] = []
    gradient_series: list[Series] = []
    step = (high - low) * 1e-6
    for bound, where in placed:
        for branch in where.branches:
            label = _label(bound, branch, where)
            values = loss_values(bound, branch, x)
            if not np.isfinite(values).any():
                raise LossCliError(
                    f"'{label}' has no finite value on {low:g}..{high:g}{_reason(bound, branch, x)}",
                    hint="choose another --range",
                )
            loss_series.append(Series(label, x, values))
            if gradient:
                gradient_series.append(Series(label, x, gradient_values(bound, branch, x, step)))
    panels = [Panel("loss", loss_series, _checked_range(y_range, "y range") if y_range else None)]
    if gradient:
        panels.append(Panel("gradient  d loss / dx", gradient_series))
    names = ", ".join(dict.fromkeys(bound.display for bound in bounds))
    return CurveChart(
        title=title or f"{names} against {axis.short}",
        x_label=axis.label,
        x_range=(low, high),
        panels=panels,
        notes=_notes(bounds),
    )


def _reason(bound: BoundLoss, branch: Branch, x: np.ndarray) -> str:
    """Why the loss failed in the middle of the range, in the kernel's words."""
    try:
        _call(bound, branch, x[len(x) // 2 : len(x) // 2 + 1])
    except LossCliError as error:
        return f": {error.message}"
    return ""


def _placed(bound: BoundLoss, y_true: float | None) -> Placement:
    try:
        return placement(bound, y_true=y_true)
    except NotPlottable as why:
        why.hint = (why.hint + "; " if why.hint else "") + f"losses that can be plotted: {', '.join(plottable_losses())}"
        raise


def _shared_axis(placed: list[tuple[BoundLoss, Placement]]) -> Axis:
    axes: dict[str, list[str]] = {}
    for bound, where in placed:
        axes.setdefault(where.axis.key, []).append(bound.display)
    if len(axes) > 1:
        groups = "; ".join(f"{', '.join(names)} against {_axis(key).short}" for key, names in axes.items())
        hint = "plot them separately"
        if PROBABILITY.key in axes and MARGIN.key in axes:
            first = axes[PROBABILITY.key][0].split(":")[0]
            hint += f", or put the probability losses on the margin axis with --from-logits ({first}:from_logits=true)"
        raise LossCliError(f"these losses do not share an x-axis: {groups}", hint=hint)
    return placed[0][1].axis


def _axis(key: str) -> Axis:
    return next(a for a in (RESIDUAL, PROBABILITY, MARGIN, DISTANCE, COSINE, TRIPLET_GAP, FAKE_PROBABILITY, FAKE_SCORE) if a.key == key)


def _checked_range(value: tuple[float, float], what: str) -> tuple[float, float]:
    low, high = (float(v) for v in value)
    if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
        raise LossCliError(f"{what} must be two finite numbers LOW,HIGH with LOW < HIGH, got {low:g},{high:g}")
    return low, high


def parse_range(text: str, option: str) -> tuple[float, float]:
    """``"-3,3"`` -> (-3.0, 3.0), with an error naming the option."""
    parts = [part.strip() for part in text.replace(":", ",").split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise LossCliError(f"{option} takes LOW,HIGH, got '{text}'", hint=f"for example {option} -3,3") from None
    return _checked_range((low, high), option)


def _label(bound: BoundLoss, branch: Branch, where: Placement) -> str:
    label = bound.display
    if branch.suffix:
        label += f", {branch.suffix}"
    if where.held:
        label += f" ({where.held})"
    return label


def _notes(bounds: list[BoundLoss]) -> list[str]:
    notes = []
    for bound in bounds:
        alpha = bound.params.get("alpha")
        if bound.name == "focal" and isinstance(alpha, float) and alpha >= 0:
            notes.append(
                f"focal with alpha={_short(alpha)}: alpha multiplies the loss of the true class; "
                "add alpha=-1 to compare its shape with bce"
            )
    return list(dict.fromkeys(notes))


def _short(value: float) -> str:
    return f"{value:g}"
