"""Valid random inputs for every ranking loss, for the generic engine tests.

``EXAMPLES[name](rng, n)`` returns keyword arguments for ``losscli.compute``.
"""

from __future__ import annotations

import numpy as np

WIDTH = 4  # embedding columns


def _pair_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Shuffled similar (1) / dissimilar (0) labels, both present whenever n >= 2."""
    return rng.permutation(np.arange(n) % 2).astype(np.float64)


def contrastive(rng: np.random.Generator, n: int) -> dict:
    # Scale 0.3 keeps many dissimilar pairs inside the margin, so both terms count.
    return {
        "y_true": _pair_labels(rng, n),
        "x1": rng.normal(scale=0.3, size=(n, WIDTH)),
        "x2": rng.normal(scale=0.3, size=(n, WIDTH)),
        "margin": 1.5,
    }


def triplet(rng: np.random.Generator, n: int) -> dict:
    anchor = rng.normal(size=(n, WIDTH))
    # Margin 2 leaves most random triplets inside the margin, so rows differ and are rarely 0.
    return {
        "anchor": anchor,
        "positive": anchor + rng.normal(scale=0.5, size=(n, WIDTH)),
        "negative": anchor + rng.normal(size=(n, WIDTH)),
        "margin": 2.0,
    }


def cosine_embedding(rng: np.random.Generator, n: int) -> dict:
    return {
        "y_true": 2.0 * _pair_labels(rng, n) - 1.0,
        "x1": rng.normal(size=(n, WIDTH)),
        "x2": rng.normal(size=(n, WIDTH)),
        "margin": 0.2,
    }


EXAMPLES = {
    "contrastive": contrastive,
    "triplet": triplet,
    "cosine_embedding": cosine_embedding,
}
