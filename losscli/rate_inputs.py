"""Predictions of counts: rates or log-rates, as the data say.

``poisson`` reads its predictions as log-rates by default (PyTorch's
``PoissonNLLLoss(log_input=True)``). Most regression models write rates
(scikit-learn's, Keras'), and read as log-rates those give the mean of
exp(prediction) - y prediction, a number of no meaning
(sample_data/regression.csv: 190.383, where read as rates they give -1.184).

When losscli chose the loss itself (``compare --task``: see
``BoundLoss.chosen_by_task``) and nobody set ``log_input`` (the spec
string, or a ``--convention`` that pins it), the predictions of each model
are read as the data say, by the rule of ``recommend --data``
(:func:`losscli.inference.read_rates`): rates when their mean is nearer the
labels' mean, as a ratio, than the mean of their exponentials is. A
negative prediction cannot be a rate, so the predictions are then
log-rates whatever the means. Where the values do not tell (every label
0), PyTorch's default stays, and the note says so; where poisson cannot
take them at all (a negative label, a value not finite) nothing is
decided, and the loss's own error says what is wrong.

The rows looked at are the first batch the engine folds (up to a quarter
of a million rows, or a CSV block of 16 MB; see ``losscli.io.readers``),
taken before any loss is folded and then folded as the rest, so the input
is read once (stdin too). That is enough: the rule asks on which side of
the labels' mean, on a log scale, the predictions' mean falls between two
candidates far apart. Rates of mean m have exponentials of mean at least
e^m (Jensen's inequality), and log-rates of mean l are below the log of
their exponentials' mean; the two candidates part by a factor of 2.7 or
more, and the mean of thousands of rows puts a model on the same side as
the mean of its millions, save for models that no rule could place. A
negative rate further down the file is poisson's error, naming its row,
and the task's poisson is skipped with it.

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
    out: list[Any] = []
    notes: dict[tuple[str, bool], tuple[list[str], str]] = {}
    for index, bound in enumerate(losses):
        arrays = batch.arrays[index] if batch is not None and index < len(batch.arrays) else None
        if not decides_by_data(bound) or not arrays or "y_pred" not in arrays or "y_true" not in arrays:
            out.append(bound)
            continue
        judged = _judged(arrays["y_true"], arrays["y_pred"])
        if judged is None:
            out.append(bound)  # values poisson refuses: its error, or the reader's, says what is wrong
            continue
        rates, why = judged
        columns = batch.role_columns[index].get("y_pred", "y_pred") if batch.role_columns else "y_pred"
        out.append(_reading(bound, rates))
        names, _ = notes.setdefault((columns, rates), ([], why))
        names.append(bound.display)
    return out, [_note(columns, names, rates, why, batch.n) for (columns, rates), (names, why) in notes.items()]


def _judged(labels: Any, predictions: Any) -> tuple[bool, str] | None:
    """(rates?, why) for these values; None where poisson cannot take them
    anyway (a label that is negative or not finite, a prediction not finite)."""
    import numpy as np

    from .inference import read_rates

    values = np.asarray(predictions, dtype=np.float64)
    targets = np.asarray(labels, dtype=np.float64)
    if not values.size or not (np.isfinite(values).all() and np.isfinite(targets).all() and (targets >= 0).all()):
        return None
    if values.min() < 0:
        return False, f"they hold negative values (the lowest {float(values.min()):.4g}), which rates cannot be"
    reading = read_rates(targets, values)
    if reading is None:
        return False, (
            f"PyTorch's default, as the values do not tell (their mean {float(values.mean()):.4g}, "
            f"the labels' {float(targets.mean()):.4g})"
        )
    mean, exponentiated, target = f"{reading.mean:.4g}", f"{reading.exponentiated:.4g}", f"{reading.target:.4g}"
    if reading.rates:
        return True, f"their mean {mean} is nearer the labels' {target} than their exponentials' {exponentiated}"
    return False, f"their exponentials' mean {exponentiated} is nearer the labels' {target} than their own {mean}"


def _reading(bound: Any, rates: bool) -> Any:
    """``bound`` with the switch set, shown so in its spec (``poisson:log_input=false``)."""
    value = "false" if rates else "true"
    base = bound.label or bound.name
    return dataclasses.replace(bound, params={**bound.params, PARAM: not rates}, label=f"{base}{',' if ':' in base else ':'}{PARAM}={value}")


def _note(columns: str, names: list[str], rates: bool, why: str, rows: int) -> str:
    """'poisson reads 'y_pred' as rates (log_input=false): ...; --loss poisson:log_input=true reads them as log-rates'."""
    shown = list(dict.fromkeys(name.partition(":")[0] for name in names))
    kind, other = ("rates", "log-rates") if rates else ("log-rates", "rates")
    over = "first row" if rows == 1 else f"first {rows:,} rows"
    return (
        f"{', '.join(shown)} read{'s' if len(shown) == 1 else ''} '{columns}' as {kind} ({PARAM}={'false' if rates else 'true'}): "
        f"{why} ({over}); --loss {shown[0]}:{PARAM}={'true' if rates else 'false'} reads them as {other}"
    )
