"""A corpus of bad inputs (SPEC section 6): each one exits 2 with a single
``error: `` line on stderr that says what is wrong and where, no traceback,
and nothing on stdout.

Every case builds its files in ``tmp_path`` and returns the command line and
the fragments the error line must contain (file, column, row, the problem).
"""

from __future__ import annotations

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




def _good(folder: Path, name: str = "good.csv", n: int = 3) -> Path:
    return write_csv(folder / name, {"y_true": np.arange(n, dtype=float), "y_pred": np.arange(n) + 0.5})


def _text(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _parquet_bytes(rows: int = 1000) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"y_true": np.arange(rows, dtype=float), "y_pred": np.arange(rows, dtype=float)}), sink)
    return sink.getvalue().to_pybytes()


def _random_bytes(size: int = 600) -> bytes:
    return np.random.default_rng(0).integers(0, 256, size=size, dtype=np.uint8).tobytes()


def mse(path, *extra) -> list:
    return ["compute", path, "--loss", "mse", *extra]


# ----------------------------------------------------------------------------- the corpus
# Each function: tmp_path -> (arguments, fragments of the error line).


def missing_file(d):
    return mse(d / "nope.csv"), ("nope.csv", "file not found")


def missing_labels_file(d):
    return mse(_good(d), "--labels", d / "truth.csv"), ("truth.csv", "file not found")


def empty_file(d):
    return mse(_text(d, "empty.csv", "")), ("empty.csv", "file is empty")


def blank_lines_only(d):
    return mse(_text(d, "blank.csv", "\n \n\n")), ("blank.csv", "file is empty")


def byte_order_mark_only(d):
    # What a spreadsheet saves as "CSV UTF-8" from an empty sheet.
    return mse(_text(d, "bom.csv", b"\xef\xbb\xbf")), ("bom.csv", "file is empty")


def empty_stdin(d):
    return mse("-"), ("<stdin>", "empty")


def header_only(d):
    return mse(_text(d, "header.csv", "y_true,y_pred\n")), ("header.csv", "no data rows")


def header_only_without_line_end(d):
    return mse(_text(d, "header.csv", "y_true,y_pred")), ("header.csv", "no data rows", "the file has a header but no rows")


def header_only_after_excel_sep_line(d):
    return mse(_text(d, "header.csv", "sep=;\ny_true;y_pred")), ("header.csv", "no data rows", "the file has a header but no rows")


def excel_sep_line_only(d):
    return mse(_text(d, "sep.csv", "sep=;\n")), ("sep.csv", "file is empty")


def utf16_csv(d):
    # Excel's "Unicode text": UTF-16 LE with a byte-order mark.
    return mse(_text(d, "unicode.csv", "y_true,y_pred\n1,2\n".encode("utf-16"))), ("unicode.csv", "the file is UTF-16 encoded", "save it as UTF-8 CSV")


_NUL_PROBLEM = "which CSV text never has: it may be truncated or corrupt (a crash while it was written leaves zeros), or it is not text at all"


def csv_padded_with_nul_bytes(d):
    # A valid CSV followed by zeros, as a crash leaves a file: was called UTF-16.
    path = _text(d, "zerotail.csv", b"y_true,y_pred\n1,2\n" + bytes(4096))
    return mse(path), (f"zerotail.csv: the file holds NUL bytes from byte 18 (line 3), {_NUL_PROBLEM}", "head -c 18 FILE > FIXED")


def csv_cut_short_by_nul_bytes_past_its_head(d):
    # Past the first 64 KB the zeros are found where the rows are parsed: at their row.
    rows = b"".join(b"%d,%d\n" % (i, i) for i in range(20_000))
    path = _text(d, "crash.csv", b"y_true,y_pred\n" + rows + bytes(300))
    return mse(path), (f"crash.csv, row 20001: the file holds NUL bytes from byte {14 + len(rows)} (line 20002), {_NUL_PROBLEM}",)


def random_bytes_as_csv(d):
    return mse(_text(d, "noise.csv", _random_bytes(5000))), ("noise.csv: the file holds NUL bytes from byte", "or it is not text at all")


def parquet_without_rows(d):
    table = pa.table({"y_true": pa.array([], pa.float64()), "y_pred": pa.array([], pa.float64())})
    pq.write_table(table, d / "zero.parquet")
    return mse(d / "zero.parquet"), ("zero.parquet", "no data rows")


def truncated_parquet(d):
    data = _parquet_bytes()
    return mse(_text(d, "cut.parquet", data[: len(data) // 2])), ("cut.parquet", "cannot read as Parquet")


def corrupt_parquet(d):
    data = bytearray(_parquet_bytes())
    data[8 : len(data) - 8] = _random_bytes(len(data) - 16)  # keep the magic bytes, ruin the rest
    return mse(_text(d, "corrupt.parquet", bytes(data))), ("corrupt.parquet", "Parquet")


def random_bytes_as_parquet(d):
    return mse(_text(d, "noise.parquet", _random_bytes())), ("noise.parquet", "cannot read as Parquet")


def random_bytes_as_arrow(d):
    return mse(_text(d, "noise.arrow", _random_bytes())), ("noise.arrow", "cannot read as Arrow IPC/Feather")


def random_bytes_as_feather(d):
    return mse(_text(d, "noise.feather", _random_bytes())), ("noise.feather", "Arrow IPC/Feather")


def truncated_feather(d):
    sink = pa.BufferOutputStream()
    feather.write_feather(pa.table({"y_true": np.arange(500.0), "y_pred": np.arange(500.0)}), sink)
    data = sink.getvalue().to_pybytes()
    return mse(_text(d, "cut.feather", data[: len(data) // 2])), ("cut.feather", "Arrow")


def csv_named_as_parquet_by_format(d):
    return mse(_good(d), "--input-format", "parquet"), ("good.csv", "the file is text (CSV), not Parquet as --input-format parquet says", "--input-format csv")


def csv_named_parquet(d):
    return mse(_text(d, "preds.parquet", b"y_true,y_pred\n1,2\n")), ("preds.parquet", "the file is text (CSV), not Parquet as its name says", "--input-format csv")


def parquet_named_csv(d):
    return mse(_text(d, "preds.csv", _parquet_bytes())), ("preds.csv", "the file is Parquet, not CSV as its name says", "end in .parquet", "--input-format parquet")


def parquet_named_arrow(d):
    return mse(_text(d, "preds.arrow", _parquet_bytes())), ("preds.arrow", "the file is Parquet, not Arrow", "--input-format parquet")


def gzip_named_csv(d):
    return mse(_text(d, "preds.csv", gzip.compress(b"y_true,y_pred\n1,2\n"))), ("preds.csv", "the file is gzip-compressed, which its name does not say", "preds.csv.gz")


def json_lines_named_csv(d):
    return mse(_text(d, "preds.csv", '{"y_true": 1, "y_pred": 2}\n')), ("preds.csv", "the file is JSON Lines, not CSV", "--input-format ndjson")


def arrow_without_extension(d):
    sink = pa.BufferOutputStream()
    feather.write_feather(pa.table({"y_true": [1.0], "y_pred": [2.0]}), sink)
    # Named as no format, the file is read as CSV: the message says what it is, not what its name says.
    return mse(_text(d, "preds", sink.getvalue().to_pybytes())), ("preds: the file is Arrow, not CSV (", "--input-format arrow")


def not_gzip(d):
    return mse(_text(d, "data.csv.gz", b"y_true,y_pred\n1,2\n")), ("data.csv.gz: the file is not gzip-compressed, as its name says: it is plain text", "rename it to data.csv")


def zstd_named_gzip(d):
    data = compressed("zst", b"y_true,y_pred\n1,2\n")
    return mse(_text(d, "data.csv.gz", data)), ("data.csv.gz: the file is zstd-compressed, not gzip as its name says", "rename it to data.csv.zst")


def gzipped_parquet(d):
    return mse(_text(d, "preds.parquet.gz", gzip.compress(_parquet_bytes()))), ("preds.parquet.gz: the file is gzip-compressed, and Parquet files are read uncompressed", "gzip -dk preds.parquet.gz")


def truncated_gzip(d):
    data = gzip.compress(b"y_true,y_pred\n" + b"1,2\n" * 5000)
    return mse(_text(d, "cut.csv.gz", data[: len(data) // 2])), ("cut.csv.gz", "Truncated compressed stream", "decompress it to check")


def ragged_csv_extra_field(d):
    return mse(_text(d, "ragged.csv", "y_true,y_pred\n1,2\n3,4\n5,6,7\n")), ("ragged.csv", "row 3", "3 fields where the header has 2")


def ragged_csv_missing_field(d):
    return mse(_text(d, "short.csv", "y_true,y_pred\n1,2\n3\n")), ("short.csv", "row 2", "1 field where the header has 2")


def non_numeric_text(d):
    return mse(_text(d, "text.csv", "y_true,y_pred\n1,2\n3,4\n5,six\n")), ("text.csv", "column 'y_pred'", "row 3", "non-numeric text 'six'")


_WRITE_WITH_POINTS = "pandas decimal='.', R write.csv rather than write.csv2, or Excel and LibreOffice set to a locale that uses '.'"
# A file not separated by commas reads with --decimal ,; a comma-separated one must be written again.
_DECIMAL_COMMA_HINT = f"(read it with --decimal , as pandas does with decimal=',', or write it with '.' as the decimal separator: {_WRITE_WITH_POINTS})"
_COMMA_FILE_DECIMAL_COMMA_HINT = f"(write the file with '.' as the decimal separator ({_WRITE_WITH_POINTS}), or with ';' between the fields and read it with --decimal ,)"


def european_decimal_commas(d):
    # pandas df.to_csv(path, sep=";", decimal=","), index included: its column has no name.
    path = _text(d, "eu.csv", ";y_true;y_pred\n0;1,5;2,5\n1;0,25;1,0\n")
    return mse(path), ("eu.csv, column 'y_true', row 1: '1,5' is written with a decimal comma; numbers need a decimal point " + _DECIMAL_COMMA_HINT,)


def european_decimal_comma_after_whole_numbers(d):
    # The column reads as numbers until a comma shows up; R's write.csv2 quotes the header.
    path = _text(d, "late.csv", '"y_true";"y_pred"\r\n1;2\r\n3;4\r\n5;-1.234,5\r\n')
    return mse(path), ("late.csv, column 'y_pred', row 3: '-1.234,5' is written with a decimal comma", _DECIMAL_COMMA_HINT)


_THOUSANDS_HINT = (
    "(remove the thousands separators: in Excel, format the column as Number without 'Use 1000 Separator'; "
    "pandas reads such a file with read_csv(thousands=',') and writes it plainly with to_csv)"
)


def thousands_separator(d):
    # A spreadsheet's formatted number, quoted because it holds the delimiter.
    path = _text(d, "sheet.csv", 'y_true,y_pred\n"1,000",2\n3,4\n')
    return mse(path), ("sheet.csv, column 'y_true', row 1: '1,000' is written with a thousands separator; numbers need plain digits (1000, not 1,000) " + _THOUSANDS_HINT,)


def thousands_separators_after_plain_numbers(d):
    path = _text(d, "late.csv", 'y_true,y_pred\n1,2\n3,4\n5,"-12,345,678.5"\n')
    return mse(path), ("late.csv, column 'y_pred', row 3: '-12,345,678.5' is written with a thousands separator", _THOUSANDS_HINT)


def european_decimal_comma_before_three_digits(d):
    # In a ';' file one comma before three digits is R's write.csv2 decimal
    # comma; the column reads as numbers for its first megabyte (its type).
    path = _text(d, "eu3.csv", "y_true;y_pred\n" + "1;2\n" * 300_000 + "3;1,250\n")
    return mse(path), ("eu3.csv, column 'y_pred', row 300001: '1,250' is written with a decimal comma", _DECIMAL_COMMA_HINT)


def leading_zero_decimal_comma(d):
    path = _text(d, "zero.csv", 'y_true,y_pred\n1,2\n3,"0,125"\n')
    return mse(path), ("zero.csv, column 'y_pred', row 2: '0,125' is written with a decimal comma", _COMMA_FILE_DECIMAL_COMMA_HINT)


def headerless_savetxt_output(d):
    # np.savetxt's default: no header, space-delimited, scientific notation.
    # Read as CSV, its first row would become the header and be lost.
    np.savetxt(d / "preds.txt", np.array([0.25, 1.5, 2.0]))
    np.savetxt(d / "labels.txt", np.array([0.0, 1.0, 2.0]))
    expected = ("preds.txt", "the first line holds numbers (2.500000000000000000e-01), not column names", "header='y_true,y_pred', comments=''")
    return mse(d / "preds.txt", "--labels", d / "labels.txt"), expected


def headerless_savetxt_output_of_two_columns(d):
    np.savetxt(d / "both.csv", np.array([[0.5, 1.0], [2.0, 3.0]]), delimiter=",")
    return mse(d / "both.csv"), ("both.csv", "the first line holds numbers (5.000000000000000000e-01, 1.000000000000000000e+00)")


def invalid_utf8_in_csv(d):
    # A text column whose third value is not UTF-8 (a Latin-1 "é").
    content = b"y_true,y_pred,name\n1,2,a\n3,4,b\n5,6,caf\xe9\n"
    return mse(_text(d, "latin1.csv", content), "--by", "name"), ("latin1.csv", "column 'name'", "row 3", "not valid UTF-8")


def excel_plain_csv_in_windows_1252(d):
    # Excel's "CSV (Comma delimited)": Windows-1252, CRLF, here with its sep= line.
    content = "sep=,\r\ny_true,y_pred,Région\r\n1,2,Zürich\r\n".encode("cp1252")
    expected = "excel.csv: the header line is not valid UTF-8 (save it as UTF-8 CSV; in Excel: Save As, CSV UTF-8, not plain CSV, which is Windows-1252)"
    return mse(_text(d, "excel.csv", content)), (expected,)


def invalid_utf8_in_numeric_csv_cell(d):
    content = b"y_true,y_pred\n1,2\n3,4\n5,\xff\n"
    return mse(_text(d, "flipped.csv", content)), ("flipped.csv", "column 'y_pred'", "row 3", "not valid UTF-8")


def invalid_utf8_in_ndjson(d):
    content = b'{"y_true": 1, "y_pred": 2, "g": "a"}\n{"y_true": 1, "y_pred": 2, "g": "\xb3"}\n'
    return mse(_text(d, "bad.jsonl", content), "--by", "g"), ("bad.jsonl", "column 'g'", "row 2", "not valid UTF-8")


def duplicate_header_names(d):
    return mse(_text(d, "dup.csv", "y_true,y_pred,y_pred\n1,2,3\n")), ("dup.csv", "'y_pred' appears twice")


def duplicate_parquet_columns(d):
    table = pa.Table.from_arrays([pa.array([1.0]), pa.array([2.0]), pa.array([3.0])], names=["y_true", "y_pred", "y_true"])
    pq.write_table(table, d / "dup.parquet")
    return mse(d / "dup.parquet"), ("dup.parquet", "'y_true' appears twice")


def bad_ndjson_line(d):
    content = '{"y_true": 1, "y_pred": 2}\n{"y_true": 2, "y_pred": 3}\n{"y_true": 3, "y_pred": \n'
    return mse(_text(d, "bad.ndjson", content)), ("bad.ndjson", "row 3", "cannot parse NDJSON")


def ndjson_type_change(d):
    content = '{"y_true": 1, "y_pred": 2}\n{"y_true": "two", "y_pred": 3}\n'
    return mse(_text(d, "types.ndjson", content)), ("types.ndjson", "row 2", "changed from number to string")


def ndjson_field_named_twice(d):
    # Arrow names the field, not the line; json.loads would keep the last value.
    content = '{"y_true": 1, "y_pred": 2}\n{"y_true": 2, "y_pred": 3}\n{"y_true": 3, "y_pred": 4, "y_pred": 5}\n'
    return mse(_text(d, "twice.ndjson", content)), (
        "twice.ndjson, row 3: cannot parse NDJSON",
        "Column(/y_pred) was specified twice (name each field once per object: remove the extra 'y_pred')",
    )


_JSON_LINES_HINT = "(write one object per row, as JSON Lines: with pandas, df.to_json(path, orient='records', lines=True))"


def json_array_of_records(d):
    # pandas df.to_json(path, orient="records", indent=2): one array, not a line per row.
    content = '[\n  {\n    "y_true":1.0,\n    "y_pred":1.5\n  },\n  {\n    "y_true":2.0,\n    "y_pred":2.5\n  }\n]'
    return mse(_text(d, "records.json", content)), ("records.json: the file is one JSON array of rows (pandas' to_json(orient='records')), not one JSON object per line " + _JSON_LINES_HINT,)


def json_object_of_columns(d):
    # pandas df.to_json(path), orient="columns" by default.
    content = '{"y_true":{"0":1.0,"1":2.0},"y_pred":{"0":1.5,"1":2.5}}'
    expected = "columns.json: the file is one JSON object of columns (pandas' default to_json, orient='columns'), not one JSON object per row " + _JSON_LINES_HINT
    return mse(_text(d, "columns.json", content)), (expected,)


def unknown_loss(d):
    return ["compute", _good(d), "--loss", "hubber"], ("unknown loss 'hubber'", "did you mean 'huber'")


def unknown_parameter(d):
    return ["compute", _good(d), "--loss", "huber:delt=2"], ("no parameter 'delt'", "did you mean 'delta'")


def parameter_without_value(d):
    return ["compute", _good(d), "--loss", "huber:delta"], ("'delta'", "needs a value")


def parameter_not_a_number(d):
    return ["compute", _good(d), "--loss", "huber:delta=big"], ("'delta'", "must be a number", "'big'")


def huber_delta_out_of_range(d):
    return ["compute", _good(d), "--loss", "huber:delta=0"], ("'delta'", "out of range", "> 0")


def quantile_q_out_of_range(d):
    return ["compute", _good(d), "--loss", "quantile:q=1"], ("'q'", "out of range", "< 1")


def no_loss_given(d):
    return ["compute", _good(d)], ("at least one --loss",)


def mismatched_row_counts(d):
    write_csv(d / "p.csv", {"y_pred": [1.0, 2.0, 3.0]})
    write_csv(d / "t.csv", {"y_true": [1.0, 2.0]})
    return mse(d / "p.csv", "--labels", d / "t.csv"), ("t.csv", "p.csv) have 3 rows but labels have 2")


def mismatched_column_counts(d):
    write_csv(d / "wide.csv", {"y_true": [1.0], "y_pred_a": [1.0], "y_pred_b": [2.0]})
    return mse(d / "wide.csv", "--pred-col", "y_pred_*"), ("wide.csv", "y_true has 1 column but y_pred has 2")


def glob_matching_nothing(d):
    return mse(str(d / "parts-*.parquet")), ("parts-*.parquet", "matches no file")


def glob_of_csv_files_with_another_header(d):
    _good(d, "a.csv")
    _text(d, "b.csv", "y_true,prediction\n1,2\n")
    return mse(str(d / "*.csv")), (
        f"b.csv: the header differs from that of {d / 'a.csv'}: no column 'y_pred'; a column 'prediction' it lacks",
        "every file of a CSV dataset needs the same header",
    )


def empty_directory(d):
    # Reported: "holds no files but hidden ones ..." for a folder holding nothing at all.
    (d / "folder").mkdir()
    return mse(d / "folder"), ("folder: directory is empty", "name the file or folder the data was written to")


def directory_of_empty_folders(d):
    (d / "folder" / "region=eu").mkdir(parents=True)
    write_csv(d / "p.csv", {"y_pred": [1.0, 2.0]})
    return ["compute", d / "p.csv", "--labels", d / "folder", "--loss", "mse"], ("folder: directory holds no files, only empty folders",)


def directory_without_data_files(d):
    (d / "folder").mkdir()
    (d / "folder" / "_SUCCESS").write_text("")
    return mse(d / "folder"), ("folder: directory holds no files but hidden ones and those marked with _ (such as _SUCCESS), which are passed over",)


def spark_csv_output_folder_read_as_parquet(d):
    # df.write.csv(path, header=True): parts, checksums and a _SUCCESS marker.
    folder = d / "spark"
    folder.mkdir()
    _good(folder, "part-00000-4a1b-c000.csv")
    (folder / ".part-00000-4a1b-c000.csv.crc").write_bytes(b"crc")
    (folder / "_SUCCESS").write_text("")
    expected = (
        "spark: directory holds no Parquet files, but CSV files such as part-00000-4a1b-c000.csv"
        " (--input-format parquet reads only Parquet files; leave it out, or give --input-format csv)"
    )
    return mse(folder, "--input-format", "parquet"), expected


def folder_of_files_without_extensions(d):
    # Hadoop's text output: part-00000, part-00001.
    (d / "out").mkdir()
    _good(d / "out", "part-00000")
    return mse(d / "out"), ("out: directory holds no Parquet files by name: its files, such as part-00000, have no extension", "--input-format csv")


def dataset_file_missing_a_column(d):
    (d / "ds").mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), d / "ds" / "a.parquet")
    pq.write_table(pa.table({"y_true": [1.0], "score": [2.0]}), d / "ds" / "b.parquet")
    return mse(d / "ds"), ("b.parquet", "'y_pred' is missing from this file")


def dataset_group_column_of_two_types(d):
    # fold 0 in a.parquet and "0" in b.parquet would be two groups.
    (d / "ds").mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0], "fold": pa.array([0], pa.int64())}), d / "ds" / "a.parquet")
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0], "fold": pa.array(["0"])}), d / "ds" / "b.parquet")
    first = str(d / "ds" / "a.parquet")
    return mse(d / "ds", "--by", "fold"), (
        "b.parquet, column 'fold'",
        f"'fold' holds string here but int64 in {first}",
        "--by needs one type in every file",
        "(cast 'fold' to one type (string or integer) when writing the files)",
    )


def dataset_key_column_of_two_types(d):
    (d / "ds").mkdir()
    pq.write_table(pa.table({"id": pa.array(["a"]), "y_pred": [2.0]}), d / "ds" / "a.parquet")
    pq.write_table(pa.table({"id": pa.array([7], pa.int32()), "y_pred": [2.0]}), d / "ds" / "b.parquet")
    write_csv(d / "t.csv", {"id": ["a", "7"], "y_true": [1.0, 2.0]})
    return mse(d / "ds", "--labels", d / "t.csv", "--key", "id"), ("b.parquet, column 'id'", "holds int32 here but string in", "--key needs one type")


def group_column_of_structs(d):
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "meta": pa.array([{"site": 1}, {"site": 2}])}), d / "s.parquet")
    return mse(d / "s.parquet", "--by", "meta"), ("s.parquet, column 'meta'", "--by needs ids of single values", "holds struct<site: int64>", "write 'meta' as text")


def sample_column_of_durations(d):
    pq.write_table(pa.table({"y_true": [1.0, 0.0], "y_pred": [0.5, 0.5], "span": pa.array([1, 2], pa.duration("s"))}), d / "s.parquet")
    return ["compute", d / "s.parquet", "--loss", "dice", "--sample-col", "span"], ("s.parquet, column 'span'", "--sample-col needs ids of single values", "holds duration[s]")


def group_column_of_binary_that_is_not_text(d):
    feather.write_feather(pa.table({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.0, 3.0], "g": pa.array([b"a", b"b", b"\xff\xfe"])}), d / "b.arrow")
    return mse(d / "b.arrow", "--by", "g"), ("b.arrow, column 'g', row 3", "binary data, not UTF-8 text", "write 'g' as text or as numbers")


def key_of_dates_against_numbers(d):
    import datetime

    pq.write_table(pa.table({"id": pa.array([datetime.date(2024, 1, 1)]), "y_pred": [2.0]}), d / "p.parquet")
    pq.write_table(pa.table({"id": pa.array([20240101]), "y_true": [2.0]}), d / "t.parquet")
    return mse(d / "p.parquet", "--labels", d / "t.parquet", "--key", "id"), ("t.parquet, column 'id'", "holds int64 here but date32[day] in", "such keys never match", "ISO 8601 text")


def key_of_timestamps_with_and_without_a_zone(d):
    import datetime

    moment = datetime.datetime(2024, 1, 1, 10)
    pq.write_table(pa.table({"id": pa.array([moment], pa.timestamp("us", tz="UTC")), "y_pred": [2.0]}), d / "p.parquet")
    pq.write_table(pa.table({"id": pa.array([moment], pa.timestamp("us")), "y_true": [2.0]}), d / "t.parquet")
    return mse(d / "p.parquet", "--labels", d / "t.parquet", "--key", "id"), (
        "t.parquet, column 'id'",
        "holds timestamp[us] here but timestamp[us, tz=UTC] in",
        "naive (without a time zone) here and time-zone aware there never match",
        "tz_localize('UTC')",
    )


def key_of_zoned_timestamps_against_naive_text(d):
    # pandas writes a zoned column to CSV with its offset, a naive one without:
    # only "no prediction row matches" was said.
    import datetime

    moments = [datetime.datetime(2024, 1, 1, hour) for hour in (10, 11)]
    pq.write_table(pa.table({"ts": pa.array(moments, pa.timestamp("ns", tz="UTC")), "y_pred": [2.0, 3.0]}), d / "p.parquet")
    (d / "t.csv").write_text("ts,y_true\n2024-01-01 10:00:00,1\n2024-01-01 11:00:00,2\n")
    return mse(d / "p.parquet", "--labels", d / "t.csv", "--key", "ts"), (
        "p.parquet, column 'ts'",
        "time-zone aware in",
        "(2024-01-01T10:00:00Z)",
        "naive, without a time zone, in",
        "t.csv (2024-01-01 10:00:00)",
        "df['ts'].dt.tz_localize('UTC')",
        "dt.tz_localize(None)",
    )


def key_of_naive_text_against_offsets(d):
    (d / "p.csv").write_text("ts,y_pred\n2024-01-01T10:00:00,2\n")
    (d / "t.csv").write_text("ts,y_true\n2024-01-01T10:00:00+01:00,1\n")
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "ts"), ("time-zone aware in", "t.csv (2024-01-01T10:00:00+01:00)", "naive, without a time zone, in", "tz_localize")


def negative_weight(d):
    write_csv(d / "w.csv", {"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.0, 3.0], "w": [1.0, 0.5, -2.0]})
    return mse(d / "w.csv", "--weight-col", "w"), ("w.csv", "column 'w'", "row 3", "negative sample weight")


def text_weight(d):
    write_csv(d / "w.csv", {"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "w": ["1", "heavy"]})
    return mse(d / "w.csv", "--weight-col", "w"), ("w.csv", "column 'w'", "row 2", "'heavy'")


def weight_column_is_the_label_column(d):
    # Reported: the error listed 'y_true' among the columns while saying there was no y_true column.
    return mse(_good(d), "--weight-col", "y_true"), (
        "good.csv",
        "no column for y_true",
        "'y_true' is the --weight-col column, which is never read as y_true",
        "give --weight-col another column, or name the y_true column with --label-col",
    )


def key_column_is_the_prediction_column(d):
    write_csv(d / "t.csv", {"y_pred": [1.0, 2.0], "y_true": [1.0, 2.0]})
    write_csv(d / "p.csv", {"y_pred": [1.0, 2.0], "note": ["a", "b"]})
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "y_pred"), ("p.csv", "'y_pred' is the --key column, which is never read as y_pred", "--pred-col")


def unknown_column(d):
    return mse(_good(d), "--pred-col", "y_prediction"), ("good.csv", "no column 'y_prediction'", "did you mean 'y_pred'")


def no_label_column(d):
    write_csv(d / "p.csv", {"pred": [1.0], "other": [2.0]})
    return mse(d / "p.csv"), ("p.csv", "no column for y_true", "--label-col")


def col_without_equals(d):
    return mse(_good(d), "--col", "anchor"), ("--col takes ROLE=COLUMNS", "'anchor'")


def col_with_empty_columns(d):
    return mse(_good(d), "--col", "var="), ("--col takes ROLE=COLUMNS",)


def col_role_given_twice(d):
    # The second --col for a role silently replaced the first.
    return mse(_good(d), "--col", "var=y_true", "--col", "var=y_pred"), ("--col var is given twice", "'y_true' and 'y_pred'", "give each role once")


def col_for_a_role_no_loss_reads(d):
    return mse(_good(d), "--col", "anchor=a_*"), ("role 'anchor'", "none of the losses reads")


def missing_values(d):
    return mse(_text(d, "holes.csv", "y_true,y_pred\n1,2\n,3\n4,nan\n")), ("holes.csv", "column 'y_true'", "2 rows with missing", "row 2")


def all_rows_missing_with_omit(d):
    return mse(_text(d, "holes.csv", "y_true,y_pred\n,1\n2,\n"), "--nan-policy", "omit"), ("holes.csv", "every row (2) has a missing value")


def key_without_labels(d):
    write_csv(d / "k.csv", {"id": [1], "y_true": [1.0], "y_pred": [1.0]})
    return mse(d / "k.csv", "--key", "id"), ("--key", "--labels")


def allow_unmatched_without_key(d):
    # Rows aligned by order always have a partner: the switch was accepted and did nothing.
    write_csv(d / "p.csv", {"y_pred": [1.0, 2.0]})
    write_csv(d / "t.csv", {"y_true": [1.0, 2.0, 3.0]})
    return mse(d / "p.csv", "--labels", d / "t.csv", "--allow-unmatched"), ("--allow-unmatched", "--key")


def duplicate_key(d):
    write_csv(d / "p.csv", {"id": [1, 2, 3], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(d / "t.csv", {"id": [3, 1, 3], "y_true": [1.0, 2.0, 3.0]})
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "id"), ("t.csv", "column 'id'", "row 3", "duplicate key '3'")


def unmatched_keys(d):
    write_csv(d / "p.csv", {"id": [1, 2, 3], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(d / "t.csv", {"id": [1, 2, 4], "y_true": [1.0, 2.0, 3.0]})
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "id"), ("p.csv", "1 prediction row has no label", "row 3", "--allow-unmatched")


def no_key_matches_with_allow_unmatched(d):
    write_csv(d / "p.csv", {"id": [1, 2], "y_pred": [0.5, 0.5]})
    write_csv(d / "t.csv", {"id": [3, 4], "y_true": [0.5, 0.5]})
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "id", "--allow-unmatched"), (
        "p.csv, column 'id': no prediction row matches a label row on --key (2 prediction rows, 2 label rows)",
        "check that 'id' holds the same ids, of the same type, in both files",
    )


def both_inputs_from_stdin(d):
    return mse("-", "--labels", "-"), ("only one input can come from stdin",)


def unknown_input_format(d):
    return mse(_good(d), "--input-format", "xlsx"), ("unknown input format 'xlsx'", "parquet")


def long_delimiter(d):
    return mse(_good(d), "--delimiter", "::"), ("--delimiter must be one character or a name (tab, comma, semicolon, pipe, space, or \\t), got '::'", "--delimiter tab")


def threshold_without_value(d):
    return mse(_good(d), "--fail-above", "mse"), ("--fail-above takes LOSS=VALUE",)


def threshold_not_a_number(d):
    return mse(_good(d), "--fail-below", "mse=low"), ("--fail-below", "'low' is not a number")


def threshold_not_a_number_says_how_to_write_it(d):
    return mse(_good(d), "--fail-above", "mse=x"), ("--fail-above mse=x: 'x' is not a number", "e.g. --fail-above mse=0.5")


def threshold_at_infinity_says_why_and_how_to_write_it(d):
    return mse(_good(d), "--fail-below", "mse=inf"), ("the threshold must be a finite number", "never fails", "e.g. --fail-below mse=0.5")


def keyed_labels_with_a_header_only(d):
    # Joined on --key, a header-only labels file was "no rows" with no fix.
    write_csv(d / "p.csv", {"id": [1, 2], "y_pred": [1.0, 2.0]})
    _text(d, "t.csv", "id,y_true\n")
    return mse(d / "p.csv", "--labels", d / "t.csv", "--key", "id"), ("t.csv: no data rows", "the file has a header but no rows")


def binary_prediction_column(d):
    # Bytes (a Parquet string column written without its UTF-8 mark) had no fix.
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": pa.array([b"1", b"2"], pa.binary())}), d / "bytes.parquet")
    return mse(d / "bytes.parquet"), ("bytes.parquet, column 'y_pred': column holds binary, not numbers", "store numbers as a numeric column")


def weight_column_of_lists(d):
    table = pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5], "w": pa.array([[1.0], [2.0]], pa.list_(pa.float64()))})
    pq.write_table(table, d / "w.parquet")
    return mse(d / "w.parquet", "--weight-col", "w"), ("w.parquet, column 'w'", "holds lists", "give --weight-col a column with one value per row")


def one_column_as_labels_and_predictions(d):
    # Was mse 0.0 with exit code 0: the column compared with itself.
    path = write_csv(d / "same.csv", {"y_true": [1.0, 2.0], "y_pred": [3.0, 5.0]})
    return mse(path, "--label-col", "y_true", "--pred-col", "y_true"), (
        "same.csv, column 'y_true': --label-col and --pred-col both select 'y_true'",
        "mse would read the same column as y_true and as y_pred",
        "give y_true and y_pred different columns",
    )


def one_embedding_as_both_items_of_a_pair(d):
    path = write_csv(d / "pairs.csv", {"y_true": [1, 0], "a_0": [1.0, 0.0], "a_1": [0.0, 1.0], "b_0": [1.0, 1.0], "b_1": [0.0, 1.0]})
    args = ["compute", path, "--loss", "contrastive", "--col", "x1=a_*", "--col", "x2=a_*"]
    return args, ("pairs.csv, column 'a_0': --col x1= and --col x2= both select 'a_0', 'a_1'",)


def log_target_beside_class_labels(d):
    # A label column with log_target=true was an internal error (IndexError).
    path = write_csv(d / "kl.csv", {"y_true": ["cat", "dog"], "p_cat": [0.3, 0.6], "p_dog": [0.7, 0.4]})
    args = ["compute", path, "--pred-col", "p_*", "--loss", "kl_div:log_target=true"]
    return args, ("kl.csv, column 'y_true': log_target=true needs one log-probability column per class: y_true has 1 column(s), y_pred 2", "leave log_target off for class indices")


def per_row_for_an_all_rows_loss(d):
    return ["compute", _good(d), "--loss", "wasserstein_distance", "--per-row", d / "rows.csv"], ("wasserstein_distance", "no per-row value")


def msle_below_minus_one(d):
    write_csv(d / "neg.csv", {"y_true": [1.0, 2.0], "y_pred": [0.5, -3.0]})
    return ["compute", d / "neg.csv", "--loss", "msle"], ("neg.csv", "column 'y_pred'", "row 2")


def probability_outside_unit_interval(d):
    write_csv(d / "prob.csv", {"y_true": [1, 0, 1], "y_pred": [0.2, 0.4, 1.5]})
    return ["compute", d / "prob.csv", "--loss", "bce"], ("prob.csv", "column 'y_pred'", "row 3", "outside [0, 1]")


def probability_just_above_one(d):
    # Rounded to six digits, the value read "1", which is a valid probability.
    path = _text(d, "eps.csv", "y_true,y_pred\n1,1.0000001\n0,0.2\n")
    return ["compute", path, "--loss", "bce"], ("eps.csv, column 'y_pred', row 1: probability outside [0, 1] (value 1.0000001)",)


def class_label_just_above_an_integer(d):
    path = _text(d, "cls.csv", "y_true,p_0,p_1,p_2\n2.0000001,0.2,0.3,0.5\n")
    return ["compute", path, "--loss", "cce", "--pred-col", "p_*"], ("cls.csv, column 'y_true', row 1: class label is not an integer (value 2.0000001)",)


def emd_on_two_columns(d):
    # The kernel runs once every batch is in: the error still names the file and columns.
    write_csv(d / "two.csv", {"y_true": [1.0, 2.0], "y_pred_a": [0.5, 1.0], "y_pred_b": [1.5, 2.5]})
    return ["compute", d / "two.csv", "--loss", "wasserstein_distance"], ("two.csv", "column 'y_pred_a,y_pred_b'", "takes one y_pred column, got 2")


def many_class_columns_that_do_not_sum_to_one(d):
    # A 1000-class softmax whose second row lost its first ten classes: the error named all
    # 1000 columns, a line of 9 kB; the first and the last say which ones.
    probs = np.full((2, 1000), 0.001)
    probs[1, :10] = 0.0
    write_csv(d / "wide.csv", {"label": [0, 1], **{f"prob_{k}": probs[:, k] for k in range(1000)}})
    return ["compute", d / "wide.csv", "--loss", "cce"], ("wide.csv, column 'prob_0,...,prob_999 (1000 columns)', row 2: row of class probability values does not sum to 1",)


def emd_on_a_list_column(d):
    pq.write_table(pa.table({"y_true": [[1.0, 2.0], [3.0, 4.0]], "y_pred": [0.5, 1.0]}), d / "lists.parquet")
    return ["compute", d / "lists.parquet", "--loss", "wasserstein_distance"], ("lists.parquet", "column 'y_true'", "takes one y_true column, got 2")


def segmentation_mask_as_a_list_of_lists(d):
    # One row per image, pixels x classes: used to say only "holds list<...>, not numbers".
    pq.write_table(pa.table({"image_id": [1, 2], "y_true": [[0, 1], [1, 1]], "y_pred": [[[0.9, 0.1], [0.2, 0.8]], [[0.3, 0.7], [0.4, 0.6]]]}), d / "masks.parquet")
    return ["compute", d / "masks.parquet", "--loss", "dice", "--sample-col", "image_id"], (
        "masks.parquet",
        "column 'y_pred'",
        "list of lists per row",
        "one row per pixel with --sample-col",
    )


def list_column_written_by_pandas_to_csv(d):
    # df.to_csv of a column holding lists writes their text; one of numpy arrays
    # writes '[0.2 0.7 0.1]', wrapped over lines inside the quotes. It used to say
    # "non-numeric text ... (fix or remove the value)".
    path = _text(d, "lists.csv", 'y_true,y_pred\n1,"[0.2 0.7 0.1]"\n0,"[0.5 0.25\n 0.25]"\n')
    return ["compute", path, "--loss", "cce"], (
        "lists.csv",
        "column 'y_pred'",
        "row 1",
        "a list written as text ('[0.2 0.7 0.1]')",
        "a CSV cell cannot hold a list",
        "--pred-col 'p_*'",
        "Parquet",
    )


def long_list_in_a_csv_cell_is_shortened(d):
    cell = "[" + ", ".join(["0.001"] * 1000) + "]"
    path = _text(d, "wide.csv", f'y_true,y_pred\n1,"{cell}"\n')
    return ["compute", path, "--loss", "cce"], ("wide.csv", "row 1", "('[0.001, 0.001, 0.001, 0.001, 0.001, 0...')")


CORPUS: list = [
    missing_file,
    missing_labels_file,
    empty_file,
    blank_lines_only,
    byte_order_mark_only,
    empty_stdin,
    header_only,
    header_only_without_line_end,
    header_only_after_excel_sep_line,
    excel_sep_line_only,
    utf16_csv,
    csv_padded_with_nul_bytes,
    csv_cut_short_by_nul_bytes_past_its_head,
    random_bytes_as_csv,
    parquet_without_rows,
    truncated_parquet,
    corrupt_parquet,
    random_bytes_as_parquet,
    random_bytes_as_arrow,
    random_bytes_as_feather,
    truncated_feather,
    csv_named_as_parquet_by_format,
    csv_named_parquet,
    parquet_named_csv,
    parquet_named_arrow,
    gzip_named_csv,
    json_lines_named_csv,
    arrow_without_extension,
    not_gzip,
    zstd_named_gzip,
    gzipped_parquet,
    truncated_gzip,
    ragged_csv_extra_field,
    ragged_csv_missing_field,
    non_numeric_text,
    european_decimal_commas,
    european_decimal_comma_after_whole_numbers,
    thousands_separator,
    thousands_separators_after_plain_numbers,
    european_decimal_comma_before_three_digits,
    leading_zero_decimal_comma,
    headerless_savetxt_output,
    headerless_savetxt_output_of_two_columns,
    invalid_utf8_in_csv,
    invalid_utf8_in_numeric_csv_cell,
    excel_plain_csv_in_windows_1252,
    invalid_utf8_in_ndjson,
    duplicate_header_names,
    duplicate_parquet_columns,
    bad_ndjson_line,
    ndjson_type_change,
    ndjson_field_named_twice,
    json_array_of_records,
    json_object_of_columns,
    unknown_loss,
    unknown_parameter,
    parameter_without_value,
    parameter_not_a_number,
    huber_delta_out_of_range,
    quantile_q_out_of_range,
    no_loss_given,
    mismatched_row_counts,
    mismatched_column_counts,
    glob_matching_nothing,
    glob_of_csv_files_with_another_header,
    empty_directory,
    directory_of_empty_folders,
    directory_without_data_files,
    spark_csv_output_folder_read_as_parquet,
    folder_of_files_without_extensions,
    dataset_file_missing_a_column,
    dataset_group_column_of_two_types,
    dataset_key_column_of_two_types,
    group_column_of_structs,
    sample_column_of_durations,
    group_column_of_binary_that_is_not_text,
    key_of_dates_against_numbers,
    key_of_timestamps_with_and_without_a_zone,
    key_of_zoned_timestamps_against_naive_text,
    key_of_naive_text_against_offsets,
    negative_weight,
    text_weight,
    unknown_column,
    no_label_column,
    col_without_equals,
    col_with_empty_columns,
    col_role_given_twice,
    col_for_a_role_no_loss_reads,
    missing_values,
    all_rows_missing_with_omit,
    key_without_labels,
    allow_unmatched_without_key,
    duplicate_key,
    unmatched_keys,
    no_key_matches_with_allow_unmatched,
    both_inputs_from_stdin,
    unknown_input_format,
    long_delimiter,
    threshold_without_value,
    threshold_not_a_number,
    threshold_not_a_number_says_how_to_write_it,
    threshold_at_infinity_says_why_and_how_to_write_it,
    keyed_labels_with_a_header_only,
    binary_prediction_column,
    weight_column_of_lists,
    one_column_as_labels_and_predictions,
    one_embedding_as_both_items_of_a_pair,
    log_target_beside_class_labels,
    per_row_for_an_all_rows_loss,
    msle_below_minus_one,
    probability_outside_unit_interval,
    probability_just_above_one,
    class_label_just_above_an_integer,
    emd_on_two_columns,
    many_class_columns_that_do_not_sum_to_one,
    emd_on_a_list_column,
    segmentation_mask_as_a_list_of_lists,
    list_column_written_by_pandas_to_csv,
    long_list_in_a_csv_cell_is_shortened,
    weight_column_is_the_label_column,
    key_column_is_the_prediction_column,
]


def _case_id(case) -> str:
    function = case.values[0] if hasattr(case, "values") else case
    return function.__name__


@pytest.mark.parametrize("case", CORPUS, ids=_case_id)
def test_bad_input_is_one_error_line_and_exit_2(cli, tmp_path, case):
    args, fragments = case(tmp_path)
    stdin = "y_true,y_pred\n1,2\n" if args.count("-") > 1 else ""
    result = cli(*args, input=stdin if "-" in args else None)
    assert_usage_error(result, *fragments)


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize(
    "encoding, name",
    [
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize("mark", [True, False], ids=["bom", "no-bom"])
def test_wide_unicode_csv_is_named(cli, tmp_path, encoding, name, mark):
    text = "\ufeff" * mark + "y_true,y_pred\n" + "1,2\n" * 100
    path = _text(tmp_path, "wide.csv", text.encode(encoding))
    # Without a byte-order mark the NUL bytes tell it: in which bytes of a character they stand.
    line = assert_usage_error(cli(*mse(path)), "wide.csv", f"the file is {name} encoded")
    assert line == f"error: {path}: the file is {name} encoded (save it as UTF-8 CSV; in Excel: Save As, CSV UTF-8)"


def test_gzip_utf16_csv_is_named(cli, tmp_path):
    path = _text(tmp_path, "wide.csv.gz", gzip.compress("y_true,y_pred\n1,2\n".encode("utf-16")))
    assert_usage_error(cli(*mse(path)), "wide.csv.gz", "the file is UTF-16 encoded")


@pytest.mark.parametrize("compressed", [False, True])
def test_header_only_reads_the_same_with_or_without_a_line_end(cli, tmp_path, compressed):
    def error_for(content: bytes) -> str:
        path = tmp_path / ("header.csv.gz" if compressed else "header.csv")
        path.write_bytes(gzip.compress(content) if compressed else content)
        return assert_usage_error(cli(*mse(path)))

    with_end = error_for(b"y_true,y_pred\n")
    assert error_for(b"y_true,y_pred") == with_end
    assert with_end.endswith(": no data rows (the file has a header but no rows)")


def test_header_only_on_stdin_without_a_line_end(cli):
    assert_usage_error(cli(*mse("-"), input="y_true,y_pred"), "<stdin>: no data rows (the file has a header but no rows)")


# ----------------------------------------------------------------------------- files failing while they stream


_COMPRESSION_NAMES = {"gz": ("gzip", "gzip -t"), "bz2": ("bz2", "bzip2 -t"), "zst": ("zstd", "zstd -t")}


@pytest.mark.parametrize("cores", [1, 2], ids=["one-core", "parallel"])
@pytest.mark.parametrize("kind", ["gz", "bz2", "zst"])
def test_compressed_csv_truncated_past_its_head(cli, tmp_path, monkeypatch, kind, cores):
    # 3 MB of CSV, cut at three quarters of the compressed bytes: the head and
    # the columns read fine, and the stream breaks while the rows are read.
    monkeypatch.setattr("losscli.io.readers.os.cpu_count", lambda: cores)
    data = compressed(kind, b"y_true,y_pred\n" + b"0.125,0.5\n" * 300_000)
    path = _text(tmp_path, f"cut.csv.{kind}", data[: len(data) * 3 // 4])
    name, check = _COMPRESSION_NAMES[kind]
    line = assert_usage_error(cli(*mse(path)), "cut.csv", f"cannot decompress the {name} data: Truncated compressed stream", check)
    assert line.startswith(f"error: {path}: ")


def test_plain_text_named_gz_reads_once_renamed_as_the_error_says(cli, tmp_path):
    path = _text(tmp_path, "data.csv.gz", b"y_true,y_pred\n1,2\n0,0.5\n")
    assert_usage_error(cli(*mse(path)), "rename it to data.csv")
    result = cli(*mse(path.rename(tmp_path / "data.csv"), "--format", "json"))
    assert result.exit_code == 0, result.stderr
    # numpy: mean([(1 - 2)**2, (0 - 0.5)**2]) = 0.625
    assert json.loads(result.stdout)["results"][0]["value"] == 0.625


def test_sas_missing_dot_is_named_with_a_fix_that_reads(cli, tmp_path):
    # SAS's PROC EXPORT writes a missing number as '.'.
    rows = "y_true,y_pred\n1,0.5\n.,0.25\n0,0.125\n"
    path = _text(tmp_path, "sas.csv", rows)
    assert_usage_error(cli(*mse(path)), "sas.csv, column 'y_true', row 2: '.' in a numeric column: SAS's mark of a missing value", "empty cells", "--nan-policy omit")
    fixed = _text(tmp_path, "blank.csv", rows.replace("\n.,", "\n,"))
    result = cli(*mse(fixed, "--nan-policy", "omit", "--format", "json"))
    assert result.exit_code == 0, result.stderr
    # pandas read_csv(na_values=['.']).dropna() + numpy: mean([(1 - 0.5)**2, (0 - 0.125)**2]) = 0.1328125
    assert json.loads(result.stdout)["results"][0]["value"] == 0.1328125


def test_corrupt_gzip_csv(cli, tmp_path):
    data = bytearray(gzip.compress(b"y_true,y_pred\n" + b"0.125,0.5\n" * 300_000))
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    assert_usage_error(cli(*mse(_text(tmp_path, "bad.csv.gz", bytes(data)))), "bad.csv.gz", "cannot decompress the gzip data", "truncated or corrupt")


def test_truncated_gzip_ndjson(cli, tmp_path):
    data = gzip.compress(b'{"y_true": 0.125, "y_pred": 0.5}\n' * 200_000)
    path = _text(tmp_path, "cut.jsonl.gz", data[: len(data) * 3 // 4])
    assert_usage_error(cli(*mse(path)), "cut.jsonl.gz", "cannot decompress the gzip data: Truncated compressed stream")


@pytest.mark.parametrize("cores", [1, 2], ids=["one-core", "parallel"])
@pytest.mark.parametrize("name", ["gone.csv", "gone.jsonl", "gone.arrow"])
def test_a_file_that_vanishes_before_its_rows_are_read(tmp_path, monkeypatch, name, cores):
    from losscli.errors import LossCliError
    from losscli.io.readers import open_source

    monkeypatch.setattr("losscli.io.readers.os.cpu_count", lambda: cores)
    path = tmp_path / name
    table = pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]})
    if name.endswith(".csv"):
        path.write_text("y_true,y_pred\n1,1.5\n2,2.5\n")
    elif name.endswith(".jsonl"):
        path.write_text('{"y_true": 1, "y_pred": 1.5}\n{"y_true": 2, "y_pred": 2.5}\n')
    else:
        feather.write_feather(table, path)
    source = open_source(str(path))
    path.unlink()
    with pytest.raises(LossCliError) as caught:
        list(source.batches(["y_true", "y_pred"]))
    assert str(caught.value) == f"{path}: the file disappeared while it was being read (leave it in place until losscli has finished)"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file(cli, tmp_path):
    path = _good(tmp_path)
    path.chmod(0)
    try:
        assert_usage_error(cli(*mse(path)), "good.csv", "not readable")
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "args",
    [
        ["--reduction", "average"],
        ["--format", "yaml"],
        ["--nan-policy", "drop"],
    ],
)
def test_bad_choices_are_usage_errors(cli, tmp_path, args):
    # The parser's words, on one error line like every other error.
    result = cli(*mse(_good(tmp_path)), *args)
    assert_usage_error(result, "Invalid value for", f"'{args[1]}' is not one of", "(see 'losscli compute --help')")


# ----------------------------------------------------------------------------- formats losscli does not read


def _small_csv() -> bytes:
    return b"y_true,y_pred\n1.0,1.5\n2.0,2.5\n"


def _zip_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("preds.csv", _small_csv())
    return buffer.getvalue()


def _xz_bytes() -> bytes:
    import lzma

    return lzma.compress(_small_csv())


def _npy_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([[1.0, 1.5], [2.0, 2.5]]))
    return buffer.getvalue()


_EXTRACT = "(extract the file first (unzip FILE); or write .gz, .bz2 or .zst, which losscli streams)"
_DECOMPRESS = "(decompress it first (xz -d FILE), or compress with gzip, bzip2 or zstd (.gz, .bz2, .zst), which losscli streams)"
_TABLE = "(write a table with named columns, e.g. pd.DataFrame({'y_true': y, 'y_pred': p}).to_parquet('preds.parquet'), or pass the arrays to losscli.compute in Python)"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        # pandas picks the compression by extension: to_csv("preds.csv.zip"), to_csv("preds.csv.xz").
        ("preds.csv.zip", _zip_bytes, "the file is a ZIP archive, which losscli does not read " + _EXTRACT),
        ("preds.csv.xz", _xz_bytes, "the file is xz-compressed, which losscli does not read " + _DECOMPRESS),
        ("preds.npy", _npy_bytes, "the file is a NumPy array file, which losscli does not read " + _TABLE),
        # Misnamed: the first bytes tell.
        ("zipped.csv", _zip_bytes, "the file is a ZIP archive, which losscli does not read " + _EXTRACT),
        ("array.txt", _npy_bytes, "the file is a NumPy array file, which losscli does not read " + _TABLE),
        ("xz.csv", _xz_bytes, "the file is xz-compressed, which losscli does not read " + _DECOMPRESS),
    ],
)
def test_a_format_losscli_does_not_read_is_named_with_what_to_do(cli, tmp_path, name, content, expected):
    path = _text(tmp_path, name, content())
    line = assert_usage_error(cli(*mse(path)))
    assert line == f"error: {path}: {expected}"


def test_a_foreign_format_given_as_labels_or_on_stdin_is_named(cli, tmp_path):
    preds = _good(tmp_path)
    labels = _text(tmp_path, "labels.npz", _zip_bytes())  # np.savez writes a ZIP archive
    assert_usage_error(cli(*mse(preds, "--labels", labels)), "labels.npz: the file is a NumPy archive, which losscli does not read")
    result = cli(*mse("-"), input=_npy_bytes())
    assert_usage_error(result, "<stdin>: the file is a NumPy array file, which losscli does not read")


def test_input_format_reads_a_text_file_whose_name_says_otherwise(cli, tmp_path):
    # Reporting tools export tab-separated text named .xls; --input-format says what it is.
    export = _text(tmp_path, "export.xls", b"y_true\ty_pred\n1.0\t1.5\n2.0\t3.0\n")
    result = cli(*mse(export, "--input-format", "tsv", "-f", "json"))
    assert result.exit_code == 0, result.stderr
    # By hand: (0.5^2 + 1^2) / 2
    assert json.loads(result.stdout)["results"][0]["value"] == 0.625
    assert_usage_error(cli(*mse(export)), f"{export}: the file is an Excel workbook, which losscli does not read")
    # The first bytes still tell a ZIP archive, whatever --input-format says.
    zipped = _text(tmp_path, "preds.csv.zip", _zip_bytes())
    assert_usage_error(cli(*mse(zipped, "--input-format", "csv")), f"{zipped}: the file is a ZIP archive, which losscli does not read")


def test_a_struct_prediction_column_says_how_to_name_its_fields(cli, tmp_path):
    pred = pa.StructArray.from_arrays([pa.array([0.2, 0.7])], ["a"])
    pq.write_table(pa.table({"pred": pred, "y_true": [0.0, 1.0]}), tmp_path / "struct.parquet")
    line = assert_usage_error(cli("compute", tmp_path / "struct.parquet", "--loss", "mse"))
    assert line == (
        f"error: {tmp_path / 'struct.parquet'}, column 'pred': column holds struct<a: double>, not numbers "
        "(name one of its fields by its path instead, e.g. 'pred.a' (fields: pred.a))"
    )
    # Following the hint works: by hand, ((0.2 - 0)^2 + (0.7 - 1)^2) / 2 = 0.065.
    result = cli("compute", tmp_path / "struct.parquet", "--loss", "mse", "--pred-col", "pred.a", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.065, rel=1e-15)


def test_a_map_prediction_column_says_to_write_its_keys_as_columns(cli, tmp_path):
    pred = pa.array([[("a", 0.2)], [("a", 0.7)]], pa.map_(pa.string(), pa.float64()))
    pq.write_table(pa.table({"y_pred": pred, "y_true": [0.0, 1.0]}), tmp_path / "map.parquet")
    line = assert_usage_error(cli("compute", tmp_path / "map.parquet", "--loss", "mse"), "column 'y_pred'", "not numbers")
    assert line.endswith("(a map's keys are not columns of their own; write each key's values as a column)")


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (pa.array([0, 86_400_000_000], pa.timestamp("us")), "timestamp[us]"),
        (pa.array([0, 1], pa.date32()), "date32[day]"),
        (pa.array([0, 1], pa.duration("s")), "duration[s]"),
    ],
)
def test_a_timestamp_label_column_says_what_to_do(cli, tmp_path, values, shown):
    # Often a time column found in place of the labels: name the fixes.
    pq.write_table(pa.table({"y_true": values, "y_pred": [0.1, 0.2]}), tmp_path / "ts.parquet")
    line = assert_usage_error(cli("compute", tmp_path / "ts.parquet", "--loss", "mse"))
    assert line == (
        f"error: {tmp_path / 'ts.parquet'}, column 'y_true': column holds {shown}, not numbers "
        "(losses need numbers: cast or convert the column (e.g. to seconds), or name the right column with --label-col or --pred-col)"
    )
