"""``losscli compare`` as model selection uses it: names, values and ranks of
several models checked against numpy / scikit-learn on the same data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
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


def test_a_logits_model_beside_probabilities_is_told_that_from_logits_is_for_every_model(cli, tmp_path: Path) -> None:
    # The same classifier written twice: as probabilities and as logits. The
    # hint "pass --from-logits" alone, followed, ran the sigmoid over the
    # probabilities as well and ranked the logits copy best against itself.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=30)
    prob = np.clip(np.where(y == 1, 0.8, 0.2) + rng.normal(scale=0.1, size=30), 0.01, 0.99)
    probs = write_csv(tmp_path / "probs.csv", {"y_true": y, "y_pred": prob})
    logits = write_csv(tmp_path / "logits.csv", {"y_true": y, "y_pred": np.log(prob / (1 - prob))})
    result = cli("compare", str(probs), str(logits), "--loss", "bce")
    assert result.exit_code == 2
    assert "--from-logits reads every model's predictions as logits" in result.stderr
    assert "turn this model's logits into probabilities first" in result.stderr
    # One model alone: the hint as compute gives it.
    alone = cli("compare", str(logits), "--loss", "bce")
    assert alone.exit_code == 2
    assert "pass --from-logits if these are logits" in alone.stderr
    assert "every model" not in alone.stderr


def test_a_group_written_as_text_in_one_model_and_a_number_in_another_is_one_row(cli, tmp_path: Path) -> None:
    # pandas writes a fold column of integers to CSV as numbers, and one of
    # text to JSON Lines as strings: the matrix had two rows "0", one per
    # model, and marked each model best in a group nobody else was in.
    rng = np.random.default_rng(6)
    y = rng.normal(size=24)
    fold = np.arange(24) % 3
    good = y + rng.normal(scale=0.2, size=24)
    poor = y + rng.normal(scale=0.9, size=24)
    a = write_csv(tmp_path / "a.csv", {"y_true": y, "y_pred": good, "fold": fold})
    b = tmp_path / "b.jsonl"
    pd.DataFrame({"y_true": y, "y_pred": poor, "fold": fold.astype(str)}).to_json(b, orient="records", lines=True, double_precision=15)
    result = cli("compare", str(a), str(b), "--loss", "mse", "--by", "fold", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    grouped = [r for r in doc["results"] if r["group"]]
    assert len(grouped) == 6  # 3 folds x 2 models
    for r in grouped:
        k = int(r["group"]["fold"])
        pred = good if r["model"] == "a" else poor
        # Expected value: scikit-learn's mean_squared_error on the fold's rows.
        assert np.isclose(r["value"], mean_squared_error(y[fold == k], pred[fold == k]), rtol=1e-12)
        # Expected ranks, by hand: both models are in every fold, so its ranks are 1 and 2.
        ranks = {x["model"]: x["rank"] for x in grouped if int(x["group"]["fold"]) == k}
        assert sorted(ranks.values()) == [1, 2]
    md = cli("compare", str(a), str(b), "--loss", "mse", "--by", "fold", "--format", "markdown")
    rows = [line for line in md.stdout.splitlines() if line.startswith("| `mse`")]
    assert [line.split("|")[2].strip() for line in rows] == ["(all)", "0", "1", "2"]
