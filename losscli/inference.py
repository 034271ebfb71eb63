"""What ``recommend --data`` infers from the labels: task kind, class imbalance, heavy tails.

The analysis is pure numpy on arrays (:func:`infer`); :func:`infer_file` is
the glue that reads only the label, prediction and sample columns of a file
through the input layer (``losscli.io``). Every conclusion comes with the
evidence it was drawn from, in words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import LossCliError
from .logit_names import columns_say_logits, name_says_logits
from .shell import quote

# SPEC: class imbalance is flagged when majority:minority is 3 or more.
IMBALANCE_RATIO = 3.0
# A value is an outlier when its robust z-score |r - median| / (1.4826 MAD)
# exceeds 3.5 (Iglewicz and Hoaglin); the data have outliers when more than
# 1% of values are. A normal sample has about 0.05% beyond 3.5.
ROBUST_Z_LIMIT = 3.5
OUTLIER_SHARE = 0.01
MAD_TO_SIGMA = 1.4826
# When more than half the values are equal the MAD is 0; the mean absolute
# deviation from the median, times sqrt(pi/2), estimates sigma instead.
MEAN_AD_TO_SIGMA = 1.2533
# Residuals of decimal values differ in their last bits (1.0 - 1.2 and
# 4.9 - 5.1 are not the same -0.2): a spread within this many units in the
# last place of the values subtracted is rounding, not a scale to measure by.
ROUNDING_ULPS = 16
# Integer labels alone read as classes up to this many distinct values (and
# at least a few rows per class); beyond, an integer target is a count or a
# score, unless the predictions hold one column per class that the labels
# name (a thousand for ImageNet): those decide, whatever the number of classes.
MAX_CLASSES = 50
ALWAYS_CLASSES = 10
ROWS_PER_CLASS = 5
# Tolerance for one-hot / soft-label rows summing to 1 (CSV rounding).
ROW_SUM_TOLERANCE = 1e-3
# Columns that name the image (or sample) a mask pixel belongs to.
SAMPLE_COLUMN_NAMES = (
    "image_id",
    "image",
    "img_id",
    "img",
    "mask_id",
    "sample_id",
    "sample",
    "slice_id",
    "volume_id",
)
# Columns that name the sequence a frame row belongs to (long-format CTC);
# looked for only beside label sequences, so a class-label file with an
# 'utterance' column is not read as segmentation masks.
SEQUENCE_COLUMN_NAMES = ("utterance", "utterance_id", "utt", "utt_id", "sequence_id", "seq_id")
# Prediction column names too generic for compute to take by default (a
# model's "output" may be anything) that still name the predictions when no
# other column does; the commands name them with --pred-col.
OTHER_PREDICTION_NAMES = ("output", "outputs")
# Families recognised by the names of their input columns rather than by
# their labels (triplet files have no labels at all; a critic's labels look binary).
STRUCTURAL_FAMILIES = ("ranking", "generative")
# Spark ML's model.transform() output: a vector per row of class
# probabilities, and of raw scores, beside the predicted class index.
SPARK_PROBABILITY = "probability"
SPARK_RAW_PREDICTION = "rawPrediction"
SPARK_CLASS_INDEX = "prediction"
SHOWN_CLASSES = 8


# --------------------------------------------------------------------------- results


@dataclass
class Inference:
    """What the data say. ``as_dict`` is the ``inferred`` object of SPEC section 1."""

    task: str
    imbalance_ratio: float | None = None
    imbalanced: bool = False
    outliers: bool = False
    evidence: list[str] = field(default_factory=list)
    # For the recommender: how the labels are laid out (onehot, index, soft,
    # sign, counts), values for suggested parameters, column facts.
    layouts: set[str] = field(default_factory=set)
    # What the predictions are, where a loss reads them either way (rates,
    # which poisson reads with log_input=false).
    prediction_kinds: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    from_logits: bool = False
    # The predictions' column names say logits: compute reads them as logits
    # by itself, so the commands need no --from-logits (see ``logit_names``).
    logits_by_name: bool = False
    sample_column: str | None = None
    prediction_columns: tuple[str, ...] = ()
    # The --pred-col the commands need when the predictions are not under a
    # default name (class columns p_cat, p_dog; a column named 'proba').
    prediction_selection: str | None = None
    structural: bool = False
    matched_loss: str | None = None  # the loss whose input columns the file has
    # Several losses read the file's columns alike and the data cannot tell
    # which the model trains with (a critic's scores or a discriminator's logits).
    matched_losses: tuple[str, ...] = ()
    # Inputs other than labels and predictions found under names no default
    # takes (embedding pairs as list columns 'sentence1', 'sentence2'): role ->
    # column, which the commands pass as --col ROLE=COLUMN; and their values
    # beside the labels, for trying the losses that read them.
    role_columns: dict[str, str] = field(default_factory=dict)
    inputs_read: dict[str, np.ndarray] | None = field(default=None, repr=False)
    # The label the commands pass as --positive: two text classes beside one
    # probability column, the class that column reads as the probability of.
    positive: str | None = None
    missing_rows: int = 0  # rows left out for a missing label or prediction
    # The values read (labels, predictions; class labels as the position of
    # the class column compute matches them to), so the recommender can try
    # each suggested loss on them: msle and poisson reject some targets, bce
    # rejects -1/1 labels, sparse_cce one-hot columns.
    values_read: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    # Why compute refuses the class labels against the class columns (a label
    # that names none of prob_1 .. prob_3), in its words: the losses that read
    # class labels cannot run on the file.
    class_label_problem: str | None = None
    # The labels read from a file that holds no predictions, for the checks
    # of the labels alone (msle and poisson reject labels at or below -1).
    labels_read: np.ndarray | None = field(default=None, repr=False)
    # The file as opened for the inference, for the checks of the suggested
    # commands: stdin can be read only once, and its bytes are kept here.
    source: Any = field(default=None, repr=False)
    label_columns: tuple[str, ...] = ()
    counted_every_row: bool = False  # class counts from every row of a file whose other facts come from a sample

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "imbalance_ratio": self.imbalance_ratio,
            "imbalanced": self.imbalanced,
            "outliers": self.outliers,
            "evidence": list(self.evidence),
        }


@dataclass
class LabelSummary:
    """The shape of a label array.

    ``kind``: ``continuous``, ``counts``, ``multioutput`` (regression);
    ``binary``, ``sign``, ``multilabel``, ``text_binary``, ``coded_binary``
    (binary); ``classes``,
    ``text``, ``onehot``, ``soft`` (multiclass); ``sequence``.
    """

    kind: str
    detail: str
    classes: list[Any] = field(default_factory=list)
    counts: np.ndarray | None = None
    # The distinct values of non-negative integer targets (``counts``) and
    # how often each occurs: prediction columns, one per class, may show them
    # to be classes (see _with_prediction_shape).
    distinct: np.ndarray | None = None


TASK_OF_KIND = {
    "continuous": "regression",
    "counts": "regression",
    "multioutput": "regression",
    "binary": "binary",
    "sign": "binary",
    "multilabel": "binary",
    "text_binary": "binary",
    "coded_binary": "binary",
    "classes": "multiclass",
    "text": "multiclass",
    "onehot": "multiclass",
    "soft": "multiclass",
    "sequence": "sequence",
}
# How the labels are laid out, for the recommender's rules ("labels=...").
LAYOUT_OF_KIND = {
    "counts": "counts",
    "sign": "sign",
    "classes": "index",
    "text": "index",
    "onehot": "onehot",
    "soft": "soft",
    "multilabel": "multilabel",
}


# --------------------------------------------------------------------------- pure functions


def robust_z_scores(values: np.ndarray, rounding: float = 0.0) -> np.ndarray:
    """|x - median| / (1.4826 MAD), falling back to the mean absolute deviation when MAD = 0.

    ``rounding`` is the size of the rounding error in the values (residuals
    of decimal numbers): a MAD or mean deviation no larger is taken as 0."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        return values
    deviation = np.abs(values - np.median(values))
    scale = MAD_TO_SIGMA * np.median(deviation)
    if scale <= rounding:
        scale = MEAN_AD_TO_SIGMA * deviation.mean()
    if scale <= rounding:
        return np.zeros_like(deviation)  # every value equal: nothing stands out
    return deviation / scale


@dataclass
class OutlierSummary:
    count: int
    n: int
    largest_z: float

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0

    @property
    def heavy(self) -> bool:
        return self.share > OUTLIER_SHARE


def outlier_summary(values: np.ndarray, rounding: float = 0.0) -> OutlierSummary:
    values = np.asarray(values, dtype=np.float64).ravel()
    z = robust_z_scores(values, rounding)
    count = int((z > ROBUST_Z_LIMIT).sum())
    largest = float(z.max()) if z.size else 0.0
    return OutlierSummary(count, int(values.size), largest)


def imbalance_ratio(counts: np.ndarray) -> float | None:
    """Majority over minority among the classes present; None when fewer than two are."""
    present = np.asarray(counts, dtype=np.float64)
    present = present[present > 0]
    if present.size < 2:
        return None
    return float(present.max() / present.min())


def summarise_labels(labels: np.ndarray) -> LabelSummary:
    """Classify a label array: (n,) numbers or strings, (n, k) numbers, or per-row sequences."""
    labels = np.asarray(labels) if not isinstance(labels, np.ndarray) else labels
    if labels.dtype == object and labels.size and isinstance(labels.flat[0], np.ndarray):
        lengths = np.array([len(row) for row in labels])
        symbols = f"{lengths.min()}" if lengths.min() == lengths.max() else f"{lengths.min()} to {lengths.max()}"
        return LabelSummary("sequence", f"label sequences of {symbols} symbol{'s' if lengths.max() != 1 else ''}")
    if labels.dtype.kind in "OUS":
        return _text_summary(labels)
    values = labels.astype(np.float64)
    if values.ndim == 2 and values.shape[1] > 1:
        return _columns_summary(values)
    return _number_summary(values.ravel())


def _text_summary(labels: np.ndarray) -> LabelSummary:
    classes, counts = np.unique(labels.astype(str), return_counts=True)
    return LabelSummary("text", f"{len(classes)} text classes", list(classes), counts)


def _number_summary(values: np.ndarray) -> LabelSummary:
    distinct, counts = np.unique(values, return_counts=True)
    return _distinct_summary(distinct, counts)


def _distinct_summary(distinct: np.ndarray, counts: np.ndarray) -> LabelSummary:
    """The kind of a numeric label column from its distinct values and their counts."""
    integral = bool(np.all(distinct == np.round(distinct)))
    k = len(distinct)
    if integral and k <= 2 and set(distinct.tolist()) <= {0.0, 1.0}:
        return LabelSummary("binary", "values 0/1", _plain(distinct), counts)
    if integral and k == 2 and set(distinct.tolist()) == {-1.0, 1.0}:
        return LabelSummary("sign", "values -1/1", _plain(distinct), counts)
    # Every value a few times, not on average: counts have a long tail of
    # values seen once or twice (a Poisson sample's 0 .. 32).
    few = k <= ALWAYS_CLASSES or (k <= MAX_CLASSES and int(counts.min()) >= ROWS_PER_CLASS)
    if integral and distinct.min() >= 0 and few:
        return LabelSummary("classes", f"{k} distinct integers {_range_text(distinct)}", _plain(distinct), counts)
    if integral and distinct.min() >= 0:
        return LabelSummary("counts", f"non-negative integers with {k} distinct values {_range_text(distinct)}", counts=counts, distinct=distinct)
    what = "integers" if integral else "non-integer values"
    if integral and k == 2:
        # Two codes such as -2/3: a binary question beside one probability column (see _with_prediction_shape).
        return LabelSummary("continuous", f"{k} distinct {what} {_range_text(distinct)}", _plain(distinct), counts)
    return LabelSummary("continuous", f"{k} distinct {what} {_range_text(distinct)}")


def _counted_summary(sampled: LabelSummary, tally: Any) -> LabelSummary | None:
    """The labels' summary from the counts of every row of the file, where the
    sample's reading of them allows (classes and targets of one column; the
    column sums of one-hot, soft and multi-label columns); None otherwise."""
    if tally is None or not tally.usable or tally.rows == 0 or sampled.kind == "sequence":
        return None
    if tally.sums is not None:
        if sampled.kind in ("onehot", "soft"):
            return LabelSummary(sampled.kind, sampled.detail, sampled.classes, tally.sums.copy())
        if sampled.kind == "multilabel":
            return _multilabel_summary(tally.sums, tally.rows)
        return None
    found = tally.classes()
    if found is None:
        return None
    values, counts = found
    if tally.text:
        return LabelSummary("text", f"{len(values)} text classes", [str(v) for v in values], counts)
    return _distinct_summary(np.array(values, dtype=np.float64), counts)


def _columns_summary(values: np.ndarray) -> LabelSummary:
    k = values.shape[1]
    binary = bool(np.all((values == 0) | (values == 1)))
    unit = bool(np.all((values >= 0) & (values <= 1)))
    sums_to_one = bool(np.all(np.abs(values.sum(axis=1) - 1.0) <= ROW_SUM_TOLERANCE))
    counts = values.sum(axis=0)
    columns = list(range(k))
    if binary and sums_to_one:
        return LabelSummary("onehot", f"{k} one-hot columns", columns, counts)
    if unit and sums_to_one:
        return LabelSummary("soft", f"{k} columns of class probabilities (soft labels)", columns, counts)
    if binary:
        return _multilabel_summary(counts, len(values))
    return LabelSummary("multioutput", f"{k} columns of numeric targets (multi-output)")


def _multilabel_summary(positives: np.ndarray, rows: int) -> LabelSummary:
    # Each column is its own binary problem: the imbalance that matters is
    # negatives:positives of the most skewed column.
    k = len(positives)
    negatives = rows - positives
    skew = np.maximum(positives, negatives) / np.maximum(np.minimum(positives, negatives), 0.5)
    j = int(np.argmax(skew))
    return LabelSummary(
        "multilabel",
        f"{k} columns of independent 0/1 labels (multi-label); column {j + 1} is the most skewed",
        [f"column {j + 1} = 0", f"column {j + 1} = 1"],
        np.array([negatives[j], positives[j]]),
    )


def _plain(values: np.ndarray) -> list[Any]:
    return [int(v) if float(v).is_integer() else float(v) for v in values]


def _range_text(distinct: np.ndarray) -> str:
    return f"from {_num(distinct.min())} to {_num(distinct.max())}"


def _num(value: float) -> str:
    return f"{value:.6g}"


def rows_per_sample(sample_ids: np.ndarray) -> tuple[int, float]:
    """(number of samples, mean rows per sample)."""
    keys = np.asarray(sample_ids)
    keys = keys.astype(str) if keys.dtype == object else keys
    samples = len(np.unique(keys))
    return samples, (len(keys) / samples if samples else 0.0)


def looks_like_logits(predictions: np.ndarray) -> bool:
    """Predictions outside [0, 1] cannot be probabilities."""
    values = np.asarray(predictions, dtype=np.float64)
    return bool(values.size) and bool((values.min() < 0) or (values.max() > 1))


# --------------------------------------------------------------------------- the inference


def infer(
    labels: np.ndarray | None,
    predictions: np.ndarray | None = None,
    sample_ids: np.ndarray | None = None,
    *,
    label_name: str = "labels",
    prediction_name: str = "predictions",
    sample_name: str = "sample",
    structure: tuple[str, str, str | None] | None = None,
    file_rows: int | None = None,
    tally: Any = None,
    class_names: tuple[str, ...] | None = None,
    sequence_ids_only: bool = False,
) -> Inference:
    """Task kind, class imbalance and outliers from the labels (and predictions).

    ``structure`` is (task, evidence, loss) when the input columns already
    identify the family (a triplet file has anchors, not labels).
    ``class_names`` are the names of the prediction columns, which integer
    labels may name (``prob_1 .. prob_3``); None when there are none (a list
    column, arrays), and the labels are positions.
    ``file_rows``: the rows are a sample of a file of that many rows, and
    ``tally`` (a :class:`~losscli.label_tally.LabelTally`) has the labels of
    every one of them counted. ``sequence_ids_only``: ``sample_ids`` come
    from a column named like a sequence (``utterance``), which groups frame
    rows of label sequences and says nothing about class labels.
    """
    if labels is None:
        if structure is None:
            raise LossCliError("no labels to infer from")
        return Inference(structure[0], evidence=[structure[1]], structural=True, matched_loss=structure[2])
    summary = summarise_labels(labels)
    n = len(labels)
    counted = _counted_summary(summary, tally)
    if counted is not None:
        summary, n = counted, tally.rows
    summary = _with_prediction_shape(summary, predictions, class_names)
    result = Inference(TASK_OF_KIND[summary.kind])
    result.counted_every_row = counted is not None
    label_line = len(result.evidence)
    result.evidence.append(f"{label_name}: {n} row{'s' if n != 1 else ''}, {summary.detail} -> {result.task}")
    if summary.kind in LAYOUT_OF_KIND:
        result.layouts.add(LAYOUT_OF_KIND[summary.kind])
    if structure is not None and result.task != "regression":
        result.task = structure[0]
        result.structural = True
        result.matched_loss = structure[2]
        result.evidence.append(structure[1])
    elif sample_ids is not None and _is_class_like(summary) and not sequence_ids_only:
        _check_segmentation(result, sample_ids, sample_name, file_rows)
    elif sample_ids is not None and summary.kind == "sequence" and (predictions is None or np.asarray(predictions).dtype != object):
        sequences = _check_frames(result, sample_ids, sample_name, file_rows)
        if sequences is not None:
            # The rows are frames, each carrying its sequence's target.
            result.evidence[label_line] = (
                f"{label_name}: {n} frame row{'s' if n != 1 else ''} of {sequences} sequence{'s' if sequences != 1 else ''}, each frame carrying its sequence's target: "
                f"{summary.detail} -> {result.task}"
            )
    if summary.counts is not None and _is_class_like(summary) and not result.structural:
        _assess_imbalance(result, summary)
    real = _real_label(np.asarray(labels)) if result.task == "generative" and summary.kind == "text_binary" else None
    if real is not None:
        # The GAN losses read 1 for a real sample, whatever the scores are the probability of.
        result.positive = str(real)
        result.evidence.append(
            f"compute reads real/fake labels as 1 for a real sample and 0 for a generated one: the commands pass --positive {quote(result.positive)}"
        )
    elif summary.kind in ("text_binary", "coded_binary"):
        positive, why = _positive_class(labels, predictions, summary.classes, prediction_name)
        result.positive = str(positive)
        if summary.counts is not None and len(summary.counts) == 2 and positive in summary.classes and not result.structural:
            # --positive makes its class the 1s bce's pos_weight weighs: the
            # commands pass the ratio the labels give, as for 0/1 labels.
            counts = np.asarray(summary.counts, dtype=np.float64)
            at = summary.classes.index(positive)
            _set_pos_weight(result, negatives=counts[1 - at], positives=counts[at])
        others = [str(label) for label in summary.classes if label != positive]
        otherwise = f" (--positive {quote(others[0])} if it is the probability of '{others[0]}')" if others else ""
        result.evidence.append(
            f"compute reads binary labels as 0/1 and the file does not say which class {prediction_name} is the probability of: "
            f"{why}, so the commands pass --positive {quote(result.positive)}{otherwise}"
        )
    if result.task == "regression":
        _assess_rates(result, np.asarray(labels, dtype=np.float64), predictions, label_name, prediction_name)
        _assess_outliers(result, np.asarray(labels, dtype=np.float64), predictions, label_name, prediction_name)
    elif predictions is not None and summary.kind not in ("sequence",) and looks_like_logits(predictions):
        result.from_logits = True
        result.evidence.append(f"{prediction_name}: values outside [0, 1], so logits: the commands that read them pass --from-logits")
    return result


def _positive_class(labels: np.ndarray, predictions: np.ndarray, classes: list[Any], prediction_name: str) -> tuple[Any, str]:
    """The class a probability column reads as the probability of, and why:
    the class whose rows it is higher on, as a model better than chance
    gives its positive class; else the class that sorts last, whose
    probability scikit-learn's ``predict_proba(X)[:, 1]`` holds. The
    classes are text or numbers (codes 1/2), as the labels are."""
    values = np.asarray(predictions, dtype=np.float64).reshape(-1)
    means = {label: float(np.nanmean(values[labels == label])) for label in classes if (labels == label).any()}
    if len(means) == 2 and all(math.isfinite(mean) for mean in means.values()) and len(set(means.values())) == 2:
        high, low = sorted(means, key=means.get, reverse=True)
        return high, (
            f"{prediction_name} is higher where the label is '{high}' (mean {means[high]:.3g}) than where it is '{low}' "
            f"(mean {means[low]:.3g}), as the probability of '{high}' is"
        )
    return classes[-1], f"scikit-learn's predict_proba(X)[:, 1] is the probability of the class that sorts last, '{classes[-1]}'"


def _with_prediction_shape(summary: LabelSummary, predictions: np.ndarray | None, class_names: tuple[str, ...] | None = None) -> LabelSummary:
    """Integer targets of more than two values beside one prediction column are
    counts or scores: every multiclass loss needs one prediction per class.
    Too many integer values to be classes by themselves are classes after all
    when each names one of the prediction columns (or a position of a list
    column), as compute reads class labels: CIFAR-100's 100 and ImageNet's
    1000 classes beside as many probabilities.
    0/1 targets beside two prediction columns are the indices of those
    columns (predict_proba, a Spark ML probability vector): bce reads the
    positive class's column alone, the multiclass losses read both.
    Two integer codes other than 0/1 (1/2, -1/1) beside one column of values
    in [0, 1] are binary labels, the column the probability of one of them,
    as two text classes are; beside values outside [0, 1], 1/2 are numbers
    and -1/1 the labels of the margin losses, read as they are."""
    from .io.class_index import names_every_class

    width = None if predictions is None else (1 if np.ndim(predictions) == 1 else np.shape(predictions)[1])
    if summary.kind == "classes" and width == 1 and len(summary.classes) > 2:
        return LabelSummary("counts", f"{summary.detail} beside one prediction column, so counts rather than classes")
    if summary.kind == "classes" and width == 1 and not _probabilities(predictions):
        # Two integer values (1 and 2, say) beside one column of values outside
        # [0, 1]: predicted numbers, not the probability of one of two classes.
        return LabelSummary("counts", f"{summary.detail} beside one prediction column with values outside [0, 1], so numbers rather than classes")
    if summary.kind == "counts" and width is not None and width > 1 and names_every_class(summary.distinct, class_names, width):
        return LabelSummary(
            "classes",
            f"{summary.detail}, each the class of one of {width} prediction columns, so class indices",
            _plain(summary.distinct),
            summary.counts,
        )
    if summary.kind == "binary" and width == 2:
        return LabelSummary("classes", f"{summary.detail} beside two prediction columns, one per class, so class indices", summary.classes, summary.counts)
    if summary.kind in ("classes", "sign", "continuous") and width == 1 and len(summary.classes) == 2 and _probabilities(predictions):
        # Two integer codes other than 0/1 (R's factor codes 1/2, an SVM's -1/1)
        # beside one column of values in [0, 1] (the case outside is above):
        # the probability of one of two classes, as for two text classes.
        return LabelSummary(
            "coded_binary",
            f"{summary.detail} beside one prediction column of values in [0, 1], the probability of one of them",
            summary.classes,
            summary.counts,
        )
    if summary.kind == "text" and width == 1 and len(summary.classes) <= 2:
        # One probability column is the probability of one of two classes.
        named = " and ".join(f"'{label}'" for label in summary.classes)
        return LabelSummary("text_binary", f"{summary.detail} ({named}) beside one prediction column, the probability of one of them", summary.classes, summary.counts)
    return summary


def _probabilities(values: np.ndarray) -> bool:
    """Whether numeric predictions all lie in [0, 1] (text ones are taken to be classes)."""
    values = np.asarray(values)
    if values.dtype.kind not in "fiub":
        return True
    finite = values[np.isfinite(values)]
    return finite.size == 0 or bool((finite >= 0).all() and (finite <= 1).all())


def _is_class_like(summary: LabelSummary) -> bool:
    return TASK_OF_KIND[summary.kind] in ("binary", "multiclass")


def _check_segmentation(result: Inference, sample_ids: np.ndarray, sample_name: str, file_rows: int | None = None) -> None:
    samples, mean_rows = rows_per_sample(sample_ids)
    if file_rows is not None and mean_rows > 1:
        # A sample of a larger file: an id that repeats among the rows kept
        # groups rows, and the samples seen share the file's rows (every
        # image of a mask file shows up among a million pixels). Ids that
        # never repeat there are one row each, whatever the file's size.
        mean_rows = file_rows / samples
    if mean_rows > 1:
        result.task = "segmentation"
        result.sample_column = sample_name
        result.evidence.append(
            f"column '{sample_name}' groups the rows into {samples} samples of {mean_rows:.4g} rows on average: "
            "class masks per image -> segmentation"
        )


def _check_frames(result: Inference, sample_ids: np.ndarray, sample_name: str, file_rows: int | None = None) -> int | None:
    """Label sequences repeated over the rows of a sample id: one row per
    frame (long-format CTC), which compute reads with --sample-col. Returns
    the number of sequences when the rows are frames, else None."""
    samples, mean_rows = rows_per_sample(sample_ids)
    if file_rows is not None and mean_rows > 1:
        mean_rows = file_rows / samples
    if mean_rows > 1:
        result.sample_column = sample_name
        result.evidence.append(
            f"column '{sample_name}' groups the rows into {samples} sequence{'s' if samples != 1 else ''} of {mean_rows:.4g} frame rows on average: "
            "one row per frame (long format), read with --sample-col"
        )
        return samples
    return None


def _assess_imbalance(result: Inference, summary: LabelSummary) -> None:
    counts = np.asarray(summary.counts, dtype=np.float64)
    # Counts of whole rows in full (1100000, not 1.1e+06); soft-label sums as numbers.
    shown = ", ".join(f"{c}: {int(k) if float(k).is_integer() else _num(k)}" for c, k in list(zip(summary.classes, counts))[:SHOWN_CLASSES])
    more = f", ... ({len(counts)} classes)" if len(counts) > SHOWN_CLASSES else ""
    ratio = imbalance_ratio(counts)
    if ratio is None:
        result.imbalanced = True
        result.evidence.append(f"class counts {shown}{more}: only one class occurs, the most extreme imbalance")
        return
    result.imbalance_ratio = ratio
    result.imbalanced = ratio >= IMBALANCE_RATIO
    verdict = f">= {_num(IMBALANCE_RATIO)} -> imbalanced" if result.imbalanced else f"< {_num(IMBALANCE_RATIO)} -> balanced enough"
    result.evidence.append(f"class counts {shown}{more}; majority:minority = {ratio:.4g} ({verdict})")
    if summary.kind == "binary" and len(counts) == 2:
        _set_pos_weight(result, negatives=counts[0], positives=counts[1])
    absent = int((counts == 0).sum())
    if absent:
        result.evidence.append(f"{absent} class column(s) never occur; the ratio counts the classes present")


def _set_pos_weight(result: Inference, negatives: float, positives: float) -> None:
    """The class counts bce's pos_weight advice is built from (negatives/positives)."""
    if positives > 0:
        result.values["pos_weight"] = f"{negatives / positives:.4g}"
        result.values["negatives"], result.values["positives"] = f"{negatives:.0f}", f"{positives:.0f}"


def _assess_outliers(
    result: Inference, labels: np.ndarray, predictions: np.ndarray | None, label_name: str, prediction_name: str
) -> None:
    """SPEC: outliers are inferred from the labels, so heavy tails in the
    targets flag them whether or not predictions are given; a model's gross
    errors (heavy-tailed residuals) are further evidence. The evidence says
    which test fired."""
    residuals = None
    if predictions is not None:
        predictions = np.asarray(predictions, dtype=np.float64)
        if predictions.size == labels.size:
            residuals = predictions.reshape(labels.shape) - labels
    why = "" if predictions is None or residuals is not None else " (the predictions do not match them value for value, so no residuals)"
    in_labels = _outlier_test(result, labels, f"labels {label_name}{why}")
    if residuals is None:
        result.outliers = in_labels
        return
    in_residuals = _outlier_test(result, residuals, f"residuals {prediction_name} - {label_name}", subtraction_rounding(labels, predictions))
    result.outliers = in_labels or in_residuals
    result.evidence.append(_outlier_verdict(in_labels, in_residuals))


def subtraction_rounding(labels: np.ndarray, predictions: np.ndarray) -> float:
    """The rounding error of predictions - labels: a few units in the last
    place of the typical operand, in float32 when both hold float32 values
    (a PyTorch export), else in float64."""
    operands = np.abs(np.asarray(labels, dtype=np.float64).ravel()) + np.abs(np.asarray(predictions, dtype=np.float64).ravel())
    operands = operands[np.isfinite(operands)]
    if operands.size == 0:
        return 0.0
    single = all(_float32_values(np.asarray(values, dtype=np.float64)) for values in (labels, predictions))
    return ROUNDING_ULPS * float(np.finfo(np.float32 if single else np.float64).eps) * float(np.median(operands))


def _float32_values(values: np.ndarray) -> bool:
    with np.errstate(over="ignore"):
        return bool(np.array_equal(values.astype(np.float32).astype(np.float64), values, equal_nan=True))


def _assess_rates(result: Inference, labels: np.ndarray, predictions: np.ndarray | None, label_name: str, prediction_name: str) -> None:
    """Whether predictions of non-negative targets are rates (scikit-learn,
    Keras) or log-rates (PyTorch's PoissonNLLLoss default), by
    :func:`read_rates`. Predicted ages of -2 beside ages 0 .. 100 are rates
    too, and poisson's check then says that rates cannot be negative."""
    if predictions is None:
        return
    reading = read_rates(labels, predictions)
    if reading is None or not reading.rates:
        return
    result.prediction_kinds.add("rates")
    result.evidence.append(
        f"{prediction_name}: mean {_num(reading.mean)} beside the labels' mean {_num(reading.target)} "
        f"(their exponentials' mean {_num(reading.exponentiated)}), so rates rather than log-rates: poisson's command passes log_input=false"
    )


@dataclass(frozen=True)
class RateReading:
    """What :func:`read_rates` found: the three means it compared, and
    whether the predictions read as rates (else as log-rates)."""

    rates: bool
    mean: float  # of the predictions
    target: float  # of the labels
    exponentiated: float  # of exp(predictions)
    # The smallest prediction: a negative one cannot be a rate.
    lowest: float


def read_rates(labels: np.ndarray, predictions: np.ndarray) -> RateReading | None:
    """Rates or log-rates, for predictions of non-negative targets: rates when
    the predictions' mean is nearer the targets' mean, as a ratio, than the
    mean of their exponentials is. None when the values cannot tell: not
    value for value, a value not finite, a negative target, or a mean of the
    targets or of the predictions at or below 0. The rule of both
    ``recommend --data`` and ``compare --task`` (see ``rate_inputs``)."""
    predictions = np.asarray(predictions, dtype=np.float64).ravel()
    labels = np.asarray(labels, dtype=np.float64).ravel()
    if predictions.size != labels.size or not predictions.size:
        return None
    if not (np.isfinite(predictions).all() and np.isfinite(labels).all() and (labels >= 0).all()):
        return None
    target, rate = float(labels.mean()), float(predictions.mean())
    if target <= 0 or rate <= 0:
        return None
    with np.errstate(over="ignore"):
        exponentiated = float(np.exp(predictions).mean())
    rates = abs(math.log(rate / target)) < abs(math.log(exponentiated / target))
    return RateReading(rates, rate, target, exponentiated, float(predictions.min()))


def _outlier_test(result: Inference, values: np.ndarray, what: str, rounding: float = 0.0) -> bool:
    summary = outlier_summary(values, rounding)
    verdict = "outliers / heavy tails" if summary.heavy else "no heavy tails"
    result.evidence.append(
        f"robust z-scores of the {what}: {summary.count} of {summary.n} values "
        f"({100 * summary.share:.3g}%) beyond {_num(ROBUST_Z_LIMIT)} (limit {100 * OUTLIER_SHARE:.3g}%), "
        f"largest {summary.largest_z:.3g} -> {verdict}"
    )
    return summary.heavy


def _outlier_verdict(in_labels: bool, in_residuals: bool) -> str:
    if in_labels and in_residuals:
        return "outliers: both tests fired, heavy tails in the labels and in the residuals"
    if in_labels:
        return "outliers: the labels' test fired (heavy-tailed targets); the residuals' test did not"
    if in_residuals:
        return "outliers: the residuals' test fired (gross prediction errors); the labels' test did not"
    return "outliers: neither the labels' test nor the residuals' test fired"


def infer_arrays(y_true: Any, y_pred: Any = None, sample_ids: Any = None) -> Inference:
    """:func:`infer` on Python data: lists or arrays of numbers or strings."""
    from .api_inputs import as_array, numbers_per_row, same_length

    labels = _as_labels(as_array("y_true", y_true))
    predictions = None if y_pred is None else numbers_per_row("y_pred", y_pred)
    samples = None if sample_ids is None else as_array("sample_ids", sample_ids)
    given = {"y_true": labels, "y_pred": predictions, "sample_ids": samples}
    same_length({name: values for name, values in given.items() if values is not None}, "recommend")
    labels, predictions, samples, dropped = _drop_missing(labels, predictions, samples)
    result = infer(labels, predictions, samples, label_name="y_true", prediction_name="y_pred", sample_name="sample_ids")
    if dropped:
        result.missing_rows = dropped
        result.evidence.insert(0, f"{_rows(dropped)} with missing labels ignored")
    return result


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _as_labels(array: np.ndarray) -> np.ndarray:
    if array.ndim == 0 or len(array) == 0:
        shown = "no rows" if array.ndim else f"a single value ({array.item()!r:.40})"
        raise LossCliError(f"{shown}: one label per row is needed to infer the task from", role="y_true")
    if array.dtype.kind in "OUS" and not (array.dtype == object and array.size and isinstance(array.flat[0], np.ndarray)):
        return array.astype(object)
    return array if array.dtype == object else array.astype(np.float64)


def _drop_missing(
    labels: np.ndarray, predictions: np.ndarray | None, samples: np.ndarray | None, without_sample_id: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
    if labels.dtype == object:
        if labels.size and isinstance(labels.flat[0], np.ndarray):
            return labels, predictions, samples, 0
        missing = np.array([v is None or (isinstance(v, float) and not np.isfinite(v)) for v in labels], dtype=bool)
    else:
        missing = ~np.isfinite(labels).reshape(len(labels), -1).all(axis=1)
    if predictions is not None and len(predictions) == len(labels):
        missing |= ~np.isfinite(predictions).reshape(len(predictions), -1).all(axis=1)
    if without_sample_id is not None:
        # compute refuses such rows, or leaves them out with --nan-policy omit.
        missing |= without_sample_id
    if not missing.any():
        return labels, predictions, samples, 0
    keep = ~missing
    if not keep.any():
        raise LossCliError("every row has a missing label or prediction; nothing to infer from")
    trim = lambda a: None if a is None else a[keep]  # noqa: E731
    return labels[keep], trim(predictions), trim(samples), int(missing.sum())


# --------------------------------------------------------------------------- reading a file


def infer_file(
    path: str,
    *,
    label_col: str | None = None,
    pred_col: str | None = None,
    sample_col: str | None = None,
    input_format: str | None = None,
    delimiter: str | None = None,
    decimal: str = ".",
) -> Inference:
    """Read only the label, prediction and sample columns of ``path`` and infer from them."""
    from .io.readers import open_source

    # The names the user gave, which a Parquet dataset may find as folder keys, as compute opens it.
    named = frozenset(name.strip() for given in (label_col, pred_col, sample_col) for name in (given or "").split(",") if name.strip())
    source = open_source(path, input_format, delimiter, named, decimal)
    structure = _structure(source)
    # 'is_real' beside a column under no GAN loss's name ('d_prob'): real/fake labels all the same.
    real_fake = _real_fake_label_column(source) if structure is None and not label_col else None
    labels = _label_columns(source, label_col, required=structure is None and real_fake is None)
    if not labels and real_fake is not None:
        labels = [real_fake]
    if not labels and structure is not None and _role_shape(structure[2], "y_true") == "scalar":
        # Real/fake labels under their own name ('is_real'); feature vectors are not labels.
        labels = _structural_columns(source, structure[2], "y_true", set())
    claimed = set(labels)
    predictions, ambiguous = _prediction_columns(source, pred_col, claimed)
    spark = None if pred_col else _spark_predictions(source, predictions, claimed)
    if spark is not None:
        predictions = [spark.selection]
    if not predictions and structure is not None:
        predictions = _structural_columns(source, structure[2], "y_pred", claimed)
    claimed |= set(predictions)
    sample = _sample_column(source, sample_col, claimed)
    sequence_ids_only = False
    if sample is None:
        sample = _sample_column(source, None, claimed, SEQUENCE_COLUMN_NAMES)
        sequence_ids_only = sample is not None
    if not labels:
        result = infer(None, structure=structure)
        result.prediction_columns = tuple(predictions)
        result.source = source
        return result
    from .row_sample import read_rows

    sample_columns = [sample] if sample else []
    rows = read_rows(source, labels + predictions + sample_columns, labels)
    label_array = _label_array(rows.table, labels, source.display)
    selection, found_how = (spark.selection, spark.evidence) if spark is not None else (pred_col, None)
    if structure is None and spark is None:
        gan = _real_fake_reading(source, labels, label_array, predictions, claimed | {sample})
        if gan is not None:
            structure, found = gan.structure, gan.predictions
            if found and found != predictions:
                predictions, selection, found_how = found, found[0], gan.evidence
                rows = read_rows(source, labels + predictions + sample_columns, labels)
                label_array = _label_array(rows.table, labels, source.display)
            ambiguous = []
    pair = None
    if structure is None and spark is None and not predictions and not ambiguous:
        pair = _embedding_pair(source, labels, label_array, claimed | {sample})
        if pair is not None:
            structure = pair.structure
    if ambiguous and not predictions:
        predictions, selection, found_how = _scores_among(source, labels, label_array, ambiguous)
        if predictions:
            rows = read_rows(source, labels + predictions + sample_columns, labels)
            label_array = _label_array(rows.table, labels, source.display)
    if not predictions and structure is None and not ambiguous:
        predictions, selection, found_how = _undeclared_predictions(source, label_array, labels, claimed | {sample})
        if predictions:
            # Read again with them, not beside the rows already read: a
            # thousand class columns thin the sample of a file that its
            # labels alone did not need to thin.
            rows = read_rows(source, labels + predictions + sample_columns, labels)
            label_array = _label_array(rows.table, labels, source.display)
    elif pred_col is None and spark is None and structure is None:
        beside = _probabilities_beside_predicted_classes(source, rows.table, label_array, labels, predictions, claimed | {sample})
        if beside is None:
            beside = _scores_beside_predicted_classes(source, rows.table, label_array, predictions, claimed | {sample})
        if beside is not None:
            reread = read_rows(source, labels + list(beside.columns.names) + sample_columns, labels)
            probabilities = _prediction_array(reread.table, list(beside.columns.names), source.display)
            # Columns numbered like classes may be features: only probabilities replace the predicted classes.
            if probabilities is not None and (beside.named_as_scores or not looks_like_logits(probabilities)):
                rows, predictions, selection, found_how = reread, list(beside.columns.names), beside.columns.selection, beside.evidence
                label_array = _label_array(rows.table, labels, source.display)
    if pred_col is None and spark is None and structure is None:
        pair = _binary_class_pair(source, rows.table, label_array, labels, predictions, claimed | {sample})
        if pair is not None:
            columns, how = pair
            # Keep what was looked for first ("no column named y_pred, ...").
            looked = found_how.split("; ")[0] + "; " if found_how and found_how.startswith("no column named") else ""
            found_how = looked + how
            predictions, selection = list(columns.names), columns.selection
            if any(name not in rows.table.column_names for name in predictions):
                rows = read_rows(source, labels + predictions + sample_columns, labels)
                label_array = _label_array(rows.table, labels, source.display)
    table = rows.table
    prediction_array = _prediction_array(table, predictions, source.display)
    sample_array = _sample_array(table, sample) if sample else None
    without_sample_id = _missing_sample_ids(table, sample) if sample else None
    try:
        label_array, prediction_array, sample_array, dropped = _drop_missing(label_array, prediction_array, sample_array, without_sample_id)
    except LossCliError as error:
        # Raised from the arrays, which do not know the file or columns they came from.
        error.hint = error.hint or f"columns read: {_names_text(labels + predictions)}; name others with --label-col/--pred-col"
        raise error.with_context(file=source.display) from None
    result = infer(
        label_array,
        prediction_array,
        sample_array,
        label_name=_names_text(labels),
        prediction_name=_names_text(predictions) if predictions else "predictions",
        sample_name=sample or "sample",
        structure=structure,
        file_rows=rows.file_rows if rows.sampled else None,
        tally=rows.tally,
        class_names=tuple(predictions) if len(predictions) > 1 else None,
        sequence_ids_only=sequence_ids_only,
    )
    result.prediction_columns = tuple(predictions)
    result.source = source
    result.label_columns = tuple(labels)
    if result.task != "regression" and columns_say_logits(predictions):
        _named_as_logits(result, _names_text(predictions))
    if pair is not None and result.task == "ranking":
        result.matched_losses, result.role_columns, result.inputs_read = PAIR_LOSSES, dict(pair.columns), pair.values
    if result.task == "generative" and len(predictions) == 1 and prediction_array is not None and prediction_array.ndim == 1:
        _critic_or_discriminator(result, predictions[0], prediction_array)
    if spark is not None and spark.logits:
        result.from_logits = True
    if selection != pred_col:
        result.prediction_selection = selection
    try:
        result.values_read = _values_read(label_array, prediction_array, predictions, labels[0], source.display, result.positive)
    except LossCliError as error:
        if rows.sampled or dropped:
            error.row = None  # a row among those read, not the file's
        result.class_label_problem = str(error)
    if prediction_array is None:
        result.labels_read = label_array
    where = f"{source.display}: labels from {_names_text(labels)}"
    where += f", predictions from {_names_text(predictions)}" if predictions else ", no prediction column"
    if not predictions:
        where += _unnamed_models(source, labels)
    result.evidence.insert(0, where)
    if found_how:
        result.evidence.insert(1, found_how)
    if rows.sampled:
        sample_text = f"a random sample of {len(label_array) + dropped:,} rows (about 1 in {2 ** rows.halvings}) spread over the whole file"
        what = "class counts" if result.task in ("binary", "multiclass", "segmentation") else "label values counted"
        counted = f"{what} from every row, the rest from " if result.counted_every_row else "inferred from "
        result.evidence.insert(1, f"{rows.file_rows:,} rows: {counted}{sample_text}")
        # The sample may miss the file's few rows without a value; the commands read them all.
        dropped = max(dropped, rows.missing)
    if dropped:
        result.missing_rows = dropped
        result.evidence.insert(1, f"{_rows(dropped)} with missing values ignored (the commands pass --nan-policy omit)")
    return result


def _named_as_logits(result: Inference, prediction_name: str) -> None:
    """Predictions under a name that says logits, which compute reads as
    logits whatever their values: say so instead of asking for --from-logits
    (or, for values in [0, 1], instead of saying nothing while the commands
    read them as logits)."""
    result.from_logits = result.logits_by_name = True
    outside = f"{prediction_name}: values outside [0, 1]"
    result.evidence = [line for line in result.evidence if not line.startswith(outside)]
    result.evidence.append(f"{prediction_name}: named as logits, which compute reads as logits without --from-logits")


def values_with_predictions(source: Any, label_columns: tuple[str, ...], prediction_columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """The labels beside other prediction columns than the inference took,
    read from the same rows, for trying a loss on those columns."""
    from .row_sample import read_rows

    rows = read_rows(source, list(label_columns) + [name for name in prediction_columns if name not in label_columns])
    labels = _label_array(rows.table, list(label_columns), source.display)
    predictions = _prediction_array(rows.table, list(prediction_columns), source.display)
    labels, predictions, _, _ = _drop_missing(labels, predictions, None)
    try:
        return _values_read(labels, predictions, list(prediction_columns), label_columns[0], source.display)
    except LossCliError:
        return None  # the class labels name no column of these: nothing to try a loss on


def _values_read(
    labels: np.ndarray, predictions: np.ndarray | None, prediction_names: list[str], label_column: str, display: str, positive: str | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Labels and predictions as the numbers the losses take, where they are plain numbers.

    With ``positive`` (the --positive the commands pass), two labels beside
    one prediction column read as --positive reads them: 1 for that class,
    0 for the other (hinge's -1 follows from 0, as compute reads it).

    One label per row beside one prediction column per class is read as
    compute reads it (losscli.io.plan): the position of the column the label
    stands for, text by the columns' suffixes and numbers by position or by
    the column named by them (labels 1..3 beside prob_1 .. prob_3). A label
    that stands for no column raises compute's error."""
    if predictions is None or not len(predictions) or (labels.dtype == object and labels.size and isinstance(labels.flat[0], np.ndarray)):
        return None
    one_per_row = labels.ndim == 1 and len(prediction_names) > 1
    if positive is not None and labels.ndim == 1 and not one_per_row:
        hits = labels == (positive if labels.dtype == object else float(positive))
        return hits.astype(np.float64), np.asarray(predictions, dtype=np.float64)
    if labels.dtype == object:
        if not one_per_row:
            return None  # text labels beside one probability column: compute asks for 0/1
        import pyarrow as pa

        from .io.columns import map_string_labels

        labels = map_string_labels(pa.array(labels, pa.string()), tuple(prediction_names), column=label_column, display=display)
    elif one_per_row:
        from .io.class_index import class_column_names, label_positions

        labels = label_positions(labels, class_column_names(tuple(prediction_names)), column=label_column, display=display)
    return np.asarray(labels, dtype=np.float64), np.asarray(predictions, dtype=np.float64)


def _names_text(names: list[str]) -> str:
    if len(names) <= 3:
        return ", ".join(f"'{n}'" for n in names)
    return f"'{names[0]}' ... '{names[-1]}' ({len(names)} columns)"


def _label_columns(source: Any, label_col: str | None, *, required: bool) -> list[str]:
    from .io.columns import coordinate_hint, find_default, select
    from .wording import names_looked_for
    from .registry import Y_TRUE_REGRESSION

    if label_col:
        return select(label_col, source.columns, display=source.display, what="--label-col", advice=source.delimiter_advice)
    found = find_default(Y_TRUE_REGRESSION, source, set(), allow_many=True, sole_numeric=False)
    if found:
        return found
    if len(source.columns) == 1:
        return [source.columns[0].name]
    if not required:
        return []
    raise LossCliError(
        f"no label column (looked for {names_looked_for(Y_TRUE_REGRESSION.defaults)})",
        file=source.display,
        hint=source.delimiter_advice or coordinate_hint(source) or f"name it with --label-col; columns: {', '.join(source.names()[:12])}",
    )


def _unclaimed_numeric(source: Any, labels: Sequence[str]) -> list[str]:
    """The numeric columns of a labels file that no default name claims, but
    for a row index, a standard deviation and an id: never predictions."""
    from .io.columns import is_unnamed_index
    from .io.quantile_names import names_a_deviation

    return [
        c.name
        for c in source.columns
        if c.numeric and not c.is_list and c.name not in labels and not is_unnamed_index(c.name) and not names_a_deviation(c.name) and not names_an_id(c.name)
    ]


def quantile_forecast_columns(source: Any, labels: Sequence[str]) -> list[str]:
    """The columns of a quantile forecast kept beside its labels (q0.1,
    q0.5, q0.9; AutoARIMA-lo-90, AutoARIMA-hi-90), which the quantile loss
    scores each at its level: every column whose name states a level, when
    one of them states a level other than the median's. Empty otherwise."""
    from .io.quantile_names import stated_quantile

    stated = [(name, stated_quantile(name)) for name in _unclaimed_numeric(source, labels)]
    stated = [(name, level) for name, level in stated if level is not None]
    if not any(abs(level - 0.5) > 1e-9 for _, level in stated):
        return []
    return [name for name, _ in stated]


def _unnamed_models(source: Any, labels: list[str]) -> str:
    """For a file of labels and numeric columns under names no default takes
    (statsforecast's AutoARIMA, AutoETS beside y; quantile columns 0.1, 0.9):
    that those may be the predictions, and the options that read them, so
    that the commands' PRED --labels FILE is not taken for the only way.
    Columns named as a quantile other than the median (interval bounds too)
    are the quantile loss's, each at its own q, never models to compare."""
    from .io.quantile_names import stated_quantile
    from .shell import quote

    numeric = _unclaimed_numeric(source, labels)
    outputs = _output_groups(numeric, labels)
    if outputs:
        # Several label columns (multi-output targets, features): a model is as many columns, one per output.
        shown = " ".join(f"--pred-col {quote(prefix + '*')}" for prefix in outputs[:6])
        if len(outputs) == 1:
            return f" under a known name; other numeric columns may hold predictions (--pred-col {quote(outputs[0] + '*')} reads one per label column)"
        return f" under a known name; other numeric columns may hold predictions (compare {quote(source.display)} {shown} compares them as models)"
    levels = {name: stated_quantile(name) for name in numeric}
    models = [name for name in numeric if levels[name] is None or abs(levels[name] - 0.5) < 1e-9]
    quantiles = [name for name in numeric if name not in models]
    ways = []
    if len(models) == 1:
        ways.append(f"--pred-col {quote(models[0])} reads '{models[0]}'")
    elif models:
        shown = " ".join(f"--pred-col {quote(name)}" for name in models[:6])
        more = f" (and {len(models) - 6} more)" if len(models) > 6 else ""
        ways.append(f"--pred-col {quote(models[0])} reads one; compare {quote(source.display)} {shown}{more} compares them as models")
    if quantiles:
        # The median's column too: a quantile forecast is scored over all its levels.
        stated = [name for name in numeric if levels[name] is not None]
        ways.append(f"quantile columns are scored each at the level its name states: --pred-col {quote(','.join(stated))} --loss quantile")
    if not ways:
        return ""
    return " under a known name; other numeric columns may hold predictions (" + "; ".join(ways) + ")"


# The last word of a column's name that says it identifies a row rather than holds a value.
_ID_WORDS = frozenset(("id", "ids", "idx", "index", "key", "uuid", "guid"))


def names_an_id(name: str) -> bool:
    """Whether ``name`` says its column identifies rows (``id``, ``sample_id``,
    ``imageId``, ``row_index``): numbers, but never a model's predictions."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name.strip())
    return bool(words) and words[-1].lower() in _ID_WORDS


def _output_groups(numeric: list[str], labels: list[str]) -> list[str]:
    """Beside several label columns (``target_0`` .. ``target_9``), the
    prefixes of the other columns that end in the same suffixes, one each
    (``gen_`` of ``gen_0`` .. ``gen_9``): the predictions of one model."""
    from .io.suffixes import suffixes

    label_suffixes = suffixes(tuple(labels)) if len(labels) > 1 else None
    if not label_suffixes:
        return []
    wanted = set(label_suffixes)
    groups: dict[str, set[str]] = {}
    for name in numeric:
        for suffix in label_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                groups.setdefault(name[: -len(suffix)], set()).add(suffix)
    # A prefix whose names continue past another's (gen_1 of gen_10) would not be a glob of its own.
    return [prefix for prefix, found in groups.items() if found == wanted and sum(name.startswith(prefix) for name in numeric) == len(wanted)]


def _prediction_columns(source: Any, pred_col: str | None, claimed: set[str]) -> tuple[list[str], list[str]]:
    """(the prediction columns as compute finds them, the columns under
    exported names compute would not choose between: 'predicted' and 'proba')."""
    from .io.columns import AmbiguousDefault, find_default, select
    from .registry import Y_PRED_REGRESSION

    if pred_col:
        return select(pred_col, source.columns, display=source.display, what="--pred-col", advice=source.delimiter_advice), []
    try:
        return find_default(Y_PRED_REGRESSION, source, claimed, allow_many=True, sole_numeric=False) or [], []
    except AmbiguousDefault as ambiguous:
        return [], list(ambiguous.candidates)


def _scores_among(
    source: Any, labels: list[str], label_array: np.ndarray, candidates: list[str]
) -> tuple[list[str], str | None, str]:
    """The one candidate that holds scores when the others hold the classes
    predicted (scikit-learn's predict() saved beside predict_proba()): the
    columns, the --pred-col naming it, and the evidence in words."""
    from .predicted_classes import described, distinct_values
    from .row_sample import read_rows

    table = read_rows(source, labels + candidates, labels).table
    classes = set(np.unique(label_array[~_missing_labels(label_array)]).tolist()) if label_array.dtype != object else None
    scores, predicted = [], []
    for name in candidates:
        values = distinct_values(table[name])
        if isinstance(values, np.ndarray) and len(values) and classes is not None and set(values.tolist()) <= classes:
            predicted.append((name, values))
        elif isinstance(values, np.ndarray) and len(values):
            scores.append(name)
    named = " and ".join(f"'{name}'" for name in candidates)
    if len(scores) == 1 and len(predicted) == len(candidates) - 1:
        held = "; ".join(f"'{name}' holds {described(values)}, classes predicted" for name, values in predicted)
        return [scores[0]], scores[0], f"{held}; '{scores[0]}' holds the scores: the commands pass {_pred_col_flag(scores[0])}"
    return [], None, f"{named} could each be the predictions: name one with --pred-col"


def _missing_labels(labels: np.ndarray) -> np.ndarray:
    return np.isnan(labels) if np.issubdtype(labels.dtype, np.floating) else np.zeros(labels.shape, dtype=bool)


# Text labels of a GAN's samples: the real ones, and the generated ones under
# one of these names (compared ignoring case). The GAN losses read the real
# label as 1 (--positive) and every other row as generated.
REAL_LABEL = "real"
GENERATED_LABELS = ("fake", "generated", "gen", "synthetic")
GAN_LOSSES = ("adversarial", "wasserstein")


@dataclass(frozen=True)
class _RealFake:
    """A file read as a GAN's real/fake labels beside one score per row."""

    structure: tuple[str, str, str | None]
    predictions: list[str]  # the score column, when found here (not by the predictions' default names)
    evidence: str | None = None


def _real_fake_label_column(source: Any) -> str | None:
    """A label column under a name only the GAN losses use ('is_real', 'real'),
    which the generic label names (y_true, label, ...) do not take."""
    from .registry import LABEL_DEFAULTS, get

    role = next(role for role in get("adversarial").roles if role.name == "y_true")
    generic = {name.lower() for name in LABEL_DEFAULTS}
    names = [name for name in role.defaults if name.lower() not in generic]
    if not names:
        return None
    from .io.columns import match_name

    for name in names:
        found = match_name(name, [c.name for c in source.columns if not c.is_list])
        if found is not None:
            return found
    return None


def _real_label(labels: np.ndarray) -> Any:
    """The 'real' class of text labels that are real and generated ('real'/'fake'), else None."""
    if labels.dtype != object or labels.ndim != 1 or (labels.size and isinstance(labels.flat[0], np.ndarray)):
        return None
    classes = {str(value) for value in labels if value is not None}
    real = [value for value in classes if value.strip().lower() == REAL_LABEL]
    others = [value for value in classes if value.strip().lower() != REAL_LABEL]
    if len(real) != 1 or len(others) != 1 or others[0].strip().lower() not in GENERATED_LABELS:
        return None
    return real[0]


def _real_fake_reading(
    source: Any, labels: list[str], label_array: np.ndarray, predictions: list[str], claimed: set[str | None]
) -> _RealFake | None:
    """A GAN's log read from its labels where its columns' names match no GAN
    loss: labels under a real/fake name ('is_real') holding 1/0 (or -1), or
    text labels 'real' and 'fake', beside one column of scores (a
    discriminator's probabilities or logits, a critic's scores)."""
    if len(labels) != 1 or label_array.ndim != 1:
        return None
    real = _real_label(label_array)
    named = _real_fake_label_column(source) == labels[0]
    if real is not None:
        generated = next(str(value) for value in label_array if value is not None and str(value) != real)
        why = f"'{labels[0]}' holds '{real}' and '{generated}': real/fake labels of a GAN's samples"
    elif named and label_array.dtype != object:
        values = set(np.unique(label_array[np.isfinite(label_array)]).tolist())
        if not values or not values <= {0.0, 1.0, -1.0} or 1.0 not in values:
            return None
        why = f"'{labels[0]}' is named as real/fake labels (1 for a real sample, 0 or -1 for a generated one)"
    else:
        return None
    found: list[str] = []
    if not predictions:
        from .io.columns import is_unnamed_index

        numeric = [c.name for c in source.columns if c.numeric and not c.is_list and c.name not in claimed and c.name not in labels and not is_unnamed_index(c.name)]
        if len(numeric) == 1:
            predictions = found = numeric
    if len(predictions) > 1 or (predictions and source.column(predictions[0]).is_list):
        return None  # class columns or vectors: not one score per row
    beside = f" beside the scores in '{predictions[0]}'" if predictions else ""
    evidence = f"{why}{beside} -> generative"
    how = None
    if found:
        how = f"'{found[0]}' is the only numeric column beside the real/fake labels, so it holds the scores: the commands pass {_pred_col_flag(found[0])}"
    return _RealFake(("generative", evidence, None), found, how)


# The losses of embedding pairs beside a similar/dissimilar label.
PAIR_LOSSES = ("contrastive", "cosine_embedding")


@dataclass(frozen=True)
class _EmbeddingPair:
    """Two list columns of embeddings beside a pair label, read as x1 and x2."""

    structure: tuple[str, str, str | None]
    columns: tuple[tuple[str, str], ...]  # (role, column)
    values: dict[str, np.ndarray]  # y_true, x1, x2 of the rows read


def _embedding_pair(source: Any, labels: list[str], label_array: np.ndarray, claimed: set[str | None]) -> _EmbeddingPair | None:
    """Embedding pairs as two list columns of equal width ('sentence1',
    'sentence2', as a sentence-transformers pair dataset holds them once
    encoded) beside a 0/1 or -1/1 label and no prediction column: metric
    learning, whose losses read the lists as x1 and x2. Not rows of class
    probabilities (each in [0, 1] and summing to 1), which are predictions."""
    from .io.columns import list_to_matrix
    from .row_sample import read_rows

    if len(labels) != 1 or label_array.ndim != 1 or label_array.dtype == object:
        return None
    values = set(np.unique(label_array[np.isfinite(label_array)]).tolist())
    if len(values) != 2 or not (values == {0.0, 1.0} or values == {-1.0, 1.0}):
        return None
    lists = [c.name for c in source.columns if c.is_list and c.name not in claimed and c.name not in labels]
    if len(lists) != 2:
        return None
    table = read_rows(source, labels + lists, labels).table
    try:
        first, second = (list_to_matrix(table[name], column=name, display=source.display) for name in lists)
    except LossCliError:
        return None  # ragged lists: sequences, not embeddings
    if first.shape != second.shape or first.shape[1] < 2:
        return None
    for matrix in (first, second):
        finite = matrix[np.isfinite(matrix).all(axis=1)]
        if finite.size and (finite >= 0).all() and (finite <= 1).all() and bool(np.all(np.abs(finite.sum(axis=1) - 1.0) <= ROW_SUM_TOLERANCE)):
            return None
    code = "0/1" if values == {0.0, 1.0} else "-1/1"
    evidence = (
        f"'{lists[0]}' and '{lists[1]}' are list columns of {first.shape[1]} numbers each beside the {code} pair label '{labels[0]}' "
        f"and no prediction column: embedding pairs -> ranking (metric learning); the commands pass --col x1={lists[0]} --col x2={lists[1]}"
    )
    paired = _label_array(table, labels, source.display)
    keep = np.isfinite(paired) & np.isfinite(first).all(axis=1) & np.isfinite(second).all(axis=1)
    return _EmbeddingPair(
        ("ranking", evidence, None),
        (("x1", lists[0]), ("x2", lists[1])),
        {"y_true": paired[keep], "x1": first[keep], "x2": second[keep]},
    )


# Words in a score column's name that say whose scores they are: a WGAN
# critic's, or a standard GAN discriminator's logits or probabilities.
CRITIC_WORDS = ("critic", "wgan", "wasserstein")
DISCRIMINATOR_WORDS = ("logit", "logits", "prob", "probs", "proba", "probability", "probabilities", "sigmoid")


def _critic_or_discriminator(result: Inference, column: str, scores: np.ndarray) -> None:
    """Which GAN loss a column of scores is for, and why. A WGAN critic's
    scores are unbounded, and so are a discriminator's logits: the values
    tell them apart only when they lie in [0, 1] (probabilities, a
    discriminator's). Otherwise only the name can: 'critic' says WGAN,
    'logit' or 'prob' a discriminator trained with cross-entropy; 'score',
    'd_out', 'disc' (WGAN code calls its critic the discriminator too) or
    no such word say neither, and both losses rank level."""
    if result.matched_loss not in (None, *GAN_LOSSES):
        return
    words = [word for word in "".join(ch if ch.isalnum() else " " for ch in column.lower()).split()]
    finite = scores[np.isfinite(scores)]
    if any(word in name for word in words for name in CRITIC_WORDS) or any(name in column.lower() for name in CRITIC_WORDS):
        result.matched_loss, why = "wasserstein", (
            f"'{column}' is named as a WGAN critic's scores: wasserstein (mean D(fake) - mean D(real)), the loss a WGAN critic trains with, ranks first"
        )
    elif finite.size and not looks_like_logits(finite) and not name_says_logits(column):
        result.matched_loss, why = "adversarial", (
            f"'{column}' holds values in [0, 1], a discriminator's probabilities (a WGAN critic's scores are unbounded): adversarial ranks first"
        )
    elif any(word in DISCRIMINATOR_WORDS or word.startswith(("logit", "prob")) for word in words):
        result.matched_loss, why = "adversarial", (
            f"'{column}' is named as a GAN discriminator's logits: adversarial, the cross-entropy it trains with, ranks first"
        )
    else:
        result.matched_loss, result.matched_losses = None, GAN_LOSSES
        why = (
            f"'{column}' holds unbounded scores under a name that says neither critic nor logits: a WGAN critic's scores "
            "(wasserstein) and a GAN discriminator's logits (adversarial --from-logits) look alike, so the two rank level; "
            "a column named 'critic' or 'd_logit' tells them apart"
        )
    result.evidence.append(why)


def _role_shape(loss: str, role_name: str) -> str | None:
    from .registry import get

    return next((role.shape for role in get(loss).roles if role.name == role_name), None)


def _structural_columns(source: Any, loss: str, role_name: str, claimed: set[str]) -> list[str]:
    """A role's columns under the names of the loss a file's columns match
    ('critic' for a WGAN critic's predictions, 'is_real' for its labels)."""
    from .io.columns import accepts_many, find_default
    from .registry import get

    role = next((role for role in get(loss).roles if role.name == role_name), None)
    if role is None:
        return []
    return find_default(role, source, claimed, allow_many=accepts_many(role), sole_numeric=False) or []


def _undeclared_predictions(
    source: Any, labels: np.ndarray, label_names: list[str], claimed: set[str | None]
) -> tuple[list[str], str | None, str | None]:
    """Predictions under names compute does not look for by default: the
    columns, the --pred-col that selects them, and the evidence in words.

    Class columns whose names the labels index (``p_cat``, ``p_0``, ``0``)
    come first, then a single column under a common name (``proba``); a
    guess between several candidates is never made.
    """
    from .class_columns import find_class_columns
    from .registry import PRED_DEFAULTS
    from .wording import names_looked_for

    numeric = [c.name for c in source.columns if c.numeric and c.name not in claimed]
    kind = summarise_labels(labels).kind
    looked = f"no column named {names_looked_for(PRED_DEFAULTS)}"
    if kind == "sequence":
        # ctc finds its log-probabilities under names of its own ('log_probs',
        # as PyTorch's ctc_loss calls them), so its command needs no --pred-col.
        frames = _structural_columns(source, "ctc", "y_pred", {name for name in claimed if name})
        if frames:
            return frames, None, f"{looked}; {_names_text(frames)}: ctc's log-probabilities, which compute finds under that name"
    found = find_class_columns(labels, label_names, kind, numeric, source.names())
    if len(found) == 1:
        columns = found[0]
        return list(columns.names), columns.selection, f"{looked}; {columns.reason}: the commands pass {_pred_col_flag(columns.selection)}"
    if len(found) > 1:
        groups = " or ".join(_pred_col_flag(columns.selection) for columns in found)
        return [], None, f"{looked}; several column groups could hold the class predictions ({groups}): name one with --pred-col"
    named = [name for name in (_match_other_name(wanted, numeric) for wanted in OTHER_PREDICTION_NAMES) if name]
    if len(named) == 1:
        return named, named[0], f"{looked}; '{named[0]}' is a common name for predictions: the commands pass {_pred_col_flag(named[0])}"
    return [], None, None


@dataclass(frozen=True)
class _ProbabilitiesBeside:
    """Class-probability columns to read instead of a column of predicted classes."""

    columns: Any  # a losscli.class_columns.ClassColumns
    evidence: str
    # Columns named as scores may hold logits; columns numbered like classes
    # that hold values outside [0, 1] may be features.
    named_as_scores: bool = False


def _probabilities_beside_predicted_classes(
    source: Any, table: Any, labels: np.ndarray, label_names: list[str], predictions: list[str], claimed: set[str | None]
) -> _ProbabilitiesBeside | None:
    """scikit-learn's predict() beside predict_proba(): the one group of
    class columns the labels name, when every value of the one prediction
    column found is a class of that group; the caller reads the group and
    takes it when its values are probabilities (features numbered like
    classes are not)."""
    from .class_columns import find_class_columns
    from .predicted_classes import described, distinct_values, holds_predicted_classes

    if len(predictions) != 1 or source.column(predictions[0]).is_list:
        return None
    others = [c.name for c in source.columns if c.numeric and c.name not in claimed and c.name != predictions[0]]
    if not others:
        return None
    kind = summarise_labels(labels).kind
    if kind not in ("binary", "classes", "counts", "text"):
        return None
    found = find_class_columns(labels, label_names, kind, others, source.names())
    if len(found) != 1:
        return None
    # Only now the prediction column's values: most files have no class columns beside it.
    values = distinct_values(table[predictions[0]])
    if not holds_predicted_classes(values, found[0].names):
        return None
    columns = found[0]
    return _ProbabilitiesBeside(
        columns,
        f"'{predictions[0]}' looks like predicted classes ({described(values)}, each a class of the columns beside it), "
        f"so it is not used as probabilities; {columns.reason}: the commands pass {_pred_col_flag(columns.selection)}",
    )


def _scores_beside_predicted_classes(
    source: Any, table: Any, labels: np.ndarray, predictions: list[str], claimed: set[str | None]
) -> _ProbabilitiesBeside | None:
    """scikit-learn's predict() saved as 'pred' beside predict_proba()[:, 1]
    saved as 'proba' (or 'y_proba', 'pred_proba'): 0/1 labels, a prediction
    column of 0/1 classes, and one floating-point column under a score's
    name, which compute refuses to pass over without --pred-col. The caller
    takes that column when it holds probabilities."""
    from .class_columns import ClassColumns
    from .io.columns import score_columns_beside
    from .predicted_classes import described, distinct_values, holds_predicted_classes

    if len(predictions) != 1 or source.column(predictions[0]).is_list or summarise_labels(labels).kind != "binary":
        return None
    scores = score_columns_beside(source, predictions[0], {name for name in claimed if name})
    if len(scores) != 1:
        return None
    values = distinct_values(table[predictions[0]])
    if not holds_predicted_classes(values, (scores[0],)):
        return None
    return _ProbabilitiesBeside(
        ClassColumns((scores[0],), scores[0], ""),
        f"'{predictions[0]}' looks like predicted classes ({described(values)}), so it is not used as probabilities; "
        f"'{scores[0]}' holds the scores: the commands pass {_pred_col_flag(scores[0])}",
        named_as_scores=True,
    )


def _binary_class_pair(
    source: Any, table: Any, labels: np.ndarray, label_names: list[str], predictions: list[str], claimed: set[str | None]
) -> tuple[Any, str] | None:
    """0/1 labels beside two class columns numbered 0 and 1 (predict_proba's
    prob_0, prob_1): bce reads the positive one when they hold probabilities,
    as for any other names of the pair. When they hold logits, the positive
    one alone is not the probability of class 1 (that is sigmoid(l1 - l0),
    not sigmoid(l1)): the multiclass losses read both, with softmax. The
    columns to read and the evidence, or None to keep the predictions found."""
    from .class_columns import find_class_columns

    if not 1 <= len(predictions) <= 2 or any(source.column(name).is_list for name in predictions):
        return None
    if summarise_labels(labels).kind != "binary":
        return None
    if len(predictions) == 2:
        found = find_class_columns(labels, label_names, "binary", predictions, source.names())
        values = _prediction_array(table, predictions, source.display)
        if len(found) != 1 or values is None or looks_like_logits(values):
            return None
        return found[0], f"{found[0].reason}: the commands pass {_pred_col_flag(found[0].selection)}"
    values = _prediction_array(table, predictions, source.display)
    if values is None or not looks_like_logits(values):
        return None
    numeric = [c.name for c in source.columns if c.numeric and not c.is_list and (c.name not in claimed or c.name == predictions[0])]
    groups = [g for g in find_class_columns(labels, label_names, "classes", numeric, source.names()) if len(g.names) == 2 and predictions[0] in g.names]
    if len(groups) != 1:
        return None
    pair = groups[0]
    both = " and ".join(f"'{name}'" for name in pair.names)
    return pair, (
        f"the 0/1 labels index the class columns {both}, which hold logits (values outside [0, 1]): the probability of class 1 "
        f"is the softmax of both, not '{predictions[0]}' alone, so the multiclass losses read them: the commands pass {_pred_col_flag(pair.selection)}"
    )


@dataclass(frozen=True)
class _SparkPredictions:
    """The vector column of Spark ML's ``model.transform`` output to read."""

    selection: str
    evidence: str
    logits: bool = False


def _spark_predictions(source: Any, predictions: list[str], claimed: set[str]) -> _SparkPredictions | None:
    """Spark ML's output columns, when the predictions found are its
    'prediction' (or none): that column holds the predicted class index, not
    a score, so the per-class vector beside it is read instead: 'probability',
    else 'rawPrediction' as logits (LinearSVC and OneVsRest give no
    probabilities; their margins are scores, never probabilities)."""
    from .io.columns import match_name

    names = [c.name for c in source.columns if c.is_list and c.name not in claimed]
    class_index = predictions[0] if len(predictions) == 1 and not source.column(predictions[0]).is_list else None
    if predictions and (class_index is None or match_name(SPARK_CLASS_INDEX, [class_index]) is None):
        return None
    why = f"'{class_index}' holds Spark ML's predicted class index, not a score" if class_index else "no prediction column"
    probability = match_name(SPARK_PROBABILITY, names)
    if probability is not None:
        return _SparkPredictions(
            probability, f"{why}; '{probability}' holds a probability per class: the commands pass {_pred_col_flag(probability)}"
        )
    raw = match_name(SPARK_RAW_PREDICTION, names)
    if raw is not None:
        return _SparkPredictions(
            raw,
            f"{why}, and no probability column; '{raw}' holds a raw score per class (margins or logits): "
            f"the commands pass {_pred_col_flag(raw)} --from-logits",
            logits=True,
        )
    return None


def _pred_col_flag(selection: str) -> str:
    import shlex

    return f"--pred-col {shlex.quote(selection)}"


def _match_other_name(wanted: str, names: list[str]) -> str | None:
    from .io.columns import match_name

    return match_name(wanted, names)


def _sample_column(source: Any, sample_col: str | None, claimed: set[str], names: tuple[str, ...] = SAMPLE_COLUMN_NAMES) -> str | None:
    from .io.columns import select

    if sample_col:
        return select(sample_col, source.columns, display=source.display, what="--sample-col", advice=source.delimiter_advice)[0]
    by_lower = {c.name.lower(): c.name for c in source.columns if c.name not in claimed}
    for name in names:
        if name in by_lower:
            return by_lower[name]
    return None


def _structure(source: Any) -> tuple[str, str, str] | None:
    """A ranking or generative file, recognised by its input columns.

    A loss of those families matches when every input it requires is found
    under its default names and at least one of them is a name no other
    family uses (``anchor``, ``critic``, ...). A file with a generic
    prediction column matches only losses that read one.
    """
    from .io.columns import accepts_many
    from .registry import Y_PRED_REGRESSION, Y_TRUE_REGRESSION, all_specs

    distinctive = _distinctive_names()
    has_generic_prediction = bool(_by_default_name(Y_PRED_REGRESSION, source))
    # Without labels there is nothing else to read the file as, so inputs
    # under short names (a_*, p_*, n_*) are enough.
    unlabelled = not _by_default_name(Y_TRUE_REGRESSION, source)
    for spec in all_specs():
        if spec.family not in STRUCTURAL_FAMILIES:
            continue
        if has_generic_prediction and not any(role.name == "y_pred" for role in spec.roles):
            continue  # a prediction file of another kind that happens to share a column name
        found: dict[str, list[str]] = {}
        for role in spec.roles:
            names = _by_default_name(role, source, allow_many=accepts_many(role))
            if names:
                found[role.name] = names
        required = all(role.name in found for role in spec.roles if not role.optional)
        marked = any(_matches_any(name, distinctive) for names in found.values() for name in names)
        if required and (marked or unlabelled):
            task = spec.family if spec.family in spec.tasks else spec.tasks[0]
            columns = ", ".join(f"{role}={','.join(names[:2])}{'...' if len(names) > 2 else ''}" for role, names in found.items())
            return task, f"columns match the inputs of '{spec.name}' ({columns}) -> {task}", spec.name
    return None


def _by_default_name(role: Any, source: Any, claimed: set[str] | None = None, *, allow_many: bool = True) -> list[str]:
    """The role's columns by its default names, as compute finds them; where
    several exported names are in the file, all of them (the caller only asks
    whether the role has columns, or tells them apart by their values)."""
    from .io.columns import AmbiguousDefault, find_default

    try:
        return find_default(role, source, claimed or set(), allow_many=allow_many, sole_numeric=False) or []
    except AmbiguousDefault as ambiguous:
        return list(ambiguous.candidates)


def _distinctive_names() -> set[str]:
    """Default column names used by exactly one family (and not the generic y_true/y_pred names)."""
    from .registry import LABEL_DEFAULTS, PRED_DEFAULTS, all_specs

    owners: dict[str, set[str]] = {}
    for spec in all_specs():
        for role in spec.roles:
            for name in role.defaults:
                owners.setdefault(name.lower(), set()).add(spec.family)
    generic = {n.lower() for n in LABEL_DEFAULTS + PRED_DEFAULTS}
    # Single letters ('a', 'b') are too common to identify anything.
    return {
        name
        for name, families in owners.items()
        if len(families) == 1 and name not in generic and len(name) >= 2 and next(iter(families)) in STRUCTURAL_FAMILIES
    }


def _matches_any(column: str, names: set[str]) -> bool:
    lowered = column.lower()
    return lowered in names or any(lowered.startswith(name + "_") for name in names)


def _label_array(table: Any, names: list[str], display: str) -> np.ndarray:
    import pyarrow as pa

    from .io.columns import text_to_objects, to_float

    if len(names) > 1:
        return np.column_stack([to_float(table[name], column=name, display=display) for name in names])
    column = table[names[0]].combine_chunks()
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(pa.string()), pa.string()
    if _is_list(kind):
        return _list_labels(column, names[0], display)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if _is_symbol_sequence(column):
            return text_to_objects(column, column=names[0], display=display)
        return np.array(column.to_pylist(), dtype=object)
    return to_float(column, column=names[0], display=display)


def _list_labels(column: Any, name: str, display: str) -> np.ndarray:
    """A list column of labels: a matrix when it is one-hot, soft or multi-output
    (equal lengths, not integer symbols), else per-row label sequences (CTC)."""
    from .io.columns import list_to_matrix, list_to_objects

    try:
        matrix = list_to_matrix(column, column=name, display=display)
    except LossCliError:
        return list_to_objects(column, column=name, display=display)  # ragged: sequences
    symbols = bool(np.all(matrix == np.round(matrix))) and not bool(np.all((matrix == 0) | (matrix == 1)))
    return list_to_objects(column, column=name, display=display) if symbols else matrix


def _is_symbol_sequence(column: Any) -> bool:
    """Text like '3 1 4': integer tokens, and at least one row with several."""
    import pyarrow.compute as pc

    values = column.drop_null()
    if len(values) == 0:
        return False
    pattern = r"^\s*-?\d+([\s,]+-?\d+)*\s*$|^\s*$"
    if not pc.all(pc.match_substring_regex(values, pattern)).as_py():
        return False
    return bool(pc.any(pc.match_substring_regex(values, r"\d[\s,]+-?\d")).as_py())


def _prediction_array(table: Any, names: list[str], display: str) -> np.ndarray | None:
    """Numeric predictions as (n,) or (n, k); None when they are not plain numbers."""
    import pyarrow as pa

    from .io.columns import list_to_matrix, to_float

    if not names:
        return None
    try:
        if len(names) == 1 and _is_list(table[names[0]].type):
            return list_to_matrix(table[names[0]], column=names[0], display=display)
        if any(not (pa.types.is_integer(table[n].type) or pa.types.is_floating(table[n].type)) for n in names):
            return None
        arrays = [to_float(table[name], column=name, display=display) for name in names]
    except LossCliError:
        return None  # ragged lists or text: not something residuals can be taken of
    return arrays[0] if len(arrays) == 1 else np.column_stack(arrays)


def _is_list(kind: Any) -> bool:
    from .io.readers import is_list_type

    return is_list_type(kind)


def _missing_sample_ids(table: Any, name: str) -> np.ndarray:
    """Rows without a sample id (null, or NaN in a float column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table[name].combine_chunks()
    return pc.is_null(column, nan_is_null=pa.types.is_floating(column.type)).to_numpy(zero_copy_only=False)


def _sample_array(table: Any, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pc.fill_null(table[name].combine_chunks().cast(pa.string()), "")
    return np.array(column.to_pylist(), dtype=object)
