"""Segmentation losses: dice, iou, tversky.

Reference values are the verified library anchors (MONAI, smp, Keras),
scikit-learn's f1_score / jaccard_score on hard masks, and small cases worked
by hand with the arithmetic beside them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import f1_score, jaccard_score

import losscli
from losscli.engine import Batch, evaluate
from losscli.errors import LossCliError
from losscli.registry import bind, get, parse_spec

from examples_segmentation import EXAMPLES

REL = 1e-6

# The anchor of the reference libraries: one image of four pixels.
ANCHOR_P = [0.9, 0.4, 0.1, 0.0]
ANCHOR_T = [1.0, 1.0, 0.0, 0.0]
# I = .9 + .4 = 1.3, P = 1.4, T = 2

# A 4-pixel, 3-class case worked by hand (rows = pixels).
MC_PRED = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]]
MC_LABELS = [0, 1, 2, 1]
MC_ONE_HOT = np.eye(3)[MC_LABELS]
# class 0: I = .7,       P = .7+.1+.2+.3 = 1.3, T = 1
# class 1: I = .8+.4=1.2, P = .2+.8+.2+.4 = 1.6, T = 2
# class 2: I = .6,       P = .1+.1+.6+.3 = 1.1, T = 1


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL, abs=1e-12)


def with_params(text: str):
    """A bound loss from a spec string: the way to pass class weights, whose
    name ``weights`` is taken by sample weights in ``losscli.compute``."""
    return parse_spec(text)


# --------------------------------------------------------------------------- anchors


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        # smp / Keras (no smoothing): 1 - 2*1.3/(1.4 + 2) = 1 - 2.6/3.4 = 0.2352941
        ("dice", {"smooth": 0.0}, 0.2352941176470588),
        # smp: 1 - 1.3/(1.4 + 2 - 1.3) = 1 - 1.3/2.1 = 0.3809524
        ("iou", {"smooth": 0.0}, 0.3809523809523809),
        # MONAI TverskyLoss(.3,.7) without smoothing: 1 - 1.3/(1.3 + .3*.1 + .7*.7) = 1 - 1.3/1.82
        ("tversky", {"smooth": 0.0, "alpha": 0.3, "beta": 0.7}, 0.2857142857142857),
        # MONAI DiceLoss() verified value, default smooth 1e-5: 1 - (2.6+1e-5)/(3.4+1e-5)
        ("dice", {}, 0.2352934),
        # MONAI TverskyLoss(alpha=.3, beta=.7) verified value: 1 - (1.3+1e-5)/(1.82+1e-5)
        ("tversky", {"alpha": 0.3, "beta": 0.7}, 0.2857127),
    ],
)
def test_research_anchors(name, params, expected):
    value = losscli.compute(name, ANCHOR_T, ANCHOR_P, **params)
    # The MONAI anchors are published to 7 digits: compare to their precision.
    assert value == pytest.approx(expected, rel=REL if "smooth" in params else 5e-7)


def test_iou_default_smoothing_is_the_spec_formula():
    # SPEC: 1 - (I + s)/(P + T - I + s) = 1 - (1.3 + 1e-5)/(2.1 + 1e-5) = 0.38095057
    assert losscli.compute("iou", ANCHOR_T, ANCHOR_P) == approx(1 - (1.3 + 1e-5) / (2.1 + 1e-5))


def test_iou_with_half_smoothing_reproduces_monai_jaccard():
    # MONAI DiceLoss(jaccard=True) verified value 0.3809515 = 1 - (2.6 + 1e-5)/(4.2 + 1e-5),
    # which is our formula with smooth = 1e-5 / 2.
    value = losscli.compute("iou", ANCHOR_T, ANCHOR_P, smooth=5e-6)
    assert value == pytest.approx(0.3809515, rel=5e-7)
    assert value == approx(1 - (2.6 + 1e-5) / (4.2 + 1e-5))


def test_optax_smoothing_equivalents():
    # optax < 0.2.8 dice_loss(smooth=1) on probabilities: 1 - (2I + 1)/(P + T + 1)
    # = 1 - 3.6/4.4 = 0.1818182: our dice with smooth=1.
    assert losscli.compute("dice", ANCHOR_T, ANCHOR_P, smooth=1.0) == approx(1 - 3.6 / 4.4)
    # optax 0.2.8 (optax/losses/_segmentation.py): 1 - (I + 1)/(I + .5 FP + .5 FN + 1)
    # = 1 - 2.3/(1.3 + .05 + .35 + 1) = 1 - 2.3/2.7 = 0.1481481: our dice with smooth=2, tversky with 1.
    assert losscli.compute("dice", ANCHOR_T, ANCHOR_P, smooth=2.0) == approx(1 - 2.3 / 2.7)
    assert losscli.compute("tversky", ANCHOR_T, ANCHOR_P, smooth=1.0) == approx(1 - 2.3 / 2.7)


def test_keras_old_tversky_is_ours_with_alpha_and_beta_swapped():
    # Keras <= 3.15 Tversky(alpha=.3, beta=.7) verified value 0.1772152:
    # 1 - 1.3/(1.3 + .7*.1 + .3*.7) = 1 - 1.3/1.58
    value = losscli.compute("tversky", ANCHOR_T, ANCHOR_P, alpha=0.7, beta=0.3, smooth=0.0)
    assert value == pytest.approx(0.1772152, rel=5e-7)


# --------------------------------------------------------------------------- multiclass by hand


@pytest.mark.parametrize("labels", [MC_LABELS, MC_ONE_HOT], ids=["class-index", "one-hot"])
@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        # per class 1 - 2I/(P+T): 1 - 1.4/2.3 = 9/23, 1 - 2.4/3.6 = 1/3, 1 - 1.2/2.1 = 9/21
        # mean (9/23 + 1/3 + 9/21)/3 = 0.3844030366
        ("dice", {}, (9 / 23 + 1 / 3 + 9 / 21) / 3),
        # per class 1 - I/(P+T-I): 1 - .7/1.6 = 9/16, 1 - 1.2/2.4 = 1/2, 1 - .6/1.5 = 3/5
        # mean (0.5625 + 0.5 + 0.6)/3 = 0.5541666667
        ("iou", {}, (9 / 16 + 1 / 2 + 3 / 5) / 3),
        # alpha .3, beta .7; FP = P - I, FN = T - I:
        # class 0: FP .6, FN .3: 1 - .7/(.7 + .18 + .21) = .39/1.09
        # class 1: FP .4, FN .8: 1 - 1.2/(1.2 + .12 + .56) = .68/1.88
        # class 2: FP .5, FN .4: 1 - .6/(.6 + .15 + .28) = .43/1.03
        ("tversky", {"alpha": 0.3, "beta": 0.7}, (0.39 / 1.09 + 0.68 / 1.88 + 0.43 / 1.03) / 3),
    ],
)
def test_multiclass_hand_worked(name, params, expected, labels):
    assert losscli.compute(name, labels, MC_PRED, smooth=0.0, **params) == approx(expected)


def test_multiclass_default_smoothing_by_hand():
    s = 1e-5
    # dice per class 1 - (2I + s)/(P + T + s) with (2I, P+T) = (1.4, 2.3), (2.4, 3.6), (1.2, 2.1)
    expected = np.mean([1 - (1.4 + s) / (2.3 + s), 1 - (2.4 + s) / (3.6 + s), 1 - (1.2 + s) / (2.1 + s)])
    assert losscli.compute("dice", MC_LABELS, MC_PRED) == approx(expected)


def test_class_weights_give_a_weighted_mean_over_classes():
    # sum(w L)/sum(w) with w = 1;2;3: (9/23 + 2*(1/3) + 3*(9/21)) / 6 = 0.3906142167
    bound = with_params("dice:weights=1;2;3,smooth=0")
    assert losscli.compute(bound, MC_LABELS, MC_PRED) == approx((9 / 23 + 2 / 3 + 3 * 9 / 21) / 6)


def test_zero_weight_leaves_the_background_out():
    # weights 0;1;1 = MONAI include_background=False: mean of classes 1 and 2 = (1/3 + 9/21)/2
    bound = with_params("dice:weights=0;1;1,smooth=0")
    assert losscli.compute(bound, MC_LABELS, MC_PRED) == approx((1 / 3 + 9 / 21) / 2)


def test_class_weights_must_be_one_per_class():
    with pytest.raises(LossCliError, match="parameter 'weights' has 1 value but y_pred has 3 class columns"):
        losscli.compute(with_params("dice:weights=2"), MC_LABELS, MC_PRED)


def test_equal_class_weights_change_nothing():
    bound = with_params("iou:weights=2;2;2")
    assert losscli.compute(bound, MC_LABELS, MC_PRED) == approx(losscli.compute("iou", MC_LABELS, MC_PRED))


# --------------------------------------------------------------------------- scikit-learn on hard masks


def _hard_masks(seed: int, n: int, classes: int):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, size=n)
    predicted = np.where(rng.random(n) < 0.7, truth, rng.integers(0, classes, size=n))
    return truth, predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_hard_masks_match_sklearn(seed):
    truth, predicted = _hard_masks(seed, 200, 2)
    # For 0/1 masks the Dice coefficient is the F1 score and IoU the Jaccard score.
    assert losscli.compute("dice", truth, predicted, smooth=0.0) == approx(1 - f1_score(truth, predicted))
    assert losscli.compute("iou", truth, predicted, smooth=0.0) == approx(1 - jaccard_score(truth, predicted))


@pytest.mark.parametrize("seed", [3, 4])
def test_multiclass_hard_masks_match_sklearn_macro_and_weighted(seed):
    truth, predicted = _hard_masks(seed, 300, 4)
    one_hot_pred = np.eye(4)[predicted]
    macro_f1 = f1_score(truth, predicted, average="macro")
    macro_jaccard = jaccard_score(truth, predicted, average="macro")
    assert losscli.compute("dice", truth, one_hot_pred, smooth=0.0) == approx(1 - macro_f1)
    assert losscli.compute("iou", truth, one_hot_pred, smooth=0.0) == approx(1 - macro_jaccard)
    # sklearn's average="weighted" weights classes by their support: the same as class weights = counts.
    support = ";".join(str(int(c)) for c in np.bincount(truth, minlength=4))
    bound = with_params(f"dice:weights={support},smooth=0")
    assert losscli.compute(bound, truth, one_hot_pred) == approx(1 - f1_score(truth, predicted, average="weighted"))


# --------------------------------------------------------------------------- identities


@pytest.mark.parametrize("seed", [5, 6])
def test_tversky_special_cases_are_dice_and_iou(seed):
    args = EXAMPLES["dice"](np.random.default_rng(seed), 50)
    s = 1e-3
    # alpha = beta = 1/2: 1 - (I + s)/((P + T)/2 + s) = 1 - (2I + 2s)/(P + T + 2s) = dice with 2s
    assert losscli.compute("tversky", **args, alpha=0.5, beta=0.5, smooth=s) == approx(
        losscli.compute("dice", **args, smooth=2 * s)
    )
    # alpha = beta = 1: I + FP + FN = P + T - I, the union
    assert losscli.compute("tversky", **args, alpha=1.0, beta=1.0, smooth=s) == approx(
        losscli.compute("iou", **args, smooth=s)
    )


# --------------------------------------------------------------------------- per sample vs global

TWO_IMAGES_T = ANCHOR_T + [1.0, 0.0]
TWO_IMAGES_P = ANCHOR_P + [0.5, 0.5]
TWO_IMAGES_IDS = ["a", "a", "a", "a", "b", "b"]
# image a: the anchor, dice 1 - 2.6/3.4 = 4/17, iou 1 - 1.3/2.1 = 8/21
# image b: I = .5, P = 1, T = 1: dice 1 - 1/2 = 1/2, iou 1 - .5/1.5 = 2/3


def test_per_sample_averages_images_and_global_pools_pixels():
    per_image = losscli.compute("dice", TWO_IMAGES_T, TWO_IMAGES_P, sample_ids=TWO_IMAGES_IDS, smooth=0.0)
    pooled = losscli.compute("dice", TWO_IMAGES_T, TWO_IMAGES_P, smooth=0.0)
    # per image: (4/17 + 1/2)/2 = 25/68 = 0.3676470588
    assert per_image == approx(25 / 68)
    # pooled: I = 1.3 + .5 = 1.8, P = 2.4, T = 3: 1 - 3.6/5.4 = 1/3
    assert pooled == approx(1 / 3)
    assert per_image != pytest.approx(pooled, rel=1e-3)


def test_per_sample_iou_by_hand():
    # (8/21 + 2/3)/2 = 11/21; pooled: I = 1.8, union = 5.4 - 1.8 = 3.6: 1 - 1.8/3.6 = 1/2
    assert losscli.compute("iou", TWO_IMAGES_T, TWO_IMAGES_P, sample_ids=TWO_IMAGES_IDS, smooth=0.0) == approx(11 / 21)
    assert losscli.compute("iou", TWO_IMAGES_T, TWO_IMAGES_P, smooth=0.0) == approx(0.5)


def test_per_sample_values_come_one_per_image():
    values = losscli.per_sample("dice", TWO_IMAGES_T, TWO_IMAGES_P, sample_ids=TWO_IMAGES_IDS, smooth=0.0)
    np.testing.assert_allclose(values, [4 / 17, 1 / 2], rtol=REL)


def test_per_sample_values_come_ordered_by_sample_id():
    # Image "b" first in the rows; "a" (4/17, worked by hand above) sorts first.
    order = [4, 5, 0, 1, 2, 3]
    values = losscli.per_sample(
        "dice", np.array(TWO_IMAGES_T)[order], np.array(TWO_IMAGES_P)[order], sample_ids=np.array(TWO_IMAGES_IDS)[order], smooth=0.0
    )
    np.testing.assert_allclose(values, [4 / 17, 1 / 2], rtol=REL)


def test_per_sample_multiclass_by_hand():
    # image 0 = the 4-pixel multiclass case (dice 0.3844030366 by hand above);
    # image 1 = two pixels, labels [2, 2], predictions [0, 0, 1] and [.5, .5, 0]:
    #   class 0: I 0, P .5, T 0 -> 1 - 0/.5 = 1;  class 1: I 0, P .5, T 0 -> 1
    #   class 2: I 1, P 1, T 2 -> 1 - 2/3 = 1/3;  mean (1 + 1 + 1/3)/3 = 7/9
    labels = MC_LABELS + [2, 2]
    preds = MC_PRED + [[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]
    ids = [0, 0, 0, 0, 1, 1]
    expected = ((9 / 23 + 1 / 3 + 9 / 21) / 3 + 7 / 9) / 2
    assert losscli.compute("dice", labels, preds, sample_ids=ids, smooth=0.0) == approx(expected)


def test_sample_rows_need_not_be_contiguous():
    order = [4, 0, 2, 5, 1, 3]
    value = losscli.compute(
        "dice",
        np.array(TWO_IMAGES_T)[order],
        np.array(TWO_IMAGES_P)[order],
        sample_ids=np.array(TWO_IMAGES_IDS)[order],
        smooth=0.0,
    )
    assert value == approx(25 / 68)


def test_batches_fold_to_the_same_value():
    bound = bind(get("tversky"), {"alpha": 0.3, "beta": 0.7})
    y_true = np.array(TWO_IMAGES_T)
    y_pred = np.array(TWO_IMAGES_P)
    ids = np.array(TWO_IMAGES_IDS)
    whole = losscli.compute(bound, y_true, y_pred, sample_ids=ids)
    # Image a is split across the two batches.
    batches = [
        Batch(arrays=[{"y_true": y_true[rows], "y_pred": y_pred[rows]}], n=3, samples=ids[rows])
        for rows in (slice(0, 3), slice(3, 6))
    ]
    outcomes, _ = evaluate(batches, [bound], by_sample=True)
    assert outcomes[0].overall.value == approx(whole)


# --------------------------------------------------------------------------- sample weights


def test_row_weights_scale_the_pixel_sums():
    # w = [2, 1, 1, 1]: I = 2*.9 + .4 = 2.2, P = 1.8 + .4 + .1 = 2.3, T = 2 + 1 = 3
    # dice = 1 - 4.4/5.3 = 0.9/5.3 = 0.1698113
    value = losscli.compute("dice", ANCHOR_T, ANCHOR_P, sample_weight=[2, 1, 1, 1], smooth=0.0)
    assert value == approx(0.9 / 5.3)


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_integer_weights_equal_repeated_rows(name):
    rng = np.random.default_rng(7)
    args = EXAMPLES["dice"](rng, 30)
    ids = rng.integers(0, 3, size=30)
    counts = rng.integers(0, 4, size=30)  # 0 drops the row
    repeated = {role: np.repeat(values, counts, axis=0) for role, values in args.items()}
    weighted = losscli.compute(name, **args, sample_weight=counts.astype(float), sample_ids=ids)
    expanded = losscli.compute(name, **repeated, sample_ids=np.repeat(ids, counts))
    assert weighted == approx(expanded)


def test_unit_weights_equal_no_weights():
    args = EXAMPLES["iou"](np.random.default_rng(8), 40)
    assert losscli.compute("iou", **args, sample_weight=np.ones(40)) == approx(losscli.compute("iou", **args))


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
@pytest.mark.parametrize("smooth", [0.0, 1e-5])
def test_perfect_prediction_is_zero(name, smooth):
    # p = t exactly, with probabilities at exactly 0 and 1: every ratio is (T + s)/(T + s)
    exact = [1.0, 0.0, 1.0, 1.0, 0.0]
    assert losscli.compute(name, exact, exact, smooth=smooth) == pytest.approx(0.0, abs=1e-15)
    assert losscli.compute(name, MC_LABELS, MC_ONE_HOT, smooth=smooth) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_disjoint_masks_are_one(name):
    # I = 0, P, T > 0: 1 - 0/anything = 1
    assert losscli.compute(name, [1, 1, 0, 0], [0.0, 0.0, 1.0, 0.5], smooth=0.0) == approx(1.0)


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
@pytest.mark.parametrize("smooth", [0.0, 1e-5])
def test_empty_truth_and_empty_prediction_is_zero(name, smooth):
    # smooth > 0: s/s = 1, loss 0 (MONAI); smooth = 0: 0/0, defined as loss 0 (the limit)
    assert losscli.compute(name, [0, 0, 0], [0.0, 0.0, 0.0], smooth=smooth) == 0.0


def test_empty_truth_with_prediction_is_almost_one():
    # I = 0, P = 1, T = 0: 1 - 1e-5/(1 + 1e-5) (MONAI gives about 1.0)
    assert losscli.compute("dice", [0, 0], [0.5, 0.5]) == approx(1 - 1e-5 / (1 + 1e-5))


def test_an_empty_image_counts_as_zero_in_the_per_sample_mean():
    # image a: the anchor, 4/17; image b: nothing true, nothing predicted, loss 0 even with smooth=0
    value = losscli.compute(
        "dice", ANCHOR_T + [0, 0], ANCHOR_P + [0.0, 0.0], sample_ids=[1, 1, 1, 1, 2, 2], smooth=0.0
    )
    assert value == approx((4 / 17 + 0.0) / 2)


def test_tversky_with_zero_alpha_and_no_truth_is_defined():
    # alpha = 0 ignores false positives: I = 0, FN = 0, denominator 0 + smooth 0 -> loss 0, not NaN
    assert losscli.compute("tversky", [0, 0], [0.3, 0.9], alpha=0.0, beta=1.0, smooth=0.0) == 0.0


def test_one_row():
    # p = .5, t = 1: I = .5, P = .5, T = 1: 1 - 1/1.5 = 1/3
    assert losscli.compute("dice", [1], [0.5], smooth=0.0) == approx(1 / 3)


def test_single_column_given_as_a_matrix():
    as_columns = losscli.compute("iou", np.array(ANCHOR_T)[:, None], np.array(ANCHOR_P)[:, None], smooth=0.0)
    assert as_columns == approx(1 - 1.3 / 2.1)


def test_soft_binary_targets_are_accepted():
    # t = [.5, 1]: I = .5*.5 + .5*1 = .75, P = 1, T = 1.5: 1 - 1.5/2.5 = 0.4
    assert losscli.compute("dice", [0.5, 1.0], [0.5, 0.5], smooth=0.0) == approx(0.4)


# --------------------------------------------------------------------------- logits


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_binary_logits_use_a_sigmoid(name):
    rng = np.random.default_rng(9)
    logits = rng.normal(scale=3.0, size=40)
    truth = (rng.random(40) < 0.5).astype(float)
    from_logits = losscli.compute(name, truth, logits, from_logits=True)
    assert from_logits == approx(losscli.compute(name, truth, expit(logits)))


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_multiclass_logits_use_a_softmax(name):
    rng = np.random.default_rng(10)
    logits = rng.normal(scale=3.0, size=(40, 4))
    truth = rng.integers(0, 4, size=40)
    from_logits = losscli.compute(name, truth, logits, from_logits=True)
    assert from_logits == approx(losscli.compute(name, truth, softmax(logits, axis=1)))


def test_global_from_logits_switch_applies():
    bound = parse_spec("dice", {"from_logits": True})
    assert bound.params["from_logits"] is True
    logits = np.array([2.0, -1.0, 0.5])
    assert losscli.compute(bound, [1, 0, 1], logits) == approx(losscli.compute("dice", [1, 0, 1], expit(logits)))


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_extreme_logits(name):
    # sigmoid(+-800) = 1 / 0 without overflow: a perfect and a fully wrong prediction
    right = losscli.compute(name, [1, 0, 1, 0], [800.0, -800.0, 800.0, -800.0], from_logits=True)
    assert right == pytest.approx(0.0, abs=1e-15)
    assert losscli.compute(name, [1, 0], [-800.0, 800.0], from_logits=True, smooth=0.0) == approx(1.0)
    # softmax over +-800: one-hot rows
    logits = np.array([[800.0, -800.0, 0.0], [-800.0, 800.0, 0.0], [0.0, -800.0, 800.0]])
    assert losscli.compute(name, [0, 1, 2], logits, from_logits=True) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------- bad input


def _error(name, y_true, y_pred, **kwargs) -> LossCliError:
    with pytest.raises(LossCliError) as caught:
        losscli.compute(name, y_true, y_pred, **kwargs)
    return caught.value


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_probability_outside_unit_interval_names_the_row(name):
    error = _error(name, [1, 0, 1], [0.5, 0.2, 1.2])
    assert (error.row, error.role) == (3, "y_pred")
    assert "probability" in error.message
    error = _error(name, [0, 1], [[0.5, 0.5], [-0.1, 1.1]])
    assert (error.row, error.role) == (2, "y_pred")


def test_class_label_outside_the_classes_names_the_row():
    error = _error("dice", [0, 3, 1], [[0.2, 0.3, 0.5]] * 3)
    assert (error.row, error.role) == (2, "y_true")
    assert "3 classes" in error.message


def test_non_integer_class_label_names_the_row():
    error = _error("iou", [0, 1, 1.5], [[0.5, 0.5]] * 3)
    assert (error.row, error.role) == (3, "y_true")


def test_binary_mask_outside_zero_one_names_the_row():
    error = _error("dice", [0, 1, 1, 2], [0.1, 0.2, 0.3, 0.4])
    assert (error.row, error.role) == (4, "y_true")


def test_one_hot_values_outside_zero_one_name_the_row():
    error = _error("tversky", [[1, 0], [0, 2]], [[0.5, 0.5], [0.5, 0.5]])
    assert (error.row, error.role) == (2, "y_true")


def test_label_columns_must_match_prediction_columns():
    assert "2 columns" in _error("dice", [[1, 0], [0, 1]], [[0.2, 0.3, 0.5]] * 2).message
    assert "foreground" in _error("dice", [[1, 0], [0, 1]], [0.2, 0.3]).message


def test_class_weights_need_one_value_per_class():
    with pytest.raises(LossCliError, match="2 values but y_pred has 3"):
        losscli.compute(with_params("dice:weights=1;2"), MC_LABELS, MC_PRED)
    with pytest.raises(LossCliError, match="sum to 0"):
        losscli.compute(with_params("dice:weights=0;0;0"), MC_LABELS, MC_PRED)


@pytest.mark.parametrize("spec", ["dice:smooth=-1", "tversky:alpha=-0.1", "tversky:beta=-2", "iou:weights=1;-1"])
def test_parameters_out_of_range(spec):
    with pytest.raises(LossCliError, match="out of range"):
        parse_spec(spec)


def test_error_row_is_offset_by_the_batch():
    bound = bind(get("dice"))
    y_pred = np.array([0.1, 0.2, 0.3, 1.5])
    y_true = np.array([0.0, 1.0, 0.0, 1.0])
    batches = [
        Batch(arrays=[{"y_true": y_true[rows], "y_pred": y_pred[rows]}], n=2, row_offset=rows.start)
        for rows in (slice(0, 2), slice(2, 4))
    ]
    with pytest.raises(LossCliError) as caught:
        evaluate(batches, [bound])
    assert caught.value.row == 4


# --------------------------------------------------------------------------- declarations


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("dice_loss", "dice"), ("soft_dice", "dice"), ("jaccard", "iou"), ("jaccard_loss", "iou"),
     ("iou_loss", "iou"), ("tversky_loss", "tversky")],
)
def test_aliases(alias, canonical):
    assert get(alias).name == canonical


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_declarations(name):
    spec = get(name)
    assert spec.kind == "ratio" and spec.family == "segmentation" and spec.tasks == ("segmentation",)
    assert [r.name for r in spec.roles] == ["y_true", "y_pred"]
    assert spec.defaults()["smooth"] == 1e-5 and spec.defaults()["weights"] is None
    traits = spec.characteristics
    assert (traits.robust_to_outliers, traits.smooth_gradient, traits.classification, traits.regression) == (
        True, False, True, False,
    )
    assert any("MONAI#807" in note for note in spec.notes)
    assert any("0/0" in note for note in spec.notes)
    if name == "tversky":
        assert (spec.defaults()["alpha"], spec.defaults()["beta"]) == (0.5, 0.5)


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_finalize_takes_one_or_many_samples(name):
    spec = get(name)
    params = bind(spec).params
    one = spec.kernel(np.array(ANCHOR_T), np.array(ANCHOR_P), **params).sum(axis=0)
    stacked = np.vstack([one, one * 2.0])
    single = spec.finalize(one, **params)
    many = spec.finalize(stacked, **params)
    assert isinstance(single, float)
    assert many.shape == (2,)
    assert many[0] == approx(single)


# --------------------------------------------------------------------------- image arrays in Python


def test_image_arrays_are_refused_with_the_pixel_rows_that_score_them():
    rng = np.random.default_rng(21)
    n, c, h, w = 3, 4, 5, 6
    probs = rng.dirichlet(np.ones(c), size=(n, h, w)).transpose(0, 3, 1, 2)  # (n, c, h, w)
    target = rng.integers(0, c, size=(n, h, w))
    with pytest.raises(LossCliError) as raised:
        losscli.compute("dice", target, probs)
    hint = raised.value.hint
    # Flattening each image into one row would read its pixels as classes: the hint says the other way.
    assert "numpy.moveaxis" not in hint and "x.reshape(-1)" in hint and "numpy.repeat(numpy.arange(3), 5 * 6)" in hint
    with pytest.raises(LossCliError) as raised:
        losscli.compute("dice", target.reshape(-1), probs)
    assert "numpy.moveaxis(x, 1, -1).reshape(-1, 4)" in raised.value.hint
    # Following the hint gives MONAI DiceLoss(batch=False)'s formula, here in numpy:
    # per image and class 1 - (2 I + 1e-5) / (P + T + 1e-5), then the mean.
    onehot = np.eye(c)[target].transpose(0, 3, 1, 2)
    inter, pred, true = (probs * onehot).sum((2, 3)), probs.sum((2, 3)), onehot.sum((2, 3))
    expected = (1 - (2 * inter + 1e-5) / (pred + true + 1e-5)).mean()
    value = losscli.compute(
        "dice", target.reshape(-1), np.moveaxis(probs, 1, -1).reshape(-1, c), sample_ids=np.repeat(np.arange(n), h * w)
    )
    assert value == approx(expected)


# --------------------------------------------------------------------------- torch (MONAI's formulas)


def _monai_style(torch, probs, onehot, *, batch: bool, kind: str, smooth: float = 1e-5, alpha=0.5, beta=0.5):
    """MONAI's DiceLoss / TverskyLoss reductions written with torch ops on (N, C, H, W)."""
    dims = (0, 2, 3) if batch else (2, 3)
    intersection = (probs * onehot).sum(dims)
    if kind == "dice":
        f = 1 - (2 * intersection + smooth) / (probs.sum(dims) + onehot.sum(dims) + smooth)
    elif kind == "jaccard":
        union = probs.sum(dims) + onehot.sum(dims) - intersection
        f = 1 - (2 * intersection + smooth) / (2 * union + smooth)
    else:
        # MONAI's own definitions: FP = sum p (1 - t), FN = sum (1 - p) t
        fp = (probs * (1 - onehot)).sum(dims)
        fn = ((1 - probs) * onehot).sum(dims)
        f = 1 - (intersection + smooth) / (intersection + alpha * fp + beta * fn + smooth)
    return float(f.mean())


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_monai_formulas_in_torch(seed):
    torch = pytest.importorskip("torch")
    generator = torch.Generator().manual_seed(seed)
    n, c, h, w = 3, 4, 5, 6
    logits = torch.randn(n, c, h, w, generator=generator, dtype=torch.float64) * 2
    target = torch.randint(0, c, (n, h, w), generator=generator)
    probs = torch.softmax(logits, dim=1)
    onehot = torch.nn.functional.one_hot(target, c).permute(0, 3, 1, 2).to(torch.float64)
    # One row per pixel, the image index as the sample id.
    rows_logits = logits.permute(0, 2, 3, 1).reshape(-1, c).numpy()
    rows_labels = target.reshape(-1).numpy()
    image = np.repeat(np.arange(n), h * w)
    common = {"from_logits": True}
    for batch, ids in ((False, image), (True, None)):
        assert losscli.compute("dice", rows_labels, rows_logits, sample_ids=ids, **common) == approx(
            _monai_style(torch, probs, onehot, batch=batch, kind="dice")
        )
        assert losscli.compute("iou", rows_labels, rows_logits, sample_ids=ids, smooth=5e-6, **common) == approx(
            _monai_style(torch, probs, onehot, batch=batch, kind="jaccard")
        )
        assert losscli.compute(
            "tversky", rows_labels, rows_logits, sample_ids=ids, alpha=0.3, beta=0.7, **common
        ) == approx(_monai_style(torch, probs, onehot, batch=batch, kind="tversky", alpha=0.3, beta=0.7))


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_are_valid(name):
    value = losscli.compute(name, **EXAMPLES[name](np.random.default_rng(11), 25))
    assert 0.0 < value < 1.0


def test_every_segmentation_loss_has_an_example():
    registered = {spec.name for spec in losscli.registry.all_specs() if spec.family == "segmentation"}
    assert registered == set(EXAMPLES)


# --------------------------------------------------------------------------- library options


def test_denominator_only_smoothing_is_keras_dice():
    # research 15: Keras Dice 1 - 2I / (P + T + 1e-7) = 1 - 2.6 / 3.4000001 = 0.2352941.
    value = losscli.compute("dice", ANCHOR_T, ANCHOR_P, smooth=0.0, smooth_dr=1e-7)
    assert value == approx(1 - 2.6 / (3.4 + 1e-7))
    assert value == pytest.approx(0.2352941, abs=5e-8)


def test_denominator_only_smoothing_gives_loss_one_for_empty_masks():
    # Keras: empty truth and empty prediction -> 0 / 1e-7 = 0, loss 1 (research 15); with smoothing
    # in both places the limit is loss 0 (MONAI).
    assert losscli.compute("dice", [0.0, 0.0], [0.0, 0.0], smooth=0.0, smooth_dr=1e-7) == 1.0
    assert losscli.compute("dice", [0.0, 0.0], [0.0, 0.0]) == 0.0


def test_pool_classes_sums_every_class_into_one_ratio():
    # Keras Dice(axis=None) over one-hot maps: sum over classes of I = .7 + 1.2 + .6 = 2.5,
    # P = 1.3 + 1.6 + 1.1 = 4, T = 4 -> 1 - 5 / 8 = 0.375 (hand, from the class sums above).
    value = losscli.compute("dice", MC_LABELS, MC_PRED, smooth=0.0, pool_classes=True)
    assert value == approx(1 - 5.0 / 8.0)
    per_class = [1 - 1.4 / 2.3, 1 - 2.4 / 3.6, 1 - 1.2 / 2.1]
    assert losscli.compute("dice", MC_LABELS, MC_PRED, smooth=0.0) == approx(sum(per_class) / 3)


def test_pool_classes_refuses_class_weights():
    with pytest.raises(LossCliError, match="pool_classes"):
        losscli.compute(with_params("dice:weights=1;2;3,pool_classes=true"), MC_LABELS, MC_PRED)


def test_alpha_on_false_negatives_is_keras_3_15_tversky():
    # research 21: Keras 3.15.1 Tversky(alpha=.3, beta=.7) -> 0.1772152 = 1 - 1.3 / (1.3 + .3 FN + .7 FP)
    # with FN = 0.7, FP = 0.1 (and 1e-7 in the denominator).
    value = losscli.compute(
        "tversky", ANCHOR_T, ANCHOR_P, alpha=0.3, beta=0.7, alpha_weights="false_negatives", smooth=0.0, smooth_dr=1e-7
    )
    assert value == approx(1 - 1.3 / (1.3 + 0.3 * 0.7 + 0.7 * 0.1 + 1e-7))
    assert value == pytest.approx(0.1772152, abs=5e-8)
