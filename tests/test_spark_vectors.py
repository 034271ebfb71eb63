"""Spark ML prediction files: vector columns read as matrices, and recommend on them.

Spark's ``model.transform(df).write.parquet(...)`` writes a directory of
part files whose ``probability`` and ``rawPrediction`` columns are VectorUDT
structs (type, size, indices, values). The files here are built with pyarrow
in that layout; expected values come from numpy on the dense matrices the
vectors stand for.
"""

from __future__ import annotations

import json
import shlex

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import assert_usage_error

from losscli.inference import infer_file
from losscli.io.vectors import vector_to_list

# Spark writes the vector's fields and elements as not null; Parquet names the elements 'element'.
VECTOR = pa.struct(
    [
        pa.field("type", pa.int8(), nullable=False),
        pa.field("size", pa.int32()),
        pa.field("indices", pa.list_(pa.field("element", pa.int32(), nullable=False))),
        pa.field("values", pa.list_(pa.field("element", pa.float64(), nullable=False))),
    ]
)
UDT = {"type": "udt", "class": "org.apache.spark.ml.linalg.VectorUDT", "pyClass": "pyspark.ml.linalg.VectorUDT"}
SPARK_SCHEMA = {
    "type": "struct",
    "fields": [
        {"name": "label", "type": "double", "nullable": False, "metadata": {}},
        {"name": "rawPrediction", "type": UDT, "nullable": True, "metadata": {}},
        {"name": "probability", "type": UDT, "nullable": True, "metadata": {}},
        {"name": "prediction", "type": "double", "nullable": False, "metadata": {}},
    ],
}

# Three classes; rows 2, 4 and 6 are stored sparse, as Spark stores a vector with many zeros.
PROBS3 = np.array([[0.7, 0.2, 0.1], [0.0, 0.9, 0.1], [0.1, 0.3, 0.6], [0.4, 0.6, 0.0], [0.8, 0.1, 0.1], [0.0, 0.0, 1.0]])
LABELS3 = np.array([0, 1, 2, 1, 0, 2])
SPARSE3 = {1, 3, 5}
RAW3 = np.array([[2.0, 0.5, -1.0], [0.1, 1.5, 0.3], [0.0, 0.2, 2.2], [1.0, 1.1, 0.0], [2.5, 0.1, 0.1], [0.3, 0.3, 0.9]])
PROBS2 = np.array([[0.8, 0.2], [0.0, 1.0], [0.3, 0.7], [0.6, 0.4]])
LABELS2 = np.array([0, 1, 1, 0])
SPARSE2 = {1}
EPS = 1e-7  # losscli's default probability clipping


def dense(values) -> dict:
    return {"type": 1, "size": None, "indices": None, "values": [float(v) for v in values]}


def sparse(values) -> dict:
    nonzero = [i for i, v in enumerate(values) if v != 0]
    return {"type": 0, "size": len(values), "indices": nonzero, "values": [float(values[i]) for i in nonzero]}


def vectors(matrix: np.ndarray, sparse_rows=frozenset()) -> pa.Array:
    return pa.array([sparse(row) if i in sparse_rows else dense(row) for i, row in enumerate(matrix)], VECTOR)


def spark_table(labels, probs, sparse_rows=frozenset(), raw=None, *, metadata=False) -> pa.Table:
    columns = {"label": pa.array(labels, pa.float64())}
    if raw is not None:
        columns["rawPrediction"] = vectors(raw)
    if probs is not None:
        columns["probability"] = vectors(probs, sparse_rows)
    columns["prediction"] = pa.array(np.argmax(probs if probs is not None else raw, axis=1), pa.float64())
    table = pa.table(columns)
    if metadata:
        table = table.replace_schema_metadata({"org.apache.spark.sql.parquet.row.metadata": json.dumps(SPARK_SCHEMA)})
    return table


def spark_directory(folder, table: pa.Table, split: int):
    """A directory as df.write.parquet leaves it: part files, _SUCCESS, .crc files."""
    folder.mkdir()
    pq.write_table(table.slice(0, split), folder / "part-00000-5f1c.snappy.parquet")
    pq.write_table(table.slice(split), folder / "part-00001-5f1c.snappy.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".part-00000-5f1c.snappy.parquet.crc").write_bytes(b"\x00crc")
    return folder


def cce(labels: np.ndarray, probs: np.ndarray) -> float:
    """Mean -log p[label], p floored at eps as cce floors it (numpy on the dense matrix)."""
    return float(np.mean(-np.log(np.maximum(probs[np.arange(len(labels)), labels], EPS))))


def value(result) -> float:
    assert result.exit_code == 0, result.stderr
    [row] = [r for r in json.loads(result.stdout)["results"] if r["group"] is None]
    return row["value"]


def compute(cli, path, loss="cce", *extra):
    return cli("compute", path, "--loss", loss, "--pred-col", "probability", "--label-col", "label", "--format", "json", *extra)


# --------------------------------------------------------------------------- reading


def test_spark_directory_with_dense_and_sparse_rows(cli, tmp_path):
    folder = spark_directory(tmp_path / "preds.parquet", spark_table(LABELS3, PROBS3, SPARSE3, RAW3, metadata=True), split=4)
    # -(ln .7 + ln .9 + ln .6 + ln .6 + ln .8 + ln 1) / 6 = 0.284471... (numpy)
    assert value(compute(cli, folder)) == pytest.approx(cce(LABELS3, PROBS3), rel=1e-12)
    assert value(compute(cli, folder)) == pytest.approx(0.2844717097404583, rel=1e-9)


def test_vectors_stream_across_small_batches(cli, tmp_path, small_batches):
    labels = np.tile(LABELS3, 5)
    probs = np.tile(PROBS3, (5, 1))
    path = tmp_path / "many.parquet"
    pq.write_table(spark_table(labels, probs, set(range(1, 30, 2))), path)
    assert value(compute(cli, path)) == pytest.approx(cce(labels, probs), rel=1e-12)


def test_two_class_vector_with_cce(cli, tmp_path):
    path = tmp_path / "binary.parquet"
    pq.write_table(spark_table(LABELS2, PROBS2, SPARSE2), path)
    # -(ln .8 + ln 1 + ln .7 + ln .6) / 4 = 0.272661... (numpy)
    assert value(compute(cli, path)) == pytest.approx(cce(LABELS2, PROBS2), rel=1e-12)


def test_two_class_vector_with_bce_says_to_use_cce(cli, tmp_path):
    path = tmp_path / "binary.parquet"
    pq.write_table(spark_table(LABELS2, PROBS2, SPARSE2), path)
    line = assert_usage_error(compute(cli, path, "bce"), str(path), "column 'probability'")
    assert line.endswith(
        "y_true has 1 column but y_pred has 2, one per class; bce takes the positive class's probability alone "
        "(for two class columns use --loss cce, which reads labels 0/1 as class indices; or give --pred-col the positive class's column)"
    )


def test_arrow_file_of_vectors(cli, tmp_path):
    path = tmp_path / "preds.arrow"
    feather.write_feather(spark_table(LABELS3, PROBS3, SPARSE3), path)
    assert value(compute(cli, path)) == pytest.approx(cce(LABELS3, PROBS3), rel=1e-12)


def test_spark_json_vectors(cli, tmp_path):
    """df.write.json leaves out a dense vector's null size and indices."""
    path = tmp_path / "part-00000.json"
    lines = []
    for i, (label, row) in enumerate(zip(LABELS3, PROBS3)):
        vector = sparse(row) if i in SPARSE3 else {"type": 1, "values": [float(v) for v in row]}
        lines.append(json.dumps({"label": float(label), "probability": vector, "prediction": float(np.argmax(row))}))
    path.write_text("\n".join(lines) + "\n")
    assert value(compute(cli, path)) == pytest.approx(cce(LABELS3, PROBS3), rel=1e-12)


def test_vectors_of_different_sizes_name_the_file_and_row(cli, tmp_path):
    probs = [PROBS2[0], PROBS2[1], [0.2, 0.3, 0.5]]
    table = pa.table({"label": [0.0, 1.0, 1.0], "probability": pa.array([dense(probs[0]), sparse(probs[1]), sparse(probs[2])], VECTOR)})
    folder = spark_directory(tmp_path / "preds.parquet", table, split=1)
    assert_usage_error(
        compute(cli, folder),
        f"{folder / 'part-00001-5f1c.snappy.parquet'}, column 'probability', row 2: list has 3 values where the rows before it have 2",
    )


def test_sparse_index_outside_the_size_names_the_row(cli, tmp_path):
    broken = {"type": 0, "size": 2, "indices": [2], "values": [1.0]}
    table = pa.table({"label": [0.0, 1.0, 1.0], "probability": pa.array([dense(PROBS2[0]), dense(PROBS2[1]), broken], VECTOR)})
    path = tmp_path / "preds.parquet"
    pq.write_table(table, path)
    assert_usage_error(compute(cli, path), f"{path}, column 'probability', row 3: sparse vector index 2 is outside its size 2")


def test_a_hashed_feature_vector_is_refused_before_it_is_expanded(cli, tmp_path):
    # Spark's HashingTF: 2^20 positions per row, a few of them set. 200 rows would expand to
    # 1.6 GB of float64 (a 1,000-row batch to 8 GB), past int32 list offsets beyond 2,048 rows.
    features = [{"type": 0, "size": 1 << 20, "indices": [3, 70_000 + i], "values": [1.0, 2.0]} for i in range(200)]
    table = pa.table({"label": np.zeros(200), "features": pa.array(features, VECTOR)})
    path = tmp_path / "features.parquet"
    pq.write_table(table, path)
    result = cli("compute", path, "--loss", "cce", "--pred-col", "features", "--label-col", "label")
    assert_usage_error(
        result,
        f"{path}, column 'features': vectors of up to 1,048,576 values per row would take 1.6 GB as one column per value for 200 rows",
    )
    assert "--pred-col probability" in result.stderr


def test_a_missing_vector_is_a_missing_value(cli, tmp_path):
    table = pa.table({"label": [0.0, 1.0, 1.0, 0.0], "probability": pa.array([dense(PROBS2[0]), None, dense(PROBS2[2]), sparse(PROBS2[3])], VECTOR)})
    path = tmp_path / "preds.parquet"
    pq.write_table(table, path)
    assert_usage_error(compute(cli, path), f"{path}, column 'probability': 1 row with missing, NaN or infinite values, the first at row 2")
    kept = [0, 2, 3]
    # -(ln .8 + ln .7 + ln .6) / 3 = 0.363548... (numpy on the rows kept)
    assert value(compute(cli, path, "cce", "--nan-policy", "omit")) == pytest.approx(cce(LABELS2[kept], PROBS2[kept]), rel=1e-12)


def test_vector_like_struct_of_other_types_points_to_vector_to_array(cli, tmp_path):
    floats = pa.struct([("type", pa.int8()), ("size", pa.int32()), ("indices", pa.list_(pa.int32())), ("values", pa.list_(pa.float32()))])
    table = pa.table({"label": [0.0, 1.0], "probability": pa.array([dense(PROBS2[0]), dense(PROBS2[1])], floats)})
    path = tmp_path / "preds.parquet"
    pq.write_table(table, path)
    line = assert_usage_error(compute(cli, path), f"{path}, column 'probability': column holds struct<")
    assert "convert it to an array column with pyspark.ml.functions.vector_to_array(col) before writing the file" in line
    assert "flatten" not in line


def test_other_structs_keep_the_field_hint(cli, tmp_path):
    pair = pa.struct([("cat", pa.float64()), ("dog", pa.float64())])
    table = pa.table({"label": [0.0, 1.0], "probability": pa.array([{"cat": 0.8, "dog": 0.2}, {"cat": 0.1, "dog": 0.9}], pair)})
    path = tmp_path / "preds.parquet"
    pq.write_table(table, path)
    line = assert_usage_error(compute(cli, path), "name one of its fields by its path", "'probability.cat'")
    assert "vector_to_array" not in line


def test_vector_to_list_of_a_sliced_array():
    """A batch is often a slice: the struct's offset applies to every field."""
    array = vectors(PROBS3, SPARSE3).slice(1, 4)
    assert vector_to_list(array).to_pylist() == PROBS3[1:5].tolist()


# --------------------------------------------------------------------------- recommend


def _commands(cli, path) -> tuple[dict, list[str]]:
    result = cli("recommend", "--data", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return document, [r["command"] for r in document["recommendations"]]


def _run(cli, command: str):
    argv = shlex.split(command)
    assert argv[0] == "losscli"
    return cli(*argv[1:], "--format", "json")


@pytest.mark.parametrize(
    "labels, probs, sparse_rows",
    [(LABELS3, PROBS3, SPARSE3), (LABELS2, PROBS2, SPARSE2)],
    ids=["3 classes", "2 classes"],
)
def test_recommend_reads_the_probability_vector(cli, tmp_path, labels, probs, sparse_rows):
    folder = spark_directory(tmp_path / "preds.parquet", spark_table(labels, probs, sparse_rows, RAW3[: len(labels), : probs.shape[1]], metadata=True), split=2)
    document, commands = _commands(cli, folder)
    assert document["task"] == "multiclass"
    evidence = document["inferred"]["evidence"]
    assert evidence[0] == f"{folder}: labels from 'label', predictions from 'probability'"
    assert evidence[1] == (
        "'prediction' holds Spark ML's predicted class index, not a score; 'probability' holds a probability per class: "
        "the commands pass --pred-col probability"
    )
    assert commands[:2] == [f"losscli compute {folder} --loss sparse_cce --pred-col probability", f"losscli compute {folder} --loss cce --pred-col probability"]
    assert all("--pred-col probability" in command and "--from-logits" not in command for command in commands)
    for command in commands:
        assert _run(cli, command).exit_code == 0, command
    assert value(_run(cli, commands[1])) == pytest.approx(cce(labels, probs), rel=1e-12)


def test_recommend_reads_raw_predictions_as_logits_without_probabilities(cli, tmp_path):
    path = tmp_path / "svc.parquet"
    pq.write_table(spark_table(LABELS3, None, raw=RAW3), path)
    document, commands = _commands(cli, path)
    assert document["task"] == "multiclass"
    assert f"losscli compute {path} --loss cce --pred-col rawPrediction --from-logits" in commands
    for command in commands:
        assert _run(cli, command).exit_code == 0, command
    # Softmax cross-entropy of the raw scores: log-sum-exp minus the true class's score (numpy).
    logits = RAW3
    expected = np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(6), LABELS3])
    assert value(_run(cli, f"losscli compute {path} --loss cce --pred-col rawPrediction --from-logits")) == pytest.approx(expected, rel=1e-12)


def test_infer_file_keeps_a_prediction_column_of_its_own(tmp_path):
    """Only Spark's 'prediction' (a class index) gives way to the vector: y_pred stays."""
    table = spark_table(LABELS3, PROBS3).append_column("y_pred", pa.array(PROBS3[:, 0]))
    path = tmp_path / "own.parquet"
    pq.write_table(table, path)
    assert infer_file(str(path)).prediction_columns == ("y_pred",)


@pytest.mark.parametrize("loss", ["bce", "cce"])
def test_the_predicted_class_index_found_by_default_is_refused(cli, tmp_path, loss):
    # Without --pred-col, 'prediction' (the class index Spark predicted) was the
    # default column; bce then scored hard 0/1 predictions, set by the clipping.
    folder = spark_directory(tmp_path / "out", spark_table(LABELS2, PROBS2, SPARSE2, metadata=True), 2)
    result = cli("compute", folder, "--loss", loss)
    assert_usage_error(result, "'prediction'", "class index Spark ML predicted", "--pred-col probability")
