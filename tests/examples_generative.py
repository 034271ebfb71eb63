"""Valid random inputs for every generative loss, for the generic engine tests.

``EXAMPLES[name](rng, n)`` returns keyword arguments for ``losscli.compute``.
"""

from __future__ import annotations

import numpy as np

FEATURES = 6  # perceptual feature columns


def _gan_labels(rng: np.random.Generator, n: int) -> tuple[np.ndarray, bool]:
    """Shuffled real (1) / fake (0) labels with both kinds, and whether that was possible.

    A single row cannot hold a real and a fake sample, so for n = 1 the row is
    fake and the caller scores the generator side, which reads fake rows only.
    """
    if n < 2:
        return np.zeros(n), False
    return rng.permutation(np.arange(n) % 2 == 0).astype(np.float64), True


def wasserstein(rng: np.random.Generator, n: int) -> dict:
    labels, both_kinds = _gan_labels(rng, n)
    return {"y_true": labels, "y_pred": rng.normal(size=n), "side": "critic" if both_kinds else "generator"}


def wasserstein_distance(rng: np.random.Generator, n: int) -> dict:
    return {"y_true": rng.normal(size=n), "y_pred": rng.normal(loc=0.5, scale=2.0, size=n)}


def adversarial(rng: np.random.Generator, n: int) -> dict:
    labels, both_kinds = _gan_labels(rng, n)
    return {
        "y_true": labels,
        "y_pred": rng.uniform(0.05, 0.95, size=n),
        "side": "discriminator" if both_kinds else "generator",
    }


def perceptual(rng: np.random.Generator, n: int) -> dict:
    target = rng.normal(size=(n, FEATURES))
    return {
        "y_true": target,
        "y_pred": target + rng.normal(scale=0.5, size=(n, FEATURES)),
        "layers": (2, 4),
        "layer_weights": (1.0, 0.5),
    }


EXAMPLES = {
    "wasserstein": wasserstein,
    "wasserstein_distance": wasserstein_distance,
    "adversarial": adversarial,
    "perceptual": perceptual,
}
