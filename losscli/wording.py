"""Small helpers for the wording of messages and notes."""

from __future__ import annotations

import numbers


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st, 32nd."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def exact_number(value: float) -> str:
    """A value quoted in a message, with every digit it needs: the shortest
    text that reads back as the same float. Rounding to six digits showed
    1.0000001 as "1" in "probability outside [0, 1] (value 1)", hiding the
    very problem the message names. Whole numbers read as integers ("2",
    not "2.0"), with all their digits: a class label of 2**60 (a hashed id)
    is 1152921504606846976, which "1.152921504606847e+18" rounded. Past
    2**64, beyond any integer column, a whole float such as 1e300 is shown
    as a float, not as hundreds of digits."""
    if isinstance(value, numbers.Integral):
        return str(int(value))  # an integer, not the nearest float to it
    value = float(value)
    if value.is_integer() and abs(value) < 2.0**64:
        return str(int(value))
    return repr(value)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,024 frame rows``: a count with its noun."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# Default column names shown in a message; the rest are counted ('losscli info LOSS' lists them all).
SHOWN_NAMES = 6


def names_looked_for(names: tuple[str, ...]) -> str:
    """'y_pred, pred, ...' for a message about default column names, the first
    few named: twenty names would bury the columns the file does have."""
    if len(names) <= SHOWN_NAMES:
        return ", ".join(names)
    rest = len(names) - SHOWN_NAMES
    return ", ".join(names[:SHOWN_NAMES]) + f" and {rest} other common name{'s' if rest > 1 else ''}"


def numbered_repeats(names: list[str]) -> list[str]:
    """``a``, ``a#2``, ...: a repeat takes the next number no other name is,
    since what is keyed by name must not merge two (``a.csv a.csv a#2.csv``
    named two models ``a#2``, and one's values showed in the other's column)."""
    taken = set(names)
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name not in seen:
            seen[name] = 1
            out.append(name)
            continue
        number = seen[name] + 1
        while f"{name}#{number}" in taken:
            number += 1
        seen[name] = number
        taken.add(f"{name}#{number}")
        out.append(f"{name}#{number}")
    return out


def path_end(path: str, room: int) -> str:
    """``path`` cut at its start to ``room`` characters, "…" included: a long
    path keeps its file name, the part that tells files apart, from a
    folder's start where there is one ('…/run/predictions.parquet', not
    '…un/predictions.parquet')."""
    if len(path) <= room:
        return path
    tail = path[-(room - 1) :]
    cut = tail.find("/", 1)
    return f"…{tail[cut:] if cut > 0 else tail}"
