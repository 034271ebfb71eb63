"""Fuzzing ``losscli compute`` with broken files.

Random bytes and mutated copies of the files in ``sample_data/`` (bits
flipped, truncated, bytes inserted, lines shuffled, delimiters changed, text
put into numeric cells, compressed or sent on stdin) go through the command
line, in-process with CliRunner and as ``python -m losscli`` subprocesses.
Whatever the input, the command must:

* exit 0 or 2;
* never show a traceback, and never reach the "internal error" catch-all of
  ``@guarded`` (that line means an input problem was not recognised);
* on exit 2, print nothing on stdout and exactly one ``error: `` line on stderr;
* on exit 0, print one complete JSON report;
* finish in bounded time.

Every case is built from a fixed seed, so CI always runs the same inputs.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_data"

CASE_SECONDS = 10  # in-process: far above the ~0.1 s a case takes
SUBPROCESS_SECONDS = 60  # includes interpreter start-up on a busy CI machine

# Each sample file with a command line that succeeds on the unmodified file.
SOURCES: dict[str, list[str]] = {
    "regression.csv": ["--loss", "mse", "--weight-col", "weight", "--by", "region"],
    "binary.csv": ["--loss", "bce", "--loss", "focal"],
    "multiclass.csv": ["--loss", "cce", "--pred-col", "prob_*"],
    "segmentation.csv": ["--loss", "dice", "--sample-col", "image_id"],
    "gan.csv": ["--loss", "wasserstein", "--pred-col", "critic"],
    "pairs.csv": ["--loss", "contrastive", "--col", "x1=x1_*", "--col", "x2=x2_*"],
    "features.csv": ["--loss", "perceptual", "--pred-col", "gen_*", "--label-col", "target_*"],
    "binary.parquet": ["--loss", "bce"],
    "triplets.parquet": ["--loss", "triplet"],
    "ctc.parquet": ["--loss", "ctc"],
}
CSV_SOURCES = [name for name in SOURCES if name.endswith(".csv")]
BINARY_SOURCES = [name for name in SOURCES if not name.endswith(".csv")]

# What people find in numeric cells that are not numbers.
JUNK_CELLS = [
    b"abc", b"1.2.3", b"NaN", b"inf", b"-inf", b"", b"1e999", b"1e-400", b"--", b"0x10", b"1_000",
    b"\xff\xfe", b'"', b'"1"', b"1,5", b"null", b"None", b"-", b" ", b"True", b"\x00", b"\xd9\xa1",
    b"3 4", b"+.5", b"5.", b"'7'", b"\xe2\x80\x8b1", b"1e", b"\t9\t",
]
OPTIONAL_FLAGS = [[], [], ["--nan-policy", "omit"], ["--from-logits"], ["--reduction", "sum"], ["--eps", "0"]]


# --------------------------------------------------------------------------- mutations


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(out))
        out[position] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    position = rng.randrange(len(data) + 1)
    return data[:position] + rng.randbytes(rng.randint(1, 24)) + data[position:]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def shuffle_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    rng.shuffle(lines)  # the header may land anywhere
    return b"\n".join(lines)


def change_delimiter(rng: random.Random, data: bytes) -> bytes:
    new = rng.choice([b";", b"\t", b"|", b" ", b",,", b";,", b":"])
    where = rng.choice(["everywhere", "header", "some rows", "data rows"])
    lines = _lines(data)
    for index, line in enumerate(lines):
        if (
            where == "everywhere"
            or (where == "header" and index == 0)
            or (where == "data rows" and index > 0)
            or (where == "some rows" and rng.random() < 0.1)
        ):
            lines[index] = line.replace(b",", new)
    return b"\n".join(lines)


def junk_in_cells(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(1, max(2, len(lines) - 1))
        cells = lines[index].split(b",")
        column = rng.randrange(len(cells))
        junk = rng.choice(JUNK_CELLS)
        cells[column] = junk if rng.random() < 0.7 else cells[column] + junk
        lines[index] = b",".join(cells)
    return b"\n".join(lines)


def duplicate_or_drop(rng: random.Random, data: bytes) -> bytes:
    """A repeated header or row, a row with a field missing or one too many."""
    lines = _lines(data)
    index = rng.randrange(len(lines))
    choice = rng.choice(["repeat header", "repeat row", "drop field", "extra field", "blank lines"])
    if choice == "repeat header":
        lines.insert(rng.randrange(1, len(lines) + 1), lines[0])
    elif choice == "repeat row":
        lines.insert(index, lines[rng.randrange(len(lines))])
    elif choice == "drop field":
        lines[index] = b",".join(lines[index].split(b",")[:-1])
    elif choice == "extra field":
        lines[index] += b",1"
    else:
        lines[index:index] = [b""] * rng.randint(1, 3)
    return b"\n".join(lines)


def rename_header(rng: random.Random, data: bytes) -> bytes:
    header, _, body = data.partition(b"\n")
    names = header.split(b",")
    column = rng.randrange(len(names))
    names[column] = rng.choice([b"", names[(column + 1) % len(names)], b"\xff", b'"a,b"', names[column].upper()])
    return b",".join(names) + b"\n" + body


TEXT_MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    flip_bits, truncate, insert_bytes, shuffle_lines, change_delimiter, junk_in_cells, duplicate_or_drop, rename_header,
]
BYTE_MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [flip_bits, truncate, insert_bytes]


# Mutations of an Arrow column's values (a Python list per column, nested for list columns).


def _leaves(value: object) -> list:
    """Paths to the numbers inside one cell (a number, a list, or a list of lists)."""
    if isinstance(value, list):
        return [(i, *rest) for i, item in enumerate(value) for rest in _leaves(item)]
    return [()] if isinstance(value, (int, float)) else []


def _set_leaf(cell: object, path: tuple, new: object) -> object:
    if not path:
        return new
    cell = list(cell)  # type: ignore[arg-type]
    cell[path[0]] = _set_leaf(cell[path[0]], path[1:], new)
    return cell


def _pick_leaf(rng: random.Random, values: list) -> tuple[int, tuple] | None:
    rows = [row for row, cell in enumerate(values) if _leaves(cell)]
    if not rows:
        return None
    row = rng.choice(rows)
    return row, rng.choice(_leaves(values[row]))


def value_in_a_number(rng: random.Random, values: list) -> list | None:
    """NaN, inf, or an integer too large for a float64 to hold exactly."""
    spot = _pick_leaf(rng, values)
    if spot is None:
        return None
    row, path = spot
    new = rng.choice([float("nan"), float("inf"), -float("inf"), 2**53 + 1, -(2**63), 2**64 - 1, 1e308, 5e-324])
    values = list(values)
    values[row] = _set_leaf(values[row], path, new)
    return values


def missing_value(rng: random.Random, values: list) -> list:
    values = list(values)
    row = rng.randrange(len(values))
    leaves = _leaves(values[row])
    if leaves and leaves[0] and rng.random() < 0.5:
        values[row] = _set_leaf(values[row], rng.choice(leaves), None)  # inside a list
    else:
        values[row] = None
    return values


def ragged_list(rng: random.Random, values: list) -> list | None:
    rows = [row for row, cell in enumerate(values) if isinstance(cell, list) and cell]
    if not rows:
        return None
    values = list(values)
    row = rng.choice(rows)
    values[row] = rng.choice([[], values[row][:-1], values[row] + values[row][:1]])
    return values


def numbers_as_text(rng: random.Random, values: list) -> list:
    values = [None if v is None else str(v) for v in values]
    values[rng.randrange(len(values))] = rng.choice(JUNK_CELLS).decode("utf-8", "replace")
    return values


ARROW_MUTATIONS = [value_in_a_number, missing_value, ragged_list, numbers_as_text]


def mutated_arrow_bytes(rng: random.Random, source: str) -> tuple[bytes, str, str]:
    """A sample Parquet file with one column's values or type changed, as Parquet or Arrow IPC bytes."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pq.read_table(SAMPLES / source)
    column = rng.randrange(table.num_columns)
    values = table.column(column).to_pylist()
    for mutation in rng.sample(ARROW_MUTATIONS, len(ARROW_MUTATIONS)):
        changed = mutation(rng, values)
        if changed is not None:
            break
    try:
        array = pa.array(changed)
    except (pa.ArrowException, OverflowError):
        array = pa.array([None if v is None else str(v) for v in changed])
    table = table.set_column(column, table.column_names[column], array)
    if rng.random() < 0.1:
        table = table.slice(0, 0)
    sink = pa.BufferOutputStream()
    suffix = rng.choice([".parquet", ".arrow"])
    if suffix == ".parquet":
        pq.write_table(table, sink)
    else:
        feather.write_feather(table, sink)
    return sink.getvalue().to_pybytes(), suffix, mutation.__name__


def as_ndjson(data: bytes) -> bytes:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def random_csv_text(rng: random.Random) -> bytes:
    """Text that looks a little like CSV: tokens, separators, quotes and newlines."""
    tokens = [b"y_true", b"y_pred", b"1", b"0.5", b"-3e2", b"x", b",", b";", b"\n", b"\r\n", b'"', b" ", b"nan", b"\t"]
    return b"".join(rng.choice(tokens) for _ in range(rng.randint(0, 200)))


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    id: str
    files: dict[str, bytes]  # file name in tmp_path -> content
    args: list[str]  # after 'compute'; '{name}' is replaced by the file's path
    stdin: bytes | None = None


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _extension(name: str) -> str:
    return name[name.index(".") :]


def random_bytes_case(index: int, rng: random.Random) -> Case:
    suffix = rng.choice([".csv", ".tsv", ".parquet", ".arrow", ".jsonl", ".csv.gz", ".csv.zst", ""])
    data = rng.randbytes(rng.randint(0, 2000)) if rng.random() < 0.6 else random_csv_text(rng)
    name = f"random{suffix}"
    return Case(f"{index:03d}-random-bytes{suffix or '-no-suffix'}", {name: data}, [f"{{{name}}}", "--loss", "mse"])


def mutated_sample_case(index: int, rng: random.Random) -> Case:
    source = rng.choice(CSV_SOURCES if rng.random() < 0.75 else BINARY_SOURCES)
    mutation = rng.choice(TEXT_MUTATIONS if source.endswith(".csv") else BYTE_MUTATIONS)
    data = mutation(rng, _sample(source))
    name = f"input{_extension(source)}"
    args = [f"{{{name}}}", *SOURCES[source], *rng.choice(OPTIONAL_FLAGS)]
    return Case(f"{index:03d}-{source}-{mutation.__name__}", {name: data}, args)


def mutated_table_case(index: int, rng: random.Random) -> Case:
    """A Parquet sample with one column changed as data, not as bytes: the file itself stays valid."""
    source = rng.choice(BINARY_SOURCES)
    content, suffix, mutation = mutated_arrow_bytes(rng, source)
    name = f"input{suffix}"
    args = [f"{{{name}}}", *SOURCES[source], *rng.choice(OPTIONAL_FLAGS + [["--reduction", "none"]])]
    return Case(f"{index:03d}-{source}-{mutation}{suffix}", {name: content}, args)


def encoded_case(index: int, rng: random.Random) -> Case:
    """Mutated CSV delivered another way: compressed, as NDJSON, with BOM and CRLF."""
    source = rng.choice(CSV_SOURCES)
    mutation = rng.choice(TEXT_MUTATIONS)
    data = _sample(source)
    how = rng.choice(["gzip-truncated", "bz2", "bom-crlf", "ndjson"])
    if how == "gzip-truncated":
        packed = gzip.compress(mutation(rng, data), mtime=0)
        name, content = "input.csv.gz", packed[: rng.randrange(10, len(packed) + 1)]
    elif how == "bz2":
        name, content = "input.csv.bz2", bz2.compress(mutation(rng, data))
    elif how == "bom-crlf":
        name, content = "input.csv", b"\xef\xbb\xbf" + mutation(rng, data).replace(b"\n", b"\r\n")
    else:
        mutation = rng.choice(BYTE_MUTATIONS)  # on the JSON text: line structure is the point
        name, content = "input.jsonl", mutation(rng, as_ndjson(data))
    return Case(f"{index:03d}-{source}-{how}-{mutation.__name__}", {name: content}, [f"{{{name}}}", *SOURCES[source]])


def stdin_case(index: int, rng: random.Random) -> Case:
    source = rng.choice(CSV_SOURCES)
    mutation = rng.choice(TEXT_MUTATIONS)
    return Case(f"{index:03d}-stdin-{source}-{mutation.__name__}", {}, ["-", *SOURCES[source]], stdin=mutation(rng, _sample(source)))


def two_file_case(index: int, rng: random.Random) -> Case:
    """Predictions and labels in two files, one of them broken, aligned by order or by key."""
    source = rng.choice(["regression.csv", "binary.csv"])
    data = _sample(source)
    mutation = rng.choice(TEXT_MUTATIONS)
    broken = rng.choice(["predictions", "labels"])
    predictions = mutation(rng, data) if broken == "predictions" else data
    labels = mutation(rng, data) if broken == "labels" else data
    keyed = ["--key", "id"] if rng.random() < 0.5 else []
    loss = ["--loss", "mse"] if source == "regression.csv" else ["--loss", "bce"]
    args = ["{preds.csv}", "--labels", "{labels.csv}", *keyed, *loss]
    return Case(
        f"{index:03d}-two-files-{source}-{broken}-{mutation.__name__}{'-key' if keyed else ''}",
        {"preds.csv": predictions, "labels.csv": labels},
        args,
    )


# (builder, how many cases) for the in-process runs: 190 cases.
IN_PROCESS_PLAN = [
    (random_bytes_case, 20),
    (mutated_sample_case, 90),
    (mutated_table_case, 30),
    (encoded_case, 25),
    (stdin_case, 15),
    (two_file_case, 10),
]
SUBPROCESS_PLAN = [(random_bytes_case, 4), (mutated_sample_case, 6)]


def build(plan: list[tuple[Callable[[int, random.Random], Case], int]], first_seed: int, prefix: str = "") -> list[Case]:
    cases = []
    for builder, count in plan:
        for _ in range(count):
            index = len(cases)
            case = builder(index, random.Random(first_seed + index))
            case.id = prefix + case.id
            cases.append(case)
    return cases


def _sources_present() -> bool:
    return all((SAMPLES / name).is_file() for name in SOURCES)


IN_PROCESS_CASES = build(IN_PROCESS_PLAN, first_seed=20_000) if _sources_present() else []
SUBPROCESS_CASES = build(SUBPROCESS_PLAN, first_seed=90_000, prefix="python-m-") if _sources_present() else []


def test_sample_files_for_fuzzing_exist():
    missing = [name for name in SOURCES if not (SAMPLES / name).is_file()]
    assert not missing, f"sample_data/ lacks {missing}: the fuzz cases are built from them"


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_source_command_line_succeeds_unmutated(source, tmp_path):
    """The baseline: without mutation each source's command exits 0 (else mutations test nothing)."""
    name = f"input{_extension(source)}"
    case = Case(f"baseline-{source}", {name: _sample(source)}, [f"{{{name}}}", *SOURCES[source]])
    code, stdout, stderr = run_in_process(case, tmp_path)
    assert code == 0, stderr
    assert_contract(case, code, stdout, stderr)


# --------------------------------------------------------------------------- running and checking


def materialise(case: Case, folder: Path) -> list[str]:
    """Write the case's files into ``folder``; return the command line."""
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    args = []
    for arg in case.args:
        if arg.startswith("{") and arg.endswith("}"):
            arg = str(folder / arg[1:-1])
        args.append(arg)
    return ["compute", *args, "--format", "json"]


class CaseTimedOut(BaseException):
    """Raised by the alarm; a BaseException so that no handler in losscli swallows it."""


def _alarm(signum, frame):
    raise CaseTimedOut(f"a fuzz case ran longer than {CASE_SECONDS} s")


def run_in_process(case: Case, folder: Path) -> tuple[int, str, str]:
    from losscli.cli import app

    args = materialise(case, folder)
    runner = CliRunner()
    has_alarm = hasattr(signal, "setitimer")
    if has_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    started = time.monotonic()
    try:
        result = runner.invoke(app, args, input=case.stdin, env={"LOSSCLI_DEBUG": ""}, catch_exceptions=True)
    finally:
        if has_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - started
    assert elapsed < CASE_SECONDS, f"took {elapsed:.1f} s"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"exception escaped the command line:\n{trace}")
    return result.exit_code, result.stdout, result.stderr


def assert_contract(case: Case, code: int, stdout: str, stderr: str) -> None:
    context = f"case {case.id}: exit {code}\nstderr: {stderr!r}\nstdout: {stdout[:300]!r}"
    assert code in (0, 2), context
    assert "Traceback" not in stderr, context
    assert "internal error" not in stderr, context
    if code == 2:
        assert stdout == "", context
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), context
    else:
        assert not any(line.startswith("error: ") for line in stderr.splitlines()), context
        try:
            document = json.loads(stdout)
        except ValueError:
            pytest.fail(f"stdout is not one JSON document; {context}")
        if "none" in case.args:  # --reduction none: the per-row records
            assert isinstance(document, list) and document and "row" in document[0], context
        else:
            assert document["schema"] == 1 and document["results"], context


@pytest.mark.parametrize("case", IN_PROCESS_CASES, ids=lambda case: case.id)
def test_broken_input_gives_a_result_or_one_error_line(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing a case writes can land in the repository
    code, stdout, stderr = run_in_process(case, tmp_path)
    assert_contract(case, code, stdout, stderr)


# --------------------------------------------------------------------------- minimal cases the fuzzing found


def test_invalid_utf8_in_a_numeric_csv_cell_is_one_error_line(tmp_path):
    # A byte that is not UTF-8 where a number should be (a flipped bit in a digit).
    case = Case("csv-invalid-utf8", {"bad.csv": b"y_true,y_pred\n1,2\n1,\xff\n"}, ["{bad.csv}", "--loss", "mse"])
    code, stdout, stderr = run_in_process(case, tmp_path)
    assert_contract(case, code, stdout, stderr)
    assert code == 2 and "row 2" in stderr


def test_invalid_utf8_in_an_ndjson_text_cell_is_one_error_line(tmp_path):
    case = Case("ndjson-invalid-utf8", {"bad.jsonl": b'{"y_true": 1, "y_pred": "a\xb3"}\n'}, ["{bad.jsonl}", "--loss", "mse"])
    code, stdout, stderr = run_in_process(case, tmp_path)
    assert_contract(case, code, stdout, stderr)
    assert code == 2 and "y_pred" in stderr


def _parquet_bytes(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue().to_pybytes()


def test_an_integer_beyond_float64_precision_in_ndjson(tmp_path):
    # 2**53 + 1 has no exact float64; JSON integers arrive as int64.
    case = Case("ndjson-2**53+1", {"big.jsonl": b'{"y_true": 1, "y_pred": 9007199254740993}\n'}, ["{big.jsonl}", "--loss", "mse"])
    assert_contract(case, *run_in_process(case, tmp_path))


@pytest.mark.parametrize("value, kind", [(2**53 + 1, "int64"), (2**64 - 1, "uint64")])
def test_an_integer_beyond_float64_precision_in_parquet(tmp_path, value, kind):
    import pyarrow as pa

    content = _parquet_bytes({"y_true": [1.0, 2.0], "y_pred": pa.array([value, 3], type=getattr(pa, kind)())})
    case = Case(f"parquet-{kind}", {"big.parquet": content}, ["{big.parquet}", "--loss", "mse"])
    assert_contract(case, *run_in_process(case, tmp_path))


def test_a_missing_frame_in_a_ctc_list_column_prints_only_the_error(tmp_path):
    import pyarrow as pa

    frames = pa.array([[None, [-0.1, -2.3]], [[-0.1, -2.3]]], type=pa.list_(pa.list_(pa.float64())))
    case = Case("ctc-null-frame", {"ctc.parquet": _parquet_bytes({"y_pred": frames, "y_true": ["1", "1"]})}, ["{ctc.parquet}", "--loss", "ctc"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run_in_process(case, tmp_path)
    assert_contract(case, *outcome)
    # Outside a test runner these warnings are printed on stderr, around the error line.
    assert [str(w.message) for w in caught] == []


def test_by_a_list_column_with_per_row_output(tmp_path):
    content = _parquet_bytes({"fold": [[1], [2], [3]], "y_true": [0.0, 1.0, 1.0], "y_pred": [0.5, 0.8, 0.7]})
    case = Case("by-list-column", {"data.parquet": content}, ["{data.parquet}", "--loss", "mse", "--by", "fold", "--per-row", "{rows.csv}"])
    assert_contract(case, *run_in_process(case, tmp_path))


# --------------------------------------------------------------------------- subprocesses


@pytest.fixture(scope="module")
def subprocess_results(tmp_path_factory) -> dict[str, tuple[int, str, str] | str]:
    """Run every subprocess case once, several at a time (each pays interpreter start-up)."""
    env = {key: value for key, value in os.environ.items() if key not in ("LOSSCLI_DEBUG", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"

    def run(case: Case) -> tuple[str, tuple[int, str, str] | str]:
        folder = tmp_path_factory.mktemp(case.id)
        command = [sys.executable, "-m", "losscli", *materialise(case, folder)]
        try:
            done = subprocess.run(
                command, input=case.stdin or b"", capture_output=True, timeout=SUBPROCESS_SECONDS, cwd=folder, env=env
            )
        except subprocess.TimeoutExpired:
            return case.id, f"no exit within {SUBPROCESS_SECONDS} s: {' '.join(command)}"
        return case.id, (done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, SUBPROCESS_CASES))


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=lambda case: case.id)
def test_broken_input_through_python_dash_m(case, subprocess_results):
    outcome = subprocess_results[case.id]
    if isinstance(outcome, str):
        pytest.fail(outcome)
    assert_contract(case, *outcome)


def test_case_count_and_determinism():
    """About 200 cases, and the same bytes every run (fixed seeds)."""
    assert 180 <= len(IN_PROCESS_CASES) + len(SUBPROCESS_CASES) <= 220
    again = build(IN_PROCESS_PLAN, first_seed=20_000)
    assert [c.files for c in again] == [c.files for c in IN_PROCESS_CASES]
    assert len({c.id for c in IN_PROCESS_CASES + SUBPROCESS_CASES}) == len(IN_PROCESS_CASES) + len(SUBPROCESS_CASES)
