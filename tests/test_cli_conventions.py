"""--convention, info --conventions, compare --conventions and --engine, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from losscli.cli import app

runner = CliRunner()
SEGMENTATION = Path(__file__).resolve().parent.parent / "sample_data" / "segmentation.csv"


def _ok(*argv: str) -> str:
    result = runner.invoke(app, list(argv))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _values(*argv: str) -> dict:
    document = json.loads(_ok(*argv, "--format", "json"))
    return {(r["loss"], r["params"].get("convention")): r for r in document["results"]}


@pytest.fixture()
def certain_miss(tmp_path):
    path = tmp_path / "p.csv"
    # research anchor case: the last row is a certain miss (p=0 for a positive)
    path.write_text("y_true,y_pred\n1,0.9\n0,0.2\n1,0.6\n1,0\n")
    return str(path)


def test_convention_in_the_spec_reports_the_parameters_the_kernel_uses(certain_miss):
    results = _values("compute", certain_miss, "--loss", "bce:convention=torch")
    torch_bce = results[("bce", "torch")]
    assert torch_bce["params"]["eps"] == 0.0 and torch_bce["params"]["log_floor"] == -100.0
    # torch BCELoss: (-log .9 - log .8 - log .6 + 100) / 4 = 25.2098324 (torch 2.13.0, float64)
    assert torch_bce["value"] == pytest.approx((-np.log(0.9) - np.log(0.8) - np.log(0.6) + 100) / 4, rel=1e-12)


def test_global_convention_and_a_spec_convention_combine(certain_miss):
    results = _values("compute", certain_miss, "--loss", "bce", "--loss", "bce:convention=torch", "--convention", "sklearn")
    # scikit-learn clips at float64 machine epsilon: -log(2.22e-16) = 36.04 for the certain miss
    eps = np.finfo(np.float64).eps
    expected = (-np.log(0.9) - np.log(0.8) - np.log(0.6) - np.log(eps)) / 4
    assert results[("bce", "sklearn")]["value"] == pytest.approx(expected, rel=1e-9)
    assert ("bce", "torch") in results


def test_keras_weighted_mean_divides_by_the_row_count(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("y_true,y_pred,w\n0,1,1\n0,2,3\n0,3,0\n")
    ours = _values("compute", str(path), "--loss", "mse", "-w", "w")[("mse", None)]["value"]
    keras = _values("compute", str(path), "--loss", "mse", "-w", "w", "--convention", "keras")[("mse", "keras")]["value"]
    assert ours == pytest.approx((1 * 1 + 3 * 4) / 4)  # sum(w l) / sum(w), scikit-learn
    assert keras == pytest.approx((1 * 1 + 3 * 4) / 3)  # sum(w l) / N, Keras sum_over_batch_size


def test_weights_under_a_convention_without_them_say_how_they_were_applied(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("y_true,y_pred,w\n0,1,1\n0,2,3\n")
    result = runner.invoke(app, ["compute", str(path), "--loss", "mse:convention=torch", "-w", "w", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    # PyTorch's MSELoss takes no sample weights; losscli's weighting: (1 * 1 + 3 * 4) / 4, by hand.
    assert json.loads(result.stdout)["results"][0]["value"] == pytest.approx(13 / 4)
    assert "torch takes no sample weights for this loss; weighted as losscli does, sum(w l) / sum(w)" in result.stderr
    plain = runner.invoke(app, ["compute", str(path), "--loss", "mse:convention=torch", "--format", "json"])
    assert "sample weights" not in plain.stderr


def test_weights_under_a_convention_dividing_by_the_row_count_say_so(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("y_true,y_pred,w\n0,1,1\n0,2,3\n0,3,0\n")
    result = runner.invoke(app, ["compare", str(path), "--loss", "mse", "--conventions", "-w", "w", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    values = {r["params"]["convention"]: r["value"] for r in json.loads(result.stdout)["results"]}
    # Keras sum_over_batch_size: (1 * 1 + 3 * 4) / 3 rows, by hand; losscli (1 * 1 + 3 * 4) / 4.
    assert values["keras"] == pytest.approx(13 / 3) and values[None] == pytest.approx(13 / 4)
    # The difference note reads "same as losscli" for the formula: the weights' divisor is said beside it.
    assert "mse:convention=keras: keras divides the weighted sum by the number of rows, sum(w l) / N" in result.stderr
    unweighted = runner.invoke(app, ["compare", str(path), "--loss", "mse", "--conventions"])
    assert "number of rows" not in unweighted.stderr


def test_keras_dice_pools_samples_whatever_sample_col_says():
    pooled = _values("compute", "sample_data/segmentation.csv", "--loss", "dice:smooth=0")[("dice", None)]["value"]
    keras = _values("compute", "sample_data/segmentation.csv", "--loss", "dice", "--sample-col", "image_id", "--convention", "keras")
    per_image = _values("compute", "sample_data/segmentation.csv", "--loss", "dice:smooth=0", "--sample-col", "image_id")
    # Keras Dice reduces over every axis (eps 1e-7 in the denominator only): the pooled value, not the per-image mean
    assert keras[("dice", "keras")]["value"] == pytest.approx(pooled, rel=1e-6)
    assert per_image[("dice", None)]["value"] != pytest.approx(pooled, rel=1e-3)


@pytest.mark.parametrize("per_row", [["--reduction", "none"], ["--per-row", "rows.csv"]])
def test_per_sample_rows_of_a_convention_that_pools_samples_are_refused(tmp_path, monkeypatch, per_row):
    # Keras Dice reduces over every axis: there is no per-image value to write, so a clear error, not a crash.
    monkeypatch.chdir(tmp_path)
    argv = ["compute", str(SEGMENTATION), "--loss", "dice", "--sample-col", "image_id", "--convention", "keras", *per_row]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and result.stdout == "", result.stderr
    assert "dice:convention=keras has no per-row or per-sample value" in result.stderr
    assert "internal error" not in result.stderr and not (tmp_path / "rows.csv").exists()


def test_unknown_library_and_missing_loss_are_usage_errors(certain_miss):
    result = runner.invoke(app, ["compute", certain_miss, "--loss", "bce", "--convention", "kears"])
    assert result.exit_code == 2 and "did you mean" in result.stderr and result.stdout == ""
    result = runner.invoke(app, ["compute", "sample_data/triplets.parquet", "--loss", "triplet", "--convention", "keras"])
    assert result.exit_code == 2 and "keras" in result.stderr.lower()


def test_info_conventions_json_lists_every_library_with_cross_checked_values():
    document = json.loads(_ok("info", "bce", "--conventions", "--format", "json"))
    rows = {row["convention"]: row for row in document["conventions"]}
    assert set(rows) == {"", "torch", "keras", "sklearn", "optax", "monai"}
    assert rows["monai"]["available"] is False and rows["monai"]["reason"]
    for row in rows.values():
        if row["available"] and row["cross_check"] and row["value"] is not None:
            assert row["value"] == pytest.approx(row["cross_check"]["value"], rel=1e-6), row["convention"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_info_conventions_renders(fmt):
    out = _ok("info", "categorical_hinge", "--conventions", "--format", fmt)
    assert "Keras" in out and "PyTorch" in out


def test_compare_conventions_puts_every_library_side_by_side(certain_miss):
    document = json.loads(_ok("compare", certain_miss, "--loss", "bce", "--conventions", "--format", "json"))
    by_convention = {r["params"].get("convention"): r["value"] for r in document["results"]}
    assert by_convention[None] == pytest.approx(by_convention["keras"])
    assert by_convention["torch"] > by_convention["sklearn"] > by_convention["keras"]
    notes = "\n".join(document.get("notes", []))
    assert "capped at -100" in notes and "no MONAI convention" in notes


def test_dask_engine_equals_local_engine_from_the_command_line(tmp_path):
    pytest.importorskip("distributed")
    rng = np.random.default_rng(3)
    folder = tmp_path / "preds"
    folder.mkdir()
    for part in range(3):
        y = (rng.uniform(size=500) < 0.3).astype(float)
        p = np.clip(rng.uniform(size=500), 0.01, 0.99)
        pq.write_table(pa.table({"y_true": y, "y_pred": p, "region": rng.choice(["a", "b"], 500)}), folder / f"part-{part}.parquet")
    args = ["compute", str(folder), "--loss", "mse", "--loss", "bce", "--by", "region"]
    local = _values(*args)
    distributed = _values(*args, "--engine", "dask", "--scheduler", "synchronous")
    assert local.keys() == distributed.keys()
    local_rows = json.loads(_ok(*args, "--format", "json"))["results"]
    dask_rows = json.loads(_ok(*args, "--engine", "dask", "--scheduler", "synchronous", "--format", "json"))["results"]
    for a, b in zip(local_rows, dask_rows):
        assert (a["loss"], a["group"], a["n"]) == (b["loss"], b["group"], b["n"])
        assert b["value"] == pytest.approx(a["value"], rel=1e-12)


def test_scheduler_without_dask_engine_is_a_usage_error(certain_miss):
    result = runner.invoke(app, ["compute", certain_miss, "--loss", "bce", "--scheduler", "tcp://x:8786"])
    assert result.exit_code == 2 and "--engine dask" in result.stderr


def test_compare_on_the_dask_engine_equals_the_local_engine(tmp_path):
    pytest.importorskip("distributed")
    rng = np.random.default_rng(5)
    models = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for part in range(2):
            y = rng.normal(size=300)
            pq.write_table(pa.table({"y_true": y, "y_pred": y + rng.normal(scale=0.5 if name == "a" else 1.0, size=300)}), folder / f"p{part}.parquet")
        models.append(str(folder))
    args = ["compare", *models, "--loss", "mse", "--loss", "mae", "--format", "json"]
    local = json.loads(_ok(*args))["results"]
    remote = json.loads(_ok(*args, "--engine", "dask", "--scheduler", "synchronous"))["results"]
    assert [(r["loss"], r["model"], r["rank"]) for r in remote] == [(r["loss"], r["model"], r["rank"]) for r in local]
    for a, b in zip(local, remote):
        assert b["value"] == pytest.approx(a["value"], rel=1e-12)


def test_compare_task_on_dask_skips_losses_it_cannot_merge(tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "m"
    folder.mkdir()
    real = (np.arange(50) % 2).astype(float)  # discriminator outputs for real (1) and fake (0) rows
    pq.write_table(pa.table({"y_true": real, "y_pred": np.linspace(0.05, 0.95, 50)}), folder / "p.parquet")
    result = runner.invoke(app, ["compare", str(folder), "--task", "generative", "--engine", "dask", "--scheduler", "synchronous", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    skipped = {s["loss"]: s["reason"] for s in json.loads(result.stdout)["skipped"]}
    assert "dask engine" in skipped["wasserstein_distance"]
