"""Models side by side per loss, and their change against a baseline.

:func:`comparison` takes a small table of ``(loss, model, value[, baseline])``
rows, as ``compare`` produces them; lower is better for every loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..errors import LossCliError


@dataclass
class Bar:
    loss: str
    model: str
    value: float | None
    baseline: float | None = None

    @property
    def delta(self) -> float | None:
        if _finite(self.value) and _finite(self.baseline):
            return self.value - self.baseline  # type: ignore[operator]
        return None

    @property
    def delta_pct(self) -> float | None:
        if self.delta is None or not self.baseline:
            return None
        return 100.0 * self.delta / abs(self.baseline)  # type: ignore[arg-type]


@dataclass
class ComparisonChart:
    title: str
    losses: list[str]
    models: list[str]
    bars: list[Bar]
    baseline_label: str = "baseline"

    @property
    def has_baseline(self) -> bool:
        return any(bar.baseline is not None for bar in self.bars)

    def bars_of(self, loss: str) -> list[Bar]:
        """The loss's bars in model order."""
        found = {bar.model: bar for bar in self.bars if bar.loss == loss}
        return [found[model] for model in self.models if model in found]

    def best(self, loss: str) -> set[str]:
        """The models with the lowest value of ``loss``, when there is a choice.

        Ranked as ``compare`` ranks its table, so the chart marks the models the
        table does: every model of a tie, and a value beside a null.
        """
        from ..compare import rank_values

        bars = self.bars_of(loss)
        if len(bars) < 2:
            return set()
        ranks = rank_values([bar.value for bar in bars])
        return {bar.model for bar, rank in zip(bars, ranks) if rank == 1 and _finite(bar.value)}


def comparison(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    *,
    title: str | None = None,
    baseline_label: str = "baseline",
) -> ComparisonChart:
    """Bars per loss and model from ``(loss, model, value[, baseline])`` rows.

    A row may also be a mapping with the keys ``loss``, ``model``, ``value``
    and optionally ``baseline``. Values may be None or NaN (not computed).
    Losses and models keep the order of their first appearance.
    """
    bars = [_bar(row, index) for index, row in enumerate(rows, start=1)]
    if not bars:
        raise LossCliError("nothing to compare: no (loss, model, value) rows")
    seen: set[tuple[str, str]] = set()
    for bar in bars:
        if (bar.loss, bar.model) in seen:
            raise LossCliError(f"loss '{bar.loss}' of model '{bar.model}' is given twice")
        seen.add((bar.loss, bar.model))
    losses = list(dict.fromkeys(bar.loss for bar in bars))
    models = list(dict.fromkeys(bar.model for bar in bars))
    if title is None:
        title = f"{len(models)} model{'s' if len(models) != 1 else ''} per loss (lower is better)"
    return ComparisonChart(title, losses, models, bars, baseline_label)


def _bar(row: Sequence[Any] | Mapping[str, Any], index: int) -> Bar:
    if isinstance(row, Mapping):
        items = [row.get("loss"), row.get("model"), row.get("value"), row.get("baseline")]
    else:
        items = list(row)
        if len(items) not in (3, 4):
            raise LossCliError(f"comparison row {index} has {len(items)} items; expected (loss, model, value[, baseline])")
        items += [None] * (4 - len(items))
    loss, model, value, baseline = items
    if not loss or not model:
        raise LossCliError(f"comparison row {index} needs a loss and a model name")
    return Bar(str(loss), str(model), _number(value, index), _number(baseline, index))


def _number(value: Any, index: int) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LossCliError(f"comparison row {index}: '{value}' is not a number") from None
    return number if math.isfinite(number) else None


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
