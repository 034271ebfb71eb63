"""A directory or a glob of CSV (or JSON Lines) part files is one input:
Spark's output folder, shards written by several workers. Parts are read in
sorted order, with the first part's header, and errors name the part."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest
from conftest import assert_usage_error, write_csv


def _result(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return next(r for r in json.loads(result.stdout)["results"] if r["group"] is None)


def _spark_folder(folder, parts: list[tuple[np.ndarray, np.ndarray]], suffix: str = ".csv"):
    """df.write.option("header", True).csv(folder): parts, checksums, _SUCCESS."""
    folder.mkdir()
    for index, (y, p) in enumerate(parts):
        name = f"part-{index:05d}-4a1b-c000{suffix}"
        write_csv(folder / "part.tmp", {"y_true": y, "y_pred": p})
        data = (folder / "part.tmp").read_bytes()
        (folder / "part.tmp").unlink()
        (folder / name).write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
        (folder / f".{name}.crc").write_bytes(b"\x00crc")
    (folder / "_SUCCESS").write_text("")


def _parts(count: int = 3, rows: int = 50, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=rows), rng.normal(size=rows)) for _ in range(count)]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_spark_folder_named_like_a_csv_file_is_one_dataset(cli, tmp_path, suffix):
    # Was: "the file may be truncated or corrupt, or the disk failed".
    parts = _parts()
    _spark_folder(tmp_path / "preds.csv", parts, suffix)
    found = _result(cli("compute", tmp_path / "preds.csv", "--loss", "mse", "-f", "json"))
    y, p = (np.concatenate(side) for side in zip(*parts))
    assert found["n"] == 150 and found["value"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)  # numpy


def test_parts_are_read_in_sorted_order(cli, tmp_path):
    # Aligned by order with one labels file: any other order would mismatch.
    (tmp_path / "shards").mkdir()
    labels = []
    for name in ["part-1.csv", "part-0.csv", "part-10.csv"]:
        index = int(re.search(r"\d+", name).group())
        values = np.arange(3.0) + 10 * index
        write_csv(tmp_path / "shards" / name, {"y_pred": values})
        labels.append((name, values))
    write_csv(tmp_path / "labels.csv", {"y_true": np.concatenate([v for _, v in sorted(labels)])})
    result = cli("compute", tmp_path / "shards" / "*.csv", "--labels", tmp_path / "labels.csv", "--loss", "mae", "-f", "json")
    assert _result(result)["value"] == 0.0 and _result(result)["n"] == 9


def test_the_hint_for_a_glob_the_shell_expanded_is_followed_by_a_read(cli, tmp_path, monkeypatch):
    # Was: the hint said to quote the pattern, and the quoted pattern was refused.
    monkeypatch.chdir(tmp_path)
    for name, (y, p) in zip(["a.csv", "b.csv"], _parts(2)):
        write_csv(tmp_path / name, {"y_true": y, "y_pred": p})
    line = assert_usage_error(cli("compute", "a.csv", "b.csv", "--loss", "mse"), "quote a glob pattern, e.g. '*.csv'")
    pattern = re.search(r"e\.g\. '([^']+)'", line).group(1)
    assert _result(cli("compute", pattern, "--loss", "mse", "-f", "json"))["n"] == 100


def test_files_without_extensions_are_parts_when_the_format_is_given(cli, tmp_path):
    parts = _parts(2)
    (tmp_path / "out").mkdir()
    for index, (y, p) in enumerate(parts):
        write_csv(tmp_path / "out" / f"part-{index:05d}", {"y_true": y, "y_pred": p})
    found = _result(cli("compute", tmp_path / "out", "--input-format", "csv", "--loss", "mae", "-f", "json"))
    y, p = (np.concatenate(side) for side in zip(*parts))
    assert found["value"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)  # numpy


@pytest.mark.parametrize("how", ["folder named .jsonl", "glob", "input-format"])
def test_json_lines_parts_are_one_dataset(cli, tmp_path, how):
    rows = [[{"y_true": 1, "y_pred": 2}, {"y_true": 2, "y_pred": 2}], [{"y_true": 3, "y_pred": 5, "note": "x"}]]
    folder = tmp_path / ("preds.jsonl" if how == "folder named .jsonl" else "logs")
    folder.mkdir()
    for index, part in enumerate(rows):
        (folder / f"part-{index:05d}.json").write_text("".join(json.dumps(row) + "\n" for row in part))
    (folder / "_SUCCESS").write_text("")
    path = folder / "*.json" if how == "glob" else folder
    extra = ["--input-format", "ndjson"] if how == "input-format" else []
    found = _result(cli("compute", path, "--loss", "mse", *extra, "-f", "json"))
    # By hand: errors 1, 0, 2 -> (1 + 0 + 4) / 3.
    assert found["n"] == 3 and found["value"] == pytest.approx(5 / 3, rel=1e-15)


def test_hive_folders_of_csv_parts_are_columns_when_named(cli, tmp_path):
    # df.write.partitionBy("fold").option("header", True).csv(path)
    for fold, rows in (("0", "1,2\n"), ("1", "1,1\n2,2\n")):
        (tmp_path / "ds" / f"fold={fold}").mkdir(parents=True)
        (tmp_path / "ds" / f"fold={fold}" / "part-00000.csv").write_text("y_true,y_pred\n" + rows)
    result = cli("compute", tmp_path / "ds", "--loss", "mse", "--by", "fold", "-f", "json")
    assert result.exit_code == 0, result.stderr
    groups = {r["group"]["fold"]: (r["value"], r["n"]) for r in json.loads(result.stdout)["results"] if r["group"]}
    assert groups == {0: (1.0, 1), 1: (0.0, 2)}  # by hand
    assert_usage_error(cli("compute", tmp_path / "ds", "--loss", "mse", "--by", "flod"), "no column 'flod' for --by; did you mean 'fold'?")


@pytest.mark.parametrize(
    ("second", "fragments"),
    [
        ("y_true,y_pred\n1,0.5\n3,abc\n", ("b.csv, column 'y_pred', row 2: non-numeric text 'abc'",)),
        ("y_true,y_pred\n1,0.5\n0,1.5\n", ("b.csv, column 'y_pred', row 2: probability outside [0, 1] (value 1.5)",)),
        ("y_true,y_pred\n1,0.5\n0,\n", ("b.csv, column 'y_pred': 1 row with missing, NaN or infinite values, the first at row 2",)),
        ("y_true,y_pred\n1,0.5\n0,0.5,9\n", ("b.csv, row 2: this row has 3 fields where the header has 2",)),
        ("y_pred,y_true\n0.5,1\n", ("b.csv: the header differs from that of", "the columns are in another order (y_pred, y_true)")),
    ],
    ids=["text", "kernel", "missing", "ragged", "header"],
)
def test_an_error_in_a_later_part_names_that_part_and_its_row(cli, tmp_path, second, fragments):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "a.csv").write_text("y_true,y_pred\n1,0.2\n0,0.3\n")
    (tmp_path / "ds" / "b.csv").write_text(second)
    assert_usage_error(cli("compute", tmp_path / "ds", "--loss", "bce"), *fragments)


def test_empty_parts_are_passed_over(cli, tmp_path):
    # Spark writes an empty file for an empty partition, without a header.
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "part-00000.csv").write_text("")
    (tmp_path / "ds" / "part-00001.csv").write_text("y_true,y_pred\n1,2\n")
    (tmp_path / "ds" / "part-00002.csv").write_text("")
    assert _result(cli("compute", tmp_path / "ds", "--loss", "mse", "-f", "json"))["n"] == 1
    for name in ("part-00001.csv",):
        (tmp_path / "ds" / name).write_text("")
    assert_usage_error(cli("compute", tmp_path / "ds", "--loss", "mse"), "ds: every file of the dataset is empty")


def test_a_column_empty_in_the_first_part_takes_its_type_from_its_own_part(cli, tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "a.csv").write_text("y_true,y_pred,w\n1,2,\n")
    (tmp_path / "ds" / "b.csv").write_text("y_true,y_pred,w\n1,1,2\n3,5,1\n")
    found = _result(cli("compute", tmp_path / "ds", "--loss", "mse", "--nan-policy", "omit", "--weight-col", "w", "-f", "json"))
    # By hand: the first row has no weight; (2 * 0 + 1 * 4) / 3.
    assert found["n"] == 2 and found["value"] == pytest.approx(4 / 3, rel=1e-15)


def test_a_dataset_of_csv_and_parquet_files_is_refused(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "mixed").mkdir()
    write_csv(tmp_path / "mixed" / "a.csv", {"y_true": [1.0], "y_pred": [2.0]})
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / "mixed" / "b.parquet")
    line = assert_usage_error(cli("compute", tmp_path / "mixed", "--loss", "mse"))
    assert line == (
        f"error: {tmp_path / 'mixed'}: the dataset holds both CSV and Parquet files; losscli reads a dataset of one format "
        f"(move the files of one format elsewhere, or name one format's files with a pattern such as '{tmp_path / 'mixed' / '*.csv'}')"
    )
