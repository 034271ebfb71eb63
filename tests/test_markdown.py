"""Markdown tables: every cell of every table escaped in one place.

A table row is read as GitHub reads it: split on the pipes that are not
escaped with a backslash.
"""

from __future__ import annotations

import re

import pytest

from conftest import write_csv
from losscli import markdown as md


def cells(line: str) -> list[str]:
    """The cells of a table row, split as GitHub Flavored Markdown splits them."""
    inner = line.strip()[1:-1]
    return [part.strip().replace("\\|", "|") for part in re.split(r"(?<!\\)\|", inner)]


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def assert_rectangular(text: str) -> list[list[str]]:
    rows = [cells(line) for line in table_lines(text)]
    assert rows and len({len(row) for row in rows}) == 1, text
    return rows


def test_row_escapes_pipes_and_line_breaks_in_every_cell() -> None:
    assert md.row(["a|b", "two\nlines", 3]) == "| a\\|b | two lines | 3 |"
    assert cells(md.row(["a|b", "c"])) == ["a|b", "c"]


def test_code_span_holds_backticks() -> None:
    assert md.code("mse") == "`mse`"
    # CommonMark: a span fenced by two backticks may hold one; a space pads a backtick at the edge.
    assert md.code("a`b") == "``a`b``"
    assert md.code("`x`") == "`` `x` ``"


def test_table_needs_an_alignment_per_column() -> None:
    with pytest.raises(ValueError):
        md.table(["a", "b"], [md.LEFT], [])


@pytest.fixture
def piped(tmp_path):
    # A --by column and a group value with a pipe (the '|' would otherwise end the cell).
    path = tmp_path / "pipe.csv"
    path.write_text('y_true,y_pred,"a|b"\n1,2,x|y\n2,2,z\n3,5,x|y\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "{p}", "--loss", "mse", "--by", "a|b"),
        ("compare", "{p}", "{p}", "--model-name", "A|1", "--model-name", "B", "--loss", "mse"),
        ("compare", "{p}", "{p}", "--model-name", "A|1", "--model-name", "B", "--loss", "mse", "--by", "a|b"),
        ("compute", "{p}", "--loss", "mse", "--by", "a|b"),
        ("compute", "{p}", "--loss", "mse", "--by", "a|b", "--reduction", "none"),
    ],
)
def test_every_markdown_table_keeps_its_columns(cli, piped, args) -> None:
    result = cli(*[a.format(p=piped) for a in args], "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    rows = assert_rectangular(result.stdout)
    text = " ".join(" ".join(row) for row in rows)
    assert "a|b" in text or "A|1" in text
    if "--by" in args:
        assert rows[0][:2] in (["Loss", "a|b"], ["row", "a|b"]) and any("x|y" in row for row in rows)


def test_list_and_info_tables_keep_their_columns(cli) -> None:
    assert_rectangular(cli("list", "--format", "markdown").stdout)
    # huber's convention choices read "torch | keras | optax": one cell.
    info = cli("info", "huber", "--format", "markdown").stdout
    parameters = info.split("### Parameters")[1].split("###")[0]
    rows = assert_rectangular(parameters)
    assert any(row[2] == "torch | keras | optax" for row in rows)


def blocks(text: str) -> list[str]:
    """The blocks of a document: Markdown ends a table or a quote only at a blank line."""
    return [block for block in text.split("\n\n") if block.strip()]


@pytest.mark.parametrize(
    "args",
    [
        ("compute", "{p}", "--loss", "mse", "--by", "a|b"),
        ("compute", "{p}", "--loss", "mse", "--reduction", "none"),
        ("compare", "{p}", "{p}", "--loss", "mse"),
        ("compare", "{p}", "--loss", "mse"),
        ("recommend", "--task", "regression"),
        ("list",),
        ("info", "mse"),
    ],
)
def test_a_markdown_report_ends_with_a_blank_line(cli, piped, args) -> None:
    # A job appends each report to one summary (>> "$GITHUB_STEP_SUMMARY"): without
    # the blank line the next report's header and rows went on as rows of this table.
    result = cli(*[a.format(p=piped) for a in args], "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("\n\n") and not result.stdout.endswith("\n\n\n"), result.stdout[-80:]


def test_reports_appended_to_one_summary_stay_separate_tables(cli, piped, tmp_path) -> None:
    # ln(0) for bce at eps 0: an infinite value, reported as null with a note under the table.
    certain = write_csv(tmp_path / "certain.csv", {"y_true": [1, 0], "y_pred": [0.0, 0.5]})
    summary = "".join(
        cli(*args, "--format", "markdown").stdout
        for args in (
            ("compute", piped, "--loss", "mse", "--by", "a|b"),
            ("compute", certain, "--loss", "bce", "--eps", "0"),
            ("compare", certain, certain, "--model-name", "a", "--model-name", "b", "--loss", "bce", "--eps", "0"),
        )
    )
    tables = [block for block in blocks(summary) if block.startswith("|")]
    assert [assert_rectangular(table)[0] for table in tables] == [["Loss", "a|b", "Value", "Rows"], ["Loss", "Value", "Rows"], ["Loss", "a", "b"]]
    # Each note is a paragraph of its own: consecutive '>' lines are one paragraph, run together.
    quotes = [block for block in blocks(summary) if block.startswith(">")]
    assert quotes[-1].split("\n") == [
        "> a: bce: the value is infinite (overflow or an impossible case); reported as null",
        ">",
        "> b: bce: the value is infinite (overflow or an impossible case); reported as null",
    ]


# Names that GitHub would render as bold, italics, HTML, a code span, a link or
# struck-through text, with the cell each must become to show as written.
FORMATTING_NAMES = [
    ("**x**", "\\*\\*x\\*\\*"),
    ("_tmp_", "\\_tmp\\_"),
    ("<b>", "\\<b>"),
    ("a`b", "a\\`b"),
    ("c:\\runs", "c:\\\\runs"),
    ("[v2](x)", "\\[v2\\](x)"),
    ("~~old~~", "\\~\\~old\\~\\~"),
    ("R&amp;D", "R\\&amp;D"),
    ("$x$", "\\$x\\$"),
    # An underscore between letters or digits cannot start emphasis: left as written.
    ("model_a_2", "model_a_2"),
    ("a|b", "a\\|b"),
]


@pytest.mark.parametrize(("name", "escaped"), FORMATTING_NAMES)
def test_plain_cells_escape_markdowns_inline_specials(name, escaped) -> None:
    assert md.row([name]) == f"| {escaped} |"


def test_built_cells_keep_their_markdown() -> None:
    # A code span shows its text as written already: a backslash in it would be shown too.
    assert md.row([md.code("a_b*c"), md.bold("_x_"), md.markup(md.code("y"), " (*)")]) == "| `a_b*c` | **\\_x\\_** | `y` (\\*) |"
    assert md.joined(", ", [md.code("p_*"), "<q>"]) == "`p_*`, \\<q>"


def test_model_names_show_as_written_in_a_job_summary(cli, tmp_path) -> None:
    a = write_csv(tmp_path / "a.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0]})
    b = write_csv(tmp_path / "b.csv", {"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0]})
    names = ["**x**", "_tmp_ <b>a|b`c\\d"]
    result = cli("compare", a, b, "--loss", "mse", "--model-name", names[0], "--model-name", names[1], "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| Loss | \\*\\*x\\*\\* | \\_tmp\\_ \\<b>a\\|b\\`c\\\\d |"
    # mse: (0.25 + 1) / 2 = 0.625 and 0 (by hand); the loss stays a code span, the best value bold.
    assert lines[2] == "| `mse` | 0.625 | **0** |"
    assert "Best overall: **\\_tmp\\_ \\<b>a\\|b\\`c\\\\d** (lowest mean rank; lower loss is better)" in lines
    assert_rectangular(result.stdout)

    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(result.stdout)
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert headers == ["Loss", "**x**", "_tmp_ &lt;b&gt;a|b`c\\d"]
    assert "<code>mse</code>" in html and "<strong>0</strong>" in html
    assert "<strong>_tmp_ &lt;b&gt;a|b`c\\d</strong>" in html
    assert "<em>" not in html and "<b>" not in html


def test_group_values_show_as_written(cli, tmp_path) -> None:
    path = write_csv(tmp_path / "g.csv", {"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, 2.0, 5.0], "run": ["_a_", "*b*", "*b*"]})
    result = cli("compute", path, "--loss", "mse", "--by", "run", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    # mse by group: _a_ 0, *b* (0 + 4) / 2 = 2; overall 4 / 3 (by hand).
    assert result.stdout.splitlines()[3:] == ["| `mse` | \\*b\\* | 2 | 2 |", "| `mse` | \\_a\\_ | 0 | 1 |", ""]


def test_per_row_markdown_aligns_text_left_and_numbers_right(cli, tmp_path) -> None:
    # Text columns (the file of a dataset, a text key, a --by group) read from the left, as
    # the summary's group column does; before, every column was right-aligned.
    folder = tmp_path / "preds"
    folder.mkdir()
    write_csv(folder / "part-0.csv", {"id": ["a1", "b2"], "y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "region": ["north", "south"]})
    result = cli("compute", folder, "--loss", "mse", "--key", "id", "--labels", folder / "part-0.csv", "--by", "region", "--reduction", "none", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| file | row | id | region | mse |", result.stdout
    assert lines[1] == "|---|---:|---|---|---:|", result.stdout
    # mse per row: (1.5 - 1)^2 = 0.25 and 0 (by hand).
    assert lines[2].endswith("| 1 | a1 | north | 0.25 |"), result.stdout
    assert_rectangular(result.stdout)
