"""Loss names as users of PyTorch, Keras and scikit-learn type them.

``registry.get`` looks a name up as written first (``mse``, ``log_loss``,
``nll``); only when that fails does it turn here. A class or function name
of a library is then read the way that library spells it: CamelCase words
split (``SmoothL1Loss`` -> ``smooth_l1_loss``), a module path dropped
(``nn.MSELoss``) and a trailing ``loss`` left off (``mse``).

A library name that means the same computation on the same inputs as a
losscli loss simply resolves to it. One that reads other inputs
(``BCEWithLogitsLoss`` reads logits, ``NLLLoss`` log-probabilities) is
refused with the losscli form that computes it, since resolving it
silently would evaluate probabilities the user does not have; one that
losscli has no equivalent of says so, rather than offering the nearest
spelling (``MarginRankingLoss`` is not ``contrastive``).
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, NamedTuple


class Advice(NamedTuple):
    """What to write instead of a library's loss name that is not an alias."""

    message: str
    hint: str


def _none(what: str, instead: str) -> Advice:
    return Advice(f"losscli has no equivalent of {what}", instead)


# Keyed by the name without module path and trailing 'loss' (see ``loss_keys``).
LIBRARY_NAMES: dict[str, Advice] = {
    "bce_with_logits": Advice(
        "PyTorch's BCEWithLogitsLoss is losscli's bce on logits", "write --loss bce --from-logits"
    ),
    "binary_cross_entropy_with_logits": Advice(
        "PyTorch's binary_cross_entropy_with_logits is losscli's bce on logits", "write --loss bce --from-logits"
    ),
    "cross_entropy": Advice(
        "PyTorch's CrossEntropyLoss reads logits: it is losscli's cce with --from-logits (cce alone reads "
        "probabilities; class-index and text labels work either way)",
        "write --loss cce --from-logits",
    ),
    "nll": Advice(
        "PyTorch's NLLLoss reads log-probabilities (the output of log_softmax): it is losscli's sparse_cce "
        "with --from-logits, whose log-softmax leaves log-probabilities as they are",
        "write --loss sparse_cce --from-logits",
    ),
    "kl_div": Advice(
        "PyTorch's KLDivLoss reads log-probabilities as its input: it is losscli's kl_div with --from-logits, "
        "whose softmax turns them back into probabilities (the mean is per sample, reduction='batchmean')",
        "write --loss kl_div --from-logits",
    ),
    "soft_margin": Advice(
        "PyTorch's SoftMarginLoss, log(1 + exp(-y x)) with labels -1/1, is losscli's bce on logits with "
        "labels 0/1 (its -1 is bce's 0)",
        "write --loss bce --from-logits",
    ),
    "multi_label_soft_margin": Advice(
        "PyTorch's MultiLabelSoftMarginLoss is losscli's bce on logits with one column per label, averaged "
        "over labels and rows",
        "write --loss bce --from-logits --label-col 'y_true_*' --pred-col 'y_pred_*'",
    ),
    "triplet_margin_with_distance": Advice(
        "PyTorch's TripletMarginWithDistanceLoss with its default (Euclidean) distance is losscli's triplet; "
        "other distance functions have no equivalent",
        "write --loss triplet",
    ),
    "binary_focal_crossentropy": Advice(
        "Keras' BinaryFocalCrossentropy is losscli's focal in the Keras convention (alpha off, clipping)",
        "write --loss focal:convention=keras",
    ),
    "categorical_focal_crossentropy": Advice(
        "Keras' CategoricalFocalCrossentropy is losscli's focal on class columns in the Keras convention",
        "write --loss focal:convention=keras",
    ),
    "mean_poisson_deviance": Advice(
        "scikit-learn's mean_poisson_deviance is losscli's poisson as a deviance, on predicted rates "
        "(poisson alone is PyTorch's negative log-likelihood of log-rates)",
        "write --loss poisson:deviance=true,log_input=false",
    ),
    "cosine_similarity": Advice(
        "Keras' CosineSimilarity loss is -cos(y_true, y_pred); losscli's perceptual:distance=cosine is "
        "1 - cos, so Keras' value is that minus 1",
        "write --loss perceptual:distance=cosine",
    ),
    "linear_cross_entropy": Advice(
        "PyTorch's LinearCrossEntropyLoss projects features with a weight matrix first; on the logits that "
        "gives, it is losscli's cce with --from-logits",
        "write the logits out, then --loss cce --from-logits",
    ),
    "adaptive_log_softmax_with": _none(
        "PyTorch's AdaptiveLogSoftmaxWithLoss (a clustered softmax over features)",
        "on the log-probabilities it gives, write --loss sparse_cce --from-logits",
    ),
    "margin_ranking": _none(
        "PyTorch's MarginRankingLoss (a margin between two scores of a row)",
        "losscli's ranking losses: contrastive, triplet, cosine_embedding",
    ),
    "hinge_embedding": _none(
        "PyTorch's HingeEmbeddingLoss (a distance, or a margin minus it, per pair)",
        "losscli's pair losses: contrastive (squares both terms), cosine_embedding",
    ),
    "multi_margin": Advice(
        "PyTorch's MultiMarginLoss with its defaults p=1, margin=1 (a sum over every wrong class, divided "
        "by the number of classes) is losscli's categorical_hinge in the Weston-Watkins form; categorical_hinge "
        "alone takes the largest wrong-class margin instead (Crammer-Singer)",
        "write --loss categorical_hinge:form=weston_watkins",
    ),
    "multi_label_margin": _none(
        "PyTorch's MultiLabelMarginLoss",
        "for multi-label targets write --loss bce with one column per label",
    ),
}


def snake_case(name: str) -> str:
    """A class or function name in snake case: ``BCEWithLogitsLoss`` ->
    ``bce_with_logits_loss``, ``KLDivLoss`` -> ``kl_div_loss``, ``L1Loss`` ->
    ``l1_loss``; the module path is dropped (``nn.MSELoss`` -> ``mse_loss``)."""
    name = name.strip().rsplit(".", 1)[-1]
    # An upper-case run followed by a capitalised word ends before its last
    # letter (NLLLoss -> NLL_Loss); a lower case letter or digit before a
    # capital ends a word (SmoothL1Loss -> Smooth_L1_Loss).
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"[\s\-_]+", "_", name.lower())
    # Multi-label is one word to the libraries that write it MultiLabel.
    return name.replace("multilabel", "multi_label").strip("_")


def without_loss(key: str) -> str:
    """``mse_loss`` -> ``mse``, ``ctcloss`` -> ``ctc``; a bare ``loss`` stays."""
    stripped = re.sub(r"_?loss$", "", key)
    return stripped if len(stripped) >= 2 else key


def loss_keys(name: str) -> list[str]:
    """The keys after the literal one to look a loss name up by: snake case,
    then without a trailing 'loss'."""
    snake = snake_case(name)
    return list(dict.fromkeys((snake, without_loss(snake))))


def prose_keys(name: str) -> list[str]:
    """The keys of a loss name written as words ("IoU Loss", "Cross-Entropy
    Loss", "Kullback-Leibler Divergence"): lower case, words joined by '_',
    then without a trailing 'loss'. Only for a name with a space: a
    single word is a library's class or function name (``CrossEntropyLoss``),
    which ``library_advice`` reads."""
    if not re.search(r"\S\s+\S", name.strip()):
        return []
    words = re.sub(r"[\s\-_]+", "_", name.strip().lower()).strip("_")
    return list(dict.fromkeys((words, without_loss(words))))


def library_advice(name: str) -> Advice | None:
    """What to write instead of a library's loss name that losscli does not take as it is."""
    return LIBRARY_NAMES.get(loss_keys(name)[-1])


def closest_loss(name: str, known: Iterable[str]) -> str | None:
    """The known loss name (or alias) nearest to ``name``, compared without
    the 'loss' suffix on either side, so that ``MSELos`` is near ``mse``
    rather than near ``dice_loss`` for the ``_loss`` they share.

    A name is near when it is a typo of one (a letter or two added, dropped,
    changed or swapped, more in longer names) or the start of one; a name
    that merely shares letters with one gets no suggestion: 'nonexistent'
    shares 'on', 'te', 'nt' with 'content' and is no typo of it."""
    by_stem: dict[str, str] = {}
    for key in known:
        by_stem.setdefault(without_loss(key), key)
    query, snake = loss_keys(name)[-1], snake_case(name)
    for stem in difflib.get_close_matches(query, list(by_stem), n=5, cutoff=0.6):
        # 'focal_los' is 'focal_loss' with a letter missing, not 'focal' with four more.
        if _near(query, stem) or _near(snake, stem + "_loss"):
            # The name as registered: a stem need not be one ('logloss' -> 'log').
            return by_stem[stem]
    return None


def _near(typed: str, known: str) -> bool:
    if len(typed) >= 4 and known.startswith(typed) and 2 * len(typed) >= len(known):
        return True
    allowed = 1 if len(typed) <= 5 else 2 if len(typed) <= 10 else 3
    return _edits(typed, known) <= allowed


def _edits(a: str, b: str) -> int:
    """Letters to insert, delete, replace or swap with the next to turn ``a``
    into ``b`` (the optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
