"""The results of a report: one :class:`Result` per loss value.

With --by a million groups make a million results. A loss's group results
are kept as one :class:`GroupResults` (arrays of values and rows, a list of
group values) that the renderers write in bulk; :class:`Results` reads as
the list of every :class:`Result`, made one by one only when a caller reads
it so (made once and kept, so that each result stays the same object).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from .registry import BoundLoss


@dataclass(slots=True)
class Result:
    """One loss value: overall, or for one group of --by."""

    loss: BoundLoss
    value: float | None
    n: int
    reduction: str
    model: str
    group: dict[str, Any] | None = None
    warning: str | None = None
    rank: int | None = None
    best: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "loss": self.loss.name,
            "params": json_params(self.loss.params),
            "value": self.value,
            "n": self.n,
            "reduction": self.reduction,
            "model": self.model,
            "group": self.group,
        }
        if self.rank is not None:
            out["rank"] = self.rank
            out["best"] = bool(self.best)
        if self.warning:
            out["warning"] = self.warning
        return out


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_param(v) for k, v in params.items()}


def _json_param(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    # JSON has no infinity; a parameter that allows it (triplet's p=inf) is
    # written as the text the spec takes, so the document stays valid JSON.
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


@dataclass
class GroupResults:
    """The results of every --by group of one loss and model, in order.

    ``groups`` holds each group's value as reports show it (None for the
    missing group); ``values`` the loss values (NaN where null), ``n`` the
    rows. A value is null exactly where ``warnings`` holds its warning.
    """

    loss: BoundLoss
    reduction: str
    model: str
    by: str
    groups: list[Any]
    values: np.ndarray
    n: np.ndarray
    warnings: dict[int, str]

    def __len__(self) -> int:
        return len(self.groups)

    def result(self, index: int) -> Result:
        warning = self.warnings.get(index)
        value = None if warning is not None else float(self.values[index])
        return Result(self.loss, value, int(self.n[index]), self.reduction, self.model, {self.by: self.groups[index]}, warning)

    def results(self) -> list[Result]:
        values = self.values.tolist()
        for index in self.warnings:
            values[index] = None
        loss, reduction, model, by, warnings = self.loss, self.reduction, self.model, self.by, self.warnings
        # Positional: a million groups make a million results.
        return [
            Result(loss, value, n, reduction, model, {by: group}, warnings.get(index))
            for index, (value, n, group) in enumerate(zip(values, self.n.tolist(), self.groups))
        ]


class Results(Sequence):
    """A report's results in order: single :class:`Result` items and
    :class:`GroupResults` blocks (``parts``), read as a list of results."""

    def __init__(self, parts: Iterable[Result | GroupResults] = ()) -> None:
        self.parts: list[Result | GroupResults] = list(parts)
        self._every: list[Result] | None = None

    def _results(self) -> list[Result]:
        if self._every is None:
            self._every = [r for part in self.parts for r in (part.results() if isinstance(part, GroupResults) else (part,))]
            # From now on the list is what callers read (and may change).
            self.parts = list(self._every)
        return self._every

    def __len__(self) -> int:
        if self._every is not None:
            return len(self._every)
        return sum(len(part) if isinstance(part, GroupResults) else 1 for part in self.parts)

    def __getitem__(self, index: Any) -> Any:
        return self._results()[index]

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Results):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    def __repr__(self) -> str:
        return f"Results({self.parts!r})"


def parts_of(results: Sequence[Result]) -> list[Result | GroupResults]:
    """The results as single results and blocks of group results, in order."""
    return results.parts if isinstance(results, Results) else list(results)


def overall_results(results: Sequence[Result]) -> list[Result]:
    """The results that are not of a --by group, without making those."""
    return [part for part in parts_of(results) if isinstance(part, Result) and part.group is None]
