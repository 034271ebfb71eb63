"""Per-row output of a dataset (a directory or glob of files): each row is
named by its file and its row in that file, as errors name rows."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import write_csv


def _rows(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _write(folder, name, y_true, y_pred, fmt):
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        write_csv(path, {"y_true": y_true, "y_pred": y_pred})
    elif fmt == "parquet":
        pq.write_table(pa.table({"y_true": y_true, "y_pred": y_pred}), path)
    elif fmt == "arrow":
        feather.write_feather(pa.table({"y_true": y_true, "y_pred": y_pred}), path)
    else:
        path.write_text("".join(json.dumps({"y_true": t, "y_pred": p}) + "\n" for t, p in zip(y_true, y_pred)))
    return str(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "arrow", "ndjson"])
@pytest.mark.parametrize("as_glob", [False, True])
def test_each_row_names_its_file_and_its_row_there(cli, tmp_path, fmt, as_glob):
    folder = tmp_path / "preds"
    folder.mkdir()
    first = _write(folder, "a", [1.0, 2.0, 3.0], [1.5, 2.0, 2.0], fmt)
    second = _write(folder, "b", [1.0, 2.0], [0.0, 4.0], fmt)
    source = folder / f"*.{fmt}" if as_glob else folder
    rows = _rows(cli("compute", source, "--loss", "mse", "--reduction", "none", "-f", "json", "-q"))
    # by hand: squared residuals of each file's rows
    assert rows == [
        {"file": first, "row": 1, "mse": 0.25},
        {"file": first, "row": 2, "mse": 0.0},
        {"file": first, "row": 3, "mse": 1.0},
        {"file": second, "row": 1, "mse": 1.0},
        {"file": second, "row": 2, "mse": 4.0},
    ]


def test_a_single_file_has_no_file_column(cli, tmp_path):
    path = write_csv(tmp_path / "preds.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0]})
    rows = _rows(cli("compute", path, "--loss", "mse", "--reduction", "none", "-f", "json", "-q"))
    assert rows == [{"row": 1, "mse": 0.25}, {"row": 2, "mse": 0.0}]


def test_a_by_column_named_file_keeps_its_values_beside_the_files(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0], "file": ["x"]}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [1.0], "file": ["y"]}), folder / "b.parquet")
    rows = _rows(cli("compute", folder, "--loss", "mae", "--by", "file", "--reduction", "none", "-f", "json", "-q"))
    assert rows == [
        {"file": str(folder / "a.parquet"), "row": 1, "by_file": "x", "mae": 1.0},
        {"file": str(folder / "b.parquet"), "row": 1, "by_file": "y", "mae": 0.0},
    ]
    # The header does not depend on the number of files: one file names its column so too.
    single = _rows(cli("compute", folder / "a.parquet", "--loss", "mae", "--by", "file", "--reduction", "none", "-f", "json", "-q"))
    assert single == [{"row": 1, "by_file": "x", "mae": 1.0}]


def test_rows_left_out_keep_their_file_and_row(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    first = _write(folder, "a", [1.0, 2.0], [None, 4.0], "parquet")
    second = _write(folder, "b", [1.0, 2.0, 0.0], [3.0, None, 0.5], "parquet")
    rows = _rows(cli("compute", folder, "--loss", "mse", "--nan-policy", "omit", "--reduction", "none", "-f", "json", "-q"))
    assert rows == [
        {"file": first, "row": 2, "mse": 4.0},
        {"file": second, "row": 1, "mse": 4.0},
        {"file": second, "row": 3, "mse": 0.25},
    ]


def test_an_empty_file_between_others_takes_no_rows(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    first = _write(folder, "a", [1.0], [2.0], "parquet")
    _write(folder, "b", pa.array([], pa.float64()), pa.array([], pa.float64()), "parquet")
    third = _write(folder, "c", [0.0, 0.0], [1.0, 3.0], "parquet")
    rows = _rows(cli("compute", folder, "--loss", "mae", "--reduction", "none", "-f", "json", "-q"))
    assert rows == [
        {"file": first, "row": 1, "mae": 1.0},
        {"file": third, "row": 1, "mae": 1.0},
        {"file": third, "row": 2, "mae": 3.0},
    ]


def test_a_key_join_names_the_prediction_file(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    pq.write_table(pa.table({"id": [3, 1], "y_pred": [1.0, 2.0]}), folder / "a.parquet")
    pq.write_table(pa.table({"id": [2], "y_pred": [5.0]}), folder / "b.parquet")
    labels = write_csv(tmp_path / "labels.csv", {"id": [1, 2, 3], "y_true": [0.0, 1.0, 2.0]})
    rows = _rows(cli("compute", folder, "--labels", labels, "--key", "id", "--loss", "mse", "--reduction", "none", "-f", "json", "-q"))
    # by hand: id 3 -> (1-2)^2, id 1 -> (2-0)^2, id 2 -> (5-1)^2
    assert rows == [
        {"file": str(folder / "a.parquet"), "row": 1, "id": 3, "mse": 1.0},
        {"file": str(folder / "a.parquet"), "row": 2, "id": 1, "mse": 4.0},
        {"file": str(folder / "b.parquet"), "row": 1, "id": 2, "mse": 16.0},
    ]


def test_many_batches_across_files_map_every_row(cli, tmp_path):
    # Files of several row groups, read in batches that may join the end of one
    # file to the start of the next: each row still lands on its own file and row.
    rng = np.random.default_rng(5)
    folder = tmp_path / "preds"
    folder.mkdir()
    sizes = [70_000, 1, 130_000, 45_000]
    expected_files, expected_rows, expected_mse = [], [], []
    for i, size in enumerate(sizes):
        y_true, y_pred = rng.normal(size=size), rng.normal(size=size)
        path = folder / f"part-{i}.parquet"
        pq.write_table(pa.table({"y_true": y_true, "y_pred": y_pred}), path, row_group_size=20_000)
        expected_files += [str(path)] * size
        expected_rows.append(np.arange(1, size + 1))
        expected_mse.append((y_pred - y_true) ** 2)
    target = tmp_path / "rows.parquet"
    result = cli("compute", folder, "--loss", "mse", "--per-row", target, "-f", "json", "-q")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(target)
    assert table.column_names == ["file", "row", "mse"]
    assert table["file"].to_pylist() == expected_files
    np.testing.assert_array_equal(table["row"].to_numpy(), np.concatenate(expected_rows))
    np.testing.assert_allclose(table["mse"].to_numpy(), np.concatenate(expected_mse), rtol=1e-15)


def test_the_worst_rows_of_a_dataset_chart_name_their_files(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    first = _write(folder, "a", [1.0, 2.0, 3.0], [1.5, 2.0, 2.0], "parquet")
    second = _write(folder, "b", [1.0, 2.0], [0.0, 4.0], "parquet")
    result = cli("compute", folder, "--loss", "mse", "--plot", "-q", env={"COLUMNS": "40"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["row", "file", "mse"])
    # by hand: the largest squared residual is the second row of b (4), then the third of a (1);
    # a path longer than the room is cut at its start, keeping the file's name.
    row, file, value = lines[header + 2].split()
    assert (row, value) == ("2", "4") and file.startswith("…") and second.endswith(file[1:]) and file.endswith("/b.parquet")
    row, file, value = lines[header + 3].split()
    assert (row, value) == ("3", "1") and first.endswith(file[1:]) and file.endswith("/a.parquet")
    assert max(len(line) for line in lines[header:]) <= 40


def test_the_worst_rows_of_a_hive_dataset_show_the_folder_that_tells_files_apart(cli, tmp_path, monkeypatch):
    # Every file of a hive dataset is part-0.parquet: cut to a quarter of an
    # 80-column screen, the worst rows read '…/part-0.parquet' whatever their folder.
    monkeypatch.chdir(tmp_path)
    for region, y_pred in (("asia", [1.0, 5.0]), ("eu", [2.0, 1.0])):
        (tmp_path / "preds" / f"region={region}").mkdir(parents=True)
        pq.write_table(pa.table({"y_true": [1.0, 1.0], "y_pred": y_pred}), tmp_path / "preds" / f"region={region}" / "part-0.parquet")
    result = cli("compute", "preds", "--loss", "mse", "--plot", "-q", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["row", "file", "mse"])
    # mse by hand: (5-1)^2 = 16 in asia's row 2, then (2-1)^2 = 1 in eu's row 1.
    assert lines[header + 2].split() == ["2", "preds/region=asia/part-0.parquet", "16"]
    assert lines[header + 3].split() == ["1", "preds/region=eu/part-0.parquet", "1"]


def test_compressed_and_blank_empty_parts_take_no_rows(cli, tmp_path):
    # Spark's empty partition written compressed is a .csv.gz of nothing (20 bytes),
    # and pandas' to_json(lines=True) of an empty frame a lone line break: both were
    # "file is empty" / "cannot parse NDJSON" errors, where a part of zero bytes is passed over.
    import bz2
    import gzip

    csv_folder = tmp_path / "spark out"
    csv_folder.mkdir()
    with gzip.open(csv_folder / "part-00000.csv.gz", "wb") as handle:
        handle.write(b"y_true,y_pred\n1,2\n3,3\n")
    with gzip.open(csv_folder / "part-00001.csv.gz", "wb"):
        pass
    (csv_folder / "part-00002.csv.bz2").write_bytes(bz2.compress(b""))
    with gzip.open(csv_folder / "part-00003.csv.gz", "wb") as handle:
        handle.write(b"y_true,y_pred\n0,4\n")
    (csv_folder / "_SUCCESS").write_text("")
    rows = _rows(cli("compute", csv_folder, "--loss", "mae", "--reduction", "none", "-f", "json", "-q"))
    # mae by hand: |1-2| = 1, |3-3| = 0, |0-4| = 4
    assert rows == [
        {"file": str(csv_folder / "part-00000.csv.gz"), "row": 1, "mae": 1.0},
        {"file": str(csv_folder / "part-00000.csv.gz"), "row": 2, "mae": 0.0},
        {"file": str(csv_folder / "part-00003.csv.gz"), "row": 1, "mae": 4.0},
    ]
    json_folder = tmp_path / "lines"
    json_folder.mkdir()
    first = _write(json_folder, "a", [1.0], [2.0], "ndjson")
    (json_folder / "b.ndjson").write_text("\n")
    third = _write(json_folder, "c", [0.0], [3.0], "ndjson")
    rows = _rows(cli("compute", json_folder, "--loss", "mae", "--reduction", "none", "-f", "json", "-q"))
    assert rows == [{"file": first, "row": 1, "mae": 1.0}, {"file": third, "row": 1, "mae": 3.0}]


def test_a_loss_asked_for_twice_is_named_once_in_errors(cli, tmp_path):
    from conftest import assert_usage_error

    path = write_csv(tmp_path / "seg.csv", {"y_true": [1, 0, 1], "y_pred": [0.9, 0.2, 0.6]})
    line = assert_usage_error(cli("compute", path, "--loss", "dice", "--loss", "dice", "--reduction", "none"), "dice has no per-row value")
    assert "dice, dice" not in line
    assert_usage_error(cli("compute", path, "--loss", "dice", "--loss", "iou", "--reduction", "none"), "dice, iou have no per-row value")
    assert_usage_error(cli("compute", path, "--loss", "mae", "--loss", "mae", "--fail-above", "mse=1"), "computed: mae)")
