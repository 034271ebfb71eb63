"""--positive LABEL: the class whose probability one prediction column holds.

scikit-learn's ``pos_label``: labels written as text (``yes``/``no``) or as
other codes than 0/1 (``1``/``2``, ``-1``/``1``) beside one probability
column, as ``predict_proba(X)[:, 1]`` exports them. Rows whose label is the
positive one count as the positive class, every other row as the negative.

Matching is by the column's type, never through a guess:

* text (string, large string, Parquet dictionary): exact text, case
  included, as pandas compares ``df[col] == 'yes'``; a text column whose
  every value is a number (numbers kept as text in JSON) compares as numbers
  when the positive is one;
* numbers (integer, float, decimal): by value, so ``--positive 1`` matches
  ``1`` and ``1.0``, and ``--positive 2.5`` no integer;
* booleans: ``true``/``false`` in any case, or ``1``/``0``.

Two rules keep a mistake from passing as a loss value: the positive label
must be among the labels read (a typo such as ``Yes`` for ``yes`` would
otherwise make every row negative), and the labels hold at most two values
(a third is a typo, a missing-value marker or a multiclass file, whose log
loss is not that of one probability column; one class against the rest is
written as 0/1 labels on purpose instead).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyarrow as pa

from ._lazy import pc
from ..errors import LossCliError
from ..shell import quote
from ..wording import exact_number, listed
from .numbers import NUMBER

# One probability column is the probability of one of two classes.
_BINARY = 2
_TRUE_WORDS = ("true", "1")
_FALSE_WORDS = ("false", "0")


class PositiveLabel:
    """The --positive label of one input, with the labels seen so far, per
    label column: the checks need every batch of the input."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._seen: dict[tuple[str, str], list[object]] = {}

    def codes(self, array: pa.Array | pa.ChunkedArray, codes: tuple[float, float], *, column: str, display: str) -> np.ndarray:
        """``codes[1]`` where the label is the positive one, ``codes[0]`` where
        it is another, NaN where it is missing (the missing-value check names it)."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_dictionary(array.type):
            array = array.cast(pa.string())
        self._tally(array, column=column, display=display)
        matches = self._matches(array, column=column, display=display)
        negative, positive = codes
        values = np.where(matches.fill_null(False).to_numpy(zero_copy_only=False), positive, negative)
        values[array.is_null().to_numpy(zero_copy_only=False)] = np.nan
        return values

    def check_found(self, *, column: str, display: str) -> None:
        """At the end of the input: the positive label must be among those read."""
        seen = self._seen.get((display, column))
        if seen is None or not seen:
            return  # every label missing: the missing-value check has said so
        if any(_equal(self.text, label) for label in seen):
            return
        near = [label for label in seen if _shown(label).strip().lower() == self.text.strip().lower()]
        hint = f"labels match exactly, case included: {_option(near[0])}" if near else f"give one of them: {_options(seen)}"
        raise LossCliError(f"--positive {self.text} is none of the labels, which are {_listed(seen)}", file=display, column=column, hint=hint)

    def _tally(self, array: pa.Array, *, column: str, display: str) -> None:
        seen = self._seen.setdefault((display, column), [])
        for label in pc.unique(array.drop_null()).to_pylist():
            if any(_same_label(label, known) for known in seen):
                continue
            seen.append(label)
            if len(seen) > _BINARY:
                row = pc.index(array, pa.scalar(label, array.type)).as_py()
                raise LossCliError(
                    f"--positive names the positive one of two classes, but the labels hold more: {_listed(seen)}",
                    file=display,
                    column=column,
                    row=row + 1,
                    hint=(
                        "one probability column is the probability of one of two classes; to score one class against the rest, "
                        f"write the labels as 0/1, e.g. with pandas df['{column}'] = (df['{column}'] == {_python(self.text, label)}).astype(int); "
                        "for several classes, give one probability column per class and a class loss such as cce"
                    ),
                )

    def _matches(self, array: pa.Array, *, column: str, display: str) -> pa.Array:
        kind = array.type
        if pa.types.is_null(kind):
            return pa.nulls(len(array), pa.bool_())
        if pa.types.is_boolean(kind):
            return pc.equal(array, pa.scalar(self._boolean(column=column, display=display)))
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            number = _number(self.text)
            if number is not None and _all_numbers(array):
                from .columns import to_float

                return pa.array(to_float(array, column=column, display=display) == number)
            return pc.equal(array, pa.scalar(self.text, kind))
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            number = _number(self.text)
            if number is None:
                raise LossCliError(
                    f"--positive {self.text} is not a number, and the labels are numbers",
                    file=display,
                    column=column,
                    hint=f"name the positive class by its number, e.g. {_options(self._seen.get((display, column), []))}",
                )
            return _equal_numbers(array, number)
        raise LossCliError(
            f"--positive names a class of text, number or boolean labels; the labels are {kind}",
            file=display,
            column=column,
            hint="write the labels as 0/1",
        )

    def _boolean(self, *, column: str, display: str) -> bool:
        word = self.text.strip().lower()
        number = _number(self.text)
        if word in _TRUE_WORDS or number == 1:
            return True
        if word in _FALSE_WORDS or number == 0:
            return False
        raise LossCliError(
            f"--positive {self.text} is not true or false, and the labels are booleans",
            file=display,
            column=column,
            hint="--positive true (or --positive false, when the column holds the probability of false)",
        )


def _number(text: str) -> float | None:
    """The finite number ``text`` writes, else None (``yes``, ``nan``)."""
    if not re.match(NUMBER, text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _all_numbers(array: pa.Array) -> bool:
    values = array.drop_null()
    return len(values) > 0 and pc.all(pc.match_substring_regex(values, NUMBER)).as_py()


def _equal_numbers(array: pa.Array, number: float) -> pa.Array:
    """Equal by value; an integer column against a whole number exactly, so
    no integer beyond 2**53 matches through rounding."""
    if pa.types.is_integer(array.type):
        if not number.is_integer():
            return pa.array(np.zeros(len(array), dtype=bool))
        return pc.equal(array.cast(pa.int64()) if not pa.types.is_int64(array.type) else array, pa.scalar(int(number), pa.int64()))
    return pc.equal(array.cast(pa.float64()), pa.scalar(number, pa.float64()))


def _same_label(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _equal(text: str, label: object) -> bool:
    """Whether --positive ``text`` names ``label`` (a value as read), by the rules above."""
    if isinstance(label, bool):
        word = text.strip().lower()
        return word in (_TRUE_WORDS if label else _FALSE_WORDS) or _number(text) == float(label)
    if isinstance(label, str):
        number = _number(label)
        return label == text or (number is not None and number == _number(text))
    number = _number(text)
    return number is not None and float(label) == number


def _shown(label: object) -> str:
    if isinstance(label, bool):
        return "true" if label else "false"
    if isinstance(label, float):
        return exact_number(label)
    return str(label)


def _option(label: object) -> str:
    """--positive naming ``label``, as a shell reads it back."""
    return f"--positive {quote(_shown(label))}"


def _listed(labels: list[object]) -> str:
    return listed(sorted(_quoted(label) for label in labels))


def _quoted(label: object) -> str:
    return f"'{label}'" if isinstance(label, str) else _shown(label)


def _options(labels: list[object]) -> str:
    return " or ".join(_option(label) for label in sorted(labels, key=_shown)) or "--positive 1"


def _python(text: str, label: object) -> str:
    """The positive label as a pandas comparison writes it for this column."""
    return repr(text) if isinstance(label, str) else _shown(_number(text) if _number(text) is not None else text)
