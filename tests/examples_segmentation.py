"""Valid random inputs for every segmentation loss, for the generic engine tests.

Each maker returns keyword arguments for ``losscli.compute`` with ``n`` rows
(pixels). The three losses cover the three label layouts between them.
"""

from __future__ import annotations

import numpy as np

N_CLASSES = 3


def class_index_example(rng: np.random.Generator, n: int) -> dict:
    """Multiclass: class-index labels and softmax-like probability rows."""
    return {
        "y_true": rng.integers(0, N_CLASSES, size=n).astype(np.float64),
        "y_pred": rng.dirichlet(np.ones(N_CLASSES), size=n),
    }


def binary_mask_example(rng: np.random.Generator, n: int) -> dict:
    """Binary: a 0/1 mask and a foreground probability column."""
    return {
        "y_true": (rng.random(n) < 0.4).astype(np.float64),
        "y_pred": rng.random(n),
    }


def one_hot_tversky_example(rng: np.random.Generator, n: int) -> dict:
    """Multiclass with one-hot label columns and a recall-leaning Tversky."""
    labels = rng.integers(0, N_CLASSES, size=n)
    return {
        "y_true": np.eye(N_CLASSES)[labels],
        "y_pred": rng.dirichlet(np.ones(N_CLASSES), size=n),
        "alpha": 0.3,
        "beta": 0.7,
    }


EXAMPLES = {
    "dice": class_index_example,
    "iou": binary_mask_example,
    "tversky": one_hot_tversky_example,
}
