"""Datasets of several files: hive-style folders (``region=eu/part-0.parquet``) as columns.

Spark, Hive, pyarrow and Dask write a dataset split by a column as one folder
per value, and leave the column out of the files. Both engines give such a
folder key back as a column, but only when the user names it (``--by
region``): role defaults and the "only numeric column" rule must never pick
up a folder name, so a loss reads the same columns with or without folders.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import unquote

import pyarrow as pa

from .arrow_numpy import repeated

if TYPE_CHECKING:
    from .plan import InputOptions

# Spark and Hive write a null partition value as this folder name.
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
# Said when one file of a dataset lacks a column the others have.
MISSING_IN_PART = "every file of a dataset needs the columns the losses read; rewrite this file or move it out of the dataset"
_INTEGER = re.compile(r"[-+]?\d{1,18}")


def names_given(options: "InputOptions") -> frozenset[str]:
    """Column names the user wrote out: the only folder keys a reader may offer."""
    named = {options.by, options.sample_col, options.weight_col}
    for selection in (options.pred_cols, options.label_cols, *options.role_cols.values()):
        named.update(item.strip() for item in (selection or "").split(","))
    return frozenset(name for name in named if name)


def folder_keys(relative: str) -> dict[str, str | None]:
    """The ``key=value`` folders of a file's path below the dataset root."""
    keys: dict[str, str | None] = {}
    for folder in relative.split("/")[:-1]:
        key, sep, value = folder.partition("=")
        if sep and key:
            keys[unquote(key)] = None if value == HIVE_NULL else unquote(value)
    return keys


def key_types(values: dict[str, list[str | None]]) -> dict[str, pa.DataType]:
    """int64 for a key whose every value is an integer (as pyarrow and Spark
    infer them), text otherwise."""
    return {key: pa.int64() if all(v is None or _INTEGER.fullmatch(v) for v in seen) else pa.string() for key, seen in values.items()}


def typed_value(value: str | None, kind: pa.DataType) -> Any:
    return int(value) if value is not None and kind == pa.int64() else value


class FolderColumns:
    """The hive folder keys of a dataset's files (``root`` a directory or a
    glob), and, for the keys the user named (``wanted``) that the files do
    not hold themselves, each file's value and the keys' types."""

    def __init__(self, root: str, files: list, wanted: frozenset[str], in_files: set[str]) -> None:
        self._keys = _keys_below(root, files)
        lowered = {name.lower() for name in wanted}
        found = {path: {k: v for k, v in keys.items() if k.lower() in lowered and k not in in_files} for path, keys in self._keys.items()}
        seen: dict[str, list[str | None]] = {}
        for keys in found.values():
            for key, value in keys.items():
                seen.setdefault(key, []).append(value)
        self.kinds = key_types(seen)
        self._values = {path: {k: typed_value(v, self.kinds[k]) for k, v in keys.items()} for path, keys in found.items()}

    def unread(self, names: list[str]) -> list[str]:
        """The folder keys that are not among ``names``: named when a column is not found."""
        keys = (key for found in self._keys.values() for key in found)
        return [key for key in dict.fromkeys(keys) if key not in names]

    def of(self, path: object, columns: list[str]) -> dict[str, Any]:
        """The values of file ``path`` for the folder columns among ``columns``;
        a file outside a key's folders has none (null)."""
        values = self._values.get(path, {})
        return {name: values.get(name) for name in columns if name in self.kinds}


def _keys_below(root: str, files: list) -> dict[object, dict[str, str | None]]:
    """Each file's ``key=value`` folders below the dataset's root: none for
    one file, or stdin."""
    if root == "-" or os.path.isfile(root):
        return {}
    base = root if os.path.isdir(root) else os.path.dirname(re.split(r"[*?\[]", root, maxsplit=1)[0])
    return {path: folder_keys(os.path.relpath(path, base).replace(os.sep, "/")) for path in files}


def with_folder_columns(batch: pa.RecordBatch, columns: list[str], values: dict[str, Any], kinds: dict[str, pa.DataType]) -> pa.RecordBatch:
    """``batch`` (read from one file) with its folder ``values`` repeated on
    every row, as ``columns`` in that order."""
    if not values:
        return batch
    arrays = [repeated(values[name], kinds[name], batch.num_rows) if name in values else batch.column(name) for name in columns]
    return pa.RecordBatch.from_arrays(arrays, names=columns)


def add_folder_columns(batches: Iterator[pa.RecordBatch], columns: list[str], values: dict[str, Any], kinds: dict[str, pa.DataType]) -> Iterator[pa.RecordBatch]:
    """``with_folder_columns`` on every batch; closing the result closes
    ``batches`` (and stops the threads reading ahead for it)."""
    if not values:
        return batches
    return _adding(batches, columns, values, kinds)


def _adding(batches: Iterator[pa.RecordBatch], columns: list[str], values: dict[str, Any], kinds: dict[str, pa.DataType]) -> Iterator[pa.RecordBatch]:
    try:
        for batch in batches:
            yield with_folder_columns(batch, columns, values, kinds)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
