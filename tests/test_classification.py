"""Classification losses against independent references.

Every expected value names its source: hand-worked arithmetic, the library
anchors that were reproduced by running PyTorch / Keras / scikit-learn /
scipy (quoted to 7 significant digits, so compared to half a unit of the
last digit), scikit-learn and scipy themselves, and, in tests marked
``torch``, PyTorch on random float64 data.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import rel_entr
from sklearn.metrics import hinge_loss, log_loss
from conftest import write_csv
from sklearn.utils.class_weight import compute_class_weight

import losscli
from losscli.engine import Batch, evaluate
from losscli.errors import LossCliError
from losscli.registry import EPS, FROM_LOGITS, NORMALIZE, bind, get, parse_spec
from losscli.losses.classification import balanced_class_weights, weighted_ce_per_row

REL = 1e-6
SEEDS = (0, 1, 2)

# The logits of research section 5 (torch CrossEntropyLoss anchors).
ANCHOR_LOGITS = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
ANCHOR_TARGETS = np.array([0.0, 1.0, 2.0])


def anchor(value: float) -> object:
    """A 7-digit anchor: equal to half a unit in its last digit."""
    return pytest.approx(value, abs=5e-8)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def with_params(name: str, **params: object):
    """A bound loss, as a spec string would give it."""
    return bind(get(name), params)


def raises_at(row: int, role: str, call, *args, match: str | None = None, **kwargs) -> LossCliError:
    with pytest.raises(LossCliError, match=match) as info:
        call(*args, **kwargs)
    assert info.value.row == row
    assert info.value.role == role
    return info.value


def dirichlet_rows(rng: np.random.Generator, n: int, n_classes: int) -> np.ndarray:
    rows = rng.dirichlet(np.ones(n_classes), n) + 1e-3
    return rows / rows.sum(axis=1, keepdims=True)


# =========================================================================== declarations


CANONICAL = {
    "bce": ("binary_crossentropy", "log_loss"),
    "cce": ("categorical_crossentropy",),
    "sparse_cce": ("sparse_categorical_crossentropy",),
    "hinge": (),
    "squared_hinge": (),
    "categorical_hinge": (),
    "kl_div": ("kld", "kl_divergence"),
    "focal": (),
    "label_smoothing_ce": (),
    "weighted_ce": (),
}


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_every_loss_is_registered_with_the_spec_aliases(name):
    spec = get(name)
    assert spec.name == name
    assert spec.family == "classification"
    for alias in CANONICAL[name]:
        assert get(alias) is spec
    assert spec.characteristics.classification and not spec.characteristics.regression
    assert spec.formula and spec.description and spec.use_cases and spec.reference


@pytest.mark.parametrize(
    "name, tasks",
    [
        ("bce", {"classification", "binary"}),
        ("hinge", {"classification", "binary"}),
        ("squared_hinge", {"classification", "binary"}),
        ("cce", {"classification", "multiclass"}),
        ("sparse_cce", {"classification", "multiclass"}),
        ("categorical_hinge", {"classification", "multiclass"}),
        ("label_smoothing_ce", {"classification", "multiclass"}),
        ("weighted_ce", {"classification", "multiclass", "imbalance"}),
        ("focal", {"classification", "binary", "multiclass", "imbalance"}),
        # KL compares class distributions: soft labels are inferred as multiclass.
        ("kl_div", {"classification", "multiclass"}),
    ],
)
def test_tasks(name, tasks):
    assert set(get(name).tasks) == tasks


@pytest.mark.parametrize(
    "name, robust, smooth",
    # The guide's characteristics table: Cross-Entropy (no, yes), Hinge (no, no), Focal (yes, yes).
    [("bce", False, True), ("cce", False, True), ("sparse_cce", False, True), ("hinge", False, False),
     ("categorical_hinge", False, False), ("focal", True, True)],
)
def test_characteristics_follow_the_guides_table(name, robust, smooth):
    characteristics = get(name).characteristics
    assert characteristics.robust_to_outliers is robust
    assert characteristics.smooth_gradient is smooth


@pytest.mark.parametrize("name", ["bce", "cce", "sparse_cce", "label_smoothing_ce", "weighted_ce", "kl_div", "focal"])
def test_probability_losses_take_the_shared_switches(name):
    spec = get(name)
    assert spec.param("from_logits") is FROM_LOGITS
    assert spec.param("eps") is EPS
    if name != "bce":
        assert spec.param("normalize") is NORMALIZE


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "categorical_hinge"])
def test_hinge_losses_have_no_logits_switch(name):
    with pytest.raises(LossCliError, match="no parameter 'from_logits'"):
        get(name).param("from_logits")


def test_parameter_defaults_follow_the_spec():
    assert get("focal").defaults()["gamma"] == 2.0
    assert get("focal").defaults()["alpha"] == 0.25
    assert get("label_smoothing_ce").defaults()["smoothing"] == 0.1
    assert get("sparse_cce").defaults()["ignore_index"] is None
    assert get("bce").defaults()["eps"] == 1e-7


def test_categorical_hinge_notes_the_keras_difference():
    assert any("Keras" in note and "negative" in note for note in get("categorical_hinge").notes)


@pytest.mark.parametrize(
    "text, message",
    [
        ("focal:gamma=-1", "out of range"),
        ("focal:alpha=1.5", "out of range"),
        ("label_smoothing_ce:smoothing=1.5", "out of range"),
        ("bce:pos_weight=-2", "out of range"),
        ("weighted_ce:weights=0.2;-1", "out of range"),
        ("weighted_ce:weights=heavy", "must be"),
        ("sparse_cce:ignore_index=1.5", "must be an integer"),
    ],
)
def test_parameters_outside_their_range_are_errors(text, message):
    with pytest.raises(LossCliError, match=message):
        parse_spec(text)


def test_spec_strings_parse_class_weights_and_global_switches():
    bound = parse_spec("weighted_ce:weights=0.2;0.8", {"from_logits": True})
    assert bound.params["weights"] == (0.2, 0.8)
    assert bound.params["from_logits"] is True
    assert parse_spec("weighted_ce:weights=balanced").params["weights"] == "balanced"
    assert parse_spec("focal:gamma=2,alpha=0.25").params == {
        "gamma": 2.0, "alpha": 0.25, "from_logits": False, "eps": 1e-7, "normalize": False,
        "multiclass": "softmax", "clip_logits": False, "clip_upper": False, "convention": None,
    }


# =========================================================================== bce


def test_bce_probability_anchor():
    # research 21: torch BCELoss p=[.9,.2,.6], y=[1,0,1] -> 0.2797766
    assert losscli.compute("bce", [1, 0, 1], [0.9, 0.2, 0.6]) == anchor(0.2797766)


def test_bce_logit_anchors():
    # research 21: torch BCEWithLogitsLoss x=[2,-1,.5], y=[1,0,1] -> 0.3047556; pos_weight=3 -> 0.7054256
    assert losscli.compute("bce", [1, 0, 1], [2.0, -1.0, 0.5], from_logits=True) == anchor(0.3047556)
    assert losscli.compute("bce", [1, 0, 1], [2.0, -1.0, 0.5], from_logits=True, pos_weight=3.0) == anchor(0.7054256)


def test_bce_hand_worked():
    # -(log 0.8 + log 0.6) / 2 = (0.2231435513 + 0.5108256238) / 2 = 0.3669845876
    assert losscli.compute("bce", [1, 0], [0.8, 0.4]) == pytest.approx(0.3669845876, rel=REL)


def test_bce_pos_weight_on_probabilities_weights_positive_terms():
    # -(3 log 0.8 + log 0.6) / 2 = (0.6694306539 + 0.5108256238) / 2 = 0.5901281389
    assert losscli.compute("bce", [1, 0], [0.8, 0.4], pos_weight=3.0) == pytest.approx(0.5901281389, rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_matches_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 50).astype(float)
    p = rng.uniform(0.01, 0.99, 50)  # inside [eps, 1-eps]: no clipping on either side
    weights = rng.uniform(0.1, 3.0, 50)
    assert losscli.compute("bce", y, p) == pytest.approx(log_loss(y, p), rel=REL)
    assert losscli.compute("bce", y, p, sample_weight=weights) == pytest.approx(
        log_loss(y, p, sample_weight=weights), rel=REL
    )


def test_bce_soft_labels_hand_worked():
    # y=0.3, p=0.6: -(0.3 log 0.6 + 0.7 log 0.4) = 0.1532476871 + 0.6414035123 = 0.7946511994
    assert losscli.compute("bce", [0.3], [0.6]) == pytest.approx(0.7946511994, rel=REL)


def test_bce_multi_label_columns_average_over_all_elements():
    # torch BCELoss mean over all 4 elements: (-log .9 - log .8 - log .7 - log .6) / 4
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.7) + math.log(0.6)) / 4
    value = losscli.compute("bce", [[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.6]])
    assert value == pytest.approx(expected, rel=REL)


def test_bce_accepts_one_column_matrices_against_a_column():
    # (n,) labels against (n, 1) predictions must not broadcast to (n, n)
    assert losscli.compute("bce", [1, 0, 1], [[0.9], [0.2], [0.6]]) == anchor(0.2797766)


def test_bce_perfect_predictions_cost_only_the_clipping():
    # p clipped to 1 - 1e-7: -log(1 - 1e-7) = 1.00000005e-7
    assert losscli.compute("bce", [1, 0], [1.0, 0.0]) == pytest.approx(-math.log1p(-1e-7), rel=REL)
    assert losscli.compute("bce", [1, 0], [1.0, 0.0], eps=0.0) == 0.0


def test_bce_errors_name_the_row():
    raises_at(3, "y_pred", losscli.compute, "bce", [1, 0, 1], [0.9, 0.2, 1.5], match="outside")
    raises_at(2, "y_true", losscli.compute, "bce", [1, 2, 1], [0.9, 0.2, 0.5], match="label")


# =========================================================================== cce / sparse_cce


def test_ce_logit_anchor_for_every_label_layout():
    # research 21: torch CrossEntropyLoss on the anchor logits, targets [0,1,2] -> 0.5586881
    probabilities = softmax(ANCHOR_LOGITS)
    one_hot = np.eye(3)[ANCHOR_TARGETS.astype(int)]
    assert losscli.compute("cce", ANCHOR_TARGETS, ANCHOR_LOGITS, from_logits=True) == anchor(0.5586881)
    assert losscli.compute("cce", one_hot, ANCHOR_LOGITS, from_logits=True) == anchor(0.5586881)
    assert losscli.compute("cce", one_hot, probabilities) == anchor(0.5586881)
    assert losscli.compute("sparse_cce", ANCHOR_TARGETS, probabilities) == anchor(0.5586881)
    assert losscli.compute("sparse_cce", ANCHOR_TARGETS[:, None], ANCHOR_LOGITS, from_logits=True) == anchor(0.5586881)


def test_cce_soft_labels_hand_worked():
    # y=[.5,.5,0], p=[.5,.25,.25]: -(0.5 log 0.5 + 0.5 log 0.25) = 0.3465735903 + 0.6931471806 = 1.0397207708
    assert losscli.compute("cce", [[0.5, 0.5, 0.0]], [[0.5, 0.25, 0.25]]) == pytest.approx(1.0397207708, rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_cce_matches_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    probabilities = dirichlet_rows(rng, 40, 4)
    labels = rng.integers(0, 4, 40)
    weights = rng.uniform(0.1, 2.0, 40)
    expected = log_loss(labels, probabilities, labels=[0, 1, 2, 3])
    assert losscli.compute("cce", labels.astype(float), probabilities) == pytest.approx(expected, rel=REL)
    assert losscli.compute("sparse_cce", labels.astype(float), probabilities) == pytest.approx(expected, rel=REL)
    weighted = log_loss(labels, probabilities, labels=[0, 1, 2, 3], sample_weight=weights)
    assert losscli.compute("cce", np.eye(4)[labels], probabilities, sample_weight=weights) == pytest.approx(weighted, rel=REL)


def test_sparse_cce_ignore_index_anchor():
    # research 21: torch CrossEntropyLoss t=[0,-100,2] (ignore_index=-100) -> 0.7531091
    targets = np.array([0.0, -100.0, 2.0])
    assert losscli.compute("sparse_cce", targets, ANCHOR_LOGITS, from_logits=True, ignore_index=-100) == anchor(0.7531091)
    # reduction='none' gives 0 for the ignored row, as torch does
    per_row = losscli.per_sample("sparse_cce", targets, ANCHOR_LOGITS, from_logits=True, ignore_index=-100)
    assert per_row[1] == 0.0


def test_sparse_cce_ignored_rows_leave_the_weighted_mean():
    # kept rows 0 and 2 with weights 2 and 1: (2 * l0 + 1 * l2) / 3
    targets = np.array([0.0, -100.0, 2.0])
    per_row = losscli.per_sample("sparse_cce", targets, ANCHOR_LOGITS, from_logits=True, ignore_index=-100)
    value = losscli.compute(
        "sparse_cce", targets, ANCHOR_LOGITS, from_logits=True, ignore_index=-100, sample_weight=[2.0, 5.0, 1.0]
    )
    assert value == pytest.approx((2 * per_row[0] + per_row[2]) / 3, rel=REL)


def test_sparse_cce_ignore_index_may_be_a_valid_class():
    # torch ignores rows of that class: only row 1 (class 1) counts -> -log softmax([0,3,1])[1]
    expected = -(3.0 - math.log(math.exp(0) + math.exp(3) + math.exp(1)))
    value = losscli.compute("sparse_cce", ANCHOR_TARGETS, ANCHOR_LOGITS, from_logits=True, ignore_index=0)
    assert losscli.compute("sparse_cce", [0.0, 1.0, 0.0], ANCHOR_LOGITS, from_logits=True, ignore_index=0) == pytest.approx(
        expected, rel=REL
    )
    assert value == pytest.approx((expected + -math.log(1 / 3)) / 2, rel=REL)


def test_sparse_cce_with_every_row_ignored_is_undefined():
    # torch gives NaN for a mean over no rows (pytorch/pytorch#70348)
    with pytest.warns(RuntimeWarning, match="returning NaN"):
        assert math.isnan(losscli.compute("sparse_cce", [-100.0], [[0.5, 0.5]], ignore_index=-100))


def test_sparse_cce_with_every_row_ignored_says_so_not_that_weights_sum_to_zero():
    # No sample weights were passed: the ignored labels alone leave nothing to divide by.
    with pytest.warns(RuntimeWarning) as caught:
        losscli.compute("sparse_cce", [-100, -100], [[0.5, 0.5], [0.5, 0.5]], ignore_index=-100)
    (message,) = [str(w.message) for w in caught]
    assert "every row is labelled ignore_index=-100" in message and "sample weights" not in message
    # With sample weights, either may be the cause, and the warning names both.
    with pytest.warns(RuntimeWarning) as caught:
        losscli.compute("sparse_cce", [-100, -100], [[0.5, 0.5], [0.5, 0.5]], ignore_index=-100, sample_weight=[1.0, 2.0])
    (message,) = [str(w.message) for w in caught]
    assert "sample weights of these rows sum to zero, or every row is labelled ignore_index=-100" in message


def test_sparse_cce_group_of_ignored_rows_is_null_with_the_reason(cli, tmp_path):
    path = tmp_path / "tokens.csv"
    path.write_text("y_true,p_0,p_1,doc\n0,0.8,0.2,a\n-100,0.5,0.5,b\n-100,0.5,0.5,b\n")
    document = json.loads(cli("compute", path, "--loss", "sparse_cce:ignore_index=-100", "--pred-col", "p_*", "--by", "doc", "--format", "json").stdout)
    empty = next(r for r in document["results"] if r["group"] == {"doc": "b"})
    assert empty["value"] is None and "every row is labelled ignore_index=-100" in empty["warning"]


@pytest.mark.parametrize("loss", ["sparse_cce", "nll"])
def test_padding_labels_point_to_ignore_index(cli, tmp_path, loss):
    # PyTorch pads class labels with -100; the fix is the loss's ignore_index.
    path = tmp_path / "tokens.csv"
    path.write_text("y_true,p_0,p_1\n0,0.8,0.2\n-100,0.5,0.5\n1,0.3,0.7\n-100,0.5,0.5\n")
    result = cli("compute", path, "--loss", loss, "--pred-col", "p_*")
    assert result.exit_code == 2 and result.stderr.strip() == (
        f"error: {path}, column 'y_true', row 2: class label outside the 2 classes 0..1 (value -100) "
        "(if -100 marks rows to leave out (PyTorch pads with -100), --loss sparse_cce:ignore_index=-100 leaves them out of the mean)"
    )


def test_a_huge_class_label_is_quoted_with_every_digit(cli, tmp_path):
    # A hashed id in the label column: 1.152921504606847e+18 rounded it.
    path = tmp_path / "ids.csv"
    path.write_text(f"y_true,p_0,p_1\n0,0.8,0.2\n{2**60},0.5,0.5\n")
    result = cli("compute", path, "--loss", "sparse_cce", "--pred-col", "p_*")
    assert result.exit_code == 2
    assert "class label outside the 2 classes 0..1 (value 1152921504606846976)" in result.stderr


def test_labels_outside_the_classes_point_to_ignore_index_only_when_one_negative_value():
    rows = np.array([[0.5, 0.5], [0.1, 0.9], [0.5, 0.5]])
    for labels in ([0, 5, 1], [0, -100, -1]):
        with pytest.raises(LossCliError) as raised:
            losscli.compute("sparse_cce", labels, rows)
        assert raised.value.hint == "y_pred has 2 probability columns; labels must index them"
    # cce has no ignore_index to point to.
    with pytest.raises(LossCliError) as raised:
        losscli.compute("cce", [0, -100, 1], rows)
    assert raised.value.hint == "y_pred has 2 probability columns; labels must index them"


def test_class_rows_must_sum_to_one_unless_normalized():
    rows = np.array([[0.2, 0.8], [0.2, 0.7], [0.5, 0.5]])
    raises_at(2, "y_pred", losscli.compute, "cce", [0, 1, 0], rows, match="does not sum to 1")
    # normalised row 2: [2/9, 7/9]; (-log .2 - log(7/9) - log .5) / 3
    expected = -(math.log(0.2) + math.log(7 / 9) + math.log(0.5)) / 3
    assert losscli.compute("cce", [0, 1, 0], rows, normalize=True) == pytest.approx(expected, rel=REL)


def test_rounding_within_tolerance_is_accepted():
    # probabilities written with 3 decimals: [0.333, 0.333, 0.333] sums to 0.999
    assert losscli.compute("cce", [0], [[0.333, 0.333, 0.333]]) == pytest.approx(-math.log(0.333), rel=REL)


def test_cce_errors_name_the_row():
    rows = np.array([[0.5, 0.5], [0.1, 0.9], [0.5, 0.5], [0.4, 0.6]])
    raises_at(4, "y_true", losscli.compute, "cce", [0, 1, 1, 2], rows, match="outside the 2 classes")
    raises_at(2, "y_true", losscli.compute, "sparse_cce", [0, 0.5, 1, 1], rows, match="not an integer")
    negative = rows.copy()
    negative[2] = [1.2, -0.2]
    raises_at(3, "y_pred", losscli.compute, "cce", [0, 1, 1, 0], negative, match="outside")
    raises_at(
        2, "y_true", losscli.compute, "sparse_cce", [0, 5, 1, -100], rows, ignore_index=-100, match="outside"
    )
    raises_at(2, "y_true", losscli.compute, "cce", [[1, 0], [0.5, 0.2], [0, 1], [1, 0]], rows, match="does not sum to 1")


def test_cce_needs_one_column_per_class():
    with pytest.raises(LossCliError, match="one y_pred column per class"):
        losscli.compute("cce", [0, 1], [0.3, 0.6])
    with pytest.raises(LossCliError, match="label columns"):
        losscli.compute("cce", [[1, 0, 0]], [[0.5, 0.5]])
    with pytest.raises(LossCliError, match="class-index column"):
        losscli.compute("sparse_cce", [[1, 0]], [[0.5, 0.5]])


def test_ce_of_a_single_row():
    # -log 0.25 = 1.3862943611
    assert losscli.compute("sparse_cce", [2], [[0.5, 0.25, 0.25]]) == pytest.approx(1.3862943611, rel=REL)


# =========================================================================== label smoothing


def test_label_smoothing_anchor():
    # research 21: torch CrossEntropyLoss(label_smoothing=0.1) on the anchor logits -> 0.6475770
    assert losscli.compute("label_smoothing_ce", ANCHOR_TARGETS, ANCHOR_LOGITS, from_logits=True) == anchor(0.6475770)
    one_hot = np.eye(3)[ANCHOR_TARGETS.astype(int)]
    assert losscli.compute("label_smoothing_ce", one_hot, softmax(ANCHOR_LOGITS)) == anchor(0.6475770)


def test_label_smoothing_hand_worked():
    # C=2, s=0.2, y=0 -> target [0.9, 0.1]; p=[.8,.2]:
    # -(0.9 log 0.8 + 0.1 log 0.2) = 0.2008292 + 0.1609438 = 0.3617730
    value = losscli.compute("label_smoothing_ce", [0], [[0.8, 0.2]], smoothing=0.2)
    assert value == pytest.approx(-(0.9 * math.log(0.8) + 0.1 * math.log(0.2)), rel=REL)


def test_label_smoothing_zero_is_cross_entropy():
    assert losscli.compute("label_smoothing_ce", ANCHOR_TARGETS, ANCHOR_LOGITS, from_logits=True, smoothing=0.0) == anchor(0.5586881)


def test_label_smoothing_keeps_a_perfect_prediction_above_zero():
    # s=0.1, C=2, p=[1-1e-7 (clip irrelevant), 1e-7 clipped]: 0.05 * -log(1e-7) + 0.95 * -log(1) = 0.805904782
    value = losscli.compute("label_smoothing_ce", [0], [[1.0, 0.0]])
    assert value == pytest.approx(0.05 * -math.log(1e-7), rel=REL)


# =========================================================================== weighted_ce


def test_weighted_ce_anchors():
    # research 21: torch CrossEntropyLoss(weight=[1,2,3]) -> 0.6738558; + label_smoothing 0.1 -> 0.7567835
    value = losscli.compute("weighted_ce", ANCHOR_TARGETS, ANCHOR_LOGITS, weights=[1, 2, 3], from_logits=True)
    assert value == anchor(0.6738558)
    smoothed = with_params("weighted_ce", weights=(1.0, 2.0, 3.0), smoothing=0.1, from_logits=True)
    assert losscli.compute(smoothed, ANCHOR_TARGETS, ANCHOR_LOGITS) == anchor(0.7567835)
    # a spec string gives the same loss
    parsed = parse_spec("weighted_ce:weights=1;2;3,smoothing=0.1", {"from_logits": True})
    assert losscli.compute(parsed, ANCHOR_TARGETS, ANCHOR_LOGITS) == anchor(0.7567835)


def test_weighted_ce_balanced_hand_worked():
    # y=[0,0,0,1]; p_y = .5, .5, .5, .25. Balanced: w0 = 4/(2*3) = 2/3, w1 = 4/(2*1) = 2.
    # (2/3 * 3 log 2 + 2 log 4) / (2/3 * 3 + 2 * 1) = 6 log 2 / 4 = 1.0397207708
    rows = [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.75, 0.25]]
    assert losscli.compute("weighted_ce", [0, 0, 0, 1], rows) == pytest.approx(1.5 * math.log(2), rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_ce_balanced_matches_sklearn_weights_and_the_torch_formula(seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(4, 60, p=[0.6, 0.25, 0.1, 0.05])
    labels[:4] = [0, 1, 2, 3]
    probabilities = dirichlet_rows(rng, 60, 4)
    w = compute_class_weight("balanced", classes=np.arange(4), y=labels)
    # PyTorch CrossEntropyLoss(weight=w), class-index targets: sum w_y (-log p_y) / sum w_y
    nll = -np.log(probabilities[np.arange(60), labels])
    expected = (w[labels] * nll).sum() / w[labels].sum()
    assert losscli.compute("weighted_ce", labels.astype(float), probabilities) == pytest.approx(expected, rel=REL)
    assert balanced_class_weights(np.bincount(labels)) == pytest.approx(w, rel=1e-12)


def test_weighted_ce_balanced_streams_exactly_over_batches():
    rng = np.random.default_rng(7)
    labels = rng.choice(3, 90, p=[0.7, 0.2, 0.1]).astype(float)
    probabilities = dirichlet_rows(rng, 90, 3)
    for params in ({}, {"smoothing": 0.1}, {"weights": (0.2, 0.3, 0.5)}, {"weights": (0.2, 0.3, 0.5), "smoothing": 0.2}):
        bound = with_params("weighted_ce", **params)
        whole = losscli.compute(bound, labels, probabilities)
        batches = [
            Batch(arrays=[{"y_true": labels[i : i + 7], "y_pred": probabilities[i : i + 7]}], n=len(labels[i : i + 7]))
            for i in range(0, 90, 7)
        ]
        outcomes, _ = evaluate(batches, [bound])
        assert outcomes[0].overall.value == pytest.approx(whole, rel=1e-12)


def test_weighted_ce_uniform_weights_equal_cce():
    loss = with_params("weighted_ce", weights=(1.0, 1.0, 1.0), from_logits=True)
    assert losscli.compute(loss, ANCHOR_TARGETS, ANCHOR_LOGITS) == anchor(0.5586881)
    # balanced weights on a balanced data set are all 1 as well
    assert losscli.compute("weighted_ce", ANCHOR_TARGETS, ANCHOR_LOGITS, from_logits=True) == anchor(0.5586881)


def test_weighted_ce_sample_weights_multiply_each_row():
    # explicit class weights w and sample weights s: sum s w_y l / sum s w_y
    loss = with_params("weighted_ce", weights=(1.0, 2.0, 3.0), from_logits=True)
    nll = -np.log(softmax(ANCHOR_LOGITS)[np.arange(3), [0, 1, 2]])
    s, w = np.array([1.0, 0.5, 2.0]), np.array([1.0, 2.0, 3.0])
    expected = (s * w * nll).sum() / (s * w).sum()
    assert losscli.compute(loss, ANCHOR_TARGETS, ANCHOR_LOGITS, sample_weight=s) == pytest.approx(expected, rel=REL)


def test_weighted_ce_balanced_with_integer_sample_weights_equals_repeated_rows():
    rows = np.array([[0.6, 0.4], [0.3, 0.7], [0.9, 0.1]])
    repeated = np.repeat(rows, [2, 1, 3], axis=0)
    labels = np.array([0.0, 1.0, 0.0])
    assert losscli.compute("weighted_ce", labels, rows, sample_weight=[2, 1, 3]) == pytest.approx(
        losscli.compute("weighted_ce", np.repeat(labels, [2, 1, 3]), repeated), rel=1e-12
    )


def test_weighted_ce_per_row_values_are_torch_unreduced_values():
    # torch CrossEntropyLoss(weight=[1,2,3], reduction='none') = w_y * nll per row
    nll = -np.log(softmax(ANCHOR_LOGITS)[np.arange(3), [0, 1, 2]])
    values = weighted_ce_per_row(ANCHOR_TARGETS, ANCHOR_LOGITS, weights=(1.0, 2.0, 3.0), from_logits=True)
    assert values == pytest.approx(np.array([1.0, 2.0, 3.0]) * nll, rel=REL)
    # and their sum over the true-class weights is the loss
    assert values.sum() / 6.0 == anchor(0.6738558)


@pytest.mark.parametrize(
    "params, expected",
    [
        # torch CrossEntropyLoss(weight=[1,2,3], reduction='sum') = sum w_y nll:
        # 1 * 0.40760596 + 2 * 0.16984602 + 3 * 1.09861229 = 4.0431349 (hand-worked
        # from the anchor logits; equals the 0.6738558 mean times sum w_y = 6)
        ({"weights": (1.0, 2.0, 3.0)}, 4.0431349),
        # balanced weights on these balanced targets are all 1: the plain sum of nll,
        # 0.40760596 + 0.16984602 + 1.09861229 = 1.6760643 (hand-worked)
        ({}, 1.6760643),
        # Keras class_weight divides by the row count for its mean, but its sum is the same sum
        ({"weights": (1.0, 2.0, 3.0), "mean_over": "rows"}, 4.0431349),
    ],
)
def test_weighted_ce_sum_reduction_adds_the_weighted_row_losses(params, expected):
    loss = with_params("weighted_ce", from_logits=True, **params)
    assert losscli.compute(loss, ANCHOR_TARGETS, ANCHOR_LOGITS, reduction="sum") == anchor(expected)


def test_weighted_ce_sum_reduction_on_the_command_line(cli, tmp_path):
    columns = {"y_true": ANCHOR_TARGETS.astype(int), **{f"logit_{k}": ANCHOR_LOGITS[:, k] for k in range(3)}}
    path = write_csv(tmp_path / "logits.csv", {**columns, "w": [1.0, 0.5, 2.0]})
    spec = "weighted_ce:weights=1;2;3"
    result = cli("compute", path, "--loss", spec, "--from-logits", "--reduction", "sum", "-f", "json")
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)["results"][0]
    assert entry["reduction"] == "sum" and entry["value"] == anchor(4.0431349)  # as in the test above
    # with sample weights s = [1, 0.5, 2]: sum s w_y nll = 0.40760596 + 0.16984602 + 6 * 1.09861229 (hand-worked)
    weighted = cli("compute", path, "--loss", spec, "--from-logits", "--reduction", "sum", "--weight-col", "w", "-f", "json")
    assert json.loads(weighted.stdout)["results"][0]["value"] == anchor(7.1691257)


@pytest.mark.parametrize("extra", [[], ["--by", "g"], ["--weight-col", "w"]], ids=["plain", "by", "weights"])
def test_weighted_ce_balanced_per_row_values_use_every_rows_class_counts(cli, tmp_path, small_batches, extra):
    # 7-row batches with the classes unevenly spread: one batch's own counts
    # would give its rows other weights than the whole file's.
    rng = np.random.default_rng(5)
    labels = np.concatenate([np.zeros(20, int), rng.integers(0, 3, size=30)])
    logits = rng.normal(size=(50, 3))
    sample_weights = rng.uniform(0.5, 2.0, size=50)
    columns = {"y_true": labels, **{f"logit_{k}": logits[:, k] for k in range(3)}, "g": np.arange(50) % 2, "w": sample_weights}
    path = write_csv(tmp_path / "logits.csv", columns)
    result = cli("compute", path, "--loss", "weighted_ce", "--from-logits", "--per-row", tmp_path / "rows.csv", "-f", "json", *extra)
    assert result.exit_code == 0, result.stderr
    rows = np.genfromtxt(tmp_path / "rows.csv", delimiter=",", names=True)
    # Independent: scikit-learn's balanced weights over all 50 rows (weighted counts
    # with sample weights), times each row's softmax NLL (numpy), as torch's
    # CrossEntropyLoss(weight=w, reduction='none') gives them.
    counted = sample_weights if extra == ["--weight-col", "w"] else None
    weights = compute_class_weight("balanced", classes=np.arange(3), y=labels) if counted is None else _weighted_balanced(labels, counted)
    nll = -np.log(softmax(logits)[np.arange(50), labels])
    np.testing.assert_allclose(rows["weighted_ce"], weights[labels] * nll, rtol=1e-9)


def _weighted_balanced(labels: np.ndarray, sample_weights: np.ndarray) -> np.ndarray:
    """Balanced weights N / (C n_c) with weighted counts, by hand."""
    counts = np.bincount(labels, weights=sample_weights, minlength=3)
    return counts.sum() / (3 * counts)


def test_weighted_ce_balanced_per_row_values_need_a_file_not_stdin(cli, tmp_path):
    text = "y_true,p_0,p_1\n0,0.8,0.2\n1,0.3,0.7\n"
    result = cli("compute", "-", "--loss", "weighted_ce", "--per-row", tmp_path / "rows.csv", input=text)
    assert result.exit_code == 2
    assert "per-row values need the class counts of every row" in result.stderr
    assert not (tmp_path / "rows.csv").exists()


def test_weighted_ce_accepts_one_hot_but_not_soft_labels():
    one_hot = np.eye(3)[[0, 1, 2]]
    loss = with_params("weighted_ce", weights=(1.0, 2.0, 3.0), from_logits=True)
    assert losscli.compute(loss, one_hot, ANCHOR_LOGITS) == anchor(0.6738558)
    soft = one_hot.copy()
    soft[1] = [0.1, 0.9, 0.0]
    raises_at(2, "y_true", losscli.compute, loss, soft, ANCHOR_LOGITS, match="hard labels")


def test_weighted_ce_needs_one_weight_per_class():
    with pytest.raises(LossCliError, match="2 class weights but y_pred has 3"):
        losscli.compute(with_params("weighted_ce", weights=(0.2, 0.8)), ANCHOR_TARGETS, softmax(ANCHOR_LOGITS))
    with pytest.raises(LossCliError, match="has 1 class weight but y_pred has 3 class columns"):
        losscli.compute(with_params("weighted_ce", weights=(0.2,)), ANCHOR_TARGETS, softmax(ANCHOR_LOGITS))



def test_weighted_ce_refuses_class_weights_that_are_all_zero():
    # Every row would count 0 times: torch's weighted mean is 0 / 0 = nan whatever the data.
    with pytest.raises(LossCliError, match="class weights are all 0"):
        losscli.compute(with_params("weighted_ce", weights=(0.0, 0.0, 0.0)), ANCHOR_TARGETS, softmax(ANCHOR_LOGITS))


@pytest.mark.parametrize("extra", ["", ",smoothing=0.1"])
def test_weighted_ce_group_of_weightless_classes_is_null_with_the_reason(cli, tmp_path, extra):
    # Group a holds only class 0, whose weight is 0: torch's mean is 0/0 (nan), or with
    # smoothing a positive sum over 0 (inf); neither is a loss, and the note says why.
    path = tmp_path / "preds.csv"
    path.write_text("y_true,p_0,p_1,g\n0,0.8,0.2,a\n1,0.3,0.7,b\n")
    document = json.loads(
        cli("compute", path, "--loss", f"weighted_ce:weights=0;1{extra}", "--pred-col", "p_*", "--by", "g", "--format", "json").stdout
    )
    by_group = {r["group"]["g"] if r["group"] else None: r for r in document["results"]}
    assert by_group["a"]["value"] is None
    assert "weights sum to 0" in by_group["a"]["warning"] and "weights=0;1" in by_group["a"]["warning"]
    # Group b: one row of class 1 (weight 1); without smoothing -log 0.7 (by hand).
    if not extra:
        assert by_group["b"]["value"] == pytest.approx(-math.log(0.7), rel=REL)


# =========================================================================== hinge family


def test_hinge_hand_worked():
    # y=[1,-1,1], s=[2,.5,-1]: max(0,1-2)=0, max(0,1+.5)=1.5, max(0,1+1)=2 -> 3.5/3
    assert losscli.compute("hinge", [1, -1, 1], [2.0, 0.5, -1.0]) == pytest.approx(3.5 / 3, rel=REL)
    # squared: (0 + 2.25 + 4) / 3
    assert losscli.compute("squared_hinge", [1, -1, 1], [2.0, 0.5, -1.0]) == pytest.approx(6.25 / 3, rel=REL)


def test_hinge_reads_zero_labels_as_minus_one():
    assert losscli.compute("hinge", [1, 0, 1], [2.0, 0.5, -1.0]) == pytest.approx(3.5 / 3, rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_hinge_matches_sklearn_binary(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 50)
    scores = rng.normal(0, 2, 50)
    weights = rng.uniform(0.1, 2, 50)
    assert losscli.compute("hinge", labels.astype(float), scores) == pytest.approx(hinge_loss(labels, scores), rel=REL)
    assert losscli.compute("hinge", 2.0 * labels - 1, scores, sample_weight=weights) == pytest.approx(
        hinge_loss(2 * labels - 1, scores, sample_weight=weights), rel=REL
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_hinge_matches_sklearn_multiclass(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 50)
    scores = rng.normal(0, 2, (50, 4))
    expected = hinge_loss(labels, scores, labels=[0, 1, 2, 3])
    assert losscli.compute("categorical_hinge", labels.astype(float), scores) == pytest.approx(expected, rel=REL)
    assert losscli.compute("categorical_hinge", np.eye(4)[labels], scores) == pytest.approx(expected, rel=REL)


def test_categorical_hinge_hand_worked():
    # y=0, s=[1,.5,-1]: 1 + .5 - 1 = 0.5; y=2, s=[0,3,1]: 1 + 3 - 1 = 3 -> mean 1.75
    assert losscli.compute("categorical_hinge", [0, 2], [[1.0, 0.5, -1.0], [0.0, 3.0, 1.0]]) == pytest.approx(1.75, rel=REL)


def test_categorical_hinge_is_crammer_singer_not_keras():
    # research 21: y=[0,1,0], s=[-2,-1,-3]: Crammer-Singer / sklearn 0.0 (Keras gives 2.0:
    # max(0, 1 + max((1-y) s) - sum(y s)) = 1 + 0 - (-1) = 2, the zeroed true slot beating -2 and -3)
    assert losscli.compute("categorical_hinge", [[0, 1, 0]], [[-2.0, -1.0, -3.0]]) == 0.0
    assert hinge_loss([1], np.array([[-2.0, -1.0, -3.0]]), labels=[0, 1, 2]) == 0.0


def test_hinge_errors_name_the_row():
    raises_at(3, "y_true", losscli.compute, "hinge", [1, -1, 2], [0.5, 0.5, 0.5], match="-1 or 1")
    raises_at(2, "y_true", losscli.compute, "categorical_hinge", [[1, 0], [0.5, 0.5]], [[1.0, 0.0], [0.0, 1.0]], match="hard labels")
    with pytest.raises(LossCliError, match="columns"):
        losscli.compute("hinge", [1, -1], [[0.5, 0.1], [0.5, 0.2]])


# =========================================================================== kl_div


def test_kl_div_anchors():
    # research 21: torch KLDivLoss(log q, p, reduction='batchmean') -> 0.3186607
    p = [[0.0, 0.5, 0.5], [0.3, 0.3, 0.4]]
    q = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    assert losscli.compute("kl_div", p, q) == anchor(0.3186607)
    # research 9: one row p=[0,.5,.5], q=[.2,.3,.5] -> 0.255413 (scipy rel_entr)
    assert losscli.compute("kl_div", [p[0]], [q[0]]) == pytest.approx(0.255413, abs=5e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_div_matches_scipy_rel_entr(seed):
    rng = np.random.default_rng(seed)
    p = dirichlet_rows(rng, 30, 5)
    p[0] = [0.0, 0.0, 0.5, 0.5, 0.0]  # zeros in the truth contribute 0
    q = dirichlet_rows(rng, 30, 5)
    expected = rel_entr(p, q).sum(axis=1).mean()
    assert losscli.compute("kl_div", p, q) == pytest.approx(expected, rel=REL)
    logits = rng.normal(0, 2, (30, 5))
    expected_logits = rel_entr(p, softmax(logits)).sum(axis=1).mean()
    assert losscli.compute("kl_div", p, logits, from_logits=True) == pytest.approx(expected_logits, rel=REL)


def test_kl_div_of_identical_distributions_is_zero():
    rows = [[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]]
    assert losscli.compute("kl_div", rows, rows) == 0.0


def test_kl_div_class_label_truth_is_cross_entropy():
    # KL(one-hot || q) = -log q_y
    assert losscli.compute("kl_div", [1], [[0.2, 0.8]]) == pytest.approx(-math.log(0.8), rel=REL)


def test_kl_div_normalize_divides_both_inputs():
    # scipy.stats.entropy normalises both: p=[1,1] -> [.5,.5], q=[1,3] -> [.25,.75]
    # 0.5 log(.5/.25) + 0.5 log(.5/.75) = 0.5 (0.6931472 - 0.4054651) = 0.1438410
    expected = 0.5 * math.log(2) + 0.5 * math.log(2 / 3)
    with pytest.raises(LossCliError, match="does not sum to 1"):
        losscli.compute("kl_div", [[0.5, 0.5]], [[0.25, 1.0]])
    assert losscli.compute("kl_div", [[1.0, 1.0]], [[0.25, 0.75]], normalize=True) == pytest.approx(expected, rel=REL)
    assert losscli.compute("kl_div", [[0.5, 0.5]], [[1.0, 3.0]], normalize=True) == pytest.approx(expected, rel=REL)


def test_kl_div_log_target_refuses_class_indices_with_their_column_count():
    # One dimension of class indices has no second axis: was an IndexError, not a LossCliError.
    with pytest.raises(LossCliError) as raised:
        losscli.compute("kl_div", [0, 1], [[0.3, 0.7], [0.6, 0.4]], log_target=True)
    assert "y_true has 1 column(s), y_pred 2" in raised.value.message and raised.value.role == "y_true"


def test_kl_div_log_target_reads_log_probabilities():
    # By hand, the anchor's p and q above with t = log p (-800 for p = 0, whose exp is 0):
    # PyTorch's log_target form exp(t) (t - log q) gives the same 0.3186607.
    t = np.log([[1.0, 0.5, 0.5], [0.3, 0.3, 0.4]])
    t[0, 0] = -800.0
    q = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    assert losscli.compute("kl_div", t, q, log_target=True) == anchor(0.3186607)
    # Without it, the negative labels name log_target, not normalize (which refused them too).
    finite = np.log([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    for normalize in (False, True):
        with pytest.raises(LossCliError, match="log-probabilities") as raised:
            losscli.compute("kl_div", finite, q, normalize=normalize)
        assert "log_target=True" in raised.value.hint and "normalize" not in raised.value.hint
    # Rows of log p that do not sum to 1: normalize=true divides exp(t) by its sum.
    assert losscli.compute("kl_div", finite + 1.0, q, log_target=True, normalize=True) == pytest.approx(
        losscli.compute("kl_div", finite, q, log_target=True), rel=REL
    )
    with pytest.raises(LossCliError, match=r"outside \[0, 1\]") as raised:
        losscli.compute("kl_div", finite + 1.0, q, log_target=True)
    assert "normalize=True" in raised.value.hint  # which runs, as above


def test_kl_div_log_target_hint_runs_on_a_file(tmp_path):
    from typer.testing import CliRunner

    from losscli.cli import app

    t = np.log([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    rows = [(*t[i], *q) for i, q in enumerate([[0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])]
    path = write_csv(tmp_path / "teacher.csv", dict(zip(["t_0", "t_1", "t_2", "p_0", "p_1", "p_2"], zip(*rows))))
    args = ["compute", str(path), "--label-col", "t_*", "--pred-col", "p_*", "--format", "json"]
    refused = CliRunner().invoke(app, args + ["--loss", "kl_div"])
    assert refused.exit_code != 0 and "--loss kl_div:log_target=true" in refused.stderr
    ran = CliRunner().invoke(app, args + ["--loss", "kl_div:log_target=true"])
    assert ran.exit_code == 0, ran.stderr
    # Worked by hand: row 1 .2 log(.2/.3) + .3 log(.3/.3) + .5 log(.5/.4); row 2 .1 log(.1/.2) * 2 + .8 log(.8/.6)
    expected = (0.2 * math.log(2 / 3) + 0.5 * math.log(1.25) + 0.2 * math.log(0.5) + 0.8 * math.log(4 / 3)) / 2
    assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(expected, rel=REL)


# =========================================================================== focal


def test_binary_focal_anchors():
    # research 10: torchvision sigmoid_focal_loss, logits [2,-1], y [1,0], gamma 2:
    # alpha<0 -> [0.0018036, 0.0226581]; alpha=0.25 -> [0.0004509, 0.0169935]
    plain = losscli.per_sample("focal", [1, 0], [2.0, -1.0], from_logits=True, alpha=-1.0)
    assert plain[0] == anchor(0.0018036) and plain[1] == anchor(0.0226581)
    balanced = losscli.per_sample("focal", [1, 0], [2.0, -1.0], from_logits=True)
    assert balanced[0] == anchor(0.0004509) and balanced[1] == anchor(0.0169935)
    assert losscli.compute("focal", [1, 0], [2.0, -1.0], from_logits=True) == pytest.approx(balanced.mean(), rel=REL)


def test_binary_focal_hand_worked_on_probabilities():
    # y=1, p=0.8, gamma=2, alpha=0.25: 0.25 * (0.2)^2 * -log 0.8 = 0.25 * 0.04 * 0.2231435513 = 0.002231435513
    assert losscli.compute("focal", [1], [0.8]) == pytest.approx(0.002231435513, rel=REL)
    # y=0, p=0.8: 0.75 * 0.8^2 * -log 0.2 = 0.75 * 0.64 * 1.6094379124 = 0.772530198
    assert losscli.compute("focal", [0], [0.8]) == pytest.approx(0.75 * 0.64 * -math.log(0.2), rel=REL)


def test_focal_without_alpha_is_the_guides_formula_and_info_says_so(cli):
    # The guide: -(1 - y_hat)^gamma y log(y_hat). By hand, y=1, p=0.5, gamma=2: 0.25 ln 2 = 0.1732867951;
    # y=1, p=0.8: 0.04 * -ln 0.8 = 0.008925742052; one-hot y=[1,0,0], p=[.5,.25,.25]: 0.25 ln 2 again.
    assert losscli.compute("focal", [1], [0.5], alpha=-1.0) == pytest.approx(0.25 * math.log(2), rel=REL)
    assert losscli.compute("focal", [1], [0.8], alpha=-1.0) == pytest.approx(0.04 * -math.log(0.8), rel=REL)
    assert losscli.compute("focal", [[1, 0, 0]], [[0.5, 0.25, 0.25]], alpha=-1.0) == pytest.approx(0.25 * math.log(2), rel=REL)
    notes = json.loads(cli("info", "focal", "--format", "json").stdout)["notes"]
    assert any("The guide's formula, -(1 - p)^gamma y log(p), is this loss without the alpha term: alpha=-1 gives it" in n for n in notes)


def test_focal_with_gamma_zero_and_no_alpha_is_cross_entropy():
    assert losscli.compute("focal", [1, 0, 1], [0.9, 0.2, 0.6], gamma=0.0, alpha=-1.0) == anchor(0.2797766)
    assert losscli.compute("focal", ANCHOR_TARGETS, ANCHOR_LOGITS, gamma=0.0, alpha=-1.0, from_logits=True) == anchor(0.5586881)


def test_categorical_focal_hand_worked():
    # Keras CategoricalFocalCrossentropy(alpha=.25, gamma=2): y=[0,1,0], p=[.2,.7,.1]
    # 0.25 * (1 - 0.7)^2 * -log 0.7 = 0.25 * 0.09 * 0.3566749439 = 0.008025186238
    assert losscli.compute("focal", [1], [[0.2, 0.7, 0.1]]) == pytest.approx(0.008025186238, rel=REL)
    assert losscli.compute("focal", [[0, 1, 0]], [[0.2, 0.7, 0.1]]) == pytest.approx(0.008025186238, rel=REL)


def test_categorical_focal_modulates_by_the_clipped_probability_as_keras_does():
    # Keras CategoricalFocalCrossentropy clips p before both the log and (1 - p)^gamma:
    # a true class at p=0.001 below eps=0.01 costs 0.25 * (1 - 0.01)^2 * -log 0.01 (hand).
    expected = 0.25 * 0.99**2 * -math.log(0.01)
    assert losscli.compute("focal", [0], [[0.001, 0.5, 0.499]], eps=0.01) == pytest.approx(expected, rel=1e-12)
    assert losscli.compute("focal", [0], [[0.001, 0.5, 0.499]], eps=0.01, clip_upper=True) == pytest.approx(expected, rel=1e-12)


def test_binary_focal_modulates_by_the_unclipped_probability_as_keras_does():
    # Keras 3 BinaryFocalCrossentropy: bce on the clipped p, p_t from p as given:
    # y=1, p=0.001 below eps=0.01 costs 0.25 * (1 - 0.001)^2 * -log 0.01 (hand), where
    # clipping both would give 0.25 * (1 - 0.01)^2 * -log 0.01.
    expected = 0.25 * 0.999**2 * -math.log(0.01)
    assert losscli.compute("focal", [1], [0.001], eps=0.01) == pytest.approx(expected, rel=1e-12)
    # Differs from a fully clipped reference by about 2e-7 at p=0 with the default eps.
    assert losscli.compute("focal", [1], [0.0]) == pytest.approx(0.25 * -math.log(1e-7), rel=1e-12)
    notes = " ".join(get("focal").notes)
    assert "Binary (one column) with probabilities: only the log is clipped" in notes


def test_categorical_focal_soft_labels_sum_over_classes():
    # y=[.5,.5,0], p=[.5,.25,.25], gamma=1, alpha off:
    # .5 * .5 * -log .5 + .5 * .75 * -log .25 = 0.1732867951 + 0.5198603854 = 0.6931471806
    value = losscli.compute("focal", [[0.5, 0.5, 0.0]], [[0.5, 0.25, 0.25]], gamma=1.0, alpha=-1.0)
    assert value == pytest.approx(0.6931471806, rel=REL)


def test_focal_perfect_predictions_cost_nothing():
    assert losscli.compute("focal", [1, 0], [1.0, 0.0]) == 0.0
    assert losscli.compute("focal", [0, 2], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) == 0.0


def test_focal_errors_name_the_row():
    raises_at(2, "y_true", losscli.compute, "focal", [1, 3, 0], [0.5, 0.5, 0.5], match="label")
    raises_at(2, "y_pred", losscli.compute, "focal", [1, 0, 0], [0.5, -0.5, 0.5], match="outside")
    raises_at(1, "y_true", losscli.compute, "focal", [4], [[0.5, 0.5]], match="outside the 2 classes")
    with pytest.raises(LossCliError, match="binary"):
        losscli.compute("focal", [[1, 0]], [0.5])


# =========================================================================== sample weights, one row


@pytest.mark.parametrize(
    "name, y_true, y_pred",
    [
        ("bce", [1, 0, 1, 0], [0.9, 0.3, 0.4, 0.05]),
        ("cce", [0, 1, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]]),
        ("label_smoothing_ce", [0, 1, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]]),
        ("kl_div", [0, 1, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]]),
        ("hinge", [1, -1, 1, -1], [0.3, -2.0, -0.5, 0.4]),
        ("squared_hinge", [1, -1, 1, -1], [0.3, -2.0, -0.5, 0.4]),
        ("categorical_hinge", [0, 1, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.2, 0.6]]),
        ("focal", [1, 0, 1, 0], [0.9, 0.3, 0.4, 0.05]),
    ],
)
def test_sample_weights_give_the_weighted_mean_of_row_losses(name, y_true, y_pred):
    weights = np.array([1.0, 3.0, 0.5, 2.0])
    per_row = losscli.per_sample(name, y_true, y_pred)
    expected = (weights * per_row).sum() / weights.sum()
    assert losscli.compute(name, y_true, y_pred, sample_weight=weights) == pytest.approx(expected, rel=REL)
    # one row alone is its own per-row value
    assert losscli.compute(name, np.asarray(y_true)[:1], np.asarray(y_pred)[:1]) == pytest.approx(per_row[0], rel=REL)


# =========================================================================== torch (optional)


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.torch
def test_multi_label_bce_sum_matches_torch():
    torch = _torch()
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, size=(40, 3)).astype(float)
    logits = rng.normal(size=(40, 3)) * 3
    # BCEWithLogitsLoss(reduction='sum') adds all 120 elements, not the 40 row means
    expected = torch.nn.BCEWithLogitsLoss(reduction="sum")(torch.tensor(logits), torch.tensor(y)).item()
    assert losscli.compute("bce", y, logits, from_logits=True, reduction="sum") == pytest.approx(expected, rel=REL)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_bce_matches_torch(seed):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, (40, 3)).astype(float)
    y[:5] = rng.uniform(0, 1, (5, 3))  # soft targets too
    p = rng.uniform(0.01, 0.99, (40, 3))
    x = rng.normal(0, 4, (40, 3))
    t = torch.tensor
    assert losscli.compute("bce", y, p) == pytest.approx(F.binary_cross_entropy(t(p), t(y)).item(), rel=REL)
    assert losscli.compute("bce", y, x, from_logits=True) == pytest.approx(
        F.binary_cross_entropy_with_logits(t(x), t(y)).item(), rel=REL
    )
    assert losscli.compute("bce", y, x, from_logits=True, pos_weight=2.5) == pytest.approx(
        F.binary_cross_entropy_with_logits(t(x), t(y), pos_weight=t(2.5, dtype=torch.float64)).item(), rel=REL
    )


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_family_matches_torch(seed):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    n, c = 50, 5
    logits = rng.normal(0, 3, (n, c))
    labels = rng.integers(0, c, n)
    soft = dirichlet_rows(rng, n, c)
    w = rng.uniform(0.1, 3.0, c)
    t = torch.tensor
    x, target = t(logits), t(labels)
    assert losscli.compute("cce", labels.astype(float), logits, from_logits=True) == pytest.approx(
        F.cross_entropy(x, target).item(), rel=REL
    )
    assert losscli.compute("cce", soft, logits, from_logits=True) == pytest.approx(F.cross_entropy(x, t(soft)).item(), rel=REL)
    # probabilities: log p are logits whose softmax is p
    probabilities = softmax(logits)
    assert losscli.compute("sparse_cce", labels.astype(float), probabilities) == pytest.approx(
        F.cross_entropy(t(np.log(probabilities)), target).item(), rel=REL
    )
    ignored = labels.astype(float)
    ignored[::4] = -100
    assert losscli.compute("sparse_cce", ignored, logits, from_logits=True, ignore_index=-100) == pytest.approx(
        F.cross_entropy(x, t(ignored.astype(np.int64)), ignore_index=-100).item(), rel=REL
    )
    for s in (0.1, 0.3):
        assert losscli.compute("label_smoothing_ce", labels.astype(float), logits, from_logits=True, smoothing=s) == pytest.approx(
            F.cross_entropy(x, target, label_smoothing=s).item(), rel=REL
        )
        assert losscli.compute("label_smoothing_ce", soft, logits, from_logits=True, smoothing=s) == pytest.approx(
            F.cross_entropy(x, t(soft), label_smoothing=s).item(), rel=REL
        )
        weighted = with_params("weighted_ce", weights=tuple(w), smoothing=s, from_logits=True)
        assert losscli.compute(weighted, labels.astype(float), logits) == pytest.approx(
            F.cross_entropy(x, target, weight=t(w), label_smoothing=s).item(), rel=REL
        )
    weighted = with_params("weighted_ce", weights=tuple(w), from_logits=True)
    assert losscli.compute(weighted, labels.astype(float), logits) == pytest.approx(
        F.cross_entropy(x, target, weight=t(w)).item(), rel=REL
    )
    balanced = compute_class_weight("balanced", classes=np.unique(labels), y=labels)
    if len(np.unique(labels)) == c:
        assert losscli.compute("weighted_ce", labels.astype(float), logits, from_logits=True) == pytest.approx(
            F.cross_entropy(x, target, weight=t(balanced)).item(), rel=REL
        )


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_ce_over_rows_is_torch_on_one_hot_targets(seed):
    # PyTorch's probability-target path weights the same terms as its class-index path (the
    # smoothing term per class too) and divides by the row count: mean_over=rows, as the note says.
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(0, 2, (40, 4)), rng.integers(0, 4, 40)
    w = (0.5, 2.0, 1.5, 1.0)
    x, one_hot = torch.as_tensor(logits), torch.as_tensor(np.eye(4)[labels])
    for s in (0.0, 0.2):
        rows = with_params("weighted_ce", weights=w, smoothing=s, mean_over="rows", from_logits=True)
        expected = F.cross_entropy(x, one_hot, weight=torch.as_tensor(w), label_smoothing=s).item()
        assert losscli.compute(rows, labels.astype(float), logits) == pytest.approx(expected, rel=REL)


@pytest.mark.torch
def test_weighted_ce_note_numbers_are_torchs():
    # The note's example: torch 2.13 CrossEntropyLoss(weight=[1, 2, 3], label_smoothing=0.1) gives
    # 0.7567835 on class indices and 1.5135670 on one-hot targets (sum w_y / N = 6 / 3 = 2 apart).
    torch = _torch()
    F = torch.nn.functional
    logits, labels = [[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]], [0, 1, 2]
    x, w = torch.as_tensor(logits, dtype=torch.float64), torch.as_tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    by_index = F.cross_entropy(x, torch.as_tensor(labels), weight=w, label_smoothing=0.1).item()
    by_one_hot = F.cross_entropy(x, torch.eye(3, dtype=torch.float64)[labels], weight=w, label_smoothing=0.1).item()
    assert round(by_index, 4) == 0.7568 and round(by_one_hot, 4) == 1.5136
    note = next(note for note in get("weighted_ce").notes if "one-hot" in note)
    assert "1.5136" in note and "0.7568" in note and "mean_over=rows" in note
    ours = with_params("weighted_ce", weights=(1.0, 2.0, 3.0), smoothing=0.1, from_logits=True)
    assert losscli.compute(ours, [0.0, 1.0, 2.0], logits) == pytest.approx(by_index, rel=REL)
    rows = with_params("weighted_ce", weights=(1.0, 2.0, 3.0), smoothing=0.1, mean_over="rows", from_logits=True)
    assert losscli.compute(rows, [0.0, 1.0, 2.0], logits) == pytest.approx(by_one_hot, rel=REL)


def _kl_rows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target distributions p (every fifth row with a zero) and predictions q, 30 rows of 4."""
    p = dirichlet_rows(rng, 30, 4)
    p[::5, 0] = 0.0
    p = p / p.sum(axis=1, keepdims=True)
    return p, dirichlet_rows(rng, 30, 4)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_kl_div_matches_torch_batchmean(seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    p, q = _kl_rows(rng)
    expected = torch.nn.functional.kl_div(torch.tensor(np.log(q)), torch.tensor(p), reduction="batchmean").item()
    assert losscli.compute("kl_div", p, q) == pytest.approx(expected, rel=REL)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_kl_div_log_target_matches_torch(seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    p, q = _kl_rows(rng)
    # p = 0 as a log p of -800, whose exp is 0 in float64 (log 0 = -inf is not a number the inputs take).
    with np.errstate(divide="ignore"):
        finite = np.where(p > 0, np.log(p), -800.0)
    expected = torch.nn.functional.kl_div(torch.tensor(np.log(q)), torch.tensor(finite), reduction="batchmean", log_target=True).item()
    assert losscli.compute("kl_div", finite, q, log_target=True) == pytest.approx(expected, rel=REL)
    logits = rng.normal(0, 2, (30, 4))
    expected_logits = torch.nn.functional.kl_div(
        torch.log_softmax(torch.tensor(logits), dim=1), torch.tensor(finite), reduction="batchmean", log_target=True
    ).item()
    assert losscli.compute("kl_div", finite, logits, log_target=True, from_logits=True) == pytest.approx(expected_logits, rel=REL)


def _torchvision_sigmoid_focal_loss(torch, inputs, targets, alpha: float, gamma: float):
    """torchvision.ops.sigmoid_focal_loss (reduction='none'), written out from its definition:
    p = sigmoid(x); ce = BCEWithLogits(x, y); p_t = p y + (1-p)(1-y);
    loss = ce (1 - p_t)^gamma; if alpha >= 0: loss *= alpha y + (1-alpha)(1-y)."""
    p = torch.sigmoid(inputs)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (-1.0, 2.0), (0.6, 0.5), (0.25, 0.0)])
def test_binary_focal_matches_torchvision_formula(seed, alpha, gamma):
    torch = _torch()
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, 60)
    y = rng.integers(0, 2, 60).astype(float)
    expected = _torchvision_sigmoid_focal_loss(torch, torch.tensor(x), torch.tensor(y), alpha, gamma)
    assert losscli.per_sample("focal", y, x, from_logits=True, alpha=alpha, gamma=gamma) == pytest.approx(
        expected.numpy(), rel=REL
    )
    # the same model given as probabilities (away from the clip bounds)
    p = rng.uniform(0.01, 0.99, 60)
    expected_p = _torchvision_sigmoid_focal_loss(torch, torch.tensor(np.log(p / (1 - p))), torch.tensor(y), alpha, gamma)
    assert losscli.compute("focal", y, p, alpha=alpha, gamma=gamma) == pytest.approx(expected_p.mean().item(), rel=REL)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_focal_matches_keras_formula_in_torch(seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, (40, 4))
    labels = rng.integers(0, 4, 40)
    # Keras CategoricalFocalCrossentropy: sum_c alpha (1 - p_c)^gamma (-y_c log p_c), p = softmax
    log_p = torch.log_softmax(torch.tensor(logits), dim=1)
    one_hot = torch.nn.functional.one_hot(torch.tensor(labels), 4).double()
    expected = (0.25 * (1 - log_p.exp()) ** 2 * -one_hot * log_p).sum(dim=1).mean().item()
    assert losscli.compute("focal", labels.astype(float), logits, from_logits=True) == pytest.approx(expected, rel=REL)


# =========================================================================== examples for the generic tests


def _split_evaluate(name: str, kwargs: dict, size: int) -> float:
    """The loss folded over batches of ``size`` rows through the engine."""
    spec = get(name)
    roles = {role.name for role in spec.roles}
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in kwargs.items() if k in roles}
    params = {k: v for k, v in kwargs.items() if k not in roles}
    n = len(arrays["y_true"])
    batches = [
        Batch(arrays=[{k: v[i : i + size] for k, v in arrays.items()}], n=min(size, n - i)) for i in range(0, n, size)
    ]
    outcomes, _ = evaluate(batches, [bind(spec, params)])
    return outcomes[0].overall.value


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_examples_are_valid_and_fold_the_same_over_batches(name):
    from examples_classification import EXAMPLES

    for seed in SEEDS:
        for n in (1, 13):
            kwargs = EXAMPLES[name](np.random.default_rng(seed), n)
            value = losscli.compute(name, **kwargs)
            assert math.isfinite(value) and value >= 0
            assert _split_evaluate(name, kwargs, 4) == pytest.approx(value, rel=1e-12)
            assert losscli.compute(name, **kwargs, sample_weight=np.ones(n)) == pytest.approx(value, rel=1e-12)


# =========================================================================== library options


def test_bce_log_floor_caps_each_log_as_torch_bceloss():
    # PyTorch BCELoss clamps each log at -100 (research section 4): p=0 on a positive costs 100,
    # p=1 on a negative too; with eps=0 nothing else changes. Rows: 100, 100, -log 0.9.
    value = losscli.compute("bce", [1, 0, 1], [0.0, 1.0, 0.9], eps=0.0, log_floor=-100.0)
    assert value == pytest.approx((200 - math.log(0.9)) / 3, rel=REL)


def test_bce_log_floor_leaves_logits_exact():
    # BCEWithLogitsLoss has no clamp: a logit of -800 on a positive costs 800.
    assert losscli.compute("bce", [1], [-800.0], from_logits=True, log_floor=-100.0) == pytest.approx(800.0, rel=REL)


def test_bce_label_smoothing_anchor():
    # research 21: Keras BinaryCrossentropy(label_smoothing=0.1), y=1, p=0.9 -> 0.2152217
    # (targets 0.95 / 0.05: -(0.95 log 0.9 + 0.05 log 0.1)).
    assert losscli.compute("bce", [1], [0.9], smoothing=0.1) == anchor(0.2152217)


def test_clip_upper_costs_eps_on_a_certain_correct_prediction():
    # Keras clips class rows to [1e-7, 1 - 1e-7]: -log(1 - 1e-7) = 1.00000005e-7 (hand).
    rows = [[1.0, 0.0, 0.0]]
    assert losscli.compute("cce", [0], rows) == 0.0
    assert losscli.compute("cce", [0], rows, clip_upper=True) == pytest.approx(-math.log1p(-1e-7), rel=REL)


@pytest.mark.parametrize("seed", SEEDS)
def test_cce_with_machine_epsilon_and_clip_upper_matches_sklearn_with_zeros(seed):
    rng = np.random.default_rng(seed)
    probabilities = dirichlet_rows(rng, 40, 4)
    probabilities[:3] = np.eye(4)[[1, 2, 3]]  # certain rows, one of them wrong below
    labels = rng.integers(0, 4, 40)
    labels[:3] = [1, 2, 0]
    eps = np.finfo(np.float64).eps
    expected = log_loss(labels, probabilities, labels=range(4))
    assert losscli.compute("cce", labels, probabilities, eps=eps, clip_upper=True) == pytest.approx(expected, rel=REL)


def test_keras_renormalises_rows_then_clips():
    # research 0.3: Keras categorical_crossentropy p=[0.2, 0.2, 0.1], true=1 -> -log(0.4) = 0.9163.
    value = losscli.compute("cce", [1], [[0.2, 0.2, 0.1]], normalize=True, clip_upper=True)
    assert value == pytest.approx(-math.log(0.4), rel=REL)


def test_kl_div_per_element_is_torch_mean_and_keeps_sums():
    # research 21: torch KLDivLoss mean 0.1062202, batchmean 0.3186607, sum 0.6373213.
    p = [[0.0, 0.5, 0.5], [0.3, 0.3, 0.4]]
    q = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    assert losscli.compute("kl_div", p, q, per_element=True) == anchor(0.1062202)
    assert losscli.compute("kl_div", p, q, per_element=True, reduction="sum") == anchor(0.6373213)
    assert losscli.compute("kl_div", p, q) == anchor(0.3186607)


def test_kl_div_clip_target_is_keras():
    # research 9: Keras KLDivergence on p=[0, .5, .5], q=[.2, .3, .5] gives 0.255411 (scipy 0.255413):
    # the 0 is clipped to 1e-7 and adds 1e-7 log(1e-7 / 0.2) = -1.45e-6.
    value = losscli.compute("kl_div", [[0.0, 0.5, 0.5]], [[0.2, 0.3, 0.5]], clip_target=True)
    assert value == pytest.approx(0.5 * math.log(0.5 / 0.3) + 1e-7 * math.log(1e-7 / 0.2), rel=REL)
    assert value == pytest.approx(0.255411, abs=5e-7)


def test_hinge_without_map_zero_uses_labels_as_given():
    # optax hinge_loss: a 0 label gives max(0, 1 - 0 s) = 1. Labels [1, 0], scores [0.3, -0.5]:
    # (0.7 + 1) / 2 = 0.85; reading 0 as -1: (0.7 + 0.5) / 2 = 0.6 (hand).
    assert losscli.compute("hinge", [1, 0], [0.3, -0.5], map_zero=False) == pytest.approx(0.85, rel=REL)
    assert losscli.compute("hinge", [1, 0], [0.3, -0.5]) == pytest.approx(0.6, rel=REL)
    assert losscli.compute("squared_hinge", [1, 0], [0.3, -0.5], map_zero=False) == pytest.approx(
        (0.49 + 1.0) / 2, rel=REL
    )


def test_categorical_hinge_keras_form_anchor():
    # research 21: Keras categorical_hinge y=[0,1,0], s=[-2,-1,-3] -> 2.0 (Crammer-Singer 0.0).
    scores = [[-2.0, -1.0, -3.0]]
    assert losscli.compute("categorical_hinge", [1], scores, form="keras") == pytest.approx(2.0, rel=REL)
    assert losscli.compute("categorical_hinge", [1], scores) == 0.0


def test_categorical_hinge_keras_form_differs_without_reaching_zero():
    # Keras categorical_hinge (keras/src/losses/losses.py): max(0, max((1 - y) s) - sum(y s) + 1).
    # y=[1,0,0], s=[-3, -0.1, -0.2]: the zeroed true slot is the max, so 1 + 0 + 3 = 4.0 by hand;
    # Crammer-Singer (scikit-learn, optax) takes the best wrong class: 1 - 0.1 + 3 = 3.9.
    scores = [[-3.0, -0.1, -0.2]]
    assert losscli.compute("categorical_hinge", [0], scores, form="keras") == pytest.approx(4.0, rel=REL)
    assert losscli.compute("categorical_hinge", [0], scores) == pytest.approx(3.9, rel=REL)
    assert hinge_loss([0], np.array(scores), labels=[0, 1, 2]) == pytest.approx(3.9, rel=REL)


def test_categorical_hinge_weston_watkins_anchor():
    # research 21: torch MultiMarginLoss x=[.1,.2,.4,.8], y=3 -> 0.325:
    # (max(0, 1 - .8 + .1) + max(0, 1 - .8 + .2) + max(0, 1 - .8 + .4)) / 4 = (.3 + .4 + .6) / 4.
    value = losscli.compute("categorical_hinge", [3], [[0.1, 0.2, 0.4, 0.8]], form="weston_watkins")
    assert value == pytest.approx(0.325, rel=REL)


def test_focal_sigmoid_multiclass_is_elementwise_binary_focal():
    # torchvision / MONAI on one-hot targets: the binary focal of every class column, averaged over
    # rows x classes. Logits [[2, -1]] with class 0 = columns against [1, 0]: research 10 anchor
    # [0.0004509, 0.0169935] with alpha 0.25 -> mean 0.0087222.
    value = losscli.compute("focal", [0], [[2.0, -1.0]], from_logits=True, multiclass="sigmoid")
    binary = losscli.compute("focal", [1.0, 0.0], [2.0, -1.0], from_logits=True)
    assert value == pytest.approx(binary, rel=1e-12)
    assert value == pytest.approx((0.0004509 + 0.0169935) / 2, abs=1e-7)


def test_focal_sigmoid_multiclass_accepts_multi_label_rows():
    # Two labels on in one row: each column is its own binary problem (torchvision).
    labels = [[1.0, 1.0, 0.0]]
    logits = [[1.0, 2.0, -1.0]]
    value = losscli.compute("focal", labels, logits, from_logits=True, multiclass="sigmoid")
    parts = [losscli.compute("focal", [y], [x], from_logits=True) for y, x in zip(labels[0], logits[0])]
    assert value == pytest.approx(sum(parts) / 3, rel=1e-12)


def test_focal_clip_logits_clips_like_keras():
    # Keras BinaryFocalCrossentropy(from_logits=True): sigmoid, then BCE clipped at 1e-7. A logit of
    # -40 on a positive: p = sigmoid(-40) ~ 4.2e-18 < 1e-7, so BCE = -log 1e-7 = 16.118, and the
    # modulating term (1 - p)^2 ~ 1; the exact logits form gives 40.
    value = losscli.compute("focal", [1.0], [-40.0], from_logits=True, clip_logits=True, alpha=-1.0)
    assert value == pytest.approx(-math.log(1e-7), rel=REL)
    assert losscli.compute("focal", [1.0], [-40.0], from_logits=True, alpha=-1.0) == pytest.approx(40.0, rel=REL)


def test_categorical_focal_clip_upper_uses_the_clipped_probability_throughout():
    # Keras CategoricalFocalCrossentropy: p clipped to [1e-7, 1 - 1e-7] for the log and (1 - p)^gamma.
    # A certain correct row: 0.25 (1e-7)^2 (-log(1 - 1e-7)) (hand) instead of 0.
    value = losscli.compute("focal", [0], [[1.0, 0.0]], clip_upper=True)
    assert value == pytest.approx(0.25 * 1e-14 * -math.log1p(-1e-7), rel=REL)
    assert losscli.compute("focal", [0], [[1.0, 0.0]]) == 0.0


def test_weighted_ce_mean_over_rows_is_keras_class_weight():
    # research 7: Keras default reduction with weights [1, 2, 3] -> sum(w l) / N = 1.347712.
    value = losscli.compute(
        with_params("weighted_ce", weights=(1.0, 2.0, 3.0), mean_over="rows"), ANCHOR_TARGETS, ANCHOR_LOGITS,
        from_logits=True,
    )
    assert value == anchor(1.3477116)


@pytest.mark.parametrize("weights", [(1.0, 2.0, 3.0), "balanced"])
def test_weighted_ce_true_class_smoothing_weights_the_whole_row(weights):
    # Keras: class_weight -> sample weight w_y on the smoothed cross-entropy of the row:
    # sum_n w_y CE(y (1 - s) + s / C, p_n) / N. Balanced weights from counts [2, 1, 1]: N / (C n_c).
    labels = np.array([0, 0, 1, 2])
    logits = np.array([[2.0, 1.0, 0.0], [0.5, 0.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    w = np.array([4 / 6, 4 / 3, 4 / 3]) if weights == "balanced" else np.array(weights)
    smoothed = np.eye(3)[labels] * 0.9 + 0.1 / 3
    row_ce = -(smoothed * np.log(softmax(logits))).sum(axis=1)
    expected_rows = (w[labels] * row_ce).sum() / 4
    expected_weights = (w[labels] * row_ce).sum() / w[labels].sum()
    loss = with_params("weighted_ce", weights=weights, smoothing=0.1, smoothing_weight="true_class", from_logits=True)
    rows = with_params("weighted_ce", **{**loss.params, "mean_over": "rows"})
    assert losscli.compute(rows, labels, logits) == pytest.approx(expected_rows, rel=REL)
    assert losscli.compute(loss, labels, logits) == pytest.approx(expected_weights, rel=REL)
    per_row = losscli.per_sample(loss, labels, logits)
    np.testing.assert_allclose(per_row, w[labels] * row_ce, rtol=REL)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("pos_weight", [1.0, 3.5])
@pytest.mark.parametrize("log_floor", [None, -5.0])
def test_bce_hard_labels_take_one_log_and_equal_the_formula(from_logits, pos_weight, log_floor):
    """0/1 labels take a one-log-per-row path; it must give the two-term
    formula worked with numpy (log1p for the negative side) to 1e-12."""
    from losscli.losses.classification import bce

    rng = np.random.default_rng(11)
    y = (rng.random(2000) < 0.3).astype(float)
    raw = rng.normal(scale=4.0, size=2000) if from_logits else rng.random(2000)
    if not from_logits:
        raw[:4] = [0.0, 1.0, 1e-12, 1 - 1e-12]
        y[:4] = [1.0, 0.0, 0.0, 1.0]
    if from_logits:
        log_p, log_q = -np.logaddexp(0, -raw), -np.logaddexp(0, raw)
    else:
        p = np.clip(raw, 1e-7, 1 - 1e-7)
        log_p, log_q = np.log(p), np.log1p(-p)
        if log_floor is not None:
            log_p, log_q = np.maximum(log_p, log_floor), np.maximum(log_q, log_floor)
    expected = -(pos_weight * y * log_p + (1 - y) * log_q)
    got = bce(y, raw, from_logits=from_logits, eps=1e-7, pos_weight=pos_weight, log_floor=None if from_logits else log_floor)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=2e-16)
    # The mean agrees far more tightly than any row could differ.
    assert got.mean() == pytest.approx(expected.mean(), rel=1e-14)


def test_bce_hard_labels_pick_p_or_the_rounded_one_minus_p_exactly():
    """The one-log path selects p or 1 - p by arithmetic on the labels; the
    selected value must be bit for bit numpy's p and 1.0 - p, inputs untouched."""
    from losscli.losses.classification import bce

    rng = np.random.default_rng(12)
    p = np.concatenate([rng.random(5000), rng.random(100) * 1e-6, 1 - rng.random(100) * 1e-6])
    y = (rng.random(p.size) < 0.5).astype(float)
    before = p.copy()
    got = bce(y, p, from_logits=False, eps=1e-9, pos_weight=1.0)
    np.testing.assert_array_equal(got, -np.log(np.where(y == 1, p, 1.0 - p)))
    np.testing.assert_array_equal(p, before)


@pytest.mark.parametrize(
    ("values", "eps", "expected", "same_array"),
    [
        ([0.2, 0.5, 0.9], 1e-7, [0.2, 0.5, 0.9], True),  # nothing to clip: no copy
        ([0.0, 0.5, 1.0], 1e-7, [1e-7, 0.5, 1 - 1e-7], False),  # Keras' clipping
        ([0.0, 0.5, 1.0], 0.0, [0.0, 0.5, 1.0], True),  # eps=0 keeps p
        ([0.2, np.nan, 0.9], 1e-7, [0.2, np.nan, 0.9], False),  # NaN is left to the caller
    ],
)
def test_valid_clipped_probabilities(values, eps, expected, same_array):
    from losscli.losses._checks import valid_clipped_probabilities

    p = np.array(values)
    got = valid_clipped_probabilities(p, eps)
    np.testing.assert_array_equal(got, expected)
    assert (got is p) == same_array


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_valid_clipped_probabilities_name_the_first_row_outside_0_1(bad):
    from losscli.errors import LossCliError
    from losscli.losses._checks import valid_clipped_probabilities

    with pytest.raises(LossCliError, match="probability outside") as error:
        valid_clipped_probabilities(np.array([0.5, 0.2, bad, bad]), 1e-7)
    assert error.value.row == 3


def test_bce_soft_labels_keep_the_two_term_form():
    from losscli.losses.classification import bce

    y = np.array([0.25, 1.0, 0.0])
    p = np.array([0.5, 0.9, 0.2])
    # Worked by hand: -(y log p + (1 - y) log(1 - p)) per row.
    expected = [-(0.25 * np.log(0.5) + 0.75 * np.log(0.5)), -np.log(0.9), -np.log(0.8)]
    np.testing.assert_allclose(bce(y, p, from_logits=False, eps=1e-7, pos_weight=1.0), expected, rtol=1e-15)


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_cce_class_index_gather_does_not_depend_on_memory_layout(layout):
    """Class columns read from a file are Fortran-ordered, a Python list gives
    C order, a column slice neither: each takes its own gather, one answer."""
    from losscli.losses.classification import cce

    rng = np.random.default_rng(5)
    probs = softmax(rng.normal(size=(257, 4)))
    labels = rng.integers(0, 4, size=257).astype(float)
    matrix = {"C": np.ascontiguousarray(probs), "F": np.asfortranarray(probs)}.get(layout)
    if matrix is None:
        wide = np.zeros((257, 8))
        wide[:, ::2] = probs
        matrix = wide[:, ::2]
    assert matrix.flags.f_contiguous == (layout == "F") and matrix.flags.c_contiguous == (layout == "C")
    # Worked with numpy indexing: -log p[row, label].
    expected = -np.log(probs[np.arange(257), labels.astype(int)])
    got = cce(labels, matrix, from_logits=False, eps=1e-7, normalize=False)
    np.testing.assert_allclose(got, expected, rtol=1e-15)


@pytest.mark.parametrize(
    ("labels", "row", "message"),
    [([0.0, 3.0], 2, "outside the 3 classes"), ([-1.0, 0.0], 1, "outside the 3 classes"), ([0.0, 1.5], 2, "not an integer")],
)
def test_class_index_checks_still_name_the_row(labels, row, message):
    probs = np.full((2, 3), 1 / 3)
    raises_at(row, "y_true", losscli.compute, "cce", labels, probs, match=message)


@pytest.mark.parametrize("bad", [-0.25, 1.5])
def test_probability_range_check_still_names_the_row(bad):
    probs = np.array([[0.5, 0.5], [0.5, 0.5], [bad, 1 - bad]])
    raises_at(3, "y_pred", losscli.compute, "cce", [0, 1, 0], probs, match="outside \\[0, 1\\]")
    raises_at(3, "y_pred", losscli.compute, "bce", [0, 1, 0], [0.5, 0.5, bad], match="outside \\[0, 1\\]")
