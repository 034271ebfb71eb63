"""Tables on a terminal of any width: nothing a report shows is cut or dropped.

Values, loss names and group values keep every character; headers (and
model names) break across lines; a matrix too wide for the terminal becomes
one row per loss and model. Tables run through a pseudo-terminal as a
user's shell runs them (``run_in_terminal``), with NO_COLOR for plain text.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import run_in_terminal, write_csv
from losscli import table_layout as tl

LONG_NAMES = ["a_rather_long_model_file_name_one", "a_rather_long_model_file_name_two", "a_rather_long_model_file_name_three"]


# --------------------------------------------------------------------------- widths


def layout(*columns: tl.Column, rows: list[list[str]]) -> tl.Layout:
    return tl.Layout(list(columns), [tl.Row(cells) for cells in rows])


def test_a_table_that_fits_keeps_its_natural_widths() -> None:
    table = layout(tl.Column("loss"), tl.Column("value"), rows=[["mse", "0.050401"]])
    assert tl.fit(table, 80) == [4, 8] and tl.fit(table, None) == [4, 8]


def test_only_headers_give_way() -> None:
    table = layout(tl.Column("loss"), tl.Column("a_rather_long_model_name", header_breaks=tl.FOLD), rows=[["quantile:q=0.9", "0.0953419 *"]])
    # 14 + 3 + 11: the model's column narrows to its widest value, the loss column not at all.
    assert tl.fit(table, 28) == [14, 11]
    assert tl.fit(table, 27) is None


def test_the_next_layout_is_taken_when_one_cannot_fit() -> None:
    wide = layout(tl.Column("a"), tl.Column("b"), rows=[["0.123456", "0.654321"]])
    narrow = layout(tl.Column("a"), rows=[["0.123456"]])
    assert tl.choose([wide, narrow], 12)[0] is narrow
    # None fits: the last, at its narrowest (the terminal wraps its lines; nothing is cut).
    assert tl.choose([wide, narrow], 4) == (narrow, [8])


# --------------------------------------------------------------------------- on a terminal


@pytest.fixture
def models(tmp_path):
    """Four models of one label file with two groups, as a user evaluates them."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=100)
    group = np.where(rng.random(100) < 0.5, "a", "b")
    write_csv(tmp_path / "labels.csv", {"y_true": y, "grp": group})
    paths = []
    for name, scale in zip(["m0", "m1", "m2", "m3"], [0.2, 0.5, 1.0, 0.5]):
        paths.append(write_csv(tmp_path / f"{name}.csv", {"y_pred": y + rng.normal(scale=scale, size=100)}))
    for name, path in zip(LONG_NAMES, paths):
        (tmp_path / f"{name}.csv").write_text(path.read_text())
    return tmp_path


def shown(cli, *args) -> list[str]:
    """Every text a table must show whole: each value as the table writes it
    (6 significant digits), loss name and group value, from the JSON report."""
    document = json.loads(cli(*args, "--format", "json").stdout)
    texts = {args[i + 1] for i, arg in enumerate(args) if arg == "--loss"}  # shown as given
    for result in document["results"]:
        texts.add(f"{result['value']:.6g}")
        texts |= {str(v) for v in (result["group"] or {}).values()}
    return sorted(texts)


def tokens(text: str) -> set[str]:
    return set(text.split())


def header_names(text: str) -> set[str]:
    """Right-aligned headers folded over several lines, joined again: the
    pieces of one name end at the same column, above the rule."""
    lines = text.split("\n")
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
    ends: dict[int, str] = {}
    for line in lines[:rule]:
        for match in re.finditer(r"\S+", line):
            ends[match.end()] = ends.get(match.end(), "") + match.group()
    return set(ends.values())


def assert_whole(text: str, expected: list[str], columns: int) -> None:
    assert "…" not in text, text
    lines = [line.rstrip() for line in text.split("\n")]
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("*") or line.startswith("note:") or not line.strip() and i > 3)]
    assert max(len(line) for line in table) <= columns, text
    missing = [value for value in expected if value not in tokens(text)]
    assert not missing, (missing, text)


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_compare_matrix_with_long_model_names_keeps_every_name_value_and_group(cli, models, columns) -> None:
    args = [models / f"{n}.csv" for n in LONG_NAMES] + ["--labels", models / "labels.csv", "--loss", "mse", "--loss", "quantile:q=0.9", "--by", "grp"]
    code, text = run_in_terminal("compare", *args, columns=columns)
    assert code == 0, text
    assert_whole(text, shown(cli, "compare", *args), columns)
    assert "grp" in tokens(text)
    lines = text.split("\n")
    if "model" in tokens(lines[0]) or "model" in tokens(lines[1]):
        # One row per loss and model: every name whole in its cell, or folded in it.
        assert all(name in text.replace("\n", "") or _folded_in_cells(text, name) for name in LONG_NAMES), text
    else:
        assert set(LONG_NAMES) <= header_names(text), text
    # Three rows per loss (overall, a, b) read with their group, not as bare loss names.
    rows = [line.split() for line in lines if line.startswith("quantile:q=0.9")]
    assert {row[1] for row in rows} == {"(all)", "a", "b"}, text


def _folded_in_cells(text: str, name: str) -> bool:
    column = "".join(line.split()[2] if len(line.split()) > 3 else "" for line in text.split("\n"))
    return name in column


@pytest.mark.parametrize("columns", [50, 60, 80])
def test_compare_matrix_too_wide_becomes_one_row_per_model(cli, models, columns) -> None:
    args = [models / f"m{i}.csv" for i in range(4)] + ["--labels", models / "labels.csv", "--loss", "mse", "--by", "grp"]
    code, text = run_in_terminal("compare", *args, columns=columns)
    assert code == 0, text
    assert_whole(text, shown(cli, "compare", *args), columns)
    header = text.split("\n")[0].split()
    if columns >= 60:
        assert header == ["loss", "grp", "m0", "m1", "m2", "m3"], text  # the matrix fits
    else:
        assert header == ["loss", "grp", "model", "value"], text
        assert {line.split()[2] for line in text.split("\n")[2:] if line.startswith("mse ")} == {"m0", "m1", "m2", "m3"}


@pytest.mark.parametrize("size", [{"COLUMNS": "50"}, {"COLUMNS": ""}], ids=["COLUMNS", "terminal size"])
def test_a_dumb_terminal_is_as_wide_as_it_is_not_80_columns(cli, models, size) -> None:
    # Emacs' shell sets TERM=dumb. rich takes such a terminal for 80 columns whatever
    # COLUMNS or the terminal says, so on 50 columns the 60-column matrix was kept and wrapped.
    args = [models / f"m{i}.csv" for i in range(4)] + ["--labels", models / "labels.csv", "--loss", "mse", "--by", "grp"]
    code, text = run_in_terminal("compare", *args, columns=50, env={"TERM": "dumb", **size})
    assert code == 0, text
    assert_whole(text, shown(cli, "compare", *args), 50)
    assert text.split("\n")[0].split() == ["loss", "grp", "model", "value"], text


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
def test_single_model_keeps_values_and_all_four_characteristics(cli, models, columns) -> None:
    args = [models / "m0.csv", "--labels", models / "labels.csv", "--loss", "mse", "--loss", "quantile:q=0.9", "--by", "grp"]
    code, text = run_in_terminal("compare", *args, columns=columns)
    assert code == 0, text
    assert_whole(text, shown(cli, "compare", *args), max(columns, 59))  # 59: loss, grp, value, rows and the shortest characteristics column
    words = " ".join(text.split())
    for title in ("robust", "outliers", "smooth", "gradient", "classification", "regression"):
        assert title in words, text


@pytest.mark.parametrize("columns", [30, 40, 80])
def test_compute_table_keeps_every_value_and_group(cli, models, columns) -> None:
    args = [models / f"{LONG_NAMES[0]}.csv", "--labels", models / "labels.csv", "--loss", "mse", "--loss", "quantile:q=0.9", "--by", "grp"]
    code, text = run_in_terminal("compute", *args, columns=columns)
    assert code == 0, text
    # 41 columns at the least (loss, grp, value, rows): narrower, lines wrap rather than lose a digit.
    assert_whole(text, shown(cli, "compute", *args), max(columns, 41))
    assert text.split("\n")[0].split() == ["loss", "grp", "value", "rows"]


def test_off_a_terminal_a_table_is_as_wide_as_it_needs(cli, tmp_path) -> None:
    # Twelve models of 40-character names: wider than the 400 columns a pipe used to get.
    labels = write_csv(tmp_path / "labels.csv", {"y_true": [1.0, 2.0, 3.0]})
    paths = [write_csv(tmp_path / f"{'model_' * 6}{i:02d}.csv", {"y_pred": [1.0 + i / 100, 2.0, 3.0]}) for i in range(12)]
    result = cli("compare", *paths, "--labels", labels, "--loss", "mse")
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    header = result.stdout.split("\n")[0].split()
    assert header == ["loss"] + [path.stem for path in paths]


# --------------------------------------------------------------------------- alignment


@pytest.fixture
def split_winners(tmp_path):
    """Two models that each win one loss: one with a few large misses (worst
    mse, best mae) and one with many small ones."""
    y = np.linspace(0.0, 10.0, 40)
    outliers = y + 0.1
    outliers[::10] += 8.0
    noisy = y + np.where(np.arange(40) % 2, 1.0, -1.0)
    labels = write_csv(tmp_path / "labels.csv", {"y_true": y})
    return [write_csv(tmp_path / "outliers.csv", {"y_pred": outliers}), write_csv(tmp_path / "noisy.csv", {"y_pred": noisy}), "--labels", labels]


def _value_ends(text: str) -> list[set[int]]:
    """For each model column of a matrix, the columns where its numbers end,
    the best mark left out, over the value and mean rank lines."""
    lines = [line for line in text.split("\n")[2:] if line.startswith(("mse", "mae", "mean rank"))]
    ends: list[set[int]] = []
    for line in lines:
        numbers = [m.end() for m in re.finditer(r"\d(?=( \*)?(\s|$))", line) if not line.startswith("mean rank") or m.start() > 9]
        for index, end in enumerate(numbers):
            while len(ends) <= index:
                ends.append(set())
            ends[index].add(end)
    return ends


def test_a_column_marked_best_on_some_lines_keeps_its_digits_in_line(cli, split_winners) -> None:
    # By hand: mse (36 x 0.1^2 + 4 x 8.1^2) / 40 = 6.57 against 1 (noisy best);
    # mae (36 x 0.1 + 4 x 8.1) / 40 = 0.9 against 1 (outliers best).
    result = cli("compare", *split_winners, "--loss", "mse", "--loss", "mae")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert re.search(r"^mse .* \*$", text, re.M) and re.search(r"^mae .*\* ", text, re.M), text
    # Before, a value marked "0.88 *" ended two columns left of the unmarked values under it.
    assert all(len(ends) == 1 for ends in _value_ends(text)), text
    code, shown_text = run_in_terminal("compare", *split_winners, "--loss", "mse", "--loss", "mae", columns=80)
    assert code == 0 and all(len(ends) == 1 for ends in _value_ends(shown_text)), shown_text


def test_one_row_per_model_keeps_the_digits_in_line(split_winners) -> None:
    code, text = run_in_terminal("compare", *split_winners, "--loss", "mse", "--loss", "mae", "--loss", "huber:delta=0.25", columns=30)
    assert code == 0, text
    assert text.split("\n")[0].split() == ["loss", "model", "value"], text
    ends = {re.search(r"\d(?= \*| *$)", line.rstrip()).end() for line in text.split("\n")[2:] if re.match(r"(mse|mae|huber|mean rank) ", line)}
    assert len(ends) == 1, text


def test_an_unmarked_column_is_no_wider_than_its_values(cli, tmp_path) -> None:
    # Every value of the second model is unmarked: the column needs no room for a mark.
    labels = write_csv(tmp_path / "labels.csv", {"y_true": [1.0, 2.0, 3.0]})
    good = write_csv(tmp_path / "good.csv", {"y_pred": [1.0, 2.0, 3.5]})
    bad = write_csv(tmp_path / "bad.csv", {"y_pred": [1.5, 2.5, 3.5]})
    result = cli("compare", good, bad, "--labels", labels, "--loss", "mse")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split("\n")[2] == "mse         0.0833333 *   0.25", result.stdout


# --------------------------------------------------------------------------- list


@pytest.mark.parametrize("columns", [40, 50, 60])
def test_list_on_a_narrow_terminal_cuts_no_title_and_drops_no_mark(columns) -> None:
    code, text = run_in_terminal("list", columns=columns)
    assert code == 0, text
    # Before, 40 columns gave titles "r…", "s…", "cla…" and no use-in-regression column at all.
    assert "…" not in text, text
    lines = text.split("\n")
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    assert max(len(line.rstrip()) for line in lines[: rule + 1]) <= columns, text
    mse = next(line for line in lines if line.startswith("mse "))
    assert mse.split()[1:] == ["✘", "✔", "✘", "✔"], text  # the guide rates MSE: not robust, smooth, not for classification, for regression
    header = lines[:rule]
    pieces = [re.findall(r"\S+", line) for line in header]
    titles = ["".join(column) for column in zip(*[p[-4:] for p in pieces if len(p) >= 4])] if columns >= 60 else None
    if titles:
        assert titles == ["robust", "smooth", "classif.", "regress."], text
    assert sum(line.count("✔") + line.count("✘") for line in lines[rule + 1 : rule + 2]) == 4
