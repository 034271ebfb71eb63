"""Batch sums of regression losses from shared terms (losscli.losses.pair_sums).

When nothing needs a batch's rows (no weights, groups or per-row output), the
engine takes each regression loss's sum from terms that losses on the same
columns share. Those sums must equal the kernel's rows summed, leave every
batch they cannot sum exactly to the kernel, and give, over many batches, the
values scikit-learn and scipy give on the whole columns.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import special
from sklearn import metrics

from losscli.engine import Batch, batch_total, call_kernel, evaluate
from losscli.losses import pair_sums
from losscli.losses.pair_sums import shared_pair_sums
from losscli.registry import BoundLoss, parse_spec

# Every loss with a batch sum, with the parameters that change its sum.
SPECS = [
    "mse",
    "rmse",
    "mae",
    "huber",
    "huber:delta=0.25",
    "huber:delta=4",
    "smooth_l1",
    "smooth_l1:beta=0",
    "smooth_l1:beta=0.5",
    "log_cosh",
    "msle",
    "msle:floor=1e-7",
    "mape",
    "mape:percent=false,floor=2.220446049250313e-16",
    "quantile",
    "quantile:q=0.1",
    "quantile:q=0.9",
    "quantile:q=0.002",
    "poisson",
    "poisson:log_input=false",
    "poisson:log_input=false,eps=1e-7",
]


def _data(kind: str, n: int = 5_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Positive labels, so msle, mape and poisson are defined on every kind.
    y = rng.lognormal(0.0, 1.0, n)
    if kind == "noisy":
        p = np.abs(y + rng.normal(0.0, 0.5, n))
        p[rng.random(n) < 0.03] *= 20.0  # gross outliers: both Huber regimes
    elif kind == "tiny residuals":
        p = y * (1.0 + 1e-9 * rng.normal(size=n))
    elif kind == "perfect":
        p = y.copy()
    elif kind == "one row":
        y, p = y[:1], np.abs(y[:1] + 0.7)
    elif kind == "wide range":
        y = rng.lognormal(0.0, 8.0, n)
        p = y * rng.lognormal(0.0, 0.3, n)
    else:
        raise AssertionError(kind)
    return y, p


KINDS = ["noisy", "tiny residuals", "perfect", "one row", "wide range"]


def _kernel_sum(bound: BoundLoss, y: np.ndarray, p: np.ndarray) -> float:
    return math.fsum(np.asarray(call_kernel(bound, {"y_true": y, "y_pred": p}), dtype=float))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", SPECS)
def test_a_batch_sum_equals_the_kernel_rows_summed(text, kind):
    bound = parse_spec(text)
    y, p = _data(kind)
    expected = _kernel_sum(bound, y, p)  # the kernel's rows, summed exactly (math.fsum)
    got = batch_total(bound, {"y_true": y, "y_pred": p}, None)
    if got is None:
        # Only where the sum could lose accuracy; the kernel then runs.
        assert text == "quantile:q=0.002" or not math.isfinite(expected), text
        return
    if kind == "perfect" and text not in {"log_cosh", "poisson", "poisson:log_input=false", "poisson:log_input=false,eps=1e-7"}:
        assert got == 0.0
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)


def _exact_huber(residuals: np.ndarray, delta: float) -> Fraction:
    """Huber's rows (PyTorch HuberLoss's definition) summed in exact rationals."""
    d = Fraction(delta)
    total = Fraction(0)
    for value in residuals.tolist():
        a = abs(Fraction(value))
        total += a * a / 2 if a <= d else d * (a - d / 2)
    return total


@pytest.mark.parametrize(
    "residuals",
    [
        # Thousands of tiny residuals and two just past delta: a linear part of 1e-10
        # next to a sum of |e| of about 0.01.
        np.concatenate([np.random.default_rng(3).normal(0.0, 1e-6, 5_000), [1.0 + 1e-10, -(1.0 + 3e-10)]]),
        1.0 + np.random.default_rng(4).random(5_000) * 1e-12,  # every row just past delta
        np.random.default_rng(5).standard_cauchy(5_000),  # heavy tails
    ],
    ids=["tiny-and-two-past-delta", "all-just-past-delta", "cauchy"],
)
def test_the_huber_sum_keeps_its_digits(residuals):
    y = np.zeros_like(residuals)
    got = batch_total(parse_spec("huber"), {"y_true": y, "y_pred": residuals}, None)
    exact = _exact_huber(residuals, 1.0)
    assert abs(Fraction(got) - exact) <= exact * Fraction(1, 10**14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", SPECS)
def test_a_loss_alone_sums_in_pieces_what_shared_terms_sum_whole(text, kind, monkeypatch):
    """Without other losses on the batch, MSE, MAE and Huber (and the losses
    made of their sums) add up pieces of the residual; 997-row pieces of
    5,000 rows end in a short one."""
    monkeypatch.setattr(pair_sums, "PIECE_ROWS", 997)
    bound = parse_spec(text)
    y, p = _data(kind)
    alone = batch_total(bound, {"y_true": y, "y_pred": p}, None)
    shared = batch_total(bound, {"y_true": y, "y_pred": p}, {})
    # The same value, bit for bit, whatever other losses are asked for beside it.
    assert alone == shared
    if alone is not None:
        expected = _kernel_sum(bound, y, p)  # the kernel's rows, summed exactly (math.fsum)
        assert alone == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("n", [1, 2, 4_097, 32_768, 32_769, 100_003])
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_pieces_sum_the_same_in_scratch_and_in_kept_arrays(n, offset):
    """Alone, each piece is summed from a scratch array; beside other losses,
    from a view at some offset into the batch's residual: the same bits, for
    the default piece size, a short last piece and columns that start at odd
    offsets (a batch cut from a larger one)."""
    rng = np.random.default_rng(n + offset)
    y = rng.lognormal(0.0, 1.0, n + offset)[offset:]
    p = (y + rng.normal(0.0, 0.7, n + offset)[offset:])
    for text in ("mse", "mae", "huber", "huber:delta=0.3", "smooth_l1:beta=2", "quantile:q=0.8", "rmse"):
        bound = parse_spec(text)
        assert batch_total(bound, {"y_true": y, "y_pred": p}, None) == batch_total(bound, {"y_true": y, "y_pred": p}, {}), text


def test_every_regression_loss_on_two_columns_declares_a_batch_sum():
    from losscli.registry import all_specs

    with_sum = {spec.name for spec in all_specs() if spec.total is not None}
    assert with_sum == {"mse", "rmse", "mae", "huber", "smooth_l1", "log_cosh", "msle", "mape", "quantile", "poisson"}


@pytest.mark.parametrize(
    "text, change, reason",
    [
        ("mse", lambda y, p: p.__setitem__(3, np.nan), "NaN"),
        ("mae", lambda y, p: p.__setitem__(3, np.inf), "inf"),
        ("quantile:q=0.3", lambda y, p: (p.__setitem__(3, np.inf), y.__setitem__(4, np.inf)), "inf - inf"),
        ("mse", lambda y, p: p.__setitem__(3, 1e200), "overflow"),
        ("msle", lambda y, p: y.__setitem__(3, -1.0), "a label at -1"),
        ("msle", lambda y, p: p.__setitem__(3, -3.0), "a prediction below -1"),
        ("msle", lambda y, p: (y.__setitem__(3, -4.0), p.__setitem__(3, -3.0)), "both below -1, a finite ratio"),
        ("msle", lambda y, p: p.__setitem__(3, np.nan), "NaN"),
        ("poisson", lambda y, p: y.__setitem__(3, -2.0), "a negative count"),
        ("poisson:log_input=false", lambda y, p: p.__setitem__(3, -0.5), "a negative rate"),
        ("poisson:full=true", lambda y, p: None, "Stirling's term"),
        ("poisson:deviance=true", lambda y, p: None, "the deviance"),
        ("quantile:q=0.9995", lambda y, p: None, "q next to 1"),
        ("mape:convention=sklearn", lambda y, p: None, "a library's convention"),
    ],
)
def test_a_batch_the_sum_cannot_give_exactly_goes_to_the_kernel(text, change, reason):
    y, p = _data("noisy", n=100, seed=1)
    change(y, p)
    assert batch_total(parse_spec(text), {"y_true": y, "y_pred": p}, None) is None, reason


@pytest.mark.parametrize(
    "y, p",
    [
        (np.ones((4, 2)), np.ones((4, 2))),  # several outputs per row
        (np.ones(4, dtype=np.float32), np.ones(4, dtype=np.float32)),
        (np.ones(4), np.ones(5)),
    ],
)
def test_only_two_plain_float64_columns_of_one_length_are_summed_from_shared_terms(y, p):
    assert shared_pair_sums({"y_true": y, "y_pred": p}, None) is None


def test_losses_on_the_same_columns_share_their_terms_and_other_columns_get_their_own():
    y, p = _data("noisy", n=100)
    other = p + 1.0
    shared: dict = {}
    first = shared_pair_sums({"y_true": y, "y_pred": p}, shared)
    assert shared_pair_sums({"y_pred": p, "y_true": y}, shared) is first
    assert shared_pair_sums({"y_true": y, "y_pred": other}, shared) is not first
    # The residual is computed once, on the first loss that needs it.
    batch_total(parse_spec("mae"), {"y_true": y, "y_pred": p}, shared)
    residual = first.residual
    batch_total(parse_spec("huber"), {"y_true": y, "y_pred": p}, shared)
    assert first.residual is residual
    np.testing.assert_array_equal(residual, p - y)


def _raising(name: str) -> BoundLoss:
    """A loss whose kernel fails the test when it runs."""

    def kernel(**_: object) -> None:
        raise AssertionError(f"{name}'s kernel ran")

    bound = parse_spec(name)
    return dataclasses.replace(bound, spec=dataclasses.replace(bound.spec, kernel=kernel))


def _batches(y, p, *, losses, weights=None, size=997):
    return [
        Batch(
            arrays=[{"y_true": y[lo : lo + size], "y_pred": p[lo : lo + size]}] * losses,
            n=len(y[lo : lo + size]),
            weights=None if weights is None else weights[lo : lo + size],
            row_offset=lo,
        )
        for lo in range(0, len(y), size)
    ]


def test_without_weights_groups_or_rows_the_kernel_does_not_run():
    y, p = _data("noisy")
    losses = [_raising("mse"), _raising("huber")]
    outcomes, _ = evaluate(_batches(y, p, losses=2), losses)
    # scikit-learn mean_squared_error; scipy.special.huber is Huber's per-row value
    assert outcomes[0].overall.value == pytest.approx(metrics.mean_squared_error(y, p), rel=1e-12)
    assert outcomes[1].overall.value == pytest.approx(np.mean(special.huber(1.0, p - y)), rel=1e-12)
    # With weights the rows are needed: the kernel runs.
    with pytest.raises(AssertionError, match="kernel ran"):
        evaluate(_batches(y, p, losses=2, weights=np.ones(len(y))), losses)


def test_a_batch_with_a_nan_is_summed_by_the_kernel():
    y, p = _data("noisy")
    p[1234] = np.nan
    with pytest.raises(AssertionError, match="kernel ran"):
        evaluate(_batches(y, p, losses=1), [_raising("mse")])
    outcomes, _ = evaluate(_batches(y, p, losses=1), [parse_spec("mse")])
    assert outcomes[0].overall.value is None or math.isnan(outcomes[0].overall.value)


@pytest.mark.parametrize("size", [1, 7, 4096, 50_000])
def test_ten_losses_over_many_batches_equal_the_references_on_the_whole_columns(size):
    y, p = _data("noisy", n=20_000, seed=5)
    names = ["mse", "mae", "huber", "smooth_l1:beta=0.5", "log_cosh", "rmse", "msle", "mape", "quantile:q=0.9", "poisson:log_input=false"]
    losses = [parse_spec(name) for name in names]
    outcomes, _ = evaluate(_batches(y, p, losses=len(losses), size=size), losses)
    got = {name: outcome.overall.value for name, outcome in zip(names, outcomes)}
    e = p - y
    expected = {
        "mse": metrics.mean_squared_error(y, p),  # scikit-learn
        "mae": metrics.mean_absolute_error(y, p),  # scikit-learn
        "huber": np.mean(special.huber(1.0, e)),  # scipy
        "smooth_l1:beta=0.5": np.mean(special.huber(0.5, e)) / 0.5,  # PyTorch: Huber(beta) / beta
        "log_cosh": np.mean(np.log(np.cosh(e))),  # the definition (no residual here reaches cosh's overflow)
        "rmse": metrics.root_mean_squared_error(y, p),  # scikit-learn
        "msle": metrics.mean_squared_log_error(y, p),  # scikit-learn
        "mape": 100 * metrics.mean_absolute_percentage_error(y, p),  # scikit-learn, in percent (no label near 0)
        "quantile:q=0.9": metrics.mean_pinball_loss(y, p, alpha=0.9),  # scikit-learn
        "poisson:log_input=false": np.mean(p - y * np.log(p + 1e-8)),  # PyTorch PoissonNLLLoss(log_input=False), by hand
    }
    for name in names:
        assert got[name] == pytest.approx(expected[name], rel=1e-11), name


def test_an_empty_batch_goes_to_the_kernel():
    assert shared_pair_sums({"y_true": np.empty(0), "y_pred": np.empty(0)}, None) is None


def test_mape_with_labels_below_its_floor_raises_them_to_it_as_the_kernel_does():
    y, p = _data("noisy", n=1_000, seed=2)
    y[[3, 500]] = 0.0  # divided by the floor, 1e-7 (Keras)
    y[7] = -1e-9
    bound = parse_spec("mape")
    expected = _kernel_sum(bound, y, p)
    assert expected > 1e8  # the rows at 0 dominate: the floor was used
    assert batch_total(bound, {"y_true": y, "y_pred": p}, None) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("log_input", [False, True])
def test_poisson_of_a_calibrated_base_rate_keeps_the_digits_of_its_rows(log_input):
    # One base rate e for every row, and counts drawn at that rate: each row's
    # rate - y log(rate) is about e - y, so the rows nearly cancel while
    # sum(rate) and sum(y log rate) are large. Their difference lost 4e-11
    # (rates) and 4e-13 (log-rates) of the value; the rows summed keep 5e-14.
    rng = np.random.default_rng(1)
    n = 2**18
    y = rng.poisson(math.e, n).astype(float)
    rate = np.full(n, math.e)
    p = np.log(rate) if log_input else rate
    bound = parse_spec(f"poisson:log_input={str(log_input).lower()}")
    # PyTorch PoissonNLLLoss by hand (exp(p) - y p, or p - y log(p + 1e-8)), summed exactly
    rows = np.exp(p) - y * p if log_input else p - y * np.log(p + 1e-8)
    expected = math.fsum(rows)
    assert abs(expected) < 1e-2 * n  # the cancellation this test is about
    assert batch_total(bound, {"y_true": y, "y_pred": p}, None) == pytest.approx(expected, rel=1e-13)
