"""wasserstein_distance on two samples of different sizes stored as two columns,
the shorter padded with missing values: --nan-policy omit drops each missing
value from its own column (the rows are not paired), not the whole row.

Expected values come from scipy.stats.wasserstein_distance(u, v) on the two
samples without their missing values, as each test says.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.stats

from losscli.registry import all_specs

from conftest import assert_usage_error


def _samples(seed: int, sizes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, sizes[0]), rng.normal(0.5, 1.5, sizes[1])


def _padded(pred: np.ndarray, true: np.ndarray) -> pd.DataFrame:
    """The two samples as columns of one frame, the shorter padded with NaN."""
    rows = max(len(pred), len(true))
    return pd.DataFrame(
        {
            "y_pred": np.concatenate([pred, np.full(rows - len(pred), np.nan)]),
            "y_true": np.concatenate([true, np.full(rows - len(true), np.nan)]),
        }
    )


def _report(cli, *args: object) -> dict:
    result = cli("compute", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_only_wasserstein_distance_compares_distributions_rather_than_rows() -> None:
    # Every other loss scores each row's y_pred against that row's y_true.
    assert [spec.name for spec in all_specs() if not spec.rows_paired] == ["wasserstein_distance"]


@pytest.mark.parametrize(("sizes", "shorter"), [((12, 8), "y_true"), ((5, 9), "y_pred")])
def test_omit_keeps_every_value_of_the_longer_column_of_a_csv(cli, tmp_path, sizes, shorter) -> None:
    pred, true = _samples(3, sizes)
    path = tmp_path / "samples.csv"
    _padded(pred, true).to_csv(path, index=False)  # NaN is written as an empty cell
    assert ",\n" in path.read_text() or "\n," in path.read_text()
    report = _report(cli, path, "--loss", "emd", "--nan-policy", "omit")
    result = report["results"][0]
    # scipy.stats.wasserstein_distance(u=y_pred, v=y_true) on the two samples as generated.
    assert result["value"] == pytest.approx(scipy.stats.wasserstein_distance(pred, true), rel=1e-12)
    # n: the rows holding a value in either column, the longer sample's size here.
    assert result["n"] == report["inputs"]["rows"] == max(sizes)
    note = next(n for n in report["notes"] if "--nan-policy omit" in n)
    missing = abs(sizes[0] - sizes[1])
    assert f"'{shorter}': {missing} values omitted, {min(sizes)} kept" in note
    longer = "y_pred" if shorter == "y_true" else "y_true"
    assert f"'{longer}': none omitted, {max(sizes)} kept" in note


def test_omit_per_column_on_parquet_nulls(cli, tmp_path) -> None:
    pred, true = _samples(11, (30, 17))
    path = tmp_path / "samples.parquet"
    # Nulls, not NaN: the way Arrow stores a missing value.
    pq.write_table(pa.table({"y_pred": pa.array(pred), "y_true": pa.array(list(true) + [None] * 13, type=pa.float64())}), path)
    assert pq.read_table(path)["y_true"].null_count == 13
    result = _report(cli, path, "--loss", "emd", "--nan-policy", "omit")["results"][0]
    # scipy.stats.wasserstein_distance(u=y_pred, v=y_true) on the two samples as generated.
    assert result["value"] == pytest.approx(scipy.stats.wasserstein_distance(pred, true), rel=1e-12)
    assert result["n"] == 30


def test_omit_per_column_over_many_small_batches_and_groups(cli, tmp_path, small_batches) -> None:
    # Missing values scattered over both columns, read 7 rows at a time.
    rng = np.random.default_rng(5)
    rows = 60
    frame = pd.DataFrame({"y_pred": rng.normal(size=rows), "y_true": rng.normal(1.0, 2.0, size=rows), "g": np.where(np.arange(rows) % 3 == 0, "a", "b")})
    frame.loc[rng.choice(rows, 9, replace=False), "y_pred"] = np.nan
    frame.loc[rng.choice(rows, 21, replace=False), "y_true"] = np.nan
    frame.loc[[4, 40], ["y_pred", "y_true"]] = np.nan  # rows without any value
    path = tmp_path / "samples.csv"
    frame.to_csv(path, index=False)
    report = _report(cli, path, "--loss", "emd", "--nan-policy", "omit", "--by", "g")
    by_group = {json.dumps(r["group"]): r for r in report["results"]}
    # scipy.stats.wasserstein_distance(u=y_pred, v=y_true), each column without its NaN,
    # over the whole file and over each --by group.
    for key, part in [("null", frame)] + [(json.dumps({"g": g}), frame[frame["g"] == g]) for g in ("a", "b")]:
        expected = scipy.stats.wasserstein_distance(part["y_pred"].dropna(), part["y_true"].dropna())
        assert by_group[key]["value"] == pytest.approx(expected, rel=1e-12), key
        assert by_group[key]["n"] == int(part[["y_pred", "y_true"]].notna().any(axis=1).sum()), key
    note = next(n for n in report["notes"] if "--nan-policy omit" in n)
    pred_missing, true_missing = int(frame["y_pred"].isna().sum()), int(frame["y_true"].isna().sum())
    assert f"'y_pred': {pred_missing} values omitted, {rows - pred_missing} kept" in note
    assert f"'y_true': {true_missing} values omitted, {rows - true_missing} kept" in note
    empty = int(frame[["y_pred", "y_true"]].isna().all(axis=1).sum())
    assert empty >= 2 and f"{empty} rows without any value were omitted" in note
    assert report["inputs"]["rows"] == rows - empty


def test_the_missing_value_error_says_omit_drops_values_per_column(cli, tmp_path) -> None:
    path = tmp_path / "samples.csv"
    path.write_text("y_pred,y_true\n1,2\n3,\n5,\n")
    line = assert_usage_error(cli("compute", path, "--loss", "emd"), "2 rows with missing")
    assert "--nan-policy omit drops missing values per column for wasserstein_distance" in line


def test_weights_keep_row_wise_omission_and_say_so(cli, tmp_path) -> None:
    path = tmp_path / "weighted.csv"
    path.write_text("y_pred,y_true,w\n1,2,1\n3,,2\n5,4,1\n,7,3\n2,0,2\n")
    report = _report(cli, path, "--loss", "emd", "--nan-policy", "omit", "--weight-col", "w")
    result = report["results"][0]
    # scipy.stats.wasserstein_distance([1, 5, 2], [2, 4, 0], [1, 1, 2], [1, 1, 2]): the complete rows only.
    expected = scipy.stats.wasserstein_distance([1, 5, 2], [2, 4, 0], [1, 1, 2], [1, 1, 2])
    assert result["value"] == pytest.approx(expected, rel=1e-12)
    assert result["n"] == 3
    assert any("weight belongs to both of its values, so a row missing either value was omitted whole" in n for n in report["notes"])


def test_losses_that_pair_rows_beside_it_are_refused_when_a_value_is_missing(cli, tmp_path) -> None:
    path = tmp_path / "samples.csv"
    path.write_text("y_pred,y_true\n1,2\n3,\n5,4\n")
    assert_usage_error(
        cli("compute", path, "--loss", "emd", "--loss", "mse", "--nan-policy", "omit"),
        "per column for wasserstein_distance",
        "whole rows for mse",
        "run wasserstein_distance in a run of its own",
    )
    # Without missing values nothing differs, and the two run together as before.
    complete = tmp_path / "complete.csv"
    complete.write_text("y_pred,y_true\n1,2\n5,4\n")
    results = _report(cli, complete, "--loss", "emd", "--loss", "mse", "--nan-policy", "omit")["results"]
    # scipy.stats.wasserstein_distance([1, 5], [2, 4]) = 1; mse hand-worked ((1-2)^2 + (5-4)^2) / 2 = 1.
    assert [r["value"] for r in results] == pytest.approx([1.0, 1.0])


def test_a_column_without_any_value_has_no_distance_and_says_why(cli, tmp_path) -> None:
    path = tmp_path / "samples.csv"
    path.write_text("y_pred,y_true,g\n1,2,a\n3,,b\n5,4,a\n")
    report = _report(cli, path, "--loss", "emd", "--nan-policy", "omit", "--by", "g")
    by_group = {json.dumps(r["group"]): r for r in report["results"]}
    # scipy.stats.wasserstein_distance([1, 3, 5], [2, 4]) = 0.666..., over the whole file.
    assert by_group["null"]["value"] == pytest.approx(scipy.stats.wasserstein_distance([1, 3, 5], [2, 4]), rel=1e-12)
    # Group b has a y_pred value but no y_true: no distribution to compare with.
    assert by_group['{"g": "b"}']["value"] is None
    assert "every value of y_true or of y_pred in them is missing" in by_group['{"g": "b"}']["warning"]
