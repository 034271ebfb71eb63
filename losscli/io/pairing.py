"""Which column of one multi-column input goes with which column of another.

A loss compares its inputs column by column: ``y_true_a`` with ``y_pred_a``,
``x1_3`` with ``x2_3``, ``anchor_k`` with ``positive_k``. Files need not
write them in one order, so when the columns of two inputs end in the same
suffixes (see :mod:`losscli.io.suffixes`), in whatever order, each column is
paired with the one that ends as it does. When the suffixes differ, nothing
says how they belong together but their order: they are paired in the order
selected (file order for defaults and globs), and a note says so if some of
the names would have paired otherwise.

The predictions keep their order (class probability columns are the class
order of ``weighted_ce``'s weights and of integer labels); the other inputs
are put in theirs.
"""

from __future__ import annotations

import dataclasses

from .columns import RoleColumns
from .suffixes import suffixes


def pair_by_name(roles: list[RoleColumns]) -> tuple[list[RoleColumns], list[str]]:
    """``roles`` (the multi-column inputs of one loss, in the loss's role
    order) with each one's columns put in the order that pairs them with the
    reference input: ``y_pred`` when it is among them, else the first.
    Also the notes on inputs left in the order selected although their names
    suggest another pairing."""
    named = [located for located in roles if not located.list_column and len(located.names) > 1]
    reference = next((located for located in named if located.role == "y_pred"), named[0] if named else None)
    paired, notes = [], []
    for located in roles:
        if located in named and located is not reference and len(located.names) == len(reference.names):
            order = ordered_like(reference.names, located.names)
            if order is not None:
                located = dataclasses.replace(located, names=order)
            else:
                note = _crossing_note(reference, located)
                if note:
                    notes.append(note)
        paired.append(located)
    return paired, notes


def ordered_like(reference: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...] | None:
    """``other`` reordered so that its i-th column ends as ``reference``'s
    i-th does (as written, else ignoring case), or None when the two sets of
    suffixes are not the same."""
    ends, other_ends = suffixes(reference), suffixes(other)
    if ends is None or other_ends is None:
        return None
    for fold in (str, str.lower):
        position = {fold(end): index for index, end in enumerate(other_ends)}
        wanted = [fold(end) for end in ends]
        if len(position) == len(other_ends) and sorted(wanted) == sorted(position):
            return tuple(other[position[end]] for end in wanted)
    return None


def _crossing_note(reference: RoleColumns, other: RoleColumns) -> str | None:
    """A note when a column is paired by position with one whose name ends
    differently, though a column ending as it does is in the other input."""
    ends, other_ends = suffixes(reference.names), suffixes(other.names)
    if ends is None or other_ends is None:
        return None
    position = {end: index for index, end in enumerate(ends)}
    for index, end in enumerate(other_ends):
        partner = position.get(end)
        if partner is not None and partner != index:
            flag = _flag(other.role)
            return (
                f"{other.role} columns are paired with {reference.role} columns in the order selected, as their names "
                f"do not end alike one for one: '{other.names[index]}' goes with '{reference.names[index]}', not "
                f"'{reference.names[partner]}'; to pair them otherwise, list {other.role}'s columns in that order with {flag}"
            )
    return None


def _flag(role: str) -> str:
    return {"y_true": "--label-col", "y_pred": "--pred-col"}.get(role, f"--col {role}=COLS")
