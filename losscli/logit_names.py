"""Prediction columns whose names say they hold logits.

A logit of 0.3 looks like a probability, so values alone cannot tell a
column of logits from one of probabilities when every value lies in
[0, 1]: read as probabilities, such a column gave a wrong value without a
word. Its name can tell them apart, since whoever wrote the file named it:
``logits``, ``y_logit``, ``pred_logits``, ``logit_0 .. logit_9``.

A loss with a ``from_logits`` parameter reads its predictions as logits
when every prediction column it reads is named so, unless the user said
how to read them (``--from-logits``, ``--no-from-logits``,
``bce:from_logits=false``: see ``BoundLoss.given``).

The rule, on the name split into words (at ``_ - . :``, spaces, a
lower-case letter followed by a capital, and between letters and digits;
case ignored):

* one word is ``logit`` or ``logits``, as a whole word (``logistic``,
  ``logitboost``, ``nlogit`` are other words);
* it is the last word (``logits``, ``y_logit``, ``model_a_logits``), or
  one word follows it, a class (``logit_0``, ``logits_cat``, ``logit3``)
  but not a number about logits (``logit_scale``, ``logit_bias``);
* no word says the logits were turned into probabilities
  (``softmax_logits``, ``prob_from_logit``, ``inv_logit``).

Log-probabilities (``log_probs``, ``logprobs``, ``log_softmax``) are not
logits: no word of theirs is ``logit``, and they keep being read as
written (ctc reads log-probabilities; the other losses reject them as
probabilities outside [0, 1], with a hint).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterable, Sequence

LOGIT_WORDS = frozenset(("logit", "logits"))
# Words that say the values were made from logits: probabilities, not logits.
_MADE_FROM_LOGITS = frozenset(
    ("prob", "probs", "proba", "probability", "probabilities", "sigmoid", "softmax", "expit", "inv", "inverse", "normalized")
)
# Words after 'logit' that name a number about logits rather than a class's
# logit: CLIP's logit_scale, a logit_bias, a sequence's logit_lengths.
_ABOUT_LOGITS = frozenset(
    ("scale", "bias", "temperature", "temp", "offset", "len", "lens", "length", "lengths", "count", "counts", "std", "var", "norm", "mask")
)
_WORD_BREAKS = re.compile(r"[\s_\-.:]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


def name_says_logits(name: str) -> bool:
    """Whether a column named ``name`` holds logits, by the rule above."""
    words = [word.lower() for word in _WORD_BREAKS.split(name.strip()) if word]
    places = [index for index, word in enumerate(words) if word in LOGIT_WORDS]
    if not places or any(word in _MADE_FROM_LOGITS for word in words):
        return False
    after = words[places[-1] + 1 :]
    return not after or (len(after) == 1 and after[0] not in _ABOUT_LOGITS)


def columns_say_logits(names: Sequence[str]) -> bool:
    """Whether every one of a role's columns is named as logits (class columns
    ``logit_0 .. logit_9``; one list column ``logits``). A mix says nothing."""
    return bool(names) and all(name_says_logits(name) for name in names)


def reads_logits_by_name(bound: Any, prediction_columns: Sequence[str] | None) -> bool:
    """Whether ``bound`` should read these prediction columns as logits although
    nobody asked: it has the switch, it is off, and the user did not set it."""
    return (
        "from_logits" in bound.params
        and not bound.params["from_logits"]
        and "from_logits" not in bound.given
        and not _ignores_the_switch(bound)
        and prediction_columns is not None
        and columns_say_logits(prediction_columns)
    )


def _ignores_the_switch(bound: Any) -> bool:
    declared = bound.spec.ignores_from_logits
    return bool(declared(**bound.params) if callable(declared) else declared)


def as_logits(bound: Any) -> Any:
    """``bound`` reading its predictions as logits, shown so in its spec
    (``bce:from_logits=true``), as the CSV and table reports show a loss."""
    base = bound.label or bound.name
    label = f"{base}{',' if ':' in base else ':'}from_logits=true"
    return dataclasses.replace(bound, params={**bound.params, "from_logits": True}, label=label)


def logits_by_name(losses: Sequence[Any], prediction_columns: Sequence[Sequence[str] | None]) -> tuple[list[Any], list[str]]:
    """The losses as they read their predictions (``prediction_columns[i]`` are
    the columns loss ``i`` reads them from, None where it reads none), and
    the notes that say which read them as logits because of their names."""
    read: list[Any] = []
    switched: dict[tuple[str, ...], list[Any]] = {}
    for bound, columns in zip(losses, prediction_columns):
        if reads_logits_by_name(bound, columns):
            switched.setdefault(tuple(columns), []).append(bound)
            bound = as_logits(bound)
        read.append(bound)
    return read, [_note(columns, bounds) for columns, bounds in switched.items()]


def _note(columns: tuple[str, ...], losses: list[Any]) -> str:
    """One line per set of columns: which losses read them as logits, and how to say otherwise."""
    names = list(dict.fromkeys(bound.display for bound in losses))
    first = losses[0].name
    read_as = "log-probabilities" if all(bound.spec.family == "sequence" for bound in losses) else "probabilities"
    one = len(columns) == 1
    said = "is read as logits, as its name says" if one else "are read as logits, as their names say"
    return f"{_shown(columns)} {said} ({', '.join(names)}); --no-from-logits or {first}:from_logits=false reads {'it' if one else 'them'} as {read_as}"


def _shown(columns: Iterable[str]) -> str:
    """'logits'; 'logit_a', 'logit_b'; or 'logit_0' .. 'logit_9' (10 columns)."""
    names = list(columns)
    if len(names) <= 2:
        return ", ".join(f"'{name}'" for name in names)
    return f"'{names[0]}' .. '{names[-1]}' ({len(names)} columns)"
