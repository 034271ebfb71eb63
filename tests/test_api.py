"""The Python API checks its arguments as strictly as the command line checks a file.

Every bad input raises ``LossCliError`` naming the argument (``role``) and,
where one row is at fault, its 1-based row (``row``; row 1 is the first
element); valid inputs give the values of scikit-learn, scipy and PyTorch.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import log_loss, mean_squared_error

import losscli
from losscli.engine import Batch, evaluate
from losscli.errors import LossCliError
from losscli.registry import bind, get

REL = 1e-12
RNG = np.random.default_rng(3)
Y = RNG.normal(size=100)
P = Y + RNG.normal(size=100)
W = RNG.uniform(0.1, 2.0, size=100)


def api_error(call, *args, role: str | None, row: int | None, fragments: tuple[str, ...] = (), **kwargs) -> LossCliError:
    """The call raises LossCliError (no numpy warning on the way) about ``role`` at ``row``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(LossCliError) as info:
            call(*args, **kwargs)
    error = info.value
    assert (error.role, error.row) == (role, row), (error.role, error.row, str(error))
    text = str(error)
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return error


# =========================================================================== NaN and inf


@pytest.mark.parametrize("loss", ["dice", "iou", "tversky", "mse", "bce", "focal"])
def test_a_nan_prediction_is_an_error_not_a_score(loss: str) -> None:
    # dice, iou and tversky returned 0.0 (a perfect score), the others nan.
    api_error(
        losscli.compute, loss, [1, 0, 1], [np.nan, 0.2, 0.9], role="y_pred", row=1,
        fragments=("y_pred, row 1: missing, NaN or infinite value (drop or fill in those rows",),
    )


def test_an_infinite_label_names_y_true_and_its_row() -> None:
    api_error(losscli.compute, "mse", [1.0, np.inf, 0.0], [0.0, 0.2, 0.1], role="y_true", row=2, fragments=("y_true, row 2: missing, NaN or infinite value",))


def test_the_error_counts_the_bad_rows_and_names_the_first() -> None:
    api_error(
        losscli.compute, "mse", [1.0, 0.0, 1.0, 0.0], [0.5, -np.inf, 0.1, np.nan], role="y_pred", row=2,
        fragments=("y_pred, row 2: missing, NaN or infinite value, the first of 2 such rows",),
    )


def test_a_nan_in_one_column_of_a_matrix_names_its_row() -> None:
    probabilities = np.array([[0.2, 0.8], [0.5, 0.5], [np.nan, 0.7]])
    api_error(losscli.compute, "cce", [1, 0, 1], probabilities, role="y_pred", row=3)


def test_a_none_in_a_list_is_a_missing_value() -> None:
    api_error(losscli.compute, "mae", [1.0, 2.0, 3.0], [1.0, None, 3.0], role="y_pred", row=2, fragments=("missing, NaN or infinite value",))


def test_per_sample_refuses_nan_instead_of_returning_it() -> None:
    # It returned [nan, 0.04] for mse, and 0.0 for the dice sample holding the NaN.
    api_error(losscli.per_sample, "mse", [1.0, 0.0], [np.nan, 0.2], role="y_pred", row=1)
    api_error(losscli.per_sample, "dice", [1, 0, 1, 1], [0.9, 0.2, np.nan, 0.8], sample_ids=[0, 0, 1, 1], role="y_pred", row=3)


def test_a_nan_weight_names_sample_weight() -> None:
    api_error(losscli.compute, "mse", [1.0, 0.0], [0.0, 0.2], sample_weight=[1.0, np.nan], role="sample_weight", row=2, fragments=("sample_weight, row 2: missing",))


def test_a_nan_sample_id_is_an_error() -> None:
    api_error(losscli.compute, "dice", [1, 0, 1], [0.9, 0.2, 0.8], sample_ids=[0.0, np.nan, 1.0], role="sample_ids", row=2)


@pytest.mark.parametrize("loss", ["dice", "iou", "tversky"])
def test_segmentation_sums_holding_a_nan_stay_nan(loss: str) -> None:
    # The engine, which the API bypassed checks into: 0/0 is an empty class (loss 0), NaN is not.
    batch = Batch(arrays=[{"y_true": np.array([1.0, 0.0, 1.0]), "y_pred": np.array([np.nan, 0.2, 0.9])}], n=3)
    outcome = evaluate([batch], [bind(get(loss), {})])[0][0].overall
    assert (outcome.value, outcome.warning) == (None, "the value is not a number")
    empty = Batch(arrays=[{"y_true": np.zeros(3), "y_pred": np.zeros(3)}], n=3)
    assert evaluate([empty], [bind(get(loss), {})])[0][0].overall.value == 0.0  # 0/0: both empty, loss 0 by definition


# =========================================================================== sample_weight


def test_a_single_weight_applies_to_every_row() -> None:
    # It returned the weighted sum (2 * 100 rows), not the mean.
    assert losscli.compute("mse", Y, P, sample_weight=2.0) == pytest.approx(mean_squared_error(Y, P), rel=REL)
    assert losscli.compute("mse", Y, P, sample_weight=2.0, reduction="sum") == pytest.approx(2.0 * 100 * mean_squared_error(Y, P), rel=REL)  # numpy: 2 * sum


def test_weights_per_row_match_scikit_learn() -> None:
    assert losscli.compute("mse", Y, P, sample_weight=W) == pytest.approx(mean_squared_error(Y, P, sample_weight=W), rel=REL)
    labels = (Y > 0).astype(float)
    probabilities = 1.0 / (1.0 + np.exp(-P))
    assert losscli.compute("bce", labels, probabilities, sample_weight=list(W)) == pytest.approx(log_loss(labels, probabilities, sample_weight=W), rel=1e-9)


@pytest.mark.parametrize("weights, shape", [(W[:10], "(10,)"), (W.reshape(50, 2), "(50, 2)"), (W[:, None], "(100, 1)")])
def test_weights_of_the_wrong_shape_name_the_expected_length(weights: np.ndarray, shape: str) -> None:
    api_error(
        losscli.compute, "mse", Y, P, sample_weight=weights, role="sample_weight", row=None,
        fragments=(f"sample_weight: shape {shape}, but the inputs have 100 rows", "pass one weight per row, shape (100,), or a single number"),
    )


def test_negative_weights_are_refused_as_on_the_command_line() -> None:
    api_error(losscli.compute, "mse", [1.0, 0.0, 2.0], [0.0, 0.2, 2.0], sample_weight=[1.0, -1.0, 2.0], role="sample_weight", row=2, fragments=("sample_weight, row 2: negative sample weight -1 (weights must be >= 0)",))
    api_error(losscli.compute, "mse", [1.0, 0.0], [0.0, 0.2], sample_weight=-0.5, role="sample_weight", row=1, fragments=("negative sample weight -0.5",))


@pytest.mark.parametrize("weights", [[0.0, 0.0], 0.0])
def test_weights_that_are_all_zero_are_refused(weights: object) -> None:
    # scikit-learn raises too ("Weights sum to zero").
    api_error(losscli.compute, "mse", [1.0, 0.0], [0.0, 0.2], sample_weight=weights, role="sample_weight", row=None, fragments=("sample_weight: weights sum to zero",))


def test_text_weights_are_refused() -> None:
    api_error(losscli.compute, "mse", [1.0, 0.0], [0.0, 0.2], sample_weight=["1", "2"], role="sample_weight", row=1, fragments=("text ('1'), not numbers",))


def test_emd_weights_of_the_wrong_length_are_an_error_not_an_index_error() -> None:
    api_error(losscli.compute, "wasserstein_distance", [1.0, 2.0, 3.0], [1.0, 2.0, 4.0], sample_weight=[1.0, 2.0], role="sample_weight", row=None, fragments=("but the inputs have 3 rows",))
    weights = [1.0, 2.0, 0.5]
    expected = scipy.stats.wasserstein_distance([1.0, 2.0, 4.0], [1.0, 2.0, 3.0], u_weights=weights, v_weights=weights)
    assert losscli.compute("wasserstein_distance", [1.0, 2.0, 3.0], [1.0, 2.0, 4.0], sample_weight=weights) == pytest.approx(expected, rel=REL)


def test_sample_ids_of_the_wrong_length_are_an_error() -> None:
    api_error(losscli.compute, "dice", [1, 0, 1], [0.9, 0.2, 0.8], sample_ids=[0, 1], role="sample_ids", row=None, fragments=("sample_ids: shape (2,), but the inputs have 3 rows",))


def test_weights_whose_sum_overflows_give_no_value_not_a_zero_loss() -> None:
    # sum(w) overflowed to inf and mse came back as 0.0 = 1e308 / inf; by hand the
    # weighted mean of the squared errors 0 and 1 with equal weights is 0.5. Like
    # weights whose products overflow too (tests/test_engine.py), there is no value.
    with pytest.warns(RuntimeWarning, match=r"^mse: the value is not a number; returning NaN$"):
        assert math.isnan(losscli.compute("mse", [1.0, 2.0], [1.0, 3.0], sample_weight=[1e308, 1e308]))
    by_group = evaluate([Batch(arrays=[{"y_true": np.array([1.0, 2.0]), "y_pred": np.array([1.0, 3.0])}], n=2, weights=np.array([1e308, 1e308]), groups=np.array([0, 0]))], [bind(get("mse"), {})])[0][0]
    assert by_group.groups[0].value is None  # the same per --by group
    assert losscli.compute("mse", [1.0, 2.0], [1.0, 3.0], sample_weight=[1e307, 1e307]) == pytest.approx(0.5, rel=REL)


# =========================================================================== what counts as an array of numbers


def test_single_numbers_are_not_rows() -> None:
    api_error(losscli.compute, "mse", 1.0, 2.0, role="y_true", row=None, fragments=("y_true: a single value (1.0), not one value per row", "[1.0] for one row"))
    api_error(losscli.compute, "mse", [1.0, 2.0], np.array(2.0), role="y_pred", row=None, fragments=("y_pred: a single value (2.0)",))
    assert losscli.compute("mse", [1.0], [2.0]) == 1.0  # (2 - 1)^2 by hand


def test_ragged_lists_are_refused() -> None:
    api_error(losscli.compute, "mse", [[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0]], role="y_true", row=None, fragments=("y_true: rows of different lengths",))
    ragged = np.empty(2, dtype=object)
    ragged[:] = [np.array([1.0, 2.0]), np.array([3.0])]
    api_error(losscli.compute, "mse", [1.0, 2.0], ragged, role="y_pred", row=2, fragments=("y_pred, row 2: rows of different lengths (a ragged list) (every row needs the same number of values; row 1 has 2)",))


@pytest.mark.parametrize("value, fragment", [({"a": 1.0}, "y_true: an array of numbers needed, not dict"), ({1.0, 2.0}, "not set")])
def test_containers_that_are_not_arrays_are_refused(value: object, fragment: str) -> None:
    api_error(losscli.compute, "mse", value, [1.0, 2.0], role="y_true", row=None, fragments=(fragment,))


def test_a_missing_input_names_it() -> None:
    api_error(losscli.compute, "mse", [1.0, 2.0], None, role=None, row=None, fragments=("loss 'mse' needs input y_pred",))


def test_complex_numbers_are_refused_not_silently_truncated() -> None:
    # An ndarray of complex numbers gave 0.0 with a ComplexWarning.
    api_error(losscli.compute, "mse", np.array([1 + 1j, 2 + 0j]), [1.0, 2.0], role="y_true", row=None, fragments=("y_true: complex numbers",))
    api_error(losscli.compute, "mse", [1.0, 2.0], [1.0, 2 + 3j], role="y_pred", row=None, fragments=("complex numbers",))


def test_text_class_labels_ask_for_integer_indices() -> None:
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]])
    api_error(
        losscli.compute, "sparse_cce", ["a", "b", "c", "a"], probabilities, role="y_true", row=1,
        fragments=("y_true, row 1: text ('a'), not numbers", "pass integer class indices 0..C-1"),
    )
    expected = log_loss([0, 1, 2, 0], probabilities, labels=[0, 1, 2])
    assert losscli.compute("sparse_cce", [0, 1, 2, 0], probabilities) == pytest.approx(expected, rel=1e-9)


def test_numbers_written_as_text_are_refused() -> None:
    api_error(losscli.compute, "mse", ["1", "2"], [1.0, 3.0], role="y_true", row=1, fragments=("text ('1'), not numbers",))
    api_error(losscli.compute, "mse", [1.0, 2.0], np.array([1.0, "x"], dtype=object), role="y_pred", row=2, fragments=("y_pred, row 2: text ('x')",))


@pytest.mark.parametrize("loss", ["mse", "dice", "wasserstein_distance"])
def test_empty_inputs_are_an_error(loss: str) -> None:
    # mse gave nan and wasserstein_distance 0.0, where scipy raises.
    api_error(losscli.compute, loss, [], [], role=None, row=None, fragments=("y_true and y_pred are empty: there are no rows to evaluate",))


def test_inputs_of_different_lengths_show_each_length() -> None:
    api_error(losscli.compute, "mse", [1.0, 2.0], [1.0, 3.0, 4.0], role=None, row=None, fragments=("inputs of 'mse' have different numbers of rows: y_true 2, y_pred 3",))


@pytest.mark.parametrize("loss, shown", [(None, "NoneType None"), (3, "int 3"), (["mse"], "list ['mse']")])
def test_the_loss_must_be_a_name(loss: object, shown: str) -> None:
    api_error(losscli.compute, loss, [1.0], [1.0], role=None, row=None, fragments=(f"the loss must be a name such as 'mse', not {shown}", "losscli.available()"))


@pytest.mark.torch
def test_a_pytorch_loss_object_for_the_loss_names_the_call_to_make() -> None:
    # compute(nn.HuberLoss(delta=2.0), ...) said only "not HuberLoss HuberLoss()";
    # the hint now gives the name and the instance's settings as keywords.
    torch = pytest.importorskip("torch")
    nn, F = torch.nn, torch.nn.functional
    target, prediction = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.5, 3.5, 2.0])
    cases = [
        (nn.MSELoss, "losscli.compute('nn.MSELoss', y_true, y_pred)"),
        (F.mse_loss, "losscli.compute('F.mse_loss', y_true, y_pred)"),
        (nn.HuberLoss(delta=2.0), "losscli.compute('nn.HuberLoss', y_true, y_pred, delta=2)"),
        (nn.SmoothL1Loss(beta=0.5, reduction="sum"), "losscli.compute('nn.SmoothL1Loss', y_true, y_pred, beta=0.5, reduction='sum')"),
        (nn.L1Loss(reduction="none"), "losscli.per_sample('nn.L1Loss', y_true, y_pred)"),
    ]
    for obj, call in cases:
        error = api_error(losscli.compute, obj, target, prediction, role=None, row=None, fragments=("the loss must be a name such as 'mse', not ",))
        assert error.hint == f"pass its name: {call}"
        # The call the hint names gives PyTorch's value for the object (0.5^2 + 2.5^2 + 0 over 3 for MSE, ...).
        named = eval(call, {"losscli": losscli, "y_true": target, "y_pred": prediction})
        torch_loss = obj() if isinstance(obj, type) else obj
        assert named == pytest.approx(torch_loss(prediction, target).numpy(), rel=1e-6)
    # F.cross_entropy reads logits: the hint says so rather than naming cce, which reads probabilities.
    error = api_error(losscli.compute, F.cross_entropy, [0, 1], [[2.0, 0.0], [0.0, 2.0]], role=None, row=None)
    assert error.hint.endswith("write loss 'cce', from_logits=True")


def test_a_command_line_spec_as_the_loss_shows_the_keywords_to_pass() -> None:
    # "huber:delta=2" said only "unknown loss 'huber:delta=2'".
    api_error(
        losscli.compute, "huber:delta=2", [0.0], [1.0], role=None, row=None,
        fragments=("the loss must be a name, not the command line's spec 'huber:delta=2' (pass the parameters as keywords: compute('huber', y_true, y_pred, delta=2))",),
    )
    api_error(losscli.per_sample, "weighted_ce:weights=0.2;0.8", [0], [[0.5, 0.5]], role=None, row=None, fragments=("weights=[0.2, 0.8])",))
    api_error(losscli.compute, "hubber:delta=2", [0.0], [1.0], role=None, row=None, fragments=("unknown loss 'hubber'; did you mean 'huber'?",))


def test_the_declaration_info_returns_is_accepted_as_the_loss() -> None:
    spec = losscli.info("huber")
    # delta 1: 0.5 * 0.5^2 = 0.125 and 2.5 - 0.5 = 2.0, mean 1.0625 (by hand; torch HuberLoss)
    assert losscli.compute(spec, [0.0, 1.0], [0.5, 3.5]) == pytest.approx(1.0625, rel=REL)
    # delta 2: 0.125 and 2 * 2.5 - 2 = 3.0, mean 1.5625 (by hand)
    assert losscli.compute(spec, [0.0, 1.0], [0.5, 3.5], delta=2.0) == pytest.approx(1.5625, rel=REL)
    assert list(losscli.per_sample(spec, [0.0, 1.0], [0.5, 3.5])) == [0.125, 2.0]


def test_kernel_errors_name_the_argument_too() -> None:
    error = api_error(losscli.compute, "bce", [1, 0, 1], [0.9, 0.2, 1.5], role="y_pred", row=3)
    assert str(error).startswith("y_pred, row 3: probability outside [0, 1] (value 1.5)")


def test_a_masked_entry_is_a_missing_value_not_the_number_under_the_mask() -> None:
    # np.asarray drops the mask, so mse counted the hidden 5.0 and gave 3.0: (2 - 5)^2 / 3.
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    api_error(losscli.compute, "mse", masked, [1.0, 5.0, 3.0], role="y_true", row=2, fragments=("y_true, row 2: missing, NaN or infinite value (masked)",))
    rows = np.ma.masked_array([[0.2, 0.8], [0.5, 0.5]], mask=[[False, False], [False, True]])
    api_error(losscli.compute, "cce", [1, 0], rows, role="y_pred", row=2)
    unmasked = np.ma.masked_array([1.0, 2.0], mask=False)
    assert losscli.compute("mse", unmasked, [1.0, 4.0]) == 2.0  # (4 - 2)^2 / 2 by hand


def test_sparse_matrices_are_read_as_their_dense_values() -> None:
    # scikit-learn's OneHotEncoder returns a scipy.sparse matrix; it was read as one
    # opaque "single value" and refused with its repr as the number.
    sparse = pytest.importorskip("scipy.sparse")
    one_hot = sparse.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    probabilities = np.array([[0.3, 0.7], [0.6, 0.4]])
    expected = log_loss([1, 0], probabilities)  # scikit-learn on the dense labels
    assert losscli.compute("cce", one_hot, probabilities) == pytest.approx(expected, rel=1e-12)


def test_an_object_numpy_cannot_read_is_named_not_shown_as_a_single_value() -> None:
    class Lazy:  # a container numpy wraps as one object, as a polars LazyFrame
        pass

    api_error(losscli.compute, "mse", Lazy(), [1.0], role="y_true", row=None, fragments=("y_true: cannot read Lazy as numbers (pass a list, a numpy array",))


def test_rows_without_values_are_an_error_not_nan() -> None:
    # mse of two (3, 0) arrays gave nan with numpy's "Mean of empty slice" warning.
    api_error(losscli.compute, "mse", np.zeros((3, 0)), np.zeros((3, 0)), role="y_true", row=None, fragments=("an array of shape (3, 0): the rows hold no values",))
    # cce said "got 1 column" of a (3, 0) prediction
    api_error(losscli.compute, "cce", [0, 1, 1], np.zeros((3, 0)), role="y_pred", row=None, fragments=("shape (3, 0)",))


def test_an_integer_beyond_float_range_names_its_row() -> None:
    # Python ints of any size reach numpy as objects; float() of 10**400 raised OverflowError.
    api_error(losscli.compute, "mse", [1, 10**400], [0.0, 0.0], role="y_true", row=2, fragments=("an integer too large for a 64-bit float (401 digits)",))
    assert losscli.compute("mse", [10**20, 0], [0.0, 0.0]) == pytest.approx(1e40 / 2, rel=REL)  # 10**20 fits: (1e20)^2 / 2


def test_booleans_are_labels_0_and_1() -> None:
    expected = log_loss([1, 0], [0.9, 0.2], labels=[0, 1])
    assert losscli.compute("bce", [True, False], [0.9, 0.2]) == pytest.approx(expected, rel=1e-9)


# =========================================================================== tensors


@pytest.mark.torch
def test_tensors_that_require_grad_are_detached() -> None:
    torch = pytest.importorskip("torch")
    target = torch.from_numpy(Y)
    prediction = torch.from_numpy(P).requires_grad_(True)
    weights = torch.from_numpy(W).requires_grad_(True)
    expected = torch.nn.MSELoss()(prediction, target).item()
    assert losscli.compute("mse", target, prediction) == pytest.approx(expected, rel=REL)
    assert losscli.per_sample("mse", target, prediction) == pytest.approx(((prediction - target) ** 2).detach().numpy(), rel=REL)
    weighted = (((prediction - target) ** 2 * weights).sum() / weights.sum()).item()  # torch, by the weighted-mean formula
    assert losscli.compute("mse", target, prediction, sample_weight=weights) == pytest.approx(weighted, rel=REL)


@pytest.mark.torch
def test_a_nan_in_a_tensor_is_an_error() -> None:
    torch = pytest.importorskip("torch")
    prediction = torch.tensor([0.5, float("nan")], dtype=torch.float64, requires_grad=True)
    api_error(losscli.compute, "mse", torch.tensor([1.0, 0.0]), prediction, role="y_pred", row=2)


@pytest.mark.torch
def test_a_tensor_without_values_is_an_error_naming_the_argument() -> None:
    # A 'meta' tensor (shape only, as built for tracing) leaked PyTorch's NotImplementedError.
    torch = pytest.importorskip("torch")
    meta = torch.empty(3, device="meta")
    api_error(losscli.compute, "mse", [1.0, 2.0, 3.0], meta, role="y_pred", row=None, fragments=("y_pred: cannot be read as numbers (Cannot copy out of meta tensor",))
    api_error(losscli.compute, "mse", [1.0], [meta[0]], role="y_pred", row=None)


@pytest.mark.torch
def test_a_sparse_tensor_is_read_as_its_dense_values() -> None:
    torch = pytest.importorskip("torch")
    target = torch.tensor([0.0, 0.0, 2.0]).to_sparse()
    prediction = torch.tensor([0.0, 1.0, 2.0])
    expected = torch.nn.functional.mse_loss(prediction, target.to_dense()).item()  # 1/3
    assert losscli.compute("mse", target, prediction) == pytest.approx(expected, rel=1e-7)


def test_per_sample_says_that_weights_do_not_change_a_rows_loss():
    with pytest.raises(LossCliError, match="sample weights do not change"):
        losscli.per_sample("mse", [1.0, 2.0], [1.5, 2.0], sample_weight=[1.0, 2.0])


@pytest.mark.torch
def test_bfloat16_tensors_are_widened_not_refused() -> None:
    torch = pytest.importorskip("torch")
    target = torch.tensor([1.0, 0.0, 1.0], dtype=torch.bfloat16)
    prediction = torch.tensor([0.875, 0.25, 0.5], dtype=torch.bfloat16, requires_grad=True)  # exact in bfloat16
    # scikit-learn on the same (exactly representable) values
    expected = log_loss([1, 0, 1], [0.875, 0.25, 0.5], labels=[0, 1])
    assert losscli.compute("bce", target, prediction) == pytest.approx(expected, rel=1e-12)
    assert losscli.per_sample("mse", target, prediction).tolist() == [0.015625, 0.0625, 0.25]  # (0.125^2, 0.25^2, 0.5^2) by hand


@pytest.mark.torch
def test_a_bfloat16_softmax_is_read_as_probabilities() -> None:
    # torch.softmax in bfloat16 (as under autocast) rounds each probability to
    # 8 significant bits: a uniform row is 3 x 0.333984375 = 1.001953125, which
    # the 1e-3 check meant for rounded CSV digits refused.
    torch = pytest.importorskip("torch")
    logits = torch.tensor([[0.0, 0.0, 0.0], [2.0, 0.5, -1.0], [-0.7, 1.4, 0.2]])
    prediction = torch.softmax(logits.bfloat16(), dim=1)
    assert prediction.double().sum(dim=1)[0].item() == 1.001953125
    target = torch.tensor([0, 2, 1])
    # PyTorch on the same (widened, not renormalised) probabilities
    expected = torch.nn.functional.nll_loss(torch.log(prediction.double()), target, reduction="none")
    assert losscli.compute("sparse_cce", target, prediction) == pytest.approx(expected.mean().item(), rel=1e-12)
    assert losscli.compute("cce", torch.nn.functional.one_hot(target, 3), prediction) == pytest.approx(expected.mean().item(), rel=1e-12)
    assert losscli.per_sample("sparse_cce", target, prediction) == pytest.approx(expected.numpy(), rel=1e-12)
    # Rows off by more than bfloat16's rounding are still not probabilities, nor are float32 rows off by 0.003.
    api_error(losscli.compute, "sparse_cce", target, (prediction.float() * 1.01).bfloat16(), role="y_pred", row=1, fragments=("does not sum to 1",))
    api_error(losscli.compute, "sparse_cce", target, prediction.float(), role="y_pred", row=1, fragments=("does not sum to 1",))


@pytest.mark.torch
def test_a_zero_dimensional_tensor_is_a_single_value_not_rows() -> None:
    torch = pytest.importorskip("torch")
    api_error(losscli.compute, "mse", torch.tensor(1.0), torch.tensor(2.0), role="y_true", row=None, fragments=("y_true: a single value (1.0), not one value per row",))


def test_a_generator_is_read_as_its_values() -> None:
    # (1 - 1.5)^2 and (2 - 4)^2, mean 2.125 (by hand)
    assert losscli.compute("mse", (v for v in [1.0, 2.0]), iter([1.5, 4.0])) == 2.125


def test_pandas_missing_markers_in_an_object_column_are_missing_values() -> None:
    pd = pytest.importorskip("pandas")
    api_error(losscli.compute, "mse", pd.Series([1.0, pd.NA], dtype=object), [1.0, 2.0], role="y_true", row=2, fragments=("y_true, row 2: missing, NaN or infinite value",))
    api_error(losscli.compute, "mse", [1.0, 2.0, 3.0], np.array([1.0, 2.0, pd.NaT], dtype=object), role="y_pred", row=3, fragments=("y_pred, row 3: missing",))


def test_a_value_that_overflows_is_inf_with_the_reason_as_a_warning() -> None:
    # It returned NaN, although per_sample gave [inf, 1.0] and PyTorch's MSELoss gives inf.
    with pytest.warns(RuntimeWarning, match=r"^mse: the value is infinite \(overflow or an impossible case\); returning inf$"):
        value = losscli.compute("mse", [0.0, 0.0], [1e200, 1.0])
    assert value == float("inf")
    with pytest.warns(RuntimeWarning, match=r"returning inf$"):
        assert losscli.compute("mse", [0.0, 0.0], [1e154, 1e154], reduction="sum") == float("inf")  # each term 1e308, the sum overflows


def test_per_sample_values_that_are_not_finite_come_with_a_warning() -> None:
    # The README: a value the command line reports as null comes back with a
    # RuntimeWarning. per_sample returned inf silently, while compute warned and
    # the command line's per-row output notes the first such row.
    with pytest.warns(RuntimeWarning, match=r"^mse: 1 per-row value is infinite or undefined \(the first at row 2\), returned as inf or NaN$"):
        values = losscli.per_sample("mse", [0.0, 0.0, 1.0], [1.0, 1e200, 1.0])
    assert values[0] == 1.0 and values[1] == float("inf") and values[2] == 0.0  # (1e200)**2 overflows float64 (IEEE 754)
    log_probabilities = np.log(np.full((2, 3), 1 / 3))  # 2 frames cannot hold 3 labels: PyTorch's ctc_loss is inf
    with pytest.warns(RuntimeWarning, match=r"^ctc: 1 per-row value is infinite .*the first at row 2\)"):
        assert losscli.per_sample("ctc", [[1], [1, 1, 1]], [log_probabilities, log_probabilities])[1] == float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(losscli.per_sample("mse", [0.0, 1.0], [2.0, 1.0])) == [4.0, 0.0]  # finite values warn about nothing


def test_an_overflow_towards_minus_infinity_keeps_its_sign() -> None:
    # critic: mean D(fake) - mean D(real) = 0 - (1e308 + 1e308) / 2, where the sum overflows to inf (IEEE)
    with pytest.warns(RuntimeWarning, match=r"^wasserstein: the value is infinite .*; returning -inf$"):
        assert losscli.compute("wasserstein", [1, 1, 0], [1e308, 1e308, 0.0]) == float("-inf")


def test_an_undefined_value_is_still_nan() -> None:
    with pytest.warns(RuntimeWarning, match=r"^wasserstein: it needs both real rows .*; returning NaN$"):
        assert np.isnan(losscli.compute("wasserstein", [1, 1], [0.3, 0.2]))


@pytest.mark.torch
def test_an_impossible_ctc_alignment_is_inf_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    log_probabilities = torch.log(torch.full((2, 1, 3), 1 / 3, dtype=torch.float64))  # 2 frames cannot hold 3 labels
    expected = torch.nn.functional.ctc_loss(log_probabilities, torch.tensor([[1, 1, 1]]), torch.tensor([2]), torch.tensor([3])).item()
    assert expected == float("inf")
    with pytest.warns(RuntimeWarning, match="returning inf"):
        assert losscli.compute("ctc", [[1, 1, 1]], log_probabilities.permute(1, 0, 2)) == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert losscli.compute("mse", [0.0], [2.0]) == 4.0  # a finite value warns about nothing


@pytest.mark.torch
def test_ctc_log_probabilities_in_pytorchs_layout_get_the_permute_that_fixes_them() -> None:
    # F.ctc_loss takes (frames, batch, classes); the rows here are sequences. The error only
    # said "y_true 3, y_pred 7", and the blank hint named the command line's ctc:blank=.
    torch = pytest.importorskip("torch")
    log_probabilities = torch.log_softmax(torch.randn(7, 3, 4, dtype=torch.float64), 2)
    targets = torch.tensor([[1, 2], [3, 1], [2, 2]])
    api_error(
        losscli.compute, "ctc", targets, log_probabilities, role=None, row=None,
        fragments=("y_pred has shape (7, 3, 4), PyTorch's (frames, batch, classes) layout", "y_pred.permute(1, 0, 2) for a tensor"),
    )
    expected = torch.nn.functional.ctc_loss(log_probabilities, targets, torch.full((3,), 7), torch.full((3,), 2)).item()
    assert losscli.compute("ctc", targets, log_probabilities.permute(1, 0, 2)) == pytest.approx(expected, rel=1e-9)
    api_error(losscli.compute, "ctc", [[0, 1]], [log_probabilities[:, 0]], role="y_true", row=1, fragments=("or pass blank= as the blank's index)",))


@pytest.mark.parametrize("loss, shown", [(None, "NoneType None"), (3, "int 3")])
def test_info_needs_a_name(loss: object, shown: str) -> None:
    api_error(losscli.info, loss, role=None, row=None, fragments=(f"the loss must be a name such as 'mse', not {shown}",))


def test_info_of_an_unknown_name_suggests_the_closest() -> None:
    api_error(losscli.info, "hubber", role=None, row=None, fragments=("unknown loss 'hubber'; did you mean 'huber'?",))
    assert losscli.info("HUBER").name == "huber"


def test_help_shows_the_real_signatures_and_documentation() -> None:
    import inspect

    parameters = inspect.signature(losscli.compute).parameters
    assert list(parameters)[:6] == ["loss", "y_true", "y_pred", "sample_weight", "sample_ids", "reduction"]
    assert "sample_ids" in inspect.signature(losscli.per_sample).parameters
    assert "outliers" in inspect.signature(losscli.recommend).parameters
    for function in (losscli.compute, losscli.per_sample, losscli.available, losscli.info, losscli.recommend):
        assert function.__doc__ and len(function.__doc__.split()) >= 5, function.__name__
    assert "LossCliError" in losscli.compute.__doc__
    # reduction= was in the signature but not in the documentation.
    assert '``reduction`` is ``"mean"``' in " ".join(losscli.compute.__doc__.split())
    assert "ignore_index" in losscli.per_sample.__doc__ and "weighted_ce" in losscli.per_sample.__doc__
    from losscli import per_sample

    assert per_sample is losscli.per_sample
    assert set(losscli.__all__) <= set(dir(losscli))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        losscli.nope  # noqa: B018


def test_importing_losscli_loads_no_numpy_pandas_or_pyarrow() -> None:
    import subprocess
    import sys

    code = "import sys, losscli; print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'pyarrow', 'rich', 'typer'}))"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


# =========================================================================== pandas index order


def test_pandas_inputs_whose_index_is_reordered_are_not_paired_silently() -> None:
    # Rows pair by position (scikit-learn); y_pred sorted by value paired y_true's row 10 with
    # y_pred's row 13 and returned 1.375, where pandas' own (y - p) aligns the labels.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"y": [0.0, 1.0, 2.0, 3.0], "p": [0.5, 1.5, 1.0, 5.0]}, index=[10, 11, 12, 13])
    shuffled = frame.sort_values("p", ascending=False)
    api_error(
        losscli.compute, "mse", frame.y, shuffled.p, role="y_pred", row=None,
        fragments=("y_pred: its pandas index has the labels of y_true's in another order", "y_pred.loc[y_true.index]"),
    )
    api_error(losscli.compute, "mse", frame.y, frame.p, sample_weight=shuffled.p, role="sample_weight", row=None)
    api_error(losscli.per_sample, "mse", frame.y, shuffled.p, role="y_pred", row=None)
    aligned = mean_squared_error(frame.y, frame.p)  # scikit-learn on the rows as pandas aligns them
    assert losscli.compute("mse", frame.y, shuffled.p.loc[frame.y.index]) == pytest.approx(aligned, rel=REL)
    # A test split's index beside a model's 0..n-1 predictions pairs by position, as in scikit-learn.
    predictions = pd.Series(frame.p.to_numpy())
    assert losscli.compute("mse", frame.y, predictions) == pytest.approx(mean_squared_error(frame.y, predictions), rel=REL)


# =========================================================================== one column as (n, 1)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "log_cosh", "quantile", "mape", "poisson", "rmse"])
def test_a_column_vector_against_a_flat_array_is_not_broadcast(loss: str) -> None:
    # A one-column DataFrame or an (n, 1) tensor against a Series broadcast to
    # (n, n), every label against every prediction: mse gave 0.8333 here, not 0.5.
    y_true, y_pred = np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.5, 1.0])
    expected = losscli.compute(loss, y_true, y_pred)
    assert losscli.compute(loss, y_true[:, None], y_pred) == pytest.approx(expected, rel=REL)
    assert losscli.compute(loss, y_true, y_pred[:, None]) == pytest.approx(expected, rel=REL)
    assert losscli.per_sample(loss, y_true[:, None], y_pred).shape == (3,)


def test_a_one_column_dataframe_against_a_series_gives_the_mse() -> None:
    pd = pytest.importorskip("pandas")
    # (0.5^2 + 0.5^2 + 1^2) / 3 = 0.5 (by hand; scikit-learn agrees)
    assert losscli.compute("mse", pd.DataFrame({"y": [0.0, 1.0, 2.0]}), pd.Series([0.5, 1.5, 1.0])) == 0.5
    assert mean_squared_error([0.0, 1.0, 2.0], [0.5, 1.5, 1.0]) == 0.5


def test_gaussian_nll_with_column_vectors_matches_flat_inputs() -> None:
    var = W[:10]
    expected = losscli.compute("gaussian_nll", Y[:10], P[:10], var=var)
    assert losscli.compute("gaussian_nll", Y[:10, None], P[:10], var=var[:, None]) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize("loss", ["wasserstein", "adversarial"])
def test_gan_labels_as_a_column_vector_are_one_label_per_row(loss: str) -> None:
    labels, scores = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.9, 0.2, 0.6, 0.3])
    expected = losscli.compute(loss, labels, scores)
    assert losscli.compute(loss, labels[:, None], scores) == pytest.approx(expected, rel=REL)


def test_the_critic_loss_of_column_vector_labels_is_the_hand_value() -> None:
    # mean D(fake) - mean D(real) = 0.25 - 0.75 (by hand); it gave -6.8 on these inputs' broadcast
    labels, scores = np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([0.9, 0.2, 0.6, 0.3])
    assert losscli.compute("wasserstein", labels, scores) == pytest.approx(-0.5, rel=REL)


def test_gan_labels_of_two_columns_are_refused() -> None:
    api_error(losscli.compute, "adversarial", np.ones((2, 2)), [0.9, 0.2], role="y_true", row=None, fragments=("y_true: adversarial takes one y_true column, got 2",))


@pytest.mark.parametrize("loss, extra", [("contrastive", {"margin": 1.5}), ("cosine_embedding", {"margin": 0.2})])
def test_pair_labels_as_a_column_vector_are_one_label_per_row(loss: str, extra: dict) -> None:
    x1, x2 = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    labels = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    expected = losscli.compute(loss, labels, x1=x1, x2=x2, **extra)
    assert losscli.compute(loss, labels[:, None], x1=x1, x2=x2, **extra) == pytest.approx(expected, rel=REL)


@pytest.mark.torch
def test_a_column_tensor_against_a_flat_tensor_gives_torchs_elementwise_value() -> None:
    torch = pytest.importorskip("torch")
    target = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    prediction = torch.tensor([[0.5], [1.5], [1.0]], dtype=torch.float64, requires_grad=True)
    weights = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    expected = torch.nn.functional.huber_loss(prediction[:, 0], target, reduction="none")  # torch, on matching shapes
    weighted = ((expected * weights).sum() / weights.sum()).item()
    assert losscli.compute("huber", target, prediction, sample_weight=weights) == pytest.approx(weighted, rel=REL)


# =========================================================================== parameters from Python


def test_numpy_and_tensor_scalars_are_numbers_as_parameters() -> None:
    # delta=np.float32(2) was "out of range: 2.0"; the values are the Python-float ones.
    expected = losscli.compute("huber", [0.0, 1.0], [0.5, 3.5], delta=2.0)
    assert expected == pytest.approx(1.5625, rel=REL)  # 0.125 and 2 * 2.5 - 2 = 3.0, mean 1.5625 (by hand)
    for delta in (np.float32(2.0), np.int64(2), np.array(2.0)):
        assert losscli.compute("huber", [0.0, 1.0], [0.5, 3.5], delta=delta) == expected
    targets, log_probabilities = [[1, 2]], [np.log(np.full((4, 3), 1 / 3))]
    assert losscli.compute("ctc", targets, log_probabilities, blank=np.int64(0)) == losscli.compute("ctc", targets, log_probabilities)
    # sigmoid(0.1) and sigmoid(0.2) against labels 0 and 1 (scikit-learn's log_loss on the probabilities)
    expected = log_loss([0, 1], 1.0 / (1.0 + np.exp(-np.array([0.1, 0.2]))), labels=[0, 1])
    assert losscli.compute("bce", [0, 1], [0.1, 0.2], from_logits=np.bool_(True)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.torch
def test_a_zero_dimensional_tensor_is_a_number_as_a_parameter() -> None:
    torch = pytest.importorskip("torch")
    assert losscli.compute("huber", [0.0, 1.0], [0.5, 3.5], delta=torch.tensor(2.0)) == pytest.approx(1.5625, rel=REL)  # by hand, as above


@pytest.mark.parametrize(
    "loss, params, fragment",
    [
        ("huber", {"delta": True}, "parameter 'delta' of loss 'huber' must be a number, got bool True (valid: > 0)"),
        ("huber", {"delta": "2"}, "parameter 'delta' of loss 'huber' must be a number, got str '2'"),
        ("quantile", {"q": "0.9"}, "parameter 'q' of loss 'quantile' must be a number or a list of numbers, got str '0.9'"),
        ("bce", {"from_logits": 1}, "parameter 'from_logits' of loss 'bce' must be True or False, got int 1"),
        ("sparse_cce", {"ignore_index": 1.5}, "parameter 'ignore_index' of loss 'sparse_cce' must be an integer, got float 1.5"),
    ],
)
def test_a_parameter_of_the_wrong_type_says_which_type_it_needs(loss: str, params: dict, fragment: str) -> None:
    # True was taken as a Huber delta of 1 and 1.5 as an ignore_index; the others read "out of range: 2".
    api_error(losscli.compute, loss, [0, 1], [[0.6, 0.4], [0.3, 0.7]] if loss == "sparse_cce" else [0.1, 0.2], role=None, row=None, fragments=(fragment,), **params)


def test_a_non_integer_ctc_blank_is_refused_not_truncated() -> None:
    api_error(losscli.compute, "ctc", [[1, 2]], [np.log(np.full((4, 3), 1 / 3))], blank=1.5, role=None, row=None, fragments=("parameter 'blank' of loss 'ctc' must be an integer, got float 1.5",))


@pytest.mark.parametrize("weights, shown", [({0: 1.0, 1: 2.0}, "dict {0: 1.0, 1: 2.0}"), ("0.2;0.8", "str '0.2;0.8'"), (0.5, "float 0.5")])
def test_class_weights_must_be_a_list_of_numbers(weights: object, shown: str) -> None:
    # A dict gave its keys as the weights, (0.0, 1.0), without a word.
    api_error(
        losscli.compute, "weighted_ce", [0, 1], [[0.8, 0.2], [0.3, 0.7]], weights=weights, role=None, row=None,
        fragments=(f"parameter 'weights' of loss 'weighted_ce' must be a list of numbers or 'balanced', got {shown} (for example [0.2, 0.8])",),
    )


def test_class_weights_from_numpy_match_torch_cross_entropy_weights() -> None:
    probabilities = np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    # PyTorch CrossEntropyLoss(weight=w) on log-probabilities: sum(w_y * -log p_y) / sum(w_y), by hand
    expected = (0.2 * -np.log(0.8) + 0.8 * -np.log(0.7) + 0.2 * -np.log(0.4)) / (0.2 + 0.8 + 0.2)
    assert losscli.compute("weighted_ce", [0, 1, 0], probabilities, weights=np.array([0.2, 0.8], dtype=np.float32)) == pytest.approx(expected, rel=1e-6)


# =========================================================================== rows held as cells, lists of tensors, sample ids


def test_a_series_of_probability_arrays_is_one_row_per_sample() -> None:
    pd = pytest.importorskip("pandas")
    probabilities = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]
    expected = log_loss([0, 1, 2], probabilities, labels=[0, 1, 2])  # scikit-learn
    # It said "rows of different lengths" for rows that all have three values.
    cells = pd.Series([np.array(row) for row in probabilities], index=[10, 11, 12])
    assert losscli.compute("sparse_cce", [0, 1, 2], cells) == pytest.approx(expected, rel=1e-9)
    assert losscli.compute("sparse_cce", [0, 1, 2], pd.Series(probabilities)) == pytest.approx(expected, rel=1e-9)


def test_a_missing_cell_in_a_series_of_rows_is_a_missing_value() -> None:
    pd = pytest.importorskip("pandas")
    cells = pd.Series([np.array([0.5, 0.5]), None, np.array([0.2, 0.8])])
    api_error(losscli.compute, "cce", [0, 1, 1], cells, role="y_pred", row=2, fragments=("y_pred, row 2: missing, NaN or infinite value",))


@pytest.mark.torch
def test_a_list_of_tensors_that_require_grad_is_read_as_rows() -> None:
    torch = pytest.importorskip("torch")
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.3, -0.2]], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 2])).item()
    # numpy raised torch's RuntimeError "Can't call numpy() on Tensor that requires grad".
    rows = [row for row in logits]
    assert losscli.compute("sparse_cce", [0, 2], rows, from_logits=True) == pytest.approx(expected, rel=REL)


def test_arrays_of_more_than_two_dimensions_are_refused_with_the_reshape() -> None:
    # triplet raised numpy's einsum ValueError and dice a concatenate ValueError.
    images = np.zeros((2, 2, 3))
    api_error(
        losscli.compute, "dice", images, images, role="y_true", row=None,
        fragments=("y_true: an array of shape (2, 2, 3): one value or one row of values per sample needed", "one row per pixel"),
    )
    api_error(losscli.compute, "triplet", anchor=images, positive=images, negative=images, role="anchor", row=None, fragments=("anchor: an array of shape (2, 2, 3)",))


def test_regression_losses_average_over_every_element_of_any_shape() -> None:
    # PyTorch's MSELoss/L1Loss/HuberLoss take any shape and average over every element.
    rng = np.random.default_rng(7)
    y_true, y_pred = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 2, 4))
    residual = y_pred - y_true
    assert losscli.compute("mse", y_true, y_pred) == pytest.approx(np.mean(residual**2), rel=REL)  # numpy, by the formula
    assert losscli.compute("mae", y_true, y_pred) == pytest.approx(np.mean(np.abs(residual)), rel=REL)
    assert losscli.per_sample("mse", y_true, y_pred).shape == (3,)
    torch = pytest.importorskip("torch")
    expected = torch.nn.HuberLoss(delta=0.5)(torch.tensor(y_pred), torch.tensor(y_true)).item()
    assert losscli.compute("huber", y_true, y_pred, delta=0.5) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(
    "ids",
    [["a", None, "b"], np.array(["a", float("nan"), "b"], dtype=object), np.array(["2024-01-01", "NaT", "2024-01-02"], dtype="datetime64[D]")],
    ids=["None", "nan among text", "NaT"],
)
def test_a_missing_sample_id_is_an_error(ids: object) -> None:
    # Text ids with a None or NaN raised TypeError "'<' not supported"; a NaT formed a sample of its own.
    api_error(losscli.compute, "dice", [1, 0, 1], [0.9, 0.2, 0.8], sample_ids=ids, role="sample_ids", row=2, fragments=("sample_ids, row 2: missing sample id",))


def test_missing_ids_of_pandas_string_and_categorical_columns_are_errors() -> None:
    pd = pytest.importorskip("pandas")
    for ids in (pd.Series(["a", None, "b"], dtype="string"), pd.Series(["a", None, None]).astype("category")):
        api_error(losscli.compute, "dice", [1, 0, 1], [0.9, 0.2, 0.8], sample_ids=ids, role="sample_ids", row=2, fragments=("missing sample id",))
    # two samples: a = rows 1-2, b = row 3; dice by hand with smooth 1e-5:
    # a: 1 - (2 * 0.9 + 1e-5) / (1 + 1.1 + 1e-5), b: 1 - (2 * 0.8 + 1e-5) / (1 + 0.8 + 1e-5)
    a = 1 - (1.8 + 1e-5) / (2.1 + 1e-5)
    b = 1 - (1.6 + 1e-5) / (1.8 + 1e-5)
    assert losscli.compute("dice", [1, 0, 1], [0.9, 0.2, 0.8], sample_ids=pd.Series(["a", "a", "b"], dtype="category")) == pytest.approx((a + b) / 2, rel=REL)


# =========================================================================== keyword names


def test_a_misspelt_input_is_named_before_the_missing_one() -> None:
    # It said "needs input negative", hiding the typo that caused it.
    embeddings = np.zeros((2, 2))
    api_error(
        losscli.compute, "triplet", anchor=embeddings, positive=embeddings, negativ=embeddings, role=None, row=None,
        fragments=("loss 'triplet' has no input or parameter 'negativ'; did you mean 'negative'? (inputs of triplet: anchor, positive, negative; parameters: margin,",),
    )


def test_an_input_the_loss_does_not_take_is_not_called_a_parameter() -> None:
    # contrastive(y_true, y_pred) said "no parameter 'y_pred'" and listed only margin and half.
    api_error(
        losscli.compute, "contrastive", [1, 0], [0.3, 0.4], role=None, row=None,
        fragments=("loss 'contrastive' has no input or parameter 'y_pred'", "(inputs of contrastive: x1, x2, distance, y_true; parameters: margin, half)"),
    )
    api_error(losscli.compute, "huber", [0.0], [1.0], delt=2.0, role=None, row=None, fragments=("has no input or parameter 'delt'; did you mean 'delta'?",))


def test_the_warning_points_at_the_callers_line() -> None:
    # A warning filter or a traceback of -W error should lead to the user's code, not losscli's.
    with pytest.warns(RuntimeWarning) as caught:
        losscli.compute("mse", [0.0], [1e200])
    assert caught[0].filename == __file__


def test_hints_name_the_keyword_a_python_caller_passes() -> None:
    # The kernels' hints name the command line's switches (--from-logits, --normalize).
    api_error(losscli.compute, "bce", [0, 1], [2.0, 0.5], role="y_pred", row=1, fragments=("(pass from_logits=True if these are logits or raw scores)",))
    api_error(
        losscli.per_sample, "cce", [0, 1], [[0.5, 0.6], [0.2, 0.8]], role="y_pred", row=1,
        fragments=("(pass normalize=True to divide each row by its sum, or from_logits=True for logits)",),
    )


def test_hints_about_file_columns_say_what_to_pass_in_python() -> None:
    # They named --pred-col, --label-col, --col ROLE=COLS and --sample-col, which a Python
    # caller has no way to give.
    cases = [
        ("mse", dict(y_true=np.zeros((2, 2)), y_pred=np.zeros((2, 3))), "(pass y_true and y_pred with the same number of columns)"),
        ("cce", dict(y_true=[0, 1], y_pred=[0.2, 0.7]), "(pass y_pred with one column per class; for one probability of the positive class use bce)"),
        (
            "bce", dict(y_true=[0, 1], y_pred=[[0.8, 0.2], [0.3, 0.7]]),
            "(for two class columns use loss 'cce', which reads labels 0/1 as class indices; or pass the positive class's column alone, e.g. y_pred[:, 1])",
        ),
        ("triplet", dict(anchor=np.zeros((2, 2)), positive=np.zeros((2, 3)), negative=np.zeros((2, 2))), "(give positive as many columns as anchor)"),
        ("contrastive", dict(y_true=[0, 1]), "(pass x1= and x2= (the embeddings), or distance=)"),
        ("ctc", dict(y_true=[[1]], y_pred=[[0.1, 0.2]]), "(pass one frames x classes array per sequence (a list of 2-D arrays"),
        ("NLLLoss", dict(y_true=[0, 1], y_pred=[[0.2, 0.8], [0.4, 0.6]]), "sparse_cce with from_logits=True, whose log-softmax"),
        ("NLLLoss", dict(y_true=[0, 1], y_pred=[[0.2, 0.8], [0.4, 0.6]]), "(write loss 'sparse_cce', from_logits=True)"),
    ]
    for loss, inputs, hint in cases:
        with pytest.raises(LossCliError) as info:
            losscli.compute(loss, **inputs)
        assert hint in str(info.value), (loss, str(info.value))
        assert "--" not in str(info.value), (loss, str(info.value))
    # info() says the same, and names the loss a parameter belongs to.
    for name, hint in [("BinaryFocalCrossentropy", "(write loss 'focal', convention='keras')"), ("bce_with_logits", "(write loss 'bce', from_logits=True)")]:
        with pytest.raises(LossCliError) as info:
            losscli.info(name)
        assert hint in str(info.value), (name, str(info.value))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1.0000001, "1.0000001"), (2.0, "2"), (-3.0, "-3"), (0.1, "0.1"), (1e-300, "1e-300"), (2.0**60, "1152921504606846976"), (np.int64(2**60 + 1), "1152921504606846977"), (1e300, "1e+300"), (float("inf"), "inf"), (np.float32(0.1), "0.10000000149011612")],
)
def test_values_in_messages_keep_every_digit(value, shown):
    from losscli.wording import exact_number

    assert exact_number(value) == shown


# =========================================================================== errors Python code already catches


def test_bad_input_is_a_value_error_as_in_scikit_learn() -> None:
    # scikit-learn (mean_squared_error([1, 2], [1, 2, 3])) and numpy raise ValueError for
    # arguments like these; LossCliError derived from Exception alone, so `except ValueError`
    # around a training step let it through.
    with pytest.raises(ValueError, match="different numbers of rows"):
        losscli.compute("mse", [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="did you mean 'huber'"):
        losscli.compute("hubber", [0.0], [1.0])
