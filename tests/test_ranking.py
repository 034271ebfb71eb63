"""Ranking losses: contrastive, triplet, cosine_embedding.

Expected values name their source beside them: hand-worked cases (arithmetic
in the comment), the anchors of the loss-conventions research, and PyTorch
itself in the tests marked ``torch``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import losscli
from losscli import LossCliError
from losscli.registry import get, parse_spec

REL = 1e-6


def approx(value: float, rel: float = REL) -> object:
    return pytest.approx(value, rel=rel, abs=1e-12)


# --------------------------------------------------------------------------- contrastive

PAIRS_X1 = [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
PAIRS_X2 = [[3.0, 4.0], [0.3, 0.4], [1.0, 1.0]]
PAIRS_Y = [1, 0, 0]
# Hand-worked: d = [5, 0.5, 0]; similar row: 5^2 = 25; dissimilar rows with
# margin 1: (1 - 0.5)^2 = 0.25 and (1 - 0)^2 = 1; mean = 26.25 / 3 = 8.75.
PAIRS_MEAN = 8.75


def test_contrastive_hand_worked_from_embeddings() -> None:
    assert losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2) == approx(PAIRS_MEAN)


def test_contrastive_half_is_hadsell_factor() -> None:
    # Hand-worked: 8.75 / 2 = 4.375 (Hadsell, Chopra, LeCun 2006 carry the 1/2).
    assert losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2, half=True) == approx(4.375)


def test_contrastive_per_row_values() -> None:
    # Hand-worked per row, see PAIRS_MEAN.
    rows = losscli.per_sample("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2)
    np.testing.assert_allclose(rows, [25.0, 0.25, 1.0], rtol=REL)


def test_contrastive_distance_column_matches_tensorflow_addons_formula() -> None:
    # tensorflow-addons contrastive_loss(y_true, y_pred=distance, margin=1), worked by hand:
    # y=1, d=0.3 -> 0.3^2 = 0.09; y=0, d=0.4 -> (1 - 0.4)^2 = 0.36; y=0, d=1.7 -> 0; mean = 0.45 / 3 = 0.15.
    value = losscli.compute("contrastive", [1, 0, 0], distance=[0.3, 0.4, 1.7])
    assert value == approx(0.15)


def test_contrastive_margin_changes_only_dissimilar_pairs() -> None:
    # Hand-worked with margin 2: rows 25, (2 - 0.5)^2 = 2.25, (2 - 0)^2 = 4; mean = 31.25 / 3.
    value = losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2, margin=2.0)
    assert value == approx(31.25 / 3)


def test_contrastive_distance_equals_embeddings() -> None:
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=(50, 8)), rng.normal(size=(50, 8))
    y = rng.integers(0, 2, size=50)
    distance = np.linalg.norm(x1 - x2, axis=1)  # numpy's Euclidean norm as the reference distance
    from_embeddings = losscli.compute("contrastive", y, x1=x1, x2=x2, margin=4.0)
    from_distance = losscli.compute("contrastive", y, distance=distance, margin=4.0)
    assert from_embeddings == approx(from_distance)


def test_contrastive_perfect_embedding_is_zero() -> None:
    # Similar pairs identical, dissimilar pairs beyond the margin: every term is 0.
    value = losscli.compute("contrastive", [1, 0], x1=[[1.0, 2.0], [0.0, 0.0]], x2=[[1.0, 2.0], [5.0, 0.0]])
    assert value == 0.0


def test_contrastive_single_column_embeddings_and_one_row() -> None:
    # Hand-worked: d = |2 - 0.5| = 1.5, dissimilar, margin 2: (2 - 1.5)^2 = 0.25.
    assert losscli.compute("contrastive", [0], x1=[2.0], x2=[0.5], margin=2.0) == approx(0.25)


def test_contrastive_sample_weights() -> None:
    # Hand-worked weighted mean of rows [25, 0.25, 1] with w = [1, 2, 1]: (25 + 0.5 + 1) / 4 = 6.625.
    value = losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2, sample_weight=[1, 2, 1])
    assert value == approx(6.625)


def test_contrastive_far_apart_dissimilar_pair_costs_nothing_beyond_the_squares_overflow() -> None:
    # Reported: embeddings 1e155 apart (the squared distance overflows from about 1.3e154)
    # gave NaN, 0 * inf, for a dissimilar pair whose term is max(0, 1 - d)^2 = 0.
    # Hand-worked: rows 0 (d = 1e155 or 1e200 * sqrt 2, label 0) and (1 - 0.5)^2 = 0.25.
    for far in ([1e155, 0.0], [1e200, 1e200], [1e308, 1e308]):
        rows = losscli.per_sample("contrastive", [0, 0], x1=[far, [0.5, 0.0]], x2=[[0.0, 0.0], [0.0, 0.0]])
        np.testing.assert_array_equal(rows, [0.0, 0.25])


def test_contrastive_far_apart_similar_pair_overflows_to_inf_with_a_warning() -> None:
    # d^2 = 1e310 exceeds float64: inf, as every loss reports an overflow, never NaN.
    with pytest.warns(RuntimeWarning, match="infinite"):
        value = losscli.compute("contrastive", [1, 0], x1=[[1e155, 0.0], [0.5, 0.0]], x2=[[0.0, 0.0], [0.0, 0.0]])
    assert value == math.inf


def test_contrastive_distance_does_not_overflow_before_the_square_does() -> None:
    # Hand-worked: the distance of (3e160, 4e160) is 5e160, finite although its square is not;
    # a margin 1e-10 above it leaves a dissimilar pair the term (5e150)^2 = 2.5e301.
    rows = losscli.per_sample("contrastive", [0], x1=[[3e160, 4e160]], x2=[[0.0, 0.0]], margin=5e160 * (1 + 1e-10))
    np.testing.assert_allclose(rows, [2.5e301], rtol=1e-4)


def test_contrastive_rejects_labels_other_than_0_1_with_the_row() -> None:
    with pytest.raises(LossCliError) as caught:
        losscli.compute("contrastive", [1, 0, -1], x1=PAIRS_X1, x2=PAIRS_X2)
    assert caught.value.row == 3 and caught.value.role == "y_true"
    assert "similar" in caught.value.message


def test_contrastive_needs_both_embeddings_or_a_distance() -> None:
    with pytest.raises(LossCliError, match="x1 and x2, or a distance") as caught:
        losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1)
    assert caught.value.role == "x2"
    with pytest.raises(LossCliError, match="x1 and x2, or a distance"):
        losscli.compute("contrastive", PAIRS_Y)


def test_contrastive_prefers_a_supplied_distance_over_embeddings() -> None:
    # Hand-worked with distance [0.5, 0.5, 0.5] (the embeddings would give 8.75):
    # similar 0.5^2 = 0.25; dissimilar (1 - 0.5)^2 = 0.25 twice; mean 0.25.
    value = losscli.compute("contrastive", PAIRS_Y, x1=PAIRS_X1, x2=PAIRS_X2, distance=[0.5, 0.5, 0.5])
    assert value == approx(0.25)


def test_contrastive_rejects_negative_distance_with_the_row() -> None:
    with pytest.raises(LossCliError, match="non-negative") as caught:
        losscli.compute("contrastive", [1, 0], distance=[0.5, -0.1])
    assert caught.value.row == 2 and caught.value.role == "distance"


def test_contrastive_rejects_embeddings_of_different_width() -> None:
    with pytest.raises(LossCliError, match="different numbers of columns"):
        losscli.compute("contrastive", [1], x1=[[1.0, 2.0, 3.0]], x2=[[1.0, 2.0]])


def test_contrastive_rejects_negative_margin() -> None:
    with pytest.raises(LossCliError, match="out of range"):
        parse_spec("contrastive:margin=-1")


# --------------------------------------------------------------------------- triplet


def test_triplet_eps_is_added_to_the_difference_like_torch() -> None:
    # Research anchor: torch pairwise_distance(0, 0) = ||0 + 1e-6||_2 = sqrt(2) * 1e-6 for 2 columns.
    # a = p = [0, 0], n = [5, 5], margin 10:
    # d(a, p) = sqrt(2) e-6; d(a, n) = ||[-5 + 1e-6, -5 + 1e-6]|| = sqrt(2) (5 - 1e-6);
    # loss = sqrt(2) e-6 - sqrt(2) (5 - 1e-6) + 10 = 10 - 5 sqrt(2) + 2 sqrt(2) e-6.
    expected = 10.0 - 5.0 * math.sqrt(2.0) + 2.0 * math.sqrt(2.0) * 1e-6
    value = losscli.compute("triplet", anchor=[[0.0, 0.0]], positive=[[0.0, 0.0]], negative=[[5.0, 5.0]], margin=10.0)
    # rel 1e-10: the eps term is 1e-6 of the value, so it must be there.
    assert value == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        # Hand-worked, eps = 0, a = [1, 2], pos = [2, 4], neg = [1, 0], margin 1:
        (1.0, 2.0),  # d(a,p) = 1 + 2 = 3, d(a,n) = 0 + 2 = 2: 3 - 2 + 1 = 2
        (2.0, math.sqrt(5.0) - 1.0),  # d(a,p) = sqrt(1 + 4), d(a,n) = 2: sqrt(5) - 2 + 1
        (3.0, 9.0 ** (1 / 3) - 1.0),  # d(a,p) = (1 + 8)^(1/3), d(a,n) = 2: 9^(1/3) - 2 + 1
        (math.inf, 1.0),  # d(a,p) = max(1, 2) = 2, d(a,n) = 2: 2 - 2 + 1
    ],
)
def test_triplet_p_norms_hand_worked(p: float, expected: float) -> None:
    value = losscli.compute("triplet", anchor=[[1.0, 2.0]], positive=[[2.0, 4.0]], negative=[[1.0, 0.0]], p=p, eps=0.0)
    assert value == approx(expected)


def test_triplet_swap_uses_the_closer_negative_distance() -> None:
    # Hand-worked, eps = 0: a = [0, 0], pos = [1, 0], neg = [2, 0]; d(a,p) = 1, d(a,n) = 2, d(p,n) = 1.
    # No swap: max(1 - 2 + 1, 0) = 0. Swap: max(1 - min(2, 1) + 1, 0) = 1.
    roles = {"anchor": [[0.0, 0.0]], "positive": [[1.0, 0.0]], "negative": [[2.0, 0.0]], "eps": 0.0}
    assert losscli.compute("triplet", **roles) == 0.0
    assert losscli.compute("triplet", **roles, swap=True) == approx(1.0)


def test_triplet_satisfied_margin_costs_nothing_and_weights_average() -> None:
    # Hand-worked, eps = 0, p = 1, one column: rows (a, p, n) = (0, 0, 3) -> max(0 - 3 + 1, 0) = 0;
    # (0, 2, 1) -> 2 - 1 + 1 = 2. Weighted mean with w = [3, 1]: (0 + 2) / 4 = 0.5.
    value = losscli.compute("triplet", anchor=[0.0, 0.0], positive=[0.0, 2.0], negative=[3.0, 1.0], p=1.0, eps=0.0, sample_weight=[3, 1])
    assert value == approx(0.5)


def test_triplet_large_p_does_not_overflow() -> None:
    # Hand-worked: p = 400, eps = 0, one coordinate of 1e300 each: the p-norm of a single
    # non-zero coordinate is its absolute value. d(a,p) = 1e300, d(a,n) = 0: loss 1e300 + 1.
    value = losscli.compute("triplet", anchor=[[0.0, 0.0]], positive=[[1e300, 0.0]], negative=[[0.0, 0.0]], p=400.0, eps=0.0)
    assert value == approx(1e300)


def test_triplet_rejects_mismatched_widths() -> None:
    with pytest.raises(LossCliError, match="different numbers of columns") as caught:
        losscli.compute("triplet", anchor=[[0.0, 0.0]], positive=[[0.0, 0.0]], negative=[[1.0, 1.0, 1.0]])
    assert caught.value.role == "negative"


def test_triplet_rejects_non_positive_p() -> None:
    with pytest.raises(LossCliError, match="out of range"):
        parse_spec("triplet:p=0")


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_matches_torch(seed: int, p: float, swap: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    a, pos, neg = (rng.normal(size=(40, 7)) for _ in range(3))
    margin = 1.0 + seed * 0.5
    expected = torch.nn.TripletMarginLoss(margin=margin, p=p, swap=swap)(
        torch.from_numpy(a), torch.from_numpy(pos), torch.from_numpy(neg)
    ).item()
    value = losscli.compute("triplet", anchor=a, positive=pos, negative=neg, margin=margin, p=p, swap=swap)
    assert value == approx(expected)


@pytest.mark.torch
def test_triplet_identical_inputs_match_torch_eps_distance() -> None:
    torch = pytest.importorskip("torch")
    zeros = np.zeros((3, 2))
    far = np.full((3, 2), 5.0)
    expected = torch.nn.TripletMarginLoss(margin=10.0)(
        torch.from_numpy(zeros), torch.from_numpy(zeros), torch.from_numpy(far)
    ).item()
    value = losscli.compute("triplet", anchor=zeros, positive=zeros, negative=far, margin=10.0)
    assert value == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- cosine_embedding


def test_cosine_embedding_research_anchors() -> None:
    # Research anchors (verified with torch CosineEmbeddingLoss):
    # x1 = [1, 0], x2 = [0, 1], y = 1 -> 1 - cos = 1 - 0 = 1.0
    assert losscli.compute("cosine_embedding", [1], x1=[[1.0, 0.0]], x2=[[0.0, 1.0]]) == approx(1.0)
    # x1 = x2 = [1, 1], y = -1 -> max(0, cos - margin) = 1.0 with margin 0, 0.5 with margin 0.5
    assert losscli.compute("cosine_embedding", [-1], x1=[[1.0, 1.0]], x2=[[1.0, 1.0]]) == approx(1.0)
    assert losscli.compute("cosine_embedding", [-1], x1=[[1.0, 1.0]], x2=[[1.0, 1.0]], margin=0.5) == approx(0.5)


def test_cosine_embedding_hand_worked_mean() -> None:
    # Hand-worked: row 1, y = 1, x1 = [3, 4], x2 = [4, 3]: cos = 24 / 25 = 0.96 -> 1 - 0.96 = 0.04;
    # row 2, y = -1, x1 = [1, 0], x2 = [-1, 0]: cos = -1 -> max(0, -1 - 0.2) = 0;
    # row 3, y = -1, x1 = [1, 0], x2 = [1, 1]: cos = 1 / sqrt(2) -> 0.70710678 - 0.2 = 0.50710678.
    # margin 0.2; mean = (0.04 + 0 + 0.50710678) / 3.
    expected = (0.04 + 0.0 + (1 / math.sqrt(2.0) - 0.2)) / 3
    value = losscli.compute(
        "cosine_embedding", [1, -1, -1], x1=[[3.0, 4.0], [1.0, 0.0], [1.0, 0.0]], x2=[[4.0, 3.0], [-1.0, 0.0], [1.0, 1.0]], margin=0.2
    )
    assert value == approx(expected)


def test_cosine_embedding_reads_zero_as_minus_one() -> None:
    x1, x2 = [[1.0, 2.0], [0.5, -1.0]], [[2.0, 1.0], [1.0, 1.0]]
    assert losscli.compute("cosine_embedding", [0, 1], x1=x1, x2=x2) == losscli.compute("cosine_embedding", [-1, 1], x1=x1, x2=x2)


def test_cosine_embedding_zero_vector_has_cosine_zero() -> None:
    # Hand-worked: cos = 0 / sqrt((0 + 1e-12)(1 + 1e-12)) = 0, y = 1 -> 1 - 0 = 1 (torch's 1e-12 keeps it finite).
    assert losscli.compute("cosine_embedding", [1], x1=[[0.0, 0.0]], x2=[[1.0, 0.0]]) == approx(1.0)


def test_cosine_embedding_ignores_length() -> None:
    # Hand-worked: parallel vectors of any length have cos = 1 -> y = 1 gives 0 (up to the 1e-12 terms).
    value = losscli.compute("cosine_embedding", [1], x1=[[1e3, 2e3]], x2=[[1e-2, 2e-2]])
    assert value == pytest.approx(0.0, abs=1e-9)


def test_cosine_embedding_sample_weights() -> None:
    # Hand-worked: rows [1 - 0 = 1 (y=1, orthogonal), 0 (y=-1, orthogonal)], w = [1, 3]: 1 / 4 = 0.25.
    value = losscli.compute("cosine_embedding", [1, -1], x1=[[1.0, 0.0]] * 2, x2=[[0.0, 1.0]] * 2, sample_weight=[1, 3])
    assert value == approx(0.25)


def test_cosine_embedding_rejects_other_labels_with_the_row() -> None:
    with pytest.raises(LossCliError, match="1 \\(similar\\) or -1") as caught:
        losscli.compute("cosine_embedding", [1, 2], x1=[[1.0, 0.0]] * 2, x2=[[0.0, 1.0]] * 2)
    assert caught.value.row == 2 and caught.value.role == "y_true"


def test_cosine_embedding_margin_range() -> None:
    with pytest.raises(LossCliError, match="out of range"):
        parse_spec("cosine_embedding:margin=1.5")


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding_matches_torch(seed: int, margin: float) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(60, 5)), rng.normal(size=(60, 5))
    y = rng.choice([1.0, -1.0], size=60)
    expected = torch.nn.CosineEmbeddingLoss(margin=margin)(
        torch.from_numpy(x1), torch.from_numpy(x2), torch.from_numpy(y)
    ).item()
    assert losscli.compute("cosine_embedding", y, x1=x1, x2=x2, margin=margin) == approx(expected)


# --------------------------------------------------------------------------- declarations


def test_ranking_losses_are_registered_for_the_ranking_task() -> None:
    for name, alias in (("contrastive", "contrastive_loss"), ("triplet", "triplet_margin_loss"), ("cosine_embedding", "cosine_embedding_loss")):
        spec = get(alias)
        assert spec.name == name
        assert spec.tasks == ("ranking",) and spec.family == "ranking" and spec.kind == "mean"


def test_ranking_roles_have_discoverable_default_columns() -> None:
    contrastive_roles = {role.name: role for role in get("contrastive").roles}
    assert contrastive_roles["x1"].defaults[0] == "x1" and contrastive_roles["x1"].optional
    assert contrastive_roles["x2"].defaults[0] == "x2" and contrastive_roles["x2"].optional
    assert contrastive_roles["distance"].optional and not contrastive_roles["y_true"].optional
    triplet_roles = {role.name: role.defaults[0] for role in get("triplet").roles}
    assert triplet_roles == {"anchor": "anchor", "positive": "positive", "negative": "negative"}


def test_triplet_defaults_follow_torch() -> None:
    assert get("triplet").defaults() == {
        "margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False, "eps_placement": "difference", "convention": None
    }
    assert get("contrastive").defaults() == {"margin": 1.0, "half": False}
    assert get("cosine_embedding").defaults() == {"margin": 0.0, "map_zero": True, "convention": None}


# --------------------------------------------------------------------------- library options


def test_triplet_eps_inside_the_root_is_optax():
    # optax triplet_margin_loss: d = (sum (a - p)^2 + eps)^(1/2). Identical anchor and positive:
    # d_ap = sqrt(1e-6) = 0.001; d_an = sqrt(0.25 + 1e-6) = 0.5000010; loss = 1 + 0.001 - 0.500001.
    value = losscli.compute(
        "triplet", None, anchor=[[0.0, 0.0]], positive=[[0.0, 0.0]], negative=[[0.5, 0.0]], eps_placement="root"
    )
    assert value == approx(1.0 + math.sqrt(1e-6) - math.sqrt(0.25 + 1e-6))
    # PyTorch's placement: d_ap = |(1e-6, 1e-6)| = 1.414e-6 (research section 12).
    torch_value = losscli.compute("triplet", None, anchor=[[0.0, 0.0]], positive=[[0.0, 0.0]], negative=[[0.5, 0.0]])
    assert torch_value == approx(1.0 + math.sqrt(2) * 1e-6 - math.hypot(-0.5 + 1e-6, 1e-6))


def test_triplet_root_placement_with_p_1():
    # p=1: d = sum |d_i| + eps. a=[0,0], p=[1,1], n=[3,0]: d_ap = 2 + 1e-6, d_an = 3 + 1e-6
    # -> loss = max(2 - 3 + 1, 0) = 0, and 1 with margin 2 (hand).
    kwargs = dict(anchor=[[0.0, 0.0]], positive=[[1.0, 1.0]], negative=[[3.0, 0.0]], p=1.0, eps_placement="root")
    assert losscli.compute("triplet", None, **kwargs) == pytest.approx(0.0, abs=1e-12)
    assert losscli.compute("triplet", None, margin=2.0, **kwargs) == approx(1.0)


def test_cosine_embedding_zero_labels_cost_nothing_without_map_zero():
    # PyTorch CosineEmbeddingLoss gives 0 for a label of 0 (research section 13, verified):
    # rows ([1,0],[0,1], y=1) -> 1 - 0 = 1 and ([1,1],[1,1], y=0) -> 0; mean 0.5.
    x1, x2 = [[1.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 1.0]]
    assert losscli.compute("cosine_embedding", [1, 0], x1=x1, x2=x2, map_zero=False) == approx(0.5)
    # Read as -1: max(0, cos - 0) with cos = 2 / (2 + 1e-12) for the second row.
    assert losscli.compute("cosine_embedding", [1, 0], x1=x1, x2=x2) == approx((1 + 2 / (2 + 1e-12)) / 2)
