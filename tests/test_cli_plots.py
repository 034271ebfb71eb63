"""compute --plot / compare --plot and --plot-file: charts of the user's own results."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli.cli import app

runner = CliRunner()


def _run(*argv: str, env: dict | None = None):
    return runner.invoke(app, list(argv), env={"COLUMNS": "100", "NO_COLOR": "1", **(env or {})})


def test_compute_plot_lists_the_worst_rows_and_the_quantiles(tmp_path):
    path = tmp_path / "p.csv"
    y = np.zeros(50)
    p = np.full(50, 0.1)
    p[[6, 30]] = [5.0, 8.0]  # two outliers: rows 7 and 31 (1-based)
    path.write_text("y_true,y_pred\n" + "\n".join(f"{a},{b}" for a, b in zip(y, p)) + "\n")
    result = _run("compute", str(path), "--loss", "mse", "--plot")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Per-row mse: 50 rows" in out
    # squared errors: 64 and 25 dominate; 48 rows of 0.01 -> p50 = 0.01
    assert re.search(r"p50 0\.01\b", out)
    worst = out.split("worst")[1]
    assert worst.index(" 31 ") < worst.index(" 7 ")  # row 31 (64) before row 7 (25)
    share = (64 + 25) / (64 + 25 + 48 * 0.01)
    assert f"{100 * share:.1f}%" in out


def test_compute_plot_goes_to_stderr_when_stdout_is_json():
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--plot", "--format", "json")
    assert result.exit_code == 0
    json.loads(result.stdout)  # stdout stays one clean document
    assert "Per-row mse" in result.stderr


def test_compare_plot_shows_bars_and_baseline_deltas(tmp_path):
    base = tmp_path / "base.json"
    assert _run("compute", "sample_data/binary.csv", "--loss", "bce", "--format", "json", "--output", str(base)).exit_code == 0
    result = _run("compare", "sample_data/binary.csv", "sample_data/binary_b.csv", "--loss", "bce", "--baseline", str(base), "--plot")
    assert result.exit_code == 0, result.stderr
    assert "Loss per model" in result.stdout
    assert "binary_b" in result.stdout and "+76.1%" in result.stdout


def test_plot_file_writes_one_picture_per_loss(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "dist.svg"
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--loss", "mae", "--plot-file", str(target))
    assert result.exit_code == 0, result.stderr
    for name in ("mse", "mae"):
        svg = (tmp_path / f"dist-{name}.svg").read_text()
        assert f"Per-row {name}" in svg


def test_plot_file_is_checked_before_any_work(tmp_path):
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--plot-file", str(tmp_path / "chart.jpg"))
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and result.stdout == ""


def test_plot_needs_a_loss_with_per_row_values():
    result = _run("compute", "sample_data/segmentation.csv", "--loss", "dice", "--plot")
    assert result.exit_code == 2 and "per-row" in result.stderr
