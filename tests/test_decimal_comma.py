"""--decimal ,: CSV files whose numbers are written with a decimal comma
(pandas to_csv(sep=';', decimal=','), R write.csv2, Excel in a German or
French locale), read as pandas reads them with read_csv(decimal=',')."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_usage_error

import losscli
import losscli.io.readers as readers
from losscli.io.csv_quotes import Layout, looks_like_row


def _text(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content)
    return path


def _results(result) -> dict:
    """(loss, group value or None) -> value, from a --format json report."""
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return {(r["loss"], None if r["group"] is None else next(iter(r["group"].values()))): r["value"] for r in document["results"]}


def _written_by_pandas(folder: Path, rows: int, seed: int = 0, name: str = "eu.csv") -> tuple[Path, pd.DataFrame]:
    """A file as pandas writes one in a decimal-comma locale, and the frame
    pandas reads back from it with decimal=','."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "y_true": rng.integers(0, 2, rows),
            "y_pred": rng.uniform(0.001, 0.999, rows),
            "w": rng.uniform(0.5, 3.0, rows),
            "region": rng.choice(["1,5", "2,5", "nord"], rows),
        }
    )
    path = folder / name
    frame.to_csv(path, sep=";", decimal=",", index=False)
    return path, pd.read_csv(path, sep=";", decimal=",", dtype={"region": str})


# ----------------------------------------------------------------------------- values


def test_tiny_file_matches_the_loss_worked_by_hand(cli, tmp_path):
    path = _text(tmp_path, "eu.csv", "target;proba\n0;0,25\n1;0,5\n")
    values = _results(cli("compute", path, "--label-col", "target", "--pred-col", "proba", "--loss", "mse", "--loss", "mae", "--decimal", ",", "-f", "json"))
    assert values[("mse", None)] == pytest.approx(0.15625, rel=1e-15)  # by hand: ((0.25-0)^2 + (0.5-1)^2)/2
    assert values[("mae", None)] == pytest.approx(0.375, rel=1e-15)  # by hand: (|0.25-0| + |0.5-1|)/2


def test_labels_file_and_weights_with_decimal_commas(cli, tmp_path):
    predictions = _text(tmp_path, "pred.csv", "y_pred;w\n0,5;1\n2,5;0,5\n")
    labels = _text(tmp_path, "labels.csv", "y_true\n0\n1,5\n")
    values = _results(cli("compute", predictions, "--labels", labels, "--weight-col", "w", "--loss", "mae", "--decimal", "comma", "-f", "json"))
    assert values[("mae", None)] == pytest.approx(2 / 3, rel=1e-15)  # by hand: (1*|0.5-0| + 0.5*|2.5-1.5|) / (1+0.5)


def test_thousands_of_rows_equal_pandas_read_csv_with_decimal_comma(cli, tmp_path):
    path, frame = _written_by_pandas(tmp_path, 3000)
    values = _results(cli("compute", path, "--loss", "mse", "--loss", "bce", "--weight-col", "w", "--by", "region", "--decimal", ",", "-f", "json"))
    y, p, w = frame["y_true"].to_numpy(float), frame["y_pred"].to_numpy(), frame["w"].to_numpy()
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert values[("mse", None)] == pytest.approx(np.sum(w * (p - y) ** 2) / np.sum(w), rel=1e-12)
    assert values[("bce", None)] == pytest.approx(np.sum(w * bce) / np.sum(w), rel=1e-12)
    # Group names are kept as written, "1,5", not read as the number 1.5.
    for region in ("1,5", "2,5", "nord"):
        rows = (frame["region"] == region).to_numpy()
        assert values[("mse", region)] == pytest.approx(np.sum(w[rows] * (p[rows] - y[rows]) ** 2) / np.sum(w[rows]), rel=1e-12)


def test_a_file_of_several_parallel_blocks_equals_pandas(cli, tmp_path):
    path, frame = _written_by_pandas(tmp_path, 450_000, seed=1)
    assert path.stat().st_size > 2 * readers.CSV_PARALLEL_BLOCK_BYTES  # cut into three or more pieces
    values = _results(cli("compute", path, "--loss", "mse", "--decimal", ",", "-f", "json"))
    y, p = frame["y_true"].to_numpy(float), frame["y_pred"].to_numpy()
    assert values[("mse", None)] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)


@pytest.fixture
def small_blocks(monkeypatch, small_batches):
    """Pieces of 4 KB, so a small file is cut into many blocks and batches."""
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 1 << 12)


@pytest.mark.parametrize("how", ["plain", "gzip", "stdin"])
def test_compressed_and_stdin_inputs_cut_into_blocks_equal_pandas(cli, tmp_path, small_blocks, how):
    path, frame = _written_by_pandas(tmp_path, 5000, seed=2)
    args, stdin = [path], None
    if how == "gzip":
        args = [tmp_path / "eu.csv.gz"]
        args[0].write_bytes(gzip.compress(path.read_bytes()))
    elif how == "stdin":
        args, stdin = ["-"], path.read_bytes()
    values = _results(cli("compute", *args, "--loss", "mae", "--decimal", ",", "-f", "json", input=stdin))
    assert values[("mae", None)] == pytest.approx(np.mean(np.abs(frame["y_pred"] - frame["y_true"])), rel=1e-12)


def test_compare_reads_every_model_and_the_labels_with_decimal_commas(cli, tmp_path):
    labels = _text(tmp_path, "labels.csv", "y_true\n0\n1\n")
    good = _text(tmp_path, "good.csv", "y_pred\n0,25\n0,75\n")
    bad = _text(tmp_path, "bad.csv", "y_pred\n0,5\n0,5\n")
    result = cli("compare", good, bad, "--labels", labels, "--loss", "mse", "--decimal", ",", "--model-name", "good", "--model-name", "bad", "-f", "json")
    assert result.exit_code == 0, result.stderr
    values = {r["model"]: r["value"] for r in json.loads(result.stdout)["results"]}
    assert values["good"] == pytest.approx(0.0625, rel=1e-15)  # by hand: (0.25^2 + 0.25^2)/2
    assert values["bad"] == pytest.approx(0.25, rel=1e-15)  # by hand: (0.5^2 + 0.5^2)/2


# ----------------------------------------------------------------------------- the delimiter


@pytest.mark.parametrize(
    "content",
    [
        "y_true;y_pred\n0;0,25\n1;0,5\n",  # told by the header
        "sep=;\ny_true;y_pred\n0;0,25\n1;0,5\n",  # Excel's delimiter line
        "y_true\ty_pred\n0\t0,25\n1\t0,5\n",  # a tab
        '"y_true";"y_pred"\r\n0;0,25\r\n1;0,5\r\n',  # R's write.csv2
    ],
)
def test_the_delimiter_is_detected_beside_decimal_commas(cli, tmp_path, content):
    values = _results(cli("compute", _text(tmp_path, "eu.csv", content), "--loss", "mse", "--decimal", ",", "-f", "json"))
    assert values[("mse", None)] == pytest.approx(0.15625, rel=1e-15)  # by hand: ((0.25-0)^2 + (0.5-1)^2)/2


def test_a_one_column_file_is_not_split_at_its_decimal_commas(cli, tmp_path):
    predictions = _text(tmp_path, "pred.csv", "y_pred\n0,25\n0,5\n")
    labels = _text(tmp_path, "labels.csv", "y_true\n0\n1\n")
    values = _results(cli("compute", predictions, "--labels", labels, "--loss", "mse", "--decimal", ",", "-f", "json"))
    assert values[("mse", None)] == pytest.approx(0.15625, rel=1e-15)  # by hand: ((0.25-0)^2 + (0.5-1)^2)/2


def test_a_comma_separated_file_is_ambiguous_with_decimal_commas(cli, tmp_path):
    path = _text(tmp_path, "comma.csv", 'y_true,y_pred\n0,"0,25"\n')
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ","), "comma.csv", "--decimal , reads numbers written 0,5, but the fields of this file are separated by commas too", "--delimiter semicolon")


def test_a_comma_delimiter_given_with_decimal_commas_is_refused(cli, tmp_path):
    path = _text(tmp_path, "eu.csv", "y_true;y_pred\n0;0,25\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ",", "--delimiter", "comma"), "eu.csv", "separated by commas too")


def test_a_first_line_of_decimal_comma_numbers_is_no_header(cli, tmp_path):
    path = _text(tmp_path, "headless.csv", "0,5;0,25\n1;0,75\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ","), "headless.csv", "the first line holds numbers (0,5, 0,25), not column names")


# ----------------------------------------------------------------------------- values that do not fit


def test_a_decimal_point_in_a_decimal_comma_file_names_the_cell_and_the_fix(cli, tmp_path):
    # Past the first megabyte (the rows types are inferred from), in a later block.
    path = _text(tmp_path, "late.csv", "y_true;y_pred\n" + "1;0,5\n" * 200_000 + "0;0.25\n")
    assert_usage_error(
        cli("compute", path, "--loss", "mse", "--decimal", ","),
        "late.csv, column 'y_pred', row 200001: '0.25' is written with a decimal point, but --decimal , reads numbers written with a decimal comma (0,5)",
        "leave out --decimal ,",
    )


def test_a_column_of_decimal_points_read_with_decimal_comma_names_its_first_row(cli, tmp_path):
    path = _text(tmp_path, "points.csv", "y_true;y_pred\n0;0.25\n1;0.5\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ","), "points.csv, column 'y_pred', row 1: '0.25' is written with a decimal point")


def test_a_thousands_point_with_decimal_comma_is_named_so(cli, tmp_path):
    path = _text(tmp_path, "grouped.csv", "y_true;y_pred\n0;1\n1;1.234,5\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ","), "grouped.csv, column 'y_pred', row 2: '1.234,5' is written with a thousands separator", "thousands='.'")


def test_text_among_decimal_commas_is_the_value_named(cli, tmp_path, small_blocks):
    path = _text(tmp_path, "text.csv", "y_true;y_pred\n0;0,25\n1;abc\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ","), "text.csv, column 'y_pred', row 2: non-numeric text 'abc'")


def test_without_the_option_the_decimal_comma_error_suggests_it(cli, tmp_path):
    path = _text(tmp_path, "eu.csv", "y_true;y_pred\n0;0,25\n")
    assert_usage_error(cli("compute", path, "--loss", "mse"), "eu.csv, column 'y_pred', row 1: '0,25' is written with a decimal comma", "read it with --decimal ,")


def test_an_unknown_decimal_separator_is_refused(cli, tmp_path):
    path = _text(tmp_path, "eu.csv", "y_true;y_pred\n0;0,25\n")
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ";"), "--decimal must be '.' or ',' (or point, comma), got ';'")


def test_the_dask_engine_refuses_decimal_commas(cli, tmp_path):
    pytest.importorskip("dask")
    path = tmp_path / "p.parquet"
    pd.DataFrame({"y_true": [0.0, 1.0], "y_pred": [0.25, 0.5]}).to_parquet(path)
    assert_usage_error(cli("compute", path, "--loss", "mse", "--decimal", ",", "--engine", "dask", "--scheduler", "synchronous"), "--decimal , reads CSV files, and the dask engine reads Parquet datasets only")


def test_rows_inside_a_runaway_quote_are_told_by_their_decimal_commas():
    line = "a;0,5;0,25"  # two of three fields numbers: a row, when commas mark decimals
    assert looks_like_row(line, Layout(ord(";"), b"\n", 3, ","))
    assert not looks_like_row(line, Layout(ord(";"), b"\n", 3))


# ----------------------------------------------------------------------------- recommend


def test_recommend_reads_decimal_commas_and_its_commands_run(cli, tmp_path):
    path = _text(tmp_path, "eu.csv", "y_true;y_pred\n1;0,9\n0;0,2\n1;0,7\n0;0,4\n")
    document = json.loads(cli("recommend", "--data", path, "--decimal", ",", "-f", "json").stdout)
    assert document["task"] == "binary"
    command = document["recommendations"][0]["command"]
    assert command.endswith("--decimal ,"), command
    result = cli(*command.split()[1:])
    assert result.exit_code == 0, result.stderr


def test_recommend_in_python_takes_decimal(tmp_path):
    path = _text(tmp_path, "eu.csv", "y_true;y_pred\n1;0,9\n0;0,2\n1;0,7\n0;0,4\n")
    document = losscli.recommend(data=str(path), decimal=",")
    assert document["inferred"]["task"] == "binary"
    assert "--decimal ," in document["recommendations"][0]["command"]


def test_recommend_decimal_without_data_is_refused(cli):
    assert_usage_error(cli("recommend", "--task", "regression", "--decimal", ","), "--decimal read the --data file; give --data FILE")


def test_csv_options_on_an_input_that_is_not_csv_say_they_were_not_used(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "preds.parquet"
    pq.write_table(pa.table({"y_true": [0.0, 1.0], "y_pred": [0.5, 0.5]}), path)
    result = cli("compute", path, "--loss", "mse", "--delimiter", ";", "--decimal", ",", "--format", "json")
    # by hand: ((0.5 - 0)^2 + (0.5 - 1)^2) / 2 = 0.25, whatever the CSV options say
    assert _results(result) == {("mse", None): 0.25}
    assert json.loads(result.stdout)["notes"] == [f"--delimiter and --decimal are for CSV input and {path} is not CSV: not used"]
    # On a CSV input they are used, and nothing is said.
    csv = _text(tmp_path, "preds.csv", "y_true;y_pred\n0;0,5\n1;0,5\n")
    result = cli("compute", csv, "--loss", "mse", "--delimiter", ";", "--decimal", ",", "--format", "json")
    assert _results(result) == {("mse", None): 0.25} and "notes" not in json.loads(result.stdout)
