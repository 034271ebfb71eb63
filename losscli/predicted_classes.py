"""Whether a prediction column holds predicted classes rather than probabilities.

scikit-learn users write ``model.predict(X)`` beside ``model.predict_proba(X)``:
``y_true, y_pred, prob_0, prob_1, prob_2``. ``y_pred`` is the first default
prediction name, so compute would read the predicted class index 2 as a
probability, and no loss means anything on it. ``recommend --data`` reads the
class-probability columns instead when every value of the prediction column
is a class of those columns: a whole number that names one of them as
compute reads integer labels (see :mod:`losscli.io.class_index`), or a class
name that ends one of them (``cat`` for ``prob_cat``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from .io._lazy import pc

# Class numbers and names shown in the evidence before "...".
SHOWN_VALUES = 4


def distinct_values(column: Any) -> np.ndarray | list[str] | None:
    """The distinct values of a prediction column, missing ones left out:
    numbers as floats, text as strings; None for other types (lists)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return sorted(pc.unique(array.drop_null()).to_pylist())
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        values = pc.cast(pc.unique(array.drop_null()), pa.float64()).to_numpy(zero_copy_only=False)
        return np.sort(values[np.isfinite(values)])
    return None  # lists, structs, decimals: no column of predicted classes


def holds_predicted_classes(values: np.ndarray | list[str] | None, class_columns: tuple[str, ...]) -> bool:
    """Whether every one of a prediction column's distinct ``values`` is a
    class of ``class_columns``. A single column is the positive class's of
    two (``prob_1`` of ``prob_0, prob_1``), whose classes are 0 and 1."""
    from .io.class_index import names_every_class
    from .io.columns import class_column_of

    if values is None or not len(values):
        return False
    if isinstance(values, list):
        return len(class_columns) > 1 and all(class_column_of(value, class_columns) is not None for value in values)
    if not np.all(values == np.round(values)):
        return False  # 0.73 is a probability or a score, not a class
    if len(class_columns) == 1:
        return bool(np.isin(values, (0.0, 1.0)).all())
    return names_every_class(values, class_columns, len(class_columns))


def described(values: np.ndarray | list[str]) -> str:
    """``whole numbers 0 to 2`` or ``the class names cat, dog``, for the evidence."""
    if isinstance(values, list):
        shown = ", ".join(values[:SHOWN_VALUES]) + (", ..." if len(values) > SHOWN_VALUES else "")
        return f"the class names {shown}"
    if len(values) == 1:
        return f"the whole number {values[0]:.0f} alone"
    joined = "and" if len(values) == 2 else "to"
    return f"whole numbers {values[0]:.0f} {joined} {values[-1]:.0f}"
