"""Two text classes beside one probability column: what to write instead.

SPEC section 2: text labels are matched to the probability columns by
suffix, else an error says how to map them. Labels ``no``/``yes`` beside a
single column ``prob`` cannot be matched: the file does not say which class
``prob`` is the probability of, so losscli does not guess (a wrong guess
would turn every loss value into its mirror image) and says how to write
the labels as 0/1 instead, or how to name the positive class with
``--positive``. A prediction column of text beside them holds predicted
classes, not probabilities: the error then points to the probability columns.
"""

from __future__ import annotations

import pyarrow as pa
from ._lazy import pc

from ..errors import LossCliError
from ..shell import quote
from .numbers import BOOLEAN_WORDS, DECIMAL_COMMA, NUMBER

# Beyond two classes one probability column cannot be a binary task.
_BINARY = 2


def is_label_text(kind: pa.DataType) -> bool:
    """Text labels as readers give them: strings, or categories (dictionary)."""
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)


def two_text_classes(array: pa.Array | pa.ChunkedArray) -> list[str] | None:
    """The (at most two) distinct labels of a text column in which no value is
    a number, sorted; None for a column of numbers written as text, a typo in
    a numeric column, true/false written as text, or more than two classes."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    values = array.drop_null()
    if len(values) == 0 or any(pc.any(pc.match_substring_regex(values, pattern)).as_py() for pattern in (NUMBER, DECIMAL_COMMA)):
        return None  # numbers, if badly written ones: their own message says what to fix
    classes = sorted(str(v) for v in pc.unique(values).to_pylist())
    if set(classes) <= set(BOOLEAN_WORDS):
        return None  # true/false as text: the boolean reading names the cell that is neither
    return classes if len(classes) <= _BINARY else None


def mapping_hint(classes: list[str], label_column: str, prediction_column: str) -> str:
    """How to write two text classes so a loss of one probability column reads them."""
    # The example takes the last class in sorted order as the positive one, as
    # scikit-learn's LabelBinarizer does; it is an example, the user decides.
    positive = classes[-1]
    per_class = " and ".join(f"'{prediction_column}_{label}'" for label in classes)
    return (
        "; ".join(f"give --positive {quote(label)} when '{prediction_column}' is the probability of '{label}'" for label in reversed(classes))
        + f"; or write the labels as 0/1, 1 for the class whose probability it is, "
        f"e.g. with pandas df['{label_column}'] = (df['{label_column}'] == '{positive}').astype(int); "
        f"or give one probability column per class, {per_class}, which cce and sparse_cce match to the text labels"
    )


def schema_hint(prediction_column: str) -> str:
    """:func:`mapping_hint` when only the columns are known, not the labels."""
    return (
        f"name the class whose probability '{prediction_column}' holds with --positive LABEL, "
        "or write the labels as 0/1, or give one probability column per class, named after the classes"
    )


def predicted_classes_error(
    array: pa.Array | pa.ChunkedArray, prediction_column: str, numeric_columns: list[str], display: str, positive: str | None = None
) -> LossCliError | None:
    """Two text classes beside one prediction column of text: predicted
    classes (caret's ``pred`` beside ``obs``), which no --positive turns into
    probabilities. The hint names the probability columns beside it that the
    classes name (caret's ``no``, ``yes``), as compute matches text labels to
    columns, when every class has one; None when the labels are not two text classes.
    ``positive``: the --positive the user gave, which the message says cannot help."""
    from .columns import class_column_of

    classes = two_text_classes(array)
    if classes is None:
        return None
    shown = " and ".join(f"'{label}'" for label in classes)
    candidates = tuple(numeric_columns)
    found = [class_column_of(label, candidates) for label in classes]
    if len(classes) == _BINARY and None not in found and len(set(found)) == _BINARY:
        columns = [candidates[index] for index in found]
        hint = (
            f"read the probability columns beside it instead: --pred-col {quote(columns[-1])} --positive {quote(classes[-1])} "
            f"(the probability of '{classes[-1]}'), or --loss cce --pred-col {quote(','.join(columns))} "
            "(one column per class, matched to the labels by name)"
        )
    else:
        hint = (
            "give the column of probabilities or scores with --pred-col (with --positive LABEL naming the class it is the probability of), "
            "or one probability column per class, named after the classes, with cce"
        )
    cannot_help = "" if positive is None else f", so --positive {quote(positive)} cannot help: it names the class whose probability a column holds"
    return LossCliError(
        f"the prediction column '{prediction_column}' holds text, predicted classes rather than probabilities, beside the text labels ({shown}){cannot_help}",
        file=display,
        column=prediction_column,
        hint=hint,
    )


def _two_classes_and_first_row(array: pa.Array | pa.ChunkedArray) -> tuple[list[str], int] | None:
    """The two text classes of a label column and the position of its first
    label, which an error names as the row; None when it is not two classes."""
    classes = two_text_classes(array)
    if classes is None:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return classes, pc.index(pc.is_valid(array), True).as_py()


def two_classes_error(array: pa.Array | pa.ChunkedArray, label_column: str, prediction_column: str, display: str) -> LossCliError | None:
    """The error for two text classes read where 0/1 labels are needed, or None
    when the column is not that (numbers as text keep their own messages)."""
    found = _two_classes_and_first_row(array)
    if found is None:
        return None
    classes, first = found
    shown = " and ".join(f"'{label}'" for label in classes)
    return LossCliError(
        f"the labels are text ({shown}) beside one probability column, '{prediction_column}', which does not say which class it is the probability of",
        file=display,
        column=label_column,
        row=first + 1,
        hint=mapping_hint(classes, label_column, prediction_column),
    )


# Words that name the real samples of a GAN's log, for the hint only: the
# user's --positive says which it is, never this list.
_REAL_WORDS = ("real", "true", "genuine", "data")


def real_fake_error(array: pa.Array | pa.ChunkedArray, label_column: str, display: str, loss_name: str) -> LossCliError | None:
    """Two text labels (``real``/``fake``) where a GAN loss reads 1 for a real
    sample and 0 for a generated one, or None when the column is not that."""
    found = _two_classes_and_first_row(array)
    if found is None:
        return None
    classes, first = found
    real = [label for label in classes if str(label).strip().lower() in _REAL_WORDS]
    if len(real) == 1:
        hint = f"give --positive {quote(str(real[0]))}, the label of the real samples; every other row is read as generated"
    else:
        hint = " or ".join(f"--positive {quote(str(label))}" for label in classes) + ", whichever labels the real samples"
    shown = " and ".join(f"'{label}'" for label in classes)
    return LossCliError(
        f"the labels are text ({shown}), and {loss_name} reads 1 for a real sample and 0 for a generated one",
        file=display,
        column=label_column,
        row=first + 1,
        hint=hint,
    )
