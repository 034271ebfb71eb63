"""Finding the value that is not valid UTF-8 in a column Arrow read as text
or bytes: Arrow says only that one is there."""

from __future__ import annotations

import pyarrow as pa


def first_invalid_utf8(values: pa.Array) -> int | None:
    """Index of the first value that is not valid UTF-8, found by bisection over native checks."""

    def valid(part: pa.Array) -> bool:
        try:
            if pa.types.is_binary(part.type) or pa.types.is_large_binary(part.type):
                part.cast(pa.string())
            else:
                part.validate(full=True)
            return True
        except pa.ArrowInvalid:
            return False

    if valid(values):
        return None
    low, high = 0, len(values)  # the first bad value lies in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if valid(values.slice(low, middle - low)):
            low = middle
        else:
            high = middle
    return low
