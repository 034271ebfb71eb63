"""``compare --task``: poisson reads each model's predictions as rates or
log-rates as the data say (see ``losscli.rate_inputs``).

Before, the task's poisson always read them as log-rates (PyTorch's
default), and on the rates of sample_data/regression.csv it reported the mean
of exp(prediction) - y prediction, 190.383. Expected values come from

* PyTorch's ``poisson_nll_loss`` (when torch is installed),
* the formula written out by hand on tiny files: rates mu give
  mean(mu - y log(mu + 1e-8)), log-rates p give mean(exp(p) - y p)
  (PyTorch's PoissonNLLLoss, eps=1e-8, full=False),
* ``losscli compute --loss poisson:log_input=false|true`` on the same file,
  the explicit spec the task's choice must agree with.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import write_csv

REPO = Path(__file__).resolve().parents[1]
REGRESSION = REPO / "sample_data" / "regression.csv"
EPS = 1e-8  # PyTorch PoissonNLLLoss's default eps, added to the rate before the log


def json_run(cli, command: str, *args, **kwargs) -> tuple[dict, str]:
    result = cli(command, *args, "--format", "json", **kwargs)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout), result.stderr


def poisson_results(document: dict) -> list[dict]:
    return [r for r in document["results"] if r["loss"] == "poisson" and r["group"] is None]


def by_rates(y: list[float], mu: list[float]) -> float:
    """PyTorch PoissonNLLLoss(log_input=False): mean(mu - y log(mu + eps)), written out."""
    return sum(m - t * math.log(m + EPS) for t, m in zip(y, mu)) / len(y)


def by_log_rates(y: list[float], p: list[float]) -> float:
    """PyTorch PoissonNLLLoss(log_input=True): mean(exp(p) - y p), written out."""
    return sum(math.exp(q) - t * q for t, q in zip(y, p)) / len(y)


def regression_columns() -> tuple[np.ndarray, np.ndarray]:
    with open(REGRESSION, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([float(r["y_true"]) for r in rows]), np.array([float(r["y_pred"]) for r in rows])


# --------------------------------------------------------------------------- the sample file: rates


def test_task_reads_the_sample_predictions_as_rates(cli):
    """sample_data/regression.csv holds rates (mean 3.77 beside labels of mean
    3.72): the task's poisson is the value of the explicit
    poisson:log_input=false, not the 190.383 of reading them as log-rates."""
    document, stderr = json_run(cli, "compare", REGRESSION, "--task", "regression")
    explicit, _ = json_run(cli, "compute", REGRESSION, "--loss", "poisson:log_input=false")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False
    assert result["value"] == explicit["results"][0]["value"]
    assert result["value"] == pytest.approx(-1.184, abs=5e-4)  # the table's value, 6 digits
    [loss] = [b for b in document["losses"] if b["loss"] == "poisson"]
    assert loss["spec"] == "poisson:log_input=false" and loss["params"]["log_input"] is False
    # One note, saying what was chosen and how to choose otherwise.
    notes = [line for line in stderr.splitlines() if "poisson reads" in line]
    assert notes == [
        "note: poisson reads 'y_pred' as rates (log_input=false): their mean 3.772 is nearer the labels' 3.717 "
        "than their exponentials' 205.6 (first 200 rows); --loss poisson:log_input=true reads them as log-rates"
    ]


def test_the_sample_value_is_pytorchs(cli):
    """Cross-check against torch.nn.functional.poisson_nll_loss(log_input=False)."""
    torch = pytest.importorskip("torch")
    y, mu = regression_columns()
    expected = float(torch.nn.functional.poisson_nll_loss(torch.tensor(mu), torch.tensor(y), log_input=False, full=False, eps=EPS))
    document, _ = json_run(cli, "compare", REGRESSION, "--task", "regression")
    [result] = poisson_results(document)
    assert result["value"] == pytest.approx(expected, rel=1e-12)


def test_table_and_csv_show_the_reading(cli):
    table = cli("compare", REGRESSION, "--task", "regression")
    assert table.exit_code == 0, table.stderr
    [row] = [line for line in table.stdout.splitlines() if line.startswith("poisson")]
    assert row.split()[:2] == ["poisson:log_input=false", "-1.184"]
    text = cli("compare", REGRESSION, "--task", "regression", "--format", "csv")
    [line] = [r for r in csv.DictReader(io.StringIO(text.stdout)) if r["loss"] == "poisson"]
    assert line["spec"] == "poisson:log_input=false"


def test_every_group_of_by_is_read_as_rates(cli):
    """--by: one decision per model, every group computed with it (the groups'
    values are those of the explicit poisson:log_input=false)."""
    document, _ = json_run(cli, "compare", REGRESSION, "--task", "regression", "--by", "region")
    explicit, _ = json_run(cli, "compute", REGRESSION, "--loss", "poisson:log_input=false", "--by", "region")
    ours = {json.dumps(r["group"]): r["value"] for r in document["results"] if r["loss"] == "poisson"}
    theirs = {json.dumps(r["group"]): r["value"] for r in explicit["results"]}
    assert ours == theirs and len(ours) == 5  # overall and four regions
    assert all(r["params"]["log_input"] is False for r in document["results"] if r["loss"] == "poisson")


def test_stdin_is_read_once(cli):
    """The first batch decides as it is folded: stdin, which gives its rows
    once, is read as rates too."""
    document, _ = json_run(cli, "compare", "-", "--task", "regression", input=REGRESSION.read_text())
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False
    assert result["value"] == pytest.approx(-1.184, abs=5e-4)


# --------------------------------------------------------------------------- tiny files, by hand


def test_tiny_rates_by_hand(cli, tmp_path):
    """y = 0, 1, 3 and rates 0.5, 1, 2 (losscli's worked example of poisson,
    0.47351947777338815 by PyTorch): mean 1.17 beside 1.33, exponentials' 3.92."""
    y, mu = [0.0, 1.0, 3.0], [0.5, 1.0, 2.0]
    path = write_csv(tmp_path / "rates.csv", {"y_true": y, "y_pred": mu})
    document, stderr = json_run(cli, "compare", path, "--task", "regression")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False
    assert result["value"] == pytest.approx(by_rates(y, mu), rel=1e-12)
    assert result["value"] == pytest.approx(0.47351947777338815, rel=1e-12)
    assert "poisson reads 'y_pred' as rates (log_input=false)" in stderr


def test_tiny_log_rates_keep_log_input(cli, tmp_path):
    """Log-rates of 2, 3, 5 (0.69 .. 1.61, no negative among them) beside
    counts 2, 3, 5: their exponentials' mean is the labels' mean, so log-rates."""
    y = [2.0, 3.0, 5.0]
    p = [math.log(v) for v in y]
    path = write_csv(tmp_path / "logs.csv", {"y_true": y, "y_pred": p})
    document, stderr = json_run(cli, "compare", path, "--task", "regression")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is True
    assert result["value"] == pytest.approx(by_log_rates(y, p), rel=1e-12)
    explicit, _ = json_run(cli, "compute", path, "--loss", "poisson")
    assert result["value"] == explicit["results"][0]["value"]
    [note] = [line for line in stderr.splitlines() if "poisson reads" in line]
    assert "as log-rates (log_input=true): their exponentials' mean 3.333 is nearer the labels' 3.333" in note
    assert note.endswith("--loss poisson:log_input=false reads them as rates")


def test_negative_predictions_are_log_rates(cli, tmp_path):
    """A rate cannot be negative: predictions of -0.2 .. 2.5 are log-rates,
    though their mean (1.15) is nearer the labels' (1.5) than their
    exponentials' (5.2) is; read as rates, poisson would refuse them."""
    y, p = [0.0, 1.0, 3.0, 2.0], [0.5, -0.2, 2.5, 1.8]
    path = write_csv(tmp_path / "neg.csv", {"y_true": y, "y_pred": p})
    document, stderr = json_run(cli, "compare", path, "--task", "regression")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is True
    assert result["value"] == pytest.approx(by_log_rates(y, p), rel=1e-12)
    assert "they hold negative values (the lowest -0.2), which rates cannot be" in stderr


def test_labels_that_are_not_counts(cli, tmp_path):
    """Non-integer targets (PyTorch's PoissonNLLLoss takes them): still rates or log-rates by the means."""
    y, mu = [0.5, 1.25, 2.75, 4.1], [0.7, 1.1, 2.5, 3.9]
    path = write_csv(tmp_path / "floats.csv", {"y_true": y, "y_pred": mu})
    document, _ = json_run(cli, "compare", path, "--task", "regression")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False
    assert result["value"] == pytest.approx(by_rates(y, mu), rel=1e-12)


def test_labels_of_zero_keep_the_default_and_say_so(cli, tmp_path):
    """Every label 0: the means do not tell, PyTorch's default stays, and the note says so."""
    y, p = [0.0, 0.0], [0.5, 0.2]
    path = write_csv(tmp_path / "zeros.csv", {"y_true": y, "y_pred": p})
    document, stderr = json_run(cli, "compare", path, "--task", "regression")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is True
    assert result["value"] == pytest.approx(by_log_rates(y, p), rel=1e-12)
    assert "as log-rates (log_input=true): PyTorch's default, as the values do not tell" in stderr


# --------------------------------------------------------------------------- several models


def test_two_models_one_of_each(cli, tmp_path):
    """Columns of one file: 'rates' (sample_data's predictions) and 'logs'
    (their logarithms). Each is read its own way, so both give the same
    negative log-likelihood, up to the eps PyTorch adds to a rate."""
    y, mu = regression_columns()
    path = write_csv(tmp_path / "two.csv", {"y_true": y, "rates": mu, "logs": np.log(mu)})
    document, stderr = json_run(cli, "compare", path, "--pred-col", "rates", "--pred-col", "logs", "--task", "regression")
    results = {r["model"]: r for r in poisson_results(document)}
    assert results["rates"]["params"]["log_input"] is False
    assert results["logs"]["params"]["log_input"] is True
    assert results["rates"]["value"] == pytest.approx(by_rates(list(y), list(mu)), rel=1e-12)
    assert results["logs"]["value"] == pytest.approx(by_log_rates(list(y), list(np.log(mu))), rel=1e-12)
    assert results["rates"]["value"] == pytest.approx(results["logs"]["value"], rel=1e-7)
    notes = [line for line in stderr.splitlines() if "poisson reads" in line]
    assert len(notes) == 2
    assert notes[0].startswith("note: rates: poisson reads 'rates' as rates (log_input=false)")
    assert notes[1].startswith("note: logs: poisson reads 'logs' as log-rates (log_input=true)")
    # The matrix row names the loss; each CSV line its own reading.
    table = cli("compare", path, "--pred-col", "rates", "--pred-col", "logs", "--task", "regression")
    assert any(line.split()[0] == "poisson" for line in table.stdout.splitlines() if line.startswith("poisson"))
    text = cli("compare", path, "--pred-col", "rates", "--pred-col", "logs", "--task", "regression", "--format", "csv")
    specs = {r["model"]: r["spec"] for r in csv.DictReader(io.StringIO(text.stdout)) if r["loss"] == "poisson"}
    assert specs == {"rates": "poisson:log_input=false", "logs": "poisson:log_input=true"}


def test_two_files_one_of_each(cli, tmp_path):
    y, mu = regression_columns()
    rates = write_csv(tmp_path / "rates.csv", {"y_true": y, "y_pred": mu})
    logs = write_csv(tmp_path / "logs.csv", {"y_true": y, "y_pred": np.log(mu)})
    document, _ = json_run(cli, "compare", rates, logs, "--task", "regression")
    params = {r["model"]: r["params"]["log_input"] for r in poisson_results(document)}
    assert params == {"rates": False, "logs": True}
    # The loss as listed says the models were read differently, not one reading for both.
    [loss] = [b for b in document["losses"] if b["loss"] == "poisson"]
    assert loss["params"]["log_input"] is None and loss["params"]["eps"] == EPS
    assert loss["per_model"] == {"rates": {"log_input": False}, "logs": {"log_input": True}}


# --------------------------------------------------------------------------- what the user set wins


def test_explicit_poisson_keeps_pytorchs_default(cli):
    """--loss poisson is PyTorch's PoissonNLLLoss as named: log-rates, 190.383
    on the sample (the value compare --task gave before), and no note."""
    y, mu = regression_columns()
    for args in (("compare", REGRESSION, "--loss", "poisson"), ("compute", REGRESSION, "--loss", "poisson")):
        document, stderr = json_run(cli, *args)
        [result] = poisson_results(document)
        assert result["params"]["log_input"] is True
        assert result["value"] == pytest.approx(by_log_rates(list(y), list(mu)), rel=1e-12)
        assert result["value"] == pytest.approx(190.383, abs=5e-4)  # the table's 6 digits
        assert "poisson reads" not in stderr


def test_explicit_poisson_replaces_the_tasks(cli):
    """--task with --loss poisson (or poisson:log_input=false): one poisson,
    the user's, evaluated as given."""
    for spec, log_input in (("poisson", True), ("poisson:log_input=false", False), ("poisson:log_input=true", True)):
        document, stderr = json_run(cli, "compare", REGRESSION, "--task", "regression", "--loss", spec)
        [result] = poisson_results(document)
        assert result["params"]["log_input"] is log_input, spec
        assert "poisson reads" not in stderr


def test_a_convention_that_pins_log_input_is_kept(cli):
    """--convention keras reads rates (Keras' Poisson): nothing to decide."""
    document, stderr = json_run(cli, "compare", REGRESSION, "--task", "regression", "--convention", "keras")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False and result["params"]["convention"] == "keras"
    assert "poisson reads" not in stderr


def test_only_task_chosen_losses_are_decided():
    from losscli.rate_inputs import decides_by_data
    from losscli.registry import parse_spec

    named = parse_spec("poisson")
    assert not decides_by_data(named)
    assert decides_by_data(dataclasses.replace(named, chosen_by_task=True))
    assert not decides_by_data(dataclasses.replace(parse_spec("poisson:log_input=true"), chosen_by_task=True))


def test_recommend_uses_the_same_rule():
    """recommend --data and compare --task share read_rates: the sample's predictions are rates for both."""
    from losscli.inference import infer, read_rates

    y, mu = regression_columns()
    assert read_rates(y, mu).rates
    assert not read_rates(y, np.log(mu)).rates
    assert "rates" in infer(y, mu).prediction_kinds


# --------------------------------------------------------------------------- engines


def test_row_groups_decoded_where_they_are_folded(tmp_path, monkeypatch):
    """A Parquet file of two large row groups is folded as deferred row groups
    (decoded on the folding threads): the first is decoded to decide, then
    folded with the rest, and the value is that of the explicit spec."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from losscli.evaluation import evaluate_file
    from losscli.io.plan import InputOptions, InputPlan
    from losscli.registry import parse_spec

    rng = np.random.default_rng(3)
    mu = rng.uniform(0.5, 5.0, 600_000)
    y = rng.poisson(mu).astype(np.float64)
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"y_true": y, "y_pred": mu}), path, row_group_size=300_000)
    deferred = []
    original = InputPlan.deferred_batches

    def spy(plan):
        found = original(plan)
        deferred.append(found is not None)
        return found

    monkeypatch.setattr(InputPlan, "deferred_batches", spy)
    options = InputOptions(predictions=str(path))
    chosen = dataclasses.replace(parse_spec("poisson"), chosen_by_task=True)
    report, _, _ = evaluate_file(options, [chosen])
    explicit, _, _ = evaluate_file(options, [parse_spec("poisson:log_input=false")])
    [result] = report.results
    assert result.loss.display == "poisson:log_input=false"
    assert result.value == explicit.results[0].value
    assert result.value == pytest.approx(float(np.mean(mu - y * np.log(mu + EPS))), rel=1e-9)
    assert any("first 262,144 rows" in note for note in report.notes)
    import os

    if (os.cpu_count() or 1) > 1:
        assert deferred[0]  # the path with row groups decoded on the folding threads was taken


def test_dask_engine_decides_from_the_first_file(cli, tmp_path):
    pytest.importorskip("dask")
    import pyarrow as pa
    import pyarrow.parquet as pq

    y, mu = regression_columns()
    path = tmp_path / "rates.parquet"
    pq.write_table(pa.table({"y_true": y, "y_pred": mu}), path)
    document, stderr = json_run(cli, "compare", path, "--loss", "mse", "--task", "regression", "--engine", "dask", "--scheduler", "synchronous")
    [result] = poisson_results(document)
    assert result["params"]["log_input"] is False
    assert result["value"] == pytest.approx(by_rates(list(y), list(mu)), rel=1e-12)
    assert "poisson reads 'y_pred' as rates (log_input=false)" in stderr
