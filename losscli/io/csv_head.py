"""What the head of a CSV file says before Arrow reads it: its encoding, an
Excel ``sep=`` line, its delimiter, and whether its first line names columns.
Each check turns what would fail deep in Arrow, or silently read wrong, into
an error that says what the file is and how to fix it."""

from __future__ import annotations

import codecs
import csv
import fnmatch
import re

from ..errors import LossCliError
from .csv_errors import nul_bytes
from .numbers import number_pattern

DELIMITERS = (",", ";", "\t", "|")

# --delimiter by name: a tab is awkward to type in a shell ('\t' arrives as a
# backslash and a t; the character itself needs $'\t'), and the others read
# better in a script than a quoted punctuation mark.
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def delimiter_given(text: str) -> str:
    """The delimiter character that --delimiter names: one character, or a
    name from DELIMITER_NAMES."""
    named = DELIMITER_NAMES.get(text.lower())
    if named is not None:
        return named
    if len(text) == 1:
        return text
    raise LossCliError(
        f"--delimiter must be one character or a name (tab, comma, semicolon, pipe, space, or \\t), got '{text}'",
        hint="for tab-separated files: --delimiter tab",
    )


_WIDE_ENCODINGS = (
    # UTF-32 LE first: its byte-order mark begins with UTF-16 LE's.
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def check_encoding(head: bytes, display: str) -> None:
    """Reject UTF-16/UTF-32 text (Excel's "Unicode text"), which Arrow would
    misread as one-field rows, and NUL bytes, which no text holds."""
    for mark, encoding in _WIDE_ENCODINGS:
        if head.startswith(mark):
            raise _wide(encoding, display)
    nul = head.find(b"\0")
    if nul < 0:
        return
    # Without a byte-order mark, wide text of ASCII characters has NULs in
    # fixed bytes of every character (two of four in UTF-16, three in UTF-32)
    # and none in the others; zeros padding a file (or binary data) have them
    # in every position alike.
    sample = head[:4096]
    counts = [sample[residue::4].count(0) for residue in range(4)]
    quarter = len(sample) / 4
    if min(counts) <= quarter / 10 and max(counts) >= quarter / 2:
        raise _wide("UTF-32" if sum(count >= quarter / 2 for count in counts) == 3 else "UTF-16", display)
    newline = b"\n" if b"\n" in head[:nul] or b"\r" not in head[:nul] else b"\r"
    raise nul_bytes(nul, display, line=head[:nul].count(newline) + 1)


def _wide(encoding: str, display: str) -> LossCliError:
    return LossCliError(f"the file is {encoding} encoded", file=display, hint="save it as UTF-8 CSV; in Excel: Save As, CSV UTF-8")


def check_header_encoding(head: bytes, display: str) -> None:
    """A header that is not UTF-8, such as Excel's plain "CSV" in Windows-1252
    (Région), would fail deep in Arrow as a codec error."""
    header, complete = head.split(b"\n", 1)[0], b"\n" in head
    try:
        header.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A header cut short by the head's end may stop inside a character.
        if complete or error.end < len(header):
            raise LossCliError(
                "the header line is not valid UTF-8",
                file=display,
                hint="save it as UTF-8 CSV; in Excel: Save As, CSV UTF-8, not plain CSV, which is Windows-1252",
            ) from None


def delimiter_directive(head: bytes) -> str | None:
    """The delimiter named by a first line like ``sep=;``, which Excel writes."""
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    match = re.fullmatch(rb"sep=(.)", first, flags=re.DOTALL)
    return match.group(1).decode("latin-1") if match else None


def check_decimal_and_delimiter(delimiter: str, decimal: str, display: str) -> None:
    """Refuse --decimal , in a file whose fields are separated by commas:
    0,5,1 could be the cells 0,5 and 1 or 0 and 5,1. pandas refuses the
    same pair (sep and decimal may not be equal)."""
    if decimal == "," and delimiter == ",":
        raise LossCliError(
            "--decimal , reads numbers written 0,5, but the fields of this file are separated by commas too, so a row cannot be split",
            file=display,
            hint="files with decimal commas separate their fields with ';' (or a tab): give --delimiter semicolon if it does, else write it so",
        )


def check_header_is_names(header: str, delimiter: str, display: str, names_given: frozenset[str] = frozenset(), decimal: str = ".") -> None:
    """Refuse a first line of numbers such as 0.25,1.5e-03 or 1,0: a file
    written without a header (numpy's savetxt by default) would lose its
    first row to the header and be read one row short without a word."""
    cells = _loose_cells(header, delimiter)
    if not _numbers_not_names(cells, names_given, decimal):
        return
    shown = ", ".join(cells[:3]) + (", ..." if len(cells) > 3 else "")
    raise LossCliError(
        f"the first line holds numbers ({shown}), not column names",
        file=display,
        hint=(
            "the first line must be a header naming the columns, e.g. y_true,y_pred; with numpy: "
            "np.savetxt(path, data, delimiter=',', header='y_true,y_pred', comments=''); "
            "if they are column names (quantiles, or pandas' 0,1,2 for unnamed columns), name the one to read with --pred-col or --label-col"
        ),
    )


def _loose_cells(header: str, delimiter: str) -> list[str]:
    return [cell.strip().strip('"') for cell in re.split(rf"[\s{re.escape(delimiter)}]+", header.strip())]


def _numbers_not_names(cells: list[str], names_given: frozenset[str], decimal: str = ".") -> bool:
    """Whether header cells are numbers rather than column names.

    A line of nothing but numbers is a row: whole numbers too, since a
    headerless file of class labels or counts (1, 0, 0) would otherwise lose
    its first row to the header without a word. Numbers do name columns
    when an option names one of them: quantiles (0.1,0.5,0.9), or the 0,1,2
    pandas writes for the columns of an unnamed frame."""
    if not all(re.fullmatch(number_pattern(decimal), cell) for cell in cells):
        return False
    return not any(fnmatch.fnmatchcase(cell, name) for cell in cells for name in names_given)


# np.savetxt(path, data, header="y_true,y_pred") writes its header after the
# comment prefix, whose default is "# ".
_NUMPY_COMMENT = "# "


def without_numpy_comment(header: str, first_row: str, delimiter: str | None, names_given: frozenset[str] = frozenset(), decimal: str = ".") -> str | None:
    """The header line without numpy's "# " before it, when what follows
    names the columns; None otherwise, and the line is read as written."""
    if not header.startswith(_NUMPY_COMMENT):
        return None
    rest = header[len(_NUMPY_COMMENT) :]
    cells = header_cells(rest, delimiter or sniff_delimiter(rest, first_row, decimal))
    if not all(cell.strip() for cell in cells) or _numbers_not_names([c.strip() for c in cells], names_given, decimal):
        return None
    return rest


def header_cells(header: str, delimiter: str) -> list[str]:
    """The column names of a header line, split as Arrow's CSV reader splits them."""
    return next(csv.reader([header.rstrip("\r\n")], delimiter=delimiter), [])


# How each delimiter is named in a message, and given to --delimiter (a
# shell would take a bare ; or | for its own).
_DELIMITER_SHOWN = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_SEPARATED = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def wrong_delimiter_advice(names: list[str], delimiter: str, *, by_format: bool) -> str | None:
    """What to say when a header read with a delimiter the user chose (or
    the .tsv name implied) gives one column, and another common delimiter
    splits it into several names: a comma-separated file named .tsv, or
    --delimiter tab for a CSV file. Its errors would otherwise list the
    whole header as the one column, and offer it as the closest name."""
    if len(names) != 1:
        return None
    splits = {other: header_cells(names[0], other) for other in DELIMITERS if other != delimiter}
    best = max(splits, key=lambda other: len(splits[other]))
    cells = splits[best]
    # pandas' unnamed index leaves the first name empty (",y_true,y_pred").
    if sum(1 for cell in cells if cell.strip()) < 2:
        return None
    shown = _DELIMITER_SHOWN[best]
    fix = f"--delimiter {shown}"
    if by_format:
        return f"read as tab-separated (TSV), the header is one column, but it splits on {shown} into {len(cells)} names: the file looks {_SEPARATED[best]}-separated; give {fix}"
    return f"the header reads as one column but splits on {shown} into {len(cells)} names: {fix}"


def sniff_delimiter(header: str, first_row: str, decimal: str = ".") -> str:
    """The delimiter of the header among DELIMITERS, else single spaces,
    else ','. With decimal commas a comma in the header counts only when no
    other delimiter is there (and is then refused as ambiguous), and a
    header of one column gets ';', so its decimal commas split nothing."""
    candidates = [d for d in DELIMITERS if d != decimal]
    counts = {d: header.count(d) for d in candidates}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] > 0:
        return best
    if _split_by_spaces(header, first_row):
        return " "
    return ";" if decimal == "," and "," not in header else ","


def _split_by_spaces(header: str, first_row: str) -> bool:
    """Single spaces between the cells of the header and of the first row,
    as many in each (numpy's savetxt with a header, delimiter ' '): a single
    column named with a space ("my score") has one cell a row, not two."""
    cells = header.strip().split(" ")
    return len(cells) > 1 and all(cells) and len(first_row.strip().split(" ")) == len(cells)


def second_line(head: bytes) -> str:
    lines = head.split(b"\n", 2)
    return lines[1].decode("utf-8", errors="replace") if len(lines) > 1 else ""


def comment_lines(head: bytes, delimiter: str | None, names_given: frozenset[str] = frozenset(), decimal: str = ".") -> tuple[int, int]:
    """(lines, bytes) of the comment lines (``#``) and blank lines before the
    header, to be passed over as pandas' ``comment='#'`` passes them: the
    notes tools write above a table (``# generated by ...``). None are passed
    over when the first line after them is a row of numbers: a single
    numpy "# y_true,y_pred" line is then the header (see
    ``without_numpy_comment``), and so is the last of several (savetxt with a
    header of several lines), the ones before it passed over; a first line
    such as "#id,y_true" above rows is a header as written."""
    ends = [match.end() for match in re.finditer(rb"\r\n|\r|\n", head)]
    starts = [0] + ends
    count = 0
    while count < len(ends):
        line = head[starts[count] : ends[count]].strip()
        if count == 0 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :].strip()
        if line and not line.startswith(b"#"):
            break
        count += 1
    comments = sum(1 for i in range(count) if head[starts[i] : ends[i]].strip())
    if count == len(ends) or comments == 0:
        return 0, 0
    following = head[starts[count] : ends[count] if count < len(ends) else len(head)].decode("utf-8", errors="replace").strip()
    if not any(re.fullmatch(number_pattern(decimal), cell) for cell in _loose_cells(following, delimiter or ",")):
        return count, starts[count]
    # A row of numbers: the last comment line may name its columns (numpy).
    last = max(i for i in range(count) if head[starts[i] : ends[i]].strip())
    header = head[starts[last] : ends[last]].decode("utf-8-sig", errors="replace").strip()
    names = without_numpy_comment(header, following, delimiter, names_given, decimal)
    if last == 0 or names is None:
        return 0, 0
    split = delimiter or sniff_delimiter(names, following, decimal)
    if len(header_cells(names, split)) != len(header_cells(following, split)):
        return 0, 0
    return last, starts[last]
