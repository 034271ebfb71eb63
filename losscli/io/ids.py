"""Id columns (--by, --sample-col, --key) of every Arrow type.

Numbers and text are the usual ids; files with types also hold dates,
timestamps, times, booleans, binary and string_view columns (polars writes
text as string_view). This module says which types can name rows, brings
them to the few forms the groups and the join compare (text, numbers, or
int64 instants), and writes dates and times as ISO 8601 text for reports.
"""

from __future__ import annotations

import re

import pyarrow as pa

from ..errors import LossCliError
from ._lazy import pc

# What an id column holds, as far as matching one file's ids with another's goes.
TEXT, NUMBER, BOOLEAN, DATE, TIME, TIMESTAMP, ZONED_TIMESTAMP, NOTHING = (
    "text",
    "number",
    "boolean",
    "date",
    "time",
    "timestamp",
    "timestamp with time zone",
    "nothing",
)
TEMPORAL = frozenset({DATE, TIME, TIMESTAMP, ZONED_TIMESTAMP})


def id_kind(kind: pa.DataType) -> str | None:
    """What a column of Arrow type ``kind`` holds as ids, or None if it cannot name rows."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if is_text(kind) or is_binary(kind):
        return TEXT
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return NUMBER
    if pa.types.is_boolean(kind):
        return BOOLEAN
    if pa.types.is_date(kind):
        return DATE
    if pa.types.is_time(kind):
        return TIME
    if pa.types.is_timestamp(kind):
        return ZONED_TIMESTAMP if kind.tz else TIMESTAMP
    if pa.types.is_null(kind):
        return NOTHING
    return None


def check_id_type(kind: pa.DataType, *, option: str, column: str, display: str) -> None:
    if id_kind(kind) is None:
        raise LossCliError(
            f"{option} needs ids of single values (text, numbers, dates, times or booleans), but '{column}' holds {kind}",
            file=display,
            column=column,
            hint=f"name another column, or write '{column}' as text",
        )


def check_key_types(kinds: list[tuple[str, str, str]], key: str) -> None:
    """``kinds``: (id kind, Arrow type as text, file) of the --key column on each side.

    Dates, times and timestamps match the same kind in the other file, or
    text, which is read as that kind. Against numbers or a different kind
    of time they would match nothing, which is better said at once.
    """
    (left, left_type, left_file), (right, right_type, right_file) = kinds
    temporal = {left, right} & TEMPORAL
    if not temporal or left == right or {TEXT, NOTHING} & {left, right}:
        return
    if {left, right} == {TIMESTAMP, ZONED_TIMESTAMP}:
        raise LossCliError(
            f"--key '{key}' holds {right_type} here but {left_type} in {left_file}: "
            f"timestamps {'time-zone aware here and naive (without a time zone)' if right == ZONED_TIMESTAMP else 'naive (without a time zone) here and time-zone aware'} "
            "there never match",
            file=right_file,
            column=key,
            hint=ZONE_HINT.replace("KEY", key),
        )
    raise LossCliError(
        f"--key '{key}' holds {right_type} here but {left_type} in {left_file}; such keys never match",
        file=right_file,
        column=key,
        hint="give the key one type in both files; dates and times may also be ISO 8601 text on one side",
    )


ZONE_HINT = (
    "give the key's timestamps a time zone in both files or in neither: in pandas, "
    "df['KEY'].dt.tz_localize('UTC') gives naive times (if they are UTC) a zone, "
    "and df['KEY'].dt.tz_convert('UTC').dt.tz_localize(None) drops it, keeping UTC times"
)

# ISO 8601 date and time as pandas and Arrow write them, and the zone offset after it.
_ISO_TIMESTAMP = re.compile(r"^[-+]?[0-9]{4,}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$")


def time_zone_of(array: pa.Array) -> tuple[bool, str] | None:
    """(whether the values are time-zone-aware timestamps, the first value as
    written) for a key of timestamps, typed or ISO 8601 text whose first
    values all say the same; None for any other key."""
    if pa.types.is_timestamp(array.type):
        present = array.drop_null()
        return (bool(array.type.tz), iso_text(present.slice(0, 1))[0].as_py() if len(present) else "")
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    values = [value.strip() for value in array.drop_null().slice(0, 100).to_pylist()]
    matches = [_ISO_TIMESTAMP.match(value) for value in values if value]
    if not matches or None in matches:
        return None
    zoned = {match.group(3) is not None for match in matches}
    return (zoned.pop(), matches[0].group(0)) if len(zoned) == 1 else None


def is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def is_binary(kind: pa.DataType) -> bool:
    return pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind) or pa.types.is_fixed_size_binary(kind)


def is_temporal(kind: pa.DataType) -> bool:
    return pa.types.is_date(kind) or pa.types.is_time(kind) or pa.types.is_timestamp(kind)


def plain_ids(array: pa.Array, *, column: str, display: str) -> pa.Array:
    """Ids in the types the groups and the join work on: dictionary values
    decoded, string_view as string, binary as the UTF-8 text it holds."""
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if pa.types.is_string_view(array.type):
        return array.cast(pa.string())
    if is_binary(array.type):
        return _utf8(array, column=column, display=display)
    return array


def _utf8(array: pa.Array, *, column: str, display: str) -> pa.Array:
    text_type = pa.large_string() if pa.types.is_large_binary(array.type) else pa.string()
    try:
        return array.cast(text_type)
    except pa.ArrowInvalid:
        pass
    # Only on failure: find the row to name.
    row = next(i for i, value in enumerate(array.to_pylist()) if value is not None and not _decodes(value))
    raise LossCliError(
        "id is binary data, not UTF-8 text",
        file=display,
        column=column,
        row=row + 1,
        hint=f"write '{column}' as text or as numbers",
    )


def _decodes(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def iso_text(array: pa.Array) -> pa.Array:
    """Dates, times and timestamps as ISO 8601 text: 2024-01-01, 10:00:00,
    2024-01-01T10:00:00, 2024-01-01T11:00:00+01:00 (in the column's time
    zone) and 2024-01-01T10:00:00Z (UTC).

    A fraction of a second that is all zeros is dropped, so one instant
    reads the same whatever the unit it was stored in; a non-zero fraction
    keeps the unit's digits. Text of one column then sorts chronologically
    (up to the hour a daylight-saving clock repeats).
    """
    text = pc.cast(array, pa.string())
    if pa.types.is_timestamp(array.type):
        text = pc.replace_substring_regex(text, r"^([-+]?[0-9]+-[0-9]{2}-[0-9]{2}) ", r"\1T")
        if array.type.tz:
            text = pc.replace_substring_regex(text, r"([+-][0-9]{2})([0-9]{2})$", r"\1:\2")
    return pc.replace_substring_regex(text, r"\.0+($|[-+Z])", r"\1")


def temporal_keys(left: pa.Array, right: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Join keys where one side at least holds dates, times or timestamps
    (``check_key_types`` has refused other kinds of time and numbers).

    Two typed sides compare by value, in the finer unit of the two (a
    date32 and a date64 of one day match; zoned timestamps compare as
    instants). Text is read as the typed side's type (ISO 8601, "T" or a
    space before the time, a zone offset for zoned timestamps); text that
    does not read so is compared with the typed side's ISO text as written.
    """
    if is_temporal(left.type) and is_temporal(right.type):
        common = _finer(left.type, right.type)
        return _instants(left, common), _instants(right, common)
    typed, text = (left, right) if is_temporal(left.type) else (right, left)
    text = text if pa.types.is_string(text.type) else text.cast(pa.string())
    try:
        parsed = pc.cast(pc.utf8_trim_whitespace(text), typed.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pair = iso_text(typed), text
    else:
        pair = _instants(typed, typed.type), _instants(parsed, typed.type)
    return pair if typed is left else (pair[1], pair[0])


_UNITS = ("s", "ms", "us", "ns")


def _finer(left: pa.DataType, right: pa.DataType) -> pa.DataType:
    if pa.types.is_date(left):
        return pa.date32()
    unit = max(left.unit, right.unit, key=_UNITS.index)
    if pa.types.is_time(left):
        return pa.time64("ns") if unit == "ns" else pa.time64("us") if unit == "us" else pa.time32(unit)
    return pa.timestamp(unit, left.tz)


def _instants(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """Values as int64 counts of ``kind``'s unit (days for dates)."""
    array = pc.cast(array, kind)
    storage = pa.int32() if pa.types.is_date32(kind) or pa.types.is_time32(kind) else pa.int64()
    return pc.cast(array.view(storage), pa.int64())
