"""--positive LABEL: binary labels written as text or other codes beside one probability column."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import hinge_loss, log_loss

from conftest import assert_usage_error, write_csv

LABELS = ["yes", "no", "no", "yes", "no", "yes", "yes"]
PROBA = [0.8, 0.3, 0.1, 0.6, 0.45, 0.9, 0.35]
IS_YES = [int(label == "yes") for label in LABELS]


def _value(result, index: int = 0) -> float:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["results"][index]["value"]


def _values(result) -> list[float]:
    assert result.exit_code == 0, result.stderr
    return [r["value"] for r in json.loads(result.stdout)["results"] if r["group"] is None]


@pytest.fixture
def text_file(tmp_path):
    return write_csv(tmp_path / "bin.csv", {"target": LABELS, "proba": PROBA})


def test_text_labels_give_what_0_1_labels_give_for_every_binary_loss(cli, tmp_path, text_file):
    coded = write_csv(tmp_path / "coded.csv", {"target": IS_YES, "proba": PROBA})
    losses = ["--loss", "bce", "--loss", "focal", "--loss", "hinge", "--loss", "squared_hinge"]
    named = _values(cli("compute", text_file, *losses, "--pred-col", "proba", "--positive", "yes", "--format", "json"))
    plain = _values(cli("compute", coded, *losses, "--pred-col", "proba", "--format", "json"))
    assert named == plain  # exactly: the same 0/1 labels reach the losses


def test_bce_with_a_text_positive_is_sklearns_log_loss(cli, text_file):
    value = _value(cli("compute", text_file, "--loss", "bce", "--pred-col", "proba", "--positive", "yes", "--format", "json"))
    # sklearn log_loss(y == 'yes', p)
    assert value == pytest.approx(log_loss(np.array(LABELS) == "yes", PROBA), rel=1e-12)
    # sklearn log_loss(y, p, labels=['no', 'yes']): its positive class is the one that sorts last
    assert value == pytest.approx(log_loss(LABELS, PROBA, labels=["no", "yes"]), rel=1e-12)


def test_the_other_class_as_positive_mirrors_the_probabilities(cli, text_file):
    value = _value(cli("compute", text_file, "--loss", "bce", "--pred-col", "proba", "--positive", "no", "--format", "json"))
    # sklearn log_loss(y == 'no', p)
    assert value == pytest.approx(log_loss(np.array(LABELS) == "no", PROBA), rel=1e-12)


def test_hinge_reads_the_other_class_as_minus_one(cli, tmp_path):
    scores = [1.5, -0.4, 0.2, 0.7, -2.0, 0.1, -0.3]
    path = write_csv(tmp_path / "svm.csv", {"target": LABELS, "score": scores})
    # map_zero=false uses a 0 label as given: only a -1 for the negative class gives sklearn's value.
    result = cli("compute", path, "--loss", "hinge:map_zero=false", "--positive", "yes", "--format", "json")
    # sklearn hinge_loss(2 * (y == 'yes') - 1, s)
    assert _value(result) == pytest.approx(hinge_loss(2 * np.array(IS_YES) - 1, scores), rel=1e-12)


def test_numeric_codes_other_than_0_1(cli, tmp_path):
    ones_twos = write_csv(tmp_path / "12.csv", {"target": [2 if y else 1 for y in IS_YES], "proba": PROBA})
    signs = write_csv(tmp_path / "signs.csv", {"target": [1 if y else -1 for y in IS_YES], "proba": PROBA})
    floats = write_csv(tmp_path / "floats.csv", {"target": [2.0 if y else 1.0 for y in IS_YES], "proba": PROBA})
    # sklearn log_loss(y == 'yes', p): the same rows are positive in every file
    expected = log_loss(IS_YES, PROBA)
    for path, positive in ((ones_twos, "2"), (ones_twos, "2.0"), (signs, "1"), (floats, "2"), (floats, "+2.0")):
        result = cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", positive, "--format", "json")
        assert _value(result) == pytest.approx(expected, rel=1e-12), (path, positive)
    # --positive 0 on 0/1 labels: the column holds the probability of class 0 (sklearn pos_label=0)
    zero_one = write_csv(tmp_path / "01.csv", {"target": IS_YES, "proba": PROBA})
    result = cli("compute", zero_one, "--loss", "bce", "--pred-col", "proba", "--positive", "0", "--format", "json")
    assert _value(result) == pytest.approx(log_loss([1 - y for y in IS_YES], PROBA), rel=1e-12)  # sklearn log_loss(y == 0, p)


def test_with_logits_weights_and_groups(cli, tmp_path):
    logits = np.log(np.array(PROBA) / (1 - np.array(PROBA)))
    weights = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0]
    groups = ["a", "a", "b", "b", "a", "b", "a"]
    path = write_csv(tmp_path / "logits.csv", {"target": LABELS, "logit": list(logits), "w": weights, "g": groups})
    result = cli("compute", path, "--loss", "bce", "--from-logits", "--positive", "yes", "--weight-col", "w", "--by", "g", "--format", "json")
    assert result.exit_code == 0, result.stderr
    values = {(r["group"] or {}).get("g"): r["value"] for r in json.loads(result.stdout)["results"]}
    # sklearn log_loss(y == 'yes', p, sample_weight=w), overall and per group
    assert values[None] == pytest.approx(log_loss(IS_YES, PROBA, sample_weight=weights), rel=1e-9)
    for group in ("a", "b"):
        rows = [i for i, g in enumerate(groups) if g == group]
        expected = log_loss([IS_YES[i] for i in rows], [PROBA[i] for i in rows], sample_weight=[weights[i] for i in rows], labels=[0, 1])
        assert values[group] == pytest.approx(expected, rel=1e-9)


def test_labels_in_a_separate_file_joined_on_a_key(cli, tmp_path):
    ids = [f"r{i}" for i in range(len(LABELS))]
    predictions = write_csv(tmp_path / "pred.csv", {"id": ids[::-1], "proba": PROBA[::-1]})
    labels = write_csv(tmp_path / "truth.csv", {"id": ids, "target": LABELS})
    result = cli("compute", predictions, "--labels", labels, "--key", "id", "--loss", "bce", "--pred-col", "proba", "--positive", "yes", "--format", "json")
    assert _value(result) == pytest.approx(log_loss(IS_YES, PROBA), rel=1e-12)  # sklearn log_loss(y == 'yes', p)


def test_parquet_dictionary_and_boolean_labels(cli, tmp_path):
    categories = tmp_path / "cat.parquet"
    pq.write_table(pa.table({"label": pa.array(LABELS).dictionary_encode(), "prob": PROBA}), categories)
    booleans = tmp_path / "bool.parquet"
    pq.write_table(pa.table({"label": pa.array([bool(y) for y in IS_YES]), "prob": PROBA}), booleans)
    expected = log_loss(IS_YES, PROBA)  # sklearn log_loss(y == 'yes', p)
    assert _value(cli("compute", categories, "--loss", "bce", "--positive", "yes", "--format", "json")) == pytest.approx(expected, rel=1e-12)
    for word in ("true", "True", "1"):
        assert _value(cli("compute", booleans, "--loss", "bce", "--positive", word, "--format", "json")) == pytest.approx(expected, rel=1e-12)
    # --positive false: the column is the probability of false
    flipped = _value(cli("compute", booleans, "--loss", "bce", "--positive", "false", "--format", "json"))
    assert flipped == pytest.approx(log_loss([1 - y for y in IS_YES], PROBA), rel=1e-12)  # sklearn log_loss(y == False, p)


def test_labels_read_in_many_batches(cli, tmp_path, small_batches):
    labels, proba = LABELS * 6, PROBA * 6
    path = write_csv(tmp_path / "long.csv", {"target": labels, "proba": proba})
    value = _value(cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", "yes", "--format", "json"))
    assert value == pytest.approx(log_loss(np.array(labels) == "yes", proba), rel=1e-12)  # sklearn log_loss(y == 'yes', p)


def test_compare_takes_it_for_every_model(cli, tmp_path, text_file):
    other = write_csv(tmp_path / "other.csv", {"target": LABELS, "proba": [0.5] * len(LABELS)})
    result = cli("compare", text_file, other, "--pred-col", "proba", "--task", "binary", "--positive", "yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    bce = {r["model"]: r["value"] for r in json.loads(result.stdout)["results"] if r["loss"] == "bce"}
    assert bce == {"bin": pytest.approx(log_loss(IS_YES, PROBA), rel=1e-12), "other": pytest.approx(np.log(2), rel=1e-12)}  # sklearn log_loss; ln 2 by hand


# --------------------------------------------------------------------------- mistakes


def test_a_positive_that_is_no_label_is_an_error(cli, text_file):
    assert_usage_error(
        cli("compute", text_file, "--loss", "bce", "--pred-col", "proba", "--positive", "Yes"),
        "bin.csv, column 'target': --positive Yes is none of the labels, which are 'no' and 'yes'",
        "labels match exactly, case included: --positive yes",
    )
    assert_usage_error(
        cli("compute", text_file, "--loss", "bce", "--pred-col", "proba", "--positive", "1"),
        "--positive 1 is none of the labels, which are 'no' and 'yes'",
        "give one of them: --positive no or --positive yes",
    )


def test_a_positive_seen_in_no_batch_is_an_error_at_the_end(cli, tmp_path, small_batches):
    path = write_csv(tmp_path / "long.csv", {"target": ["no", "maybe"] * 20, "proba": [0.3] * 40})
    assert_usage_error(cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", "yes"), "--positive yes is none of the labels, which are 'maybe' and 'no'")


def test_a_third_label_is_an_error_naming_its_row(cli, tmp_path, small_batches):
    labels = LABELS * 3 + ["Yes"] + LABELS
    path = write_csv(tmp_path / "three.csv", {"target": labels, "proba": [0.5] * len(labels)})
    assert_usage_error(
        cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", "yes"),
        "three.csv, column 'target', row 22: --positive names the positive one of two classes, but the labels hold more: 'Yes', 'no' and 'yes'",
        "write the labels as 0/1, e.g. with pandas df['target'] = (df['target'] == 'yes').astype(int)",
    )


def test_a_word_for_number_or_boolean_labels_is_an_error(cli, tmp_path):
    numbers = write_csv(tmp_path / "12.csv", {"target": [1, 2, 2], "proba": [0.2, 0.7, 0.9]})
    assert_usage_error(
        cli("compute", numbers, "--loss", "bce", "--pred-col", "proba", "--positive", "yes"),
        "12.csv, column 'target': --positive yes is not a number, and the labels are numbers",
        "--positive 1 or --positive 2",
    )
    booleans = write_csv(tmp_path / "tf.csv", {"target": ["True", "False", "True"], "proba": [0.2, 0.7, 0.9]})
    assert_usage_error(cli("compute", booleans, "--loss", "bce", "--pred-col", "proba", "--positive", "yes"), "--positive yes is not true or false")


def test_a_positive_no_loss_reads_is_refused(cli, text_file, tmp_path):
    assert_usage_error(
        cli("compute", text_file, "--loss", "mse", "--pred-col", "proba", "--positive", "yes"),
        "--positive names the class of binary labels beside one prediction column, and mse reads no such labels here",
        "drop --positive",
    )
    classes = write_csv(tmp_path / "classes.csv", {"target": ["cat", "dog"], "p_cat": [0.3, 0.4], "p_dog": [0.7, 0.6]})
    assert_usage_error(cli("compute", classes, "--loss", "cce", "--loss", "bce", "--pred-col", "p_*", "--positive", "dog"), "cce and bce read no such labels here")


def test_a_loss_it_leaves_as_written_is_noted(cli, tmp_path):
    path = write_csv(tmp_path / "12.csv", {"target": [1, 2, 2], "proba": [0.2, 0.7, 0.9]})
    result = cli("compute", path, "--loss", "bce", "--loss", "mse", "--pred-col", "proba", "--positive", "2")
    assert result.exit_code == 0, result.stderr
    assert "note: --positive applies to binary labels beside one prediction column; mse reads the labels as written" in result.stderr


def test_missing_labels_stay_missing(cli, tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("target,proba\nyes,0.8\n,0.3\nno,0.2\n")
    assert_usage_error(cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", "yes"), "1 row with missing, NaN or infinite values, the first at row 2")
    result = cli("compute", path, "--loss", "bce", "--pred-col", "proba", "--positive", "yes", "--nan-policy", "omit", "--format", "json")
    assert _value(result) == pytest.approx(log_loss([1, 0], [0.8, 0.2]), rel=1e-12)  # sklearn log_loss on the two rows left


@pytest.mark.parametrize("loss", ["bce", "focal"])
def test_minus_one_one_labels_are_an_error_naming_the_positive_option_that_fixes_them(cli, tmp_path, loss):
    # An SVM-style export: labels -1/1 beside a probability. The error said only
    # "labels must be 0/1"; --positive 1, which it now names, reads them.
    labels, proba = [-1, 1, 1, -1], [0.2, 0.7, 0.4, 0.1]
    write_csv(tmp_path / "svm.csv", {"label": labels, "prob": proba})
    assert_usage_error(cli("compute", tmp_path / "svm.csv", "--loss", loss), "svm.csv", "column 'label'", "row 1", "--positive 1")
    result = cli("compute", tmp_path / "svm.csv", "--loss", loss, "--positive", "1", "-f", "json")
    coded = write_csv(tmp_path / "coded.csv", {"label": [0, 1, 1, 0], "prob": proba})
    # The same loss on the labels written as 0/1; for bce, sklearn log_loss([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.1])
    assert _value(result) == pytest.approx(_value(cli("compute", coded, "--loss", loss, "-f", "json")), rel=1e-12)
    if loss == "bce":
        assert _value(result) == pytest.approx(log_loss([0, 1, 1, 0], proba), rel=1e-12)


def test_the_python_api_says_how_to_map_minus_one_one_labels():
    import losscli

    with pytest.raises(losscli.LossCliError) as caught:
        losscli.compute("bce", [-1, 1], [0.2, 0.7])
    assert "--positive" not in str(caught.value) and "(y_true == 1).astype(int)" in str(caught.value)
