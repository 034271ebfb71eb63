"""Reading without the per-value NaN/inf check when the loss sums show such values.

For losses that declare ``propagates_nonfinite``, ``evaluate_file`` reads
without checking every value and reads again with the check only when a
batch's sum is not finite or a loss fails. These tests hold the declaration
to its word for every such loss, and the shortcut to giving exactly the
values and errors of the checked read.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import assert_usage_error, write_csv
from examples import example

import losscli.evaluation as evaluation
import losscli.io.plan as plan_module
from losscli.engine import Accumulator
from losscli.group_keys import row_keys
from losscli.errors import LossCliError
from losscli.registry import all_specs, bind

# Parameter settings beyond each loss's example, where they change how a kernel treats extremes.
VARIANTS = {
    "huber": [{"delta": 0.1}, {"delta": 50.0}],
    "smooth_l1": [{"beta": 0.0}, {"beta": 2.0}],
    "quantile": [{"q": 0.01}, {"q": 0.5}, {"q": 0.99}],
    "poisson": [{"log_input": li, "full": full} for li in (True, False) for full in (True, False)] + [{"deviance": True}],
    "mape": [{"percent": False}, {"floor": 1.0}],
    # Parameters the declarations depend on: a wrong test of them must fail here.
    "msle": [{"floor": 1e-7}, {"floor": 0.5}],
    "bce": [{"eps": 0.0}, {"pos_weight": 3.0}, {"smoothing": 0.1}, {"log_floor": -100.0}, {"from_logits": True}],
    "cce": [{"eps": 0.0}, {"clip_upper": True}, {"from_logits": True}, {"normalize": True}],
}


def _declared() -> list[tuple[str, dict]]:
    cases = []
    for spec in all_specs():
        if not spec.propagates_nonfinite:
            continue
        _, _, params, _, _ = example(spec.name)
        for extra in [{}] + VARIANTS.get(spec.name, []):
            if bind(spec, {**params, **extra}).propagates_nonfinite:
                cases.append((spec.name, {**params, **extra}))
    return cases


@pytest.mark.parametrize(("name", "params"), _declared(), ids=lambda value: str(value))
def test_every_nonfinite_input_shows_in_the_sum_or_fails(name, params):
    """The declaration: NaN, +inf or -inf in any input, at any row, makes the
    kernel raise or the batch sum non-finite, so skipping the check is safe."""
    spec, arrays, _, _, _ = example(name, n=50, seed=3)
    bound = bind(spec, params)
    for role, values in arrays.items():
        for bad in (np.nan, np.inf, -np.inf):
            for row in (0, 23, 49):
                changed = {k: v.copy() for k, v in arrays.items()}
                target = changed[role]
                if target.ndim == 1:
                    target[row] = bad
                else:
                    target[row, -1] = bad
                accumulator = Accumulator(bound)
                try:
                    with np.errstate(all="ignore"):
                        accumulator.add(changed, weights=None, keys=row_keys(None, None))
                except LossCliError:
                    continue
                assert not accumulator.last_batch_finite, (role, bad, row)


def test_the_declared_losses_are_the_elementwise_regression_ones_and_bce():
    declared = sorted(spec.name for spec in all_specs() if spec.propagates_nonfinite)
    assert declared == ["bce", "cce", "huber", "log_cosh", "mae", "mape", "mse", "msle", "poisson", "quantile", "rmse", "smooth_l1"]


@pytest.mark.parametrize("labels", ["index", "one-hot"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_cce_raises_on_a_nonfinite_probability_of_another_class(labels, bad):
    """Only the true class's probability enters the loss of an index label:
    a NaN elsewhere in the row would leave a finite sum, so the row check
    must reject it."""
    from losscli.registry import get

    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    y_pred[1, 2] = bad
    y_true = np.array([0.0, 1.0]) if labels == "index" else np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    accumulator = Accumulator(bind(get("cce"), {}))
    with np.errstate(all="ignore"), pytest.raises(LossCliError, match="row 2"):
        accumulator.add({"y_true": y_true, "y_pred": y_pred}, weights=None, keys=row_keys(None, None))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("msle", {"floor": 1e-7}),
        ("poisson", {"deviance": True}),
        ("mse", {"convention": "sklearn"}),
        ("bce", {"from_logits": True}),
        ("cce", {"from_logits": True}),
        ("cce", {"normalize": True}),
    ],
)
def test_variants_that_may_hide_a_value_are_not_vouched_for(name, params):
    from losscli.registry import get

    assert not bind(get(name), params).propagates_nonfinite


def test_a_floor_does_hide_minus_infinity_which_is_why_msle_with_one_is_checked():
    from losscli.losses.regression import msle

    # max(-inf, 1e-7) = 1e-7: a finite loss from an infinite input.
    assert np.isfinite(msle(np.array([-np.inf, 1.0]), np.array([1.0, 1.0]), floor=1e-7)).all()


# ----------------------------------------------------------------------------- end to end


@pytest.fixture
def count_checks(monkeypatch):
    """Counts the reader's per-value missing checks."""
    calls = []
    original = plan_module._missing_rows

    def counted(arrays, weights):
        calls.append(1)
        return original(arrays, weights)

    monkeypatch.setattr(plan_module, "_missing_rows", counted)
    return calls


def _run_both(cli, monkeypatch, *args):
    """The command's result with the shortcut and with every value checked."""
    shortcut = cli(*args)
    with monkeypatch.context() as patch:
        patch.setattr(evaluation, "_sums_show_missing_values", lambda *_: False)
        checked = cli(*args)
    return shortcut, checked


def _columns(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    return [repr(float(v)) for v in rng.random(n) + 0.5], [repr(float(v)) for v in rng.random(n) + 0.5]


def test_clean_input_skips_the_check_and_gives_the_same_values(cli, tmp_path, small_batches, monkeypatch, count_checks):
    y_true, y_pred = _columns(200)
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred})
    args = ("compute", tmp_path / "data.csv", "--loss", "mse", "--loss", "huber", "--loss", "msle", "--format", "json")
    shortcut = cli(*args)
    assert shortcut.exit_code == 0, shortcut.stderr
    assert count_checks == []
    _, checked = _run_both(cli, monkeypatch, *args)
    assert count_checks, "the checked read must have run the check"
    assert json.loads(shortcut.stdout)["results"] == json.loads(checked.stdout)["results"]


@pytest.mark.parametrize(
    "holes",
    [
        {150: ("1", "nan")},
        {3: ("inf", "1"), 190: ("1", "")},
        {199: ("-inf", "1")},  # msle would fail on it first; the missing-value error still wins
    ],
)
def test_missing_values_give_the_checked_error(cli, tmp_path, small_batches, monkeypatch, holes):
    y_true, y_pred = _columns(200)
    for row, (t, p) in holes.items():
        y_true[row], y_pred[row] = t, p
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred})
    shortcut, checked = _run_both(cli, monkeypatch, "compute", tmp_path / "data.csv", "--loss", "mse", "--loss", "msle")
    first = min(holes) + 1
    line = assert_usage_error(shortcut, f"{len(holes)} row", "missing, NaN or infinite", f"the first at row {first}")
    assert line == assert_usage_error(checked)


def test_a_loss_error_is_the_checked_one(cli, tmp_path, small_batches, monkeypatch):
    y_true, y_pred = _columns(200)
    y_pred[120] = "-3.0"
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred})
    shortcut, checked = _run_both(cli, monkeypatch, "compute", tmp_path / "data.csv", "--loss", "msle")
    line = assert_usage_error(shortcut, "greater than -1", "row 121")
    assert line == assert_usage_error(checked)


def test_an_overflowing_sum_without_missing_values_is_reported_as_before(cli, tmp_path, monkeypatch):
    write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0], "y_pred": [1e200, 1.0]})
    shortcut, checked = _run_both(cli, monkeypatch, "compute", tmp_path / "data.csv", "--loss", "mse", "--format", "json")
    assert shortcut.exit_code == checked.exit_code == 0
    assert json.loads(shortcut.stdout)["results"] == json.loads(checked.stdout)["results"]
    # (1e200)^2 overflows: the value is reported as null, with a note, both ways.
    assert json.loads(shortcut.stdout)["results"][0]["value"] is None


@pytest.mark.parametrize(
    "extra",
    [("--weight-col", "w"), ("--by", "g"), ("--nan-policy", "omit"), ("--loss", "bce", "--from-logits")],
)
def test_other_runs_keep_the_check(cli, tmp_path, count_checks, extra):
    write_csv(tmp_path / "data.csv", {"y_true": [0.0, 1.0, 1.0], "y_pred": [0.2, 0.7, 0.9], "w": [1.0, 2.0, 1.0], "g": ["a", "b", "a"]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", *extra)
    assert result.exit_code == 0, result.stderr
    assert count_checks


@pytest.mark.parametrize("cell", ["nan", "inf", ""])
def test_bce_probabilities_with_a_missing_value_give_the_checked_error(cli, tmp_path, small_batches, monkeypatch, cell):
    rng = np.random.default_rng(4)
    labels = [str(int(v)) for v in rng.random(100) < 0.5]
    probabilities = [repr(float(v)) for v in rng.random(100)]
    probabilities[77] = cell
    write_csv(tmp_path / "data.csv", {"y_true": labels, "y_pred": probabilities})
    shortcut, checked = _run_both(cli, monkeypatch, "compute", tmp_path / "data.csv", "--loss", "bce")
    line = assert_usage_error(shortcut, "column 'y_pred'", "1 row with missing, NaN or infinite", "row 78")
    assert line == assert_usage_error(checked)


@pytest.mark.parametrize("cell", ["nan", "inf", ""])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cce_with_a_missing_probability_of_another_class_gives_the_checked_error(cli, tmp_path, small_batches, monkeypatch, cell, suffix):
    """Row 78's label is class 0 and its class-2 probability is missing: the
    loss of that row needs only p_0, yet the run must stop as a checked one does."""
    rng = np.random.default_rng(6)
    probabilities = rng.dirichlet(np.ones(3), 100)
    columns = {"y_true": [str(int(v)) for v in rng.integers(1, 3, 100)]}
    columns["y_true"][77] = "0"
    columns.update({f"p_{c}": [repr(float(v)) for v in probabilities[:, c]] for c in range(3)})
    columns["p_2"][77] = cell
    path = write_csv(tmp_path / "data.csv", columns)
    if suffix == ".parquet":
        import pandas as pd

        path = tmp_path / "data.parquet"
        pd.read_csv(tmp_path / "data.csv").to_parquet(path)
    shortcut, checked = _run_both(cli, monkeypatch, "compute", path, "--loss", "cce", "--pred-col", "p_*")
    line = assert_usage_error(shortcut, "column 'p_2'", "1 row with missing, NaN or infinite", "row 78")
    assert line == assert_usage_error(checked)


def test_the_second_read_starts_after_the_first_one_stopped(cli, tmp_path, small_batches, monkeypatch):
    """The abandoned first read must not keep its reader thread (and the
    batches it holds) alive while the file is read again."""
    import threading

    y_true, y_pred = _columns(300)
    y_pred[20] = "nan"
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred})
    seen = []
    original = evaluation._evaluate_plan

    def recording(plan, *args, unchecked=False):
        if not unchecked:
            seen.append(sorted(t.name for t in threading.enumerate() if t.name == "losscli-reader"))
        return original(plan, *args, unchecked=unchecked)

    monkeypatch.setattr(evaluation, "_evaluate_plan", recording)
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse")
    assert_usage_error(result, "1 row with missing")
    assert seen == [[]]


SPECIALS = {"nan": "nan", "inf": "inf", "-inf": "-inf", "empty": "", "negative": "-5.0", "huge": "1e300"}


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    losses=st.lists(st.sampled_from(["mse", "mae", "huber:delta=0.5", "log_cosh", "msle", "mape", "quantile:q=0.3", "poisson:log_input=false", "bce"]), min_size=1, max_size=3, unique=True),
    cells=st.dictionaries(st.tuples(st.integers(0, 59), st.sampled_from(["y_true", "y_pred"])), st.sampled_from(sorted(SPECIALS)), min_size=1, max_size=4),
    seed=st.integers(0, 3),
)
def test_any_mix_of_bad_cells_gives_what_the_checked_read_gives(tmp_path_factory, small_batches, losses, cells, seed):
    """Random losses, random NaN/inf/empty/out-of-domain/overflowing cells in
    random rows: the shortcut's output or error equals the checked read's."""
    from losscli.cli import app
    from typer.testing import CliRunner

    rng = np.random.default_rng(seed)
    columns = {"y_true": [str(int(v)) for v in rng.random(60) < 0.5], "y_pred": [repr(float(v)) for v in rng.uniform(0.05, 0.95, 60)]}
    for (row, column), kind in cells.items():
        columns[column][row] = SPECIALS[kind]
    path = write_csv(tmp_path_factory.mktemp("mix") / "data.csv", columns)
    args = ["compute", str(path), "--format", "json"] + [part for loss in losses for part in ("--loss", loss)]
    runner = CliRunner()
    shortcut = runner.invoke(app, args, catch_exceptions=False)
    original = evaluation._sums_show_missing_values
    evaluation._sums_show_missing_values = lambda *_: False
    try:
        checked = runner.invoke(app, args, catch_exceptions=False)
    finally:
        evaluation._sums_show_missing_values = original
    assert (shortcut.exit_code, shortcut.stderr) == (checked.exit_code, checked.stderr)
    if shortcut.exit_code == 0:
        assert json.loads(shortcut.stdout)["results"] == json.loads(checked.stdout)["results"]
