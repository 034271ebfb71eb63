"""``losscli.recommend``: every selection tip and every row of the guide's tables.

The guide's tables are written out again below, by hand from the guide,
so that a change to the data in losscli/knowledge.py that drifts from the
guide makes a test fail.
"""

from __future__ import annotations

import json
import re
import shlex

import numpy as np
import pytest

import losscli
from losscli import knowledge
from losscli.errors import LossCliError
from losscli.registry import CHARACTERISTIC_TITLES, TASKS, get, losses_for_task, parse_spec

# The guide's "Tips for Choosing Loss Functions": (tip, task, flags, the losses it names
# that the registry offers for that task).
GUIDE_TIPS = [
    ("Use MSE/MAE for continuous value prediction", "regression", {}, {"mse", "mae"}),
    ("Use Cross-Entropy for classification (binary/multiclass)", "binary", {}, {"bce"}),
    ("Use Cross-Entropy for classification (binary/multiclass)", "multiclass", {}, {"cce", "sparse_cce"}),
    ("Use Cross-Entropy for classification (binary/multiclass)", "classification", {}, {"bce", "cce", "sparse_cce"}),
    ("Use Focal Loss for class imbalance", "imbalance", {}, {"focal"}),
    ("Use Focal Loss for class imbalance", "classification", {"imbalanced": True}, {"focal"}),
    ("Use Focal Loss for class imbalance", "binary", {"imbalanced": True}, {"focal"}),
    ("Use Focal Loss for class imbalance", "multiclass", {"imbalanced": True}, {"focal"}),
    ("Use Contrastive/Triplet for metric learning", "metric-learning", {}, {"contrastive", "triplet"}),
    ("Use Dice/IoU Loss for segmentation", "segmentation", {}, {"dice", "iou"}),
    ("Use CTC Loss for unaligned sequence-to-sequence tasks", "seq2seq", {}, {"ctc"}),
]

# The guide's "Loss Function Characteristics Comparison" (robust, smooth,
# classification, regression), with the losses each row rates.
GUIDE_CHARACTERISTICS = {
    "MSE": (("mse",), (False, True, False, True)),
    "MAE": (("mae",), (True, False, False, True)),
    "Huber": (("huber",), (True, True, False, True)),
    "Cross-Entropy": (("bce", "cce", "sparse_cce"), (False, True, True, False)),
    "Hinge": (("hinge",), (False, False, True, False)),
    "Focal": (("focal",), (True, True, True, False)),
    "Dice/IoU": (("dice", "iou"), (True, False, True, False)),
}
COLUMNS = ("robust_to_outliers", "smooth_gradient", "use_in_classification", "use_in_regression")
# A task each rated loss is recommended for.
HOME_TASK = {
    "mse": "regression",
    "mae": "regression",
    "huber": "regression",
    "bce": "binary",
    "cce": "multiclass",
    "sparse_cce": "multiclass",
    "hinge": "binary",
    "focal": "classification",
    "dice": "segmentation",
    "iou": "segmentation",
}
CELLS = [(row, name, column) for row, (names, _) in GUIDE_CHARACTERISTICS.items() for name in names for column in COLUMNS]

# The guide's "Loss Function Types by Task".
GUIDE_TASK_TABLE = {
    "Regression": ("regression", {"mse", "mae", "huber"}),
    "Classification": ("classification", {"bce", "cce", "sparse_cce", "hinge", "kl_div"}),
    "Ranking": ("ranking", {"contrastive", "triplet"}),
    "Imbalance": ("imbalance", {"focal", "weighted_ce"}),
    "Generative": ("generative", {"adversarial", "perceptual", "wasserstein"}),
}


def names(document: dict) -> list[str]:
    return [r["loss"] for r in document["recommendations"]]


def entry(document: dict, loss: str) -> dict:
    return next(r for r in document["recommendations"] if r["loss"] == loss)


# --------------------------------------------------------------------------- tips


@pytest.mark.parametrize("tip, task, flags, expected", GUIDE_TIPS, ids=[f"{t[1]}-{'-'.join(t[3])}" for t in GUIDE_TIPS])
def test_every_tip_puts_its_losses_first_with_the_tip_as_reason(tip, task, flags, expected):
    document = losscli.recommend(task=task, **flags)
    top = document["recommendations"][: len(expected)]
    assert {r["loss"] for r in top} == expected
    for item in top:
        assert tip in item["tips"]
        assert item["reason"].startswith(tip)


def test_segmentation_ranks_dice_then_iou_with_the_tip():
    document = losscli.recommend(task="segmentation")
    assert names(document)[:2] == ["dice", "iou"]
    assert document["recommendations"][0]["reason"].startswith("Use Dice/IoU Loss for segmentation")
    assert document["recommendations"][0]["command"] == "losscli compute PRED --loss dice --sample-col image_id"


def test_tip_order_breaks_ties():
    # "MSE/MAE": mse before mae; "Contrastive/Triplet": contrastive first.
    assert names(losscli.recommend(task="regression"))[:2] == ["mse", "mae"]
    assert names(losscli.recommend(task="ranking"))[:2] == ["contrastive", "triplet"]


def test_tips_data_are_the_guide_tips():
    assert {t.text for t in knowledge.TIPS} == {t[0] for t in GUIDE_TIPS}


# --------------------------------------------------------------------------- characteristics


@pytest.mark.parametrize("name", sorted({n for names_, _ in GUIDE_CHARACTERISTICS.values() for n in names_}))
def test_registry_agrees_with_the_guides_table(name):
    row = next(r for r, (ns, _) in GUIDE_CHARACTERISTICS.items() if name in ns)
    expected = GUIDE_CHARACTERISTICS[row][1]
    values = get(name).characteristics.as_dict()
    assert tuple(values[c] for c in COLUMNS) == expected
    assert knowledge.guide_rating(name).row == row


@pytest.mark.parametrize("row, name, column", CELLS, ids=[f"{r}-{n}-{c}" for r, n, c in CELLS])
def test_every_characteristic_shapes_the_recommendation(row, name, column):
    expected = GUIDE_CHARACTERISTICS[row][1][COLUMNS.index(column)]
    task = HOME_TASK[name]
    plain = losscli.recommend(task=task)
    item = entry(plain, name)
    assert item["properties"][column] is expected
    assert item["properties"]["rated_by"] == f"guide: {row}"
    mark = "✔" if expected else "✘"
    if column == "robust_to_outliers":
        flagged = losscli.recommend(task=task, outliers=True)
        moved = entry(flagged, name)
        if expected:
            assert moved["rank"] <= item["rank"]
            assert f"robust to outliers (the guide's characteristics table, {row}: {mark}" in moved["reason"]
            assert "wanted for --outliers" in moved["reason"]
        else:
            assert moved["rank"] >= item["rank"]
            assert f"not robust to outliers (the guide's characteristics table, {row}: {mark}" in moved["reason"]
            assert "ranked down for --outliers" in moved["reason"]
    elif column == "smooth_gradient":
        assert (f"smooth gradient ✔ (guide: {row})" in item["reason"]) is expected
    elif column == "use_in_classification":
        in_classification = name in names(losscli.recommend(task="classification"))
        if expected:
            assert f"use in classification ✔ (guide: {row})" in item["reason"]
            assert in_classification or task == "segmentation"
        else:
            assert not in_classification
    else:
        in_regression = name in names(losscli.recommend(task="regression"))
        assert in_regression is expected
        if expected:
            assert f"use in regression ✔ (guide: {row})" in item["reason"]


def test_characteristics_data_are_the_guides_table():
    data = {r.row: r for r in knowledge.GUIDE_CHARACTERISTICS}
    assert set(data) == set(GUIDE_CHARACTERISTICS)
    for row, (losses, values) in GUIDE_CHARACTERISTICS.items():
        assert tuple(data[row].value(c) for c in COLUMNS) == values
        # A row may rate more of our losses (categorical_hinge is the guide's Hinge for many classes).
        assert set(losses) <= set(data[row].losses)


def test_outliers_move_robust_losses_above_mse_and_say_why():
    plain = losscli.recommend(task="regression")
    assert names(plain)[0] == "mse"
    flagged = losscli.recommend(task="regression", outliers=True)
    rank = {r["loss"]: r["rank"] for r in flagged["recommendations"]}
    for robust in ("mae", "huber", "log_cosh"):
        assert rank[robust] < rank["mse"]
    assert "Huber: ✔ tunable" in entry(flagged, "huber")["reason"]
    assert entry(flagged, "mse")["reason"].startswith("not robust to outliers (the guide's characteristics table, MSE: ✘)")
    # log_cosh is not in the guide's table: its rating is ours, and says so.
    assert "robust to outliers (losscli's rating: like MAE for large residuals)" in entry(flagged, "log_cosh")["reason"]


@pytest.mark.parametrize("flag", ["no", "false", 0, None])
def test_a_flag_that_is_not_a_boolean_is_refused_not_read_as_true(flag):
    # outliers="no" is truthy: it ranked mae above mse without a word.
    with pytest.raises(LossCliError, match=r"outliers must be True or False, not"):
        losscli.recommend(task="regression", outliers=flag)
    with pytest.raises(LossCliError, match=r"imbalanced must be True or False"):
        losscli.recommend(task="binary", imbalanced=flag)
    assert names(losscli.recommend(task="regression", outliers=np.bool_(False)))[0] == "mse"


def test_outliers_for_classification_follow_the_guides_focal_rating():
    flagged = losscli.recommend(task="classification", outliers=True)
    assert names(flagged)[0] == "focal"


# --------------------------------------------------------------------------- task table


@pytest.mark.parametrize("row", sorted(GUIDE_TASK_TABLE))
def test_every_task_table_row_is_cited(row):
    task, listed = GUIDE_TASK_TABLE[row]
    document = losscli.recommend(task=task)
    offered = set(names(document))
    assert listed <= offered
    for name in listed:
        assert f"the guide's loss-by-task table lists it for {row}" in entry(document, name)["reason"]
    # The listed losses outrank everything the guide does not name for the task.
    unnamed = [r["rank"] for r in document["recommendations"] if r["loss"] not in knowledge.covered_losses()]
    assert all(entry(document, n)["rank"] < min(unnamed, default=99) for n in listed)


def test_imbalanced_brings_focal_and_weighted_ce_up_for_classification():
    plain = losscli.recommend(task="classification")
    flagged = losscli.recommend(task="classification", imbalanced=True)
    assert names(flagged)[:2] == ["focal", "weighted_ce"]
    assert entry(flagged, "focal")["reason"].startswith("Use Focal Loss for class imbalance (--imbalanced)")
    assert "lists it for Imbalance (--imbalanced)" in entry(flagged, "weighted_ce")["reason"]
    assert entry(plain, "focal")["rank"] > 2


@pytest.mark.parametrize(
    "task, first",
    [
        ("regression", "mse"),
        ("classification", "bce"),
        ("binary", "bce"),
        ("multiclass", "cce"),
        ("ranking", "contrastive"),
        ("imbalance", "focal"),
        ("segmentation", "dice"),
        ("sequence", "ctc"),
        ("generative", "adversarial"),
    ],
)
def test_every_task_gets_a_sensible_answer(task, first):
    document = losscli.recommend(task=task)
    assert document["task"] == task
    assert names(document)[0] == first
    # Every loss the registry declares for the task is ranked, once.
    assert sorted(names(document)) == sorted(spec.name for spec in losses_for_task(task))
    assert [r["rank"] for r in document["recommendations"]] == list(range(1, len(document["recommendations"]) + 1))
    assert all(r["reason"] for r in document["recommendations"])


def test_spec_tasks_are_all_answered():
    assert set(TASKS) == {"regression", "classification", "binary", "multiclass", "ranking", "imbalance", "segmentation", "sequence", "generative"}


@pytest.mark.parametrize("alias, task", [("metric-learning", "ranking"), ("imbalanced", "imbalance"), ("gan", "generative"), ("speech", "sequence"), ("detection", "segmentation")])
def test_task_aliases_resolve(alias, task):
    assert losscli.recommend(task=alias)["task"] == task


def test_task_typo_gets_did_you_mean():
    with pytest.raises(LossCliError, match="did you mean 'segmentation'"):
        losscli.recommend(task="segmentaton")


@pytest.mark.parametrize("flags", [{}, {"outliers": True}, {"imbalanced": True}])
def test_needs_a_task_or_data_in_the_terms_of_python(flags):
    # A Python caller passes task=..., not --task: the hint names the parameters.
    with pytest.raises(LossCliError) as info:
        losscli.recommend(**flags)
    assert str(info.value) == "recommend needs a task, data or both (pass task='regression' (or another task), data='FILE' or y_true=LABELS)"


@pytest.mark.parametrize("args", [([1, 0, 1],), ([1, 0, 1], [0.9, 0.2, 0.6]), (np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6]))])
def test_arrays_given_as_positional_arguments_name_the_keywords(args):
    # recommend(y_true, y_pred), written as compute() is called, put the predictions on
    # outliers and said only "outliers must be True or False, not ndarray".
    with pytest.raises(LossCliError) as info:
        losscli.recommend(*args)
    assert str(info.value).startswith("the task must be a name such as 'regression', not ")
    assert info.value.hint.startswith("pass arrays as keywords: recommend(y_true=..., y_pred=...)")


def test_file_errors_name_the_parameters_of_recommend(tmp_path):
    path = tmp_path / "no_labels.csv"
    path.write_text("a,b\nx,1\ny,2\n")
    with pytest.raises(LossCliError) as info:
        losscli.recommend(data=str(path))
    assert str(info.value).endswith("(name it with label_col; columns: a, b)")
    with pytest.raises(LossCliError) as info:
        losscli.recommend(data=str(path), label_col="b", sample_col="q")
    assert "no column 'q' for sample_col" in str(info.value)
    assert "--" not in str(info.value)


# --------------------------------------------------------------------------- our own rules


def test_imbalanced_segmentation_follows_the_guides_tips_before_our_tversky_advice():
    # The guide: "Use Focal Loss for class imbalance", "Use Dice/IoU Loss for
    # segmentation"; tversky is losscli's own advice, so it comes after both.
    document = losscli.recommend(task="segmentation", imbalanced=True)
    assert names(document) == ["focal", "dice", "iou", "tversky"]
    assert entry(document, "focal")["tips"] == ["Use Focal Loss for class imbalance"]
    assert entry(document, "focal")["reason"].startswith("Use Focal Loss for class imbalance (--imbalanced)")
    assert entry(document, "focal")["command"] == "losscli compute PRED --loss focal"  # one mean over the pixels
    tversky = entry(document, "tversky")
    assert "losscli's advice" in tversky["reason"]
    assert "--loss tversky:alpha=0.3,beta=0.7" in tversky["command"]
    parse_spec(shlex.split(tversky["command"])[4])  # the suggested parameters are valid


def test_a_conditions_tip_adds_its_loss_only_where_it_classifies():
    # Focal classifies pixels of a mask, not regression targets or embeddings.
    assert "focal" not in names(losscli.recommend(task="segmentation"))
    for task in ("regression", "ranking", "sequence", "generative"):
        assert "focal" not in names(losscli.recommend(task=task, imbalanced=True)), task


@pytest.mark.parametrize(
    "task, first, cell",
    [
        ("detection", "iou", "IoU Loss, use cases: Object detection, segmentation"),
        ("object-detection", "iou", "IoU Loss, use cases: Object detection, segmentation"),
        ("semantic-segmentation", "dice", "Dice Loss, use cases: Semantic segmentation"),
        ("style-transfer", "perceptual", "Perceptual Loss, use cases: Style transfer, super-resolution"),
        ("similarity", "triplet", "Triplet Loss, use cases: FaceNet, similarity learning"),
        ("facenet", "triplet", "Triplet Loss, use cases: FaceNet, similarity learning"),
        ("face-verification", "contrastive", "Contrastive Loss, use cases: Siamese networks, face verification"),
        # The metric-learning tip names contrastive and triplet; the use case the user named outweighs it.
        ("recommendation", "cosine_embedding", "Cosine Embedding Loss, use cases: NLP and recommendation systems"),
        ("wgan", "wasserstein", "Wasserstein Loss, use cases: GAN training (WGAN)"),
        ("image-generation", "adversarial", "Adversarial Loss, use cases: Image, text generation"),
        ("handwriting-recognition", "ctc", "CTC Loss, use cases: Speech, handwriting recognition"),
    ],
)
def test_a_task_named_in_the_guides_use_cases_ranks_that_loss_first(task, first, cell):
    # The guide's specialised table, "Use Cases" column, as written there.
    document = losscli.recommend(task=task)
    assert names(document)[0] == first
    assert cell in document["recommendations"][0]["reason"]


def test_detection_ranks_iou_above_dice_and_segmentation_keeps_the_tips_order():
    assert names(losscli.recommend(task="detection"))[:2] == ["iou", "dice"]
    assert names(losscli.recommend(task="segmentation"))[:2] == ["dice", "iou"]


def test_a_reason_quotes_the_guide_before_our_advice():
    # bce ranks by the guide's tip; the pos_weight advice (ours) comes after it in the reason.
    reason = entry(losscli.recommend(task="binary", imbalanced=True), "bce")["reason"]
    assert reason.startswith("Use Cross-Entropy for classification (binary/multiclass); the guide's loss-by-task table")
    assert reason.index("losscli's advice") > reason.index("Use Cross-Entropy")


def test_our_advice_never_outranks_the_guides():
    # bce's pos_weight advice and tversky's are ours: each stays below every
    # loss the guide's tips name for the task and the condition.
    for task, tipped in (("binary", {"focal", "bce"}), ("segmentation", {"focal", "dice", "iou"})):
        document = losscli.recommend(task=task, imbalanced=True)
        ranks = {r["loss"]: r["rank"] for r in document["recommendations"]}
        ours = [r for r in document["recommendations"] if "losscli's advice" in r["reason"] and r["loss"] not in tipped]
        for item in ours:
            assert all(item["rank"] > ranks[name] for name in tipped), (task, item["loss"])


def test_pos_weight_is_filled_from_the_data_only():
    flagged = entry(losscli.recommend(task="binary", imbalanced=True), "bce")
    assert "pos_weight" in flagged["reason"]
    assert "pos_weight=" not in flagged["command"]  # no counts, no number to suggest
    labels = np.array([0] * 90 + [1] * 10)
    from_data = entry(losscli.recommend(y_true=labels), "bce")
    assert "--loss bce:pos_weight=9" in from_data["command"]  # 90 negatives / 10 positives


@pytest.mark.parametrize(
    "positives, negatives, weight, said",
    [
        # pos_weight = negatives/positives, by hand: 100/300 and 300/100.
        (300, 100, "0.3333", "the positives are the majority (300 of 400 labels): pos_weight = negatives/positives = 0.3333 down-weights them"),
        (100, 300, "3", "the positives are the minority (100 of 400 labels): pos_weight = negatives/positives = 3 up-weights them"),
    ],
)
def test_pos_weight_reason_says_what_it_does_on_these_counts(positives, negatives, weight, said):
    bce = entry(losscli.recommend(y_true=[1] * positives + [0] * negatives), "bce")
    assert f"--loss bce:pos_weight={weight}" in bce["command"]
    assert said in bce["reason"]
    assert "rare positive" not in bce["reason"]


def test_pos_weight_reason_without_counts_makes_no_claim_about_which_class_is_rare():
    reason = entry(losscli.recommend(task="binary", imbalanced=True), "bce")["reason"]
    assert "pos_weight = negatives/positives weights the positive class by the class ratio" in reason
    assert "rare" not in reason


@pytest.mark.parametrize(
    "labels, loss, phrase",
    [
        (np.eye(3)[[0, 1, 2, 1, 0] * 4], "cce", "one-hot columns"),
        (np.array([0, 1, 2, 1, 0] * 4), "sparse_cce", "class indices"),
        (np.array(["cat", "dog", "bird", "dog"] * 5, dtype=object), "sparse_cce", "class indices or names"),
    ],
)
def test_label_layout_nudges_the_matching_cross_entropy(labels, loss, phrase):
    document = losscli.recommend(y_true=labels)
    assert document["task"] == "multiclass"
    assert names(document)[0] == loss
    assert phrase in document["recommendations"][0]["reason"]


def test_soft_labels_nudge_kl_div_for_classification():
    soft = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]] * 5)
    plain = entry(losscli.recommend(task="classification"), "kl_div")
    nudged = entry(losscli.recommend(task="classification", y_true=soft), "kl_div")
    assert "probability distributions" in nudged["reason"]
    assert "probability distributions" not in plain["reason"]
    assert nudged["rank"] <= plain["rank"]


def test_soft_labels_in_the_data_recommend_kl_div_for_the_multiclass_task_they_infer():
    # The guide's KL Divergence: "Distance between two probability distributions",
    # use case "Probabilistic models". Soft labels are inferred as multiclass, a task
    # kl_div was not registered for, so it was never recommended on them.
    soft = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]] * 5)
    pred = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.3, 0.4, 0.3]] * 5)
    document = losscli.recommend(y_true=soft, y_pred=pred)
    assert document["task"] == "multiclass"
    ranked = names(document)
    # After the guide's tip for cross-entropy, before the losses the guide's task table does not list.
    assert "kl_div" in ranked and ranked.index("kl_div") < ranked.index("label_smoothing_ce")
    assert "probability distributions" in entry(document, "kl_div")["reason"]
    assert "kl_div" in losscli.available("multiclass")


def test_every_rating_of_losscli_says_why_and_recommend_quotes_it():
    # The guide's rows carry the guide's cell; losscli's own ratings carry their reason,
    # which recommend quotes. rmse, quantile and poisson were "robust to outliers
    # (losscli's rating)" with no why, and mape's smooth gradient ✘ had none either.
    for spec in losscli.registry.all_specs():
        if knowledge.guide_rating(spec.name):
            continue
        ratings = spec.characteristics.as_dict()
        if ratings["robust_to_outliers"] is not None:
            assert ratings["notes"].get("robust"), spec.name
        if ratings["smooth_gradient"] is False:
            assert ratings["notes"].get("smooth"), spec.name
    reasons = {item["loss"]: item["reason"] for item in losscli.recommend(task="regression", outliers=True)["recommendations"]}
    assert "(losscli's rating: linear in the residual, as MAE" in reasons["quantile"]
    assert "(losscli's rating: the square root of MSE" in reasons["rmse"]
    assert "(losscli's rating: on log-rates p (the default) the gradient exp(p) - y" in reasons["poisson"]


def test_rule_names_and_table_names_are_registered():
    assert knowledge.check_names() == []


# --------------------------------------------------------------------------- document shape


def test_json_document_follows_spec_section_1():
    document = losscli.recommend(task="regression", outliers=True)
    assert list(document) == ["schema", "task", "inferred", "recommendations"]
    assert document["schema"] == 1 and document["inferred"] is None
    for item in document["recommendations"]:
        # SPEC's keys in its order, then losscli's own: whether the command ran on --data.
        assert list(item) == ["loss", "rank", "reason", "tips", "properties", "command", "runs_on_data"]
        assert item["runs_on_data"] is None  # no --data
        assert isinstance(item["tips"], list) and isinstance(item["properties"], dict)
        for column in COLUMNS:
            assert column in item["properties"]
    json.dumps(document, allow_nan=False)


def test_inferred_object_follows_spec_section_1():
    document = losscli.recommend(y_true=[0.5, 1.5, 2.25, 3.0, 4.5])
    assert list(document["inferred"]) == ["task", "imbalance_ratio", "imbalanced", "outliers", "evidence"]
    assert document["inferred"]["task"] == "regression" == document["task"]
    assert document["inferred"]["imbalance_ratio"] is None


def test_task_given_wins_over_the_data_and_the_evidence_says_so():
    document = losscli.recommend(task="regression", y_true=[0, 1, 0, 1, 1, 0])
    assert document["task"] == "regression"
    assert document["inferred"]["task"] == "binary"
    assert "--task regression takes precedence" in document["inferred"]["evidence"][-1]


def test_inferred_outliers_rank_robust_losses_up_and_say_so():
    rng = np.random.default_rng(3)
    y = rng.normal(size=400)
    y[:20] = 50.0  # 5% gross outliers
    document = losscli.recommend(y_true=y)
    assert document["inferred"]["outliers"] is True
    assert names(document)[0] == "mae"
    assert "wanted for outliers in the data" in document["recommendations"][0]["reason"]


# --------------------------------------------------------------------------- commands


@pytest.mark.parametrize("task", TASKS)
def test_every_suggested_command_names_a_valid_loss_and_its_roles(task):
    for item in losscli.recommend(task=task)["recommendations"]:
        words = shlex.split(item["command"])
        assert words[:3] == ["losscli", "compute", "PRED"]
        bound = parse_spec(words[words.index("--loss") + 1])
        assert bound.name == item["loss"]
        roles = {r.name for r in bound.spec.roles}
        cols = [words[i + 1].split("=")[0] for i, w in enumerate(words) if w == "--col"]
        assert set(cols) <= roles
        required = {r.name for r in bound.spec.roles if not r.optional} - {"y_true", "y_pred"}
        assert required <= set(cols)


def test_triplet_command_spells_out_its_roles():
    item = entry(losscli.recommend(task="ranking"), "triplet")
    assert item["command"] == (
        "losscli compute PRED --loss triplet --col anchor='anchor*' --col positive='positive*' --col negative='negative*'"
    )


def test_compute_command_quotes_for_the_shell():
    spec = get("dice")
    line = knowledge.compute_command(spec, "my masks.csv", flags=("--sample-col", "image_id"))
    assert shlex.split(line) == ["losscli", "compute", "my masks.csv", "--loss", "dice", "--sample-col", "image_id"]


_CLAIM = re.compile(r"(robust to outliers|smooth gradient|use in classification|use in regression) ([✔✘]) \(([^)]*)\)")


@pytest.mark.parametrize("flags", [{}, {"outliers": True}, {"imbalanced": True}], ids=["plain", "outliers", "imbalanced"])
@pytest.mark.parametrize("task", TASKS)
def test_every_rating_a_reason_quotes_is_the_one_info_shows(task, flags):
    """Each recommended loss exists, and each 'property ✔/✘ (rater)' in its reason is its
    row of the characteristics table that list and info show, with the same rater."""
    keys = {title: key for key, title in CHARACTERISTIC_TITLES.items()}
    for item in knowledge.recommend(task=task, **flags)["recommendations"]:
        shown = knowledge.properties(get(item["loss"]))
        for title, mark, rater in _CLAIM.findall(item["reason"]):
            assert (mark == "✔", rater) == (shown[keys[title]], shown["rated_by"]), (item["loss"], title, item["reason"])
