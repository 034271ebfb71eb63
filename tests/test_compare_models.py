"""``losscli compare`` as model selection uses it: names, values and ranks of
several models checked against numpy / scikit-learn on the same data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import mean_squared_error

from conftest import write_csv


def test_a_numbered_repeat_does_not_take_another_models_name(cli, tmp_path: Path) -> None:
    # a.csv twice beside a file called a#2.csv: the repeat was named a#2 too,
    # and the matrix (keyed by name) showed a#2.csv's value in its column.
    rng = np.random.default_rng(3)
    y = rng.normal(size=20)
    good = y + rng.normal(scale=0.1, size=20)
    poor = y + rng.normal(scale=1.0, size=20)
    a = write_csv(tmp_path / "a.csv", {"y_true": y, "y_pred": good})
    other = write_csv(tmp_path / "a#2.csv", {"y_true": y, "y_pred": poor})
    result = cli("compare", str(a), str(a), str(other), "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    names = [m["name"] for m in doc["models"]]
    assert len(set(names)) == 3
    assert names[2] == "a#2"  # the file's own stem
    value = {r["model"]: r["value"] for r in doc["results"]}
    # Expected values: scikit-learn's mean_squared_error on the arrays written to each file.
    assert value[names[0]] == value[names[1]] == mean_squared_error(y, good)
    assert value["a#2"] == mean_squared_error(y, poor)
    rank = {r["model"]: r["rank"] for r in doc["results"]}
    # By hand: the same file twice ties first, the noisier file is third.
    assert [rank[n] for n in names] == [1, 1, 3]
