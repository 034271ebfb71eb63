"""Each row's --key value, as per-row output writes it beside the row's losses.

Whoever joined predictions to labels by an id wants to join the per-row
losses back to their own data by that id, so the values are the
predictions file's, in the type that file gives them: a Parquet column of
integers stays integers, text stays text.

CSV has no types, and its ids are read as written (``losscli.labels``).
They are written back as integers only when every key of the input is an
integer written the usual way (``7``, ``-3``); one key such as ``007``,
``7.0`` or a 25-digit number keeps the whole column as text, so that every
key reads back exactly as it was and one column never mixes types. That
needs every key at once, which the --key join holds anyway.
"""

from __future__ import annotations

import pyarrow as pa

from ._lazy import pc
from .ids import is_text


def shown_keys(keys: pa.Array, *, read_as_text: bool) -> pa.Array:
    """``keys`` (plain ids, see ``ids.plain_ids``) as per-row output shows them;
    ``read_as_text``: the column was read as text from a file without types."""
    if read_as_text and is_text(keys.type):
        whole = _usual_integers(keys)
        if whole is not None:
            return whole
    return keys


def _usual_integers(text: pa.Array) -> pa.Array | None:
    """The keys as int64 if every one is an integer written the usual way, else None."""
    if len(text) == text.null_count:
        return None
    try:
        numbers = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # Arrow reads "007" and "+7" as 7: written back they would be "7".
    same = pc.equal(pc.cast(numbers, text.type), text)
    return numbers if pc.all(same).as_py() else None
