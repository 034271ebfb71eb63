"""Valid random inputs for the sequence losses, for the generic engine tests.

Each sequence gets enough frames for its target (its length plus one blank
between equal neighbours), so every loss value is finite.
"""

from __future__ import annotations

import numpy as np

N_CLASSES = 5  # class 0 is the blank


def _object_array(items: list[np.ndarray]) -> np.ndarray:
    return np.fromiter(items, dtype=object, count=len(items))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def make_ctc(rng: np.random.Generator, n: int) -> dict:
    targets, frames = [], []
    for _ in range(n):
        target = rng.integers(1, N_CLASSES, size=rng.integers(0, 4))
        repeats = int(np.sum(target[1:] == target[:-1]))
        n_frames = max(1, len(target) + repeats + int(rng.integers(0, 4)))
        targets.append(target)
        frames.append(_log_softmax(rng.normal(scale=2.0, size=(n_frames, N_CLASSES))))
    return {"y_true": _object_array(targets), "y_pred": _object_array(frames)}


EXAMPLES = {"ctc": make_ctc}
