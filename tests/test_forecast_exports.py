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
from sklearn.metrics import mean_squared_error


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
