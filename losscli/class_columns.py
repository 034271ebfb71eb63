"""Which columns of a file hold one prediction per class, judged from the labels.

``recommend --data`` looks here when a file has none of the default prediction
names: a model's class probabilities are often written as ``p_cat, p_dog``
(text labels, matched by suffix as ``compute`` matches them), ``p_0 .. p_9``,
``class_0 ..`` or scikit-learn's ``predict_proba`` columns ``0, 1, 2``
(integer labels, one column per class number; ``p_1 .. p_3`` for labels
1..3, as compute matches integer labels to the columns named by them). A
match counts only when it is unambiguous; the result says which
``--pred-col`` selects those columns.
Pure functions on names and label values: nothing here reads a file.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

import numpy as np

from .io.suffixes import SEPARATORS, shared_prefix, up_to_separator

# A name ending in a class number: the text before it, and the number.
_NUMBERED = re.compile(r"(.*?)(0|[1-9][0-9]*)")


@dataclass(frozen=True)
class ClassColumns:
    """Prediction columns in the order compute pairs them with the classes."""

    names: tuple[str, ...]
    selection: str  # the --pred-col value: a glob when one selects exactly these, else a list
    reason: str


def find_class_columns(labels: np.ndarray, label_names: list[str], kind: str, columns: list[str], all_names: list[str]) -> list[ClassColumns]:
    """Every way the numeric ``columns`` hold one prediction per class of ``labels``.

    ``kind`` is the label summary's kind (``text``, ``classes``, ``binary``,
    ``counts``, ``onehot``, ``soft``); ``all_names`` every column of the
    file, so that a glob is offered only where it selects nothing else.
    Integer labels too many to be classes by themselves (``counts``) are
    classes when columns are numbered by them: a hundred labels 0..99
    beside ``p_0 .. p_99``.
    """
    if kind == "text":
        found = _by_text_labels(labels, columns)
    elif kind in ("classes", "binary", "counts"):
        found = _by_class_number(labels, columns, positive_only=kind == "binary")
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
        # Columns named by the classes alone (caret's 'no', 'yes') share no
        # prefix: the group is those columns, not every numeric column of the
        # file ('rowIndex' beside them).
        group = tuple(name for name in columns if name.startswith(prefix) and (prefix or name in classes))
        # The column compute would take for each label must be the prefixed one.
        if all(prefix + label in group and group.index(prefix + label) == class_column_of(label, group) for label in classes):
            shown = ", ".join(classes[:4]) + (", ..." if len(classes) > 4 else "")
            found.append((group, f"the text labels ({shown}) name the columns {_quoted(group)} by suffix"))
    return found


def _prefixes_ending_in(label: str, columns: list[str]) -> list[str]:
    """``p_`` for ``p_cat`` and the label ``cat``: a prefix ending in a separator."""
    return [name[: -len(label)] for name in columns if name.endswith(label) and name[: -len(label)][-1:] in SEPARATORS]


def _by_class_number(labels: np.ndarray, columns: list[str], *, positive_only: bool) -> list[tuple[tuple[str, ...], str]]:
    """Groups of columns numbered by class in which every label names a
    column, by the rule compute reads integer labels with: positions when
    the numbers run 0..K-1, else the column named by the label."""
    from .io.class_index import class_column_names, names_every_class

    classes = np.unique(labels)
    found = []
    for prefix in dict.fromkeys(match.group(1) for match in map(_NUMBERED.fullmatch, columns) if match):
        group = _numbered(prefix, columns)
        if len(group) < 2 or not names_every_class(classes, group, len(group)):
            continue
        if positive_only:
            # 0/1 labels with one column per class: bce reads the positive one.
            if len(group) == 2:
                found.append(((group[1],), f"the 0/1 labels index the class columns {_quoted(group)}; '{group[1]}' is the positive class"))
            continue
        # Every label names a column, so each is a whole number.
        low, high = int(classes[0]), int(classes[-1])
        if class_column_names(group).positional:
            found.append((group, f"the class indices {low}..{high} index the columns {_quoted(group)}"))
        else:
            found.append((group, f"the class labels {low}..{high} name the columns {_quoted(group)}"))
    return found


def _numbered(prefix: str, columns: list[str]) -> tuple[str, ...]:
    """``prefix0, prefix1, ...`` (or ``prefix1 ..``, with gaps), in the order of their numbers."""
    by_number = {}
    for name in columns:
        match = _NUMBERED.fullmatch(name)
        if match and match.group(1) == prefix:
            by_number[int(match.group(2))] = name
    return tuple(by_number[number] for number in sorted(by_number))


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
