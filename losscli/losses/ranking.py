"""Ranking (metric-learning) losses: distances between embeddings.

Each row is one pair (contrastive, cosine embedding) or one triplet (anchor,
positive, negative); the embeddings arrive as several columns per role. The
kernels return one loss per row and the engine takes the (weighted) mean, as
PyTorch's ``reduction='mean'`` does.
"""

from __future__ import annotations

import math

import numpy as np

from ..conventions import loss
from ..errors import LossCliError
from ..registry import Characteristics, Param, Role
from ._checks import as_matrix, fail_where, one_column

TASKS = ("ranking",)

# PyTorch CosineEmbeddingLoss adds this to each squared norm.
_COSINE_EPS = 1e-12

PAIR_LABEL = Role(
    "y_true",
    ("y_true", "label", "target", "y", "similar", "same"),
    "scalar",
    "1 for a similar pair, 0 for a dissimilar pair",
)
X1 = Role("x1", ("x1", "emb1", "a", "left"), "vector", "embedding of the first item of each pair (one or many columns)")
X2 = Role("x2", ("x2", "emb2", "b", "right"), "vector", "embedding of the second item of each pair (same columns as x1)")


def _width(x: np.ndarray) -> int:
    return 1 if x.ndim == 1 else x.shape[1]


def _check_same_width(arrays: dict[str, np.ndarray]) -> None:
    """Embeddings compared with each other need the same number of columns."""
    widths = {role: _width(values) for role, values in arrays.items()}
    first_role, first_width = next(iter(widths.items()))
    for role, width in widths.items():
        if width != first_width:
            shown = ", ".join(f"{r} {w}" for r, w in widths.items())
            raise LossCliError(
                f"embeddings have different numbers of columns: {shown}",
                role=role,
                hint=f"give {role} as many columns as {first_role} with --col {role}=COLS",
            )


def _euclidean(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Row-wise Euclidean distance, finite whenever the distance is: the sum
    of squares overflows from about 1.3e154, the distance only at 1.8e308,
    so rows that large are scaled by their largest coordinate first."""
    diff = as_matrix(x1) - as_matrix(x2)
    with np.errstate(over="ignore"):
        distance = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    large = ~np.isfinite(distance) & np.isfinite(diff).all(axis=1)
    if large.any():
        rows = diff[large]
        scale = np.abs(rows).max(axis=1, keepdims=True)
        with np.errstate(over="ignore"):
            distance[large] = scale[:, 0] * np.sqrt(np.einsum("ij,ij->i", rows / scale, rows / scale))
    return distance


def _lp_norm(diff: np.ndarray, p: float) -> np.ndarray:
    """Row-wise p-norm, as torch.norm computes it (p may be inf)."""
    magnitude = np.abs(diff)
    if p == 2:
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if p == 1:
        return magnitude.sum(axis=1)
    if math.isinf(p):
        return magnitude.max(axis=1)
    # Dividing by the largest coordinate keeps |x|^p from overflowing for large p.
    scale = magnitude.max(axis=1, keepdims=True)
    safe = np.where(scale > 0, scale, 1.0)
    return safe[:, 0] * ((magnitude / safe) ** p).sum(axis=1) ** (1.0 / p)


def _pairwise_distance(x1: np.ndarray, x2: np.ndarray, p: float, eps: float, placement: str = "difference") -> np.ndarray:
    diff = as_matrix(x1) - as_matrix(x2)
    if placement == "root":
        # optax: (sum |d|^p + eps)^(1/p), so d(x, x) = eps^(1/p).
        return _root_norm(diff, p, eps)
    # PyTorch adds eps to every coordinate of the difference, so d(x, x) is
    # eps * k^(1/p), never 0 (Distance.cpp, pairwise_distance).
    return _lp_norm(diff + eps, p)


def _root_norm(diff: np.ndarray, p: float, eps: float) -> np.ndarray:
    """(sum_i |d_i|^p + eps)^(1/p), the distance of optax's triplet_margin_loss."""
    if math.isinf(p):
        return np.abs(diff).max(axis=1)
    return (np.sum(np.abs(diff) ** p, axis=1) + eps) ** (1.0 / p)


# --------------------------------------------------------------------------- contrastive


def _check_binary_pair_labels(y_true: np.ndarray) -> None:
    fail_where(
        (y_true != 0) & (y_true != 1),
        "pair label must be 1 (similar) or 0 (dissimilar)",
        role="y_true",
        values=y_true,
        hint="contrastive reads 1 as a similar pair; map other codes to 0/1",
    )


def _pair_distance(x1: np.ndarray | None, x2: np.ndarray | None, distance: np.ndarray | None) -> np.ndarray:
    """The Euclidean distance of each pair: computed from x1 and x2, or given."""
    # A supplied distance wins over embeddings: files often carry both, and
    # the embedding columns are found by their default names even when the
    # user named only the distance column.
    if distance is not None:
        distance = distance[:, 0] if distance.ndim == 2 and distance.shape[1] == 1 else distance
        if distance.ndim != 1:
            raise LossCliError("the distance role takes one column", role="distance")
        fail_where(distance < 0, "distance must be non-negative", role="distance", values=distance)
        return distance
    if x1 is None or x2 is None:
        missing = "x2" if x1 is not None else "x1"
        raise LossCliError(
            f"contrastive needs the embeddings x1 and x2, or a distance column (missing {missing})",
            role=missing,
            hint="pass --col x1='x1_*' --col x2='x2_*', or --col distance=COL",
        )
    _check_same_width({"x1": x1, "x2": x2})
    return _euclidean(x1, x2)


@loss(
    name="contrastive",
    aliases=("contrastive_loss", "pairwise_contrastive", "siamese_contrastive"),
    family="ranking",
    tasks=TASKS,
    roles=(
        Role(X1.name, X1.defaults, X1.shape, X1.help + "; or give distance instead", optional=True),
        Role(X2.name, X2.defaults, X2.shape, X2.help + "; or give distance instead", optional=True),
        Role(
            "distance",
            ("distance", "dist", "pair_distance"),
            "scalar",
            "precomputed Euclidean distance of each pair; used instead of x1 and x2 when given",
            optional=True,
            replaces=(X1.name, X2.name),
        ),
        PAIR_LABEL,
    ),
    params=(
        Param("margin", float, 1.0, "dissimilar pairs closer than this are penalised", low=0.0),
        Param("half", bool, False, "multiply by 1/2, as in Hadsell, Chopra and LeCun (2006)"),
    ),
    characteristics=Characteristics(
        False,
        True,
        False,
        False,
        robust_note="our judgement: similar pairs cost their squared distance, so one far-apart pair dominates",
        smooth_note="our judgement: squared hinge, so the gradient is continuous in the distance",
    ),
    formula="y d^2 + (1 - y) max(0, margin - d)^2, d = ||x1 - x2||_2 (x 1/2 with half=true)",
    description="Pulls the embeddings of similar pairs together and pushes dissimilar pairs apart "
    "until they are at least margin away; pairs already further apart cost nothing. Takes two "
    "embedding columns per row, or the distance itself.",
    use_cases="Siamese networks, face and signature verification, learning a similarity metric from pairs.",
    reference="tensorflow-addons contrastive_loss (y=1 similar, squared terms, no 1/2); "
    "half=true gives the 1/2 of Hadsell et al. (2006)",
    notes=(
        "Label 1 means a similar pair. Hadsell et al. write the formula with 0 for similar pairs, and "
        "keras-io's siamese example feeds a similarity score, so its roles look swapped.",
        "The distance is plain Euclidean with no epsilon (PyTorch's triplet adds one; we do not here).",
        "Give either the embeddings x1 and x2 or a distance column; when both are present the distance column is used.",
        "pytorch-metric-learning's ContrastiveLoss uses unsquared hinges on normalised embeddings and "
        "averages only the non-zero terms: its values are not comparable.",
    ),
    example="losscli compute pairs.csv --loss contrastive:margin=2 --col x1='x1_*' --col x2='x2_*' --label-col same",
)
def contrastive(
    y_true: np.ndarray,
    x1: np.ndarray | None = None,
    x2: np.ndarray | None = None,
    distance: np.ndarray | None = None,
    *,
    margin: float,
    half: bool,
) -> np.ndarray:
    y_true = one_column(y_true, "y_true", "contrastive")
    _check_binary_pair_labels(y_true)
    d = _pair_distance(x1, x2, distance)
    gap = np.maximum(margin - d, 0.0)
    # Each pair takes its own term: a dissimilar pair far apart costs 0, not
    # 0 * inf (NaN) when a similar pair's term would overflow; a similar pair
    # that far apart costs inf, reported as null like any overflow.
    with np.errstate(over="ignore"):
        losses = np.where(y_true == 1, d * d, gap * gap)
    return 0.5 * losses if half else losses


# --------------------------------------------------------------------------- triplet


@loss(
    name="triplet",
    aliases=("triplet_loss", "triplet_margin", "triplet_margin_loss"),
    family="ranking",
    tasks=TASKS,
    roles=(
        Role("anchor", ("anchor", "anc", "a"), "vector", "embedding of the anchor (one or many columns)"),
        Role("positive", ("positive", "pos", "p"), "vector", "embedding of an item similar to the anchor"),
        Role("negative", ("negative", "neg", "n"), "vector", "embedding of an item dissimilar to the anchor"),
    ),
    params=(
        Param("margin", float, 1.0, "required gap between the negative and the positive distance", low=0.0),
        Param("p", float, 2.0, "degree of the norm used as distance", low=0.0, low_open=True, allow_inf=True),
        Param("eps", float, 1e-6, "added to every coordinate of each difference (PyTorch)", low=0.0),
        Param("swap", bool, False, "use the smaller of d(anchor, negative) and d(positive, negative)"),
        Param(
            "eps_placement",
            str,
            "difference",
            "where eps enters the distance: added to every coordinate of the difference "
            "(difference, PyTorch) or to the sum of powers inside the root (root, optax)",
            choices=("difference", "root"),
        ),
    ),
    characteristics=Characteristics(
        True,
        False,
        False,
        False,
        robust_note="our judgement: grows linearly (not squared) with the distances",
        smooth_note="our judgement: hinge, the gradient jumps where the margin is just met",
    ),
    formula="max(d(a, p) - d(a, n) + margin, 0), d(x, y) = ||x - y + eps||_p",
    description="Asks each anchor to be closer to its positive than to its negative by at least "
    "margin. Triplets that already satisfy the margin cost nothing, so the mean falls as the "
    "embedding separates the classes.",
    use_cases="FaceNet-style face recognition, image and text retrieval, learning embeddings from relative similarity.",
    reference="PyTorch TripletMarginLoss(margin, p, eps=1e-6, swap)",
    notes=(
        "eps is added to the difference before the norm, as PyTorch does: identical embeddings are "
        "eps * k^(1/p) apart, not 0. optax adds eps inside the root instead (eps_placement=root): "
        "identical embeddings are eps^(1/p) apart, 0.001 for the defaults.",
        "pytorch-metric-learning normalises embeddings and averages only the non-zero triplets.",
    ),
    example="losscli compute triplets.csv --loss triplet --col anchor='a_*' --col positive='p_*' --col negative='n_*'",
)
def triplet(
    anchor: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    *,
    margin: float,
    p: float,
    eps: float,
    swap: bool,
    eps_placement: str = "difference",
) -> np.ndarray:
    _check_same_width({"anchor": anchor, "positive": positive, "negative": negative})
    d_positive = _pairwise_distance(anchor, positive, p, eps, eps_placement)
    d_negative = _pairwise_distance(anchor, negative, p, eps, eps_placement)
    if swap:
        d_negative = np.minimum(d_negative, _pairwise_distance(positive, negative, p, eps, eps_placement))
    return np.maximum(d_positive - d_negative + margin, 0.0)


# --------------------------------------------------------------------------- cosine embedding


def _plus_minus_labels(y_true: np.ndarray, map_zero: bool = True) -> np.ndarray:
    """Labels 1 / -1, with 0 read as -1 (or kept as 0 without map_zero)."""
    fail_where(
        (y_true != 1) & (y_true != -1) & (y_true != 0),
        "pair label must be 1 (similar) or -1 (dissimilar); 0 is read as -1",
        role="y_true",
        values=y_true,
    )
    return np.where(y_true == 1, 1.0, -1.0) if map_zero else y_true


def _cosine(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    a, b = as_matrix(x1), as_matrix(x2)
    dot = np.einsum("ij,ij->i", a, b)
    squared_norms = (np.einsum("ij,ij->i", a, a) + _COSINE_EPS) * (np.einsum("ij,ij->i", b, b) + _COSINE_EPS)
    return dot / np.sqrt(squared_norms)


def one_number_embeddings_error(columns: tuple[str, str] | None = None) -> LossCliError:
    """cosine_embedding on a column of one number for each of x1 and x2.

    The cosine of two one-number vectors is +1 or -1, whether their signs
    agree, so the loss is 0, 1 or 2 per row whatever the numbers' sizes. Such
    a file is a margin-ranking export (two scores and a -1/1 target), not
    embeddings. PyTorch's CosineEmbeddingLoss computes the same 0/1/2 on
    (N, 1) tensors, but nobody means that by it: a note beside a value would
    still leave a number such as 0.5 in reports and CI checks that reads as a
    loss. So it is an error, naming the loss such a file is scored with."""
    named = f" ('{columns[0]}' and '{columns[1]}')" if columns else ""
    return LossCliError(
        f"x1 and x2{named} hold one number per row, and the cosine of one-number vectors is only "
        "whether their signs agree (+1 or -1), so cosine_embedding would say nothing about the numbers",
        role="x1",
        hint="for embeddings, give all their columns (--col x1='x1_*' --col x2='x2_*') or list columns; "
        "for two scores per row and a -1/1 target, PyTorch's MarginRankingLoss(margin=1) is hinge on their "
        "difference: write d = x1 - x2 as a column and run --loss hinge --pred-col d",
    )


@loss(
    name="cosine_embedding",
    aliases=("cosine_embedding_loss", "cosineembedding", "cosine_embedding_hinge"),
    family="ranking",
    tasks=TASKS,
    roles=(
        X1,
        X2,
        Role(
            "y_true",
            ("y_true", "label", "target", "y", "similar", "same"),
            "scalar",
            "1 for a similar pair, -1 (or 0) for a dissimilar pair",
        ),
    ),
    params=(
        Param(
            "margin",
            float,
            0.0,
            "dissimilar pairs are penalised while their cosine exceeds this (0 to 0.5 is typical)",
            low=-1.0,
            high=1.0,
        ),
        Param(
            "map_zero",
            bool,
            True,
            "read label 0 as -1; false does as PyTorch, where a 0 label matches neither case and the "
            "row costs 0 (still counted in the mean)",
        ),
    ),
    characteristics=Characteristics(
        True,
        False,
        False,
        False,
        robust_note="our judgement: the cosine is bounded, so no row costs more than 2",
        smooth_note="our judgement: hinge for dissimilar pairs, a kink at cos = margin",
    ),
    formula="1 - cos(x1, x2) if y = 1; max(0, cos(x1, x2) - margin) if y = -1",
    description="Compares the direction of two embeddings and ignores their length: similar pairs "
    "should point the same way, dissimilar pairs should have a cosine no higher than margin.",
    use_cases="Semantic similarity of sentences, recommendation, matching text and image embeddings.",
    reference="PyTorch CosineEmbeddingLoss(margin), cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))",
    notes=(
        "Labels are 1 and -1; 0 is accepted as -1. PyTorch silently gives 0 for a label of 0, so "
        "its value differs on such rows (map_zero=false reproduces it).",
        "Keras' CosineSimilarity loss is the negative cosine, a different quantity.",
    ),
    example="losscli compute pairs.csv --loss cosine_embedding:margin=0.5 --col x1='x1_*' --col x2='x2_*'",
)
def cosine_embedding(
    y_true: np.ndarray, x1: np.ndarray, x2: np.ndarray, *, margin: float, map_zero: bool = True
) -> np.ndarray:
    labels = _plus_minus_labels(one_column(y_true, "y_true", "cosine_embedding"), map_zero)
    _check_same_width({"x1": x1, "x2": x2})
    if _width(x1) == 1:
        raise one_number_embeddings_error()
    cos = _cosine(x1, x2)
    dissimilar = np.where(labels == -1, np.maximum(cos - margin, 0.0), 0.0)
    return np.where(labels == 1, 1.0 - cos, dissimilar)
