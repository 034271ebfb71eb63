"""``losscli compute`` output, files and exit codes (SPEC sections 5 and 6)."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import FifoReader, assert_usage_error, run_in_terminal, write_csv

import losscli
from losscli.evaluation import Result, json_params
from losscli.registry import all_specs, get, parse_spec

N = 40


@pytest.fixture
def data(tmp_path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(99)
    y_true, y_pred = rng.normal(size=N), rng.normal(size=N)
    path = write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "fold": np.arange(N) % 2})
    return path, y_true, y_pred


def _mse(y_true, y_pred) -> float:
    return float(np.mean((y_true - y_pred) ** 2))  # numpy


def _huber(y_true, y_pred, delta) -> float:
    # PyTorch HuberLoss(delta): 0.5 r^2 if |r| <= delta else delta (|r| - 0.5 delta) (numpy)
    r = np.abs(y_true - y_pred)
    return float(np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def _defaults(name: str) -> dict:
    """The JSON form of a loss's default parameters, from its declaration."""
    return json.loads(json.dumps(json_params(get(name).defaults())))


def _no_temp_files(folder: Path) -> bool:
    return not [name for name in os.listdir(folder) if name.startswith(".losscli-")]


# ----------------------------------------------------------------------------- JSON


def test_json_document_has_exactly_the_documented_shape(cli, data):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "mse", "--loss", "huber:delta=2", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    document = json.loads(result.stdout)
    assert set(document) == {"schema", "tool", "inputs", "results"}
    assert document["schema"] == 1
    assert document["tool"] == {"name": "losscli", "version": losscli.__version__}
    assert document["inputs"] == {"predictions": [str(path)], "labels": None, "rows": N}
    mse, huber = document["results"]
    for r in (mse, huber):
        assert set(r) == {"loss", "params", "value", "n", "reduction", "model", "group"}
        assert isinstance(r["value"], float) and isinstance(r["n"], int)
        assert r["n"] == N and r["reduction"] == "mean" and r["model"] == str(path) and r["group"] is None
    # params: every parameter of the loss with its effective value, defaults included.
    assert mse["loss"] == "mse" and mse["params"] == _defaults("mse")
    assert mse["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    assert huber["loss"] == "huber" and huber["params"] == _defaults("huber") | {"delta": 2.0}
    assert huber["value"] == pytest.approx(_huber(y_true, y_pred, 2.0), rel=1e-12)


def test_json_uses_canonical_names_and_default_parameters(cli, data):
    path, y_true, y_pred = data
    document = json.loads(cli("compute", path, "--loss", "L2", "--loss", "huber", "--loss", "pinball", "-f", "json").stdout)
    assert [r["loss"] for r in document["results"]] == ["mse", "huber", "quantile"]
    assert document["results"][1]["params"] == _defaults("huber") and document["results"][1]["params"]["delta"] == 1.0
    assert document["results"][2]["params"] == _defaults("quantile") and document["results"][2]["params"]["q"] == 0.5
    assert document["results"][1]["value"] == pytest.approx(_huber(y_true, y_pred, 1.0), rel=1e-12)


def test_json_names_the_labels_file(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"y_pred": [1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"y_true": [1.0, 4.0]})
    document = json.loads(cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "-f", "json").stdout)
    assert document["inputs"] == {"predictions": [str(tmp_path / "p.csv")], "labels": str(tmp_path / "t.csv"), "rows": 2}
    assert document["results"][0]["value"] == pytest.approx(2.0, rel=1e-12)  # (0 + 2^2) / 2 (by hand)


def test_json_group_objects_with_by(cli, data):
    path, y_true, y_pred = data
    results = json.loads(cli("compute", path, "--loss", "mse", "--by", "fold", "-f", "json").stdout)["results"]
    assert [r["group"] for r in results] == [None, {"fold": 0}, {"fold": 1}]
    fold = np.arange(N) % 2
    for r in results[1:]:
        rows = fold == r["group"]["fold"]
        assert r["value"] == pytest.approx(_mse(y_true[rows], y_pred[rows]), rel=1e-12) and r["n"] == int(rows.sum())


# ----------------------------------------------------------------------------- group labels read from CSV


def _groups(result) -> list[tuple]:
    assert result.exit_code == 0, result.stderr
    return [(r["group"], r["n"], r["value"]) for r in json.loads(result.stdout)["results"]]


def test_a_csv_integer_group_column_is_numbers_in_numeric_order(cli, tmp_path):
    fold = np.arange(36) % 12
    y_pred = fold.astype(float)  # mae per fold: |0 - fold| = fold (by hand)
    write_csv(tmp_path / "data.csv", {"y_true": np.zeros(36), "y_pred": y_pred, "fold": fold})
    got = _groups(cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "fold", "-f", "json"))
    assert got == [(None, 36, 5.5)] + [({"fold": k}, 3, float(k)) for k in range(12)]  # 10 and 11 after 9, not after 1


def test_csv_group_values_are_the_text_as_written(cli, tmp_path):
    # Read as numbers, 01234 and 1234 merged, as did 1e3 and 1000, and 007 became 7.
    zips = ["01234", "1234", "007", "1e3", "1000", "01234"]
    write_csv(tmp_path / "data.csv", {"y_true": np.zeros(6), "y_pred": [1.0, 2.0, 3.0, 4.0, 5.0, 3.0], "zip": zips})
    got = _groups(cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "zip", "-f", "json"))
    # mae = mean |0 - y_pred| of each zip's rows (by hand); text order
    assert got == [
        (None, 6, 3.0),
        ({"zip": "007"}, 1, 3.0),
        ({"zip": "01234"}, 2, 2.0),
        ({"zip": "1000"}, 1, 5.0),
        ({"zip": "1234"}, 1, 2.0),
        ({"zip": "1e3"}, 1, 4.0),
    ]
    rows = list(csv.DictReader(io.StringIO(cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "zip", "-f", "csv").stdout)))
    assert [r["zip"] for r in rows] == ["", "007", "01234", "1000", "1234", "1e3"]
    table = cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "zip").stdout
    assert [line.split()[1] for line in table.splitlines()[2:]] == ["(all)", "007", "01234", "1000", "1234", "1e3"]


def test_text_after_the_first_megabyte_of_numeric_groups_is_one_more_group(cli, tmp_path):
    # Column types are guessed from the first 1 MB: 200,000 rows of 0/1/2 look numeric.
    lines = ["y_true,y_pred,region"] + [f"0,1,{i % 3}" for i in range(200_000)] + ["0,3,EU"]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    got = _groups(cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "region", "-f", "json"))
    # One group is not a number, so every group is shown as text. mae: 1 per row, 3 for EU (by hand)
    assert got[0] == (None, 200_001, pytest.approx(200_003 / 200_001, rel=1e-12))
    assert got[1:] == [
        ({"region": "0"}, 66_667, 1.0),
        ({"region": "1"}, 66_667, 1.0),
        ({"region": "2"}, 66_666, 1.0),
        ({"region": "EU"}, 1, 3.0),
    ]


def test_per_row_output_shows_each_csv_group_value_on_its_own(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"y_true": np.zeros(5), "y_pred": np.ones(5), "zip": ["01234", "1234", "007", "1e3", ""]})
    target = tmp_path / "rows.jsonl"
    assert cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "zip", "--per-row", target, "-f", "json").exit_code == 0
    # Rows are written before every group is known: plain numbers as numbers, other text as written.
    assert [json.loads(line)["zip"] for line in target.read_text().splitlines()] == ["01234", 1234, "007", "1e3", None]


@pytest.mark.parametrize("images, shown", [(["1", "1", "2", "2"], [1, 2]), (["001", "001", "1", "1"], ["001", "1"])])
def test_csv_sample_ids_are_the_text_as_written(cli, tmp_path, images, shown):
    write_csv(tmp_path / "seg.csv", {"y_true": [1, 0, 1, 0], "y_pred": [0.9, 0.2, 0.6, 0.1], "image": images})
    target = tmp_path / "samples.jsonl"
    result = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--sample-col", "image", "--per-row", target, "-f", "json")
    assert result.exit_code == 0, result.stderr
    # "001" and "1" are two images; read as numbers they were one.
    assert [json.loads(line)["image"] for line in target.read_text().splitlines()] == shown


def test_losses_that_take_no_samples_say_that_sample_col_leaves_them_alone(cli, tmp_path):
    # A user who asks for per-image values of bce and mse gets the mean over every pixel: said so.
    write_csv(tmp_path / "seg.csv", {"y_true": [1, 0, 1, 0], "y_pred": [0.9, 0.2, 0.6, 0.1], "image": [1, 1, 2, 2]})
    result = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--loss", "bce", "--loss", "mse", "--sample-col", "image", "-f", "json")
    assert result.exit_code == 0, result.stderr
    note = "--sample-col: bce and mse take no samples: they are computed over all rows, as without --sample-col"
    assert note in json.loads(result.stdout)["notes"]
    assert result.stderr == f"note: {note}\n"
    alone = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--sample-col", "image", "-f", "json")
    assert alone.stderr == "" and "notes" not in json.loads(alone.stdout)


def test_by_does_not_change_the_overall_value_of_a_sample_split_across_groups(cli, tmp_path):
    # Image 1's pixels fall in groups a and b. Dice by hand (smooth 1e-5):
    # image 1: I = 0.9, P = 1.1, T = 1 -> 1 - (1.8 + s)/(2.1 + s); image 2: I = 1.1, P = 1.1, T = 2
    # -> 1 - (2.2 + s)/(3.1 + s); overall = their mean, with or without --by.
    write_csv(tmp_path / "seg.csv", {"y_pred": [0.9, 0.2, 0.4, 0.7], "y_true": [1, 0, 1, 1], "image": [1, 1, 2, 2], "g": ["a", "b", "a", "a"]})
    s = 1e-5
    image1, image2 = 1 - (1.8 + s) / (2.1 + s), 1 - (2.2 + s) / (3.1 + s)
    for by in ((), ("--by", "g")):
        result = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--sample-col", "image", *by, "-f", "json")
        assert result.exit_code == 0, result.stderr
        overall = json.loads(result.stdout)["results"][0]
        assert overall["group"] is None and overall["n"] == 4
        assert overall["value"] == pytest.approx((image1 + image2) / 2, rel=1e-12)
    # The groups still score their own rows: a holds image 1's first pixel and image 2;
    # b image 1's second pixel (T = 0, P = 0.2 -> 1 - s/(0.2 + s)).
    groups = json.loads(result.stdout)["results"][1:]
    assert [(r["group"], r["n"]) for r in groups] == [({"g": "a"}, 3), ({"g": "b"}, 1)]
    assert groups[0]["value"] == pytest.approx((1 - (1.8 + s) / (1.9 + s) + image2) / 2, rel=1e-12)
    assert groups[1]["value"] == pytest.approx(1 - s / (0.2 + s), rel=1e-12)
    summed = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--sample-col", "image", "--by", "g", "--reduction", "sum", "-f", "json")
    assert json.loads(summed.stdout)["results"][0]["value"] == pytest.approx(image1 + image2, rel=1e-12)


def test_overflow_is_null_with_a_warning_and_exit_zero(cli, tmp_path):
    write_csv(tmp_path / "big.csv", {"y_true": [1e308, -1e308, 0.0], "y_pred": [-1e308, 1e308, 0.0]})
    result = cli("compute", tmp_path / "big.csv", "--loss", "mse", "--loss", "mae", "-f", "json")
    assert result.exit_code == 0
    mse, mae = json.loads(result.stdout)["results"]  # strict JSON: no NaN/Infinity tokens
    assert mse["value"] is None and "mse" in mse["warning"] and "null" in mse["warning"]
    assert mae["value"] is None and mae["warning"]


def test_sum_reduction_is_reported(cli, data):
    path, y_true, y_pred = data
    result = json.loads(cli("compute", path, "--loss", "mse", "--reduction", "sum", "-f", "json").stdout)["results"][0]
    assert result["reduction"] == "sum"
    assert result["value"] == pytest.approx(float(np.sum((y_true - y_pred) ** 2)), rel=1e-12)  # numpy


@pytest.mark.parametrize("spec", sorted(s.name for s in all_specs()))
def test_every_loss_reports_all_its_parameters_as_json(spec):
    bound = parse_spec(spec)
    entry = Result(loss=bound, value=1.0, n=1, reduction="mean", model="m").as_dict()
    assert set(entry["params"]) == set(bound.spec.defaults())
    assert json.loads(json.dumps(entry, allow_nan=False))["params"] == entry["params"]


def test_an_infinite_parameter_is_written_as_inf_in_json_and_matches_as_a_baseline(cli, tmp_path):
    # JSON has no infinity: triplet:p=inf used to end in "internal error: ValueError".
    path = write_csv(
        tmp_path / "triplets.csv",
        {"a_0": [0.0, 1.0], "a_1": [0.0, 1.0], "p_0": [3.0, 1.0], "p_1": [1.0, 2.0], "n_0": [1.0, 4.0], "n_1": [2.0, 1.0]},
    )
    args = ("--loss", "triplet:p=inf,eps=0")
    result = cli("compute", path, *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    entry = json.loads(result.stdout)["results"][0]
    assert entry["params"]["p"] == "inf"
    # Hand-worked max-norm distances: row 1 d(a,p) = 3, d(a,n) = 2 -> 1 + 3 - 2 = 2;
    # row 2 d(a,p) = 1, d(a,n) = 3 -> max(0, 1 + 1 - 3) = 0; mean 1.
    assert entry["value"] == pytest.approx(1.0, rel=1e-12)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(result.stdout)
    compared = cli("compare", path, *args, "--baseline", baseline, "-f", "json")
    assert compared.exit_code == 0, compared.stderr
    document = json.loads(compared.stdout)
    assert document["results"][0]["baseline"] == {"value": 1.0, "delta": 0.0, "delta_pct": 0.0}
    assert document["baseline"]["missing"] == []


def test_a_table_lists_fifty_groups_of_each_loss_and_counts_the_rest(cli, tmp_path):
    # 60 groups of two rows; y_pred = 1e200 in groups 55 and 58 makes mse infinite there.
    groups = np.repeat(np.arange(60), 2)
    y_pred = np.where(np.isin(groups, [55, 58]), 1e200, 1.0)
    path = write_csv(tmp_path / "g.csv", {"y_true": np.zeros(120), "y_pred": y_pred, "g": groups})
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--by", "g", "-f", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    listed = [line.split()[1] for line in lines if line.startswith("mse ")]
    assert listed == ["(all)"] + [str(g) for g in range(50)]
    assert sum("... 10 more groups" in line for line in lines) == 2  # once per loss
    assert "note: 2 results of groups not listed have no value (--format json gives each reason)" in lines
    assert "note: the table lists the first 50 groups of each loss; --format csv, json or markdown lists every group" in lines
    # Every group is still in the other formats.
    document = json.loads(cli("compute", path, "--loss", "mse", "--by", "g", "-f", "json").stdout)
    assert len(document["results"]) == 61


# ----------------------------------------------------------------------------- other formats


def test_csv_format_round_trips_values_exactly(cli, data):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "mse", "--loss", "huber:delta=0.5", "--by", "fold", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["loss", "spec", "value", "n", "reduction", "model", "fold", "warning"]
    assert [(r["loss"], r["spec"], r["fold"]) for r in rows] == [
        ("mse", "mse", ""),
        ("mse", "mse", "0"),
        ("mse", "mse", "1"),
        ("huber", "huber:delta=0.5", ""),
        ("huber", "huber:delta=0.5", "0"),
        ("huber", "huber:delta=0.5", "1"),
    ]
    assert float(rows[0]["value"]) == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    assert float(rows[3]["value"]) == pytest.approx(_huber(y_true, y_pred, 0.5), rel=1e-12)
    # CSV carries the shortest round-trip repr: the very same float as JSON.
    as_json = json.loads(cli("compute", path, "--loss", "mse", "--loss", "huber:delta=0.5", "--by", "fold", "-f", "json").stdout)
    assert [float(r["value"]) for r in rows] == [r["value"] for r in as_json["results"]]


def test_markdown_format_is_a_pipe_table(cli, data):
    path, y_true, y_pred = data
    lines = cli("compute", path, "--loss", "mse", "-f", "markdown").stdout.splitlines()
    assert lines[0] == "| Loss | Value | Rows |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2] == f"| `mse` | {_mse(y_true, y_pred):.6g} | {N} |"


def test_markdown_escapes_pipes_in_group_values(cli, tmp_path):
    write_csv(tmp_path / "g.csv", {"y_true": [1.0, 2.0], "y_pred": [1.0, 4.0], "site": ["a|b", "c"]})
    lines = cli("compute", tmp_path / "g.csv", "--loss", "mse", "--by", "site", "-f", "markdown").stdout.splitlines()
    # Row 1 has residual 0 and row 2 residual 2 (by hand).
    assert "| `mse` | a\\|b | 0 | 1 |" in lines
    assert all(line.count("|") - line.count("\\|") == 5 for line in lines[:5]), lines


def test_a_labels_file_named_by_its_extension_ignores_input_format(cli, tmp_path):
    (tmp_path / "preds.out").write_text("y_pred\n1\n3\n")
    pq.write_table(pa.table({"y_true": [2.0, 5.0]}), tmp_path / "labels.parquet")
    result = cli("compute", tmp_path / "preds.out", "--input-format", "csv", "--labels", tmp_path / "labels.parquet", "--loss", "mse", "-f", "json")
    # By hand: ((1 - 2)^2 + (3 - 5)^2) / 2.
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == 2.5


def test_a_labels_file_without_a_known_extension_follows_input_format(cli, tmp_path):
    (tmp_path / "preds.dat").write_text('{"y_pred": 1}\n{"y_pred": 3}\n')
    (tmp_path / "labels.dat").write_text('{"y_true": 2}\n{"y_true": 5}\n')
    result = cli("compute", tmp_path / "preds.dat", "--input-format", "ndjson", "--labels", tmp_path / "labels.dat", "--loss", "mse", "-f", "json")
    # Read as CSV, labels.dat would have no y_true column. By hand: (1 + 4) / 2.
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == 2.5


def test_markdown_lists_warnings_below_the_table(cli, tmp_path):
    write_csv(tmp_path / "big.csv", {"y_true": [1e308], "y_pred": [-1e308]})
    text = cli("compute", tmp_path / "big.csv", "--loss", "mse", "-f", "markdown").stdout
    assert "| `mse` | null | 1 |" in text
    assert "> mse:" in text


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}])
def test_table_off_a_terminal_is_plain_text(cli, data, env):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "mse", "--loss", "huber:delta=2", env=env)
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["loss", "value", "rows"]
    assert lines[2].split() == ["mse", f"{_mse(y_true, y_pred):.6g}", str(N)]
    assert lines[3].split() == ["huber:delta=2", f"{_huber(y_true, y_pred, 2.0):.6g}", str(N)]


def test_table_notes_go_to_stderr(cli, tmp_path):
    # SPEC 5: diagnostics go to stderr, never stdout; the table keeps only its cells' footnotes.
    write_csv(tmp_path / "gaps.csv", {"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, float("nan"), 4.0]})
    result = cli("compute", tmp_path / "gaps.csv", "--loss", "mse", "--nan-policy", "omit")
    assert result.exit_code == 0, result.stderr
    assert "note:" not in result.stdout
    assert "note: 1 row with missing, NaN or infinite values was omitted (--nan-policy omit)" in result.stderr.splitlines()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("no_color", [True, False])
def test_table_on_a_terminal_honours_no_color(monkeypatch, no_color):
    from losscli.evaluation import Report
    from losscli.render import table_document

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    results = [
        Result(loss=parse_spec("mse"), value=0.5, n=3, reduction="mean", model="p.csv"),
        Result(loss=parse_spec("mae"), value=None, n=3, reduction="mean", model="p.csv", warning="mae: overflow; reported as null"),
    ]
    stream = _Terminal()
    table_document(Report(["p.csv"], None, 3, results), stream)
    text = stream.getvalue()
    if not no_color:
        assert "\x1b[" in text  # styles are welcome on a terminal
        return
    assert "\x1b[" not in text
    assert [line.split() for line in text.splitlines()][2:4] == [["mse", "0.5", "3"], ["mae", "null", "3"]]
    assert "note: mae: overflow; reported as null" in text


def test_table_never_wraps_long_group_names(cli, tmp_path):
    name = "a-very-long-group-name-" * 8
    write_csv(tmp_path / "data.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "g": [name, "short"]})
    out = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--by", "g").stdout
    assert any(name in line and "0.25" in line for line in out.splitlines())  # (1 - 1.5)^2 = 0.25 (by hand)


# ----------------------------------------------------------------------------- --output


def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(cli, data, tmp_path):
    path, y_true, y_pred = data
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = cli("compute", path, "--loss", "mse", "-f", "json", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    assert _no_temp_files(target.parent)


def test_output_dash_is_stdout_not_a_file_named_dash(cli, data, tmp_path, monkeypatch):
    path, y_true, y_pred = data
    monkeypatch.chdir(tmp_path)
    result = cli("compute", path, "--loss", "mse", "-f", "json", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    assert not (tmp_path / "-").exists()
    # Both on stdout would be two documents in one stream.
    assert_usage_error(cli("compute", path, "--loss", "mse", "-o", "-", "--per-row", "-"), "--per-row - and the summary")


def test_output_replaces_an_existing_file(cli, data, tmp_path):
    path, *_ = data
    target = tmp_path / "report.md"
    target.write_text("old\n")
    assert cli("compute", path, "--loss", "mse", "-f", "markdown", "-o", target).exit_code == 0
    assert target.read_text().startswith("| Loss |")


@pytest.mark.parametrize("command", ["compute", "compare"])
def test_a_report_named_as_a_data_format_is_refused_not_written_as_text(cli, data, tmp_path, command):
    # report.parquet used to get the text table: a file no Parquet reader opens.
    path, *_ = data
    for name in ("report.parquet", "report.jsonl", "report.tsv"):
        target = tmp_path / name
        assert_usage_error(cli(command, path, "--loss", "mse", "-o", target), f"--output {target}: reports are written as JSON, CSV, Markdown or a text table", "--format")
        assert not target.exists()
    assert cli(command, path, "--loss", "mse", "-f", "csv", "-o", tmp_path / "report.tsv").exit_code == 0  # chosen with --format


def test_output_is_left_alone_when_the_command_fails(cli, tmp_path, small_batches):
    cells = [str(float(i)) for i in range(300)]
    cells[250] = "broken"
    write_csv(tmp_path / "data.csv", {"y_true": np.arange(300.0), "y_pred": cells})
    target = tmp_path / "report.json"
    target.write_text("previous report\n")
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "-f", "json", "-o", target)
    assert_usage_error(result, "row 251")
    assert target.read_text() == "previous report\n"
    assert _no_temp_files(tmp_path)


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_an_input_file(cli, data, option):
    path, *_ = data
    before = path.read_bytes()
    assert_usage_error(cli("compute", path, "--loss", "mse", option, path), option, "is an input file")
    assert path.read_bytes() == before


@pytest.mark.parametrize("links", [1, 2], ids=["symlink", "chain-of-two"])
@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_a_symlink_to_an_input(cli, data, tmp_path, option, links):
    path, *_ = data
    before = path.read_bytes()
    link = path
    for index in range(links):
        link, target = tmp_path / f"link{index}.csv", link
        link.symlink_to(target)
    assert_usage_error(cli("compute", path, "--loss", "mse", option, link), option, "is an input file")
    assert path.read_bytes() == before and link.is_symlink()


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_a_hard_link_to_an_input(cli, data, tmp_path, option):
    # A hard link is the input file under another name: the contract refuses
    # a path that is, or links to, an input, whatever kind of link it is.
    path, *_ = data
    before = path.read_bytes()
    link = tmp_path / "hard.csv"
    os.link(path, link)
    assert_usage_error(cli("compute", path, "--loss", "mse", option, link), option, "is an input file")
    assert path.read_bytes() == before and os.path.samefile(path, link)


def test_output_refuses_the_labels_file(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"y_pred": [1.0]})
    write_csv(tmp_path / "t.csv", {"y_true": [1.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "-o", tmp_path / "t.csv")
    assert_usage_error(result, "is an input file")


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_a_missing_directory(cli, data, tmp_path, option):
    path, *_ = data
    assert_usage_error(cli("compute", path, "--loss", "mse", option, tmp_path / "nowhere" / "x.csv"), option, "does not exist")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_a_file_an_input_pattern_matches(cli, tmp_path, option):
    for index in range(2):
        pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / f"part-{index}.parquet")
    before = (tmp_path / "part-1.parquet").read_bytes()
    result = cli("compute", str(tmp_path / "part-*.parquet"), "--loss", "mse", option, tmp_path / "part-1.parquet")
    assert_usage_error(result, option, "is an input file")
    assert (tmp_path / "part-1.parquet").read_bytes() == before


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_output_refuses_a_new_file_an_input_pattern_would_read(cli, tmp_path, option):
    # Reported: --per-row dsg/per_row.parquet for 'dsg/*.parquet' succeeded, and every later run failed.
    for index in range(2):
        pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / f"part-{index}.parquet")
    pattern = str(tmp_path / "*.parquet")
    result = cli("compute", pattern, "--loss", "mse", option, tmp_path / "rows.parquet")
    assert_usage_error(result, option, "matches the input pattern", "later runs would read it")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-0.parquet", "part-1.parquet"]
    # a file the pattern does not match may sit beside the data
    beside = cli("compute", pattern, "--loss", "mse", option, tmp_path / "rows.csv")
    assert beside.exit_code == 0, beside.stderr
    assert cli("compute", pattern, "--loss", "mse").exit_code == 0


def test_compare_output_refuses_a_file_a_model_pattern_would_read(cli, tmp_path):
    (tmp_path / "m").mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / "m" / "a.parquet")
    result = cli("compare", str(tmp_path / "m" / "*"), "--loss", "mse", "-o", tmp_path / "m" / "report.json")
    assert_usage_error(result, "--output", "matches the input pattern")
    assert not (tmp_path / "m" / "report.json").exists()


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_a_name_too_long_for_the_file_system_is_refused_before_the_run(cli, data, tmp_path, option):
    path, *_ = data
    other = tmp_path / "other.csv"
    long_name = tmp_path / ("n" * 300 + ".csv")
    extra = ["--per-row", other] if option == "--output" else ["--output", other]
    assert_usage_error(cli("compute", path, "--loss", "mse", option, long_name, *extra), option, "too long")
    assert not other.exists() and _no_temp_files(tmp_path)


@pytest.mark.parametrize("option, name", [("--output", "report.json"), ("--per-row", "rows.parquet"), ("--per-row", "rows.csv")])
def test_replacing_a_file_keeps_its_permission_bits(cli, data, tmp_path, option, name):
    # Reported: --output over a 0600 file left it 0644, readable by everyone.
    path, *_ = data
    target = tmp_path / name
    target.write_text("old")
    target.chmod(0o600)
    result = cli("compute", path, "--loss", "mse", "-f", "json", option, target)
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() != b"old"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_a_new_output_file_gets_the_umask_default(cli, data, tmp_path):
    path, *_ = data
    previous = os.umask(0o027)
    try:
        result = cli("compute", path, "--loss", "mse", "-o", tmp_path / "report.json")
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "report.json").st_mode) == 0o666 & ~0o027


def test_replacing_through_a_symlink_keeps_the_permission_bits_of_the_file_it_points_to(cli, data, tmp_path):
    path, *_ = data
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    (tmp_path / "link.json").symlink_to(real)
    assert cli("compute", path, "--loss", "mse", "-o", tmp_path / "link.json").exit_code == 0
    assert os.path.islink(tmp_path / "link.json") and real.read_text() != "old"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


def test_output_refuses_a_file_inside_an_input_parquet_directory(cli, tmp_path):
    (tmp_path / "ds").mkdir()
    pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / "ds" / "a.parquet")
    assert_usage_error(cli("compute", tmp_path / "ds", "--loss", "mse", "-o", tmp_path / "ds" / "report.parquet"), "inside the input directory")


# ----------------------------------------------------------------------------- devices, FIFOs, symlinks, write errors


def _per_row_csv(text: str) -> list[float]:
    return [float(r["mse"]) for r in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("via_symlink", [False, True], ids=["fifo", "symlink-to-fifo"])
@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_a_fifo_is_written_into_not_replaced(cli, data, tmp_path, option, via_symlink):
    path, y_true, y_pred = data
    fifo = tmp_path / "pipe"
    reader = FifoReader(fifo)
    target = fifo
    if via_symlink:
        target = tmp_path / "link"
        target.symlink_to(fifo)
    result = cli("compute", path, "--loss", "mse", "-f", "json", option, target)
    assert result.exit_code == 0, result.stderr
    if option == "--output":
        assert result.stdout == ""
        assert json.loads(reader.text())["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    else:
        # A file name without an extension gets CSV rows; the summary stays on stdout.
        np.testing.assert_allclose(_per_row_csv(reader.text()), (y_true - y_pred) ** 2, rtol=1e-12)  # numpy
        assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not via_symlink or os.readlink(target) == str(fifo)
    assert _no_temp_files(tmp_path)


def test_reduction_none_rows_go_into_a_fifo(cli, data, tmp_path):
    path, y_true, y_pred = data
    reader = FifoReader(tmp_path / "rows.csv")
    result = cli("compute", path, "--loss", "mse", "--reduction", "none", "-o", tmp_path / "rows.csv")
    assert result.exit_code == 0 and result.stdout == ""
    np.testing.assert_allclose(_per_row_csv(reader.text()), (y_true - y_pred) ** 2, rtol=1e-12)  # numpy
    assert stat.S_ISFIFO(os.lstat(tmp_path / "rows.csv").st_mode) and _no_temp_files(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode), reason="needs /dev/null")
@pytest.mark.parametrize("args", [["-o"], ["--per-row"], ["--reduction", "none", "-o"]], ids=["output", "per-row", "reduction-none"])
def test_a_symlink_to_dev_null_leaves_the_device_in_place(cli, data, tmp_path, args):
    path, y_true, y_pred = data
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    result = cli("compute", path, "--loss", "mse", "-f", "json", *args, link)
    assert result.exit_code == 0, result.stderr
    if args == ["--per-row"]:
        assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    else:
        assert result.stdout == ""
    assert os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert _no_temp_files(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
@pytest.mark.parametrize("target", ["/dev/stdout", "/dev/fd/1"])
@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_a_descriptor_name_appends_where_the_shell_appends(data, tmp_path, target, option):
    # `losscli ... -o /dev/stdout >> log`: reopening /dev/stdout by name would
    # truncate the log (or a rename would replace it); the shell asked to append.
    path, y_true, y_pred = data
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n")
    with open(log, "ab") as appended:
        done = subprocess.run(
            [sys.executable, "-m", "losscli", "compute", str(path), "--loss", "mse", "-f", "csv", option, target],
            stdout=appended, stderr=subprocess.PIPE, text=False, check=False,
        )
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines()
    assert lines[0] == "earlier line"
    if option == "--output":
        assert lines[1].startswith("loss,spec,value") and len(lines) == 3
    else:
        # The report goes to stdout as well: both follow the earlier line, nothing is lost.
        assert lines[1] == '"row","mse"' and len(lines) == 1 + 1 + len(y_true) + 2


def test_a_descriptor_that_is_not_open_is_a_clear_error(cli, data):
    path, _, _ = data
    result = cli("compute", str(path), "--loss", "mse", "-o", "/dev/fd/97")
    assert result.exit_code == 2
    assert "error: /dev/fd/97: cannot write the output: Bad file descriptor (no file is open on that descriptor)" in result.stderr


@pytest.mark.parametrize("option", ["--output", "--per-row"])
def test_a_chain_of_symlinks_stays_and_the_file_at_its_end_is_replaced(cli, data, tmp_path, option):
    path, y_true, y_pred = data
    (tmp_path / "results").mkdir()
    real = tmp_path / "results" / "run.json"
    real.write_text("old\n")
    (tmp_path / "middle.json").symlink_to(real)
    link = tmp_path / "latest.json"
    link.symlink_to("middle.json")
    result = cli("compute", path, "--loss", "mse", "-f", "json", option, link)
    assert result.exit_code == 0, result.stderr
    assert os.readlink(link) == "middle.json" and os.readlink(tmp_path / "middle.json") == str(real)
    written = json.loads(real.read_text())
    if option == "--output":
        assert written["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    else:
        np.testing.assert_allclose([r["mse"] for r in written], (y_true - y_pred) ** 2, rtol=1e-12)  # numpy
    assert _no_temp_files(tmp_path) and _no_temp_files(tmp_path / "results")


WRITE_HINT = "check that the directory exists and is writable"
TARGETS = [("--output", "report.json"), ("--per-row", "rows.csv"), ("--per-row", "rows.parquet")]


@pytest.fixture
def system_temp(tmp_path, monkeypatch) -> Path:
    """The system's temp directory, here empty, to see that nothing falls back to it."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("option, name", TARGETS)
def test_a_read_only_directory_is_an_error_naming_the_target(cli, data, tmp_path, system_temp, option, name):
    path, *_ = data
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("permissions are not enforced here (running as root)")
        target = folder / name
        line = assert_usage_error(cli("compute", path, "--loss", "mse", option, target))
        assert line == f"error: {target}: cannot write the output: Permission denied ({WRITE_HINT})"
        assert os.listdir(folder) == [] and os.listdir(system_temp) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("option, name", TARGETS)
def test_a_directory_that_refuses_new_files_is_an_error_naming_the_target(cli, data, tmp_path, system_temp, monkeypatch, option, name):
    """The same as a read-only directory, also when running as root: creating
    the temp file next to the target fails as it would there."""
    path, *_ = data
    folder = tmp_path / "refusing"
    folder.mkdir()
    create = tempfile.mkstemp

    def refuse_in_folder(*args, dir=None, **kwargs):
        if dir is not None and os.path.samefile(dir, folder):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.path.join(dir, ".losscli-xyz.tmp"))
        return create(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_in_folder)
    target = folder / name
    line = assert_usage_error(cli("compute", path, "--loss", "mse", option, target))
    assert line == f"error: {target}: cannot write the output: Permission denied ({WRITE_HINT})"
    assert os.listdir(folder) == [] and os.listdir(system_temp) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, where no file can be created")
@pytest.mark.parametrize("option, name", TARGETS)
def test_a_file_system_that_refuses_new_files_is_an_error_naming_the_target(cli, data, system_temp, option, name):
    path, *_ = data
    target = f"/proc/losscli-test-{name}"
    line = assert_usage_error(cli("compute", path, "--loss", "mse", option, target))
    assert line == f"error: {target}: cannot write the output: No such file or directory ({WRITE_HINT})"
    assert not os.path.exists(target) and os.listdir(system_temp) == []


# ----------------------------------------------------------------------------- per-row


def _per_row_expected(y_true, y_pred):
    return (y_true - y_pred) ** 2, np.abs(y_true - y_pred)  # squared and absolute residuals (numpy)


@pytest.mark.parametrize("quiet", [False, True])
def test_reduction_none_with_format_table_writes_csv_and_says_why(cli, data, quiet):
    # Reported: --reduction none --format table printed CSV without a word.
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "mse", "--reduction", "none", "--format", "table", *(["--quiet"] if quiet else []))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [float(r["mse"]) for r in rows] == pytest.approx(_per_row_expected(y_true, y_pred)[0], rel=1e-12)
    if quiet:
        assert result.stderr == ""
    else:
        assert result.stderr.startswith("note: --reduction none writes one line per row as CSV, not as a table")
        assert result.stderr.count("\n") == 1


def test_reduction_none_without_format_writes_csv_with_no_note(cli, data):
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--reduction", "none")
    assert result.exit_code == 0 and result.stdout.startswith('"row","mse"') and result.stderr == ""


def test_reduction_none_prints_per_row_losses(cli, data):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--reduction", "none")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    squared, absolute = _per_row_expected(y_true, y_pred)
    assert [int(r["row"]) for r in rows] == list(range(1, N + 1))
    np.testing.assert_allclose([float(r["mse"]) for r in rows], squared, rtol=1e-12)
    np.testing.assert_allclose([float(r["mae"]) for r in rows], absolute, rtol=1e-12)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".json"])
def test_per_row_file_in_each_format_after_omit(cli, tmp_path, suffix):
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.normal(size=20), rng.normal(size=20)
    cells = [repr(float(v)) for v in y_pred]
    for row in (0, 6, 7, 19):
        cells[row] = "nan"
    keep = np.array([c != "nan" for c in cells])
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": cells})
    target = tmp_path / f"rows{suffix}"
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--nan-policy", "omit", "--per-row", target, "-f", "json")
    assert result.exit_code == 0
    # The summary still goes to stdout.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(_mse(y_true[keep], y_pred[keep]), rel=1e-12)
    if suffix == ".csv":
        records = [{"row": int(r["row"]), "mse": float(r["mse"])} for r in csv.DictReader(target.read_text().splitlines())]
    elif suffix == ".parquet":
        records = pq.read_table(target).to_pylist()
    elif suffix == ".jsonl":
        records = [json.loads(line) for line in target.read_text().splitlines()]
    else:
        records = json.loads(target.read_text())
    assert [r["row"] for r in records] == [i + 1 for i in range(20) if keep[i]]
    np.testing.assert_allclose([r["mse"] for r in records], (y_true[keep] - y_pred[keep]) ** 2, rtol=1e-12)
    assert _no_temp_files(tmp_path)


@pytest.mark.parametrize("fmt, shown", [("csv", "inf"), ("json", "null")])
def test_per_row_values_that_are_not_numbers_are_pointed_out(cli, tmp_path, fmt, shown):
    # Two frames cannot align the three labels of row 1: CTC gives inf there, and the rows
    # are all a --reduction none run prints, so the note is the only place that says so.
    frames = np.log(np.full((2, 3), 1 / 3)).tolist()
    pq.write_table(pa.table({"y_pred": [frames, frames], "y_true": ["1 2 1", "1"]}), tmp_path / "ctc.parquet")
    result = cli("compute", tmp_path / "ctc.parquet", "--loss", "ctc", "--reduction", "none", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert f"1,{shown}" in result.stdout.replace('"row": 1, "ctc": ', "1,")
    assert result.stderr == f"note: ctc: 1 per-row value is infinite or undefined (the first at row 1), written as {'inf or nan' if fmt == 'csv' else 'null'}\n"
    # Beside a summary the note is in the JSON document too.
    summary = cli("compute", tmp_path / "ctc.parquet", "--loss", "ctc", "--per-row", tmp_path / "rows.jsonl", "-f", "json")
    assert "ctc: 1 per-row value is infinite or undefined (the first at row 1), written as null" in json.loads(summary.stdout)["notes"]


def test_per_row_with_by_adds_the_group_column(cli, data, tmp_path):
    path, y_true, y_pred = data
    target = tmp_path / "rows.jsonl"
    assert cli("compute", path, "--loss", "mse", "--by", "fold", "--per-row", target, "-f", "json").exit_code == 0
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["fold"] for r in records] == list(np.arange(N) % 2)


def test_reduction_none_with_output_writes_rows_to_that_file(cli, data, tmp_path):
    path, y_true, y_pred = data
    target = tmp_path / "rows.parquet"
    result = cli("compute", path, "--loss", "mse", "--reduction", "none", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    np.testing.assert_allclose(pq.read_table(target)["mse"].to_numpy(), (y_true - y_pred) ** 2, rtol=1e-12)


@pytest.mark.parametrize("name", ["rows.feather", "rows.arrow"])
def test_per_row_writes_feather_that_losscli_reads_back(cli, data, tmp_path, small_batches, name):
    path, y_true, y_pred = data
    target = tmp_path / name
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--by", "fold", "--per-row", target)
    assert result.exit_code == 0, result.stderr
    import pyarrow.feather as feather

    table = feather.read_table(target)  # many batches (small_batches), one file
    assert table.column_names == ["row", "fold", "mse", "mae"]
    assert table["row"].to_pylist() == list(range(1, N + 1))
    # By hand, row by row.
    np.testing.assert_allclose(table["mse"].to_numpy(), (y_true - y_pred) ** 2, rtol=1e-12)
    np.testing.assert_allclose(table["mae"].to_numpy(), np.abs(y_true - y_pred), rtol=1e-12)
    # Read back as an input: the mean squared gap between the mae and row columns, by hand.
    again = cli("compute", target, "--loss", "mse", "--pred-col", "mae", "--label-col", "row", "-f", "json")
    assert again.exit_code == 0, again.stderr
    expected = np.mean((np.abs(y_true - y_pred) - np.arange(1, N + 1)) ** 2)
    assert json.loads(again.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ["rows.parquet", "rows.arrow"])
@pytest.mark.parametrize("later", [[7, 8], ["x", None]])
def test_per_row_group_without_values_in_the_first_file_takes_the_later_type(cli, tmp_path, name, later):
    # Reported: a dataset whose first file's --by column holds no value (pandas writes it
    # as Arrow's null type) failed with "a column changed type part way" in Parquet and Arrow.
    folder = tmp_path / "preds"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "fold": pa.nulls(2)}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": [3.0, 4.0], "y_pred": [4.0, 4.5], "fold": later}), folder / "b.parquet")
    target = tmp_path / name
    result = cli("compute", folder, "--loss", "mse", "--by", "fold", "--per-row", target, "-q")
    assert result.exit_code == 0, result.stderr
    import pyarrow.feather as feather

    table = pq.read_table(target) if name.endswith(".parquet") else feather.read_table(target)
    assert table.schema.field("fold").type == pa.array(later).type
    # by hand: squared residuals 0.5, 0, 1, 0.5
    first, second = str(folder / "a.parquet"), str(folder / "b.parquet")
    assert table.to_pylist() == [
        {"file": first, "row": 1, "fold": None, "mse": 0.25},
        {"file": first, "row": 2, "fold": None, "mse": 0.0},
        {"file": second, "row": 1, "fold": later[0], "mse": 1.0},
        {"file": second, "row": 2, "fold": later[1], "mse": 0.25},
    ]


def test_per_row_group_without_values_for_long_is_written_as_text(cli, tmp_path, monkeypatch):
    # The batches held until the column gets a type are bounded: past the
    # limit (2 rows here) the column is fixed as text, and later numbers are
    # written as their text.
    import losscli.per_row as per_row

    monkeypatch.setattr(per_row, "PENDING_MOST_ROWS", 2)
    folder = tmp_path / "preds"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "fold": pa.nulls(2)}), folder / "a.parquet")
    pq.write_table(pa.table({"y_true": [3.0, 4.0], "y_pred": [4.0, 4.5], "fold": [7, 8]}), folder / "b.parquet")
    target = tmp_path / "rows.parquet"
    result = cli("compute", folder, "--loss", "mse", "--by", "fold", "--per-row", target, "-q")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(target)
    assert table.schema.field("fold").type == pa.string()
    # by hand: squared residuals 0.5, 0, 1, 0.5
    first, second = str(folder / "a.parquet"), str(folder / "b.parquet")
    assert table.to_pylist() == [
        {"file": first, "row": 1, "fold": None, "mse": 0.25},
        {"file": first, "row": 2, "fold": None, "mse": 0.0},
        {"file": second, "row": 1, "fold": "7", "mse": 1.0},
        {"file": second, "row": 2, "fold": "8", "mse": 0.25},
    ]


def test_reduction_none_with_both_output_and_per_row_is_refused(cli, data, tmp_path):
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--reduction", "none", "-o", tmp_path / "a.json", "--per-row", tmp_path / "b.csv")
    assert_usage_error(result, "--reduction none", "not both")


def test_per_row_to_stdout_needs_the_summary_elsewhere(cli, data, tmp_path):
    path, y_true, y_pred = data
    assert_usage_error(cli("compute", path, "--loss", "mse", "--per-row", "-", "-f", "json"), "--per-row -", "--output")
    result = cli("compute", path, "--loss", "mse", "--per-row", "-", "-f", "json", "-o", tmp_path / "summary.json")
    assert result.exit_code == 0
    np.testing.assert_allclose([r["mse"] for r in json.loads(result.stdout)], (y_true - y_pred) ** 2, rtol=1e-12)
    assert json.loads((tmp_path / "summary.json").read_text())["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)


@pytest.mark.parametrize("spelling", ["./rows.csv", "sub/../rows.csv", "absolute", "link.csv"])
def test_per_row_and_output_spelled_differently_are_still_the_same_file(cli, data, tmp_path, monkeypatch, spelling):
    # Reported: --per-row ./rows.csv -o rows.csv exited 0, and the summary replaced the rows.
    path, *_ = data
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to("rows.csv")
    per_row = str(tmp_path / "rows.csv") if spelling == "absolute" else spelling
    assert_usage_error(cli("compute", path, "--loss", "mse", "--per-row", per_row, "-o", "rows.csv"), "--output and --per-row name the same file")
    assert not (tmp_path / "rows.csv").exists()


def test_per_row_refuses_an_unknown_file_type(cli, data, tmp_path):
    path, *_ = data
    assert_usage_error(cli("compute", path, "--loss", "mse", "--per-row", tmp_path / "rows.xlsx"), "rows.xlsx", "'.xlsx'", ".parquet")
    assert not (tmp_path / "rows.xlsx").exists()


def test_per_row_refuses_losses_without_per_row_values(cli, data):
    path, *_ = data
    result = cli("compute", path, "--loss", "wasserstein_distance", "--reduction", "none")
    assert_usage_error(result, "wasserstein_distance", "no per-row value")


def test_nothing_on_stdout_when_a_streamed_per_row_run_fails(cli, tmp_path, small_batches):
    cells = [str(float(i)) for i in range(300)]
    cells[280] = "oops"
    write_csv(tmp_path / "data.csv", {"y_true": np.arange(300.0), "y_pred": cells})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--reduction", "none")
    assert_usage_error(result, "row 281", "'oops'")
    assert _no_temp_files(tmp_path) and _no_temp_files(Path.cwd())


def test_failed_per_row_file_run_leaves_no_file(cli, tmp_path, small_batches):
    cells = [str(float(i)) for i in range(300)]
    cells[280] = "oops"
    write_csv(tmp_path / "data.csv", {"y_true": np.arange(300.0), "y_pred": cells})
    target = tmp_path / "rows.parquet"
    assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", "mse", "--per-row", target), "row 281")
    assert not target.exists() and _no_temp_files(tmp_path)


# ----------------------------------------------------------------------------- thresholds


def test_fail_above_exits_1_and_still_writes_results(cli, data):
    path, y_true, y_pred = data
    value = _mse(y_true, y_pred)
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "-f", "json", "--fail-above", f"mse={value / 2}")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(value, rel=1e-12)
    assert result.stderr.strip() == f"error: mse = {value:.6g} is above the threshold {value / 2:g}"


def test_fail_below_exits_1(cli, data):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "huber:delta=2", "--fail-below", "huber=100")
    assert result.exit_code == 1
    assert f"huber:delta=2 = {_huber(y_true, y_pred, 2.0):.6g} is below the threshold 100" in result.stderr


def test_thresholds_that_hold_exit_0(cli, data):
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--fail-above", "mse=1e9", "--fail-below", "mse=0", "-f", "json")
    assert result.exit_code == 0 and result.stderr == ""


def test_threshold_breach_with_output_writes_the_file(cli, data, tmp_path):
    path, *_ = data
    target = tmp_path / "report.json"
    result = cli("compute", path, "--loss", "mse", "-f", "json", "-o", target, "--fail-above", "mse=0")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["results"][0]["loss"] == "mse"


@pytest.mark.parametrize("threshold", ["0_5", "1_000"])
def test_a_threshold_with_an_underscore_is_not_a_number(cli, data, threshold):
    # Python's float() reads 0_5 as 5: a typo would loosen the gate tenfold.
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--fail-above", f"mse={threshold}", "-f", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"error: --fail-above mse={threshold}: '{threshold}' is not a number (write LOSS=VALUE with a number, e.g. --fail-above mse=0.5)"
    )


def test_null_value_breaches_a_threshold(cli, tmp_path):
    write_csv(tmp_path / "big.csv", {"y_true": [1e308], "y_pred": [-1e308]})
    result = cli("compute", tmp_path / "big.csv", "--loss", "mse", "--fail-above", "mse=1", "-f", "json")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: mse has no finite value; the --fail-above 1 gate fails"


@pytest.mark.parametrize(
    "gate",
    ["huber:delta=2=0.01", "huber:delta=2.0=0.01", "huber:delta = 2=0.01", "HUBER:delta=2=0.01", "huber_loss=0.01"],
)
def test_a_gate_names_a_loss_by_its_parameters_not_their_spelling(cli, data, gate):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "huber:delta=2", "--fail-above", gate)
    assert result.exit_code == 1, result.stderr
    # The value from the hand-written PyTorch HuberLoss formula (_huber).
    assert result.stderr.strip() == f"error: huber:delta=2 = {_huber(y_true, y_pred, 2.0):.6g} is above the threshold 0.01"


def test_a_gate_with_default_parameters_names_the_plain_loss(cli, data):
    path, y_true, y_pred = data
    result = cli("compute", path, "--loss", "huber", "--loss", "l2", "--fail-above", "huber:delta=1=0.01", "--fail-above", "l2=1e9")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == f"error: huber = {_huber(y_true, y_pred, 1.0):.6g} is above the threshold 0.01"


def test_a_gate_on_other_parameters_is_not_computed(cli, data):
    path, *_ = data
    result = cli("compute", path, "--loss", "huber:delta=2", "--loss", "huber", "--fail-above", "huber:delta=3=1")
    assert_usage_error(result, "--fail-above names 'huber:delta=3', which is not computed", "computed: huber:delta=2, huber")


@pytest.mark.parametrize("command", ["compute", "compare"])
def test_a_gate_on_a_misspelled_loss_suggests_the_computed_one(cli, data, command):
    path, *_ = data
    result = cli(command, path, "--loss", "mse", "--loss", "huber:delta=2", "--fail-above", "hubr=1")
    assert_usage_error(result, "--fail-above names 'hubr', which is not computed; did you mean 'huber'?", "computed: mse, huber:delta=2")
    # A real loss that was not asked for is not taken for a typo of another.
    result = cli(command, path, "--loss", "mse", "--fail-above", "mae=1")
    line = assert_usage_error(result, "--fail-above names 'mae', which is not computed")
    assert "did you mean" not in line


@pytest.mark.parametrize("order", [["mse=1e9", "mse=STRICT"], ["mse=STRICT", "mse=1e9"]], ids=["strict-last", "strict-first"])
def test_every_gate_on_a_loss_is_checked_not_only_the_last(cli, data, order):
    # A job's default gate plus a stricter one on the same loss: neither may replace the other.
    path, y_true, y_pred = data
    value = _mse(y_true, y_pred)
    gates = [item.replace("STRICT", repr(value / 2)) for item in order]
    result = cli("compute", path, "--loss", "mse", "--fail-above", gates[0], "--fail-above", gates[1])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == f"error: mse = {value:.6g} is above the threshold {value / 2:.6g}"


def test_a_gate_an_alias_and_the_name_of_one_loss_both_apply(cli, data):
    path, y_true, y_pred = data
    value = _mse(y_true, y_pred)
    result = cli("compute", path, "--loss", "mse", "--fail-below", f"l2={value * 2}", "--fail-below", "mse=0")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == f"error: mse = {value:.6g} is below the threshold {value * 2:.6g}"


@pytest.mark.parametrize(
    ("threshold", "line"),
    [
        # 0.8 ** 2 is 0.6400000000000001 in float64 (hand computation, Python's float):
        # just above 0.64, which six digits would show as 0.64 too.
        ("0.64", "error: mse = 0.6400000000000001 is above the threshold 0.64"),
        # A threshold of more than six digits is shown as written, not rounded onto the value.
        ("0.6399999", "error: mse = 0.64 is above the threshold 0.6399999"),
    ],
)
def test_a_breach_close_to_its_threshold_shows_the_digits_that_differ(cli, tmp_path, threshold, line):
    path = write_csv(tmp_path / "one.csv", {"y_true": [0.0], "y_pred": [0.8]})
    result = cli("compute", path, "--loss", "mse", "--fail-above", f"mse={threshold}")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip() == line


@pytest.mark.parametrize("option", ["--fail-above", "--fail-below"])
def test_a_value_equal_to_its_threshold_passes(cli, tmp_path, option):
    # mse of residuals 0.5 and -0.5 is exactly 0.25 (hand computation).
    path = write_csv(tmp_path / "quarter.csv", {"y_true": [0.0, 0.0], "y_pred": [0.5, -0.5]})
    result = cli("compute", path, "--loss", "mse", "-f", "json", option, "mse=0.25")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["results"][0]["value"] == 0.25


@pytest.mark.parametrize("option", ["--fail-above", "--fail-below"])
def test_threshold_on_a_loss_not_computed_is_a_usage_error(cli, data, option):
    path, *_ = data
    assert_usage_error(cli("compute", path, "--loss", "mse", option, "mae=1"), option, "'mae'", "not computed")


@pytest.mark.parametrize(
    ("gate", "line"),
    [
        # Both losses are computed: "names 'mse=0.5,mae', which is not computed" misled.
        ("mse=0.5,mae=0.3", "error: --fail-above takes one LOSS=VALUE, got 'mse=0.5,mae=0.3' (give each gate its own option: --fail-above mse=0.5 --fail-above mae=0.3)"),
        ("mse=0.5 mae=0.3", "error: --fail-above takes one LOSS=VALUE, got 'mse=0.5 mae=0.3' (give each gate its own option: --fail-above mse=0.5 --fail-above mae=0.3)"),
        # A parameter huber does not have: the registry's words, not "not computed".
        ("huber:beta=1=0.5", "error: --fail-above huber:beta=1=0.5: loss 'huber' has no parameter 'beta'; did you mean 'delta'? (parameters of huber: delta, convention)"),
    ],
)
def test_a_gate_that_can_name_no_loss_says_why(cli, data, gate, line):
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--loss", "mae", "--loss", "huber", "--fail-above", gate)
    assert assert_usage_error(result) == line


@pytest.mark.parametrize(
    ("gate", "line"),
    [
        # The hint used to repeat the same wrong form: "give each gate its own option: --fail-above mse==0.7".
        ("mse==0.7", "error: --fail-above takes one LOSS=VALUE, got 'mse==0.7' (one '=' goes between the loss and the value: --fail-above mse=0.7)"),
        ("mse=0,7", "error: --fail-above mse=0,7: '0,7' is not a number (the decimal point is '.': --fail-above mse=0.7)"),
        ("mse=0.7%", "error: --fail-above mse=0.7%: '0.7%' is not a number (a threshold is the loss's own value, without '%': --fail-above mse=0.7)"),
        ("huber:delta=2==0,7", "error: --fail-above huber:delta=2==0,7: '0,7' is not a number (one '=' goes between the loss and the value; the decimal point is '.': --fail-above huber:delta=2=0.7)"),
        # Nothing evident (1,000 may be a thousand): only the form; no loss before '=='.
        ("mse=1,000", "error: --fail-above mse=1,000: '1,000' is not a number (write LOSS=VALUE with a number, e.g. --fail-above mse=0.5)"),
        ("==0.7", "error: --fail-above takes one LOSS=VALUE, got '==0.7' (for example --fail-above mse=0.5)"),
    ],
)
def test_a_mistyped_gate_shows_the_form_meant(cli, data, gate, line):
    path, *_ = data
    result = cli("compute", path, "--loss", "mse", "--loss", "huber:delta=2", "--fail-above", gate)
    assert assert_usage_error(result) == line
    if line.endswith("0.7)"):
        # The form shown is accepted: a gate that runs and passes or fails, no usage error.
        fixed = line.rpartition("--fail-above ")[2].rstrip(")")
        assert cli("compute", path, "--loss", "mse", "--loss", "huber:delta=2", "--fail-above", fixed).exit_code in (0, 1)


def test_a_mistyped_gate_of_compare_shows_the_form_meant(cli, data, tmp_path):
    path, *_ = data
    baseline = tmp_path / "base.json"
    assert cli("compute", path, "--loss", "mse", "-o", baseline).exit_code == 0
    for gate, line in [
        (["--max-increase", "mse==5%"], "error: --max-increase takes one PCT or LOSS=PCT, got 'mse==5%' (one '=' goes between the loss and the value: --max-increase mse=5%)"),
        (["--max-increase", "mse=2,5%"], "error: --max-increase mse=2,5%: '2,5%' is not a percentage (the decimal point is '.': --max-increase mse=2.5%)"),
        (["--fail-below", "mse=0,7"], "error: --fail-below mse=0,7: '0,7' is not a number (the decimal point is '.': --fail-below mse=0.7)"),
    ]:
        result = cli("compare", path, "--loss", "mse", "--baseline", baseline, *gate)
        assert assert_usage_error(result) == line
        fixed = line.rpartition(f"{gate[0]} ")[2].rstrip(")")
        assert cli("compare", path, "--loss", "mse", "--baseline", baseline, gate[0], fixed).exit_code in (0, 1)


def test_several_max_increase_limits_in_one_option_say_how_to_write_them(cli, data, tmp_path):
    path, *_ = data
    baseline = tmp_path / "base.json"
    assert cli("compute", path, "--loss", "mse", "--loss", "mae", "-o", baseline).exit_code == 0
    result = cli("compare", path, "--loss", "mse", "--loss", "mae", "--baseline", baseline, "--max-increase", "mse=5,mae=3")
    assert assert_usage_error(result) == (
        "error: --max-increase takes one PCT or LOSS=PCT, got 'mse=5,mae=3' (give each gate its own option: --max-increase mse=5 --max-increase mae=3)"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        # An unset variable in a script: the report went to stdout and no file was written.
        (["--output", ""], "error: --output was given an empty file name (give a path, '-' for stdout, or leave the option out)"),
        (["--per-row", ""], "error: --per-row was given an empty file name (give a path, '-' for stdout, or leave the option out)"),
        # The labels were silently taken from the prediction file instead.
        (["--labels", ""], "error: --labels was given an empty file name (give a path, '-' for stdin, or leave the option out)"),
        (["--plot-file", " "], "error: --plot-file was given an empty file name (give a path, or leave the option out)"),
    ],
)
def test_an_empty_file_name_is_refused_not_read_as_no_option(cli, data, args, line):
    path, *_ = data
    assert assert_usage_error(cli("compute", path, "--loss", "mse", "--format", "json", *args)) == line
    assert assert_usage_error(cli("compute", "", "--loss", "mse")) == "error: a prediction file name is empty (give a path, or '-' for stdin)"


@pytest.mark.parametrize("command", ["compute", "compare"])
@pytest.mark.parametrize(
    "option", ["--by", "--weight-col", "--sample-col", "--key", "--pred-col", "--label-col"]
)
def test_an_empty_column_name_is_refused_not_read_as_no_option(cli, tmp_path, command, option):
    # An unset variable in a script: --by '' failed with an internal error
    # (IndexError), and --weight-col '' silently gave the unweighted mean.
    path = write_csv(tmp_path / "p.csv", {"id": [1, 2], "y_true": [0.0, 0.0], "y_pred": [1.0, 3.0], "w": [3.0, 1.0], "g": ["a", "b"]})
    line = assert_usage_error(cli(command, path, "--loss", "mse", "--format", "json", option, ""))
    assert line == f"error: {option} was given an empty column name (give a column name, or leave the option out)"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["compute", "DATA", "--loss", "mse", "--delimiter", ""], "error: --delimiter was given an empty value (give a value, or leave the option out)"),
        (["compute", "DATA", "--loss", "mse", "--input-format", ""], "error: --input-format was given an empty value (give a value, or leave the option out)"),
        (["compute", "DATA", "--loss", "mse", "--convention", ""], "error: --convention was given an empty value (give a value, or leave the option out)"),
        (["compare", "DATA", "--loss", "mse", "--task", ""], "error: --task was given an empty value (give a value, or leave the option out)"),
        (["recommend", "--data", "DATA", "--label-col", ""], "error: --label-col was given an empty column name (give a column name, or leave the option out)"),
        (["recommend", "--data", ""], "error: --data was given an empty file name (give a path, or leave the option out)"),
    ],
)
def test_an_empty_option_value_is_refused_not_read_as_no_option(cli, data, args, line):
    path, *_ = data
    assert assert_usage_error(cli(*[path if a == "DATA" else a for a in args])) == line


def test_one_column_name_in_a_predictions_and_a_labels_file_is_two_columns(cli, tmp_path):
    # Refusing one column for two inputs must not refuse a name both files use.
    write_csv(tmp_path / "p.csv", {"y": [1.5, 2.0]})
    write_csv(tmp_path / "t.csv", {"y": [1.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--label-col", "y", "--pred-col", "y", "--loss", "mse", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(0.125)  # ((1.5-1)^2 + 0) / 2 by hand


def test_a_file_with_an_empty_column_name_still_reads_with_by_left_out(cli, tmp_path):
    # pandas' unnamed index gives a header starting with ','; refusing --by '' must not refuse the file.
    path = tmp_path / "e.csv"
    path.write_text(",y_true,y_pred\na,0,1\nb,0,3\n")
    result = cli("compute", path, "--loss", "mae", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(2.0)  # (|1-0| + |3-0|) / 2 by hand


# ----------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["compute", "DATA", "--reduction", "foo", "--loss", "mse"],
         "error: Invalid value for '--reduction' / '-r': 'foo' is not one of 'mean', 'sum', 'none' (see 'losscli compute --help')"),
        (["compute", "DATA", "--lossx", "mse"], "error: No such option: --lossx (Possible options: --loss, --plot) (see 'losscli compute --help')"),
        (["compute", "--loss", "mse"], "error: Missing argument 'predictions' (see 'losscli compute --help')"),
        (["compute", "DATA", "--loss", "mse", "--eps", "abc"], "error: Invalid value for '--eps': 'abc' is not a valid float (see 'losscli compute --help')"),
        (["compute", "DATA", "--loss"], "error: Option '--loss' requires an argument (see 'losscli compute --help')"),
        (["compare", "DATA", "DATA", "--lossx"], "error: No such option: --lossx (Possible options: --loss, --plot) (see 'losscli compare --help')"),
        (["recommend", "--task"], "error: Option '--task' requires an argument (see 'losscli recommend --help')"),
        (["list", "--bogus"], "error: No such option: --bogus (see 'losscli list --help')"),
        (["info", "huber", "mse"], "error: Got unexpected extra argument(s) (mse) (see 'losscli info --help')"),
        (["plot", "curves", "mse", "--height", "2"], "error: Invalid value for '--height': 2 is not in the range 4<=x<=200 (see 'losscli plot curves --help')"),
        (["plot", "curves", "mse", "--title"], "error: Option '--title' requires an argument (see 'losscli plot curves --help')"),
        (["plot", "--bogus"], "error: No such option: --bogus (see 'losscli plot --help')"),
        (["plot", "bars"], "error: No such command 'bars' (see 'losscli plot --help')"),
        (["computer"], "error: No such command 'computer'. Did you mean 'compute', 'compare'? (see 'losscli --help')"),
        (["--bogus"], "error: No such option: --bogus (see 'losscli --help')"),
    ],
)
def test_usage_errors_are_one_error_line(cli, data, args, line):
    path, *_ = data
    result = cli(*[str(path) if arg == "DATA" else arg for arg in args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", line + "\n")


def test_a_glob_the_shell_expanded_is_explained(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ds").mkdir()
    for index in range(3):
        pq.write_table(pa.table({"y_true": [1.0], "y_pred": [2.0]}), tmp_path / "ds" / f"part-{index}.parquet")
    result = cli("compute", "ds/part-0.parquet", "ds/part-1.parquet", "ds/part-2.parquet", "--loss", "mse")
    assert_usage_error(result)
    assert result.stderr == (
        "error: Got unexpected extra argument(s) (ds/part-1.parquet ds/part-2.parquet) (quote a glob pattern, e.g. 'ds/*.parquet', "
        "so that losscli reads the files as one dataset; 'losscli compare' takes one file per model; see 'losscli compute --help')\n"
    )
    result = cli("recommend", "--data", "ds/part-0.parquet", "ds/part-1.parquet")
    assert result.stderr == (
        "error: Got unexpected extra argument(s) (ds/part-1.parquet) (quote a glob pattern, e.g. 'ds/*.parquet', "
        "so that losscli reads the files as one dataset; see 'losscli recommend --help')\n"
    )
    # Quoted, the pattern reads the three files as one dataset: mse = (1 - 2)^2 = 1 (by hand).
    result = cli("compute", "ds/*.parquet", "--loss", "mse", "-f", "json")
    assert json.loads(result.stdout)["results"][0]["value"] == 1.0


def test_a_file_named_like_an_option_is_explained(cli, tmp_path, monkeypatch):
    # -preds.csv is read as -p reds.csv (--pred-col), so the file argument goes missing.
    monkeypatch.chdir(tmp_path)
    # mse by hand: ((1.5 - 1)^2 + (1 - 2)^2) / 2 = 0.625
    write_csv(tmp_path / "-preds.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0]})
    write_csv(tmp_path / "-b.csv", {"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0]})
    for args in (["compute", "-preds.csv", "--loss", "mse"], ["compute", "--loss", "mse", "-preds.csv"]):
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            2,
            "",
            "error: Missing argument 'predictions' (-preds.csv names a file but was read as an option: "
            "write ./-preds.csv, or -- -preds.csv after the last option; see 'losscli compute --help')\n",
        )
    result = cli("compare", "-preds.csv", "-b.csv", "--loss", "mse")
    assert_usage_error(result, "-preds.csv -b.csv name files but were read as options: write ./-preds.csv ./-b.csv, or -- -preds.csv -b.csv after the last option")
    # Both suggested forms read the file.
    for args in (["compute", "./-preds.csv", "--loss", "mse", "-f", "json"], ["compute", "--loss", "mse", "-f", "json", "--", "-preds.csv"]):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["results"][0]["value"] == 0.625
    result = cli("compare", "--loss", "mse", "-f", "json", "--", "-preds.csv", "-b.csv")
    assert result.exit_code == 0, result.stderr
    assert [r["value"] for r in json.loads(result.stdout)["results"]] == [0.625, 0.0]
    # An option's value that starts with '-' is no misread file, nor is a word that names none.
    assert_usage_error(cli("compute", "--labels", "-preds.csv", "--loss", "mse"), "Missing argument 'predictions' (see 'losscli compute --help')")
    assert_usage_error(cli("compute", "-pother.csv", "--loss", "mse"), "Missing argument 'predictions' (see 'losscli compute --help')")


@pytest.mark.parametrize("args", [[], ["compute"], ["compare"], ["info"], ["plot"], ["plot", "curves"]])
def test_a_command_without_arguments_still_shows_its_help(cli, args):
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Usage: {' '.join(['losscli', *args])} [OPTIONS]")


@pytest.mark.parametrize("args", [["--help"], ["compute", "--help"], ["plot", "curves", "-h"]])
def test_help_is_unchanged(cli, args):
    result = cli(*args)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: losscli")


def test_python_dash_m_reports_usage_errors_on_one_line(data):
    path, *_ = data
    run = subprocess.run([sys.executable, "-m", "losscli", "compute", str(path), "--reduction", "foo", "--loss", "mse"], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == "error: Invalid value for '--reduction' / '-r': 'foo' is not one of 'mean', 'sum', 'none' (see 'losscli compute --help')\n"


# ----------------------------------------------------------------------------- a reader that goes away

PIPE_ROWS = 50_000  # per-row JSON of about 1.5 MB, a summary of about 7 MB: far more than a pipe holds


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    path = tmp_path_factory.mktemp("pipe") / "many.csv"
    columns = np.column_stack([rng.normal(size=PIPE_ROWS), rng.normal(size=PIPE_ROWS), np.arange(PIPE_ROWS)])
    np.savetxt(path, columns, delimiter=",", header="y_true,y_pred,id", comments="", fmt=["%.6f", "%.6f", "%d"])
    return path


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "arguments, start",
    [(["--reduction", "none", "-f", "json"], b'[\n {"row":'), (["--by", "id", "-f", "json"], b'{\n  "schem')],
    ids=["per-row", "summary"],
)
def test_a_reader_that_stops_early_ends_the_run_quietly(many_rows, arguments, start, unbuffered):
    """`losscli ... | head -c 10`: exit 0 and nothing on stderr, like any filter."""
    env = {key: value for key, value in os.environ.items() if key not in ("LOSSCLI_DEBUG", "PYTHONUNBUFFERED")}
    env["PYTHONUNBUFFERED"] = unbuffered
    command = [sys.executable, "-m", "losscli", "compute", str(many_rows), "--loss", "mae", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        head = process.stdout.read(10)
        process.stdout.close()
        err = process.stderr.read().decode("utf-8", "replace")
        code = process.wait(timeout=120)
    finally:
        process.kill()
    assert head == start
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    "arguments",
    [["--per-row", "-", "-o", "REPORT", "-f", "json"], ["--by", "id", "-f", "json"]],
    ids=["per-row-and-report", "summary"],
)
def test_a_reader_that_stops_early_does_not_hide_a_failed_gate(many_rows, tmp_path, arguments):
    """`losscli ... --fail-above mse=0.1 | head`: the gate still fails the run, and a
    report file asked for with -o is still written."""
    report = tmp_path / "report.json"
    arguments = [str(report) if a == "REPORT" else a for a in arguments]
    env = {key: value for key, value in os.environ.items() if key not in ("LOSSCLI_DEBUG", "PYTHONUNBUFFERED")}
    command = [sys.executable, "-m", "losscli", "compute", str(many_rows), "--loss", "mse", "--fail-above", "mse=0.1", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        process.stdout.read(10)
        process.stdout.close()
        err = process.stderr.read().decode("utf-8", "replace")
        code = process.wait(timeout=120)
    finally:
        process.kill()
    # Two N(0, 1) columns: mse about 2, far above 0.1.
    assert code == 1, err
    assert "is above the threshold 0.1" in err and "Broken pipe" not in err
    if "-o" in arguments:
        assert json.loads(report.read_text())["results"][0]["value"] > 1.0


# ----------------------------------------------------------------------------- entry points


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"losscli {losscli.__version__}"


def test_python_dash_m_runs_the_same_command_line(data):
    path, y_true, y_pred = data
    run = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(path), "--loss", "mse", "-f", "json"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    version = subprocess.run([sys.executable, "-m", "losscli", "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"losscli {losscli.__version__}"


def test_python_dash_m_reports_bad_input_on_one_line(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(tmp_path / "missing.csv"), "--loss", "mse"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [f"error: {tmp_path / 'missing.csv'}: file not found (check the path)"]


def test_debug_variable_shows_the_traceback(tmp_path):
    env = dict(os.environ, LOSSCLI_DEBUG="1")
    run = subprocess.run(
        [sys.executable, "-m", "losscli", "compute", str(tmp_path / "missing.csv"), "--loss", "mse"], capture_output=True, text=True, timeout=60, env=env
    )
    assert run.returncode != 0 and "Traceback" in run.stderr and "LossCliError" in run.stderr


def test_help_does_not_load_the_data_libraries():
    code = (
        "import sys\n"
        "sys.argv = ['losscli', 'compute', '--help']\n"
        "from losscli.cli import main\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pyarrow', 'pandas', 'numpy') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_numeric_columns_are_read_without_loading_pyarrow_compute(tmp_path, fmt):
    # pyarrow.compute takes about 20 ms to import, a sixth of the start-up of
    # a small run; only text, joins and errors need it.
    path = tmp_path / f"p.{fmt}"
    if fmt == "csv":
        path.write_text("y_true,y_pred\n1,1.5\n2,2.5\n")
    else:
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"y_true": [1.0, 2.0], "y_pred": [1.5, 2.5]}), path)
    code = (
        "import sys\n"
        f"sys.argv = ['losscli', 'compute', {str(path)!r}, '--loss', 'mse', '--loss', 'mae', '--format', 'json']\n"
        "from losscli.cli import main\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "print('pyarrow.compute' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "False", run.stderr


@pytest.mark.parametrize("option", ["--fail-above", "--fail-below"])
@pytest.mark.parametrize("threshold", ["nan", "inf", "-inf"])
def test_a_gate_that_could_never_fail_is_refused(cli, data, option, threshold):
    # A gate at nan never fails: a templated "${THRESH}" that rendered as nan must not pass silently.
    path, _, _ = data
    result = cli("compute", path, "--loss", "mse", option, f"mse={threshold}")
    assert_usage_error(result, f"{option} mse={threshold}: the threshold must be a finite number")


@pytest.mark.parametrize(("name", "starts"), [("r.json", "{"), ("r.csv", "loss,spec,value"), ("r.md", "| Loss |"), ("r.txt", "loss")])
def test_the_output_files_extension_sets_the_format(cli, data, tmp_path, name, starts):
    path, y_true, y_pred = data
    assert cli("compute", path, "--loss", "mse", "-o", tmp_path / name).exit_code == 0
    text = (tmp_path / name).read_text()
    assert text.lstrip().startswith(starts), text[:80]
    if name == "r.json":
        assert json.loads(text)["results"][0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)


def test_format_wins_over_the_output_files_extension(cli, data, tmp_path):
    path, *_ = data
    assert cli("compute", path, "--loss", "mse", "-f", "csv", "-o", tmp_path / "r.json").exit_code == 0
    assert (tmp_path / "r.json").read_text().startswith("loss,spec,value")


def test_many_groups_over_many_batches_equal_pandas_groupby_in_every_format(cli, tmp_path, small_batches):
    import pandas as pd

    rng = np.random.default_rng(17)
    n = 2_000
    groups = rng.integers(0, 600, n)
    y, p = rng.normal(size=n), rng.normal(size=n)
    pq.write_table(pa.table({"y_true": y, "y_pred": p, "g": groups}), tmp_path / "data.parquet")
    # pandas groupby: mean squared error and rows per group, sorted by group
    expected = pd.DataFrame({"g": groups, "e": (p - y) ** 2}).groupby("g")["e"].agg(["mean", "size"])

    result = cli("compute", tmp_path / "data.parquet", "--loss", "mse", "--by", "g", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["results"][1:]
    assert [r["group"] for r in rows] == [{"g": int(k)} for k in expected.index]
    assert [r["n"] for r in rows] == expected["size"].tolist()
    np.testing.assert_allclose([r["value"] for r in rows], expected["mean"].to_numpy(), rtol=1e-12)

    table = cli("compute", tmp_path / "data.parquet", "--loss", "mse", "--by", "g", "-f", "csv")
    assert table.exit_code == 0, table.stderr
    written = list(csv.DictReader(io.StringIO(table.stdout)))[1:]
    assert [(int(r["g"]), float(r["value"]), int(r["n"])) for r in written] == [(r["group"]["g"], r["value"], r["n"]) for r in rows]


def test_json_results_are_written_as_the_indenting_encoder_writes_them():
    from losscli.evaluation import Report
    from losscli.render import json_document

    loss = parse_spec("huber:delta=2")
    triplet = parse_spec("triplet:p=inf") if "triplet" in losscli.available() else loss
    groups = ["a \"quoted\" 100% é\u2603", 7, -0.25, True, None, "x\ty", 12345678901234567890]
    results = [Result(loss, 0.5, 10, "mean", "m.csv")]
    results += [Result(loss, 0.1 * i, i, "mean", "m.csv", group={"g": g}) for i, g in enumerate(groups)]
    results += [Result(loss, None, 0, "mean", "m.csv", group={"g": "empty"}, warning="huber: no rows; reported as null")]
    results += [Result(triplet, 1e-300, 3, "sum", "m.csv", group={"g": 1.5})]
    report = Report(predictions=["m.csv"], labels=None, rows=10, results=results, notes=["a note"])
    document = {
        "schema": 1,
        "tool": {"name": "losscli", "version": losscli.__version__},
        "inputs": report.inputs(),
        "results": [r.as_dict() for r in results],
        "notes": ["a note"],
    }
    # json.dumps with indent=2 (the standard library's own encoder) is the reference.
    assert json_document(report) == json.dumps(document, indent=2, allow_nan=False) + "\n"


@pytest.mark.parametrize("losses", [["mse"], ["mse", "mae"]])
def test_by_over_a_dataset_with_an_all_null_group_file_beside_numbers(cli, tmp_path, small_batches, losses):
    """pandas writes a column that is None in every row of one part as Arrow's
    null type: its batches' missing group is text beside the other file's
    numbers, which no sort orders together."""
    folder = tmp_path / "ds"
    folder.mkdir()
    y = np.arange(40.0)
    p = y + np.repeat([1.0, 2.0, 3.0, 4.0], 10)
    fold = np.repeat([0, 1], 10)
    pq.write_table(pa.table({"y_true": y[:20], "y_pred": p[:20], "fold": fold}), folder / "a.parquet", row_group_size=5)
    pq.write_table(pa.table({"y_true": y[20:], "y_pred": p[20:], "fold": pa.nulls(20)}), folder / "b.parquet", row_group_size=5)
    args = [a for loss in losses for a in ("--loss", loss)]
    result = cli("compute", folder, *args, "--by", "fold", "-f", "json")
    assert result.exit_code == 0, result.stderr
    mse = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"] if r["loss"] == "mse"]
    # By hand: errors of 1, 2 in fold 0, 1; 3 and 4 in the null file's rows,
    # missing, as an integer fold with a gap is: null, listed first.
    assert mse == [(None, 7.5, 40), ({"fold": None}, 12.5, 20), ({"fold": 0}, 1.0, 10), ({"fold": 1}, 4.0, 10)]


def _write_part(path, table):
    if path.suffix == ".arrow":
        feather.write_feather(table, path)
    else:
        pq.write_table(table, path)


@pytest.mark.parametrize("suffix", [".parquet", ".arrow"])
@pytest.mark.parametrize("null_first", [True, False], ids=["null-file-first", "null-file-last"])
@pytest.mark.parametrize(
    "values, groups",
    [
        # The typed file's errors are 1, 2 (its missing row) and 3; groups in report order.
        (pa.array(["a", None, "b"]), [("a", 1.0), ("b", 3.0)]),
        (pa.array([7, None, 8]), [(7, 1.0), (8, 3.0)]),
        (pa.array([True, None, False]), [(False, 3.0), (True, 1.0)]),
        (pa.array(["2024-01-01", None, "2024-01-02"]).cast(pa.date32()), [("2024-01-01", 1.0), ("2024-01-02", 3.0)]),
    ],
    ids=["text", "int", "bool", "date"],
)
def test_a_file_of_no_group_values_joins_the_missing_group_of_any_type(cli, tmp_path, suffix, null_first, values, groups):
    # pandas writes a part whose group column is None in every row as Arrow's null type.
    folder = tmp_path / "ds"
    folder.mkdir()
    typed = pa.table({"y_true": [0.0, 0.0, 0.0], "y_pred": [1.0, 2.0, 3.0], "g": values})
    nulls = pa.table({"y_true": [0.0, 0.0], "y_pred": [4.0, 5.0], "g": pa.nulls(2)})
    first, second = (nulls, typed) if null_first else (typed, nulls)
    _write_part(folder / f"a{suffix}", first)
    _write_part(folder / f"b{suffix}", second)
    result = cli("compute", folder, "--loss", "mae", "--by", "g", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"]]
    # By hand: overall (1 + 2 + 3 + 4 + 5) / 5 = 3; the one missing group
    # holds the typed file's 2 and the null file's 4 and 5: 11 / 3.
    expected = [(None, 3.0, 5), ({"g": None}, pytest.approx(11 / 3, rel=1e-15), 3)]
    assert got == expected + [({"g": shown}, value, 1) for shown, value in groups]
    table = cli("compute", folder, "--loss", "mae", "--by", "g").stdout
    assert [line.split()[1] for line in table.splitlines()[2:]] == ["(all)", "(missing)", *(json.dumps(shown).strip('"') for shown, _ in groups)]


# "(missing)" as a value was merged with the empty cells into one group shown as null.
@pytest.mark.parametrize("first", ["east", "(missing)"])
def test_a_missing_text_group_from_csv_is_null_in_json(cli, tmp_path, first):
    (tmp_path / "data.csv").write_text(f"y_true,y_pred,region\n0,1,{first}\n0,2,\n0,4,west\n")
    result = cli("compute", tmp_path / "data.csv", "--loss", "mae", "--by", "region", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"]) for r in json.loads(result.stdout)["results"]]
    # By hand: |0 - 1|, |0 - 2|, |0 - 4|; overall 7 / 3.
    assert got == [(None, pytest.approx(7 / 3, rel=1e-15)), ({"region": None}, 2.0), ({"region": first}, 1.0), ({"region": "west"}, 4.0)]


# Parquet text's missing group sorted after an empty text (its key sorted by code point).
def test_the_missing_group_comes_first_beside_an_empty_text_group(cli, tmp_path):
    g = pa.array(["b", "", None, "a", None])
    pq.write_table(pa.table({"y_true": np.zeros(5), "y_pred": [1.0, 2.0, 3.0, 4.0, 5.0], "g": g}), tmp_path / "data.parquet")
    result = cli("compute", tmp_path / "data.parquet", "--loss", "mae", "--by", "g", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"]]
    # By hand (mae = y_pred here): missing (3 + 5) / 2, "" 2, "a" 4, "b" 1; overall 15 / 5.
    assert got == [(None, 3.0, 5), ({"g": None}, 4.0, 2), ({"g": ""}, 2.0, 1), ({"g": "a"}, 4.0, 1), ({"g": "b"}, 1.0, 1)]


# A group written "(all)" or "(missing)", or empty text in Parquet, read in a
# table, Markdown or CSV as the overall row, the missing group or a blank cell.
@pytest.mark.parametrize("command", ["compute", "compare"])
def test_groups_that_read_as_the_overall_row_or_missing_are_quoted_in_tables(cli, tmp_path, command):
    g = pa.array(["(all)", "(missing)", None, "", "x"])
    pq.write_table(pa.table({"y_true": np.zeros(5), "y_pred": [1.0, 2.0, 3.0, 4.0, 5.0], "g": g}), tmp_path / "data.parquet")
    inputs = [tmp_path / "data.parquet"] * (2 if command == "compare" else 1)
    table = cli(command, *inputs, "--loss", "mae", "--by", "g", "-f", "table").stdout.splitlines()
    # Report order: missing first, then text by code point ("" < "(all)" < "(missing)" < "x").
    assert [line.split()[1] for line in table[2:8]] == ["(all)", "(missing)", '""', '"(all)"', '"(missing)"', "x"]
    markdown = cli(command, *inputs, "--loss", "mae", "--by", "g", "-f", "markdown").stdout.splitlines()
    assert [line.split(" | ")[1] for line in markdown[2:8]] == ["(all)", "(missing)", '""', '"(all)"', '"(missing)"', "x"]
    # CSV too: its overall row has an empty group field, the missing group (missing).
    lines = list(csv.reader(io.StringIO(cli(command, *inputs, "--loss", "mae", "--by", "g", "-f", "csv").stdout)))
    column, model = lines[0].index("g"), lines[0].index("model")
    first = [line for line in lines[1:] if line[model] == lines[1][model]]
    assert [line[column] for line in first] == ["", "(missing)", '""', '"(all)"', '"(missing)"', "x"]
    # JSON keeps every value as it is: mae of each one-row group is its y_pred (by hand).
    document = json.loads(cli(command, *inputs, "--loss", "mae", "--by", "g", "-f", "json").stdout)
    first_model = document["results"][0]["model"]
    got = [(r["group"], r["value"]) for r in document["results"] if r["model"] == first_model]
    assert got == [(None, 3.0), ({"g": None}, 3.0), ({"g": ""}, 4.0), ({"g": "(all)"}, 1.0), ({"g": "(missing)"}, 2.0), ({"g": "x"}, 5.0)]


# Group values come from the data: raw, an escape code would colour the plain
# text of a table written to a file, and a line break split its row in two.
@pytest.mark.parametrize("command", ["compute", "compare"])
def test_control_characters_in_groups_are_escaped_in_tables(cli, tmp_path, command):
    g = pa.array(["a\x1b[31mred", "line\nbreak", "café"])
    pq.write_table(pa.table({"y_true": np.zeros(3), "y_pred": [1.0, 2.0, 3.0], "g": g}), tmp_path / "data.parquet")
    inputs = [tmp_path / "data.parquet"] * (2 if command == "compare" else 1)
    table = cli(command, *inputs, "--loss", "mae", "--by", "g", "-f", "table").stdout
    assert "\x1b" not in table
    lines = table.splitlines()
    # Text by code point: "a\x1b..." < "café" < "line...".
    assert [line.split()[1] for line in lines[3:6]] == ["a\\x1b[31mred", "café", "line\\nbreak"]


# Model names come from file names and --by names from a file's header: the
# same holds for them, in headers, cells and the lines under a table.
def test_control_characters_in_model_and_by_names_are_escaped_in_tables(cli, tmp_path):
    table = pa.table({"y_true": np.zeros(2), "y_pred": [1.0, 2.0], "by\nname\x1b[1m": ["a", "b"]})
    pq.write_table(table, tmp_path / "one.parquet")
    # "\x1bc" resets a terminal; a "[" would make the name a glob.
    pq.write_table(table.set_column(1, "y_pred", pa.array([1.0, 3.0])), tmp_path / "two\nlines\x1bc.parquet")
    files = [tmp_path / "one.parquet", tmp_path / "two\nlines\x1bc.parquet"]
    for command, inputs in (("compute", files[:1]), ("compare", files)):
        result = cli(command, *inputs, "--loss", "mae", "--by", "by\nname\x1b[1m", "-f", "table")
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout, result.stdout
        assert "by\\nname\\x1b[1m" in result.stdout.splitlines()[0], result.stdout  # the header on one line
    header = result.stdout.splitlines()[0].split()
    assert header == ["loss", "by\\nname\\x1b[1m", "one", "two\\nlines\\x1bc"], result.stdout
    # mae by hand: one 1.5, two 2.0; one is best, and every line under the table stays one line.
    assert "best overall: one (mean rank 1.00)" in result.stdout
    # Six models on 40 columns: one row per model, and the model cells are escaped too.
    code, text = run_in_terminal("compare", *files, *[files[1]] * 4, "--loss", "mae", "--by", "by\nname\x1b[1m", columns=40)
    assert code == 0 and "\x1b" not in text, text
    assert any(line.split()[-2:] == ["model", "value"] for line in text.splitlines()[:3]) and "two\\nline" in text, text


def test_a_note_under_a_table_shows_a_group_value_as_written_not_as_markup(cli, tmp_path):
    # A group value with rich's markup brackets: the table showed it, the note under it lost "[red]" and "[/red]".
    path = tmp_path / "markup.csv"
    path.write_text("y_true,y_pred,g\n1e300,-1e300,[red]big[/red]\n1,2,x\n")
    result = cli("compute", path, "--loss", "mse", "--by", "g")
    assert result.exit_code == 0, result.stderr
    assert "note: g=[red]big[/red]: mse: the value is infinite" in result.stdout, result.stdout


def test_by_integer_ids_beyond_float_precision_with_a_missing_one(cli, tmp_path, small_batches):
    # Hashed user ids fill int64; with one missing, a cast to float64 failed (and would merge 2**60 and 2**60 + 1).
    big = 2**60
    ids = pa.array([big, big + 1, None, big, 7], pa.int64())
    pq.write_table(pa.table({"y_true": [0.0] * 5, "y_pred": [1.0, 2.0, 3.0, 4.0, 5.0], "id": ids}), tmp_path / "ids.parquet", row_group_size=2)
    result = cli("compute", tmp_path / "ids.parquet", "--loss", "mae", "--by", "id", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"]]
    # By hand: rows 1 and 4 are id 2**60, (1 + 4) / 2; the missing id sorts first, as -inf.
    assert got == [(None, 3.0, 5), ({"id": None}, 3.0, 1), ({"id": 7}, 5.0, 1), ({"id": big}, 2.5, 2), ({"id": big + 1}, 2.0, 1)]
    per_row = cli("compute", tmp_path / "ids.parquet", "--loss", "mae", "--by", "id", "--reduction", "none")
    assert per_row.exit_code == 0, per_row.stderr
    assert per_row.stdout.splitlines()[1:] == [f"1,{big},1", f"2,{big + 1},2", "3,,3", f"4,{big},4", "5,7,5"]


def _ndjson(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_by_ndjson_ids_beyond_int64_stay_apart(cli, tmp_path):
    # uint64 hashes above 2**63: Arrow infers float64 for them, which merged all three into one group.
    big = 2**63
    ids = [big + 1, big + 3, None, big + 1, 7]
    path = _ndjson(tmp_path / "ids.jsonl", [{"id": i, "y_true": 0.0, "y_pred": p} for i, p in zip(ids, [1.0, 2.0, 3.0, 4.0, 5.0])])
    result = cli("compute", path, "--loss", "mae", "--by", "id", "-f", "json")
    assert result.exit_code == 0, result.stderr
    got = [(r["group"], r["value"], r["n"]) for r in json.loads(result.stdout)["results"]]
    # By hand: rows 1 and 4 are id 2**63 + 1, (1 + 4) / 2; the missing id sorts first.
    assert got == [(None, 3.0, 5), ({"id": None}, 3.0, 1), ({"id": 7}, 5.0, 1), ({"id": big + 1}, 2.5, 2), ({"id": big + 3}, 2.0, 1)]


def test_key_ndjson_ids_beyond_int64_join_a_parquet_uint64_key(cli, tmp_path):
    # As float64 the three ids were one, refused as a duplicate key.
    ids = [2**63 + 1, 2**63 + 2, 2**64 - 1]
    preds = _ndjson(tmp_path / "preds.ndjson", [{"id": i, "y_pred": p} for i, p in zip(ids, [1.0, 2.0, 4.0])])
    pq.write_table(pa.table({"id": pa.array(ids[::-1], pa.uint64()), "y_true": [0.0, 0.0, 1.0]}), tmp_path / "labels.parquet")
    for labels in (tmp_path / "labels.parquet", _ndjson(tmp_path / "labels.ndjson", [{"id": ids[2], "y_true": 0.0}, {"id": ids[1], "y_true": 0.0}, {"id": ids[0], "y_true": 1.0}])):
        result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", "mae", "-f", "json")
        assert result.exit_code == 0, result.stderr
        # By hand: |1 - 1|, |2 - 0|, |4 - 0|; mean 2.
        assert [(r["value"], r["n"]) for r in json.loads(result.stdout)["results"]] == [(2.0, 3)]


def test_an_overflowing_weighted_sum_is_null_with_a_note_and_no_numpy_warning(cli, tmp_path):
    write_csv(tmp_path / "w.csv", {"y_true": [1.0, 1.0], "y_pred": [2.0, 3.0], "w": [1e308, 1e308]})
    result = cli("compute", tmp_path / "w.csv", "--loss", "mae", "--weight-col", "w", "-f", "json")
    assert result.exit_code == 0
    result_of_mae = json.loads(result.stdout)["results"][0]
    assert result_of_mae["value"] is None  # sum(w) overflows: inf / inf
    assert result_of_mae["warning"] == "mae: the value is not a number; reported as null"
    assert result.stderr == ""  # no numpy RuntimeWarning


def test_running_out_of_memory_is_one_error_line(cli, data, monkeypatch):
    import losscli.evaluation

    def exhausted(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(losscli.evaluation, "_evaluate_file", exhausted)
    path, *_ = data
    result = cli("compute", path, "--loss", "mse")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: out of memory; check that the columns read are the ones meant")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("by", ["value", "model", "n", "spec"])
def test_csv_group_column_named_like_a_report_column_gets_a_prefix(cli, tmp_path, by):
    write_csv(tmp_path / "g.csv", {"y_true": [1.0, 2.0], "y_pred": [2.0, 2.0], by: ["a", "b"]})
    lines = cli("compute", tmp_path / "g.csv", "--loss", "mse", "--by", by, "--format", "csv").stdout.splitlines()
    header = lines[0].split(",")
    assert header == ["loss", "spec", "value", "n", "reduction", "model", f"by_{by}", "warning"]
    # mse of group a = (2 - 1)^2 = 1, of group b = 0 (hand-worked)
    assert [dict(zip(header, line.split(",")))[f"by_{by}"] for line in lines[1:]] == ["", "a", "b"]


def test_per_row_group_column_does_not_take_the_name_of_row_or_a_loss(cli, tmp_path):
    write_csv(tmp_path / "g.csv", {"y_true": [1.0, 2.0], "y_pred": [2.0, 2.0], "row": ["a", "b"], "mse": ["x", "y"]})
    by_row = cli("compute", tmp_path / "g.csv", "--loss", "mse", "--by", "row", "--reduction", "none", "--format", "json")
    # The row numbers stay; the group values are beside them (mse per row: 1, 0).
    assert json.loads(by_row.stdout) == [{"row": 1, "by_row": "a", "mse": 1.0}, {"row": 2, "by_row": "b", "mse": 0.0}]
    by_mse = cli("compute", tmp_path / "g.csv", "--loss", "mse", "--by", "mse", "--reduction", "none", "--format", "csv")
    assert by_mse.stdout.splitlines()[0] == '"row","by_mse","mse"'


def test_per_sample_column_named_like_the_group_gets_a_prefix(cli, tmp_path):
    write_csv(tmp_path / "seg.csv", {"y_true": [1.0, 0.0, 1.0], "y_pred": [0.9, 0.2, 0.6], "img": ["a", "a", "b"]})
    result = cli("compute", tmp_path / "seg.csv", "--loss", "dice", "--sample-col", "img", "--by", "img", "--reduction", "none", "--format", "csv")
    assert result.stdout.splitlines()[0] == '"img","sample_img","dice"'


def test_an_option_that_takes_one_value_given_twice_is_refused(cli, tmp_path):
    # The parser kept the last value: compute --pred-col a --pred-col b scored b alone.
    path = write_csv(tmp_path / "models.csv", {"y_true": [1.0, 2.0, 3.0], "model_a": [1.1, 2.2, 2.9], "model_b": [0.8, 2.5, 3.3]})
    for args in (["--pred-col", "model_a", "--pred-col", "model_b"], ["-p", "model_a", "--pred-col=model_b"]):
        message = assert_usage_error(cli("compute", path, "--loss", "mse", *args), "--pred-col is given 2 times and takes one value", "see 'losscli compute --help'")
        assert "losscli compare FILE --pred-col A --pred-col B" in message
    assert_usage_error(cli("compute", path, "-p", "model_a", "--loss", "mse", "--by", "y_true", "--by=y_true"), "--by is given 2 times")
    assert_usage_error(cli("compare", path, "-p", "model_a", "--loss", "mse", "-f", "json", "-f", "csv"), "--format is given 2 times", "see 'losscli compare --help'")
    # Options meant to repeat, flags, and a value that looks like an option stay as they were.
    result = cli("compute", path, "-p", "model_a", "--loss", "mse", "--loss", "mae", "--quiet", "--quiet", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["loss"] for r in json.loads(result.stdout)["results"]] == ["mse", "mae"]
    assert cli("compare", path, "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "mse").exit_code == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_per_row_files_written_by_arrow_have_its_compute_functions_first(fmt, tmp_path):
    # Arrow registers its compute functions (cast, which these writers use) on the first
    # import of pyarrow.compute; that import on the reading thread, while the rows were
    # written, failed a write now and then: "No function registered with name: cast".
    probe = (
        "import sys\n"
        "from losscli.per_row import PerRowWriter\n"
        "from losscli.registry import parse_spec\n"
        f"PerRowWriter({str(tmp_path / ('rows.' + fmt))!r}, {fmt!r}, [parse_spec('mse')], None)\n"
        "print('pyarrow.compute' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.stdout.strip() == "True", done.stderr


def test_a_loss_asked_for_twice_gets_a_numbered_second_column(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("y_true,y_pred\n1,1.5\n2,2\n")
    result = cli("compute", path, "--loss", "mse", "--loss", "l2", "--loss", "mse:convention=keras", "--reduction", "none", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    # Only the repeat is numbered, as compare numbers a repeated model: the others keep their names.
    lines = result.stdout.splitlines()
    assert lines[0] == '"row","mse","mse#2","mse:convention=keras"'
    # by hand: (1.5 - 1)^2 = 0.25, 0 for the exact row
    assert lines[1:] == ["1,0.25,0.25,0.25", "2,0,0,0"]
