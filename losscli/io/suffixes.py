"""The part of each name in a group of columns that tells it from the others.

``prob_cat, prob_dog`` are the classes ``cat`` and ``dog``; ``y_true_a,
y_true_b`` and ``y_pred_b, y_pred_a`` are the outputs ``a`` and ``b``, in
two orders. The names' shared prefix is cut back to its last separator
(``p_c`` of ``p_cat, p_cow`` would split the class names, ``p_`` does not);
numbered names without a separator lose their shared letters (``class0,
class1``; ``p10, p11`` are 10 and 11, not 0 and 1); names with nothing to
cut are their own suffixes (scikit-learn's ``predict_proba`` columns ``0, 1,
2``). Pure functions on names: nothing here reads a file.
"""

from __future__ import annotations

import re

SEPARATORS = "_-.:"
_DIGITS = re.compile(r"[0-9]+")


def shared_prefix(names: tuple[str, ...] | list[str]) -> str:
    """The longest text every name starts with."""
    shared = names[0]
    for name in names[1:]:
        while not name.startswith(shared):
            shared = shared[:-1]
    return shared


def up_to_separator(prefix: str) -> str:
    """``prefix`` up to and with its last separator: ``p_`` of ``p_c``; "" if it has none."""
    return prefix[: max(prefix.rfind(sep) for sep in SEPARATORS) + 1]


def suffixes(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """What follows the names' shared prefix, name by name; None for fewer
    than two names, or when one name is all prefix (``p_`` beside ``p_1``)."""
    if len(names) < 2:
        return None
    shared = shared_prefix(names)
    cut = len(up_to_separator(shared))
    if cut == 0:
        stem = shared.rstrip("0123456789")
        if stem and all(_DIGITS.fullmatch(name[len(stem) :]) for name in names):
            cut = len(stem)
    found = tuple(name[cut:] for name in names)
    return found if all(found) else None
