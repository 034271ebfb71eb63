"""Header names of what losscli writes: every name once.

The group column is named after the ``--by`` column (``region``), the
per-sample column after ``--sample-col``, and per-row output's key column
after ``--key``. Any of them can be a name losscli uses for a column of its
own (``--by model``, ``--by value``, ``--key row``): the file would then
have two columns of that name, and a reader would take one for the other.
Such a name gets a prefix (``by_model``, ``key_row``), as often as it takes.

Reports (``compute`` and ``compare``: CSV, tables and Markdown) reserve every name
either command can write, whether or not this run writes it, so the name of
the group column depends only on the ``--by`` name, never on the options
given beside it.
"""

from __future__ import annotations

from typing import Collection

from .registry import CHARACTERISTIC_KEYS

GROUP_PREFIX = "by_"
SAMPLE_PREFIX = "sample_"
KEY_PREFIX = "key_"

# Every column a report (compute or compare; CSV, table or Markdown) can
# have besides the group.
REPORT_COLUMNS = frozenset(
    ("loss", "spec", "model", "value", "n", "rows", "reduction", "rank", "best", "baseline", "change", "delta", "delta_pct", "warning", *CHARACTERISTIC_KEYS)
)


def distinct(name: str, taken: Collection[str], prefix: str) -> str:
    """``name``, or ``prefix`` + ``name`` (repeated) until no name in ``taken`` is the same."""
    while name in taken:
        name = prefix + name
    return name


def group_column(by: str, taken: Collection[str] = REPORT_COLUMNS) -> str:
    """The header of the group column of a report, or of a file beside ``taken``."""
    return distinct(by, taken, GROUP_PREFIX)
