"""Files regressors and forecasters export, written as the libraries write
them: pandas' unnamed index column, statsforecast's model columns,
quantile forecasts, R and spreadsheet exports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_usage_error
from sklearn.metrics import mean_pinball_loss, mean_squared_error


def _values(result) -> dict:
    """(loss spec, model, group value or None) -> value, from a --format json report."""
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return {
        (r.get("spec", r["loss"]), r.get("model"), None if r["group"] is None else next(iter(r["group"].values()))): r["value"]
        for r in document["results"]
    }


def _only(result) -> float:
    values = _values(result)
    assert len(values) == 1, values
    return next(iter(values.values()))


# ----------------------------------------------------------------------------- pandas index columns


def test_a_predict_series_saved_with_its_index_reads_its_one_column(cli, tmp_path):
    # statsmodels' / scikit-learn's predict as an unnamed Series: pandas writes ",0".
    rng = np.random.default_rng(3)
    y = rng.normal(0, 1, 40)
    pred = y + rng.normal(0, 0.3, 40)
    pd.Series(pred).to_csv(tmp_path / "pred.csv")
    pd.DataFrame({"y": y}).to_csv(tmp_path / "labels.csv")
    value = _only(cli("compute", tmp_path / "pred.csv", "--labels", tmp_path / "labels.csv", "--loss", "mse", "-f", "json"))
    assert value == pytest.approx(mean_squared_error(y, pred), rel=1e-12)  # sklearn mean_squared_error(y, pred)


def test_a_labels_file_with_its_own_prediction_column_does_not_stand_in_for_the_predictions(cli, tmp_path):
    # The test set saved with a baseline's y_pred beside y_true; the model's
    # predictions file has an index and a column "0". The baseline must not be
    # scored under the model's name.
    rng = np.random.default_rng(4)
    y = rng.normal(0, 1, 30)
    model = y + rng.normal(0, 0.2, 30)
    pd.DataFrame({"y_true": y, "y_pred": np.zeros(30)}).to_csv(tmp_path / "test.csv", index=False)
    pd.DataFrame({"id": np.arange(30), "AutoARIMA": model, "AutoETS": model + 1}).to_csv(tmp_path / "pred.csv", index=False)
    result = cli("compute", tmp_path / "pred.csv", "--labels", tmp_path / "test.csv", "--loss", "mse")
    assert_usage_error(result, "pred.csv", "no column for y_pred", "--pred-col")
    value = _only(cli("compute", tmp_path / "pred.csv", "--labels", tmp_path / "test.csv", "--pred-col", "AutoARIMA", "--loss", "mse", "-f", "json"))
    assert value == pytest.approx(mean_squared_error(y, model), rel=1e-12)  # sklearn mean_squared_error(y, AutoARIMA)


# ----------------------------------------------------------------------------- quantile forecasts


def _quantile_forecast(folder: Path, names: tuple[str, str, str]) -> tuple[Path, pd.DataFrame]:
    """A quantile forecast as GluonTS / darts / sktime exports write one: the
    actuals beside one column per quantile level."""
    rng = np.random.default_rng(6)
    y = rng.normal(100, 5, 50)
    frame = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=50).strftime("%Y-%m-%d"), "y": y})
    for name, shift in zip(names, (-4.0, 0.0, 4.0)):
        frame[name] = y + shift + rng.normal(0, 1, 50)
    path = folder / "quantiles.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("names", [("0.1", "0.5", "0.9"), ("q0.1", "q0.5", "q0.9"), ("y_0.1", "y_0.5", "y_0.9"), ("p10", "p50", "p90")])
def test_a_quantile_column_is_not_scored_at_another_quantile(cli, tmp_path, names):
    from sklearn.metrics import mean_pinball_loss

    path, frame = _quantile_forecast(tmp_path, names)
    high = names[2]
    # A q that the column's name contradicts is refused: the 0.9 column would be scored at 0.5.
    assert_usage_error(cli("compute", path, "--pred-col", high, "--loss", "quantile:q=0.5"), "quantiles.csv", high, "0.9 quantile", "--loss quantile:q=0.9")
    value = _only(cli("compute", path, "--pred-col", high, "--loss", "quantile:q=0.9", "-f", "json"))
    assert value == pytest.approx(mean_pinball_loss(frame["y"], frame[high], alpha=0.9), rel=1e-12)  # sklearn mean_pinball_loss(y, q, alpha=0.9)
    value = _only(cli("compute", path, "--pred-col", names[1], "--loss", "quantile", "-f", "json"))
    assert value == pytest.approx(mean_pinball_loss(frame["y"], frame[names[1]], alpha=0.5), rel=1e-12)  # sklearn mean_pinball_loss(y, q, alpha=0.5)


@pytest.mark.parametrize("names", [("0.1", "0.5", "0.9"), ("q0.1", "q0.5", "q0.9"), ("y_0.1", "y_0.5", "y_0.9"), ("p10", "p50", "p90")])
def test_without_q_each_quantile_column_is_scored_at_the_level_its_name_states(cli, tmp_path, names):
    from sklearn.metrics import mean_pinball_loss

    path, frame = _quantile_forecast(tmp_path, names)
    levels = (0.1, 0.5, 0.9)
    # sklearn mean_pinball_loss(y, column, alpha=level) for each column
    expected = [mean_pinball_loss(frame["y"], frame[name], alpha=level) for name, level in zip(names, levels)]
    result = cli("compute", path, "--pred-col", names[2], "--loss", "quantile", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (only,) = json.loads(result.stdout)["results"]
    assert (only["params"]["q"], only["value"]) == (0.9, pytest.approx(expected[2], rel=1e-12))
    assert f"reads '{names[2]}' at the level its name states (q=0.9)" in result.stderr
    # Every level at once: the mean over the levels of each level's loss.
    result = cli("compute", path, "--pred-col", ",".join(names), "--loss", "quantile", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (only,) = json.loads(result.stdout)["results"]
    assert only["params"]["q"] == [0.1, 0.5, 0.9]
    assert only["value"] == pytest.approx(np.mean(expected), rel=1e-12)
    # The same levels given in the spec, in the columns' order.
    value = _only(cli("compute", path, "--pred-col", ",".join(names), "--loss", "quantile:q=0.1;0.5;0.9", "-f", "json"))
    assert value == pytest.approx(np.mean(expected), rel=1e-12)
    # Each level on its own, side by side: the columns as models.
    result = cli("compare", path, *[arg for name in names for arg in ("--pred-col", name)], "--loss", "quantile", "-f", "json")
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [(r["model"], r["params"]["q"]) for r in results] == list(zip(names, levels))
    assert [r["value"] for r in results] == pytest.approx(expected, rel=1e-12)


def test_levels_in_q_and_prediction_columns_must_agree(cli, tmp_path):
    path, _ = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    assert_usage_error(cli("compute", path, "--pred-col", "q0.1,q0.5,q0.9", "--loss", "quantile:q=0.1;0.9"), "q gives 2 quantile levels but y_pred has 3 columns")
    # In another order than the columns', a level contradicts a column's name.
    assert_usage_error(cli("compute", path, "--pred-col", "q0.1,q0.5,q0.9", "--loss", "quantile:q=0.9;0.5;0.1"), "'q0.1' is named as the 0.1 quantile", "q=0.9 there")
    assert_usage_error(cli("compute", path, "--pred-col", "q0.1,q0.9", "--loss", "quantile:q=0.1;1.5"), "parameter 'q' of loss 'quantile' is out of range: 1.5")


def test_statsforecast_interval_bounds_are_their_quantiles(cli, tmp_path):
    # statsforecast's level=[90] writes AutoARIMA-lo-90 / -hi-90: the 0.05 and 0.95 quantiles.
    from sklearn.metrics import mean_pinball_loss

    rng = np.random.default_rng(7)
    y = rng.normal(50, 5, 40)
    frame = pd.DataFrame({"unique_id": "H1", "y": y, "AutoARIMA": y + rng.normal(0, 1, 40)})
    frame["AutoARIMA-lo-90"] = frame["AutoARIMA"] - 8
    frame["AutoARIMA-hi-90"] = frame["AutoARIMA"] + 8
    frame.to_csv(tmp_path / "sf.csv", index=False)
    assert_usage_error(cli("compute", tmp_path / "sf.csv", "--pred-col", "AutoARIMA-lo-90", "--loss", "quantile:q=0.5"), "AutoARIMA-lo-90", "0.05 quantile", "q=0.05")
    value = _only(cli("compute", tmp_path / "sf.csv", "--pred-col", "AutoARIMA-lo-90", "--loss", "quantile", "-f", "json"))
    assert value == pytest.approx(mean_pinball_loss(y, frame["AutoARIMA-lo-90"], alpha=0.05), rel=1e-12)  # sklearn mean_pinball_loss(y, lo, alpha=0.05)
    value = _only(cli("compute", tmp_path / "sf.csv", "--pred-col", "AutoARIMA-hi-90", "--loss", "quantile:q=0.95", "-f", "json"))
    assert value == pytest.approx(mean_pinball_loss(y, frame["AutoARIMA-hi-90"], alpha=0.95), rel=1e-12)  # sklearn mean_pinball_loss(y, hi, alpha=0.95)


def test_interval_bounds_give_their_levels_exactly(cli, tmp_path):
    # statsforecast's level=[80, 90, 95]: lo-80 is the 0.1 quantile, lo-90 the 0.05, lo-95 the
    # 0.025 (statsforecast's docs: a level-L interval spans the (100-L)/200 .. (100+L)/200
    # quantiles). (1 - 0.9) / 2 made 0.04999999999999999 of 0.05 in the JSON and the table's note.
    rng = np.random.default_rng(8)
    y = rng.normal(50, 5, 30)
    names = ["AutoARIMA-lo-95", "AutoARIMA-lo-90", "AutoARIMA-lo-80", "AutoARIMA-hi-80", "AutoARIMA-hi-90", "AutoARIMA-hi-95"]
    frame = pd.DataFrame({"y": y, **{name: y + rng.normal(0, 3, 30) for name in names}})
    frame.to_csv(tmp_path / "sf.csv", index=False)
    result = cli("compute", tmp_path / "sf.csv", "--pred-col", ",".join(names), "--loss", "quantile", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (only,) = json.loads(result.stdout)["results"]
    assert only["params"]["q"] == [0.025, 0.05, 0.1, 0.9, 0.95, 0.975]
    assert "(q=0.025;0.05;0.1;0.9;0.95;0.975)" in result.stderr


# ----------------------------------------------------------------------------- gaussian_nll


@pytest.mark.parametrize("name", ["std", "sigma", "pred_std"])
def test_a_standard_deviation_is_not_read_as_gaussian_nll_variance(cli, tmp_path, name):
    # A probabilistic regressor's export: mean and standard deviation per row.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    mu = rng.normal(0, 1, 60)
    sd = rng.uniform(0.5, 2, 60)
    y = mu + rng.normal(0, 1, 60) * sd
    pd.DataFrame({"y_true": y, "y_pred": mu, name: sd}).to_csv(tmp_path / "g.csv", index=False)
    assert_usage_error(cli("compute", tmp_path / "g.csv", "--loss", "gaussian_nll", "--col", f"var={name}"), "g.csv", name, "standard deviation", "** 2")
    pd.DataFrame({"y_true": y, "y_pred": mu, "var": sd**2}).to_csv(tmp_path / "v.csv", index=False)
    value = _only(cli("compute", tmp_path / "v.csv", "--loss", "gaussian_nll", "-f", "json"))
    # torch.nn.GaussianNLLLoss()(mu, y, sd**2)
    expected = torch.nn.GaussianNLLLoss()(torch.tensor(mu), torch.tensor(y), torch.tensor(sd**2)).item()
    assert value == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------- recommend --data


def test_recommend_names_model_columns_a_forecast_file_keeps_beside_its_labels(cli, tmp_path):
    # statsforecast's forecast merged with actuals: models and their interval bounds as columns.
    rng = np.random.default_rng(9)
    y = rng.normal(50, 5, 30)
    frame = pd.DataFrame({"unique_id": "H1", "ds": pd.date_range("2024-01-01", periods=30).strftime("%Y-%m-%d"), "y": y})
    frame["AutoARIMA"] = y + rng.normal(0, 1, 30)
    frame["AutoARIMA-lo-90"] = frame["AutoARIMA"] - 8
    frame["AutoARIMA-hi-90"] = frame["AutoARIMA"] + 8
    frame["Naive"] = y + rng.normal(0, 3, 30)
    path = tmp_path / "forecast.csv"
    frame.to_csv(path, index=False)
    result = cli("recommend", "--data", path)
    assert result.exit_code == 0, result.stderr
    assert "--pred-col AutoARIMA --pred-col Naive compares them as models" in result.stdout
    assert "--pred-col AutoARIMA-lo-90,AutoARIMA-hi-90 --loss quantile" in result.stdout
    # That command scores each bound at its level: the mean of sklearn mean_pinball_loss at 0.05 and 0.95.
    value = _only(cli("compute", path, "--pred-col", "AutoARIMA-lo-90,AutoARIMA-hi-90", "--loss", "quantile", "-f", "json"))
    expected = (mean_pinball_loss(y, frame["AutoARIMA-lo-90"], alpha=0.05) + mean_pinball_loss(y, frame["AutoARIMA-hi-90"], alpha=0.95)) / 2
    assert value == pytest.approx(expected, rel=1e-12)
    # The command it names computes each model's value: sklearn mean_squared_error(y, model).
    values = _values(cli("compare", path, "--pred-col", "AutoARIMA", "--pred-col", "Naive", "--loss", "mse", "-f", "json"))
    assert values[("mse", "AutoARIMA", None)] == pytest.approx(mean_squared_error(y, frame["AutoARIMA"]), rel=1e-12)
    assert values[("mse", "Naive", None)] == pytest.approx(mean_squared_error(y, frame["Naive"]), rel=1e-12)


def test_several_levels_from_python_match_sklearn_level_by_level():
    import losscli

    rng = np.random.default_rng(11)
    y = rng.normal(size=200)
    forecasts = np.stack([y - 1.3 + rng.normal(size=200), y + rng.normal(size=200), y + 1.3 + rng.normal(size=200)], axis=1)
    weights = rng.uniform(0.1, 2.0, size=200)
    levels = [0.1, 0.5, 0.9]
    # the mean over the levels of sklearn mean_pinball_loss(y, column, alpha=level[, sample_weight])
    expected = np.mean([mean_pinball_loss(y, forecasts[:, i], alpha=a) for i, a in enumerate(levels)])
    weighted = np.mean([mean_pinball_loss(y, forecasts[:, i], alpha=a, sample_weight=weights) for i, a in enumerate(levels)])
    assert losscli.compute("quantile", y, forecasts, q=levels) == pytest.approx(expected, rel=1e-12)
    assert losscli.compute("quantile", y, forecasts, q=tuple(levels), sample_weight=weights) == pytest.approx(weighted, rel=1e-12)
    # Per row: the mean over the row's levels, whose mean is the value.
    rows = losscli.per_sample("quantile", y, forecasts, q=levels)
    assert rows.shape == (200,) and rows.mean() == pytest.approx(expected, rel=1e-12)
    # One level given as a list of one is that level.
    assert losscli.compute("quantile", y, forecasts[:, 2], q=[0.9]) == pytest.approx(mean_pinball_loss(y, forecasts[:, 2], alpha=0.9), rel=1e-12)
    with pytest.raises(losscli.LossCliError, match="takes one alpha"):
        losscli.compute("quantile", y, forecasts, q=levels, convention="sklearn")


def test_several_levels_read_in_many_small_batches_equal_the_whole(cli, tmp_path, small_batches):
    import losscli

    path, frame = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    whole = losscli.compute("quantile", frame["y"].to_numpy(), frame[["q0.1", "q0.5", "q0.9"]].to_numpy(), q=[0.1, 0.5, 0.9])
    value = _only(cli("compute", path, "--pred-col", "q0.1,q0.5,q0.9", "--loss", "quantile", "-f", "json"))
    assert value == pytest.approx(whole, rel=1e-13)


@pytest.mark.parametrize("id_name", ["id", "sample_id", "imageId", "row_index", "uuid", "series key"])
def test_recommend_does_not_offer_an_id_column_as_predictions(cli, tmp_path, id_name):
    frame = pd.DataFrame({id_name: [1, 2, 3, 4], "y_true": [1.0, 2.0, 3.0, 2.5], "model_a": [1.1, 2.2, 2.7, 2.4], "model_b": [1, 2, 3, 2]})
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    result = cli("recommend", "--data", path)
    assert result.exit_code == 0, result.stderr
    assert "--pred-col model_a --pred-col model_b compares them as models" in result.stdout
    assert f"--pred-col {id_name}" not in result.stdout and f"--pred-col '{id_name}'" not in result.stdout


def test_recommend_offers_a_group_of_output_columns_beside_several_label_columns(cli, tmp_path):
    rng = np.random.default_rng(12)
    frame = pd.DataFrame({"image_id": range(1, 21)})
    for i in range(12):
        frame[f"target_{i}"] = rng.normal(size=20)
    for model in ("gen", "base"):
        for i in range(12):
            frame[f"{model}_{i}"] = frame[f"target_{i}"] + rng.normal(size=20)
    path = tmp_path / "features.csv"
    frame.to_csv(path, index=False)
    result = cli("recommend", "--data", path)
    assert result.exit_code == 0, result.stderr
    # gen_1 .. gen_11 end in the labels' suffixes too, but gen_ is one model of twelve columns.
    assert "--pred-col 'gen_*' --pred-col 'base_*' compares them as models" in " ".join(result.stdout.split())
    # The command it names runs: the mean over every element of sklearn mean_squared_error per model.
    values = _values(cli("compare", path, "--pred-col", "gen_*", "--pred-col", "base_*", "--label-col", "target_*", "--loss", "mse", "-f", "json"))
    targets = frame[[f"target_{i}" for i in range(12)]].to_numpy()
    assert values[("mse", "gen_*", None)] == pytest.approx(mean_squared_error(targets, frame[[f"gen_{i}" for i in range(12)]].to_numpy()), rel=1e-12)


def test_two_columns_at_one_level_are_refused(cli, tmp_path):
    # q0.5 beside p50 (two models' medians), or a q that repeats a level: the mean
    # over the levels counted that level twice, without a word.
    import losscli

    path, frame = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    frame["p50"] = frame["q0.5"] + 0.1
    frame["a"], frame["b"] = frame["q0.1"], frame["q0.5"]
    frame.to_csv(path, index=False)
    assert_usage_error(cli("compute", path, "--pred-col", "q0.1,q0.5,p50", "--loss", "quantile"), "'q0.5' and 'p50' are both scored as the 0.5 quantile", "--pred-col q0.5 --pred-col p50")
    assert_usage_error(cli("compute", path, "--pred-col", "a,b,p50", "--loss", "quantile:q=0.1;0.5;0.5"), "'b' and 'p50' are both scored as the 0.5 quantile")
    with pytest.raises(losscli.LossCliError, match="q gives the level 0.5 twice"):
        losscli.compute("quantile", frame["y"], frame[["q0.5", "p50"]].to_numpy(), q=[0.5, 0.5])
    # Side by side, as models, they are fine: sklearn mean_pinball_loss(y, column, alpha=0.5) each.
    from sklearn.metrics import mean_pinball_loss

    result = cli("compare", path, "--pred-col", "q0.5", "--pred-col", "p50", "--loss", "quantile", "-f", "json")
    assert result.exit_code == 0, result.stderr
    values = [r["value"] for r in json.loads(result.stdout)["results"]]
    assert values == pytest.approx([mean_pinball_loss(frame["y"], frame[c], alpha=0.5) for c in ("q0.5", "p50")], rel=1e-12)


def test_compare_does_not_rank_quantile_columns_at_different_levels(cli, tmp_path):
    # compare --pred-col q0.1 --pred-col q0.5 --pred-col q0.9 --task regression marked q0.1
    # best for quantile: the pinball loss at 0.1 beside the one at 0.5, as if one scale.
    from sklearn.metrics import mean_absolute_error, mean_pinball_loss

    path, frame = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    args = ["--pred-col", "q0.1", "--pred-col", "q0.5", "--pred-col", "q0.9", "--loss", "quantile", "--loss", "mae", "-f", "json"]
    result = cli("compare", path, *args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    quantile = [r for r in document["results"] if r["loss"] == "quantile"]
    assert [(r["rank"], r["best"]) for r in quantile] == [(None, False)] * 3
    # The values stay: sklearn mean_pinball_loss(y, column, alpha=level) each.
    expected = [mean_pinball_loss(frame["y"], frame[c], alpha=a) for c, a in (("q0.1", 0.1), ("q0.5", 0.5), ("q0.9", 0.9))]
    assert [r["value"] for r in quantile] == pytest.approx(expected, rel=1e-12)
    # mae still ranks them (sklearn mean_absolute_error), and the mean rank is mae's alone.
    maes = [mean_absolute_error(frame["y"], frame[c]) for c in ("q0.1", "q0.5", "q0.9")]
    mae = [r for r in document["results"] if r["loss"] == "mae"]
    assert [r["rank"] for r in mae] == [sorted(maes).index(v) + 1 for v in maes]
    assert [s["mean_rank"] for s in document["summary"]] == [float(r["rank"]) for r in mae]
    assert any("not ranked" in note and "q0.1: q=0.1" in note for note in document["notes"])
    # One level for every model is one scale: ranked as before.
    frame["model_a"], frame["model_b"] = frame["q0.9"], frame["q0.5"]
    frame.to_csv(path, index=False)
    result = cli("compare", path, "--pred-col", "model_a", "--pred-col", "model_b", "--loss", "quantile:q=0.9", "-f", "json")
    assert result.exit_code == 0, result.stderr
    ranks = [(r["model"], r["rank"]) for r in json.loads(result.stdout)["results"]]
    at_09 = [mean_pinball_loss(frame["y"], frame[c], alpha=0.9) for c in ("model_a", "model_b")]  # sklearn
    assert ranks == [("model_a", 1 if at_09[0] < at_09[1] else 2), ("model_b", 1 if at_09[1] < at_09[0] else 2)]


def test_a_long_format_forecast_grouped_by_its_levels_is_not_scored_at_the_median(cli, tmp_path):
    # sktime / GluonTS quantile frames melted to one row per (time, level): --by quantile
    # scored every level at the default q=0.5 without a word (the 0.1 group's value was
    # its pinball loss at 0.5).
    from sklearn.metrics import mean_pinball_loss

    _, frame = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    long = pd.concat([pd.DataFrame({"ds": frame["ds"], "y": frame["y"], "quantile": level, "value": frame[name]}) for name, level in (("q0.1", 0.1), ("q0.5", 0.5), ("q0.9", 0.9))])
    long.to_csv(tmp_path / "long.csv", index=False)
    args = ["compute", tmp_path / "long.csv", "--label-col", "y", "--pred-col", "value", "--by", "quantile"]
    assert_usage_error(cli(*args, "--loss", "quantile"), "long.csv", "column 'quantile'", "every group at q=0.5, not at its own level", "--pred-col 'q0.1,q0.5,q0.9'")
    # One level on its own rows is right (sklearn mean_pinball_loss(y, value, alpha=0.9)); a q the user gives is taken.
    rows = long[long["quantile"] == 0.9]
    rows.to_csv(tmp_path / "q09.csv", index=False)
    value = _only(cli("compute", tmp_path / "q09.csv", "--label-col", "y", "--pred-col", "value", "--loss", "quantile:q=0.9", "-f", "json"))
    assert value == pytest.approx(mean_pinball_loss(rows["y"], rows["value"], alpha=0.9), rel=1e-12)
    result = cli(*args, "--loss", "quantile:q=0.9", "-f", "json")
    assert result.exit_code == 0, result.stderr
    # Other losses group by it freely.
    assert cli(*args, "--loss", "mae").exit_code == 0


def test_several_unnamed_forecast_columns_at_one_level_say_how_to_give_each_its_level(cli, tmp_path):
    # Columns a, b, c (or a numpy array) beside one label column: the error said to
    # select matching columns, and in Python it named --pred-col, never the q list.
    import losscli

    path, frame = _quantile_forecast(tmp_path, ("a", "b", "c"))
    assert_usage_error(
        cli("compute", path, "--pred-col", "a,b,c", "--loss", "quantile"),
        "y_true has 1 column but y_pred has 3, and q gives one quantile level (0.5)",
        "--loss 'quantile:q=0.1;0.5;0.9'",
    )
    forecasts = frame[["a", "b", "c"]].to_numpy()
    with pytest.raises(losscli.LossCliError) as error:
        losscli.compute("quantile", frame["y"], forecasts)
    assert "q=[0.1, 0.5, 0.9]" in str(error.value) and "--" not in str(error.value)
    with pytest.raises(losscli.LossCliError) as error:
        losscli.compute("quantile", frame["y"], forecasts, q=[0.1, 0.9])
    assert "q gives 2 quantile levels but y_pred has 3 columns" in str(error.value) and "--" not in str(error.value)


def test_recommend_suggests_a_quantile_command_that_reads_the_forecast_file_itself(cli, tmp_path):
    # A forecast file of y beside q0.1, q0.5, q0.9: every command read 'PRED --labels FILE',
    # quantile's too, though the file holds the forecast it scores (runs_on_data was true).
    import shlex

    from sklearn.metrics import mean_pinball_loss

    path, frame = _quantile_forecast(tmp_path, ("q0.1", "q0.5", "q0.9"))
    result = cli("recommend", "--data", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["loss"]: r for r in json.loads(result.stdout)["recommendations"]}
    command = rows["quantile"]["command"]
    assert command == f"losscli compute {shlex.quote(str(path))} --loss quantile --pred-col q0.1,q0.5,q0.9" and rows["quantile"]["runs_on_data"] is True
    assert rows["mse"]["command"].startswith("losscli compute PRED --labels")
    # The command runs: the mean over the levels of sklearn mean_pinball_loss(y, column, alpha=level).
    value = _only(cli(*shlex.split(command)[1:], "-f", "json"))
    expected = np.mean([mean_pinball_loss(frame["y"], frame[c], alpha=a) for c, a in (("q0.1", 0.1), ("q0.5", 0.5), ("q0.9", 0.9))])
    assert value == pytest.approx(expected, rel=1e-12)
