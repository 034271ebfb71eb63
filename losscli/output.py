"""Writing output files safely: whole or absent, never over an input.

Every file is written to a temporary sibling and renamed into place, so an
error or Ctrl-C leaves either the old file or nothing, never half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import IO, Iterator

from .errors import LossCliError


def check_target(path: str, inputs: list[str], option: str) -> None:
    """Refuse a target that is (or links to) an input, or whose directory is missing."""
    if path == "-":
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise LossCliError(f"{option}: directory '{directory}' does not exist", hint="create it first")
    if os.path.isdir(path):
        raise LossCliError(f"{option}: '{path}' is a directory", hint="give a file name")
    target = os.path.realpath(path)
    for source in inputs:
        if source == "-" or not source:
            continue
        if any(os.path.realpath(f) == target for f in _input_files(source)):
            raise LossCliError(f"{option}: '{path}' is an input file; refusing to overwrite it", hint="choose another output path")
        if os.path.isdir(source) and target.startswith(os.path.realpath(source) + os.sep):
            raise LossCliError(f"{option}: '{path}' is inside the input directory '{source}'", hint="write it elsewhere")


def _input_files(source: str) -> list[str]:
    """The files an input argument reads: itself, or what its pattern matches."""
    if os.path.isfile(source):
        return [source]
    if any(ch in source for ch in "*?["):
        import glob

        return [f for f in glob.glob(source, recursive=True) if os.path.isfile(f)]
    return []


@contextlib.contextmanager
def atomic_writer(path: str, *, binary: bool = False) -> Iterator[IO]:
    """Yield a handle to a temp file next to ``path``; rename it into place on success."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
            yield handle
        publish(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def temp_path_for(path: str) -> str:
    """A temp file path next to ``path`` (for writers that want a path, like Parquet)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    os.close(fd)
    return temp


def publish(temp: str, path: str) -> None:
    """Move a finished temp file into place with the usual permissions
    (mkstemp makes it private, 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(temp, 0o666 & ~mask)
    os.replace(temp, path)
