"""Parquet row groups decoded on several threads arrive complete and in file
order, give the values of a plain sequential read, and fail as one error line."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_usage_error
from losscli.io import readers, row_groups
from losscli.io.readers import ParquetSource


def _write(path, rows: int, group_rows: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    table = pa.table({"id": np.arange(rows, dtype=np.int64), "y_true": rng.normal(size=rows), "y_pred": rng.normal(size=rows)})
    pq.write_table(table, path, row_group_size=group_rows)
    return table


@pytest.fixture
def two_cores(monkeypatch):
    # The parallel path needs at least two cores; CI machines may report one.
    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 2)


def test_parallel_batches_keep_file_order(tmp_path, two_cores, monkeypatch):
    table = _write(tmp_path / "p.parquet", rows=10_000, group_rows=700)
    monkeypatch.setattr(readers, "BATCH_ROWS", 300)
    source = ParquetSource(str(tmp_path / "p.parquet"))
    assert row_groups.parallel_workers(source._file(source.files[0]).metadata, ["id", "y_pred"]) == 2
    batches = list(source.batches(["id", "y_pred"]))
    # 15 row groups of up to 700 rows, each cut into batches of at most 300.
    assert max(b.num_rows for b in batches) == 300
    ids = np.concatenate([b.column(0).to_numpy() for b in batches])
    np.testing.assert_array_equal(ids, np.arange(10_000))
    values = np.concatenate([b.column(1).to_numpy() for b in batches])
    np.testing.assert_array_equal(values, table["y_pred"].to_numpy())


def test_one_row_group_or_one_core_streams(tmp_path, monkeypatch):
    _write(tmp_path / "one.parquet", rows=1000, group_rows=1000)
    _write(tmp_path / "many.parquet", rows=1000, group_rows=100)
    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 2)
    assert row_groups.parallel_workers(pq.ParquetFile(tmp_path / "one.parquet").metadata, ["y_true"]) == 1
    assert row_groups.parallel_workers(pq.ParquetFile(tmp_path / "many.parquet").metadata, ["y_true"]) == 2
    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 1)
    assert row_groups.parallel_workers(pq.ParquetFile(tmp_path / "many.parquet").metadata, ["y_true"]) == 1


def test_row_groups_too_large_to_hold_several_stream(tmp_path, two_cores, monkeypatch):
    _write(tmp_path / "p.parquet", rows=1000, group_rows=100)
    metadata = pq.ParquetFile(tmp_path / "p.parquet").metadata
    # Each group's two float columns decode to 1,600 bytes.
    monkeypatch.setattr(row_groups, "MAX_ROW_GROUP_BYTES", 1000)
    assert row_groups.parallel_workers(metadata, ["y_true", "y_pred"]) == 1
    monkeypatch.setattr(row_groups, "MAX_ROW_GROUP_BYTES", 4000)
    assert row_groups.parallel_workers(metadata, ["y_true", "y_pred"]) == 2


def test_parallel_read_equals_sequential_read(tmp_path, cli, monkeypatch):
    _write(tmp_path / "p.parquet", rows=20_000, group_rows=1_500)

    def values() -> list[float]:
        result = cli("compute", tmp_path / "p.parquet", "--loss", "mse", "--loss", "huber:delta=0.5", "--loss", "mae", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return [r["value"] for r in json.loads(result.stdout)["results"]]

    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 2)
    parallel = values()
    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 1)
    sequential = values()
    assert parallel == pytest.approx(sequential, rel=1e-12)
    # Independent: numpy on the whole table.
    table = pq.read_table(tmp_path / "p.parquet")
    error = table["y_pred"].to_numpy() - table["y_true"].to_numpy()
    assert parallel[0] == pytest.approx(np.mean(error**2), rel=1e-12)
    assert parallel[2] == pytest.approx(np.mean(np.abs(error)), rel=1e-12)


def test_stopping_early_leaves_no_reader_behind(tmp_path, two_cores):
    _write(tmp_path / "p.parquet", rows=5000, group_rows=500)
    source = ParquetSource(str(tmp_path / "p.parquet"))
    stream = source.batches(["y_true"])
    first = next(stream)
    assert first.num_rows > 0
    stream.close()  # runs the reader's cleanup: queued row groups are cancelled


def test_corrupt_row_group_is_one_error_line(tmp_path, cli, two_cores):
    path = tmp_path / "p.parquet"
    _write(path, rows=20_000, group_rows=2_000)
    metadata = pq.ParquetFile(path).metadata
    # Overwrite the data pages of the fourth row group's y_pred column with noise.
    chunk = metadata.row_group(3).column(2)
    start = chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + 400] = bytes(range(200)) * 2
    path.write_bytes(bytes(data))
    result = cli("compute", path, "--loss", "mse")
    assert_usage_error(result, str(path), "Parquet")


def test_parquet_from_stdin_is_read_in_parallel_too(tmp_path, cli, two_cores):
    table = _write(tmp_path / "p.parquet", rows=4000, group_rows=500)
    result = cli("compute", "-", "--input-format", "parquet", "--loss", "mse", "--format", "json", input=(tmp_path / "p.parquet").read_bytes())
    assert result.exit_code == 0, result.stderr
    expected = np.mean((table["y_pred"].to_numpy() - table["y_true"].to_numpy()) ** 2)
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-12)


def test_list_columns_count_towards_the_row_group_size(tmp_path, two_cores, monkeypatch):
    # A list column's leaves are stored as "emb.list.element"; their size must count,
    # decoded: repeated values are dictionary-encoded to a few bytes on disk.
    embeddings = pa.array([[float(i)] * 50 for i in range(1000)], type=pa.list_(pa.float64()))
    pq.write_table(pa.table({"emb": embeddings, "y": np.arange(1000.0)}), tmp_path / "e.parquet", row_group_size=100)
    metadata = pq.ParquetFile(tmp_path / "e.parquet").metadata
    monkeypatch.setattr(row_groups, "MAX_ROW_GROUP_BYTES", 10_000)
    assert row_groups.parallel_workers(metadata, ["y"]) == 2  # 800 bytes per group
    assert row_groups.parallel_workers(metadata, ["emb"]) == 1  # 40,000 bytes per group


def test_wide_rows_are_read_in_batches_of_at_most_the_byte_budget(tmp_path, monkeypatch):
    """One row group of wide rows (as pandas writes a thousand class columns)
    comes in batches of fewer rows, and every class is still read."""
    rng = np.random.default_rng(5)
    rows, classes = 3000, 40
    probabilities = rng.dirichlet(np.ones(classes), size=rows)
    labels = rng.integers(0, classes, rows)
    columns = {"y_true": labels, **{f"p_{c}": probabilities[:, c] for c in range(classes)}}
    pq.write_table(pa.table(columns), tmp_path / "wide.parquet")  # one row group
    read = list(columns)
    metadata = pq.ParquetFile(tmp_path / "wide.parquet").metadata
    # 41 eight-byte columns: 328 bytes a row, so 100,000 bytes hold at most 304
    # rows (fewer: the stored pages' headers and dictionaries count too).
    wide = row_groups.batch_rows(metadata, read, most_rows=1 << 18, most_bytes=100_000)
    assert 200 <= wide <= 304
    # One column, 8 bytes a row: at most 12,500 rows, and never more than most_rows.
    assert 6_000 <= row_groups.batch_rows(metadata, ["y_true"], most_rows=1 << 18, most_bytes=100_000) <= 12_500
    assert row_groups.batch_rows(metadata, ["y_true"], most_rows=500, most_bytes=100_000) == 500

    monkeypatch.setattr(readers, "BATCH_BYTES", 100_000)
    batches = list(ParquetSource(str(tmp_path / "wide.parquet")).batches(read))
    full, last = divmod(rows, wide)
    assert [b.num_rows for b in batches] == [wide] * full + ([last] if last else [])
    assert {b.num_columns for b in batches} == {41}
    np.testing.assert_array_equal(np.concatenate([b.column("p_39").to_numpy() for b in batches]), probabilities[:, 39])


def test_wide_rows_in_many_batches_give_the_loss_of_one_batch(tmp_path, cli, monkeypatch):
    rng = np.random.default_rng(6)
    rows, classes = 2000, 30
    probabilities = rng.dirichlet(np.ones(classes), size=rows)
    labels = rng.integers(0, classes, rows)
    columns = {"y_true": labels, **{f"p_{c}": probabilities[:, c] for c in range(classes)}}
    pq.write_table(pa.table(columns), tmp_path / "wide.parquet")
    monkeypatch.setattr(readers, "BATCH_BYTES", 20_000)  # 80 rows a batch
    result = cli("compute", tmp_path / "wide.parquet", "--loss", "cce", "--pred-col", "p_*", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    # numpy: mean of -log p(true class), clipped to [1e-7, 1 - 1e-7]
    expected = -np.mean(np.log(np.clip(probabilities[np.arange(rows), labels], 1e-7, 1 - 1e-7)))
    assert document["results"][0]["value"] == pytest.approx(expected, rel=1e-12)
    assert document["inputs"]["rows"] == rows


def _write_parts(folder, files: int, rows: int, id_type=pa.int64()):
    folder.mkdir()
    for index in range(files):
        start = index * rows
        ids = pa.array(np.arange(start, start + rows), type=id_type(index) if callable(id_type) else id_type)
        pq.write_table(pa.table({"id": ids, "y_pred": np.arange(start, start + rows) / 10}), folder / f"part-{index:03d}.parquet")


def test_small_files_of_a_dataset_are_read_as_few_large_batches(tmp_path):
    # A batch costs the same to convert and fold whatever its rows: 2,000
    # files of 1,000 rows took twice as long as one file of 2M rows.
    _write_parts(tmp_path / "parts", files=40, rows=100)
    batches = list(ParquetSource(str(tmp_path / "parts")).batches(["id", "y_pred"]))
    assert [b.num_rows for b in batches] == [4000]
    np.testing.assert_array_equal(batches[0].column(0).to_numpy(), np.arange(4000))
    np.testing.assert_array_equal(batches[0].column(1).to_numpy(), np.arange(4000) / 10)


def test_small_batches_are_joined_up_to_the_batch_size(tmp_path, monkeypatch):
    _write_parts(tmp_path / "parts", files=10, rows=100)
    monkeypatch.setattr(readers, "BATCH_ROWS", 250)
    batches = list(ParquetSource(str(tmp_path / "parts")).batches(["id"]))
    assert [b.num_rows for b in batches] == [200] * 5
    np.testing.assert_array_equal(np.concatenate([b.column(0).to_numpy() for b in batches]), np.arange(1000))


def test_files_of_other_column_types_are_not_joined(tmp_path):
    _write_parts(tmp_path / "parts", files=4, rows=10, id_type=lambda index: pa.int32() if index == 2 else pa.int64())
    batches = list(ParquetSource(str(tmp_path / "parts")).batches(["id"]))
    assert [(b.num_rows, b.schema.field("id").type) for b in batches] == [(20, pa.int64()), (10, pa.int32()), (10, pa.int64())]


def test_small_files_are_decoded_without_arrow_threads(tmp_path, monkeypatch):
    _write(tmp_path / "small.parquet", rows=1000, group_rows=1000)
    _write(tmp_path / "large.parquet", rows=300_000, group_rows=300_000)
    calls = []
    original = pq.ParquetFile.iter_batches

    def spy(self, *args, **kwargs):
        calls.append(kwargs["use_threads"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    for name in ("small.parquet", "large.parquet"):
        list(ParquetSource(str(tmp_path / name)).batches(["y_true", "y_pred"]))
    assert calls == [False, True]


def test_a_dataset_of_small_files_gives_the_loss_of_one_file(tmp_path, cli):
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.normal(size=3000), rng.normal(size=3000)
    (tmp_path / "parts").mkdir()
    for index in range(30):
        part = slice(index * 100, index * 100 + 100)
        pq.write_table(pa.table({"y_true": y_true[part], "y_pred": y_pred[part]}), tmp_path / "parts" / f"part-{index:02d}.parquet")
    result = cli("compute", str(tmp_path / "parts"), "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)["results"][0]["value"]
    assert value == pytest.approx(np.mean((y_pred - y_true) ** 2), rel=1e-12)


# --- Row groups decoded on the threads that fold them (several losses) ---

TEN_LOSSES = ("mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile:q=0.9", "poisson:log_input=false")


@pytest.fixture
def decoded_where_folded(monkeypatch):
    """Two cores for readers and engine, and the row groups decoded by the
    folding threads (their index and thread name) as they are."""
    from losscli import engine

    monkeypatch.setattr(row_groups.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
    seen: list[tuple[int, str]] = []
    original = ParquetSource.part_batches

    def spy(self, part, columns):
        import threading

        seen.extend((index, threading.current_thread().name) for _, index in part.groups)
        return original(self, part, columns)

    monkeypatch.setattr(ParquetSource, "part_batches", spy)
    return seen


def _positive(path, rows: int, group_rows: int, seed: int = 5):
    # Positive values, so msle, mape and the Poisson loss are all defined.
    rng = np.random.default_rng(seed)
    y_true = rng.lognormal(size=rows)
    table = pa.table({"y_true": y_true, "y_pred": y_true * rng.lognormal(sigma=0.3, size=rows)})
    pq.write_table(table, path, row_group_size=group_rows)
    return table


def _values(cli, *args) -> list[float]:
    result = cli("compute", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [r["value"] for r in json.loads(result.stdout)["results"]]


@pytest.mark.parametrize("group_rows", [2_000, 300], ids=["groups-larger-than-a-batch", "groups-joined-into-batches"])
def test_row_groups_folded_where_decoded_give_every_loss_to_the_last_bit(tmp_path, cli, monkeypatch, decoded_where_folded, group_rows):
    path = tmp_path / "p.parquet"
    table = _positive(path, rows=9_000, group_rows=group_rows)
    monkeypatch.setattr(readers, "BATCH_ROWS", 700)  # several batches per row group, or row groups per batch
    together = _values(cli, path, *[arg for name in TEN_LOSSES for arg in ("--loss", name)])
    # Every row group, decoded on a folding thread, not on a reader's.
    assert sorted(index for index, _ in decoded_where_folded) == list(range(-(-9_000 // group_rows)))
    assert all(name.startswith("losscli-batch") for _, name in decoded_where_folded)
    # One loss at a time, and read in file order by the reader threads: the
    # same batches, summed in the same order, so the same bits.
    alone = [_values(cli, path, "--loss", name)[0] for name in TEN_LOSSES]
    monkeypatch.setattr(ParquetSource, "row_group_parts", lambda self, columns: None)
    decoded_where_folded.clear()
    in_order = _values(cli, path, *[arg for name in TEN_LOSSES for arg in ("--loss", name)])
    assert decoded_where_folded == []
    assert together == alone == in_order
    # Independent: numpy on the whole table.
    error = table["y_pred"].to_numpy() - table["y_true"].to_numpy()
    assert together[0] == pytest.approx(np.mean(error**2), rel=1e-12)
    assert together[1] == pytest.approx(np.mean(np.abs(error)), rel=1e-12)


def test_integer_labels_are_read_where_folded_too(tmp_path, cli, decoded_where_folded):
    path = tmp_path / "p.parquet"
    labels = np.arange(3_000) % 7
    pq.write_table(pa.table({"y_true": labels, "y_pred": labels + 0.5}), path, row_group_size=1_000)
    assert _values(cli, path, "--loss", "mse", "--loss", "mae") == [0.25, 0.5]  # every residual is 0.5
    assert len(decoded_where_folded) == 3


def test_missing_value_in_a_later_row_group_names_its_file_row(tmp_path, cli, decoded_where_folded):
    path = tmp_path / "p.parquet"
    table = _positive(path, rows=6_000, group_rows=1_000)
    y_pred = table["y_pred"].to_numpy().copy()
    y_pred[4_321] = np.nan  # file row 4,322
    pq.write_table(table.set_column(1, "y_pred", pa.array(y_pred)), path, row_group_size=1_000)
    result = cli("compute", path, "--loss", "mse", "--loss", "mae")
    assert_usage_error(result, str(path), "row 4322", "y_pred")
    assert decoded_where_folded  # the first read went this way, then the checked one named the row


def test_loss_error_in_a_later_row_group_names_its_file_row(tmp_path, cli, decoded_where_folded):
    path = tmp_path / "p.parquet"
    table = _positive(path, rows=6_000, group_rows=1_000)
    y_true = table["y_true"].to_numpy().copy()
    y_true[2_500] = -3.0  # file row 2,501: msle needs values above -1
    pq.write_table(table.set_column(0, "y_true", pa.array(y_true)), path, row_group_size=1_000)
    result = cli("compute", path, "--loss", "mse", "--loss", "msle")
    assert_usage_error(result, str(path), "row 2501", "y_true", "-1")


def test_corrupt_row_group_read_where_folded_is_one_error_line(tmp_path, cli, decoded_where_folded):
    path = tmp_path / "p.parquet"
    _write(path, rows=20_000, group_rows=2_000)
    chunk = pq.ParquetFile(path).metadata.row_group(3).column(2)
    data = bytearray(path.read_bytes())
    data[chunk.data_page_offset : chunk.data_page_offset + 400] = bytes(range(200)) * 2
    path.write_bytes(bytes(data))
    assert_usage_error(cli("compute", path, "--loss", "mse", "--loss", "mae"), str(path), "Parquet")


@pytest.mark.parametrize(
    "extra",
    [("--weight-col", "w"), ("--by", "g"), ("--reduction", "none"), ("--nan-policy", "omit")],
    ids=["weights", "groups", "per-row", "omit"],
)
def test_runs_that_need_rows_in_order_read_them_in_order(tmp_path, cli, decoded_where_folded, extra):
    path = tmp_path / "p.parquet"
    rows = 4_000
    rng = np.random.default_rng(1)
    table = pa.table({"y_true": rng.normal(size=rows), "y_pred": rng.normal(size=rows), "w": rng.uniform(size=rows), "g": np.arange(rows) % 3})
    pq.write_table(table, path, row_group_size=1_000)
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", *extra)
    assert result.exit_code == 0, result.stderr
    assert decoded_where_folded == []


def test_rows_read_where_folded_are_counted(tmp_path, cli, decoded_where_folded):
    path = tmp_path / "p.parquet"
    _positive(path, rows=5_555, group_rows=1_000)
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--format", "json")
    assert json.loads(result.stdout)["inputs"]["rows"] == 5_555
    assert [r["n"] for r in json.loads(result.stdout)["results"]] == [5_555, 5_555]


def test_a_dataset_of_small_row_groups_folded_where_decoded_joins_them_as_read_in_order(tmp_path, cli, monkeypatch, decoded_where_folded):
    folder = tmp_path / "ds"
    folder.mkdir()
    parts = [_positive(folder / f"part-{k}.parquet", rows=1_000, group_rows=250, seed=k) for k in range(3)]
    monkeypatch.setattr(readers, "BATCH_ROWS", 700)  # batches of two row groups, across the files' seams too
    losses = ("--loss", "mse", "--loss", "log_cosh")
    together = _values(cli, folder, *losses)
    assert len(decoded_where_folded) == 12
    monkeypatch.setattr(ParquetSource, "row_group_parts", lambda self, columns: None)
    assert _values(cli, folder, *losses) == together
    error = np.concatenate([t["y_pred"].to_numpy() - t["y_true"].to_numpy() for t in parts])
    assert together[0] == pytest.approx(np.mean(error**2), rel=1e-12)  # numpy on every row
