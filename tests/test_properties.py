"""Properties every registered loss must have, on inputs drawn by hypothesis.

The inputs come from each family's ``EXAMPLES`` generators (hypothesis draws
the seed and the row count, so one row is always among the cases), plus
targeted inputs: perfect predictions, logits up to +-800 and probabilities of
exactly 0 and 1.

``test_engine.py`` checks batching, unit weights and row order on one fixed
input per loss; here the same folds are checked on drawn row counts and cut
points, together with what the loss itself promises: never negative where
``minimum == 0``, its minimum at a perfect prediction, finite on valid input,
and the logits path equal to the probability path.

Every loss is covered by every property or excluded from it with a reason;
``test_every_loss_is_covered_by_every_property`` fails for a loss registered
without property coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losscli
from losscli.engine import Batch, GroupValue, evaluate
from losscli.registry import EPS, FROM_LOGITS, LossSpec, all_specs, bind, get

from examples import all_examples, as_arrays, split

# Deterministic draws (CI must not flake), no example database on disk, and
# no deadline: the first call of a loss may import or warm up numpy paths.
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

EXAMPLES = all_examples()
NAMES = [spec.name for spec in all_specs()]

seeds = st.integers(min_value=0, max_value=2**32 - 1)
row_counts = st.integers(min_value=1, max_value=40)

# --------------------------------------------------------------------------- evaluating


@dataclass
class Case:
    """One drawn input of a loss, split the way the engine takes it."""

    spec: LossSpec
    arrays: dict[str, np.ndarray]
    params: dict[str, Any]
    weights: np.ndarray | None = None
    samples: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(next(iter(self.arrays.values())))

    def with_params(self, **changes: Any) -> "Case":
        return Case(self.spec, self.arrays, {**self.params, **changes}, self.weights, self.samples)

    def with_arrays(self, **changes: np.ndarray) -> "Case":
        return Case(self.spec, {**self.arrays, **changes}, self.params, self.weights, self.samples)

    def take(self, rows: np.ndarray) -> "Case":
        """The rows at ``rows`` (repeats and reordering allowed)."""
        return Case(
            self.spec,
            {role: values[rows] for role, values in self.arrays.items()},
            self.params,
            None if self.weights is None else self.weights[rows],
            None if self.samples is None else self.samples[rows],
        )


def case_from_kwargs(name: str, kwargs: dict[str, Any]) -> Case:
    spec = get(name)
    arrays, params, weights, samples = split(spec, kwargs)
    return Case(
        spec,
        as_arrays(spec, arrays),
        params,
        None if weights is None else np.asarray(weights, dtype=np.float64),
        None if samples is None else np.asarray(samples),
    )


def example_case(name: str, seed: int, n: int) -> Case:
    if name not in EXAMPLES:
        pytest.fail(f"'{name}' has no EXAMPLES entry in tests/examples_<family>.py")
    return case_from_kwargs(name, EXAMPLES[name](np.random.default_rng(seed), n))


def outcome(
    case: Case, *, weights: np.ndarray | None = None, cuts: list[int] | tuple[int, ...] = (), reduction: str = "mean"
) -> GroupValue:
    """The overall value, with the rows handed to the engine in batches cut at ``cuts``."""
    weights = case.weights if weights is None else weights
    edges = [0, *sorted(set(cuts)), case.n]
    batches = [
        Batch(
            arrays=[{role: values[lo:hi] for role, values in case.arrays.items()}],
            n=hi - lo,
            weights=None if weights is None else weights[lo:hi],
            samples=None if case.samples is None else case.samples[lo:hi],
            row_offset=lo,
        )
        for lo, hi in zip(edges[:-1], edges[1:])
        if hi > lo
    ]
    outcomes, _ = evaluate(batches, [bind(case.spec, case.params)], reduction=reduction, by_sample=case.samples is not None)
    return outcomes[0].overall


def value_of(case: Case, **kwargs: Any) -> float | None:
    return outcome(case, **kwargs).value


def per_row_values(case: Case) -> np.ndarray | None:
    """Per-row losses of a ``mean`` loss (other kinds have no row values of their own)."""
    if case.spec.kind != "mean":
        return None
    return losscli.per_sample(case.spec.name, **case.arrays, **case.params)


def assert_same_value(actual: float | None, expected: float | None, *, rel: float = 1e-9) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, rel=rel, abs=1e-12)


def has_from_logits(spec: LossSpec) -> bool:
    return any(param is FROM_LOGITS for param in spec.params)


def has_shared_eps(spec: LossSpec) -> bool:
    return any(param is EPS for param in spec.params)


# --------------------------------------------------------------------------- non-negativity

# Losses declared with a minimum other than 0, and why they may go below it.
NEGATIVE_ALLOWED = {
    "poisson": "a negative log-likelihood without the log(y!) term: exp(p) - y p reaches y - y log y < 0 at p = log y when y > e",
    "gaussian_nll": "0.5 log(var) goes to -inf as the predicted variance shrinks",
    "wasserstein": "critic and generator losses are differences/negatives of unbounded scores",
    "adversarial": "the minimax and hinge generator losses are negative by construction",
}


# --------------------------------------------------------------------------- perfect predictions

MakePerfect = Callable[[np.random.Generator, int], tuple[dict[str, Any], float]]


def _copy_truth(name: str) -> MakePerfect:
    """y_pred equal to y_true: zero for every distance-like loss."""

    def make(rng: np.random.Generator, n: int) -> tuple[dict[str, Any], float]:
        kwargs = EXAMPLES[name](rng, n)
        kwargs["y_pred"] = np.array(kwargs["y_true"], dtype=np.float64, copy=True)
        return kwargs, 0.0

    return make


def _n_classes(rng: np.random.Generator) -> int:
    return int(rng.integers(2, 6))


def _one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes)[classes]


def _clipped_certainty(eps: float = EPS.default) -> float:
    """-log(1 - eps): what a correct 0/1 probability costs after clipping to [eps, 1-eps] (Keras' rule)."""
    return -math.log1p(-eps)


def perfect_bce(rng, n):
    y = rng.integers(0, 2, n).astype(np.float64)
    # Clipped to [eps, 1-eps], a certain correct prediction still costs -log(1 - eps) per row.
    return {"y_true": y, "y_pred": y.copy()}, _clipped_certainty()


def perfect_class_probabilities(name: str, *, one_hot_labels: bool = False, **params: Any) -> MakePerfect:
    """One-hot probability rows on the true class: -log(1) = 0 (classes clip to [eps, 1])."""

    def make(rng, n):
        n_classes = _n_classes(rng)
        classes = rng.integers(0, n_classes, n)
        labels = _one_hot(classes, n_classes) if one_hot_labels else classes.astype(np.float64)
        return {"y_true": labels, "y_pred": _one_hot(classes, n_classes), **params}, 0.0

    return make


def perfect_label_smoothing(rng, n):
    # The best prediction is the smoothed target itself; the loss is then its entropy,
    # the same on every row: q_true = 1 - s + s/C, the other C-1 classes s/C.
    n_classes = _n_classes(rng)
    smoothing = float(rng.uniform(0.01, 0.5))
    classes = rng.integers(0, n_classes, n)
    low = smoothing / n_classes
    high = 1.0 - smoothing + low
    target = np.full((n, n_classes), low)
    target[np.arange(n), classes] = high
    entropy = -(high * math.log(high) + (n_classes - 1) * low * math.log(low))
    return {"y_true": classes.astype(np.float64), "y_pred": target, "smoothing": smoothing}, entropy


def perfect_sign_scores(zero_one_labels: bool) -> MakePerfect:
    """Scores on the right side with a margin of at least 1: max(0, 1 - y s) = 0."""

    def make(rng, n):
        signs = rng.choice([-1.0, 1.0], n)
        labels = (signs + 1.0) / 2.0 if zero_one_labels else signs
        return {"y_true": labels, "y_pred": signs * rng.uniform(1.0, 5.0, n)}, 0.0

    return make


def perfect_categorical_hinge(rng, n):
    n_classes = _n_classes(rng)
    classes = rng.integers(0, n_classes, n)
    scores = rng.normal(0.0, 2.0, (n, n_classes))
    wrong = scores.copy()
    wrong[np.arange(n), classes] = -np.inf
    # The true class beats the best wrong class by at least the margin 1.
    scores[np.arange(n), classes] = wrong.max(axis=1) + rng.uniform(1.0, 3.0, n)
    return {"y_true": classes.astype(np.float64), "y_pred": scores}, 0.0


def perfect_kl_div(rng, n):
    """KL(p || p) = 0 for every distribution p, including ones with probabilities of
    exactly 0 (0 log 0 = 0) and below the clipping eps (the first row always has one)."""
    n_classes = _n_classes(rng)
    rows = rng.dirichlet(np.ones(n_classes), n)
    smallest = rng.choice([0.0, 1e-12, 1e-9, 1e-3], n)
    smallest[0] = 1e-9
    rows[:, 1:] *= ((1.0 - smallest) / rows[:, 1:].sum(axis=1))[:, None]
    rows[:, 0] = smallest
    return {"y_true": rows, "y_pred": rows.copy()}, 0.0


def perfect_focal(rng, n):
    # (1 - p_t)^gamma is exactly 0 when the unclipped probability of the truth is 1.
    gamma = float(rng.uniform(0.5, 3.0))
    if rng.random() < 0.5:
        y = rng.integers(0, 2, n).astype(np.float64)
        return {"y_true": y, "y_pred": y.copy(), "gamma": gamma}, 0.0
    n_classes = _n_classes(rng)
    classes = rng.integers(0, n_classes, n)
    return {"y_true": classes.astype(np.float64), "y_pred": _one_hot(classes, n_classes), "gamma": gamma}, 0.0


def _unit_rows(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    rows = rng.normal(size=(n, width))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def perfect_contrastive(rng, n):
    # Similar pairs identical (d = 0); dissimilar pairs at least the margin apart.
    margin = float(rng.uniform(0.1, 3.0))
    similar = rng.integers(0, 2, n).astype(np.float64)
    x1 = rng.normal(size=(n, 4))
    apart = x1 + _unit_rows(rng, n, 4) * (margin + rng.uniform(0.01, 2.0, (n, 1)))
    x2 = np.where(similar[:, None] == 1, x1, apart)
    return {"y_true": similar, "x1": x1, "x2": x2, "margin": margin}, 0.0


def perfect_triplet(rng, n):
    # Positive = anchor (d(a, p) = eps * sqrt(k)); negative farther than margin + 1.
    margin = float(rng.uniform(0.1, 3.0))
    anchor = rng.normal(size=(n, 4))
    negative = anchor + _unit_rows(rng, n, 4) * (margin + 1.0 + rng.uniform(0.0, 2.0, (n, 1)))
    return {"anchor": anchor, "positive": anchor.copy(), "negative": negative, "margin": margin}, 0.0


def perfect_cosine_embedding(rng, n):
    # Similar pairs point the same way, dissimilar ones opposite (cos = -1 <= any margin).
    labels = rng.choice([-1.0, 1.0], n)
    x1 = rng.normal(size=(n, 4))
    x2 = x1 * labels[:, None] * rng.uniform(0.5, 2.0, (n, 1))
    return {"y_true": labels, "x1": x1, "x2": x2, "margin": float(rng.uniform(-1.0, 1.0))}, 0.0


def perfect_ctc(rng, n):
    """Frames that put probability 1 on one path collapsing to the target."""
    n_classes = 5
    targets, frames = [], []
    for _ in range(n):
        target = rng.integers(1, n_classes, rng.integers(0, 4))
        path: list[int] = [0] * int(rng.integers(0, 2))
        for position, label in enumerate(target):
            if position and label == target[position - 1]:
                path.append(0)  # a blank separates repeated labels
            path.extend([int(label)] * int(rng.integers(1, 3)))
        path.extend([0] * int(rng.integers(0, 2)))
        if not path:
            path = [0]
        log_probs = np.full((len(path), n_classes), -np.inf)  # log 0
        log_probs[np.arange(len(path)), path] = 0.0  # log 1
        targets.append(target)
        frames.append(log_probs)
    return {"y_true": _ragged(targets), "y_pred": _ragged(frames)}, 0.0


def _ragged(items: list[np.ndarray]) -> np.ndarray:
    column = np.empty(len(items), dtype=object)
    column[:] = items
    return column


def perfect_overlap(name: str) -> MakePerfect:
    """Predicted probabilities equal to the 0/1 truth: I = P = T, so the ratio is 1 for every class."""

    def make(rng, n):
        kwargs = EXAMPLES[name](rng, n)
        truth = np.asarray(kwargs["y_true"], dtype=np.float64)
        width = np.asarray(kwargs["y_pred"]).shape[1] if np.ndim(kwargs["y_pred"]) == 2 else 1
        if width > 1 and truth.ndim == 1:
            truth = _one_hot(truth.astype(np.int64), width)
        kwargs["y_pred"] = truth.copy()
        return kwargs, 0.0

    return make


def perfect_wasserstein_distance(rng, n):
    # Same values in another order: the same distribution.
    values = rng.normal(size=n)
    return {"y_true": values, "y_pred": rng.permutation(values)}, 0.0


def perfect_adversarial(rng, n):
    """A discriminator that is right and certain: D(real) = 1, D(fake) = 0."""
    n = max(n, 2)  # one real and one fake row at least
    real = rng.permutation(np.arange(n) % 2 == 0).astype(np.float64)
    form = str(rng.choice(["non_saturating", "minimax", "least_squares", "hinge"]))
    if form == "hinge":
        # Hinge wants D(real) >= 1 and D(fake) <= -1.
        scores = np.where(real == 1, rng.uniform(1.0, 3.0, n), -rng.uniform(1.0, 3.0, n))
        return {"y_true": real, "y_pred": scores, "form": form}, 0.0
    if form == "least_squares":
        return {"y_true": real, "y_pred": real.copy(), "form": form}, 0.0
    # BCE forms: each of the two means costs -log(1 - eps) after clipping.
    return {"y_true": real, "y_pred": real.copy(), "form": form}, 2.0 * _clipped_certainty()


def perfect_perceptual(rng, n):
    kwargs = EXAMPLES["perceptual"](rng, n)
    kwargs["y_pred"] = np.array(kwargs["y_true"], copy=True)
    kwargs["distance"] = str(rng.choice(["l2", "l1", "cosine"]))
    return kwargs, 0.0


# name -> maker of (kwargs, known minimum), or the reason no perfect input exists.
PERFECT: dict[str, MakePerfect | str] = {
    "mse": _copy_truth("mse"),
    "mae": _copy_truth("mae"),
    "huber": _copy_truth("huber"),
    "smooth_l1": _copy_truth("smooth_l1"),
    "log_cosh": _copy_truth("log_cosh"),
    "rmse": _copy_truth("rmse"),
    "msle": _copy_truth("msle"),
    "mape": _copy_truth("mape"),
    "quantile": _copy_truth("quantile"),
    "poisson": "no perfect input: exp(p) - y p has its minimum y - y log y at p = log y, which depends on y "
    "and is negative for y > e (log(y!) is left out)",
    "gaussian_nll": "no perfect input: with y_pred = y_true the loss is 0.5 log(var), unbounded below as var -> 0",
    "bce": perfect_bce,
    "cce": perfect_class_probabilities("cce", one_hot_labels=True),
    "sparse_cce": perfect_class_probabilities("sparse_cce"),
    "label_smoothing_ce": perfect_label_smoothing,
    "weighted_ce": perfect_class_probabilities("weighted_ce", smoothing=0.0),
    "hinge": perfect_sign_scores(zero_one_labels=False),
    "squared_hinge": perfect_sign_scores(zero_one_labels=True),
    "categorical_hinge": perfect_categorical_hinge,
    "kl_div": perfect_kl_div,
    "focal": perfect_focal,
    "contrastive": perfect_contrastive,
    "triplet": perfect_triplet,
    "cosine_embedding": perfect_cosine_embedding,
    "ctc": perfect_ctc,
    "dice": perfect_overlap("dice"),
    "iou": perfect_overlap("iou"),
    "tversky": perfect_overlap("tversky"),
    "wasserstein": "no perfect input: the critic loss mean D(fake) - mean D(real) has no minimum "
    "(scores are unbounded)",
    "wasserstein_distance": perfect_wasserstein_distance,
    "adversarial": perfect_adversarial,
    "perceptual": perfect_perceptual,
}


# --------------------------------------------------------------------------- logits and probabilities


def sigmoid(x: np.ndarray) -> np.ndarray:
    # Written out here rather than borrowed from losscli: the test applies the link itself.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def sigmoid_or_softmax(x: np.ndarray) -> np.ndarray:
    """One column: sigmoid (binary); several: softmax over the row."""
    return sigmoid(x) if x.ndim == 1 or x.shape[1] == 1 else softmax(x)


@dataclass(frozen=True)
class Link:
    """How the probability-path input follows from logits for one loss.

    ``role`` holds the predictions, ``apply`` maps one logits array (a frame
    matrix for ragged roles) to what the loss reads without from_logits;
    ``variants`` are parameter sets the equivalence must hold for (one is drawn).
    """

    apply: Callable[[np.ndarray], np.ndarray]
    role: str = "y_pred"
    variants: tuple[dict[str, Any], ...] = field(default=({},))


LINKS: dict[str, Link] = {
    "bce": Link(sigmoid),
    "cce": Link(softmax),
    "sparse_cce": Link(softmax),
    "label_smoothing_ce": Link(softmax),
    "weighted_ce": Link(softmax),
    "kl_div": Link(softmax),
    "focal": Link(sigmoid_or_softmax),
    "ctc": Link(log_softmax),
    "dice": Link(sigmoid_or_softmax),
    "iou": Link(sigmoid_or_softmax),
    "tversky": Link(sigmoid_or_softmax),
    # least_squares and hinge read raw scores and ignore from_logits (see its notes).
    "adversarial": Link(sigmoid, variants=({"form": "non_saturating"}, {"form": "minimax"})),
}

# Losses with from_logits whose predictions are not probabilities.
PROBABILITY_EXCLUDED = {
    "ctc": "frames are log-probabilities; a probability of 0 is a log-probability of -inf, not a finite input",
}

NO_SWITCH = "no from_logits switch: the predictions are values or scores, not probabilities or logits"


def map_role(values: np.ndarray, change: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply ``change`` to a role array, or to every row of a ragged (object) role."""
    if values.dtype == object:
        return _ragged([change(np.asarray(item, dtype=np.float64)) for item in values])
    return change(values)


def random_logits(rng: np.random.Generator, scale: float) -> Callable[[np.ndarray], np.ndarray]:
    def draw(like: np.ndarray) -> np.ndarray:
        return np.clip(rng.normal(0.0, scale, like.shape), -4 * scale, 4 * scale)

    return draw


def extreme_logits(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    def draw(like: np.ndarray) -> np.ndarray:
        return rng.choice([-800.0, -799.5, -40.0, 0.0, 40.0, 799.5, 800.0], like.shape)

    return draw


def hard_probabilities(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """0/1 values for one column, one-hot rows for several: probabilities of exactly 0 and 1."""

    def draw(like: np.ndarray) -> np.ndarray:
        if like.ndim == 1 or like.shape[1] == 1:
            return rng.integers(0, 2, like.shape).astype(np.float64)
        return _one_hot(rng.integers(0, like.shape[1], like.shape[0]), like.shape[1])

    return draw


def probability_roles(case: Case) -> list[str]:
    """Roles that hold probabilities: the predictions, and soft-label columns (cce, kl_div)."""
    roles = [LINKS[case.spec.name].role]
    truth = case.arrays.get("y_true")
    is_soft = truth is not None and truth.dtype != object and truth.ndim == 2 and truth.shape[1] > 1
    if is_soft and case.spec.role("y_true").shape == "class":
        roles.append("y_true")
    return roles


# --------------------------------------------------------------------------- coverage

PROPERTIES = (
    "non_negative",
    "perfect_prediction",
    "finite_on_valid_input",
    "one_row",
    "row_order",
    "unit_weights",
    "integer_weights_repeat_rows",
    "batch_split",
    "sample_ids",
    "logits_equal_probabilities",
    "extreme_logits_finite",
    "probabilities_0_and_1_finite",
)


def exclusion(prop: str, spec: LossSpec) -> str | None:
    """None when ``spec`` is covered by ``prop``, else the reason it is excluded.

    Raises ``LookupError`` when the loss is neither covered nor excluded.
    """
    name = spec.name
    if prop == "non_negative":
        if spec.minimum == 0:
            return None
        if name in NEGATIVE_ALLOWED:
            return NEGATIVE_ALLOWED[name]
        raise LookupError(f"{name} declares minimum={spec.minimum!r}; add the reason to NEGATIVE_ALLOWED")
    if prop == "perfect_prediction":
        if name not in PERFECT:
            raise LookupError(f"{name} has no entry in PERFECT (a perfect input, or the reason there is none)")
        entry = PERFECT[name]
        return entry if isinstance(entry, str) else None
    if prop in ("logits_equal_probabilities", "extreme_logits_finite", "probabilities_0_and_1_finite"):
        if not has_from_logits(spec):
            if name in LINKS:
                raise LookupError(f"{name} is in LINKS but has no from_logits switch")
            return NO_SWITCH
        if name not in LINKS:
            raise LookupError(f"{name} has from_logits but no entry in LINKS (how its logits become probabilities)")
        if prop == "probabilities_0_and_1_finite" and name in PROBABILITY_EXCLUDED:
            return PROBABILITY_EXCLUDED[name]
        return None
    # Every other property runs on the family's EXAMPLES generator.
    if name not in EXAMPLES:
        raise LookupError(f"{name} has no EXAMPLES entry in tests/examples_<family>.py")
    return None


def covered_or_skip(prop: str, name: str) -> None:
    try:
        reason = exclusion(prop, get(name))
    except LookupError as missing:
        pytest.fail(f"property '{prop}': {missing}")
    if reason is not None:
        pytest.skip(f"{name} excluded from {prop}: {reason}")


def test_every_loss_is_covered_by_every_property():
    problems = []
    for spec in all_specs():
        for prop in PROPERTIES:
            try:
                reason = exclusion(prop, spec)
            except LookupError as missing:
                problems.append(f"{prop}: {missing}")
                continue
            if reason is not None and not reason.strip():
                problems.append(f"{prop}: {spec.name} is excluded without a reason")
    assert not problems, "\n".join(problems)


def test_tables_name_only_registered_losses():
    registered = set(NAMES)
    for table in (NEGATIVE_ALLOWED, PERFECT, LINKS, PROBABILITY_EXCLUDED):
        assert set(table) <= registered, set(table) - registered
    # A loss excused from non-negativity must really declare another minimum.
    assert all(get(name).minimum != 0 for name in NEGATIVE_ALLOWED)


# --------------------------------------------------------------------------- the properties


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts)
def test_never_negative(name, seed, n):
    covered_or_skip("non_negative", name)
    case = example_case(name, seed, n)
    for reduction in ("mean", "sum"):
        value = value_of(case, reduction=reduction)
        assert value is not None and value >= 0.0, (reduction, value)
    rows = per_row_values(case)
    if rows is not None:
        assert (rows >= 0.0).all(), rows


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts)
def test_perfect_prediction_gives_the_known_minimum(name, seed, n):
    covered_or_skip("perfect_prediction", name)
    kwargs, minimum = PERFECT[name](np.random.default_rng(seed), n)
    case = case_from_kwargs(name, kwargs)
    value = value_of(case)
    assert value is not None
    assert value == pytest.approx(minimum, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts)
def test_finite_on_valid_input(name, seed, n):
    covered_or_skip("finite_on_valid_input", name)
    case = example_case(name, seed, n)
    result = outcome(case)
    assert result.value is not None and math.isfinite(result.value), result.warning
    assert result.n == n
    rows = per_row_values(case)
    if rows is not None:
        assert rows.shape == (n,) and np.isfinite(rows).all()


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds)
def test_one_row(name, seed):
    covered_or_skip("one_row", name)
    case = example_case(name, seed, 1)
    result = outcome(case)
    assert result.n == 1
    assert result.value is not None and math.isfinite(result.value), result.warning
    if case.spec.minimum == 0:
        assert result.value >= 0.0
    rows = per_row_values(case)
    if rows is not None:
        assert rows.shape == (1,) and np.isfinite(rows).all()


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, data=st.data())
def test_row_order_does_not_matter(name, seed, n, data):
    covered_or_skip("row_order", name)
    case = example_case(name, seed, n)
    order = np.asarray(data.draw(st.permutations(range(n)), label="order"), dtype=np.int64)
    assert_same_value(value_of(case.take(order)), value_of(case))


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts)
def test_weights_of_one_equal_no_weights(name, seed, n):
    covered_or_skip("unit_weights", name)
    case = example_case(name, seed, n)
    for reduction in ("mean", "sum"):
        assert_same_value(value_of(case, weights=np.ones(n), reduction=reduction), value_of(case, reduction=reduction))


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, data=st.data())
def test_integer_weights_equal_repeated_rows(name, seed, n, data):
    """A weight of k counts a row k times (0 drops it): the meaning of a sample weight."""
    covered_or_skip("integer_weights_repeat_rows", name)
    case = example_case(name, seed, n)
    counts = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n), label="weights"))
    if counts.sum() == 0:
        counts[0] = 1
    repeated = case.take(np.repeat(np.arange(n), counts))
    for reduction in ("mean", "sum"):
        assert_same_value(
            value_of(case, weights=counts.astype(np.float64), reduction=reduction),
            value_of(repeated, reduction=reduction),
        )


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=st.integers(min_value=2, max_value=40), data=st.data())
def test_any_batch_split_equals_the_whole(name, seed, n, data):
    covered_or_skip("batch_split", name)
    case = example_case(name, seed, n)
    cuts = data.draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=n - 1, unique=True), label="cuts")
    for reduction in ("mean", "sum"):
        whole = outcome(case, reduction=reduction)
        parts = outcome(case, cuts=cuts, reduction=reduction)
        assert parts.n == whole.n
        assert_same_value(parts.value, whole.value)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, data=st.data())
def test_sample_ids_average_per_sample_losses(name, seed, n, data):
    """With --sample-col a per-sample (ratio) loss is the mean, or sum, of the loss of
    each sample on its own, however rows are ordered and batched; other losses ignore it."""
    covered_or_skip("sample_ids", name)
    case = example_case(name, seed, n)
    ids = np.asarray(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n), label="sample ids"))
    order = np.asarray(data.draw(st.permutations(range(n)), label="order"), dtype=np.int64)
    cuts = data.draw(st.lists(st.integers(1, max(1, n - 1)), max_size=5, unique=True), label="cuts") if n > 1 else []
    grouped = Case(case.spec, case.arrays, case.params, case.weights, ids).take(order)
    for reduction in ("mean", "sum"):
        actual = value_of(grouped, cuts=cuts, reduction=reduction)
        if case.spec.kind != "ratio":
            assert_same_value(actual, value_of(case, reduction=reduction))
            continue
        alone = [value_of(case.take(np.flatnonzero(ids == sample))) for sample in np.unique(ids)]
        if any(value is None for value in alone):
            assert actual is None  # a sample without a value makes the average undefined
        else:
            expected = float(np.sum(alone)) if reduction == "sum" else float(np.mean(alone))
            assert_same_value(actual, expected)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, variant=st.integers(0, 100))
def test_logits_path_equals_probability_path(name, seed, n, variant):
    covered_or_skip("logits_equal_probabilities", name)
    link = LINKS[name]
    rng = np.random.default_rng(seed)
    case = example_case(name, seed, n).with_params(**link.variants[variant % len(link.variants)])
    logits = map_role(case.arrays[link.role], random_logits(rng, scale=2.5))
    from_logits = case.with_arrays(**{link.role: logits}).with_params(from_logits=True)
    probabilities = case.with_arrays(**{link.role: map_role(logits, link.apply)}).with_params(from_logits=False)
    if has_shared_eps(case.spec):
        # No clipping on either path, so only the link itself is compared.
        from_logits, probabilities = from_logits.with_params(eps=0.0), probabilities.with_params(eps=0.0)
    expected = value_of(probabilities)
    assert expected is not None and math.isfinite(expected)
    assert value_of(from_logits) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, variant=st.integers(0, 100))
def test_logits_up_to_800_give_a_finite_value(name, seed, n, variant):
    covered_or_skip("extreme_logits_finite", name)
    link = LINKS[name]
    case = example_case(name, seed, n).with_params(**link.variants[variant % len(link.variants)])
    logits = map_role(case.arrays[link.role], extreme_logits(np.random.default_rng(seed)))
    case = case.with_arrays(**{link.role: logits}).with_params(from_logits=True)
    result = outcome(case)
    assert result.value is not None and math.isfinite(result.value), result.warning
    if case.spec.minimum == 0:
        assert result.value >= 0.0
    rows = per_row_values(case)
    if rows is not None:
        assert np.isfinite(rows).all()


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(seed=seeds, n=row_counts, variant=st.integers(0, 100))
def test_probabilities_of_exactly_0_and_1_give_a_finite_value(name, seed, n, variant):
    covered_or_skip("probabilities_0_and_1_finite", name)
    link = LINKS[name]
    case = example_case(name, seed, n).with_params(**link.variants[variant % len(link.variants)])
    draw = hard_probabilities(np.random.default_rng(seed))
    hard = {role: draw(case.arrays[role]) for role in probability_roles(case)}
    # Default eps: clipping keeps log(0) out.
    case = case.with_arrays(**hard).with_params(from_logits=False)
    if has_shared_eps(case.spec):
        case = case.with_params(eps=EPS.default)
    result = outcome(case)
    assert result.value is not None and math.isfinite(result.value), result.warning
    if case.spec.minimum == 0:
        assert result.value >= 0.0
