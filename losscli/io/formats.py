"""What an input is: its format and compression, told by --input-format,
the file name, or the first bytes of the data.

No reading beyond a few bytes here; the readers in ``readers.py`` use these
answers to pick a source.
"""

from __future__ import annotations

import glob as globbing
import os
import re

from ..errors import LossCliError

FORMATS = ("csv", "tsv", "parquet", "arrow", "ndjson")
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".parq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    # The stream format's registered extension (application/vnd.apache.arrow.stream).
    ".arrows": "arrow",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
}
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
_FORMAT_ALIASES = {"jsonl": "ndjson", "json": "ndjson", "feather": "arrow", "ipc": "arrow", "pq": "parquet"}


# Files people save predictions in that losscli does not read: what each is,
# and what to do instead. Told by the name, else by the first bytes.
_TABLE_INSTEAD = "write a table with named columns, e.g. pd.DataFrame({'y_true': y, 'y_pred': p}).to_parquet('preds.parquet'), or pass the arrays to losscli.compute in Python"
_DECOMPRESS = "decompress it first (xz -d FILE), or compress with gzip, bzip2 or zstd (.gz, .bz2, .zst), which losscli streams"
_FOREIGN_NAMES = {
    ".xz": ("xz-compressed", _DECOMPRESS),
    ".lzma": ("lzma-compressed", _DECOMPRESS),
    ".zip": ("a ZIP archive", "extract the file first (unzip FILE); or write .gz, .bz2 or .zst, which losscli streams"),
    ".7z": ("a 7-Zip archive", "extract the file first"),
    ".npy": ("a NumPy array file", _TABLE_INSTEAD),
    ".npz": ("a NumPy archive", _TABLE_INSTEAD),
    ".pt": ("a PyTorch file", _TABLE_INSTEAD),
    ".pth": ("a PyTorch file", _TABLE_INSTEAD),
    ".pkl": ("a Python pickle", _TABLE_INSTEAD),
    ".pickle": ("a Python pickle", _TABLE_INSTEAD),
    ".xlsx": ("an Excel workbook", "save the sheet as CSV UTF-8 (File, Save As)"),
    ".xls": ("an Excel workbook", "save the sheet as CSV UTF-8 (File, Save As)"),
    ".ods": ("a spreadsheet", "save the sheet as CSV (UTF-8)"),
}
# None of these starts a text file: each holds a byte that cannot begin UTF-8 text, or a NUL.
_FOREIGN_MAGIC = (
    (b"PK\x03\x04", ".zip"),
    (b"\xfd7zXZ\x00", ".xz"),
    (b"7z\xbc\xaf\x27\x1c", ".7z"),
    (b"\x93NUMPY", ".npy"),
    (b"\xd0\xcf\x11\xe0", ".xls"),
)


def foreign_format(path: str, head: bytes) -> tuple[str, str] | None:
    """(what the input is, what to do instead) for a format losscli does not
    read, told by the file name or else the first bytes; None otherwise."""
    name = path.lower()
    for ext, answer in _FOREIGN_NAMES.items():
        if name.endswith(ext):
            return answer
    for magic, ext in _FOREIGN_MAGIC:
        if head.startswith(magic):
            return _FOREIGN_NAMES[ext]
    # Pickle protocols 2 to 5 start with 0x80, then the protocol number.
    if len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return _FOREIGN_NAMES[".pkl"]
    return None


def detect_format(path: str, override: str | None) -> tuple[str, str | None]:
    """(format, compression) from --input-format or the file name; stdin
    ('-') is CSV here, and open_source tells its format by its first bytes."""
    if override:
        fmt = _FORMAT_ALIASES.get(override.lower(), override.lower())
        if fmt not in FORMATS:
            raise LossCliError(f"unknown input format '{override}'", hint=f"formats: {', '.join(FORMATS)}")
    compression = next((kind for ext, kind in COMPRESSION.items() if path.lower().endswith(ext)), None)
    if override:
        return fmt, compression
    if path == "-":
        return "csv", None
    if is_dataset(path):
        # Before the name: Spark writes a dataset as a folder named preds.csv.
        return dataset_format(path), None
    named = named_format(path)
    if named is not None:
        return named, compression
    if _looks_like_parquet(path):
        return "parquet", None
    return "csv", compression


def named_format(path: str) -> str | None:
    """The format a file's extension names (past any compression suffix), or None."""
    name = path.lower()
    for ext in COMPRESSION:
        if name.endswith(ext):
            name = name[: -len(ext)]
    return EXTENSIONS.get(os.path.splitext(name)[1])


def is_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def is_dataset(path: str) -> bool:
    """A directory, or a glob that is not itself a file's name: several files read as one input."""
    return os.path.isdir(path) or (is_glob(path) and not os.path.exists(path))


FORMAT_NAMES = {"csv": "CSV", "tsv": "TSV", "parquet": "Parquet", "arrow": "Arrow", "ndjson": "JSON Lines"}


def dataset_format(path: str) -> str:
    """What the files of a directory or glob are, told by their names: one
    format, as a dataset is read in one format. A folder of files of no
    known name is left to the Parquet reader, whose error says what the
    folder holds instead."""
    members = dataset_members(path)
    formats = [fmt for fmt in FORMATS if any(named_format(name) == fmt for name in members)]
    if len(formats) > 1:
        names = [FORMAT_NAMES[fmt] for fmt in formats]
        listed = " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
        example = next(name for name in members if named_format(name) == formats[0])
        raise LossCliError(
            f"the dataset holds {'both ' if len(names) == 2 else ''}{listed} files; losscli reads a dataset of one format",
            file=path,
            hint=f"move the files of one format elsewhere, or name one format's files with a pattern such as '{_one_format_pattern(path, example)}'",
        )
    return formats[0] if formats else "parquet"


def _one_format_pattern(path: str, example: str) -> str:
    """A glob of the folder's files named like ``example``: 'ds/*.parquet', 'ds/*.csv.gz'."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    name = example.lower()
    suffix = next((ext for ext in COMPRESSION if name.endswith(ext)), "")
    return os.path.join(folder, "*" + os.path.splitext(name[: len(name) - len(suffix)])[1] + suffix)


def dataset_files(path: str, fmt: str, *, given: bool) -> list[str]:
    """The files of a dataset read as ``fmt``: those named as that format
    (CSV and TSV alike), and, when --input-format ``given`` says what they
    are, those named as no format at all (Hadoop's part-00000)."""
    family = {"tsv": "csv"}.get(fmt, fmt)
    found = []
    for name in dataset_members(path):
        named = named_format(name)
        if {"tsv": "csv"}.get(named, named) == family or (given and named is None):
            found.append(name)
    return found


def dataset_members(path: str) -> list[str]:
    """The files of a directory (below it too, sorted, hidden and ``_``-marked
    ones such as ``_SUCCESS`` left out) or matched by a glob (sorted)."""
    if is_glob(path) and not os.path.isdir(path):
        return sorted(p for p in globbing.glob(path, recursive=True) if os.path.isfile(p))
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found += [os.path.join(root, f) for f in sorted(files) if not f.startswith((".", "_"))]
    return found


def _looks_like_parquet(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False


# ----------------------------------------------------------------------------- first bytes


# A JSON object opening with a key (or closing empty): a CSV header cell may
# start with "{" ("{x}"), but not with "{" and a quote.
_NDJSON_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\{\s*[\"}]")
_IPC_CONTINUATION = b"\xff\xff\xff\xff"
# A JSON array of rows or of arrays (pandas' to_json with orient="records" or
# "values"), or an empty one: no CSV header starts with "[{", "[[" or "[]".
_JSON_ARRAY_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*\[\s*[\[{\]]")


def format_from_magic(head: bytes) -> str:
    """parquet, arrow, ndjson or csv, from the first bytes of the input.

    Only what no text file starts with counts: a magic string followed by a
    byte that is not text (a CSV header cell may be named PAR1), the IPC
    stream's 0xFFFFFFFF (never in UTF-8) with a plausible message length, a
    JSON object's opening brace and key, or a JSON array of objects or arrays.
    """
    if _magic_then_binary(head, b"PAR1"):
        return "parquet"
    if _magic_then_binary(head, b"ARROW1") or _starts_ipc_stream(head) or is_feather_v1(head):
        return "arrow"
    if _NDJSON_START.match(head) or _JSON_ARRAY_START.match(head):
        return "ndjson"
    return "csv"


def is_feather_v1(head: bytes) -> bool:
    """Feather's first format (pandas before 1.1, R's feather package): not
    Arrow IPC, so the Arrow reader's own error would not say what it is."""
    return _magic_then_binary(head, b"FEA1")


def _magic_then_binary(head: bytes, magic: bytes) -> bool:
    if not head.startswith(magic) or len(head) == len(magic):
        return False
    following = head[len(magic)]
    return following < 0x20 and following not in b"\t\n\r"


def _starts_ipc_stream(head: bytes) -> bool:
    """The stream format's first message: the continuation marker, then the
    length of its metadata, which Arrow pads to a multiple of 8 bytes."""
    if not head.startswith(_IPC_CONTINUATION) or len(head) < 8:
        return False
    length = int.from_bytes(head[4:8], "little")
    return length > 0 and length % 8 == 0


_COMPRESSION_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"))
# "BZh", the block size, then the magic of a block or of the end of the stream.
_BZIP2_MAGIC = re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)")


def compression_from_magic(data: bytes) -> str | None:
    """gzip, bz2 or zstd, from the data's first bytes; None for anything else."""
    for magic, kind in _COMPRESSION_MAGIC:
        if data.startswith(magic):
            return kind
    return "bz2" if _BZIP2_MAGIC.match(data) else None
