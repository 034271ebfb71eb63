"""Columns are paired by their names, not by where a file happens to put them
(README "Columns", "Class labels"; SPEC section 2).

Integer and boolean class labels stand for the probability column named by
them (``prob_1``, ``prob_True``) whatever the columns' order, as text labels
always did; the columns of two multi-column inputs (``y_true_a`` and
``y_pred_a``) are paired by suffix. Expected values are hand-worked, or from
scikit-learn's ``log_loss`` (its ``labels=`` puts the probability columns in
sorted class order) and PyTorch on the columns put in order by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import assert_usage_error, write_csv

from losscli.io.class_index import class_column_names, label_positions
from losscli.io.pairing import ordered_like


def _value(result, loss: str | None = None) -> float:
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    return next(r["value"] for r in results if r["group"] is None and (loss is None or r["loss"] == loss))


def _write(path, table: pa.Table, fmt: str):
    """``table`` as a file of format ``fmt``; CSV with the values as written."""
    if fmt == "csv":
        write_csv(path, {name: table[name].to_pylist() for name in table.column_names})
    elif fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "arrow":
        feather.write_feather(table, path)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            for row in table.to_pylist():
                handle.write(json.dumps(row) + "\n")
    return path


FORMATS = ["csv", "parquet", "arrow", "ndjson"]


# ----------------------------------------------------------------------------- integer labels


def test_labels_one_to_three_name_the_columns_prob_1_to_prob_3(cli, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("y_true,prob_1,prob_2,prob_3\n1,0.8,0.1,0.1\n2,0.1,0.8,0.1\n1,0.7,0.2,0.1\n")
    # Hand-worked: each label's own column, -(log 0.8 + log 0.8 + log 0.7) / 3 = 0.267654.
    expected = -(np.log(0.8) + np.log(0.8) + np.log(0.7)) / 3
    assert _value(cli("compute", path, "--loss", "cce", "-f", "json")) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("labels", [pa.array([0, 1]), pa.array(["0", "1"]), pa.array([0.0, 1.0])], ids=["int", "text", "float"])
def test_reordered_class_columns_give_one_value_in_every_format_and_label_type(cli, tmp_path, fmt, labels):
    table = pa.table({"y_true": labels, "prob_1": [0.1, 0.8], "prob_0": [0.9, 0.2]})
    path = _write(tmp_path / f"b.{fmt}", table, fmt)
    # Hand-worked: label 0 -> prob_0 = 0.9, label 1 -> prob_1 = 0.8: -(log 0.9 + log 0.8) / 2 = 0.164252.
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert _value(cli("compute", path, "--loss", "cce", "-f", "json")) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("true_name", ["prob_True", "prob_true", "prob_TRUE"])
def test_boolean_labels_name_the_true_and_false_columns(cli, tmp_path, fmt, true_name):
    false_name = true_name.replace("True", "False").replace("true", "false").replace("TRUE", "FALSE")
    table = pa.table({"y_true": [True, False, True], true_name: [0.9, 0.2, 0.6], false_name: [0.1, 0.8, 0.4]})
    path = _write(tmp_path / f"bool.{fmt}", table, fmt)
    # Hand-worked: True -> the True column, False -> the False one: -(log 0.9 + log 0.8 + log 0.6) / 3.
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3
    assert _value(cli("compute", path, "--loss", "cce", "-f", "json")) == pytest.approx(expected, rel=1e-12)


def _shuffled_classes(rng, n=120, classes=(2, 0, 3, 1)):
    """Probabilities for classes 0..3 written as columns prob_2, prob_0, prob_3, prob_1,
    and the same probabilities in class order, for the references."""
    probs = rng.dirichlet(np.ones(len(classes)) * 2.0, size=n)  # class order
    y = rng.integers(0, len(classes), size=n)
    columns = {f"prob_{c}": probs[:, c] for c in classes}
    return probs, y, columns


def test_shuffled_integer_named_columns_match_scikit_learn(cli, tmp_path):
    from sklearn.metrics import log_loss

    probs, y, columns = _shuffled_classes(np.random.default_rng(11))
    write_csv(tmp_path / "data.csv", {"label": y, **columns})
    value = _value(cli("compute", tmp_path / "data.csv", "--loss", "cce", "-f", "json"))
    # scikit-learn reads probability columns in sorted class order.
    assert value == pytest.approx(log_loss(y, probs, labels=[0, 1, 2, 3]), rel=1e-12)


def test_shuffled_columns_with_labels_in_a_second_file_and_logits_match_torch(cli, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    logits = rng.normal(size=(90, 4)) * 2  # class order
    y = rng.integers(0, 4, size=90)
    write_csv(tmp_path / "preds.csv", {f"logit_{c}": logits[:, c] for c in (3, 1, 0, 2)})
    write_csv(tmp_path / "labels.csv", {"label": y})
    result = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / "labels.csv", "--loss", "cce", "--from-logits", "-f", "json")
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    assert _value(result) == pytest.approx(expected, rel=1e-10)


def test_shuffled_columns_joined_on_a_key_match_scikit_learn(cli, tmp_path):
    from sklearn.metrics import log_loss

    probs, y, columns = _shuffled_classes(np.random.default_rng(13), n=60)
    ids = np.arange(60)
    pq.write_table(pa.table({"id": ids, **columns}), tmp_path / "preds.parquet")
    order = np.random.default_rng(14).permutation(60)
    write_csv(tmp_path / "labels.csv", {"id": ids[order], "label": y[order]})
    result = cli("compute", tmp_path / "preds.parquet", "--labels", tmp_path / "labels.csv", "--key", "id", "--loss", "cce", "-f", "json")
    assert _value(result) == pytest.approx(log_loss(y, probs, labels=[0, 1, 2, 3]), rel=1e-12)


def test_every_class_loss_reads_the_named_columns(cli, tmp_path):
    """Shuffling the columns changes no class loss: each reads the label's own column."""
    probs, y, columns = _shuffled_classes(np.random.default_rng(15), n=80)
    write_csv(tmp_path / "shuffled.csv", {"label": y, **columns})
    write_csv(tmp_path / "ordered.csv", {"label": y, **{f"prob_{c}": probs[:, c] for c in range(4)}})
    losses = ["cce", "sparse_cce", "label_smoothing_ce", "focal", "categorical_hinge", "kl_div", "dice", "iou", "tversky", "weighted_ce:weights=balanced"]
    args = [a for loss in losses for a in ("--loss", loss)]
    shuffled = json.loads(cli("compute", tmp_path / "shuffled.csv", *args, "-f", "json").stdout)["results"]
    ordered = json.loads(cli("compute", tmp_path / "ordered.csv", *args, "-f", "json").stdout)["results"]
    for got, want in zip(shuffled, ordered):
        assert got["value"] == pytest.approx(want["value"], rel=1e-12), got["loss"]


def test_columns_named_zero_to_c_minus_one_in_order_take_labels_as_they_are():
    """The common case (p_0 .. p_9, labels 0..9) does no work per row."""
    labels = np.arange(10, dtype=np.float64)
    names = tuple(f"p_{i}" for i in range(10))
    assert class_column_names(names).positional
    assert label_positions(labels, class_column_names(names), column="y", display="f.csv") is labels


def test_columns_not_named_by_number_take_labels_as_positions(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": [1, 0], "p_dog": [0.3, 0.6], "p_cat": [0.7, 0.4]})
    # Hand-worked: 1 is the second column in file order (p_cat), 0 the first (p_dog).
    expected = -(np.log(0.7) + np.log(0.6)) / 2
    assert _value(cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*", "-f", "json")) == pytest.approx(expected, rel=1e-12)


def test_columns_numbered_past_gaps_are_found_by_number(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"y": [7, 3, 10], "prob_10": [0.1, 0.1, 0.6], "prob_3": [0.2, 0.5, 0.2], "prob_7": [0.7, 0.4, 0.2]})
    # Hand-worked: 7 -> prob_7 = 0.7, 3 -> prob_3 = 0.5, 10 -> prob_10 = 0.6.
    expected = -(np.log(0.7) + np.log(0.5) + np.log(0.6)) / 3
    assert _value(cli("compute", tmp_path / "data.csv", "--loss", "cce", "-f", "json")) == pytest.approx(expected, rel=1e-12)


def test_a_missing_label_is_left_to_the_missing_value_policy(cli, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("label,prob_1,prob_0\n0,0.1,0.9\n,0.5,0.5\n1,0.8,0.2\n")
    assert_usage_error(cli("compute", path, "--loss", "cce"), "data.csv", "column 'label'", "1 row with missing", "row 2")
    # Hand-worked on the rows left: -(log 0.9 + log 0.8) / 2.
    result = cli("compute", path, "--loss", "cce", "--nan-policy", "omit", "-f", "json")
    assert _value(result) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-12)


def test_a_negative_ignore_index_still_leaves_its_rows_out(cli, tmp_path):
    torch = pytest.importorskip("torch")
    probs = np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5], [0.1, 0.9]])  # classes 0, 1
    y = np.array([1, -100, 0, 1])
    write_csv(tmp_path / "data.csv", {"label": y, "prob_1": probs[:, 1], "prob_0": probs[:, 0]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "sparse_cce:ignore_index=-100", "-f", "json")
    expected = torch.nn.functional.nll_loss(torch.tensor(np.log(probs)), torch.tensor(y), ignore_index=-100).item()
    assert _value(result) == pytest.approx(expected, rel=1e-12)


def test_the_dask_engine_reads_class_columns_by_name(tmp_path):
    pytest.importorskip("dask")
    from losscli.distributed import evaluate_dask
    from losscli.io.plan import InputOptions
    from losscli.registry import parse_spec

    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(pa.table({"y_true": [0, 1], "prob_1": [0.1, 0.8], "prob_0": [0.9, 0.2]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"y_true": [1, 0], "prob_1": [0.6, 0.3], "prob_0": [0.4, 0.7]}), folder / "part-1.parquet")
    report, _, _ = evaluate_dask(InputOptions(str(folder)), [parse_spec("cce")], scheduler="synchronous")
    # Hand-worked: each label's own column, -(log 0.9 + log 0.8 + log 0.6 + log 0.7) / 4.
    assert report.results[0].value == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.6) + np.log(0.7)) / 4, rel=1e-12)


# ----------------------------------------------------------------------------- labels that name no column


def test_a_label_no_column_is_named_by_is_an_error_naming_the_row_and_the_fix(cli, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("y_true,prob_1,prob_2,prob_3\n1,0.8,0.1,0.1\n4,0.1,0.8,0.1\n")
    result = cli("compute", path, "--loss", "cce")
    assert_usage_error(result, "d.csv", "column 'y_true'", "row 2", "class label 4 matches no probability column", "prob_1, prob_2, prob_3", "'prob_4'")


def test_labels_counted_from_zero_against_columns_named_from_one_are_an_error(cli, tmp_path):
    # Positions would give a value, but which one the file means is not knowable.
    write_csv(tmp_path / "data.csv", {"label": [1, 0, 2], "prob_1": [0.2, 0.7, 0.1], "prob_2": [0.6, 0.2, 0.1], "prob_3": [0.2, 0.1, 0.8]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce")
    assert_usage_error(result, "data.csv", "column 'label'", "row 2", "class label 0", "positions 0..2", "'prob_0' .. 'prob_2'")


def test_a_label_beyond_the_boolean_columns_is_an_error(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": [1, 2], "p_true": [0.9, 0.5], "p_false": [0.1, 0.5]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*")
    assert_usage_error(result, "data.csv", "column 'label'", "row 2", "class label 2 matches no probability column", "False and True")


def test_a_label_from_a_labels_file_names_that_file_and_row(cli, tmp_path, small_batches):
    n = 30
    write_csv(tmp_path / "preds.csv", {"prob_2": [0.2] * n, "prob_1": [0.8] * n})
    write_csv(tmp_path / "labels.csv", {"label": [1] * 20 + [0] + [2] * 9})
    result = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / "labels.csv", "--loss", "cce")
    assert_usage_error(result, "labels.csv", "column 'label'", "row 21", "class label 0")


def test_columns_partly_named_by_a_number_that_is_not_their_position_are_an_error(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": [0, 1], "p_1": [0.8, 0.3], "p_2": [0.1, 0.6], "p_rest": [0.1, 0.1]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*")
    assert_usage_error(result, "data.csv", "column 'label'", "'p_1' at position 0", "p_0, p_1")


def test_an_extra_column_after_the_numbered_ones_keeps_positions(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"label": [0, 2], "p_0": [0.8, 0.3], "p_1": [0.1, 0.1], "p_rest": [0.1, 0.6]})
    # Hand-worked: p_0 and p_1 sit at their positions, so 2 is the third column, p_rest.
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert _value(cli("compute", tmp_path / "data.csv", "--loss", "cce", "--pred-col", "p_*", "-f", "json")) == pytest.approx(expected, rel=1e-12)


def test_an_ignore_index_that_is_a_column_position_is_an_error(cli, tmp_path):
    # Label 1 is the column at position 0, which ignore_index=0 would leave out with the 0s.
    write_csv(tmp_path / "data.csv", {"label": [0, 1], "prob_1": [0.8, 0.3], "prob_2": [0.2, 0.7]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "sparse_cce:ignore_index=0")
    assert_usage_error(result, "data.csv", "column 'label'", "row 2", "class label 1", "ignore_index=0", "-100")


# ----------------------------------------------------------------------------- multi-column inputs


def test_multi_output_columns_are_paired_by_suffix(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("y_true_a,y_true_b,y_pred_b,y_pred_a\n1,100,100,1\n2,200,200,2\n")
    # Hand-worked: every prediction equals its own target.
    assert _value(cli("compute", path, "--loss", "mse", "--loss", "mae", "-f", "json"), "mse") == 0.0


@pytest.mark.parametrize("fmt", ["parquet", "ndjson"])
def test_targets_in_a_labels_file_are_paired_by_suffix(cli, tmp_path, fmt):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    t, p = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))  # outputs lat, lon, alt
    _write(tmp_path / f"labels.{fmt}", pa.table({"target_alt": t[:, 2], "target_lat": t[:, 0], "target_lon": t[:, 1]}), fmt)
    _write(tmp_path / "preds.csv", pa.table({"pred_lon": p[:, 1], "pred_alt": p[:, 2], "pred_lat": p[:, 0]}), "csv")
    result = cli("compute", tmp_path / "preds.csv", "--labels", tmp_path / f"labels.{fmt}", "--loss", "huber", "-f", "json")
    expected = torch.nn.functional.huber_loss(torch.tensor(p), torch.tensor(t)).item()
    assert _value(result) == pytest.approx(expected, rel=1e-12)


def test_one_hot_label_columns_are_paired_with_the_class_columns_by_suffix(cli, tmp_path):
    from sklearn.metrics import log_loss

    probs, y, columns = _shuffled_classes(np.random.default_rng(22), n=40)
    onehot = {f"label_{c}": (y == c).astype(float) for c in (1, 3, 0, 2)}
    write_csv(tmp_path / "data.csv", {**onehot, **columns})
    assert _value(cli("compute", tmp_path / "data.csv", "--loss", "cce", "-f", "json")) == pytest.approx(log_loss(y, probs, labels=[0, 1, 2, 3]), rel=1e-12)


def test_triplet_embeddings_are_paired_by_suffix(cli, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(23)
    a, p, n = (rng.normal(size=(30, 3)) for _ in range(3))
    data = {**{f"anchor_{d}": a[:, i] for i, d in enumerate("xyz")}}
    data.update({f"positive_{d}": p[:, i] for i, d in ((2, "z"), (0, "x"), (1, "y"))})
    data.update({f"negative_{d}": n[:, i] for i, d in ((1, "y"), (2, "z"), (0, "x"))})
    write_csv(tmp_path / "data.csv", data)
    result = cli("compute", tmp_path / "data.csv", "--loss", "triplet", "-f", "json")
    expected = torch.nn.TripletMarginLoss(margin=1.0, p=2)(torch.tensor(a), torch.tensor(p), torch.tensor(n)).item()
    assert _value(result) == pytest.approx(expected, rel=1e-10)


def test_pair_embeddings_are_paired_by_suffix_ignoring_case(cli, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(24)
    x1, x2 = rng.normal(size=(25, 2)), rng.normal(size=(25, 2))
    y = rng.choice([1, -1], size=25)
    write_csv(tmp_path / "data.csv", {"y": y, "x1_A": x1[:, 0], "x1_B": x1[:, 1], "x2_b": x2[:, 1], "x2_a": x2[:, 0]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "cosine_embedding", "-f", "json")
    expected = torch.nn.CosineEmbeddingLoss()(torch.tensor(x1), torch.tensor(x2), torch.tensor(y)).item()
    assert _value(result) == pytest.approx(expected, rel=1e-10)


def test_columns_whose_suffixes_differ_keep_the_order_selected_with_a_note(cli, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("y_true_a,y_true_b,y_true_c,y_pred_c,y_pred_b,y_pred_x\n1,2,3,3,2,1\n")
    result = cli("compute", path, "--loss", "mse", "-f", "json")
    # Hand-worked, file order: ((1-3)^2 + 0 + (3-1)^2) / 3 = 8/3.
    assert _value(result) == pytest.approx(8 / 3, rel=1e-12)
    notes = json.loads(result.stdout)["notes"]
    assert len(notes) == 1 and "'y_true_c' goes with 'y_pred_x', not 'y_pred_c'" in notes[0] and "--label-col" in notes[0]
    assert result.stderr == f"note: {notes[0]}\n"


def test_columns_whose_names_share_nothing_are_paired_in_order_without_a_note(cli, tmp_path):
    write_csv(tmp_path / "data.csv", {"t_lat": [1.0, 2.0], "t_lon": [3.0, 4.0], "p_first": [1.0, 2.0], "p_second": [3.0, 5.0]})
    result = cli("compute", tmp_path / "data.csv", "--loss", "mse", "--label-col", "t_*", "--pred-col", "p_*", "-f", "json")
    # Hand-worked, in order: only 5 vs 4 differs, 1 / 4.
    assert _value(result) == pytest.approx(0.25, rel=1e-12)
    assert "notes" not in json.loads(result.stdout)


# ----------------------------------------------------------------------------- the rule on names


@pytest.mark.parametrize(
    ("reference", "other", "expected"),
    [
        (("y_pred_b", "y_pred_a"), ("y_true_a", "y_true_b"), ("y_true_b", "y_true_a")),
        (("p_1", "p_0"), ("t_0", "t_1"), ("t_1", "t_0")),
        (("p_a", "p_b"), ("t_a", "t_b"), ("t_a", "t_b")),
        (("p_a", "p_b"), ("t_B", "t_A"), ("t_A", "t_B")),  # ignoring case when that pairs them
        (("p_a", "p_b"), ("t_a", "t_c"), None),  # different suffixes: no pairing by name
    ],
)
def test_ordered_like_pairs_each_column_with_the_one_ending_alike(reference, other, expected):
    assert ordered_like(reference, other) == expected
