"""A Parquet dataset whose files hold a column in other types (int64 in one,
double in the next; float32 beside float64; numbers written as text) is read
whole, by the --key join and by ``recommend --data``, as streaming reads it."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.io.batch_tables import one_table


def _dataset(folder, second_pred: pa.Array, second_true: pa.Array | None = None):
    folder.mkdir()
    pq.write_table(pa.table({"id": [1, 2, 3], "y_true": [1.0, 2.0, 3.0], "y_pred": [1.5, 2.0, 3.0]}), folder / "a.parquet")
    second_true = pa.array([4, 5], pa.int64()) if second_true is None else second_true
    pq.write_table(pa.table({"id": [4, 5], "y_true": second_true, "y_pred": second_pred}), folder / "b.parquet")
    return folder


SECOND_PREDICTIONS = [pa.array([4.0, 6.0], pa.float32()), pa.array([4, 6], pa.int64()), pa.array(["4", "6"])]


@pytest.mark.parametrize("second_pred", SECOND_PREDICTIONS, ids=["float32", "int64", "text"])
def test_a_key_join_reads_a_dataset_of_other_column_types(cli, tmp_path, second_pred):
    data = _dataset(tmp_path / "parts", second_pred)
    labels = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"id": [5, 4, 3, 2, 1], "y_true": [5.0, 4.0, 3.0, 2.0, 1.0]}), labels)
    result = cli("compute", data, "--labels", labels, "--key", "id", "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.25)


def test_a_key_join_reads_a_labels_dataset_of_other_column_types(cli, tmp_path):
    labels = _dataset(tmp_path / "parts", pa.array([4.0, 6.0], pa.float32()))
    predictions = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"id": [5, 4, 3, 2, 1], "y_pred": [6.0, 4.0, 3.0, 2.0, 1.5]}), predictions)
    result = cli("compute", predictions, "--labels", labels, "--key", "id", "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.25)


@pytest.mark.parametrize("second_true", [pa.array([4, 5], pa.int32()), pa.array(["4", "5"])], ids=["int32", "text"])
def test_recommend_reads_a_dataset_of_other_column_types(cli, tmp_path, second_true):
    data = _dataset(tmp_path / "parts", pa.array([4.0, 6.0], pa.float32()), second_true)
    result = cli("recommend", "--data", data, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inferred"]["task"] == "regression"


def test_text_that_is_not_numbers_beside_numbers_stays_text():
    numbers = pa.record_batch({"y_true": pa.array([0.0, 1.0])})
    text = pa.record_batch({"y_true": pa.array(["cat", "dog"])})
    table = one_table([numbers, text], "parts")
    assert table.column("y_true").to_pylist() == ["0", "1", "cat", "dog"]


def test_batches_of_one_schema_are_joined_as_they_are():
    batch = pa.record_batch({"y_pred": pa.array([1, 2], pa.int32())})
    table = one_table([batch, batch], "parts")
    assert table.schema.field("y_pred").type == pa.int32()
    np.testing.assert_array_equal(table.column("y_pred").to_numpy(), [1, 2, 1, 2])
