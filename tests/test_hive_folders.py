"""Hive folders (``region=eu/part-0.parquet``) as columns on the local engine:
the same groups as the column written into the files."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.io import readers
from losscli.io.readers import ParquetSource


def _table(rows: int = 600, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "y_true": rng.normal(size=rows),
            "y_pred": rng.normal(size=rows),
            "region": rng.choice(["eu", "us", "new york"], size=rows),
        }
    )


def _groups(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return {json.dumps(r["group"]): (r["value"], r["n"]) for r in json.loads(result.stdout)["results"]}


def _expected_mse(table: pa.Table, column: str) -> dict:
    """numpy, on the flat table, keyed like the JSON groups."""
    y, p, keys = table["y_true"].to_numpy(), table["y_pred"].to_numpy(), np.asarray(table[column].to_pylist(), dtype=object)
    expected = {"null": (np.mean((p - y) ** 2), len(y))}
    for key in set(keys.tolist()):
        rows = keys == key
        expected[json.dumps({column: key})] = (np.mean((p[rows] - y[rows]) ** 2), int(rows.sum()))
    return expected


def _assert_groups(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    for key, (value, n) in expected.items():
        assert found[key][1] == n
        assert found[key][0] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("path", ["hive", "hive/*/*.parquet"])
def test_by_a_folder_key_equals_by_the_column(cli, tmp_path, path):
    table = _table()
    # Two row groups per file, so the row-group readers run too.
    pq.write_to_dataset(table, tmp_path / "hive", partition_cols=["region"], row_group_size=150)
    assert not any("region" in pq.read_schema(f).names for f in (tmp_path / "hive").rglob("*.parquet"))
    found = _groups(cli("compute", str(tmp_path / path), "--loss", "mse", "--by", "region", "-f", "json"))
    _assert_groups(found, _expected_mse(table, "region"))


def test_folder_keys_survive_small_batches(cli, tmp_path, monkeypatch):
    table = _table(rows=300)
    pq.write_to_dataset(table, tmp_path / "hive", partition_cols=["region"])
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    found = _groups(cli("compute", tmp_path / "hive", "--loss", "mse", "--by", "region", "-f", "json"))
    _assert_groups(found, _expected_mse(table, "region"))


def test_integer_folder_keys_are_numbers_and_the_null_folder_is_missing(cli, tmp_path):
    for folder, y_pred in (("fold=1", [1.0, 3.0]), ("fold=2", [2.0]), ("fold=__HIVE_DEFAULT_PARTITION__", [5.0])):
        (tmp_path / "ds" / folder).mkdir(parents=True)
        pq.write_table(pa.table({"y_true": [0.0] * len(y_pred), "y_pred": y_pred}), tmp_path / "ds" / folder / "part-0.parquet")
    document = json.loads(cli("compute", tmp_path / "ds", "--loss", "mae", "--by", "fold", "-f", "json").stdout)
    # By hand: fold 1 has |1| and |3|, fold 2 |2|, the null folder |5|.
    assert sorted((json.dumps(r["group"]), r["value"], r["n"]) for r in document["results"]) == [
        ("null", 11 / 4, 4),
        ('{"fold": 1}', 2.0, 2),
        ('{"fold": 2}', 2.0, 1),
        ('{"fold": null}', 5.0, 1),
    ]


def test_folder_keys_are_columns_only_when_named(tmp_path):
    pq.write_to_dataset(pa.table({"score": [0.2, 0.4, 0.9], "fold": [1, 1, 2]}), tmp_path / "hive", partition_cols=["fold"])
    # Otherwise "the only numeric column" would no longer be the only one.
    assert ParquetSource(str(tmp_path / "hive")).names() == ["score"]
    named = ParquetSource(str(tmp_path / "hive"), frozenset({"fold"}))
    assert named.names() == ["score", "fold"] and named.column("fold").type == pa.int64()


def test_a_column_in_the_files_wins_over_a_folder_of_the_same_name(cli, tmp_path):
    (tmp_path / "ds" / "region=eu").mkdir(parents=True)
    # The folder says eu; the file's own column says otherwise.
    pq.write_table(pa.table({"y_true": [0.0, 0.0], "y_pred": [1.0, 3.0], "region": ["north", "south"]}), tmp_path / "ds" / "region=eu" / "part-0.parquet")
    document = json.loads(cli("compute", tmp_path / "ds", "--loss", "mae", "--by", "region", "-f", "json").stdout)
    assert [(r["group"], r["value"]) for r in document["results"]] == [(None, 2.0), ({"region": "north"}, 1.0), ({"region": "south"}, 3.0)]


def test_a_misspelt_column_lists_the_folder_keys_too(cli, tmp_path):
    pq.write_to_dataset(_table(rows=30), tmp_path / "hive", partition_cols=["region"])
    result = cli("compute", tmp_path / "hive", "--loss", "mse", "--by", "regoin")
    assert result.exit_code == 2
    assert "no column 'regoin' for --by; did you mean 'region'? (columns: y_true, y_pred, region)" in result.stderr


def test_folder_columns_do_not_import_pandas(tmp_path):
    # pa.scalar on a Python value imports pandas: 0.15 s and 80 MB on every
    # run that names a folder key.
    import subprocess
    import sys

    for index, split in enumerate(["train", "val", "train", "__HIVE_DEFAULT_PARTITION__"]):
        (tmp_path / f"split={split}").mkdir(exist_ok=True)
        pq.write_table(pa.table({"y_pred": [0.5, 1.5]}), tmp_path / f"split={split}" / f"part-{index}.parquet")
    code = (
        "import sys\n"
        "from losscli.io.readers import ParquetSource\n"
        f"source = ParquetSource({str(tmp_path)!r}, frozenset({{'split'}}))\n"
        "print([b.column(1).to_pylist() for b in source.batches(['y_pred', 'split'])])\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[[None, None, 'train', 'train', 'train', 'train', 'val', 'val']]", "False"]


@pytest.mark.parametrize(("value", "kind"), [("new york", pa.string()), ("", pa.string()), ("é", pa.string()), (7, pa.int64()), (None, pa.string()), (None, pa.int64())])
def test_a_folder_value_repeated_on_every_row(value, kind):
    from losscli.io.arrow_numpy import repeated

    array = repeated(value, kind, 5)
    array.validate(full=True)
    assert array.type == kind
    assert array.to_pylist() == [value] * 5
    assert repeated(value, kind, 0).to_pylist() == []
