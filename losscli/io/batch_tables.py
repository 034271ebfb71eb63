"""One Arrow table of batches whose column types differ from file to file.

The files of a dataset often come from more than one writer: pandas writes
a label column as int64 where a later job wrote double, or a model exported
in float32 sits beside one in float64. Streaming reads take each batch as it
is, but the ``--key`` join and ``recommend --data`` hold every row in one
table, and ``pa.Table.from_batches`` refuses batches of different schemas.
"""

from __future__ import annotations

import pyarrow as pa

from ..errors import LossCliError


def one_table(batches: list[pa.RecordBatch], display: str) -> pa.Table:
    """``batches`` as one table: numbers widened to a type that holds each
    file's (int64 and double give double), numbers written as text in one
    file read as the numbers of the others, and a column that is other text
    in one file and numbers in another read as text, which is then parsed as
    the text of a CSV file is."""
    if all(batch.schema.equals(batches[0].schema) for batch in batches[1:]):
        return pa.Table.from_batches(batches)
    tables = [pa.Table.from_batches([batch]) for batch in batches]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    clashing = [name for name in tables[0].column_names if len({str(t.schema.field(name).type) for t in tables if name in t.column_names}) > 1]
    try:
        return pa.concat_tables([_as_numbers(table, clashing) for table in tables], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.concat_tables([_as_text(table, clashing, display) for table in tables], promote_options="permissive")


def _as_numbers(table: pa.Table, names: list[str]) -> pa.Table:
    """``table`` with its text columns among ``names`` as float64; raises
    when some of that text is not a number."""
    for name in names:
        if name in table.column_names and pa.types.is_string(table.schema.field(name).type):
            index = table.column_names.index(name)
            table = table.set_column(index, pa.field(name, pa.float64()), table.column(index).cast(pa.float64()))
    return table


def _as_text(table: pa.Table, names: list[str], display: str) -> pa.Table:
    for name in names:
        if name not in table.column_names:
            continue
        index = table.column_names.index(name)
        kind = table.schema.field(name).type
        try:
            text = table.column(index).cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as failure:
            raise LossCliError(
                f"column holds {kind} in one file of the dataset and another type in the next",
                file=display,
                column=name,
                hint="rewrite the files so that the column has one type in all of them",
            ) from failure
        table = table.set_column(index, pa.field(name, pa.string()), text)
    return table
