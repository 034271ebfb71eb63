"""Writing output files safely: whole or absent, never over an input.

Every file is written to a temporary sibling and renamed into place, so an
error or Ctrl-C leaves either the old file or nothing, never half a file.
A symlink keeps pointing where it did: the file at the end of its chain is
the one replaced. A device, FIFO or socket (``/dev/null``, ``/dev/stdout``,
a named pipe) is opened and written instead: renaming a file over one would
destroy it, and a reader waiting on it would get nothing. A name for one of
the process's own descriptors (``/dev/stdout``, ``/dev/fd/3``) is written
through that descriptor, so ``-o /dev/stdout >> log`` appends to the log as
``>>`` asked, instead of replacing or truncating it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import sys
import tempfile
import threading
from typing import IO, Any, Iterator

from .errors import LossCliError
from .glob_match import would_match


def check_target(path: str, inputs: list[str], option: str) -> None:
    """Refuse a target that is (or links to) an input, or whose directory is missing."""
    if path == "-":
        return
    if not writes_in_place(path):
        _check_new_file(path, option)
    target = os.path.realpath(path)
    for source in inputs:
        if source == "-" and _is_stdin_file(path):
            # `losscli compute - -o preds.csv < preds.csv`: the name is not given,
            # but the file is the one being read; replacing it loses the data.
            raise LossCliError(
                f"{option}: '{path}' is the file redirected to stdin ('-'); refusing to overwrite it",
                hint="choose another output path",
            )
        if source == "-" or not source:
            continue
        if any(os.path.realpath(f) == target or _same_file(f, path) for f in _input_files(source)):
            raise LossCliError(f"{option}: '{path}' is an input file; refusing to overwrite it", hint="choose another output path")
        if os.path.isdir(source) and target.startswith(os.path.realpath(source) + os.sep):
            raise LossCliError(f"{option}: '{path}' is inside the input directory '{source}'", hint="write it elsewhere")
        if not os.path.exists(source) and any(would_match(source, p) for p in {path, replaced_path(path)}):
            # Not there yet, but the next run would read it as part of the dataset.
            raise LossCliError(f"{option}: '{path}' matches the input pattern '{source}', so later runs would read it as input", hint="write it where the pattern does not look")


def _same_file(first: str, second: str) -> bool:
    """Whether two existing paths are one file however they are linked: a
    hard link (or a bind mount) is the input under another name, which
    ``realpath`` cannot see."""
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False  # either is missing: a new file is no input


def _is_stdin_file(path: str) -> bool:
    """Whether ``path`` is the regular file open on stdin (a shell's ``< file``)."""
    try:
        stdin = os.fstat(sys.stdin.fileno())
        target = os.stat(path)
    except (AttributeError, OSError, ValueError):
        return False  # no real descriptor (a test runner's stream), or no such file yet
    return stat.S_ISREG(stdin.st_mode) and os.path.samestat(stdin, target)


def _check_new_file(path: str, option: str) -> None:
    """A file that will be renamed into place needs an existing directory and a name it allows."""
    replaced = replaced_path(path)
    directory = os.path.dirname(os.path.abspath(replaced))
    if not os.path.isdir(directory):
        raise LossCliError(f"{option}: directory '{directory}' does not exist", hint="create it first")
    if os.path.isdir(path):
        raise LossCliError(f"{option}: '{path}' is a directory", hint="give a file name")
    if len(os.path.basename(replaced).encode()) > _name_max(directory):
        # Found now, not at the final rename, when other outputs may already be in place.
        raise LossCliError(f"{option}: the file name '{path}' is too long for the file system", hint="choose a shorter name")


def writes_in_place(path: str) -> bool:
    """Whether ``path`` is (or links to) an existing device, FIFO or socket,
    or names an open descriptor, which is written directly rather than
    replaced by a renamed file."""
    if _descriptor(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False  # missing, a dangling link, or a name the system refuses
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


_DESCRIPTOR_PATH = re.compile(r"/dev/std(?P<stream>in|out|err)|/dev/fd/(?P<fd>\d+)|/proc/self/fd/(?P<proc_fd>\d+)")
_STREAM_FD = {"in": 0, "out": 1, "err": 2}


def _descriptor(path: str) -> int | None:
    """The file descriptor that ``/dev/stdout``, ``/dev/fd/N`` or
    ``/proc/self/fd/N`` names. Opening the name instead would reopen the
    file behind it with new flags: a shell's ``>>`` file would be truncated."""
    match = _DESCRIPTOR_PATH.fullmatch(os.path.abspath(path))
    if match is None:
        return None
    return _STREAM_FD[match["stream"]] if match["stream"] else int(match["fd"] or match["proc_fd"])


def open_in_place(path: str, mode: str, **options: Any) -> IO:
    """Open a device, FIFO or descriptor name for writing (see ``writes_in_place``)."""
    fd = _descriptor(path)
    if fd is None:
        return open(path, mode, **options)
    if fd in (1, 2):
        # What is already buffered for the stream goes out first.
        (sys.stdout if fd == 1 else sys.stderr).flush()
    return os.fdopen(os.dup(fd), mode, **options)


def same_target(first: str, second: str) -> bool:
    """Whether two output paths end in the same place, however each is spelled
    (``./rows.csv`` and ``rows.csv``, an absolute path, a symlink): the second
    writer would replace the first one's output."""
    if "-" in (first, second):
        return first == second
    return os.path.realpath(first) == os.path.realpath(second)


def replaced_path(path: str) -> str:
    """The file a rename puts in place: for a symlink (or a chain of them)
    the file it points to, so that the link itself stays."""
    return os.path.realpath(path) if os.path.islink(path) else path


_WRITE_HINTS = {
    errno.ENOSPC: "free some space or write it elsewhere",
    getattr(errno, "EDQUOT", errno.ENOSPC): "free some space or write it elsewhere",
    errno.EROFS: "the file system is read-only; write it elsewhere",
    errno.ENAMETOOLONG: "choose a shorter name",
    errno.EBADF: "no file is open on that descriptor",
}


@contextlib.contextmanager
def writing(path: str | None) -> Iterator[None]:
    """Turn an OSError while writing ``path`` (None: stdout) into an error that
    names the user's path, not the temp file that failed, with a hint.

    A broken pipe passes through: the reader went away, which is not an error.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        cause = os.strerror(error.errno) if error.errno else str(error)
        hint = _WRITE_HINTS.get(error.errno, "check that the directory exists and is writable" if path else None)
        raise LossCliError(f"cannot write the output: {cause}", file=path, hint=hint) from None


def _name_max(directory: str) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


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
    """Yield a handle to a temp file next to ``path``; rename it into place on success.

    A device or FIFO is opened and written directly (see ``writes_in_place``).
    Errors name ``path`` (see ``writing``).
    """
    mode, options = ("wb", {}) if binary else ("w", {"encoding": "utf-8", "newline": ""})
    with writing(path):
        if writes_in_place(path):
            with open_in_place(path, mode, **options) as handle:
                yield handle
            return
        temp = None
        try:
            with held():  # made and named together: a file made but not named would stay
                fd, temp = _temp_sibling(path)
                handle = os.fdopen(fd, mode, **options)
            with handle:
                yield handle
            publish(temp, path)
        except BaseException:
            discard(temp)
            raise


def _temp_sibling(path: str) -> tuple[int, str]:
    """A new private temp file in the directory of the file ``path`` replaces,
    so that the final rename stays on one file system."""
    directory = os.path.dirname(os.path.abspath(replaced_path(path)))
    return tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)


def temp_path_for(path: str) -> str:
    """A temp file path next to ``path`` (for writers that want a path, like Parquet)."""
    temp = None
    try:
        with held():  # made and named together: a file made but not named would stay
            fd, temp = _temp_sibling(path)
            os.close(fd)
    except BaseException:
        discard(temp)
        raise
    return temp


def publish(temp: str, path: str) -> None:
    """Move a finished temp file into place with the permissions of the file
    it replaces, else the usual ones for a new file (mkstemp makes it
    private, 0600): a report kept at 0600 must not become readable to all."""
    target = replaced_path(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    os.chmod(temp, mode)
    os.replace(temp, target)


def write_in_place(path: str, text: str | list[str]) -> None:
    """Write ``text`` into a device or FIFO (see ``writes_in_place``)."""
    with open_in_place(path, "w", encoding="utf-8", newline="") as handle:
        write_text(handle, text)


# Text written to a file at a time: a text file encodes what it is given at
# once, and a report of a million --by groups (250 MB of JSON) written whole
# held a second copy of itself as bytes.
WRITE_CHUNK = 1 << 22


def write_text(handle: IO, text: str | list[str]) -> None:
    """``handle.write(text)``, a bounded piece at a time; ``text`` may be a
    list of pieces (a document as it was rendered), written one after another."""
    for piece in [text] if isinstance(text, str) else text:
        if len(piece) <= WRITE_CHUNK:
            handle.write(piece)
            continue
        for start in range(0, len(piece), WRITE_CHUNK):
            handle.write(piece[start : start + WRITE_CHUNK])


def stage_text(path: str, text: str | list[str]) -> str:
    """Write ``text`` to a temp sibling of ``path`` and return its name; ``publish`` moves it into place."""
    temp = None
    try:
        temp = temp_path_for(path)
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            write_text(handle, text)
    except BaseException:
        discard(temp)
        raise
    return temp


def discard(temp: str | None) -> None:
    if temp is not None:
        with contextlib.suppress(OSError):
            os.unlink(temp)


class Terminated(KeyboardInterrupt):
    """SIGTERM: the run stops as it does on Ctrl-C, but the process ends with
    143 (128 + 15), the code shells and CI runners expect of a terminated
    process, not Ctrl-C's 130."""

    signal_number = signal.SIGTERM


def interrupted_exit_code(interrupt: KeyboardInterrupt) -> int:
    """128 + the number of the signal that stopped the run: 130 for Ctrl-C, 143 for SIGTERM."""
    return 128 + int(getattr(interrupt, "signal_number", signal.SIGINT))


def interruption(number: int, message: str = "") -> KeyboardInterrupt:
    """The exception that stops a run on signal ``number``."""
    return Terminated(message) if number == signal.SIGTERM else KeyboardInterrupt(message)


class Interrupts:
    """Ctrl-C and SIGTERM stop a run even when a library swallows the KeyboardInterrupt.

    (pyarrow's lazy import of pandas does.) The handlers raise KeyboardInterrupt
    as usual and remember which signal they had; ``check()`` raises it again
    before any output is put in place. SIGTERM, how CI and ``timeout`` stop a
    job, gets the same clean-up as Ctrl-C, as :class:`Terminated`, so that the
    exit code says which signal it was. Inside :func:`held` steps the
    signal is raised as the step ends.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "Interrupts":
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def _handle(self, number: int, frame: Any) -> None:
        if self.received is None:
            self.received = number
        if _Held.depth:
            _Held.pending = number
            return
        raise interruption(number)

    def check(self) -> None:
        if self.received is not None:
            raise interruption(self.received)

    def __exit__(self, *exc: Any) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


class _Held:
    """How many :func:`held` steps the main thread is in, and the signal
    that came during them (signal handlers run on the main thread only)."""

    depth = 0
    pending: int | None = None


class _HeldSignals:
    def __enter__(self) -> None:
        if threading.get_ident() == threading.main_thread().ident:
            _Held.depth += 1

    def __exit__(self, *exc: object) -> None:
        if threading.get_ident() != threading.main_thread().ident:
            return
        _Held.depth -= 1
        if _Held.depth == 0 and _Held.pending is not None:
            number, _Held.pending = _Held.pending, None
            raise interruption(number)


_HELD = _HeldSignals()


def held() -> _HeldSignals:
    """A step that Ctrl-C and SIGTERM must not stop half done, such as making
    a temp file and keeping its name, without which it could not be removed:
    under :class:`Interrupts` the signal is raised as the step ends, not in
    it. Keep such steps short; on other threads, or without
    :class:`Interrupts`, nothing is held."""
    return _HELD
