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


def not_a_number(text: str) -> tuple[str, str]:
    """(message, hint) for text found in a numeric column."""
    if _DECIMAL_COMMA.fullmatch(text):
        return (
            f"'{text}' is written with a decimal comma; numbers need a decimal point",
            "write the file with '.' as the decimal separator: pandas decimal='.', R write.csv rather than write.csv2, or Excel and LibreOffice set to a locale that uses '.'",
        )
    return f"non-numeric text '{text}' in a numeric column", "fix or remove the value; empty cells, NaN, null, NA, None and pandas' other missing markers count as missing (see --nan-policy)"
