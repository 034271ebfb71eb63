"""What a prediction column's name says it holds, where scoring it as
another thing gives a plausible wrong number.

The quantile level a prediction column's name states, as forecasting
libraries name their quantile and interval columns.

GluonTS and darts write the level itself (``0.9``, ``y_0.9``), others
``q0.9`` or ``quantile_0.9``, or a percentile (``p90``); statsforecast and
neuralforecast write a central interval's bounds (``AutoARIMA-lo-90`` is the
0.05 quantile, ``-hi-90`` the 0.95) and neuralforecast its median
(``NHITS-median``). Without a ``q`` of its own the quantile loss reads such
columns at the levels they state (see ``quantiles_by_name``); with one, a
column that states another level would be scored at the wrong quantile
without a word, so the plan refuses it (see ``check_quantile_columns``). Likewise a
standard deviation (``std``, ``sigma``) given as gaussian_nll's variance
(see ``check_variance_columns``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

from ..errors import LossCliError
from ..shell import quote

# A level written as a fraction, alone or after a separator or a 'q' (0.9, .9, q0.9, y_0.9, quantile_0.9).
_FRACTION = re.compile(r"(?:^|.*[_\-\s:q])(0?\.\d+)", re.IGNORECASE)
# The same before a word (0.9_quantile).
_FRACTION_FIRST = re.compile(r"(0?\.\d+)[_\-\s]?(?:quantile|q)", re.IGNORECASE)
# A percentile of two digits: p05, p10, p90, P50, alone or after a separator
# (not p1, which names a class or a model more often than a percentile).
_PERCENTILE = re.compile(r"(?:^|.*[_\-\s])p(\d{2}(?:\.\d+)?)", re.IGNORECASE)
# statsforecast / neuralforecast interval bounds: model-lo-90, model-hi-80.
_INTERVAL = re.compile(r".+-(lo|hi)-(\d{1,2}(?:\.\d+)?)", re.IGNORECASE)
_MEDIAN = re.compile(r".+-median", re.IGNORECASE)


def stated_quantile(name: str) -> float | None:
    """The quantile level ``name`` states, or None when it states none."""
    text = name.strip()
    if match := _INTERVAL.fullmatch(text):
        percent = float(match.group(2))
        if not 0 < percent < 100:
            return None
        # In percent, then divided once: (100 - 90) / 200 is 0.05 exactly, where (1 - 0.9) / 2 is 0.04999999999999999.
        return (100 - percent) / 200 if match.group(1).lower() == "lo" else (100 + percent) / 200
    if _MEDIAN.fullmatch(text):
        return 0.5
    for pattern, scale in ((_FRACTION, 1.0), (_FRACTION_FIRST, 1.0), (_PERCENTILE, 100.0)):
        if match := pattern.fullmatch(text):
            level = float(match.group(1)) / scale
            return level if 0 < level < 1 else None
    return None


def check_quantile_columns(loss: str, q: float | tuple[float, ...], names: tuple[str, ...], display: str) -> None:
    """Refuse prediction columns whose names state a quantile other than the
    ``q`` they are scored at (one level for all, or one per column)."""
    levels = q if isinstance(q, tuple) else (q,) * len(names)
    if len(levels) != len(names):
        raise LossCliError(
            f"q gives {len(levels)} quantile levels but y_pred has {len(names)} columns",
            file=display,
            column=",".join(names),
            hint="give one prediction column per level, in the order of q",
        )
    for name, at in zip(names, levels):
        level = stated_quantile(name)
        if level is None or abs(level - at) < 1e-9:
            continue
        stated = f"{level:g}"
        raise LossCliError(
            f"the prediction column '{name}' is named as the {stated} quantile, but {loss} is computed at q={at:g} there",
            file=display,
            column=name,
            hint=f"--loss quantile:q={stated} scores it at its own level; without q, each column is scored at the level its name states",
        )


def check_distinct_levels(levels: float | tuple[float, ...], names: tuple[str, ...], display: str) -> None:
    """Refuse two prediction columns scored at the same level: a quantile
    forecast has one column per level, and two at one level (q0.5 beside
    p50, two models' medians) would count that level twice in the mean."""
    if not isinstance(levels, tuple) or len(levels) != len(names):
        return
    for second, level in enumerate(levels):
        first = next(index for index, other in enumerate(levels) if abs(other - level) < 1e-9)
        if first == second:
            continue
        pair = f"'{names[first]}' and '{names[second]}'"
        raise LossCliError(
            f"the prediction columns {pair} are both scored as the {level:g} quantile, which the mean over the levels would count twice",
            file=display,
            column=f"{names[first]},{names[second]}",
            hint=f"give one column per level; compare {quote(display)} --pred-col {quote(names[first])} --pred-col {quote(names[second])} --loss quantile sets them side by side",
        )


# A long-format forecast's column of levels (sktime's and GluonTS' quantile frames melted,
# one row per series, time and level): quantile, q.
_LEVEL_COLUMN = re.compile(r"(quantiles?|q|quantile[_\s]?levels?)", re.IGNORECASE)


def check_levels_not_grouped(bound: Any, by: str, names: tuple[str, ...], display: str) -> None:
    """Refuse ``--by quantile`` on a long-format forecast without ``q``:
    every group (level) would be scored at the one default q=0.5, its own
    level unread, giving a plausible wrong number for every level but the
    median."""
    if "q" in bound.given or not _LEVEL_COLUMN.fullmatch(by.strip()):
        return
    q = bound.params["q"]
    shown = levels_text(q)
    raise LossCliError(
        f"--by {by} groups the rows by quantile level, but {bound.name} scores every group at q={shown}, not at its own level",
        file=display,
        column=by,
        hint=f"score one level at a time on its rows (--loss quantile:q=0.9 on the rows where {by} is 0.9), or write one column per level "
        f"(pandas pivot: q0.1, q0.5, q0.9) and give --pred-col 'q0.1,q0.5,q0.9'; a q of your own (--loss quantile:q={shown}) takes it as it is",
    )


def levels_text(q: float | tuple[float, ...]) -> str:
    """A level, or several, as a spec writes them: 0.9, or 0.1;0.5;0.9."""
    return ";".join(f"{level:g}" for level in q) if isinstance(q, tuple) else f"{q:g}"


def levels_by_name(bound: Any, names: tuple[str, ...] | None) -> float | tuple[float, ...] | None:
    """The q a quantile loss takes from its prediction columns' names when
    the user gave none: every column states a level (``q0.1``, ``p90``,
    ``AutoARIMA-lo-80``), one level per column. None when they do not, or
    when they state the default the loss has anyway."""
    if bound.name != "quantile" or "q" in bound.given or not names:
        return None
    levels = tuple(stated_quantile(name) for name in names)
    if any(level is None for level in levels):
        return None
    if len(levels) == 1:
        return levels[0] if levels[0] != bound.params["q"] else None
    return levels


def quantiles_by_name(losses: Sequence[Any], prediction_columns: Sequence[tuple[str, ...] | None]) -> tuple[list[Any], list[str]]:
    """The losses as they read their predictions (see ``levels_by_name``),
    and a note for each that takes its levels from the names."""
    read, notes = [], []
    for bound, names in zip(losses, prediction_columns):
        q = levels_by_name(bound, names)
        if q is not None:
            shown = levels_text(q)
            base = bound.label or bound.name
            bound = replace(bound, params={**bound.params, "q": q}, label=f"{base}{',' if ':' in base else ':'}q={shown}")
            columns = ", ".join(f"'{name}'" for name in names)
            said = "the level its name states" if len(names) == 1 else "the levels their names state"
            notes.append(
                f"{bound.name} reads {columns} at {said} (q={shown})"
                + ("" if len(names) == 1 else ", and gives the mean over the levels")
                + f"; --loss 'quantile:q=...' sets {'it' if len(names) == 1 else 'them'}"
            )
        read.append(bound)
    return read, notes


# A standard deviation, alone or as a word of the name: std, sigma, pred_std, std_dev, sd.
_STD = re.compile(r"(?:.*[_\-\s.])?(std|stdev|stddev|std_dev|sd|sigma|scale)(?:[_\-\s.].*)?", re.IGNORECASE)


def names_a_deviation(name: str) -> bool:
    """Whether ``name`` says its column holds a standard deviation."""
    return _STD.fullmatch(name.strip()) is not None


def check_variance_columns(loss: str, names: tuple[str, ...], display: str) -> None:
    """Refuse a variance column named as a standard deviation: gaussian_nll
    would read sigma as sigma^2, a finite, wrong value."""
    for name in names:
        if names_a_deviation(name):
            raise LossCliError(
                f"the var column '{name}' is named as a standard deviation, but {loss} reads variances (PyTorch GaussianNLLLoss's var)",
                file=display,
                column=name,
                hint=f"write its square as a column (pandas: df['var'] = df['{name}'] ** 2) and name that with --col var=var",
            )
