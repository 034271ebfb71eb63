"""Classification losses on extreme inputs: huge logits, probabilities of exactly
0 and 1, eps switched off, values in the far tails.

The expected values are worked by hand from the definitions (each comment
gives the arithmetic); the logits forms must be exact where a naive
sigmoid/softmax followed by a log would overflow, underflow or cancel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losscli
from losscli.registry import bind, get

REL = 1e-6
CLIPPED_LOG = -math.log(1e-7)  # the cost of a probability clipped to eps=1e-7: 16.1180957


# --------------------------------------------------------------------------- huge logits


def test_bce_logits_of_800_cost_exactly_800_on_the_wrong_side():
    # research 4: torch BCEWithLogitsLoss, logits +-800 -> 800 exactly per wrong element
    wrong = losscli.per_sample("bce", [1, 0], [-800.0, 800.0], from_logits=True)
    assert list(wrong) == [800.0, 800.0]
    # right side: log(1 + e^-800) underflows to exactly 0
    right = losscli.per_sample("bce", [1, 0], [800.0, -800.0], from_logits=True)
    assert list(right) == [0.0, 0.0]
    # pos_weight multiplies the positive term: 3 * 800
    assert losscli.per_sample("bce", [1], [-800.0], from_logits=True, pos_weight=3.0)[0] == 2400.0


def test_bce_logits_are_exact_for_any_finite_logit():
    # -log sigmoid(-1e300) = log(1 + e^1e300) = 1e300
    assert losscli.per_sample("bce", [1.0], [-1e300], from_logits=True)[0] == 1e300


def test_bce_logits_keep_precision_in_the_tail():
    # y=1, x=40: log(1 + e^-40) = 4.2483542552915889e-18, lost entirely by 1 - sigmoid(40)
    value = losscli.per_sample("bce", [1.0], [40.0], from_logits=True)[0]
    assert value == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-12)
    assert value > 0


def test_ce_logits_of_800():
    # log_softmax([800, -800, 0]) = [0, -1600, -800] (the other terms underflow): true class 1 costs 1600
    logits = np.array([[800.0, -800.0, 0.0], [800.0, -800.0, 0.0]])
    per_row = losscli.per_sample("cce", [1, 0], logits, from_logits=True)
    assert list(per_row) == [1600.0, 0.0]
    assert losscli.per_sample("sparse_cce", [2], logits[:1], from_logits=True)[0] == 800.0


def test_label_smoothing_logits_of_800():
    # x=[800,-800], y=0, s=0.1 -> target [.95, .05]; log_softmax = [0, -1600]: 0.05 * 1600 = 80
    value = losscli.compute("label_smoothing_ce", [0], [[800.0, -800.0]], from_logits=True)
    assert value == pytest.approx(80.0, rel=1e-12)


def test_weighted_ce_logits_of_800():
    # weights [1, 3]: row 1 (class 1, x=[800,-800]) costs 3 * 1600, row 2 (class 0) costs 0;
    # mean = 4800 / (3 + 1) = 1200
    bound = bind(get("weighted_ce"), {"weights": (1.0, 3.0), "from_logits": True})
    assert losscli.compute(bound, [1, 0], [[800.0, -800.0], [800.0, -800.0]]) == pytest.approx(1200.0, rel=1e-12)


def test_kl_div_logits_of_800():
    # p=[.5,.5], log q = log_softmax([800,-800]) = [0, -1600]:
    # 0.5 (log .5 - 0) + 0.5 (log .5 + 1600) = log 0.5 + 800 = 799.3068528
    value = losscli.compute("kl_div", [[0.5, 0.5]], [[800.0, -800.0]], from_logits=True)
    assert value == pytest.approx(800.0 + math.log(0.5), rel=1e-12)


def test_focal_logits_of_800():
    # binary, y=1, x=-800: (1 - p_t) = 1, ce = 800 -> alpha * 800 = 200; no alpha -> 800
    assert losscli.per_sample("focal", [1], [-800.0], from_logits=True)[0] == 200.0
    assert losscli.per_sample("focal", [1], [-800.0], from_logits=True, alpha=-1.0)[0] == 800.0
    # y=0, x=-800 and y=1, x=800: right side, exactly 0
    assert list(losscli.per_sample("focal", [0, 1], [-800.0, 800.0], from_logits=True)) == [0.0, 0.0]
    # multiclass, x=[800,-800], y=1: 0.25 * (1 - 0)^2 * 1600 = 400
    assert losscli.compute("focal", [1], [[800.0, -800.0]], from_logits=True) == 400.0


def test_focal_logits_keep_precision_where_the_prediction_is_nearly_right():
    # y=1, x=30: 1 - p_t = sigmoid(-30) and ce = log(1 + e^-30); 1 - sigmoid(30) would cancel
    miss = math.exp(-30.0) / (1.0 + math.exp(-30.0))
    expected = 0.25 * miss**2 * math.log1p(math.exp(-30.0))
    assert losscli.per_sample("focal", [1.0], [30.0], from_logits=True)[0] == pytest.approx(expected, rel=1e-10)
    # multiclass x=[30, 0], y=0: 1 - p_0 = e^-30 / (1 + e^-30), -log p_0 = log(1 + e^-30)
    value = losscli.compute("focal", [0], [[30.0, 0.0]], from_logits=True)
    assert value == pytest.approx(expected, rel=1e-10)


# --------------------------------------------------------------------------- probabilities at 0 and 1


def test_bce_probabilities_at_zero_and_one_are_clipped_symmetrically():
    # clip to [1e-7, 1 - 1e-7] in float64: both wrong cases cost -log(1e-7) = 16.1180957
    # (Keras in float32 gives 15.942 for y=0, p=1; research 0.2)
    per_row = losscli.per_sample("bce", [1, 0], [0.0, 1.0])
    assert per_row == pytest.approx([CLIPPED_LOG, CLIPPED_LOG], rel=REL)


def test_bce_without_clipping_is_exact_at_the_ends():
    # eps=0: right answers at 0 and 1 cost exactly 0 (no 0 * log 0 = NaN), a wrong one is infinite
    assert list(losscli.per_sample("bce", [1, 0], [1.0, 0.0], eps=0.0)) == [0.0, 0.0]
    with pytest.warns(RuntimeWarning, match="1 per-row value is infinite"):
        assert losscli.per_sample("bce", [1], [0.0], eps=0.0)[0] == math.inf
    # an infinite mean is reported as no value (null with a warning), here inf
    with pytest.warns(RuntimeWarning, match="returning inf"):
        assert losscli.compute("bce", [1, 1], [0.0, 0.5], eps=0.0) == math.inf


def test_bce_tiny_probabilities_without_clipping():
    # -log(1e-300) = 690.7755279
    assert losscli.per_sample("bce", [1], [1e-300], eps=0.0)[0] == pytest.approx(300 * math.log(10), rel=1e-12)


def test_class_probabilities_at_zero_and_one():
    rows = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    # true class at 1: exactly 0 (clip to [eps, 1] leaves 1 alone); true class at 0: -log(1e-7)
    per_row = losscli.per_sample("cce", [0, 0], rows)
    assert per_row[0] == 0.0
    assert per_row[1] == pytest.approx(CLIPPED_LOG, rel=REL)
    with pytest.warns(RuntimeWarning, match="the first at row 2"):
        assert losscli.per_sample("sparse_cce", [0, 0], rows, eps=0.0)[1] == math.inf
    # zeros on wrong classes never make NaN, with or without clipping
    assert losscli.per_sample("cce", [0], rows[:1], eps=0.0)[0] == 0.0


def test_label_smoothing_with_a_zero_probability():
    # s=0.1, C=2, p=[1, 0], y=0: 0.05 * -log(clip(0)) = 0.05 * 16.1180957; eps=0 -> inf
    assert losscli.compute("label_smoothing_ce", [0], [[1.0, 0.0]]) == pytest.approx(0.05 * CLIPPED_LOG, rel=REL)
    with pytest.warns(RuntimeWarning, match="1 per-row value is infinite"):
        assert losscli.per_sample("label_smoothing_ce", [0], [[1.0, 0.0]], eps=0.0)[0] == math.inf


def test_kl_div_with_a_zero_prediction():
    # p=[.5,.5], q=[1,0]: 0.5 log(.5/1) + 0.5 log(.5/1e-7) = -0.3465736 + 7.7124771 = 7.3659035
    expected = 0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 1e-7)
    assert losscli.compute("kl_div", [[0.5, 0.5]], [[1.0, 0.0]]) == pytest.approx(expected, rel=REL)
    # scipy rel_entr gives inf when q=0 < p
    with pytest.warns(RuntimeWarning, match="1 per-row value is infinite"):
        assert losscli.per_sample("kl_div", [[0.5, 0.5]], [[1.0, 0.0]], eps=0.0)[0] == math.inf
    # and zeros in the truth against zeros in the prediction cost 0
    assert losscli.per_sample("kl_div", [[1.0, 0.0]], [[1.0, 0.0]], eps=0.0)[0] == 0.0


def test_focal_probabilities_at_zero_and_one():
    # y=1, p=0: alpha * (1 - 0)^2 * -log(1e-7) = 0.25 * 16.1180957
    assert losscli.compute("focal", [1], [0.0]) == pytest.approx(0.25 * CLIPPED_LOG, rel=REL)
    # y=0, p=1: (1 - alpha) * 1 * 16.1180957
    assert losscli.compute("focal", [0], [1.0]) == pytest.approx(0.75 * CLIPPED_LOG, rel=REL)
    # multiclass, true class at 0: 0.25 * 1 * 16.1180957
    assert losscli.compute("focal", [1], [[1.0, 0.0]]) == pytest.approx(0.25 * CLIPPED_LOG, rel=REL)


# --------------------------------------------------------------------------- many classes, big scores


def test_many_classes_with_wide_logits():
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 200.0, (20, 1000))
    labels = rng.integers(0, 1000, 20)
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = (np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(20), labels]).mean()
    assert losscli.compute("sparse_cce", labels.astype(float), logits, from_logits=True) == pytest.approx(expected, rel=1e-12)


def test_hinge_with_huge_scores():
    # y=-1, s=1e300: max(0, 1 + 1e300) = 1e300; y=1, s=1e300: 0
    assert list(losscli.per_sample("hinge", [-1, 1], [1e300, 1e300])) == [1e300, 0.0]
    # categorical: y=0, s=[-1e300, 1e300]: 1 + 1e300 + 1e300 = 2e300
    assert losscli.compute("categorical_hinge", [0], [[-1e300, 1e300]]) == 2e300
