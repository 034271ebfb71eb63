"""An interrupted or failed run leaves no partial output and no changed input.

Outputs are written to ``.losscli-*.tmp`` siblings and renamed into place
only when everything succeeded (SPEC section 5). These tests stop runs part
way, by a signal sent to a real ``python -m losscli`` process or by a bad
value late in the file, and check that afterwards:

* ``--output`` and ``--per-row`` files do not exist, or are byte for byte
  what they were before the run;
* no ``.losscli-*.tmp`` file is left behind;
* the input file's bytes are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_usage_error, write_csv

REPO = Path(__file__).resolve().parent.parent
PROCESS_SECONDS = 120  # a bound, not an expectation: runs take a few seconds

# The signal is sent once the first batch's per-row losses are on disk. The
# run reads the file in small pieces and batches (SLOW_READS), so a thousand
# more batches follow and the run is certainly still going, however fast the
# machine. A wide text column the losses never read keeps the per-row file small.
BIG_ROWS = 500_000
PADDING = "x" * 80
SLOW_READS = """
import losscli.io.readers as readers
readers.CSV_PARALLEL_BLOCK_BYTES = 1 << 16
readers.CSV_BLOCK_BYTES = 1 << 16
readers.BATCH_ROWS = 512
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")


# --------------------------------------------------------------------------- helpers


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(*folders: Path) -> list[str]:
    return [str(folder / name) for folder in folders for name in os.listdir(folder) if name.startswith(".losscli-")]


def big_csv(path: Path, rows: int) -> Path:
    """A regression file of ``rows`` rows (about 100 bytes each), repeating a random block (fast to write)."""
    rng = np.random.default_rng(7)
    y_true = rng.normal(size=10_000)
    y_pred = y_true + rng.normal(scale=0.5, size=10_000)
    block = "".join(f"{t:.4f},{p:.4f},{PADDING}\n" for t, p in zip(y_true, y_pred))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("y_true,y_pred,note\n")
        for _ in range(rows // 10_000):
            handle.write(block)
    return path


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    return big_csv(tmp_path_factory.mktemp("big") / "big.csv", BIG_ROWS)


def cli_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "LOSSCLI_DEBUG"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    return env


def start(arguments: list[str], cwd: Path, prelude: str | None = None) -> subprocess.Popen:
    """``python -m losscli ARGS``, or the same command line after running ``prelude``."""
    if prelude is None:
        command = [sys.executable, "-m", "losscli", *arguments]
    else:
        runner = prelude + "\nimport sys\nsys.argv = ['losscli'] + sys.argv[1:]\nfrom losscli.cli import main\nmain()\n"
        command = [sys.executable, "-c", runner, *arguments]
    return subprocess.Popen(command, cwd=cwd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_rows_on_disk(process: subprocess.Popen, folder: Path) -> None:
    """Block until the per-row temp file holds data: reading and computing are under way."""
    deadline = time.monotonic() + PROCESS_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the run ended (exit {process.returncode}) before it could be interrupted: {err!r}")
        for path in temp_files(folder):
            try:
                if os.path.getsize(path) > 0:
                    return
            except FileNotFoundError:
                continue
        time.sleep(0.01)
    process.kill()
    pytest.fail("no per-row data appeared in time")


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=PROCESS_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the run did not end within {PROCESS_SECONDS} s of the signal: {err!r}")
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def interrupted_run(big_input: Path, folder: Path, sig: int, existing: bool) -> tuple[int, str, str, Path, Path]:
    out_json, rows_csv = folder / "out.json", folder / "rows.csv"
    if existing:
        out_json.write_text("previous report\n")
        rows_csv.write_text("previous rows\n")
    process = start(
        ["compute", str(big_input), "--loss", "mse", "--output", str(out_json), "--per-row", str(rows_csv)],
        cwd=folder,
        prelude=SLOW_READS,
    )
    wait_for_rows_on_disk(process, folder)
    process.send_signal(sig)
    code, out, err = finish(process)
    return code, out, err, out_json, rows_csv


# --------------------------------------------------------------------------- (a) signals


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-targets", "existing-targets"])
@pytest.mark.parametrize(("stop", "code_expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_a_stopped_run_leaves_no_output_and_the_input_unchanged(big_input, tmp_path, existing, stop, code_expected):
    """Ctrl-C, and SIGTERM (how CI cancels a job and how ``timeout`` stops a
    command): the same clean-up, and the exit code of the signal, 128 + its
    number (130, 143)."""
    before = digest(big_input)
    code, out, err, out_json, rows_csv = interrupted_run(big_input, tmp_path, stop, existing)
    assert code == code_expected == 128 + stop, (code, err)
    assert err.splitlines() == ["error: interrupted; no output was written"], err
    assert out == ""
    if existing:
        assert out_json.read_text() == "previous report\n"
        assert rows_csv.read_text() == "previous rows\n"
    else:
        assert not out_json.exists() and not rows_csv.exists()
    assert temp_files(tmp_path, big_input.parent) == [], "a stopped run left its half-written temp file"
    assert digest(big_input) == before


# Sends a real SIGINT to the process at the moment pyarrow first imports
# pandas (it does so lazily, while the first batch is converted): a Ctrl-C
# landing in that half second. The marker tells the test it happened.
CTRL_C_DURING_PANDAS_IMPORT = """
import importlib.abc, os, signal, sys

class CtrlCOnPandasImport(importlib.abc.MetaPathFinder):
    fired = False

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" and not CtrlCOnPandasImport.fired:
            CtrlCOnPandasImport.fired = True
            os.write(2, b"[test: SIGINT sent during the pandas import]\\n")
            signal.raise_signal(signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlCOnPandasImport())
"""


def test_ctrl_c_while_the_first_batch_is_converted_is_not_lost(tmp_path):
    """One Ctrl-C must stop the run whenever it arrives, and keep the previous report."""
    pytest.importorskip("pandas")  # without pandas, pyarrow's lazy import is over in microseconds
    data = big_csv(tmp_path / "data.csv", 20_000)
    before = digest(data)
    out_json, rows_csv = tmp_path / "out.json", tmp_path / "rows.csv"
    out_json.write_text("previous report\n")
    arguments = ["compute", str(data), "--loss", "mse", "--output", str(out_json), "--per-row", str(rows_csv)]
    code, out, err = finish(start(arguments, cwd=tmp_path, prelude=CTRL_C_DURING_PANDAS_IMPORT))
    if "[test: SIGINT sent during the pandas import]" not in err:
        pytest.skip("pandas is never imported during a run: no window to test")
    assert out_json.read_text() == "previous report\n", f"the report was replaced after Ctrl-C (exit {code})"
    assert not rows_csv.exists()
    assert code == 130, (code, err)
    assert "error: interrupted; no output was written" in err.splitlines(), err
    assert temp_files(tmp_path) == []
    assert digest(data) == before


# The worst moment for a signal: just after the main thread took a lock that
# a worker thread needs next, as when the signal came while it waited for the
# lock, or then for the GIL, and is raised as the lock is taken. Queues,
# events, semaphores and futures all wait through ``Condition.__enter__``,
# wrapped here: once three batches were folded, the main thread's next entry
# raises SIGTERM right after taking the lock. The lock is never released, and
# a run that needs it again (a reader's clean-up, an executor's shutdown, the
# interpreter's exit) hangs. Where the main thread takes no such lock, the
# signal is sent between two batches instead. Either way the run must stop
# as on any SIGTERM. And no worker thread may still be at work as the
# interpreter tears down (atexit functions run just before): one inside
# pyarrow then aborts the process, whose exit code is no longer 143.
SIGTERM_RIGHT_AFTER_A_LOCK = """
import atexit, os, signal, threading
import losscli.progress as progress

def threads_left():
    left = sorted(t.name for t in threading.enumerate() if t.name.startswith("losscli-") and t.is_alive())
    os.write(2, f"[test: worker threads at the tear-down: {left}]\\n".encode())

atexit.register(threads_left)

MAIN = threading.get_ident()
state = {"batches": 0, "sent": False}

def send(moment):
    if not state["sent"]:
        state["sent"] = True
        os.write(2, f"[test: SIGTERM {moment}]\\n".encode())
        signal.raise_signal(signal.SIGTERM)

take = threading.Condition.__enter__

def take_then_signal(self):
    taken = take(self)
    # get_ident(), not current_thread(): a thread being started is not registered yet.
    if threading.get_ident() == MAIN and state["batches"] >= 3:
        send("right after the main thread took a lock")
    return taken

threading.Condition.__enter__ = take_then_signal

tracked = progress.track

def counted(batches, *args, **options):
    for batch in tracked(batches, *args, **options):
        yield batch
        state["batches"] += 1
        if state["batches"] == 6:
            send("between two batches")

progress.track = counted
"""

# Batches of 40,000 rows: above the size whose losses are folded on several threads.
BIG_BATCHES = """
import losscli.io.readers as readers
readers.CSV_PARALLEL_BLOCK_BYTES = 1 << 22
readers.CSV_BLOCK_BYTES = 1 << 22
readers.BATCH_ROWS = 40_000
"""


def _parquet_of(source: Path, path: Path) -> Path:
    """The first 200,000 rows of ``source`` in row groups of 10,000, each one deferred batch."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq.write_table(pacsv.read_csv(source).slice(0, 200_000), path, row_group_size=10_000)
    return path


@pytest.mark.parametrize(
    "how",
    ["read-ahead", "losses-on-threads", "batches-on-threads"],
)
def test_sigterm_right_after_the_main_thread_takes_a_lock_still_stops_the_run(big_input, tmp_path, how):
    """read-ahead: the reader thread hands batches over (the run of
    ``test_a_stopped_run_leaves_no_output_and_the_input_unchanged``);
    losses-on-threads: three losses of each batch on several threads;
    batches-on-threads: Parquet row groups decoded and folded on several threads."""
    data = big_input
    out_json, rows_csv = tmp_path / "out.json", tmp_path / "rows.csv"
    out_json.write_text("previous report\n")
    arguments = ["--output", str(out_json), "--per-row", str(rows_csv)]
    if how == "read-ahead":
        losses, reads = ["--loss", "mse"], SLOW_READS
    elif how == "losses-on-threads":
        losses, reads = ["--loss", "mse", "--loss", "mae", "--loss", "huber"], BIG_BATCHES
    else:
        data = _parquet_of(big_input, tmp_path / "data.parquet")
        # No per-row file: batches are folded side by side only without one.
        losses, reads, arguments = ["--loss", "mse", "--loss", "mae"], SLOW_READS, ["--output", str(out_json)]
    before = digest(data)
    process = start(["compute", str(data), *losses, *arguments], cwd=tmp_path, prelude=reads + SIGTERM_RIGHT_AFTER_A_LOCK)
    code, out, err = finish(process)
    assert "[test: SIGTERM " in err, err
    assert code == 143, (code, err)
    assert [line for line in err.splitlines() if not line.startswith("[test: ")] == ["error: interrupted; no output was written"], err
    assert "[test: worker threads at the tear-down: []]" in err
    assert out == ""
    assert out_json.read_text() == "previous report\n"
    assert not rows_csv.exists()
    assert temp_files(tmp_path, big_input.parent) == [], "a stopped run left its half-written temp file"
    assert digest(data) == before


# A signal just after a temp file was made, before its name was kept
# anywhere: without the name, nothing can remove it. ``TEMP_FILE`` picks
# which of the run's temp files (1: the first made).
SIGTERM_RIGHT_AFTER_A_TEMP_FILE = """
import os, signal, tempfile

made = tempfile.mkstemp
count = [0]

def mkstemp_then_signal(*args, **options):
    handle, name = made(*args, **options)
    if os.path.basename(name).startswith(".losscli-"):
        count[0] += 1
        if count[0] == TEMP_FILE:
            os.write(2, b"[test: SIGTERM right after a temp file was made]\\n")
            signal.raise_signal(signal.SIGTERM)
    return handle, name

tempfile.mkstemp = mkstemp_then_signal
"""


@pytest.mark.parametrize(
    ("command", "temp_file"),
    [("compute", 1), ("compute", 2), ("compare", 1)],
    ids=["per-row-file", "staged-report", "compare-report"],
)
def test_a_signal_right_after_a_temp_file_is_made_leaves_no_temp_file(tmp_path, command, temp_file):
    """compute makes the per-row file's temp file first, then the report's
    when the run is done; compare, the report's."""
    data = write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0, 2.0], "y_pred": [0.5, 1.0, 4.0]})
    out_json, rows_csv = tmp_path / "out.json", tmp_path / "rows.csv"
    out_json.write_text("previous report\n")
    rows_csv.write_text("previous rows\n")
    arguments = [command, str(data), "--loss", "mse", "--format", "json", "--output", str(out_json)]
    if command == "compute":
        arguments += ["--per-row", str(rows_csv)]
    prelude = f"TEMP_FILE = {temp_file}\n" + SIGTERM_RIGHT_AFTER_A_TEMP_FILE
    code, out, err = finish(start(arguments, cwd=tmp_path, prelude=prelude))
    assert "[test: SIGTERM right after a temp file was made]" in err, err
    assert code == 143, (code, err)
    assert err.splitlines()[-1] == "error: interrupted; no output was written", err
    assert out == ""
    assert out_json.read_text() == "previous report\n"
    assert rows_csv.read_text() == "previous rows\n"
    assert temp_files(tmp_path) == [], "the temp file made as the signal came was left behind"


# A signal just after the first of the two finished files was moved into
# place: the second must follow, and the message must not say that nothing
# was written.
SIGTERM_RIGHT_AFTER_THE_FIRST_MOVE = """
import os, signal

replace = os.replace
count = [0]

def replace_then_signal(source, target, *args, **options):
    replace(source, target, *args, **options)
    count[0] += 1
    if count[0] == 1:
        os.write(2, b"[test: SIGTERM right after the first file was moved into place]\\n")
        signal.raise_signal(signal.SIGTERM)

os.replace = replace_then_signal
"""


def test_a_signal_between_moving_the_per_row_file_and_the_report_moves_both(tmp_path):
    data = write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0, 2.0], "y_pred": [0.5, 1.0, 4.0]})
    out_json, rows_csv = tmp_path / "out.json", tmp_path / "rows.csv"
    out_json.write_text("previous report\n")
    rows_csv.write_text("previous rows\n")
    arguments = ["compute", str(data), "--loss", "mse", "--format", "json", "--output", str(out_json), "--per-row", str(rows_csv)]
    code, out, err = finish(start(arguments, cwd=tmp_path, prelude=SIGTERM_RIGHT_AFTER_THE_FIRST_MOVE))
    assert "[test: SIGTERM right after the first file was moved into place]" in err, err
    assert code == 143, (code, err)
    assert err.splitlines()[-1] == "error: interrupted; the per-row file and the report were written", err
    assert out == ""
    # mse of the three rows: (0.25 + 0 + 4) / 3, worked by hand
    assert abs(json.loads(out_json.read_text())["results"][0]["value"] - 4.25 / 3) < 1e-15
    assert rows_csv.read_text().splitlines() == ['"row","mse"', "1,0.25", "2,0", "3,4"]
    assert temp_files(tmp_path) == []


# --------------------------------------------------------------------------- (b) failures late in the file


N_ROWS = 300
BAD_ROW = 281  # 1-based data row, far past the first batches of 7 rows


def _clean_columns() -> dict[str, list]:
    rng = np.random.default_rng(11)
    y_true = rng.integers(0, 2, N_ROWS).astype(float)
    y_pred = np.round(rng.uniform(0.05, 0.95, N_ROWS), 4)
    return {"y_true": list(y_true), "y_pred": list(y_pred)}


def _with_failure(kind: str, folder: Path) -> tuple[list[str], list[str], str]:
    """(input files, loss arguments, text the error names) for a failure at BAD_ROW."""
    columns = _clean_columns()
    position = BAD_ROW - 1
    labels_file: list[str] = []
    if kind == "text":
        columns["y_pred"][position] = "n/a"
        expected = f"row {BAD_ROW}"
    elif kind == "nan":
        columns["y_pred"][position] = float("nan")
        expected = f"row {BAD_ROW}"
    elif kind == "probability":
        columns["y_pred"][position] = 1.5  # read fine; the bce kernel rejects it
        expected = f"row {BAD_ROW}"
    elif kind == "labels":
        labels = {"y_true": list(columns.pop("y_true"))}
        labels["y_true"][position] = "yes"
        write_csv(folder / "labels.csv", labels)
        labels_file = ["--labels", str(folder / "labels.csv")]
        expected = "labels.csv"
    else:
        raise AssertionError(kind)
    write_csv(folder / "data.csv", columns)
    files = [str(folder / "data.csv")] + ([str(folder / "labels.csv")] if labels_file else [])
    return files, ["--loss", "bce", *labels_file], expected


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-targets", "existing-targets"])
@pytest.mark.parametrize("rows_suffix", [".csv", ".parquet", ".jsonl", ".json", ".md"])
@pytest.mark.parametrize("kind", ["text", "nan", "probability", "labels"])
def test_a_bad_value_late_in_the_file_writes_nothing(cli, tmp_path, small_batches, kind, rows_suffix, existing):
    files, loss_args, expected = _with_failure(kind, tmp_path)
    inputs_before = {path: digest(Path(path)) for path in files}
    out_json, rows = tmp_path / "out.json", tmp_path / f"rows{rows_suffix}"
    if existing:
        out_json.write_text("previous report\n")
        rows.write_text("previous rows\n")
    result = cli("compute", files[0], *loss_args, "--output", out_json, "--per-row", rows)
    assert_usage_error(result, expected)
    if existing:
        assert out_json.read_text() == "previous report\n"
        assert rows.read_text() == "previous rows\n"
    else:
        assert not out_json.exists() and not rows.exists()
    assert temp_files(tmp_path, Path.cwd()) == []
    assert {path: digest(Path(path)) for path in files} == inputs_before


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-targets", "existing-targets"])
def test_reduction_none_failing_late_keeps_the_output_file(cli, tmp_path, small_batches, existing):
    files, loss_args, expected = _with_failure("text", tmp_path)
    rows = tmp_path / "rows.csv"
    if existing:
        rows.write_text("previous rows\n")
    result = cli("compute", files[0], *loss_args, "--reduction", "none", "--output", rows)
    assert_usage_error(result, expected)
    assert result.stdout == ""
    assert (rows.read_text() == "previous rows\n") if existing else not rows.exists()
    assert temp_files(tmp_path, Path.cwd()) == []


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-targets", "existing-targets"])
def test_when_the_report_cannot_be_written_the_per_row_file_is_not_either(cli, tmp_path, existing):
    """The report fails at the very end (here: a file name longer than the file system allows).

    Both files belong to one run: a per-row file must not appear, or replace
    an older one, when the run fails and its report is not written.
    """
    data = write_csv(tmp_path / "data.csv", _clean_columns())  # valid input: only the report fails
    out_json = tmp_path / ("r" * 300 + ".json")
    rows = tmp_path / "rows.csv"
    if existing:
        rows.write_text("previous rows\n")
    result = cli("compute", data, "--loss", "bce", "--output", out_json, "--per-row", rows)
    assert result.exit_code == 2, result.stderr
    assert (rows.read_text() == "previous rows\n") if existing else not rows.exists()
    assert temp_files(tmp_path, Path.cwd()) == []
    assert_usage_error(result, "r" * 40)  # one clean line that names the file, not an internal error


def test_a_bad_value_on_the_last_line_of_a_big_file_writes_nothing(big_input, tmp_path):
    """The same with the real batch sizes, in a subprocess: the failure comes batches after the first write."""
    data = tmp_path / "big_bad.csv"
    data.write_bytes(big_input.read_bytes() + b"0.5,oops,\n")
    before = digest(data)
    out_json, rows_csv = tmp_path / "out.json", tmp_path / "rows.csv"
    out_json.write_text("previous report\n")
    arguments = ["compute", str(data), "--loss", "mse", "--output", str(out_json), "--per-row", str(rows_csv)]
    code, out, err = finish(start(arguments, cwd=tmp_path))
    assert code == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and f"row {BIG_ROWS + 1}" in lines[0], err
    assert out_json.read_text() == "previous report\n"
    assert not rows_csv.exists()
    assert temp_files(tmp_path) == []
    assert digest(data) == before


# A SIGTERM while a chart's picture is half written: matplotlib has written
# some bytes to the temp file when the signal arrives.
SIGTERM_WHILE_SAVING_A_CHART = """
import os, signal
from matplotlib.figure import Figure

def interrupted_savefig(self, handle, **options):
    handle.write(b"half a picture")
    os.write(2, b"[test: SIGTERM sent while the chart is written]\\n")
    signal.raise_signal(signal.SIGTERM)

Figure.savefig = interrupted_savefig
"""


def test_a_signal_while_charts_are_written_keeps_the_report_and_leaves_no_temp_file(tmp_path):
    pytest.importorskip("matplotlib")
    data = write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0, 2.0], "y_pred": [0.5, 1.0, 4.0]})
    out_json, chart = tmp_path / "out.json", tmp_path / "chart.png"
    arguments = ["compute", str(data), "--loss", "mse", "--output", str(out_json), "--plot-file", str(chart)]
    code, out, err = finish(start(arguments, cwd=tmp_path, prelude=SIGTERM_WHILE_SAVING_A_CHART))
    assert "[test: SIGTERM sent while the chart is written]" in err, err
    assert code == 143, (code, err)
    # The report was complete before the charts began, and the message says so.
    assert err.splitlines()[-1] == "error: interrupted while drawing the charts; the report was already written"
    assert out_json.exists() and '"value": 1.4166666666666667' in out_json.read_text()  # (0.25 + 0 + 4) / 3, by hand
    assert not chart.exists()
    assert temp_files(tmp_path) == [], "the half-written chart was left behind"


# SIGTERM (a cancelled CI job) while compare's report is being written out:
# the renderer writes half a report, then the signal arrives.
SIGTERM_WHILE_WRITING_A_COMPARISON = """
import os, signal
import losscli.render_compare as render_compare

whole_report = render_compare.render_compare

def interrupted_render(comparison, fmt, out):
    out.write("half a report")
    os.write(2, b"[test: SIGTERM sent while the comparison is written]\\n")
    signal.raise_signal(signal.SIGTERM)
    whole_report(comparison, fmt, out)

render_compare.render_compare = interrupted_render
"""


@pytest.mark.parametrize("existing", [False, True], ids=["fresh-target", "existing-target"])
def test_sigterm_while_compare_writes_leaves_the_old_report_and_no_temp_file(tmp_path, existing):
    data = write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0, 2.0], "y_pred": [0.5, 1.0, 4.0]})
    out_json = tmp_path / "out.json"
    if existing:
        out_json.write_text("previous report\n")
    arguments = ["compare", str(data), "--loss", "mse", "--format", "json", "--output", str(out_json)]
    code, out, err = finish(start(arguments, cwd=tmp_path, prelude=SIGTERM_WHILE_WRITING_A_COMPARISON))
    assert "[test: SIGTERM sent while the comparison is written]" in err, err
    assert code == 143, (code, err)
    assert err.splitlines()[-1] == "error: interrupted; no output was written"
    assert out == ""
    if existing:
        assert out_json.read_text() == "previous report\n"
    else:
        assert not out_json.exists()
    assert temp_files(tmp_path) == [], "a stopped run left its half-written temp file"
