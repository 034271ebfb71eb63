"""The comparison library: ranks, model names, loss selection, baselines and gates.

Expected values are worked by hand (the arithmetic is in the comments) or
computed with numpy / scikit-learn from the same data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from losscli.compare import (
    Comparison,
    Entry,
    IncreaseLimit,
    LossSelection,
    Model,
    apply_baseline,
    check_max_increase,
    evaluate_models,
    load_baseline,
    model_inputs,
    model_names,
    parse_max_increase,
    rank_entries,
    rank_values,
    select_losses,
    summarise,
)
from losscli.errors import LossCliError
from losscli.evaluation import Result
from losscli.io.plan import InputOptions
from losscli.registry import all_specs, get, losses_for_task, parse_spec

from conftest import write_csv


# --------------------------------------------------------------------------- helpers


def result(loss: str, model: str, value: float | None, group: dict | None = None) -> Result:
    return Result(loss=parse_spec(loss), value=value, n=10, reduction="mean", model=model, group=group)


def comparison_of(values: dict[str, dict[str, float | None]], losses: list[str] | None = None) -> Comparison:
    """A ranked comparison from {loss spec: {model: value}} (overall values only)."""
    losses = losses or list(values)
    models = list(dict.fromkeys(m for per_model in values.values() for m in per_model))
    entries = [Entry(i, result(spec, model, value)) for i, spec in enumerate(losses) for model, value in values[spec].items()]
    comp = Comparison(losses=[parse_spec(s) for s in losses], models=[Model(m, f"{m}.csv", 10) for m in models], labels=None, entries=entries)
    rank_entries(comp.entries)
    comp.summary = summarise(comp.entries, models)
    return comp


def write_baseline(path: Path, results: list[dict], schema: object = 1) -> Path:
    path.write_text(json.dumps({"schema": schema, "results": results}), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- ranks


def test_ranks_lowest_first() -> None:
    # Hand-worked: 0.3 < 0.5 < 0.9 -> ranks 1, 2, 3 in input order (0.5, 0.3, 0.9).
    assert rank_values([0.5, 0.3, 0.9]) == [2, 1, 3]


def test_ties_share_the_rank_and_the_next_rank_is_skipped() -> None:
    # Competition ranking: two values tie for first, the next is third ("1, 1, 3").
    assert rank_values([0.2, 0.2, 0.7]) == [1, 1, 3]
    assert rank_values([0.7, 0.2, 0.7]) == [2, 1, 2]


def test_values_equal_up_to_summation_noise_tie() -> None:
    # 0.1 + 0.2 = 0.30000000000000004: the same mean summed in another order.
    assert rank_values([0.1 + 0.2, 0.3]) == [1, 1]
    # A real difference in the 9th digit is not a tie.
    assert rank_values([0.3, 0.300000001]) == [1, 2]


def test_nulls_rank_below_every_value() -> None:
    # Two finite values rank 1 and 2; a value that could not be computed ranks 3.
    assert rank_values([None, 0.4, 0.1]) == [3, 2, 1]
    assert rank_values([float("nan"), float("inf"), 1.0]) == [2, 2, 1]
    assert rank_values([None, None]) == [1, 1]


def test_negative_values_rank_lower_first() -> None:
    # A WGAN critic loss is negative; lower is still better: -2 < -1 < 0.5.
    assert rank_values([-1.0, 0.5, -2.0]) == [2, 3, 1]


def test_best_flags_and_null_is_never_best() -> None:
    comp = comparison_of({"mse": {"a": 0.2, "b": 0.2, "c": 0.5}, "mae": {"a": None, "b": None, "c": None}})
    flags = {(e.result.loss.name, e.result.model): (e.result.rank, e.result.best) for e in comp.entries}
    assert flags[("mse", "a")] == (1, True)
    assert flags[("mse", "b")] == (1, True)
    assert flags[("mse", "c")] == (3, False)
    # Nothing computed: everyone shares rank 1, nobody is best.
    assert flags[("mae", "a")] == (1, False)
    # ... and that shared rank does not count towards the mean rank: c stays last
    # at 3 (its mse rank), not (3 + 1) / 2.
    summary = {s.model: (s.mean_rank, s.best) for s in comp.summary}
    assert summary == {"a": (1.0, True), "b": (1.0, True), "c": (3.0, False)}


def test_models_without_any_value_have_no_mean_rank_and_none_is_best() -> None:
    comp = comparison_of({"mse": {"a": None, "b": None}})
    assert [(s.model, s.mean_rank, s.best, s.wins) for s in comp.summary] == [("a", None, False, 0), ("b", None, False, 0)]


def test_groups_are_ranked_separately() -> None:
    entries = [
        Entry(0, result("mse", "a", 1.0, {"region": "north"})),
        Entry(0, result("mse", "b", 2.0, {"region": "north"})),
        Entry(0, result("mse", "a", 5.0, {"region": "south"})),
        Entry(0, result("mse", "b", 3.0, {"region": "south"})),
    ]
    rank_entries(entries)
    assert [e.result.rank for e in entries] == [1, 2, 2, 1]


def test_mean_rank_summary_and_best_overall() -> None:
    # a: ranks 1 (mse), 2 (mae), 1 (huber, tie) -> 4/3; b: 2, 1, 1 -> 4/3; c: 3, 3, 3 -> 3.
    comp = comparison_of(
        {
            "mse": {"a": 0.1, "b": 0.2, "c": 0.3},
            "mae": {"a": 0.5, "b": 0.4, "c": 0.6},
            "huber": {"a": 0.05, "b": 0.05, "c": 0.07},
        }
    )
    summary = {s.model: s for s in comp.summary}
    assert summary["a"].mean_rank == pytest.approx(4 / 3)
    assert summary["b"].mean_rank == pytest.approx(4 / 3)
    assert summary["c"].mean_rank == pytest.approx(3.0)
    assert (summary["a"].best, summary["b"].best, summary["c"].best) == (True, True, False)
    # wins: a is best on mse and huber, b on mae and huber.
    assert (summary["a"].wins, summary["b"].wins, summary["c"].wins) == (2, 2, 0)


# --------------------------------------------------------------------------- model names


def test_pipes_given_as_descriptors_are_named_by_their_path() -> None:
    # bash's `compare <(cmd1) <(cmd2)` passes /dev/fd/63 and /dev/fd/62: "63" would read as a model name.
    assert model_names(["/dev/fd/63", "/dev/fd/62", "/proc/self/fd/5"]) == ["/dev/fd/63", "/dev/fd/62", "/proc/self/fd/5"]


def test_model_names_are_file_stems() -> None:
    assert model_names(["runs/model_a.csv", "runs/model_b.parquet", "c.csv.gz"]) == ["model_a", "model_b", "c"]


def test_equal_stems_take_their_folders() -> None:
    assert model_names(["run1/preds.csv", "run2/preds.csv", "other.csv"]) == ["run1/preds", "run2/preds", "other"]


def test_equal_stems_in_one_folder_keep_their_extensions() -> None:
    paths = ["run1/preds.csv", "run1/preds.parquet", "run2/preds.csv", "run1/preds.csv"]
    assert model_names(paths) == ["run1/preds.csv", "run1/preds.parquet", "run2/preds", "run1/preds.csv#2"]


def test_the_same_path_twice_is_numbered() -> None:
    assert model_names(["a.csv", "a.csv"]) == ["a", "a#2"]
    assert model_names(["-"]) == ["stdin"]


def test_the_same_absolute_path_twice_is_named_as_it_is_once() -> None:
    # It took every folder down to the root ("tmp/x/a", read as a relative path) and then "#2".
    assert model_names(["/tmp/x/a.csv", "/tmp/x/a.csv"]) == ["a", "a#2"]
    assert model_names(["/tmp/x/a.csv", "/tmp/x/../x/a.csv"]) == ["a", "a#2"]
    assert model_names(["x/a.csv", "x/a.csv"]) == ["a", "a#2"]
    # Beside another model with that stem, both take the folder that tells them apart.
    assert model_names(["/tmp/x/a.csv", "/tmp/x/a.csv", "/tmp/y/a.csv"]) == ["x/a", "x/a#2", "y/a"]
    # Two different absolute paths, as before: the folders that tell them apart.
    assert model_names(["/tmp/x/a.csv", "/tmp/y/a.csv"]) == ["x/a", "y/a"]
    assert model_names(["/tmp/x/a.csv", "/tmp/x/b.csv"]) == ["a", "b"]


def test_a_whole_absolute_path_keeps_its_root() -> None:
    assert model_names(["/tmp/x/a.csv", "/tmp/x/a.parquet"]) == ["/tmp/x/a.csv", "/tmp/x/a.parquet"]
    # Not the same file: "x/a#2" said it was.
    assert model_names(["/x/a.csv", "x/a.csv"]) == ["/x/a.csv", "x/a.csv"]


def test_given_model_names_are_checked() -> None:
    assert model_names(["x.csv", "y.csv"], ["old", "new"]) == ["old", "new"]
    with pytest.raises(LossCliError, match="2 --model-name values for 3 prediction files"):
        model_names(["x.csv", "y.csv", "z.csv"], ["old", "new"])
    with pytest.raises(LossCliError, match="given twice"):
        model_names(["x.csv", "y.csv"], ["m", "m"])
    # Counts of one take the singular noun.
    with pytest.raises(LossCliError, match=r"^3 --model-name values for 1 prediction file \("):
        model_names(["x.csv"], ["a", "b", "c"])
    with pytest.raises(LossCliError, match=r"^3 --model-name values for 1 model \(one per --pred-col\) \("):
        model_names(["x.csv"], ["a", "b", "c"], columns=["p"])


def test_pred_cols_make_models() -> None:
    # One value: every file's columns (a comma list or glob is one model's columns).
    assert model_inputs(["a.csv", "b.csv"], ["p_*"]) == [("a.csv", "p_*"), ("b.csv", "p_*")]
    assert model_inputs(["a.csv"], None) == [("a.csv", None)]
    # Several: a model each, from one file or paired with as many files.
    assert model_inputs(["df.csv"], ["m1", "m2,m3"]) == [("df.csv", "m1"), ("df.csv", "m2,m3")]
    assert model_inputs(["a.csv", "b.csv"], ["x", "y"]) == [("a.csv", "x"), ("b.csv", "y")]
    with pytest.raises(LossCliError, match="3 --pred-col values for 2 prediction files"):
        model_inputs(["a.csv", "b.csv"], ["x", "y", "z"])
    # Column models are named by their columns; the same column twice is numbered.
    assert model_names(["df.csv"] * 3, columns=["m1", "p_*", "m1"]) == ["m1", "p_*", "m1#2"]


# --------------------------------------------------------------------------- loss selection and evaluation


@pytest.fixture
def regression_file(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    y_true = rng.uniform(0.5, 3.0, size=40)
    y_pred = y_true + rng.normal(scale=0.2, size=40)
    y_pred[3] = -4.0  # below -1: msle cannot take it
    return write_csv(tmp_path / "reg.csv", {"y_true": y_true, "y_pred": y_pred}), y_true, y_pred


def test_task_keeps_losses_whose_inputs_exist_and_names_the_missing_one(regression_file) -> None:
    path, _, _ = regression_file
    candidates = [parse_spec(spec.name) for spec in losses_for_task("regression")]
    selection = select_losses([InputOptions(predictions=str(path))], [], candidates, task="regression")
    kept = [b.name for b in selection.losses]
    assert "mse" in kept and "mae" in kept
    skipped = {s.loss: s.reason for s in selection.skipped}
    # gaussian_nll needs a variance column the file does not have; the reason names the input.
    assert "gaussian_nll" in skipped and "var" in skipped["gaussian_nll"] and str(path) in skipped["gaussian_nll"]
    assert set(kept) | set(skipped) == {spec.name for spec in losses_for_task("regression")}


def test_text_labels_skip_losses_that_need_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "animals.csv", {"y_true": ["cat", "dog", "cat"], "p_cat": [0.7, 0.2, 0.6], "p_dog": [0.3, 0.8, 0.4]})
    candidates = [parse_spec(spec.name) for spec in losses_for_task("classification")]
    selection = select_losses([InputOptions(predictions=str(path), pred_cols="p_*")], [], candidates, task="classification")
    skipped = {s.loss: s.reason for s in selection.skipped}
    assert "bce" in skipped and "column 'y_true'" in skipped["bce"] and "text" in skipped["bce"]
    assert "cce" in [b.name for b in selection.losses]


def test_nothing_applicable_is_an_error(regression_file) -> None:
    path, _, _ = regression_file
    options = [InputOptions(predictions=str(path))]
    candidates = [parse_spec(spec.name) for spec in losses_for_task("ranking")]
    # contrastive's embedding roles are optional, so only its kernel finds it has nothing to compare.
    with pytest.raises(LossCliError, match="no loss of task 'ranking' can be evaluated") as error:
        evaluate_models(options, ["reg"], select_losses(options, [], candidates, task="ranking"), task="ranking")
    assert "triplet: " in str(error.value) and "anchor" in str(error.value)


def test_a_data_error_in_a_task_loss_skips_it_with_file_column_and_row(regression_file) -> None:
    path, y_true, y_pred = regression_file
    options = [InputOptions(predictions=str(path))]
    selection = select_losses(options, [], [parse_spec("mse"), parse_spec("msle"), parse_spec("mae")], task="regression")
    comp = evaluate_models(options, ["reg"], selection)
    assert [b.name for b in comp.losses] == ["mse", "mae"]
    (skipped,) = comp.skipped
    assert skipped.loss == "msle"
    # The guarded kernel's error keeps its context: file, column and the 1-based row (y_pred[3] -> row 4).
    assert str(path) in skipped.reason and "column 'y_pred'" in skipped.reason and "row 4" in skipped.reason
    values = {e.result.loss.name: e.result.value for e in comp.entries}
    assert values["mse"] == pytest.approx(mean_squared_error(y_true, y_pred), rel=1e-12)  # scikit-learn
    assert values["mae"] == pytest.approx(mean_absolute_error(y_true, y_pred), rel=1e-12)  # scikit-learn


def test_a_data_error_in_an_explicit_loss_is_an_error(regression_file) -> None:
    path, _, _ = regression_file
    options = [InputOptions(predictions=str(path))]
    selection = LossSelection([parse_spec("mse"), parse_spec("msle")])
    with pytest.raises(LossCliError, match="row 4"):
        evaluate_models(options, ["reg"], selection)


def test_a_data_error_in_a_later_batch_keeps_the_file_row(tmp_path: Path, small_batches: int) -> None:
    # With 7-row batches, row 20 is in the third batch: the row must count the batches before it.
    y_true = np.linspace(0.0, 2.0, 30)
    y_pred = y_true.copy()
    y_pred[19] = -3.0
    path = write_csv(tmp_path / "late.csv", {"y_true": y_true, "y_pred": y_pred})
    options = [InputOptions(predictions=str(path))]
    selection = select_losses(options, [], [parse_spec("msle"), parse_spec("mse")], task="regression")
    comp = evaluate_models(options, ["late"], selection)
    assert [s.loss for s in comp.skipped] == ["msle"]
    assert "row 20" in comp.skipped[0].reason
    # mse over the same 30 rows: only row 20 differs, by -3 - y_true[19].
    assert comp.entries[0].result.value == pytest.approx((y_true[19] + 3.0) ** 2 / 30, rel=1e-12)


def test_a_data_error_in_the_labels_file_names_the_labels_file(tmp_path: Path) -> None:
    y_true = np.linspace(0.0, 2.0, 10)
    y_true[5] = -3.0
    preds = write_csv(tmp_path / "p.csv", {"y_pred": np.linspace(0.1, 2.1, 10)})
    labels = write_csv(tmp_path / "l.csv", {"y_true": y_true})
    options = [InputOptions(predictions=str(preds), labels=str(labels))]
    selection = select_losses(options, [], [parse_spec("msle"), parse_spec("mse")], task="regression")
    comp = evaluate_models(options, ["m"], selection)
    assert [s.loss for s in comp.skipped] == ["msle"]
    assert comp.skipped[0].reason.startswith(f"{labels}, column 'y_true', row 6: "), comp.skipped[0].reason


def test_a_data_error_in_a_dataset_names_the_part_file_and_its_row(tmp_path: Path) -> None:
    """A skipped task loss points at the file to fix: in a folder of Parquet
    parts, the part holding the row, and the row within it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "ds"
    folder.mkdir()
    y_true = np.linspace(0.0, 2.0, 25)
    y_pred = y_true + 0.1
    y_pred[17] = -3.0  # row 18 overall: row 8 of the second part
    pq.write_table(pa.table({"y_true": y_true[:10], "y_pred": y_pred[:10]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"y_true": y_true[10:], "y_pred": y_pred[10:]}), folder / "part-1.parquet")
    options = [InputOptions(predictions=str(folder))]
    selection = select_losses(options, [], [parse_spec("msle"), parse_spec("mse")], task="regression")
    comp = evaluate_models(options, ["m"], selection)
    assert [s.loss for s in comp.skipped] == ["msle"]
    assert comp.skipped[0].reason.startswith(f"{folder / 'part-1.parquet'}, column 'y_pred', row 8: "), comp.skipped[0].reason
    # mse over all 25 rows (numpy by hand).
    assert comp.entries[0].result.value == pytest.approx(np.mean((y_pred - y_true) ** 2), rel=1e-12)


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_every_task_loss_either_runs_or_is_skipped_on_regression_data(spec, regression_file) -> None:
    """--task must never crash on a file that does not suit a loss: it is kept or skipped, with a reason."""
    path, _, _ = regression_file
    options = [InputOptions(predictions=str(path))]
    selection = select_losses(options, [parse_spec("mse")], [parse_spec(spec.name)], task=spec.tasks[0])
    comp = evaluate_models(options, ["reg"], selection)
    kept = [b.name for b in comp.losses]
    skipped = {s.loss: s.reason for s in comp.skipped}
    assert kept[0] == "mse"
    assert (kept[1:] + list(skipped)) == ([] if spec.name == "mse" else [spec.name])
    if skipped:
        assert str(path) in skipped[spec.name]


# --------------------------------------------------------------------------- baseline


def test_baseline_errors_name_the_file(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(LossCliError) as error:
        load_baseline(str(bad_json))
    assert str(bad_json) in str(error.value) and "not valid JSON" in str(error.value)
    with pytest.raises(LossCliError, match="not found"):
        load_baseline(str(tmp_path / "missing.json"))
    with pytest.raises(LossCliError, match="no 'results' list"):
        load_baseline(str(_write(tmp_path / "x.json", {"schema": 1})))
    with pytest.raises(LossCliError, match="schema 7"):
        load_baseline(str(write_baseline(tmp_path / "s.json", [], schema=7)))
    with pytest.raises(LossCliError, match="not a number"):
        load_baseline(str(write_baseline(tmp_path / "v.json", [{"loss": "mse", "value": "high"}])))


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_single_model_baseline_applies_to_every_model(tmp_path: Path) -> None:
    comp = comparison_of({"mse": {"a": 0.5, "b": 0.4}})
    path = write_baseline(tmp_path / "b.json", [{"loss": "mse", "params": {}, "value": 0.4, "model": "old.csv", "group": None}])
    apply_baseline(comp, load_baseline(str(path)))
    deltas = {e.result.model: e.baseline for e in comp.entries}
    # a: 0.5 - 0.4 = 0.1, 0.1 / 0.4 = +25%; b: no change.
    assert deltas["a"].delta == pytest.approx(0.1) and deltas["a"].delta_pct == pytest.approx(25.0)
    assert deltas["b"].delta == pytest.approx(0.0) and deltas["b"].delta_pct == pytest.approx(0.0)
    assert comp.baseline_missing == []


def test_multi_model_baseline_matches_by_name_params_and_group(tmp_path: Path) -> None:
    comp = comparison_of({"huber:delta=2": {"a": 0.3, "b": 0.6}})
    path = write_baseline(
        tmp_path / "b.json",
        [
            {"loss": "huber", "params": {"delta": 2.0}, "value": 0.6, "model": "a", "group": None},
            {"loss": "huber", "params": {"delta": 1.0}, "value": 9.0, "model": "a", "group": None},
            {"loss": "huber", "params": {"delta": 2.0}, "value": 0.5, "model": "b", "group": None},
            {"loss": "huber", "params": {"delta": 2.0}, "value": 0.1, "model": "b", "group": {"region": "x"}},
            {"loss": "mse", "params": {}, "value": 0.1, "model": "c", "group": None},
        ],
    )
    apply_baseline(comp, load_baseline(str(path)))
    deltas = {e.result.model: e.baseline for e in comp.entries}
    # a: (0.3 - 0.6) / 0.6 = -50%; b: (0.6 - 0.5) / 0.5 = +20%.
    assert deltas["a"].delta_pct == pytest.approx(-50.0)
    assert deltas["b"].delta_pct == pytest.approx(20.0)
    missing = " | ".join(comp.baseline_missing)
    assert "huber for model a is missing in this run" in missing  # delta=1 is huber's default
    assert "huber:delta=2 for model b" in missing  # the group entry
    assert "mse for model c" in missing
    assert len(comp.baseline_missing) == 3


def test_a_baseline_loss_whose_groups_alone_are_missing_is_not_called_missing(tmp_path: Path) -> None:
    # A baseline written with --by region against a run without --by: mse's overall
    # value matches, so the note names the groups, not "baseline mse is missing".
    comp = comparison_of({"mse": {"a": 0.2}})
    groups = [{"loss": "mse", "value": 0.1 * i, "group": {"region": name}} for i, name in enumerate(["east", "north", None], 1)]
    path = write_baseline(tmp_path / "b.json", [{"loss": "mse", "value": 0.25, "group": None}, *groups, {"loss": "mae", "value": 0.3, "group": None}])
    apply_baseline(comp, load_baseline(str(path)))
    assert comp.entries[0].baseline.baseline == 0.25
    assert comp.baseline_missing == [
        "baseline mse: 3 groups of region (east; north; (missing)) are missing in this run",
        "baseline mae is missing in this run",
    ]


def test_baseline_written_by_compute_matches_by_loss_alias(tmp_path: Path) -> None:
    comp = comparison_of({"mse": {"a": 0.2}})
    path = write_baseline(tmp_path / "b.json", [{"loss": "l2", "params": {}, "value": 0.25, "model": "a.csv", "group": None}])
    apply_baseline(comp, load_baseline(str(path)))
    # (0.2 - 0.25) / 0.25 = -20%.
    assert comp.entries[0].baseline.delta_pct == pytest.approx(-20.0)


# --------------------------------------------------------------------------- gates


def test_parse_max_increase_forms() -> None:
    losses = [parse_spec("mse"), parse_spec("mae")]
    assert parse_max_increase(["5", "2.5%", "mse=10%"], losses) == [
        IncreaseLimit(None, 5.0),
        IncreaseLimit(None, 2.5),
        IncreaseLimit("mse", 10.0),
    ]
    with pytest.raises(LossCliError, match="not computed"):
        parse_max_increase(["huber=5"], losses)
    with pytest.raises(LossCliError, match="not a percentage"):
        parse_max_increase(["five"], losses)
    # float() reads 1_0 as 10, a tenfold looser gate than the 1.0 meant.
    with pytest.raises(LossCliError) as error:
        parse_max_increase(["mse=1_0%"], losses)
    assert error.value.args[0] == "--max-increase mse=1_0%: '1_0%' is not a percentage"


def baseline_comparison(tmp_path: Path, now: dict[str, float | None], before: dict[str, float | None]) -> Comparison:
    comp = comparison_of({"mse": now})
    results = [{"loss": "mse", "params": {}, "value": v, "model": m, "group": None} for m, v in before.items()]
    apply_baseline(comp, load_baseline(str(write_baseline(tmp_path / "b.json", results))))
    return comp


def test_a_baseline_value_no_float_holds_is_no_value(tmp_path: Path) -> None:
    # json reads 1e400 as inf but a 400-digit integer as an int, which float() refuses.
    path = write_baseline(tmp_path / "b.json", [{"loss": "mse", "value": 10**400}, {"loss": "mae", "value": 1e400}])
    assert [entry.value for entry in load_baseline(str(path)).entries] == [None, None]


def test_max_increase_gate(tmp_path: Path) -> None:
    # a: 0.105 vs 0.1 is +5.0% (at the limit: passes); b: 0.11 vs 0.1 is +10% (fails); c: improved.
    comp = baseline_comparison(tmp_path, {"a": 0.105, "b": 0.11, "c": 0.05}, {"a": 0.1, "b": 0.1, "c": 0.1})
    breaches, notes = check_max_increase(comp, [IncreaseLimit(None, 5.0)])
    assert len(breaches) == 1 and "mse (b)" in breaches[0] and "+10.00%" in breaches[0] and "5%" in breaches[0]
    assert notes == []
    # A per-loss limit that is stricter wins.
    breaches, _ = check_max_increase(comp, [IncreaseLimit(None, 50.0), IncreaseLimit("mse", 4.0)])
    assert sorted(b.split(" =")[0] for b in breaches) == ["mse (a)", "mse (b)"]


def test_a_breach_of_max_increase_reads_above_the_limit(tmp_path: Path) -> None:
    # 0.6400001 vs 0.64: +0.0000156% (by hand), over a limit of 0%; with 6 digits and
    # 2 decimals it read "0.64 is +0.00% against the baseline 0.64".
    comp = baseline_comparison(tmp_path, {"a": 0.6400001}, {"a": 0.64})
    breaches, _ = check_max_increase(comp, [IncreaseLimit(None, 0.0)])
    assert breaches == ["mse = 0.6400001 is +0.00002% against the baseline 0.64, above the --max-increase limit of 0%"]


def test_max_increase_from_zero_and_without_values(tmp_path: Path) -> None:
    comp = baseline_comparison(tmp_path, {"a": 0.01, "b": None, "c": 0.0}, {"a": 0.0, "b": 0.3, "c": 0.0})
    breaches, _ = check_max_increase(comp, [IncreaseLimit(None, 5.0)])
    text = " | ".join(breaches)
    assert "mse (a) = 0.01 rose from a baseline of 0" in text
    assert "mse (b) has no finite value" in text
    assert "mse (c)" not in text


def test_a_null_value_fails_max_increase_against_a_null_baseline_too(tmp_path: Path) -> None:
    # A model that diverged on main and still does: null now and then. The gate passed
    # with a note, though a value reported as null fails every gate on it (README).
    comp = baseline_comparison(tmp_path, {"a": None, "b": 0.2}, {"a": None, "b": None})
    breaches, notes = check_max_increase(comp, [IncreaseLimit(None, 5.0)])
    assert breaches == ["mse (a) has no finite value (baseline null); the --max-increase 5% gate fails"]
    # A finite value against a null baseline has nothing to be compared with.
    assert notes == ["mse (b): no baseline value to compare with; --max-increase does not apply"]


def test_max_increase_notes_a_model_the_baseline_lacks(tmp_path: Path) -> None:
    comp = baseline_comparison(tmp_path, {"a": 0.2, "new": 0.9}, {"a": 0.2, "b": 0.3})
    breaches, notes = check_max_increase(comp, [IncreaseLimit(None, 5.0)])
    assert breaches == []
    assert notes == ["mse (new): no baseline value to compare with; --max-increase does not apply"]
    assert any("model b is missing in this run" in n for n in comp.baseline_missing)


def test_a_max_increase_limit_the_baseline_has_nothing_for_is_an_error(tmp_path: Path) -> None:
    # The baseline holds mse only: a limit on huber, or one over a run of huber
    # alone, would pass whatever huber's value; the message says what it holds.
    comp = comparison_of({"mse": {"a": 0.2}, "huber": {"a": 0.1}})
    apply_baseline(comp, load_baseline(str(write_baseline(tmp_path / "b.json", [{"loss": "mse", "value": 0.2, "model": "a"}]))))
    assert check_max_increase(comp, [IncreaseLimit(None, 5.0)]) == ([], ["huber: no baseline value to compare with; --max-increase does not apply"])
    with pytest.raises(LossCliError) as error:
        check_max_increase(comp, [IncreaseLimit(None, 5.0), IncreaseLimit("huber", 2.0)])
    assert str(error.value).startswith(
        f"{tmp_path / 'b.json'}: --max-increase huber=2% compares nothing: the baseline has no huber result (it holds mse for model a)"
    )
    only_huber = comparison_of({"huber": {"a": 0.1}})
    apply_baseline(only_huber, load_baseline(str(tmp_path / "b.json")))
    with pytest.raises(LossCliError, match="--max-increase 5% compares nothing: the baseline has none of this run's results"):
        check_max_increase(only_huber, [IncreaseLimit(None, 5.0)])
    # A result the baseline has, but as null, was compared with: a note, as before.
    null = comparison_of({"huber": {"a": 0.1}})
    apply_baseline(null, load_baseline(str(write_baseline(tmp_path / "n.json", [{"loss": "huber", "value": None}]))))
    assert check_max_increase(null, [IncreaseLimit("huber", 5.0)]) == ([], ["huber: no baseline value to compare with; --max-increase does not apply"])


def test_registry_task_losses_resolve_by_name() -> None:
    # Every loss of every task can be bound by its canonical name alone (what --task does).
    for spec in all_specs():
        assert parse_spec(spec.name).spec is get(spec.name)
