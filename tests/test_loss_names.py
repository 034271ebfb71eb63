"""Loss and task names as users of PyTorch, Keras and scikit-learn type them."""

from __future__ import annotations

import re

import numpy as np
import pytest

import losscli
from losscli.errors import LossCliError
from losscli.registry import get, resolve_task

from conftest import assert_usage_error

# The loss classes of torch.nn (PyTorch 2.x documentation, "Loss Functions"), and the
# functions of torch.nn.functional of the same names.
TORCH_LOSS_CLASSES = (
    "L1Loss", "MSELoss", "CrossEntropyLoss", "CTCLoss", "NLLLoss", "PoissonNLLLoss", "GaussianNLLLoss",
    "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
    "MultiLabelMarginLoss", "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "CosineEmbeddingLoss", "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
)  # fmt: skip


# Same computation on the same inputs as the losscli loss: the name simply resolves.
@pytest.mark.parametrize(
    "name, loss",
    [
        # PyTorch classes (torch.nn) and functions (torch.nn.functional)
        ("MSELoss", "mse"), ("L1Loss", "mae"), ("BCELoss", "bce"), ("SmoothL1Loss", "smooth_l1"),
        ("HuberLoss", "huber"), ("PoissonNLLLoss", "poisson"), ("GaussianNLLLoss", "gaussian_nll"),
        ("TripletMarginLoss", "triplet"), ("CosineEmbeddingLoss", "cosine_embedding"), ("CTCLoss", "ctc"),
        ("nn.MSELoss", "mse"), ("torch.nn.HuberLoss", "huber"), ("F.mse_loss", "mse"), ("smooth_l1_loss", "smooth_l1"),
        # Keras classes (keras.losses)
        ("MeanSquaredError", "mse"), ("BinaryCrossentropy", "bce"), ("CategoricalCrossentropy", "cce"),
        ("SparseCategoricalCrossentropy", "sparse_cce"), ("KLDivergence", "kl_div"), ("LogCosh", "log_cosh"),
        ("CategoricalHinge", "categorical_hinge"), ("SquaredHinge", "squared_hinge"),
        # scikit-learn metrics
        ("mean_pinball_loss", "quantile"), ("hinge_loss", "hinge"), ("log_loss", "bce"),
        # losscli's own names with a 'loss' suffix, and names users wrote before
        ("rmse_loss", "rmse"), ("cce_loss", "cce"), ("MSELOSS", "mse"), ("IoU", "iou"), ("nll", "sparse_cce"),
        ("kl_div", "kl_div"),
    ],
)  # fmt: skip
def test_library_names_of_the_same_loss_resolve(name, loss):
    assert get(name).name == loss


# Names of another computation, or of other inputs: an error that says what to write.
@pytest.mark.parametrize(
    "name, fragments",
    [
        ("BCEWithLogitsLoss", ("bce on logits", "--loss bce --from-logits")),
        ("F.binary_cross_entropy_with_logits", ("--loss bce --from-logits",)),
        ("CrossEntropyLoss", ("reads logits", "--loss cce --from-logits")),
        ("F.cross_entropy", ("--loss cce --from-logits",)),
        ("NLLLoss", ("log-probabilities", "--loss sparse_cce --from-logits")),
        ("nll_loss", ("--loss sparse_cce --from-logits",)),
        ("KLDivLoss", ("log-probabilities", "batchmean", "--loss kl_div --from-logits")),
        ("SoftMarginLoss", ("labels 0/1", "--loss bce --from-logits")),
        ("MultiLabelSoftMarginLoss", ("one column per label", "--loss bce --from-logits")),
        ("TripletMarginWithDistanceLoss", ("--loss triplet",)),
        ("BinaryFocalCrossentropy", ("--loss focal:convention=keras",)),
        ("MarginRankingLoss", ("no equivalent of PyTorch's MarginRankingLoss",)),
        ("HingeEmbeddingLoss", ("no equivalent of PyTorch's HingeEmbeddingLoss",)),
        # torch.nn.MultiMarginLoss() equals categorical_hinge:form=weston_watkins (tests/test_conventions.py).
        ("MultiMarginLoss", ("Weston-Watkins", "--loss categorical_hinge:form=weston_watkins")),
        ("MultiLabelMarginLoss", ("no equivalent",)),
        # sklearn.metrics.mean_poisson_deviance equals poisson:deviance=true,log_input=false (test below).
        ("mean_poisson_deviance", ("rates", "--loss poisson:deviance=true,log_input=false")),
    ],
)  # fmt: skip
def test_library_names_of_other_inputs_say_what_to_write(name, fragments):
    with pytest.raises(LossCliError) as error:
        get(name)
    text = str(error.value)
    assert text.startswith(f"unknown loss '{name}': ") and "did you mean" not in text, text
    for fragment in fragments:
        assert fragment in text, (fragment, text)


@pytest.mark.parametrize("name", TORCH_LOSS_CLASSES)
def test_no_torch_loss_class_gets_a_near_spelling_for_an_answer(name):
    # The reported misses: MSELoss -> dice_loss, NLLLoss -> pinball_loss, L1Loss -> logloss.
    try:
        get(name)
    except LossCliError as error:
        assert "did you mean" not in str(error) and "write" in str(error) or "no equivalent" in str(error), str(error)


@pytest.mark.parametrize(
    "typo, suggestion",
    [("MSELos", "mse"), ("hubr", "huber"), ("HuberLos", "huber"), ("smoth_l1_loss", "smooth_l1"), ("tripplet_loss", "triplet")],
)
def test_typos_of_library_names_suggest_the_loss(typo, suggestion):
    with pytest.raises(LossCliError, match=f"did you mean '{suggestion}'"):
        get(typo)


@pytest.mark.parametrize("typo, suggestion", [("huberr", "huber"), ("focal_los", "focal"), ("wasser", "wasserstein"), ("categorical_hindge", "categorical_hinge")])
def test_typos_and_starts_of_names_suggest_the_loss(typo, suggestion):
    with pytest.raises(LossCliError, match=f"did you mean '{suggestion}'"):
        get(typo)


@pytest.mark.parametrize("name", ["nonexistent", "precision", "nothing", "entropy", "distance", "total"])
def test_a_name_that_only_shares_letters_with_a_loss_gets_no_suggestion(name):
    # Reported: 'losscli info nonexistent' asked "did you mean 'content_loss'?".
    with pytest.raises(LossCliError) as error:
        get(name)
    assert "did you mean" not in str(error.value), str(error.value)


def test_names_as_libraries_write_them_resolve_rather_than_get_a_suggestion(cli):
    for name, loss in (("crossentropy", "cce"), ("MSELoss", "mse")):
        result = cli("info", name)
        assert result.exit_code == 0 and result.stdout.startswith(f"{loss}  "), result.stdout


@pytest.mark.parametrize("typo", ["lgloss", "MSELos", "dicee_loss", "wgan_los"])
def test_a_suggestion_is_a_name_that_resolves(typo):
    # Names are compared without 'loss', but 'log_loss' without it is 'log', which is no loss.
    with pytest.raises(LossCliError) as error:
        get(typo)
    suggestion = re.search(r"did you mean '([^']+)'", str(error.value)).group(1)
    assert suggestion not in ("log", "mse_"), suggestion
    get(suggestion)


# Every loss name in the source notes' tables, headings and tips, as they write it.
NOTES_NAMES = [
    ("Mean Squared Error", "mse"), ("Mean Absolute Error", "mae"), ("Huber Loss", "huber"), ("Log-Cosh", "log_cosh"),
    ("Cross-Entropy", "cce"), ("Cross-Entropy Loss", "cce"), ("Log Loss", "bce"), ("Binary Cross-Entropy", "bce"),
    ("Categorical CE", "cce"), ("Sparse Categorical CE", "sparse_cce"), ("Hinge Loss", "hinge"), ("KL Divergence", "kl_div"),
    ("Kullback-Leibler Divergence", "kl_div"), ("Focal Loss", "focal"), ("Label Smoothing CE", "label_smoothing_ce"),
    ("Weighted CE Loss", "weighted_ce"), ("Contrastive Loss", "contrastive"), ("Triplet Loss", "triplet"),
    ("Cosine Embedding Loss", "cosine_embedding"), ("CTC Loss", "ctc"), ("Dice Loss", "dice"), ("IoU Loss", "iou"),
    ("Perceptual Loss", "perceptual"), ("Wasserstein Loss", "wasserstein"), ("Adversarial Loss", "adversarial"),
    ("L1 Loss", "mae"), ("L2 Loss", "mse"), ("cross entropy", "cce"), ("Sparse Categorical Cross-Entropy", "sparse_cce"),
]  # fmt: skip


@pytest.mark.parametrize("name, loss", NOTES_NAMES)
def test_every_loss_name_of_the_source_notes_resolves(name, loss):
    # 'IoU Loss', 'Categorical CE' and 'Kullback-Leibler Divergence' were unknown,
    # 'Cross-Entropy Loss' was read as PyTorch's CrossEntropyLoss (logits).
    assert get(name).name == loss


def test_a_name_in_words_resolves_on_the_command_line_and_a_class_name_keeps_its_advice(cli, tmp_path):
    data = tmp_path / "iou.csv"
    data.write_text("y_true,y_pred\n1,1\n1,0.5\n0,0\n")
    result = cli("compute", data, "--loss", "IoU Loss:smooth=0", "--format", "csv")
    # I = 1.5, P = 1.5, T = 2: 1 - 1.5 / (1.5 + 2 - 1.5) = 0.25, by hand from the formula in SPEC 4.1.
    assert result.exit_code == 0 and "iou:smooth=0,0.25," in result.stdout, result.stdout
    assert_usage_error(cli("info", "CrossEntropyLoss"), "--loss cce --from-logits")
    assert_usage_error(cli("info", "BCE With Logits Loss"), "--loss bce --from-logits")


def test_the_command_line_takes_a_library_name_and_explains_one_it_does_not(cli, tmp_path):
    data = tmp_path / "r.csv"
    data.write_text("y_true,y_pred\n1,2\n3,5\n")
    ok = cli("compute", data, "--loss", "MSELoss", "--format", "csv")
    assert ok.exit_code == 0 and "mse," in ok.stdout
    assert_usage_error(cli("compute", data, "--loss", "BCEWithLogitsLoss"), "unknown loss 'BCEWithLogitsLoss'", "--loss bce --from-logits")
    assert_usage_error(cli("info", "NLLLoss"), "--loss sparse_cce --from-logits")


# --------------------------------------------------------------------------- the advice computes the library's loss


def _advised(name):
    """(loss, from_logits) of the command an advice writes."""
    with pytest.raises(LossCliError) as error:
        get(name)
    hint = error.value.hint
    return re.search(r"--loss (\w+)", hint).group(1), "--from-logits" in hint


@pytest.mark.torch
def test_the_advice_for_torch_losses_of_log_probabilities_and_signs_gives_their_values():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    t = torch.tensor
    logits = rng.normal(0, 3, (40, 4))
    log_probs = F.log_softmax(t(logits), dim=1)
    classes = rng.integers(0, 4, 40)
    target = rng.dirichlet(np.ones(4), 40)
    signs = rng.integers(0, 2, 40).astype(float)
    labels = rng.integers(0, 2, (40, 4)).astype(float)
    cases = {
        "NLLLoss": (classes.astype(float), log_probs.numpy(), torch.nn.NLLLoss()(log_probs, t(classes))),
        "KLDivLoss": (target, log_probs.numpy(), torch.nn.KLDivLoss(reduction="batchmean")(log_probs, t(target))),
        "SoftMarginLoss": (signs, logits[:, 0], torch.nn.SoftMarginLoss()(t(logits[:, 0]), t(2 * signs - 1))),
        "MultiLabelSoftMarginLoss": (labels, logits, torch.nn.MultiLabelSoftMarginLoss()(t(logits), t(labels))),
        "BCEWithLogitsLoss": (signs, logits[:, 0], torch.nn.BCEWithLogitsLoss()(t(logits[:, 0]), t(signs))),
        "CrossEntropyLoss": (classes.astype(float), logits, torch.nn.CrossEntropyLoss()(t(logits), t(classes))),
    }
    for name, (y_true, y_pred, expected) in cases.items():
        loss, from_logits = _advised(name)
        assert from_logits, name
        assert losscli.compute(loss, y_true, y_pred, from_logits=True) == pytest.approx(expected.item(), rel=1e-9), name


# --------------------------------------------------------------------------- tasks


@pytest.mark.parametrize(
    "name, task",
    [("seg", "segmentation"), ("seq", "sequence"), ("speech recognition", "sequence"), ("Speech-Recognition", "sequence"),
     # the guide's tip: "Use CTC Loss for unaligned sequence-to-sequence tasks"
     ("sequence-to-sequence", "sequence"), ("sequence to sequence", "sequence"),
     # the guide's use cases, which "did you mean" sent to classification and segmentation
     ("face verification", "ranking"), ("recommendation", "ranking")],
)  # fmt: skip
def test_task_abbreviations_and_phrases_resolve(name, task):
    assert resolve_task(name) == task


@pytest.mark.parametrize(
    "name, suggestion",
    [("segm", "segmentation"), ("gener", "generative"), ("speech to text", "sequence"), ("image segmentation", "segmentation"),
     ("regresion", "regression")],
)  # fmt: skip
def test_task_prefixes_and_words_suggest_the_task_they_name(name, suggestion):
    # Reported: seg -> 'reg', speech recognition -> 'super-resolution'.
    with pytest.raises(LossCliError, match=f"did you mean '{suggestion}'"):
        resolve_task(name)


@pytest.mark.parametrize("name", ["multilabel", "multi-label", "Multi_Label", "multi-label classification"])
def test_multilabel_says_how_losscli_scores_it_instead_of_suggesting_multiclass(name):
    with pytest.raises(LossCliError) as error:
        resolve_task(name)
    text = str(error.value)
    assert "did you mean" not in text and "'multiclass'" not in text, text
    assert "one column per label" in text and "--loss bce" in text, text


def test_multilabel_advice_computes_what_it_says():
    # bce over label columns = the mean of each column's binary cross-entropy (the advice's claim).
    labels = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    probs = np.array([[0.9, 0.2, 0.6], [0.3, 0.1, 0.8]])
    columns = [losscli.compute("bce", labels[:, j], probs[:, j]) for j in range(3)]
    assert losscli.compute("bce", labels, probs) == pytest.approx(np.mean(columns), rel=1e-12)
    focal_columns = [losscli.compute("focal", labels[:, j], probs[:, j]) for j in range(3)]
    assert losscli.compute("focal", labels, probs, multiclass="sigmoid") == pytest.approx(np.mean(focal_columns), rel=1e-12)


def test_list_task_multilabel_is_one_error_line(cli):
    assert_usage_error(cli("list", "--task", "multilabel"), "unknown task 'multilabel'", "one column per label")


def test_the_spec_named_for_mean_poisson_deviance_computes_it():
    from sklearn.metrics import mean_poisson_deviance

    y_true, rates = [0.0, 1.0, 3.0, 2.0], [0.5, 1.5, 2.0, 2.5]
    value = losscli.compute("poisson", y_true, rates, deviance=True, log_input=False)
    # sklearn.metrics.mean_poisson_deviance
    assert value == pytest.approx(mean_poisson_deviance(y_true, rates), rel=1e-12)
