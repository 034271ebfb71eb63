"""Per-row output with --key: each line carries its row's key, to join the losses back by."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from conftest import write_csv


def _records(target: Path) -> list[dict]:
    """The per-row file as records, each value as the format gives it back."""
    if target.suffix == ".csv":
        # Text as written: a key read back as a number would hide a lost leading zero.
        return list(csv.DictReader(io.StringIO(target.read_text())))
    if target.suffix == ".parquet":
        return pq.read_table(target).to_pylist()
    if target.suffix == ".jsonl":
        return [json.loads(line) for line in target.read_text().splitlines()]
    return json.loads(target.read_text())


@pytest.fixture
def shuffled(tmp_path) -> tuple[Path, Path]:
    """Predictions keyed 007, 8, 10; the labels list them in another order."""
    predictions = write_csv(tmp_path / "preds.csv", {"id": ["007", "8", "10"], "y_pred": [0.3, 0.5, 0.9]})
    labels = write_csv(tmp_path / "truth.csv", {"id": ["10", "007", "8"], "y_true": [1.0, 0.1, 0.25]})
    return predictions, labels


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".json"])
def test_each_line_has_its_key_after_the_row_number(cli, tmp_path, shuffled, suffix):
    predictions, labels = shuffled
    target = tmp_path / f"rows{suffix}"
    result = cli("compute", predictions, "--labels", labels, "--key", "id", "--loss", "mse", "--per-row", target, "-f", "json")
    assert result.exit_code == 0, result.stderr
    records = _records(target)
    assert [list(r) for r in records] == [["row", "id", "mse"]] * 3
    # One key is not a plain integer (007), so every key stays text, as written.
    assert [r["id"] for r in records] == ["007", "8", "10"]
    assert [int(r["row"]) for r in records] == [1, 2, 3]
    expected = [
        (0.3 - 0.1) ** 2,  # by hand: id 007, label 0.1 (second label row)
        (0.5 - 0.25) ** 2,  # by hand: id 8, label 0.25 (third label row)
        (0.9 - 1.0) ** 2,  # by hand: id 10, label 1.0 (first label row)
    ]
    assert [float(r["mse"]) for r in records] == pytest.approx(expected, rel=1e-12)


def test_csv_keys_that_are_all_integers_are_written_as_integers(cli, tmp_path):
    write_csv(tmp_path / "preds.csv", {"id": [3, 1, 2], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "truth.csv", {"id": [2, 3, 1], "y_true": [0.0, 0.0, 0.0]})
    for target in (tmp_path / "rows.json", tmp_path / "rows.parquet"):
        result = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / "truth.csv", "--key", "id", "--loss", "mae", "--per-row", target, "-q")
        assert result.exit_code == 0, result.stderr
        # by hand: |0 - y_pred| for ids 3, 1, 2 in prediction order
        assert _records(target) == [{"row": 1, "id": 3, "mae": 1.0}, {"row": 2, "id": 1, "mae": 2.0}, {"row": 3, "id": 2, "mae": 3.0}]
    assert pq.read_schema(tmp_path / "rows.parquet").field("id").type == pa.int64()
    # CSV writes numbers unquoted, text quoted: "007" in the file above reads back as text.
    rows = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / "truth.csv", "--key", "id", "--loss", "mae", "--reduction", "none")
    assert rows.stdout.splitlines() == ['"row","id","mae"', "1,3,1", "2,1,2", "3,2,3"]


@pytest.mark.parametrize("key_type", [pa.int32(), pa.string()])
def test_typed_keys_keep_their_type(cli, tmp_path, key_type):
    keys = [7, 5] if key_type == pa.int32() else ["b", "a"]
    pq.write_table(pa.table({"id": pa.array(keys, key_type), "y_pred": [0.5, 2.0]}), tmp_path / "preds.parquet")
    pq.write_table(pa.table({"id": pa.array(keys[::-1], key_type), "y_true": [1.0, 0.0]}), tmp_path / "truth.parquet")
    target = tmp_path / "rows.parquet"
    result = cli("compute", tmp_path / "preds.parquet", "--labels", tmp_path / "truth.parquet", "--key", "id", "--loss", "mse", "--per-row", target, "-q")
    assert result.exit_code == 0, result.stderr
    assert pq.read_schema(target).field("id").type == key_type
    # by hand: first key's label is 0.0 (second label row): 0.5^2; second key's is 1.0: (2 - 1)^2
    assert _records(target) == [{"row": 1, "id": keys[0], "mse": 0.25}, {"row": 2, "id": keys[1], "mse": 1.0}]
    as_json = cli("compute", tmp_path / "preds.parquet", "--labels", tmp_path / "truth.parquet", "--key", "id", "--loss", "mse", "--reduction", "none", "-f", "json")
    assert [r["id"] for r in json.loads(as_json.stdout)] == keys


def test_timestamp_keys_are_iso_text_in_json_and_csv(cli, tmp_path):
    stamps = [datetime.datetime(2024, 1, 2, 10, 30), datetime.datetime(2024, 1, 1)]
    pq.write_table(pa.table({"at": stamps, "y_pred": [1.0, 3.0]}), tmp_path / "preds.parquet")
    pq.write_table(pa.table({"at": stamps[::-1], "y_true": [0.0, 0.0]}), tmp_path / "truth.parquet")
    args = ("compute", tmp_path / "preds.parquet", "--labels", tmp_path / "truth.parquet", "--key", "at", "--loss", "mae", "--reduction", "none")
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    # by hand: |1 - 0| and |3 - 0|
    assert json.loads(result.stdout) == [{"row": 1, "at": "2024-01-02T10:30:00", "mae": 1.0}, {"row": 2, "at": "2024-01-01T00:00:00", "mae": 3.0}]
    assert cli(*args).stdout.splitlines()[1] == '1,"2024-01-02T10:30:00",1'


def test_omitted_and_unmatched_rows_do_not_shift_keys_against_losses(cli, tmp_path, small_batches, monkeypatch):
    import losscli.io.plan as plan

    # Several joined batches, so a key must also stay with its row across them.
    monkeypatch.setattr(plan, "JOINED_BATCH_ROWS", 3)
    predictions = {"id": ["a", "b", "c", "d", "e", "f", "g"], "y_pred": ["0.5", "nan", "2", "3", "", "1.5", "4"], "g": ["x", "y", "x", "y", "x", "y", "x"]}
    write_csv(tmp_path / "preds.csv", predictions)
    # Labels shuffled; 'd' has none, and 'z' no prediction.
    write_csv(tmp_path / "truth.csv", {"id": ["g", "z", "f", "c", "a", "e", "b"], "y_true": [1.0, 9.0, 0.5, 1.0, 0.0, 1.0, 1.0]})
    target = tmp_path / "rows.jsonl"
    result = cli(
        "compute", tmp_path / "preds.csv", "--labels", tmp_path / "truth.csv", "--key", "id", "--loss", "mse",
        "--nan-policy", "omit", "--allow-unmatched", "--by", "g", "--per-row", target, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert _records(target) == [
        {"row": 1, "id": "a", "g": "x", "mse": 0.25},  # by hand: (0.5 - 0.0)^2
        {"row": 3, "id": "c", "g": "x", "mse": 1.0},  # by hand: (2 - 1.0)^2
        {"row": 6, "id": "f", "g": "y", "mse": 1.0},  # by hand: (1.5 - 0.5)^2
        {"row": 7, "id": "g", "g": "x", "mse": 9.0},  # by hand: (4 - 1.0)^2
    ]


def test_key_column_named_like_row_a_loss_or_the_group_gets_a_prefix(cli, tmp_path):
    write_csv(tmp_path / "preds.csv", {"row": [2, 1], "mse": ["p", "q"], "y_pred": [1.0, 3.0]})
    write_csv(tmp_path / "truth.csv", {"row": [1, 2], "mse": ["q", "p"], "y_true": [0.0, 0.0]})
    common = ("compute", tmp_path / "preds.csv", "--labels", tmp_path / "truth.csv", "--loss", "mse", "--reduction", "none", "-f", "json")
    # by hand: 1.0^2 and 3.0^2
    assert json.loads(cli(*common, "--key", "row").stdout) == [{"row": 1, "key_row": 2, "mse": 1.0}, {"row": 2, "key_row": 1, "mse": 9.0}]
    assert json.loads(cli(*common, "--key", "mse").stdout) == [{"row": 1, "key_mse": "p", "mse": 1.0}, {"row": 2, "key_mse": "q", "mse": 9.0}]
    # The group column is named as without --key; the key gives way.
    by_key = json.loads(cli(*common, "--key", "mse", "--by", "mse").stdout)
    assert by_key == [{"row": 1, "key_mse": "p", "by_mse": "p", "mse": 1.0}, {"row": 2, "key_mse": "q", "by_mse": "q", "mse": 9.0}]


def test_predictions_from_stdin_carry_their_keys(cli, tmp_path, shuffled):
    predictions, labels = shuffled
    result = cli("compute", "-", "--labels", labels, "--key", "id", "--loss", "mae", "--reduction", "none", input=predictions.read_text())
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], float(r["mae"])) for r in rows] == [
        ("007", pytest.approx(0.2)),  # by hand: |0.3 - 0.1|
        ("8", pytest.approx(0.25)),  # by hand: |0.5 - 0.25|
        ("10", pytest.approx(0.1)),  # by hand: |0.9 - 1.0|
    ]


def test_a_dataset_of_many_files_gives_each_row_its_own_key(cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    for part in range(3):
        pq.write_table(pa.table({"id": [10 * part + 1, 10 * part + 2], "y_pred": [float(part), float(part) + 0.5]}), folder / f"part-{part}.parquet")
    keys = [1, 2, 11, 12, 21, 22]
    pq.write_table(pa.table({"id": keys[::-1], "y_true": [0.0] * 6}), tmp_path / "truth.parquet")
    result = cli("compute", folder, "--labels", tmp_path / "truth.parquet", "--key", "id", "--loss", "mse", "--reduction", "none", "-f", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["id"] for r in records] == keys
    # by hand: every label is 0, so each loss is its prediction squared: part p holds p and p + 0.5
    assert [r["mse"] for r in records] == [0.0, 0.25, 1.0, 2.25, 4.0, 6.25]


def test_rows_of_a_dataset_count_across_its_files_as_pyarrow_lists_them(cli, tmp_path):
    # Folders and files out of creation order: pyarrow reads them sorted by path.
    for folder, name, y_pred in (("fold=2", "a.parquet", [1.5, None]), ("fold=1", "b.parquet", [0.5]), ("fold=1", "a.parquet", [3.0, 4.0])):
        (tmp_path / "preds" / folder).mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"y_true": [0.0] * len(y_pred), "y_pred": pa.array(y_pred, pa.float64())}), tmp_path / "preds" / folder / name)
    result = cli("compute", tmp_path / "preds", "--loss", "mse", "--nan-policy", "omit", "--by", "fold", "--reduction", "none", "-f", "json", "-q")
    assert result.exit_code == 0, result.stderr
    # pyarrow.dataset lists the files in the order it reads them; each row is named by its file and its row there.
    files = pads.dataset(tmp_path / "preds", partitioning="hive").files
    expected = [
        {"file": name, "row": i + 1, "fold": int(name.split("fold=")[1][0]), "mse": r["y_pred"] ** 2}
        for name in files
        for i, r in enumerate(pq.read_table(name).to_pylist())
        if r["y_pred"] is not None
    ]
    assert [r["file"] for r in expected] == sorted(r["file"] for r in expected)
    assert json.loads(result.stdout) == expected
