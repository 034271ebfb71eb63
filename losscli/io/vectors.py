"""Spark ML vector columns read as lists of numbers.

Spark stores a ``pyspark.ml.linalg`` (or ``mllib``) vector, such as the
``probability`` column of ``model.transform(df)``, as a struct
``type: int8, size: int32, indices: list<int32>, values: list<double>``:
type 1 is dense (every value in ``values``), type 0 sparse (``size`` values,
zero except at ``indices``). Readers hand such a column on as a
``list<double>`` column, so it becomes an (n, size) matrix exactly as a list
column does. A vector is recognised by its fields alone: the Spark schema in
the file's metadata is lost whenever pyarrow rewrites the file.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pyarrow as pa

from ..errors import LossCliError
from . import arrow_numpy
from ._lazy import pc

DENSE = 1
SPARSE = 0
VECTOR_TYPE = pa.struct(
    [
        pa.field("type", pa.int8()),
        pa.field("size", pa.int32()),
        pa.field("indices", pa.list_(pa.int32())),
        pa.field("values", pa.list_(pa.float64())),
    ]
)
READ_AS = pa.list_(pa.float64())
TO_ARRAY_HINT = "convert it to an array column with pyspark.ml.functions.vector_to_array(col) before writing the file"
_LAYOUT = "a Spark ML vector is dense, type 1 with every value in values, or sparse, type 0 with a size and the values at indices"


def is_vector_type(kind: pa.DataType) -> bool:
    """A struct laid out exactly as Spark writes a vector (field order aside)."""
    if not pa.types.is_struct(kind) or kind.num_fields != len(VECTOR_TYPE):
        return False
    fields = {kind.field(i).name: kind.field(i).type for i in range(kind.num_fields)}
    return (
        fields.get("type") == pa.int8()
        and fields.get("size") == pa.int32()
        and _is_list_of(fields.get("indices"), pa.int32())
        and _is_list_of(fields.get("values"), pa.float64())
    )


def _is_list_of(kind: pa.DataType | None, value_type: pa.DataType) -> bool:
    # Spark declares the elements not null; the element's name varies by writer.
    return kind is not None and (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and kind.value_type == value_type


def is_vector_like(kind: pa.DataType) -> bool:
    """A struct named like a vector (type and values, maybe size and indices),
    whatever the types of its fields."""
    if not pa.types.is_struct(kind):
        return False
    names = {kind.field(i).name for i in range(kind.num_fields)}
    return {"type", "values"} <= names <= {"type", "size", "indices", "values"}


def is_json_vector(kind: pa.DataType) -> bool:
    """A vector as Spark's ``df.write.json`` writes it, as Arrow infers it:
    integers as int64 and a dense row's null size and indices left out."""
    if not is_vector_like(kind):
        return False
    fields = {kind.field(i).name: kind.field(i).type for i in range(kind.num_fields)}
    return all(_json_reads_as(fields[name], VECTOR_TYPE.field(name).type) for name in fields)


def _json_reads_as(inferred: pa.DataType, wanted: pa.DataType) -> bool:
    if pa.types.is_null(inferred):
        return True
    if pa.types.is_list(wanted):
        return pa.types.is_list(inferred) and _json_reads_as(inferred.value_type, wanted.value_type)
    if pa.types.is_integer(wanted):
        return pa.types.is_integer(inferred)
    # Values written as whole numbers ([1, 0]) are inferred as integers.
    return pa.types.is_integer(inferred) or pa.types.is_floating(inferred)


def read_type(kind: pa.DataType) -> pa.DataType:
    """The type a column is read as: a vector as a list of doubles."""
    return READ_AS if is_vector_type(kind) else kind


def vectors_as_lists(batches: Iterator[pa.RecordBatch], display: str) -> Iterator[pa.RecordBatch]:
    """``batches`` with every vector column replaced by its values as lists;
    an error names the row of the whole input."""
    offset = 0
    for batch in batches:
        for index, field in enumerate(batch.schema):
            if not is_vector_type(field.type):
                continue
            try:
                lists = vector_to_list(batch.column(index))
            except LossCliError as error:
                raise error.with_context(file=display, column=field.name, row_offset=offset) from None
            batch = batch.set_column(index, pa.field(field.name, READ_AS), lists)
        offset += batch.num_rows
        yield batch


def vector_to_list(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A vector column as a list<double> column: sparse rows expanded to
    their size, a missing vector a missing list. Rows are checked, not
    trusted: a sparse index outside its size would write past the row."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    # flatten() applies the struct's offset and its nulls to every field.
    fields = dict(zip((array.type.field(i).name for i in range(array.type.num_fields)), array.flatten()))
    present = arrow_numpy.validity(array)
    kinds = arrow_numpy.floats(fields["type"])
    dense, sparse = present & (kinds == DENSE), present & (kinds == SPARSE)
    _check_kinds(present & ~(dense | sparse), kinds)
    value_counts = _lengths(fields["values"])
    sizes = _check_sizes(sparse, arrow_numpy.floats(fields["size"]), _lengths(fields["indices"]), value_counts)
    widths = np.where(dense, value_counts, np.where(sparse, sizes, 0)).astype(np.int64)
    row_of_value = np.repeat(np.arange(len(array)), value_counts)
    positions = _positions(row_of_value, value_counts, sparse, fields["indices"])
    _check_indices(positions, row_of_value, sparse, sizes)
    offsets = np.concatenate([[0], np.cumsum(widths)])
    _check_expanded_size(int(offsets[-1]), int(widths.max(initial=0)), len(array))
    values = np.zeros(int(offsets[-1]))
    values[offsets[row_of_value] + positions.astype(np.int64)] = arrow_numpy.floats(pc.list_flatten(fields["values"]))
    return _list_array(offsets, values, present)


# Values one batch of vectors may expand to: 1 GB of float64. Batches are cut
# to about 32 MB by the values stored, which for sparse vectors (hashed
# features: a million positions per row, five of them set) can be a
# millionth of what they expand to; the int32 offsets of a list array also
# end at 2^31 values.
MOST_EXPANDED_VALUES = 1 << 27


def _check_expanded_size(values: int, widest: int, rows: int) -> None:
    if values > MOST_EXPANDED_VALUES:
        raise LossCliError(
            f"vectors of up to {widest:,} values per row would take {values * 8 / 2**30:.1f} GB as one column per "
            f"value for {rows:,} rows",
            hint="read the column of per-class scores instead (for Spark ML output, --pred-col probability): "
            "a vector that wide is features, not predictions",
        )


def _lengths(lists: pa.Array) -> np.ndarray:
    """Values in each row's list; none for a missing list."""
    counts = arrow_numpy.floats(pc.list_value_length(lists))
    return np.nan_to_num(counts, nan=0).astype(np.int64)


def _check_kinds(unknown: np.ndarray, kinds: np.ndarray) -> None:
    if unknown.any():
        row = int(np.argmax(unknown))
        found = "missing" if np.isnan(kinds[row]) else f"{kinds[row]:g}"
        raise LossCliError(f"vector type is {found}, neither 1 (dense) nor 0 (sparse)", row=row + 1, hint=_LAYOUT)


def _check_sizes(sparse: np.ndarray, sizes: np.ndarray, index_counts: np.ndarray, value_counts: np.ndarray) -> np.ndarray:
    """The size of every sparse row, which must have one index per value."""
    no_size = sparse & ~(sizes >= 0)
    if no_size.any():
        row = int(np.argmax(no_size))
        raise LossCliError("sparse vector without a size", row=row + 1, hint=_LAYOUT)
    uneven = sparse & (index_counts != value_counts)
    if uneven.any():
        row = int(np.argmax(uneven))
        raise LossCliError(
            f"sparse vector has {index_counts[row]} indices but {value_counts[row]} values", row=row + 1, hint=_LAYOUT
        )
    return np.where(sparse, sizes, 0)


def _positions(row_of_value: np.ndarray, value_counts: np.ndarray, sparse: np.ndarray, indices: pa.Array) -> np.ndarray:
    """Where each value goes in its row: its place in a dense row, its index in a sparse one."""
    starts = np.concatenate([[0], np.cumsum(value_counts)])
    positions = (np.arange(len(row_of_value)) - starts[row_of_value]).astype(np.float64)
    # A dense row's indices (Spark leaves them null) are not read.
    given = arrow_numpy.floats(pc.list_flatten(indices))
    of_sparse_row = np.repeat(sparse, _lengths(indices))
    positions[sparse[row_of_value]] = given[of_sparse_row]
    return positions


def _check_indices(positions: np.ndarray, row_of_value: np.ndarray, sparse: np.ndarray, sizes: np.ndarray) -> None:
    # Written so that a missing (NaN) index fails too.
    outside = sparse[row_of_value] & ~((positions >= 0) & (positions < sizes[row_of_value]))
    if outside.any():
        at = int(np.argmax(outside))
        row = int(row_of_value[at])
        if np.isnan(positions[at]):
            message = "sparse vector has a missing index"
        else:
            message = f"sparse vector index {positions[at]:g} is outside its size {sizes[row]:g}"
        raise LossCliError(message, row=row + 1, hint=_LAYOUT)


def _list_array(offsets: np.ndarray, values: np.ndarray, present: np.ndarray) -> pa.Array:
    """A list<double> array from numpy, through its buffers (see arrow_numpy)."""
    validity = None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(
        READ_AS,
        len(present),
        [validity, pa.py_buffer(offsets.astype(np.int32))],
        children=[arrow_numpy.from_numpy(values)],
    )
