"""Input that can be read only once: stdin, a named pipe (``<(cmd)``), a
device (/dev/stdin). Its first bytes are kept, so its format, compression,
delimiter and column types are told from them and read again as often as
needed; its rows are then read as they arrive, once, in bounded memory,
like a file's. A 180 MB CSV piped in used to be held whole, and
/dev/urandom was read until the machine ran out of memory.

The formats that cannot be read front to back in one pass (a Parquet
file's schema is in its footer) are copied to a temporary file first, piece
by piece, and read from there: their size takes disk, not memory.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import weakref
from typing import BinaryIO

from ..errors import LossCliError


class PipedInput:
    """The bytes of a pipe: the first ones kept as they are read (by
    ``open(keep=True)`` streams, for sniffing and types), the rest read once
    by a single ``open(keep=False)`` stream, for the rows."""

    def __init__(self, raw: BinaryIO, display: str, *, owned: bool = False) -> None:
        self._raw = raw
        # A pipe this run opened (not stdin): closed once read to its end.
        self._owned = owned
        self.display = display
        self._kept: bytearray | bytes = bytearray()
        self._ended = False
        # How far the stream of the rows has read the pipe past the kept
        # bytes: from then on nothing more can be kept, nor read again.
        self._read_to: int | None = None
        self._spooled: str | None = None

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer if the input is shorter)."""
        self._keep_up_to(size)
        return bytes(self._kept[:size])

    def spooled(self, compression: str | None = None) -> str:
        """The name of a temporary file that holds every byte of the input
        (decompressed when ``compression`` names how it is compressed),
        written a piece at a time. It is removed when the run ends."""
        if self._spooled is None:
            if self._read_to is not None:
                raise self._read_twice()
            try:
                handle, path = tempfile.mkstemp(prefix="losscli-stdin-")
            except OSError as error:
                raise self._cannot_copy(error) from None
            weakref.finalize(self, _remove, path)
            try:
                with os.fdopen(handle, "wb") as copy:
                    self._copy_to(copy, compression)
            except _CopyFailed as failed:
                raise self._cannot_copy(failed.error) from None
            self._spooled = path
        return self._spooled

    def _cannot_copy(self, error: OSError) -> LossCliError:
        return LossCliError(
            f"cannot copy the input to a temporary file in {tempfile.gettempdir()}: {error.strerror or error}",
            file=self.display,
            hint="set TMPDIR to a folder with room for it, or save the input to a file and give the file's name",
        )

    def _copy_to(self, copy: BinaryIO, compression: str | None) -> None:
        """Copies the input to ``copy``. A failure to write raises
        _CopyFailed; one to read (or decompress) is raised as it is."""
        stream: BinaryIO = self.open(keep=False)
        if compression is not None:
            import pyarrow as pa

            stream = pa.input_stream(stream, compression=compression)
        while chunk := stream.read(_SPOOL_PIECE_BYTES):
            try:
                copy.write(chunk)
            except OSError as error:
                raise _CopyFailed(error) from None
        try:
            copy.flush()
        except OSError as error:
            raise _CopyFailed(error) from None

    def open(self, *, keep: bool) -> BinaryIO:
        """A stream of the input from its first byte. ``keep``: what it reads
        is kept for the next stream; the stream of the rows keeps nothing,
        and only one may read past the kept bytes."""
        return _Replay(self, keep)

    def _keep_up_to(self, size: int) -> None:
        while len(self._kept) < size and not self._ended:
            if self._read_to is not None:
                raise self._read_twice()
            chunk = self._read_raw(size - len(self._kept))
            self._ended = not chunk
            self._kept += chunk

    def _read_past_kept(self, position: int, size: int) -> bytes:
        """Up to ``size`` bytes from ``position``, past the kept ones."""
        if self._read_to is not None and self._read_to != position:
            raise self._read_twice()
        if self._ended:
            return b""
        chunk = self._read_raw(size)
        self._ended = not chunk
        self._read_to = position + len(chunk)
        return chunk

    def _read_raw(self, size: int) -> bytes:
        try:
            chunk = self._raw.read(size)
        except OSError as error:
            raise LossCliError(f"cannot read: {error.strerror or error}", file=self.display) from None
        if not chunk and self._owned:
            self._raw.close()  # a pipe this run opened, read to its end
        return chunk

    def _read_twice(self) -> LossCliError:
        return LossCliError(
            "the input would be read a second time, which a pipe cannot give",
            file=self.display,
            hint="save it to a file and give the file's name",
        )


class _CopyFailed(Exception):
    def __init__(self, error: OSError) -> None:
        self.error = error


# Copied to a temporary file in pieces of this size: the memory it takes.
_SPOOL_PIECE_BYTES = 1 << 20


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # already gone


class _Replay(io.RawIOBase):
    """A stream of a PipedInput: the kept bytes, then the pipe."""

    def __init__(self, piped: PipedInput, keep: bool) -> None:
        super().__init__()
        self._piped, self._keep, self._position = piped, keep, 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: memoryview) -> int:
        """Fills ``buffer`` unless the input ends first: Arrow takes a short
        read for the end of the input."""
        piped, wanted = self._piped, len(buffer)
        if self._keep:
            piped._keep_up_to(self._position + wanted)
        filled = 0
        kept = piped._kept
        if self._position < len(kept):
            filled = min(wanted, len(kept) - self._position)
            buffer[:filled] = kept[self._position : self._position + filled]
        while filled < wanted and not self._keep:
            chunk = piped._read_past_kept(self._position + filled, wanted - filled)
            if not chunk:
                break
            buffer[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        self._position += filled
        return filled


# The pipes and stdin opened in this run: a run may open its input more than
# once (compare's look at the columns, then the rows), and a pipe gives its
# bytes only once. Keyed by path, and stdin by the stream object itself (a
# test runner gives each run a stream of its own).
_BY_PATH: dict[str, PipedInput] = {}
_STDIN: "weakref.WeakKeyDictionary[object, PipedInput]" = weakref.WeakKeyDictionary()


def stdin_input() -> PipedInput:
    raw = sys.stdin.buffer
    if raw not in _STDIN:
        _STDIN[raw] = PipedInput(raw, "<stdin>")
    return _STDIN[raw]


def piped_input(path: str) -> PipedInput | None:
    """``path`` as a PipedInput when it is a named pipe or a device such as
    /dev/stdin or /dev/urandom (not a regular file or a directory), else None."""
    if not reads_once(path):
        return None
    if path not in _BY_PATH:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - read as the run goes, closed with the process
        except OSError as error:
            raise LossCliError(f"cannot read: {error.strerror or error}", file=path) from None
        _BY_PATH[path] = PipedInput(raw, path, owned=True)
    return _BY_PATH[path]


def reads_once(path: str) -> bool:
    """Whether ``path`` is stdin or a pipe, which can be read only once."""
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
