"""Valid random inputs for every classification loss, for the generic engine tests.

Each ``make_fn(rng, n)`` returns keyword arguments for ``losscli.compute``
with ``n`` rows. Probability rows come from a Dirichlet draw, so they sum
to 1 up to rounding; probabilities stay away from 0 and 1 so that clipping
never decides a value.
"""

from __future__ import annotations

import numpy as np


def _binary_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2, n).astype(np.float64)


def _positive_probabilities(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.02, 0.98, n)


def _n_classes(rng: np.random.Generator) -> int:
    return int(rng.integers(2, 6))


def _class_probabilities(rng: np.random.Generator, n: int, n_classes: int) -> np.ndarray:
    rows = rng.dirichlet(np.ones(n_classes), n) + 1e-3
    return rows / rows.sum(axis=1, keepdims=True)


def _class_indices(rng: np.random.Generator, n: int, n_classes: int) -> np.ndarray:
    return rng.integers(0, n_classes, n).astype(np.float64)


def _bce(rng: np.random.Generator, n: int) -> dict:
    return {"y_true": _binary_labels(rng, n), "y_pred": _positive_probabilities(rng, n)}


def _cce(rng: np.random.Generator, n: int) -> dict:
    # Soft labels exercise the distribution path; class indices are covered by sparse_cce.
    n_classes = _n_classes(rng)
    return {
        "y_true": _class_probabilities(rng, n, n_classes),
        "y_pred": _class_probabilities(rng, n, n_classes),
    }


def _sparse_cce(rng: np.random.Generator, n: int) -> dict:
    # About one row in five is ignored; the first row never is, so some row always counts.
    n_classes = _n_classes(rng)
    labels = _class_indices(rng, n, n_classes)
    ignored = rng.random(n) < 0.2
    ignored[0] = False
    labels[ignored] = -100
    return {
        "y_true": labels,
        "y_pred": _class_probabilities(rng, n, n_classes),
        "ignore_index": -100,
    }


def _label_smoothing_ce(rng: np.random.Generator, n: int) -> dict:
    n_classes = _n_classes(rng)
    return {
        "y_true": _class_indices(rng, n, n_classes),
        "y_pred": rng.normal(0.0, 3.0, (n, n_classes)),
        "from_logits": True,
        "smoothing": 0.1,
    }


def _weighted_ce(rng: np.random.Generator, n: int) -> dict:
    # Balanced weights (the default) depend on the counts of all rows: the
    # hardest case for batch-split and row-order tests.
    n_classes = _n_classes(rng)
    return {
        "y_true": _class_indices(rng, n, n_classes),
        "y_pred": _class_probabilities(rng, n, n_classes),
        "smoothing": 0.05,
    }


def _hinge(rng: np.random.Generator, n: int) -> dict:
    return {"y_true": rng.choice([-1.0, 1.0], n), "y_pred": rng.normal(0.0, 2.0, n)}


def _squared_hinge(rng: np.random.Generator, n: int) -> dict:
    # 0/1 labels, read as -1/1.
    return {"y_true": _binary_labels(rng, n), "y_pred": rng.normal(0.0, 2.0, n)}


def _categorical_hinge(rng: np.random.Generator, n: int) -> dict:
    n_classes = _n_classes(rng)
    return {"y_true": _class_indices(rng, n, n_classes), "y_pred": rng.normal(0.0, 2.0, (n, n_classes))}


def _kl_div(rng: np.random.Generator, n: int) -> dict:
    n_classes = _n_classes(rng)
    return {
        "y_true": _class_probabilities(rng, n, n_classes),
        "y_pred": _class_probabilities(rng, n, n_classes),
    }


def _focal(rng: np.random.Generator, n: int) -> dict:
    # Binary (one prediction column) or multiclass (several), half the time each.
    if rng.random() < 0.5:
        return {"y_true": _binary_labels(rng, n), "y_pred": rng.normal(0.0, 3.0, n), "from_logits": True}
    n_classes = _n_classes(rng)
    return {
        "y_true": _class_indices(rng, n, n_classes),
        "y_pred": _class_probabilities(rng, n, n_classes),
        "gamma": 1.5,
    }


EXAMPLES = {
    "bce": _bce,
    "cce": _cce,
    "sparse_cce": _sparse_cce,
    "hinge": _hinge,
    "squared_hinge": _squared_hinge,
    "categorical_hinge": _categorical_hinge,
    "kl_div": _kl_div,
    "focal": _focal,
    "label_smoothing_ce": _label_smoothing_ce,
    "weighted_ce": _weighted_ce,
}
