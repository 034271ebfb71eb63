"""Task names as users type them, when they are neither a task nor an alias.

``registry.resolve_task`` resolves the names it knows; for the others this
says what to suggest. A spelling that is close to another task's name is
not the best guess: ``seg`` is the start of ``segmentation``, not a typo of
``reg``, and ``speech recognition`` holds the alias ``speech`` although it
is spelt like ``super-resolution``. Multi-label targets are no task of
their own but a layout that losscli scores as binary labels per column; a
suggestion of ``multiclass`` would send the user to softmax losses.
"""

from __future__ import annotations

import difflib
import re

MULTILABEL = (
    "losscli has no multi-label task; it scores multi-label targets as binary labels, one column per label, "
    "averaged over the columns by bce and by focal:multiclass=sigmoid"
)
MULTILABEL_HINT = "write --loss bce --loss focal:multiclass=sigmoid --label-col 'y_true_*' --pred-col 'y_pred_*'"


def is_multilabel(key: str) -> bool:
    """``multilabel``, ``multi-label``, ``multi_label_classification``, ..."""
    return "multilabel" in re.sub(r"[\s_\-]", "", key)


def closest_task(key: str, names: dict[str, str]) -> str | None:
    """The task to suggest for ``key`` (lower case, words joined by '-'), given
    every task name and alias (``names``: name -> task), or None.

    In order: the one task the words of a phrase name (``speech
    recognition``), the one task whose names start with ``key`` (``segm``),
    else the closest spelling.
    """
    words = [w for w in re.split(r"[-_]+", key) if w]
    named = {names[w] for w in words if w in names}
    if len(words) > 1 and len(named) == 1:
        return named.pop()
    if len(key) >= 3:
        started = {task for name, task in names.items() if name.startswith(key)}
        if len(started) == 1:
            return started.pop()
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return close[0] if close else None
