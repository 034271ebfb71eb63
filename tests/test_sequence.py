"""CTC against an independent reference: every alignment path enumerated.

The brute force below is the definition of CTC: p(target | frames) is the sum,
over every frame-by-frame label path that collapses to the target (repeated
labels merged, then blanks removed), of the product of the frame
probabilities. It shares no code with the forward algorithm under test.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from scipy.special import logsumexp

import losscli
from losscli.engine import Batch, evaluate
from losscli.errors import LossCliError
from losscli.losses.sequence import group_frames, parse_target, parse_targets
from losscli.registry import bind, get

from examples_sequence import EXAMPLES

LOG_HALF = math.log(0.5)


def ragged(items) -> np.ndarray:
    return np.fromiter(items, dtype=object, count=len(items))


def uniform_half(frames: int) -> np.ndarray:
    """p = 0.5 for blank and for label 1 on every frame."""
    return np.full((frames, 2), LOG_HALF)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    return logits - logsumexp(logits, axis=1, keepdims=True)


# --------------------------------------------------------------------------- the brute-force reference


@functools.lru_cache(maxsize=None)
def all_paths(frames: int, classes: int, blank: int) -> tuple[np.ndarray, tuple[tuple[int, ...], ...]]:
    paths = np.array(list(itertools.product(range(classes), repeat=frames)), dtype=np.int64).reshape(-1, frames)
    collapsed = tuple(
        tuple(label for label, _run in itertools.groupby(path) if label != blank) for path in map(tuple, paths.tolist())
    )
    return paths, collapsed


def brute_force_nll(log_probs: np.ndarray, target, blank: int = 0) -> float:
    """-log of the summed probability of every path that collapses to the target."""
    frames, classes = log_probs.shape
    paths, collapsed = all_paths(frames, classes, blank)
    wanted = tuple(int(label) for label in target)
    matching = np.array([c == wanted for c in collapsed])
    if not matching.any():
        return math.inf
    path_log_probs = log_probs[np.arange(frames), paths[matching]].sum(axis=1)
    return -float(logsumexp(path_log_probs))


def reference_rows(targets, frames, blank=0, *, length_norm=True, zero_infinity=False) -> np.ndarray:
    values = []
    for target, log_probs in zip(targets, frames):
        nll = brute_force_nll(log_probs, target, blank)
        if zero_infinity and math.isinf(nll):
            nll = 0.0
        values.append(nll / max(len(target), 1) if length_norm else nll)
    return np.array(values)


def random_case(rng: np.random.Generator, n: int, *, feasible_only: bool = False):
    """Ragged rows: 1-5 frames, 2-4 classes, any blank, targets with repeats, empty and too long ones."""
    classes = int(rng.integers(2, 5))
    blank = int(rng.integers(0, classes))
    labels = [c for c in range(classes) if c != blank]
    targets, frames = [], []
    for _ in range(n):
        n_frames = int(rng.integers(1, 6 if classes < 4 else 5))
        length = int(rng.integers(0, 4))
        target = rng.choice(labels, size=length)
        if length >= 2 and rng.random() < 0.4:
            target[1] = target[0]  # force a repeat, which needs a blank between
        needed = length + int(np.sum(target[1:] == target[:-1]))
        if feasible_only and needed > n_frames:
            target = target[:0]
        targets.append(target.astype(np.int64))
        frames.append(log_softmax(rng.normal(scale=2.0, size=(n_frames, classes))))
    return targets, frames, blank


def assert_close_with_inf(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-9) -> None:
    assert actual.shape == expected.shape
    assert np.array_equal(np.isinf(actual), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=rtol, atol=1e-12)


def evaluate_overall(targets, frames, **params):
    bound = bind(get("ctc"), params)
    batch = Batch(arrays=[{"y_true": ragged(targets), "y_pred": ragged(frames)}], n=len(targets))
    outcomes, _ = evaluate([batch], [bound])
    return outcomes[0].overall


# --------------------------------------------------------------------------- research anchors and hand-worked cases


def test_uniform_anchors_per_sequence():
    # Research section 14/21 (torch, Keras verified). p = 0.5 for {blank, 1}, T = 3:
    # target [1]: 6 of the 8 paths collapse to it (b b 1, b 1 b, 1 b b, b 1 1, 1 1 b, 1 1 1), p = 0.75;
    # target [1, 1]: only 1 b 1, p = 1/8, NLL = log 8. Per-sequence values are the raw NLL
    # (torch reduction='none'); only the mean divides by the target length.
    values = losscli.per_sample("ctc", [[1], [1, 1]], [uniform_half(3), uniform_half(3)])
    np.testing.assert_allclose(values[0], 0.2876821, rtol=1e-6)  # -log(0.75), research anchor
    np.testing.assert_allclose(values[1], 2.0794415, rtol=1e-6)  # log 8, research anchor (torch 'none')


def test_uniform_anchor_mean_of_target_11():
    # Research anchor: torch CTCLoss(reduction='mean') on target [1, 1], T = 3 -> log 8 / 2 = 1.0397208.
    assert losscli.compute("ctc", [[1, 1]], [uniform_half(3)]) == pytest.approx(1.0397208, rel=1e-6)


def test_uniform_anchor_raw_nll_with_length_norm_off():
    # Research anchor: raw NLL of target [1, 1], T = 3, is log 8 = 2.0794415 (torch 'sum'/'none';
    # Keras averages the raw NLL, which length_norm=false gives for the mean).
    assert losscli.compute("ctc", [[1, 1]], [uniform_half(3)], length_norm=False) == pytest.approx(2.0794415, rel=1e-6)
    assert losscli.compute("ctc", [[1, 1]], [uniform_half(3)], reduction="sum") == pytest.approx(2.0794415, rel=1e-6)


def test_mean_over_the_two_anchor_sequences():
    # PyTorch 'mean' = mean of NLL / target length: (0.2876821 / 1 + 2.0794415 / 2) / 2 = 0.6637014.
    expected = (-math.log(0.75) + math.log(8) / 2) / 2
    value = losscli.compute("ctc", [[1], [1, 1]], [uniform_half(3), uniform_half(3)])
    assert value == pytest.approx(expected, rel=1e-12)
    assert value == pytest.approx(0.6637014, rel=1e-6)


def test_repeat_without_room_for_a_blank_is_infinite():
    # Research anchor: T = 2, target [1, 1] needs 1 b 1 (3 frames) -> inf in torch and Keras-torch.
    with pytest.warns(RuntimeWarning, match="ctc: 1 per-row value is infinite"):
        assert losscli.per_sample("ctc", [[1, 1]], [uniform_half(2)])[0] == math.inf
    overall = evaluate_overall([[1, 1]], [uniform_half(2)])
    assert overall.value is None
    assert "infinite" in overall.warning
    with pytest.warns(RuntimeWarning, match="returning inf"):
        assert losscli.compute("ctc", [[1, 1]], [uniform_half(2)]) == math.inf


def test_distinct_labels_fit_in_as_many_frames():
    # Hand-worked: T = 2, target [1, 2], p = 1/3 each: only the path 1 2, p = 1/9; NLL = log 9, / 2.
    frames = np.full((2, 3), math.log(1 / 3))
    assert losscli.compute("ctc", [[1, 2]], [frames]) == pytest.approx(math.log(9) / 2, rel=1e-12)


def test_hand_worked_non_uniform_frames():
    # Hand-worked: frame 1 p = [0.5, 0.3, 0.2], frame 2 p = [0.6, 0.1, 0.3] (blank = 0).
    # target [1]: paths b 1, 1 b, 1 1 -> 0.5*0.1 + 0.3*0.6 + 0.3*0.1 = 0.26; NLL = -log 0.26 = 1.3470736.
    # target [1, 2]: path 1 2 -> 0.3*0.3 = 0.09; NLL = -log 0.09 = 2.4079456 (the mean divides it by 2).
    # target []: path b b -> 0.5*0.6 = 0.3; NLL = -log 0.3 = 1.2039728 (the mean divides by max(0, 1) = 1).
    frames = np.log(np.array([[0.5, 0.3, 0.2], [0.6, 0.1, 0.3]]))
    values = losscli.per_sample("ctc", [[1], [1, 2], []], [frames, frames, frames])
    np.testing.assert_allclose(values, [1.3470736, 2.4079456, 1.2039728], rtol=1e-6)
    np.testing.assert_allclose(values, [-math.log(0.26), -math.log(0.09), -math.log(0.3)], rtol=1e-12)
    mean = losscli.compute("ctc", [[1], [1, 2], []], [frames, frames, frames])
    assert mean == pytest.approx((-math.log(0.26) - math.log(0.09) / 2 - math.log(0.3)) / 3, rel=1e-12)


def test_empty_target_is_the_all_blank_path():
    # Hand-worked: p(blank) = 0.5 on 3 frames -> all-blank path 1/8, NLL = log 8, divided by 1 (not 0).
    assert losscli.compute("ctc", [[]], [uniform_half(3)]) == pytest.approx(math.log(8), rel=1e-12)


def test_nonzero_blank():
    # Hand-worked with blank = 2: frame 1 p = [0.3, 0.2, 0.5], frame 2 p = [0.1, 0.3, 0.6]; target [0]:
    # paths 0 b, b 0, 0 0 -> 0.3*0.6 + 0.5*0.1 + 0.3*0.1 = 0.26; NLL = -log 0.26.
    frames = np.log(np.array([[0.3, 0.2, 0.5], [0.1, 0.3, 0.6]]))
    assert losscli.compute("ctc", [[0]], [frames], blank=2) == pytest.approx(-math.log(0.26), rel=1e-12)


# --------------------------------------------------------------------------- against the brute force


@pytest.mark.filterwarnings("ignore:ctc.*infinite or undefined:RuntimeWarning")  # random cases include impossible alignments
@pytest.mark.parametrize("seed", range(6))
def test_per_sequence_values_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    targets, frames, blank = random_case(rng, 14)
    actual = losscli.per_sample("ctc", ragged(targets), ragged(frames), blank=blank)
    assert_close_with_inf(actual, reference_rows(targets, frames, blank, length_norm=False))


@pytest.mark.parametrize("seed", range(4))
def test_mean_and_sum_match_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    targets, frames, blank = random_case(rng, 12, feasible_only=True)
    expected = reference_rows(targets, frames, blank)
    kwargs = dict(y_true=ragged(targets), y_pred=ragged(frames), blank=blank)
    assert losscli.compute("ctc", **kwargs) == pytest.approx(expected.mean(), rel=1e-9)
    raw = reference_rows(targets, frames, blank, length_norm=False)
    # torch: 'sum' adds the raw NLLs whatever the mean does.
    assert losscli.compute("ctc", reduction="sum", **kwargs) == pytest.approx(raw.sum(), rel=1e-9)
    assert losscli.compute("ctc", reduction="sum", length_norm=False, **kwargs) == pytest.approx(raw.sum(), rel=1e-9)
    assert losscli.compute("ctc", length_norm=False, **kwargs) == pytest.approx(raw.mean(), rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_zero_infinity_matches_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    targets, frames, blank = random_case(rng, 14)
    expected = reference_rows(targets, frames, blank, zero_infinity=True)
    raw = reference_rows(targets, frames, blank, zero_infinity=True, length_norm=False)
    actual = losscli.per_sample("ctc", ragged(targets), ragged(frames), blank=blank, zero_infinity=True)
    np.testing.assert_allclose(actual, raw, rtol=1e-9, atol=1e-12)
    # Zeroed sequences still count in the mean (PyTorch).
    value = losscli.compute("ctc", ragged(targets), ragged(frames), blank=blank, zero_infinity=True)
    assert value == pytest.approx(expected.mean(), rel=1e-9)


def test_zero_infinity_on_the_anchor():
    # Research anchor T = 2, target [1, 1] is inf; zero_infinity gives 0, and the mean with
    # the feasible T = 3 target [1] row is (0 + 0.2876821) / 2.
    value = losscli.compute("ctc", [[1, 1], [1]], [uniform_half(2), uniform_half(3)], zero_infinity=True)
    assert value == pytest.approx(-math.log(0.75) / 2, rel=1e-12)


@pytest.mark.filterwarnings("ignore:ctc.*infinite or undefined:RuntimeWarning")  # random cases include impossible alignments
@pytest.mark.parametrize("seed", range(3))
def test_from_logits_equals_log_softmax_then_brute_force(seed):
    rng = np.random.default_rng(300 + seed)
    targets, frames, blank = random_case(rng, 10)
    logits = [rng.normal(scale=3.0, size=f.shape) + rng.normal(size=(1, 1)) * 5 for f in frames]
    expected = reference_rows(targets, [log_softmax(z) for z in logits], blank, length_norm=False)
    actual = losscli.per_sample("ctc", ragged(targets), ragged(logits), blank=blank, from_logits=True)
    assert_close_with_inf(actual, expected)


def test_a_single_row():
    rng = np.random.default_rng(7)
    frames = log_softmax(rng.normal(size=(4, 3)))
    expected = brute_force_nll(frames, [2, 2]) / 2
    assert losscli.compute("ctc", [[2, 2]], [frames]) == pytest.approx(expected, rel=1e-9)


def test_sample_weights_give_the_weighted_mean():
    rng = np.random.default_rng(11)
    targets, frames, blank = random_case(rng, 9, feasible_only=True)
    weights = rng.uniform(0.1, 3.0, size=9)
    expected = reference_rows(targets, frames, blank)
    value = losscli.compute("ctc", ragged(targets), ragged(frames), blank=blank, sample_weight=weights)
    assert value == pytest.approx(np.sum(weights * expected) / np.sum(weights), rel=1e-9)


def test_rows_of_equal_shape_and_row_order():
    # Every row with the same frames and target length: the object arrays must stay one item per row.
    rng = np.random.default_rng(12)
    targets = [np.array([1, 2]), np.array([2, 2]), np.array([1, 1])]
    frames = [log_softmax(rng.normal(size=(3, 3))) for _ in targets]
    expected = reference_rows(targets, frames, length_norm=False)
    np.testing.assert_allclose(losscli.per_sample("ctc", targets, frames), expected, rtol=1e-9)
    order = [2, 0, 1]
    reordered = losscli.per_sample("ctc", [targets[i] for i in order], [frames[i] for i in order])
    np.testing.assert_allclose(reordered, expected[order], rtol=1e-9)


# --------------------------------------------------------------------------- extremes


def test_perfect_predictions_with_probabilities_0_and_1():
    # Hand-worked: frames certain of 1, blank, 1 (log 1 = 0, log 0 = -inf elsewhere): the one path
    # 1 b 1 has p = 1, so NLL = 0 exactly for target [1, 1].
    with np.errstate(divide="ignore"):
        frames = np.log(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert losscli.compute("ctc", [[1, 1]], [frames]) == 0.0
    # Class 2 has probability 0 on every frame: no path reaches target [2] -> inf.
    with pytest.warns(RuntimeWarning, match="ctc: 1 per-row value is infinite"):
        assert losscli.per_sample("ctc", [[2]], [frames])[0] == math.inf


def test_extreme_logits_stay_exact():
    # Hand-worked: logits [800, -800] on both frames (blank favoured) give log-probs [0, -1600] (exact
    # in float64). Target [1]: paths b 1, 1 b (each -1600) and 1 1 (-3200):
    # NLL = -log(2 e^-1600 + e^-3200) = 1600 - log 2 = 1599.3068528.
    logits = np.array([[800.0, -800.0], [800.0, -800.0]])
    value = losscli.compute("ctc", [[1]], [logits], from_logits=True)
    assert value == pytest.approx(1600.0 - math.log(2.0), rel=1e-12)
    # Logits certain of the path 1 b 1: the loss is 0 to within e^-1600.
    certain = np.array([[-800.0, 800.0], [800.0, -800.0], [-800.0, 800.0]])
    assert losscli.compute("ctc", [[1, 1]], [certain], from_logits=True) == pytest.approx(0.0, abs=1e-300)


def test_long_sequence_does_not_underflow():
    # 400 frames of p = 0.5 over {blank, 1}, empty target: NLL = 400 log 2 (the path probability 2^-400
    # is far below the float64 range, so this needs log space).
    assert losscli.compute("ctc", [[]], [uniform_half(400)]) == pytest.approx(400 * math.log(2.0), rel=1e-12)


# --------------------------------------------------------------------------- bad input


def error_of(**kwargs) -> LossCliError:
    with pytest.raises(LossCliError) as caught:
        losscli.compute("ctc", **kwargs)
    return caught.value


def test_positive_log_probability_is_rejected_with_a_hint():
    probabilities = np.full((3, 2), 0.5)  # probabilities, not their logs
    error = error_of(y_true=[[1], [1]], y_pred=[uniform_half(3), probabilities])
    assert error.row == 2 and error.role == "y_pred"
    assert "pass from_logits=True" in error.hint  # the API names its keyword


def test_log_probability_rounding_above_zero_is_accepted():
    frames = np.array([[5e-7, -30.0], [5e-7, -30.0]])
    assert math.isfinite(losscli.compute("ctc", [[]], [frames]))


def test_label_equal_to_blank_is_rejected():
    error = error_of(y_true=[[1], [1, 0]], y_pred=[uniform_half(3), uniform_half(3)])
    assert error.row == 2 and error.role == "y_true"
    assert "blank" in error.message


def test_label_outside_the_classes_is_rejected():
    error = error_of(y_true=[[1], [1], [2]], y_pred=[uniform_half(3)] * 3)
    assert error.row == 3 and error.role == "y_true"


def test_negative_and_non_integer_labels_are_rejected():
    assert error_of(y_true=[[-1]], y_pred=[uniform_half(3)]).row == 1
    error = error_of(y_true=[[1], [1.5]], y_pred=[uniform_half(3)] * 2)
    assert error.row == 2 and "integer" in error.message


def test_blank_outside_the_classes_is_rejected():
    error = error_of(y_true=[[1]], y_pred=[uniform_half(3)], blank=2)
    assert "blank" in error.message


def test_different_class_counts_are_rejected():
    error = error_of(y_true=[[1], [1]], y_pred=[uniform_half(3), np.full((3, 3), math.log(1 / 3))])
    assert error.row == 2 and error.role == "y_pred"


def test_a_row_that_is_not_frames_by_classes_is_rejected():
    error = error_of(y_true=[[1], [1]], y_pred=[uniform_half(3), np.array([LOG_HALF, LOG_HALF])])
    assert error.row == 2


def test_a_row_without_frames_is_rejected():
    error = error_of(y_true=[[1], []], y_pred=[uniform_half(3), np.zeros((0, 2))])
    assert error.row == 2


def test_nan_in_frames_is_rejected():
    frames = uniform_half(3)
    frames[1, 0] = np.nan
    error = error_of(y_true=[[1], [1]], y_pred=[uniform_half(3), frames])
    assert error.row == 2 and "frame 2" in error.message


def test_all_minus_infinity_logits_are_rejected():
    error = error_of(y_true=[[1]], y_pred=[np.full((2, 2), -np.inf)], from_logits=True)
    assert error.row == 1


def test_bad_parameters_are_rejected():
    with pytest.raises(LossCliError):
        losscli.compute("ctc", [[1]], [uniform_half(3)], blank=-1)
    with pytest.raises(LossCliError):
        losscli.compute("ctc", [[1]], [uniform_half(3)], zero_infinity="maybe")


# --------------------------------------------------------------------------- targets as text


def test_parse_target_forms():
    np.testing.assert_array_equal(parse_target("3 1 4"), [3, 1, 4])
    np.testing.assert_array_equal(parse_target(" 3  1\t4 "), [3, 1, 4])
    np.testing.assert_array_equal(parse_target("[3, 1, 4]"), [3, 1, 4])
    np.testing.assert_array_equal(parse_target("3.0 1.0"), [3, 1])
    assert parse_target("").size == 0 and parse_target("[]").size == 0
    assert parse_target("3 1 4").dtype == np.int64


def test_parse_target_names_the_row_of_a_bad_token():
    with pytest.raises(LossCliError) as caught:
        parse_targets(["1 2", "3 x 4"])
    assert caught.value.row == 2 and "'x'" in caught.value.message
    with pytest.raises(LossCliError) as caught:
        parse_targets(["1 2", "2", "1.5"])
    assert caught.value.row == 3


def test_parse_targets_mixed_items():
    parsed = parse_targets(["3 1", [2, 2], np.array([1.0]), 4, ""])
    assert [p.tolist() for p in parsed] == [[3, 1], [2, 2], [1], [4], []]
    with pytest.raises(LossCliError) as caught:
        parse_targets([[1], None])
    assert caught.value.row == 2


def test_text_targets_in_the_kernel():
    # Same as the research anchors, targets written as text.
    value = losscli.compute("ctc", ["1", "1 1"], [uniform_half(3), uniform_half(3)])
    assert value == pytest.approx((-math.log(0.75) + math.log(8) / 2) / 2, rel=1e-12)


# --------------------------------------------------------------------------- long format


def test_group_frames_keeps_first_appearance_and_file_order():
    rng = np.random.default_rng(21)
    frames = log_softmax(rng.normal(size=(7, 3)))
    ids = np.array(["b", "a", "b", "a", "c", "b", "a"])
    targets = ["1 2", "2", "1 2", "2", "", "1  2", "[2]"]
    y_pred, y_true, keys = group_frames(ids, frames, targets)
    assert list(keys) == ["b", "a", "c"]
    np.testing.assert_array_equal(y_pred[0], frames[[0, 2, 5]])
    np.testing.assert_array_equal(y_pred[1], frames[[1, 3, 6]])
    np.testing.assert_array_equal(y_pred[2], frames[[4]])
    assert [t.tolist() for t in y_true] == [[1, 2], [2], []]
    # The grouped rows give the same loss as the brute force on each utterance.
    expected = reference_rows(list(y_true), list(y_pred), length_norm=False)
    np.testing.assert_allclose(losscli.per_sample("ctc", y_true, y_pred), expected, rtol=1e-9)


def test_group_frames_with_list_targets_and_numeric_ids():
    frames = np.log(np.full((4, 2), 0.5))
    y_pred, y_true, keys = group_frames([7, 7, 7, 3], frames, [[1], [1], np.array([1]), []])
    assert list(keys) == [7, 3]
    assert [p.shape for p in y_pred] == [(3, 2), (1, 2)]
    # Research anchor: T = 3, target [1] -> -log(0.75); T = 1, empty target -> log 2.
    np.testing.assert_allclose(losscli.per_sample("ctc", y_true, y_pred), [-math.log(0.75), math.log(2.0)], rtol=1e-12)


def test_group_frames_rejects_a_target_that_changes_within_a_sample():
    frames = np.log(np.full((5, 2), 0.5))
    with pytest.raises(LossCliError) as caught:
        group_frames(["u1", "u1", "u2", "u1", "u2"], frames, ["1", "1", "1 1", "1 1", "1 1"])
    assert caught.value.row == 4 and caught.value.role == "y_true"
    assert "'u1'" in caught.value.message
    with pytest.raises(LossCliError) as caught:
        group_frames([1, 1, 1], frames[:3], [[1], [1], [1, 1]])
    assert caught.value.row == 3


def test_group_frames_names_the_row_of_a_bad_text_target():
    frames = np.log(np.full((3, 2), 0.5))
    with pytest.raises(LossCliError) as caught:
        group_frames(["a", "a", "b"], frames, ["1", "1", "1 ?"])
    assert caught.value.row == 3


def test_group_frames_length_mismatch_is_an_error():
    with pytest.raises(LossCliError):
        group_frames(["a", "a"], np.zeros((3, 2)), ["1", "1", "1"])


# --------------------------------------------------------------------------- examples for the generic tests


def test_examples_are_finite_and_match_brute_force():
    rng = np.random.default_rng(5)
    kwargs = EXAMPLES["ctc"](rng, 8)
    actual = losscli.per_sample("ctc", **kwargs)
    expected = reference_rows(list(kwargs["y_true"]), list(kwargs["y_pred"]), length_norm=False)
    assert np.all(np.isfinite(actual))
    np.testing.assert_allclose(actual, expected, rtol=1e-9)


def test_declaration():
    spec = get("ctc_loss")
    assert spec.name == "ctc" and spec.family == "sequence" and spec.tasks == ("sequence",)
    assert spec.defaults() == {
        "blank": 0, "zero_infinity": False, "length_norm": True, "from_logits": False, "convention": None
    }
    assert {role.name: role.shape for role in spec.roles} == {"y_true": "sequence", "y_pred": "sequence"}


# --------------------------------------------------------------------------- PyTorch itself


@pytest.mark.filterwarnings("ignore:ctc.*infinite or undefined:RuntimeWarning")  # random cases include impossible alignments
@pytest.mark.torch
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_against_torch_ctc_loss(seed, zero_infinity):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1000 + seed)
    classes, n = 6, 10
    blank = int(rng.integers(0, classes))
    labels = np.array([c for c in range(classes) if c != blank])
    frame_counts = rng.integers(1, 12, size=n)
    targets = [rng.choice(labels, size=int(rng.integers(0, 6))) for _ in range(n)]
    targets[0] = np.repeat(labels[:1], 3)  # repeats needing blanks
    frames = [log_softmax(rng.normal(scale=2.0, size=(int(t), classes))) for t in frame_counts]

    padded = np.zeros((int(frame_counts.max()), n, classes))
    for i, f in enumerate(frames):
        padded[: len(f), i] = f
    torch_args = dict(
        log_probs=torch.from_numpy(padded),
        targets=torch.from_numpy(np.concatenate(targets).astype(np.int64)),
        input_lengths=torch.from_numpy(frame_counts.astype(np.int64)),
        target_lengths=torch.tensor([len(t) for t in targets], dtype=torch.int64),
        blank=blank,
        zero_infinity=zero_infinity,
    )
    ours = dict(y_true=ragged(targets), y_pred=ragged(frames), blank=blank, zero_infinity=zero_infinity)

    torch_none = torch.nn.functional.ctc_loss(reduction="none", **torch_args).numpy()
    assert_close_with_inf(losscli.per_sample("ctc", length_norm=False, **ours), torch_none, rtol=1e-7)
    torch_mean = float(torch.nn.functional.ctc_loss(reduction="mean", **torch_args))
    torch_sum = float(torch.nn.functional.ctc_loss(reduction="sum", **torch_args))
    if math.isfinite(torch_mean):
        assert losscli.compute("ctc", **ours) == pytest.approx(torch_mean, rel=1e-7)
        assert losscli.compute("ctc", reduction="sum", length_norm=False, **ours) == pytest.approx(torch_sum, rel=1e-7)
    else:
        with pytest.warns(RuntimeWarning, match="returning inf"):
            assert losscli.compute("ctc", **ours) == torch_mean


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(2))
def test_against_torch_from_logits(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2000 + seed)
    n, frames_per_row, classes = 5, 8, 4
    logits = rng.normal(scale=4.0, size=(n, frames_per_row, classes))
    targets = [rng.integers(1, classes, size=3) for _ in range(n)]
    log_probs = torch.log_softmax(torch.from_numpy(logits), dim=2).transpose(0, 1)
    expected = float(
        torch.nn.functional.ctc_loss(
            log_probs,
            torch.from_numpy(np.stack(targets)),
            torch.full((n,), frames_per_row, dtype=torch.int64),
            torch.full((n,), 3, dtype=torch.int64),
        )
    )
    value = losscli.compute("ctc", ragged(targets), ragged(list(logits)), from_logits=True)
    assert value == pytest.approx(expected, rel=1e-7)


# --------------------------------------------------------------------------- long format in Python


def _long_rows(targets, frames, ids):
    """One row per frame: the frame's log-probabilities and its sequence's target as text."""
    rows = np.concatenate(frames)
    texts = [" ".join(map(str, target)) or "[]" for target, f in zip(targets, frames) for _ in range(len(f))]
    per_frame_ids = [key for key, f in zip(ids, frames) for _ in range(len(f))]
    return texts, rows, per_frame_ids


def test_sample_ids_read_one_row_per_frame_as_the_command_line_does():
    # u1: T=3, target [1] -> -log(6/8) (6 of the 8 paths hold a run of 1s), / 1
    # u2: T=4, target [1, 1] -> paths with two runs of 1 (1010, 0101, 1001, 1011,
    #     1101) -> -log(5/16), / 2 (worked by hand; the brute force agrees)
    targets, frames = [[1], [1, 1]], [uniform_half(3), uniform_half(4)]
    texts, rows, ids = _long_rows(targets, frames, ["u1", "u2"])
    expected = (-math.log(6 / 8) - math.log(5 / 16) / 2) / 2
    assert reference_rows(targets, frames).mean() == pytest.approx(expected, rel=1e-12)
    assert losscli.compute("ctc", texts, rows, sample_ids=ids) == pytest.approx(expected, rel=1e-9)
    np.testing.assert_allclose(losscli.per_sample("ctc", texts, rows, sample_ids=ids), [-math.log(6 / 8), -math.log(5 / 16)], rtol=1e-9)


def test_long_format_in_python_takes_pandas_frames_weights_and_interleaved_sequences():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(31)
    targets = [[1, 2], [2], [], [1, 1, 2]]
    frames = [log_softmax(rng.normal(size=(t, 3))) for t in (4, 2, 3, 6)]
    texts, rows, ids = _long_rows(targets, frames, ["c", "a", "d", "b"])
    weights = {"c": 1.0, "a": 2.0, "d": 0.5, "b": 3.0}
    table = pd.DataFrame({"id": ids, "target": texts, "w": [weights[i] for i in ids]})
    table = pd.concat([table, pd.DataFrame(rows, columns=["lp_0", "lp_1", "lp_2"])], axis=1)
    # Interleave the sequences, keeping each one's frames in order.
    order = np.argsort(np.concatenate([np.arange(len(f)) for f in frames]), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    per_sequence = reference_rows(targets, frames)  # the brute force over every path
    w = np.array(list(weights.values()))  # in the order of targets and frames
    value = losscli.compute("ctc", table["target"], table[["lp_0", "lp_1", "lp_2"]], sample_ids=table["id"], sample_weight=table["w"])
    assert value == pytest.approx((w * per_sequence).sum() / w.sum(), rel=1e-9)
    # per_sample: ordered by sample id (a, b, c, d), as dice's per-image values
    np.testing.assert_allclose(
        losscli.per_sample("ctc", table["target"], table[["lp_0", "lp_1", "lp_2"]], sample_ids=table["id"], length_norm=False),
        reference_rows(targets, frames, length_norm=False)[[1, 3, 0, 2]],  # a, b, c, d
        rtol=1e-9,
    )


def test_long_format_in_python_refuses_weights_that_differ_within_a_sequence():
    texts, rows, ids = _long_rows([[1], [1]], [uniform_half(2), uniform_half(2)], ["u1", "u2"])
    with pytest.raises(LossCliError, match="different weights") as raised:
        losscli.compute("ctc", texts, rows, sample_ids=ids, sample_weight=[1.0, 2.0, 1.0, 1.0])
    assert raised.value.row == 2


def test_frames_without_sample_ids_name_the_python_keyword():
    texts, rows, _ids = _long_rows([[1]], [uniform_half(3)], ["u1"])
    with pytest.raises(LossCliError) as raised:
        losscli.compute("ctc", texts, rows)
    assert "sample_ids" in raised.value.hint and "--sample-col" not in raised.value.hint
