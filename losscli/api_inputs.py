"""Checking the arguments of the Python API before the kernels see them.

The command line checks what it reads (``losscli/io/plan.py``,
``losscli/io/columns.py``); arrays handed to :func:`losscli.compute` skip
those readers, so the same rules are applied here: numbers only, one length,
at least one row, no NaN or inf, and weights that are one finite,
non-negative number per row that do not all vanish.

Errors name the argument (``error.role``, shown first when the error is
printed) and,
where one row is at fault, its 1-based row number (``error.row``; row 1 is
``y_pred[0]``), as the command line numbers data rows. Each check is one
vectorised pass over an array; only a failing check looks further, to find
the row to report.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from .errors import LossCliError
from .registry import Role
from .wording import exact_number

_NUMERIC_KINDS = "biuf"
MISSING = "missing, NaN or infinite value"
MISSING_HINT = "drop or fill in those rows before computing the loss"
RAGGED = "rows of different lengths (a ragged list)"
TENSOR_HINT = "pass a tensor that holds values, on the CPU or a GPU, e.g. one computed on a real device rather than 'meta'"
ARRAY_TYPES = "a list, a numpy array, a pandas or polars Series or DataFrame, a pyarrow array or a tensor"


def detached(value: Any) -> Any:
    """A tensor without its autograd graph, on the CPU: PyTorch refuses to
    hand numpy a tensor that requires grad, and the API only evaluates.
    A sparse tensor or matrix (scipy.sparse, as scikit-learn's OneHotEncoder
    returns labels) is made dense: numpy reads neither."""
    if type(value).__module__.startswith("scipy.sparse") and callable(getattr(value, "toarray", None)):
        return value.toarray()
    detach = getattr(value, "detach", None)
    if not callable(detach):
        return value
    value = detach()
    cpu = getattr(value, "cpu", None)
    value = cpu() if callable(cpu) else value
    if str(getattr(value, "layout", "torch.strided")) != "torch.strided" and callable(getattr(value, "to_dense", None)):
        value = value.to_dense()
    if str(getattr(value, "dtype", "")) == "torch.bfloat16":
        # numpy has no bfloat16; every bfloat16 is exactly a float32.
        value = value.float()
    return value


# Machine epsilon of the floats coarser than float32 that inputs arrive in
# (a bfloat16 or float16 tensor or array), by dtype name.
_COARSE_FLOATS = {"bfloat16": 2.0**-7, "float16": 2.0**-10}


def coarsest_float(values: Any) -> float | None:
    """The machine epsilon of the coarsest bfloat16 or float16 input among
    ``values``, None when there is none: values rounded to such a float
    keep that rounding once widened."""
    found = [_COARSE_FLOATS.get(str(getattr(value, "dtype", "")).removeprefix("torch.")) for value in values]
    return max((eps for eps in found if eps is not None), default=None)


def _detached(name: str, value: Any) -> Any:
    """:func:`detached`, with PyTorch's refusals (a tensor on the 'meta'
    device has a shape but no values) as an error naming the argument."""
    try:
        return detached(value)
    except (RuntimeError, TypeError) as error:  # NotImplementedError is a RuntimeError
        raise LossCliError(f"cannot be read as numbers ({_first_line(error)})", role=name, hint=TENSOR_HINT) from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def numbers_per_row(name: str, value: Any, role: Role | None = None, *, elementwise: bool = False, pixels: bool = False) -> np.ndarray:
    """``value`` as a float64 array of one or more numbers per row.

    ``elementwise`` losses (the regression family) average over every element,
    as PyTorch does for any shape, so an (n, h, w) array is read as n rows of
    h*w values; other losses need the caller to say what extra axes mean.
    ``pixels``: the loss reads one row per pixel (dice, iou, tversky), which
    the error for an image array says how to get.

    Text is refused rather than parsed: the command line reads text from
    files, but in Python a string where a number belongs is a mistake.
    """
    array = as_array(name, value)
    if array.ndim == 0:
        item = array.item()
        if not (_is_real(item) or isinstance(item, (str, bytes))):
            # numpy wraps what it cannot read (a LazyFrame, a custom container) as one object.
            raise LossCliError(f"cannot read {type(item).__name__} as numbers", role=name, hint=f"pass {ARRAY_TYPES}")
        raise LossCliError(
            f"a single value ({item!r:.40}), not one value per row",
            role=name,
            hint=f"pass a list or array, e.g. [{item!r}] for one row",
        )
    if array.ndim > 2 and elementwise:
        array = array.reshape(len(array), -1)
    if array.ndim == 2 and array.shape[1] == 0 and len(array):
        # numpy would average nothing into NaN with a warning.
        raise LossCliError(f"an array of shape {array.shape}: the rows hold no values", role=name, hint="pass at least one value per row")
    if array.ndim > 2:
        # The kernels read rows of columns, as the command line gives them; what the
        # extra axes mean (pixels, channels, classes) decides how to flatten them.
        raise LossCliError(
            f"an array of shape {array.shape}: one value or one row of values per sample needed",
            role=name,
            hint=_pixel_rows_hint(array.shape)
            if pixels
            else "reshape it to (samples, values), e.g. x.reshape(len(x), -1); for per-pixel segmentation, one row per pixel with sample_ids",
        )
    kind = array.dtype.kind
    if kind in _NUMERIC_KINDS or array.size == 0:
        return np.asarray(array, dtype=np.float64)
    if kind == "O":
        return _objects_as_floats(name, array, role)
    if kind in "US":
        raise _text_error(name, array.reshape(-1)[0], role, row=1)
    if kind == "c":
        raise LossCliError("complex numbers, not real ones", role=name, hint="pass real numbers, e.g. the real part or the magnitude")
    raise LossCliError(f"{array.dtype} values, not numbers", role=name)


def _pixel_rows_hint(shape: tuple[int, ...]) -> str:
    """How to give images as the pixel rows a segmentation loss reads: a row
    per image of its flattened pixels would read every pixel as a class."""
    n = shape[0]
    if len(shape) == 4:
        # (n, classes, h, w), as PyTorch and MONAI lay out class probabilities
        rows = f"numpy.moveaxis(x, 1, -1).reshape(-1, {shape[1]}) gives one row of class probabilities per pixel"
        spatial = shape[2:]
    else:
        rows = "x.reshape(-1) gives one row per pixel (a mask, or foreground probabilities)"
        spatial = shape[1:]
    ids = f"numpy.repeat(numpy.arange({n}), {' * '.join(str(size) for size in spatial)})"
    return (
        f"segmentation losses read one row per pixel: {rows}, and sample_ids={ids} gives "
        "one value per image; x.reshape(len(x), -1) would score every pixel as a class"
    )


def per_row_items(name: str, value: Any) -> list[Any]:
    """The rows of a ragged input (one sequence per row), each as an array."""
    value = _detached(name, value)
    refused = LossCliError(f"one sequence per row needed, not {type(value).__name__}", role=name)
    if isinstance(value, (str, bytes, dict, set, frozenset)):
        raise refused
    if getattr(value, "ndim", None) == 2 and callable(getattr(value, "to_numpy", None)):
        # A pandas DataFrame iterates over its column names: its rows are
        # what is meant (the class columns of one frame per row).
        value = value.to_numpy()
    try:
        items = list(value)
    except TypeError:
        raise refused from None
    return [np.asarray(_detached(name, item)) for item in items]


def as_array(name: str, value: Any) -> np.ndarray:
    """``value`` (a list, array, pandas object or tensor) as a numpy array of any dtype."""
    value = _detached(name, value)
    if isinstance(value, np.ma.MaskedArray):
        return _unmasked(name, value)
    if isinstance(value, Iterator):
        # numpy would wrap a generator as one opaque object, not read it.
        value = list(value)
    if isinstance(value, (dict, set, frozenset)):
        raise LossCliError(
            f"an array of numbers needed, not {type(value).__name__}",
            role=name,
            hint="pass a list, a numpy array, a pandas Series or a tensor",
        )
    try:
        return np.asarray(value)
    except ValueError:
        # numpy's only complaint about a nested list: rows of unequal length.
        raise LossCliError(
            RAGGED,
            role=name,
            hint="every row needs the same number of values",
        ) from None
    except (TypeError, RuntimeError) as error:
        if _holds_tensors(value):
            # A list of tensors that require grad (or live on a GPU), one per sample.
            return as_array(name, [_detached(name, item) for item in value])
        raise LossCliError(f"cannot be read as numbers ({error})", role=name) from None


def _unmasked(name: str, array: np.ma.MaskedArray) -> np.ndarray:
    """A masked array's values; a masked entry is a missing value, as NaN is,
    not the number that happens to sit under the mask."""
    masked = np.ma.getmaskarray(array)
    if masked.any():
        rows = masked.reshape(len(masked), -1).any(axis=1) if masked.ndim > 1 else masked
        count = int(rows.sum())
        more = f", the first of {count} such rows" if count > 1 else ""
        raise LossCliError(f"{MISSING}{more} (masked)", role=name, row=int(np.argmax(rows)) + 1, hint=MISSING_HINT)
    return np.asarray(array.data)


def _holds_tensors(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and any(callable(getattr(item, "detach", None)) for item in value)


def _objects_as_floats(name: str, array: np.ndarray, role: Role | None) -> np.ndarray:
    """An object array (mixed Python values, pandas' nullable columns) as float64."""
    if array.ndim == 1 and _is_row(array[0]):
        return _rows_as_floats(name, array, role)
    flat = array.reshape(-1)
    for index, item in enumerate(flat):
        if _is_real(item):
            continue
        row = _row_of(array, index)
        if item is None or _is_pandas_missing(item):
            raise LossCliError(MISSING, role=name, row=row, hint=MISSING_HINT)
        if isinstance(item, (str, bytes)):
            raise _text_error(name, item, role, row)
        if hasattr(item, "__len__"):
            raise LossCliError(RAGGED, role=name, row=row, hint="every row needs the same number of values")
        raise LossCliError(f"{type(item).__name__} {item!r:.40}, not a number", role=name, row=row)
    try:
        return array.astype(np.float64)
    except OverflowError:
        # A Python int beyond float64's range (10**400), which numpy keeps as an object.
        index = next(i for i, item in enumerate(flat) if not _fits_a_float(item))
        raise LossCliError(
            f"an integer too large for a 64-bit float ({len(str(abs(int(flat[index]))))} digits)",
            role=name,
            row=_row_of(array, index),
            hint="scale the values down: a 64-bit float holds at most about 1.8e308",
        ) from None


def _fits_a_float(item: Any) -> bool:
    try:
        float(item)
    except OverflowError:
        return False
    return True


def _is_row(item: Any) -> bool:
    return hasattr(item, "__len__") and not isinstance(item, (str, bytes, dict))


def _rows_as_floats(name: str, array: np.ndarray, role: Role | None) -> np.ndarray:
    """A column whose cells are rows (a pandas Series of arrays or lists, as a
    model's outputs are often kept) as one row of numbers per sample."""
    rows = [np.asarray(_detached(name, item)) for item in array]
    for index, row in enumerate(rows):
        if row.ndim == 0 and (row.item() is None or _is_pandas_missing(row.item())):
            raise LossCliError(MISSING, role=name, row=index + 1, hint=MISSING_HINT)
        if row.shape != rows[0].shape:
            raise LossCliError(RAGGED, role=name, row=index + 1, hint=f"every row needs the same number of values; row 1 has {rows[0].size}")
    return numbers_per_row(name, np.stack(rows), role)


def _is_real(item: Any) -> bool:
    if isinstance(item, (str, bytes)) or not isinstance(item, numbers.Number):
        return False
    return isinstance(item, numbers.Real) or not isinstance(item, numbers.Complex)


def _is_pandas_missing(item: Any) -> bool:
    """pandas' NA and NaT markers, recognised without importing pandas."""
    return type(item).__name__ in ("NAType", "NaTType")


def _row_of(array: np.ndarray, flat_index: int) -> int:
    width = array.size // len(array) if len(array) else 1
    return flat_index // max(width, 1) + 1


def _text_error(name: str, text: Any, role: Role | None, row: int | None = None) -> LossCliError:
    if role is not None and role.shape == "class":
        hint = "pass integer class indices 0..C-1; the command line maps text labels to probability columns by suffix, the API does not"
    else:
        hint = "pass numbers, e.g. np.asarray(values, dtype=float)"
    return LossCliError(f"text ({str(text)!r:.40}), not numbers", role=name, row=row, hint=hint)


def check_finite(name: str, values: np.ndarray) -> None:
    """No NaN or inf: the error names the first such row and how many there are."""
    if values.dtype == object or values.size == 0:
        return
    # A finite sum proves there is no NaN or inf in one cheap pass; only a
    # non-finite sum (or an overflowing one) pays for the row-by-row check.
    with np.errstate(all="ignore"):
        if np.isfinite(np.add.reduce(values, axis=None)):
            return
    bad = ~np.isfinite(values) if values.ndim == 1 else ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    count = int(bad.sum())
    if count == 0:
        return
    more = f", the first of {count} such rows" if count > 1 else ""
    raise LossCliError(f"{MISSING}{more}", role=name, row=int(np.argmax(bad)) + 1, hint=MISSING_HINT)


def check_pandas_order(inputs: dict[str, Any]) -> None:
    """Rows pair by position, as in scikit-learn. Two pandas inputs whose
    indexes hold the same labels in a different order (one was sorted or
    shuffled) would pair different rows, where pandas itself aligns labels:
    an error asks which was meant. Other indexes (a test split's labels
    beside a prediction's 0..n-1) pair by position, as scikit-learn does."""
    first: tuple[str, Any] | None = None
    for name, value in inputs.items():
        index = getattr(value, "index", None) if type(value).__module__.startswith("pandas") else None
        if index is None or not hasattr(index, "equals"):
            continue
        if first is None:
            first = (name, index)
            continue
        first_name, first_index = first
        if len(index) != len(first_index) or index.equals(first_index):
            continue
        if index.is_unique and first_index.is_unique and bool(index.isin(first_index).all()):
            raise LossCliError(
                f"its pandas index has the labels of {first_name}'s in another order, and rows pair by "
                "position (as in scikit-learn), not by index label",
                role=name,
                hint=f"align it first, e.g. {name}.loc[{first_name}.index], or pass {name}.to_numpy() to pair by position",
            )


def same_length(arrays: dict[str, Any], loss: str) -> int:
    """The common number of rows of the role arrays; none may be empty."""
    lengths = {name: len(values) for name, values in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise LossCliError(f"inputs of '{loss}' have different numbers of rows: {shown}", hint="pass one value (or row) per sample in every input")
    n = next(iter(lengths.values()))
    if n == 0:
        raise LossCliError(f"{' and '.join(lengths)} {'are' if len(lengths) > 1 else 'is'} empty: there are no rows to evaluate")
    return n


def sample_weights(value: Any, n: int) -> np.ndarray:
    """One finite, non-negative weight per row; a single number applies to every row."""
    name = "sample_weight"
    array = as_array(name, value)
    weights = np.full(n, float(array), dtype=np.float64) if array.ndim == 0 and array.dtype.kind in _NUMERIC_KINDS else numbers_per_row(name, array)
    if weights.ndim != 1 or len(weights) != n:
        raise LossCliError(
            f"shape {weights.shape}, but the inputs have {n} rows",
            role=name,
            hint=f"pass one weight per row, shape ({n},), or a single number",
        )
    check_finite(name, weights)
    # Reductions, not boolean temporaries: the common case is one pass each.
    if weights.min() < 0:
        index = int(np.argmax(weights < 0))
        raise LossCliError(f"negative sample weight {exact_number(weights[index])}", role=name, row=index + 1, hint="weights must be >= 0")
    if weights.max() == 0:
        raise LossCliError("weights sum to zero", role=name, hint="at least one row needs a positive weight")
    return weights


def sample_ids(value: Any, n: int) -> np.ndarray:
    """One id per row; NaN ids would each form a sample of their own."""
    name = "sample_ids"
    ids = as_array(name, value)
    if ids.ndim != 1 or len(ids) != n:
        raise LossCliError(f"shape {ids.shape}, but the inputs have {n} rows", role=name, hint=f"pass one id per row, shape ({n},)")
    if ids.dtype.kind == "f":
        check_finite(name, ids)
    else:
        _check_ids_present(ids)
    return ids


def _check_ids_present(ids: np.ndarray) -> None:
    """No missing id (None, NaN, pandas' NA, NaT): each would form a sample of
    its own, or fail to sort among the others."""
    if ids.dtype.kind in "mM":
        missing = np.isnat(ids)
    elif ids.dtype == object:
        missing = np.fromiter((_is_missing_id(item) for item in ids), dtype=bool, count=len(ids))
    else:
        return
    count = int(missing.sum())
    if count:
        more = f", the first of {count} such rows" if count > 1 else ""
        raise LossCliError(f"missing sample id{more}", role="sample_ids", row=int(np.argmax(missing)) + 1, hint="give every row the id of its sample")


def _is_missing_id(item: Any) -> bool:
    return item is None or _is_pandas_missing(item) or (isinstance(item, float) and item != item)
