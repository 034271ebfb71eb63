"""Choosing the columns each loss role reads, and turning them into numpy arrays.

A role's columns come from, in order: the user's selection (``--pred-col``,
``--label-col``, ``--col ROLE=COLS``: names, comma lists or globs), the role's
default names, the defaults as prefixes (``prob_*``), and finally the only
numeric column of a file. A Parquet/Arrow list column is a multi-column
input on its own.
"""

from __future__ import annotations

import difflib
import re
import functools
import fnmatch
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from ._lazy import pc

from ..errors import LossCliError
from ..registry import EXPORTED_NAMES, EXPORTED_PREFIX_NAMES, Role
from . import arrow_numpy
from .numbers import BOOLEAN_WORDS
from .readers import Column, Source, is_list_type
from .suffixes import SEPARATORS, shared_prefix, up_to_separator
from .vectors import TO_ARRAY_HINT, is_vector_like

PRED_SIDE = "predictions"
LABEL_SIDE = "labels"


# More columns than this are named by the first and the last in messages.
BRIEF_COLUMNS = 5


@dataclass(frozen=True)
class RoleColumns:
    """Where one role's data lives: which file and which column(s)."""

    role: str
    side: str
    names: tuple[str, ...]
    list_column: bool = False

    def describe(self) -> str:
        return ",".join(self.names)

    def brief(self) -> str:
        """The names as an error message shows them: a thousand class
        columns would make a line no log can show, so a long run is cut to
        its ends and its count."""
        if len(self.names) <= BRIEF_COLUMNS:
            return self.describe()
        return f"{self.names[0]},...,{self.names[-1]} ({len(self.names)} columns)"


def select(pattern: str, columns: list[Column], *, display: str, what: str, advice: str | None = None) -> list[str]:
    """Names matching ``pattern``: a name, a comma list, or globs; file order kept for globs."""
    names = [c.name for c in columns]
    chosen: list[str] = []
    for part in pattern.split(","):
        item = part.strip()
        if not item:
            continue
        if part in names:
            # A name typed with its own surrounding spaces, as the header has it.
            chosen.append(part)
            continue
        if any(ch in item for ch in "*?["):
            matched = [n for n in names if fnmatch.fnmatchcase(n, item)]
            if not matched:
                raise LossCliError(
                    f"the pattern '{item}' for {what} matches no column",
                    file=display,
                    hint=f"columns: {_listing(names)}",
                )
            chosen.extend(matched)
            continue
        found = match_name(item, names)
        if found is not None:
            chosen.append(found)
            continue
        raise unknown_column(item, names, display, what, advice)
    if not chosen:
        raise LossCliError(f"no column given for {what}", file=display)
    return list(dict.fromkeys(chosen))


def match_name(name: str, names: list[str]) -> str | None:
    """The column ``name`` refers to: the exact name, else the only name equal
    to it once surrounding spaces are dropped (``y_pred, y_true`` headers),
    else the only one equal ignoring case as well."""
    if name in names:
        return name
    for fold in (str.strip, lambda text: text.strip().lower()):
        wanted = fold(name)
        found = [n for n in names if fold(n) == wanted]
        if len(found) == 1:
            return found[0]
    return None


def unknown_column(name: str, names: list[str], display: str, what: str, advice: str | None = None) -> LossCliError:
    """``advice`` (a source's delimiter_advice) replaces the closest names and
    the listing, which would offer a whole misread header as a column."""
    if advice is not None:
        return LossCliError(f"no column '{name}' for {what}", file=display, hint=advice)
    # Compared ignoring case, as match_name matches: 'idd' is near 'ID'.
    by_folded: dict[str, list[str]] = {}
    for column in names:
        by_folded.setdefault(column.strip().lower(), []).append(column)
    near = difflib.get_close_matches(name.strip().lower(), list(by_folded), n=3, cutoff=0.5)
    close = [column for folded in near for column in by_folded[folded]][:3]
    suggestion = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return LossCliError(
        f"no column '{name}' for {what}{suggestion}",
        file=display,
        hint=f"columns: {_listing(names)}",
    )


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:12])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 12 else "")


def find_default(
    role: Role,
    source: Source,
    claimed: set[str],
    *,
    allow_many: bool,
    sole_numeric: bool,
    reserved: frozenset[str] = frozenset(),
    other_defaults: tuple[str, ...] = (),
) -> list[str] | None:
    """The role's columns by default names, then prefixes, then the only numeric column.

    losscli's own default names come first, exactly and then as prefixes;
    the names exports write (``registry.EXPORTED_NAMES``: proba, logits,
    actual) only after them, and only when one alone is in the file:
    ``predicted`` (a class) beside ``proba`` (a probability) is an error
    naming both, not a guess.

    ``reserved`` columns (--by, --sample-col) are taken only by their exact
    default name: grouping by the label column must not move the labels
    elsewhere. ``other_defaults`` are the default names of the loss's other
    roles; a prefix never takes their columns (y_true's ``y_*`` must not take
    ``y_pred``).
    """
    coordinate = pixel_row_coordinate(source)
    if coordinate is not None:
        claimed = set(claimed) | {coordinate}
    available = [c.name for c in source.columns if c.name not in claimed]
    own = [name for name in role.defaults if name not in EXPORTED_NAMES]
    exported = [name for name in role.defaults if name in EXPORTED_NAMES]
    for default in own:
        found = match_name(default, available)
        if found is not None:
            return [found]
    unavailable = set(claimed) | set(reserved)
    if allow_many:
        matched = _by_prefix(own, source, unavailable, other_defaults)
        if matched:
            return matched
    found_exported = list(dict.fromkeys(name for name in (match_name(default, available) for default in exported) if name is not None))
    if len(found_exported) == 1:
        return found_exported
    if len(found_exported) > 1:
        raise AmbiguousDefault(role, found_exported, source.display)
    if allow_many:
        matched = _by_prefix([name for name in exported if name in EXPORTED_PREFIX_NAMES], source, unavailable, other_defaults)
        if matched:
            return matched
    if sole_numeric:
        numeric = [
            c.name
            for c in source.columns
            if (c.numeric or c.is_list) and c.name not in unavailable and not is_unnamed_index(c.name)
        ]
        if len(numeric) == 1:
            return numeric
    return None


def pixel_row_coordinate(source: Source) -> str | None:
    """The column ``y`` when it sits beside a column ``x``, both of integers,
    and a column named as a mask or a mask's channel (``mask``, ``label_0``):
    the row and column of a pixel, as ``np.argwhere`` or a meshgrid export
    writes them (``image_id, y, x, mask, prob``), never the labels. Read as
    labels it would score the pixels' row numbers as a mask or as class
    indices, and the values of a two-row image fit a 0/1 mask. It is read
    only when named (``--label-col y``). Without such a column, integer
    ``x`` and ``y`` are a feature and its target."""
    by_name = {c.name.strip().lower(): c for c in source.columns}
    y, x = by_name.get("y"), by_name.get("x")
    if y is None or x is None or not any(_names_a_mask(name) for name in by_name):
        return None
    if pa.types.is_integer(y.type) and pa.types.is_integer(x.type):
        return y.name
    return None


def coordinate_hint(source: Source) -> str | None:
    """What to say when no label column was found and ``y`` was passed over
    as a pixel coordinate (naming a mask column when one is named so); None
    otherwise."""
    coordinate = pixel_row_coordinate(source)
    if coordinate is None:
        return None
    masks = [c.name for c in source.columns if c.name.strip().lower() in _MASK_NAMES]
    option = f"--label-col {masks[0]}" if len(masks) == 1 else "--label-col"
    return (
        f"'{coordinate}' beside 'x' is read as a pixel's row, not as labels: name the mask or class column "
        f"with {option} (or --label-col {coordinate} if '{coordinate}' does hold the labels); "
        f"columns: {_listing(source.names())}"
    )


_MASK_NAMES = ("mask", "masks", "gt", "gt_mask", "true_mask", "mask_true", "seg", "segmentation", "annotation", "class", "cls")
# One-hot channels of a mask (MONAI's label_0, label_1).
_CHANNEL_PREFIXES = ("mask_", "label_", "target_", "y_true_")


def _names_a_mask(name: str) -> bool:
    return name in _MASK_NAMES or name.startswith(_CHANNEL_PREFIXES)


_UNNAMED_INDEX = re.compile(r"Unnamed: \d+")


def is_unnamed_index(name: str) -> bool:
    """A column pandas' ``to_csv`` writes for an unnamed index: an empty
    header (``,y_pred``), or ``Unnamed: 0`` once such a file is read back and
    saved again. It numbers rows, so it is never a file's only values: a
    statsmodels or scikit-learn ``predict`` Series saved as ``,0`` has its
    predictions in ``0``."""
    return name.strip() == "" or _UNNAMED_INDEX.fullmatch(name.strip()) is not None


# The words a classifier's scores are saved under, beside its predicted
# classes: scikit-learn's predict() as 'pred' and predict_proba()[:, 1] as
# 'proba' (or 'y_proba', 'pred_proba', 'proba_1', 'y_score', 'logits').
SCORE_WORDS = ("proba", "probability", "probabilities", "probs", "prob", "score", "scores", "logit", "logits")
_SCORE_LEADS = ("y_", "pred_", "predict_", "predicted_")


def score_columns_beside(source: Source, found: str, claimed: set[str]) -> list[str]:
    """The floating-point columns, other than ``found`` and ``claimed``, whose
    names say they hold scores: a score word alone, after ``y_``, ``pred_``
    or ``found_`` (``y_pred_proba``), or before ``_`` and a class
    (``proba_0, proba_1``). In file order."""
    leads = _SCORE_LEADS + (found.strip().lower() + "_",)

    def is_score(name: str) -> bool:
        low = name.strip().lower()
        for lead in ("",) + leads:
            rest = low[len(lead) :] if low.startswith(lead) else None
            if rest is not None and (rest in SCORE_WORDS or any(rest.startswith(word + "_") for word in SCORE_WORDS)):
                return True
        return False

    return [
        c.name
        for c in source.columns
        if c.name != found and c.name not in claimed and pa.types.is_floating(c.type) and is_score(c.name)
    ]


class AmbiguousDefault(LossCliError):
    """Several columns under names exports write could be the role's: the
    user names one (``recommend`` may tell them apart by their values)."""

    def __init__(self, role: Role, candidates: list[str], display: str) -> None:
        from .overlaps import option_of  # it imports this module

        self.candidates = candidates
        listed = ", ".join(f"'{name}'" for name in candidates)
        super().__init__(f"{listed} could each be {role.name}", file=display, hint=f"name the one to read with {option_of(role.name)}")


def _by_prefix(defaults: list[str], source: Source, unavailable: set[str], other_defaults: tuple[str, ...]) -> list[str] | None:
    """The columns named ``default_*`` for the first of ``defaults`` that has
    any, in file order, but for those another role's name owns."""
    others = tuple(d.lower() for d in other_defaults)

    def owned_elsewhere(name: str, prefix: str) -> bool:
        # Another role's exact name, or its prefix when that is more specific than ours.
        low = name.strip().lower()
        return low in others or any(low.startswith(o + "_") and len(o) + 1 > len(prefix) for o in others)

    for default in defaults:
        prefix = default.lower() + "_"
        matched = [
            c.name
            for c in source.columns
            if c.name.strip().lower().startswith(prefix)
            and c.name not in unavailable
            and not owned_elsewhere(c.name, prefix)
            and c.name.strip().lower()[len(prefix) :] not in _LENGTH_SUFFIXES
        ]
        if matched:
            return matched
    return None


# A column named for an input's lengths (PyTorch's ctc_loss takes
# target_lengths and input_lengths beside the targets) holds no values of it.
_LENGTH_SUFFIXES = ("length", "lengths", "len", "lens")


def accepts_many(role: Role) -> bool:
    # Sequence roles take many columns in long format: one class per column.
    return role.shape in ("vector", "class", "sequence")


# ----------------------------------------------------------------------------- conversion


def to_float(array: pa.Array | pa.ChunkedArray, *, column: str, display: str) -> np.ndarray:
    """A numeric column as float64; missing values become NaN."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    kind = array.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        # Integers beyond 2**53 round to the nearest float64, as numpy rounds them.
        return arrow_numpy.floats(array)
    if pa.types.is_decimal(kind):
        return arrow_numpy.floats(pc.cast(array, pa.float64(), safe=False))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _parse_text_numbers(array, column=column, display=display)
    if pa.types.is_null(kind):
        return np.full(len(array), np.nan)
    if pa.types.is_dictionary(kind):
        # Numbers written as text and stored as categories read like plain text.
        return to_float(array.dictionary_decode(), column=column, display=display)
    raise LossCliError(
        f"column holds {kind}, not numbers",
        file=display,
        column=column,
        hint=_nested_hint(kind, column) or _temporal_hint(kind) or _other_hint(kind),
    )


def _temporal_hint(kind: pa.DataType) -> str | None:
    """What to do with dates, times and durations, which no loss reads: the
    column is often a timestamp found in place of the intended one."""
    if not pa.types.is_temporal(kind):
        return None
    return "losses need numbers: cast or convert the column (e.g. to seconds), or name the right column with --label-col or --pred-col"


def _other_hint(kind: pa.DataType) -> str:
    """What to do with any other type no loss reads (raw bytes, ...)."""
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        # Some writers store text without marking it UTF-8: numbers written so arrive as bytes.
        return "raw bytes are not read as numbers: store numbers as a numeric column (or text as a string column), or name the right column with --label-col or --pred-col"
    return "losses need numbers: convert the column to a numeric type, or name the right column with --label-col or --pred-col"


def _nested_hint(kind: pa.DataType, column: str) -> str | None:
    """How to make numbers of a struct or map column: its fields are not columns."""
    if is_vector_like(kind):
        # Flattening a vector gives its type and indices, not its values.
        return f"the struct looks like a Spark ML vector, but Spark stores one as type int8, size int32, indices list<int32>, values list<double>; {TO_ARRAY_HINT}"
    if pa.types.is_struct(kind) and kind.num_fields:
        fields = [f"{column}.{kind.field(i).name}" for i in range(kind.num_fields)]
        listed = ", ".join(fields[:6]) + (", ..." if len(fields) > 6 else "")
        return f"name one of its fields by its path instead, e.g. '{fields[0]}' (fields: {listed})"
    if pa.types.is_map(kind):
        return "a map's keys are not columns of their own; write each key's values as a column"
    return None


def _parse_text_numbers(array: pa.Array, *, column: str, display: str) -> np.ndarray:
    try:
        numbers = pc.cast(pc.utf8_trim_whitespace(array), pa.float64())
    except pa.ArrowInvalid:
        from .numbers import NUMBER, not_a_number

        index = _first_unaccepted(array, pc.match_substring_regex(array, NUMBER))
        if index >= 0 and index == _first_present(array) and array[index].as_py() in BOOLEAN_WORDS:
            _reject_non_boolean(array, column=column, display=display)
        message, hint = not_a_number(_shown(array, index) if index >= 0 else "?")
        raise LossCliError(message, file=display, column=column, row=index + 1 if index >= 0 else None, hint=hint) from None
    return arrow_numpy.floats(numbers)


def _first_unaccepted(array: pa.Array, accepted: pa.Array) -> int:
    """Index of the first value that is neither missing nor accepted, or -1."""
    ok = pc.or_kleene(pc.is_null(array), accepted)
    return pc.index(pc.invert(pc.fill_null(ok, True)), True).as_py()


def _first_present(array: pa.Array) -> int:
    return pc.index(pc.is_valid(array), True).as_py()


def _reject_non_boolean(array: pa.Array, *, column: str, display: str) -> None:
    """A column that starts with true/false labels became text because some
    value is neither: that value, not the first 'True', is the one to fix."""
    index = _first_unaccepted(array, pc.is_in(array, value_set=pa.array(BOOLEAN_WORDS)))
    if index >= 0:
        raise LossCliError(
            f"text '{_shown(array, index)}' in a column of true/false values",
            file=display,
            column=column,
            row=index + 1,
            hint="fix the value, or write the column as numbers",
        )


def _shown(array: pa.Array, index: int) -> str:
    """One text value for an error message, even when its bytes are not UTF-8."""
    try:
        return array[index].as_py()
    except UnicodeDecodeError:
        return array.cast(pa.binary())[index].as_py().decode("utf-8", errors="replace")


def list_to_matrix(array: pa.Array | pa.ChunkedArray, *, column: str, display: str, width: int | None = None) -> np.ndarray:
    """A list column whose rows all have k numbers -> (n, k).

    ``width`` is the length of the rows read before (earlier batches or
    files): a column that changes width part way through is an error, not
    a silently different loss. A missing (null) list is a row of NaN, a
    missing value like any other (see --nan-policy).
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    _refuse_lists_of_lists(array.type, column=column, display=display)
    n = len(array)
    if n == 0:
        return np.zeros((0, width or 0))
    # Rows of the batch that hold a list; None when every row does.
    present = np.flatnonzero(arrow_numpy.validity(array)) if array.null_count else None
    lists = pc.drop_null(array) if present is not None else array
    lengths = arrow_numpy.numbers(pc.list_value_length(lists)) if len(lists) else np.zeros(0, dtype=np.int64)
    k = _list_width(lengths, width, column=column, display=display, present=present)
    values = to_float(pc.list_flatten(lists), column=column, display=display).reshape(len(lists), k)
    if present is None:
        return values
    matrix = np.full((n, k), np.nan)
    matrix[present] = values
    return matrix


def _refuse_lists_of_lists(kind: pa.DataType, *, column: str, display: str) -> None:
    """A list of lists per row (a mask of pixels x classes, features per
    layer) has no reading as one row of values; ctc's frames are read elsewhere."""
    inner = kind.value_type
    if is_list_type(inner):
        raise LossCliError(
            "column holds a list of lists per row, where this input takes one list of numbers per row",
            file=display,
            column=column,
            hint="only ctc reads a list of lists, as frames x classes; write masks as one row per pixel with "
            "--sample-col naming the image, and features as one list (layers= gives the size of each layer)",
        )


def _list_width(lengths: np.ndarray, width: int | None, *, column: str, display: str, present: np.ndarray | None) -> int:
    """The one length of every list, else an error at the first row that differs.

    The expected length is ``width`` or, for the first batch, that of the
    first non-empty list, so an empty list in row 1 is reported at row 1.
    """
    nonempty = np.flatnonzero(lengths)
    expected = width if width is not None else (int(lengths[nonempty[0]]) if len(nonempty) else None)
    if expected is None:
        if len(lengths):
            raise LossCliError("empty list", file=display, column=column, row=_batch_row(0, present), hint="a list column needs at least one value per row")
        return 1  # every row is missing: the rows are dropped or reported as missing
    differs = lengths != expected
    if not differs.any():
        return expected
    index = int(np.argmax(differs))
    found = int(lengths[index])
    message = f"empty list where the other rows have {expected} values" if found == 0 else f"list has {found} values where the rows before it have {expected}"
    raise LossCliError(message, file=display, column=column, row=_batch_row(index, present), hint="every row of a list column needs the same length")


def _batch_row(index: int, present: np.ndarray | None) -> int:
    """1-based batch row of the ``index``-th list that is present."""
    return (int(present[index]) if present is not None else index) + 1


def list_to_objects(array: pa.Array | pa.ChunkedArray, *, column: str, display: str) -> np.ndarray:
    """A (possibly nested) list column -> object array of per-row numpy arrays.

    Rows of a list-of-lists column become 2-D (frames x classes); the inner
    lists of one row must have equal lengths.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    out = np.empty(n, dtype=object)
    if array.null_count:
        row = arrow_numpy.first_true(pc.is_null(array)) + 1
        raise LossCliError("missing list value", file=display, column=column, row=row)
    outer = arrow_numpy.numbers(pc.list_value_length(array)).astype(np.int64)
    flat = pc.list_flatten(array)
    starts = np.concatenate([[0], np.cumsum(outer)])
    if is_list_type(flat.type):
        if flat.null_count:
            # A frame that is null rather than a list of class values.
            item = arrow_numpy.first_true(pc.is_null(flat))
            row = int(np.searchsorted(starts, item, side="right"))
            raise LossCliError(
                f"frame {item - starts[row - 1] + 1} of this row is missing",
                file=display,
                column=column,
                row=row,
                hint="every frame needs one value per class",
            )
        inner = arrow_numpy.numbers(pc.list_value_length(flat)).astype(np.int64)
        values = to_float(pc.list_flatten(flat), column=column, display=display)
        inner_starts = np.concatenate([[0], np.cumsum(inner)])
        for i in range(n):
            lo, hi = starts[i], starts[i + 1]
            widths = inner[lo:hi]
            if len(widths) and (widths != widths[0]).any():
                raise LossCliError("the frames of this row have different numbers of classes", file=display, column=column, row=i + 1)
            block = values[inner_starts[lo] : inner_starts[hi]]
            out[i] = block.reshape(hi - lo, int(widths[0]) if len(widths) else 0)
    else:
        values = to_float(flat, column=column, display=display)
        for i in range(n):
            out[i] = values[starts[i] : starts[i + 1]]
    return out


def text_to_objects(array: pa.Array | pa.ChunkedArray, *, column: str, display: str) -> np.ndarray:
    """Space-separated integers per row ("3 1 4") -> object array of int arrays."""
    values = array.to_pylist()
    out = np.empty(len(values), dtype=object)
    for i, text in enumerate(values):
        if text is None:
            raise LossCliError("missing value", file=display, column=column, row=i + 1)
        try:
            out[i] = np.array([int(tok) for tok in str(text).replace(",", " ").split()], dtype=np.float64)
        except ValueError:
            raise LossCliError(
                f"'{text}' is not a list of integer labels", file=display, column=column, row=i + 1, hint="write labels as space-separated integers, e.g. '3 1 4'"
            ) from None
    return out


def map_string_labels(
    array: pa.Array | pa.ChunkedArray, pred_names: tuple[str, ...], *, column: str, display: str
) -> np.ndarray:
    """String class labels -> indices of the probability columns they name (by suffix)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.string())
    labels = pc.unique(array.drop_null())
    mapping: dict[str, int] = {}
    for label in labels.to_pylist():
        index = _match_suffix(str(label), pred_names)
        if index is None:
            row = pc.index(array, label).as_py() + 1
            raise LossCliError(
                f"class label '{label}' matches no probability column",
                file=display,
                column=column,
                row=row,
                hint=f"probability columns are matched by suffix, so this class needs a column '{_column_for(str(label), pred_names)}'; columns: {', '.join(pred_names)}",
            )
        mapping[str(label)] = index
    if not mapping:
        return np.full(len(array), np.nan)
    # Position of each row's label among the distinct labels (NaN where missing).
    codes = arrow_numpy.floats(pc.index_in(array, value_set=labels))
    lookup = np.array([mapping[label] for label in labels.to_pylist()], dtype=np.float64)
    result = np.full(len(array), np.nan)
    present = ~np.isnan(codes)
    result[present] = lookup[codes[present].astype(np.int64)]
    return result


def _column_for(label: str, pred_names: tuple[str, ...]) -> str:
    """The name a probability column of class ``label`` would have beside
    ``pred_names``: prob_dog beside prob_cat and prob_cow."""
    prefix = up_to_separator(shared_prefix(pred_names)) if len(pred_names) > 1 else ""
    return prefix + label


def class_column_of(label: str, pred_names: tuple[str, ...]) -> int | None:
    """The index of the probability column a class label names, as compute maps it."""
    return _match_suffix(label, pred_names)


def _match_suffix(label: str, pred_names: tuple[str, ...]) -> int | None:
    """The probability column a class label names: the whole name or the part
    after a separator, as written, else ignoring case. Never a bare tail of a
    name, so that a label 'dog' with no column of its own is an error rather
    than the class of 'p_bulldog'."""
    return _suffix_index(pred_names).match(label)


class _SuffixIndex:
    """Every name and every part of a name after a separator, looked up in
    dicts: scanning 1000 columns for each of 1000 text labels, in every
    batch, took three times as long as the whole run with integer labels."""

    def __init__(self, pred_names: tuple[str, ...]) -> None:
        self.folds = [self._folded(pred_names, fold) for fold in (str, str.lower)]

    @staticmethod
    def _folded(pred_names: tuple[str, ...], fold: type | object) -> tuple[dict[str, int], dict[str, dict[str, list[int]]]]:
        whole: dict[str, int] = {}
        tails: dict[str, dict[str, list[int]]] = {sep: {} for sep in SEPARATORS}
        for index, name in enumerate(pred_names):
            folded = fold(name)
            whole.setdefault(folded, index)
            for sep, found in tails.items():
                start = folded.find(sep)
                while start != -1:
                    found.setdefault(folded[start + 1 :], []).append(index)
                    start = folded.find(sep, start + 1)
        return whole, tails

    def match(self, label: str) -> int | None:
        for fold, (whole, tails) in zip((str, str.lower), self.folds):
            wanted = fold(label)
            if wanted in whole:
                return whole[wanted]
            for sep in SEPARATORS:
                hits = tails[sep].get(wanted, ())
                if len(hits) == 1:
                    return hits[0]
        return None


@functools.lru_cache(maxsize=8)
def _suffix_index(pred_names: tuple[str, ...]) -> _SuffixIndex:
    # Built once per set of columns, not once per batch.
    return _SuffixIndex(pred_names)
