"""stdin and pipes are read as they arrive, in bounded memory, like a file:
only their first bytes are kept (to tell the format, delimiter and column
types), and garbage is refused from those bytes, quickly. Formats read from
their end (Parquet) are copied to a temporary file, not held in memory."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_usage_error

from losscli.errors import LossCliError
from losscli.io import readers
from losscli.io.piped import PipedInput


def _csv(rows: int, seed: int = 3) -> tuple[bytes, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y, p = rng.normal(size=rows), rng.normal(size=rows)
    text = "y_true,y_pred\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(y, p))
    return text.encode(), y, p


def test_the_first_bytes_are_kept_to_be_read_again_and_the_rest_streams_once():
    piped = PipedInput(io.BytesIO(bytes(range(256)) * 40), "<stdin>")
    assert piped.head(4) == bytes([0, 1, 2, 3])
    with piped.open(keep=True) as stream:
        assert stream.read(300) == (bytes(range(256)) * 2)[:300]
    with piped.open(keep=False) as stream:
        assert stream.read() == bytes(range(256)) * 40
    assert len(piped._kept) == 300  # the rows' stream kept nothing
    assert piped.head(10) == bytes(range(10))  # what was kept stays readable
    with pytest.raises(LossCliError, match="would be read a second time, which a pipe cannot give"):
        with piped.open(keep=False) as stream:
            stream.read()


def test_a_short_input_is_kept_whole_and_reads_any_number_of_times():
    piped = PipedInput(io.BytesIO(b"y\n1\n"), "<stdin>")
    assert piped.head(100) == b"y\n1\n"
    for _ in range(2):
        with piped.open(keep=False) as stream:
            assert stream.read() == b"y\n1\n"


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_csv_from_stdin_keeps_only_its_head(monkeypatch, compressed):
    # A 180 MB CSV piped in took 470 MB; here a 3 MB one keeps a few blocks at most.
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 1 << 16)
    data, y, p = _csv(150_000)
    piped = PipedInput(io.BytesIO(gzip.compress(data) if compressed else data), "<stdin>")
    source = readers.CsvSource("-", None, None, piped=piped)
    values = [batch.to_pydict() for batch in source.batches(["y_true", "y_pred"])]
    got = np.concatenate([v["y_true"] for v in values]), np.concatenate([v["y_pred"] for v in values])
    np.testing.assert_array_equal(got[0], y)
    np.testing.assert_array_equal(got[1], p)
    # The head (64 KB) and the rows of the first megabyte, for the column types.
    whole = len(piped._raw.getvalue())
    assert len(piped._kept) <= readers.CSV_SCHEMA_BYTES + (1 << 17) < whole / 2


def test_random_bytes_on_stdin_are_refused_from_their_first_bytes(cli):
    noise = np.random.default_rng(0).integers(0, 256, size=1 << 20, dtype=np.uint8).tobytes()
    assert_usage_error(cli("compute", "-", "--loss", "mse", input=noise), "<stdin>: the file holds NUL bytes from byte", "it may be truncated or corrupt")


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="needs /dev/urandom")
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_an_endless_device_is_refused_quickly_not_read_forever(how):
    # Was read whole: killed by the OOM killer at about 23 GB.
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "losscli", "compute", "-" if how == "stdin" else "/dev/urandom", "--loss", "mse"]
    with open("/dev/urandom", "rb") as noise:
        done = subprocess.run(command, stdin=noise if how == "stdin" else subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "NUL bytes" in done.stderr and len(done.stderr.splitlines()) == 1


def _pipe_with(path: Path, data: bytes) -> None:
    """A named pipe at ``path`` that a thread fills with ``data``, as a shell's ``<(...)`` does."""
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as pipe:
                pipe.write(data)
        except BrokenPipeError:
            pass  # the reader stopped at an error

    threading.Thread(target=write, daemon=True).start()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_missing_value_deep_in_a_pipe_is_named_after_one_read(cli, tmp_path):
    # A plain run reads a file twice when a sum is NaN (the first time without
    # checking); a pipe cannot be read twice, so it is checked on the one read.
    data, _, _ = _csv(150_000)
    lines = data.split(b"\n")
    lines[140_000] = b"1.0,nan"
    _pipe_with(tmp_path / "preds", b"\n".join(lines))
    result = cli("compute", tmp_path / "preds", "--loss", "mse")
    assert_usage_error(result, f"{tmp_path / 'preds'}, column 'y_pred': 1 row with missing, NaN or infinite values, the first at row 140000")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_larger_than_its_head_gives_every_row(cli, tmp_path):
    data, y, p = _csv(150_000)
    _pipe_with(tmp_path / "preds", data)
    result = cli("compute", tmp_path / "preds", "--loss", "mae", "-f", "json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)["results"][0]
    assert found["n"] == 150_000 and found["value"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)  # numpy


def _parquet_bytes(rows: int) -> tuple[bytes, np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    y, p = rng.normal(size=rows), rng.normal(size=rows)
    sink = io.BytesIO()
    pq.write_table(pa.table({"y_true": y, "y_pred": p}), sink, row_group_size=rows // 4)
    return sink.getvalue(), y, p


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_parquet_from_stdin_is_copied_to_a_temporary_file_not_held(monkeypatch, tmp_path, compressed):
    # Was read into memory whole (and decompressed into a second copy).
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    data, y, p = _parquet_bytes(40_000)
    piped = PipedInput(io.BytesIO(gzip.compress(data) if compressed else data), "<stdin>")
    source = readers._piped_source("-", piped, None, None, frozenset())
    assert source.display == "<stdin>"
    (copy,) = tmp_path.iterdir()
    assert copy.read_bytes() == data  # decompressed as copied
    assert len(piped._kept) <= 1 << 16 < len(data) / 4  # only the head, to tell the format
    got = [b.to_pydict() for b in source.batches(["y_true", "y_pred"])]
    np.testing.assert_array_equal(np.concatenate([g["y_true"] for g in got]), y)
    np.testing.assert_array_equal(np.concatenate([g["y_pred"] for g in got]), p)
    del source, piped
    import gc

    gc.collect()
    assert not list(tmp_path.iterdir())  # removed once no longer read


def test_parquet_arrow_and_json_lines_on_stdin_give_the_values_of_their_files(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.feather as feather

    data, y, p = _parquet_bytes(20_000)
    (tmp_path / "preds.parquet").write_bytes(data)
    feather.write_feather(pa.table({"y_true": y, "y_pred": p}), tmp_path / "preds.arrow")
    (tmp_path / "preds.ndjson").write_text("".join(json.dumps({"y_true": float(a), "y_pred": float(b)}) + "\n" for a, b in zip(y, p)))
    expected = np.mean((p - y) ** 2)  # numpy
    for name in ("preds.parquet", "preds.arrow", "preds.ndjson"):
        raw = (tmp_path / name).read_bytes()
        for given in (raw, gzip.compress(raw)):
            result = cli("compute", "-", "--loss", "mse", "-f", "json", input=given)
            assert result.exit_code == 0, (name, result.stderr)
            assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-12), name


def test_a_run_leaves_no_copy_of_stdin_behind(tmp_path):
    data, y, p = _parquet_bytes(20_000)
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "PYTHONPATH": str(root), "TMPDIR": str(tmp_path / "tmp")}
    command = [sys.executable, "-m", "losscli", "compute", "-", "--loss", "mae", "-f", "json"]
    done = subprocess.run(command, input=data, capture_output=True, timeout=120, cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["value"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)  # numpy
    assert not list((tmp_path / "tmp").iterdir())


def test_no_room_for_the_copy_of_stdin_is_an_error_that_says_where(cli, monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "missing"))
    data, _, _ = _parquet_bytes(4_000)
    message = assert_usage_error(cli("compute", "-", "--loss", "mse", input=data), "<stdin>: cannot copy the input to a temporary file in", "set TMPDIR")
    assert str(tmp_path / "missing") in message


@pytest.mark.parametrize(
    "command",
    [
        ["compute", "-", "--loss", "mse", "-o", "{file}"],
        ["compute", "-", "--loss", "mse", "--per-row", "{file}"],
        ["compute", "p.csv", "--labels", "-", "--loss", "mse", "-o", "{file}"],
        ["compare", "-", "--loss", "mse", "-o", "{file}"],
    ],
    ids=["output", "per-row", "labels-output", "compare-output"],
)
def test_an_output_over_the_file_redirected_to_stdin_is_refused(tmp_path, command):
    # `losscli compute - -o preds.csv < preds.csv` gives no input name to compare
    # with, yet replacing that file would lose the data being read.
    data = tmp_path / "data.csv"
    data.write_bytes(b"y_true,y_pred\n1,2\n3,5\n")
    (tmp_path / "p.csv").write_bytes(b"y_pred\n2\n5\n")
    before = data.read_bytes()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    argv = [part.replace("{file}", str(data)) for part in command]
    with data.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "losscli", *argv], stdin=stdin, capture_output=True, timeout=120, cwd=tmp_path, env=env)
    lines = done.stderr.decode().strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "redirected to stdin" in lines[0], lines
    assert data.read_bytes() == before


def test_an_output_beside_a_file_redirected_to_stdin_is_written(tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(b"y_true,y_pred\n1,2\n3,5\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with data.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "losscli", "compute", "-", "--loss", "mse", "-o", "r.json"], stdin=stdin, capture_output=True, timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["results"][0]["value"] == pytest.approx(2.5)  # ((2-1)^2 + (5-3)^2) / 2 by hand
