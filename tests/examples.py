"""Every family's EXAMPLES in one place, split into role arrays and parameters.

Generic tests (batch-split equals whole, weights, row order, properties)
iterate over ``all_examples()``; ``test_every_loss_has_an_example`` makes sure
a loss cannot be registered without one.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np

from losscli.registry import LossSpec, get

FAMILY_MODULES = ("regression", "classification", "ranking", "sequence", "segmentation", "generative")


def all_examples() -> dict[str, Callable[[np.random.Generator, int], dict]]:
    found: dict[str, Callable] = {}
    for family in FAMILY_MODULES:
        try:
            module = importlib.import_module(f"examples_{family}")
        except ModuleNotFoundError:
            continue
        found.update(module.EXAMPLES)
    return found


def split(spec: LossSpec, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """(role arrays, params, sample weights, sample ids) of an example's keyword arguments."""
    roles = {r.name for r in spec.roles}
    arrays = {k: v for k, v in kwargs.items() if k in roles and v is not None}
    params = {k: v for k, v in kwargs.items() if k not in roles and k not in ("sample_weight", "sample_ids")}
    return arrays, params, kwargs.get("sample_weight"), kwargs.get("sample_ids")


def as_arrays(spec: LossSpec, arrays: dict[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for role in spec.roles:
        if role.name not in arrays:
            continue
        value = arrays[role.name]
        if role.shape == "sequence":
            items = list(value)
            column = np.empty(len(items), dtype=object)
            column[:] = [np.asarray(item) for item in items]
            out[role.name] = column
        else:
            out[role.name] = np.asarray(value, dtype=np.float64)
    return out


def example(name: str, n: int = 60, seed: int = 0) -> tuple[LossSpec, dict[str, np.ndarray], dict[str, Any], Any, Any]:
    spec = get(name)
    kwargs = all_examples()[name](np.random.default_rng(seed), n)
    arrays, params, weights, samples = split(spec, kwargs)
    return spec, as_arrays(spec, arrays), params, weights, samples
