"""The README's commands are part of the product: each one must run as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import losscli
from losscli.cli import app
from losscli.registry import parse_spec

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section_commands(heading: str) -> list[str]:
    section = README.split(heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.split("  #")[0].strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


FAMILY_COMMANDS = _section_commands("## Every loss family on the sample data")


def test_the_family_section_has_commands():
    assert len(FAMILY_COMMANDS) >= 10


@pytest.mark.parametrize("command", FAMILY_COMMANDS)
def test_family_command_runs(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == "losscli"
    result = CliRunner().invoke(app, argv[1:])
    assert result.exit_code == 0, f"{command}\n{result.stderr}"
    assert result.stdout.strip()


def test_every_loss_runs_from_a_readme_command():
    used = set()
    for command in FAMILY_COMMANDS:
        argv = shlex.split(command)
        for flag, value in zip(argv, argv[1:]):
            if flag == "--loss":
                used.add(parse_spec(value).name)
    missing = sorted(set(losscli.available()) - used)
    assert not missing, f"losses with no README command on sample_data/: {missing}"


def test_first_command_is_the_quick_start():
    first = re.search(r"```sh\n(.*?)\n```", README, re.S).group(1)
    assert "pip install -e ." in first and "losscli compute sample_data/" in first


# The console examples that run on the bundled data (others show files of the reader's own).
CONSOLE_EXAMPLES = [
    (c, shown)
    for c, shown in re.findall(r"```console\n\$ (losscli [^\n]*)\n(.*?)```", README, re.S)
    if "sample_data/" in c or c.startswith("losscli plot curves")
]


@pytest.mark.parametrize("command, shown", CONSOLE_EXAMPLES, ids=[c for c, _ in CONSOLE_EXAMPLES])
def test_console_examples_show_what_the_command_prints(command, shown, monkeypatch):
    """Every line a README console example shows (up to its '...') is printed as shown."""
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(command)[1:], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    expected = [line.rstrip() for line in shown.split("\n...")[0].splitlines() if line.strip()]
    printed = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    assert printed[: len(expected)] == expected


def test_choosing_a_loss_command_runs(monkeypatch):
    (command,) = _section_commands("## Choosing a loss")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Recommended losses for task: regression (--outliers)")


def test_choosing_a_loss_names_every_loss_the_guide_rates():
    from losscli.knowledge import GUIDE_CHARACTERISTICS

    section = " ".join(README.split("## Choosing a loss", 1)[1].split("\n## ", 1)[0].split())
    rated = section.split("where it rates the loss (", 1)[1].split(")", 1)[0]
    assert rated.lower().split(", ") == [rating.row.lower() for rating in GUIDE_CHARACTERISTICS]


def test_json_example_is_what_the_command_prints(monkeypatch):
    """The JSON document the README shows is the one its command prints (the version aside)."""
    import json

    section = README.split("## Output and exit codes", 1)[1]
    command = re.search(r"as\s+`(losscli compute sample_data/[^`]*)`", section).group(1)
    shown = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    shown["tool"].pop("version"), printed["tool"].pop("version")
    assert printed["results"][0].pop("value") == pytest.approx(shown["results"][0].pop("value"), rel=1e-12)
    assert printed == shown


def test_conventions_example_shows_what_the_command_prints(tmp_path, monkeypatch):
    """The compare --conventions example, on the four rows the README describes: each line as
    shown, and a line ending in '...' as the start of the printed one (stdout, then stderr)."""
    section = README.split("## What would PyTorch, Keras or scikit-learn report?", 1)[1]
    command, shown = re.search(r"```console\n\$ (losscli [^\n]*)\n(.*?)```", section, re.S).groups()
    assert "`y_true` 1, 0, 1, 1 and `y_pred` 0.9, 0.2,\n0.6, 0" in section
    (tmp_path / "preds.csv").write_text("y_true,y_pred\n1,0.9\n0,0.2\n1,0.6\n1,0\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, shlex.split(command)[1:], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    printed = [line.rstrip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    expected = [line.rstrip() for line in shown.splitlines() if line.strip()]
    assert len(printed) == len(expected)
    for line, want in zip(printed, expected):
        if want.endswith("..."):
            assert line.startswith(want[:-3].rstrip()), (line, want)
        else:
            assert line == want


def test_performance_numbers_live_only_in_the_benchmark_readme():
    """Timings, speed ratios and memory sizes go stale with each change: the README points to
    bench/README.md, where each result names the commit it was measured at, and states none."""
    assert "bench/README.md" in README.split("## Speed and memory", 1)[1].split("\n## ", 1)[0]
    stated = re.findall(r"\d+(?:\.\d+)?\s?(?:s|ms|MB|GB|x)\b", README)
    assert not stated, stated


def test_python_example_returns_what_its_comments_say():
    """Each line of the README's Python block gives what its '# ->' comment says."""
    import numpy as np

    block = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    lines = [line.split("#")[0].strip() for line in block.splitlines() if line.strip() and not line.startswith("import")]
    scope = {"losscli": losscli, "y_true": [0.0, 1.0, 1.0, 0.0], "y_pred": [0.2, 0.7, 3.5, -1.0]}
    values = [eval(line, scope) for line in lines]
    assert [type(value) for value in values] == [float, np.ndarray, list]
    assert values[1].shape == (4,) and "huber" in values[2]
    # residuals 0.2, -0.3, 2.5, -1: 0.5 e^2 within delta=2, else 2 (|e| - 1)
    assert values[0] == pytest.approx((0.02 + 0.045 + 3.0 + 0.5) / 4, rel=1e-12)


PICTURE_COMMANDS = [
    command
    for block in re.findall(r"```sh\n(.*?)```", README.split("## Pictures", 1)[1].split("\n## ", 1)[0], re.S)
    for command in (line.split("  #")[0].strip() for line in block.splitlines())
    if command
]


@pytest.mark.parametrize("command", PICTURE_COMMANDS)
def test_picture_commands_run(command, tmp_path, monkeypatch):
    argv = shlex.split(command)
    if "-o" in argv:
        pytest.importorskip("matplotlib")
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, argv[1:], env={"COLUMNS": "100"})
    assert result.exit_code == 0, f"{command}\n{result.stderr}"
    if "-o" in argv:
        assert (tmp_path / argv[argv.index("-o") + 1]).stat().st_size > 0
    else:
        assert result.stdout.strip()


def _cli_options() -> dict[str, set[str]]:
    """Every long option of every command, as the commands' --help lists them."""
    import click
    import typer.main

    found: dict[str, set[str]] = {}

    def walk(command: click.Command, path: str) -> None:
        found[path] = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--")}
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


def test_every_option_the_help_lists_is_in_the_readme():
    # plot curves' --y-range, --points, --title and --eps, list --task, --version
    # and compare's --name were in --help only.
    readme_options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", README))
    missing = {path or "losscli": sorted(options - readme_options - {"--help"}) for path, options in _cli_options().items()}
    assert not {path: options for path, options in missing.items() if options}
    assert "`losscli list` shows every loss (`--task TASK`" in " ".join(README.split())


# Options the README names for other programs: `dask scheduler --scheduler-file FILE`.
OTHER_PROGRAMS_OPTIONS = {"--scheduler-file"}


def test_every_option_the_readme_names_exists():
    known = set().union(*_cli_options().values())
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", README))
    assert not sorted(named - known - OTHER_PROGRAMS_OPTIONS)


def test_delimiter_help_names_every_way_the_delimiter_is_found(tmp_path):
    # The help said "detected from the header among , ; tab |" only; spaces
    # (numpy's savetxt) and Excel's sep= line are found too, as the README says.
    help_text = " ".join(CliRunner().invoke(app, ["compute", "--help"], env={"COLUMNS": "300"}).stdout.split())
    assert "among , ; tab | (else single spaces), or taken from Excel's sep= first line" in help_text
    (tmp_path / "spaces.csv").write_text("y_true y_pred\n1 1.5\n2 2.0\n")
    (tmp_path / "excel.csv").write_text("sep=;\ny_true;y_pred\n1;1.5\n2;2.0\n")
    for name in ("spaces.csv", "excel.csv"):
        result = CliRunner().invoke(app, ["compute", str(tmp_path / name), "--loss", "mse", "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["results"][0]["value"] == 0.125  # (0.5**2 + 0) / 2


def test_per_row_groups_are_numbers_in_json_and_text_in_files(tmp_path):
    """What the README says of numeric --by groups in per-row output."""
    import pyarrow.parquet as pq

    assert "each JSON value is a number when it is written as one and text otherwise, and CSV, Parquet and Arrow files hold such groups as text" in " ".join(README.split())
    data = tmp_path / "folds.csv"
    data.write_text("y_true,y_pred,fold\n1,1,10\n1,2,2\n")
    common = ["compute", str(data), "--loss", "mse", "--by", "fold", "--reduction", "none", "--quiet"]
    as_json = CliRunner().invoke(app, [*common, "--format", "json"])
    assert [row["fold"] for row in json.loads(as_json.stdout)] == [10, 2]
    as_csv = CliRunner().invoke(app, common)
    assert as_csv.stdout.splitlines()[1:] == ['1,"10",0', '2,"2",1']
    CliRunner().invoke(app, [*common, "--per-row", str(tmp_path / "rows.parquet")])
    assert pq.read_table(tmp_path / "rows.parquet").column("fold").to_pylist() == ["10", "2"]
