"""Moving data between Arrow and numpy without importing pandas.

pyarrow's ``to_numpy()``, ``pa.array(...)`` on numpy or Python values and
compute calls with Python scalars all consult its pandas shim, which imports
pandas when it is installed: half a second at start-up for a command that
never needs it. These helpers go through the buffers instead.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from ._lazy import pc

_NUMPY_TYPES = {
    pa.float64(): np.float64,
    pa.float32(): np.float32,
    pa.int64(): np.int64,
    pa.int32(): np.int32,
    pa.int16(): np.int16,
    pa.int8(): np.int8,
    pa.uint64(): np.uint64,
    pa.uint32(): np.uint32,
    pa.uint16(): np.uint16,
    pa.uint8(): np.uint8,
}


def _single(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        if array.num_chunks == 1:
            return array.chunk(0)
        if array.num_chunks == 0:
            return pa.Array.from_buffers(array.type, 0, [None, None]) if array.type in _NUMPY_TYPES else array.combine_chunks()
        return array.combine_chunks()
    return array


def validity(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a value is present."""
    array = _single(array)
    n = len(array)
    bitmap = array.buffers()[0]
    if array.null_count == 0 or bitmap is None:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + n].astype(bool)


def booleans(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy bools (missing values read as False)."""
    array = _single(array)
    n = len(array)
    data = array.buffers()[1]
    if data is None:
        return np.zeros(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    values = bits[array.offset : array.offset + n].astype(bool)
    return values & validity(array) if array.null_count else values


def numbers(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric Arrow array as numpy (zero-copy where possible); nulls of
    float arrays become NaN. Integer arrays must have no nulls."""
    array = _single(array)
    kind = array.type
    if pa.types.is_boolean(kind):
        values = booleans(array).astype(np.float64)
        if array.null_count:
            values[~validity(array)] = np.nan
        return values
    if kind not in _NUMPY_TYPES:
        array = pc.cast(array, pa.float64())
        kind = array.type
    dtype = _NUMPY_TYPES[kind]
    data = array.buffers()[1]
    if data is None:
        return np.zeros(len(array), dtype=dtype)
    values = np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * np.dtype(dtype).itemsize)
    if array.null_count:
        if not np.issubdtype(dtype, np.floating):
            values = values.astype(np.float64)
        else:
            values = values.copy()
        values[~validity(array)] = np.nan
    return values


def floats(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Any numeric Arrow array as float64, missing values as NaN."""
    values = numbers(array)
    return values if values.dtype == np.float64 else values.astype(np.float64)


def first_true(array: pa.Array | pa.ChunkedArray) -> int:
    """Index of the first true value of a boolean array, or -1."""
    values = booleans(array)
    return int(np.argmax(values)) if values.any() else -1


def from_numpy(values: np.ndarray) -> pa.Array:
    """A 1-D numeric numpy array as an Arrow array (no nulls)."""
    values = np.ascontiguousarray(values)
    kind = {np.dtype(v): k for k, v in _NUMPY_TYPES.items()}.get(values.dtype)
    if kind is None:
        values = values.astype(np.float64)
        kind = pa.float64()
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def repeated(value: int | str | None, kind: pa.DataType, rows: int) -> pa.Array:
    """``value`` (an integer, text or None) on each of ``rows`` rows, as an
    Arrow array of ``kind`` (int64 or string): ``pa.scalar`` on a Python
    value consults the pandas shim."""
    if value is None:
        return pa.nulls(rows, kind)
    if kind == pa.int64():
        return from_numpy(np.full(rows, value, dtype=np.int64))
    data = str(value).encode()
    if kind == pa.string() and len(data) * rows < 1 << 31:
        offsets = np.arange(rows + 1, dtype=np.int32) * len(data)
        return pa.Array.from_buffers(pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data * rows)])
    return pa.repeat(pa.scalar(value, kind), rows)
