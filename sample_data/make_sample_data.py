"""Regenerate the files in sample_data/ (deterministic: same seed, same bytes).

    python sample_data/make_sample_data.py

Small, realistic files for every loss family: what a model's evaluation
export typically looks like, including the awkward parts (outliers, string
class labels, a separate label file in another order, list columns).
"""

from __future__ import annotations

import csv
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261122)


def write_csv(name: str, columns: dict) -> None:
    names = list(columns)
    values = [list(np.asarray(columns[c]).tolist()) for c in names]
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*values))


def write_parquet(name: str, columns: dict) -> None:
    pq.write_table(pa.table(columns), os.path.join(HERE, name))


def rounded(values: np.ndarray, digits: int = 4) -> np.ndarray:
    return np.round(values, digits)


def regression() -> None:
    """House prices (in 100k) from two models; a few listings are mispriced outliers."""
    n = 200
    size = rng.uniform(50, 250, n)
    y_true = 0.9 + 0.018 * size + rng.normal(0, 0.25, n)
    model_a = y_true + rng.normal(0, 0.3, n)
    model_b = y_true + rng.normal(0.05, 0.22, n)
    outliers = rng.choice(n, 6, replace=False)
    model_a[outliers] += rng.choice([-1, 1], 6) * rng.uniform(3, 6, 6)
    model_b[outliers[:2]] += 4.0
    # Prices are positive, however badly a listing is mispriced.
    model_a, model_b = np.maximum(model_a, 0.05), np.maximum(model_b, 0.05)
    region = rng.choice(["north", "south", "east", "west"], n)
    weight = rounded(rng.uniform(0.5, 2.0, n), 2)
    ids = np.arange(1, n + 1)
    write_csv("regression.csv", {"id": ids, "y_true": rounded(y_true), "y_pred": rounded(model_a), "weight": weight, "region": region})
    write_csv("regression_b.csv", {"id": ids, "y_true": rounded(y_true), "y_pred": rounded(model_b), "weight": weight, "region": region})


def binary() -> None:
    """Churn scores: logits and probabilities, imbalanced (about 1 positive in 5)."""
    n = 300
    y_true = (rng.uniform(size=n) < 0.2).astype(int)
    logit = rng.normal(np.where(y_true == 1, 1.2, -1.6), 1.1)
    logit_b = rng.normal(np.where(y_true == 1, 0.6, -0.9), 1.2)
    segment = rng.choice(["web", "mobile", "store"], n)
    ids = np.arange(1, n + 1)
    write_csv("binary.csv", {"id": ids, "y_true": y_true, "y_pred": rounded(1 / (1 + np.exp(-logit)), 5), "logit": rounded(logit, 5), "segment": segment})
    write_csv("binary_b.csv", {"id": ids, "y_true": y_true, "y_pred": rounded(1 / (1 + np.exp(-logit_b)), 5), "logit": rounded(logit_b, 5), "segment": segment})
    write_parquet("binary.parquet", {"id": ids, "y_true": y_true, "y_pred": 1 / (1 + np.exp(-logit)), "logit": logit, "segment": segment})


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def multiclass() -> None:
    """Pet photo classifier: string labels, one probability column per class."""
    classes = np.array(["cat", "dog", "bird"])
    n = 240
    label = rng.choice(3, n, p=[0.45, 0.4, 0.15])
    scores = rng.normal(0, 1, (n, 3))
    scores[np.arange(n), label] += 2.0
    probs = np.round(_softmax(scores), 4)
    probs[:, 2] = np.round(1 - probs[:, 0] - probs[:, 1], 4)
    ids = np.arange(1, n + 1)
    write_csv(
        "multiclass.csv",
        {"id": ids, "y_true": classes[label], "prob_cat": probs[:, 0], "prob_dog": probs[:, 1], "prob_bird": probs[:, 2]},
    )
    # The same model exported the way many pipelines do: predictions in Parquet
    # with a list column of logits, labels in a CSV in another order.
    order = rng.permutation(n)
    write_parquet("multiclass_preds.parquet", {"id": ids, "logits": pa.array([list(np.round(row, 4)) for row in scores])})
    write_csv("multiclass_labels.csv", {"id": ids[order], "label": label[order]})


def embeddings() -> None:
    """Face-verification pairs and triplets with 8-dimensional embeddings."""
    n, dim = 120, 8
    base = rng.normal(0, 1, (n, dim))
    same = rng.uniform(size=n) < 0.5
    other = np.where(same[:, None], base + rng.normal(0, 0.35, (n, dim)), rng.normal(0, 1, (n, dim)))
    pairs = {"pair_id": np.arange(1, n + 1), "y_true": same.astype(int)}
    pairs.update({f"x1_{i}": rounded(base[:, i]) for i in range(dim)})
    pairs.update({f"x2_{i}": rounded(other[:, i]) for i in range(dim)})
    write_csv("pairs.csv", pairs)
    anchor = rng.normal(0, 1, (n, dim))
    positive = anchor + rng.normal(0, 0.4, (n, dim))
    negative = rng.normal(0, 1, (n, dim))
    write_parquet(
        "triplets.parquet",
        {
            "anchor": pa.array([list(r) for r in np.round(anchor, 4)]),
            "positive": pa.array([list(r) for r in np.round(positive, 4)]),
            "negative": pa.array([list(r) for r in np.round(negative, 4)]),
        },
    )


def ctc() -> None:
    """Speech recogniser output: per-frame log-probabilities over blank + 5 symbols."""
    n, classes = 12, 6
    frames, targets = [], []
    for _ in range(n):
        length = int(rng.integers(2, 5))
        target = rng.integers(1, classes, length)
        t = int(rng.integers(2 * length + 2, 2 * length + 8))
        scores = rng.normal(0, 1, (t, classes))
        # Make the target path likely: each label owns a stretch of frames.
        edges = np.linspace(0, t, length + 1).astype(int)
        for k, label in enumerate(target):
            scores[edges[k] : edges[k + 1], label] += 2.5
        logp = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        frames.append([list(np.round(row, 5)) for row in logp])
        targets.append(" ".join(str(v) for v in target))
    write_parquet("ctc.parquet", {"utterance": [f"utt{i:02d}" for i in range(n)], "y_pred": pa.array(frames), "y_true": targets})


def segmentation() -> None:
    """Three 8x8 images: true foreground masks and predicted probabilities, one row per pixel."""
    rows = {"image_id": [], "pixel": [], "y_true": [], "y_pred": []}
    for image in range(3):
        yy, xx = np.mgrid[0:8, 0:8]
        cy, cx, r = rng.uniform(2.5, 5.5), rng.uniform(2.5, 5.5), rng.uniform(1.5, 3.0)
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r).astype(int)
        logit = np.where(mask == 1, 2.0, -2.0) + rng.normal(0, 1.2, mask.shape)
        prob = 1 / (1 + np.exp(-logit))
        rows["image_id"] += [f"img{image + 1}"] * 64
        rows["pixel"] += list(range(64))
        rows["y_true"] += list(mask.ravel())
        rows["y_pred"] += list(np.round(prob.ravel(), 4))
    write_csv("segmentation.csv", rows)


def gan() -> None:
    """One discriminator/critic evaluation batch: real images labelled 1, generated 0."""
    n = 128
    real = (np.arange(n) < n // 2).astype(int)
    critic = np.where(real == 1, rng.normal(1.1, 0.8, n), rng.normal(-0.7, 0.9, n))
    d_logit = np.where(real == 1, rng.normal(1.4, 1.0, n), rng.normal(-0.8, 1.0, n))
    write_csv(
        "gan.csv",
        {"y_true": real, "critic": rounded(critic), "d_prob": rounded(1 / (1 + np.exp(-d_logit)), 5), "d_logit": rounded(d_logit)},
    )


def features() -> None:
    """Perceptual features (two layers: 6 + 4 values) of generated vs target images."""
    n = 40
    target = rng.normal(0, 1, (n, 10))
    generated = target + rng.normal(0, 0.3, (n, 10))
    columns = {"image_id": np.arange(1, n + 1)}
    columns.update({f"target_{i}": rounded(target[:, i]) for i in range(10)})
    columns.update({f"gen_{i}": rounded(generated[:, i]) for i in range(10)})
    write_csv("features.csv", columns)


if __name__ == "__main__":
    regression()
    binary()
    multiclass()
    embeddings()
    ctc()
    segmentation()
    gan()
    features()
