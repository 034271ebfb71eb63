"""Valid random inputs for every regression loss (used by the generic engine tests)."""

from __future__ import annotations

import numpy as np


def _pair(rng: np.random.Generator, n: int) -> dict:
    y_true = rng.normal(2.0, 1.5, n)
    return {"y_true": y_true, "y_pred": y_true + rng.standard_t(3, n)}


def _positive(rng: np.random.Generator, n: int) -> dict:
    y_true = rng.gamma(2.0, 2.0, n)
    return {"y_true": y_true, "y_pred": np.abs(y_true + rng.normal(0, 1, n))}


def _counts(rng: np.random.Generator, n: int) -> dict:
    return {"y_true": rng.poisson(3.0, n).astype(float), "y_pred": rng.normal(1.0, 0.5, n)}


def _gaussian(rng: np.random.Generator, n: int) -> dict:
    out = _pair(rng, n)
    out["var"] = rng.uniform(0.1, 3.0, n)
    return out


def _multi_output(rng: np.random.Generator, n: int) -> dict:
    y_true = rng.normal(0, 1, (n, 3))
    return {"y_true": y_true, "y_pred": y_true + rng.normal(0, 0.7, (n, 3)), "delta": 0.5}


EXAMPLES = {
    "mse": _pair,
    "mae": _pair,
    "huber": _multi_output,
    "smooth_l1": lambda rng, n: {**_pair(rng, n), "beta": 0.5},
    "log_cosh": _pair,
    "rmse": _pair,
    "msle": _positive,
    "mape": _positive,
    "quantile": lambda rng, n: {**_pair(rng, n), "q": 0.9},
    "poisson": _counts,
    "gaussian_nll": _gaussian,
}
