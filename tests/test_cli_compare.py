"""``losscli compare``: the loss x model matrix, ranks, --task, baselines and CI gates.

Expected values come from numpy / scikit-learn on the same data, or from
``losscli compute`` on the same files (the command compare must agree with).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from conftest import FifoReader, assert_usage_error, write_csv

REPO = Path(__file__).resolve().parents[1]


def huber(y_true: np.ndarray, y_pred: np.ndarray, delta: float = 1.0) -> float:
    """PyTorch HuberLoss(delta), written out: 0.5 r^2 inside delta, delta (|r| - delta/2) outside."""
    r = np.abs(y_pred - y_true)
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


@pytest.fixture
def two_models(tmp_path: Path) -> dict:
    """Model a is close but has two outliers; model b is noisier everywhere."""
    rng = np.random.default_rng(11)
    y_true = rng.uniform(0.5, 4.0, size=60)
    pred_a = y_true + rng.normal(scale=0.1, size=60)
    pred_a[[5, 40]] += 8.0  # outliers: MSE punishes them, MAE and Huber far less
    pred_b = y_true + rng.normal(scale=0.6, size=60)
    region = np.where(np.arange(60) % 2 == 0, "north", "south")
    a = write_csv(tmp_path / "model_a.csv", {"y_true": y_true, "y_pred": pred_a, "region": region})
    b = write_csv(tmp_path / "model_b.csv", {"y_true": y_true, "y_pred": pred_b, "region": region})
    return {"a": a, "b": b, "y_true": y_true, "pred_a": pred_a, "pred_b": pred_b, "region": region, "dir": tmp_path}


def run_json(cli, *args) -> dict:
    result = cli("compare", *args, "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def values_by(document: dict) -> dict:
    return {(r["loss"], r["model"], json.dumps(r["group"])): r for r in document["results"]}


# --------------------------------------------------------------------------- one pass, same values


def test_two_models_read_each_file_once_and_match_compute(cli, two_models, monkeypatch) -> None:
    from losscli.io import readers

    calls: list[str] = []
    original = readers.CsvSource.batches

    def counting(self, *args, **kwargs):
        calls.append(self.path)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(readers.CsvSource, "batches", counting)
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae", "--loss", "huber")
    # One read of each model's file for all three losses.
    assert sorted(calls) == sorted([str(two_models["a"]), str(two_models["b"])])

    calls.clear()
    for name, path in (("model_a", two_models["a"]), ("model_b", two_models["b"])):
        computed = json.loads(cli("compute", path, "--loss", "mse", "--loss", "mae", "--loss", "huber", "--format", "json").stdout)
        for item in computed["results"]:
            ours = values_by(doc)[(item["loss"], name, "null")]
            assert ours["value"] == item["value"]  # the same code path: equal, not just close
            assert ours["n"] == item["n"] == 60
            assert ours["params"] == item["params"]


def test_values_match_scikit_learn(cli, two_models) -> None:
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae", "--loss", "huber")
    got = values_by(doc)
    y = two_models["y_true"]
    for model, pred in (("model_a", two_models["pred_a"]), ("model_b", two_models["pred_b"])):
        assert got[("mse", model, "null")]["value"] == pytest.approx(mean_squared_error(y, pred), rel=1e-12)  # scikit-learn
        assert got[("mae", model, "null")]["value"] == pytest.approx(mean_absolute_error(y, pred), rel=1e-12)  # scikit-learn
        assert got[("huber", model, "null")]["value"] == pytest.approx(huber(y, pred), rel=1e-12)  # PyTorch HuberLoss formula


def test_parquet_models_are_read_once_too(cli, two_models, monkeypatch) -> None:
    from losscli.io import readers

    paths = []
    for key in ("a", "b"):
        table = pa.table({"y_true": two_models["y_true"], "y_pred": two_models[f"pred_{key}"]})
        path = two_models["dir"] / f"model_{key}.parquet"
        pq.write_table(table, path)
        paths.append(path)
    calls: list[str] = []
    original = readers.ParquetSource.batches

    def counting(self, *args, **kwargs):
        calls.append(self.path)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(readers.ParquetSource, "batches", counting)
    doc = run_json(cli, *paths, "--task", "regression")
    assert sorted(calls) == sorted(str(p) for p in paths)
    assert doc["inputs"]["predictions"] == [str(p) for p in paths]
    assert values_by(doc)[("mse", "model_a", "null")]["value"] == pytest.approx(mean_squared_error(two_models["y_true"], two_models["pred_a"]), rel=1e-12)


def test_separate_labels_file_is_read_once_per_model(cli, tmp_path, monkeypatch) -> None:
    from losscli.io import readers

    labels = write_csv(tmp_path / "labels.csv", {"y_true": [1.0, 2.0, 3.0]})
    a = write_csv(tmp_path / "a.csv", {"y_pred": [1.0, 2.0, 4.0]})
    b = write_csv(tmp_path / "b.csv", {"y_pred": [1.5, 2.0, 3.0]})
    calls: list[str] = []
    original = readers.CsvSource.batches
    monkeypatch.setattr(readers.CsvSource, "batches", lambda self, *a, **k: calls.append(self.path) or original(self, *a, **k))
    doc = run_json(cli, a, b, "--labels", labels, "--loss", "mse")
    assert calls.count(str(a)) == 1 and calls.count(str(b)) == 1 and calls.count(str(labels)) == 2
    got = values_by(doc)
    assert got[("mse", "a", "null")]["value"] == pytest.approx(1.0 / 3.0)  # hand-worked: (0 + 0 + 1) / 3
    assert got[("mse", "b", "null")]["value"] == pytest.approx(0.25 / 3.0)  # hand-worked: (0.25 + 0 + 0) / 3
    assert doc["inputs"]["labels"] == str(labels)


# --------------------------------------------------------------------------- ranks and JSON schema


def test_json_schema_ranks_and_best(cli, two_models) -> None:
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae")
    assert doc["schema"] == 1 and doc["tool"]["name"] == "losscli"
    assert doc["inputs"] == {"predictions": [str(two_models["a"]), str(two_models["b"])], "labels": None, "rows": 60}
    assert [m["name"] for m in doc["models"]] == ["model_a", "model_b"]
    assert doc["skipped"] == []
    for item in doc["results"]:
        assert set(item) >= {"loss", "params", "value", "n", "reduction", "model", "group", "rank", "best"}
        assert isinstance(item["rank"], int) and isinstance(item["best"], bool)
    got = values_by(doc)
    y = two_models["y_true"]
    mse_a, mse_b = mean_squared_error(y, two_models["pred_a"]), mean_squared_error(y, two_models["pred_b"])
    mae_a, mae_b = mean_absolute_error(y, two_models["pred_a"]), mean_absolute_error(y, two_models["pred_b"])
    # The outliers make a worse on MSE but better on MAE (checked on the data, not assumed).
    assert mse_a > mse_b and mae_a < mae_b
    assert (got[("mse", "model_a", "null")]["rank"], got[("mse", "model_b", "null")]["rank"]) == (2, 1)
    assert (got[("mae", "model_a", "null")]["best"], got[("mae", "model_b", "null")]["best"]) == (True, False)
    summary = {s["model"]: s for s in doc["summary"]}
    assert summary["model_a"]["mean_rank"] == summary["model_b"]["mean_rank"] == 1.5
    assert summary["model_a"]["best"] and summary["model_b"]["best"]
    characteristics = {item["loss"]: item["characteristics"] for item in doc["losses"]}
    assert characteristics["mse"]["robust_to_outliers"] is False and characteristics["mae"]["robust_to_outliers"] is True


def test_ties_share_rank_one(cli, two_models, tmp_path) -> None:
    copy = tmp_path / "copy" / "model_a.csv"
    copy.parent.mkdir()
    copy.write_bytes(two_models["a"].read_bytes())
    doc = run_json(cli, two_models["a"], copy, two_models["b"], "--loss", "mae")
    ranks = {r["model"]: (r["rank"], r["best"]) for r in doc["results"]}
    # Same stem twice: the names take their folder. The identical files tie for first; b is third.
    assert ranks == {str(two_models["dir"].name) + "/model_a": (1, True), "copy/model_a": (1, True), "model_b": (3, False)}


def test_groups_get_their_own_ranks(cli, two_models) -> None:
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mae", "--by", "region")
    y, region = two_models["y_true"], two_models["region"]
    got = values_by(doc)
    for group in ("north", "south"):
        rows = region == group
        expected = {m: mean_absolute_error(y[rows], two_models[f"pred_{m[-1]}"][rows]) for m in ("model_a", "model_b")}
        best = min(expected, key=expected.get)
        for model, value in expected.items():
            item = got[("mae", model, json.dumps({"region": group}))]
            assert item["value"] == pytest.approx(value, rel=1e-12)  # scikit-learn on the group's rows
            assert item["best"] == (model == best) and item["rank"] == (1 if model == best else 2)


def test_the_same_absolute_path_twice_names_two_models_alike(cli, tmp_path) -> None:
    (tmp_path / "x").mkdir()
    path = write_csv(tmp_path / "x" / "a.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0]})
    assert path.is_absolute()
    result = cli("compare", path, path, "--loss", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [m["name"] for m in document["models"]] == ["a", "a#2"]
    # mse = (0.25 + 1) / 2 = 0.625 (by hand) for both.
    assert [(r["model"], r["value"]) for r in document["results"]] == [("a", 0.625), ("a#2", 0.625)]


def test_model_names_option(cli, two_models) -> None:
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mse", "--model-name", "main", "--model-name", "candidate")
    assert {r["model"] for r in doc["results"]} == {"main", "candidate"}
    assert doc["models"][0] == {"name": "main", "predictions": str(two_models["a"]), "rows": 60}
    assert_usage_error(cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--model-name", "x"), "--model-name")


# --------------------------------------------------------------------------- models as columns of one file


@pytest.fixture
def columns_file(two_models) -> Path:
    """Labels and both models' predictions in one file, as pandas writes a DataFrame."""
    columns = {"y_true": two_models["y_true"], "model_a": two_models["pred_a"], "model_b": two_models["pred_b"], "region": two_models["region"]}
    return write_csv(two_models["dir"] / "preds.csv", columns)


def test_each_pred_col_is_a_model_matching_compute_on_that_column(cli, two_models, columns_file) -> None:
    doc = run_json(cli, columns_file, "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mse", "--loss", "mae")
    assert [(m["name"], m["predictions"], m["pred_col"]) for m in doc["models"]] == [
        ("model_a", str(columns_file), "model_a"),
        ("model_b", str(columns_file), "model_b"),
    ]
    got = values_by(doc)
    y = two_models["y_true"]
    for column in ("model_a", "model_b"):
        computed = json.loads(cli("compute", columns_file, "--pred-col", column, "--loss", "mse", "--loss", "mae", "--format", "json").stdout)
        for item in computed["results"]:
            assert got[(item["loss"], column, "null")]["value"] == item["value"]  # the same code path: equal
        pred = two_models["pred_" + column[-1]]
        assert got[("mse", column, "null")]["value"] == pytest.approx(mean_squared_error(y, pred), rel=1e-12)  # scikit-learn
        assert got[("mae", column, "null")]["value"] == pytest.approx(mean_absolute_error(y, pred), rel=1e-12)  # scikit-learn
    # The outliers make a worse on MSE, better on MAE: ranks and best per loss, as with two files.
    assert (got[("mse", "model_a", "null")]["rank"], got[("mse", "model_b", "null")]["rank"]) == (2, 1)
    assert (got[("mae", "model_a", "null")]["best"], got[("mae", "model_b", "null")]["best"]) == (True, False)
    assert {s["model"]: s["mean_rank"] for s in doc["summary"]} == {"model_a": 1.5, "model_b": 1.5}


def test_column_models_take_model_names_in_order(cli, columns_file) -> None:
    args = (columns_file, "--pred-col", "model_b", "--pred-col", "model_a", "--loss", "mse")
    doc = run_json(cli, *args, "--model-name", "candidate", "--model-name", "main")
    assert [(m["name"], m["pred_col"]) for m in doc["models"]] == [("candidate", "model_b"), ("main", "model_a")]
    assert_usage_error(cli("compare", *args, "--model-name", "x"), "1 --model-name value for 2 models")


def test_column_models_with_a_separate_labels_file(cli, two_models, tmp_path) -> None:
    y = two_models["y_true"]
    ids = np.arange(60)
    preds = write_csv(tmp_path / "scores.csv", {"id": ids, "model_a": two_models["pred_a"], "model_b": two_models["pred_b"]})
    # The labels in another order: --key pairs them by id.
    order = ids[::-1]
    labels = write_csv(tmp_path / "truth.csv", {"id": order, "y_true": y[order]})
    for extra in ([], ["--key", "id"]):
        label_file = write_csv(tmp_path / "aligned.csv", {"y_true": y}) if not extra else labels
        doc = run_json(cli, preds, "--labels", label_file, *extra, "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mae")
        got = values_by(doc)
        assert doc["inputs"]["labels"] == str(label_file) and doc["inputs"]["rows"] == 60
        for model in ("model_a", "model_b"):
            # scikit-learn on the columns as written
            assert got[("mae", model, "null")]["value"] == pytest.approx(mean_absolute_error(y, two_models["pred_" + model[-1]]), rel=1e-12)


def test_column_models_by_group(cli, two_models, columns_file) -> None:
    doc = run_json(cli, columns_file, "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mae", "--by", "region")
    y, region = two_models["y_true"], two_models["region"]
    got = values_by(doc)
    for group in ("north", "south"):
        rows = region == group
        expected = {m: mean_absolute_error(y[rows], two_models["pred_" + m[-1]][rows]) for m in ("model_a", "model_b")}
        best = min(expected, key=expected.get)
        for model, value in expected.items():
            item = got[("mae", model, json.dumps({"region": group}))]
            assert item["value"] == pytest.approx(value, rel=1e-12)  # scikit-learn on the group's rows
            assert item["best"] == (model == best) and item["rank"] == (1 if model == best else 2)


def test_class_probability_models_in_columns(cli, tmp_path) -> None:
    labels = np.array([0, 1, 2, 2, 1, 0])
    a = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1], [0.6, 0.1, 0.3]])
    b = np.full((6, 3), 1 / 3)
    path = write_csv(tmp_path / "classes.csv", {"y_true": labels, **{f"a_{c}": a[:, c] for c in range(3)}, **{f"b_{c}": b[:, c] for c in range(3)}})
    doc = run_json(cli, path, "--pred-col", "a_*", "--pred-col", "b_*", "--loss", "cce", "--model-name", "a", "--model-name", "b")
    got = values_by(doc)
    rows = np.arange(6)
    assert got[("cce", "a", "null")]["value"] == pytest.approx(np.mean(-np.log(a[rows, labels])), rel=1e-12)  # numpy
    assert got[("cce", "b", "null")]["value"] == pytest.approx(np.log(3), rel=1e-12)  # uniform guess: ln C
    assert got[("cce", "a", "null")]["best"]
    # One glob is still one model's class columns, as before.
    single = run_json(cli, path, "--pred-col", "a_*", "--loss", "cce")
    assert [m["name"] for m in single["models"]] == ["classes"] and single["results"][0]["value"] == got[("cce", "a", "null")]["value"]


def test_column_models_with_a_task_a_baseline_and_a_gate(cli, two_models, columns_file, tmp_path) -> None:
    args = (columns_file, "--pred-col", "model_a", "--pred-col", "model_b")
    doc = run_json(cli, *args, "--task", "regression")
    got = values_by(doc)
    assert got[("mse", "model_b", "null")]["value"] == pytest.approx(mean_squared_error(two_models["y_true"], two_models["pred_b"]), rel=1e-12)
    assert "gaussian_nll" in {s["loss"] for s in doc["skipped"]}  # no variance column
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(doc))
    again = run_json(cli, *args, "--task", "regression", "--baseline", baseline, "--max-increase", "0")
    assert all(r["baseline"]["delta"] == 0 for r in again["results"])  # each model matched by its name
    result = cli("compare", *args, "--loss", "mse", "--fail-above", f"mse={mean_squared_error(two_models['y_true'], two_models['pred_b']) * 1.01}")
    assert result.exit_code == 1 and result.stderr.startswith("error: mse (model_a)")


def test_n_files_pair_with_n_pred_cols_in_order(cli, two_models, tmp_path) -> None:
    a = write_csv(tmp_path / "first.csv", {"y_true": two_models["y_true"], "score": two_models["pred_a"], "y_pred": two_models["pred_b"]})
    b = write_csv(tmp_path / "second.csv", {"y_true": two_models["y_true"], "out": two_models["pred_b"], "y_pred": two_models["pred_a"]})
    doc = run_json(cli, a, b, "--pred-col", "score", "--pred-col", "out", "--loss", "mse")
    got = values_by(doc)
    y = two_models["y_true"]
    assert [(m["name"], m["pred_col"]) for m in doc["models"]] == [("first", "score"), ("second", "out")]
    assert got[("mse", "first", "null")]["value"] == pytest.approx(mean_squared_error(y, two_models["pred_a"]), rel=1e-12)  # scikit-learn
    assert got[("mse", "second", "null")]["value"] == pytest.approx(mean_squared_error(y, two_models["pred_b"]), rel=1e-12)  # scikit-learn


def test_column_model_errors(cli, two_models, columns_file) -> None:
    line = assert_usage_error(
        cli("compare", columns_file, "--pred-col", "model_a", "--pred-col", "model_c", "--loss", "mse"), "'model_c'", str(columns_file)
    )
    assert "columns: y_true, model_a, model_b, region" in line
    assert_usage_error(
        cli("compare", two_models["a"], two_models["b"], columns_file, "--pred-col", "y_pred", "--pred-col", "model_b", "--loss", "mse"),
        "2 --pred-col values for 3 prediction files",
        "one per file (paired in order)",
    )
    # Each model is a pass over the file: stdin cannot give it twice.
    text = columns_file.read_text(encoding="utf-8")
    assert_usage_error(cli("compare", "-", "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mse", input=text), "stdin", "save it to a file")
    assert_usage_error(
        cli("compare", columns_file, "--labels", "-", "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mse", input=text), "one model only"
    )
    # One model from stdin is fine.
    doc = json.loads(cli("compare", "-", "--pred-col", "model_b", "--loss", "mse", "--format", "json", input=text).stdout)
    assert doc["results"][0]["value"] == pytest.approx(mean_squared_error(two_models["y_true"], two_models["pred_b"]), rel=1e-12)


# --------------------------------------------------------------------------- the same rows for every model


@pytest.fixture
def one_missing(tmp_path: Path) -> dict:
    """Model ma has no prediction for row 2; mb has one for every row."""
    ma = tmp_path / "ma.csv"
    ma.write_text("y_true,y_pred\n1,1\n2,\n3,3\n", encoding="utf-8")
    mb = write_csv(tmp_path / "mb.csv", {"y_true": [1.0, 2.0, 3.0], "y_pred": [2.0, 2.0, 3.0]})
    return {"ma": ma, "mb": mb}


def test_omitted_rows_are_left_out_of_every_model(cli, one_missing, monkeypatch) -> None:
    from losscli.io import readers

    calls: list[str] = []
    original = readers.CsvSource.batches
    monkeypatch.setattr(readers.CsvSource, "batches", lambda self, *a, **k: calls.append(self.path) or original(self, *a, **k))
    result = cli("compare", one_missing["ma"], one_missing["mb"], "--loss", "mse", "--nan-policy", "omit", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    got = values_by(doc)
    assert (got[("mse", "ma", "null")]["value"], got[("mse", "ma", "null")]["n"]) == (0.0, 2)
    # mb on rows 1 and 3 only, hand-worked: ((2 - 1)^2 + 0) / 2; on all three rows it would be 1/3.
    assert (got[("mse", "mb", "null")]["value"], got[("mse", "mb", "null")]["n"]) == (0.5, 2)
    assert (got[("mse", "ma", "null")]["rank"], got[("mse", "mb", "null")]["rank"]) == (1, 2)
    assert doc["inputs"]["rows"] == 2
    assert doc["models"][1] == {"name": "mb", "predictions": str(one_missing["mb"]), "rows": 2, "left_out": {"ma": 1}}
    assert doc["notes"] == [
        "ma: 1 row with missing, NaN or infinite values was omitted (--nan-policy omit)",
        "mb: 1 row left out because ma has no value for it (row 2), so every model is evaluated on the same 2 rows",
    ]
    # Only the model that has to leave a row out is read a second time.
    assert sorted(calls) == sorted([str(one_missing["ma"]), str(one_missing["mb"]), str(one_missing["mb"])])


def test_rows_left_out_by_different_models_are_left_out_of_all(cli, tmp_path) -> None:
    labels = write_csv(tmp_path / "labels.csv", {"y_true": [1.0, 2.0, 3.0, 4.0], "g": ["x", "x", "y", "y"]})
    a = tmp_path / "a.csv"
    a.write_text("y_pred\n1.5\nNaN\n3\n4\n", encoding="utf-8")  # row 2 missing
    b = tmp_path / "b.csv"
    b.write_text("y_pred\n1\n2\n3\nnan\n", encoding="utf-8")  # row 4 missing
    c = write_csv(tmp_path / "c.csv", {"y_pred": [2.0, 2.0, 5.0, 4.0]})
    result = cli("compare", a, b, c, "--labels", labels, "--loss", "mae", "--by", "g", "--nan-policy", "omit", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    got = values_by(doc)
    # Rows 1 and 3 are common to all, hand-worked: a |0.5|,|0| -> 0.25; b 0,0 -> 0; c |1|,|2| -> 1.5.
    assert [got[("mae", m, "null")]["value"] for m in ("a", "b", "c")] == [0.25, 0.0, 1.5]
    assert {got[("mae", m, "null")]["n"] for m in ("a", "b", "c")} == {2}
    # Per group: x holds row 1 only, y row 3 only.
    assert [got[("mae", m, json.dumps({"g": "x"}))]["value"] for m in ("a", "b", "c")] == [0.5, 0.0, 1.0]
    assert [got[("mae", m, json.dumps({"g": "y"}))]["rank"] for m in ("a", "b", "c")] == [1, 1, 3]
    assert [m.get("left_out") for m in doc["models"]] == [{"b": 1}, {"a": 1}, {"a": 1, "b": 1}]
    assert "c: 2 rows left out because other models have no value for them (a: 1, b: 1; the first at row 2), so every model is evaluated on the same 2 rows" in doc["notes"]


def test_key_joins_leave_out_rows_another_model_lacks(cli, tmp_path) -> None:
    labels = write_csv(tmp_path / "labels.csv", {"id": [10, 11, 12, 13], "y_true": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 2.0, 1.0, 4.0]})
    # Each model in its own format and row order; b has no row for id 12, c none for id 13.
    a = tmp_path / "a.ndjson"
    a.write_text("".join(json.dumps({"id": i, "y_pred": p}) + "\n" for i, p in ((13, 5.0), (10, 1.0), (12, 3.0), (11, 4.0))), encoding="utf-8")
    b = tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": [11, 10, 13], "y_pred": [2.0, 2.0, 4.0]}), b)
    c = write_csv(tmp_path / "c.csv", {"id": [12, 11, 10], "y_pred": [3.0, 2.5, 1.0]})
    result = cli("compare", a, b, c, "--labels", labels, "--key", "id", "--allow-unmatched", "--loss", "mse", "--weight-col", "w", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    got = values_by(doc)
    # ids 10 and 11 (weights 1 and 2) are common to all, hand-worked sum(w e^2) / sum(w):
    # a (0 + 2*4) / 3; b (1*1 + 0) / 3; c (0 + 2*0.25) / 3.
    assert got[("mse", "a", "null")]["value"] == pytest.approx(8 / 3, rel=1e-15)
    assert got[("mse", "b", "null")]["value"] == pytest.approx(1 / 3, rel=1e-15)
    assert got[("mse", "c", "null")]["value"] == pytest.approx(0.5 / 3, rel=1e-15)
    assert [got[("mse", m, "null")]["rank"] for m in ("a", "b", "c")] == [3, 2, 1]
    assert f"a: 2 rows left out because other models have no value for them (b: 1, c: 1; the first at row 3 of {labels}), so every model is evaluated on the same 2 rows" in doc["notes"]


def test_models_whose_rows_cannot_be_matched_are_flagged_in_every_format(cli, one_missing, tmp_path) -> None:
    # Without --labels, files of different lengths hold different rows.
    longer = write_csv(tmp_path / "longer.csv", {"y_true": [1.0, 2.0, 3.0, 4.0], "y_pred": [2.0, 2.0, 3.0, 4.0]})
    args = ("compare", one_missing["ma"], longer, "--loss", "mse", "--nan-policy", "omit")
    warning = (
        "ranks compare different row sets (ma on 2 rows, longer on 4 rows): the files have different row counts, "
        "so their rows cannot be matched; give one --labels file to match them"
    )
    table = cli(*args)
    assert table.exit_code == 0, table.stderr
    assert [line.split() for line in table.stdout.splitlines() if line.startswith("rows")] == [["rows", "2", "4"]]
    assert f"note: {warning}" in table.stderr.splitlines()
    markdown = cli(*args, "--format", "markdown")
    assert "| Rows | 2 | 4 |" in markdown.stdout and f"> {warning}" in markdown.stdout
    lines = cli(*args, "--format", "csv").stdout.splitlines()
    assert lines[1:] == [f'mse,mse,ma,0.0,2,1,true,"{warning}"', f'mse,mse,longer,0.25,4,2,false,"{warning}"']  # 0.25: hand-worked (1 + 0 + 0 + 0) / 4
    doc = json.loads(cli(*args, "--format", "json").stdout)
    assert warning in doc["notes"] and doc["inputs"]["rows"] is None
    assert [(m["name"], m["rows"]) for m in doc["models"]] == [("ma", 2), ("longer", 4)]


def test_a_model_on_stdin_cannot_be_read_again_and_is_flagged(cli, one_missing) -> None:
    text = one_missing["mb"].read_text(encoding="utf-8")
    result = cli("compare", one_missing["ma"], "-", "--loss", "mse", "--nan-policy", "omit", "--format", "json", input=text)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert values_by(doc)[("mse", "stdin", "null")]["n"] == 3
    assert (
        "ranks compare different row sets (ma on 2 rows, stdin on 3 rows): stdin cannot be read a second time "
        "to leave out the rows other models have no value for"
    ) in doc["notes"]


def test_models_without_a_common_row_are_an_error(cli, one_missing, tmp_path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("y_true,y_pred\n1,\n2,2\n3,\n", encoding="utf-8")
    result = cli("compare", one_missing["ma"], other, "--loss", "mse", "--nan-policy", "omit")
    assert_usage_error(result, "no row has values in every model: together ma, other leave out all 3 rows")


# --------------------------------------------------------------------------- --task


def test_task_skips_losses_whose_inputs_are_missing(cli, two_models) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--task", "regression", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    skipped = {s["loss"]: s["reason"] for s in doc["skipped"]}
    # gaussian_nll needs a variance column: the reason names the input and the file.
    assert "gaussian_nll" in skipped and "no column for var" in skipped["gaussian_nll"]
    assert "skipped gaussian_nll" in result.stderr
    computed = {r["loss"] for r in doc["results"]}
    assert {"mse", "mae", "huber", "log_cosh", "rmse"} <= computed and "gaussian_nll" not in computed


def test_skipped_losses_and_notes_go_to_stderr_in_a_table_too(cli, two_models) -> None:
    # SPEC 5: diagnostics go to stderr, never stdout, whatever the format.
    result = cli("compare", two_models["a"], two_models["b"], "--task", "regression")
    assert result.exit_code == 0, result.stderr
    assert "skipped" not in result.stdout and "note:" not in result.stdout
    assert any(line.startswith("note: skipped gaussian_nll: ") for line in result.stderr.splitlines())
    quiet = cli("compare", two_models["a"], two_models["b"], "--task", "regression", "--quiet")
    assert quiet.stderr == "" and quiet.stdout == result.stdout


def test_a_skipped_loss_that_cannot_stream_has_no_memory_note(cli, tmp_path) -> None:
    # wasserstein_distance takes one column per side: ten feature columns make it skip.
    repo_features = REPO / "sample_data" / "features.csv"
    result = cli("compare", repo_features, "--pred-col", "gen_*", "--label-col", "target_*", "--task", "generative")
    assert result.exit_code == 0, result.stderr
    assert "skipped wasserstein_distance" in result.stderr and "cannot stream" not in result.stderr
    # Skipped because of one model's data, it is not computed for the other either.
    one = write_csv(tmp_path / "one.csv", {"gen_0": [0.1, 0.5, 0.9], "target_0": [0.2, 0.3, 1.0]})
    two = write_csv(tmp_path / "two.csv", {"gen_0": [0.1, 0.5, 0.9], "gen_1": [0.2, 0.4, 0.8], "target_0": [0.2, 0.3, 1.0], "target_1": [0.1, 0.3, 0.7]})
    result = cli("compare", one, two, "--pred-col", "gen_*", "--label-col", "target_*", "--task", "generative")
    assert result.exit_code == 0, result.stderr
    assert "skipped wasserstein_distance" in result.stderr and "cannot stream" not in result.stderr
    # Computed, it says what it kept.
    kept = cli("compare", one, "--pred-col", "gen_0", "--label-col", "target_0", "--loss", "wasserstein_distance")
    assert "note: wasserstein_distance cannot stream: it kept every value in memory" in kept.stderr and "note:" not in kept.stdout


def test_the_memory_note_of_one_row_says_row(cli, tmp_path) -> None:
    # Reported: "(1 rows: about 1 MB kept, ...)".
    one = write_csv(tmp_path / "one.csv", {"y_true": [1.0], "y_pred": [2.0]})
    result = cli("compute", one, "--loss", "wasserstein_distance")
    assert result.exit_code == 0, result.stderr
    assert "(1 row: about 1 MB kept, about 5 MB at the peak)" in result.stderr, result.stderr


def test_task_with_a_convention_skips_the_losses_the_library_lacks(cli, two_models) -> None:
    # Reported: --task regression --convention torch aborted on log_cosh, which PyTorch has no form of.
    result = cli("compare", two_models["a"], two_models["b"], "--task", "regression", "--convention", "torch", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    skipped = {s["loss"]: s["reason"] for s in doc["skipped"]}
    # conventions.py: PyTorch has no log_cosh, rmse, msle, mape or quantile loss
    for loss in ("log_cosh", "rmse", "msle", "mape", "quantile"):
        assert "PyTorch has no" in skipped[loss], skipped
    assert "skipped log_cosh: convention 'torch' is not available" in result.stderr
    mse = values_by(doc)[("mse", "model_a", "null")]
    assert mse["params"]["convention"] == "torch"
    assert mse["value"] == pytest.approx(float(np.mean((two_models["pred_a"] - two_models["y_true"]) ** 2)), rel=1e-12)  # numpy


def test_task_with_an_unknown_convention_is_still_an_error(cli, two_models) -> None:
    result = cli("compare", two_models["a"], "--task", "regression", "--convention", "tourch")
    assert_usage_error(result, "unknown convention 'tourch'", "did you mean 'torch'")


def test_task_whose_every_loss_lacks_the_convention_says_why(cli, tmp_path) -> None:
    a = write_csv(tmp_path / "a.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0]})
    result = cli("compare", a, "--task", "sequence", "--convention", "sklearn")
    assert_usage_error(result, "no loss of task 'sequence'", "scikit-learn has no ctc loss")


def test_task_with_data_a_loss_rejects_names_file_column_and_row(cli, tmp_path) -> None:
    a = write_csv(tmp_path / "a.csv", {"y_true": [0.5, 1.0, 2.0], "y_pred": [0.4, -2.0, 2.5]})
    doc = run_json(cli, a, "--task", "regression")
    skipped = {s["loss"]: s["reason"] for s in doc["skipped"]}
    # msle needs values above -1; row 2 holds -2.
    assert f"{a}, column 'y_pred', row 2" in skipped["msle"]
    # mse still computed: (0.01 + 9 + 0.25) / 3, hand-worked.
    assert values_by(doc)[("mse", "a", "null")]["value"] == pytest.approx(9.26 / 3)


def test_a_short_model_is_named_beside_the_shared_labels(cli, tmp_path) -> None:
    a = write_csv(tmp_path / "a.csv", {"y_pred": [1.0, 2.0, 3.0]})
    b = write_csv(tmp_path / "b.csv", {"y_pred": [1.0, 2.0]})
    labels = write_csv(tmp_path / "labels.csv", {"y_true": [1.0, 2.0, 3.0]})
    result = cli("compare", a, b, "--labels", labels, "--loss", "mse")
    assert_usage_error(result, f"{labels}: predictions ({b}) have 2 rows but labels have 3", "--key")


def test_a_null_value_note_names_its_model_and_group(cli, tmp_path) -> None:
    # 1e200 squared overflows to inf: mse of model 'big' in group a has no value.
    big = write_csv(tmp_path / "big.csv", {"y_true": [1.0, 2.0], "y_pred": [1e200, 2.0], "g": ["a", "b"]})
    fine = write_csv(tmp_path / "fine.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "g": ["a", "b"]})
    for fmt, prefix in (("table", "note: "), ("markdown", "> ")):
        result = cli("compare", big, fine, "--loss", "mse", "--by", "g", "-f", fmt)
        assert result.exit_code == 0, result.stderr
        assert f"{prefix}big, g=a: mse: the value is infinite" in result.stdout
        assert f"{prefix}big: mse: the value is infinite" in result.stdout  # all rows


def test_a_compare_table_lists_fifty_groups_of_each_loss(cli, tmp_path) -> None:
    groups = np.repeat(np.arange(55), 2)
    a = write_csv(tmp_path / "a.csv", {"y_true": np.zeros(110), "y_pred": np.ones(110), "g": groups})
    b = write_csv(tmp_path / "b.csv", {"y_true": np.zeros(110), "y_pred": np.full(110, 2.0), "g": groups})
    for models in ([a, b], [a]):
        result = cli("compare", *models, "--loss", "mse", "--by", "g", "-f", "table")
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert sum(line.split()[1:2] == ["54"] for line in lines) == 0  # group 54 left out
        assert any(line.split()[1:2] == ["49"] for line in lines)
        assert any("... 5 more groups" in line for line in lines)
        assert "note: the table lists the first 50 groups of each loss; --format csv, json or markdown lists every group" in lines


def test_task_with_nothing_applicable_is_an_error(cli, two_models) -> None:
    assert_usage_error(cli("compare", two_models["a"], "--task", "ranking"), "no loss of task 'ranking'", "anchor")


def test_unknown_task_suggests(cli, two_models) -> None:
    assert_usage_error(cli("compare", two_models["a"], "--task", "regresion"), "did you mean")


def test_task_aliases_resolve(cli, tmp_path) -> None:
    path = write_csv(tmp_path / "bin.csv", {"y_true": [0, 1, 1, 0], "y_pred": [0.2, 0.7, 0.9, 0.4]})
    doc = run_json(cli, path, "--task", "binary-classification")
    assert "bce" in {r["loss"] for r in doc["results"]}


def test_classification_task_on_class_probabilities_evaluates_balanced_weighted_ce(cli, tmp_path) -> None:
    """The task's losses may be tolerant of failures; balanced weighted_ce still
    needs every row's class counts first, and its result is the loss as selected."""
    labels = [0, 1, 2, 2, 1, 2]
    probabilities = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8]]
    columns = {"y_true": labels, **{f"p_{c}": [row[c] for row in probabilities] for c in range(3)}}
    path = write_csv(tmp_path / "classes.csv", columns)
    doc = run_json(cli, path, "--task", "classification", "--pred-col", "p_*")
    by_loss = {r["loss"]: r for r in doc["results"]}
    true_p = np.array([row[y] for row, y in zip(probabilities, labels)])
    # numpy, PyTorch's weighted mean with balanced weights n / (C n_c) = 6/3, 6/6, 6/9:
    weights = np.array([2.0, 1.0, 2 / 3])[labels]
    assert by_loss["weighted_ce"]["value"] == pytest.approx(np.sum(weights * -np.log(true_p)) / np.sum(weights), rel=1e-12)
    assert by_loss["cce"]["value"] == pytest.approx(np.mean(-np.log(true_p)), rel=1e-12)


# --------------------------------------------------------------------------- output formats


def test_markdown_bolds_the_best_value(cli, two_models) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| Loss | model_a | model_b |"
    assert lines[1] == "|---|---:|---:|"
    mse_row = next(line for line in lines if line.startswith("| `mse`"))
    mae_row = next(line for line in lines if line.startswith("| `mae`"))
    y = two_models["y_true"]
    mse_b = f"{mean_squared_error(y, two_models['pred_b']):.6g}"
    mae_a = f"{mean_absolute_error(y, two_models['pred_a']):.6g}"
    assert f"**{mse_b}**" in mse_row and mse_row.count("**") == 2
    assert f"**{mae_a}**" in mae_row and mae_row.count("**") == 2
    assert any(line.startswith("| **Mean rank** |") for line in lines)
    assert "Best overall: **model_a, model_b**" in result.stdout


def test_markdown_lists_skipped_losses(cli, two_models) -> None:
    result = cli("compare", two_models["a"], "--task", "regression", "--format", "markdown")
    assert "Skipped:" in result.stdout and "- `gaussian_nll`:" in result.stdout


# The guide's characteristics table (SPEC 1): robust to outliers, smooth gradient, use in
# classification, use in regression. MSE is dominated by outliers where MAE and Huber are not.
GUIDE = {"mse": ("no", "yes", "no", "yes"), "mae": ("yes", "no", "no", "yes"), "huber": ("yes", "yes", "no", "yes")}
TITLES = ("robust to outliers", "smooth gradient", "use in classification", "use in regression")
KEYS = ("robust_to_outliers", "smooth_gradient", "use_in_classification", "use_in_regression")


def test_single_model_table_shows_every_characteristic(cli, two_models) -> None:
    result = cli("compare", two_models["a"], "--loss", "mse", "--loss", "mae", "--loss", "huber", env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    header, *rows = [line for line in result.stdout.splitlines() if line.strip() and not set(line.strip()) <= {"─"}]
    assert all(title in header for title in TITLES)
    cells = {row.split()[0]: row.split() for row in rows}
    for loss, marks in GUIDE.items():
        assert tuple(cells[loss][-4:]) == marks, loss
    assert "\x1b[" not in result.stdout


def test_single_model_markdown_csv_and_json_show_every_characteristic(cli, two_models) -> None:
    args = ("compare", two_models["a"], "--loss", "mse", "--loss", "mae", "--loss", "huber", "--by", "region")
    lines = cli(*args, "--format", "markdown").stdout.splitlines()
    assert lines[0].endswith("| Robust to outliers | Smooth gradient | Use in classification | Use in regression |")
    for loss, marks in GUIDE.items():
        row = next(line for line in lines if line.startswith(f"| `{loss}` | (all) |"))
        assert row.endswith(" | ".join(marks) + " |")
    records = list(csv.DictReader(io.StringIO(cli(*args, "--format", "csv").stdout)))
    for record in records:  # every line, groups' too, says all of itself
        expected = {"yes": "true", "no": "false"}
        assert tuple(record[key] for key in KEYS) == tuple(expected[m] for m in GUIDE[record["loss"]]), record
    document = json.loads(cli(*args, "--format", "json").stdout)
    for result in document["results"]:
        ratings = result["characteristics"]
        assert tuple("yes" if ratings[key] else "no" for key in KEYS) == GUIDE[result["loss"]]
        assert {"rank", "best", "value", "group"} <= set(result)  # the keys that were there stay
    assert [item["loss"] for item in document["losses"]] == ["mse", "mae", "huber"]  # kept for earlier readers


def test_single_model_markdown_counts_the_rows_of_each_group_as_the_table_does(cli, two_models, tmp_path) -> None:
    # Reported: the Markdown of one model had no Rows column, while its table
    # and compute's Markdown have one: a group's value in a job summary came
    # without the number of rows behind it.
    args = ("compare", two_models["a"], "--loss", "mse", "--by", "region")
    lines = cli(*args, "--format", "markdown").stdout.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:4] == ["Loss", "region", "Value", "Rows"]
    rows = {line.split("|")[2].strip(): [c.strip() for c in line.strip("|").split("|")] for line in lines[2:] if line.startswith("| `mse`")}
    assert {group: cells[3] for group, cells in rows.items()} == {"(all)": "60", "north": "30", "south": "30"}
    baseline = tmp_path / "baseline.json"
    cli(*args, "--format", "json", "--output", baseline)
    header = cli(*args, "--baseline", baseline, "--format", "markdown").stdout.splitlines()[0]
    assert [cell.strip() for cell in header.strip("|").split("|")][:6] == ["Loss", "region", "Value", "Baseline", "Change", "Rows"]


def test_several_models_have_no_characteristic_columns(cli, two_models) -> None:
    args = ("compare", two_models["a"], two_models["b"], "--loss", "mse")
    assert "robust_to_outliers" not in cli(*args, "--format", "csv").stdout
    assert all("characteristics" not in r for r in json.loads(cli(*args, "--format", "json").stdout)["results"])


def test_single_model_characteristics_speak_of_the_guide(cli, tmp_path) -> None:
    path = write_csv(tmp_path / "binary.csv", {"y_true": np.array([0, 1, 1, 0]), "y_pred": np.array([0.2, 0.7, 0.9, 0.4])})
    for fmt in ("table", "json", "csv", "markdown"):
        result = cli("compare", path, "--task", "binary", "--format", fmt, env={"NO_COLOR": "1"})
        assert result.exit_code == 0, result.stderr
        assert "seed" not in result.stdout.lower(), fmt
    document = run_json(cli, path, "--loss", "focal")
    notes = document["losses"][0]["characteristics"]["notes"]
    assert notes["robust"].startswith("per the guide's table; it down-weights easy, well-classified rows")


def test_single_model_json_says_who_rated_each_characteristic_as_info_does(cli, two_models) -> None:
    # list and info say "rated_by" (the guide's row, or losscli); compare's JSON left it out,
    # so a reader of compare could not tell the guide's MSE rating from losscli's own log_cosh one.
    document = run_json(cli, two_models["a"], "--loss", "mse", "--loss", "log_cosh")
    for item in [*document["losses"], *document["results"]]:
        info = json.loads(cli("info", item["loss"], "--format", "json").stdout)["characteristics"]
        assert item["characteristics"] == info
    assert document["losses"][0]["characteristics"]["rated_by"] == "guide: MSE"
    assert document["losses"][1]["characteristics"]["rated_by"] == "losscli"


def test_matrix_table_marks_best(cli, two_models) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["loss", "model_a", "model_b"]
    mse_row = next(line for line in lines if line.startswith("mse"))
    assert mse_row.rstrip().endswith("*") and mse_row.count("*") == 1
    assert any(line.startswith("mean rank") for line in lines)
    assert "best overall: model_a, model_b" in result.stdout


def test_csv_is_long_format(cli, two_models) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0] == "loss,spec,model,value,n,rank,best,warning"
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[0], r[2]) for r in rows] == [("mse", "model_a"), ("mse", "model_b")]
    y = two_models["y_true"]
    assert float(rows[0][3]) == pytest.approx(mean_squared_error(y, two_models["pred_a"]), rel=1e-15)  # exact repr
    assert (rows[0][5], rows[0][6], rows[1][5], rows[1][6]) == ("2", "false", "1", "true")


def test_output_file_keeps_stdout_empty(cli, two_models) -> None:
    target = two_models["dir"] / "out.json"
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--format", "json", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["results"][0]["loss"] == "mse"
    assert_usage_error(cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--output", two_models["b"]), "input file")


def test_output_dash_is_stdout(cli, two_models, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--format", "csv", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "loss,spec,model,value,n,rank,best,warning"
    assert len(result.stdout.splitlines()) == 3
    assert not (tmp_path / "-").exists()


def test_output_into_a_fifo_and_through_a_symlink(cli, two_models, tmp_path) -> None:
    """A FIFO gets the report written into it; a symlink stays and its file is replaced."""
    models = (two_models["a"], two_models["b"])
    reader = FifoReader(tmp_path / "pipe")
    assert cli("compare", *models, "--loss", "mse", "--format", "json", "--output", tmp_path / "pipe").exit_code == 0
    assert json.loads(reader.text())["results"][0]["loss"] == "mse"
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
    real = tmp_path / "real.json"
    real.write_text("old\n")
    (tmp_path / "link.json").symlink_to(real)
    assert cli("compare", *models, "--loss", "mse", "--format", "json", "--output", tmp_path / "link.json").exit_code == 0
    assert os.readlink(tmp_path / "link.json") == str(real)
    assert json.loads(real.read_text())["results"][0]["loss"] == "mse"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".losscli-")]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, where no file can be created")
def test_an_output_that_cannot_be_created_is_an_error_naming_it(cli, two_models) -> None:
    line = assert_usage_error(cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--output", "/proc/losscli-test.json"))
    assert line == "error: /proc/losscli-test.json: cannot write the output: No such file or directory (check that the directory exists and is writable)"


# --------------------------------------------------------------------------- baseline and gates


@pytest.fixture
def baseline_file(cli, two_models) -> Path:
    path = two_models["dir"] / "baseline.json"
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae", "--format", "json", "--output", path)
    assert result.exit_code == 0, result.stderr
    return path


def test_baseline_deltas(cli, two_models, baseline_file) -> None:
    # Swap the models: a's new value is compared with a's old one, which is b's file now.
    doc = run_json(cli, two_models["b"], two_models["a"], "--model-name", "model_a", "--model-name", "model_b", "--loss", "mse", "--baseline", baseline_file)
    y = two_models["y_true"]
    old = mean_squared_error(y, two_models["pred_a"])
    new = mean_squared_error(y, two_models["pred_b"])
    item = values_by(doc)[("mse", "model_a", "null")]
    assert item["baseline"]["value"] == pytest.approx(old, rel=1e-12)
    assert item["baseline"]["delta"] == pytest.approx(new - old, rel=1e-9)
    assert item["baseline"]["delta_pct"] == pytest.approx(100 * (new - old) / old, rel=1e-9)
    assert doc["baseline"]["file"] == str(baseline_file)
    # mae was in the baseline but is not computed now: a note, not an error.
    assert any("mae" in note and "missing in this run" in note for note in doc["baseline"]["missing"])


def test_max_increase_passes_on_the_same_data(cli, two_models, baseline_file) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--loss", "mae", "--baseline", baseline_file, "--max-increase", "5%")
    assert result.exit_code == 0, result.stderr


def test_max_increase_fails_with_a_message_per_breach_and_still_writes(cli, two_models, baseline_file) -> None:
    target = two_models["dir"] / "report.md"
    result = cli(
        "compare", two_models["b"], two_models["a"], "--model-name", "model_a", "--model-name", "model_b",
        "--loss", "mse", "--loss", "mae", "--baseline", baseline_file, "--max-increase", "5", "--format", "markdown", "--output", target,
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    y = two_models["y_true"]
    mse = {m: mean_squared_error(y, two_models[f"pred_{m}"]) for m in "ab"}
    mae = {m: mean_absolute_error(y, two_models[f"pred_{m}"]) for m in "ab"}
    # Exactly the rises above 5%: each loss got worse for one of the two swapped models.
    expected = sum(1 for old, new in ((mse["a"], mse["b"]), (mse["b"], mse["a"]), (mae["a"], mae["b"]), (mae["b"], mae["a"])) if new > old * 1.05)
    assert len(errors) == expected == 2
    assert all("above the --max-increase limit of 5%" in line for line in errors)
    assert "(+" in target.read_text()  # the report was written despite the gate


def test_a_report_is_never_written_over_its_own_baseline(cli, two_models, baseline_file) -> None:
    # Reported: --baseline baseline.json --output baseline.json replaced the
    # baseline with the report of a run whose gate failed (the report is
    # written then too), so the next run compared with the regressed values
    # and passed.
    before = baseline_file.read_bytes()
    link = two_models["dir"] / "link.json"
    link.symlink_to(baseline_file)
    for target in (baseline_file, link, two_models["dir"] / "." / "baseline.json"):
        result = cli(
            "compare", two_models["b"], two_models["a"], "--model-name", "model_a", "--model-name", "model_b",
            "--loss", "mse", "--baseline", baseline_file, "--max-increase", "5", "--format", "json", "--output", target,
        )
        line = assert_usage_error(result, "is the --baseline file; refusing to overwrite it")
        assert line.startswith(f"error: --output: '{target}' is the --baseline file")
        assert baseline_file.read_bytes() == before
    # Refreshing the baseline is a run without --baseline.
    assert cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--format", "json", "--output", baseline_file).exit_code == 0


def test_an_empty_baseline_name_is_refused_not_read_as_no_baseline(cli, two_models) -> None:
    # --baseline "$BASELINE" with the variable unset compared with nothing, and passed.
    for gate in ([], ["--max-increase", "5"]):
        line = assert_usage_error(cli("compare", two_models["a"], "--loss", "mse", "--baseline", "", *gate))
        assert line == "error: --baseline was given an empty file name (give a path, or leave the option out)"


def test_max_increase_needs_a_baseline(cli, two_models) -> None:
    assert_usage_error(cli("compare", two_models["a"], "--loss", "mse", "--max-increase", "5"), "--baseline")


@pytest.mark.parametrize("limit", ["-5", "mse=-5%"])
def test_a_negative_max_increase_is_refused(cli, two_models, baseline_file, limit) -> None:
    # Below zero, an unchanged loss would breach it: a stray minus, not a gate.
    result = cli("compare", two_models["a"], "--loss", "mse", "--baseline", baseline_file, "--max-increase", limit)
    assert_usage_error(result, f"--max-increase {limit}: the percentage must be 0 or more")


def test_bad_baseline_is_a_usage_error_naming_the_file(cli, two_models) -> None:
    bad = two_models["dir"] / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    assert_usage_error(cli("compare", two_models["a"], "--loss", "mse", "--baseline", bad), str(bad), "not valid JSON")
    assert_usage_error(cli("compare", two_models["a"], "--loss", "mse", "--baseline", two_models["dir"] / "none.json"), "none.json", "not found")


def test_compute_output_is_a_baseline(cli, two_models) -> None:
    path = two_models["dir"] / "compute.json"
    cli("compute", two_models["a"], "--loss", "mse", "--format", "json", "--output", path)
    doc = run_json(cli, two_models["a"], two_models["b"], "--loss", "mse", "--baseline", path)
    got = values_by(doc)
    # A one-model baseline is compared against every model.
    assert got[("mse", "model_a", "null")]["baseline"]["delta"] == 0.0
    assert got[("mse", "model_b", "null")]["baseline"]["value"] == got[("mse", "model_a", "null")]["value"]


def test_max_increase_against_a_baseline_of_other_models_is_an_error_not_a_pass(cli, two_models, baseline_file) -> None:
    # The baseline compares model_a and model_b; renamed models match none of it, so
    # the gate compared nothing and passed (exit 0) whatever the values were.
    target = two_models["dir"] / "report.json"
    result = cli(
        "compare", two_models["a"], two_models["b"], "--model-name", "new_a", "--model-name", "new_b",
        "--loss", "mse", "--baseline", baseline_file, "--max-increase", "5", "--output", target,
    )
    assert_usage_error(result, str(baseline_file), "--max-increase 5% compares nothing", "it holds mse, mae for models model_a, model_b")
    assert not target.exists()


def test_a_baseline_of_sums_is_no_baseline_for_means(cli, two_models) -> None:
    # compute --reduction sum wrote the sum over every row; compare reports means, so a
    # model twice as bad read as a fall of about 99% against it, and the gate passed.
    baseline = two_models["dir"] / "sums.json"
    assert cli("compute", two_models["a"], "--loss", "mse", "--reduction", "sum", "--format", "json", "--output", baseline).exit_code == 0
    result = cli("compare", two_models["b"], "--loss", "mse", "--baseline", baseline, "--max-increase", "5")
    assert_usage_error(result, str(baseline), "--max-increase 5% compares nothing", "it holds mse (reduction sum)", "reduction")
    doc = run_json(cli, two_models["b"], "--loss", "mse", "--baseline", baseline)
    assert "baseline" not in doc["results"][0]
    assert doc["baseline"]["missing"] == ["baseline mse (reduction sum) is missing in this run"]
    # A baseline of means (compute's default) is still compared.
    means = two_models["dir"] / "means.json"
    assert cli("compute", two_models["a"], "--loss", "mse", "--format", "json", "--output", means).exit_code == 0
    doc = run_json(cli, two_models["a"], "--loss", "mse", "--baseline", means)
    assert doc["results"][0]["baseline"]["delta"] == 0.0


def test_a_change_too_large_for_a_float_is_null_and_the_report_valid_json(cli, two_models) -> None:
    # mse against a baseline of 1e-309: +6.5e310 % overflows to inf; mae against
    # -1.7e308 the difference itself does (mae 1e308). JSON cannot write inf (it crashed).
    baseline = two_models["dir"] / "tiny.json"
    baseline.write_text(json.dumps({"schema": 1, "results": [
        {"loss": "mse", "params": {}, "value": 1e-309, "model": "x", "group": None},
        {"loss": "mae", "params": {}, "value": -1.7e308, "model": "x", "group": None},
    ]}), encoding="utf-8")
    big = write_csv(two_models["dir"] / "big.csv", {"y_true": [0.0, 0.0], "y_pred": [1e308, 1e308]})
    for data in (two_models["a"], big):
        result = cli("compare", data, "--loss", "mse", "--loss", "mae", "--baseline", baseline, "--format", "json")
        assert result.exit_code == 0, result.stderr
        doc = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
        changes = {r["loss"]: r["baseline"] for r in doc["results"]}
        assert changes["mse"]["value"] == 1e-309 and changes["mse"]["delta_pct"] is None
    assert changes["mae"] == {"value": -1.7e308, "delta": None, "delta_pct": None}
    # The gate still sees the rise.
    result = cli("compare", two_models["a"], "--loss", "mse", "--baseline", baseline, "--max-increase", "5")
    assert result.exit_code == 1 and "above the --max-increase limit of 5%" in result.stderr


def test_fail_above_names_the_model(cli, two_models) -> None:
    y = two_models["y_true"]
    threshold = (mean_squared_error(y, two_models["pred_a"]) + mean_squared_error(y, two_models["pred_b"])) / 2
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--fail-above", f"mse={threshold}", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"]  # results still written
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: mse (model_a)") and "above the threshold" in line
    assert_usage_error(cli("compare", two_models["a"], "--loss", "mse", "--fail-below", "mae=1"), "not computed")


def test_a_second_gate_on_a_loss_gates_every_model(cli, two_models) -> None:
    y = two_models["y_true"]
    mse_a = mean_squared_error(y, two_models["pred_a"])  # scikit-learn
    mse_b = mean_squared_error(y, two_models["pred_b"])
    strict = min(mse_a, mse_b) / 2
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--fail-above", f"mse={strict!r}", "--fail-above", "mse=1e9")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: mse (model_a) = {mse_a:.6g} is above the threshold {strict:.6g}",
        f"error: mse (model_b) = {mse_b:.6g} is above the threshold {strict:.6g}",
    ]


@pytest.mark.parametrize(
    ("gate", "loss", "reason"),
    [
        # Skipped before reading: the files have no variance column.
        (["--fail-above", "gaussian_nll=1"], "gaussian_nll", "no column for var of loss 'gaussian_nll'"),
        # Skipped while reading: poisson rejects the negative target of row 2.
        (["--fail-below", "poisson=0"], "poisson", "column 'y_true', row 2: poisson needs non-negative counts"),
    ],
)
def test_a_gate_on_a_skipped_task_loss_is_a_usage_error_with_the_reason(cli, tmp_path, gate, loss, reason) -> None:
    # SPEC 6: a threshold on a loss that was not computed is a usage error (exit 2).
    a = write_csv(tmp_path / "a.csv", {"y_true": [0.5, -1.0, 2.0], "y_pred": [0.4, -0.5, 2.5]})
    result = cli("compare", a, "--task", "regression", "--format", "json", *gate)
    line = assert_usage_error(result, f"{gate[0]} names {loss}, which was skipped", reason, "remove the gate")
    assert str(a) in line


def test_a_gate_on_a_loss_not_computed_lists_only_the_computed_ones(cli, tmp_path) -> None:
    # msle and poisson are skipped for the data (row 2 holds -1), gaussian_nll for want of a variance column.
    a = write_csv(tmp_path / "a.csv", {"y_true": [0.5, -1.0, 2.0], "y_pred": [0.4, -0.5, 2.5]})
    line = assert_usage_error(cli("compare", a, "--task", "regression", "--fail-above", "bce=1"), "--fail-above names 'bce', which is not computed")
    computed = line.split("computed: ")[1].rstrip(")").split(", ")
    assert "mse" in computed and not {"msle", "poisson", "gaussian_nll"} & set(computed)


def test_a_gate_on_a_loss_skipped_before_reading_fails_before_reading(cli, tmp_path, monkeypatch) -> None:
    from losscli import compare as library

    def never(*args, **kwargs):
        raise AssertionError("the data was read")

    monkeypatch.setattr(library, "evaluate_models", never)
    a = write_csv(tmp_path / "a.csv", {"y_true": [0.5, 1.0, 2.0], "y_pred": [0.4, 0.5, 2.5]})
    assert_usage_error(cli("compare", a, "--task", "regression", "--fail-below", "gaussian_nll=1"), "which was skipped", "no column for var")
    assert_usage_error(cli("compare", a, "--loss", "mse", "--fail-below", "bce=1"), "'bce', which is not computed (computed: mse)")


# --------------------------------------------------------------------------- usage


def test_needs_loss_or_task(cli, two_models) -> None:
    assert_usage_error(cli("compare", two_models["a"]), "--loss or --task")


def test_stdin_is_read_once(cli, two_models) -> None:
    text = two_models["a"].read_text()
    doc = json.loads(cli("compare", "-", "--loss", "mae", "--format", "json", input=text).stdout)
    assert doc["results"][0]["model"] == "stdin"
    assert doc["results"][0]["value"] == pytest.approx(mean_absolute_error(two_models["y_true"], two_models["pred_a"]), rel=1e-12)
    assert_usage_error(cli("compare", two_models["a"], two_models["b"], "--labels", "-", "--loss", "mse", input=text), "stdin")


def test_a_task_on_stdin_gives_what_it_gives_on_the_file(cli, two_models, tmp_path) -> None:
    # Was refused: the header and a sample are read before the rows, and
    # stdin keeps what that needs (CSV's first bytes, a copy of a Parquet file).
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq.write_table(pacsv.read_csv(two_models["a"]), tmp_path / "a.parquet")
    for path in (two_models["a"], tmp_path / "a.parquet"):
        from_file = json.loads(cli("compare", path, "--task", "regression", "--format", "json").stdout)["results"]
        result = cli("compare", "-", "--task", "regression", "--format", "json", input=path.read_bytes())
        assert result.exit_code == 0, result.stderr
        from_stdin = json.loads(result.stdout)["results"]
        assert len(from_stdin) >= 8 and [r["loss"] for r in from_stdin] == [r["loss"] for r in from_file]
        assert [r["value"] for r in from_stdin] == pytest.approx([r["value"] for r in from_file], rel=1e-12)
        mae = next(r["value"] for r in from_stdin if r["loss"] == "mae")
        assert mae == pytest.approx(mean_absolute_error(two_models["y_true"], two_models["pred_a"]), rel=1e-12)


def test_module_entry_point_and_no_heavy_imports(two_models) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "losscli", "compare", str(two_models["a"]), str(two_models["b"]), "--loss", "mse", "--format", "csv"],
        capture_output=True, text=True, env=env, cwd=two_models["dir"], timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("loss,spec,model,value")
    probe = "import sys; from losscli.cli import app; print(sorted(m for m in ('numpy', 'pyarrow', 'pandas', 'rich') if m in sys.modules))"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert imported.stdout.strip() == "[]", imported.stdout + imported.stderr


# --------------------------------------------------------------------------- header names


@pytest.mark.parametrize("by", ["model", "value", "n", "loss", "rank", "warning"])
def test_a_group_column_named_like_a_report_column_gets_a_prefix(cli, tmp_path, by) -> None:
    path = write_csv(tmp_path / "bymodel.csv", {"y_true": [1.0, 2.0], "y_pred": [2.0, 2.0], by: ["a", "b"]})
    lines = cli("compare", path, path, "--model-name", "A", "--model-name", "B", "--loss", "mse", "--by", by, "--format", "csv").stdout.splitlines()
    header = lines[0].split(",")
    assert len(set(header)) == len(header) and f"by_{by}" in header
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    # Groups a (error 1) and b (error 0), hand-worked; every model has them.
    assert {(r["model"], r[f"by_{by}"], r["value"]) for r in rows if r[f"by_{by}"]} == {("A", "a", "1.0"), ("A", "b", "0.0"), ("B", "a", "1.0"), ("B", "b", "0.0")}
    for fmt in ("markdown", "table"):
        text = cli("compare", path, path, "--model-name", "A", "--model-name", "B", "--loss", "mse", "--by", by, "--format", fmt).stdout
        assert f"by_{by}" in text.splitlines()[0]


def test_a_group_column_not_named_like_a_report_column_keeps_its_name(cli, two_models) -> None:
    header = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", "--by", "region", "--format", "csv").stdout.splitlines()[0]
    assert header == "loss,spec,model,region,value,n,rank,best,warning"


@pytest.mark.parametrize(("option", "value"), [("--per-row", "rows.csv"), ("--reduction", "sum")])
def test_compute_only_options_say_where_they_belong(cli, two_models, option, value) -> None:
    result = cli("compare", two_models["a"], two_models["b"], "--loss", "mse", option, value)
    assert_usage_error(result, f"compare reports means; {option} belongs to compute", "losscli compute MODEL")
    assert not (two_models["dir"] / "rows.csv").exists()
