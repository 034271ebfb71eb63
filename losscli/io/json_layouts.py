"""The layouts pandas' ``DataFrame.to_json`` writes besides JSON Lines.

``orient="split"`` and ``orient="table"`` name their columns and hold their
rows in one document: losscli reads them whole (a JSON document cannot be
streamed). The others are refused with the pandas call that writes JSON
Lines: ``records`` and ``values`` (one array), ``columns`` (the default) and
``index`` (one object of objects).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pyarrow as pa

from ..errors import LossCliError
from .vectors import is_json_vector

JSON_LINES_HINT = "write one object per row, as JSON Lines: with pandas, df.to_json(path, orient='records', lines=True)"

# pandas writes "columns" first in a split document, "schema" and its
# "fields" first in a table document; a row of JSON Lines opening so is
# not a table of predictions.
_SPLIT_START = re.compile(rb'(?:\xef\xbb\xbf)?\s*\{\s*"columns"\s*:\s*\[')
_TABLE_START = re.compile(rb'(?:\xef\xbb\xbf)?\s*\{\s*"schema"\s*:\s*\{\s*"fields"\s*:\s*\[')
_ARRAY_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\[\s*(.?)", re.DOTALL)

_ARRAYS = {
    b"{": "one JSON array of rows (pandas' to_json(orient='records'))",
    b"[": "one JSON array of arrays, rows without column names (pandas' to_json(orient='values'))",
}


def document_layout(head: bytes, display: str) -> str | None:
    """"split" or "table" for the pandas documents losscli reads whole, from
    the first bytes of the input; None for JSON Lines. One JSON array is an
    error that says what it holds."""
    if _SPLIT_START.match(head):
        return "split"
    if _TABLE_START.match(head):
        return "table"
    array = _ARRAY_START.match(head)
    if array:
        what = _ARRAYS.get(array.group(1), "one JSON array")
        raise LossCliError(f"the file is {what}, not one JSON object per line", file=display, hint=JSON_LINES_HINT)
    return None


def check_not_object_of_objects(schema: pa.Schema, display: str) -> None:
    """Refuse one JSON object of objects, which Arrow reads as a single row
    of structs: pandas' to_json of columns (its default), each an object of
    row index to value, or of rows (orient='index'), each keyed by its index."""
    if not len(schema) or not all(pa.types.is_struct(field.type) for field in schema):
        return
    if any(is_json_vector(field.type) for field in schema):
        return  # rows of Spark ML vectors (df.write.json), one object per row
    if all(_is_index(field.name) for field in schema):
        what = "one JSON object of rows keyed by their index (pandas' to_json(orient='index'))"
    elif all(_is_index(inner.name) for field in schema for inner in field.type):
        what = "one JSON object of columns (pandas' default to_json, orient='columns')"
    else:
        what = "one JSON object of objects (pandas' to_json with orient='columns', its default, or orient='index')"
    raise LossCliError(f"the file is {what}, not one JSON object per row", file=display, hint=JSON_LINES_HINT)


def _is_index(name: str) -> bool:
    # A default pandas index: 0, 1, 2, ...
    return re.fullmatch(r"-?\d+", name) is not None


def read_document(stream: io.RawIOBase | Any, layout: str, display: str) -> pa.Table:
    """The table of a split or table document, each column typed as Arrow
    types a JSON Lines column (numbers, text, booleans, lists)."""
    try:
        document = json.load(io.TextIOWrapper(stream, encoding="utf-8-sig"))
    except ValueError as error:
        raise LossCliError(f"cannot parse pandas' to_json(orient='{layout}') document: {error}", file=display, hint=JSON_LINES_HINT) from None
    names, columns = _split_columns(document, display) if layout == "split" else _table_columns(document, display)
    # From arrays, not a dict: a name written twice must reach the check of the names.
    return pa.Table.from_arrays([_column(values, name, display) for name, values in zip(names, columns)], names=names)


def _split_columns(document: Any, display: str) -> tuple[list[str], list[list[Any]]]:
    """{"columns": [names], "index": [...], "data": [[row], ...]}; the index
    is pandas' row labels, not a column."""
    names, rows = _get(document, "columns", display, "split"), _get(document, "data", display, "split")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise _not_layout("split", "'columns' is not a list of names (columns of several levels are not read)", display)
    if not isinstance(rows, list):
        raise _not_layout("split", "'data' is not a list of rows", display)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(names):
            raise LossCliError(f"this row is not a list of {len(names)} values, one per column", file=display, row=number, hint="write the frame again with pandas' to_json")
    return names, [[row[index] for row in rows] for index in range(len(names))]


def _table_columns(document: Any, display: str) -> tuple[list[str], list[list[Any]]]:
    """{"schema": {"fields": [{"name": ...}, ...]}, "data": [{row}, ...]}."""
    fields = _get(_get(document, "schema", display, "table"), "fields", display, "table")
    rows = _get(document, "data", display, "table")
    if not isinstance(fields, list) or not all(isinstance(field, dict) and isinstance(field.get("name"), str) for field in fields):
        raise _not_layout("table", "'schema' names no columns (columns of several levels are not read)", display)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _not_layout("table", "'data' is not a list of rows", display)
    names = [field["name"] for field in fields]
    return names, [[row.get(name) for row in rows] for name in names]


def _get(document: Any, key: str, display: str, layout: str) -> Any:
    if not isinstance(document, dict) or key not in document:
        raise _not_layout(layout, f"it has no '{key}'", display)
    return document[key]


def _not_layout(layout: str, problem: str, display: str) -> LossCliError:
    return LossCliError(f"the file starts like pandas' to_json(orient='{layout}'), but {problem}", file=display, hint=JSON_LINES_HINT)


def _column(values: list[Any], name: str, display: str) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
        row, first, changed = _first_change(values)
        if row is None:
            raise LossCliError(f"cannot read the column: {str(error).splitlines()[0]}", file=display, column=name, hint="one type per column") from None
        raise LossCliError(f"the values change from {first} to {changed}", file=display, column=name, row=row, hint="one type per column") from None


def _first_change(values: list[Any]) -> tuple[int | None, str, str]:
    """(1-based row, first kind, its kind) of the first value whose JSON kind
    differs from the first value's; missing values have none."""
    first = None
    for row, value in enumerate(values, start=1):
        if value is None:
            continue
        kind = json_kind(value)
        first = first or kind
        if kind != first:
            return row, first, kind
    return None, "", ""


def json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__
