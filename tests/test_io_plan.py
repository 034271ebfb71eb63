"""Missing values and row numbers (SPEC section 2, NaN policy; section 6, errors).

Row numbers are 1-based data rows (the header is not counted) and must be
rows of the file even when the file is read in many batches, joined on a
key, or had rows dropped by ``--nan-policy omit``.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import assert_usage_error, write_csv

from losscli.labels import MISSING as MISSING_LABEL
from losscli.io.plan import InputOptions, InputPlan
from losscli.registry import parse_spec


def _mse(y_true, y_pred) -> float:
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))  # numpy


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _with_holes(n: int, holes: dict[int, tuple[str, str]], seed: int = 0):
    """Columns as text with the given (0-based) rows replaced by (true, pred) cells."""
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.normal(size=n), rng.normal(size=n)
    true_cells = [repr(float(v)) for v in y_true]
    pred_cells = [repr(float(v)) for v in y_pred]
    for row, (t, p) in holes.items():
        true_cells[row], pred_cells[row] = t, p
    keep = np.array([row not in holes for row in range(n)])
    return {"y_true": true_cells, "y_pred": pred_cells}, y_true, y_pred, keep


MISSING = {4: ("", "0.5"), 9: ("1.0", "NaN"), 10: ("null", "2"), 17: ("inf", "1"), 30: ("1", "-inf"), 31: ("NA", "nan")}


def test_missing_values_are_an_error_naming_the_first_row_and_the_count(cli, tmp_path):
    columns, *_ = _with_holes(40, MISSING)
    write_csv(tmp_path / "data.csv", columns)
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse")
    assert_usage_error(result, "data.csv", "column 'y_true'", "6 rows with missing, NaN or infinite values", "the first at row 5", "--nan-policy omit")


def test_the_error_counts_every_batch_and_names_the_file_row(cli, tmp_path, small_batches):
    columns, *_ = _with_holes(300, {150: ("1", ""), 151: ("1", "nan"), 290: ("inf", "1")})
    write_csv(tmp_path / "data.csv", columns)
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse")
    assert_usage_error(result, "column 'y_pred'", "3 rows with missing", "the first at row 151")


def test_omit_drops_rows_and_reports_how_many(cli, tmp_path, small_batches):
    columns, y_true, y_pred, keep = _with_holes(200, MISSING | {150: ("", ""), 199: ("1", "")})
    write_csv(tmp_path / "data.csv", columns)
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--nan-policy", "omit", "-f", "json")
    document = _json(result)
    assert document["results"][0]["value"] == pytest.approx(_mse(y_true[keep], y_pred[keep]), rel=1e-12)
    assert document["results"][0]["n"] == document["inputs"]["rows"] == 192
    assert "note: 8 rows with missing, NaN or infinite values were omitted" in result.stderr


def test_omit_considers_every_column_of_every_loss_and_the_weights(cli, tmp_path):
    rng = np.random.default_rng(4)
    y_true, y_pred, var, weight = rng.normal(size=12), rng.normal(size=12), rng.uniform(0.5, 2, size=12), rng.uniform(0.5, 2, size=12)
    var[3] = np.nan
    weight[7] = np.inf
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "var": var, "w": weight})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--loss", "gaussian_nll", "-w", "w", "--nan-policy", "omit", "-f", "json")
    keep = np.isfinite(var) & np.isfinite(weight)
    mse = _json(result)["results"][0]
    expected = float(np.sum(weight[keep] * (y_true[keep] - y_pred[keep]) ** 2) / np.sum(weight[keep]))  # numpy
    assert mse["value"] == pytest.approx(expected, rel=1e-12) and mse["n"] == 10
    assert "2 rows" in result.stderr


def test_nan_in_the_weight_column_is_named(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.0, 3.0], "w": ["1", "", "1"]})
    assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", "mse", "-w", "w"), "column 'w'", "1 row with missing", "row 2")


def test_nan_in_the_labels_file_names_the_labels_file(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"y_true": ["1", "2", "nan"]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse")
    assert_usage_error(result, "t.csv, column 'y_true'", "the first at row 3")


def test_a_nan_in_a_multi_column_input_names_that_column(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"y_true_0": [1.0, 2.0], "y_true_1": [1.0, 2.0], "y_pred_0": [1.0, 2.0], "y_pred_1": ["1", "nan"]})
    assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", "mse"), "column 'y_pred_1'", "row 2")


@pytest.mark.parametrize("policy", ["omit", "error"])
def test_nothing_left_is_an_error(cli, tmp_path, policy):
    write_csv(tmp_path / "data.csv", {"y_true": ["", "nan", "1"], "y_pred": ["1", "2", "inf"]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--nan-policy", policy)
    expected = "every row (3) has a missing value" if policy == "omit" else "3 rows with missing"
    assert_usage_error(result, "data.csv", expected)


def test_nan_in_parquet_and_nulls_count_alike(cli, tmp_path):
    y_true = pa.array([1.0, None, 3.0, 4.0])
    y_pred = pa.array([1.5, 2.0, float("nan"), 4.0])
    pq.write_table(pa.table({"y_true": y_true, "y_pred": y_pred}), tmp_path / "data.parquet")
    assert_usage_error(cli("compute", tmp_path / "data.parquet", "--loss", "mse"), "2 rows with missing", "the first at row 2")
    result = cli("compute", tmp_path / "data.parquet", "--loss", "mse", "--nan-policy", "omit", "-f", "json")
    # rows 1 and 4 remain: ((1 - 1.5)^2 + 0^2) / 2 = 0.125 (by hand)
    assert _json(result)["results"][0]["value"] == pytest.approx(0.125, rel=1e-12)


# ----------------------------------------------------------------------------- row numbers of bad text


@pytest.mark.parametrize("row", [3, 61, 250])
def test_non_numeric_text_names_its_file_row_in_any_batch(cli, tmp_path, small_batches, row):
    # The first batches infer a numeric column; a later one holds text (or the
    # very first block does): either way the row is the file's row.
    columns, *_ = _with_holes(300, {row - 1: ("oops", "1")})
    write_csv(tmp_path / "data.csv", {"id": range(300), **columns})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse")
    assert_usage_error(result, "data.csv", "column 'y_true'", f"row {row}", "non-numeric text 'oops'")


def test_non_numeric_text_in_a_parquet_string_column_names_its_row(cli, tmp_path, small_batches):
    cells = [str(float(i)) for i in range(100)]
    cells[73] = "n/a?"
    pq.write_table(pa.table({"y_true": np.arange(100.0), "y_pred": cells}), tmp_path / "data.parquet", row_group_size=10)
    result = cli("compute", tmp_path / "data.parquet", "--loss", "mse")
    assert_usage_error(result, "data.parquet", "column 'y_pred'", "row 74", "'n/a?'")


def test_text_numbers_in_parquet_are_read(cli, tmp_path):
    pq.write_table(pa.table({"y_true": ["1", " 2.5", "1e1"], "y_pred": [1.0, 2.0, 9.0]}), tmp_path / "data.parquet")
    result = cli("compute", tmp_path / "data.parquet", "--loss", "mse", "-f", "json")
    # (0^2 + 0.5^2 + 1^2) / 3 = 1.25 / 3 (by hand)
    assert _json(result)["results"][0]["value"] == pytest.approx(1.25 / 3, rel=1e-12)


def test_bad_text_in_the_labels_file_of_a_key_join_names_the_labels_row(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": [1, 2, 3, 4], "y_pred": [1.0, 2.0, 3.0, 4.0]})
    write_csv(tmp_path / "t.csv", {"id": [4, 3, 2, 1], "y_true": ["4", "x", "2", "1"]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "t.csv", "column 'y_true'", "row 2", "'x'")


def test_negative_weight_names_its_row_in_a_later_batch(cli, tmp_path, small_batches):
    weight = np.ones(200)
    weight[123] = -0.5
    write_csv(tmp_path / "data.csv", {"y_true": np.zeros(200), "y_pred": np.ones(200), "w": weight})
    assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", "mse", "-w", "w"), "column 'w'", "row 124", "negative sample weight")


# ----------------------------------------------------------------------------- per-row numbering


def test_per_row_numbers_are_file_rows_after_omit(cli, tmp_path, small_batches):
    columns, y_true, y_pred, keep = _with_holes(120, {0: ("", "1"), 57: ("1", "nan"), 119: ("inf", "0")})
    write_csv(tmp_path / "data.csv", columns)
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--nan-policy", "omit", "--reduction", "none", "-f", "json")
    rows = _json(result)
    assert [r["row"] for r in rows] == [i + 1 for i in range(120) if keep[i]]
    np.testing.assert_allclose([r["mse"] for r in rows], (y_true[keep] - y_pred[keep]) ** 2, rtol=1e-12)


def test_per_row_numbers_after_a_key_join_are_prediction_rows(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": [10, 20, 30], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"id": [30, 10, 20], "y_true": [0.0, 1.0, 0.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mae", "--reduction", "none", "-f", "json")
    # |1 - 1| = 0, |0 - 2| = 2, |0 - 3| = 3 (by hand, matched by id)
    assert _json(result) == [{"row": 1, "id": 10, "mae": 0.0}, {"row": 2, "id": 20, "mae": 2.0}, {"row": 3, "id": 30, "mae": 3.0}]


# ----------------------------------------------------------------------------- the plan itself


def test_the_plan_reads_only_the_columns_it_needs(tmp_path):
    write_csv(tmp_path / "data.csv", {"id": [1], "y_true": [1.0], "notes": ["x"], "y_pred": [2.0], "w": [1.0], "g": ["a"]})
    options = InputOptions(predictions=str(tmp_path / "data.csv"), weight_col="w", by="g")
    plan = InputPlan(options, [parse_spec("mse"), parse_spec("huber:delta=2")])
    columns, text = plan.columns_to_read("predictions")
    assert columns == ["y_true", "y_pred", "w", "g"]
    assert text == {"g"}  # group names are read as written, never as numbers
    assert [(role, rc.names) for role, rc in sorted(plan.role_columns[0].items())] == [("y_pred", ("y_pred",)), ("y_true", ("y_true",))]


def test_embeddings_beside_a_distance_column_are_not_read(cli, tmp_path):
    # contrastive uses the distance when a file has both, so a hole in an
    # embedding column neither fails the run nor drops its row under omit.
    path = write_csv(tmp_path / "pairs.csv", {"dist": [0.5, 2.0, 0.3], "same": [1, 0, 0], "x1_0": ["", "1", "1"], "x2_0": [0.0, 0.0, 1.0]})
    plan = InputPlan(InputOptions(predictions=str(path), label_cols="same"), [parse_spec("contrastive")])
    assert plan.columns_to_read("predictions")[0] == ["dist", "same"]
    # By hand: 1 * 0.5^2 + 0 + (1 - 0.3)^2 = 0.74 over 3 pairs.
    for policy in ("error", "omit"):
        result = _json(cli("compute", path, "--loss", "contrastive", "--label-col", "same", "--nan-policy", policy, "-f", "json"))
        assert (result["results"][0]["value"], result["results"][0]["n"]) == (pytest.approx(0.74 / 3, rel=1e-12), 3)


def test_a_column_used_as_weight_is_not_also_a_loss_input(tmp_path):
    # "score" is a default prediction name, but the user made it the weights.
    write_csv(tmp_path / "data.csv", {"y_true": [1.0], "score": [2.0], "pred": [3.0]})
    options = InputOptions(predictions=str(tmp_path / "data.csv"), weight_col="score")
    plan = InputPlan(options, [parse_spec("mse")])
    assert plan.role_columns[0]["y_pred"].names == ("pred",)


def test_losses_reading_the_same_columns_share_read_only_arrays(tmp_path):
    """Each column is converted once per batch, whatever the number of losses
    reading it; shared arrays are read-only, so no kernel can change another's input."""
    from losscli.io.plan import InputOptions, InputPlan
    from losscli.registry import parse_spec

    path = tmp_path / "p.csv"
    path.write_text("y_true,y_pred\n1,2\n3,5\n0,0\n")
    plan = InputPlan(InputOptions(predictions=str(path)), [parse_spec("mse"), parse_spec("mae"), parse_spec("huber")])
    (batch,) = list(plan.batches())
    first, second, third = batch.arrays
    assert first["y_pred"] is second["y_pred"] is third["y_pred"]
    assert first["y_true"] is second["y_true"]
    assert not first["y_pred"].flags.writeable
    assert list(first["y_pred"]) == [2.0, 5.0, 0.0]


def test_one_omitted_row_is_one_row(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"y_true": ["1", "2", "nan"], "y_pred": ["1.5", "2", "3"]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--nan-policy", "omit", "-f", "json")
    assert _json(result)["results"][0]["n"] == 2
    assert "note: 1 row with missing, NaN or infinite values was omitted" in result.stderr


# ----------------------------------------------------------------------------- kernel errors: which file, which row


def _keyed(tmp_path, preds: list[str], labels: list[str], label_extra: dict | None = None):
    """p.csv with ids 1..4 and l.csv with ids 4..1, so label row i is prediction row 5 - i."""
    write_csv(tmp_path / "p.csv", {"id": [1, 2, 3, 4], "y_pred": preds})
    write_csv(tmp_path / "l.csv", {"id": [4, 3, 2, 1], "y_true": labels} | (label_extra or {}))
    return tmp_path / "p.csv", tmp_path / "l.csv"


def test_a_bad_label_names_the_labels_file(cli, tmp_path):
    (tmp_path / "hp.csv").write_text("y_pred\n0.2\n0.7\n0.9\n")
    (tmp_path / "hl.csv").write_text("y_true\n1\n0\n7\n")
    result = cli("compute", tmp_path / "hp.csv", "--labels", tmp_path / "hl.csv", "--loss", "bce")
    assert_usage_error(result, f"error: {tmp_path / 'hl.csv'}, column 'y_true', row 3: binary label outside [0, 1] (value 7)")


def test_a_bad_label_in_a_later_batch_names_the_labels_file_row(cli, tmp_path, small_batches):
    labels = np.zeros(50)
    labels[39] = 7.0
    write_csv(tmp_path / "p.csv", {"y_pred": np.full(50, 0.5)})
    write_csv(tmp_path / "l.csv", {"y_true": labels})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "--loss", "bce")
    assert_usage_error(result, f"error: {tmp_path / 'l.csv'}, column 'y_true', row 40: binary label outside [0, 1] (value 7)")


@pytest.mark.parametrize(
    "loss, message",
    [("bce", "binary label outside [0, 1] (value 7)"), ("hinge", "hinge label must be -1 or 1 (0 is read as -1) (value 7)")],
)
def test_a_bad_label_of_a_key_join_names_the_labels_row(cli, tmp_path, loss, message):
    preds, labels = _keyed(tmp_path, [".2", ".7", ".9", ".1"], ["1", "0", "7", "0"])
    result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", loss)
    assert_usage_error(result, f"error: {labels}, column 'y_true', row 3: {message}")


def test_a_bad_label_of_a_key_join_after_omitted_rows_names_the_labels_row(cli, tmp_path):
    preds, labels = _keyed(tmp_path, ["", ".7", ".9", ".1"], ["1", "0", "7", "0"])
    result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", "bce", "--nan-policy", "omit")
    assert_usage_error(result, f"error: {labels}, column 'y_true', row 3: binary label outside [0, 1] (value 7)")


def test_a_bad_probability_of_a_key_join_names_the_prediction_row(cli, tmp_path):
    preds, labels = _keyed(tmp_path, [".2", ".7", "1.9", ".1"], ["1", "0", "1", "0"])
    result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", "bce")
    assert_usage_error(result, f"error: {preds}, column 'y_pred', row 3: probability outside [0, 1] (value 1.9)")


def test_a_negative_weight_in_the_labels_file_of_a_key_join_names_the_labels_row(cli, tmp_path):
    preds, labels = _keyed(tmp_path, [".2", ".7", ".9", ".1"], ["1", "0", "1", "0"], {"w": ["1", "1", "-1", "1"]})
    result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", "bce", "-w", "w")
    assert_usage_error(result, f"error: {labels}, column 'w', row 3: negative sample weight -1")


def test_a_bad_label_error_gives_no_count_of_one_batch(cli, tmp_path, small_batches):
    labels = np.zeros(40)
    labels[[9, 10, 12, 30]] = 7.0  # three in the second 7-row batch, one later
    write_csv(tmp_path / "data.csv", {"y_true": labels, "y_pred": np.full(40, 0.5)})
    line = assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", "bce"))
    assert line == f"error: {tmp_path / 'data.csv'}, column 'y_true', row 10: binary label outside [0, 1] (value 7) (labels must be 0/1 (or soft targets in [0, 1]); for two other labels, --positive LABEL names the class the predictions are the probability or score of (--positive 1 for -1/1 labels))"


@pytest.mark.parametrize(
    "labels, shown",
    [
        (["0", "-3", "12", MISSING_LABEL], [0, -3, 12, None]),
        (["0.25", "1"], [0.25, 1]),
        (["1", "1.0"], ["1", "1.0"]),  # 1.0 shown as a number would collide with 1
        (["7", "007"], ["7", "007"]),
        (["1", "+2"], ["1", "+2"]),
        (["1", "inf"], ["1", "inf"]),
        (["1", " 2"], ["1", " 2"]),
        (["a", MISSING_LABEL], ["a", None]),
        (["a", "(missing)", MISSING_LABEL], ["a", "(missing)", None]),  # a value written "(missing)" is not a missing one
    ],
)
def test_csv_labels_are_numbers_only_when_every_one_is_a_plain_number(labels, shown):
    from losscli.labels import shown_labels

    mapping = shown_labels(labels)
    assert [mapping[label] for label in labels] == shown
    assert [type(mapping[label]) for label in labels] == [type(value) for value in shown]



# ----------------------------------------------------------------------------- one name in both files


@pytest.mark.parametrize("label_columns", [{"row": [0, 1, 2]}, {"w": [1.0, 1.0, 1.0]}, {}])
def test_a_prediction_column_named_like_the_labels_leaves_the_labels_column_free(cli, tmp_path, label_columns):
    # Both files call their values 'target'; -p names the predictions' one only.
    write_csv(tmp_path / "p.csv", {"row": [0, 1, 2], "target": [1.2, 2.2, 2.9]})
    write_csv(tmp_path / "l.csv", {**label_columns, "target": [1.0, 2.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "-p", "target", "--loss", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # By hand: residuals 0.2, 0.2, -0.1.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx((0.04 + 0.04 + 0.01) / 3, rel=1e-12)


def test_a_key_joined_labels_column_named_like_the_predictions_is_found(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": [1, 2, 3], "target": [1.2, 2.2, 2.9]})
    write_csv(tmp_path / "l.csv", {"id": [3, 1, 2], "target": [3.0, 1.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "--key", "id", "-p", "target", "--loss", "mae", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # By hand, joined on id: |0.2| + |0.2| + |-0.1|.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.5 / 3, rel=1e-12)


def _two_part_dataset(folder, first: dict, second: dict):
    """A dataset folder of two Parquet files; returns the second file's path."""
    folder.mkdir()
    pq.write_table(pa.table(first), folder / "part-0.parquet")
    pq.write_table(pa.table(second), folder / "part-1.parquet")
    return folder / "part-1.parquet"


@pytest.mark.parametrize(
    "loss, options, column, message",
    [
        ("bce", [], "y_true", "binary label outside [0, 1]"),
        ("hinge", [], "y_true", "hinge label must be -1 or 1"),
        ("mse", ["--weight-col", "w"], "w", "negative sample weight -2"),
    ],
)
def test_an_error_in_a_dataset_names_the_part_file_and_its_row(cli, tmp_path, loss, options, column, message):
    first = {"y_true": [0.0, 1.0, 1.0], "y_pred": [0.2, 0.7, 0.9], "w": [1.0, 1.0, 1.0]}
    second = {"y_true": [1.0, 3.0 if column == "y_true" else 1.0], "y_pred": [0.6, 0.4], "w": [1.0, -2.0 if column == "w" else 1.0]}
    part = _two_part_dataset(tmp_path / "ds", first, second)
    result = cli("compute", tmp_path / "ds", "--loss", loss, *options)
    # Row 5 of the dataset is row 2 of part-1 (part-0 holds 3 rows).
    line = assert_usage_error(result, f"error: {part}, column '{column}', row 2: {message}")
    assert line.startswith(f"error: {part}, column '{column}', row 2: ")


def test_missing_values_in_a_dataset_name_the_part_file_and_its_row(cli, tmp_path):
    part = _two_part_dataset(tmp_path / "ds", {"y_true": [0.0, 1.0, 1.0], "y_pred": [0.2, 0.7, 0.9]}, {"y_true": [1.0, 1.0], "y_pred": [0.6, float("nan")]})
    result = cli("compute", tmp_path / "ds", "--loss", "mse")
    assert_usage_error(result, f"error: {part}, column 'y_pred': 1 row with missing, NaN or infinite values, the first at row 2 (")


def test_missing_values_in_a_dataset_joined_on_a_key_name_the_part_file_and_its_row(cli, tmp_path):
    part = _two_part_dataset(tmp_path / "ds", {"id": [1, 2, 3], "y_pred": [0.2, 0.7, 0.9]}, {"id": [4, 5], "y_pred": [float("nan"), 0.6]})
    # Label rows in another order: the prediction row is the one reported.
    write_csv(tmp_path / "labels.csv", {"id": [5, 4, 3, 2, 1], "y_true": [1.0, 1.0, 0.0, 0.0, 1.0]})
    result = cli("compute", tmp_path / "ds", "--labels", tmp_path / "labels.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, f"error: {part}, column 'y_pred': 1 row with missing, NaN or infinite values, the first at row 1 (")


def test_a_key_repeated_across_dataset_files_names_both_files(cli, tmp_path):
    part = _two_part_dataset(tmp_path / "ds", {"id": [1, 2, 3], "y_pred": [0.2, 0.7, 0.9]}, {"id": [4, 2], "y_pred": [0.1, 0.6]})
    write_csv(tmp_path / "labels.csv", {"id": [1, 2, 3, 4], "y_true": [1.0, 0.0, 0.0, 1.0]})
    result = cli("compute", tmp_path / "ds", "--labels", tmp_path / "labels.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, f"error: {part}, column 'id', row 2: duplicate key '2', also at row 2 of {tmp_path / 'ds' / 'part-0.parquet'} (")


def test_an_error_in_one_file_keeps_its_row_and_name(cli, tmp_path):
    pq.write_table(pa.table({"y_true": [0.0, 1.0, 1.0, 1.0, 3.0], "y_pred": [0.2, 0.7, 0.9, 0.6, 0.4]}), tmp_path / "one.parquet")
    result = cli("compute", tmp_path / "one.parquet", "--loss", "bce")
    assert_usage_error(result, f"error: {tmp_path / 'one.parquet'}, column 'y_true', row 5: binary label outside [0, 1]")


def test_a_join_that_pairs_every_row_once_skips_the_separate_key_checks(cli, tmp_path, monkeypatch):
    # Each side's uniqueness check built a hash table of every key: with the
    # join's own lookup, three builds for 5M keys, 3.8 s against 1.0 s now.
    from losscli.io import plan

    checked = []
    real_check = plan._check_unique_keys
    monkeypatch.setattr(plan, "_check_unique_keys", lambda *args, **kwargs: checked.append(args[3]) or real_check(*args, **kwargs))
    rng = np.random.default_rng(4)
    ids = rng.permutation(1000)
    y, p = rng.normal(size=1000), rng.normal(size=1000)
    pq.write_table(pa.table({"id": ids, "y_pred": p}), tmp_path / "preds.parquet")
    pq.write_table(pa.table({"id": np.arange(1000), "y_true": y[np.argsort(ids)]}), tmp_path / "labels.parquet")
    result = cli("compute", tmp_path / "preds.parquet", "--labels", tmp_path / "labels.parquet", "--key", "id", "--loss", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert _json(result)["results"][0]["value"] == pytest.approx(_mse(y, p), rel=1e-12)  # numpy, rows paired by hand
    assert checked == []
    # A label key given twice leaves a prediction without its partner: the checks run and name it.
    pq.write_table(pa.table({"id": [0, 0, 1], "y_true": [1.0, 2.0, 3.0]}), tmp_path / "twice.parquet")
    pq.write_table(pa.table({"id": [0, 1, 2], "y_pred": [1.0, 2.0, 3.0]}), tmp_path / "three.parquet")
    result = cli("compute", tmp_path / "three.parquet", "--labels", tmp_path / "twice.parquet", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "duplicate key '0', also at row 1")
    assert checked == ["id", "id"]


def test_every_row_paired_once_means_unique_keys_on_both_sides():
    from losscli.io.plan import _pairs_every_row_once

    def lookup(left, right):
        return pa.compute.index_in(pa.array(left), value_set=pa.array(right), skip_nulls=True)

    assert _pairs_every_row_once(lookup([3, 1, 2], [1, 2, 3]), 3, 3)
    assert not _pairs_every_row_once(lookup([1, 1, 2], [1, 2, 3]), 3, 3)  # a prediction key twice
    assert not _pairs_every_row_once(lookup([1, 2, 3], [1, 1, 2]), 3, 3)  # a label key twice: 3 finds nothing
    assert not _pairs_every_row_once(lookup([1, 2], [1, 1, 2]), 2, 3)  # a label row left over
    assert not _pairs_every_row_once(lookup([1, None, 2], [1, 2, None]), 3, 3)  # rows without a key
    assert _pairs_every_row_once(lookup([], []), 0, 0)
