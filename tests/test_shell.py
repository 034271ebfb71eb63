"""Every command losscli prints can be pasted into a POSIX shell as it is.

A word with a shell metacharacter (';' between class weights, '*' in a
glob, '|', '&', '(' ...) must be quoted, or the shell ends the command there
or expands the word to file names. ``unquoted`` reads a line as the shell
does, quote by quote, and returns the metacharacters left outside quotes.
"""

from __future__ import annotations

import ast
import re
import shlex

import pytest

import losscli
from losscli import catalog, shell
from losscli.errors import LossCliError
from losscli.registry import all_specs, parse_spec

SPECIAL = set(";&|<>()$`*?[]{}!")


def unquoted(line: str) -> set[str]:
    """The shell metacharacters of ``line`` outside single or double quotes (and not backslash-escaped)."""
    found, quote, escaped = set(), None, False
    for char in line:
        if escaped:
            escaped = False
        elif quote:
            quote = None if char == quote else quote
        elif char == "\\":
            escaped = True
        elif char in "'\"":
            quote = char
        elif char in SPECIAL:
            found.add(char)
    return found


def test_the_checker_sees_what_a_shell_sees() -> None:
    assert unquoted("losscli compute x --loss perceptual:layers=64;128") == {";"}
    assert unquoted("losscli compute x --pred-col 'p_*' --col x1='x1_*'") == set()
    assert unquoted("losscli compute x --loss weighted_ce:weights=0.5\\;1") == set()


def test_quoting_keeps_each_word_whole() -> None:
    assert shell.loss_option("weighted_ce:weights=0.2;0.8") == "--loss 'weighted_ce:weights=0.2;0.8'"
    assert shell.loss_option("mse") == "--loss mse"
    line = shell.pasteable("losscli compute feats.csv --loss perceptual:layers=64;128 --col x1='x1_*'")
    assert shlex.split(line) == ["losscli", "compute", "feats.csv", "--loss", "perceptual:layers=64;128", "--col", "x1=x1_*"]
    assert unquoted(line) == set()


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.name)
def test_info_commands_paste_into_a_shell(spec) -> None:
    document = catalog.describe(spec)
    for line in filter(None, (document["example"], document["sample_command"])):
        assert unquoted(line) == set(), line
        words = shlex.split(line)
        # The --loss word is a spec of this loss, in one piece.
        assert parse_spec(words[words.index("--loss") + 1]).name == spec.name


def test_info_perceptual_example_keeps_its_layers_in_one_word(cli) -> None:
    text = cli("info", "perceptual").stdout
    (line,) = [line for line in text.splitlines() if line.startswith("example: ")]
    words = shlex.split(line.removeprefix("example: "))
    assert words[words.index("--loss") + 1] == "perceptual:layers=64;128,layer_weights=1;0.5"


def test_weighted_ce_hint_on_the_command_line_is_quoted(cli, tmp_path) -> None:
    path = tmp_path / "wce.csv"
    path.write_text("y_true,p_0,p_1,p_2\n0,0.7,0.2,0.1\n1,0.1,0.8,0.1\n", encoding="utf-8")
    result = cli("compute", path, "--pred-col", "p_*", "--loss", "weighted_ce:weights=0.2;0.8")
    assert result.exit_code == 2
    hint = result.stderr.split("(", 1)[1].rstrip().removesuffix(")")
    assert "--loss 'weighted_ce:weights=1;1;1'" in hint and unquoted(hint) == set()
    # The suggestion runs as printed.
    suggested = re.search(r"--loss ('[^']*')", result.stderr)[1]
    assert cli("compute", path, "--pred-col", "p_*", "--loss", shlex.split(suggested)[0]).exit_code == 0


def test_weighted_ce_hint_in_python_is_a_list_the_api_takes() -> None:
    rows = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]
    with pytest.raises(LossCliError) as caught:
        losscli.compute("weighted_ce", [0, 1, 2], rows, weights=[0.2, 0.8])
    hint = caught.value.hint
    assert "weights=[1, 1, 1]" in hint and "weights='balanced'" in hint and ";" not in hint
    # Both suggestions, as written, are accepted: torch CrossEntropyLoss(weight=[1, 1, 1]) is the plain mean.
    weights = ast.literal_eval(re.search(r"weights=(\[[^\]]*\])", hint)[1])
    assert losscli.compute("weighted_ce", [0, 1, 2], rows, weights=weights) == pytest.approx(losscli.compute("sparse_cce", [0, 1, 2], rows))
    assert losscli.compute("weighted_ce", [0, 1, 2], rows, weights="balanced") > 0


def test_perceptual_hints_are_quoted_on_the_command_line_and_lists_in_python(cli, tmp_path) -> None:
    with pytest.raises(LossCliError) as caught:
        losscli.compute("perceptual", [[1.0, 2.0, 3.0]], [[1.0, 2.0, 2.0]], layer_weights=[1.0, 2.0])
    assert caught.value.hint == "write layers=[64, 128], layer_weights=[1, 0.5]"
    path = tmp_path / "f.csv"
    path.write_text("y_true_0,y_true_1,y_pred_0,y_pred_1\n1,2,1,3\n", encoding="utf-8")
    result = cli("compute", path, "--loss", "perceptual:layer_weights=1;2")
    assert "write --loss 'perceptual:layers=64;128,layer_weights=1;0.5'" in result.stderr


def test_plot_hint_quotes_the_spec(cli) -> None:
    result = cli("plot", "curves", "weighted_ce:weights=balanced")
    assert result.exit_code == 2 and "e.g. 'weighted_ce:weights=0.2;0.8'" in result.stderr
