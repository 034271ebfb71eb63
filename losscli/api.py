"""The Python API: the same registry and engine the CLI uses.

    >>> import losscli
    >>> losscli.compute("huber", [0, 1], [0.5, 3.0], delta=2.0)
    1.0625
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Batch, evaluate, row_losses
from .errors import LossCliError
from .registry import BoundLoss, LossSpec, bind, get


def _split(spec: LossSpec, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate role arrays from parameters among keyword arguments."""
    role_names = {role.name for role in spec.roles}
    roles = {k: v for k, v in given.items() if k in role_names and v is not None}
    # y_true/y_pred are positional with a None default; a loss without those roles ignores them.
    params = {k: v for k, v in given.items() if k not in role_names and not (k in ("y_true", "y_pred") and v is None)}
    missing = [r.name for r in spec.roles if r.name not in roles and not r.optional]
    if missing:
        raise LossCliError(
            f"loss '{spec.name}' needs input{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            hint=f"inputs of {spec.name}: {', '.join(r.name for r in spec.roles)}",
        )
    return roles, params


def _as_arrays(spec: LossSpec, roles: dict[str, Any]) -> dict[str, np.ndarray]:
    arrays = {}
    for role in spec.roles:
        if role.name not in roles:
            continue
        value = roles[role.name]
        if role.shape == "sequence":
            # Ragged: one array per row (frames x classes, or label ids).
            items = list(value)
            arrays[role.name] = np.empty(len(items), dtype=object)
            arrays[role.name][:] = [np.asarray(item) for item in items]
        else:
            arrays[role.name] = np.asarray(value, dtype=np.float64)
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise LossCliError(f"inputs of '{spec.name}' have different lengths: {lengths}")
    return arrays


def _prepare(loss: str | BoundLoss, y_true: Any, y_pred: Any, kwargs: dict[str, Any]) -> tuple[BoundLoss, dict[str, np.ndarray]]:
    spec = loss.spec if isinstance(loss, BoundLoss) else get(loss)
    given = {"y_true": y_true, "y_pred": y_pred, **kwargs}
    roles, params = _split(spec, given)
    if isinstance(loss, BoundLoss):
        # Keyword parameters refine an already bound loss; they never reset it to defaults.
        refined = {key: spec.param(key).validate(value, spec.name) for key, value in params.items()}
        bound = BoundLoss(spec, {**loss.params, **refined}, loss.label)
    else:
        bound = bind(spec, params)
    return bound, _as_arrays(spec, roles)


def compute(
    loss: str | BoundLoss,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    sample_weight: Any = None,
    sample_ids: Any = None,
    reduction: str = "mean",
    **inputs_and_params: Any,
) -> float:
    """The loss over all rows, as ``losscli compute`` reports it.

    Other inputs (``var``, ``anchor``, ...) and parameters (``delta=2.0``,
    class ``weights=[0.2, 0.8]``) are keyword arguments. ``sample_weight``
    gives per-row weights (weighted mean, as scikit-learn); ``sample_ids``
    groups rows into samples for per-sample losses (``--sample-col``).
    """
    if reduction not in ("mean", "sum"):
        raise LossCliError(f"reduction must be 'mean' or 'sum' here, got '{reduction}'", hint="per_sample() gives per-row values")
    bound, arrays = _prepare(loss, y_true, y_pred, inputs_and_params)
    n = len(next(iter(arrays.values())))
    batch = Batch(
        arrays=[arrays],
        n=n,
        weights=None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64),
        samples=None if sample_ids is None else np.asarray(sample_ids),
    )
    outcomes, _ = evaluate([batch], [bound], reduction=reduction, by_sample=sample_ids is not None)
    value = outcomes[0].overall.value
    return float("nan") if value is None else value


def per_sample(
    loss: str | BoundLoss,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    sample_ids: Any = None,
    **inputs_and_params: Any,
) -> np.ndarray:
    """Per-row losses (``--reduction none``); per-sample for losses such as
    dice when ``sample_ids`` is given (ordered by sample id)."""
    bound, arrays = _prepare(loss, y_true, y_pred, inputs_and_params)
    kind = bound.spec.kind
    if kind == "mean":
        return row_losses(bound, arrays)[2]
    if bound.spec.per_row is not None and sample_ids is None:
        return np.asarray(bound.spec.per_row(**arrays, **bound.params), dtype=np.float64)
    if kind == "ratio" and sample_ids is not None:
        samples = np.asarray(sample_ids)
        outcomes_batch = Batch(arrays=[arrays], n=len(samples), samples=samples)
        _, accumulators = evaluate([outcomes_batch], [bound], by_sample=True)
        _keys, values = accumulators[0].per_sample_values()
        return values
    raise LossCliError(
        f"'{bound.name}' has no per-row value"
        + (" without sample ids" if kind == "ratio" else ": it is computed from all rows at once"),
        hint="pass sample_ids (--sample-col) to get one value per sample" if kind == "ratio" else None,
    )


__all__ = ["compute", "per_sample"]
