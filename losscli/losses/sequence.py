"""Sequence losses: connectionist temporal classification (CTC).

A row is a whole sequence: ``y_pred`` holds its frames x classes
log-probabilities and ``y_true`` its target label ids, both of a length that
varies from row to row. The roles therefore arrive as ragged numpy object
arrays (one array per row). The kernel reads each row's shape once, joins the
rows into flat arrays and runs the CTC forward algorithm vectorised over rows
and label states, looping only over time.

Long-format files (one row per frame, ``--sample-col`` naming the utterance)
are turned into that ragged layout by :func:`group_frames`; targets written as
text (``"3 1 4"``) are read by :func:`parse_targets`.
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from ..conventions import loss
from ..errors import LossCliError
from ..registry import FROM_LOGITS, LABEL_DEFAULTS, PRED_DEFAULTS, Characteristics, Param, Role, RowLosses
from ..wording import exact_number
from ._checks import fail_where, log_softmax

# A log-probability a little above 0 is rounding (float32 log_softmax); more
# than this is not a log-probability at all.
_LOGPROB_TOLERANCE = 1e-6

_PROBABLY_NOT_LOG_PROBS = (
    "pass --from-logits if these are logits or raw scores; take the log first if they are probabilities"
)


# --------------------------------------------------------------------------- ragged rows


def _object_array(items: Sequence[Any]) -> np.ndarray:
    """A 1-D object array holding each item as is (never broadcast into 2-D)."""
    return np.fromiter(items, dtype=object, count=len(items))


def _row_starts(lengths: np.ndarray) -> np.ndarray:
    """Offset of each row's first element in the flat (concatenated) array."""
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _row_of_element(lengths: np.ndarray) -> np.ndarray:
    """For each element of the flat array, the 0-based row it belongs to."""
    return np.repeat(np.arange(len(lengths)), lengths)


def _fail_at_element(bad: np.ndarray, lengths: np.ndarray, message: str, *, role: str, what: str, values: np.ndarray, hint: str | None = None) -> None:
    """Raise about the first row with a bad element, naming that element's position and value."""
    if not bad.any():
        return
    first = int(np.argmax(bad))
    row_of = _row_of_element(lengths)
    position = first - int(_row_starts(lengths)[row_of[first]]) + 1
    bad_rows = np.bincount(row_of[bad], minlength=len(lengths)) > 0
    fail_where(bad_rows, f"{message} at {what} {position} (value {exact_number(values[first])})", role=role, hint=hint)


# --------------------------------------------------------------------------- targets


_LIST_BRACKETS = re.compile(r"^\s*[\[(](.*)[\])]\s*$", re.DOTALL)


def parse_target(text: str, *, row: int | None = None) -> np.ndarray:
    """One target written as text -> int64 label ids.

    ``"3 1 4"``, ``"3,1,4"`` and ``"[3, 1, 4]"`` all give ``array([3, 1, 4])``;
    an empty string (or ``"[]"``) is the empty target. ``row`` (1-based) is
    named in the error for a token that is not an integer.
    """
    bracketed = _LIST_BRACKETS.match(text)
    body = bracketed.group(1) if bracketed else text
    tokens = body.replace(",", " ").split()
    labels = np.empty(len(tokens), dtype=np.int64)
    for index, token in enumerate(tokens):
        labels[index] = _integer_token(token, row)
    return labels


def _integer_token(token: str, row: int | None) -> int:
    try:
        return int(token)
    except ValueError:
        pass
    try:
        number = float(token)
    except ValueError:
        number = math.nan
    # "3.0" is how a float list prints; accept it, but not "3.5" or "b".
    if math.isfinite(number) and number.is_integer():
        return int(number)
    raise LossCliError(
        f"target token '{token}' is not an integer label",
        role="y_true",
        row=row,
        hint="write a target as label ids separated by spaces, for example '3 1 4'",
    )


def parse_targets(values: Any) -> np.ndarray:
    """A column of targets -> object array of int64 label-id arrays, one per row.

    Each item may be a space-separated string (see :func:`parse_target`), a
    list or array of integer ids, or a single id. Errors name the 1-based row.
    """
    items = list(values)
    arrays = _object_array([_target_item(item, row) for row, item in enumerate(items, start=1)])
    if len(arrays) == 0:
        return arrays
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(list(arrays)).astype(np.float64) if lengths.sum() else np.zeros(0)
    _fail_at_element(
        ~np.isfinite(flat) | (flat != np.round(flat)),
        lengths,
        "target label is not an integer",
        role="y_true",
        what="position",
        values=flat,
    )
    return _object_array([a.astype(np.int64) for a in arrays])


def _target_item(item: Any, row: int) -> np.ndarray:
    """One row's target as a 1-D numeric array (validated for integers later, all at once)."""
    if isinstance(item, (str, np.str_)):
        return parse_target(str(item), row=row)
    if item is None:
        raise _missing_target(row)
    array = np.asarray(item)
    if array.ndim == 0:
        if array.dtype.kind in "USO":
            value = array.item()
            return _target_item(value, row) if isinstance(value, str) or value is None else _scalar_target(value, row)
        return _scalar_target(array.item(), row)
    if array.ndim != 1:
        raise LossCliError(
            f"a target must be a flat list of label ids, got an array of shape {array.shape}",
            role="y_true",
            row=row,
        )
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise LossCliError(
                "target holds something other than numbers",
                role="y_true",
                row=row,
                hint="a target is a list of integer label ids",
            ) from None
    return array


def _scalar_target(value: Any, row: int) -> np.ndarray:
    # A lone number is a target of length one; NaN is a missing cell.
    if isinstance(value, float) and math.isnan(value):
        raise _missing_target(row)
    return np.asarray([value])


def _missing_target(row: int) -> LossCliError:
    return LossCliError(
        "target is missing",
        role="y_true",
        row=row,
        hint="an empty target is written '[]' or as an empty list",
    )


# --------------------------------------------------------------------------- long format


def group_frames(sample_ids: Any, frame_rows: Any, targets: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Long format (one row per frame) -> one row per sample.

    ``sample_ids`` names the sample of each frame row, ``frame_rows`` is the
    (frames, classes) matrix of log-probabilities, ``targets`` the target of
    each frame row (list or text), which must be the same on every frame row
    of a sample. Samples come out in order of first appearance; the frames of
    a sample keep their file order. Returns ``(y_pred, y_true, sample_keys)``:
    object arrays of per-sample (frames x classes) and label-id arrays, and
    the sample ids.
    """
    ids = np.asarray(sample_ids)
    frames = _frame_matrix(frame_rows)
    target_items = list(targets)
    if not (len(ids) == len(frames) == len(target_items)):
        raise LossCliError(
            f"long-format CTC needs one sample id, one frame and one target per row; got "
            f"{len(ids)} sample ids, {len(frames)} frames and {len(target_items)} targets"
        )
    if len(ids) == 0:
        empty = _object_array([])
        return empty, _object_array([]), ids
    keys, first_rows, sample_of_row = samples_of_frames(ids)
    target_code, canonical = _target_codes(target_items)
    _check_one_target_per_sample(target_code, sample_of_row, first_rows, keys)

    # A stable sort keeps the file order of the frames within each sample.
    order = np.argsort(sample_of_row, kind="stable")
    counts = np.bincount(sample_of_row, minlength=len(keys))
    y_pred = _object_array(np.split(frames[order], np.cumsum(counts)[:-1]))
    y_true = _object_array([canonical[code] for code in target_code[first_rows]])
    return y_pred, y_true, keys


def samples_of_frames(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The samples of frame rows in order of first appearance: (their ids, the
    row of each one's first frame, the sample of each row as a position)."""
    keys, first_row, codes = np.unique(ids, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first_row, kind="stable")
    sample_of_row = np.empty(len(keys), dtype=np.int64)
    sample_of_row[by_appearance] = np.arange(len(keys))
    return keys[by_appearance], first_row[by_appearance], sample_of_row[codes.reshape(-1)]


def _frame_matrix(frame_rows: Any) -> np.ndarray:
    array = np.asarray(frame_rows)
    if array.dtype == object:
        # A list column: one array of class values per frame row.
        array = np.stack([np.asarray(item, dtype=np.float64) for item in array]) if len(array) else np.zeros((0, 0))
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 2:
        raise LossCliError(
            "long-format CTC needs one column per class on each frame row",
            role="y_pred",
            hint="select the class columns with --pred-col (a glob such as 'lp_*' works)",
        )
    return array


def _target_codes(items: list[Any]) -> tuple[np.ndarray, list[np.ndarray]]:
    """A code per frame row such that equal targets share a code, and the target of each code.

    Text targets are parsed once per distinct string: a long-format file
    repeats each target on every frame, so there are far fewer distinct
    strings than rows.
    """
    if all(isinstance(item, (str, np.str_)) for item in items):
        texts, first, inverse = np.unique(np.asarray(items, dtype=str), return_index=True, return_inverse=True)
        parsed = [parse_target(str(text), row=int(row) + 1) for text, row in zip(texts, first)]
        per_text, canonical = _dedupe([tuple(p.tolist()) for p in parsed])
        return per_text[inverse.reshape(-1)], canonical
    parsed_rows = parse_targets(items)
    return _dedupe([tuple(p.tolist()) for p in parsed_rows])


def _dedupe(keys: list[tuple[int, ...]]) -> tuple[np.ndarray, list[np.ndarray]]:
    index: dict[tuple[int, ...], int] = {}
    codes = np.fromiter((index.setdefault(key, len(index)) for key in keys), dtype=np.int64, count=len(keys))
    canonical = [np.asarray(key, dtype=np.int64) for key in index]
    return codes, canonical


def _check_one_target_per_sample(target_code: np.ndarray, sample_of_row: np.ndarray, sample_first_row: np.ndarray, sample_keys: np.ndarray) -> None:
    expected = target_code[sample_first_row][sample_of_row]
    differs = target_code != expected
    if not differs.any():
        return
    row = int(np.argmax(differs))
    sample = sample_of_row[row]
    key = sample_keys[sample]
    key = key.item() if hasattr(key, "item") else key
    raise LossCliError(
        f"the target differs from the one on the first frame row of sample {key!r} "
        f"(row {int(sample_first_row[sample]) + 1})",
        role="y_true",
        row=row + 1,
        hint="in long format every frame row of a sample repeats that sample's whole target",
    )


# --------------------------------------------------------------------------- the loss


@loss(
    name="ctc",
    aliases=("ctc_loss", "connectionist_temporal_classification", "ctcloss"),
    family="sequence",
    tasks=("sequence",),
    roles=(
        Role(
            "y_true",
            LABEL_DEFAULTS + ("labels", "targets"),
            "sequence",
            "the target of each sequence: label ids as a list or a space-separated string ('3 1 4'); "
            "never the blank; may be empty",
        ),
        Role(
            "y_pred",
            PRED_DEFAULTS + ("log_probs", "log_prob", "logprobs"),
            "sequence",
            "per sequence, frames x classes log-probabilities (a list of lists per row; logits with "
            "--from-logits); or long format: one row per frame, class columns, --sample-col naming the sequence",
        ),
    ),
    params=(
        Param("blank", int, 0, "class index of the blank symbol", low=0),
        Param(
            "zero_infinity",
            bool,
            False,
            "an infeasible alignment (infinite loss) counts as 0 instead of making the result infinite",
        ),
        Param(
            "length_norm",
            bool,
            True,
            "for --reduction mean, divide each sequence's negative log-likelihood by its target length "
            "(PyTorch); false averages the raw negative log-likelihood (Keras)",
        ),
        FROM_LOGITS,
    ),
    characteristics=Characteristics(
        False,
        True,
        False,
        False,
        robust_note="our judgement (the guide does not rate CTC): a log-likelihood, so one confidently "
        "wrong frame costs without bound, as with cross-entropy",
        smooth_note="our judgement: a log of sums of products of probabilities, differentiable wherever "
        "the alignment is feasible",
    ),
    formula="mean_n( -log sum_{paths a : B(a) = y_n} prod_t p_t(a_t) / max(|y_n|, 1) ), "
    "B = merge repeated labels, then drop blanks",
    description="Scores a sequence of per-frame class distributions against a shorter label sequence "
    "without knowing which frame produces which label: the probability of the target is the sum over "
    "every frame-by-frame path that collapses to it (repeats merged, blanks removed), computed by the "
    "forward algorithm in log space. Each sequence's negative log-likelihood is divided by its target "
    "length, then averaged over sequences. A target that needs more frames than there are (its length "
    "plus one blank between each pair of equal neighbours) is infeasible and has infinite loss.",
    use_cases="Speech recognition, handwriting and scene-text recognition (OCR), any sequence labelling "
    "where the input is longer than the output and unaligned to it.",
    reference="PyTorch CTCLoss(blank, reduction='mean', zero_infinity) on log-probabilities",
    notes=(
        "Inputs are log-probabilities, as PyTorch expects; they are used as given, not renormalised. A "
        "value above 0 cannot be a log-probability and is rejected: pass --from-logits for logits (log-softmax "
        "per frame), or take the log of probabilities.",
        "As in PyTorch, --reduction mean divides each sequence's negative log-likelihood by its target "
        "length before averaging, while --reduction sum and none use the raw negative log-likelihood.",
        "Keras CTC (keras.losses.ctc, CTC()) takes logits, uses 0 as both blank and padding, and averages "
        "the raw negative log-likelihood without dividing by the target length: from_logits=true,"
        "length_norm=false matches it on unpadded targets.",
        "An infeasible alignment gives inf (PyTorch; Keras on the torch backend); the result is then "
        "reported as null with a warning. zero_infinity=true counts those sequences as 0 and still "
        "averages over all sequences (PyTorch). optax and Keras on jax/numpy return a large finite value "
        "instead.",
        "Long format: one row per frame with --sample-col naming the sequence, frames in file order, the "
        "whole target repeated on every frame row of its sequence. The frames of a sequence may lie anywhere "
        "in the file, so long format is read whole before it is evaluated (memory grows with the file; a note "
        "says how much was kept), and per-row output names each sequence by its --sample-col id.",
    ),
    example="losscli compute frames.csv --loss ctc --sample-col utterance --pred-col 'lp_*' --label-col target",
)
def ctc(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    blank: int,
    zero_infinity: bool,
    length_norm: bool,
    from_logits: bool,
) -> np.ndarray:
    if len(y_pred) == 0:
        return np.zeros(0)
    log_probs, frame_lengths = _frames(y_pred, from_logits)
    n_classes = log_probs.shape[1]
    if not 0 <= blank < n_classes:
        raise LossCliError(
            f"parameter 'blank' of loss 'ctc' is {blank}, which is not one of the {n_classes} classes "
            f"0..{n_classes - 1}",
            hint="set ctc:blank= to the class index of the blank symbol",
        )
    labels, label_lengths = _labels(y_true, n_classes, blank)
    nll = -ctc_log_likelihood(log_probs, frame_lengths, labels, label_lengths, blank)
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0.0, nll)
    if length_norm:
        return RowLosses(nll / np.maximum(label_lengths, 1), nll)
    return nll


def _frames(y_pred: np.ndarray, from_logits: bool) -> tuple[np.ndarray, np.ndarray]:
    """The rows' frames joined into one (total frames, classes) array of log-probabilities,
    and the number of frames of each row."""
    rows = [_numeric(np.asarray(item)) for item in y_pred]
    _check_frame_shapes(rows)
    lengths = np.fromiter((row.shape[0] for row in rows), dtype=np.int64, count=len(rows))
    flat = np.concatenate(rows).astype(np.float64)
    # The row maximum is NaN if the frame holds a NaN, else +inf if it holds +inf.
    frame_max = flat.max(axis=1)
    _fail_at_element(
        np.isnan(frame_max) | (frame_max == np.inf),
        lengths,
        "NaN or +inf",
        role="y_pred",
        what="frame",
        values=frame_max,
    )
    if from_logits:
        _fail_at_element(
            frame_max == -np.inf,
            lengths,
            "every logit is -inf",
            role="y_pred",
            what="frame",
            values=frame_max,
        )
        return log_softmax(flat), lengths
    _fail_at_element(
        (flat > _LOGPROB_TOLERANCE).any(axis=1),
        lengths,
        "log-probability above 0",
        role="y_pred",
        what="frame",
        values=frame_max,
        hint=_PROBABLY_NOT_LOG_PROBS,
    )
    if flat.shape[1] > 1:
        # log p = 0 for every class is no distribution (the probabilities sum
        # to the number of classes): a padded frame, as a batch tensor
        # (T_max, N, C) saved whole has beyond each sequence's input length.
        _fail_at_element(
            (flat == 0.0).all(axis=1),
            lengths,
            "padding, not a distribution: log-probability 0 for every class",
            role="y_pred",
            what="frame",
            values=frame_max,
            hint="keep only each sequence's own frames, log_probs[:input_lengths[i], i], as PyTorch's ctc_loss reads them",
        )
    return flat, lengths


def _numeric(row: np.ndarray) -> np.ndarray:
    """Numbers stored in an object array become float64; anything else is left for the checks to reject."""
    if row.dtype != object:
        return row
    try:
        return row.astype(np.float64)
    except (TypeError, ValueError):
        return row


def _check_frame_shapes(rows: list[np.ndarray]) -> None:
    """Every row: a numeric frames x classes matrix with at least one frame, all with the same classes."""
    ndims = np.fromiter((row.ndim for row in rows), dtype=np.int64, count=len(rows))
    fail_where(
        ndims != 2,
        "predictions of a sequence must be frames x classes (a list of lists of log-probabilities)",
        role="y_pred",
        hint="for one row per frame, name the sequence with --sample-col",
    )
    numeric = np.fromiter((row.dtype.kind in "biuf" for row in rows), dtype=bool, count=len(rows))
    fail_where(~numeric, "predictions hold something other than numbers", role="y_pred")
    shapes = np.array([row.shape for row in rows], dtype=np.int64)
    fail_where(shapes[:, 0] == 0, "the sequence has no frames", role="y_pred")
    n_classes = shapes[0, 1]
    fail_where(
        shapes[:, 1] != n_classes,
        f"number of classes differs from the {n_classes} of row 1",
        role="y_pred",
        values=shapes[:, 1].astype(np.float64),
        hint="every sequence must score the same classes",
    )
    if n_classes == 0:
        raise LossCliError("the predictions have no classes", role="y_pred", row=1)


def _labels(y_true: np.ndarray, n_classes: int, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """Targets padded into an (n, longest) int64 matrix (padding = blank), and their lengths."""
    targets = parse_targets(y_true)
    lengths = np.fromiter(map(len, targets), dtype=np.int64, count=len(targets))
    flat = np.concatenate(list(targets)) if lengths.sum() else np.zeros(0, dtype=np.int64)
    _fail_at_element(
        (flat < 0) | (flat >= n_classes),
        lengths,
        f"target label outside the {n_classes} classes 0..{n_classes - 1}",
        role="y_true",
        what="position",
        values=flat.astype(np.float64),
        hint=f"y_pred has {n_classes} classes per frame; labels must index them",
    )
    _fail_at_element(
        flat == blank,
        lengths,
        f"target contains the blank label {blank}",
        role="y_true",
        what="position",
        values=flat.astype(np.float64),
        hint="targets never include the blank; remove padding, or set ctc:blank= to the blank's index",
    )
    padded = np.full((len(lengths), int(lengths.max())), blank, dtype=np.int64)
    # Row-major boolean indexing fills each row's leading cells in flat order.
    padded[np.arange(padded.shape[1]) < lengths[:, None]] = flat
    return padded, lengths


def ctc_log_likelihood(
    log_probs: np.ndarray,
    frame_lengths: np.ndarray,
    labels: np.ndarray,
    label_lengths: np.ndarray,
    blank: int,
) -> np.ndarray:
    """log p(target | frames) for every sequence, by the CTC forward algorithm in log space.

    ``log_probs`` is (total frames, classes), the sequences' frames one after
    another (``frame_lengths`` each, all >= 1); ``labels`` is (n, longest
    target), padded with anything valid past ``label_lengths``. Returns (n,),
    ``-inf`` where no path fits in the frames.

    The states are the target with a blank before, between and after its
    labels (2S+1 of them). At each frame a path stays in its state, moves to
    the next, or skips a blank between two different labels. Rows are
    processed longest first, so the rows still running at frame t are a
    prefix and finished rows keep their last alpha untouched.
    """
    n = len(frame_lengths)
    order = np.argsort(-frame_lengths, kind="stable")
    lengths = frame_lengths[order]
    first_frame = _row_starts(frame_lengths)[order]

    states = np.full((n, 2 * labels.shape[1] + 1), blank, dtype=np.int64)
    states[:, 1::2] = labels[order]
    # A skip over a blank is allowed into a label that differs from the label two states back.
    may_skip = np.zeros(states.shape, dtype=bool)
    may_skip[:, 2:] = (states[:, 2:] != blank) & (states[:, 2:] != states[:, :-2])

    alpha = np.full(states.shape, -np.inf)
    emit = np.take_along_axis(log_probs[first_frame], states, axis=1)
    # A path starts in the leading blank or on the first label.
    alpha[:, :2] = emit[:, :2]

    running = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="left")
    for t in range(1, int(lengths[0])):
        k = running[t]
        previous = alpha[:k]
        emit = np.take_along_axis(log_probs[first_frame[:k] + t], states[:k], axis=1)
        arrive = previous.copy()
        arrive[:, 1:] = np.logaddexp(previous[:, 1:], previous[:, :-1])
        arrive[:, 2:] = np.where(may_skip[:k, 2:], np.logaddexp(arrive[:, 2:], previous[:, :-2]), arrive[:, 2:])
        alpha[:k] = arrive + emit

    # A path ends in the last label or the trailing blank; states past a
    # row's own 2S+1 hold padding and are never read.
    rows = np.arange(n)
    last = 2 * label_lengths[order]
    on_last_label = np.where(last > 0, alpha[rows, np.maximum(last - 1, 0)], -np.inf)
    in_order = np.logaddexp(alpha[rows, last], on_last_label)
    result = np.empty(n)
    result[order] = in_order
    return result
