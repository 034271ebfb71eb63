"""Every input format gives the same loss values (SPEC section 2, formats).

The expected values are computed with numpy from the arrays the files were
written from. ``quantile:q=0.9`` is asymmetric in (y_true, y_pred), so a swap
of the two columns anywhere in a reader would show.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import assert_usage_error, compressed, write_csv

from losscli.io.formats import detect_format, format_from_magic
from losscli.io import readers
from losscli.io.readers import open_source

N = 60
Q = 0.9


def _data(seed: int = 7, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=n)
    y_pred = y_true + rng.normal(scale=0.7, size=n)
    return y_true, y_pred


def _expected(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    diff = y_true - y_pred
    return {
        "mse": float(np.mean(diff**2)),  # mean of squared residuals (numpy)
        "quantile": float(np.mean(np.maximum(Q * diff, (Q - 1) * diff))),  # pinball loss, q = 0.9 (numpy)
    }


def values(result) -> dict[str, float]:
    """{loss: value} of the overall results of a --format json run."""
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return {r["loss"]: r["value"] for r in document["results"] if r["group"] is None}


def assert_matches(result, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    got = values(result)
    expected = _expected(y_true, y_pred)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-12), name
    assert json.loads(result.stdout)["inputs"]["rows"] == len(y_true)


def _compute(cli, path, *extra, input=None):
    return cli("compute", path, "--loss", "mse", "--loss", f"quantile:q={Q}", "--format", "json", *extra, input=input)


def _table(y_true: np.ndarray, y_pred: np.ndarray) -> pa.Table:
    # Prediction column first: readers must select by name, not by position.
    return pa.table({"y_pred": y_pred, "id": np.arange(len(y_true)), "y_true": y_true})


# ----------------------------------------------------------------------------- writers


def _csv_bytes(y_true, y_pred, delimiter=",") -> bytes:
    lines = [delimiter.join(["y_pred", "id", "y_true"])]
    lines += [delimiter.join([repr(float(p)), str(i), repr(float(t))]) for i, (t, p) in enumerate(zip(y_true, y_pred))]
    return ("\n".join(lines) + "\n").encode()


def _write(kind: str, folder: Path, y_true, y_pred) -> tuple[str, list[str]]:
    """Write the data in one format; return (path argument, extra CLI options)."""
    table = _table(y_true, y_pred)
    if kind == "csv":
        path = folder / "data.csv"
        path.write_bytes(_csv_bytes(y_true, y_pred))
    elif kind == "semicolon":
        path = folder / "data.csv"
        path.write_bytes(_csv_bytes(y_true, y_pred, ";"))
    elif kind == "pipe":
        path = folder / "data.csv"
        path.write_bytes(_csv_bytes(y_true, y_pred, "|"))
    elif kind == "tab-in-csv":
        path = folder / "data.csv"
        path.write_bytes(_csv_bytes(y_true, y_pred, "\t"))
    elif kind == "tsv":
        path = folder / "data.tsv"
        path.write_bytes(_csv_bytes(y_true, y_pred, "\t"))
    elif kind == "bom-crlf":
        path = folder / "data.csv"
        path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(y_true, y_pred).replace(b"\n", b"\r\n"))
    elif kind == "gzip":
        path = folder / "data.csv.gz"
        path.write_bytes(gzip.compress(_csv_bytes(y_true, y_pred)))
    elif kind == "bzip2":
        path = folder / "data.csv.bz2"
        path.write_bytes(bz2.compress(_csv_bytes(y_true, y_pred)))
    elif kind == "zstd":
        zstandard = pytest.importorskip("zstandard")
        path = folder / "data.csv.zst"
        path.write_bytes(zstandard.ZstdCompressor().compress(_csv_bytes(y_true, y_pred)))
    elif kind == "parquet":
        path = folder / "data.parquet"
        pq.write_table(table, path, row_group_size=17)
    elif kind == "parquet-dir":
        path = folder / "dataset"
        (path / "part=b").mkdir(parents=True)
        pq.write_table(table.slice(0, 25), path / "a.parquet")
        pq.write_table(table.slice(25), path / "part=b" / "b.parquet")
        (path / "_SUCCESS").write_text("")  # markers and hidden files are skipped
        (path / ".hidden.parquet").write_bytes(b"not parquet")
    elif kind == "parquet-glob":
        for index, start in enumerate(range(0, len(y_true), 20)):
            pq.write_table(table.slice(start, 20), folder / f"part-{index}.parquet")
        return str(folder / "part-*.parquet"), []
    elif kind == "feather":
        path = folder / "data.feather"
        feather.write_feather(table, path, chunksize=13)
    elif kind == "arrow-file":
        path = folder / "data.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=11)
    elif kind == "arrow-stream":
        path = folder / "data.ipc"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=11)
    elif kind == "arrows-stream":
        # The stream format under its registered extension.
        path = folder / "data.arrows"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=11)
    elif kind == "arrow-dir":
        # pyarrow.dataset.write_dataset(format="ipc") and polars write a folder of parts.
        path = folder / "dataset"
        (path / "later").mkdir(parents=True)
        feather.write_feather(table.slice(0, 25), path / "part-0.arrow", chunksize=9)
        with pa.OSFile(str(path / "later" / "part-1.ipc"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.slice(25), max_chunksize=11)
        (path / "_SUCCESS").write_text("")
        (path / ".hidden.arrow").write_bytes(b"not arrow")
    elif kind == "arrow-glob":
        for index, start in enumerate(range(0, len(y_true), 20)):
            feather.write_feather(table.slice(start, 20), folder / f"part-{index}.feather")
        return str(folder / "*"), []
    elif kind in ("ndjson", "jsonl"):
        path = folder / f"data.{kind}"
        path.write_text("".join(json.dumps(row) + "\n" for row in table.to_pylist()))
    else:  # pragma: no cover - a typo in the parametrisation
        raise AssertionError(kind)
    return str(path), []


FORMATS = [
    "csv",
    "semicolon",
    "pipe",
    "tab-in-csv",
    "tsv",
    "bom-crlf",
    "gzip",
    "bzip2",
    "zstd",
    "parquet",
    "parquet-dir",
    "parquet-glob",
    "feather",
    "arrow-file",
    "arrow-stream",
    "arrows-stream",
    "arrow-dir",
    "arrow-glob",
    "ndjson",
    "jsonl",
]


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_gives_the_numpy_value(cli, tmp_path, kind):
    y_true, y_pred = _data()
    path, extra = _write(kind, tmp_path, y_true, y_pred)
    assert_matches(_compute(cli, path, *extra), y_true, y_pred)


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_streams_in_small_batches(cli, tmp_path, kind, small_batches):
    # Several hundred rows, batches of 7 rows / 256 bytes: many batches per file.
    y_true, y_pred = _data(seed=11, n=400)
    path, extra = _write(kind, tmp_path, y_true, y_pred)
    assert_matches(_compute(cli, path, *extra), y_true, y_pred)


def test_same_value_from_every_format(cli, tmp_path):
    y_true, y_pred = _data(seed=3)
    seen = {}
    for kind in FORMATS:
        folder = tmp_path / kind
        folder.mkdir()
        path, extra = _write(kind, folder, y_true, y_pred)
        seen[kind] = values(_compute(cli, path, *extra))
    reference = seen["csv"]
    for kind, got in seen.items():
        for name in reference:
            assert got[name] == pytest.approx(reference[name], rel=1e-13), (kind, name)


# ----------------------------------------------------------------------------- stdin, overrides, delimiter


def test_stdin_dash_reads_csv(cli):
    y_true, y_pred = _data()
    result = _compute(cli, "-", input=_csv_bytes(y_true, y_pred))
    assert_matches(result, y_true, y_pred)
    assert json.loads(result.stdout)["inputs"]["predictions"] == ["<stdin>"]


def test_stdin_reads_parquet_with_input_format(cli, tmp_path):
    y_true, y_pred = _data()
    path = tmp_path / "data.parquet"
    pq.write_table(_table(y_true, y_pred), path)
    assert_matches(_compute(cli, "-", "--input-format", "parquet", input=path.read_bytes()), y_true, y_pred)


@pytest.mark.parametrize("kind", ["arrow-file", "arrow-stream", "feather"])
def test_stdin_reads_arrow_with_input_format(cli, tmp_path, kind):
    # The schema and the rows come from one read of stdin.
    y_true, y_pred = _data()
    path, _ = _write(kind, tmp_path, y_true, y_pred)
    result = _compute(cli, "-", "--input-format", "arrow", input=Path(path).read_bytes())
    assert_matches(result, y_true, y_pred)
    assert json.loads(result.stdout)["inputs"]["predictions"] == ["<stdin>"]


@pytest.mark.parametrize("pattern", [False, True])
def test_a_dataset_of_parquet_and_arrow_files_is_refused(cli, tmp_path, pattern):
    # Read as either format, the files of the other would be left out without a word.
    y_true, y_pred = _data()
    folder = tmp_path / "mixed"
    folder.mkdir()
    pq.write_table(_table(y_true, y_pred), folder / "a.parquet")
    feather.write_feather(_table(y_true, y_pred), folder / "b.arrow")
    path = folder / "*" if pattern else folder
    line = assert_usage_error(_compute(cli, path))
    assert line == (
        f"error: {path}: the dataset holds both Parquet and Arrow files; losscli reads a dataset of one format "
        f"(move the files of one format elsewhere, or name one format's files with a pattern such as '{folder / '*.parquet'}')"
    )


def test_truncated_arrow_on_stdin_is_an_error(cli, tmp_path):
    path, _ = _write("arrow-file", tmp_path, *_data())
    result = _compute(cli, "-", "--input-format", "arrow", input=Path(path).read_bytes()[:100])
    assert_usage_error(result, "<stdin>: cannot read as Arrow IPC/Feather")


def _feather_v1(path: Path, table: pa.Table) -> Path:
    with pytest.warns(DeprecationWarning):  # pyarrow still writes v1, deprecated since 25.0
        feather.write_feather(table, path, version=1)
    return path


_FEATHER_V1 = (
    "the file is Feather v1, an old format that pyarrow has deprecated and losscli does not read "
    "(rewrite it as Feather v2, which is Arrow IPC: pyarrow.feather.write_feather(pyarrow.feather.read_table(PATH), NEW_PATH), "
    "or pandas df.to_feather(NEW_PATH), which writes v2)"
)


def test_feather_v1_is_refused_with_how_to_rewrite_it(cli, tmp_path):
    # Arrow's own error said it expected 826361158 metadata bytes.
    path = _feather_v1(tmp_path / "old.feather", _table(*_data()))
    assert assert_usage_error(_compute(cli, path)) == f"error: {path}: {_FEATHER_V1}"


def test_feather_v1_on_stdin_is_told_by_its_first_bytes(cli, tmp_path):
    path = _feather_v1(tmp_path / "old.feather", _table(*_data()))
    assert format_from_magic(path.read_bytes()[:64]) == "arrow"
    assert assert_usage_error(_compute(cli, "-", input=path.read_bytes())) == f"error: <stdin>: {_FEATHER_V1}"


def _pipe_with(path: Path, data: bytes) -> None:
    """A named pipe at ``path`` that a thread fills with ``data``, as a shell's ``<(...)`` does."""
    import threading

    os.mkfifo(path)

    def write() -> None:
        with open(path, "wb") as pipe:
            pipe.write(data)

    threading.Thread(target=write, daemon=True).start()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_named_pipe_is_read_like_stdin(cli, tmp_path, kind):
    # `losscli compute <(make_predictions)`: a pipe cannot seek, is read once, has no suffix.
    y_true, y_pred = _data()
    if kind == "parquet":
        pq.write_table(_table(y_true, y_pred), tmp_path / "data.parquet")
        data = (tmp_path / "data.parquet").read_bytes()
    else:
        data = _csv_bytes(y_true, y_pred)
    _pipe_with(tmp_path / "63", data)
    result = _compute(cli, tmp_path / "63")
    assert_matches(result, y_true, y_pred)
    assert json.loads(result.stdout)["inputs"]["predictions"] == [str(tmp_path / "63")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_opened_twice_in_one_run_gives_its_rows_both_times(cli, tmp_path):
    # compare --task opens each model to check its columns, then reads it.
    y_true, y_pred = _data()
    _pipe_with(tmp_path / "preds", _csv_bytes(y_true, y_pred))
    result = cli("compare", tmp_path / "preds", "--task", "regression", "-f", "json")
    assert result.exit_code == 0, result.stderr
    mse = next(r for r in json.loads(result.stdout)["results"] if r["loss"] == "mse")
    assert mse["n"] == len(y_true) and mse["value"] == pytest.approx(np.mean((y_pred - y_true) ** 2), rel=1e-12)  # numpy


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_empty_named_pipe_is_named_in_the_error(cli, tmp_path):
    _pipe_with(tmp_path / "nothing", b"")
    assert_usage_error(_compute(cli, tmp_path / "nothing"), f"{tmp_path / 'nothing'}: file is empty")


def test_labels_from_stdin(cli, tmp_path):
    y_true, y_pred = _data()
    write_csv(tmp_path / "p.csv", {"y_pred": y_pred})
    labels = "y_true\n" + "".join(f"{float(v)!r}\n" for v in y_true)
    assert_matches(_compute(cli, tmp_path / "p.csv", "--labels", "-", input=labels), y_true, y_pred)


@pytest.mark.parametrize("kind", ["parquet", "arrow-file", "arrow-stream", "feather", "ndjson"])
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_stdin_format_is_told_by_its_first_bytes(cli, tmp_path, kind, compression):
    # A pipe has no file name: Parquet, Arrow (file or stream) and NDJSON are
    # told from CSV by their first bytes, after decompressing them.
    y_true, y_pred = _data()
    path, _ = _write(kind, tmp_path, y_true, y_pred)
    data = Path(path).read_bytes()
    result = _compute(cli, "-", input=gzip.compress(data) if compression else data)
    assert_matches(result, y_true, y_pred)
    assert json.loads(result.stdout)["inputs"]["predictions"] == ["<stdin>"]


def test_ndjson_on_stdin_after_a_bom_and_blank_lines(cli):
    text = '\ufeff\n  {"y_true": 1, "y_pred": 2}\n{"y_true": 3, "y_pred": 5}\n'
    result = cli("compute", "-", "--loss", "mse", "-f", "json", input=text.encode())
    # mse = ((1 - 2)^2 + (3 - 5)^2) / 2 = 2.5 (by hand)
    assert values(result)["mse"] == 2.5


@pytest.mark.parametrize("header", ["PAR1,y", "ARROW1,y", "{x},y", "{ x },y", "[x],y"])
def test_csv_on_stdin_whose_first_cell_looks_like_a_magic_is_still_csv(cli, header):
    # Only a magic followed by bytes no text holds, or "{" opening a JSON key, counts.
    first = header.split(",")[0]
    result = cli("compute", "-", "-p", first, "-y", "y", "--loss", "mse", "-f", "json", input=f"{header}\n1,2\n3,5\n")
    # mse = ((1 - 2)^2 + (3 - 5)^2) / 2 = 2.5 (by hand)
    assert values(result)["mse"] == 2.5


@pytest.mark.parametrize(
    ("kind", "cut", "problem"),
    [
        ("parquet", 100, "<stdin>: cannot read as Parquet: Parquet magic bytes not found in footer"),
        ("arrow-file", 100, "<stdin>: cannot read as Arrow IPC/Feather"),
        ("arrow-stream", 50, "<stdin>: cannot read as Arrow IPC/Feather"),
    ],
)
def test_truncated_binary_input_on_stdin_is_named_as_its_format(cli, tmp_path, kind, cut, problem):
    # Not a misleading CSV error (UTF-16, ragged rows) about a binary file.
    path, _ = _write(kind, tmp_path, *_data())
    assert_usage_error(_compute(cli, "-", input=Path(path).read_bytes()[:cut]), problem)


def test_input_format_beats_the_first_bytes_of_stdin(cli, tmp_path):
    path, _ = _write("parquet", tmp_path, *_data())
    result = _compute(cli, "-", "--input-format", "csv", input=Path(path).read_bytes())
    assert_usage_error(result, "<stdin>")
    assert "Parquet" not in result.stderr


def test_truncated_gzip_of_parquet_on_stdin_is_an_error(cli, tmp_path):
    path, _ = _write("parquet", tmp_path, *_data(n=20_000))
    data = gzip.compress(Path(path).read_bytes())
    result = _compute(cli, "-", input=data[: len(data) // 2])
    assert_usage_error(result, "<stdin>: cannot decompress the gzip data")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"PAR1\x15\x04", "parquet"),
        (b"PAR1,y\n", "csv"),
        (b"ARROW1\x00\x00\xff\xff", "arrow"),
        (b"ARROW1\n", "csv"),
        (b"\xff\xff\xff\xff\xa8\x00\x00\x00", "arrow"),
        # A length Arrow never writes (not a multiple of 8), or the end-of-stream marker alone.
        (b"\xff\xff\xff\xff\xa9\x00\x00\x00", "csv"),
        (b"\xff\xff\xff\xff\x00\x00\x00\x00", "csv"),
        (b'{"y": 1}', "ndjson"),
        (b"\xef\xbb\xbf \r\n{}", "ndjson"),
        (b"[{", "ndjson"),
        (b"\xef\xbb\xbf[\n  [1, 0.5]", "ndjson"),
        (b"[]", "ndjson"),
        (b"[a],y\n", "csv"),
        (b"{y},x\n", "csv"),
        (b"y,{x}\n", "csv"),
        (b"", "csv"),
    ],
)
def test_format_from_the_first_bytes(head, expected):
    assert format_from_magic(head) == expected


@pytest.mark.parametrize(
    ("name", "content_kind", "fmt"),
    [
        ("data.dat", "ndjson", "ndjson"),
        ("data.txt", "tsv", "tsv"),
        ("data.bin", "parquet", "parquet"),
        ("data.json", "arrow-file", "feather"),  # alias of arrow
        ("data.log", "ndjson", "jsonl"),  # alias of ndjson
    ],
)
def test_input_format_overrides_the_extension(cli, tmp_path, name, content_kind, fmt):
    y_true, y_pred = _data()
    written, _ = _write(content_kind, tmp_path, y_true, y_pred)
    path = tmp_path / name
    os.replace(written, path)
    assert_matches(_compute(cli, path, "--input-format", fmt), y_true, y_pred)


def test_extensionless_parquet_is_recognised_by_its_magic_bytes(cli, tmp_path):
    y_true, y_pred = _data()
    path = tmp_path / "predictions"
    pq.write_table(_table(y_true, y_pred), path)
    assert_matches(_compute(cli, path), y_true, y_pred)


def test_delimiter_option_beats_a_misleading_header(cli, tmp_path):
    # The header has as many commas (inside a quoted name) as semicolons, so
    # detection picks ',' and finds no y_true; --delimiter ';' reads it right.
    y_true, y_pred = _data()
    rows = [f'{float(t)!r};{float(p)!r};1' for t, p in zip(y_true, y_pred)]
    path = tmp_path / "data.csv"
    path.write_text('y_true;y_pred;"a,b,c"\n' + "\n".join(rows) + "\n")
    assert _compute(cli, path).exit_code == 2
    assert_matches(_compute(cli, path, "--delimiter", ";"), y_true, y_pred)


def test_delimiter_option_reads_a_pipe_file_with_txt_extension(cli, tmp_path):
    y_true, y_pred = _data()
    path = tmp_path / "data.txt"
    path.write_bytes(_csv_bytes(y_true, y_pred, "|"))
    assert_matches(_compute(cli, path, "--delimiter", "|"), y_true, y_pred)


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("\\t", "\t"), ("tab", "\t"), ("TAB", "\t"), ("comma", ","), ("semicolon", ";"), ("pipe", "|"), ("space", " ")],
)
def test_delimiter_option_takes_a_name(cli, tmp_path, name, delimiter):
    # --delimiter '\t' in a shell passes a backslash and a t, not a tab.
    y_true, y_pred = _data()
    path = tmp_path / "data.txt"
    path.write_bytes(_csv_bytes(y_true, y_pred, delimiter))
    assert_matches(_compute(cli, path, "--delimiter", name), y_true, y_pred)


@pytest.mark.parametrize("options", [(), ("--label-col", "y_true"), ("--by", "g")])
def test_a_comma_separated_file_named_tsv_is_told_to_be_one(cli, tmp_path, options):
    # Read with tabs, the pandas header ",y_true,y_pred,g" is one column, which
    # the error would list, and offer as the closest name to y_true.
    path = tmp_path / "x.tsv"
    path.write_text(",y_true,y_pred,g\n0,1,0.9,a\n1,0,0.2,b\n")
    line = assert_usage_error(
        cli("compute", path, "--loss", "bce", *options),
        "x.tsv",
        "splits on ',' into 4 names: the file looks comma-separated; give --delimiter ','",
    )
    assert "did you mean" not in line and "columns:" not in line


def test_a_tab_delimiter_given_for_a_comma_separated_file_says_so(cli, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("y_true,y_pred\n1,0.9\n0,0.2\n")
    assert_usage_error(
        cli("compute", path, "--loss", "bce", "--delimiter", "tab", "--label-col", "y_true"),
        "plain.csv: no column 'y_true'",
        "(the header reads as one column but splits on ',' into 2 names: --delimiter ',')",
    )


def test_a_one_column_header_with_a_comma_in_a_detected_name_is_listed(cli, tmp_path):
    # Detected, the delimiter splits the header wherever one can: a quoted
    # name holding a comma is a column as it is, and the error lists it.
    path = tmp_path / "one.csv"
    path.write_text('"a,b"\n1\n')
    assert_usage_error(cli("compute", path, "--loss", "bce", "--label-col", "y"), "columns: a,b")


def test_bom_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfy_true,y_pred\r\n1,2\r\n")
    assert open_source(str(path)).names() == ["y_true", "y_pred"]


def test_savetxt_with_a_header_and_spaces_between_cells(cli, tmp_path):
    # np.savetxt(path, data, header="y_true y_pred", comments=""): one space
    # between cells, numbers in scientific notation.
    y_true, y_pred = _data()
    np.savetxt(tmp_path / "saved.txt", np.column_stack([y_true, y_pred]), header="y_true y_pred", comments="")
    result = cli("compute", tmp_path / "saved.txt", "--loss", "mse", "--loss", f"quantile:q={Q}", "--format", "json")
    assert_matches(result, y_true, y_pred)


@pytest.mark.parametrize(
    "name, delimiter, stdin",
    [("saved.csv", ",", False), ("saved.tsv", "\t", False), ("saved.txt", " ", False), ("saved.csv.gz", ",", False), ("saved.csv", ",", True), ("saved.csv.gz", ",", True)],
)
def test_savetxt_header_after_numpy_comment_prefix(cli, tmp_path, cores, name, delimiter, stdin):
    # np.savetxt's default comments="# " puts "# " before the header line.
    y_true, y_pred = _data()
    path = tmp_path / name
    np.savetxt(path, np.column_stack([y_true, y_pred]), delimiter=delimiter, header=delimiter.join(["y_true", "y_pred"]))
    assert path.read_bytes().startswith(b"# y_true") or name.endswith(".gz")
    result = _compute(cli, "-", input=path.read_bytes()) if stdin else _compute(cli, path)
    assert_matches(result, y_true, y_pred)
    assert open_source(str(path)).names() == ["y_true", "y_pred"]


def test_savetxt_header_after_numpy_comment_prefix_names_the_row_of_a_bad_cell(cli, tmp_path, cores):
    (tmp_path / "saved.csv").write_text("# y_true,y_pred\n1,0.5\n0,oops\n")
    assert_usage_error(cli("compute", tmp_path / "saved.csv", "--loss", "mse", "--label-col", "y_true"), "saved.csv, column 'y_pred', row 2: non-numeric text 'oops'")


@pytest.mark.parametrize("stdin", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_comment_lines_before_the_header_are_passed_over(cli, tmp_path, stdin, newline):
    # Notes a tool writes above its table, as pandas reads them with
    # read_csv(path, comment='#'); the header is the first other line.
    y_true, y_pred = _data()
    path = tmp_path / "notes.csv"
    text = "# generated by export.py\n# 2024-05-01, model v3\n\n" + _csv_bytes(y_true, y_pred).decode()
    path.write_bytes(text.replace("\n", newline).encode())
    result = _compute(cli, "-", input=path.read_bytes()) if stdin else _compute(cli, path)
    assert_matches(result, y_true, y_pred)
    assert open_source(str(path)).names() == ["y_pred", "id", "y_true"]


@pytest.mark.parametrize("delimiter", [",", " "])
def test_savetxt_header_of_several_lines_names_the_columns_by_its_last(cli, tmp_path, delimiter):
    # np.savetxt(header="...\ny_true,y_pred") writes every header line after "# ".
    y_true, y_pred = _data()
    path = tmp_path / "saved.txt"
    np.savetxt(path, np.column_stack([y_true, y_pred]), delimiter=delimiter, header=f"model v3\n{delimiter.join(['y_true', 'y_pred'])}")
    assert path.read_bytes().startswith(b"# model v3\n# y_true")
    assert_matches(_compute(cli, path), y_true, y_pred)


def test_a_bad_cell_after_comment_lines_is_named_by_its_row_and_line(cli, tmp_path):
    (tmp_path / "notes.csv").write_text('# generated by export.py\ny_true,y_pred,note\n1,0.5,a\n0,0.25,"b\n')
    assert_usage_error(cli("compute", tmp_path / "notes.csv", "--loss", "mse"), "notes.csv, column 'note', row 2: a quote opens a value here (line 4)")


@pytest.mark.parametrize("line, names", [("# 0.25,1.5", ["# 0.25", "1.5"]), ("# ,y_pred", ["# ", "y_pred"]), ("#y_true,y_pred", ["#y_true", "y_pred"])])
def test_a_hash_line_that_names_no_columns_is_read_as_written(tmp_path, line, names):
    path = tmp_path / "hash.csv"
    path.write_text(f"{line}\n1,2\n")
    assert open_source(str(path)).names() == names


def test_a_header_with_a_space_in_its_one_name_is_one_column(cli, tmp_path):
    (tmp_path / "score.csv").write_text("my score\n0.5\n2.0")
    (tmp_path / "truth.csv").write_text("y_true\n1.0\n1.0\n")
    result = cli("compute", tmp_path / "score.csv", "--labels", tmp_path / "truth.csv", "--loss", "mse", "--format", "json")
    # Hand computation: ((1 - 0.5)^2 + (1 - 2)^2) / 2 = 0.625.
    assert values(result) == {"mse": 0.625}


def test_whole_numbers_name_columns_when_an_option_names_one(cli, tmp_path):
    # pandas names the columns of an unnamed frame 0, 1, ...: a header, once an option says so.
    (tmp_path / "frame.csv").write_text("0,1\n1.5,2.0\n3.0,3.5\n")
    result = cli("compute", tmp_path / "frame.csv", "--label-col", "0", "--pred-col", "1", "--loss", "mse", "--format", "json")
    # Hand computation: ((1.5 - 2)^2 + (3 - 3.5)^2) / 2 = 0.25, over both rows.
    assert values(result) == {"mse": 0.25}
    assert json.loads(result.stdout)["inputs"]["rows"] == 2


@pytest.mark.parametrize("cores", [1, 2])
def test_a_headerless_file_of_whole_numbers_is_refused_not_read_a_row_short(cli, tmp_path, monkeypatch, cores):
    # Read with "1" as its header, each file lost its first row: mae 0.5 over 2 rows
    # instead of 1/3 over 3.
    monkeypatch.setattr(readers.os, "cpu_count", lambda: cores)
    (tmp_path / "p.csv").write_text("1\n1\n0\n")
    (tmp_path / "l.csv").write_text("1\n0\n0\n")
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "--loss", "mae")
    assert_usage_error(result, "p.csv: the first line holds numbers (1), not column names", "header='y_true,y_pred'")
    (tmp_path / "both.csv").write_text("1,0\n0,1\n")
    assert_usage_error(cli("compute", tmp_path / "both.csv", "--loss", "bce"), "both.csv: the first line holds numbers (1, 0), not column names")
    (tmp_path / "signed.csv").write_text("-1 +2\n1 2\n")
    assert_usage_error(cli("compute", tmp_path / "signed.csv", "--loss", "mse"), "the first line holds numbers (-1, +2)")


def test_quantile_column_names_are_a_header_when_an_option_names_one(cli, tmp_path):
    # pandas writes a frame of quantile forecasts with columns 0.1, 0.5, 0.9 so (index=False).
    (tmp_path / "forecast.csv").write_text("0.1,0.5,0.9\n1.0,2.0,3.0\n1.5,2.5,3.5\n")
    (tmp_path / "truth.csv").write_text("y_true\n2.1\n2.4\n")
    args = ("compute", tmp_path / "forecast.csv", "--labels", tmp_path / "truth.csv", "--loss", "quantile:q=0.5")
    result = cli(*args, "--pred-col", "0.5", "--format", "json")
    # Hand computation: 0.5 * (|2.1 - 2.0| + |2.4 - 2.5|) / 2 = 0.05, over both rows.
    assert values(result)["quantile"] == pytest.approx(0.05, rel=1e-12)
    assert json.loads(result.stdout)["inputs"]["rows"] == 2
    assert values(cli(*args, "--pred-col", "0.[5]", "--format", "json"))["quantile"] == pytest.approx(0.05, rel=1e-12)
    # Named by no option, the same line is taken for numpy's headerless output.
    line = assert_usage_error(cli(*args), "forecast.csv: the first line holds numbers (0.1, 0.5, 0.9), not column names")
    assert line.endswith("if they are column names (quantiles, or pandas' 0,1,2 for unnamed columns), name the one to read with --pred-col or --label-col)"), line


def test_spaces_around_numbers_are_accepted(cli, tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text("y_true, y_pred\n1, 1.5\n2 , 3\n")
    # mse = ((1 - 1.5)^2 + (2 - 3)^2) / 2 = (0.25 + 1) / 2 = 0.625 (by hand)
    assert values(cli("compute", path, "--loss", "mse", "-f", "json"))["mse"] == pytest.approx(0.625, rel=1e-12)


def test_the_missing_markers_are_those_of_pandas_read_csv():
    parsers = pytest.importorskip("pandas._libs.parsers")
    from losscli.io.numbers import MISSING_WORDS

    assert set(MISSING_WORDS) == set(parsers.STR_NA_VALUES)


@pytest.mark.parametrize("cores", [1, 2])
def test_every_missing_marker_of_pandas_is_a_missing_value(cli, tmp_path, monkeypatch, cores):
    # None and <NA> are what pandas writes for a missing object or nullable
    # value; they were refused as text even with --nan-policy omit.
    pd = pytest.importorskip("pandas")
    from losscli.io.numbers import MISSING_WORDS

    monkeypatch.setattr(readers.os, "cpu_count", lambda: cores)
    words = [word for word in MISSING_WORDS if word]
    path = tmp_path / "holes.csv"
    path.write_text("y_true,y_pred\n" + "".join(f"1,{word}\n" for word in words) + "2,2.5\n" + "".join(f"{word},3\n" for word in words))
    assert pd.read_csv(path).isna().sum().sum() == 2 * len(words)
    result = cli("compute", path, "--loss", "mae", "--nan-policy", "omit", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # The one complete row: |2.5 - 2| = 0.5.
    assert json.loads(result.stdout)["results"][0]["n"] == 1
    assert values(result)["mae"] == pytest.approx(0.5, rel=1e-15)
    result = cli("compute", path, "--loss", "mae")
    assert_usage_error(result, "holes.csv", "column 'y_pred'", f"{2 * len(words)} rows with missing", "row 1")


# ----------------------------------------------------------------------------- pandas' to_json layouts


def _frame_json(orient: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A frame as pandas' to_json writes it, and its columns; quarters, which
    pandas' 10 significant digits write exactly."""
    pd = pytest.importorskip("pandas")
    y_true = np.arange(N) * 0.5
    y_pred = y_true + np.resize([0.25, -0.75, 1.5], N)
    frame = pd.DataFrame({"y_pred": y_pred, "id": np.arange(N), "y_true": y_true})
    return frame.to_json(orient=orient).encode(), y_true, y_pred


@pytest.mark.parametrize("orient", ["split", "table"])
@pytest.mark.parametrize("how", ["file", "gzip", "stdin", "stdin-gzip"])
def test_pandas_json_that_names_its_columns_is_read(cli, tmp_path, small_batches, orient, how):
    document, y_true, y_pred = _frame_json(orient)
    if "gzip" in how:
        document = gzip.compress(document)
    path = tmp_path / ("frame.json.gz" if how == "gzip" else "frame.json")
    path.write_bytes(document)
    result = _compute(cli, "-", input=document) if how.startswith("stdin") else _compute(cli, path)
    assert_matches(result, y_true, y_pred)


def test_pandas_split_json_keeps_column_types_for_groups(cli, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.5, 2.0, 5.0], "fold": [0, 1, 1]}, index=["r1", "r2", "r3"])
    frame.to_json(tmp_path / "frame.json", orient="split")
    result = cli("compute", tmp_path / "frame.json", "--loss", "mae", "--by", "fold", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"]]
    # By hand: |1 - 1.5| = 0.5 in fold 0; (0 + 2) / 2 = 1 in fold 1; 2.5 / 3 overall.
    assert got == [(None, pytest.approx(2.5 / 3, rel=1e-15), 3), ({"fold": 0}, 0.5, 1), ({"fold": 1}, 1.0, 2)]


@pytest.mark.parametrize(
    "document, fragment",
    [
        ('{"columns":["y_true","y_pred"],"data":[[1,0.5],["two",0.2]]}', "frame.json, column 'y_true', row 2: the values change from number to string (one type per column)"),
        ('{"columns":["y_true","y_pred"],"data":[[1,0.5],[0.2]]}', "frame.json, row 2: this row is not a list of 2 values, one per column"),
        ('{"columns":[["a","y_true"],["a","y_pred"]],"data":[[1,0.5]]}', "frame.json: the file starts like pandas' to_json(orient='split'), but 'columns' is not a list of names"),
        ('{"columns":["y_true","y_pred"],"data":[[1,0.5]', "frame.json: cannot parse pandas' to_json(orient='split') document: Expecting ','"),
        ('{"schema":{"fields":[{"name":"y_true"}]},"rows":[]}', "frame.json: the file starts like pandas' to_json(orient='table'), but it has no 'data'"),
        ('{"columns":["y_true","y_true"],"data":[[1,0.5]]}', "frame.json: column name 'y_true' appears twice in the header"),
    ],
)
def test_a_damaged_pandas_json_document_is_named(cli, tmp_path, document, fragment):
    (tmp_path / "frame.json").write_text(document)
    assert_usage_error(cli("compute", tmp_path / "frame.json", "--loss", "mse"), fragment)


_JSON_LINES = "(write one object per row, as JSON Lines: with pandas, df.to_json(path, orient='records', lines=True))"


@pytest.mark.parametrize(
    "orient, problem",
    [
        ("records", "the file is one JSON array of rows (pandas' to_json(orient='records')), not one JSON object per line"),
        ("values", "the file is one JSON array of arrays, rows without column names (pandas' to_json(orient='values')), not one JSON object per line"),
        ("columns", "the file is one JSON object of columns (pandas' default to_json, orient='columns'), not one JSON object per row"),
        ("index", "the file is one JSON object of rows keyed by their index (pandas' to_json(orient='index')), not one JSON object per row"),
    ],
)
@pytest.mark.parametrize("stdin", [False, True])
def test_pandas_json_of_other_layouts_is_named_with_the_call_that_writes_json_lines(cli, tmp_path, orient, problem, stdin):
    document, _, _ = _frame_json(orient)
    (tmp_path / "frame.json").write_bytes(document)
    result = cli("compute", "-", "--loss", "mse", input=document) if stdin else cli("compute", tmp_path / "frame.json", "--loss", "mse")
    line = assert_usage_error(result)
    assert line == f"error: {'<stdin>' if stdin else tmp_path / 'frame.json'}: {problem} {_JSON_LINES}"


def test_json_lines_on_stdin_of_a_json_array_says_what_it_is_even_with_input_format(cli):
    # --input-format json on stdin gives the same specific answer as the first bytes do.
    result = cli("compute", "-", "--input-format", "json", "--loss", "mse", input=b'[{"y_true": 1, "y_pred": 2}]')
    assert_usage_error(result, "<stdin>: the file is one JSON array of rows (pandas' to_json(orient='records'))")


# ----------------------------------------------------------------------------- CSV dialects and encodings

# scikit-learn: log_loss([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.4])
BCE_OF_FOUR = 0.3375388286260044


@pytest.fixture(params=[1, 2], ids=["one-core", "parallel"])
def cores(request, monkeypatch):
    """Run the one-core streaming parse and the parallel block parse alike."""
    monkeypatch.setattr("losscli.io.readers.os.cpu_count", lambda: request.param)
    return request.param


def _bce(cli, path, *extra, input=None):
    return cli("compute", path, "-p", "prob", "-y", "label", "--loss", "bce", "-f", "json", *extra, input=input)


@pytest.mark.parametrize("words", [("True", "False"), ("true", "false"), ("TRUE", "0")])
def test_csv_true_false_labels_are_read_as_booleans(cli, tmp_path, cores, words):
    yes, no = words
    path = tmp_path / "bool.csv"
    path.write_text(f"prob,label\n0.9,{yes}\n0.2,{no}\n0.6,{yes}\n0.4,{no}\n")
    assert values(_bce(cli, path))["bce"] == pytest.approx(BCE_OF_FOUR, rel=1e-12)


def test_csv_booleans_equal_parquet_booleans(cli, tmp_path):
    pq.write_table(pa.table({"prob": [0.9, 0.2, 0.6, 0.4], "label": [True, False, True, False]}), tmp_path / "bool.parquet")
    (tmp_path / "bool.csv").write_text("prob,label\n0.9,True\n0.2,False\n0.6,True\n0.4,False\n")
    assert values(_bce(cli, tmp_path / "bool.csv")) == values(_bce(cli, tmp_path / "bool.parquet"))


def _booleans_then(bad: str, rows: int) -> str:
    return "prob,label\n" + "0.9,True\n0.2,False\n" * (rows // 2) + f"0.5,{bad}\n0.3,True\n"


@pytest.mark.parametrize("bad", ["maybe", "0.5"])
def test_a_late_non_boolean_cell_is_named_with_its_row(cli, tmp_path, cores, monkeypatch, bad):
    # Types come from the first 64 bytes only, so the column is read as booleans
    # and the bad cell, at data row 301, fails the conversion.
    monkeypatch.setattr("losscli.io.readers.CSV_SCHEMA_BYTES", 64)
    path = tmp_path / "late.csv"
    path.write_text(_booleans_then(bad, 300))
    assert_usage_error(_bce(cli, path), "late.csv", "column 'label'", "row 301", f"text '{bad}' in a column of true/false values")


def test_a_non_boolean_cell_seen_while_typing_is_named_with_its_row(cli, tmp_path):
    # Here the bad cell makes the column text; the first 'True' is not the culprit.
    path = tmp_path / "mixed.csv"
    path.write_text(_booleans_then("maybe", 300))
    assert_usage_error(_bce(cli, path), "mixed.csv", "column 'label'", "row 301", "text 'maybe' in a column of true/false values")


@pytest.mark.parametrize("loss", ["bce", "focal", "hinge", "squared_hinge"])
def test_two_text_classes_beside_one_probability_column_say_how_to_map_them(cli, tmp_path, loss):
    # SPEC section 2: text labels are matched to probability columns by suffix,
    # "else an error says how to map them". One column 'prob' matches neither class.
    path = tmp_path / "yesno.csv"
    path.write_text("label,prob\nyes,0.8\nno,0.3\nno,0.1\n")
    assert_usage_error(
        cli("compute", path, "--loss", loss),
        "yesno.csv, column 'label', row 1: the labels are text ('no' and 'yes') beside one probability column, 'prob'",
        # --positive is the first fix: it needs no change to the file.
        "which class it is the probability of (give --positive yes when 'prob' is the probability of 'yes'; "
        "give --positive no when 'prob' is the probability of 'no'; or write the labels as 0/1",
        "df['label'] = (df['label'] == 'yes').astype(int)",
        "'prob_no' and 'prob_yes', which cce and sparse_cce match to the text labels",
    )


def test_two_text_classes_keep_their_message_for_losses_that_are_not_binary(cli, tmp_path):
    # cce needs a column per class, and mse numbers: 0/1 labels beside one column are no fix for them.
    path = tmp_path / "yesno.csv"
    path.write_text("label,prob\nyes,0.8\nno,0.3\n")
    assert_usage_error(cli("compute", path, "--loss", "cce"), "class labels are text, but the predictions are not one column per class")
    assert_usage_error(cli("compute", path, "--loss", "mse"), "non-numeric text 'yes' in a numeric column")


def test_two_text_classes_as_parquet_categories_say_how_to_map_them(cli, tmp_path):
    table = pa.table({"label": pa.array(["cat", "dog", "cat"]).dictionary_encode(), "prob": [0.2, 0.9, 0.4]})
    pq.write_table(table, tmp_path / "pets.parquet")
    assert_usage_error(cli("compute", tmp_path / "pets.parquet", "--loss", "bce"), "column 'label', row 1", "df['label'] == 'dog'")


def test_a_true_among_numbers_is_the_cell_named(cli, tmp_path):
    # The column starts with numbers, so the stray 'TRUE' is the bad cell.
    path = tmp_path / "numbers.csv"
    path.write_text("prob,label\n0.9,1\n0.2,0.5\n0.6,TRUE\n0.4,0\n")
    assert_usage_error(_bce(cli, path), "numbers.csv", "column 'label'", "row 3", "non-numeric text 'TRUE' in a numeric column")


@pytest.mark.parametrize("kind", ["gz", "bz2", "zst"])
def test_stdin_reads_compressed_csv(cli, cores, kind):
    # A pipe has no file name: the compression is told by the first bytes.
    y_true, y_pred = _data()
    assert_matches(_compute(cli, "-", input=compressed(kind, _csv_bytes(y_true, y_pred))), y_true, y_pred)


def test_stdin_reads_compressed_ndjson(cli):
    y_true, y_pred = _data()
    lines = "".join(json.dumps(row) + "\n" for row in _table(y_true, y_pred).to_pylist())
    assert_matches(_compute(cli, "-", "--input-format", "ndjson", input=gzip.compress(lines.encode())), y_true, y_pred)


def test_truncated_gzip_on_stdin_is_an_error(cli):
    data = gzip.compress(_csv_bytes(*_data(n=20_000)))
    result = _compute(cli, "-", input=data[: len(data) // 2])
    assert_usage_error(result, "<stdin>: cannot decompress the gzip data: Truncated compressed stream")


def test_text_that_starts_like_bzip2_is_still_csv(cli):
    # "BZh" alone is no bzip2 stream: the block magic must follow.
    result = cli("compute", "-", "-p", "BZh1", "-y", "y", "--loss", "mse", "-f", "json", input="BZh1,y\n1,2\n3,5\n")
    # mse = ((1 - 2)^2 + (3 - 5)^2) / 2 = 2.5 (by hand)
    assert values(result)["mse"] == 2.5


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["plain", "bom"])
def test_excel_sep_line_sets_the_delimiter(cli, tmp_path, cores, bom, ending):
    y_true, y_pred = _data()
    body = _csv_bytes(y_true, y_pred, ";").decode().replace("\n", ending)
    path = tmp_path / "excel.csv"
    path.write_bytes(f"{bom}sep=;{ending}{body}".encode())
    assert_matches(_compute(cli, path), y_true, y_pred)


def test_excel_sep_line_from_stdin_and_gzip(cli, tmp_path, cores):
    y_true, y_pred = _data()
    data = b"sep=|\n" + _csv_bytes(y_true, y_pred, "|")
    assert_matches(_compute(cli, "-", input=data), y_true, y_pred)
    (tmp_path / "excel.csv.gz").write_bytes(gzip.compress(data))
    assert_matches(_compute(cli, tmp_path / "excel.csv.gz"), y_true, y_pred)


def test_excel_sep_line_is_skipped_when_the_delimiter_is_given(cli, tmp_path, cores):
    y_true, y_pred = _data()
    path = tmp_path / "excel.csv"
    # The line names ',' but the file uses ';': --delimiter wins, the line still goes.
    path.write_bytes(b"sep=,\n" + _csv_bytes(y_true, y_pred, ";"))
    assert_matches(_compute(cli, path, "--delimiter", ";"), y_true, y_pred)


@pytest.fixture
def late_conversion(monkeypatch):
    """Types from the first 64 bytes and many parallel pieces: a bad cell far
    down fails Arrow's conversion, and its row is found by a rescan."""
    monkeypatch.setattr("losscli.io.readers.CSV_SCHEMA_BYTES", 64)
    monkeypatch.setattr("losscli.io.readers.CSV_PARALLEL_BLOCK_BYTES", 97)


@pytest.mark.parametrize(
    "bad_line, fragments",
    [
        ("5;oops", ("column 'y_pred'", "row 400", "non-numeric text 'oops'")),
        ("5;6;7", ("row 400", "3 fields where the header has 2")),
        ("5;\udcff", ("column 'y_pred'", "row 400", "not valid UTF-8")),
    ],
    ids=["non-number", "ragged", "not-utf8"],
)
def test_rows_after_an_excel_sep_line_count_from_the_header(cli, tmp_path, cores, late_conversion, bad_line, fragments):
    lines = ["sep=;", "y_true;y_pred"] + [f"{i};{i + 0.5}" for i in range(1, 400)] + [bad_line, "1;2"]
    path = tmp_path / "excel.csv"
    path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\n")
    assert_usage_error(cli("compute", path, "--loss", "mse"), "excel.csv", *fragments)


# ----------------------------------------------------------------------------- list columns


def _multi(seed: int = 5, n: int = N, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, k)), rng.normal(size=(n, k))


def _multi_expected(y_true, y_pred) -> dict[str, float]:
    diff = y_true - y_pred
    # PyTorch convention for multi-output regression: mean over all elements (numpy).
    return {"mse": float(np.mean(diff**2)), "quantile": float(np.mean(np.maximum(Q * diff, (Q - 1) * diff)))}


def _assert_multi(result, y_true, y_pred) -> None:
    got = values(result)
    for name, value in _multi_expected(y_true, y_pred).items():
        assert got[name] == pytest.approx(value, rel=1e-12), name


_LIST_TYPES = {
    "list": pa.list_(pa.float64()),
    "fixed_size_list": pa.list_(pa.float64(), 3),
    "large_list": pa.large_list(pa.float64()),
    # Refused as "not numbers" before.
    "list_view": pa.list_view(pa.float64()),
    "large_list_view": pa.large_list_view(pa.float64()),
}


@pytest.mark.parametrize("list_type", list(_LIST_TYPES))
def test_parquet_list_column_is_a_multi_column_input(cli, tmp_path, list_type):
    y_true, y_pred = _multi()
    kind = _LIST_TYPES[list_type]
    table = pa.table({"y_true": pa.array(list(y_true), type=kind), "y_pred": pa.array(list(y_pred), type=kind)})
    pq.write_table(table, tmp_path / "lists.parquet", row_group_size=9)
    _assert_multi(_compute(cli, tmp_path / "lists.parquet"), y_true, y_pred)
    feather.write_feather(table, tmp_path / "lists.arrow", chunksize=9)
    _assert_multi(_compute(cli, tmp_path / "lists.arrow"), y_true, y_pred)


@pytest.mark.parametrize("container", ["parquet", "arrow"])
def test_numbers_written_as_text_categories_read_like_plain_text(cli, tmp_path, container):
    # pandas' category dtype of text numbers is dictionary-encoded; plain text parsed, this was refused.
    y_true, y_pred = _data()
    text = pa.array([repr(float(v)) for v in y_pred]).dictionary_encode()
    table = pa.table({"y_pred": text, "y_true": y_true})
    path = tmp_path / f"categories.{container}"
    if container == "parquet":
        pq.write_table(table, path)
    else:
        feather.write_feather(table, path)
    assert_matches(_compute(cli, path), y_true, y_pred)


def test_list_columns_equal_separate_columns_in_every_container(cli, tmp_path):
    y_true, y_pred = _multi(seed=9)
    columns = {f"y_true_{i}": y_true[:, i] for i in range(3)} | {f"y_pred_{i}": y_pred[:, i] for i in range(3)}
    write_csv(tmp_path / "wide.csv", columns)
    wide = values(_compute(cli, tmp_path / "wide.csv", "--pred-col", "y_pred_*", "--label-col", "y_true_*"))
    table = pa.table({"y_true": pa.array(list(y_true)), "y_pred": pa.array(list(y_pred))})
    feather.write_feather(table, tmp_path / "lists.feather")
    (tmp_path / "lists.ndjson").write_text(
        "".join(json.dumps({"y_true": list(map(float, t)), "y_pred": list(map(float, p))}) + "\n" for t, p in zip(y_true, y_pred))
    )
    for name in ("lists.feather", "lists.ndjson"):
        got = values(_compute(cli, tmp_path / name))
        for loss in wide:
            assert got[loss] == pytest.approx(wide[loss], rel=1e-13), (name, loss)
    _assert_multi(_compute(cli, tmp_path / "wide.csv"), y_true, y_pred)


def test_list_column_with_ragged_rows_is_an_error(cli, tmp_path):
    table = pa.table({"y_true": pa.array([[1.0, 2.0], [1.0, 2.0], [1.0]]), "y_pred": pa.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])})
    pq.write_table(table, tmp_path / "ragged.parquet")
    assert_usage_error(cli("compute", tmp_path / "ragged.parquet", "--loss", "mse"), "ragged.parquet", "'y_true'", "row 3")


def _lists(widths: list[int], seed: int = 3) -> pa.Array:
    """A list<double> column whose row i holds widths[i] values."""
    rng = np.random.default_rng(seed)
    return pa.array([list(rng.normal(size=w)) for w in widths], type=pa.list_(pa.float64()))


@pytest.mark.parametrize("batches", ["row groups", "small batches"])
def test_list_column_changing_width_in_a_later_row_group_is_an_error(cli, tmp_path, request, batches):
    if batches == "small batches":
        request.getfixturevalue("small_batches")  # the change falls inside a batch of 7 rows
    widths = [3] * 30 + [2] * 20
    table = pa.table({"y_true": _lists([3] * 50, seed=1), "y_pred": _lists(widths, seed=2)})
    pq.write_table(table, tmp_path / "shift.parquet", row_group_size=30)
    line = assert_usage_error(cli("compute", tmp_path / "shift.parquet", "--loss", "mse"), "shift.parquet", "column 'y_pred'", "row 31")
    assert line.endswith("list has 2 values where the rows before it have 3 (every row of a list column needs the same length)"), line


def test_list_column_changing_width_between_files_names_the_file(cli, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": _lists([3] * 4, seed=1), "y_pred": _lists([3] * 4, seed=2)}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": _lists([3] * 5, seed=3), "y_pred": _lists([2] * 5, seed=4)}), folder / "b.parquet")
    result = cli("compute", folder, "--loss", "mse")
    assert_usage_error(result, f"{folder / 'b.parquet'}, column 'y_pred', row 1: list has 2 values where the rows before it have 3")


def test_list_column_changing_width_inside_a_later_file_names_its_row_there(cli, tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": _lists([2] * 4, seed=1), "y_pred": _lists([2] * 4, seed=2)}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": _lists([2, 2, 1, 2], seed=3), "y_pred": _lists([2] * 4, seed=4)}), folder / "b.parquet")
    result = cli("compute", folder, "--loss", "mse")
    assert_usage_error(result, f"{folder / 'b.parquet'}, column 'y_true', row 3: list has 1 values where the rows before it have 2")


@pytest.mark.parametrize("list_first", [True, False])
def test_dataset_mixing_a_list_column_and_single_values_is_an_error(cli, tmp_path, list_first):
    folder = tmp_path / "ds"
    folder.mkdir()
    lists = pa.table({"y_true": _lists([3] * 4, seed=1), "y_pred": _lists([3] * 4, seed=2)})
    plain = pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]})
    first, second = (lists, plain) if list_first else (plain, lists)
    pq.write_table(first, folder / "a.parquet")
    pq.write_table(second, folder / "b.parquet")
    here, there = ("double", "list<double>") if list_first else ("list<double>", "double")
    line = assert_usage_error(cli("compute", folder, "--loss", "mse"), f"{folder / 'b.parquet'}, column 'y_true': ")
    assert f"the column holds {here} here but {there} in {folder / 'a.parquet'}" in line, line
    assert line.endswith("(every file of a dataset needs the same column types; rewrite this file or move it out of the dataset)"), line


def test_missing_list_value_is_a_missing_value(cli, tmp_path, small_batches):
    y_true = np.arange(60.0).reshape(20, 3)
    y_pred = y_true + np.linspace(-1.0, 1.0, 60).reshape(20, 3)
    pred_rows = [list(row) for row in y_pred]
    pred_rows[10] = None
    table = pa.table({"y_true": pa.array(list(y_true)), "y_pred": pa.array(pred_rows, type=pa.list_(pa.float64()))})
    pq.write_table(table, tmp_path / "lists.parquet", row_group_size=8)
    result = cli("compute", tmp_path / "lists.parquet", "--loss", "mse")
    assert_usage_error(result, "lists.parquet, column 'y_pred': 1 row with missing, NaN or infinite values, the first at row 11", "--nan-policy omit")
    result = cli("compute", tmp_path / "lists.parquet", "--loss", "mse", "--nan-policy", "omit", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    keep = np.arange(20) != 10
    # mean over every element of the 19 complete rows (numpy)
    assert report["results"][0]["value"] == pytest.approx(float(np.mean((y_true[keep] - y_pred[keep]) ** 2)), rel=1e-12)
    assert report["results"][0]["n"] == 19
    assert "note: 1 row with missing, NaN or infinite values was omitted" in result.stderr


def test_a_batch_of_only_missing_lists_is_omitted(cli, tmp_path, small_batches):
    y_true = np.arange(30.0).reshape(10, 3)
    y_pred = y_true + 0.5
    pred_rows = [None] * 7 + [list(row) for row in y_pred[7:]]  # the whole first batch of 7
    table = pa.table({"y_true": pa.array(list(y_true)), "y_pred": pa.array(pred_rows, type=pa.list_(pa.float64()))})
    pq.write_table(table, tmp_path / "lists.parquet")
    result = cli("compute", tmp_path / "lists.parquet", "--loss", "mse", "--nan-policy", "omit", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # every kept residual is 0.5: mean 0.25 over 3 rows (by hand)
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.25, rel=1e-12)
    assert json.loads(result.stdout)["results"][0]["n"] == 3


@pytest.mark.parametrize("row", [1, 13, 45])
def test_empty_list_is_reported_at_its_own_row(cli, tmp_path, small_batches, row):
    widths = [2] * 50
    widths[row - 1] = 0
    table = pa.table({"y_true": _lists([2] * 50, seed=1), "y_pred": _lists(widths, seed=2)})
    pq.write_table(table, tmp_path / "lists.parquet", row_group_size=20)
    result = cli("compute", tmp_path / "lists.parquet", "--loss", "mse")
    assert_usage_error(result, f"lists.parquet, column 'y_pred', row {row}: empty list where the other rows have 2 values")


# ----------------------------------------------------------------------------- readers directly


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", ("csv", None)),
        ("a.CSV", ("csv", None)),
        ("a.tsv", ("tsv", None)),
        ("a.csv.gz", ("csv", "gzip")),
        ("a.tsv.bz2", ("tsv", "bz2")),
        ("a.csv.zst", ("csv", "zstd")),
        ("a.parquet", ("parquet", None)),
        ("a.pq", ("parquet", None)),
        ("a.feather", ("arrow", None)),
        ("a.arrow", ("arrow", None)),
        ("a.ipc", ("arrow", None)),
        ("a.ndjson", ("ndjson", None)),
        ("a.jsonl", ("ndjson", None)),
        ("-", ("csv", None)),
        ("parts/*.parquet", ("parquet", None)),
    ],
)
def test_format_from_the_file_name(name, expected):
    assert detect_format(name, None) == expected


def test_readers_deliver_only_the_requested_columns_in_the_requested_order(tmp_path):
    y_true, y_pred = _data()
    for kind in ("csv", "parquet", "feather", "ndjson"):
        folder = tmp_path / kind
        folder.mkdir()
        path, _ = _write(kind, folder, y_true, y_pred)
        batches = list(open_source(path).batches(["y_true", "y_pred"]))
        table = pa.Table.from_batches(batches)
        assert table.column_names == ["y_true", "y_pred"], kind
        np.testing.assert_array_equal(table["y_true"].to_numpy(), y_true)
        np.testing.assert_array_equal(table["y_pred"].to_numpy(), y_pred)


def test_small_batch_settings_really_split_the_input(tmp_path, small_batches):
    # The streaming tests above rely on these settings producing many batches.
    y_true, y_pred = _data(n=400)
    (tmp_path / "data.csv").write_bytes(_csv_bytes(y_true, y_pred))
    pq.write_table(_table(y_true, y_pred), tmp_path / "data.parquet")
    for name in ("data.csv", "data.parquet"):
        batches = list(open_source(str(tmp_path / name)).batches(["y_true", "y_pred"]))
        assert len(batches) > 10, name
        assert sum(b.num_rows for b in batches) == 400


def test_arrow_files_read_as_a_glob(cli, tmp_path):
    y_true, y_pred = _data()
    table = _table(y_true, y_pred)
    for index, start in enumerate(range(0, N, 25)):
        feather.write_feather(table.slice(start, 25), tmp_path / f"part-{index}.arrow")
    assert_matches(_compute(cli, str(tmp_path / "part-*.arrow")), y_true, y_pred)


@pytest.mark.parametrize("name", ["run[3].parquet", "run[3].csv"])
def test_a_file_name_with_glob_characters_is_read_as_that_file(cli, tmp_path, name):
    y_true, y_pred = _data()
    (tmp_path / "run3.parquet").write_bytes(b"a decoy the pattern would match")
    if name.endswith(".parquet"):
        pq.write_table(_table(y_true, y_pred), tmp_path / name)
    else:
        (tmp_path / name).write_bytes(_csv_bytes(y_true, y_pred))
    assert_matches(_compute(cli, tmp_path / name), y_true, y_pred)


def test_parquet_row_count_comes_from_metadata(tmp_path):
    y_true, y_pred = _data()
    for index in range(3):
        pq.write_table(_table(y_true, y_pred), tmp_path / f"p{index}.parquet")
    assert open_source(str(tmp_path / "p*.parquet")).rows_hint() == 3 * N


def test_a_dataset_file_without_a_needed_column_is_named_with_the_fix(cli, tmp_path):
    (tmp_path / "ds").mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / "ds" / "part-0.parquet")
    pq.write_table(pa.table({"y_pred": [2.0]}), tmp_path / "ds" / "part-1.parquet")
    result = cli("compute", tmp_path / "ds", "--loss", "mse")
    assert_usage_error(result, "part-1.parquet", "column 'y_true' is missing from this file of the dataset", "every file of a dataset needs")


def test_ndjson_text_that_looks_like_a_date_groups_as_written(cli, tmp_path):
    # JSON has no date type: two spellings of one instant are two groups.
    rows = [{"y_true": 1, "y_pred": 2, "g": "2024-01-01"}, {"y_true": 1, "y_pred": 3, "g": "2024-01-01T00:00:00"}]
    (tmp_path / "g.ndjson").write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = cli("compute", tmp_path / "g.ndjson", "--loss", "mse", "--by", "g", "--format", "json")
    assert result.exit_code == 0, result.stderr
    groups = {r["group"]["g"]: (r["value"], r["n"]) for r in json.loads(result.stdout)["results"] if r["group"]}
    # Hand computation: (1 - 2)^2 = 1 and (1 - 3)^2 = 4.
    assert groups == {"2024-01-01": (1.0, 1), "2024-01-01T00:00:00": (4.0, 1)}


def test_ndjson_date_like_text_is_read_as_text(tmp_path):
    (tmp_path / "d.ndjson").write_text('{"y": 1.5, "d": "2024-01-01"}\n{"y": 2.5, "d": "2024-01-02 10:00:00"}\n')
    source = open_source(str(tmp_path / "d.ndjson"))
    assert source.column("d").type == pa.string()
    assert source.column("y").type == pa.float64()
    batch = next(source.batches(["d", "y"]))
    assert batch.column(0).to_pylist() == ["2024-01-01", "2024-01-02 10:00:00"]
    assert batch.schema.types == [pa.string(), pa.float64()]


# ----------------------------------------------------------------------------- dictionary-encoded Arrow columns


def _groups(result, column: str) -> dict[str, tuple[float, int]]:
    assert result.exit_code == 0, result.stderr
    return {r["group"][column]: (r["value"], r["n"]) for r in json.loads(result.stdout)["results"] if r["group"]}


def test_arrow_dictionary_encoded_numbers_read_like_parquet(cli, tmp_path):
    # pyarrow and pandas dictionary-encode repeated values; Parquet's reader
    # decodes numbers, the IPC reader hands them over encoded.
    y_true, y_pred = _data()
    table = pa.table({"y_true": pa.array(y_true).dictionary_encode(), "y_pred": pa.array(y_pred).dictionary_encode()})
    feather.write_feather(table, tmp_path / "dict.feather", chunksize=13)
    assert_matches(_compute(cli, tmp_path / "dict.feather"), y_true, y_pred)


def test_polars_categorical_in_arrow_groups_joins_and_names_samples(cli, tmp_path):
    # polars writes a Categorical to IPC as dictionary<string_view>, which
    # Arrow can neither decode nor cast.
    region = pa.array(["east", "west", "east", "west"], pa.string_view()).dictionary_encode()
    table = pa.table({"id": region, "y_true": [1.0, 2.0, 3.0, 4.0], "y_pred": [2.0, 2.0, 5.0, 4.0]})
    assert table.schema.field("id").type.value_type == pa.string_view()
    feather.write_feather(table, tmp_path / "cat.arrow")
    grouped = cli("compute", tmp_path / "cat.arrow", "--loss", "mse", "--by", "id", "--format", "json")
    # Hand computation: east (1-2)^2, (3-5)^2 -> 2.5; west 0, 0 -> 0.
    assert _groups(grouped, "id") == {"east": (2.5, 2), "west": (0.0, 2)}

    ids = pa.array(["b", "a", "c"], pa.string_view()).dictionary_encode()
    feather.write_feather(pa.table({"id": ids, "y_true": [2.0, 1.0, 3.0]}), tmp_path / "labels.arrow")
    write_csv(tmp_path / "preds.csv", {"id": ["a", "b", "c"], "y_pred": [1.5, 2.0, 5.0]})
    joined = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / "labels.arrow", "--key", "id", "--loss", "mse", "--format", "json")
    # Hand computation: a (1-1.5)^2 = 0.25, b 0, c (3-5)^2 = 4 -> 4.25 / 3.
    assert values(joined) == {"mse": pytest.approx(4.25 / 3, rel=1e-12)}


def test_ndjson_rows_after_the_first_block_keep_its_types(cli, tmp_path, monkeypatch):
    """Rows are read in blocks of their own, typed as the first block was: a
    field that first appears later is passed over (it is not a column), and a
    value that does not fit the first block's type is an error with its row."""
    monkeypatch.setattr("losscli.io.readers.CSV_BLOCK_BYTES", 1024)  # the block the types come from
    monkeypatch.setattr("losscli.io.readers.NDJSON_ROW_BLOCK_BYTES", 512)
    rows = [{"id": i, "y_true": i / 10, "y_pred": i / 10 + 0.5} for i in range(300)]
    late = tmp_path / "late.jsonl"
    late.write_text("".join(json.dumps(r) + "\n" for r in rows) + json.dumps({"id": 300, "y_true": 1.0, "y_pred": 1.5, "note": "x"}) + "\n")
    result = cli("compute", late, "--loss", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["results"][0]["value"] == 0.25 and doc["inputs"]["rows"] == 301  # every residual is 0.5
    # An integer id column meeting 1.5 three hundred rows in: the file's row is named.
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows) + json.dumps({"id": 1.5, "y_true": 1.0, "y_pred": 1.5}) + "\n")
    assert_usage_error(cli("compute", bad, "--loss", "mse", "--by", "id"), str(bad), "cannot parse NDJSON")
