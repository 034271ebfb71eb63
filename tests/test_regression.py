"""Regression losses against independent references.

Sources named beside each value: hand-worked arithmetic, the verified anchors of
PyTorch/Keras/scipy for d = y_pred - y_true = [0.5, 2, -3], scikit-learn and scipy
on random data, and PyTorch itself where installed (tests marked ``torch``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import special
from sklearn import metrics

from conftest import assert_usage_error

import losscli
from losscli.errors import LossCliError

Y_TRUE = np.zeros(3)
Y_PRED = np.array([0.5, 2.0, -3.0])


def close(actual: float, expected: float, rel: float = 1e-6) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-12)


@pytest.mark.parametrize(
    "name, params, expected",
    [
        # (0.25 + 4 + 9) / 3 = 4.4166667 — torch MSELoss, Keras, by hand
        ("mse", {}, 13.25 / 3),
        # (0.5 + 2 + 3) / 3 = 1.8333333 — torch L1Loss
        ("mae", {}, 5.5 / 3),
        # 0.125 + 1.5 + 2.5 = 4.125, / 3 = 1.375 — torch HuberLoss(1.0), scipy.special.huber
        ("huber", {}, 1.375),
        # 0.125 + 2 + 2*(3-1) = 6.125, / 3 = 2.0416667 — torch HuberLoss(2.0)
        ("huber", {"delta": 2.0}, 6.125 / 3),
        # 0.0625 + 1 + (3-1) = 3.0625, / 3 = 1.0208333 — torch SmoothL1Loss(beta=2)
        ("smooth_l1", {"beta": 2.0}, 3.0625 / 3),
        # torch SmoothL1Loss(beta=0) is exactly L1
        ("smooth_l1", {"beta": 0.0}, 5.5 / 3),
        # mean(log cosh d) = 1.2514819 — Keras LogCosh anchor
        ("log_cosh", {}, 1.2514819196),
        # sqrt(4.4166667) — scikit-learn root_mean_squared_error
        ("rmse", {}, math.sqrt(13.25 / 3)),
        # q=0.5 pinball is half the MAE: 0.9166667 — scikit-learn mean_pinball_loss
        ("quantile", {}, 5.5 / 6),
        # q=0.9: diffs y-p = [-0.5,-2,3] -> 0.1*0.5 + 0.1*2 + 0.9*3 = 2.95, / 3
        ("quantile", {"q": 0.9}, 2.95 / 3),
    ],
)
def test_worked_anchor_values(name, params, expected):
    assert close(losscli.compute(name, Y_TRUE, Y_PRED, **params), expected)


def test_huber_matches_scipy_special_huber_on_random_data():
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=500), rng.normal(size=500) * 3
    for delta in (0.1, 1.0, 2.5):
        expected = special.huber(delta, p - y).mean()  # scipy.special.huber
        assert close(losscli.compute("huber", y, p, delta=delta), expected)


def test_against_scikit_learn_with_weights():
    rng = np.random.default_rng(2)
    y = rng.gamma(2, 2, 300)
    p = np.abs(y + rng.normal(0, 1, 300))
    w = rng.uniform(0.1, 3, 300)
    pairs = [
        ("mse", metrics.mean_squared_error(y, p, sample_weight=w)),
        ("mae", metrics.mean_absolute_error(y, p, sample_weight=w)),
        ("rmse", metrics.root_mean_squared_error(y, p, sample_weight=w)),
        ("msle", metrics.mean_squared_log_error(y, p, sample_weight=w)),
        ("quantile", metrics.mean_pinball_loss(y, p, alpha=0.5, sample_weight=w)),
    ]
    for name, expected in pairs:
        assert close(losscli.compute(name, y, p, sample_weight=w), expected), name


def test_mape_is_percent_of_scikit_learn_fraction():
    rng = np.random.default_rng(3)
    y = rng.uniform(1, 10, 200)
    p = y + rng.normal(0, 1, 200)
    # scikit-learn returns a fraction; Keras (our convention) returns percent.
    assert close(losscli.compute("mape", y, p), 100 * metrics.mean_absolute_percentage_error(y, p))


def test_mape_floors_zero_targets_at_1e_minus_7():
    # |0 - 0.5| / max(|0|, 1e-7) * 100 = 5e8 (Keras' epsilon floor)
    assert close(losscli.compute("mape", [0.0], [0.5]), 5e8)


@pytest.mark.parametrize("weighted", [False, True])
def test_mape_of_residuals_too_large_to_scale_by_100_is_still_a_number(weighted):
    # |e| / |y| = 2e307 / 1e307 = 2 and 1 / 1 = 1: (200 + 100) / 2 percent (by hand;
    # scikit-learn mean_absolute_percentage_error gives the fraction 1.5). The rows
    # behind sample weights and the plain batch sum must give the same number.
    weights = {"sample_weight": [1.0, 1.0]} if weighted else {}
    assert losscli.compute("mape", [1e307, 1.0], [-1e307, 2.0], **weights) == pytest.approx(150.0, rel=1e-15)
    assert losscli.per_sample("mape", [1e307], [-1e307]).tolist() == [200.0]


def test_multi_output_mean_is_over_all_elements():
    y = np.array([[0.0, 1.0], [2.0, 3.0]])
    p = np.array([[1.0, 1.0], [2.0, 5.0]])
    # squared errors 1, 0, 0, 4 -> mean over 4 elements = 1.25 (torch MSELoss on a 2x2 tensor)
    assert close(losscli.compute("mse", y, p), 1.25)


def test_log_cosh_does_not_overflow_for_huge_residuals():
    # log(cosh(1000)) = 1000 - log 2 = 999.3068528 (Keras LogCosh verified anchor)
    assert close(losscli.compute("log_cosh", [0.0], [1000.0]), 1000 - math.log(2))
    assert close(losscli.compute("log_cosh", [0.0], [-1e6]), 1e6 - math.log(2))


@pytest.mark.parametrize("e", [1e-9, -1e-9, 1e-6, 1e-3])
def test_log_cosh_keeps_every_digit_of_tiny_residuals(e):
    # By hand, the Taylor series log(cosh(e)) = e^2/2 - e^4/12 + e^6/45 - ...
    # (terms beyond e^6 are below 1e-16 of the value for |e| <= 1e-3). The
    # |e| + log1p(exp(-2|e|)) - log 2 form gives 1e-16 of noise here instead.
    expected = e**2 / 2 - e**4 / 12 + e**6 / 45
    assert math.isclose(losscli.compute("log_cosh", [0.0], [e]), expected, rel_tol=1e-14)


def test_log_cosh_of_tiny_and_overflowing_residuals_in_one_batch(tmp_path, cli):
    # cosh(1000) overflows, so that row is 1000 - log 2 (hand); the tiny one is e^2/2 (hand).
    y_pred = [1e-9, 1000.0, -750.0]
    expected = (1e-18 / 2 + (1000 - math.log(2)) + (750 - math.log(2))) / 3
    assert math.isclose(losscli.compute("log_cosh", [0.0, 0.0, 0.0], y_pred), expected, rel_tol=1e-15)
    path = tmp_path / "p.csv"
    path.write_text("y_true,y_pred\n" + "".join(f"0,{p!r}\n" for p in y_pred))
    result = cli("compute", path, "--loss", "log_cosh", "--format", "json")
    assert math.isclose(json.loads(result.stdout)["results"][0]["value"], expected, rel_tol=1e-15)


def test_msle_keeps_the_digits_of_a_prediction_close_to_its_label():
    # y = 100 and p = 100 + 2^-20 are exact, so is d = 2^-20. By hand, the
    # series log1p(p) - log1p(y) = log1p(x) = x - x^2/2 + x^3/3, x = d / 101.
    # The difference of the two logs keeps only about 7 of its 16 digits here.
    x = 2.0**-20 / 101.0
    diff = x - x**2 / 2 + x**3 / 3
    assert math.isclose(losscli.compute("msle", [100.0], [100.0 + 2.0**-20]), diff**2, rel_tol=1e-13)
    assert math.isclose(losscli.compute("msle", [100.0 + 2.0**-20], [100.0]), diff**2, rel_tol=1e-13)


def test_log_cosh_matches_naive_formula_where_it_is_safe():
    rng = np.random.default_rng(4)
    d = rng.normal(0, 3, 1000)
    assert close(losscli.compute("log_cosh", np.zeros(1000), d), np.mean(np.log(np.cosh(d))))


def test_poisson_log_input_by_hand():
    # log_input: exp(p) - y p. p=[0, 1], y=[1, 2]: (1 - 0) + (e - 2) = e - 1, mean (e-1)/2
    assert close(losscli.compute("poisson", [1.0, 2.0], [0.0, 1.0]), (math.e - 1) / 2)


def test_poisson_rates_and_full_stirling_by_hand():
    # log_input=false: p - y log(p + 1e-8); y=3, p=2 -> 2 - 3 log(2.00000001)
    value = losscli.compute("poisson", [3.0], [2.0], log_input=False)
    assert close(value, 2 - 3 * math.log(2 + 1e-8))
    # full=true adds y log y - y + 0.5 log(2 pi y) for y > 1 (torch PoissonNLLLoss)
    full = losscli.compute("poisson", [3.0], [2.0], log_input=False, full=True)
    assert close(full, value + 3 * math.log(3) - 3 + 0.5 * math.log(2 * math.pi * 3))
    # ... and nothing for y <= 1
    assert close(losscli.compute("poisson", [1.0], [0.5], full=True), losscli.compute("poisson", [1.0], [0.5]))


def test_gaussian_nll_by_hand_and_variance_clamp():
    # 0.5 (log 4 + (3-1)^2 / 4) = 0.5 (1.3862944 + 1) = 1.1931472
    assert close(losscli.compute("gaussian_nll", [1.0], [3.0], var=[4.0]), 0.5 * (math.log(4) + 1))
    # full adds 0.5 log(2 pi)
    full = losscli.compute("gaussian_nll", [1.0], [3.0], var=[4.0], full=True)
    assert close(full, 0.5 * (math.log(4) + 1) + 0.5 * math.log(2 * math.pi))
    # var 0 is clamped to eps=1e-6: 0.5 (log 1e-6 + 0.01 / 1e-6)
    assert close(losscli.compute("gaussian_nll", [0.0], [0.1], var=[0.0]), 0.5 * (math.log(1e-6) + 0.01 / 1e-6))


def test_gaussian_nll_one_variance_column_for_many_outputs():
    y = np.zeros((2, 2))
    p = np.array([[1.0, 2.0], [0.0, 1.0]])
    var = np.array([1.0, 2.0])
    # per element 0.5(log v + d^2/v): row1 (v=1): 0.5, 2; row2 (v=2): 0.5 log2, 0.5(log2 + 0.5)
    expected = (0.5 + 2.0 + 0.5 * math.log(2) + 0.5 * (math.log(2) + 0.5)) / 4
    assert close(losscli.compute("gaussian_nll", y, p, var=var), expected)


def test_perfect_predictions_give_zero():
    y = np.array([0.5, 1.0, 7.0])
    for name in ("mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile"):
        assert losscli.compute(name, y, y) == pytest.approx(0.0, abs=1e-15), name


def test_one_row():
    assert close(losscli.compute("mse", [1.0], [3.0]), 4.0)


def test_sum_reduction_is_the_sum():
    assert close(losscli.compute("mse", Y_TRUE, Y_PRED, reduction="sum"), 13.25)


def test_rmse_refuses_a_sum_and_names_the_sum_of_squared_errors(cli, tmp_path):
    # sqrt(sum of squared errors) was reported, which no reference library defines
    # (scikit-learn, Keras and torchmetrics root a mean); SPEC section 4 defines rmse as the root of the mean.
    with pytest.raises(LossCliError) as caught:
        losscli.compute("rmse", Y_TRUE, Y_PRED, reduction="sum")
    assert "rmse has no reduction='sum'" in str(caught.value)
    assert "loss 'mse', reduction='sum' gives the sum of squared errors" in caught.value.hint
    path = tmp_path / "r.csv"
    path.write_text("y_true,y_pred\n0,1\n0,2\n")
    assert_usage_error(
        cli("compute", path, "--loss", "mse", "--loss", "rmse", "--reduction", "sum"),
        "rmse has no --reduction sum", "square root of a mean", "--loss mse --reduction sum gives the sum of squared errors",
    )
    # Its mean and its per-row values (the squared errors) are as before.
    assert close(losscli.compute("rmse", [0.0, 0.0], [1.0, 2.0]), math.sqrt(2.5))
    rows = cli("compute", path, "--loss", "rmse", "--reduction", "none")
    assert rows.exit_code == 0 and rows.stdout.split() == ['"row","rmse"', "1,1", "2,4"], rows.stdout
    # the seed writes log-cosh as a sum
    assert close(losscli.compute("log_cosh", Y_TRUE, Y_PRED, reduction="sum"), 3 * 1.2514819196)


# Two outputs per row: residuals [[1, 2], [3, 4]] (y_true all 0).
Y_TRUE_2D = np.zeros((2, 2))
Y_PRED_2D = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_sum_over_several_outputs_adds_every_element():
    # 1 + 4 + 9 + 16 = 30, worked by hand; torch MSELoss(reduction='sum') on the 2x2 tensor
    assert close(losscli.compute("mse", Y_TRUE_2D, Y_PRED_2D, reduction="sum"), 30.0)
    # weights 1, 2: 1 * (1 + 4) + 2 * (9 + 16) = 55, worked by hand
    assert close(losscli.compute("mse", Y_TRUE_2D, Y_PRED_2D, reduction="sum", sample_weight=[1, 2]), 55.0)
    # huber(1): 0.5 + 1.5 + 2.5 + 3.5 = 8, scipy.special.huber(1, [1, 2, 3, 4]).sum()
    assert close(losscli.compute("huber", Y_TRUE_2D, Y_PRED_2D, reduction="sum"), 8.0)
    # the mean stays over all elements: 30 / 4, torch MSELoss(reduction='mean')
    assert close(losscli.compute("mse", Y_TRUE_2D, Y_PRED_2D), 7.5)
    # per-row values stay each row's mean: (1 + 4) / 2, (9 + 16) / 2, worked by hand
    np.testing.assert_allclose(losscli.per_sample("mse", Y_TRUE_2D, Y_PRED_2D), [2.5, 12.5])


def test_keras_sum_over_several_outputs_adds_row_means():
    # Keras MeanSquaredError(reduction='sum') averages the last axis first: 2.5 + 12.5, worked by hand
    assert close(losscli.compute("mse", Y_TRUE_2D, Y_PRED_2D, reduction="sum", convention="keras"), 15.0)


def test_sum_over_several_outputs_on_the_command_line(tmp_path, cli):
    path = tmp_path / "two_outputs.csv"
    path.write_text("t_a,t_b,o_a,o_b\n0,0,1,2\n0,0,3,4\n")
    result = cli(
        "compute", path, "--loss", "mse", "--label-col", "t_*", "--pred-col", "o_*", "--reduction", "sum", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    # 1 + 4 + 9 + 16, worked by hand (torch MSELoss(reduction='sum'))
    assert close(json.loads(result.stdout)["results"][0]["value"], 30.0)


@pytest.mark.torch
def test_sum_over_several_outputs_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    y, p = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    ty, tp = torch.tensor(y), torch.tensor(p)
    nn = torch.nn
    for name, params, module in (
        ("mse", {}, nn.MSELoss(reduction="sum")),
        ("mae", {}, nn.L1Loss(reduction="sum")),
        ("huber", {"delta": 0.5}, nn.HuberLoss(delta=0.5, reduction="sum")),
        ("smooth_l1", {"beta": 2.0}, nn.SmoothL1Loss(beta=2.0, reduction="sum")),
    ):
        assert close(losscli.compute(name, y, p, reduction="sum", **params), module(tp, ty).item()), name


def test_per_sample_values():
    np.testing.assert_allclose(losscli.per_sample("huber", Y_TRUE, Y_PRED), [0.125, 1.5, 2.5])


@pytest.mark.parametrize(
    "name, y, p, params, row",
    [
        ("msle", [1.0, -1.0], [1.0, 1.0], {}, 2),
        ("poisson", [1.0, -2.0, 3.0], [0.0, 0.0, 0.0], {}, 2),
        ("poisson", [1.0, 2.0], [1.0, -1.0], {"log_input": False}, 2),
    ],
)
def test_bad_values_name_the_row(name, y, p, params, row):
    with pytest.raises(LossCliError) as caught:
        losscli.compute(name, y, p, **params)
    assert caught.value.row == row


def test_negative_variance_names_the_row():
    with pytest.raises(LossCliError) as caught:
        losscli.compute("gaussian_nll", [0.0, 0.0], [1.0, 1.0], var=[1.0, -1.0])
    assert caught.value.row == 2 and caught.value.role == "var"


def test_width_mismatch_is_an_error():
    with pytest.raises(LossCliError, match="1 column but y_pred has 2"):
        losscli.compute("mse", [0.0, 1.0], [[0.0, 1.0], [1.0, 1.0]])


@pytest.mark.parametrize("spec, message", [("huber", "delta"), ("quantile", "q"), ("smooth_l1", "beta")])
def test_out_of_range_parameters(spec, message):
    bad = {"huber": {"delta": 0.0}, "quantile": {"q": 1.0}, "smooth_l1": {"beta": -1.0}}[spec]
    with pytest.raises(LossCliError, match=f"'{message}'.*out of range"):
        losscli.compute(spec, [0.0], [1.0], **bad)


@pytest.mark.torch
def test_against_torch_on_random_data():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for seed in range(3):
        y = rng.normal(size=(64, 3))
        p = y + rng.standard_t(2, size=(64, 3))
        var = rng.uniform(0.01, 2, size=(64, 3))
        ty, tp, tv = (torch.tensor(a, dtype=torch.float64) for a in (y, p, var))
        nn = torch.nn
        cases = [
            ("mse", {}, nn.MSELoss()(tp, ty)),
            ("mae", {}, nn.L1Loss()(tp, ty)),
            ("huber", {"delta": 0.7}, nn.HuberLoss(delta=0.7)(tp, ty)),
            ("smooth_l1", {"beta": 0.3}, nn.SmoothL1Loss(beta=0.3)(tp, ty)),
            ("poisson", {}, nn.PoissonNLLLoss(log_input=True, full=False)(tp, torch.abs(ty).round())),
            ("gaussian_nll", {"var": var}, nn.GaussianNLLLoss()(tp, ty, tv)),
            ("gaussian_nll", {"var": var, "full": True}, nn.GaussianNLLLoss(full=True)(tp, ty, tv)),
        ]
        for name, params, expected in cases:
            target = np.abs(y).round() if name == "poisson" else y
            assert close(losscli.compute(name, target, p, **params), expected.item()), (seed, name)
        rates = np.abs(p) + 0.1
        counts = np.abs(y).round() * 2
        expected = nn.PoissonNLLLoss(log_input=False, full=True)(torch.tensor(rates), torch.tensor(counts)).item()
        assert close(losscli.compute("poisson", counts, rates, log_input=False, full=True), expected)


# --------------------------------------------------------------------------- library options


def test_msle_floor_reproduces_keras_clipping():
    # Keras MeanSquaredLogarithmicError: log(max(v, 1e-7) + 1). y_true=[0, 1, 3], y_pred=[-0.5, 2, 3]:
    # -0.5 and 0 are both raised to 1e-7, so the first term is 0; (log 3 - log 2)^2 = 0.1644020;
    # mean = 0.0548007 (by hand).
    value = losscli.compute("msle", [0.0, 1.0, 3.0], [-0.5, 2.0, 3.0], floor=1e-7)
    assert close(value, (math.log(3) - math.log(2)) ** 2 / 3)
    # Without a floor: scikit-learn's value (log 0.5)^2 + 0.1644020 over 3.
    expected = metrics.mean_squared_log_error([0.0, 1.0, 3.0], [-0.5, 2.0, 3.0])
    assert close(losscli.compute("msle", [0.0, 1.0, 3.0], [-0.5, 2.0, 3.0]), expected)


def test_msle_floor_accepts_values_at_or_below_minus_one():
    # Floored values never reach the log's domain limit: -2 counts as 1e-7, as in Keras.
    value = losscli.compute("msle", [0.0], [-2.0], floor=1e-7)
    assert close(value, (math.log1p(1e-7) - math.log1p(1e-7)) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mape_as_a_fraction_with_machine_epsilon_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=50)
    y_true[:3] = 0.0  # the floor matters only at 0: 2.22e-16 (scikit-learn) vs 1e-7
    y_pred = rng.normal(size=50)
    expected = metrics.mean_absolute_percentage_error(y_true, y_pred)
    value = losscli.compute("mape", y_true, y_pred, percent=False, floor=np.finfo(np.float64).eps)
    assert close(value, expected)


def test_mape_floor_and_percent_hand_worked():
    # 100 (|0 - 1| / 0.5 + |2 - 1| / 2) / 2 = 100 (2 + 0.5) / 2 = 125 with floor 0.5
    assert close(losscli.compute("mape", [0.0, 2.0], [1.0, 1.0], floor=0.5), 125.0)
    assert close(losscli.compute("mape", [0.0, 2.0], [1.0, 1.0], floor=0.5, percent=False), 1.25)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_deviance_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(2.0, size=60).astype(float)  # zeros included: y log(y / mu) = 0 there
    rates = rng.uniform(0.1, 5.0, size=60)
    expected = metrics.mean_poisson_deviance(counts, rates)
    assert close(losscli.compute("poisson", counts, rates, log_input=False, deviance=True), expected)
    # With log-rates the deviance is taken at mu = exp(p).
    assert close(losscli.compute("poisson", counts, np.log(rates), deviance=True), expected)


def test_poisson_deviance_is_zero_for_a_perfect_prediction_and_needs_positive_rates():
    # 2 (y log(y / y) - y + y) = 0 for every y > 0, and 2 mu = 0 at y = mu = 0 is not allowed.
    assert losscli.compute("poisson", [1.0, 4.0], [1.0, 4.0], log_input=False, deviance=True) == 0.0
    with pytest.raises(LossCliError, match="positive rates") as info:
        losscli.compute("poisson", [1.0, 0.0], [1.0, 0.0], log_input=False, deviance=True)
    assert info.value.row == 2


def test_a_list_column_of_width_one_is_one_value_per_row(tmp_path, cli) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "preds.parquet"
    predictions = pa.array([[0.5], [1.5], [1.0]], type=pa.list_(pa.float64()))
    pq.write_table(pa.table({"y_true": [0.0, 1.0, 2.0], "y_pred": predictions}), path)
    result = cli("compute", path, "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.stderr
    # (0.5^2 + 0.5^2 + 1^2) / 3 = 0.5 by hand; it was 0.8333, every label against every prediction
    assert json.loads(result.stdout)["results"][0]["value"] == 0.5
