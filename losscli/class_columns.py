"""Which columns of a file hold one prediction per class, judged from the labels.

``recommend --data`` looks here when a file has none of the default prediction
names: a model's class probabilities are often written as ``p_cat, p_dog``
(text labels, matched by suffix as ``compute`` matches them), ``p_0 .. p_9``,
``class_0 ..`` or scikit-learn's ``predict_proba`` columns ``0, 1, 2``
(integer labels, one column per index). A match counts only when it is
unambiguous; the result says which ``--pred-col`` selects those columns.
Pure functions on names and label values: nothing here reads a file.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

import numpy as np

from .io.suffixes import SEPARATORS, shared_prefix, up_to_separator

_INDEX = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class ClassColumns:
    """Prediction columns in the order compute pairs them with the classes."""

    names: tuple[str, ...]
    selection: str  # the --pred-col value: a glob when one selects exactly these, else a list
    reason: str


def find_class_columns(labels: np.ndarray, label_names: list[str], kind: str, columns: list[str], all_names: list[str]) -> list[ClassColumns]:
    """Every way the numeric ``columns`` hold one prediction per class of ``labels``.

    ``kind`` is the label summary's kind (``text``, ``classes``, ``binary``,
    ``onehot``, ``soft``); ``all_names`` every column of the file, so that a
    glob is offered only where it selects nothing else.
    """
    if kind == "text":
        found = _by_text_labels(labels, columns)
    elif kind in ("classes", "binary"):
        found = _by_class_index(labels, columns, positive_only=kind == "binary")
    elif kind in ("onehot", "soft"):
        found = _by_label_columns(label_names, columns)
    else:
        found = []
    return [_selected(names, reason, all_names) for names, reason in found]


def _by_text_labels(labels: np.ndarray, columns: list[str]) -> list[tuple[tuple[str, ...], str]]:
    from .io.columns import class_column_of

    classes = sorted({str(label) for label in labels if label is not None})
    found = []
    for prefix in _prefixes_ending_in(classes[0], columns) if classes else []:
        group = tuple(name for name in columns if name.startswith(prefix))
        # The column compute would take for each label must be the prefixed one.
        if all(prefix + label in group and group.index(prefix + label) == class_column_of(label, group) for label in classes):
            shown = ", ".join(classes[:4]) + (", ..." if len(classes) > 4 else "")
            found.append((group, f"the text labels ({shown}) name the columns {_quoted(group)} by suffix"))
    return found


def _prefixes_ending_in(label: str, columns: list[str]) -> list[str]:
    """``p_`` for ``p_cat`` and the label ``cat``: a prefix ending in a separator."""
    return [name[: -len(label)] for name in columns if name.endswith(label) and name[: -len(label)][-1:] in SEPARATORS]


def _by_class_index(labels: np.ndarray, columns: list[str], *, positive_only: bool) -> list[tuple[tuple[str, ...], str]]:
    top = int(np.max(labels)) if len(labels) else 0
    found = []
    for prefix in dict.fromkeys(name[:-1] for name in columns if name.endswith("0")):
        group = _indexed(prefix, columns)
        if len(group) < 2 or top >= len(group):
            continue
        if positive_only:
            # 0/1 labels with one column per class: bce reads the positive one.
            if len(group) == 2:
                found.append(((group[1],), f"the 0/1 labels index the class columns {_quoted(group)}; '{group[1]}' is the positive class"))
            continue
        found.append((group, f"the class indices 0..{top} index the columns {_quoted(group)}"))
    return found


def _indexed(prefix: str, columns: list[str]) -> tuple[str, ...]:
    """``prefix0, prefix1, ...`` in index order, when the indices run 0..K-1 without a gap."""
    by_index = {int(name[len(prefix) :]): name for name in columns if name.startswith(prefix) and _INDEX.fullmatch(name[len(prefix) :])}
    if sorted(by_index) != list(range(len(by_index))):
        return ()
    return tuple(by_index[i] for i in range(len(by_index)))


def _by_label_columns(label_names: list[str], columns: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """One-hot label columns ``label_cat, ...`` beside ``p_cat, ...``: the same suffixes in the same order."""
    suffixes = _suffixes(label_names)
    if len(suffixes) < 2:
        return []
    found = []
    for prefix in _prefixes_ending_in(suffixes[0], columns):
        group = tuple(prefix + suffix for suffix in suffixes)
        if all(name in columns for name in group):
            found.append((group, f"the columns {_quoted(group)} end as the label columns do"))
    return found


def _suffixes(names: list[str]) -> list[str]:
    """What follows the label columns' shared prefix (up to its last separator)."""
    cut = len(up_to_separator(shared_prefix(names)))
    suffixes = [name[cut:] for name in names]
    return suffixes if cut and all(suffixes) else []


def _selected(names: tuple[str, ...], reason: str, all_names: list[str]) -> ClassColumns:
    prefix = shared_prefix(names)
    glob = f"{prefix}*"
    if len(names) > 1 and prefix and not any(ch in prefix for ch in "*?[") and [n for n in all_names if fnmatch.fnmatchcase(n, glob)] == list(names):
        return ClassColumns(names, glob, reason)
    return ClassColumns(names, ",".join(names), reason)


def _quoted(names: tuple[str, ...]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:4])
    return shown + (f" ... '{names[-1]}' ({len(names)} columns)" if len(names) > 4 else "")
