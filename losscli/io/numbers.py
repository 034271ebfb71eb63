"""Numbers written as text: what a CSV cell must look like to be read as a
number or a boolean, and what to say about one that is not."""

from __future__ import annotations

import re

from ..errors import LossCliError

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

# --decimal by name, as --delimiter takes names: 'comma' reads better in a
# script than a bare punctuation mark.
DECIMAL_NAMES = {"point": ".", "dot": ".", "comma": ","}


def decimal_given(text: str) -> str:
    """The decimal separator --decimal names: '.' or ',', or its name."""
    separator = DECIMAL_NAMES.get(text.strip().lower(), text.strip())
    if separator not in (".", ","):
        raise LossCliError(f"--decimal must be '.' or ',' (or point, comma), got '{text}'", hint="for numbers written 0,5: --decimal ,")
    return separator


def number_pattern(decimal: str = ".") -> str:
    """NUMBER for numbers written with ``decimal`` as their decimal separator,
    as Arrow's decimal_point reads them (',5', '5,' and '1,5e-3' too)."""
    return NUMBER if decimal == "." else NUMBER.replace(r"\.", re.escape(decimal))


# 0,25 or 1.234,5: a number written where the decimal separator is a comma
# (pandas' decimal=",", R's write.csv2, Excel and LibreOffice in such locales).
_DECIMAL_COMMA = re.compile(r"\s*[-+]?(\d{1,3}(\.\d{3})+|\d*),\d+([eE][-+]?\d+)?\s*")
# The same, for Arrow's regular expressions over a whole column.
DECIMAL_COMMA = f"^{_DECIMAL_COMMA.pattern}$"


# 1,000 or 12,345,678.5: separators between groups of three digits, as Excel
# and spreadsheets write a number formatted with a thousands separator (with
# a decimal comma, 1.234,5). A first group of 0 is never grouped, so 0,125 is
# a decimal comma.
def _thousands(decimal: str) -> re.Pattern:
    group, point = re.escape("," if decimal == "." else "."), re.escape(decimal)
    return re.compile(rf"\s*[-+]?[1-9]\d{{0,2}}(?P<groups>({group}\d{{3}})+)(?P<fraction>{point}\d*)?([eE][-+]?\d+)?\s*")


_THOUSANDS = {decimal: _thousands(decimal) for decimal in (".", ",")}


def _thousands_separated(text: str, delimiter: str | None, decimal: str) -> bool:
    """Whether the separators in ``text`` group thousands rather than mark
    the decimals.

    With a decimal separator or more than one group they can only be
    thousands separators. One before three digits (1,000) could be either:
    in a comma-separated file such a number had to be quoted, as
    spreadsheets quote their formatted numbers, so it is a thousands
    separator; files separated otherwise (';' above all) are written where
    the decimal separator is the comma. With --decimal , the user has said
    the comma is the decimal separator, and 1.000 reads as a decimal point."""
    match = _THOUSANDS[decimal].fullmatch(text)
    if match is None:
        return False
    if match.group("fraction") or match.group("groups").count(match.group("groups")[0]) > 1:
        return True
    return decimal == "." and delimiter in (",", None)


_WRITE_WITH_POINTS = "pandas decimal='.', R write.csv rather than write.csv2, or Excel and LibreOffice set to a locale that uses '.'"


def not_a_number(text: str, delimiter: str | None = None, decimal: str = ".") -> tuple[str, str]:
    """(message, hint) for text found in a numeric column of a CSV file
    separated by ``delimiter`` whose numbers are written with ``decimal``
    (delimiter None: not read as CSV, so --decimal is no fix)."""
    if _thousands_separated(text, delimiter, decimal):
        if decimal == ",":
            return (
                f"'{text}' is written with a thousands separator; numbers need plain digits (1234,5, not 1.234,5)",
                "remove the thousands separators: in Excel, format the column as Number without 'Use 1000 Separator'; "
                "pandas reads such a file with read_csv(sep=';', decimal=',', thousands='.')",
            )
        return (
            f"'{text}' is written with a thousands separator; numbers need plain digits (1000, not 1,000)",
            "remove the thousands separators: in Excel, format the column as Number without 'Use 1000 Separator'; "
            "pandas reads such a file with read_csv(thousands=',') and writes it plainly with to_csv",
        )
    if decimal == "," and re.fullmatch(NUMBER, text):
        # Not read as the number it would be with a decimal point: where the
        # comma is the decimal separator, 1.234 is one thousand two hundred
        # and thirty-four, so the guess could be silently wrong. Arrow and
        # pandas (decimal=",") refuse it too.
        return (
            f"'{text}' is written with a decimal point, but --decimal , reads numbers written with a decimal comma (0,5)",
            "write every number of the file with a decimal comma; if they all have a decimal point, leave out --decimal ,",
        )
    if decimal == "." and _DECIMAL_COMMA.fullmatch(text):
        return f"'{text}' is written with a decimal comma; numbers need a decimal point", _decimal_comma_fix(delimiter)
    if text.strip() == ".":
        # SAS writes a missing number as '.', and so do SPSS and Stata
        # exports of it; pandas reads it as text, not as missing.
        return (
            "'.' in a numeric column: SAS's mark of a missing value, which is not a number",
            "write missing values as empty cells (in SAS, options missing=' '; before the export), "
            "then --nan-policy omit leaves those rows out; pandas reads the file as it is with read_csv(na_values=['.'])",
        )
    if _LIST_TEXT.fullmatch(text):
        # pandas' to_csv writes a column of lists or numpy arrays as their
        # text ('[0.2, 0.7, 0.1]', '[0.2 0.7 0.1]'), which no CSV reader turns
        # back into numbers: say so instead of 'fix or remove the value'.
        return (
            f"a list written as text ('{_shortened(text)}') in a numeric column: a CSV cell cannot hold a list",
            "write one column per element (p_0, p_1, ...) and name them with a glob such as --pred-col 'p_*', "
            "or save the table as Parquet (df.to_parquet), which keeps a list column as a list",
        )
    return f"non-numeric text '{text}' in a numeric column", "fix or remove the value; empty cells, NaN, null, NA, None and pandas' other missing markers count as missing (see --nan-policy)"


# A list or a numpy array as pandas' to_csv writes it: '[0.2, 0.7]', '[0.2 0.7]',
# '[np.float64(0.2), ...]' (numpy 2), or a tuple '(0.2, 0.7)'.
_LIST_TEXT = re.compile(r"\s*(\[.*\]|\(.*,.*\))\s*", re.DOTALL)


def _shortened(text: str, width: int = 40) -> str:
    """``text`` on one line and cut to ``width`` characters: a list of a
    thousand class probabilities would bury the rest of the message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _decimal_comma_fix(delimiter: str | None) -> str:
    """How to read numbers written with a decimal comma: --decimal , reads
    them from a CSV file whose fields are not separated by commas."""
    if delimiter is None:
        return f"write the file with '.' as the decimal separator: {_WRITE_WITH_POINTS}"
    if delimiter == ",":
        return f"write the file with '.' as the decimal separator ({_WRITE_WITH_POINTS}), or with ';' between the fields and read it with --decimal ,"
    return f"read it with --decimal , as pandas does with decimal=',', or write it with '.' as the decimal separator: {_WRITE_WITH_POINTS}"
