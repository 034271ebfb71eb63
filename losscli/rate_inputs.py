"""Predictions of counts: rates or log-rates, as the data say.

``poisson`` reads its predictions as log-rates by default (PyTorch's
``PoissonNLLLoss(log_input=True)``). Most regression models write rates
(scikit-learn's, Keras'), and read as log-rates those give exp(prediction),
a number of no meaning (sample_data/regression.csv: 190 where the rates
give about 1.3).

When losscli chose the loss itself (``compare --task``: see
``BoundLoss.chosen_by_task``) and nobody set ``log_input`` (the spec
string, or a ``--convention`` that pins it), the predictions are read as
the data say, by the rule of ``recommend --data``
(:func:`losscli.inference.read_rates`): rates when their mean is nearer the
labels' mean, as a ratio, than the mean of their exponentials is. A
negative prediction cannot be a rate, so the predictions are then log-rates
whatever the means. Where the values cannot tell (every label 0, a
negative label), PyTorch's default stays.

The rows looked at are the first batch the engine folds (up to about a
quarter of a million rows, or a CSV block of 16 MB; see
``losscli.io.readers``), decided before any loss is folded, so the file is
read once, stdin too. That is enough: the rule compares means on a log
scale, rates beside the exponentials of the same numbers, which part by a
factor of e to the mean of the rates (already 7x for rates of about 2), and
the mean of thousands of rows puts a file on one side as its millions do.
A negative rate further down is then the error of the loss, with its row.

An explicit ``--loss poisson`` keeps PyTorch's default: the user chose it
as PyTorch defines it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

PARAM = "log_input"


def decides_by_data(bound: Any) -> bool:
    """Whether ``bound`` reads its predictions as rates or log-rates as the
    data say: losscli chose it, it has the switch, and neither the user nor
    a library convention set it."""
    if not bound.chosen_by_task or PARAM not in bound.params or PARAM in bound.given:
        return False
    from .conventions import _entry_of

    entry = _entry_of(bound)
    return entry is None or PARAM not in entry.pinned


def data_decided(bound: Any) -> frozenset[str]:
    """The parameters of ``bound`` the data decide (see :func:`decides_by_data`)."""
    return frozenset((PARAM,)) if decides_by_data(bound) else frozenset()


def decided(losses: Sequence[Any], batch: Any) -> tuple[list[Any], list[str]]:
    """The losses with ``log_input`` decided from the rows of ``batch`` (an
    engine batch: ``batch.arrays[i]`` holds loss ``i``'s inputs by role), and
    one note per set of prediction columns saying how they were read."""
    from .inference import read_rates

    out: list[Any] = []
    notes: dict[tuple[str, bool], tuple[list[str], str]] = {}
    for index, bound in enumerate(losses):
        arrays = batch.arrays[index] if batch is not None and index < len(batch.arrays) else None
        if not decides_by_data(bound) or not arrays or "y_pred" not in arrays or "y_true" not in arrays:
            out.append(bound)
            continue
        predictions, labels = arrays["y_pred"], arrays["y_true"]
        reading = read_rates(labels, predictions)
        if reading is None and not _negative(predictions):
            out.append(bound)  # the values cannot tell: PyTorch's default stays
            continue
        rates = reading is not None and reading.rates and reading.lowest >= 0
        columns = batch.role_columns[index].get("y_pred", "y_pred") if batch.role_columns else "y_pred"
        out.append(_reading(bound, rates))
        key = (columns, rates)
        names, why = notes.setdefault(key, ([], _why(reading, rates, predictions)))
        names.append(bound.display)
    return out, [_note(columns, names, rates, why, batch.n) for (columns, rates), (names, why) in notes.items()]


def _negative(predictions: Any) -> bool:
    import numpy as np

    values = np.asarray(predictions, dtype=np.float64)
    return bool((values < 0).any())


def _reading(bound: Any, rates: bool) -> Any:
    """``bound`` with the switch set, shown so in its spec (``poisson:log_input=false``)."""
    value = "false" if rates else "true"
    base = bound.label or bound.name
    return dataclasses.replace(bound, params={**bound.params, PARAM: not rates}, label=f"{base}{',' if ':' in base else ':'}{PARAM}={value}")


def _why(reading: Any, rates: bool, predictions: Any) -> str:
    import numpy as np

    if reading is None or (reading.rates and not rates):
        lowest = float(np.min(np.asarray(predictions, dtype=np.float64)))
        return f"they hold negative values (the lowest {lowest:.4g}), which rates cannot be"
    mean, exponentiated, target = f"{reading.mean:.4g}", f"{reading.exponentiated:.4g}", f"{reading.target:.4g}"
    if rates:
        return f"their mean {mean} is nearer the labels' mean {target} than their exponentials' mean {exponentiated} is"
    return f"their exponentials' mean {exponentiated} is nearer the labels' mean {target} than their mean {mean} is"


def _note(columns: str, names: list[str], rates: bool, why: str, rows: int) -> str:
    """'poisson reads 'y_pred' as rates (log_input=false): ...; --loss poisson:log_input=true reads them as log-rates'."""
    shown = list(dict.fromkeys(name.partition(":")[0] for name in names))
    kind, other = ("rates", "log-rates") if rates else ("log-rates", "rates")
    over = "the first row" if rows == 1 else f"the first {rows:,} rows"
    return (
        f"{', '.join(shown)} read{'s' if len(shown) == 1 else ''} '{columns}' as {kind} ({PARAM}={'false' if rates else 'true'}): "
        f"{why} ({over}); --loss {shown[0]}:{PARAM}={'true' if rates else 'false'} reads them as {other}"
    )
