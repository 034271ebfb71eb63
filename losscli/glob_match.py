"""Whether a glob pattern would list a path that may not exist yet.

An output written where the input's pattern looks (``--per-row
dsg/rows.parquet`` for the input ``'dsg/*.parquet'``) becomes part of the
dataset, and every later run reads it as data. ``glob`` only lists files
that exist, so this answers for a file about to be written, by the rules
the readers' ``glob.glob(pattern, recursive=True)`` follows: ``*``, ``?``
and ``[...]`` within one path component, ``**`` across components, and
names starting with '.' only for a pattern component that does too.
"""

from __future__ import annotations

import fnmatch
import os

_MAGIC = ("*", "?", "[")


def would_match(pattern: str, path: str) -> bool:
    """Whether ``glob.glob(pattern, recursive=True)`` lists ``path`` once it exists.

    The pattern's directories up to its first wildcard and the path's
    directory are compared with symlinks resolved, so ``./data/*.parquet``
    and ``/abs/data/rows.parquet`` meet wherever the files are.
    """
    parts = os.path.abspath(pattern).split(os.sep)
    first = next((i for i, part in enumerate(parts) if any(ch in part for ch in _MAGIC)), None)
    if first is None:
        return False
    base = os.path.realpath(os.sep.join(parts[:first]) or os.sep)
    target = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    relative = os.path.relpath(target, base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return False
    return _matches(parts[first:], relative.split(os.sep))


def _matches(pattern: list[str], names: list[str]) -> bool:
    if not pattern:
        return not names
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        # Zero components, or one more (never a hidden one, as glob skips them).
        return _matches(rest, names) or (bool(names) and not names[0].startswith(".") and _matches(pattern, names[1:]))
    if not names or (names[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatch.fnmatchcase(names[0], head) and _matches(rest, names[1:])
