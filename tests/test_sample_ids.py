"""A row without a --sample-col id belongs to no sample: an error naming its
row, or left out with --nan-policy omit. Gathered into a sample of their own,
the rows without an id made one more image for dice, iou and tversky, and
moved the mean silently."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import losscli
from conftest import assert_usage_error

Y_TRUE = [1.0, 0.0, 1.0, 0.0, 0.0]
Y_PRED = [0.9, 0.2, 0.7, 0.1, 0.4]

IDS = {
    "text": pa.array(["a", "a", "b", None, "b"]),
    "integers": pa.array([1, 1, 2, None, 2]),
    "floats": pa.array([1.5, 1.5, 2.5, float("nan"), 2.5]),
    "booleans": pa.array([True, True, False, None, False]),
}


def _files(tmp_path, ids: pa.Array):
    table = pa.table({"img": ids, "y_true": Y_TRUE, "y_pred": Y_PRED})
    parquet = tmp_path / "seg.parquet"
    pq.write_table(table, parquet)
    csv = tmp_path / "seg.csv"
    shown = ["" if value is None or value != value else str(value) for value in ids.to_pylist()]
    csv.write_text("img,y_true,y_pred\n" + "".join(f"{i},{t},{p}\n" for i, t, p in zip(shown, Y_TRUE, Y_PRED)))
    return parquet, csv


@pytest.mark.parametrize("kind", IDS)
def test_a_row_without_a_sample_id_is_an_error_naming_it(cli, tmp_path, kind):
    for path in _files(tmp_path, IDS[kind]):
        assert_usage_error(
            cli("compute", path, "--loss", "dice", "--sample-col", "img"),
            f"{path}, column 'img', row 4: missing sample id",
            "--nan-policy omit",
        )


@pytest.mark.parametrize("kind", IDS)
def test_omit_leaves_out_the_rows_without_a_sample_id(cli, tmp_path, kind):
    kept = [0, 1, 2, 4]
    expected = losscli.compute("dice", np.take(Y_TRUE, kept), np.take(Y_PRED, kept), sample_ids=[1, 1, 2, 2])
    for path in _files(tmp_path, IDS[kind]):
        result = cli("compute", path, "--loss", "dice", "--loss", "iou", "--sample-col", "img", "--nan-policy", "omit", "--format", "json")
        assert result.exit_code == 0, result.stderr
        dice = json.loads(result.stdout)["results"][0]
        assert dice["value"] == pytest.approx(expected, rel=1e-12)
        assert dice["n"] == 4
        assert "1 row with missing" in result.stderr


def test_losses_that_take_no_samples_need_no_sample_id(cli, tmp_path):
    parquet, _ = _files(tmp_path, IDS["text"])
    result = cli("compute", parquet, "--loss", "mse", "--sample-col", "img", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(np.mean((np.array(Y_PRED) - Y_TRUE) ** 2))


def test_a_missing_sample_id_in_a_later_batch_names_its_file_row(cli, tmp_path, small_batches):
    rows = 30
    ids = [str(row // 3) for row in range(rows)]
    ids[20] = ""
    path = tmp_path / "seg.csv"
    path.write_text("img,y_true,y_pred\n" + "".join(f"{i},{row % 2},0.5\n" for row, i in enumerate(ids)))
    assert_usage_error(cli("compute", path, "--loss", "dice", "--sample-col", "img"), "column 'img', row 21: missing sample id")


def test_recommend_leaves_out_rows_without_a_sample_id_and_its_command_runs(cli, tmp_path):
    parquet, _ = _files(tmp_path, IDS["text"])
    result = cli("recommend", "--data", parquet, "--sample-col", "img", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert "1 row with missing values ignored (the commands pass --nan-policy omit)" in document["inferred"]["evidence"]
    command = document["recommendations"][0]["command"].split()
    assert command[:2] == ["losscli", "compute"] and "--nan-policy" in command
    run = cli(*command[1:])
    assert run.exit_code == 0, (command, run.stderr)
