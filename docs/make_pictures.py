"""Regenerate the pictures in docs/ from sample_data/ (needs `pip install 'losscli[plot]'`).

    python docs/make_pictures.py

Every picture is drawn by the functions behind `losscli plot` (losscli.plots)
from the registered loss kernels, so the README cannot drift from the code.
"""

from __future__ import annotations

import csv
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLES = os.path.join(ROOT, "sample_data")
sys.path.insert(0, ROOT)

import losscli  # noqa: E402
from losscli import plots  # noqa: E402

REGRESSION_LOSSES = ("mse", "mae", "huber", "log_cosh")


def read_csv(name: str) -> dict[str, list[str]]:
    with open(os.path.join(SAMPLES, name), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {column: [row[column] for row in rows] for column in rows[0]}


def numbers(column: list[str]) -> np.ndarray:
    return np.asarray(column, dtype=np.float64)


def regression_curves() -> object:
    """The characteristics table at a glance: growth in the tails, kinks in the gradient."""
    return plots.curves(
        REGRESSION_LOSSES,
        gradient=True,
        title="Regression losses: mse grows fastest with the residual; mae's gradient jumps at 0",
    )


def focal_curves() -> object:
    """Focal loss down-weights easy examples (p near 1) more as gamma grows; alpha=-1 keeps the shapes comparable."""
    specs = ["bce"] + [f"focal:gamma={gamma},alpha=-1" for gamma in (0.5, 1, 2, 5)]
    return plots.curves(specs, title="bce and focal loss: larger gamma, less loss on easy examples")


def margin_curves() -> object:
    """Hinge vs squared hinge vs logistic (bce on logits) against the margin y*s."""
    return plots.curves(
        ["hinge", "squared_hinge", "bce:from_logits=true"],
        x_range=(-2.0, 3.0),
        gradient=True,
        title="Margin losses: hinge has a kink at 1, squared hinge and logistic are smooth",
    )


def per_row_distribution() -> object:
    """How a handful of rows of sample_data/regression.csv drive its mse."""
    data = read_csv("regression.csv")
    losses = losscli.per_sample("mse", numbers(data["y_true"]), numbers(data["y_pred"]))
    return plots.distribution(losses, loss="mse", keys={"id": data["id"], "region": data["region"]})


def model_comparison() -> object:
    """Two prediction files for the same targets, against the first as the baseline."""
    models = {"regression": read_csv("regression.csv"), "regression_b": read_csv("regression_b.csv")}
    rows = []
    for loss in REGRESSION_LOSSES:
        values = {
            name: losscli.compute(loss, numbers(data["y_true"]), numbers(data["y_pred"]))
            for name, data in models.items()
        }
        rows.extend((loss, name, value, values["regression"]) for name, value in values.items())
    return plots.comparison(rows, baseline_label="regression (baseline)")


PICTURES = {
    "regression_curves.png": regression_curves,
    "focal_curves.png": focal_curves,
    "margin_curves.png": margin_curves,
    "per_row_distribution.png": per_row_distribution,
    "model_comparison.png": model_comparison,
}


def main() -> None:
    for name, make in PICTURES.items():
        path = os.path.join(HERE, name)
        plots.save(make(), path)
        print(f"wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
