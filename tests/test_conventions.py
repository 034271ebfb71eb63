"""Library conventions: what PyTorch, Keras, scikit-learn, optax and MONAI would report.

Three kinds of evidence, each named beside the expected value:
* PyTorch and scikit-learn run here on random float64 data (several seeds);
  PyTorch tests are marked ``torch`` and skipped without it.
* Keras, optax and MONAI are not installed: their values come from the
  research notes' verified anchors (section numbers given) or from hand
  arithmetic on the formulas read in their source.
* The worked examples of ``info --conventions`` are checked against the
  cross-check values the table names, and their PyTorch and scikit-learn
  rows are re-run with the libraries.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn import metrics
from sklearn.utils.class_weight import compute_sample_weight

import losscli
from losscli import conventions
from losscli.conventions import CONVENTIONS, LIBRARIES, MACHINE_EPS, apply, compare_all, strip, table
from losscli.errors import LossCliError
from losscli.registry import all_specs, bind, get, parse_spec

REL = 1e-6
SEEDS = (0, 1, 2)
N = 50

ANCHOR_LOGITS = [[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]]
ANCHOR_TARGETS = [0.0, 1.0, 2.0]
SEG_P = [0.9, 0.4, 0.1, 0.0]
SEG_T = [1.0, 1.0, 0.0, 0.0]


def approx(value: float, rel: float = REL) -> object:
    return pytest.approx(value, rel=rel, abs=1e-12)


def anchor(value: float) -> object:
    """A 7-digit research anchor: equal to half a unit in its last digit."""
    return pytest.approx(value, abs=5e-8)


def under(name: str, library: str, **params) -> object:
    """The loss as ``library`` defines it, as the global --convention would give it."""
    return apply(bind(get(name), params), library)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def probability_rows(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    rows = rng.dirichlet(np.ones(k), n) + 1e-3
    return rows / rows.sum(axis=1, keepdims=True)


# =========================================================================== registration


def test_every_loss_a_library_defines_has_the_convention_parameter():
    for spec in all_specs():
        offered = conventions.libraries(spec.name)
        names = [p.name for p in spec.params]
        if not offered:
            assert "convention" not in names, spec.name
            continue
        param = spec.param("convention")
        assert param.default is None and param.choices == offered, spec.name
        assert names[-1] == "convention", spec.name


def test_every_table_entry_names_a_registered_loss_and_its_parameters():
    for (name, library), entry in CONVENTIONS.items():
        spec = get(name)
        assert spec.name == name and library in LIBRARIES
        assert set(entry.pinned) <= set(spec.defaults()), (name, library)
        assert entry.reference and entry.difference, (name, library)
    for name, library in conventions.MISSING:
        assert get(name).name == name and library in LIBRARIES
        assert (name, library) not in CONVENTIONS


def test_fixed_values_are_valid_parameter_values():
    for (name, library), entry in CONVENTIONS.items():
        spec = get(name)
        for key, value in entry.pinned.items():
            assert spec.param(key).validate(value, name) == value, (name, library, key)


@pytest.mark.parametrize(
    "text, library",
    [("bce:convention=torch", "torch"), ("bce:convention=PyTorch", "torch"), ("bce:convention=scikit-learn", "sklearn"),
     ("bce:convention=tensorflow", "keras"), ("bce:convention=none", None), ("bce", None)],
)
def test_spec_strings_take_library_names_and_aliases(text, library):
    assert parse_spec(text).params["convention"] == library


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("triplet:convention=keras", "Keras has no triplet loss"),
        ("dice:convention=torch", "PyTorch has no Dice loss"),
        ("focal:convention=sklearn", "scikit-learn has no focal loss"),
        ("hinge:convention=torch", "PyTorch has no binary SVM hinge"),
        ("bce:convention=kears", "did you mean 'keras'"),
    ],
)
def test_a_library_without_the_loss_is_refused_with_the_reason(text, fragment):
    with pytest.raises(LossCliError, match=fragment):
        parse_spec(text)


def test_the_global_switch_refuses_a_loss_no_library_defines():
    with pytest.raises(LossCliError, match="Keras core has no contrastive pair loss"):
        apply(parse_spec("contrastive"), "keras")
    assert not conventions.supports("contrastive", "torch")
    assert conventions.supports("l2", "sklearn")


# =========================================================================== applying conventions


def test_apply_materialises_the_effective_parameters():
    bound = apply(parse_spec("bce"), "torch")
    assert bound.params["eps"] == 0.0 and bound.params["log_floor"] == -100.0
    assert bound.params["convention"] == "torch"
    assert bound.label == "bce:convention=torch"
    assert apply(parse_spec("bce:pos_weight=3"), "keras").label == "bce:pos_weight=3,convention=keras"


def test_a_convention_in_the_spec_string_wins_over_the_global_switch():
    bound = apply(parse_spec("bce:convention=sklearn"), "torch")
    assert bound.params["convention"] == "sklearn" and bound.params["eps"] == MACHINE_EPS
    assert apply(parse_spec("bce:convention=sklearn")).params["eps"] == MACHINE_EPS
    assert apply(parse_spec("bce"), None) == parse_spec("bce")


def test_a_parameter_contradicting_a_fixed_value_is_an_error():
    with pytest.raises(LossCliError, match="fixes eps=2.22045e-16.*eps=0.001 contradicts it"):
        apply(parse_spec("bce:eps=0.001"), "sklearn")
    with pytest.raises(LossCliError, match="fixes blank=0"):
        losscli.compute("ctc", [[1]], [[[-0.7, -0.7]]], blank=1, convention="keras")


def test_library_defaults_apply_only_where_the_user_kept_ours():
    # PyTorch CrossEntropyLoss ignores -100 by default; a chosen ignore_index stays.
    assert under("sparse_cce", "torch").params["ignore_index"] == -100
    assert under("sparse_cce", "torch", ignore_index=5).params["ignore_index"] == 5


@pytest.mark.parametrize("name, library", sorted(CONVENTIONS))
def test_apply_is_idempotent_and_strip_restores_the_defaults(name, library):
    bound = bind(get(name))
    once = apply(bound, library)
    assert apply(once, library).params == once.params
    assert strip(once).params == bound.params


def test_weight_divisor_and_sample_pooling_follow_the_table():
    assert conventions.weight_divisor(under("mse", "keras")) == "rows"
    assert conventions.weight_divisor(under("bce", "torch")) == "rows"
    assert conventions.weight_divisor(under("mse", "sklearn")) == "weights"
    assert conventions.weight_divisor(bind(get("mse"))) == "weights"
    assert conventions.pools_samples(under("dice", "keras"))
    assert not conventions.pools_samples(under("dice", "monai"))


# =========================================================================== info --conventions

ROW_KEYS = {
    "convention", "library", "available", "reference", "difference", "formula", "defaults", "reduction",
    "clipping", "labels", "weighted_mean", "params", "caveats", "reason", "example", "value", "warning",
    "cross_check",
}


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.name)
def test_table_has_a_row_for_losscli_and_every_library(spec):
    rows = table(spec.name)
    assert [row["convention"] for row in rows] == ["", *LIBRARIES]
    for row in rows:
        assert set(row) == ROW_KEYS
        if row["available"]:
            assert row["reference"] and row["difference"]
        else:
            assert row["reason"] and row["value"] is None
    assert rows[0]["available"] and rows[0]["reference"] == spec.reference


@pytest.mark.parametrize("name", sorted(conventions.WORKED))
def test_worked_example_matches_the_named_cross_check(name):
    for row in table(name):
        if not row["available"]:
            continue
        check = row["cross_check"]
        assert check is not None and check["source"], (name, row["convention"])
        if check["value"] is None:
            assert row["value"] is None and "infinite" in row["warning"], (name, row["convention"])
        else:
            assert row["value"] == approx(check["value"]), (name, row["convention"], check["source"])


def test_every_convention_has_a_worked_example():
    missing = sorted(key for key in CONVENTIONS if key[0] not in conventions.WORKED)
    assert not missing


def test_keras_rows_document_the_float32_difference():
    for (name, library), entry in CONVENTIONS.items():
        if library == "keras":
            assert any("float32" in caveat for caveat in entry.caveats), name


# =========================================================================== compare --conventions


def test_compare_all_gives_every_convention_on_the_users_data():
    # bce on y=[1,0,1,1], p=[0.9,0.2,0.6,0]: the table's worked example.
    rows = compare_all(parse_spec("bce"), y_true=[1, 0, 1, 1], y_pred=[0.9, 0.2, 0.6, 0.0])
    by = {row["convention"]: row for row in rows}
    assert list(by) == ["", *LIBRARIES]
    # hand: (-log .9 - log .8 - log .6 - log 1e-7) / 4; torch: BCELoss caps log 0 at -100 (research 4);
    # sklearn: -log(2.22e-16) = 36.0436534 for the last row.
    first_three = -math.log(0.9) - math.log(0.8) - math.log(0.6)
    assert by[""]["value"] == approx((first_three - math.log(1e-7)) / 4)
    assert by["torch"]["value"] == approx((first_three + 100) / 4)
    assert by["keras"]["value"] == approx((first_three - math.log(1e-7)) / 4)
    assert by["sklearn"]["value"] == approx((first_three - math.log(MACHINE_EPS)) / 4)
    assert by["optax"]["value"] is None and "infinite" in by["optax"]["note"]
    assert by["monai"]["value"] is None and "MONAI has no binary cross-entropy" in by["monai"]["note"]
    assert by["torch"]["params"]["log_floor"] == -100.0 and "capped at -100" in by["torch"]["difference"]


def test_compare_all_starts_every_library_from_the_users_parameters():
    # The user's own convention is set aside: every row starts from pos_weight=3.
    rows = compare_all(parse_spec("bce:pos_weight=3,convention=torch"), y_true=[1, 0], y_pred=[0.9, 0.2])
    by = {row["convention"]: row for row in rows}
    assert by[""]["params"]["convention"] is None and by[""]["params"]["eps"] == 1e-7
    assert all(row["params"]["pos_weight"] == 3.0 for row in rows if row["params"])
    # hand: (-3 log 0.9 - log 0.8) / 2 in every library that defines it
    assert by["keras"]["value"] == approx((-3 * math.log(0.9) - math.log(0.8)) / 2)


def test_compare_all_reports_a_contradicted_fixed_value_as_a_note():
    rows = compare_all(parse_spec("bce:eps=0.01"), y_true=[1, 0], y_pred=[0.9, 0.2])
    by = {row["convention"]: row for row in rows}
    assert by["sklearn"]["value"] is None and "eps=0.01 contradicts it" in by["sklearn"]["note"]
    assert by["keras"]["value"] == approx((-math.log(0.9) - math.log(0.8)) / 2)


def test_keras_divides_the_weighted_sum_by_the_row_count():
    # Keras sum_over_batch_size: sum(w l) / N (research 0.1); scikit-learn: sum(w l) / sum(w).
    y_true, y_pred, w = [0.0, 0.0, 0.0], [0.5, 2.0, -3.0], [1.0, 2.0, 3.0]
    by = {row["convention"]: row for row in compare_all(parse_spec("mse"), y_true=y_true, y_pred=y_pred, sample_weight=w)}
    weighted_sum = 0.25 + 2 * 4 + 3 * 9  # hand
    assert by["keras"]["value"] == approx(weighted_sum / 3) and "sum(w l) / N" in by["keras"]["note"]
    assert by["sklearn"]["value"] == approx(weighted_sum / 6)
    assert by["sklearn"]["value"] == approx(metrics.mean_squared_error(y_true, y_pred, sample_weight=w))
    assert by[""]["value"] == approx(weighted_sum / 6)
    assert "no sample weights" in by["torch"]["note"]


def test_a_sum_over_rows_of_several_outputs_per_library():
    # residuals [[1, 2], [3, 4]]: PyTorch MSELoss(reduction='sum') adds every element,
    # 1 + 4 + 9 + 16 = 30; Keras averages each row first, 2.5 + 12.5 = 15 (worked by hand)
    y_true, y_pred = np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]])
    by = {row["convention"]: row for row in compare_all(parse_spec("mse"), y_true=y_true, y_pred=y_pred, reduction="sum")}
    assert by["torch"]["value"] == approx(30.0)
    assert by[""]["value"] == approx(30.0)
    assert by["keras"]["value"] == approx(15.0)


def test_keras_weighted_mean_with_ignored_rows_divides_by_the_kept_rows():
    # Keras SparseCategoricalCrossentropy(ignore_class=-100) with sample weights: the masked
    # sum(w l) over the number of valid rows. Rows 1 and 3 kept (research 21 logits): per-row
    # losses from log_softmax, weights 2 and 4 -> (2 l1 + 4 l3) / 2.
    logits = np.array(ANCHOR_LOGITS)
    log_p = np.log(softmax(logits))
    losses = [-log_p[0, 0], -log_p[2, 2]]
    rows = compare_all(
        parse_spec("sparse_cce:ignore_index=-100,from_logits=true"),
        y_true=[0, -100, 2], y_pred=logits, sample_weight=[2.0, 3.0, 4.0],
    )
    by = {row["convention"]: row for row in rows}
    assert by["keras"]["value"] == approx((2 * losses[0] + 4 * losses[1]) / 2)
    assert by[""]["value"] == approx((2 * losses[0] + 4 * losses[1]) / 6)


def test_keras_class_weights_with_sample_weights():
    # Keras: class weight times sample weight, summed, over the row count: sum(sw w_y l) / N.
    logits = np.array(ANCHOR_LOGITS)
    nll = -np.log(softmax(logits))[[0, 1, 2], [0, 1, 2]]
    sw, w = np.array([1.0, 0.5, 2.0]), np.array([1.0, 2.0, 3.0])
    rows = compare_all(
        parse_spec("weighted_ce:weights=1;2;3,from_logits=true"), y_true=ANCHOR_TARGETS, y_pred=logits, sample_weight=sw
    )
    by = {row["convention"]: row for row in rows}
    assert by["keras"]["value"] == approx((sw * w * nll).sum() / 3)
    assert by["torch"]["value"] == approx((sw * w * nll).sum() / (sw * w).sum())


def test_keras_dice_pools_every_sample():
    # Keras Dice(axis=None) over two images of the anchor: I = 2.6, P = 2.8, T = 4 in total.
    ids = [0, 0, 0, 0, 1, 1, 1, 1]
    rows = compare_all(parse_spec("dice"), y_true=SEG_T * 2, y_pred=SEG_P * 2, sample_ids=ids)
    by = {row["convention"]: row for row in rows}
    assert by["keras"]["value"] == approx(1 - 5.2 / (6.8 + 1e-7)) and "pools every row" in by["keras"]["note"]
    # MONAI per image (batch=False): both images give the research 21 anchor 0.2352934.
    assert by["monai"]["value"] == anchor(0.2352934)


@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_a_convention_that_pools_samples_has_no_per_sample_values(name):
    # Keras' one ratio over every row is no value of either image: one number for two ids misleads.
    with pytest.raises(LossCliError, match="no per-sample value"):
        losscli.per_sample(name, SEG_T * 2, SEG_P * 2, sample_ids=[0, 0, 0, 0, 1, 1, 1, 1], convention="keras")
    # MONAI keeps one value per image: the research 21 anchor 0.2352934 for dice on each.
    if name == "dice":
        per_image = losscli.per_sample(name, SEG_T * 2, SEG_P * 2, sample_ids=[0, 0, 0, 0, 1, 1, 1, 1], convention="monai")
        assert list(per_image) == [anchor(0.2352934)] * 2


# =========================================================================== Keras, optax, MONAI (research anchors)


def test_keras_anchors():
    # research 21 / 4: Keras fp64 16.1180957 for p=0, y=1; label smoothing 0.1, y=1, p=0.9 -> 0.2152217
    assert losscli.compute(under("bce", "keras"), [1], [0.0]) == anchor(16.1180957)
    assert losscli.compute(under("bce", "keras", smoothing=0.1), [1], [0.9]) == anchor(0.2152217)
    # research 0.3: rows are renormalised, p=[0.2, 0.2, 0.1], true 1 -> -log(0.4) = 0.9163
    assert losscli.compute(under("cce", "keras"), [1], [[0.2, 0.2, 0.1]]) == approx(-math.log(0.4))
    # research 7: class weights [1, 2, 3] -> sum(w l) / N = 1.347712
    loss = apply(parse_spec("weighted_ce:weights=1;2;3,from_logits=true"), "keras")
    assert losscli.compute(loss, ANCHOR_TARGETS, ANCHOR_LOGITS) == anchor(1.3477116)
    # research 21: ignore_class -> 0.7531091 (torch = Keras)
    loss = apply(parse_spec("sparse_cce:ignore_index=-100,from_logits=true"), "keras")
    assert losscli.compute(loss, [0, -100, 2], ANCHOR_LOGITS) == anchor(0.7531091)
    # research 21: categorical_hinge y=[0,1,0], s=[-2,-1,-3] -> 2.0
    assert losscli.compute(under("categorical_hinge", "keras"), [1], [[-2.0, -1.0, -3.0]]) == approx(2.0)
    # research 9: KLDivergence p=[0,.5,.5], q=[.2,.3,.5] -> 0.255411 (scipy 0.255413)
    assert losscli.compute(under("kl_div", "keras"), [[0.0, 0.5, 0.5]], [[0.2, 0.3, 0.5]]) == pytest.approx(
        0.255411, abs=5e-7
    )
    # research 10: binary focal ignores alpha by default: [0.0018036, 0.0226581]
    values = losscli.per_sample(under("focal", "keras", from_logits=True), [1.0, 0.0], [2.0, -1.0])
    np.testing.assert_allclose(values, [0.0018036, 0.0226581], atol=5e-8)
    # research 14: no length normalisation: -log p([1,1]) = log 8 = 2.0794415 (T=3, uniform)
    frames = [[[math.log(0.5)] * 2] * 3]
    assert losscli.compute(under("ctc", "keras"), [[1, 1]], frames) == anchor(2.0794415)
    # research 15 / 21: Dice 0.2352941, Tversky(.3, .7) released <= 3.15 -> 0.1772152
    assert losscli.compute(under("dice", "keras"), SEG_T, SEG_P) == anchor(0.2352941)
    assert losscli.compute(under("tversky", "keras", alpha=0.3, beta=0.7), SEG_T, SEG_P) == anchor(0.1772152)


@pytest.mark.parametrize(
    "name, params, value",
    [
        # research 21, residuals [0.5, 2, -3]: Keras MSE / MAE / Huber(1) / Huber(2) / LogCosh
        ("mse", {}, 4.4166667),
        ("mae", {}, 1.8333333),
        ("huber", {}, 1.375),
        ("huber", {"delta": 2.0}, 2.0416667),
        ("log_cosh", {}, 1.2514819),
    ],
)
def test_keras_regression_anchors(name, params, value):
    assert losscli.compute(under(name, "keras", **params), [0.0, 0.0, 0.0], [0.5, 2.0, -3.0]) == anchor(value)


def test_keras_binary_focal_takes_a_chosen_alpha_as_class_balancing():
    # apply_class_balancing=True with alpha 0.5: weight 0.5 for both classes (Keras formula).
    plain = losscli.per_sample(under("focal", "keras", from_logits=True), [1.0, 0.0], [2.0, -1.0])
    balanced = losscli.per_sample(under("focal", "keras", from_logits=True, alpha=0.5), [1.0, 0.0], [2.0, -1.0])
    np.testing.assert_allclose(balanced, 0.5 * plain, rtol=1e-12)


def test_keras_categorical_focal_keeps_alpha_and_clips():
    # Keras CategoricalFocalCrossentropy (alpha 0.25 on every class): rows divided by their sums,
    # clipped to [1e-7, 1 - 1e-7], the modulating term from the clipped probability (hand).
    rows = np.array([[0.2, 0.2, 0.1], [0.7, 0.3, 0.0]])
    out = np.clip(rows / rows.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = np.mean([0.25 * (1 - out[0, 1]) ** 2 * -np.log(out[0, 1]), 0.25 * (1 - out[1, 2]) ** 2 * -np.log(out[1, 2])])
    assert losscli.compute(under("focal", "keras"), [1, 2], rows) == approx(expected)


def test_optax_anchors():
    # optax hinge_loss: labels used as given, a 0 label costs 1 (optax/losses/_classification.py)
    assert losscli.compute(under("hinge", "optax"), [1, 0], [0.3, -0.5]) == approx((0.7 + 1.0) / 2)
    # optax triplet_margin_loss: eps inside the root, d(0, 0) = sqrt(1e-6) (_self_supervised.py)
    value = losscli.compute(under("triplet", "optax"), None, anchor=[[0.0, 0.0]], positive=[[0.0, 0.0]], negative=[[0.5, 0.0]])
    assert value == approx(1.0 + 1e-3 - math.sqrt(0.25 + 1e-6))
    # optax 0.2.8 dice_loss(smooth=1, alpha=beta=0.5), read in optax/losses/_segmentation.py:
    # 1 - (I + 1) / (I + 0.5 FP + 0.5 FN + 1), I = 1.3, FP = 0.1, FN = 0.7 -> 1 - 2.3 / 2.7
    assert losscli.compute(under("dice", "optax"), SEG_T, SEG_P) == approx(1 - 2.3 / 2.7)
    # the same dice_loss with alpha = beta = 1 is IoU: 1 - 2.3 / (1.3 + 0.1 + 0.7 + 1)
    assert losscli.compute(under("iou", "optax"), SEG_T, SEG_P) == approx(1 - 2.3 / 3.1)
    # and with alpha=0.3 (false positives), beta=0.7 (false negatives): 1 - 2.3 / (1.3 + 0.03 + 0.49 + 1)
    value = losscli.compute(under("tversky", "optax", alpha=0.3, beta=0.7), SEG_T, SEG_P)
    assert value == approx(1 - 2.3 / 2.82)
    # optax ctc_loss: per-sequence values, no length normalisation (research 14: 0.2876821, 2.0794415)
    frames = [[[math.log(0.5)] * 2] * 3] * 2
    assert losscli.compute(under("ctc", "optax"), [[1], [1, 1]], frames) == anchor((0.2876821 + 2.0794415) / 2)
    # optax sigmoid_focal_loss: alpha None by default (research 10: [0.0018036, 0.0226581])
    values = losscli.per_sample(under("focal", "optax", from_logits=True), [1.0, 0.0], [2.0, -1.0])
    np.testing.assert_allclose(values, [0.0018036, 0.0226581], atol=5e-8)


def test_optax_triplet_refuses_what_it_cannot_compute():
    kwargs = dict(anchor=[[0.0, 0.0]], positive=[[0.0, 1.0]], negative=[[1.0, 0.0]])
    with pytest.raises(LossCliError, match="no swap"):
        losscli.compute(under("triplet", "optax", swap=True), None, **kwargs)
    with pytest.raises(LossCliError, match="even p"):
        losscli.compute(under("triplet", "optax", p=3.0), None, **kwargs)


def test_monai_anchors():
    # research 21: DiceLoss 0.2352934, DiceLoss(jaccard=True) 0.3809515, TverskyLoss(.3, .7) 0.2857127
    assert losscli.compute(under("dice", "monai"), SEG_T, SEG_P) == anchor(0.2352934)
    assert losscli.compute(under("iou", "monai"), SEG_T, SEG_P) == anchor(0.3809515)
    assert losscli.compute(under("tversky", "monai", alpha=0.3, beta=0.7), SEG_T, SEG_P) == anchor(0.2857127)
    # research 10: FocalLoss sigmoid, alpha None: [0.0018036, 0.0226581] (verified torch = MONAI)
    values = losscli.per_sample(under("focal", "monai", from_logits=True), [1.0, 0.0], [2.0, -1.0])
    np.testing.assert_allclose(values, [0.0018036, 0.0226581], atol=5e-8)


# =========================================================================== scikit-learn, run here


def _regression(rng: np.random.Generator, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = (N,) if k == 1 else (N, k)
    return rng.normal(size=shape), rng.normal(size=shape) * 2


def sk_mse(rng):
    y, p = _regression(rng, 3)
    return {"y_true": y, "y_pred": p}, metrics.mean_squared_error(y, p)


def sk_mae(rng):
    y, p = _regression(rng, 2)
    return {"y_true": y, "y_pred": p}, metrics.mean_absolute_error(y, p)


def sk_rmse(rng):
    # One column: scikit-learn averages one root per column for several (refused below).
    y, p = _regression(rng)
    return {"y_true": y, "y_pred": p}, metrics.root_mean_squared_error(y, p)


def sk_msle(rng):
    y, p = rng.uniform(-0.9, 5, N), rng.uniform(-0.9, 5, N)
    return {"y_true": y, "y_pred": p}, metrics.mean_squared_log_error(y, p)


def sk_mape(rng):
    y, p = _regression(rng)
    y[:2] = 0.0  # the floor: machine epsilon here
    return {"y_true": y, "y_pred": p}, metrics.mean_absolute_percentage_error(y, p)


def sk_quantile(rng):
    y, p = _regression(rng)
    return {"y_true": y, "y_pred": p, "q": 0.3}, metrics.mean_pinball_loss(y, p, alpha=0.3)


def sk_poisson(rng):
    y, mu = rng.poisson(3.0, N).astype(float), rng.uniform(0.2, 6.0, N)
    return {"y_true": y, "y_pred": mu, "log_input": False}, metrics.mean_poisson_deviance(y, mu)


def sk_bce(rng):
    y, p = rng.integers(0, 2, N).astype(float), rng.uniform(size=N)
    p[:4] = [0.0, 1.0, 1.0, 0.0]
    y[:4] = [1.0, 0.0, 1.0, 0.0]  # two certain misses: -log(2.22e-16) each
    return {"y_true": y, "y_pred": p}, metrics.log_loss(y, p)


def sk_cce(rng):
    p, y = probability_rows(rng, N, 4), rng.integers(0, 4, N)
    return {"y_true": y, "y_pred": p}, metrics.log_loss(y, p, labels=range(4))


def sk_sparse_cce(rng):
    return sk_cce(rng)


def sk_weighted_ce(rng):
    p, y = probability_rows(rng, N, 3), rng.integers(0, 3, N)
    expected = metrics.log_loss(y, p, sample_weight=compute_sample_weight("balanced", y), labels=range(3))
    return {"y_true": y, "y_pred": p, "weights": "balanced"}, expected


def sk_hinge(rng):
    y, s = rng.integers(0, 2, N), rng.normal(size=N)
    return {"y_true": y, "y_pred": s}, metrics.hinge_loss(y, s)


def sk_categorical_hinge(rng):
    y, s = rng.integers(0, 4, N), rng.normal(size=(N, 4))
    return {"y_true": y, "y_pred": s}, metrics.hinge_loss(y, s, labels=range(4))


SKLEARN_REFERENCES = {
    "mse": sk_mse,
    "mae": sk_mae,
    "rmse": sk_rmse,
    "msle": sk_msle,
    "mape": sk_mape,
    "quantile": sk_quantile,
    "poisson": sk_poisson,
    "bce": sk_bce,
    "cce": sk_cce,
    "sparse_cce": sk_sparse_cce,
    "weighted_ce": sk_weighted_ce,
    "hinge": sk_hinge,
    "categorical_hinge": sk_categorical_hinge,
}


def test_every_sklearn_convention_is_checked_against_sklearn():
    assert sorted(name for name, lib in CONVENTIONS if lib == "sklearn") == sorted(SKLEARN_REFERENCES)


def _split(name: str, kwargs: dict) -> tuple[dict, dict]:
    roles = {role.name for role in get(name).roles}
    return {k: v for k, v in kwargs.items() if k in roles}, {k: v for k, v in kwargs.items() if k not in roles}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(SKLEARN_REFERENCES))
def test_sklearn_convention_matches_sklearn(name, seed):
    kwargs, expected = SKLEARN_REFERENCES[name](np.random.default_rng(seed))
    arrays, params = _split(name, kwargs)
    assert losscli.compute(under(name, "sklearn", **params), **arrays) == approx(expected)


@pytest.mark.parametrize("name", ["mse", "bce", "hinge", "cce", "quantile"])
def test_sklearn_sample_weights_divide_by_their_sum(name):
    rng = np.random.default_rng(7)
    kwargs, _ = SKLEARN_REFERENCES[name](rng)
    w = rng.uniform(0.1, 3.0, N)
    arrays, params = _split(name, kwargs)
    expected = {
        "mse": lambda: metrics.mean_squared_error(arrays["y_true"], arrays["y_pred"], sample_weight=w),
        "bce": lambda: metrics.log_loss(arrays["y_true"], arrays["y_pred"], sample_weight=w),
        "hinge": lambda: metrics.hinge_loss(arrays["y_true"], arrays["y_pred"], sample_weight=w),
        "cce": lambda: metrics.log_loss(arrays["y_true"], arrays["y_pred"], sample_weight=w, labels=range(4)),
        "quantile": lambda: metrics.mean_pinball_loss(arrays["y_true"], arrays["y_pred"], alpha=0.3, sample_weight=w),
    }[name]()
    rows = compare_all(bind(get(name), params), sample_weight=w, **arrays)
    assert next(row for row in rows if row["convention"] == "sklearn")["value"] == approx(expected)


def test_sklearn_refuses_what_log_loss_cannot_take():
    with pytest.raises(LossCliError, match="hard labels"):
        losscli.compute(under("bce", "sklearn"), [0.3, 1.0], [0.2, 0.9])
    with pytest.raises(LossCliError, match="no multi-label form"):
        losscli.compute(under("bce", "sklearn"), [[1.0, 0.0]], [[0.9, 0.2]])
    with pytest.raises(LossCliError, match="no label smoothing"):
        losscli.compute(under("weighted_ce", "sklearn", smoothing=0.1), [0, 1], [[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(LossCliError, match="ignore_index"):
        losscli.compute(under("sparse_cce", "sklearn", ignore_index=-1), [0, 1], [[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(LossCliError, match="soft-label rows"):
        losscli.compute(under("cce", "sklearn"), [[0.5, 0.5]], [[0.9, 0.1]])
    with pytest.raises(LossCliError, match="one root per output column"):
        losscli.compute(under("rmse", "sklearn"), [[0.0, 1.0]], [[1.0, 1.0]])


# =========================================================================== PyTorch, run here


def _torch_cases(torch):
    nn, F = torch.nn, torch.nn.functional

    def t(values):
        return torch.as_tensor(np.asarray(values, dtype=np.float64))

    def regression(rng, module, k=3):
        y, p = rng.normal(size=(N, k)), rng.normal(size=(N, k)) * 2
        return {"y_true": y, "y_pred": p}, module(t(p), t(y)).item()

    def poisson(rng):
        y, p = rng.poisson(2.0, N).astype(float), rng.normal(size=N)
        return {"y_true": y, "y_pred": p}, nn.PoissonNLLLoss()(t(p), t(y)).item()

    def gaussian_nll(rng):
        y, p, var = rng.normal(size=N), rng.normal(size=N), rng.uniform(1e-8, 2.0, N)
        return {"y_true": y, "y_pred": p, "var": var}, nn.GaussianNLLLoss()(t(p), t(y), t(var)).item()

    def bce(rng):
        y, p = rng.uniform(size=(N, 2)), rng.uniform(size=(N, 2))
        y[:3, 0], p[:3, 0] = [1.0, 0.0, 1.0], [0.0, 1.0, 1e-60]  # logs capped at -100
        return {"y_true": y, "y_pred": p}, nn.BCELoss()(t(p), t(y)).item()

    def cce(rng):
        y, p = probability_rows(rng, N, 4), probability_rows(rng, N, 4)
        # Soft targets against probabilities: NLL of log p (no clipping).
        return {"y_true": y, "y_pred": p}, torch.mean(-(t(y) * torch.log(t(p))).sum(dim=1)).item()

    def sparse_cce(rng):
        y, x = rng.integers(0, 5, N), rng.normal(size=(N, 5)) * 3
        y[:4] = -100  # PyTorch's default ignore_index
        expected = nn.CrossEntropyLoss()(t(x), torch.as_tensor(y)).item()
        return {"y_true": y, "y_pred": x, "from_logits": True}, expected

    def label_smoothing_ce(rng):
        y, x = rng.integers(0, 4, N), rng.normal(size=(N, 4)) * 2
        expected = nn.CrossEntropyLoss(label_smoothing=0.2)(t(x), torch.as_tensor(y)).item()
        return {"y_true": y, "y_pred": x, "from_logits": True, "smoothing": 0.2}, expected

    def weighted_ce(rng):
        y, p = rng.integers(0, 3, N), probability_rows(rng, N, 3)
        w = (0.5, 2.0, 1.5)
        expected = nn.NLLLoss(weight=t(w))(torch.log(t(p)), torch.as_tensor(y)).item()
        return {"y_true": y, "y_pred": p, "weights": w}, expected

    def categorical_hinge(rng):
        y, s = rng.integers(0, 4, N), rng.normal(size=(N, 4))
        return {"y_true": y, "y_pred": s}, nn.MultiMarginLoss()(t(s), torch.as_tensor(y)).item()

    def kl_div(rng):
        p, q = probability_rows(rng, N, 4), probability_rows(rng, N, 4)
        p[:5, 0] = 0.0
        p = p / p.sum(axis=1, keepdims=True)
        return {"y_true": p, "y_pred": q}, nn.KLDivLoss(reduction="mean")(torch.log(t(q)), t(p)).item()

    def focal(rng):
        # torchvision/ops/focal_loss.py sigmoid_focal_loss, alpha=0.25, gamma=2, on one-hot targets.
        y, x = rng.integers(0, 3, N), rng.normal(size=(N, 3)) * 3
        target = t(np.eye(3)[y])
        p = torch.sigmoid(t(x))
        ce = F.binary_cross_entropy_with_logits(t(x), target, reduction="none")
        p_t = p * target + (1 - p) * (1 - target)
        loss = ce * (1 - p_t) ** 2 * (0.25 * target + 0.75 * (1 - target))
        return {"y_true": y, "y_pred": x, "from_logits": True}, loss.mean().item()

    def triplet(rng):
        a, p, n = (rng.normal(size=(N, 4)) for _ in range(3))
        p[:3] = a[:3]
        expected = nn.TripletMarginLoss(margin=0.7, p=3.0, swap=True)(t(a), t(p), t(n)).item()
        return {"anchor": a, "positive": p, "negative": n, "margin": 0.7, "p": 3.0, "swap": True}, expected

    def cosine_embedding(rng):
        x1, x2, y = rng.normal(size=(N, 3)), rng.normal(size=(N, 3)), rng.choice([1.0, -1.0, 0.0], N)
        expected = nn.CosineEmbeddingLoss(margin=0.2)(t(x1), t(x2), t(y)).item()
        return {"x1": x1, "x2": x2, "y_true": y, "margin": 0.2}, expected

    def ctc(rng):
        lengths, targets = rng.integers(4, 9, 6), [rng.integers(1, 4, rng.integers(0, 4)) for _ in range(6)]
        logits = [rng.normal(size=(T, 4)) for T in lengths]
        log_probs = [lp - np.log(np.exp(lp).sum(axis=1, keepdims=True)) for lp in logits]
        padded = np.zeros((lengths.max(), 6, 4))
        for i, lp in enumerate(log_probs):
            padded[: len(lp), i] = lp
        flat = torch.as_tensor(np.concatenate(targets).astype(np.int64))
        expected = nn.CTCLoss()(
            t(padded), flat, torch.as_tensor(lengths), torch.as_tensor([len(x) for x in targets])
        ).item()
        return {"y_true": targets, "y_pred": log_probs}, expected

    return {
        "mse": lambda rng: regression(rng, nn.MSELoss()),
        "mae": lambda rng: regression(rng, nn.L1Loss()),
        "huber": lambda rng: regression(rng, nn.HuberLoss()),
        "smooth_l1": lambda rng: regression(rng, nn.SmoothL1Loss()),
        "poisson": poisson,
        "gaussian_nll": gaussian_nll,
        "bce": bce,
        "cce": cce,
        "sparse_cce": sparse_cce,
        "label_smoothing_ce": label_smoothing_ce,
        "weighted_ce": weighted_ce,
        "categorical_hinge": categorical_hinge,
        "kl_div": kl_div,
        "focal": focal,
        "triplet": triplet,
        "cosine_embedding": cosine_embedding,
        "ctc": ctc,
    }


TORCH_LOSSES = (
    "mse", "mae", "huber", "smooth_l1", "poisson", "gaussian_nll", "bce", "cce", "sparse_cce", "label_smoothing_ce",
    "weighted_ce", "categorical_hinge", "kl_div", "focal", "triplet", "cosine_embedding", "ctc",
)


def test_every_torch_convention_is_checked_against_torch():
    assert sorted(name for name, lib in CONVENTIONS if lib == "torch") == sorted(TORCH_LOSSES)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_torch_convention_matches_torch(name, seed):
    torch = pytest.importorskip("torch")
    kwargs, expected = _torch_cases(torch)[name](np.random.default_rng(seed))
    arrays, params = _split(name, kwargs)
    assert losscli.compute(under(name, "torch", **params), **arrays) == approx(expected)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_torch_bce_weight_is_a_per_element_weight_over_the_count(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    y, p, w = rng.integers(0, 2, N).astype(float), rng.uniform(size=N), rng.uniform(0.1, 3.0, N)
    expected = torch.nn.BCELoss(weight=torch.as_tensor(w))(torch.as_tensor(p), torch.as_tensor(y)).item()
    rows = compare_all(parse_spec("bce"), y_true=y, y_pred=p, sample_weight=w)
    assert next(row for row in rows if row["convention"] == "torch")["value"] == approx(expected)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_torch_focal_on_probabilities_equals_torchvision_on_their_logits(seed):
    # The torch convention reads probabilities as their log-odds: nothing clipped.
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    y, x = rng.integers(0, 2, N).astype(float), rng.normal(size=N) * 4
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    p = torch.sigmoid(xt)
    ce = F.binary_cross_entropy_with_logits(xt, yt, reduction="none")
    p_t = p * yt + (1 - p) * (1 - yt)
    expected = (ce * (1 - p_t) ** 2 * (0.25 * yt + 0.75 * (1 - yt))).mean().item()
    assert losscli.compute(under("focal", "torch"), y, p.numpy()) == approx(expected)
    assert losscli.compute(under("focal", "torch", from_logits=True), y, x) == approx(expected)


# =========================================================================== worked examples, re-run

def _worked(name: str) -> dict:
    return dict(conventions.WORKED[name].inputs)


def _shown(name: str, library: str) -> float:
    """The value ``info NAME --conventions`` shows for ``library`` (inf where it shows none)."""
    row = next(row for row in table(name) if row["convention"] == library)
    return math.inf if row["value"] is None else row["value"]


def _sklearn_worked_values() -> dict[str, float]:
    regression = _worked("mse")
    classes = _worked("cce")
    logits = np.asarray(_worked("weighted_ce")["y_pred"])
    return {
        "mse": metrics.mean_squared_error(regression["y_true"], regression["y_pred"]),
        "mae": metrics.mean_absolute_error(regression["y_true"], regression["y_pred"]),
        "rmse": metrics.root_mean_squared_error(regression["y_true"], regression["y_pred"]),
        "msle": metrics.mean_squared_log_error(_worked("msle")["y_true"], _worked("msle")["y_pred"]),
        "mape": metrics.mean_absolute_percentage_error(_worked("mape")["y_true"], _worked("mape")["y_pred"]),
        "quantile": metrics.mean_pinball_loss(regression["y_true"], regression["y_pred"], alpha=0.5),
        "poisson": metrics.mean_poisson_deviance(_worked("poisson")["y_true"], _worked("poisson")["y_pred"]),
        "bce": metrics.log_loss(_worked("bce")["y_true"], _worked("bce")["y_pred"]),
        "cce": metrics.log_loss(classes["y_true"], classes["y_pred"], labels=range(3)),
        "sparse_cce": metrics.log_loss(classes["y_true"], classes["y_pred"], labels=range(3)),
        "weighted_ce": metrics.log_loss(
            [0, 1, 2], softmax(logits), sample_weight=[1.0, 2.0, 3.0], labels=range(3)
        ),
        "hinge": metrics.hinge_loss(_worked("hinge")["y_true"], _worked("hinge")["y_pred"]),
        "categorical_hinge": metrics.hinge_loss(
            _worked("categorical_hinge")["y_true"], np.asarray(_worked("categorical_hinge")["y_pred"]), labels=range(3)
        ),
    }


def test_every_sklearn_worked_value_is_rerun():
    assert sorted(_sklearn_worked_values()) == sorted(name for name, lib in CONVENTIONS if lib == "sklearn")


@pytest.mark.parametrize("name", sorted(name for name, lib in CONVENTIONS if lib == "sklearn"))
def test_sklearn_worked_value_is_what_sklearn_computes(name):
    assert _shown(name, "sklearn") == approx(_sklearn_worked_values()[name])


def _torch_worked_values(torch) -> dict[str, float]:
    nn = torch.nn

    def t(values):
        return torch.as_tensor(np.asarray(values, dtype=np.float64))

    def pair(name):
        inputs = _worked(name)
        return t(inputs["y_pred"]), t(inputs["y_true"])

    classes, logits = _worked("cce"), t(_worked("weighted_ce")["y_pred"])
    indices = torch.as_tensor([0, 1, 2])
    triplet, cosine, ctc = _worked("triplet"), _worked("cosine_embedding"), _worked("ctc")
    frames = t(ctc["y_pred"]).transpose(0, 1)  # (T, N, C) as CTCLoss takes it
    focal_x, focal_y = pair("focal")
    p_t = torch.sigmoid(focal_x) * focal_y + (1 - torch.sigmoid(focal_x)) * (1 - focal_y)
    focal_ce = nn.functional.binary_cross_entropy_with_logits(focal_x, focal_y, reduction="none")
    return {
        "mse": nn.MSELoss()(*pair("mse")).item(),
        "mae": nn.L1Loss()(*pair("mae")).item(),
        "huber": nn.HuberLoss()(*pair("huber")).item(),
        "smooth_l1": nn.SmoothL1Loss()(*pair("smooth_l1")).item(),
        "poisson": nn.PoissonNLLLoss(log_input=False)(*pair("poisson")).item(),
        "gaussian_nll": nn.GaussianNLLLoss()(*pair("gaussian_nll"), t(_worked("gaussian_nll")["var"])).item(),
        "bce": nn.BCELoss()(*pair("bce")).item(),
        "cce": nn.NLLLoss()(torch.log(t(classes["y_pred"])), indices).item(),
        "sparse_cce": nn.NLLLoss()(torch.log(t(classes["y_pred"])), indices).item(),
        "label_smoothing_ce": nn.CrossEntropyLoss(label_smoothing=0.1)(logits, indices).item(),
        "weighted_ce": nn.CrossEntropyLoss(weight=t([1.0, 2.0, 3.0]))(logits, indices).item(),
        "categorical_hinge": nn.MultiMarginLoss()(
            t(_worked("categorical_hinge")["y_pred"]), torch.as_tensor([1, 2])
        ).item(),
        "kl_div": nn.KLDivLoss(reduction="mean")(torch.log(t(_worked("kl_div")["y_pred"])), t(_worked("kl_div")["y_true"])).item(),
        # torchvision.ops.sigmoid_focal_loss(alpha=0.25, gamma=2), written out, mean over elements
        "focal": (focal_ce * (1 - p_t) ** 2 * (0.25 * focal_y + 0.75 * (1 - focal_y))).mean().item(),
        "triplet": nn.TripletMarginLoss()(t(triplet["anchor"]), t(triplet["positive"]), t(triplet["negative"])).item(),
        "cosine_embedding": nn.CosineEmbeddingLoss()(t(cosine["x1"]), t(cosine["x2"]), t(cosine["y_true"])).item(),
        "ctc": nn.CTCLoss()(
            frames, torch.as_tensor([1, 1, 1]), torch.as_tensor([3, 3]), torch.as_tensor([1, 2])
        ).item(),
    }


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", TORCH_LOSSES)
def test_torch_worked_value_is_what_torch_computes(name):
    torch = pytest.importorskip("torch")
    expected = _torch_worked_values(torch)[name]
    assert _shown(name, "torch") == (math.inf if math.isinf(expected) else approx(expected))


def test_poisson_under_keras_and_sklearn_reads_rates_as_those_libraries_do():
    # Keras' Poisson and scikit-learn's mean_poisson_deviance take predicted
    # rates; neither has log-rates. The conventions read rates without log_input=false.
    y, mu = [0.0, 1.0, 3.0], [0.5, 1.0, 2.0]
    keras = np.mean(np.array(mu) - np.array(y) * np.log(np.array(mu) + 1e-7))  # Keras' formula, by hand
    assert losscli.compute("poisson", y, mu, convention="keras") == pytest.approx(keras, rel=1e-12)
    assert losscli.compute("poisson", y, mu, convention="sklearn") == pytest.approx(metrics.mean_poisson_deviance(y, mu), rel=1e-12)


_WEIGHTED = {
    # Keras' weighted mean, sum(w l) / N, by hand: squared errors 0.25, 4, 0.25, 4.
    "mse:convention=keras": ([0.5, -1.0, 2.0, 0.0], [1.0, 1.0, 1.5, -2.0], (0.2 * 0.25 + 1 * 4 + 3 * 0.25 + 0.5 * 4) / 4),
    # PyTorch BCELoss(weight=w), sum(w l) / N, by hand from -[y log p + (1 - y) log(1 - p)].
    "bce:convention=torch": (
        [1.0, 0.0, 1.0, 0.0],
        [0.9, 0.3, 0.4, 0.2],
        -(0.2 * math.log(0.9) + 1 * math.log(0.7) + 3 * math.log(0.4) + 0.5 * math.log(0.8)) / 4,
    ),
}


@pytest.mark.parametrize("spec", sorted(_WEIGHTED))
def test_a_conventions_weighted_mean_is_the_same_from_python_and_the_command_line(spec, cli, tmp_path):
    y, p, expected = _WEIGHTED[spec]
    weights = [0.2, 1.0, 3.0, 0.5]
    name, convention = spec.split(":convention=")
    assert losscli.compute(name, y, p, sample_weight=weights, convention=convention) == pytest.approx(expected, rel=1e-12)
    path = tmp_path / "weighted.csv"
    path.write_text("y_true,y_pred,w\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(y, p, weights)))
    result = cli("compute", path, "--loss", spec, "--weight-col", "w", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-12)


# =========================================================================== edge cases the libraries compute differently


def _caveats(name: str, library: str) -> str:
    """The caveats ``info NAME --conventions`` shows for ``library``, as one text."""
    return " ".join(next(row for row in table(name) if row["convention"] == library)["caveats"])


def test_sklearn_hinge_reads_a_single_label_as_the_negative_class():
    # scikit-learn 1.9.1 hinge_loss (sklearn/metrics/_classification.py), binary branch:
    # LabelBinarizer(neg_label=-1).fit_transform(y_true)[:, 0] maps a batch of one label to -1,
    # so y=[1], s=[0.3] costs max(0, 1 + 0.3) = 1.3; losscli reads the label as +1: 1 - 0.3.
    assert metrics.hinge_loss([1], [0.3]) == approx(1.3)
    assert losscli.compute(under("hinge", "sklearn"), [1], [0.3]) == approx(0.7, rel=1e-12)
    assert "hinge_loss([1], [0.3]) is 1.3" in _caveats("hinge", "sklearn")
    # With both labels present the two agree (SKLEARN_REFERENCES covers random data).
    assert losscli.compute(under("hinge", "sklearn"), [1, 0], [0.3, 0.2]) == approx(
        metrics.hinge_loss([1, 0], [0.3, 0.2]), rel=1e-12
    )


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_torch_soft_label_cce_and_kl_div_give_nan_for_a_zero_label_at_zero():
    torch = pytest.importorskip("torch")
    t = lambda values: torch.as_tensor(np.asarray(values, dtype=np.float64))  # noqa: E731
    one_hot, p = [[1.0, 0.0, 0.0]], [[0.6, 0.4, 0.0]]
    # torch 2.13 CrossEntropyLoss with probability targets: -sum(y log_softmax(x)); 0 x log 0 = NaN.
    assert math.isnan(torch.nn.CrossEntropyLoss()(torch.log(t(p)), t(one_hot)).item())
    assert losscli.compute(under("cce", "torch"), one_hot, p) == approx(-math.log(0.6), rel=1e-12)
    assert "0 x -inf = NaN" in _caveats("cce", "torch")
    # torch 2.13 KLDivLoss: xlogy(p, p) - p log q; p = q = 0 gives 0 - 0 x -inf = NaN.
    same = [[0.0, 0.5, 0.5]]
    assert math.isnan(torch.nn.KLDivLoss()(torch.log(t(same)), t(same)).item())
    assert losscli.compute(under("kl_div", "torch"), same, same) == 0.0
    assert "0 x -inf = NaN" in _caveats("kl_div", "torch")


def test_optax_soft_label_cce_and_kl_div_give_nan_for_a_zero_label_at_zero():
    # optax/losses/_classification.py, written out in numpy:
    #   softmax_cross_entropy: -(labels * log_softmax(logits)).sum(-1)
    #   kl_divergence: sum(targets * (where(targets == 0, 0, log targets) - log_predictions))
    # with the probabilities read as logits log p, as the optax convention reads them.
    one_hot, p = np.array([[1.0, 0.0, 0.0]]), np.array([[0.6, 0.4, 0.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        logits = np.log(p)
        log_softmax = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        assert math.isnan(-(one_hot * log_softmax).sum())
        same = np.array([[0.0, 0.5, 0.5]])
        assert math.isnan(np.sum(same * (np.where(same == 0, 0, np.log(np.where(same == 0, 1.0, same))) - np.log(same))))
    assert losscli.compute(under("cce", "optax"), one_hot, p) == approx(-math.log(0.6), rel=1e-12)
    assert "NaN in softmax_cross_entropy" in _caveats("cce", "optax")
    assert losscli.compute(under("kl_div", "optax"), same, same) == 0.0
    assert "0 x -inf = NaN" in _caveats("kl_div", "optax")


def test_keras_ignore_class_divides_by_the_valid_rows_plus_epsilon():
    # keras/src/losses/loss.py apply_mask (reduction='sum_over_batch_size'): the mask becomes
    # total / (valid + 1e-7), so the mean is sum(l over kept rows) / (valid + 1e-7); an all-ignored
    # batch is 0 / 1e-7 x 0 = 0. losscli divides by the kept rows exactly (NaN when there are none).
    logits = np.array(ANCHOR_LOGITS)
    labels = np.array([0, -1, 2])
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    kept = -(log_softmax[0, 0] + log_softmax[2, 2])
    keras = kept / (2 + 1e-7)
    ours = losscli.compute(under("sparse_cce", "keras", ignore_index=-1, from_logits=True), labels, logits)
    assert ours == approx(kept / 2, rel=1e-12)
    assert ours == approx(keras, rel=1e-7)
    assert ours != approx(keras, rel=1e-12)
    with pytest.warns(RuntimeWarning, match="leaves out"):
        assert math.isnan(losscli.compute(under("sparse_cce", "keras", ignore_index=-1), [-1, -1], [[0.5, 0.5]] * 2))
    assert "valid rows plus 1e-7" in _caveats("sparse_cce", "keras")
    assert "gives 0 in Keras" in _caveats("sparse_cce", "keras")


@pytest.mark.parametrize("library", ["keras", "optax"])
def test_log_cosh_of_a_tiny_residual_is_exact_where_keras_and_optax_cancel(library):
    # keras/src/losses/losses.py log_cosh: x + softplus(-2x) - log 2;
    # optax/losses/_regression.py log_cosh: logaddexp(x, -x) - log 2. Written out in float64:
    x = np.array([1e-9, 1e-8])
    theirs = {
        "keras": x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0),
        "optax": np.logaddexp(x, -x) - np.log(2.0),
    }[library]
    assert theirs.tolist() == [0.0, pytest.approx(1.1102230246251565e-16, rel=1e-12)]
    ours = losscli.per_sample(under("log_cosh", library), [0.0, 0.0], x)
    np.testing.assert_allclose(ours, x**2 / 2, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-16)
    # Every residual that does not cancel agrees to 1e-12 relative.
    big = np.array([0.5, -3.0, 40.0])
    expected = {"keras": big + np.logaddexp(0.0, -2.0 * big) - np.log(2.0), "optax": np.logaddexp(big, -big) - np.log(2.0)}
    np.testing.assert_allclose(losscli.per_sample(under("log_cosh", library), np.zeros(3), big), expected[library], rtol=1e-12)
    assert "1e-9 gives 0" in _caveats("log_cosh", library)


def _monai_overlap(name: str, t: np.ndarray, p: np.ndarray, *, batch: bool, alpha=0.5, beta=0.5) -> float:
    """monai/losses/dice.py DiceLoss.forward (jaccard for iou) and monai/losses/tversky.py
    TverskyLoss.forward, written out in numpy on (B, C, S) arrays, reduction='mean'."""
    axes = (0, 2) if batch else (2,)
    inter, truth, pred = (t * p).sum(axes), t.sum(axes), p.sum(axes)
    if name == "tversky":
        fp, fn = alpha * (p * (1 - t)).sum(axes), beta * ((1 - p) * t).sum(axes)
        return float(np.mean(1.0 - (inter + 1e-5) / (inter + fp + fn + 1e-5)))
    denominator = truth + pred if name == "dice" else 2.0 * (truth + pred - inter)
    return float(np.mean(1.0 - (2.0 * inter + 1e-5) / (denominator + 1e-5)))


@pytest.mark.parametrize("name", ["dice", "iou", "tversky"])
def test_monai_overlap_losses_on_empty_masks_classes_and_batches(name):
    params = {"alpha": 0.3, "beta": 0.7} if name == "tversky" else {}
    # An empty truth with near-zero predictions: 1 - 1e-5 / (sum p + 1e-5); exactly 0 predicted gives 0.
    empty, faint = np.zeros(4), np.array([1e-3, 0.0, 2e-3, 1e-9])
    for p in (faint, np.zeros(4)):
        expected = _monai_overlap(name, empty[None, None], p[None, None], batch=False, **params)
        assert losscli.compute(name, empty, p, convention="monai", **params) == pytest.approx(expected, rel=1e-12, abs=0)
    # Three classes, two images, the second all background (classes 1 and 2 empty there).
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (2, 5))
    labels[1] = 0
    probs = rng.dirichlet(np.ones(3), (2, 5))
    t = (labels[..., None] == np.arange(3)).astype(float).transpose(0, 2, 1)
    p = probs.transpose(0, 2, 1)
    y_true, y_pred, ids = labels.reshape(-1), probs.reshape(-1, 3), np.repeat([0, 1], 5)
    for batch, sample_ids in ((False, ids), (True, None)):
        # include_background=True; include_background=False is weight 0 on class 0
        for weights, keep in ((None, slice(None)), ((0.0, 1.0, 1.0), slice(1, None))):
            expected = _monai_overlap(name, t[:, keep], p[:, keep], batch=batch, **params)
            ours = losscli.compute(name, y_true, y_pred, sample_ids=sample_ids, weights=weights, convention="monai", **params)
            assert ours == pytest.approx(expected, rel=1e-12), (batch, weights)


@pytest.mark.parametrize("name, alpha, beta", [("dice", 0.5, 0.5), ("iou", 1.0, 1.0), ("tversky", 0.3, 0.7)])
def test_optax_dice_loss_on_empty_masks_and_without_the_background(name, alpha, beta):
    # optax/losses/_segmentation.py dice_loss (>= 0.2.8), apply_softmax=False, on (B, S, C):
    # 1 - (I + 1) / (I + alpha (P - I) + beta (T - I) + 1) per sample and class, mean over classes,
    # ignore_background=True drops class 0; the caller averages the samples.
    def optax_dice(t, p, ignore_background=False):
        inter, pred, truth = (p * t).sum(1), p.sum(1), t.sum(1)
        loss = 1.0 - (inter + 1.0) / (inter + alpha * (pred - inter) + beta * (truth - inter) + 1.0)
        return float((loss[:, 1:] if ignore_background else loss).mean(-1).mean())

    params = {"alpha": alpha, "beta": beta} if name == "tversky" else {}
    faint = np.array([1e-3, 0.0, 2e-3, 1e-9])
    expected = optax_dice(np.zeros((1, 4, 1)), faint.reshape(1, 4, 1))
    assert losscli.compute(name, np.zeros(4), faint, convention="optax", **params) == pytest.approx(expected, rel=1e-12)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (2, 5))
    labels[1] = 0
    probs = rng.dirichlet(np.ones(3), (2, 5))
    t = (labels[..., None] == np.arange(3)).astype(float)
    ids = np.repeat([0, 1], 5)
    for weights, ignore in ((None, False), ((0.0, 1.0, 1.0), True)):
        ours = losscli.compute(name, labels.reshape(-1), probs.reshape(-1, 3), sample_ids=ids, weights=weights,
                               convention="optax", **params)
        assert ours == pytest.approx(optax_dice(t, probs, ignore), rel=1e-12), weights
