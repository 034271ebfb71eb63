"""Quoted values in CSV: a value may hold line breaks and delimiters in any
piece of the body, and a quote that runs away with the rows after it is an
error naming where it opens, never rows silently lost (pandas raises "EOF
inside string" for the same file)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import assert_usage_error
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.io import readers
from losscli.io.csv_blocks import body_pieces, recut
from losscli.io.csv_quotes import Layout, quoted_values, row_end

LAYOUT = Layout(ord(","), b"\n", 3)


@pytest.fixture(params=[1, 2], ids=["1-core", "2-cores"])
def many_blocks(request, monkeypatch):
    """Pieces of 97 bytes: every row end, and every line break inside a value, falls near a cut."""
    monkeypatch.setattr(readers.os, "cpu_count", lambda: request.param)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 97)


def _values(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return {r["loss"]: r for r in json.loads(result.stdout)["results"] if r["group"] is None}


# ----------------------------------------------------------------------------- row ends


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'1,2,"a"\n3,4,"b"\n5,', 16),  # quotes at field boundaries: counted
        (b'1,2,"a\nb"\n3,4,c\n', 16),  # the first line end lies inside a value
        (b'1,2,"a\nb', None),  # no row ends: the value is still open
        (b'1,2,"say ""hi"""\n3,4,', 17),  # doubled quotes inside a value
        (b'1,2,12" pizza\n3,4,"x\ny"\n', 24),  # a quote inside an unquoted field is text
        (b'1,2,"x"y\n3', 9),  # text after a closing quote joins the value
    ],
)
def test_a_row_ends_at_a_line_end_outside_quoted_values(data, expected):
    end, _ = row_end(data, 0, len(data), LAYOUT, final=False)
    assert end == expected


def test_the_quote_of_a_value_still_open_is_found_behind_doubled_quotes():
    data = b'1,2,"a ""b"" c\nd'
    assert row_end(data, 0, len(data), LAYOUT, final=False) == (None, 4)


def test_quoted_values_are_found_as_arrow_reads_them():
    data = b'1,"a,b",12" x\n"c""d"e,3,""\n'
    found = [(v.opens, v.closes, v.text_after) for v in quoted_values(data, 0, len(data), LAYOUT)]
    assert found == [(2, 6, False), (14, 19, True), (24, 25, False)]


def _as_parsers_take_them(pieces) -> list:
    """The pieces as the parsers take them: a piece of a mapped file cut at a
    line end without looking for quotes that holds one has the rest cut again
    by quotes (what parallel_csv_batches does on QuotesFound)."""
    taken = []
    for piece in pieces:
        if piece.unsearched_block is not None and b'"' in piece.buffer.to_pybytes():
            return taken + list(recut(piece))
        taken.append(piece)
    return taken


def test_a_mapped_file_without_quotes_is_cut_at_line_ends_without_looking_for_them(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"y_true,y_pred\n" + b"".join(f"{i},{i / 3}\n".encode() for i in range(200)))
    pieces = list(body_pieces(str(path), 64, header_lines=1, delimiter=",", fields=2))
    assert len(pieces) > 10 and all(p.unsearched_block == 64 and not p.quoted for p in pieces)


@pytest.mark.parametrize("workers", [1, 2])
def test_quotes_first_met_far_into_a_mapped_file_have_the_rest_cut_by_them(tmp_path, workers):
    # Plain rows, then values with line breaks: the pieces cut before the
    # first quote are read as cut, the rest again by quotes, and every row
    # is read once, as Python's csv module reads the file.
    from losscli.io.csv_blocks import parallel_csv_batches

    rows = [["id", "note"]] + [[str(i), f"plain {i}"] for i in range(300)] + [[str(i), f"line {i}\n\"quoted\", end"] for i in range(300, 400)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path = tmp_path / "late_quotes.csv"
    path.write_text(text.getvalue())
    pieces = body_pieces(str(path), 256, header_lines=1, delimiter=",", fields=2)
    convert = pacsv.ConvertOptions(column_types={"id": pa.int64(), "note": pa.string()})
    batches = list(parallel_csv_batches(pieces, names=rows[0], parse_options=pacsv.ParseOptions(newlines_in_values=True), convert_options=convert, batch_rows=1000, workers=workers))
    read = [(row["id"], row["note"]) for batch in batches for row in batch.to_pylist()]
    assert read == [(int(i), note) for i, note in rows[1:]]


@pytest.mark.parametrize("block", [1, 5, 13, 40, 4096])
@pytest.mark.parametrize("kind", ["stream", "mapped"])
def test_pieces_never_cut_a_value_that_holds_a_line_break(tmp_path, block, kind):
    rows = [["id", "y_pred", "note"]] + [[str(i), f"{i / 7:.3f}", f"line {i}\nand, after a comma, \"{i}\"\r\nend"] for i in range(40)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    data = text.getvalue().encode()
    if kind == "mapped":
        (tmp_path / "notes.csv").write_bytes(data)
        source = str(tmp_path / "notes.csv")
    else:
        source = pa.BufferReader(data)
    pieces = _as_parsers_take_them(body_pieces(source, block, header_lines=1, delimiter=",", fields=3))
    assert b"".join(p.buffer.to_pybytes() for p in pieces) == data[data.index(b"\n") + 1 :]
    read = [pacsv.read_csv(pa.BufferReader(p.buffer), read_options=pacsv.ReadOptions(column_names=rows[0])) for p in pieces]
    assert sum(t.num_rows for t in read) == 40
    assert pa.concat_tables(read).column("note").to_pylist() == [row[2] for row in rows[1:]]


_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;')), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(-50, 50), _TEXT), min_size=1, max_size=30),
    block=st.integers(1, 64),
)
def test_any_quoted_text_parses_as_pythons_csv_module_reads_it(rows, block):
    # Values of any text, as csv.writer quotes them, cut into pieces of any
    # size. Lines end in CRLF, so that a CR in a value is quoted too.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["y_pred", "note", "y_true"])
    writer.writerows([[value, note, 1] for value, note in rows])
    data = text.getvalue().encode()
    pieces = list(body_pieces(pa.BufferReader(data), block, header_lines=1, delimiter=",", fields=3))
    assert all(p.problem is None for p in pieces)
    options = pacsv.ReadOptions(column_names=["y_pred", "note", "y_true"])
    parse = pacsv.ParseOptions(newlines_in_values=True)
    read = [pacsv.read_csv(pa.BufferReader(p.buffer), read_options=options, parse_options=parse, convert_options=pacsv.ConvertOptions(column_types={"note": pa.string()}, strings_can_be_null=False, quoted_strings_can_be_null=False)) for p in pieces if p.buffer.size]
    expected = list(csv.reader(io.StringIO(text.getvalue(), newline="")))[1:]
    assert [int(v) for t in read for v in t.column("y_pred").to_pylist()] == [int(row[0]) for row in expected]
    assert [v for t in read for v in t.column("note").to_pylist()] == [row[1] for row in expected]


_MESSY = st.text(alphabet=st.sampled_from(list('a1,"\n')), max_size=60)


@settings(max_examples=150, deadline=None)
@given(body=_MESSY, block=st.integers(1, 40))
def test_pieces_read_any_text_as_one_parse_does_or_say_why_not(body, block):
    # Quotes anywhere, even where no writer puts them: read piece by piece,
    # the rows are those of one parse of the whole text, or the pieces fail
    # with an error. Never other rows without a word.
    from losscli.io.csv_blocks import PieceFailed, parallel_csv_batches

    names = ["a", "b"]
    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types={"a": pa.string(), "b": pa.string()})

    def whole() -> list | None:
        if not body.strip():
            return []
        try:
            table = pacsv.read_csv(pa.BufferReader(body.encode()), read_options=pacsv.ReadOptions(column_names=names), parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid:
            return None
        return table.to_pylist()

    data = ("a,b\n" + body).encode()
    with tempfile.TemporaryDirectory() as folder:
        # A stream is cut by quotes from the start; a mapped file at line ends
        # until a parser finds a quote.
        mapped = os.path.join(folder, "messy.csv")
        with open(mapped, "wb") as handle:
            handle.write(data)
        for source in (pa.BufferReader(data), mapped):
            pieces = body_pieces(source, block, header_lines=1, delimiter=",", fields=2)
            try:
                batches = list(parallel_csv_batches(pieces, names=names, parse_options=parse, convert_options=convert, batch_rows=1000, workers=1))
            except PieceFailed:
                continue
            assert [row for batch in batches for row in batch.to_pylist()] == whole()


# ----------------------------------------------------------------------------- on the command line


def _notes_csv(rows: int = 300) -> tuple[str, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    y, p = rng.normal(size=rows), rng.normal(size=rows)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["y_true", "y_pred", "note"])
    for i, (a, b) in enumerate(zip(y, p)):
        note = f'reviewer {i} wrote:\n"fine, mostly"\n\n-- end' if i % 3 == 0 else f"plain {i}"
        writer.writerow([repr(float(a)), repr(float(b)), note])
    return text.getvalue(), y, p


@pytest.mark.parametrize("how", ["file", "gzip", "stdin"])
def test_values_with_line_breaks_and_delimiters_read_in_any_piece(cli, tmp_path, many_blocks, how):
    text, y, p = _notes_csv()
    path = tmp_path / "notes.csv"
    path.write_text(text)
    if how == "gzip":
        path = tmp_path / "notes.csv.gz"
        path.write_bytes(gzip.compress(text.encode()))
    args = ("compute", "-" if how == "stdin" else path, "--loss", "mse", "--by", "note", "-f", "json")
    result = _values(cli(*args, input=text if how == "stdin" else None))
    assert result["mse"]["n"] == 300
    assert result["mse"]["value"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)  # numpy


def _stray_quote_csv(rows: int = 2000, bad_row: int = 11, closing: str | None = None) -> str:
    """A file written without quoting (f"{a},{b},{text}"), one text starting
    with a quote; ``closing``: the text of a later row (row bad_row + 500)
    that holds a second stray quote."""
    rng = np.random.default_rng(0)
    lines = ["y_true,y_pred,comment"]
    for i in range(1, rows + 1):
        text = '"broken quote' if i == bad_row else (closing if closing and i == bad_row + 500 else "ok")
        lines.append(f"{rng.random():.4f},{rng.random():.4f},{text}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("how", ["file", "gzip", "stdin"])
def test_a_quote_never_closed_is_an_error_where_it_opens(cli, tmp_path, how):
    # Was: "rows 11", exit 0, the other rows read as one text value.
    text = _stray_quote_csv(100_000)
    path = tmp_path / "comments.csv"
    path.write_text(text)
    if how == "gzip":
        path = tmp_path / "comments.csv.gz"
        path.write_bytes(gzip.compress(text.encode()))
    result = cli("compute", "-" if how == "stdin" else path, "--loss", "mse", input=text if how == "stdin" else None)
    where = "<stdin>, column 'comment', row 11: a quote opens a value here" if how == "stdin" else f"{path}, column 'comment', row 11: a quote opens a value here (line 12)"
    line = assert_usage_error(result, where, "nothing closes it, so the rest of the input, 99990 lines, would be read as that one value")
    assert line.endswith('(close the quote where the value ends; a quote that is part of the text needs the whole value in quotes and itself doubled ("12"" pizza"), or the quote removed)')


@pytest.mark.parametrize(
    ("closing", "problem"),
    [
        ('he said "no"', "that runs on over 500 lines to a quote followed by more text"),
        ('5 inch"', "that runs on over 500 lines, taking in lines that look like rows ("),
    ],
    ids=["closed-with-text-after", "closed-at-a-field-end"],
)
def test_a_quote_that_takes_in_rows_is_an_error_where_it_opens(cli, tmp_path, closing, problem):
    # A second stray quote closes the value 500 rows on: 500 rows would have gone.
    (tmp_path / "c.csv").write_text(_stray_quote_csv(bad_row=700, closing=closing))
    assert_usage_error(cli("compute", tmp_path / "c.csv", "--loss", "mse"), "c.csv, column 'comment', row 700: a quote opens a value here (line 701)", problem)


def test_a_quote_taking_in_rows_is_named_before_the_rest_of_the_input_is_read(monkeypatch):
    # A piece's worth of swallowed rows gives it away: a pipe is not read to its end.
    from losscli.errors import LossCliError
    from losscli.io.piped import PipedInput

    monkeypatch.setattr(readers, "CSV_SCHEMA_BYTES", 4096)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 4096)
    data = _stray_quote_csv(200_000, bad_row=3000).encode()
    raw = io.BytesIO(data)
    source = readers.CsvSource("-", None, None, piped=PipedInput(raw, "<stdin>"))
    with pytest.raises(LossCliError) as caught:
        for _ in source.batches(["y_true"]):
            pass
    assert str(caught.value).startswith("<stdin>, column 'comment', row 3000: a quote opens a value here that is still open ")
    assert "lines on, taking in lines that look like rows ('0." in str(caught.value)
    assert raw.tell() < len(data) / 10


def test_a_quote_opened_in_the_first_row_is_named_before_any_row_is_read(cli, tmp_path):
    (tmp_path / "c.csv").write_text(_stray_quote_csv(50, bad_row=1))
    assert_usage_error(cli("compute", tmp_path / "c.csv", "--loss", "mse"), "column 'comment', row 1: a quote opens a value here (line 2) and nothing closes it")


def test_a_quote_left_open_on_the_last_line_is_an_error_as_in_pandas(cli, tmp_path):
    (tmp_path / "last.csv").write_text('y_true,y_pred,note\n1,2,a\n3,4,"b')
    assert_usage_error(cli("compute", tmp_path / "last.csv", "--loss", "mse"), "last.csv, column 'note', row 2: a quote opens a value here (line 3) and nothing closes it, so the rest of the input, 0 lines")


@pytest.mark.parametrize("rows", [5, 3000])
def test_quotes_inside_unquoted_values_are_text(cli, tmp_path, many_blocks, rows):
    # A file written without quoting: 12" pizza is text, as Arrow, pandas and Python's csv read it.
    lines = ["y_true,y_pred,item"] + [f"{i},{i + 0.5},{i}\" pizza" for i in range(rows)]
    (tmp_path / "naive.csv").write_text("\n".join(lines) + "\n")
    result = _values(cli("compute", tmp_path / "naive.csv", "--loss", "mse", "-f", "json"))
    assert result["mse"]["n"] == rows and result["mse"]["value"] == pytest.approx(0.25, rel=1e-15)  # every error is 0.5


def test_a_legitimate_value_of_many_lines_is_read(cli, tmp_path, many_blocks):
    # Text of many lines (a model's answer) that do not look like rows.
    answer = "\n".join(f"Step {i}: add the numbers, then divide." for i in range(200))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([["y_true", "y_pred", "answer"], [1, 1.5, answer], [2, 2.5, "short"]])
    (tmp_path / "answers.csv").write_text(text.getvalue())
    result = _values(cli("compute", tmp_path / "answers.csv", "--loss", "mse", "-f", "json"))
    assert result["mse"]["n"] == 2 and result["mse"]["value"] == pytest.approx(0.25, rel=1e-15)


def test_quotes_out_of_step_are_an_error_never_a_wrong_value(cli, tmp_path, monkeypatch):
    # A quote inside an unquoted value, then a quoted value with a line break:
    # counting quotes misplaces row ends. At every piece size the value read
    # is right, or the error says why it cannot be.
    lines = "y_true,y_pred,note\n1,1.5,12\" pizza\n" + "".join(f'{i},{i + 0.5},"a\nb"\n' for i in range(2, 9))
    (tmp_path / "mixed.csv").write_text(lines)
    monkeypatch.setattr(readers.os, "cpu_count", lambda: 2)
    for block in range(1, 80):
        monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", block)
        result = cli("compute", tmp_path / "mixed.csv", "--loss", "mse", "-f", "json")
        if result.exit_code == 0:
            assert _values(result)["mse"]["n"] == 8 and _values(result)["mse"]["value"] == pytest.approx(0.25, rel=1e-15)
        else:
            assert_usage_error(result, "mixed.csv, column 'note'", "quotes inside unquoted values before it (such as 12\" pizza) leave its end unclear")
