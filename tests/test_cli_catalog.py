"""``losscli list``, ``info`` and ``recommend`` from the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import assert_usage_error

from losscli.cli import app
from losscli.registry import TASKS, all_specs

ROOT = Path(__file__).resolve().parents[1]

# SPEC section 3: every canonical name, and the aliases it names.
SPEC_LOSSES = {
    "regression": ["mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile", "poisson", "gaussian_nll"],
    "classification": ["bce", "cce", "sparse_cce", "hinge", "squared_hinge", "categorical_hinge", "kl_div", "focal", "label_smoothing_ce", "weighted_ce"],
    "ranking": ["contrastive", "triplet", "cosine_embedding"],
    "sequence": ["ctc"],
    "segmentation": ["dice", "iou", "tversky"],
    "generative": ["wasserstein", "wasserstein_distance", "adversarial", "perceptual"],
}
SPEC_ALIASES = {
    "l2": "mse",
    "mean_squared_error": "mse",
    "l1": "mae",
    "pinball": "quantile",
    "binary_crossentropy": "bce",
    "log_loss": "bce",
    "categorical_crossentropy": "cce",
    "kld": "kl_div",
    "dice_loss": "dice",
    "jaccard": "iou",
    "emd": "wasserstein_distance",
}
ALL_NAMES = [name for names in SPEC_LOSSES.values() for name in names]
CHARACTERISTICS = ("robust_to_outliers", "smooth_gradient", "use_in_classification", "use_in_regression")


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, *args):
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------- list


def test_list_json_has_every_spec_loss_with_its_characteristics(runner):
    result = run(runner, "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == 1 and document["task"] is None
    by_name = {item["name"]: item for item in document["losses"]}
    missing = [name for name in ALL_NAMES if name not in by_name]
    assert not missing, f"losses of SPEC section 3 not registered: {missing}"
    for family, names in SPEC_LOSSES.items():
        for name in names:
            item = by_name[name]
            assert item["family"] == family
            for key in CHARACTERISTICS:
                assert isinstance(item["characteristics"][key], bool), (name, key)
    for alias, name in SPEC_ALIASES.items():
        assert alias in by_name[name]["aliases"]
    # Each entry is what `info --format json` says of the loss, for the keys list shows.
    huber = json.loads(run(runner, "info", "huber", "--format", "json").stdout)
    assert by_name["huber"] == {key: huber[key] for key in by_name["huber"]}
    assert [p["name"] for p in by_name["huber"]["parameters"]] == ["delta", "convention"]


def test_list_table_shows_every_loss_and_the_characteristics_columns(runner):
    result = run(runner, "list")
    assert result.exit_code == 0
    header = result.stdout.splitlines()[0]
    for title in ("loss", "aliases", "family", "tasks", "inputs", "robust", "smooth", "classif.", "regress."):
        assert title in header
    assert "robust = robust to outliers, smooth = smooth gradient" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:-1] if line.strip()}
    for spec in all_specs():
        assert spec.name in lines
    # mse: not robust, smooth, not classification, regression (the guide's table)
    assert lines["mse"].split()[-4:] == ["✘", "✔", "✘", "✔"]
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a user's shell is."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("width", [60, 80, 120])
def test_list_on_a_narrow_terminal_drops_columns_but_never_cuts_a_name(monkeypatch, width):
    from losscli.cli.catalog import _list_table

    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    _list_table(all_specs(), None, stream)
    lines = stream.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines[:-2]) <= width
    assert ("family" in lines[0]) == (width >= 80) and ("inputs" in lines[0]) == (width >= 120)
    names = {line.split()[0] for line in lines[2:] if line.strip()}
    assert {spec.name for spec in all_specs()} <= names  # label_smoothing_ce, wasserstein_distance whole
    rows = {line.split()[0]: line.split() for line in lines[2:] if line.strip()}
    assert rows["mse"][-4:] == ["✘", "✔", "✘", "✔"]  # the four marks stay (the guide's table)


@pytest.mark.parametrize("width", [60, 80])
def test_info_on_a_narrow_terminal_never_cuts_a_role_option_or_meaning(monkeypatch, width):
    from losscli.catalog import describe
    from losscli.cli.catalog import _info_table
    from losscli.registry import get

    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    _info_table(describe(get("huber")), stream)
    text = stream.getvalue()
    words = set(text.split())
    # Every role, its option, and each parameter's name stay whole; the
    # meaning columns wrap between words instead of being dropped.
    assert {"y_true", "y_pred", "--label-col", "--pred-col", "delta", "convention"} <= words
    assert {"quadratic", "predicted", "tunable"} <= words
    assert all(len(line.rstrip()) <= width for line in text.split("try it")[0].splitlines()[9:])


def test_recommend_on_a_narrow_terminal_keeps_the_reasons(monkeypatch):
    from losscli.cli.recommend import table
    from losscli.knowledge import recommend

    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    table(recommend(task="regression"), [], stream)
    text = stream.getvalue()
    assert "robust" not in text.splitlines()[1] and "reason" in text.splitlines()[1]
    assert "Use MSE/MAE for continuous" in text
    table_lines = text.split("commands:")[0].splitlines()  # commands stay whole, to copy and paste
    assert max(len(line.rstrip()) for line in table_lines) <= 50


def test_list_csv(runner):
    result = run(runner, "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["loss"] for r in rows] == [s.name for s in all_specs()]
    huber = next(r for r in rows if r["loss"] == "huber")
    assert huber["robust_to_outliers"] == "true" and huber["use_in_classification"] == "false"
    assert huber["inputs"] == "y_true;y_pred"


def test_list_markdown(runner):
    result = run(runner, "list", "--format", "markdown")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| loss | aliases |")
    assert any(line.startswith("| `dice` |") and "✔" in line for line in lines)
    # Header, alignment row, a row per loss, and the blank line that ends a document.
    assert len(lines) == 3 + len(all_specs()) and lines[-1] == ""


def test_list_by_task_alias(runner):
    result = run(runner, "list", "--task", "metric-learning", "--format", "json")
    document = json.loads(result.stdout)
    assert document["task"] == "ranking"
    assert [item["name"] for item in document["losses"]] == ["contrastive", "triplet", "cosine_embedding"]


def test_list_unknown_task_suggests(runner):
    result = run(runner, "list", "--task", "regresion")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown task 'regresion'; did you mean 'regression'?")


# --------------------------------------------------------------------------- info


@pytest.mark.parametrize("spec", all_specs(), ids=[s.name for s in all_specs()])
def test_info_works_for_every_loss_and_alias_in_every_format(runner, spec):
    for name in (spec.name, *spec.aliases):
        result = run(runner, "info", name, "--format", "json")
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["schema"] == 1 and document["name"] == spec.name
    table = run(runner, "info", spec.name)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith(spec.name)
    for word in ("formula", "reference", "inputs", "characteristics", "streams"):
        assert word in table.stdout
    for role in spec.roles:
        assert role.defaults[0] in table.stdout
    for param in spec.params:
        assert param.name in table.stdout and param.range_text() in table.stdout
    markdown = run(runner, "info", spec.name, "--format", "markdown")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith(f"## `{spec.name}`")


def test_info_huber_table(runner):
    result = run(runner, "info", "huber")
    out = result.stdout
    assert "0.5 e^2 if |e| < delta" in out
    assert "PyTorch HuberLoss(delta)" in out
    delta_row = next(line for line in out.splitlines() if line.startswith("delta "))
    assert delta_row.split()[:3] == ["delta", "1", ">"]
    assert "characteristics (rated by guide: Huber)" in out
    assert "try it (from the project directory): losscli compute sample_data/regression.csv --loss huber" in out
    assert "yes (constant memory" in out


def test_info_shows_text_with_brackets_as_is(runner):
    # Rich would swallow '[...]' as markup; formulas and help use brackets.
    result = run(runner, "info", "bce")
    assert "[eps, 1-eps]" in result.stdout


def test_info_alias_resolves(runner):
    result = run(runner, "info", "jaccard", "--format", "json")
    assert json.loads(result.stdout)["name"] == "iou"


def test_info_takes_a_spec_copied_from_a_command_line(runner):
    result = run(runner, "info", "huber:delta=2", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "huber"
    misspelt = run(runner, "info", "huber:delt=2")
    assert misspelt.exit_code == 2
    assert misspelt.stderr.startswith("error: loss 'huber' has no parameter 'delt'; did you mean 'delta'?")


def test_info_unknown_loss_suggests(runner):
    result = run(runner, "info", "hubr")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: unknown loss 'hubr'; did you mean 'huber'?")


@pytest.mark.parametrize("command", [["info", "xyzzy"], ["compute", "preds.csv", "--loss", "xyzzy"]])
def test_an_unknown_loss_lists_the_valid_ones(runner, command):
    # The contract: an unknown name is an error that lists the valid ones and
    # suggests the closest; one with no near name got neither, only a pointer
    # to 'losscli list'.
    import losscli

    result = run(runner, *command)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: unknown loss 'xyzzy' (losses: mse, mae, huber, ")
    assert all(f" {name}," in line or f" {name};" in line for name in losscli.available())


@pytest.mark.parametrize("extra", [[], ["--conventions"]])
def test_info_has_no_csv_and_its_help_does_not_offer_it(runner, extra):
    result = run(runner, "info", "mse", *extra, "--format", "csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: Invalid value for '--format' / '-f': 'csv' is not one of 'table', 'json', 'markdown'")
    assert "table|json|markdown" in run(runner, "info", "--help").stdout


# --------------------------------------------------------------------------- recommend


def test_recommend_needs_task_or_data(runner):
    result = run(runner, "recommend")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "recommend needs --task, --data or both" in result.stderr


def test_recommend_segmentation_table(runner):
    result = run(runner, "recommend", "--task", "segmentation")
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[1] for row in rows[:2]] == ["dice", "iou"]
    assert "Use Dice/IoU Loss for segmentation" in result.stdout
    assert "1. losscli compute PRED --loss dice --sample-col image_id" in result.stdout


@pytest.mark.parametrize("task", ["regression", "ranking", "sequence", "generative"])
def test_recommend_says_when_imbalanced_changes_nothing(runner, task):
    # The heading says "(--imbalanced)", but the guide ties class imbalance only to
    # losses that classify: without a note the flag looked as if it had been applied.
    flagged = run(runner, "recommend", "--task", task, "--imbalanced", "--format", "json")
    plain = run(runner, "recommend", "--task", task, "--format", "json")
    assert flagged.exit_code == 0 and flagged.stdout == plain.stdout
    assert flagged.stderr.startswith(f"note: --imbalanced changes nothing for task {task}: class imbalance is about classes")


@pytest.mark.parametrize("task", ["classification", "binary", "multiclass", "segmentation", "imbalance"])
def test_recommend_is_quiet_when_imbalanced_ranks_losses(runner, task):
    result = run(runner, "recommend", "--task", task, "--imbalanced", "--outliers", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""


def test_recommend_json_matches_the_library(runner):
    import losscli

    result = run(runner, "recommend", "--task", "regression", "--outliers", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == losscli.recommend(task="regression", outliers=True)


def test_recommend_csv_and_markdown(runner):
    rows = list(csv.DictReader(io.StringIO(run(runner, "recommend", "--task", "imbalance", "--format", "csv").stdout)))
    assert [r["loss"] for r in rows] == ["focal", "weighted_ce"]
    assert rows[0]["tips"] == "Use Focal Loss for class imbalance"
    markdown = run(runner, "recommend", "--task", "sequence", "--format", "markdown").stdout
    assert "| 1 | `ctc` |" in markdown


def test_recommend_markdown_keeps_a_pipe_in_its_cell(runner, tmp_path):
    # A file name with '|' appears in the evidence and in every command: escaped, the
    # table keeps one cell per column (six, as its header).
    path = tmp_path / "run|7.csv"
    path.write_text("y_true,y_pred\n" + "".join(f"{i / 10},{i / 10 + 0.05}\n" for i in range(40)))
    markdown = run(runner, "recommend", "--data", str(path), "--format", "markdown").stdout
    assert "run\\|7.csv" in markdown and "run|7" not in markdown.replace("run\\|7", "")
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) > 3 and all(len(re.split(r"(?<!\\)\|", line)) == 8 for line in rows)


def test_recommend_unknown_task_suggests(runner):
    result = run(runner, "recommend", "--task", "segmentaton")
    assert result.exit_code == 2
    assert "did you mean 'segmentation'?" in result.stderr


@pytest.mark.parametrize("text", ["y_true,y_pred\nNaN,NaN\n,\nNaN,1\n", "y_true\nNaN\nnan\n"], ids=["labels-and-predictions", "labels-only"])
def test_recommend_data_without_a_complete_row_names_the_file_and_columns(cli, tmp_path, text):
    # Reported: recommend --data on an all-NaN file gave an error without the file name.
    path = tmp_path / "allnan.csv"
    path.write_text(text)
    columns = "'y_true', 'y_pred'" if "y_pred" in text else "'y_true'"
    assert_usage_error(cli("recommend", "--data", path), f"{path}: every row has a missing label", f"columns read: {columns}")


def test_recommend_data_options_need_data(runner):
    result = run(runner, "recommend", "--task", "binary", "--label-col", "y")
    assert result.exit_code == 2 and "give --data FILE" in result.stderr


def test_recommend_missing_data_file(runner, tmp_path):
    result = run(runner, "recommend", "--data", str(tmp_path / "none.csv"))
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def _write(path: Path, header: list[str], rows: list[tuple]) -> str:
    path.write_text(",".join(header) + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return str(path)


def _run_suggested(runner, command: str):
    words = shlex.split(command)
    assert words[:2] == ["losscli", "compute"]
    return runner.invoke(app, words[1:])


def _assert_every_command_runs(runner, recommendations: list[dict]) -> None:
    """None of these recommendations is marked as not running, and each command runs."""
    for item in recommendations:
        assert "does not run" not in item["reason"], item
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


def test_recommended_commands_run_on_the_regression_file_they_came_from(runner, tmp_path):
    rng = np.random.default_rng(2)
    y = rng.uniform(1.0, 5.0, size=200)
    pred = y + rng.normal(scale=0.2, size=200)
    pred[:10] += 30.0  # 5% gross errors
    path = _write(tmp_path / "reg.csv", ["id", "y_true", "y_pred", "weight"], [(i, y[i], pred[i], 1.0) for i in range(200)])
    result = run(runner, "recommend", "--data", path, "--format", "json")
    document = json.loads(result.stdout)
    assert document["task"] == "regression" and document["inferred"]["outliers"] is True
    assert document["recommendations"][0]["loss"] == "mae"
    for item in document["recommendations"]:
        if item["loss"] == "gaussian_nll":
            continue  # needs a variance column the file does not have
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


@pytest.mark.parametrize(("name", "options"), [("preds.txt", ["--input-format", "csv", "--delimiter", "space"]), ("preds.dat", ["--input-format", "tsv"])])
def test_recommended_commands_read_the_file_as_recommend_was_told_to(runner, tmp_path, name, options):
    # A .txt or .dat name says no format, and spaces are not a detected delimiter:
    # the commands need the options recommend was given, or they exit 2.
    separator = " " if "space" in options else "\t"
    rows = [(i % 5 + 1, i % 5 + 1.5) for i in range(20)]
    path = tmp_path / name
    path.write_text(separator.join(["y_true", "y_pred"]) + "\n" + "".join(f"{a}{separator}{b}\n" for a, b in rows))
    document = json.loads(run(runner, "recommend", "--data", str(path), *options, "--format", "json").stdout)
    runnable = [item for item in document["recommendations"] if item["loss"] != "gaussian_nll"]  # needs a variance column
    assert runnable and all(" ".join(options) in item["command"] for item in runnable)
    _assert_every_command_runs(runner, runnable)


def test_recommended_commands_run_on_predicted_classes_beside_probabilities(runner, tmp_path):
    rows = [(i, i % 2, i % 2, 0.25 + 0.5 * (i % 2) + 0.01 * (i % 3)) for i in range(30)]
    path = _write(tmp_path / "sklearn.csv", ["id", "y_true", "predicted", "proba"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert all("--pred-col proba" in item["command"] for item in document["recommendations"])
    _assert_every_command_runs(runner, document["recommendations"])


def test_recommended_commands_name_a_file_starting_with_a_dash_as_a_file(runner, tmp_path, monkeypatch):
    # 'losscli compute -preds.csv' reads the name as options; './-preds.csv' is the file.
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "-preds.csv", ["y_true", "y_pred"], [(i % 4 + 1, i % 4 + 1.5) for i in range(12)])
    document = json.loads(run(runner, "recommend", "--data=-preds.csv", "--format", "json").stdout)
    runnable = [item for item in document["recommendations"] if item["loss"] != "gaussian_nll"]  # needs a variance column
    assert runnable and all(item["command"].startswith("losscli compute ./-preds.csv ") for item in runnable)
    _assert_every_command_runs(runner, runnable)


def test_recommended_poisson_reads_predicted_rates_as_rates(runner, tmp_path):
    # Reported: counts beside predicted rates (a PoissonRegressor's predict)
    # got 'compute FILE --loss poisson', which reads them as log-rates,
    # exp(rate) - y rate: 2.6e8 on such a file. Rates 2, 4, 1, 3 for counts
    # 1, 5, 0, 3 give mean(rate - y log rate) = (2 - log 2 + 4 - 5 log 4 + 1 + 3 - 3 log 3) / 4.
    rows = [(y, rate) for y, rate in ((1, 2.0), (5, 4.0), (0, 1.0), (3, 3.0))] * 5
    path = _write(tmp_path / "counts.csv", ["y_true", "y_pred"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert any(line.startswith("'y_pred': mean 2.5 beside the labels' mean 2.25") and line.endswith("so rates rather than log-rates: poisson's command passes log_input=false") for line in document["inferred"]["evidence"])
    poisson = next(item for item in document["recommendations"] if item["loss"] == "poisson")
    assert poisson["command"] == f"losscli compute {path} --loss poisson:log_input=false"
    assert "the predictions are rates, not the log-rates PoissonNLLLoss reads by default" in poisson["reason"]
    value = json.loads(_run_suggested(runner, poisson["command"] + " --format json").stdout)["results"][0]["value"]
    assert value == pytest.approx((2 - np.log(2) + 4 - 5 * np.log(4) + 1 + 3 - 3 * np.log(3)) / 4, rel=1e-6)
    _assert_every_command_runs(runner, [item for item in document["recommendations"] if item["loss"] != "gaussian_nll"])


def test_predicted_log_rates_keep_poissons_default(runner, tmp_path):
    # log(2), log(4), log(1), log(3): their exponentials are the rates, mean 2.5 beside 2.25.
    rows = [(y, round(float(np.log(rate)), 6)) for y, rate in ((1, 2.0), (5, 4.0), (0, 1.0), (3, 3.0))] * 5
    path = _write(tmp_path / "counts.csv", ["y_true", "y_pred"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    poisson = next(item for item in document["recommendations"] if item["loss"] == "poisson")
    assert poisson["command"] == f"losscli compute {path} --loss poisson"
    assert not any("log-rates" in line for line in document["inferred"]["evidence"])


def test_predicted_numbers_below_zero_are_rates_poisson_cannot_read(runner, tmp_path):
    # Ages 0 .. 100 and a model that predicts -2 for a newborn: the predictions
    # are on the targets' scale (rates, not log-rates), and poisson cannot read
    # a negative rate, so it comes last with the reason rather than giving exp(100).
    rows = [(age, float(age - 2 if age < 50 else age + 1)) for age in range(0, 101, 5)]
    path = _write(tmp_path / "ages.csv", ["y_true", "y_pred"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    poisson = next(item for item in document["recommendations"] if item["loss"] == "poisson")
    assert poisson["command"] == f"losscli compute {path} --loss poisson:log_input=false"
    assert poisson["reason"].startswith("its command does not run on this file as it is: ")
    assert "rates must be non-negative with log_input=false (value -2)" in poisson["reason"]
    assert _run_suggested(runner, poisson["command"]).exit_code == 2


def test_a_loss_whose_command_cannot_read_the_data_file_comes_last_and_says_why(runner, tmp_path):
    rows = [(i, round(1.25 + 0.37 * (i % 7), 2), round(1.5 + 0.37 * (i % 7), 2)) for i in range(40)]
    path = _write(tmp_path / "reg.csv", ["id", "y_true", "y_pred"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    last = document["recommendations"][-1]
    assert last["loss"] == "gaussian_nll"  # the file has no variance column
    assert last["reason"].startswith(f"its command does not run on this file as it is: {path}: the pattern 'var*' for var")
    _assert_every_command_runs(runner, document["recommendations"][:-1])


def test_losses_that_reject_the_values_come_last_and_say_why(runner, tmp_path):
    # Targets around zero: msle needs values above -1, poisson counts of at least 0.
    rng = np.random.default_rng(4)
    y = rng.normal(scale=2.0, size=100)
    y[0] = -1.5
    pred = y + rng.normal(scale=0.3, size=100)
    path = _write(tmp_path / "signed.csv", ["y_true", "y_pred"], [(y[i], pred[i]) for i in range(100)])
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    reasons = {item["loss"]: item["reason"] for item in document["recommendations"]}
    assert reasons["msle"].startswith("its command does not run on this file as it is: msle needs values greater than -1")
    assert reasons["poisson"].startswith("its command does not run on this file as it is: poisson needs non-negative counts")
    unrunnable = {"msle", "poisson", "gaussian_nll"}
    assert {item["loss"] for item in document["recommendations"][-3:]} == unrunnable
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert (ran.exit_code == 0) == (item["loss"] not in unrunnable), (item["command"], ran.stderr)
        assert item["runs_on_data"] is (ran.exit_code == 0)


def test_only_commands_that_run_on_the_data_are_listed_under_the_table(runner, tmp_path):
    y = np.linspace(-3.0, 3.0, 60)
    path = _write(tmp_path / "signed.csv", ["y_true", "y_pred"], [(v, v + 0.1) for v in y])
    shown = run(runner, "recommend", "--data", path).stdout
    commands = shown.split("commands:", 1)[1]
    assert f"--loss mse\n" in commands
    assert "--loss msle" not in commands and "--loss poisson" not in commands
    assert "left out (they do not run on this file as it is): " in commands
    assert "msle" in commands.rsplit("left out", 1)[1]
    rows = list(csv.DictReader(io.StringIO(run(runner, "recommend", "--data", path, "--format", "csv").stdout)))
    assert {row["loss"]: row["runs_on_data"] for row in rows}["msle"] == "false"
    assert {row["loss"]: row["runs_on_data"] for row in rows}["mse"] == "true"
    markdown = run(runner, "recommend", "--data", path, "--format", "markdown").stdout
    msle_row = next(line for line in markdown.splitlines() if line.startswith("|") and "`msle`" in line)
    assert msle_row.rstrip(" |").endswith("does not run on this file as it is (see the reason)")


def test_without_data_no_command_is_tried(runner):
    document = json.loads(run(runner, "recommend", "--task", "regression", "--format", "json").stdout)
    assert {item["runs_on_data"] for item in document["recommendations"]} == {None}
    assert "left out" not in run(runner, "recommend", "--task", "regression").stdout


@pytest.mark.parametrize("packed", ["plain", "gzip", "parquet"])
def test_recommend_reads_data_from_stdin_once(runner, tmp_path, packed):
    # 300 zeros and 100 ones: imbalanced 3:1 (by hand), pos_weight = 300/100.
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [(int(i % 4 == 0), round(0.2 + 0.6 * (i % 4 == 0), 2)) for i in range(400)]
    path = Path(_write(tmp_path / "bin.csv", ["y_true", "y_pred"], rows))
    data = path.read_bytes()
    if packed == "gzip":
        data = gzip.compress(data)
    elif packed == "parquet":
        pq.write_table(pa.table({"y_true": [r[0] for r in rows], "y_pred": [r[1] for r in rows]}), tmp_path / "bin.parquet")
        data = (tmp_path / "bin.parquet").read_bytes()
    result = runner.invoke(app, ["recommend", "--data", "-", "--format", "json"], input=data)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["inferred"]["imbalance_ratio"] == pytest.approx(3.0)
    assert document["inferred"]["evidence"][0].startswith("<stdin>: labels from 'y_true'")
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["bce"] == "losscli compute - --loss bce:pos_weight=3"
    for item in document["recommendations"]:
        assert "does not run" not in item["reason"], item
        ran = runner.invoke(app, shlex.split(item["command"])[1:], input=data)
        assert ran.exit_code == 0, (item["command"], ran.stderr)


def test_recommend_on_empty_stdin_is_one_error_line(runner):
    result = runner.invoke(app, ["recommend", "--data", "-"], input=b"")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: <stdin>: file is empty (it needs a header line and at least one row)"]


def test_alternating_labels_of_a_large_file_are_balanced(runner, tmp_path, monkeypatch):
    # 1, 0, 1, 0, ... exactly balanced (by hand): counted over every row, not every 2nd.
    from losscli import row_sample

    monkeypatch.setattr(row_sample, "SAMPLE_ROWS", 100)
    path = _write(tmp_path / "alternating.csv", ["y_true", "y_pred"], [(1 - i % 2, 0.5) for i in range(1000)])
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert (document["inferred"]["imbalance_ratio"], document["inferred"]["imbalanced"]) == (1.0, False)
    assert document["recommendations"][0]["loss"] == "bce"


def test_a_labels_only_file_gets_the_same_label_checks(runner, tmp_path):
    # msle needs labels above -1 and poisson non-negative counts (their checks,
    # as with predictions); the labels alone decide it, whatever PRED holds.
    rng = np.random.default_rng(7)
    y = rng.normal(scale=2.0, size=100)
    y[0] = -1.5
    labels = _write(tmp_path / "labels.csv", ["y_true"], [(v,) for v in y])
    preds = _write(tmp_path / "preds.csv", ["y_pred"], [(v + 0.1,) for v in y])
    document = json.loads(run(runner, "recommend", "--data", labels, "--format", "json").stdout)
    reasons = {item["loss"]: item["reason"] for item in document["recommendations"]}
    assert reasons["msle"].startswith("its command does not run on this file as it is: msle needs values greater than -1 (value -1.5), in y_true")
    assert reasons["poisson"].startswith("its command does not run on this file as it is: poisson needs non-negative counts")
    assert {item["loss"] for item in document["recommendations"][-2:]} == {"msle", "poisson"}
    for item in document["recommendations"]:
        if item["loss"] == "gaussian_nll":
            continue  # its variance column would be in PRED
        ran = _run_suggested(runner, item["command"].replace(" PRED ", f" {preds} "))
        assert (ran.exit_code == 0) == (item["loss"] not in {"msle", "poisson"}), (item["command"], ran.stderr)


def test_a_labels_only_file_of_signs_marks_bce_and_not_hinge(runner, tmp_path):
    labels = _write(tmp_path / "signs.csv", ["y_true"], [(1 if i % 3 else -1,) for i in range(30)])
    document = json.loads(run(runner, "recommend", "--data", labels, "--format", "json").stdout)
    reasons = {item["loss"]: item["reason"] for item in document["recommendations"]}
    assert reasons["bce"].startswith("its command does not run on this file as it is: ")
    assert "does not run" not in reasons["hinge"]


def test_recommended_commands_on_a_file_with_missing_labels_omit_those_rows(runner, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("y_true,y_pred\n1,0.9\n,0.2\n0,0.1\n1,0.8\n")
    document = json.loads(run(runner, "recommend", "--data", str(path), "--format", "json").stdout)
    assert "1 row with missing values ignored (the commands pass --nan-policy omit)" in document["inferred"]["evidence"]
    bce = next(item for item in document["recommendations"] if item["loss"] == "bce")
    assert bce["command"] == f"losscli compute {path} --loss bce --nan-policy omit"
    ran = _run_suggested(runner, bce["command"])
    assert ran.exit_code == 0, ran.stderr
    # bce on the three complete rows: -(ln 0.9 + ln 0.9 + ln 0.8) / 3, by hand.
    expected = -(2 * np.log(0.9) + np.log(0.8)) / 3
    assert float(ran.stdout.splitlines()[2].split()[1]) == pytest.approx(expected, rel=1e-5)
    for item in document["recommendations"]:
        assert _run_suggested(runner, item["command"]).exit_code == 0, item["command"]


def test_recommended_commands_run_on_an_imbalanced_binary_file(runner, tmp_path):
    rows = [(i, int(i % 10 == 0), round(0.15 + 0.7 * (i % 10 == 0), 3)) for i in range(100)]
    path = _write(tmp_path / "bin.csv", ["id", "y_true", "y_pred"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["inferred"]["imbalance_ratio"] == pytest.approx(9.0)  # 90 : 10
    assert [r["loss"] for r in document["recommendations"]][:2] == ["focal", "bce"]
    bce = document["recommendations"][1]
    assert "--loss bce:pos_weight=9" in bce["command"]
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


@pytest.mark.parametrize(
    "labels, probability_of, positive, pos_weight",
    [
        (("no", "yes"), "yes", "yes", "9"),  # 90 no : 10 yes, yes the minority
        (("no", "yes"), "no", "no", "0.1111"),  # the probability of the majority class: 10/90
        ((1, 2), 2, "2", "9"),  # coded labels 1/2
    ],
)
def test_recommended_bce_weights_the_positive_class_of_text_or_coded_labels(runner, tmp_path, labels, probability_of, positive, pos_weight):
    # Reported: 0/1 labels got bce:pos_weight=9, while the same imbalance in
    # yes/no labels, read with --positive, got plain bce, its reason speaking
    # of pos_weight all the same.
    negative_label, positive_label = labels
    rows = []
    for i in range(100):
        label = positive_label if i % 10 == 0 else negative_label
        p_rare = 0.85 if label == positive_label else 0.15
        rows.append((label, round(p_rare if probability_of == positive_label else 1 - p_rare, 3)))
    path = _write(tmp_path / "churn.csv", ["label", "prob"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["inferred"]["imbalance_ratio"] == pytest.approx(9.0)
    bce = next(item for item in document["recommendations"] if item["loss"] == "bce")
    assert f"--loss bce:pos_weight={pos_weight} " in bce["command"], bce["command"]
    assert f"--positive {positive}" in bce["command"]
    assert f"= {pos_weight} " in bce["reason"]
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


def test_recommended_triplet_command_reads_short_named_triplet_columns_beside_labels(runner, tmp_path):
    # Reported: the file's labels made it a labels file, and triplet's command
    # named --col anchor='anchor*' ..., which it lacks, although
    # 'compute FILE --loss triplet' reads its a_*, p_*, n_* as they are.
    rng = np.random.default_rng(4)
    header = [f"{side}_{i}" for side in "apn" for i in range(3)] + ["y_true"]
    rows = [tuple(np.round(rng.normal(size=9), 4)) + (i % 2,) for i in range(30)]
    path = _write(tmp_path / "trip.csv", header, rows)
    document = json.loads(run(runner, "recommend", "--task", "ranking", "--data", path, "--format", "json").stdout)
    triplet = next(item for item in document["recommendations"] if item["loss"] == "triplet")
    assert triplet["command"] == f"losscli compute {shlex.quote(path)} --loss triplet"
    ran = _run_suggested(runner, triplet["command"] + " --format json")
    assert ran.exit_code == 0, ran.stderr
    direct = run(runner, "compute", path, "--loss", "triplet", "--col", "anchor=a_*", "--col", "positive=p_*", "--col", "negative=n_*", "--format", "json")
    assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(json.loads(direct.stdout)["results"][0]["value"], rel=1e-12)


def test_recommended_commands_run_on_a_string_label_multiclass_file(runner, tmp_path):
    classes = ["cat", "dog", "bird"]
    rows = [(i, classes[i % 3], 0.5, 0.3, 0.2) for i in range(30)]
    path = _write(tmp_path / "mc.csv", ["id", "y_true", "prob_cat", "prob_dog", "prob_bird"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


def test_recommended_commands_run_on_a_hundred_class_file(runner, tmp_path):
    # CIFAR-100: labels 0..99 beside p_0 .. p_99, 2 rows per class, too few to
    # read 100 integers as classes by the labels alone. Each row puts 0.505
    # on its own class and 0.005 on the 99 others, so cce = -log(0.505) (by hand).
    rows = [[c] + [0.505 if j == c else 0.005 for j in range(100)] for c in list(range(100)) * 2]
    path = _write(tmp_path / "cifar100.csv", ["y_true"] + [f"p_{j}" for j in range(100)], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["cce"] == f"losscli compute {path} --loss cce --pred-col 'p_*'"
    _assert_every_command_runs(runner, document["recommendations"])
    cce = json.loads(_run_suggested(runner, commands["cce"] + " --format json").stdout)["results"][0]["value"]
    assert cce == pytest.approx(-np.log(0.505), rel=1e-6)


def test_recommended_commands_run_on_a_thousand_class_list_column(runner, tmp_path):
    # ImageNet: labels 0..999 beside a list of 1000 probabilities, 0.5005 on
    # the row's own class and 0.0005 on each other, so cce = -log(0.5005) (by hand).
    import pyarrow as pa
    import pyarrow.parquet as pq

    labels = np.tile(np.arange(1000), 2)
    probabilities = np.full((len(labels), 1000), 0.0005)
    probabilities[np.arange(len(labels)), labels] = 0.5005
    path = tmp_path / "imagenet.parquet"
    pq.write_table(pa.table({"y_true": labels, "y_pred": pa.FixedSizeListArray.from_arrays(pa.array(probabilities.ravel()), 1000)}), path)
    document = json.loads(run(runner, "recommend", "--data", str(path), "--format", "json").stdout)
    assert document["task"] == "multiclass"
    for item in document["recommendations"]:
        assert "does not run" not in item["reason"], item
        ran = _run_suggested(runner, item["command"] + " --format json")
        assert ran.exit_code == 0, (item["command"], ran.stderr)
        if item["loss"] in ("cce", "sparse_cce"):
            assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(-np.log(0.5005), rel=1e-6)


def test_two_text_classes_and_one_probability_column_get_commands_with_positive(runner, tmp_path):
    # 'prob' is higher on the 'yes' rows, so it reads as the probability of
    # 'yes': the commands pass --positive yes and run on the file as it is,
    # giving what the same file with 0/1 labels gives.
    rows = [("yes" if i % 3 == 0 else "no", round(0.2 + 0.6 * (i % 3 == 0), 2)) for i in range(30)]
    path = _write(tmp_path / "yesno.csv", ["label", "prob"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "binary"
    assert [r["loss"] for r in document["recommendations"]] == ["bce", "hinge", "squared_hinge", "focal"]
    assert document["inferred"]["evidence"][-1].endswith("so the commands pass --positive yes (--positive no if it is the probability of 'no')")
    assert all(item["command"].endswith(" --positive yes") for item in document["recommendations"])
    _assert_every_command_runs(runner, document["recommendations"])
    values = {item["loss"]: json.loads(_run_suggested(runner, item["command"] + " --format json").stdout)["results"][0]["value"] for item in document["recommendations"]}
    coded = _write(tmp_path / "coded.csv", ["label", "prob"], [(int(label == "yes"), p) for label, p in rows])
    for item in document["recommendations"]:
        plain = run(runner, "compute", coded, "--loss", item["loss"], "--format", "json")
        assert json.loads(plain.stdout)["results"][0]["value"] == values[item["loss"]]


@pytest.mark.parametrize("negative, positive", [(1, 2), (2, 1), (-1, 1), ("1.0", "2.0")])
def test_two_integer_codes_and_one_probability_column_get_commands_with_positive(runner, tmp_path, negative, positive):
    # Reported: labels 1/2 (R's factor codes) beside one probability column read
    # as multiclass, and every suggested command was marked as not running. The
    # column is higher on the rows of one code, so it reads as that code's
    # probability: the commands pass --positive for it and run on the file.
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(5)
    hits = rng.random(60) < 0.4
    prob = np.round(np.clip(np.where(hits, 0.7, 0.3) + rng.normal(0.0, 0.15, 60), 0.01, 0.99), 3)
    labels = [positive if hit else negative for hit in hits]
    path = _write(tmp_path / "codes.csv", ["label", "prob"], list(zip(labels, prob)))
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "binary"
    shown = int(float(positive))
    assert document["inferred"]["evidence"][-1].endswith(f"so the commands pass --positive {shown} (--positive {int(float(negative))} if it is the probability of '{int(float(negative))}')")
    assert [item["loss"] for item in document["recommendations"]] == ["bce", "hinge", "squared_hinge", "focal"]
    assert all(item["command"].endswith(f" --positive {shown}") for item in document["recommendations"])
    _assert_every_command_runs(runner, document["recommendations"])
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    bce = json.loads(_run_suggested(runner, commands["bce"] + " --format json").stdout)["results"][0]["value"]
    assert bce == pytest.approx(log_loss(hits, prob), rel=1e-6)  # sklearn log_loss(label == positive, prob)
    # The other losses give what the same file with 0/1 labels gives.
    coded = _write(tmp_path / "coded.csv", ["label", "prob"], [(int(hit), p) for hit, p in zip(hits, prob)])
    for loss in ("hinge", "squared_hinge", "focal"):
        value = json.loads(_run_suggested(runner, commands[loss] + " --format json").stdout)["results"][0]["value"]
        plain = run(runner, "compute", coded, "--loss", loss, "--format", "json")
        assert value == json.loads(plain.stdout)["results"][0]["value"]


def test_sign_labels_beside_scores_get_hinge_as_they_are(runner, tmp_path):
    # -1/1 beside margins (values outside [0, 1]): hinge reads the labels as written, with no --positive.
    from sklearn.metrics import hinge_loss

    rows = [(-1, -1.5), (1, 0.4), (1, 2.0), (-1, 0.3), (-1, -0.2)] * 4
    path = _write(tmp_path / "svm.csv", ["label", "score"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    hinge = next(item for item in document["recommendations"] if item["loss"] == "hinge")
    assert hinge["command"] == f"losscli compute {path} --loss hinge"
    value = json.loads(_run_suggested(runner, hinge["command"] + " --format json").stdout)["results"][0]["value"]
    assert value == pytest.approx(hinge_loss([y for y, _ in rows], [s for _, s in rows]), rel=1e-9)  # sklearn hinge_loss(label, score)


def _caret_predictions(path: Path) -> tuple[str, list[tuple]]:
    """caret's savePredictions: predicted class, true class, the probability of
    each class, the row's index and its resample."""
    rng = np.random.default_rng(9)
    rows = []
    for i in range(60):
        obs = "yes" if rng.random() < 0.45 else "no"
        yes = round(float(np.clip((0.7 if obs == "yes" else 0.35) + rng.normal(0.0, 0.15), 0.02, 0.98)), 3)
        rows.append(("yes" if yes > 0.5 else "no", obs, round(1 - yes, 3), yes, i + 1, f"Fold{i % 10 + 1:02d}.Rep1"))
    return _write(path, ["pred", "obs", "no", "yes", "rowIndex", "Resample"], rows), rows


def test_recommended_commands_run_on_caret_saved_predictions(runner, tmp_path):
    # Reported: with caret's rowIndex and Resample beside pred, obs, no, yes,
    # the commands read the predicted classes 'pred' and every one failed.
    from sklearn.metrics import log_loss

    path, rows = _caret_predictions(tmp_path / "caret.csv")
    document = json.loads(run(runner, "recommend", "--data", path, "--label-col", "obs", "--format", "json").stdout)
    assert all("--pred-col no,yes" in item["command"] for item in document["recommendations"])
    _assert_every_command_runs(runner, document["recommendations"])
    cce = next(item["command"] for item in document["recommendations"] if item["loss"] == "cce")
    value = json.loads(_run_suggested(runner, cce + " --format json").stdout)["results"][0]["value"]
    obs, probabilities = [row[1] for row in rows], [[row[2], row[3]] for row in rows]
    assert value == pytest.approx(log_loss(obs, probabilities, labels=["no", "yes"]), rel=1e-6)  # sklearn log_loss(obs, [no, yes])


def test_bce_on_caret_predicted_classes_points_to_the_probability_columns(runner, tmp_path):
    # Reported: the error offered --positive yes for the text column 'pred',
    # which then failed on "non-numeric text 'no'". Each fix it names now runs.
    from sklearn.metrics import log_loss

    path, rows = _caret_predictions(tmp_path / "caret.csv")
    result = run(runner, "compute", path, "--label-col", "obs", "--loss", "bce")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith(f"error: {path}, column 'pred': the prediction column 'pred' holds text, predicted classes rather than probabilities, beside the text labels ('no' and 'yes')")
    fixes = re.findall(r"(--pred-col yes --positive yes|--loss cce --pred-col no,yes)", message)
    assert fixes == ["--pred-col yes --positive yes", "--loss cce --pred-col no,yes"]
    assert message.count("--positive") == 1  # never --positive alone on 'pred'
    obs, yes = [row[1] for row in rows], [row[3] for row in rows]
    expected = log_loss([label == "yes" for label in obs], yes)  # sklearn log_loss(obs == 'yes', yes)
    for fix in fixes:
        words = ["compute", path, "--label-col", "obs", *(["--loss", "bce"] if "--loss" not in fix else []), *fix.split(), "--format", "json"]
        ran = runner.invoke(app, words)
        assert ran.exit_code == 0, (fix, ran.stderr)
        assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-6)
    # compare --task says the same of 'pred', without offering --positive for it.
    refused = run(runner, "compare", path, "--label-col", "obs", "--task", "binary")
    assert refused.exit_code == 2
    assert "y_true of bce holds text labels beside 'pred', which holds text, predicted classes rather than probabilities" in refused.stderr
    assert "--positive" not in refused.stderr


def test_positive_on_caret_predicted_classes_says_it_cannot_help(runner, tmp_path):
    # --positive yes beside the text column 'pred' failed on "non-numeric text
    # 'yes'"; the README says the error says --positive cannot help and names
    # the probability columns the classes name.
    path, _rows = _caret_predictions(tmp_path / "caret.csv")
    result = run(runner, "compute", path, "--label-col", "obs", "--loss", "bce", "--positive", "yes")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith(f"error: {path}, column 'pred': the prediction column 'pred' holds text, predicted classes rather than probabilities")
    assert "--positive yes cannot help" in message
    assert "--pred-col yes --positive yes" in message and "--loss cce --pred-col no,yes" in message
    assert "non-numeric" not in message


def test_with_no_clue_in_the_predictions_the_positive_is_the_class_that_sorts_last(runner, tmp_path):
    # The same mean probability on both classes: scikit-learn's predict_proba(X)[:, 1] is the class that sorts last.
    rows = [("spam" if i % 2 else "ham", 0.5) for i in range(20)]
    path = _write(tmp_path / "mail.csv", ["label", "prob"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert "the class that sorts last, 'spam', so the commands pass --positive spam" in document["inferred"]["evidence"][-1]
    _assert_every_command_runs(runner, document["recommendations"])


def test_a_predict_proba_export_of_a_binary_classifier_is_binary(runner, tmp_path):
    # Reported: y_true, prob_0, prob_1 read as multiclass (no bce), although the
    # same columns named p_0, p_1, or beside a y_pred of predicted classes, read
    # as binary. bce on prob_1 = 0.8, 0.3, 0.6 for labels 1, 0, 1:
    # -(log 0.8 + log 0.7 + log 0.6) / 3, by hand.
    rows = [(1, 0.2, 0.8), (0, 0.7, 0.3), (1, 0.4, 0.6)] * 4
    path = _write(tmp_path / "proba.csv", ["y_true", "prob_0", "prob_1"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "binary"
    assert document["inferred"]["evidence"][1] == "the 0/1 labels index the class columns 'prob_0', 'prob_1'; 'prob_1' is the positive class: the commands pass --pred-col prob_1"
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["bce"] == f"losscli compute {path} --loss bce --pred-col prob_1"
    _assert_every_command_runs(runner, document["recommendations"])
    bce = json.loads(_run_suggested(runner, commands["bce"] + " --format json").stdout)["results"][0]["value"]
    assert bce == pytest.approx(-(np.log(0.8) + np.log(0.7) + np.log(0.6)) / 3, rel=1e-6)


def test_two_logit_columns_beside_binary_labels_are_read_together(runner, tmp_path):
    # Reported: p_0, p_1 holding a two-logit head's outputs got 'bce --pred-col p_1
    # --from-logits', sigmoid(l1), but the probability of class 1 is
    # softmax(l0, l1)[1] = sigmoid(l1 - l0). Logits (0, 1), (1, -1), (-0.5, 0.5)
    # for labels 1, 0, 1: cce = (log(1 + e^-1) + log(1 + e^-2) + log(1 + e^-1)) / 3, by hand.
    rows = [(1, 0.0, 1.0), (0, 1.0, -1.0), (1, -0.5, 0.5)] * 4
    path = _write(tmp_path / "logits.csv", ["y_true", "p_0", "p_1"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    assert "which hold logits (values outside [0, 1]): the probability of class 1 is the softmax of both" in document["inferred"]["evidence"][1]
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["cce"] == f"losscli compute {path} --loss cce --pred-col 'p_*' --from-logits"
    _assert_every_command_runs(runner, document["recommendations"])
    cce = json.loads(_run_suggested(runner, commands["cce"] + " --format json").stdout)["results"][0]["value"]
    assert cce == pytest.approx((2 * np.log1p(np.exp(-1.0)) + np.log1p(np.exp(-2.0))) / 3, rel=1e-6)


def test_recommended_focal_on_multi_label_columns_is_sigmoid_focal(runner, tmp_path):
    # Reported: imbalanced multi-label columns put focal, the guide's loss for
    # imbalance, last as not running: plain focal reads several label columns
    # as one class per row. Sigmoid focal on each column, p = 0.5 everywhere:
    # (1 - p_t)^2 log 2 = 0.25 log 2 per element, times alpha 0.25 for the 3
    # ones and 0.75 for the 5 zeros of every 4 rows, over 8 elements (by hand).
    rows = [(1, 1, 0.5, 0.5), (0, 0, 0.5, 0.5), (1, 0, 0.5, 0.5), (0, 0, 0.5, 0.5)] * 3
    path = _write(tmp_path / "tags.csv", ["y_true_a", "y_true_b", "y_pred_a", "y_pred_b"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "binary"
    focal = next(item for item in document["recommendations"] if item["loss"] == "focal")
    assert focal["command"] == f"losscli compute {path} --loss focal:multiclass=sigmoid"
    assert "the labels are independent 0/1 columns (multi-label), so its command passes multiclass=sigmoid" in focal["reason"]
    _assert_every_command_runs(runner, document["recommendations"])
    value = json.loads(_run_suggested(runner, focal["command"] + " --format json").stdout)["results"][0]["value"]
    assert value == pytest.approx(0.25 * np.log(2) * (0.25 * 3 + 0.75 * 5) / 8, rel=1e-6)


def test_recommended_commands_select_class_columns_named_after_text_labels(runner, tmp_path):
    # No y_pred/prob_* columns: the labels name p_cat, p_dog, p_bird by suffix.
    rows = [("cat", 0.7, 0.2, 0.1), ("dog", 0.2, 0.5, 0.3), ("bird", 0.1, 0.1, 0.8)] * 4
    path = _write(tmp_path / "mc.csv", ["label", "p_cat", "p_dog", "p_bird"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["cce"] == f"losscli compute {path} --loss cce --pred-col 'p_*'"
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"] + " --format json")
        assert ran.exit_code == 0, (item["command"], ran.stderr)
        assert json.loads(ran.stdout)["results"][0]["value"] is not None
    cce = json.loads(_run_suggested(runner, commands["cce"] + " --format json").stdout)["results"][0]["value"]
    assert cce == pytest.approx(-(np.log(0.7) + np.log(0.5) + np.log(0.8)) / 3, rel=1e-6)  # by hand


def test_recommended_commands_run_on_a_mask_file(runner, tmp_path):
    rows = [(img, int(px % 6 == 0), 0.2 + 0.6 * (px % 6 == 0)) for img in ("a", "b", "c") for px in range(24)]
    path = _write(tmp_path / "masks.csv", ["image_id", "y_true", "y_pred"], rows)
    result = run(runner, "recommend", "--data", path)
    assert "Inferred: task segmentation; class imbalance: majority:minority 5 (imbalanced)" in result.stdout
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    # The guide's tips first (focal for the imbalance, Dice/IoU), then losscli's tversky advice.
    assert [r["loss"] for r in document["recommendations"]] == ["focal", "dice", "iou", "tversky"]
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 0, (item["command"], ran.stderr)


def _long_format_ctc(path: Path, sample: str) -> str:
    """Two utterances, one row per frame: uniform log-probabilities over {blank, 1}."""
    half = float(np.log(0.5))
    rows = [("u1", "1", half, half)] * 3 + [("u2", "1 1", half, half)] * 4
    return _write(path, [sample, "target", "y_pred_0", "y_pred_1"], rows)


@pytest.mark.parametrize(("sample", "given"), [("utterance", False), ("clip", True)])
def test_recommended_ctc_command_names_the_sequence_of_long_format_frames(runner, tmp_path, sample, given):
    path = _long_format_ctc(tmp_path / "frames.csv", sample)
    options = ["--sample-col", sample] if given else []
    document = json.loads(run(runner, "recommend", "--data", path, *options, "--format", "json").stdout)
    assert document["task"] == "sequence"
    assert any("one row per frame" in line for line in document["inferred"]["evidence"])
    # Reported: "7 rows, label sequences of 1 to 2 symbols" about frame rows.
    assert "'target': 7 frame rows of 2 sequences, each frame carrying its sequence's target: label sequences of 1 to 2 symbols" in document["inferred"]["evidence"][1]
    assert f"column '{sample}' groups the rows into 2 sequences of 3.5 frame rows on average" in document["inferred"]["evidence"][2]
    (ctc,) = document["recommendations"]
    assert ctc["command"].endswith(f"--sample-col {sample}")
    _assert_every_command_runs(runner, document["recommendations"])
    ran = _run_suggested(runner, ctc["command"] + " --format json")
    # Worked by hand (PyTorch CTCLoss 'mean', uniform p = 1/2 over {blank, 1}):
    # u1, T=3, target [1]: 6 of the 8 paths hold a 1 run -> -log(6/8) / 1;
    # u2, T=4, target [1, 1]: paths with exactly two runs of 1 (1010, 0101, 1001,
    # 1011, 1101) -> -log(5/16) / 2
    expected = (-np.log(6 / 8) - np.log(5 / 16) / 2) / 2
    assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-6)


def test_a_class_label_file_with_an_utterance_column_is_not_segmentation(tmp_path):
    from losscli.inference import infer_file

    rows = [(f"u{i // 4}", i % 2, 0.3 + 0.4 * (i % 2)) for i in range(16)]
    path = _write(tmp_path / "frames.csv", ["utterance", "y_true", "y_pred"], rows)
    assert infer_file(path).task == "binary"


def test_recommended_commands_on_the_gan_sample_name_the_columns_they_read(runner, monkeypatch):
    # sample_data/gan.csv: y_true, critic (WGAN critic scores), d_prob and d_logit
    # (a discriminator's outputs); the README runs adversarial with --pred-col d_prob.
    monkeypatch.chdir(ROOT)
    document = json.loads(run(runner, "recommend", "--data", "sample_data/gan.csv", "--format", "json").stdout)
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["wasserstein"] == "losscli compute sample_data/gan.csv --loss wasserstein"
    assert commands["adversarial"] == "losscli compute sample_data/gan.csv --loss adversarial --pred-col d_prob"
    assert commands["wasserstein_distance"] == "losscli compute sample_data/gan.csv --loss wasserstein_distance --pred-col d_prob"
    # No feature vectors in the file: perceptual is last, with the reason.
    last = document["recommendations"][-1]
    assert last["loss"] == "perceptual"
    assert last["reason"].startswith("its command does not run on this file as it is: sample_data/gan.csv: no column for y_pred of loss 'perceptual'")
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert (ran.exit_code == 0) == (item["loss"] != "perceptual"), (item["command"], ran.stderr)


def test_a_discriminator_logit_column_is_read_as_logits_without_the_switch(runner, tmp_path):
    # compute reads a column named d_logit as logits by itself: the command needs no --from-logits.
    rows = [(i % 2, round(1.5 - 3.0 * (i % 3 == 0), 2), round(2.0 * (i % 2) - 0.5, 2)) for i in range(20)]
    path = _write(tmp_path / "gan.csv", ["y_true", "critic", "d_logit"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    adversarial = next(item for item in document["recommendations"] if item["loss"] == "adversarial")
    assert adversarial["command"] == f"losscli compute {path} --loss adversarial --pred-col d_logit"
    ran = _run_suggested(runner, adversarial["command"] + " --format json")
    assert ran.exit_code == 0, ran.stderr
    direct = runner.invoke(app, ["compute", path, "--loss", "adversarial", "--pred-col", "d_logit", "--from-logits", "--format", "json"])
    assert json.loads(ran.stdout)["results"] == json.loads(direct.stdout)["results"]


# A discriminator's probabilities of 10 real and 10 generated samples.
GAN_REAL_PROBS = [0.91, 0.82, 0.77, 0.95, 0.6, 0.88, 0.7, 0.83, 0.99, 0.55]
GAN_FAKE_PROBS = [0.12, 0.3, 0.45, 0.08, 0.21, 0.6, 0.15, 0.33, 0.05, 0.27]


def _bce_gan(real: list[float], fake: list[float]) -> float:
    """The PyTorch DCGAN example's discriminator loss, by hand:
    BCELoss(D(real), 1) + BCELoss(D(fake), 0) = mean -log D(real) + mean -log(1 - D(fake))."""
    return float(np.mean(-np.log(real)) + np.mean(-np.log1p(-np.asarray(fake))))


def _runnable_recommendations(document: dict) -> list[dict]:
    """The recommendations above those marked as not running, which come last."""
    marked = [item for item in document["recommendations"] if "does not run" in item["reason"]]
    runnable = document["recommendations"][: len(document["recommendations"]) - len(marked)]
    assert all("does not run" in item["reason"] for item in document["recommendations"][len(runnable):])
    return runnable


def test_a_discriminator_file_with_is_real_labels_is_generative(runner, tmp_path):
    # d_prob is under no GAN loss's name, but 'is_real' is a real/fake label only the GAN losses read.
    rows = [(p, 1) for p in GAN_REAL_PROBS] + [(p, 0) for p in GAN_FAKE_PROBS]
    path = _write(tmp_path / "disc.csv", ["d_prob", "is_real"], rows)
    result = run(runner, "recommend", "--data", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["task"] == "generative"
    assert any("'is_real' is named as real/fake labels" in line for line in document["inferred"]["evidence"])
    runnable = _runnable_recommendations(document)
    assert [item["loss"] for item in runnable] == ["adversarial", "wasserstein"]
    assert runnable[0]["command"] == f"losscli compute {path} --loss adversarial --pred-col d_prob"
    _assert_every_command_runs(runner, runnable)
    values = {item["loss"]: json.loads(_run_suggested(runner, item["command"] + " --format json").stdout)["results"][0]["value"] for item in runnable}
    assert values["adversarial"] == pytest.approx(_bce_gan(GAN_REAL_PROBS, GAN_FAKE_PROBS), rel=1e-9)
    # WGAN critic loss, by hand: mean D(fake) - mean D(real).
    assert values["wasserstein"] == pytest.approx(np.mean(GAN_FAKE_PROBS) - np.mean(GAN_REAL_PROBS), rel=1e-9)


@pytest.mark.parametrize("column", ["d_prob", "D_x"])
def test_real_fake_text_labels_are_a_gan_log_read_with_positive_real(runner, tmp_path, column):
    # A discriminator's probabilities (d_prob) or a critic's unbounded scores (D_x) beside
    # 'real'/'fake' text labels: generative, not two text classes with no predictions.
    scores = (GAN_REAL_PROBS, GAN_FAKE_PROBS) if column == "d_prob" else ([4 * p - 2 for p in GAN_REAL_PROBS], [4 * p - 2 for p in GAN_FAKE_PROBS])
    rows = [(s, "real") for s in scores[0]] + [(s, "fake") for s in scores[1]]
    rows = [rows[i // 2] if i % 2 == 0 else rows[10 + i // 2] for i in range(20)]  # interleaved, as a log writes them
    path = _write(tmp_path / "gan.csv", [column, "label"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "generative"
    assert any("'label' holds 'real' and 'fake'" in line for line in document["inferred"]["evidence"])
    runnable = _runnable_recommendations(document)
    assert {item["loss"] for item in runnable} == {"adversarial", "wasserstein"}
    for item in runnable:
        assert item["command"].startswith(f"losscli compute {path} --loss {item['loss']} --pred-col {column}")
        assert item["command"].endswith("--positive real")
    _assert_every_command_runs(runner, runnable)
    values = {item["loss"]: json.loads(_run_suggested(runner, item["command"] + " --format json").stdout)["results"][0]["value"] for item in runnable}
    # WGAN critic loss, by hand: mean D(fake) - mean D(real).
    assert values["wasserstein"] == pytest.approx(np.mean(scores[1]) - np.mean(scores[0]), rel=1e-9)
    if column == "d_prob":
        assert values["adversarial"] == pytest.approx(_bce_gan(GAN_REAL_PROBS, GAN_FAKE_PROBS), rel=1e-9)
    else:
        # With --from-logits: BCEWithLogitsLoss(x, 1) = softplus(-x), BCEWithLogitsLoss(x, 0) = softplus(x).
        expected = np.mean(np.logaddexp(0, -np.asarray(scores[0]))) + np.mean(np.logaddexp(0, np.asarray(scores[1])))
        assert values["adversarial"] == pytest.approx(expected, rel=1e-9)


def test_the_real_label_is_positive_even_where_the_scores_favour_fake(tmp_path):
    from losscli.inference import infer_file

    # A critic that scores the fakes higher (a bad one) is still read with real as 1.
    rows = [(round(0.1 * i + (-2 if i % 2 else 2), 2), "Real" if i % 2 else "Fake") for i in range(20)]
    path = _write(tmp_path / "bad.csv", ["critic", "label"], rows)
    result = infer_file(path)
    assert (result.task, result.positive) == ("generative", "Real")


@pytest.mark.parametrize(
    ("column", "scores", "first", "level"),
    [
        ("critic", "unbounded", "wasserstein", False),  # the name says WGAN critic
        ("d_logit", "unbounded", "adversarial", False),  # the name says a discriminator's logits
        ("d_score", "probabilities", "adversarial", False),  # values in [0, 1]: a discriminator's probabilities
        ("d_score", "unbounded", None, True),  # nothing tells: both rank level, and the evidence says so
        ("disc", "unbounded", None, True),  # WGAN code calls its critic the discriminator too
    ],
)
def test_critic_scores_and_discriminator_outputs_rank_their_own_loss_first(runner, tmp_path, column, scores, first, level):
    real, fake = GAN_REAL_PROBS, GAN_FAKE_PROBS
    if scores == "unbounded":
        real, fake = [3 * p - 1 for p in real], [3 * p - 2 for p in fake]
    rows = [(s, 1) for s in real] + [(s, 0) for s in fake]
    path = _write(tmp_path / "gan.csv", ["is_real", column], [(label, round(score, 4)) for score, label in rows])
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "generative"
    evidence = document["inferred"]["evidence"]
    runnable = _runnable_recommendations(document)
    top = [item["loss"] for item in runnable[:2]]
    assert set(top) == {"adversarial", "wasserstein"}
    scores_of = {item["loss"]: item["reason"] for item in runnable}
    matched = "the file has exactly the input columns this loss reads"
    if level:
        assert any("look alike" in line and "rank level" in line for line in evidence), evidence
        assert matched in scores_of["adversarial"] and matched in scores_of["wasserstein"]
    else:
        assert top[0] == first
        assert any(f"'{column}'" in line and "ranks first" in line for line in evidence), evidence
        assert matched in scores_of[first] and matched not in scores_of[top[1]]
    _assert_every_command_runs(runner, runnable)
    values = {item["loss"]: json.loads(_run_suggested(runner, item["command"] + " --format json").stdout)["results"][0]["value"] for item in runnable[:2]}
    # WGAN critic loss, by hand: mean D(fake) - mean D(real).
    assert values["wasserstein"] == pytest.approx(np.mean([round(v, 4) for v in fake]) - np.mean([round(v, 4) for v in real]), rel=1e-9)


def test_is_real_beside_classes_of_another_kind_is_not_read_as_gan_labels(tmp_path):
    from losscli.inference import infer_file

    path = _write(tmp_path / "other.csv", ["is_real", "y_pred"], [(i % 3 + 2, 0.5) for i in range(12)])
    assert infer_file(path).task != "generative"


def test_two_columns_under_the_same_name_are_not_guessed_between(runner, tmp_path):
    rows = [(i % 2, round(0.5 - (i % 3), 2), 0.3, 0.7) for i in range(20)]
    path = _write(tmp_path / "gan.csv", ["y_true", "critic", "g_prob", "d_prob"], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    adversarial = next(item for item in document["recommendations"] if item["loss"] == "adversarial")
    assert "--pred-col" not in adversarial["command"]
    assert adversarial["reason"].startswith("its command does not run on this file as it is: ")


def _pair_parquet(path: Path, label_codes: tuple[int, int]) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    similar = np.arange(24) % 2 == 0
    x1 = np.round(rng.normal(size=(24, 6)), 4)
    x2 = np.round(x1 + rng.normal(scale=np.where(similar, 0.2, 1.5)[:, None], size=(24, 6)), 4)
    y = np.where(similar, label_codes[1], label_codes[0])
    table = pa.table({"sentence1": pa.array(list(x1), pa.list_(pa.float64())), "sentence2": pa.array(list(x2), pa.list_(pa.float64())), "label": y})
    pq.write_table(table, path)
    return str(path), x1, x2, similar


def _cosine_embedding_by_hand(x1: np.ndarray, x2: np.ndarray, similar: np.ndarray) -> float:
    """PyTorch CosineEmbeddingLoss(margin=0), written out: 1 - cos for y = 1, max(0, cos) for y = -1,
    cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))."""
    cos = (x1 * x2).sum(axis=1) / np.sqrt(((x1 * x1).sum(axis=1) + 1e-12) * ((x2 * x2).sum(axis=1) + 1e-12))
    return float(np.where(similar, 1 - cos, np.maximum(cos, 0.0)).mean())


def test_embedding_pairs_in_list_columns_are_metric_learning(runner, tmp_path):
    path, x1, x2, similar = _pair_parquet(tmp_path / "pairs.parquet", (0, 1))
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "ranking"
    assert any("'sentence1' and 'sentence2' are list columns of 6 numbers each" in line for line in document["inferred"]["evidence"])
    runnable = _runnable_recommendations(document)
    commands = {item["loss"]: item["command"] for item in runnable}
    assert set(commands) == {"contrastive", "cosine_embedding"}
    for name, command in commands.items():
        assert command == f"losscli compute {path} --loss {name} --col x1=sentence1 --col x2=sentence2"
    _assert_every_command_runs(runner, runnable)
    values = {name: json.loads(_run_suggested(runner, command + " --format json").stdout)["results"][0]["value"] for name, command in commands.items()}
    # tensorflow-addons contrastive_loss (margin 1), by hand: y d^2 + (1 - y) max(0, 1 - d)^2.
    d = np.sqrt(((x1 - x2) ** 2).sum(axis=1))
    assert values["contrastive"] == pytest.approx(np.mean(np.where(similar, d**2, np.maximum(1 - d, 0) ** 2)), rel=1e-9)
    assert values["cosine_embedding"] == pytest.approx(_cosine_embedding_by_hand(x1, x2, similar), rel=1e-9)


def test_embedding_pairs_with_sign_labels_rank_cosine_embedding_first(runner, tmp_path):
    # -1/1 labels are what CosineEmbeddingLoss reads; contrastive refuses them, which its reason says.
    path, x1, x2, similar = _pair_parquet(tmp_path / "pairs.parquet", (-1, 1))
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "ranking"
    runnable = _runnable_recommendations(document)
    assert [item["loss"] for item in runnable] == ["cosine_embedding"]
    contrastive = next(item for item in document["recommendations"] if item["loss"] == "contrastive")
    assert "pair label must be 1 (similar) or 0 (dissimilar)" in contrastive["reason"]
    _assert_every_command_runs(runner, runnable)
    ran = _run_suggested(runner, runnable[0]["command"] + " --format json")
    assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(_cosine_embedding_by_hand(x1, x2, similar), rel=1e-9)


def test_class_probabilities_in_two_list_columns_are_not_embedding_pairs(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from losscli.inference import infer_file

    probs = [[0.3, 0.7], [0.8, 0.2]] * 6
    table = pa.table({"y_true": [1, 0] * 6, "p_a": pa.array(probs, pa.list_(pa.float64())), "p_b": pa.array(probs, pa.list_(pa.float64()))})
    pq.write_table(table, tmp_path / "probs.parquet")
    assert infer_file(str(tmp_path / "probs.parquet")).task != "ranking"


# --------------------------------------------------------------------------- sample data


def test_info_sample_commands_run_on_the_sample_data(runner, monkeypatch):
    from losscli.catalog import sample_command

    monkeypatch.chdir(ROOT)
    commands = [(spec.name, sample_command(spec)) for spec in all_specs() if sample_command(spec)]
    assert commands
    failures = []
    for name, command in commands:
        ran = _run_suggested(runner, command)
        if ran.exit_code != 0:
            failures.append((name, command, ran.stderr.strip()))
    assert not failures


# --------------------------------------------------------------------------- start-up


# Each command line runs in turn in one fresh interpreter; after each, the
# driver reports which of pandas/pyarrow have been imported so far.
STARTUP_COMMANDS = [
    ["--help"],
    ["list"],
    ["info", "huber"],
    ["recommend", "--task", "regression", "--format", "json"],
]
STARTUP_DRIVER = """
import json, sys
from losscli.cli import app
report = []
for args in json.loads(sys.argv[1]):
    code = 0
    try:
        app(args=args, prog_name="losscli")
    except SystemExit as exit:
        code = exit.code or 0
    heavy = sorted({m.split(".")[0] for m in sys.modules} & {"pandas", "pyarrow"})
    report.append([args, code, heavy])
sys.stderr.write("REPORT=" + json.dumps(report))
"""


def test_commands_do_not_import_pandas_or_pyarrow():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_DRIVER, json.dumps(STARTUP_COMMANDS)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    report = json.loads(done.stderr.rsplit("REPORT=", 1)[1])
    assert [args for args, _, _ in report] == STARTUP_COMMANDS
    for args, code, heavy in report:
        assert code == 0, args
        assert heavy == [], (args, heavy)
    assert '"task": "regression"' in done.stdout


def test_python_dash_m_recommend():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "losscli", "recommend", "--task", "gan", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["task"] == "generative"
    assert [r["loss"] for r in document["recommendations"]][:3] == ["adversarial", "perceptual", "wasserstein"]


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_main_keeps_blas_to_one_thread_unless_told_otherwise(monkeypatch, given, expected):
    """numpy's OpenBLAS would start a spinning thread per core at import;
    the command line asks for one, and a user's own setting wins."""
    import losscli.cli as cli

    # setenv first so that monkeypatch restores the variable, set or not, afterwards.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", given or "unset")
    if given is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    seen = []
    monkeypatch.setattr(cli, "app", lambda **_: seen.append(os.environ.get("OPENBLAS_NUM_THREADS")))
    cli.main()
    assert seen == [expected]


# --------------------------------------------------------------------------- the guide's wording
# The selection advice that list, info, recommend and compare encode is "the guide"
# to users; no output or help text may call it anything else.


def _help_paths(command, path=()):
    yield list(path)
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_paths(sub, (*path, name))


def test_every_help_text_speaks_of_the_guide_not_seeds(runner):
    import typer.main

    paths = list(_help_paths(typer.main.get_command(app)))
    assert ["recommend"] in paths and ["plot", "curves"] in paths
    for path in paths:
        result = run(runner, *path, "--help")
        assert result.exit_code == 0, (path, result.stderr)
        assert "seed" not in result.stdout.lower(), path
    recommend_help = " ".join(run(runner, "recommend", "--help").stdout.split())
    assert "Encodes the loss-selection guide: its loss-by-task table, characteristics table and selection tips." in recommend_help


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_list_speaks_of_the_guide_not_seeds(runner, fmt):
    result = run(runner, "list", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "seed" not in result.stdout.lower()
    if fmt == "table":
        legend = " ".join(result.stdout.split())
        assert "✔/✘ from the guide's characteristics table where it rates the loss, else losscli's rating" in legend


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_info_speaks_of_the_guide_not_seeds_for_every_loss(runner, fmt):
    for spec in all_specs():
        result = run(runner, "info", spec.name, "--format", fmt)
        assert result.exit_code == 0, (spec.name, result.stderr)
        assert "seed" not in result.stdout.lower(), spec.name


def test_info_names_the_guide_as_the_rater_or_losscli(runner):
    focal = json.loads(run(runner, "info", "focal", "--format", "json").stdout)["characteristics"]
    assert focal["rated_by"] == "guide: Focal"
    assert focal["notes"]["robust"].startswith("per the guide's table; ")
    ctc = json.loads(run(runner, "info", "ctc", "--format", "json").stdout)["characteristics"]
    assert ctc["rated_by"] == "losscli"
    assert ctc["notes"]["robust"].startswith("our judgement (the guide does not rate CTC): ")
    log_cosh = json.loads(run(runner, "info", "log_cosh", "--format", "json").stdout)
    assert log_cosh["reference"] == "Keras LogCosh (mean; --reduction sum gives the guide's formula, a sum)"
    assert "### Characteristics (rated by guide: Dice/IoU)" in run(runner, "info", "dice", "--format", "markdown").stdout


@pytest.mark.parametrize("task", sorted(TASKS))
def test_recommend_speaks_of_the_guide_not_seeds_for_every_task(runner, task):
    for fmt in ("table", "json", "csv", "markdown"):
        for flags in ((), ("--outliers", "--imbalanced")):
            result = run(runner, "recommend", "--task", task, *flags, "--format", fmt)
            assert result.exit_code == 0, (task, fmt, flags, result.stderr)
            assert "seed" not in result.stdout.lower(), (task, fmt, flags)


def test_recommend_reasons_cite_the_guide(runner):
    document = json.loads(run(runner, "recommend", "--task", "classification", "--outliers", "--format", "json").stdout)
    reasons = {r["loss"]: r["reason"] for r in document["recommendations"]}
    assert reasons["focal"] == (
        "robust to outliers (the guide's characteristics table, Focal: ✔), wanted for --outliers; "
        "use in classification ✔ (guide: Focal); smooth gradient ✔ (guide: Focal)"
    )
    assert "the guide's loss-by-task table lists it for Classification" in reasons["bce"]
    assert "(losscli's rating: a cross-entropy (the guide rates CE not robust))" in reasons["weighted_ce"]
    regression = json.loads(run(runner, "recommend", "--task", "regression", "--format", "json").stdout)
    log_cosh = next(r for r in regression["recommendations"] if r["loss"] == "log_cosh")
    assert log_cosh["reason"].startswith("also fits regression; the guide: smooth MAE: ")


@pytest.mark.parametrize(
    "header, rows, loss, reason",
    [
        # -1/1 labels beside scores: bce and focal read 0/1 only (hinge takes them).
        (["y", "score"], [(-1, -1.2), (1, 0.7), (-1, 0.4), (-1, -2.1)] * 3, "bce", "binary label outside [0, 1] (value -1), in y_true"),
        # One-hot label columns: sparse_cce wants one class-index column.
        (["y_true_a", "y_true_b", "y_pred_a", "y_pred_b"], [(1, 0, 0.8, 0.2), (0, 1, 0.3, 0.7)] * 5, "sparse_cce", "sparse_cce takes one class-index column as y_true, in y_true"),
        # exp(900) overflows: predictions of a negative mean are log-rates, as poisson reads them by default.
        (["y_true", "y_pred"], [(3.5, 900.0), (2.25, -1.0), (4.5, -1500.0), (1.5, 0.5)] * 5, "poisson", "it gives no number on these data, only inf"),
    ],
)
def test_a_suggested_command_that_the_values_make_fail_is_marked(runner, tmp_path, header, rows, loss, reason):
    path = _write(tmp_path / "data.csv", header, rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    item = next(item for item in document["recommendations"] if item["loss"] == loss)
    assert item["reason"].startswith(f"its command does not run on this file as it is: {reason}")
    assert item["rank"] == len(document["recommendations"]) or "does not run" in document["recommendations"][-1]["reason"]
    ran = _run_suggested(runner, item["command"] + " --format json")
    assert ran.exit_code == 2 or json.loads(ran.stdout)["results"][0]["value"] is None, ran.stdout
    for other in document["recommendations"]:
        if "does not run" not in other["reason"]:
            assert _run_suggested(runner, other["command"]).exit_code == 0, other["command"]


# Labels 1..3 beside class columns named by them, in two orders. Row r holds
# 0.5 for its own class, 0.3 and 0.2 for the others, so cce = -log(0.5) (by hand).
NAMED_BY_CLASS = [(label, {label: 0.5, 1 + label % 3: 0.3, 1 + (label + 1) % 3: 0.2}) for label in (1, 2, 3, 1, 2, 3, 1, 1)]


@pytest.mark.parametrize("order", [(1, 2, 3), (3, 1, 2)])
def test_recommended_commands_run_on_labels_that_name_their_columns(runner, tmp_path, order):
    rows = [(label,) + tuple(probs[c] for c in order) for label, probs in NAMED_BY_CLASS]
    path = _write(tmp_path / "named.csv", ["y_true"] + [f"prob_{c}" for c in order], rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    for item in document["recommendations"]:
        assert "does not run" not in item["reason"], item
        ran = _run_suggested(runner, item["command"] + " --format json")
        assert ran.exit_code == 0, (item["command"], ran.stderr)
        if item["loss"] in ("cce", "sparse_cce"):
            assert json.loads(ran.stdout)["results"][0]["value"] == pytest.approx(-np.log(0.5), rel=1e-6)


@pytest.mark.parametrize(
    "header, rows",
    [
        # Label 0 beside prob_1 .. prob_3: no column is named by it.
        (["y_true", "prob_1", "prob_2", "prob_3"], [(1, 0.5, 0.3, 0.2), (0, 0.2, 0.5, 0.3), (3, 0.2, 0.3, 0.5)] * 3),
        # Columns partly named by a class other than their position.
        (["y_true", "prob_1", "prob_2", "prob_rest"], [(1, 0.5, 0.3, 0.2), (2, 0.2, 0.5, 0.3)] * 3),
        # A text label without a column of its own.
        (["y_true", "prob_cat", "prob_dog"], [("cat", 0.8, 0.2), ("dog", 0.3, 0.7), ("bird", 0.6, 0.4)] * 3),
    ],
)
def test_class_labels_compute_refuses_mark_the_class_losses_with_its_words(runner, tmp_path, header, rows):
    path = _write(tmp_path / "data.csv", header, rows)
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    assert document["task"] == "multiclass"
    for item in document["recommendations"]:
        ran = _run_suggested(runner, item["command"])
        assert ran.exit_code == 2, item["command"]
        said = ran.stderr.strip().removeprefix("error: ")
        assert item["reason"].startswith(f"its command does not run on this file as it is: {said}"), (item["reason"], said)


def _suggested_value(runner, path, loss: str, command: str) -> tuple[dict, float]:
    """recommend --data PATH as JSON, and the value of LOSS's suggested command,
    once that command is ``command`` and every suggested command runs."""
    document = json.loads(run(runner, "recommend", "--data", path, "--format", "json").stdout)
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands[loss] == command
    _assert_every_command_runs(runner, document["recommendations"])
    value = json.loads(_run_suggested(runner, commands[loss] + " --format json").stdout)["results"][0]["value"]
    return document, value


def test_recommended_commands_read_the_probabilities_beside_predicted_classes(runner, tmp_path):
    # scikit-learn's predict() and predict_proba() side by side. cce by hand:
    # -(log 0.7 + log 0.8 + log 0.3 + log 0.8) / 4, the true class's probability of each row.
    rows = [(0, 0, 0.7, 0.2, 0.1), (1, 1, 0.1, 0.8, 0.1), (2, 1, 0.2, 0.5, 0.3), (2, 2, 0.1, 0.1, 0.8)] * 3
    path = _write(tmp_path / "sk.csv", ["y_true", "y_pred", "prob_0", "prob_1", "prob_2"], rows)
    document, cce = _suggested_value(runner, path, "cce", f"losscli compute {path} --loss cce --pred-col 'prob_*'")
    assert document["task"] == "multiclass"
    assert cce == pytest.approx(-(np.log(0.7) + np.log(0.8) + np.log(0.3) + np.log(0.8)) / 4, rel=1e-6)


def test_recommended_commands_read_the_positive_probability_beside_predicted_binary_classes(runner, tmp_path):
    # bce by hand: -(log 0.8 + log 0.9 + log 0.4 + log 0.7) / 4, the probability of each row's own class.
    rows = [(1, 1, 0.2, 0.8), (0, 0, 0.9, 0.1), (1, 0, 0.6, 0.4), (0, 0, 0.7, 0.3)] * 3
    path = _write(tmp_path / "sk.csv", ["y_true", "y_pred", "prob_0", "prob_1"], rows)
    document, bce = _suggested_value(runner, path, "bce", f"losscli compute {path} --loss bce --pred-col prob_1")
    assert document["task"] == "binary"
    assert bce == pytest.approx(-(np.log(0.8) + np.log(0.9) + np.log(0.4) + np.log(0.7)) / 4, rel=1e-6)


def test_recommended_commands_read_the_probabilities_beside_predicted_class_names(runner, tmp_path):
    # cce by hand: -(log 0.7 + log 0.4 + log 0.8) / 3, the probability of each row's own class.
    rows = [("cat", "cat", 0.7, 0.3), ("dog", "cat", 0.6, 0.4), ("dog", "dog", 0.2, 0.8)] * 3
    path = _write(tmp_path / "sk.csv", ["label", "prediction", "p_cat", "p_dog"], rows)
    document, cce = _suggested_value(runner, path, "cce", f"losscli compute {path} --loss cce --pred-col 'p_*'")
    assert cce == pytest.approx(-(np.log(0.7) + np.log(0.4) + np.log(0.8)) / 3, rel=1e-6)


def test_recommend_help_names_only_its_own_options(runner):
    """recommend reads one file (--data): its help must not speak of options it lacks, such as
    compute's --labels."""
    import re

    import typer.main

    command = typer.main.get_command(app).commands["recommend"]
    own = {name for param in command.params for name in getattr(param, "opts", [])}
    result = run(runner, "recommend", "--help")
    assert result.exit_code == 0, result.stderr
    named = set(re.findall(r"--[a-z][a-z-]*[a-z]", " ".join(result.stdout.split())))
    assert named <= own | {"--help"}, named - own
