"""Fields of struct columns (JSON objects, Parquet and Arrow structs) read as
columns named by their path: ``--pred-col out.p``, ``--pred-col 'scores.*'``."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss, mean_squared_error

from conftest import assert_usage_error
from losscli.io import readers
from losscli.io.readers import open_source

PAIR = pa.struct([("a", pa.float64()), ("b", pa.float64())])


def _value(result, index: int = 0) -> float:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["results"][index]["value"]


def test_json_lines_objects_give_their_fields_as_columns(cli, tmp_path):
    rows = [
        {"label": "dog", "scores": {"cat": 0.1, "dog": 0.9}, "meta": {"split": "a"}, "out": {"p": 1.5}},
        {"label": "cat", "scores": {"cat": 0.7, "dog": 0.3}, "meta": {"split": "b"}, "out": {"p": 2.5}},
        {"label": "dog", "scores": {"cat": 0.4, "dog": 0.6}, "meta": {"split": "a"}, "out": {"p": 2.0}},
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # Class probabilities nested in an object, text labels naming the fields.
    result = cli("compute", path, "--loss", "cce", "--pred-col", "scores.*", "--label-col", "label", "-f", "json")
    expected = log_loss([1, 0, 1], [[0.1, 0.9], [0.7, 0.3], [0.4, 0.6]])  # scikit-learn
    assert _value(result) == pytest.approx(expected, rel=1e-12)
    # A nested field as a --by group: split a holds rows 1 and 3.
    result = cli("compute", path, "--loss", "cce", "--pred-col", "scores.*", "--label-col", "label", "--by", "meta.split", "-f", "json")
    assert result.exit_code == 0, result.stderr
    groups = {r["group"]["meta.split"]: r["value"] for r in json.loads(result.stdout)["results"] if r["group"]}
    assert groups["a"] == pytest.approx(-(np.log(0.9) + np.log(0.6)) / 2, rel=1e-12)  # by hand
    assert groups["b"] == pytest.approx(-np.log(0.7), rel=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "arrow"])
def test_a_missing_struct_makes_its_fields_missing(cli, tmp_path, kind):
    table = pa.table({"y_true": [1.0, 2.0, 3.0, 4.0], "pred": pa.array([{"a": 1.5, "b": 0.1}, None, {"a": 2.0, "b": 0.3}, {"a": None, "b": 0.3}], PAIR)})
    path = tmp_path / f"p.{kind}"
    (pq.write_table if kind == "parquet" else feather.write_feather)(table, path)
    assert_usage_error(cli("compute", path, "--loss", "mse", "--pred-col", "pred.a"), str(path), "column 'pred.a'", "first at row 2")
    result = cli("compute", path, "--loss", "mse", "--pred-col", "pred.a", "--nan-policy", "omit", "-f", "json")
    # Rows 1 and 3 remain, by hand: (0.5^2 + 1^2) / 2.
    assert _value(result) == 0.625


def test_nested_structs_and_fields_beside_other_roles(cli, tmp_path):
    inner = pa.struct([("mean", pa.float64()), ("var", pa.float64())])
    outer = pa.struct([("gauss", inner)])
    y = np.array([1.0, 2.0, 3.0])
    mean, var = np.array([1.5, 2.5, 2.0]), np.array([0.1, 0.2, 0.3])
    out = pa.array([{"gauss": {"mean": m, "var": v}} for m, v in zip(mean, var)], outer)
    pq.write_table(pa.table({"y_true": y, "out": out}), tmp_path / "g.parquet")
    result = cli("compute", tmp_path / "g.parquet", "--loss", "mse", "--loss", "gaussian_nll", "--pred-col", "out.gauss.mean", "--col", "var=out.gauss.var", "-f", "json")
    assert _value(result, 0) == pytest.approx(mean_squared_error(y, mean), rel=1e-15)  # scikit-learn
    # PyTorch's GaussianNLLLoss (full=False) by hand: 0.5 (log var + (mean - y)^2 / var).
    assert _value(result, 1) == pytest.approx(np.mean(0.5 * (np.log(var) + (mean - y) ** 2 / var)), rel=1e-12)


def test_a_struct_read_over_many_batches_equals_the_whole(cli, tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    y, a = rng.normal(size=5000), rng.normal(size=5000)
    pred = pa.StructArray.from_arrays([pa.array(a), pa.array(rng.random(5000))], ["a", "b"])
    pq.write_table(pa.table({"y_true": y, "pred": pred}), tmp_path / "p.parquet", row_group_size=700)
    monkeypatch.setattr(readers, "BATCH_ROWS", 300)
    result = cli("compute", tmp_path / "p.parquet", "--loss", "mse", "--pred-col", "pred.a", "-f", "json")
    assert _value(result) == pytest.approx(np.mean((a - y) ** 2), rel=1e-12)


def test_a_column_already_named_by_the_path_keeps_its_name(cli, tmp_path):
    # A table flattened before writing may keep its struct too: the flat column wins.
    table = pa.table({"y_true": [1.0, 2.0], "pred.a": [0.0, 0.0], "pred": pa.array([{"a": 1.5, "b": 0.1}, {"a": 2.5, "b": 0.1}], PAIR)})
    pq.write_table(table, tmp_path / "p.parquet")
    assert open_source(str(tmp_path / "p.parquet")).names() == ["y_true", "pred.a", "pred", "pred.b"]
    result = cli("compute", tmp_path / "p.parquet", "--loss", "mse", "--pred-col", "pred.a", "-f", "json")
    assert _value(result) == 2.5  # by hand: (1 + 4) / 2, from the flat column


def test_spark_vectors_are_not_split_into_their_fields(tmp_path):
    vector = pa.struct([("type", pa.int8()), ("size", pa.int32()), ("indices", pa.list_(pa.int32())), ("values", pa.list_(pa.float64()))])
    probability = pa.array([{"type": 1, "size": None, "indices": None, "values": [0.2, 0.8]}], vector)
    pq.write_table(pa.table({"label": [1.0], "probability": probability}), tmp_path / "v.parquet")
    assert open_source(str(tmp_path / "v.parquet")).names() == ["label", "probability"]
