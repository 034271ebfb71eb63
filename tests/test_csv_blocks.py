"""A CSV body cut at line ends and parsed on several threads gives the rows of
one sequential parse, in order, and its errors name the file's row."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pyarrow as pa
import pytest

from conftest import assert_usage_error
from losscli.io import readers
from losscli.io.csv_blocks import body_pieces


@pytest.fixture(params=["stream", "mapped"])
def cut(request, tmp_path):
    """Cut a file's body into pieces, read as a stream or memory-mapped."""

    def pieces(data: bytes, block: int, header_lines: int = 1, **layout) -> list[bytes]:
        if request.param == "stream":
            source = pa.BufferReader(data)
        else:
            source = tmp_path / "cut.csv"
            source.write_bytes(data)
        return [p.buffer.to_pybytes() for p in body_pieces(str(source) if request.param == "mapped" else source, block, header_lines=header_lines, **layout)]

    return pieces


@pytest.mark.parametrize("block", [1, 3, 7, 64, 10_000])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_pieces_hold_every_body_line_once(cut, block, ending):
    lines = [b"a,b"] + [f"{i},{i * 2}".encode() for i in range(50)]
    data = ending.join(lines) + ending
    pieces = cut(data, block)
    assert all(p.endswith(b"\n") for p in pieces)
    assert b"".join(pieces) == ending.join(lines[1:]) + ending


def test_last_line_without_a_newline_and_blank_tail(cut):
    assert b"".join(cut(b"a,b\n1,2\n3,4", 4)) == b"1,2\n3,4"
    assert cut(b"a,b\n1,2\n3,4", 4)[-1] == b"3,4"
    # Blank lines are passed on; the parser skips them as the streaming reader does.
    assert b"".join(cut(b"a,b\n1,2\n\n\n", 4)).strip() == b"1,2"
    assert b"".join(cut(b"a,b\n", 2)) == b""
    assert b"".join(cut(b"a,b", 2)) == b""


def test_a_line_longer_than_a_block_stays_whole(cut):
    long = b"7," + b"1" * 500
    pieces = cut(b"a,b\n1,2\n" + long + b"\n3,4\n", 16)
    assert any(long + b"\n" in p for p in pieces)
    assert b"".join(pieces) == b"1,2\n" + long + b"\n3,4\n"
    assert all(p.endswith(b"\n") for p in pieces)


@pytest.mark.parametrize("block", [1, 4, 1000])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_lines_before_the_header_are_left_out(cut, block, ending):
    data = ending.join([b"sep=;", b"a;b", b"1;2", b"3;4"]) + ending
    assert b"".join(cut(data, block, header_lines=2)) == ending.join([b"1;2", b"3;4"]) + ending


@pytest.fixture
def many_blocks(monkeypatch):
    monkeypatch.setattr(readers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 97)


def _write(path, rows=3000, seed=5):
    rng = np.random.default_rng(seed)
    y, p = rng.normal(size=rows), rng.normal(size=rows)
    path.write_text("id,y_true,y_pred\n" + "".join(f"{i},{float(a)!r},{float(b)!r}\n" for i, (a, b) in enumerate(zip(y, p))))
    return y, p


def test_rows_arrive_in_file_order(tmp_path, many_blocks):
    _write(tmp_path / "p.csv")
    source = readers.CsvSource(str(tmp_path / "p.csv"), None, None)
    ids = np.concatenate([b.column(0).to_numpy() for b in source.batches(["id"])])
    np.testing.assert_array_equal(ids, np.arange(3000))


@pytest.mark.parametrize("compressed", [False, True])
def test_parallel_parse_equals_numpy(tmp_path, cli, many_blocks, compressed):
    y, p = _write(tmp_path / "p.csv")
    path = tmp_path / "p.csv"
    if compressed:
        path = tmp_path / "p.csv.gz"
        path.write_bytes(gzip.compress((tmp_path / "p.csv").read_bytes()))
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--format", "json")
    assert result.exit_code == 0, result.stderr
    mse, mae = (r["value"] for r in json.loads(result.stdout)["results"])
    assert mse == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    assert mae == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)


def test_parallel_parse_equals_one_core(tmp_path, cli, monkeypatch):
    _write(tmp_path / "p.csv")
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 211)

    def values(cores: int) -> list[float]:
        monkeypatch.setattr(readers.os, "cpu_count", lambda: cores)
        result = cli("compute", tmp_path / "p.csv", "--loss", "huber", "--loss", "log_cosh", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return [r["value"] for r in json.loads(result.stdout)["results"]]

    assert values(2) == pytest.approx(values(1), rel=1e-13)


@pytest.mark.parametrize(("cores", "parsers"), [(2, 2), (8, 8), (64, readers.CSV_MOST_PARSERS)])
def test_one_parser_per_core_up_to_a_cap(tmp_path, monkeypatch, cores, parsers):
    """Each parser holds a block and its columns: a many-core machine must not
    hold sixty-four of them for no speed."""
    _write(tmp_path / "p.csv", rows=50)
    monkeypatch.setattr(readers.os, "cpu_count", lambda: cores)
    asked = []
    real = readers.parallel_csv_batches

    def spy(pieces, **options):
        asked.append(options["workers"])
        return real(pieces, **options)

    monkeypatch.setattr(readers, "parallel_csv_batches", spy)
    source = readers.CsvSource(str(tmp_path / "p.csv"), None, None)
    assert sum(b.num_rows for b in source.batches(["y_true"])) == 50
    assert asked == [parsers] and readers.CSV_MOST_PARSERS == 8


def test_stdin_is_parsed_in_blocks_too(tmp_path, cli, many_blocks):
    y, p = _write(tmp_path / "p.csv", rows=500)
    result = cli("compute", "-", "--loss", "mse", "--format", "json", input=(tmp_path / "p.csv").read_bytes())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)


@pytest.mark.parametrize(
    "line, replacement, fragments",
    [
        (1734, "1733,0.5,oops", ("row 1734", "y_pred", "oops")),  # a value that is not a number
        (1500, "1499,0.5,0.25,7", ("row 1500", "4 fields")),  # a ragged row
    ],
    ids=["non-number", "ragged"],
)
def test_bad_row_in_a_late_block_names_its_file_row(tmp_path, cli, many_blocks, line, replacement, fragments):
    _write(tmp_path / "p.csv", rows=2000)
    lines = (tmp_path / "p.csv").read_text().splitlines()
    lines[line] = replacement  # line N of the file is data row N
    (tmp_path / "p.csv").write_text("\n".join(lines) + "\n")
    result = cli("compute", tmp_path / "p.csv", "--loss", "mse")
    assert_usage_error(result, "p.csv", *fragments)


@pytest.mark.parametrize("block", [2, 5, 1000])
def test_bare_cr_line_ends_are_cut_at_cr(cut, block):
    assert b"".join(cut(b"a,b\r1,2\r3,4\r", block)) == b"1,2\r3,4\r"
    assert all(p.endswith(b"\r") for p in cut(b"a,b\r1,2\r3,4\r", block))


def test_bare_cr_file_evaluates(tmp_path, cli, many_blocks):
    (tmp_path / "p.csv").write_bytes(b"y_true,y_pred\r1,2\r3,5\r0,0\r")
    result = cli("compute", tmp_path / "p.csv", "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.stderr
    # Worked by hand: errors 1, 2, 0 -> (1 + 4 + 0) / 3.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(5 / 3, rel=1e-15)
