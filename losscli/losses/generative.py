"""Generative-model losses: GAN critics and discriminators, distribution
distances and feature-space (perceptual) distances.

The GAN losses average real and fake rows separately, so their kernels return
per-row sufficient statistics ``[term * real, real, term * fake, fake]``
(kind ``ratio``); ``finalize`` divides the sums. That streams, merges across
batches and respects sample weights. The 1-D earth mover's distance needs every
value at once (kind ``exact``).
"""

from __future__ import annotations

import numpy as np

from ..conventions import loss
from ..errors import LossCliError
from ..wording import counted
from ..shell import loss_option
from ..registry import EPS, FROM_LOGITS, Characteristics, Param, Role, Y_PRED_REGRESSION, Y_TRUE_REGRESSION
from ._checks import as_matrix, check_same_width, fail_where, log_sigmoid, one_column, valid_clipped_probabilities

TASKS = ("generative",)

REAL_FAKE_LABEL = Role(
    "y_true",
    ("y_true", "label", "target", "y", "is_real", "real"),
    "scalar",
    "1 for a real sample, 0 (or -1) for a generated one",
    # real/fake or True/False as written: --positive real.
    binary_labels=True,
)


def _real_fake(y_true: np.ndarray, loss_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Indicator columns (1.0 / 0.0) of the real rows and of the fake rows."""
    y_true = one_column(y_true, "y_true", loss_name)
    fail_where(
        (y_true != 1) & (y_true != 0) & (y_true != -1),
        "real/fake label must be 1 (real) or 0 (fake); -1 is also read as fake",
        role="y_true",
        values=y_true,
    )
    real = (y_true == 1).astype(np.float64)
    return real, 1.0 - real


def _real_fake_stats(real_term: np.ndarray, fake_term: np.ndarray, real: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """Per-row statistics whose sums give the mean over real and over fake rows.

    ``np.where`` keeps an infinite term of the other kind out of the sums.
    """
    return np.column_stack([np.where(real > 0, real_term, 0.0), real, np.where(fake > 0, fake_term, 0.0), fake])


def _mean_real(sums: np.ndarray) -> np.ndarray:
    sums = np.asarray(sums, dtype=np.float64)
    return sums[..., 0] / sums[..., 1]


def _mean_fake(sums: np.ndarray) -> np.ndarray:
    sums = np.asarray(sums, dtype=np.float64)
    return sums[..., 2] / sums[..., 3]


def _sum_real(sums: np.ndarray) -> np.ndarray:
    return np.asarray(sums, dtype=np.float64)[..., 0]


def _sum_fake(sums: np.ndarray) -> np.ndarray:
    return np.asarray(sums, dtype=np.float64)[..., 2]


def _needs_real_and_fake_rows(*, side: str, **_: object) -> str:
    if side == "generator":
        return "no fake rows (label 0 or -1), which the generator side is computed on"
    return "it needs both real rows (label 1) and fake rows (label 0 or -1), and one kind is missing"


# --------------------------------------------------------------------------- wasserstein (WGAN)


def _finalize_wasserstein(sums: np.ndarray, *, side: str) -> np.ndarray:
    if side == "generator":
        return 0.0 - _mean_fake(sums)  # 0.0 - x: a mean score of 0 is a loss of 0, not -0
    return _mean_fake(sums) - _mean_real(sums)


def _finalize_wasserstein_sum(sums: np.ndarray, *, side: str) -> np.ndarray:
    """--reduction sum: the scores summed instead of averaged, as a reduction='sum' critic computes."""
    if side == "generator":
        return 0.0 - _sum_fake(sums)
    return _sum_fake(sums) - _sum_real(sums)


@loss(
    name="wasserstein",
    aliases=("wgan", "wgan_loss", "wasserstein_loss", "critic_loss"),
    family="generative",
    tasks=TASKS,
    roles=(
        REAL_FAKE_LABEL,
        Role("y_pred", ("y_pred", "pred", "prediction", "score", "critic", "d_out"), "scalar", "critic score D(x), any real number"),
    ),
    params=(
        Param("side", str, "critic", "critic: mean D(fake) - mean D(real); generator: -mean D(fake)", choices=("critic", "generator")),
    ),
    characteristics=Characteristics(
        True,
        True,
        False,
        False,
        robust_note="our judgement: linear in the scores, so each score's gradient is bounded",
        smooth_note="our judgement: linear, it never saturates (the point of WGAN)",
    ),
    formula="critic: mean(D(fake)) - mean(D(real)); generator: -mean(D(fake))",
    description="The Wasserstein GAN objective: the critic scores real samples high and generated "
    "ones low, and minus its loss estimates the earth mover's distance between the two "
    "distributions (for a 1-Lipschitz critic). Negative values are normal.",
    use_cases="Monitoring WGAN and WGAN-GP training: critic and generator losses from logged critic scores.",
    reference="keras-io WGAN-GP example (critic scores real samples high); the gradient penalty is not included",
    kind="ratio",
    finalize=_finalize_wasserstein,
    finalize_sum=_finalize_wasserstein_sum,
    undefined_reason=_needs_real_and_fake_rows,
    minimum=None,
    notes=(
        "Real and fake rows are averaged separately; fake rows may be labelled 0 or -1. "
        "--reduction sum adds the scores instead: sum D(fake) - sum D(real).",
        "The original WGAN code (martinarjovsky/WassersteinGAN) reports the opposite sign, "
        "mean D(real) - mean D(fake).",
        "A group without real or without fake rows has no critic value (reported as null).",
    ),
    example="losscli compute critic_scores.csv --loss wasserstein --loss wasserstein:side=generator",
)
def wasserstein(y_true: np.ndarray, y_pred: np.ndarray, *, side: str) -> np.ndarray:
    real, fake = _real_fake(y_true, "wasserstein")
    score = one_column(y_pred, "y_pred", "wasserstein")
    return _real_fake_stats(score, score, real, fake)


# --------------------------------------------------------------------------- wasserstein_distance (EMD)


class _SortedSample:
    """A (weighted) sample sorted once, so its CDF can be read at any points."""

    def __init__(self, values: np.ndarray, weights: np.ndarray | None) -> None:
        if weights is None:
            self.values = np.sort(values, kind="stable")
            self.cumulative = None
        else:
            order = np.argsort(values, kind="stable")
            self.values = values[order]
            self.cumulative = np.concatenate(([0.0], np.cumsum(weights[order])))
            del order

    def cdf(self, at: np.ndarray) -> np.ndarray:
        """The right-continuous empirical CDF at the points ``at``."""
        counts = np.searchsorted(self.values, at, side="right")
        if self.cumulative is None:
            return counts / self.values.size
        return self.cumulative[counts] / self.cumulative[-1]


# The pooled values are integrated this many at a time: the per-point
# temporaries stay a few MB instead of several copies of the whole input
# (30M rows took 4 GB at once).
_PIECE = 1 << 20


def _weights_sum_to_zero(**_: object) -> str:
    # Inputs are finite, so the distance is undefined only when the sample
    # weights leave neither distribution any mass, or when --nan-policy omit
    # left a column without values (weights and omitted values never meet:
    # with weights, omit drops whole rows).
    return "the sample weights of these rows sum to zero, or every value of y_true or of y_pred in them is missing"


def _check_one_column_each(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    one_column(y_pred, "y_pred", "wasserstein_distance")
    one_column(y_true, "y_true", "wasserstein_distance")


@loss(
    name="wasserstein_distance",
    aliases=("emd", "earth_movers_distance", "earth_mover_distance", "wasserstein_1d"),
    family="generative",
    tasks=TASKS,
    roles=(Y_TRUE_REGRESSION, Y_PRED_REGRESSION),
    params=(),
    characteristics=Characteristics(
        True,
        False,
        False,
        False,
        robust_note="our judgement: an L1 distance between quantile functions, like MAE",
        smooth_note="our judgement: absolute differences, kinks where the CDFs cross",
    ),
    formula="integral |F_pred(x) - F_true(x)| dx over the empirical CDFs of the two columns",
    description="How much probability mass must move, and how far, to turn the distribution of the "
    "predictions into the distribution of the labels. Compares distributions, not rows: shuffling "
    "either column does not change it.",
    use_cases="Checking that generated values match the distribution of real ones; comparing "
    "predicted and observed distributions when rows are not paired.",
    reference="scipy.stats.wasserstein_distance(y_pred, y_true), with sample weights as u_weights and v_weights",
    kind="exact",
    rows_paired=False,
    check_batch=_check_one_column_each,
    undefined_reason=_weights_sum_to_zero,
    notes=(
        "Needs every value in memory: it sorts both columns, so it does not stream.",
        "One-dimensional: each of y_true and y_pred is a single column.",
        "Rows are not paired, so two samples of different sizes can share a file, the shorter column "
        "padded with empty cells: --nan-policy omit drops each missing value from its own column, and "
        "rows counts the rows that hold a value in either. With --weight-col a row's weight belongs "
        "to both of its values, so a row missing either value is omitted whole.",
    ),
    example="losscli compute samples.csv --loss emd --nan-policy omit",
)
def wasserstein_distance(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None = None) -> float:
    u = one_column(y_pred, "y_pred", "wasserstein_distance")
    v = one_column(y_true, "y_true", "wasserstein_distance")
    if weights is not None:
        fail_where(weights < 0, "sample weights must be non-negative", role="weights", values=weights)
    u_sample, v_sample = _SortedSample(u, weights), _SortedSample(v, weights)
    # Two sorted runs: a stable sort merges them in linear time.
    pooled = np.concatenate([u_sample.values, v_sample.values])
    pooled.sort(kind="stable")
    # Between consecutive pooled values both CDFs are constant: integrate exactly.
    total = 0.0
    for start in range(0, pooled.size - 1, _PIECE):
        stop = min(start + _PIECE, pooled.size - 1)
        at = pooled[start:stop]
        gap = np.abs(u_sample.cdf(at) - v_sample.cdf(at))
        total += float(np.dot(gap, np.diff(pooled[start : stop + 1])))
    return total


# --------------------------------------------------------------------------- adversarial (GAN)

_ADVERSARIAL_FORMS = ("minimax", "non_saturating", "least_squares", "hinge")
# The forms that read the discriminator's raw scores, whatever from_logits says.
_RAW_SCORE_FORMS = ("least_squares", "hinge")


def _log_probabilities(y_pred: np.ndarray, *, from_logits: bool, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """log D and log(1 - D) from probabilities (clipped) or logits (exact)."""
    if from_logits:
        return log_sigmoid(y_pred), log_sigmoid(-y_pred)
    p = valid_clipped_probabilities(y_pred, eps)
    return np.log(p), np.log1p(-p)


def _adversarial_terms(
    d: np.ndarray, *, side: str, form: str, from_logits: bool, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """(loss on a real row, loss on a fake row) for the chosen side and form."""
    if form in ("minimax", "non_saturating"):
        log_d, log_one_minus_d = _log_probabilities(d, from_logits=from_logits, eps=eps)
        if side == "discriminator":
            # BCE(D(real), 1) and BCE(D(fake), 0): the same for both forms.
            return -log_d, -log_one_minus_d
        fake = -log_d if form == "non_saturating" else log_one_minus_d
        return np.zeros_like(d), fake
    if form == "least_squares":
        if side == "discriminator":
            return 0.5 * (d - 1.0) ** 2, 0.5 * d * d
        return np.zeros_like(d), 0.5 * (d - 1.0) ** 2
    # hinge
    if side == "discriminator":
        return np.maximum(1.0 - d, 0.0), np.maximum(1.0 + d, 0.0)
    return np.zeros_like(d), 0.0 - d  # not -d: a score of 0 costs 0, not -0


def _finalize_adversarial(sums: np.ndarray, *, side: str, **_: object) -> np.ndarray:
    if side == "generator":
        return _mean_fake(sums)
    return _mean_real(sums) + _mean_fake(sums)


def _finalize_adversarial_sum(sums: np.ndarray, *, side: str, **_: object) -> np.ndarray:
    """--reduction sum: every row's loss added up (BCELoss(reduction='sum') on real plus on fake rows)."""
    if side == "generator":
        return _sum_fake(sums)
    return _sum_real(sums) + _sum_fake(sums)


@loss(
    name="adversarial",
    aliases=("gan_loss", "adversarial_loss", "dcgan"),
    family="generative",
    tasks=TASKS,
    roles=(
        REAL_FAKE_LABEL,
        Role(
            "y_pred",
            ("y_pred", "pred", "prediction", "score", "prob", "logit", "d_out", "disc"),
            "scalar",
            "discriminator output: probability (minimax, non_saturating; logits with from_logits) "
            "or raw score (least_squares, hinge)",
        ),
    ),
    params=(
        Param("side", str, "discriminator", "whose loss: the discriminator's or the generator's", choices=("discriminator", "generator")),
        Param("form", str, "non_saturating", "which GAN objective", choices=_ADVERSARIAL_FORMS),
        FROM_LOGITS,
        EPS,
    ),
    characteristics=Characteristics(
        False,
        True,
        False,
        False,
        robust_note="our judgement: the BCE forms are unbounded in a confident mistake, like cross-entropy",
        smooth_note="our judgement: smooth for the BCE and least-squares forms; hinge has kinks",
    ),
    formula="discriminator: mean over real rows of l_real(D) + mean over fake rows of l_fake(D); "
    "generator: mean over fake rows of l_gen(D). non_saturating/minimax D: -log D(real), "
    "-log(1 - D(fake)); G: -log D(fake) (non_saturating) or log(1 - D(fake)) (minimax). "
    "least_squares D: 0.5 (D(real) - 1)^2, 0.5 D(fake)^2; G: 0.5 (D(fake) - 1)^2. "
    "hinge D: max(0, 1 - D(real)), max(0, 1 + D(fake)); G: -D(fake)",
    description="The GAN losses computed from logged discriminator outputs and a real/fake label. "
    "The discriminator is scored on telling real from generated samples; the generator on "
    "fooling it, using generated rows only. Four objectives: the original minimax, its "
    "non-saturating variant (the default), least squares (LSGAN) and hinge.",
    use_cases="Monitoring GAN training (image, audio or text generation) from saved discriminator "
    "outputs; comparing GAN objectives on the same outputs.",
    reference="PyTorch DCGAN example (BCELoss(D(real), 1) + BCELoss(D(fake), 0); generator "
    "BCE(D(fake), 1)); LSGAN (Mao et al. 2017) with its 1/2 factors; hinge GAN (Lim and Ye 2017, "
    "Miyato et al. 2018)",
    kind="ratio",
    finalize=_finalize_adversarial,
    finalize_sum=_finalize_adversarial_sum,
    undefined_reason=_needs_real_and_fake_rows,
    ignores_from_logits=lambda form, **_: form in _RAW_SCORE_FORMS,
    minimum=None,
    notes=(
        "minimax and non_saturating differ only on the generator side: the discriminator loss is the same BCE for both.",
        "The discriminator value is the sum of two means (real rows, fake rows), as the PyTorch DCGAN "
        "example; Keras' DCGAN example takes one mean over the concatenated batch (half of ours for "
        "equal halves) and labels fake as 1. --reduction sum adds up every row's loss instead.",
        "minimax and non_saturating read probabilities clipped to [eps, 1 - eps] (PyTorch's BCELoss "
        "clamps the log at -100 instead); with from_logits they use the exact log-sigmoid. "
        "least_squares and hinge read raw scores and ignore from_logits.",
        "The minimax generator loss is never positive; the hinge generator loss -mean D(fake) is "
        "negative whenever the fakes' mean score is above 0.",
    ),
    example="losscli compute disc.csv --loss adversarial --loss adversarial:side=generator --from-logits",
)
def adversarial(
    y_true: np.ndarray, y_pred: np.ndarray, *, side: str, form: str, from_logits: bool, eps: float
) -> np.ndarray:
    real, fake = _real_fake(y_true, "adversarial")
    d = one_column(y_pred, "y_pred", "adversarial")
    real_term, fake_term = _adversarial_terms(d, side=side, form=form, from_logits=from_logits, eps=eps)
    return _real_fake_stats(real_term, fake_term, real, fake)


# --------------------------------------------------------------------------- perceptual

# PyTorch's cosine_similarity clamps each norm at this value.
_COSINE_NORM_FLOOR = 1e-8


def _layer_slices(width: int, layers: tuple[float, ...] | None) -> list[slice]:
    """Column ranges of consecutive feature groups (one group without ``layers``)."""
    if layers is None:
        return [slice(0, width)]
    sizes = [int(size) for size in layers]
    if any(size != given or size < 1 for size, given in zip(sizes, layers)):
        raise LossCliError(
            f"perceptual layers must be positive whole column counts, got {';'.join(f'{v:g}' for v in layers)}",
            hint=f"write {loss_option('perceptual:layers=64;128')} for a first group of 64 columns and a second of 128",
        )
    if sum(sizes) != width:
        raise LossCliError(
            f"perceptual layers add up to {sum(sizes)} columns but the features have {width}",
            role="y_pred",
            hint="the sizes in layers= must add up to the number of feature columns",
        )
    bounds = np.cumsum([0, *sizes])
    return [slice(int(start), int(stop)) for start, stop in zip(bounds[:-1], bounds[1:])]


def _layer_weights(count: int, layers: tuple[float, ...] | None, weights: tuple[float, ...] | None) -> tuple[float, ...]:
    if weights is None:
        return (1.0,) * count
    if layers is None and len(weights) != 1:
        raise LossCliError(
            "perceptual layer_weights needs layers= to say which columns each weight applies to",
            hint=f"write {loss_option('perceptual:layers=64;128,layer_weights=1;0.5')}",
        )
    if len(weights) != count:
        raise LossCliError(
            f"perceptual has {counted(count, 'layer')} but {len(weights)} layer_weights",
            hint="give one weight per layer",
        )
    return tuple(weights)


def _feature_distance(true: np.ndarray, pred: np.ndarray, distance: str) -> np.ndarray:
    """Per-row distance between two blocks of feature columns."""
    if distance == "l2":
        diff = pred - true
        return np.einsum("ij,ij->i", diff, diff) / diff.shape[1]
    if distance == "l1":
        return np.abs(pred - true).mean(axis=1)
    norm_true = np.maximum(np.sqrt(np.einsum("ij,ij->i", true, true)), _COSINE_NORM_FLOOR)
    norm_pred = np.maximum(np.sqrt(np.einsum("ij,ij->i", pred, pred)), _COSINE_NORM_FLOOR)
    return 1.0 - np.einsum("ij,ij->i", true, pred) / (norm_true * norm_pred)


@loss(
    name="perceptual",
    aliases=("perceptual_loss", "feature_loss", "feature_reconstruction", "content_loss"),
    family="generative",
    tasks=TASKS,
    roles=(
        Role("y_true", ("y_true", "label", "target", "y", "feat_true"), "vector", "feature vector of the target image (many columns)"),
        Role("y_pred", ("y_pred", "pred", "prediction", "feat_pred"), "vector", "feature vector of the generated image (same columns)"),
    ),
    params=(
        Param("distance", str, "l2", "l2: mean squared error; l1: mean absolute error; cosine: 1 - cos per row", choices=("l2", "l1", "cosine")),
        Param("layers", "floats", None, "sizes of consecutive column groups (network layers), e.g. 64;128", allow_none=True, counts=True),
        Param("layer_weights", "floats", None, "one weight per layer; the loss is the weighted sum of layer distances", allow_none=True),
    ),
    characteristics=Characteristics(
        False,
        True,
        False,
        False,
        robust_note="our judgement: the default l2 distance squares feature errors, like MSE; distance=l1 is robust",
        smooth_note="our judgement: smooth for l2 and cosine; distance=l1 has a kink at zero",
    ),
    formula="sum over layers of w_l * dist_l(y_pred, y_true); l2: mean of squared differences "
    "over the layer's columns, l1: mean of absolute differences, cosine: 1 - cos; then the mean over rows",
    description="A distance between feature vectors rather than raw pixels: generated and target "
    "images that look alike have close features even when their pixels differ. Features from a "
    "pretrained network (VGG, AlexNet, ...) are computed outside losscli and given as columns; "
    "losscli only measures the distance.",
    use_cases="Style transfer, super-resolution, image-to-image translation: scoring outputs by "
    "feature-space error from exported features.",
    reference="Johnson et al. (2016) feature reconstruction loss: MSE over all feature elements "
    "(PyTorch MSELoss on features); cosine as 1 - PyTorch cosine_similarity (eps 1e-8)",
    notes=(
        "losscli does not run a network: export the features of a pretrained network (for example "
        "a VGG layer) as columns for y_pred and y_true.",
        "With layers=64;128 the first 64 columns form one layer and the next 128 another; each layer's "
        "distance is averaged over its own columns and the layers are summed (weighted by layer_weights).",
        "LPIPS additionally unit-normalises channels and learns per-channel weights; it is not reproduced.",
    ),
    example="losscli compute feats.csv --loss 'perceptual:layers=64;128,layer_weights=1;0.5' --pred-col 'fp_*' --label-col 'ft_*'",
)
def perceptual(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    distance: str,
    layers: tuple[float, ...] | None,
    layer_weights: tuple[float, ...] | None,
) -> np.ndarray:
    check_same_width(y_true, y_pred, what="feature column")
    true, pred = as_matrix(y_true), as_matrix(y_pred)
    slices = _layer_slices(true.shape[1], layers)
    weights = _layer_weights(len(slices), layers, layer_weights)
    total = np.zeros(true.shape[0])
    for columns, weight in zip(slices, weights):
        total += weight * _feature_distance(true[:, columns], pred[:, columns], distance)
    return total
