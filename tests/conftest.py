"""Shared fixtures: running the command line in-process and checking its errors."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner, Result


@pytest.fixture
def cli() -> Callable[..., Result]:
    """``cli("compute", path, "--loss", "mse", input=...)`` runs losscli in-process.

    stdout and stderr are kept apart (``result.stdout``, ``result.stderr``).
    """
    from losscli.cli import app

    runner = CliRunner()

    def invoke(*args: Any, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


def assert_usage_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one ``error: `` line naming every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in result.stderr and "internal error" not in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def write_csv(path: Path, columns: dict[str, Any], *, delimiter: str = ",") -> Path:
    """Write equal-length columns as a CSV file with a header line."""
    names = list(columns)
    rows = zip(*(list(columns[name]) for name in names))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([repr(float(v)) if isinstance(v, float) else v for v in row])
    return path


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    """Make the readers deliver many small batches (streaming paths get exercised)."""
    import losscli.io.readers as readers

    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 256)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 100)
    monkeypatch.setattr(readers, "NDJSON_ROW_BLOCK_BYTES", 256)
    return 7


class FifoReader:
    """A FIFO at ``path`` and a thread reading it to the end, as a shell's
    ``cat path &`` would; ``text()`` waits for what it read."""

    SECONDS = 60  # a bound, not an expectation

    def __init__(self, path: Path) -> None:
        import os
        import threading

        os.mkfifo(path)
        self.path = path
        self._data = b""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as handle:
            self._data = handle.read()

    def text(self) -> str:
        import os

        self._thread.join(self.SECONDS)
        if self._thread.is_alive():
            # Nobody opened the FIFO for writing: open it ourselves so the reader ends.
            os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            self._thread.join(self.SECONDS)
            pytest.fail(f"nothing was written into the FIFO {self.path}")
        return self._data.decode("utf-8")


def compressed(suffix: str, data: bytes) -> bytes:
    """``data`` compressed as a file ending in ``.gz``, ``.bz2`` or ``.zst`` is."""
    import bz2
    import gzip

    import pyarrow as pa

    if suffix == "gz":
        return gzip.compress(data)
    if suffix == "bz2":
        return bz2.compress(data)
    assert suffix == "zst", suffix
    return pa.Codec("zstd").compress(data, asbytes=True)


def run_in_terminal(*args: Any, columns: int, env: dict[str, str] | None = None, cwd: Any = None) -> tuple[int, str]:
    """Run ``python -m losscli ARGS`` with stdout on a pseudo-terminal ``columns``
    wide (as a user's shell runs it) and NO_COLOR set; return (exit code, its
    stdout with line ends as written). stderr goes elsewhere."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    root = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": str(columns), "NO_COLOR": "1", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "losscli", *map(str, args)], stdout=follower, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=environment, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(60)
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
