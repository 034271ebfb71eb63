"""Numbers written as text: what a CSV cell must look like to be read as a
number or a boolean, and what to say about one that is not."""

from __future__ import annotations

import re

# The cells read as a missing value: pandas' read_csv defaults
# (pandas._libs.parsers.STR_NA_VALUES), so a file reads as pandas reads it.
# Arrow's own list lacks "None" and "<NA>", which pandas writes for a missing
# value of an object or nullable column (df.to_csv), and which were refused
# as text in a numeric column even with --nan-policy omit.
MISSING_WORDS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)

# The words Arrow's CSV reader reads as true and false (its defaults).
BOOLEAN_WORDS = ("1", "True", "TRUE", "true", "0", "False", "FALSE", "false")

NUMBER = r"^\s*[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf|Inf|INF|infinity|Infinity|nan|NaN|NAN)\s*$"
# 0,25 or 1.234,5: a number written where the decimal separator is a comma
# (pandas' decimal=",", R's write.csv2, Excel and LibreOffice in such locales).
_DECIMAL_COMMA = re.compile(r"\s*[-+]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][-+]?\d+)?\s*")
# The same, for Arrow's regular expressions over a whole column.
DECIMAL_COMMA = f"^{_DECIMAL_COMMA.pattern}$"


# 1,000 or 12,345,678.5: commas between groups of three digits, as Excel and
# spreadsheets write a number formatted with a thousands separator. A first
# group of 0 is never grouped, so 0,125 is a decimal comma.
_THOUSANDS = re.compile(r"\s*[-+]?[1-9]\d{0,2}(?P<groups>(,\d{3})+)(?P<fraction>\.\d*)?([eE][-+]?\d+)?\s*")


def _thousands_separated(text: str, delimiter: str | None) -> bool:
    """Whether the commas in ``text`` separate thousands rather than decimals.

    With a decimal point or more than one comma they can only be thousands
    separators. One comma before three digits (1,000) could be either: in a
    comma-separated file such a number had to be quoted, as spreadsheets
    quote their formatted numbers, so it is a thousands separator; files
    separated otherwise (';' above all) are written where the decimal
    separator is the comma."""
    match = _THOUSANDS.fullmatch(text)
    if match is None:
        return False
    if match.group("fraction") or match.group("groups").count(",") > 1:
        return True
    return delimiter in (",", None)


def not_a_number(text: str, delimiter: str | None = None) -> tuple[str, str]:
    """(message, hint) for text found in a numeric column of a file
    separated by ``delimiter`` (None: unknown)."""
    if _thousands_separated(text, delimiter):
        return (
            f"'{text}' is written with a thousands separator; numbers need plain digits (1000, not 1,000)",
            "remove the thousands separators: in Excel, format the column as Number without 'Use 1000 Separator'; "
            "pandas reads such a file with read_csv(thousands=',') and writes it plainly with to_csv",
        )
    if _DECIMAL_COMMA.fullmatch(text):
        return (
            f"'{text}' is written with a decimal comma; numbers need a decimal point",
            "write the file with '.' as the decimal separator: pandas decimal='.', R write.csv rather than write.csv2, or Excel and LibreOffice set to a locale that uses '.'",
        )
    return f"non-numeric text '{text}' in a numeric column", "fix or remove the value; empty cells, NaN, null, NA, None and pandas' other missing markers count as missing (see --nan-policy)"
