"""Which columns feed which input (SPEC section 2): defaults, selections, roles,
weights, groups, two files aligned by order or joined on a key, class labels.

Expected values come from numpy on the arrays the files were written from.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import assert_usage_error, write_csv


Q = 0.9


def _pinball(y_true, y_pred, q=Q) -> float:
    diff = np.asarray(y_true) - np.asarray(y_pred)
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))  # quantile (pinball) loss, numpy


def _mse(y_true, y_pred) -> float:
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))  # numpy


def _results(result) -> list[dict]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["results"]


def _value(result, loss: str) -> float:
    return next(r["value"] for r in _results(result) if r["loss"] == loss and r["group"] is None)


def _quantile(cli, path, *extra):
    return _value(cli("compute", path, "--loss", f"quantile:q={Q}", "-f", "json", *extra), "quantile")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(2024)


# ----------------------------------------------------------------------------- default names


@pytest.mark.parametrize(
    ("columns", "truth", "prediction"),
    [
        (["y_true", "label", "y_pred", "pred"], "y_true", "y_pred"),
        (["target", "label", "score", "pred"], "label", "pred"),
        (["y", "target", "score", "prediction"], "target", "prediction"),
        (["y", "logit", "prob"], "y", "prob"),
        (["Y_TRUE", "Y_Pred"], "Y_TRUE", "Y_Pred"),  # names match case-insensitively
        (["y_pred", " y_true"], " y_true", "y_pred"),  # a header written "y_pred, y_true"
        ([" Label ", " Pred "], " Label ", " Pred "),
        # Names common exports use: a forecast's actual and Prophet's yhat, a training
        # loop's labels and logits, scikit-learn's y_score beside predict_proba's proba.
        (["id", "actual", "yhat"], "actual", "yhat"),
        (["labels", "logits"], "labels", "logits"),
        (["y_true", "predicted_label", "proba"], "y_true", "proba"),  # predicted_ is no prefix default
        (["ground_truth", "y_score"], "ground_truth", "y_score"),
        (["truth", "probability"], "truth", "probability"),
        (["targets", "score", "logits"], "targets", "score"),
    ],
)
def test_default_columns_follow_the_documented_priority(cli, tmp_path, rng, columns, truth, prediction):
    data = {name: rng.normal(size=30) for name in columns}
    write_csv(tmp_path / "data.csv", data)
    assert _quantile(cli, tmp_path / "data.csv") == pytest.approx(_pinball(data[truth], data[prediction]), rel=1e-12)


def test_prefix_defaults_take_every_matching_column_in_file_order(cli, tmp_path, rng):
    probs = rng.normal(size=(40, 3))
    labels = rng.normal(size=(40, 3))
    # File order b, a, c on both sides: the pairing is by position in the file.
    data = {"prob_b": probs[:, 0], "label_b": labels[:, 0], "prob_a": probs[:, 1], "label_a": labels[:, 1], "prob_c": probs[:, 2], "label_c": labels[:, 2]}
    write_csv(tmp_path / "data.csv", data)
    assert _quantile(cli, tmp_path / "data.csv") == pytest.approx(_pinball(labels, probs), rel=1e-12)


def test_prefix_defaults_of_common_export_names_pair_by_suffix(cli, tmp_path, rng):
    probs, labels = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    data = {"labels_a": labels[:, 0], "probs_a": probs[:, 0], "labels_b": labels[:, 1], "probs_b": probs[:, 1]}
    write_csv(tmp_path / "data.csv", data)
    assert _quantile(cli, tmp_path / "data.csv") == pytest.approx(_pinball(labels, probs), rel=1e-12)


def test_two_exported_names_are_an_error_naming_both_not_a_guess(cli, tmp_path):
    # scikit-learn's predict() beside predict_proba()[:, 1]: bce of 'predicted'
    # would score hard 0/1 classes, so the user names the column.
    write_csv(tmp_path / "p.csv", {"y_true": [0, 1], "predicted": [0, 1], "proba": [0.2, 0.7]})
    result = cli("compute", tmp_path / "p.csv", "--loss", "bce")
    assert_usage_error(result, "p.csv", "'predicted', 'proba' could each be y_pred", "--pred-col")
    # by hand: -(log 0.8 + log 0.7) / 2
    assert _value(cli("compute", tmp_path / "p.csv", "--loss", "bce", "--pred-col", "proba", "-f", "json"), "bce") == pytest.approx(
        -(np.log(0.8) + np.log(0.7)) / 2, rel=1e-12
    )


def test_losscli_own_prefix_comes_before_an_exported_name(cli, tmp_path):
    # prob_0, prob_1 are the class probabilities; 'predicted' (the class) is not read.
    write_csv(tmp_path / "p.csv", {"y_true": [0, 1], "prob_0": [0.8, 0.3], "prob_1": [0.2, 0.7], "predicted": [0, 1]})
    result = cli("compute", tmp_path / "p.csv", "--loss", "cce", "-f", "json")
    assert _value(result, "cce") == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-12)  # by hand


def test_a_single_numeric_column_needs_no_name(cli, tmp_path, rng):
    y_true, y_pred = rng.normal(size=25), rng.normal(size=25)
    write_csv(tmp_path / "p.csv", {"name": [f"row{i}" for i in range(25)], "model_output": y_pred})
    write_csv(tmp_path / "t.csv", {"measured": y_true})
    value = _quantile(cli, tmp_path / "p.csv", "--labels", tmp_path / "t.csv")
    assert value == pytest.approx(_pinball(y_true, y_pred), rel=1e-12)


def test_two_unnamed_numeric_columns_are_an_error_not_a_guess(cli, tmp_path, rng):
    write_csv(tmp_path / "p.csv", {"y_pred": rng.normal(size=5), "extra": rng.normal(size=5)})
    write_csv(tmp_path / "t.csv", {"id": np.arange(5), "value": rng.normal(size=5)})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse")
    assert_usage_error(result, "t.csv", "y_true", "--label-col")


def test_the_y_prefix_of_y_true_never_takes_y_pred(cli, tmp_path, rng):
    # y_true's default "y" must not match "y_pred" as a prefix: that silently
    # compared the predictions with the other column.
    write_csv(tmp_path / "p.csv", {"y_pred": rng.normal(size=5), "extra": rng.normal(size=5)})
    assert_usage_error(cli("compute", tmp_path / "p.csv", "--loss", "mse"), "y_true")


# ----------------------------------------------------------------------------- explicit selections


def test_pred_col_and_label_col_take_names(cli, tmp_path, rng):
    a, b = rng.normal(size=30), rng.normal(size=30)
    write_csv(tmp_path / "data.csv", {"y_true": rng.normal(size=30), "first": a, "second": b})
    value = _quantile(cli, tmp_path / "data.csv", "--pred-col", "second", "--label-col", "first")
    assert value == pytest.approx(_pinball(a, b), rel=1e-12)


def test_comma_lists_keep_the_order_given_where_names_do_not_pair(cli, tmp_path, rng):
    t, p = rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
    write_csv(tmp_path / "data.csv", {"t_a": t[:, 0], "t_b": t[:, 1], "first": p[:, 0], "second": p[:, 1]})
    straight = _quantile(cli, tmp_path / "data.csv", "--pred-col", "first,second", "--label-col", "t_a,t_b")
    crossed = _quantile(cli, tmp_path / "data.csv", "--pred-col", "second,first", "--label-col", "t_a,t_b")
    assert straight == pytest.approx(_pinball(t, p), rel=1e-12)
    assert crossed == pytest.approx(_pinball(t, p[:, ::-1]), rel=1e-12)


def test_comma_lists_of_names_ending_alike_are_paired_by_name(cli, tmp_path, rng):
    # The names say t_a goes with p_a, whichever order the lists give.
    t, p = rng.normal(size=(20, 2)), rng.normal(size=(20, 2))
    write_csv(tmp_path / "data.csv", {"t_a": t[:, 0], "t_b": t[:, 1], "p_a": p[:, 0], "p_b": p[:, 1]})
    listed = _quantile(cli, tmp_path / "data.csv", "--pred-col", "p_b,p_a", "--label-col", "t_a,t_b")
    assert listed == pytest.approx(_pinball(t, p), rel=1e-12)


def test_globs_select_in_file_order(cli, tmp_path, rng):
    t, p = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    data = {"p_2": p[:, 2], "p_0": p[:, 0], "p_1": p[:, 1], "t_2": t[:, 2], "t_0": t[:, 0], "t_1": t[:, 1]}
    write_csv(tmp_path / "data.csv", data)
    value = _quantile(cli, tmp_path / "data.csv", "--pred-col", "p_*", "--label-col", "t_?")
    assert value == pytest.approx(_pinball(t, p), rel=1e-12)


def test_col_role_assigns_other_inputs(cli, tmp_path, rng):
    y_true, y_pred, var = rng.normal(size=30), rng.normal(size=30), rng.uniform(0.2, 3.0, size=30)
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "sigma2": var})
    result = cli("compute", tmp_path / "data.csv", "--loss", "gaussian_nll", "--col", "var=sigma2", "-f", "json")
    # PyTorch GaussianNLLLoss(full=False): mean of 0.5 * (log var + (y - mu)^2 / var) (numpy)
    expected = float(np.mean(0.5 * (np.log(var) + (y_true - y_pred) ** 2 / var)))
    assert _value(result, "gaussian_nll") == pytest.approx(expected, rel=1e-12)


def test_col_role_takes_globs_for_embeddings(cli, tmp_path, rng):
    anchor, positive, negative = (rng.normal(size=(25, 4)) for _ in range(3))
    data = {}
    for prefix, matrix in (("a", anchor), ("p", positive), ("n", negative)):
        data |= {f"{prefix}_{i}": matrix[:, i] for i in range(4)}
    write_csv(tmp_path / "triplets.csv", data)
    result = cli(
        "compute", tmp_path / "triplets.csv", "--loss", "triplet", "--col", "anchor=a_*", "--col", "positive=p_*", "--col", "negative=n_*", "-f", "json"
    )

    # PyTorch TripletMarginLoss(margin=1, p=2, eps=1e-6): eps is added to the difference (numpy)
    def distance(x, y):
        return np.linalg.norm(x - y + 1e-6, axis=1)

    expected = float(np.mean(np.maximum(distance(anchor, positive) - distance(anchor, negative) + 1.0, 0.0)))
    assert _value(result, "triplet") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("option", "value", "fragments"),
    [
        ("--pred-col", "y_prd", ("no column 'y_prd'", "did you mean 'y_pred'")),
        ("--label-col", "Ytrue", ("no column 'Ytrue'", "'y_true'")),
        ("--weight-col", "wieght", ("no column 'wieght'", "'weight'")),
        ("--by", "fold_id", ("no column 'fold_id'", "'fold'")),
        ("--pred-col", "q_*", ("pattern 'q_*'", "matches no column")),
        ("--col", "var=sigma", ("no column 'sigma'", "'sigma2'")),
    ],
)
def test_unknown_column_names_the_closest_ones(cli, tmp_path, rng, option, value, fragments):
    write_csv(tmp_path / "data.csv", {"y_true": [1.0], "y_pred": [2.0], "weight": [1.0], "fold": [0], "sigma2": [1.0]})
    loss = "gaussian_nll" if option == "--col" else "mse"
    line = assert_usage_error(cli("compute", tmp_path / "data.csv", "--loss", loss, option, value), "data.csv", *fragments)
    assert "columns: y_true, y_pred, weight, fold, sigma2" in line


# ----------------------------------------------------------------------------- weights and groups


def test_weight_col_gives_the_weighted_mean(cli, tmp_path, rng):
    y_true, y_pred, weight = rng.normal(size=50), rng.normal(size=50), rng.uniform(0, 3, size=50)
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "w": weight})
    diff = y_true - y_pred
    pinball = np.maximum(Q * diff, (Q - 1) * diff)
    expected = float(np.sum(weight * pinball) / np.sum(weight))  # sum(w * l) / sum(w), numpy
    assert _quantile(cli, tmp_path / "data.csv", "--weight-col", "w") == pytest.approx(expected, rel=1e-12)


def test_weight_col_may_live_in_the_labels_file(cli, tmp_path, rng):
    y_true, y_pred, weight = rng.normal(size=40), rng.normal(size=40), rng.uniform(0, 3, size=40)
    write_csv(tmp_path / "p.csv", {"y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"y_true": y_true, "w": weight})
    expected = float(np.sum(weight * (y_true - y_pred) ** 2) / np.sum(weight))  # numpy
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "-w", "w", "-f", "json")
    assert _value(result, "mse") == pytest.approx(expected, rel=1e-12)


def test_by_reports_every_group_and_the_overall_value(cli, tmp_path, rng):
    n = 90
    y_true, y_pred = rng.normal(size=n), rng.normal(size=n)
    group = rng.choice(["north", "south", "east"], size=n)
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "region": group})
    results = _results(cli("compute", tmp_path / "data.csv", "--loss", f"quantile:q={Q}", "--loss", "mse", "--by", "region", "-f", "json"))
    for loss, reference in (("quantile", _pinball), ("mse", _mse)):
        mine = [r for r in results if r["loss"] == loss]
        assert mine[0]["group"] is None and mine[0]["value"] == pytest.approx(reference(y_true, y_pred), rel=1e-12)
        by_group = {r["group"]["region"]: r for r in mine[1:]}
        assert set(by_group) == {"north", "south", "east"}
        for name, r in by_group.items():
            rows = group == name
            assert r["n"] == int(rows.sum())
            assert r["value"] == pytest.approx(reference(y_true[rows], y_pred[rows]), rel=1e-12), (loss, name)


def test_by_with_integer_groups_reports_integers(cli, tmp_path, rng):
    y_true, y_pred, fold = rng.normal(size=30), rng.normal(size=30), np.arange(30) % 3
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "fold": fold})
    results = _results(cli("compute", tmp_path / "data.csv", "--loss", "mse", "--by", "fold", "-f", "json"))
    assert [r["group"] for r in results[1:]] == [{"fold": 0}, {"fold": 1}, {"fold": 2}]
    for r in results[1:]:
        rows = fold == r["group"]["fold"]
        assert r["value"] == pytest.approx(_mse(y_true[rows], y_pred[rows]), rel=1e-12)


def test_missing_group_values_form_their_own_group(cli, tmp_path, rng, small_batches):
    n = 60
    y_true, y_pred = rng.normal(size=n), rng.normal(size=n)
    fold = [str(i % 2) for i in range(n)]
    for row in (5, 40, 41):
        fold[row] = ""
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "fold": fold})
    results = _results(cli("compute", tmp_path / "data.csv", "--loss", "mse", "--by", "fold", "-f", "json"))
    by_group = {r["group"]["fold"]: r for r in results[1:]}
    assert set(by_group) == {0, 1, None}  # strict JSON: a missing key is null, never NaN
    missing = np.zeros(n, bool)
    missing[[5, 40, 41]] = True
    assert by_group[None]["n"] == 3
    assert by_group[None]["value"] == pytest.approx(_mse(y_true[missing], y_pred[missing]), rel=1e-12)
    zero = (np.arange(n) % 2 == 0) & ~missing
    assert by_group[0]["value"] == pytest.approx(_mse(y_true[zero], y_pred[zero]), rel=1e-12)
    text = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--by", "fold", "-f", "csv").stdout
    assert ",(missing)," in text


def test_missing_integer_group_in_parquet_is_not_confused_with_minus_one(cli, tmp_path):
    table = pa.table({"y_true": [0.0, 0.0, 0.0], "y_pred": [1.0, 2.0, 3.0], "g": pa.array([-1, None, -1], pa.int64())})
    pq.write_table(table, tmp_path / "data.parquet")
    results = _results(cli("compute", tmp_path / "data.parquet", "--loss", "mae", "--by", "g", "-f", "json"))
    # g = -1 holds rows 1 and 3: mean(|0 - 1|, |0 - 3|) = 2; the missing key holds row 2: |0 - 2| = 2 (by hand)
    assert {r["group"]["g"]: (r["n"], r["value"]) for r in results[1:]} == {-1: (2, 2.0), None: (1, 2.0)}


def test_by_column_from_the_labels_file(cli, tmp_path, rng):
    y_true, y_pred = rng.normal(size=40), rng.normal(size=40)
    write_csv(tmp_path / "p.csv", {"y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"y_true": y_true, "split": np.where(np.arange(40) < 15, "val", "test")})
    results = _results(cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "--by", "split", "-f", "json"))
    by_group = {r["group"]["split"]: r["value"] for r in results[1:]}
    assert by_group["val"] == pytest.approx(_mse(y_true[:15], y_pred[:15]), rel=1e-12)
    assert by_group["test"] == pytest.approx(_mse(y_true[15:], y_pred[15:]), rel=1e-12)


def test_grouping_by_the_label_column_keeps_it_as_the_labels(cli, tmp_path, rng):
    # --by y_true used to take y_true away from the loss, which then silently
    # read another column as the labels.
    y_true = rng.integers(0, 3, size=30).astype(float)
    y_pred, other = rng.normal(size=30), rng.normal(size=30)
    write_csv(tmp_path / "data.csv", {"y_true": y_true, "y_pred": y_pred, "other": other})
    results = _results(cli("compute", tmp_path / "data.csv", "--loss", "mse", "--by", "y_true", "-f", "json"))
    assert results[0]["value"] == pytest.approx(_mse(y_true, y_pred), rel=1e-12)
    for r in results[1:]:
        rows = y_true == r["group"]["y_true"]
        assert r["value"] == pytest.approx(_mse(y_true[rows], y_pred[rows]), rel=1e-12)


# ----------------------------------------------------------------------------- two files by order


def test_labels_file_aligned_by_order_across_many_batches(cli, tmp_path, rng, small_batches):
    n = 500
    y_true, y_pred = rng.normal(size=n), rng.normal(size=n)
    write_csv(tmp_path / "p.csv", {"y_pred": y_pred})
    # Labels in Parquet with another batch size: the two streams are re-sliced to pair up.
    pq.write_table(pa.table({"y_true": y_true}), tmp_path / "t.parquet", row_group_size=13)
    value = _quantile(cli, tmp_path / "p.csv", "--labels", tmp_path / "t.parquet")
    assert value == pytest.approx(_pinball(y_true, y_pred), rel=1e-12)


@pytest.mark.parametrize("extra_on", ["labels", "predictions"])
def test_different_row_counts_are_an_error_even_when_streamed(cli, tmp_path, rng, small_batches, extra_on):
    write_csv(tmp_path / "p.csv", {"y_pred": rng.normal(size=300 + (extra_on == "predictions"))})
    write_csv(tmp_path / "t.csv", {"y_true": rng.normal(size=300 + (extra_on == "labels"))})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse")
    big, small = ("301", "300") if extra_on == "predictions" else ("300", "301")
    assert_usage_error(result, f"predictions ({tmp_path / 'p.csv'}) have {big} rows but labels have {small}", "--key")


# ----------------------------------------------------------------------------- --key joins


def _keyed(rng, n=60):
    ids = np.arange(1000, 1000 + n)
    y_true, y_pred = rng.normal(size=n), rng.normal(size=n)
    return ids, y_true, y_pred


def test_labels_in_another_order_paired_by_position_get_a_note_naming_the_key(cli, tmp_path, rng):
    # Shuffled labels without --key pair every prediction with another row's label:
    # the id column both files have says so, and names the option that joins them.
    ids, y_true, y_pred = _keyed(rng)
    order = rng.permutation(len(ids))
    pq.write_table(pa.table({"id": ids, "y_pred": y_pred}), tmp_path / "p.parquet")
    write_csv(tmp_path / "t.csv", {"id": ids[order], "y_true": y_true[order]})
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--loss", "mse", "-f", "json")
    (mse,) = _results(result)
    assert mse["value"] == pytest.approx(np.mean((y_pred - y_true[order]) ** 2), rel=1e-12)  # still paired by position
    differ = int(np.sum(ids != ids[order]))
    expected = (
        f"rows are paired by position, but 'id' differs between the files in {differ} of the 60 rows compared, "
        f"the first at row {int(np.argmax(ids != ids[order])) + 1}"
    )
    assert expected in result.stderr and "join them with --key id" in result.stderr
    assert any(expected in note for note in json.loads(result.stdout)["notes"])


def test_labels_in_the_same_order_get_no_note_however_their_ids_are_written(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": ["7", "8", "9"], "region": ["a", "a", "b"], "y_pred": [1.0, 2.0, 3.0]})
    # The same ids as pandas writes an id column with a gap, and a column that means another thing.
    write_csv(tmp_path / "t.csv", {"id": ["007", "8.0", "+9"], "region": ["x", "y", "y"], "y_true": [1.0, 2.0, 5.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "-f", "json")
    assert _results(result)[0]["value"] == pytest.approx(4 / 3)
    assert result.stderr == ""


def test_a_weight_column_in_both_files_that_differs_gets_a_note_naming_the_file_used(cli, tmp_path):
    # Reported: the predictions file's weights were used without a word although
    # the labels file's column of the same name held other weights.
    write_csv(tmp_path / "p.csv", {"y_pred": [1.0, 2.0, 3.0], "w": [1.0, 1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"y_true": [0.0, 0.0, 0.0], "w": [1.0, 3.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--loss", "mse", "--weight-col", "w", "-f", "json")
    assert _value(result, "mse") == pytest.approx((1 + 4 + 2 * 9) / 4, rel=1e-12)  # the predictions' weights
    expected = (
        "--weight-col 'w': both files have this column and their values differ in 1 of the 3 rows evaluated, "
        f"the first at row 2 (1 in {tmp_path / 'p.csv'}, 3 in {tmp_path / 't.csv'}); {tmp_path / 'p.csv'}'s values were used "
        f"(to use {tmp_path / 't.csv'}'s, rename or drop 'w' in {tmp_path / 'p.csv'})"
    )
    assert expected in json.loads(result.stdout)["notes"]


def test_a_group_column_in_both_files_is_compared_on_the_joined_rows(cli, tmp_path):
    # With --key the rows differ in number between the files: both are named.
    pq.write_table(pa.table({"id": [1, 2, 3], "region": ["a", "b", "a"], "y_pred": [1.0, 2.0, 3.0]}), tmp_path / "p.parquet")
    write_csv(tmp_path / "t.csv", {"id": [3, 1, 2], "region": ["a", "a", "c"], "y_true": [0.0, 0.0, 0.0]})
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse", "--by", "region", "-f", "json")
    groups = {r["group"]["region"]: r["value"] for r in _results(result) if r["group"]}
    assert groups == {"a": pytest.approx(5.0), "b": pytest.approx(4.0)}
    assert (
        f"--by 'region': both files have this column and their values differ in 1 of the 3 rows evaluated, "
        f"the first at row 2 of {tmp_path / 'p.parquet'} (b) and row 3 of {tmp_path / 't.csv'} (c)"
    ) in result.stderr


@pytest.mark.parametrize("option", ["--by", "--sample-col", "--weight-col"])
def test_a_column_in_both_files_holding_the_same_values_gets_no_note(cli, tmp_path, option):
    # The same ids however written, in another type in each file.
    pq.write_table(pa.table({"c": [7, 8, 9], "y_pred": [1.0, 2.0, 3.0]}), tmp_path / "p.parquet")
    write_csv(tmp_path / "t.csv", {"c": ["007", "8.0", "9"], "y_true": [1.0, 2.0, 5.0]})
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--loss", "mse", option, "c", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "both files have this column" not in result.stderr


def test_key_join_matches_shuffled_labels(cli, tmp_path, rng):
    ids, y_true, y_pred = _keyed(rng)
    order = rng.permutation(len(ids))
    write_csv(tmp_path / "p.csv", {"id": ids, "y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"y_true": y_true[order], "id": ids[order]})
    value = _quantile(cli, tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id")
    assert value == pytest.approx(_pinball(y_true, y_pred), rel=1e-12)
    # Aligning by order instead would pair the wrong rows.
    assert _quantile(cli, tmp_path / "p.csv", "--labels", tmp_path / "t.csv") != pytest.approx(_pinball(y_true, y_pred), rel=1e-6)


def test_key_join_between_parquet_integers_and_csv_numbers(cli, tmp_path, rng, small_batches):
    ids, y_true, y_pred = _keyed(rng, n=200)
    order = rng.permutation(len(ids))
    pq.write_table(pa.table({"id": ids, "y_pred": y_pred}), tmp_path / "p.parquet", row_group_size=9)
    write_csv(tmp_path / "t.csv", {"id": ids[order], "y_true": y_true[order]})
    value = _quantile(cli, tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--key", "id")
    assert value == pytest.approx(_pinball(y_true, y_pred), rel=1e-12)


def test_key_join_with_string_ids(cli, tmp_path, rng):
    ids, y_true, y_pred = _keyed(rng)
    names = np.array([f"img-{i:05d}" for i in ids])
    order = rng.permutation(len(ids))
    write_csv(tmp_path / "p.csv", {"file": names, "y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"file": names[order], "y_true": y_true[order]})
    value = _quantile(cli, tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "file")
    assert value == pytest.approx(_pinball(y_true, y_pred), rel=1e-12)


@pytest.mark.parametrize("side", ["p.csv", "t.csv"])
def test_duplicate_keys_on_either_side_are_an_error(cli, tmp_path, rng, side):
    ids, y_true, y_pred = _keyed(rng, n=10)
    duplicated = ids.copy()
    duplicated[7] = duplicated[2]
    write_csv(tmp_path / "p.csv", {"id": duplicated if side == "p.csv" else ids, "y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"id": duplicated if side == "t.csv" else ids, "y_true": y_true})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, side, "column 'id'", "row 8", f"duplicate key '{ids[2]}'", "also at row 3")


def test_unmatched_rows_are_an_error_unless_allowed(cli, tmp_path, rng):
    ids, y_true, y_pred = _keyed(rng, n=30)
    label_ids = ids.copy()
    label_ids[[4, 9]] = [5000, 5001]  # prediction rows 5 and 10 have no label
    write_csv(tmp_path / "p.csv", {"id": ids, "y_pred": y_pred})
    write_csv(tmp_path / "t.csv", {"id": label_ids, "y_true": y_true})
    args = ("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", f"quantile:q={Q}", "-f", "json")
    assert_usage_error(cli(*args), "2 prediction rows have no label", "2 label rows have no prediction", "row 5", "--allow-unmatched")

    allowed = cli(*args, "--allow-unmatched")
    keep = np.ones(30, bool)
    keep[[4, 9]] = False
    assert _value(allowed, "quantile") == pytest.approx(_pinball(y_true[keep], y_pred[keep]), rel=1e-12)
    assert _results(allowed)[0]["n"] == 28
    assert "2 prediction rows and 2 label rows had no partner" in allowed.stderr


@pytest.mark.parametrize(
    ("prediction_ids", "where"),
    [([1, 2], "(first at label row 2 of LABELS)"), ([1, 2, 7], "(first at prediction row 3 and label row 2 of LABELS)")],
)
def test_unmatched_label_rows_name_the_first_one(cli, tmp_path, prediction_ids, where):
    # Label ids 1, 9, 2, 8: rows 2 and 4 have no prediction.
    write_csv(tmp_path / "p.csv", {"id": prediction_ids, "y_pred": [0.5] * len(prediction_ids)})
    write_csv(tmp_path / "t.csv", {"id": [1, 9, 2, 8], "y_true": [1.0, 0.0, 1.0, 0.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "p.csv", "2 label rows have no prediction", where.replace("LABELS", str(tmp_path / "t.csv")), "--allow-unmatched")


def test_key_must_exist_in_both_files(cli, tmp_path, rng):
    write_csv(tmp_path / "p.csv", {"id": [1, 2], "y_pred": [1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"idx": [1, 2], "y_true": [1.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "t.csv", "no column 'id' for --key", "did you mean 'idx'")


def test_a_prediction_glob_that_takes_the_label_column_says_so_and_how_to_narrow_it(cli, tmp_path):
    # Reported: "no column for y_true" while the listing showed y_true.
    path = tmp_path / "y.csv"
    path.write_text("y_true,y_pred_cat,y_pred_dog\ncat,0.7,0.3\ndog,0.4,0.6\n")
    result = cli("compute", path, "--loss", "cce", "--pred-col", "y_*")
    assert_usage_error(result, "y.csv", "the --pred-col selection 'y_*' also takes 'y_true'", "cce reads as y_true", "--pred-col 'y_pred_*'")
    # the narrower glob it offers works: -mean(log 0.7, log 0.6)
    narrowed = cli("compute", path, "--loss", "cce", "--pred-col", "y_pred_*", "-f", "json")
    assert _value(narrowed, "cce") == pytest.approx(-np.mean(np.log([0.7, 0.6])), rel=1e-12)


def test_a_label_glob_that_takes_the_prediction_columns_says_so(cli, tmp_path):
    path = write_csv(tmp_path / "m.csv", {"y_true_a": [1.0], "y_true_b": [2.0], "y_pred_a": [1.0], "y_pred_b": [3.0]})
    result = cli("compute", path, "--loss", "mse", "--label-col", "y_*")
    assert_usage_error(result, "the --label-col selection 'y_*' also takes 'y_pred_a', 'y_pred_b'", "--label-col 'y_true_*'")


def test_key_matches_a_column_ignoring_case_in_each_file(cli, tmp_path):
    # Reported: --key id with columns ID gave "no column 'id' for --key" while --by id matched.
    write_csv(tmp_path / "p.csv", {"ID": [7, 8, 9], "y_pred": [1.0, 2.0, 4.0]})
    write_csv(tmp_path / "t.csv", {"id": [9, 7, 8], "y_true": [3.0, 1.0, 1.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "Id", "--loss", "mse", "-f", "json")
    # joined on the ids: residuals 0 (7), 1 (8), 1 (9)
    assert _value(result, "mse") == pytest.approx(_mse([1.0, 1.0, 3.0], [1.0, 2.0, 4.0]), rel=1e-12)


def test_the_key_column_is_no_candidate_for_the_only_numeric_column(cli, tmp_path):
    # The predictions file holds the key and one unnamed numeric column, which is the prediction.
    write_csv(tmp_path / "p.csv", {"ID": [7, 8], "out": [1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"id": [8, 7], "y_true": [1.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse", "-f", "json")
    assert _value(result, "mse") == pytest.approx(_mse([3.0, 1.0], [1.0, 2.0]), rel=1e-12)


def test_key_that_matches_no_column_suggests_the_nearest_ignoring_case(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"ID": [1, 2], "y_pred": [1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"ID": [1, 2], "y_true": [1.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "idd", "--loss", "mse")
    assert_usage_error(result, "p.csv", "no column 'idd' for --key", "did you mean 'ID'")


def test_key_is_exact_when_two_columns_differ_only_in_case(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": [1, 2], "ID": [2, 1], "y_pred": [1.0, 2.0]})
    write_csv(tmp_path / "t.csv", {"ID": [1, 2], "y_true": [1.0, 2.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "ID", "--loss", "mse", "-f", "json")
    # p.csv's own ID column pairs row 1 (ID 2) with label 2.0 and row 2 (ID 1) with 1.0
    assert _value(result, "mse") == pytest.approx(_mse([2.0, 1.0], [1.0, 2.0]), rel=1e-12)


def _write_keyed(path, columns: dict, fmt: str):
    """``columns`` as CSV text or as Parquet (ids as int64)."""
    if fmt == "csv":
        return write_csv(path.with_suffix(".csv"), columns)
    table = pa.table({name: pa.array(values, pa.int64()) if name == "id" else pa.array(values) for name, values in columns.items()})
    pq.write_table(table, path.with_suffix(".parquet"))
    return path.with_suffix(".parquet")


@pytest.mark.parametrize("preds_format", ["csv", "parquet"])
@pytest.mark.parametrize("labels_format", ["csv", "parquet"])
def test_key_join_keeps_ids_beyond_float_precision_exact(cli, tmp_path, rng, preds_format, labels_format):
    from sklearn.metrics import log_loss

    # Neighbouring ids above 2**53 are one float64 apart or less: read as
    # floats they collide, and CSV's 1700000000000000000 no longer equals
    # Parquet's int64 1700000000000000000.
    ids = np.arange(1000) + 1_700_000_000_000_000_000
    prob = rng.uniform(0.05, 0.95, size=1000)
    label = rng.integers(0, 2, size=1000)
    order = rng.permutation(1000)
    preds = _write_keyed(tmp_path / "preds", {"id": ids.tolist(), "prob": prob}, preds_format)
    labels = _write_keyed(tmp_path / "labels", {"id": ids[order].tolist(), "label": label[order]}, labels_format)
    result = cli("compute", preds, "--labels", labels, "--key", "id", "--loss", "bce", "-f", "json")
    (bce,) = _results(result)
    assert bce["n"] == 1000
    assert bce["value"] == pytest.approx(log_loss(label, prob), rel=1e-12)  # scikit-learn on the rows paired by id


@pytest.mark.parametrize(
    "pred_ids, label_ids",
    [
        (pa.array([1, 2, 3], pa.int64()), ["3", "1", "2"]),
        (pa.array([1.0, 2.0, 3.0]), ["3", "1", "2"]),  # a float id column, as pandas writes one with gaps
        (pa.array(["1", "2", "3"]), ["003", "+1", " 2"]),  # whole numbers compare by value
        (pa.array(["a1", "b2", "c3"]), ["c3", "a1", "b2"]),
        (pa.array(["1", "2", "x"]), ["x", "01", "2"]),  # text and numbers in one column
        (pa.array([2**63 - 3, 2**63 - 2, 2**63 - 1], pa.uint64()), [str(2**63 - 1), str(2**63 - 3), str(2**63 - 2)]),
    ],
    ids=["int64", "float64", "leading-zeros", "text", "mixed", "uint64"],
)
def test_key_join_between_parquet_and_csv_matches_equal_ids(cli, tmp_path, pred_ids, label_ids):
    pq.write_table(pa.table({"id": pred_ids, "y_pred": [1.0, 2.0, 4.0]}), tmp_path / "p.parquet")
    write_csv(tmp_path / "t.csv", {"id": label_ids, "y_true": [0.0, 1.0, 0.0]})
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mae", "-f", "json")
    # Paired by id: |1 - 1| = 0, |0 - 2| = 2, |0 - 4| = 4; mean 2 (by hand)
    assert _results(result)[0]["value"] == 2.0


def test_text_keys_compare_exactly(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": ["a7", "7.5", "x"], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"id": ["A7", "7.50", "x"], "y_true": [1.0, 2.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "p.csv", "2 prediction rows have no label and 2 label rows have no prediction", "row 1")


def test_the_same_whole_number_written_twice_is_a_duplicate_key(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": ["007", "8", "7"], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"id": ["7", "8", "9"], "y_true": [1.0, 2.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "p.csv", "column 'id'", "row 3", "duplicate key '7', also at row 1 (as '007')")


def test_a_missing_csv_key_names_its_row(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": ["1", "", "3"], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"id": ["1", "2", "3"], "y_true": [1.0, 2.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "p.csv", "column 'id'", "row 2", "missing join key (1 row without one)", "--allow-unmatched")


def test_a_nan_float_key_is_a_missing_key_not_a_match_for_another_nan(cli, tmp_path):
    # Before, the NaN keys of the two files paired: row 2's prediction 2.0 took the label 0.0 of another row.
    pq.write_table(pa.table({"k": [1.0, float("nan"), 3.0], "y_pred": [1.0, 2.0, 3.0]}), tmp_path / "p.parquet")
    pq.write_table(pa.table({"k": [float("nan"), 1.0, 3.0], "y_true": [0.0, 1.0, 3.0]}), tmp_path / "t.parquet")
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.parquet", "--key", "k", "--loss", "mse")
    assert_usage_error(result, "p.parquet", "column 'k'", "row 2", "missing join key (1 row without one)")
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.parquet", "--key", "k", "--loss", "mse", "--allow-unmatched", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (only,) = json.loads(result.stdout)["results"]
    # by hand: keys 1 and 3 pair (1 - 1)^2 and (3 - 3)^2; the NaN rows have no partner
    assert (only["value"], only["n"]) == (0.0, 2)


def test_rows_without_a_key_are_unmatched_when_unmatched_rows_are_allowed(cli, tmp_path):
    # pandas writes the id of a row that has none as an empty cell, on either side.
    write_csv(tmp_path / "p.csv", {"id": ["1", "", "", "4"], "y_pred": [1.0, 2.0, 3.0, 4.0]})
    write_csv(tmp_path / "t.csv", {"id": ["1", "2", "4", ""], "y_true": [1.0, 2.0, 5.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse", "--allow-unmatched", "-f", "json")
    (mse,) = _results(result)
    assert (mse["value"], mse["n"]) == (0.5, 2)
    assert "2 prediction rows and 2 label rows had no partner" in result.stderr


# ----------------------------------------------------------------------------- ids of every type

_Y_TRUE = np.array([0.5, -1.0, 2.0, 0.25, 3.0, -2.5])
_Y_PRED = np.array([1.0, 0.0, 2.5, -0.75, 1.0, -2.0])


def _day(n: int) -> "datetime.date":
    import datetime

    return datetime.date(2024, 1, 1) + datetime.timedelta(days=n)


def _moment(hour: int, micro: int = 0) -> "datetime.datetime":
    import datetime

    return datetime.datetime(2024, 1, 1, hour, 30, 0, micro)


def _typed_group_cases():
    import datetime

    return [
        # (Arrow column, the JSON group of each row, the groups in report order)
        (pa.array(["x", "y", "x", "y", "x", "x"], pa.string_view()), ["x", "y", "x", "y", "x", "x"], ["x", "y"]),
        (pa.array([_day(31), _day(9), _day(31), _day(-1), _day(9), _day(31)]), ["2024-02-01", "2024-01-10", "2024-02-01", "2023-12-31", "2024-01-10", "2024-02-01"], ["2023-12-31", "2024-01-10", "2024-02-01"]),
        (pa.array([_day(0), _day(1), _day(0), _day(1), _day(0), _day(1)], pa.date64()), ["2024-01-01", "2024-01-02"] * 3, ["2024-01-01", "2024-01-02"]),
        (
            pa.array([_moment(10), _moment(9, 500000), _moment(10), _moment(9), _moment(9, 500000), _moment(10)], pa.timestamp("us")),
            ["2024-01-01T10:30:00", "2024-01-01T09:30:00.500000", "2024-01-01T10:30:00", "2024-01-01T09:30:00", "2024-01-01T09:30:00.500000", "2024-01-01T10:30:00"],
            ["2024-01-01T09:30:00", "2024-01-01T09:30:00.500000", "2024-01-01T10:30:00"],
        ),
        (pa.array([_moment(10), _moment(9)] * 3, pa.timestamp("ns", tz="UTC")), ["2024-01-01T10:30:00Z", "2024-01-01T09:30:00Z"] * 3, ["2024-01-01T09:30:00Z", "2024-01-01T10:30:00Z"]),
        # Stored as UTC, shown in the column's zone: 10:30 UTC is 11:30 in Paris in winter.
        (pa.array([_moment(10), _moment(9)] * 3, pa.timestamp("ms", tz="Europe/Paris")), ["2024-01-01T11:30:00+01:00", "2024-01-01T10:30:00+01:00"] * 3, ["2024-01-01T10:30:00+01:00", "2024-01-01T11:30:00+01:00"]),
        (pa.array([datetime.time(10), datetime.time(9, 0, 1)] * 3, pa.time64("us")), ["10:00:00", "09:00:01"] * 3, ["09:00:01", "10:00:00"]),
        (pa.array([b"cat", b"dog", b"cat", b"dog", b"dog", b"dog"]), ["cat", "dog", "cat", "dog", "dog", "dog"], ["cat", "dog"]),
        (pa.array([True, False, None, True, False, True]), [True, False, None, True, False, True], [None, False, True]),
    ]


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
@pytest.mark.parametrize("column, rows, order", _typed_group_cases(), ids=["string_view", "date32", "date64", "timestamp", "timestamp-utc", "timestamp-paris", "time", "binary", "bool"])
def test_by_on_typed_columns_groups_their_values(cli, tmp_path, fmt, column, rows, order):
    import pyarrow.feather as feather

    table = pa.table({"y_true": _Y_TRUE, "y_pred": _Y_PRED, "g": column})
    path = tmp_path / f"data.{fmt}"
    pq.write_table(table, path) if fmt == "parquet" else feather.write_feather(table, path)
    results = _results(cli("compute", path, "--loss", "mse", "--by", "g", "-f", "json"))
    assert [r["group"] for r in results[1:]] == [{"g": value} for value in order]  # chronological for times
    for r in results[1:]:
        mask = np.array([value == r["group"]["g"] and (value is None) == (r["group"]["g"] is None) for value in rows])
        assert r["n"] == int(mask.sum())
        assert r["value"] == pytest.approx(_mse(_Y_TRUE[mask], _Y_PRED[mask]), rel=1e-12)


def test_polars_text_columns_group_and_join(cli, tmp_path):
    # polars writes text as string_view; its Arrow files failed as "Failed to parse string: 'y'".
    import pyarrow.feather as feather

    feather.write_feather(pa.table({"id": pa.array(["a", "b", "c"], pa.string_view()), "y_pred": [1.0, 2.0, 4.0], "grp": pa.array(["x", "y", "x"], pa.string_view())}), tmp_path / "p.arrow")
    feather.write_feather(pa.table({"id": pa.array(["c", "a", "b"], pa.string_view()), "y_true": [0.0, 1.0, 0.0]}), tmp_path / "t.arrow")
    results = _results(cli("compute", tmp_path / "p.arrow", "--labels", tmp_path / "t.arrow", "--key", "id", "--by", "grp", "--loss", "mae", "-f", "json"))
    # Paired by id: a |1 - 1| = 0, b |0 - 2| = 2, c |0 - 4| = 4; x holds a and c, y holds b (by hand)
    assert [(r["group"], r["value"], r["n"]) for r in results] == [(None, 2.0, 3), ({"grp": "x"}, 2.0, 2), ({"grp": "y"}, 2.0, 1)]


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_per_row_output_keeps_typed_group_values(cli, tmp_path, suffix):
    table = pa.table({"y_true": [0.0, 0.0, 0.0, 0.0], "y_pred": [1.0, -2.0, 3.0, 0.5], "day": pa.array([_day(1), None, _day(0), _day(1)]), "ok": pa.array([True, False, None, True])})
    pq.write_table(table, tmp_path / "data.parquet")
    shown = {}
    for column in ("day", "ok"):
        target = tmp_path / f"rows-{column}.{suffix}"
        result = cli("compute", tmp_path / "data.parquet", "--loss", "mae", "--by", column, "--per-row", target, "-f", "json")
        assert result.exit_code == 0, result.stderr
        shown[column] = target.read_text()
    if suffix == "jsonl":
        # |0 - y_pred| per row (by hand); a missing value is null, as for a missing number
        assert [json.loads(line) for line in shown["day"].splitlines()] == [
            {"row": 1, "day": "2024-01-02", "mae": 1.0},
            {"row": 2, "day": None, "mae": 2.0},
            {"row": 3, "day": "2024-01-01", "mae": 3.0},
            {"row": 4, "day": "2024-01-02", "mae": 0.5},
        ]
        assert [json.loads(line)["ok"] for line in shown["ok"].splitlines()] == [True, False, None, True]
    else:
        assert shown["day"].splitlines() == ['"row","day","mae"', '1,"2024-01-02",1', "2,,2", '3,"2024-01-01",3', '4,"2024-01-02",0.5']
        assert [line.split(",")[1] for line in shown["ok"].splitlines()[1:]] == ["true", "false", "", "true"]


def test_per_row_parquet_keeps_one_group_type_across_batches(cli, tmp_path, small_batches):
    # Batches of 7 rows: the second holds the only missing integer group (read
    # as floats), the third only missing days (read as nulls); the Parquet
    # writer refused both once the first batch had set the types.
    n = 21
    group = pa.array([None if i == 10 else i % 3 for i in range(n)], pa.int64())
    day = pa.array([None if i >= 14 else _day(i % 2) for i in range(n)])
    y_pred = np.arange(n, dtype=float)
    pq.write_table(pa.table({"y_true": np.zeros(n), "y_pred": y_pred, "g": group, "day": day}), tmp_path / "data.parquet")
    for column, expected in (("g", group.to_pylist()), ("day", [None if d is None else d.isoformat() for d in day.to_pylist()])):
        target = tmp_path / f"rows-{column}.parquet"
        result = cli("compute", tmp_path / "data.parquet", "--loss", "mae", "--by", column, "--per-row", target, "-f", "json")
        assert result.exit_code == 0, result.stderr
        written = pq.read_table(target)
        assert written[column].to_pylist() == expected
        assert written["mae"].to_pylist() == y_pred.tolist()  # |0 - y_pred| (by hand)


def test_sample_ids_of_dates_name_the_samples(cli, tmp_path):
    table = pa.table({"y_true": [1.0, 0.0, 1.0, 0.0], "y_pred": [0.9, 0.2, 0.6, 0.1], "day": pa.array([_day(1), _day(1), _day(0), _day(0)])})
    pq.write_table(table, tmp_path / "seg.parquet")
    target = tmp_path / "samples.jsonl"
    result = cli("compute", tmp_path / "seg.parquet", "--loss", "dice", "--sample-col", "day", "--per-row", target, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert sorted(json.loads(line)["day"] for line in target.read_text().splitlines()) == ["2024-01-01", "2024-01-02"]


def _key_cases():
    import datetime

    days = [_day(0), _day(1), _day(2)]
    moments = [_moment(10), _moment(10, 500000), _moment(23)]
    return [
        # (prediction ids for rows 1-3; label ids for label rows 1-3, matching prediction rows 3, 1, 2):
        # an Arrow array is written to Parquet, a list of text to CSV
        (pa.array(["a", "b", "c"], pa.string_view()), ["c", "a", "b"]),
        (pa.array(days), pa.array([days[2], days[0], days[1]], pa.date64())),
        (pa.array(days), ["2024-01-03", "2024-01-01", "2024-01-02"]),
        (pa.array(moments, pa.timestamp("ns")), pa.array([moments[2], moments[0], moments[1]], pa.timestamp("ms"))),
        # pandas writes a space before the time, and the fraction its own way
        (pa.array(moments, pa.timestamp("ns")), ["2024-01-01 23:30:00", "2024-01-01T10:30:00", "2024-01-01 10:30:00.5"]),
        (pa.array(moments, pa.timestamp("us", tz="UTC")), ["2024-01-02T00:30:00+01:00", "2024-01-01T10:30:00Z", "2024-01-01 10:30:00.500Z"]),
        (pa.array([datetime.time(1), datetime.time(2), datetime.time(3)], pa.time32("s")), pa.array([datetime.time(3), datetime.time(1), datetime.time(2)], pa.time64("ns"))),
        (pa.array([b"a", b"b", b"c"]), ["c", "a", "b"]),
    ]


@pytest.mark.parametrize(
    "pred_ids, label_ids",
    _key_cases(),
    ids=["string_view-csv", "date32-date64", "date-iso-text", "timestamp-units", "timestamp-pandas-text", "timestamp-utc-offsets", "time-units", "binary-csv"],
)
def test_key_join_on_typed_ids_matches_equal_values(cli, tmp_path, pred_ids, label_ids):
    pq.write_table(pa.table({"id": pred_ids, "y_pred": [1.0, 2.0, 4.0]}), tmp_path / "p.parquet")
    if isinstance(label_ids, list):
        labels = write_csv(tmp_path / "t.csv", {"id": label_ids, "y_true": [0.0, 1.0, 0.0]})
    else:
        labels = tmp_path / "t.parquet"
        pq.write_table(pa.table({"id": label_ids, "y_true": [0.0, 1.0, 0.0]}), labels)
    result = cli("compute", tmp_path / "p.parquet", "--labels", labels, "--key", "id", "--loss", "mae", "-f", "json")
    # Paired by id: |1 - 1| = 0, |0 - 2| = 2, |0 - 4| = 4; mean 2 (by hand)
    assert [(r["value"], r["n"]) for r in _results(result)] == [(2.0, 3)]


@pytest.mark.parametrize(
    "pred_ids, label_ids",
    [
        (pa.array([1000, 1001, 1002], pa.int64()), ["1002.0", "1000.0", "1001.0"]),  # pandas' float ids in CSV
        (["1000", "1001", "1002"], ["1002.0", "1000.00", "1001."]),
        (pa.array([1000.0, 1001.0, 1002.0]), ["1002.0", "1000.0", "1001.0"]),
        (["-3", "0", "+7"], ["7.0", "-3.0", "-0.0"]),
        (pa.array([1_700_000_000_000_000_001, 1_700_000_000_000_000_002, 1_700_000_000_000_000_003], pa.int64()), ["1700000000000000003.0", "1700000000000000001.0", "1700000000000000002.0"]),
        (["12345678901234567890001", "2", "3"], ["3.0", "12345678901234567890001.0", "2.0"]),  # beyond int64: compared as text
        (pa.array([7.5, 8.25, 1.0]), ["1", "7.5", "8.25"]),  # a float matches the text Arrow writes for it
    ],
    ids=["int64", "csv-int", "float64", "signs", "19-digits", "beyond-int64", "fractions"],
)
def test_key_ids_written_with_a_zero_fraction_match_the_whole_number(cli, tmp_path, pred_ids, label_ids):
    if isinstance(pred_ids, list):
        preds = write_csv(tmp_path / "p.csv", {"id": pred_ids, "y_pred": [1.0, 2.0, 4.0]})
    else:
        preds = tmp_path / "p.parquet"
        pq.write_table(pa.table({"id": pred_ids, "y_pred": [1.0, 2.0, 4.0]}), preds)
    write_csv(tmp_path / "t.csv", {"id": label_ids, "y_true": [0.0, 1.0, 0.0]})
    result = cli("compute", preds, "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mae", "-f", "json")
    # Paired by id: |1 - 1| = 0, |0 - 2| = 2, |0 - 4| = 4; mean 2 (by hand)
    assert [(r["value"], r["n"]) for r in _results(result)] == [(2.0, 3)]


def test_pandas_float_ids_join_like_a_pandas_merge(cli, tmp_path, rng):
    pd = pytest.importorskip("pandas")
    n = 500
    ids = rng.choice(np.arange(10**6, 10**6 + 5 * n), size=n, replace=False)
    preds = pd.DataFrame({"id": ids, "y_pred": rng.normal(size=n)})
    # An id column with a gap becomes float in pandas, and its CSV reads 1000123.0.
    labels = pd.DataFrame({"id": pd.array(ids[rng.permutation(n)], dtype="float64"), "y_true": rng.normal(size=n)})
    labels.loc[labels.index[:40], "id"] += 0.5  # forty labels whose ids match nothing
    preds.to_parquet(tmp_path / "p.parquet")
    labels.to_csv(tmp_path / "t.csv", index=False)
    assert (tmp_path / "t.csv").read_text().splitlines()[41].split(",")[0].endswith(".0")
    result = cli("compute", tmp_path / "p.parquet", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse", "--allow-unmatched", "-f", "json")
    merged = preds.astype({"id": "float64"}).merge(labels, on="id")  # pandas joins the ids by value
    (mse,) = _results(result)
    assert mse["n"] == len(merged) == n - 40
    assert mse["value"] == pytest.approx(_mse(merged["y_true"], merged["y_pred"]), rel=1e-12)


def test_a_whole_number_written_with_a_zero_fraction_is_a_duplicate_of_it(cli, tmp_path):
    write_csv(tmp_path / "p.csv", {"id": ["1000.0", "8", "1000"], "y_pred": [1.0, 2.0, 3.0]})
    write_csv(tmp_path / "t.csv", {"id": ["1000", "8", "9"], "y_true": [1.0, 2.0, 3.0]})
    result = cli("compute", tmp_path / "p.csv", "--labels", tmp_path / "t.csv", "--key", "id", "--loss", "mse")
    assert_usage_error(result, "p.csv", "column 'id'", "row 3", "duplicate key '1000', also at row 1 (as '1000.0')")


# ----------------------------------------------------------------------------- class labels




def _probabilities(rng, n, classes):
    probs = rng.dirichlet(np.ones(classes) * 2.0, size=n)
    y = rng.integers(0, classes, size=n)
    return probs, y


def test_string_labels_are_matched_to_probability_columns_by_suffix(cli, tmp_path, rng):
    probs, y = _probabilities(rng, 50, 3)
    names = np.array(["cat", "dog", "eel"])
    # Column order differs from alphabetical order of the labels on purpose.
    data = {"label": names[y], "p_eel": probs[:, 2], "p_cat": probs[:, 0], "p_dog": probs[:, 1]}
    write_csv(tmp_path / "data.csv", data)
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*", "-f", "json")
    # cross-entropy = -mean log p[true class]; probabilities are far from the 1e-7 clip (numpy)
    expected = float(-np.mean(np.log(probs[np.arange(50), y])))
    assert _value(result, "cce") == pytest.approx(expected, rel=1e-12)


def test_integer_labels_and_string_labels_agree(cli, tmp_path, rng):
    probs, y = _probabilities(rng, 40, 3)
    names = np.array(["a", "b", "c"])
    write_csv(tmp_path / "int.csv", {"label": y, "prob_a": probs[:, 0], "prob_b": probs[:, 1], "prob_c": probs[:, 2]})
    write_csv(tmp_path / "str.csv", {"label": names[y], "prob_a": probs[:, 0], "prob_b": probs[:, 1], "prob_c": probs[:, 2]})
    by_index = _value(cli("compute", tmp_path / "int.csv", "--loss", "cce", "-f", "json"), "cce")
    by_name = _value(cli("compute", tmp_path / "str.csv", "--loss", "cce", "-f", "json"), "cce")
    assert by_index == pytest.approx(float(-np.mean(np.log(probs[np.arange(40), y]))), rel=1e-12)  # numpy
    assert by_name == pytest.approx(by_index, rel=1e-13)


def test_per_class_loss_by_grouping_on_the_label(cli, tmp_path, rng):
    probs, y = _probabilities(rng, 60, 3)
    names = np.array(["cat", "dog", "eel"])
    write_csv(tmp_path / "data.csv", {"label": names[y], "prob_cat": probs[:, 0], "prob_dog": probs[:, 1], "prob_eel": probs[:, 2]})
    results = _results(cli("compute", tmp_path / "data.csv", "--loss", "cce", "--by", "label", "-f", "json"))
    for r in results[1:]:
        index = list(names).index(r["group"]["label"])
        rows = y == index
        assert r["value"] == pytest.approx(float(-np.mean(np.log(probs[rows, index]))), rel=1e-12)


def test_string_label_without_a_matching_column_names_the_row(cli, tmp_path, rng):
    probs, _ = _probabilities(rng, 5, 2)
    write_csv(tmp_path / "data.csv", {"label": ["cat", "dog", "dog", "fox", "cat"], "p_cat": probs[:, 0], "p_dog": probs[:, 1]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*")
    assert_usage_error(result, "data.csv", "column 'label'", "row 4", "'fox'", "p_cat, p_dog")


def test_a_label_is_never_matched_to_the_tail_of_another_class_name(cli, tmp_path):
    # 'dog' has no column: it used to be scored silently as the class of p_bulldog.
    write_csv(tmp_path / "data.csv", {"label": ["cat", "dog", "cat"], "p_cat": [0.7, 0.4, 0.9], "p_bulldog": [0.3, 0.6, 0.1]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*")
    assert_usage_error(result, "data.csv", "column 'label'", "row 2", "class label 'dog' matches no probability column", "p_cat, p_bulldog")


def test_a_label_without_a_column_is_shown_the_name_its_column_would_have(cli, tmp_path):
    # The columns are prob_*: the hint names prob_fox, not a p_fox no file of this kind has.
    write_csv(tmp_path / "data.csv", {"label": ["cat", "fox"], "prob_cat": [0.7, 0.4], "prob_dog": [0.3, 0.6]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce")
    assert_usage_error(result, "data.csv", "row 2", "class label 'fox' matches no probability column", "a column 'prob_fox'", "prob_cat, prob_dog")


def test_labels_match_their_columns_ignoring_case_at_a_separator(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": ["Cat", "DOG", "Cat"], "p_cat": [0.7, 0.4, 0.9], "p_bobcat": [0.2, 0.5, 0.05], "p_dog": [0.1, 0.1, 0.05]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*", "-f", "json")
    # Hand-worked: Cat -> p_cat (not p_bobcat), DOG -> p_dog: -(log 0.7 + log 0.1 + log 0.9) / 3.
    assert _value(result, "cce") == pytest.approx(-(np.log(0.7) + np.log(0.1) + np.log(0.9)) / 3, rel=1e-12)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("b_c", 1),  # a tail of several parts after a separator: p_a_b_c
        ("c", 1),  # ends p_a_b_c after '_' and q-c after '-': '_' is tried first and finds one
        ("x", 4),  # p_x and q_x make the tail ambiguous; the whole name X, ignoring case, decides
        ("X", 4),  # the whole name, as written, before any tail
        ("Dog", 5),  # no column is 'Dog' or ends in '_Dog': p_dog ignoring case
        ("og", None),  # a bare tail of p_dog, not after a separator
    ],
)
def test_a_label_names_a_column_by_its_whole_tail_after_a_separator(label, expected):
    from losscli.io.columns import _match_suffix

    names = ("p_x", "p_a_b_c", "q-c", "q_x", "X", "p_dog")
    # Expected positions hand-worked from the README's rules ("Class labels").
    assert _match_suffix(label, names) == expected


def test_text_labels_of_many_classes_over_many_batches(cli, tmp_path, rng, small_batches):
    classes = 40
    probs, y = _probabilities(rng, 90, classes)
    names = np.array([f"k{i}" for i in range(classes)])
    columns = {f"p_{name}": probs[:, i] for i, name in enumerate(names)}
    write_csv(tmp_path / "data.csv", {"label": names[y], **columns})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*", "-f", "json")
    # -mean log p[true class] (numpy); the labels name their columns in every batch of 7 rows
    assert _value(result, "cce") == pytest.approx(float(-np.mean(np.log(probs[np.arange(90), y]))), rel=1e-12)


def test_string_labels_with_a_single_prediction_column_say_how_to_map_them(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": ["cat", "dog"], "prob": [0.2, 0.9]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce")
    assert_usage_error(result, "data.csv", "column 'label'", "class labels are text", "integer labels")


@pytest.mark.parametrize("kind", [pa.list_(pa.float64()), pa.list_(pa.float64(), 2), pa.large_list(pa.float32()), pa.list_view(pa.float64())])
def test_a_missing_list_is_a_row_of_nan(kind):
    from losscli.io.columns import list_to_matrix

    array = pa.array([[1.0, 2.0], None, [3.0, 4.0]], type=kind)
    got = list_to_matrix(array, column="p", display="f.parquet")
    np.testing.assert_array_equal(got, [[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0]])


def test_a_list_is_held_to_the_width_of_the_rows_read_before():
    from losscli.errors import LossCliError
    from losscli.io.columns import list_to_matrix

    with pytest.raises(LossCliError) as caught:
        list_to_matrix(pa.array([None, [1.0, 2.0]]), column="p", display="f.parquet", width=3)
    assert str(caught.value) == (
        "f.parquet, column 'p', row 2: list has 2 values where the rows before it have 3 (every row of a list column needs the same length)"
    )


# ----------------------------------------------------------------------------- names with spaces


def test_a_column_typed_without_the_headers_spaces_is_found(cli, tmp_path):
    # Hand-written CSV headers often have a space after each comma.
    (tmp_path / "spaced.csv").write_text("y_pred, y_true, w , fold\n1,2,1,a\n3,5,2,b\n4,4,1,a\n")
    path = tmp_path / "spaced.csv"
    # By hand: residuals -1, -2, 0; squared 1, 4, 0.
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json", "-y", "y_true"), "mse") == pytest.approx(5 / 3)
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json", "-y", " y_true "), "mse") == pytest.approx(5 / 3)
    # Weighted by w (1, 2, 1): (1 + 8 + 0) / 4.
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json", "--weight-col", "w"), "mse") == pytest.approx(9 / 4)
    groups = json.loads(cli("compute", path, "--loss", "mse", "-f", "json", "--by", "fold").stdout)["results"]
    # Group a: rows 1 and 3, (1 + 0) / 2; group b: row 2, 4.
    assert {r["group"]["fold"]: r["value"] for r in groups if r["group"]} == {"a": 0.5, "b": 4.0}


def test_columns_equal_but_for_spaces_are_told_apart_by_exact_names(cli, tmp_path):
    (tmp_path / "twin.csv").write_text("y_pred,y_true, y_true\n1,2,3\n")
    path = tmp_path / "twin.csv"
    # By hand: (1 - 2)^2 and (1 - 3)^2.
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json", "-y", "y_true"), "mse") == 1.0
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json", "-y", " y_true"), "mse") == 4.0
    (tmp_path / "ambiguous.csv").write_text("y_pred, y_true,y_true \n1,2,3\n")
    result = cli("compute", tmp_path / "ambiguous.csv", "--loss", "mse", "-f", "json", "-y", "y_true")
    assert_usage_error(result, "ambiguous.csv", "no column 'y_true'")


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
def test_boolean_groups_read_as_json_writes_them_in_every_format(cli, tmp_path, fmt):
    pq.write_table(pa.table({"y_true": [0.0, 0.0, 0.0], "y_pred": [1.0, 2.0, 4.0], "ok": [True, False, True]}), tmp_path / "b.parquet")
    out = cli("compute", tmp_path / "b.parquet", "--loss", "mae", "--by", "ok", "-f", fmt).stdout
    # By hand: true rows |1| and |4| -> 2.5; the false row |2| -> 2.
    assert "true" in out and "false" in out and "True" not in out and "False" not in out
    assert "2.5" in out


# ----------------------------------------------------------------------------- Spark ML output


def _spark_classifier_output(path, prediction_name="prediction"):
    # model.transform() of a Spark ML classifier: the class index it predicted
    # beside a probability vector per row.
    table = pa.table(
        {
            "label": [0.0, 1.0, 1.0, 0.0],
            "rawPrediction": [[2.0, -2.0], [-1.0, 1.0], [0.5, -0.5], [1.0, -1.0]],
            "probability": [[0.88, 0.12], [0.27, 0.73], [0.62, 0.38], [0.73, 0.27]],
            prediction_name: [0.0, 1.0, 0.0, 0.0],
        }
    )
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize("loss", ["bce", "focal", "hinge", "mse"])
def test_spark_predicted_class_index_is_refused_not_scored(cli, tmp_path, loss):
    # bce of the hard 0/1 'prediction' column gave 4.03, set by the clipping alone.
    path = _spark_classifier_output(tmp_path / "spark.parquet")
    result = cli("compute", path, "--loss", loss)
    assert_usage_error(result, "spark.parquet", "'prediction'", "class index Spark ML predicted", "--pred-col probability")


def test_spark_probability_vector_gives_the_log_loss(cli, tmp_path):
    path = _spark_classifier_output(tmp_path / "spark.parquet")
    result = cli("compute", path, "--loss", "sparse_cce", "--pred-col", "probability", "-f", "json")
    # by hand: -(log 0.88 + log 0.73 + log 0.38 + log 0.73) / 4, each row's true class's probability
    expected = -(np.log(0.88) + np.log(0.73) + np.log(0.38) + np.log(0.73)) / 4
    assert _value(result, "sparse_cce") == pytest.approx(expected, rel=1e-12)


def test_spark_class_index_named_on_purpose_is_scored(cli, tmp_path):
    path = _spark_classifier_output(tmp_path / "spark.parquet")
    result = cli("compute", path, "--loss", "mae", "--pred-col", "prediction", "-f", "json")
    assert _value(result, "mae") == pytest.approx(0.25)  # by hand: one of four class indices is wrong by 1


def test_a_spark_regressors_prediction_is_its_prediction(cli, tmp_path):
    # A regressor writes 'prediction' with no probability column: nothing to refuse.
    path = tmp_path / "regression.parquet"
    pq.write_table(pa.table({"label": [1.0, 2.0], "features": [[0.1], [0.2]], "prediction": [1.5, 2.0]}), path)
    assert _value(cli("compute", path, "--loss", "mse", "-f", "json"), "mse") == pytest.approx(0.125)  # by hand: (0.25 + 0) / 2


# ----------------------------------------------------------------------------- predict() beside predict_proba()

# scikit-learn's predict() saved with pandas as 'pred' (integers) beside
# predict_proba()[:, 1] as 'proba': df = pd.DataFrame({"y": y, "pred": clf.predict(X), "proba": p[:, 1]}).
SK_Y, SK_PRED, SK_PROBA = [0, 1, 1, 0], [0, 1, 0, 0], [0.2, 0.7, 0.4, 0.1]


@pytest.mark.parametrize("loss", ["bce", "focal", "cce"])
@pytest.mark.parametrize("pred_name, proba_name", [("pred", "proba"), ("y_pred", "y_proba"), ("prediction", "prob"), ("pred", "pred_proba")])
def test_predicted_classes_beside_their_probability_are_refused_not_scored(cli, tmp_path, loss, pred_name, proba_name):
    # bce read the hard 0/1 'pred' column by default: 4.03, set by the clipping alone.
    write_csv(tmp_path / "sk.csv", {"y": SK_Y, pred_name: SK_PRED, proba_name: SK_PROBA})
    result = cli("compute", tmp_path / "sk.csv", "--loss", loss)
    assert_usage_error(result, "sk.csv", f"column '{pred_name}'", "classes a classifier predicted", f"--pred-col {proba_name}")


def test_the_probability_named_by_the_fix_gives_the_log_loss(cli, tmp_path):
    write_csv(tmp_path / "sk.csv", {"y": SK_Y, "pred": SK_PRED, "proba": SK_PROBA})
    result = cli("compute", tmp_path / "sk.csv", "--loss", "bce", "--pred-col", "proba", "-f", "json")
    # sklearn log_loss([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.1]); by hand -(log 0.8 + log 0.7 + log 0.4 + log 0.9) / 4
    assert _value(result, "bce") == pytest.approx(-(np.log(0.8) + np.log(0.7) + np.log(0.4) + np.log(0.9)) / 4, rel=1e-12)
    # Named on purpose, the classes are read as they are: mae of one wrong class in four, by hand.
    assert _value(cli("compute", tmp_path / "sk.csv", "--loss", "mae", "--pred-col", "pred", "-f", "json"), "mae") == pytest.approx(0.25)


def test_predicted_classes_beside_class_probability_columns_name_the_group(cli, tmp_path):
    # predict() as 'pred' beside predict_proba() as proba_0 .. proba_2: cce said
    # "got 1 column" and offered --pred-col 'p_*', which matches none of them.
    rows = {"label": [0, 1, 2], "pred": [0, 1, 1], "proba_0": [0.7, 0.1, 0.2], "proba_1": [0.2, 0.8, 0.5], "proba_2": [0.1, 0.1, 0.3]}
    write_csv(tmp_path / "sk.csv", rows)
    assert_usage_error(cli("compute", tmp_path / "sk.csv", "--loss", "cce"), "column 'pred'", "--pred-col 'proba_*'")
    result = cli("compute", tmp_path / "sk.csv", "--loss", "cce", "--pred-col", "proba_*", "-f", "json")
    # by hand: -(log 0.7 + log 0.8 + log 0.3) / 3, each row's true class's probability
    assert _value(result, "cce") == pytest.approx(-(np.log(0.7) + np.log(0.8) + np.log(0.3)) / 3, rel=1e-12)


def test_integer_predictions_without_scores_beside_them_are_read(cli, tmp_path):
    # Count predictions of a regressor, with a float column that is no score: nothing to refuse.
    write_csv(tmp_path / "counts.csv", {"y_true": [1, 3], "y_pred": [2, 3], "weight": [0.5, 1.5]})
    assert _value(cli("compute", tmp_path / "counts.csv", "--loss", "mae", "-f", "json"), "mae") == pytest.approx(0.5)  # by hand: (1 + 0) / 2
