"""Why an input found no column: a selection for another input took it.

``--pred-col 'y_*'`` on the columns y_true, y_pred_cat, y_pred_dog selects
the label column as a prediction column too, and the labels are then left
without one. Saying "no column for y_true" while listing y_true misleads;
this names the selection that took it and a narrower one. The selection
itself is not narrowed behind the user's back: a glob selects what it
matches, and guessing which of its columns were meant would change the
inputs of a loss without a word.
"""

from __future__ import annotations

import fnmatch
import os

from ..errors import LossCliError
from ..registry import LossSpec, Role
from .columns import RoleColumns
from .readers import Source


def option_of(role: str) -> str:
    """The command-line option that selects ``role``'s columns."""
    return {"y_pred": "--pred-col", "y_true": "--label-col"}.get(role, f"--col {role}=")


def taken_by_selection(
    spec: LossSpec,
    role: Role,
    located: dict[str, RoleColumns],
    selections: dict[str, str],
    sources: dict[str, Source],
) -> LossCliError | None:
    """The error for ``role`` of ``spec`` when a selection (``selections``:
    role -> the text given) for another role took the columns ``role`` reads
    by default; None when none did. ``sources``: the files, by side."""
    for other, chosen in located.items():
        selection = selections.get(other)
        if selection is None or other == role.name:
            continue
        taken = _defaults_among(role, spec.role(other), chosen.names)
        if not taken:
            continue
        rest = [name for name in chosen.names if name not in taken]
        option = option_of(other)
        narrower = _narrower(rest, sources[chosen.side].names())
        hint = f"narrow it, e.g. {option} '{narrower}', " if narrower else ""
        hint += f"or name {role.name}'s columns with {option_of(role.name)}"
        shown = ", ".join(f"'{name}'" for name in taken)
        return LossCliError(
            f"the {option} selection '{selection}' also takes {shown}, which {spec.name} reads as {role.name}",
            file=sources[chosen.side].display,
            hint=hint,
        )
    return None


def _defaults_among(role: Role, other: Role, names: tuple[str, ...]) -> list[str]:
    """The columns among ``names`` that ``role`` takes by default: its exact
    default names, else the columns its defaults prefix (``y_true_a``), when
    that prefix is not also the start of ``other``'s names (``y_`` of ``y_pred``)."""
    folded = {name: name.strip().lower() for name in names}
    exact = [name for name, low in folded.items() if low in role.defaults]
    if exact:
        return exact
    theirs = tuple(d.lower() for d in other.defaults)
    prefixes = tuple(d + "_" for d in role.defaults if not any(t.startswith(d + "_") for t in theirs))
    return [name for name, low in folded.items() if prefixes and low.startswith(prefixes)]


def _narrower(rest: list[str], columns: list[str]) -> str | None:
    """A glob that selects exactly ``rest`` among ``columns`` (their common
    start and '*'), else ``rest`` as a list when it is short."""
    if not rest:
        return None
    start = os.path.commonprefix(rest)
    if start and [name for name in columns if fnmatch.fnmatchcase(name, start + "*")] == rest:
        return start + "*"
    return ",".join(rest) if len(rest) <= 6 else None
