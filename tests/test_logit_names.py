"""Prediction columns named as logits are read as logits (``losscli.logit_names``).

A logit of 0.3 looks like a probability: a column named ``logits`` whose
values all lay in [0, 1] was read as probabilities and gave a wrong value
without a word. Each expected value names its source.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import losscli
from losscli.logit_names import columns_say_logits, name_says_logits
from conftest import assert_usage_error, write_csv

# The example of the report: labels 1, 0 and logits 0.5, 0.2.
EXAMPLE_LABELS = [1, 0]
EXAMPLE_LOGITS = [0.5, 0.2]
# By hand, BCE with logits: mean of log(1 + exp(-x)) for y = 1 and log(1 + exp(x)) for y = 0:
# (log(1 + e^-0.5) + log(1 + e^0.2)) / 2 = (0.4740770 + 0.7981389) / 2 = 0.6361079.
EXAMPLE_AS_LOGITS = (math.log1p(math.exp(-0.5)) + math.log1p(math.exp(0.2))) / 2
# By hand, BCE on probabilities: (-log 0.5 - log(1 - 0.2)) / 2 = (0.6931472 + 0.2231436) / 2 = 0.4581454,
# the value the old code printed for the same file.
EXAMPLE_AS_PROBABILITIES = (-math.log(0.5) - math.log(0.8)) / 2


def _example(tmp_path: Path, column: str = "logits") -> Path:
    return write_csv(tmp_path / "c.csv", {"y_true": EXAMPLE_LABELS, column: EXAMPLE_LOGITS})


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("note: ")]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "name",
    ["logits", "logit", "Logits", "LOGITS", "y_logit", "y_logits", "pred_logits", "y_pred_logits", "d_logit", "model_a_logits",
     "logit_0", "logit_9", "logits_cat", "logits.1", "logit-dog", "logit3", "yLogits", "classLogits", "raw_logits"],
)  # fmt: skip
def test_names_that_say_logits(name):
    assert name_says_logits(name)


@pytest.mark.parametrize(
    "name",
    [
        # probabilities and scores
        "proba", "prob", "probs", "probability", "probabilities", "score", "scores", "y_pred", "pred", "y_score", "p_1",
        # log-probabilities are not logits
        "log_probs", "log_prob", "logprobs", "logprob", "log_softmax", "logp",
        # words that merely hold the letters
        "logistic", "logitboost", "nlogit", "logodds",
        # numbers about logits, and probabilities made from them
        "logit_scale", "logit_bias", "logit_lengths", "softmax_logits", "sigmoid_logits", "prob_from_logit", "inv_logit",
        # more than a class after the word
        "logits_model_a",
    ],
)  # fmt: skip
def test_names_that_do_not_say_logits(name):
    assert not name_says_logits(name)


def test_a_mix_of_columns_says_nothing():
    assert columns_say_logits(["logit_0", "logit_1"])
    assert not columns_say_logits(["logit_0", "prob_1"])
    assert not columns_say_logits([])


# --------------------------------------------------------------------------- compute


def test_a_logits_column_with_values_in_0_1_is_read_as_logits(cli, tmp_path):
    document = _json(cli("compute", _example(tmp_path), "--loss", "bce", "--format", "json"))
    (result,) = document["results"]
    assert result["value"] == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)
    assert round(result["value"], 6) == 0.636108
    assert result["params"]["from_logits"] is True


def test_the_example_matches_torch_bce_with_logits(cli, tmp_path):
    torch = pytest.importorskip("torch")
    # Reference: torch.nn.functional.binary_cross_entropy_with_logits on the same values.
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(EXAMPLE_LOGITS, dtype=torch.float64), torch.tensor(EXAMPLE_LABELS, dtype=torch.float64)
    ).item()
    document = _json(cli("compute", _example(tmp_path), "--loss", "bce", "--format", "json"))
    assert document["results"][0]["value"] == pytest.approx(expected, rel=1e-12)


def test_one_note_on_stderr_says_so_and_how_to_override(cli, tmp_path):
    result = cli("compute", _example(tmp_path), "--loss", "bce", "--loss", "focal")
    assert result.exit_code == 0, result.stderr
    assert _notes(result) == [
        "note: 'logits' is read as logits, as its name says (bce, focal); "
        "--no-from-logits or bce:from_logits=false reads it as probabilities"
    ]
    assert "note" not in result.stdout
    quiet = cli("compute", _example(tmp_path), "--loss", "bce", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize("option", [["--no-from-logits"], ["--loss", "bce:from_logits=false"]])
def test_the_user_can_say_the_column_holds_probabilities(cli, tmp_path, option):
    losses = [] if option[0] == "--loss" else ["--loss", "bce"]
    document = _json(cli("compute", _example(tmp_path), *losses, *option, "--format", "json"))
    (result,) = document["results"]
    assert result["value"] == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)
    assert result["params"]["from_logits"] is False


def test_said_explicitly_there_is_no_note(cli, tmp_path):
    for option in (["--from-logits"], ["--no-from-logits"]):
        result = cli("compute", _example(tmp_path), "--loss", "bce", *option)
        assert result.exit_code == 0, result.stderr
        assert _notes(result) == []


def test_a_spec_wins_over_either_switch(cli, tmp_path):
    # bce:from_logits=true beside --no-from-logits: the spec's own value, as eps in a spec wins over --eps.
    document = _json(cli("compute", _example(tmp_path, "proba"), "--loss", "bce:from_logits=true", "--no-from-logits", "--format", "json"))
    assert document["results"][0]["value"] == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)
    document = _json(cli("compute", _example(tmp_path), "--loss", "bce:from_logits=false", "--from-logits", "--format", "json"))
    assert document["results"][0]["value"] == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)


def test_from_logits_still_reads_any_column_as_logits(cli, tmp_path):
    document = _json(cli("compute", _example(tmp_path, "proba"), "--loss", "bce", "--from-logits", "--format", "json"))
    assert document["results"][0]["value"] == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)


@pytest.mark.parametrize("column", ["proba", "prob", "probability", "score", "y_pred", "y_proba"])
def test_columns_named_as_probabilities_or_scores_are_unaffected(cli, tmp_path, column):
    result = cli("compute", _example(tmp_path, column), "--loss", "bce", "--format", "json")
    document = _json(result)
    assert document["results"][0]["value"] == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)
    assert document["results"][0]["params"]["from_logits"] is False
    assert _notes(result) == []


def test_log_probabilities_are_not_read_as_logits(cli, tmp_path):
    # cce reads probabilities: log-probabilities under --pred-col log_probs are refused as before, with the hint.
    path = write_csv(tmp_path / "lp.csv", {"y_true": [0, 1], "log_probs_0": [-0.1, -2.0], "log_probs_1": [-2.4, -0.2]})
    result = cli("compute", path, "--loss", "cce", "--pred-col", "log_probs_*")
    assert_usage_error(result, "outside [0, 1]", "--from-logits")


def test_log_probabilities_stay_log_probabilities_for_ctc(cli, tmp_path):
    # The README's CTC sample holds log-probabilities in 'y_pred'; the same column named
    # 'log_probs' gives the same value, and named 'logits' it goes through log-softmax,
    # which leaves log-probabilities unchanged (rows of log p are their own log-softmax)
    # up to the rounding of the sample's values, written with 6 or so digits.
    import pyarrow.parquet as pq

    table = pq.read_table(Path(__file__).resolve().parents[1] / "sample_data" / "ctc.parquet")
    values = {}
    for name in ("y_pred", "log_probs", "logits"):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(table.rename_columns([name if c == "y_pred" else c for c in table.column_names]), path)
        result = cli("compute", path, "--loss", "ctc", "--format", "json")
        values[name] = _json(result)["results"][0]
        assert bool(_notes(result)) == (name == "logits"), result.stderr
    assert values["log_probs"]["params"]["from_logits"] is False
    assert values["logits"]["params"]["from_logits"] is True
    assert values["log_probs"]["value"] == values["y_pred"]["value"]
    assert values["logits"]["value"] == pytest.approx(values["y_pred"]["value"], rel=1e-6)


# Class logits whose rows happen to sum to 1: the old code read them as probabilities without a word.
CLASS_LOGITS = [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.7, 0.2, 0.1]]
CLASS_LABELS = [0, 1, 2]


def _class_file(tmp_path: Path, prefix: str = "logit") -> Path:
    columns = {"y_true": CLASS_LABELS, **{f"{prefix}_{k}": [row[k] for row in CLASS_LOGITS] for k in range(3)}}
    return write_csv(tmp_path / "classes.csv", columns)


def test_class_columns_named_logit_are_read_as_logits(cli, tmp_path):
    # By hand, cross-entropy on logits: mean over rows of log(sum_j exp x_j) - x_y.
    expected = sum(math.log(sum(math.exp(x) for x in row)) - row[y] for row, y in zip(CLASS_LOGITS, CLASS_LABELS)) / 3
    result = cli("compute", _class_file(tmp_path), "--loss", "cce", "--format", "json")
    document = _json(result)
    assert document["results"][0]["value"] == pytest.approx(expected, rel=1e-12)
    assert _notes(result) == [
        "note: 'logit_0' .. 'logit_2' (3 columns) are read as logits, as their names say (cce); "
        "--no-from-logits or cce:from_logits=false reads them as probabilities"
    ]
    # Named as probabilities, the same values are read as probabilities: mean of -log p_y.
    as_probabilities = -sum(math.log(row[y]) for row, y in zip(CLASS_LOGITS, CLASS_LABELS)) / 3
    document = _json(cli("compute", _class_file(tmp_path, "prob"), "--loss", "cce", "--format", "json"))
    assert document["results"][0]["value"] == pytest.approx(as_probabilities, rel=1e-12)


def test_ten_logit_class_columns_match_torch_cross_entropy(cli, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    logits = rng.normal(0.0, 2.0, size=(40, 10))
    labels = rng.integers(0, 10, size=40)
    path = write_csv(tmp_path / "ten.csv", {"y_true": labels, **{f"logit_{k}": logits[:, k] for k in range(10)}})
    # Reference: torch.nn.functional.cross_entropy on the same logits and class indices.
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    for loss in ("cce", "sparse_cce"):
        document = _json(cli("compute", path, "--loss", loss, "--format", "json"))
        assert document["results"][0]["value"] == pytest.approx(expected, rel=1e-9), loss


def test_balanced_weights_with_per_row_values_read_named_logits(cli, tmp_path):
    # weighted_ce:weights=balanced takes a first pass for the class counts before the per-row values:
    # both passes read the columns as logits, and the summary equals the run without per-row output.
    rows = tmp_path / "rows.csv"
    path = _class_file(tmp_path)
    with_rows = _json(cli("compute", path, "--loss", "weighted_ce:weights=balanced", "--per-row", rows, "--format", "json"))
    alone = _json(cli("compute", path, "--loss", "weighted_ce:weights=balanced", "--format", "json"))
    assert with_rows["results"] == alone["results"]
    assert alone["results"][0]["params"]["from_logits"] is True
    # Three classes of one row each: balanced weights are all 1, so this is cce on the logits (by hand as above).
    expected = sum(math.log(sum(math.exp(x) for x in row)) - row[y] for row, y in zip(CLASS_LOGITS, CLASS_LABELS)) / 3
    assert alone["results"][0]["value"] == pytest.approx(expected, rel=1e-12)


def test_a_loss_that_ignores_the_switch_is_not_switched(cli, tmp_path):
    # adversarial's hinge form reads raw scores whatever from_logits says: no switch, no note.
    path = write_csv(tmp_path / "gan.csv", {"y_true": [1, 0, 1, 0], "d_logit": [0.9, 0.1, 0.4, 0.7]})
    result = cli("compute", path, "--loss", "adversarial:form=hinge", "--format", "json")
    assert _json(result)["results"][0]["params"]["from_logits"] is False
    assert _notes(result) == []


def test_an_infinite_logit_is_still_an_error(cli, tmp_path):
    # bce on probabilities shows a NaN or inf in its sum, so plain runs skip the per-value check;
    # on logits (by name) an infinite logit can cost nothing, so the check must run.
    path = write_csv(tmp_path / "inf.csv", {"y_true": [0, 1, 0], "logits": [-0.5, 1.0, "-inf"]})
    assert_usage_error(cli("compute", path, "--loss", "bce"), "column 'logits'", "row 3")


# --------------------------------------------------------------------------- compare


def _models(tmp_path: Path) -> tuple[Path, Path]:
    y = [1, 0, 1, 0, 1, 1]
    logits = write_csv(tmp_path / "a.csv", {"y_true": y, "logits": [0.9, 0.1, 0.4, 0.7, 0.2, 0.6]})
    proba = write_csv(tmp_path / "b.csv", {"y_true": y, "proba": [0.8, 0.3, 0.6, 0.4, 0.7, 0.9]})
    return logits, proba


def test_compare_reads_each_model_as_its_columns_say(cli, tmp_path):
    logits, proba = _models(tmp_path)
    result = cli("compare", logits, proba, "--loss", "bce", "--loss", "focal", "--format", "json")
    document = _json(result)
    values = {(r["loss"], r["model"]): r for r in document["results"]}
    for loss in ("bce", "focal"):
        # Each model's value is the one its own compute run gives.
        for path, model in ((logits, "a"), (proba, "b")):
            alone = _json(cli("compute", path, "--loss", loss, "--format", "json"))["results"][0]
            assert values[(loss, model)]["value"] == alone["value"]
            assert values[(loss, model)]["params"] == alone["params"]
        assert values[(loss, "a")]["params"]["from_logits"] is True
        assert values[(loss, "b")]["params"]["from_logits"] is False
    # By hand: BCE with logits of model a, log(1 + exp(-x)) for y = 1, log(1 + exp(x)) for y = 0.
    y, x = [1, 0, 1, 0, 1, 1], [0.9, 0.1, 0.4, 0.7, 0.2, 0.6]
    by_hand = sum(math.log1p(math.exp(-v if t else v)) for t, v in zip(y, x)) / 6
    assert values[("bce", "a")]["value"] == pytest.approx(by_hand, rel=1e-12)
    # By hand: BCE on model b's probabilities, -log p for y = 1, -log(1 - p) for y = 0.
    p = [0.8, 0.3, 0.6, 0.4, 0.7, 0.9]
    by_hand = -sum(math.log(v if t else 1 - v) for t, v in zip(y, p)) / 6
    assert values[("bce", "b")]["value"] == pytest.approx(by_hand, rel=1e-12)
    assert _notes(result) == [
        "note: a: 'logits' is read as logits, as its name says (bce, focal); --no-from-logits or bce:from_logits=false reads it as probabilities"
    ]


def test_compare_csv_shows_the_spec_each_model_was_computed_with(cli, tmp_path):
    logits, proba = _models(tmp_path)
    result = cli("compare", logits, proba, "--loss", "bce", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("loss,spec,model,value")
    spec = {line.split(",")[2]: line.split(",")[1] for line in lines[1:]}
    assert spec == {"a": "bce:from_logits=true", "b": "bce"}


def test_compare_switches_apply_to_every_model(cli, tmp_path):
    logits, proba = _models(tmp_path)
    for switch in ("--from-logits", "--no-from-logits"):
        document = _json(cli("compare", logits, proba, "--loss", "bce", switch, "--format", "json"))
        for result, path in zip(document["results"], (logits, proba)):
            alone = _json(cli("compute", path, "--loss", "bce", switch, "--format", "json"))["results"][0]
            assert result["value"] == alone["value"]
            assert result["params"]["from_logits"] is (switch == "--from-logits")


def test_compare_models_as_columns_of_one_file(cli, tmp_path):
    # compare FILE --pred-col logits --pred-col proba: one model of logits, one of probabilities.
    path = write_csv(tmp_path / "both.csv", {"y_true": EXAMPLE_LABELS, "logits": EXAMPLE_LOGITS, "proba": EXAMPLE_LOGITS})
    document = _json(cli("compare", path, "--pred-col", "logits", "--pred-col", "proba", "--loss", "bce", "--format", "json"))
    values = {r["model"]: r["value"] for r in document["results"]}
    assert values["logits"] == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)
    assert values["proba"] == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)


def test_a_baseline_of_the_same_run_matches_the_logits_model(cli, tmp_path):
    logits, proba = _models(tmp_path)
    baseline = tmp_path / "base.json"
    assert cli("compare", logits, proba, "--loss", "bce", "--output", baseline).exit_code == 0
    document = _json(cli("compare", logits, proba, "--loss", "bce", "--baseline", baseline, "--format", "json"))
    assert all(r["baseline"]["delta"] == 0 for r in document["results"])


def test_compare_on_dask_reads_each_model_as_its_columns_say(cli, tmp_path):
    pytest.importorskip("dask")
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = []
    for name, column, values in (("a", "logits", EXAMPLE_LOGITS), ("b", "proba", EXAMPLE_LOGITS)):
        paths.append(tmp_path / f"{name}.parquet")
        pq.write_table(pa.table({"y_true": EXAMPLE_LABELS, column: values}), paths[-1])
    document = _json(cli("compare", *paths, "--loss", "bce", "--engine", "dask", "--scheduler", "synchronous", "--format", "json"))
    values = {r["model"]: r for r in document["results"]}
    assert values["a"]["value"] == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)
    assert values["a"]["params"]["from_logits"] is True
    assert values["b"]["value"] == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)


# --------------------------------------------------------------------------- recommend and the API


def test_recommend_does_not_ask_for_from_logits_on_a_logits_column(cli, tmp_path):
    y = [1, 0, 1, 0, 1, 0, 1, 0]
    path = write_csv(tmp_path / "d.csv", {"y_true": y, "logits": [2.5, -1.2, 0.3, -0.7, 1.1, 0.4, -0.2, -2.0]})
    document = _json(cli("recommend", "--data", path, "--format", "json"))
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    assert commands["bce"] == f"losscli compute {path} --loss bce"
    assert "--from-logits" not in " ".join(commands.values())
    assert any("named as logits" in line for line in document["inferred"]["evidence"])
    # The command as suggested gives what --from-logits gives.
    suggested = _json(cli("compute", path, "--loss", "bce", "--format", "json"))["results"]
    explicit = _json(cli("compute", path, "--loss", "bce", "--from-logits", "--format", "json"))["results"]
    assert suggested == explicit


def test_the_python_api_does_not_read_a_series_name():
    # A pandas Series keeps its name through arithmetic, so the name of an array says nothing sure:
    # the API reads probabilities unless from_logits=True is passed (README, "--from-logits").
    pd = pytest.importorskip("pandas")
    logits = pd.Series(EXAMPLE_LOGITS, name="logits")
    assert (1 / (1 + np.exp(-logits))).name == "logits"
    assert losscli.compute("bce", EXAMPLE_LABELS, logits) == pytest.approx(EXAMPLE_AS_PROBABILITIES, rel=1e-12)
    assert losscli.compute("bce", EXAMPLE_LABELS, logits, from_logits=True) == pytest.approx(EXAMPLE_AS_LOGITS, rel=1e-12)
