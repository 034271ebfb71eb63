"""``recommend --data``: what is inferred from labels (and predictions), and why.

Robust z-scores are checked by hand and against scipy's MAD; files are small
ones written into tmp_path and read through the input layer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import median_abs_deviation

import losscli
from losscli import inference
from losscli.errors import LossCliError
from losscli.inference import (
    imbalance_ratio,
    infer,
    infer_arrays,
    infer_file,
    outlier_summary,
    robust_z_scores,
    summarise_labels,
)

REL = 1e-6


def write_csv(path, header, rows):
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# --------------------------------------------------------------------------- robust z-scores


def test_robust_z_scores_by_hand():
    # median 3; |x - 3| = 2, 1, 0, 1, 97; MAD = median of those = 1; scale = 1.4826
    z = robust_z_scores(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    expected = np.array([2 / 1.4826, 1 / 1.4826, 0.0, 1 / 1.4826, 97 / 1.4826])  # 97/1.4826 = 65.4256...
    np.testing.assert_allclose(z, expected, rtol=REL)
    assert z[-1] == pytest.approx(65.42560366922973, rel=REL)


def test_robust_z_scores_agree_with_scipy_mad():
    rng = np.random.default_rng(7)
    values = rng.standard_t(3, size=501)
    # scipy's normal-consistent MAD uses 1/Phi^-1(3/4) = 1.482602...; we use 1.4826.
    scale = median_abs_deviation(values, scale="normal")
    expected = np.abs(values - np.median(values)) / scale
    np.testing.assert_allclose(robust_z_scores(values), expected, rtol=2e-6)


def test_robust_z_scores_fall_back_to_mean_deviation_when_mad_is_zero():
    # median 5, |x - 5| = 0 x6 and 4: MAD 0; mean deviation 4/7; scale 1.2533 * 4/7
    z = robust_z_scores(np.array([5.0] * 6 + [9.0]))
    assert z[-1] == pytest.approx(7 / 1.2533, rel=REL)  # 4 / (1.2533 * 4/7) = 5.58525...
    assert np.all(z[:-1] == 0)


def test_constant_values_have_no_outliers():
    assert np.all(robust_z_scores(np.full(10, 3.0)) == 0)
    assert not outlier_summary(np.full(10, 3.0)).heavy


@pytest.mark.parametrize("gross, heavy", [(10, False), (11, True)])
def test_outliers_need_more_than_one_percent_beyond_3_5(gross, heavy):
    values = np.linspace(-1.0, 1.0, 1000)
    values[:gross] = 100.0  # far beyond 3.5 robust sigmas; the rest stay within 1.4
    summary = outlier_summary(values)
    assert summary.count == gross
    assert summary.heavy is heavy


def test_normal_data_are_not_flagged():
    rng = np.random.default_rng(11)
    assert not outlier_summary(rng.normal(size=5000)).heavy  # about 0.05% beyond 3.5


# --------------------------------------------------------------------------- imbalance


@pytest.mark.parametrize(
    "counts, ratio",
    [([900, 100], 9.0), ([30, 10], 3.0), ([29, 10], 2.9), ([10, 40, 20], 4.0), ([5, 0, 10], 2.0), ([5], None), ([0, 7], None)],
)
def test_imbalance_ratio_is_majority_over_minority_of_present_classes(counts, ratio):
    assert imbalance_ratio(np.array(counts)) == (None if ratio is None else pytest.approx(ratio, rel=REL))


@pytest.mark.parametrize("minority, flagged", [(10, True), (11, False)])
def test_imbalance_is_flagged_from_a_ratio_of_three(minority, flagged):
    labels = np.array([0] * 30 + [1] * minority)  # 30:10 = 3 flagged (SPEC: 3 or more); 30:11 not
    result = infer_arrays(labels)
    assert result.imbalanced is flagged
    assert result.imbalance_ratio == pytest.approx(30 / minority, rel=REL)
    assert any("majority:minority" in line for line in result.evidence)


def test_one_class_only_is_extreme_imbalance():
    result = infer_arrays(np.zeros(20))
    assert result.imbalanced is True and result.imbalance_ratio is None
    assert "only one class occurs" in result.evidence[-1]


# --------------------------------------------------------------------------- label kinds


@pytest.mark.parametrize(
    "labels, kind, task",
    [
        ([0, 1, 1, 0, 1], "binary", "binary"),
        ([-1, 1, 1, -1], "sign", "binary"),
        ([0, 1, 2, 2, 1, 0], "classes", "multiclass"),
        (["cat", "dog", "cat"], "text", "multiclass"),
        ([0.5, 1.25, 3.0], "continuous", "regression"),
        ([-3, 0, 2, 5], "continuous", "regression"),  # negative integers: a numeric target
        (list(range(200)) * 2, "counts", "regression"),  # 200 distinct integers: not classes
    ],
)
def test_label_kinds(labels, kind, task):
    array = np.array(labels, dtype=object) if isinstance(labels[0], str) else np.array(labels, dtype=float)
    summary = summarise_labels(array)
    assert summary.kind == kind
    assert inference.TASK_OF_KIND[summary.kind] == task


def test_integer_labels_are_classes_only_with_a_few_rows_per_class():
    thirty = np.arange(30, dtype=float)
    assert summarise_labels(np.tile(thirty, 3)).kind == "counts"  # 90 rows < 5 per class
    assert summarise_labels(np.tile(thirty, 5)).kind == "classes"  # 150 rows
    assert summarise_labels(np.arange(10, dtype=float)).kind == "classes"  # up to 10 always


def test_integer_labels_with_a_value_seen_fewer_than_five_times_are_counts():
    # Reported: Poisson counts alone (24 values from 0 to 32 over 2000 rows, 32
    # seen once) read as 24 classes, imbalanced 306:1, with focal first. 400
    # rows is 16 per value on average; the README asks 5 rows of each.
    counts = np.repeat(np.arange(20, dtype=float), [30] * 19 + [4])
    assert summarise_labels(counts).kind == "counts"
    assert infer(counts).task == "regression"
    assert summarise_labels(np.repeat(np.arange(20, dtype=float), [30] * 19 + [5])).kind == "classes"


@pytest.mark.parametrize(
    "labels, kind",
    [
        (np.eye(3)[[0, 1, 2, 2]], "onehot"),
        (np.array([[0.2, 0.8], [0.5, 0.5], [1.0, 0.0]]), "soft"),
        (np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]), "multilabel"),
        (np.array([[1.5, -2.0], [0.3, 4.0]]), "multioutput"),
    ],
)
def test_label_column_groups(labels, kind):
    assert summarise_labels(labels).kind == kind


def test_one_hot_counts_are_column_sums():
    result = infer_arrays(np.eye(3)[[0, 0, 0, 0, 0, 0, 1, 1, 2, 2]])
    assert result.task == "multiclass"
    assert result.imbalance_ratio == pytest.approx(3.0, rel=REL)  # 6 : 2


def test_multilabel_imbalance_is_that_of_the_most_skewed_column():
    labels = np.zeros((20, 2))
    labels[:10, 0] = 1  # column 1: 10 : 10
    labels[:2, 1] = 1  # column 2: 18 negatives : 2 positives
    result = infer_arrays(labels)
    assert result.task == "binary"
    assert result.imbalance_ratio == pytest.approx(9.0, rel=REL)
    assert "column 2 = 0: 18, column 2 = 1: 2" in result.evidence[-1]


def test_sequences_of_labels():
    labels = np.empty(2, dtype=object)
    labels[0], labels[1] = np.array([3.0, 1.0, 4.0]), np.array([1.0])
    result = infer(labels)
    assert result.task == "sequence"
    assert "label sequences of 1 to 3 symbols" in result.evidence[0]


# --------------------------------------------------------------------------- outliers


def test_heavy_tailed_labels_flag_outliers_with_or_without_predictions():
    # SPEC section 1: outliers are inferred from the labels; good predictions do not hide them.
    rng = np.random.default_rng(5)
    y = rng.lognormal(sigma=2.0, size=2000)  # heavy-tailed targets
    good = y + rng.normal(scale=0.1, size=y.size)
    alone = infer_arrays(y)
    assert alone.outliers is True
    assert alone.evidence[-1].startswith("robust z-scores of the labels y_true: ")
    fitted = infer_arrays(y, good)
    assert fitted.outliers is True
    assert fitted.evidence[-3].startswith("robust z-scores of the labels y_true: ")
    assert fitted.evidence[-3].endswith("-> outliers / heavy tails")
    assert fitted.evidence[-2].startswith("robust z-scores of the residuals y_pred - y_true: ")
    assert fitted.evidence[-2].endswith("-> no heavy tails")
    assert fitted.evidence[-1] == "outliers: the labels' test fired (heavy-tailed targets); the residuals' test did not"


def test_gross_prediction_errors_flag_outliers_in_light_tailed_labels():
    rng = np.random.default_rng(6)
    y = rng.normal(size=2000)
    good = y + rng.normal(scale=0.1, size=y.size)
    plain = infer_arrays(y, good)
    assert plain.outliers is False
    assert plain.evidence[-1] == "outliers: neither the labels' test nor the residuals' test fired"
    bad = good.copy()
    bad[:60] += 100.0  # 3% gross errors
    flagged = infer_arrays(y, bad)
    assert flagged.outliers is True
    assert flagged.evidence[-1] == "outliers: the residuals' test fired (gross prediction errors); the labels' test did not"
    both = y.copy()
    both[:60] = 1000.0  # 3% gross labels, and predictions that miss them
    assert infer_arrays(both, good).evidence[-1] == "outliers: both tests fired, heavy tails in the labels and in the residuals"


def test_heavy_tailed_labels_in_a_file_with_predictions_are_flagged(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.standard_t(df=1.5, size=400) * 3  # Student t, 1.5 degrees of freedom: heavy tails
    rows = [(y[i], y[i] + rng.normal()) for i in range(400)]
    result = infer_file(write_csv(tmp_path / "heavy.csv", ["y_true", "y_pred"], rows))
    assert result.outliers is True
    assert result.evidence[-1] == "outliers: the labels' test fired (heavy-tailed targets); the residuals' test did not"


@pytest.mark.parametrize("dtype", ["float64", "float32"], ids=["float64", "float32"])
def test_rounding_in_the_residuals_is_not_an_outlier(tmp_path, dtype):
    # Reported: a 5-row file flagged "2 of 5 values (40%) beyond 3.5, largest
    # 5.06e+14". Residuals -0.2, -0.4, 0.3, -0.2, -0.2 (by hand): the three
    # -0.2 differ in their last bits (1.0 - 1.2 is not 4.9 - 5.1), which made
    # the MAD a rounding error. As -0.2 exactly: MAD 0, mean deviation from
    # -0.2 is (0.2 + 0.5) / 5 = 0.14, so 0.3 scores 0.5 / (1.2533 * 0.14) = 2.85.
    table = pa.table({
        "y_true": pa.array([1.2, 3.4, 2.2, 5.1, 0.3], type=dtype),
        "y_pred": pa.array([1.0, 3.0, 2.5, 4.9, 0.1], type=dtype),
    })
    path = tmp_path / "tiny.parquet"
    pq.write_table(table, path)
    result = infer_file(str(path))
    assert result.outliers is False
    residuals = result.evidence[-2]
    assert residuals.startswith("robust z-scores of the residuals 'y_pred' - 'y_true': 0 of 5 values (0%) beyond 3.5")
    assert residuals.endswith(f"largest {0.5 / (1.2533 * 0.14):.3g} -> no heavy tails")


def test_residuals_equal_but_for_rounding_have_no_outliers():
    y = np.array([1.2, 3.4, 5.1, 0.3])
    result = infer_arrays(y, y - 0.2)  # every residual -0.2, give or take the last bit
    assert "0 of 4 values (0%) beyond 3.5 (limit 1%), largest 0 -> no heavy tails" in result.evidence[-2]


def test_outliers_use_labels_when_predictions_do_not_match():
    y = np.linspace(0, 1, 100)
    result = infer_arrays(y, np.zeros((100, 2)))
    assert "the predictions do not match them value for value" in result.evidence[-1]


def test_integer_targets_beside_one_prediction_column_are_counts():
    # 4 distinct integers would be classes, but no multiclass loss reads one prediction column.
    labels = np.array([28, 30, 31, 33] * 10, dtype=float)
    result = infer(labels, labels + 0.5)
    assert (result.task, result.layouts, result.imbalance_ratio) == ("regression", {"counts"}, None)
    assert result.evidence[0] == "labels: 40 rows, 4 distinct integers from 28 to 33 beside one prediction column, so counts rather than classes -> regression"
    assert infer(labels, np.column_stack([labels] * 34)).task == "multiclass"  # one column per class 0..33
    assert infer(labels).task == "multiclass"  # labels alone: classes


def test_two_integer_targets_beside_predicted_numbers_are_regression():
    # Labels 1 and 2 beside one column of values outside [0, 1]: predicted numbers,
    # which only the regression losses read; the same column within [0, 1] is
    # the probability of one of the two classes (see the tests below).
    labels = np.array([1.0, 2.0] * 20)
    result = infer(labels, labels + np.linspace(-0.3, 0.3, 40))
    assert result.task == "regression"
    assert "beside one prediction column with values outside [0, 1], so numbers rather than classes" in result.evidence[0]
    assert infer(labels, np.linspace(0.05, 0.95, 40)).task == "binary"


@pytest.mark.parametrize(
    "negative, positive, detail",
    [
        (1, 2, "2 distinct integers from 1 to 2"),  # R's factor codes
        (2, 1, "2 distinct integers from 1 to 2"),  # the other way round
        (-1, 1, "values -1/1"),  # an SVM's labels
        (-2, 3, "2 distinct integers from -2 to 3"),
    ],
)
def test_two_integer_codes_beside_one_probability_column_are_binary(negative, positive, detail):
    # Reported: labels 1/2 beside one probability column read as multiclass, so
    # every suggested command (cce on one column, bce on label 2) failed. The
    # column is higher on the rows of one code (mean 0.7 against 0.2, by hand):
    # the probability of that code, which the commands pass as --positive.
    labels = np.array([positive if i % 3 == 0 else negative for i in range(30)], dtype=float)
    probabilities = np.where(labels == positive, 0.7, 0.2)
    result = infer(labels, probabilities, label_name="'label'", prediction_name="'prob'")
    assert result.task == "binary"
    assert result.positive == str(positive)
    assert f"'label': 30 rows, {detail} beside one prediction column of values in [0, 1], the probability of one of them -> binary" in result.evidence
    assert result.evidence[-1] == (
        "compute reads binary labels as 0/1 and the file does not say which class 'prob' is the probability of: "
        f"'prob' is higher where the label is '{positive}' (mean 0.7) than where it is '{negative}' (mean 0.2), "
        f"as the probability of '{positive}' is, so the commands pass --positive {positive} (--positive {negative} if it is the probability of '{negative}')"
    )
    assert result.imbalance_ratio == pytest.approx(2.0, rel=REL)  # 20 : 10
    assert "sign" not in result.layouts


def test_two_integer_codes_with_no_clue_in_the_probabilities_take_the_code_that_sorts_last():
    # The same probability on both codes: predict_proba(X)[:, 1] is the class that sorts last, 2.
    result = infer(np.array([2.0, 1.0] * 10), np.full(20, 0.5))
    assert (result.task, result.positive) == ("binary", "2")
    assert "the class that sorts last, '2', so the commands pass --positive 2" in result.evidence[-1]


def test_sign_labels_beside_scores_stay_as_they_are():
    # -1/1 beside values outside [0, 1] are an SVM's labels and margins: hinge reads them as written.
    labels = np.array([-1.0, 1.0] * 10)
    result = infer(labels, labels * np.linspace(0.5, 2.5, 20))
    assert (result.task, result.layouts, result.positive) == ("binary", {"sign"}, None)
    assert result.evidence[0] == "labels: 20 rows, values -1/1 -> binary"


# Too many classes for the labels alone (over 50), and too few rows per class:
# the prediction columns decide. Class c occurs 1 + c % 3 times, so the counts
# are 1, 2 and 3 and majority:minority is 3 (by hand).
def _classes_seen_1_to_3_times(k: int) -> np.ndarray:
    return np.array([c for c in range(k) for _ in range(1 + c % 3)], dtype=float)


def _uniform_probabilities(rows: int, k: int) -> np.ndarray:
    return np.full((rows, k), round(1 / k, 8))


@pytest.mark.parametrize("k", [100, 1000])  # CIFAR-100, ImageNet
def test_integer_labels_are_classes_when_each_names_one_of_the_prediction_columns(k):
    labels = _classes_seen_1_to_3_times(k)
    assert summarise_labels(labels).kind == "counts"  # by the labels alone
    result = infer(labels, _uniform_probabilities(len(labels), k))
    assert (result.task, result.layouts) == ("multiclass", {"index"})
    assert result.imbalance_ratio == pytest.approx(3.0)
    assert result.evidence[0] == (
        f"labels: {len(labels)} rows, non-negative integers with {k} distinct values from 0 to {k - 1}, "
        f"each the class of one of {k} prediction columns, so class indices -> multiclass"
    )


def test_integer_labels_that_name_no_prediction_column_stay_targets():
    labels = _classes_seen_1_to_3_times(150)  # labels up to 149 beside 100 columns
    assert infer(labels, _uniform_probabilities(len(labels), 100)).task == "regression"
    assert infer(labels).task == "regression"  # labels alone: counts


def test_a_hundred_class_file_finds_its_class_columns(tmp_path):
    labels = _classes_seen_1_to_3_times(100).astype(int)
    rows = [[label] + [0.01] * 100 for label in labels]
    path = write_csv(tmp_path / "cifar100.csv", ["y_true"] + [f"p_{c}" for c in range(100)], rows)
    result = infer_file(path)
    assert (result.task, result.prediction_selection, result.imbalance_ratio) == ("multiclass", "p_*", pytest.approx(3.0))
    assert result.evidence[1] == (
        "no column named y_pred, pred, prediction, score, prob, logit and 14 other common names; the class indices 0..99 index the columns "
        "'p_0', 'p_1', 'p_2', 'p_3' ... 'p_99' (100 columns): the commands pass --pred-col 'p_*'"
    )


def test_a_thousand_class_list_column_is_multiclass(tmp_path):
    labels = _classes_seen_1_to_3_times(1000).astype(int)
    path = tmp_path / "imagenet.parquet"
    pq.write_table(pa.table({"y_true": labels, "y_pred": pa.FixedSizeListArray.from_arrays(pa.array(np.full(len(labels) * 1000, 0.001)), 1000)}), path)
    result = infer_file(str(path))
    assert (result.task, result.prediction_columns, result.imbalance_ratio) == ("multiclass", ("y_pred",), pytest.approx(3.0))


def test_labels_that_name_columns_numbered_from_one_are_classes(tmp_path):
    # prob_1 .. prob_60 for labels 1..60, as compute reads them: by name, not position.
    labels = [c for c in range(1, 61) for _ in range(2)]
    path = write_csv(tmp_path / "named.csv", ["y_true"] + [f"prob_{c}" for c in range(1, 61)], [[c] + [0.5] * 60 for c in labels])
    assert infer_file(path).task == "multiclass"
    assert infer_file(write_csv(tmp_path / "from0.csv", ["y_true"] + [f"prob_{c}" for c in range(60)], [[c] + [0.5] * 60 for c in labels])).task == "regression"


def test_outliers_are_not_assessed_for_class_labels():
    assert infer_arrays([0, 1] * 10 + [1] * 3).outliers is False


# --------------------------------------------------------------------------- segmentation, logits, missing values


def test_masks_with_a_repeated_sample_column_are_segmentation():
    masks = np.array([0, 0, 0, 1] * 8, dtype=float)
    images = np.repeat(["a", "b"], 16)
    result = infer_arrays(masks, sample_ids=images)
    assert result.task == "segmentation"
    assert result.sample_column == "sample_ids"
    assert result.imbalance_ratio == pytest.approx(3.0, rel=REL)  # 24 background : 8 foreground pixels


def test_a_unique_id_column_is_not_a_sample_column():
    result = infer_arrays(np.array([0, 1, 1, 0], dtype=float), sample_ids=np.arange(4))
    assert result.task == "binary"


def test_predictions_outside_unit_interval_are_logits():
    result = infer_arrays([0, 1, 0, 1], [-2.0, 3.0, -1.0, 0.5])
    assert result.from_logits is True
    assert infer_arrays([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.6]).from_logits is False


def test_missing_labels_are_dropped_and_counted():
    result = infer_arrays([0.0, np.nan, 1.0, 1.0, 0.0])
    assert result.task == "binary"
    assert result.evidence[0] == "1 row with missing labels ignored"


def test_everything_missing_is_an_error():
    with pytest.raises(LossCliError, match="nothing to infer from"):
        infer_arrays([np.nan, np.nan])


# --------------------------------------------------------------------------- files


def test_file_reads_only_the_label_prediction_and_sample_columns(tmp_path, monkeypatch):
    from losscli.io.readers import CsvSource

    requested = []
    original = CsvSource.batches

    def spy(self, columns, text_columns=frozenset()):
        requested.append(list(columns))
        return original(self, columns, text_columns)

    monkeypatch.setattr(CsvSource, "batches", spy)
    rows = [(i, 1.25 + 0.3 * i, 1.3 + 0.3 * i, 1.0, "north") for i in range(40)]
    path = write_csv(tmp_path / "reg.csv", ["id", "y_true", "y_pred", "weight", "region"], rows)
    result = infer_file(path)
    assert requested == [["y_true", "y_pred"]]
    assert result.task == "regression"
    assert result.prediction_columns == ("y_pred",)
    assert result.evidence[0].startswith(f"{path}: labels from 'y_true', predictions from 'y_pred'")


def test_file_with_string_classes_and_probability_columns(tmp_path):
    rows = [(i, c, 0.6, 0.3, 0.1) for i, c in enumerate(["cat"] * 12 + ["dog"] * 3 + ["bird"] * 3)]
    path = write_csv(tmp_path / "mc.csv", ["id", "y_true", "prob_cat", "prob_dog", "prob_bird"], rows)
    result = infer_file(path)
    assert result.task == "multiclass"
    assert result.imbalance_ratio == pytest.approx(4.0, rel=REL)  # 12 cats : 3 dogs
    assert result.imbalanced is True
    assert result.prediction_columns == ("prob_cat", "prob_dog", "prob_bird")


def test_two_text_classes_beside_one_probability_column_are_binary(tmp_path):
    rows = [("yes" if i % 3 == 0 else "no", 0.25 + 0.5 * (i % 3 == 0)) for i in range(30)]
    path = write_csv(tmp_path / "yesno.csv", ["label", "prob"], rows)
    result = infer_file(path)
    assert result.task == "binary"
    assert result.imbalance_ratio == pytest.approx(2.0, rel=REL)  # 20 no : 10 yes
    assert "'label': 30 rows, 2 text classes ('no' and 'yes') beside one prediction column, the probability of one of them -> binary" in result.evidence
    assert result.evidence[-1].startswith("compute reads binary labels as 0/1 and the file does not say which class 'prob' is the probability of")
    assert result.evidence[-1].endswith("'prob' is higher where the label is 'yes' (mean 0.75) than where it is 'no' (mean 0.25), as the probability of 'yes' is, so the commands pass --positive yes (--positive no if it is the probability of 'no')")
    assert result.positive == "yes"
    # The commands pass --positive yes, so bce's pos_weight weighs the 10 yes against the 20 no.
    assert result.values["pos_weight"] == "2"
    # Three text classes beside one column are not binary; beside one column per class they are multiclass.
    assert infer_arrays(np.array(["a", "b", "c"] * 5, dtype=object), np.full(15, 0.5)).task == "multiclass"
    assert infer_arrays(np.array(["no", "yes"] * 5, dtype=object), np.full((10, 2), 0.5)).task == "multiclass"


def test_labels_only_file_suggests_commands_with_labels(tmp_path):
    path = write_csv(tmp_path / "labels.csv", ["id", "y_true"], [(i, ["a", "b", "c"][i % 3]) for i in range(12)])
    document = losscli.recommend(data=path)
    assert document["task"] == "multiclass"
    assert document["recommendations"][0]["command"].startswith(f"losscli compute PRED --labels {path} --loss ")


def test_segmentation_file(tmp_path):
    rows = [(img, int(px % 5 == 0), 0.3) for img in ("im1", "im2") for px in range(20)]
    path = write_csv(tmp_path / "masks.csv", ["image_id", "y_true", "y_pred"], rows)
    result = infer_file(path)
    assert result.task == "segmentation"
    assert result.sample_column == "image_id"
    document = losscli.recommend(data=path)
    dice = next(item for item in document["recommendations"] if item["loss"] == "dice")
    assert dice["command"].endswith("--sample-col image_id")


def test_sequence_file_with_space_separated_targets(tmp_path):
    path = write_csv(tmp_path / "ctc.csv", ["y_true", "y_pred"], [("3 1 4", 0.1), ("1 5", 0.2), ("9", 0.3)])
    assert infer_file(path).task == "sequence"


def test_ctc_log_probs_column_is_read_as_the_predictions(tmp_path):
    # PyTorch's ctc_loss calls its input log_probs, a name compute --loss ctc finds
    # by itself: the command is on the file, not 'compute PRED --labels FILE'.
    frames = [[[-0.5, -1.0, -2.0]] * 4] * 3
    path = tmp_path / "ctc.parquet"
    pq.write_table(pa.table({"log_probs": frames, "target": ["1 2", "2", "1"]}), path)
    result = infer_file(str(path))
    assert (result.task, result.prediction_columns) == ("sequence", ("log_probs",))
    ctc = losscli.recommend(data=str(path))["recommendations"][0]
    assert ctc["command"] == f"losscli compute {path} --loss ctc"
    # Long format: one row per frame, class columns log_probs_0 .. log_probs_2.
    rows = [(f"u{u}", -0.5, -1.0, -2.0, "1 2") for u in range(3) for _ in range(4)]
    long = write_csv(tmp_path / "long.csv", ["utt", "log_probs_0", "log_probs_1", "log_probs_2", "target"], rows)
    ctc = losscli.recommend(data=long)["recommendations"][0]
    assert ctc["command"] == f"losscli compute {long} --loss ctc --sample-col utt"


def test_parquet_list_columns(tmp_path):
    path = tmp_path / "lists.parquet"
    one_hot = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
    pq.write_table(pa.table({"y_true": one_hot, "y_pred": [[0.8, 0.1, 0.1]] * 4}), path)
    assert infer_file(str(path)).task == "multiclass"
    ragged = tmp_path / "ragged.parquet"
    pq.write_table(pa.table({"y_true": [[3, 1, 4], [1], [2, 2]]}), ragged)
    assert infer_file(str(ragged)).task == "sequence"


def test_triplet_file_is_ranking_without_labels(tmp_path):
    header = [f"{role}_{i}" for role in ("anchor", "positive", "negative") for i in range(2)]
    path = write_csv(tmp_path / "triplets.csv", header, [[0.1 * k for k in range(6)]] * 5)
    result = infer_file(path)
    assert result.task == "ranking"
    assert result.matched_loss == "triplet"
    document = losscli.recommend(data=path)
    assert document["recommendations"][0]["loss"] == "triplet"


def test_triplet_columns_under_short_names_are_ranking_when_there_are_no_labels(tmp_path):
    header = [f"{role}_{i}" for role in ("a", "p", "n") for i in range(2)]
    path = write_csv(tmp_path / "apn.csv", header, [[0.1 * k for k in range(6)]] * 5)
    result = infer_file(path)
    assert (result.task, result.matched_loss) == ("ranking", "triplet")
    triplet = losscli.recommend(data=path)["recommendations"][0]
    assert triplet["loss"] == "triplet"
    # compute finds a_*, p_*, n_* itself; --col anchor='anchor*' would have found nothing.
    assert triplet["command"] == f"losscli compute {path} --loss triplet"
    # A labelled file with p_* columns stays what its labels say.
    labelled = write_csv(tmp_path / "lab.csv", ["y_true", *header], [[1.5 * k] + [0.1 * k] * 6 for k in range(30)])
    assert infer_file(labelled).task == "regression"


def test_critic_scores_are_generative(tmp_path):
    path = write_csv(tmp_path / "critic.csv", ["y_true", "critic"], [(i % 2, 0.5 * i - 2) for i in range(10)])
    result = infer_file(path)
    assert result.task == "generative"
    assert result.prediction_columns == ("critic",)
    assert result.from_logits is True  # critic scores from -2 to 2.5 are not probabilities
    document = losscli.recommend(data=path)
    assert document["recommendations"][0]["loss"] == "wasserstein"
    commands = {item["loss"]: item["command"] for item in document["recommendations"]}
    # adversarial reads the scores as logits; without --from-logits it refused them as probabilities.
    assert commands["adversarial"] == f"losscli compute {path} --loss adversarial --from-logits"
    assert commands["wasserstein"] == f"losscli compute {path} --loss wasserstein"


def test_real_fake_labels_under_their_own_names_are_read(tmp_path):
    path = write_csv(tmp_path / "critic.csv", ["real", "critic"], [(i % 2, 0.5 * i - 2) for i in range(10)])
    result = infer_file(path)
    assert (result.task, result.prediction_columns, result.from_logits) == ("generative", ("critic",), True)
    assert result.evidence[0] == f"{path}: labels from 'real', predictions from 'critic'"
    adversarial = next(item for item in losscli.recommend(data=path)["recommendations"] if item["loss"] == "adversarial")
    assert adversarial["command"] == f"losscli compute {path} --loss adversarial --from-logits"


def test_feature_columns_named_like_embeddings_do_not_make_regression_ranking(tmp_path):
    rows = [(0.1 * i, 0.2 * i, 1.5 * i + 0.25, 1.5 * i) for i in range(30)]
    assert infer_file(write_csv(tmp_path / "a.csv", ["x1", "x2", "y_true", "y_pred"], rows)).task == "regression"
    assert infer_file(write_csv(tmp_path / "b.csv", ["x1", "x2", "y"], [r[:3] for r in rows])).task == "regression"


def test_label_column_can_be_named(tmp_path):
    path = write_csv(tmp_path / "named.csv", ["a", "outcome"], [(i, i % 2) for i in range(10)])
    with pytest.raises(LossCliError, match="no label column") as error:
        infer_file(path)
    assert "--label-col" in str(error.value)
    assert infer_file(path, label_col="outcome").task == "binary"


def test_missing_values_in_a_file_are_dropped_and_reported(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("y_true,y_pred\n0,0.1\n,0.2\n1,0.9\n1,\n0,0.3\n")
    result = infer_file(str(path))
    assert result.task == "binary"
    assert "2 rows with missing values ignored" in result.evidence[1]


def test_header_only_file_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("y_true,y_pred\n")
    with pytest.raises(LossCliError, match="no data rows"):
        infer_file(str(path))


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(LossCliError, match="file not found"):
        infer_file(str(tmp_path / "nope.csv"))


# --------------------------------------------------------------------------- recommend on Python arrays


@pytest.mark.parametrize(
    "kwargs, role, fragment",
    [
        ({"y_true": []}, "y_true", "y_true: no rows: one label per row is needed to infer the task from"),
        ({"y_true": 3.0}, "y_true", "y_true: a single value (3.0): one label per row is needed"),
        ({"y_true": [0, 1, 0, 1], "y_pred": [0.1, 0.2]}, None, "inputs of 'recommend' have different numbers of rows: y_true 4, y_pred 2"),
        ({"y_true": [0, 1], "y_pred": ["a", "b"]}, "y_pred", "y_pred, row 1: text ('a'), not numbers"),
    ],
)
def test_recommend_on_arrays_refuses_what_it_cannot_read(kwargs: dict, role: str | None, fragment: str) -> None:
    # [] raised numpy's reshape ValueError, 3.0 a TypeError from len(), and a
    # shorter y_pred was silently ignored.
    with pytest.raises(LossCliError) as info:
        losscli.recommend(**kwargs)
    assert info.value.role == role
    assert fragment in str(info.value)


def test_recommend_needs_the_task_as_a_name() -> None:
    with pytest.raises(LossCliError, match=r"^the task must be a name such as 'regression', not bool True \(tasks: regression, "):
        losscli.recommend(task=True)


@pytest.mark.torch
def test_recommend_reads_tensors_that_require_grad() -> None:
    torch = pytest.importorskip("torch")
    labels = torch.tensor([0.0] * 95 + [1.0] * 5, requires_grad=True)
    result = losscli.recommend(y_true=labels)
    # 95 : 5 = 19 (by hand), above the imbalance threshold of 3
    assert (result["task"], result["inferred"]["imbalance_ratio"], result["inferred"]["imbalanced"]) == ("binary", 19.0, True)


# --------------------------------------------------------------------------- predictions under other names


def test_text_labels_find_their_class_columns_by_suffix(tmp_path):
    rows = [(c, 0.6, 0.3, 0.1) for c in ["cat"] * 6 + ["dog"] * 3 + ["bird"] * 3]
    path = write_csv(tmp_path / "mc.csv", ["label", "p_cat", "p_dog", "p_bird"], rows)
    result = infer_file(path)
    assert result.task == "multiclass"
    assert result.prediction_columns == ("p_cat", "p_dog", "p_bird")
    assert result.prediction_selection == "p_*"
    assert result.evidence[0] == f"{path}: labels from 'label', predictions from 'p_cat', 'p_dog', 'p_bird'"
    assert result.evidence[1] == (
        "no column named y_pred, pred, prediction, score, prob, logit and 14 other common names; the text labels (bird, cat, dog) name the "
        "columns 'p_cat', 'p_dog', 'p_bird' by suffix: the commands pass --pred-col 'p_*'"
    )


def test_class_indices_take_their_columns_in_index_order(tmp_path):
    # Written p_0, p_10, p_1, ... (sorted as text): a glob would take them in
    # that order, so the columns are listed in index order instead.
    names = [f"p_{k}" for k in sorted(range(11), key=str)]
    rows = [[k % 11] + [round(1 / 11, 6)] * 11 for k in range(60)]
    path = write_csv(tmp_path / "mc.csv", ["y_true", *names], rows)
    result = infer_file(path)
    assert result.prediction_columns == tuple(f"p_{k}" for k in range(11))
    assert result.prediction_selection == ",".join(f"p_{k}" for k in range(11))


@pytest.mark.parametrize(
    "header, selection",
    [
        (["y_true", "0", "1", "2"], "0,1,2"),  # scikit-learn's predict_proba as a DataFrame
        (["target", "class_0", "class_1", "class_2"], "class_*"),
        (["label", "p_0", "p_1", "p_2", "p_max"], "p_0,p_1,p_2"),  # 'p_*' would take p_max as a fourth class
    ],
)
def test_integer_labels_find_columns_numbered_0_to_k(tmp_path, header, selection):
    rows = [[k % 3, 0.2, 0.3, 0.5] + ([0.5] if "p_max" in header else []) for k in range(30)]
    result = infer_file(write_csv(tmp_path / "mc.csv", header, rows))
    assert result.task == "multiclass"
    assert result.prediction_selection == selection


def test_binary_labels_with_one_column_per_class_read_the_positive_one(tmp_path):
    rows = [(k % 2, 0.7, 0.3) for k in range(20)]
    result = infer_file(write_csv(tmp_path / "bin.csv", ["label", "p_0", "p_1"], rows))
    assert (result.task, result.prediction_columns, result.prediction_selection) == ("binary", ("p_1",), "p_1")


def test_two_groups_of_class_columns_are_not_guessed_between(tmp_path):
    rows = [(c, 0.6, 0.4, 0.2, -0.2) for c in ["cat", "dog"] * 5]
    path = write_csv(tmp_path / "mc.csv", ["label", "p_cat", "p_dog", "q_cat", "q_dog"], rows)
    result = infer_file(path)
    assert result.prediction_columns == ()
    assert result.prediction_selection is None
    assert result.evidence[1] == (
        "no column named y_pred, pred, prediction, score, prob, logit and 14 other common names; several column groups could hold the class "
        "predictions (--pred-col 'p_*' or --pred-col 'q_*'): name one with --pred-col"
    )


@pytest.mark.parametrize("extra", [[], ["rowIndex", "Resample"]])
def test_caret_predictions_read_the_class_columns_beside_the_predicted_classes(tmp_path, extra):
    # Reported: caret's savePredictions (pred, obs, no, yes, rowIndex, Resample)
    # was read with the text column 'pred' as predictions: the columns named by
    # the classes alone share no prefix, and the group taken for them was every
    # numeric column, 'rowIndex' included, whose values left [0, 1].
    rows = [("yes" if i % 3 else "no", "yes" if i % 4 else "no", 0.3, 0.7, i + 1, f"Fold{i % 5 + 1:02d}.Rep1") for i in range(30)]
    header = ["pred", "obs", "no", "yes", "rowIndex", "Resample"]
    path = write_csv(tmp_path / "caret.csv", header[: 4 + len(extra)], [row[: 4 + len(extra)] for row in rows])
    result = infer_file(path, label_col="obs")
    assert (result.prediction_columns, result.prediction_selection) == (("no", "yes"), "no,yes")
    assert result.evidence[1] == (
        "'pred' looks like predicted classes (the class names no, yes, each a class of the columns beside it), so it is not used as probabilities; "
        "the text labels (no, yes) name the columns 'no', 'yes' by suffix: the commands pass --pred-col no,yes"
    )


def test_a_label_without_a_column_of_its_own_finds_no_class_columns(tmp_path):
    # 'dog' is not 'p_bulldog': compute would refuse the label, so nothing is suggested.
    rows = [(c, 0.6, 0.4) for c in ["cat", "dog"] * 5]
    result = infer_file(write_csv(tmp_path / "mc.csv", ["label", "p_cat", "p_bulldog"], rows))
    assert result.prediction_columns == ()


@pytest.mark.parametrize("name", ["proba", "y_score", "probability", "Y_Prob", "logits", "preds", "predictions", "probs", "scores", "yhat"])
def test_a_prediction_column_under_a_common_name_is_found_as_compute_finds_it(tmp_path, name):
    # Reported: 'y_true,logits' (and preds, probs, ...) read as a file of labels
    # alone, whose commands asked for PRED the file already holds. compute takes
    # these names by default, so the commands need no --pred-col.
    rows = [(i, i % 2, 0.25 + 0.5 * (i % 2)) for i in range(10)]
    result = infer_file(write_csv(tmp_path / "bin.csv", ["id", "y_true", name], rows))
    assert (result.prediction_columns, result.prediction_selection) == ((name,), None)


def test_predicted_classes_beside_probabilities_under_exported_names_give_the_probabilities(tmp_path):
    # scikit-learn's predict() and predict_proba()[:, 1] saved side by side: compute
    # will not choose between them, recommend tells them apart by their values.
    rows = [(i, i % 2, i % 2, 0.25 + 0.5 * (i % 2)) for i in range(10)]
    result = infer_file(write_csv(tmp_path / "bin.csv", ["id", "y_true", "predicted", "proba"], rows))
    assert (result.prediction_columns, result.prediction_selection) == (("proba",), "proba")
    assert "'predicted' holds whole numbers 0 and 1, classes predicted; 'proba' holds the scores" in result.evidence[1]


def test_two_exported_score_columns_are_not_guessed_between(tmp_path):
    rows = [(i, i % 2, 0.3 + 0.4 * (i % 2), 0.25 + 0.5 * (i % 2)) for i in range(10)]
    result = infer_file(write_csv(tmp_path / "bin.csv", ["id", "y_true", "logits", "proba"], rows))
    assert result.prediction_columns == ()
    assert "'logits' and 'proba' could each be the predictions: name one with --pred-col" in result.evidence


@pytest.mark.parametrize("name", ["output", "outputs"])
def test_a_prediction_column_under_a_generic_name_is_named_in_the_commands(tmp_path, name):
    # Too generic for compute to take by default, but the only candidate here.
    rows = [(i, i % 2, 0.25 + 0.5 * (i % 2)) for i in range(10)]
    result = infer_file(write_csv(tmp_path / "bin.csv", ["id", "y_true", name], rows))
    assert (result.prediction_columns, result.prediction_selection) == ((name,), name)
    assert result.evidence[1].endswith(f"'{name}' is a common name for predictions: the commands pass --pred-col {name}")


def test_one_hot_label_columns_find_predictions_with_the_same_suffixes(tmp_path):
    rows = [(1, 0, 0.8, 0.2), (0, 1, 0.3, 0.7)] * 5
    result = infer_file(write_csv(tmp_path / "oh.csv", ["label_cat", "label_dog", "p_cat", "p_dog"], rows))
    assert (result.task, result.prediction_columns, result.prediction_selection) == ("multiclass", ("p_cat", "p_dog"), "p_*")


def test_labels_are_read_against_columns_named_by_class_as_compute_reads_them(tmp_path):
    # prob_3, prob_1, prob_2: label 1 is the column at position 1, label 3 at position 0.
    rows = [(1, 0.2, 0.5, 0.3), (3, 0.6, 0.2, 0.2), (2, 0.1, 0.1, 0.8)] * 2
    result = infer_file(write_csv(tmp_path / "named.csv", ["y_true", "prob_3", "prob_1", "prob_2"], rows))
    assert result.values_read[0].tolist() == [1.0, 0.0, 2.0] * 2
    assert result.class_label_problem is None


def test_a_label_no_column_is_named_by_is_computes_error_with_the_row_only_where_it_is_the_files(tmp_path):
    rows = [(1, 0.5, 0.3, 0.2), (2, 0.2, 0.5, 0.3), (0, 0.2, 0.3, 0.5)]
    header = ["y_true", "prob_1", "prob_2", "prob_3"]
    path = write_csv(tmp_path / "zero.csv", header, rows)
    assert infer_file(path).class_label_problem == (
        f"{path}, column 'y_true', row 3: class label 0 matches no probability column (the columns prob_1, prob_2, prob_3 are "
        "named by the classes 1, 2, 3; a label stands for the column named by it: add a column 'prob_0', or, if the labels "
        "are positions 0..2 in column order, name the columns 'prob_0' .. 'prob_2')"
    )
    # With row 1 left out for its missing label, the label 0 is the second row read but the file's third.
    path = write_csv(tmp_path / "gap.csv", header, [("", 0.5, 0.3, 0.2)] + rows[1:])
    assert infer_file(path).class_label_problem.startswith(f"{path}, column 'y_true': class label 0 matches no probability column")


# --------------------------------------------------------------------------- predicted classes beside class probabilities

# scikit-learn's predict() beside predict_proba(): y_pred is a class, not a probability.
SKLEARN_ROWS = [(0, 0, 0.7, 0.2, 0.1), (1, 1, 0.1, 0.8, 0.1), (2, 1, 0.2, 0.5, 0.3), (2, 2, 0.1, 0.1, 0.8)] * 3


def test_probability_columns_beside_predicted_classes_are_the_predictions(tmp_path):
    path = write_csv(tmp_path / "sk.csv", ["y_true", "y_pred", "prob_0", "prob_1", "prob_2"], SKLEARN_ROWS)
    result = infer_file(path)
    assert (result.task, result.prediction_columns, result.prediction_selection) == ("multiclass", ("prob_0", "prob_1", "prob_2"), "prob_*")
    assert result.evidence[:2] == [
        f"{path}: labels from 'y_true', predictions from 'prob_0', 'prob_1', 'prob_2'",
        "'y_pred' looks like predicted classes (whole numbers 0 to 2, each a class of the columns beside it), so it is not used "
        "as probabilities; the class indices 0..2 index the columns 'prob_0', 'prob_1', 'prob_2': the commands pass --pred-col 'prob_*'",
    ]


def test_two_probability_columns_beside_predicted_classes_are_binary(tmp_path):
    rows = [(1, 1, 0.2, 0.8), (0, 0, 0.9, 0.1), (1, 0, 0.6, 0.4), (0, 0, 0.7, 0.3)] * 3
    result = infer_file(write_csv(tmp_path / "sk.csv", ["y_true", "y_pred", "prob_0", "prob_1"], rows))
    assert (result.task, result.prediction_columns, result.prediction_selection) == ("binary", ("prob_1",), "prob_1")
    assert result.evidence[1].startswith("'y_pred' looks like predicted classes (whole numbers 0 and 1, each a class of the columns beside it)")


def test_predicted_class_names_beside_probability_columns(tmp_path):
    rows = [("cat", "cat", 0.7, 0.3), ("dog", "cat", 0.6, 0.4), ("dog", "dog", 0.2, 0.8)] * 3
    result = infer_file(write_csv(tmp_path / "sk.csv", ["label", "prediction", "p_cat", "p_dog"], rows))
    assert (result.task, result.prediction_selection) == ("multiclass", "p_*")
    assert result.evidence[1].startswith("'prediction' looks like predicted classes (the class names cat, dog, each a class of the columns beside it)")


@pytest.mark.parametrize(
    "values, columns, holds",
    [
        ([0.0, 1.0, 2.0], ("prob_0", "prob_1", "prob_2"), True),
        ([1.0, 3.0], ("prob_3", "prob_1", "prob_2"), True),  # named by class, in any order
        ([0.0, 3.0], ("prob_1", "prob_2", "prob_3"), False),  # no column is named 0
        ([0.0, 3.0], ("p_0", "p_1", "p_2"), False),  # positions 0..2 only
        ([0.0, 0.5], ("p_0", "p_1"), False),  # a probability, not a class
        ([0.0, 1.0], ("prob_1",), True),  # the positive class's column of two
        (["cat", "dog"], ("p_cat", "p_dog"), True),
        (["cat", "cow"], ("p_cat", "p_dog"), False),
    ],
)
def test_which_values_are_classes_of_the_columns(values, columns, holds):
    from losscli.predicted_classes import holds_predicted_classes

    given = values if isinstance(values[0], str) else np.array(values)
    assert holds_predicted_classes(given, columns) is holds


@pytest.mark.parametrize(
    "header, rows",
    [
        # Probabilities of class 1 are not classes, whatever columns stand beside them.
        (["y_true", "y_pred", "prob_0", "prob_1"], [(1, 0.8, 0.2, 0.8), (0, 0.1, 0.9, 0.1)] * 5),
        # Whole-number predictions of counts beside features numbered like classes, which are no probabilities.
        (["y_true", "y_pred", "x_0", "x_1", "x_2"], [(0, 1, -2.5, 3.0, 7.5), (2, 2, 1.5, -4.0, 0.5), (1, 1, 9.0, 2.0, -1.0)] * 5),
    ],
)
def test_a_prediction_column_that_is_not_predicted_classes_is_kept(tmp_path, header, rows):
    result = infer_file(write_csv(tmp_path / "data.csv", header, rows))
    assert (result.prediction_columns, result.prediction_selection) == (("y_pred",), None)


# =========================================================================== large files: counts of every row, a random sample for the rest


def _write_parquet(path, columns: dict, row_group_size: int = 64) -> str:
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return str(path)


def _small_sample(monkeypatch) -> None:
    # A cap near 100 rows: 1,000 rows halve to about 500, 250, then 125 kept, about 1 in 8.
    from losscli import row_sample

    monkeypatch.setattr(row_sample, "SAMPLE_ROWS", 100)


def test_a_large_file_is_inferred_from_a_random_sample_of_the_whole_file(tmp_path, monkeypatch) -> None:
    from losscli.row_sample import row_priorities

    _small_sample(monkeypatch)
    values = np.arange(1000, dtype=np.float64)
    path = _write_parquet(tmp_path / "big.parquet", {"y_true": values, "y_pred": values + 0.5})
    result = inference.infer_file(path)
    kept = result.values_read[0]
    # The rows kept are those whose priority is below 2**64 / 8, wherever the batches fall.
    assert np.array_equal(kept, values[(row_priorities(0, 1000) >> np.uint64(61)) == 0])
    assert 60 < kept.size <= 200
    assert f"1,000 rows: label values counted from every row, the rest from a random sample of {kept.size:,} rows (about 1 in 8) spread over the whole file" in result.evidence
    assert "'y_true': 1000 rows, non-negative integers with 1000 distinct values from 0 to 999 -> regression" in result.evidence
    # Not every 8th row: the kept rows do not share one remainder.
    assert len({int(v) % 8 for v in kept}) == 8


def test_wide_rows_are_sampled_by_the_values_they_hold(tmp_path, monkeypatch) -> None:
    # 1,000 rows of a label and 15 class columns, 16,000 values, against a cap
    # of 1,000 values (halved while over 2,000): about 125 rows are kept, the
    # same rows for the labels and the class columns found after them.
    from losscli import row_sample
    from losscli.row_sample import row_priorities

    monkeypatch.setattr(row_sample, "SAMPLE_VALUES", 1000)
    monkeypatch.setattr(row_sample, "SMALLEST_SAMPLE", 10)
    labels = np.arange(1000) % 15
    path = write_csv(tmp_path / "wide.csv", ["label"] + [f"p_{c}" for c in range(15)], [[c] + [0.5] * 15 for c in labels])
    result = inference.infer_file(path)
    priorities = row_priorities(0, 1000)
    halvings = next(h for h in range(1, 20) if 16 * np.count_nonzero((priorities >> np.uint64(64 - h)) == 0) <= 2000)
    kept = labels[(priorities >> np.uint64(64 - halvings)) == 0]
    assert np.array_equal(result.values_read[0], kept)
    assert result.values_read[1].shape == (kept.size, 15)
    assert f"1,000 rows: class counts from every row, the rest from a random sample of {kept.size:,} rows (about 1 in {2 ** halvings}) spread over the whole file" in result.evidence
    assert result.imbalance_ratio == pytest.approx(67 / 66, rel=REL)  # 1000 = 15 * 66 + 10: classes 0..9 occur 67 times


@pytest.mark.parametrize(
    "period, ones, ratio",
    [
        (2, 500, 1.0),  # 1, 0, 1, 0, ...: 500 : 500, by hand
        (8, 125, 7.0),  # a 1 every 8th row: 875 : 125, by hand
    ],
)
def test_class_counts_come_from_every_row_of_a_sampled_file(tmp_path, monkeypatch, period, ones, ratio) -> None:
    # Labels with the period of a stride showed one class only when every k-th row was kept.
    _small_sample(monkeypatch)
    labels = (np.arange(1000) % period == 0).astype(float)
    path = _write_parquet(tmp_path / "periodic.parquet", {"y_true": labels, "y_pred": np.full(1000, 0.5)})
    result = inference.infer_file(path)
    assert result.imbalance_ratio == pytest.approx(ratio, rel=REL)
    assert result.imbalanced is (ratio >= 3)
    assert result.values["pos_weight"] == f"{(1000 - ones) / ones:.4g}"
    assert f"'y_true': 1000 rows, values 0/1 -> binary" in result.evidence
    assert any(line.startswith("1,000 rows: class counts from every row, the rest from a random sample of ") for line in result.evidence)


def test_a_rare_class_outside_the_sample_is_still_counted(tmp_path, monkeypatch) -> None:
    from losscli.row_sample import row_priorities

    _small_sample(monkeypatch)
    labels = np.arange(1000) % 2
    unsampled = np.flatnonzero((row_priorities(0, 1000) >> np.uint64(61)) != 0)[:5]
    labels[unsampled] = 2  # five rows of class 2, none of them among the rows kept
    path = _write_parquet(tmp_path / "rare.parquet", {"y_true": labels})
    result = inference.infer_file(path)
    assert 2 not in set(result.labels_read.tolist())
    assert result.task == "multiclass"
    assert result.imbalance_ratio == pytest.approx(max(np.bincount(labels)) / 5, rel=REL)


def test_one_hot_column_sums_come_from_every_row(tmp_path, monkeypatch) -> None:
    _small_sample(monkeypatch)
    classes = np.arange(1000) % 4 == 0  # class 1 on every 4th row: 250 : 750, by hand
    onehot = {"y_true_a": (~classes).astype(float), "y_true_b": classes.astype(float)}
    path = _write_parquet(tmp_path / "onehot.parquet", {**onehot, "y_pred_a": np.full(1000, 0.5), "y_pred_b": np.full(1000, 0.5)})
    result = inference.infer_file(path)
    assert result.task == "multiclass"
    assert result.imbalance_ratio == pytest.approx(3.0, rel=REL)


def test_periodic_gross_values_are_seen_in_the_sample(tmp_path, monkeypatch) -> None:
    # Every 8th target is a gross value (12.5%): every 8th row kept saw nothing else,
    # a constant with no tails; a random sample sees them among the rest.
    _small_sample(monkeypatch)
    rng = np.random.default_rng(8)
    y = rng.normal(size=1000)
    y[::8] = 1000.0
    path = _write_parquet(tmp_path / "gross.parquet", {"y_true": y})
    assert inference.infer_file(path).outliers is True


def test_missing_values_outside_the_sample_still_add_omit(tmp_path, monkeypatch) -> None:
    from losscli.row_sample import row_priorities

    _small_sample(monkeypatch)
    predictions = np.full(1000, 0.5)
    outside = int(np.flatnonzero((row_priorities(0, 1000) >> np.uint64(61)) != 0)[0])
    predictions[outside] = np.nan  # a row not in the sample
    path = _write_parquet(tmp_path / "gap.parquet", {"y_true": np.arange(1000) % 2, "y_pred": predictions})
    result = inference.infer_file(path)
    assert result.missing_rows == 1
    assert "1 row with missing values ignored (the commands pass --nan-policy omit)" in result.evidence


def test_rows_per_sample_count_the_files_rows_not_the_sampled_ones(tmp_path, monkeypatch) -> None:
    _small_sample(monkeypatch)
    rng = np.random.default_rng(3)
    path = _write_parquet(
        tmp_path / "masks.parquet",
        {"y_true": (rng.random(1000) < 0.3).astype(int), "y_pred": rng.random(1000), "image": np.repeat(np.arange(10), 100)},
    )
    result = inference.infer_file(path, sample_col="image")
    assert result.task == "segmentation"
    # Every image shows up among the rows kept: 1,000 rows over 10 images, 100 each (by hand).
    assert any("10 samples of 100 rows on average" in line for line in result.evidence)


def test_a_unique_id_column_of_a_large_file_is_not_a_sample_column(tmp_path, monkeypatch) -> None:
    # One row per image: ids never repeat among the rows kept, so no masks.
    _small_sample(monkeypatch)
    path = _write_parquet(tmp_path / "images.parquet", {"y_true": np.arange(1000) % 2, "y_pred": np.full(1000, 0.5), "image_id": np.arange(1000)})
    assert inference.infer_file(path).task == "binary"


def test_a_probability_beside_predicted_binary_classes_is_the_predictions(tmp_path):
    # scikit-learn's predict() as 'pred' beside predict_proba()[:, 1] as 'proba':
    # recommend read 'pred' and its commands scored the hard classes.
    rows = [(0, 0, 0.2), (1, 1, 0.7), (1, 0, 0.4), (0, 0, 0.1)] * 3
    result = infer_file(write_csv(tmp_path / "sk.csv", ["y", "pred", "proba"], rows))
    assert (result.task, result.prediction_columns, result.prediction_selection) == ("binary", ("proba",), "proba")
    assert result.evidence[1] == (
        "'pred' looks like predicted classes (whole numbers 0 and 1), so it is not used as probabilities; "
        "'proba' holds the scores: the commands pass --pred-col proba"
    )


def test_a_decision_function_beside_predicted_binary_classes_is_read_as_logits(tmp_path):
    # predict() as 'pred' beside decision_function() as 'score'.
    rows = [(0, 0, -2.0), (1, 1, 1.5), (1, 0, -0.3), (0, 0, -1.1)] * 3
    result = infer_file(write_csv(tmp_path / "sk.csv", ["y", "pred", "score"], rows))
    assert (result.prediction_columns, result.prediction_selection) == (("score",), "score")
