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
    assert "give --sample-col to draw dice, iou or tversky per sample" in result.stderr


def _masks(tmp_path):
    # Two images of four pixels. Dice loss by hand, 1 - 2 sum(p y) / (sum p + sum y):
    # a: 1 - 2 * 1.5 / (2 + 2) = 0.25; b: 1 - 2 * 0.5 / (1 + 1) = 0.5.
    data = tmp_path / "masks.csv"
    data.write_text("image,fold,y_true,y_pred\na,x,1,1\na,x,1,0.5\na,x,0,0.5\na,x,0,0\nb,y,1,0.5\nb,y,0,0.5\nb,y,0,0\nb,y,0,0\n")
    return data


def test_per_sample_losses_are_drawn_one_value_per_sample(tmp_path):
    result = _run("compute", str(_masks(tmp_path)), "--loss", "dice", "--sample-col", "image", "--plot")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Per-sample dice: 2 samples" in out
    assert "mean 0.375 " in out  # (0.25 + 0.5) / 2, the value reported
    assert "worst 2 samples" in out and "b 0.5 a 0.25" in out
    assert "not the mean" not in out


def test_per_sample_charts_name_the_group_and_keep_the_per_row_ones(tmp_path):
    result = _run("compute", str(_masks(tmp_path)), "--loss", "dice", "--loss", "mse", "--sample-col", "image", "--by", "fold", "--plot")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Per-sample dice: 2 samples" in out and "y / b 0.5" in out and "x / a 0.25" in out
    assert "Per-row mse: 8 rows" in out


def test_a_pooled_convention_has_no_per_sample_values_to_draw(tmp_path):
    result = _run("compute", str(_masks(tmp_path)), "--loss", "dice:convention=keras", "--sample-col", "image", "--plot")
    assert result.exit_code == 2
    assert "none of these losses has per-row values" in result.stderr


# --------------------------------------------------------------------------- null results, names, widths


def _overflowing_csv(tmp_path):
    """mse overflows to inf on row 1 (1e200 squared); mae stays finite."""
    path = tmp_path / "ovf.csv"
    path.write_text("y_true,y_pred\n0,1e200\n0,3\n0,-2\n0,1\n")
    return path


def test_an_infinite_row_leads_the_worst_rows_and_no_share_is_claimed(tmp_path):
    result = _run("compute", str(_overflowing_csv(tmp_path)), "--loss", "mse", "--plot")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Per-row mse: 3 rows" in out  # the histogram holds the three finite rows
    assert "of the total" not in out  # the total is infinite: no share of it
    worst = out.split("worst 4 rows")[1]
    # rows by loss: 1 inf, 2 (3^2 = 9), 3 (2^2 = 4), 4 (1^2 = 1), by hand
    assert [line.split() for line in worst.splitlines()[3:7]] == [["1", "inf"], ["2", "9"], ["3", "4"], ["4", "1"]]
    assert "note: 1 row with no finite value left out of the histogram" in out


def test_a_loss_without_any_finite_row_is_a_note_not_an_error(tmp_path):
    pytest.importorskip("matplotlib")
    data = tmp_path / "ovf.csv"
    data.write_text("y_true,y_pred\n0,1e200\n0,-1e200\n")
    target = tmp_path / "chart.svg"
    result = _run("compute", str(data), "--loss", "mse", "--loss", "mae", "--plot-file", str(target), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["value"] for r in json.loads(result.stdout)["results"]] == [None, 1e200]  # mse overflows; mae = mean(1e200, 1e200)
    assert f"note: mse: no finite per-row value, so no chart; {tmp_path / 'chart-mse.svg'} was not written" in result.stderr
    assert f"note: wrote {tmp_path / 'chart-mae.svg'}" in result.stderr
    assert not (tmp_path / "chart-mse.svg").exists() and "Per-row mae: 2 rows" in (tmp_path / "chart-mae.svg").read_text()


def test_one_row_is_one_row(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("y_true,y_pred\n1,3\n")
    single = _run("compute", str(one), "--loss", "mse", "--plot")
    assert single.exit_code == 0, single.stderr
    assert "Per-row mse: 1 row\n" in single.stdout and "worst 1 row: 100.0% of the total mse" in single.stdout  # (3 - 1)^2 = 4, by hand


def test_the_charts_mean_is_the_reports_weighted_mean(tmp_path):
    data = tmp_path / "weighted.csv"
    data.write_text("y_true,y_pred,w\n0,1,1\n0,3,3\n")
    result = _run("compute", str(data), "--loss", "mse", "--weight-col", "w", "--plot", "--format", "json")
    assert result.exit_code == 0, result.stderr
    # (1*1 + 3*9) / (1 + 3) = 7 by hand, where the unweighted mean of 1 and 9 is 5
    assert json.loads(result.stdout)["results"][0]["value"] == 7
    assert "mean 7   p50" in result.stderr
    # the worst row carries 27 of the 28 weighted total
    assert "worst 2 rows: 100.0% of the total mse" in result.stderr
    assert "the mean weighs each row by --weight-col" in result.stderr


def test_a_value_that_is_not_the_mean_of_the_rows_drawn_says_so(tmp_path):
    data = tmp_path / "two.csv"
    data.write_text("y_true,y_pred\n0,1\n0,3\n")
    result = _run("compute", str(data), "--loss", "rmse", "--loss", "mse", "--plot")
    assert result.exit_code == 0, result.stderr
    rmse, mse = result.stdout.split("Per-row mse")
    # squared errors 1 and 9: their mean is 5 (mse), and rmse is its root, 2.236, by hand
    assert "mean 5   p50" in rmse and "rmse is 2.236, not the mean of the per-row values drawn" in " ".join(rmse.split())
    assert "not the mean" not in mse


def test_a_null_value_is_not_hidden_behind_the_finite_rows_summary(tmp_path):
    result = _run("compute", str(_overflowing_csv(tmp_path)), "--loss", "mse", "--plot")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "mse null" in out and "max inf" in out
    assert "mse is reported as null; the mean, quantiles and histogram here are of the rows with a finite value" in out


def test_plot_files_of_long_or_repeated_losses_get_distinct_names_that_fit(tmp_path):
    pytest.importorskip("matplotlib")
    data = tmp_path / "mc.csv"
    classes = 30
    rows = ["y_true," + ",".join(f"prob_{i}" for i in range(classes))]
    rows += [f"{k % classes}," + ",".join([f"{1 / classes:.12f}"] * classes) for k in range(40)]
    data.write_text("\n".join(rows) + "\n")
    weights = ";".join(["0.123456789"] * classes)  # a spec of 350 characters
    target = tmp_path / "w.png"
    result = _run("compute", str(data), "--loss", f"weighted_ce:weights={weights}", "--loss", "cce", "--loss", "cce", "--plot-file", str(target), "--normalize")
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("w-*.png"))
    assert len(written) == 3 and all(len(name.encode()) <= 100 for name in written), written
    assert "w-cce.png" in written and "w-cce-2.png" in written  # the second cce does not overwrite the first
    long_name = next(name for name in written if name.startswith("w-weighted_ce_weights_0.123456789_"))
    assert re.fullmatch(r"w-weighted_ce_weights_[0-9._]+-[0-9a-f]{8}\.png", long_name), long_name
    assert [line for line in result.stderr.splitlines() if line.startswith("note: wrote")] == [f"note: wrote {tmp_path / name}" for name in (long_name, "w-cce.png", "w-cce-2.png")]


def test_a_plot_file_per_loss_never_replaces_an_input(tmp_path):
    data = tmp_path / "chart-mse.svg"  # a CSV file under a picture's name
    data.write_text("y_true,y_pred\n0,1\n0,2\n")
    before = data.read_bytes()
    result = _run("compute", str(data), "--input-format", "csv", "--loss", "mse", "--loss", "mae", "--plot-file", str(tmp_path / "chart.svg"))
    from conftest import assert_usage_error

    assert_usage_error(result, f"--plot-file: '{data}' is an input file; refusing to overwrite it")
    assert data.read_bytes() == before


def test_a_terminal_narrower_than_a_chart_gets_the_narrowest_chart():
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--plot", env={"COLUMNS": "20"})
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and "Per-row mse: 200 rows" in result.stdout


def test_wide_model_names_keep_the_bars_aligned(tmp_path):
    result = _run(
        "compare", "sample_data/binary.csv", "sample_data/binary_b.csv", "--loss", "bce",
        "--model-name", "模型", "--model-name", "b", "--plot",
    )
    assert result.exit_code == 0, result.stderr
    from rich.cells import cell_len

    bars = [line for line in result.stdout.split("Loss per model")[1].splitlines() if "█" in line]
    assert len(bars) == 2
    # the bar starts in the same terminal column whatever the width of the name's characters
    starts = {cell_len(line[: line.index("█")]) for line in bars}
    assert starts == {2 + 4 + 1}, bars  # indent, the names padded to 4 columns (模型 takes four), a space


def test_wide_characters_in_a_picture_print_no_warnings(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "cmp.svg"
    result = _run("compare", "sample_data/binary.csv", "sample_data/binary_b.csv", "--loss", "bce", "--model-name", "模型", "--model-name", "b", "--plot-file", str(target))
    assert result.exit_code == 0
    assert result.stderr == f"note: wrote {target}\n"
    assert "模型" in target.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- pipes


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_SETPIPE_SZ"), reason="needs Linux pipe sizes")
def test_a_reader_that_goes_away_during_the_chart_keeps_the_gates_exit_code(tmp_path):
    """`losscli compute ... --plot --fail-above ... | head -1`: the chart's write fails, the gate still exits 1."""
    import fcntl
    import os
    import subprocess
    import sys
    from pathlib import Path

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    losses = ["mse", "mae", "huber", "log_cosh", "smooth_l1", "quantile", "mape", "rmse"]  # charts far beyond 2 x 4096 bytes
    argv = [sys.executable, "-m", "losscli", "compute", "sample_data/regression.csv", "--plot", "--fail-above", "mse=0.1"]
    for loss in losses:
        argv += ["--loss", loss]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "COLUMNS": "100"}
    process = subprocess.Popen(argv, cwd=root, env=env, stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    first = os.read(read_end, 4096)  # the table arrives first; the chart then fills the pipe and waits
    os.close(read_end)  # ... the reader goes away, as head does
    _, err = process.communicate(timeout=120)
    assert first.startswith(b"loss ")
    assert process.returncode == 1, err
    assert err.decode().splitlines() == ["error: mse = 0.643929 is above the threshold 0.1"]


# --------------------------------------------------------------------------- help, at a terminal and off it

COMMANDS = [[], ["compute"], ["compare"], ["recommend"], ["list"], ["info"], ["plot"], ["plot", "curves"]]


def _help(command: list[str], *, terminal: bool, columns: int = 40) -> tuple[int, str]:
    """``losscli COMMAND --help`` in a real process, its stdout a pseudo-terminal or a pipe."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": str(columns), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-m", "losscli", *command, "--help"]
    if not terminal:
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, cwd=root, env=env, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    text = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode("utf-8", "replace"))
    return process.wait(timeout=60), text


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "losscli")
def test_help_renders_at_40_columns(command, terminal):
    code, text = _help(command, terminal=terminal)
    assert code == 0, text
    assert "Usage:" in text and "Traceback" not in text and "error:" not in text
    assert "\\[" not in text  # an escape meant for rich, printed by plain help


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("command", [["compute"], ["compare"]], ids=lambda c: c[0])
def test_help_names_the_install_extras_in_both_help_styles(command, terminal):
    """Rich took '[plot]' for markup and showed "pip install 'losscli'" at a terminal."""
    code, text = _help(command, terminal=terminal, columns=120)
    assert code == 0, text
    flat = re.sub(r"[\s│]+", "", text)  # help wraps long lines, inside rich's panels on a terminal
    assert "Needs'losscli[plot]'." in flat and "(pipinstall'losscli[dask]')." in flat, flat


def test_compute_plot_with_rows_on_stdout_draws_on_stderr(tmp_path):
    # --reduction none writes the per-row CSV to stdout: the chart must not be appended to it.
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--reduction", "none", "--plot")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == '"row","mse"' and len(lines) == 201  # header + the 200 rows of sample_data/regression.csv
    assert all(re.fullmatch(r"\d+,[-+.eE\d]+", line) for line in lines[1:])
    assert "Per-row mse: 200 rows" in result.stderr


def test_plot_file_with_a_broken_matplotlib_fails_before_the_report(monkeypatch, tmp_path):
    # matplotlib imports, but a part of it does not (an extension built for another numpy).
    pytest.importorskip("matplotlib")
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import matplotlib.figure -> ImportError
    target = tmp_path / "dist.png"
    result = _run("compute", "sample_data/regression.csv", "--loss", "mse", "--plot-file", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""  # refused before any work, not after the report
    assert result.stderr.startswith("error: matplotlib is installed but does not load")
    assert "--force-reinstall" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists()


def test_plot_on_an_ascii_terminal_draws_in_ascii(monkeypatch):
    # A terminal under PYTHONIOENCODING=ascii keeps its encoding with errors="replace"
    # (see losscli.cli.encode_standard_streams): block characters would all print as "?".
    import io
    import sys

    from losscli import plots
    from losscli.cli.plotting import emit

    raw = io.BytesIO()
    terminal = io.TextIOWrapper(raw, encoding="ascii", errors="replace", write_through=True)
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("COLUMNS", "60")
    values = [0.5, 0.5, 0.5, 1.5, 3.5]
    chart = plots.distribution(values, loss="mse")
    emit([("mse", chart)], plot=True, files=[None], to_stdout=True, quiet=True)
    text = raw.getvalue().decode("ascii")
    assert "?" not in text
    counts, _ = np.histogram(values, bins=12)  # numpy.histogram: [3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    bars = re.findall(r"^\s*\S+ - \S+  (#*)\s+(\d+)", text, re.M)
    assert [int(count) for _, count in bars] == counts.tolist()
    assert all((len(bar) > 0) == (int(count) > 0) for bar, count in bars)
    comparison = plots.comparison([("mse", "a", 1.0, 2.0), ("mse", "b", 3.0, 2.0)])
    emit([("comparison", comparison)], plot=True, files=[None], to_stdout=True, quiet=True)
    assert "?" not in raw.getvalue().decode("ascii")
