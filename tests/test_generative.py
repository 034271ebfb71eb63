"""Generative losses: wasserstein, wasserstein_distance, adversarial, perceptual.

Expected values name their source beside them: hand-worked cases (arithmetic
in the comment), scipy.stats.wasserstein_distance, scikit-learn, and PyTorch
itself in the tests marked ``torch``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import mean_absolute_error, mean_squared_error

import losscli
from losscli import LossCliError
from losscli.engine import Batch, evaluate
from losscli.registry import bind, get, parse_spec

REL = 1e-6
LOG_EPS = -math.log(1e-7)  # 16.11809565095832, the cost of a probability clipped at eps = 1e-7


def approx(value: float, rel: float = REL) -> object:
    return pytest.approx(value, rel=rel, abs=1e-12)


def evaluate_in_batches(name: str, parts: list[dict], weights: list | None = None, **params: object) -> float | None:
    """The loss over several engine batches, merged (as a streamed file is)."""
    bound = bind(get(name), params)
    batches = []
    for index, part in enumerate(parts):
        arrays = {role: np.asarray(values, dtype=np.float64) for role, values in part.items()}
        n = len(arrays["y_true"])
        batch_weights = None if weights is None else np.asarray(weights[index], dtype=np.float64)
        batches.append(Batch(arrays=[arrays], n=n, weights=batch_weights))
    outcomes, _ = evaluate(batches, [bound])
    return outcomes[0].overall.value


# --------------------------------------------------------------------------- wasserstein (WGAN)

CRITIC_LABELS = [1, 1, 0, 0, 0]
CRITIC_SCORES = [2.0, 4.0, 1.0, -1.0, 3.0]


def test_wasserstein_critic_hand_worked() -> None:
    # Hand-worked (keras-io WGAN-GP sign): mean D(fake) - mean D(real) = (1 - 1 + 3)/3 - (2 + 4)/2 = 1 - 3 = -2.
    assert losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES) == approx(-2.0)


def test_wasserstein_generator_hand_worked() -> None:
    # Hand-worked: -mean D(fake) = -(1 - 1 + 3)/3 = -1; real rows are ignored.
    assert losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, side="generator") == approx(-1.0)


def test_generator_losses_of_zero_scores_are_zero_not_minus_zero(cli, tmp_path) -> None:
    # Hand-worked: fake scores 1 and -1 average 0, so -mean D(fake) = 0; the hinge
    # generator's -D(fake) on scores of 0 is 0. They printed as -0 ('-0.0' in JSON).
    labels, scores = np.array([1, 1, 0, 0]), np.array([2.0, 4.0, 1.0, -1.0])
    for value in (
        losscli.compute("wasserstein", labels, scores, side="generator"),
        losscli.compute("wasserstein", labels, scores, side="generator", reduction="sum"),
        losscli.compute("adversarial", labels, np.array([2.0, 4.0, 0.0, 0.0]), side="generator", form="hinge"),
    ):
        assert value == 0.0 and math.copysign(1.0, value) == 1.0
    data = tmp_path / "critic.csv"
    data.write_text("y_true,y_pred\n1,2\n1,4\n0,1\n0,-1\n")
    result = cli("compute", data, "--loss", "wasserstein:side=generator", "--format", "json")
    assert json.loads(result.stdout)["results"][0]["value"] == 0.0 and '"value": -0' not in result.stdout


def test_wasserstein_sum_reduction_adds_the_scores() -> None:
    # Hand-worked: critic sum D(fake) - sum D(real) = (1 - 1 + 3) - (2 + 4) = -3; generator -sum D(fake) = -3.
    assert losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, reduction="sum") == approx(-3.0)
    assert losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, side="generator", reduction="sum") == approx(-3.0)


def test_wasserstein_sum_reduction_on_the_command_line_with_groups(cli, tmp_path) -> None:
    path = tmp_path / "critic.csv"
    path.write_text("y_true,y_pred,g\n1,2,a\n1,4,b\n0,1,a\n0,-1,b\n0,3,b\n")
    result = cli("compute", path, "--loss", "wasserstein", "--reduction", "sum", "--by", "g", "-f", "json")
    assert result.exit_code == 0, result.stderr
    values = {str(r["group"]): r["value"] for r in json.loads(result.stdout)["results"]}
    # Hand-worked: all rows -3 (as above); group a: 1 - 2 = -1; group b: (-1 + 3) - 4 = -2.
    assert values == {"None": approx(-3.0), "{'g': 'a'}": approx(-1.0), "{'g': 'b'}": approx(-2.0)}


def test_wasserstein_accepts_minus_one_for_fake() -> None:
    labels = [1, 1, -1, -1, -1]
    assert losscli.compute("wasserstein", labels, CRITIC_SCORES) == approx(-2.0)  # same hand-worked -2


def test_wasserstein_weighted_means_per_kind() -> None:
    # Hand-worked with w = [1, 3, 1, 1, 2]: real (2*1 + 4*3)/4 = 3.5; fake (1 - 1 + 3*2)/4 = 1.5; 1.5 - 3.5 = -2.
    value = losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, sample_weight=[1, 3, 1, 1, 2])
    assert value == approx(-2.0)
    # Hand-worked with w = [3, 1, 1, 1, 1]: real (6 + 4)/4 = 2.5; fake (1 - 1 + 3)/3 = 1; 1 - 2.5 = -1.5.
    assert losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, sample_weight=[3, 1, 1, 1, 1]) == approx(-1.5)


def test_wasserstein_halves_merged_equal_the_whole() -> None:
    # The first batch holds only real rows, the second only fake rows: the
    # separate means must still come from the merged sums.
    whole = losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES)
    parts = [
        {"y_true": CRITIC_LABELS[:2], "y_pred": CRITIC_SCORES[:2]},
        {"y_true": CRITIC_LABELS[2:], "y_pred": CRITIC_SCORES[2:]},
    ]
    assert evaluate_in_batches("wasserstein", parts, side="critic") == approx(whole)
    weights = [[1, 3], [1, 1, 2]]
    merged = evaluate_in_batches("wasserstein", parts, weights=weights, side="critic")
    assert merged == approx(losscli.compute("wasserstein", CRITIC_LABELS, CRITIC_SCORES, sample_weight=[1, 3, 1, 1, 2]))


def test_wasserstein_per_sample_averages_sample_critics() -> None:
    # Hand-worked: sample A, y = [1, 0], D = [3, 1]: 1 - 3 = -2; sample B, y = [1, 0, 0], D = [0, 2, 4]:
    # 3 - 0 = 3; mean over samples = 0.5.
    value = losscli.compute("wasserstein", [1, 0, 1, 0, 0], [3.0, 1.0, 0.0, 2.0, 4.0], sample_ids=["a", "a", "b", "b", "b"])
    assert value == approx(0.5)


def test_wasserstein_without_real_rows_has_no_critic_value() -> None:
    with pytest.warns(RuntimeWarning, match="returning NaN"):
        assert math.isnan(losscli.compute("wasserstein", [0, 0], [1.0, 2.0]))
    # ... but the generator side only needs fake rows: -(1 + 2)/2 = -1.5 (hand-worked).
    assert losscli.compute("wasserstein", [0, 0], [1.0, 2.0], side="generator") == approx(-1.5)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("wasserstein", "it needs both real rows (label 1) and fake rows (label 0 or -1), and one kind is missing"),
        ("wasserstein:side=generator", "no fake rows (label 0 or -1), which the generator side is computed on"),
        ("adversarial", "it needs both real rows (label 1) and fake rows (label 0 or -1), and one kind is missing"),
        ("adversarial:side=generator,form=hinge", "no fake rows (label 0 or -1), which the generator side is computed on"),
    ],
)
def test_a_file_of_real_rows_only_says_why_there_is_no_value(cli, tmp_path, spec, reason) -> None:
    # Used to warn only "the value is not a number".
    path = tmp_path / "real_only.csv"
    path.write_text("is_real,d_out\n1,0.9\n1,0.7\n")
    result = cli("compute", path, "--loss", spec, "-f", "json")
    assert result.exit_code == 0, result.stderr
    (entry,) = json.loads(result.stdout)["results"]
    assert entry["value"] is None
    assert entry["warning"] == f"{spec}: {reason}; reported as null"


def test_a_group_without_fake_rows_says_so_and_the_others_keep_their_value(cli, tmp_path) -> None:
    path = tmp_path / "by_run.csv"
    path.write_text("run,is_real,d_out\na,1,3.0\na,0,1.0\nb,1,2.0\n")
    result = cli("compute", path, "--loss", "wasserstein", "--by", "run", "-f", "json")
    results = {r["group"]["run"] if r["group"] else None: r for r in json.loads(result.stdout)["results"]}
    assert results["a"]["value"] == approx(-2.0)  # hand-worked: 1 - 3
    assert results["b"]["value"] is None
    assert "and one kind is missing" in results["b"]["warning"]
    assert results[None]["value"] == approx(1.0 - 2.5)  # hand-worked: mean fake 1, mean real (3 + 2) / 2


def test_wasserstein_rejects_other_labels_with_the_row() -> None:
    with pytest.raises(LossCliError, match="real/fake label") as caught:
        losscli.compute("wasserstein", [1, 0, 0.5], [1.0, 2.0, 3.0])
    assert caught.value.row == 3 and caught.value.role == "y_true"


# --------------------------------------------------------------------------- wasserstein_distance (EMD)


def test_emd_research_anchor() -> None:
    # scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) = 5.0 (research anchor, verified):
    # every quantile moves by 5.
    assert losscli.compute("emd", [5.0, 6.0, 8.0], [0.0, 1.0, 3.0]) == approx(5.0)


def test_emd_hand_worked_unequal_spread() -> None:
    # Hand-worked: y_pred = [0, 2], y_true = [1, 1]: CDFs differ by 1/2 on [0, 1) and on [1, 2):
    # 0.5 * 1 + 0.5 * 1 = 1.0.
    assert losscli.compute("wasserstein_distance", [1.0, 1.0], [0.0, 2.0]) == approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_emd_matches_scipy_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=300)
    y_pred = rng.gamma(2.0, size=300)
    y_pred[:20] = y_true[:20]  # ties across the two columns
    expected = scipy.stats.wasserstein_distance(y_pred, y_true)  # scipy reference
    assert losscli.compute("emd", y_true, y_pred) == approx(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_emd_weights_match_scipy_u_and_v_weights(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=200)
    y_pred = rng.normal(loc=1.0, size=200)
    weights = rng.uniform(0.0, 3.0, size=200)
    expected = scipy.stats.wasserstein_distance(y_pred, y_true, weights, weights)  # scipy reference
    assert losscli.compute("emd", y_true, y_pred, sample_weight=weights) == approx(expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_emd_integrated_in_small_pieces_equals_scipy(weighted: bool, monkeypatch) -> None:
    """The pooled values are integrated a bounded piece at a time; pieces of 7
    points, some ending inside runs of ties, still give scipy's value."""
    from losscli.losses import generative

    monkeypatch.setattr(generative, "_PIECE", 7)
    rng = np.random.default_rng(11)
    y_true = np.round(rng.normal(size=500), 1)  # many ties, within and across columns
    y_pred = np.round(rng.normal(loc=0.3, size=400), 1)
    weights = rng.uniform(0.1, 2.0, size=500) if weighted else None
    pred = np.concatenate([y_pred, y_pred[:100]])
    expected = scipy.stats.wasserstein_distance(pred, y_true, weights, weights)  # scipy reference
    assert losscli.compute("emd", y_true, pred, sample_weight=weights) == approx(expected, rel=1e-12)


def test_emd_ignores_row_pairing_and_is_zero_for_the_same_values() -> None:
    values = np.array([3.0, -1.0, 2.5, 2.5, 10.0])
    assert losscli.compute("emd", values, values[::-1]) == 0.0


def test_emd_one_row_is_the_absolute_difference() -> None:
    # Hand-worked: one point each, all mass moves |2 - (-1.5)| = 3.5.
    assert losscli.compute("emd", [-1.5], [2.0]) == approx(3.5)


def test_emd_batches_merged_equal_the_whole() -> None:
    rng = np.random.default_rng(7)
    y_true, y_pred = rng.normal(size=50), rng.normal(size=50)
    parts = [{"y_true": y_true[:20], "y_pred": y_pred[:20]}, {"y_true": y_true[20:], "y_pred": y_pred[20:]}]
    assert evaluate_in_batches("emd", parts) == approx(scipy.stats.wasserstein_distance(y_pred, y_true))


def test_emd_of_a_group_whose_weights_sum_to_zero_says_so(tmp_path) -> None:
    from typer.testing import CliRunner

    from losscli.cli import app

    path = tmp_path / "weighted.csv"
    path.write_text("y_true,y_pred,w,g\n1,3,0,a\n2,1,0,a\n3,2,1,b\n4,2,2,b\n")
    result = CliRunner().invoke(app, ["compute", str(path), "--loss", "emd", "--weight-col", "w", "--by", "g", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    by_group = {json.dumps(r["group"]): r for r in json.loads(result.stdout)["results"]}
    # scipy.stats.wasserstein_distance([2, 2], [3, 4], [1, 2], [1, 2]) = 5/3, for the whole file and for group b
    assert by_group["null"]["value"] == approx(5 / 3)
    assert by_group['{"g": "b"}']["value"] == approx(5 / 3)
    assert by_group['{"g": "a"}']["value"] is None
    assert "sample weights of these rows sum to zero" in by_group['{"g": "a"}']["warning"]


def test_emd_rejects_negative_weights_and_several_columns() -> None:
    with pytest.raises(LossCliError, match="negative sample weight -1"):
        losscli.compute("emd", [1.0, 2.0], [1.0, 3.0], sample_weight=[1.0, -1.0])
    with pytest.raises(LossCliError, match="one y_pred column"):
        losscli.compute("emd", [1.0, 2.0], [[1.0, 0.0], [3.0, 0.0]])


# --------------------------------------------------------------------------- adversarial

GAN_LABELS = [1, 1, 0, 0]
GAN_PROBS = [0.9, 0.8, 0.2, 0.4]
GAN_SCORES = [2.0, 0.5, -1.0, 0.5]


def test_adversarial_discriminator_hand_worked() -> None:
    # Hand-worked (PyTorch DCGAN: BCE(D(real), 1) + BCE(D(fake), 0)):
    # real: (-ln 0.9 - ln 0.8)/2 = 0.328504067/2; fake: (-ln 0.8 - ln 0.6)/2 = 0.733969175/2; sum = 0.531236621.
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS) == approx(0.5312366210261182)


def test_adversarial_discriminator_is_the_same_for_minimax() -> None:
    # Only the generator differs between the two forms (same hand-worked 0.531236621).
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, form="minimax") == approx(0.5312366210261182)


def test_adversarial_generator_forms_hand_worked() -> None:
    # Hand-worked, fake rows D = [0.2, 0.4]:
    # non_saturating -mean ln D = (1.609437912 + 0.916290732)/2 = 1.262864322;
    # minimax mean ln(1 - D) = (ln 0.8 + ln 0.6)/2 = -0.366984588.
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, side="generator") == approx(1.2628643221541276)
    minimax = losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, side="generator", form="minimax")
    assert minimax == approx(-0.3669845875401002)


def test_adversarial_least_squares_hand_worked() -> None:
    # Hand-worked LSGAN on raw scores [2, 0.5 | -1, 0.5]:
    # D: 0.5 mean((2-1)^2, (0.5-1)^2) + 0.5 mean((-1)^2, 0.5^2) = 0.5 * 0.625 + 0.5 * 0.625 = 0.625;
    # G: 0.5 mean((-1-1)^2, (0.5-1)^2) = 0.5 * (4 + 0.25)/2 = 1.0625.
    assert losscli.compute("adversarial", GAN_LABELS, GAN_SCORES, form="least_squares") == approx(0.625)
    generator = losscli.compute("adversarial", GAN_LABELS, GAN_SCORES, form="least_squares", side="generator")
    assert generator == approx(1.0625)


def test_adversarial_hinge_hand_worked() -> None:
    # Hand-worked hinge GAN on raw scores [2, 0.5 | -1, 0.5]:
    # D: mean(relu(1-2), relu(1-0.5)) + mean(relu(1-1), relu(1+0.5)) = 0.25 + 0.75 = 1.0;
    # G: -mean(-1, 0.5) = 0.25.
    assert losscli.compute("adversarial", GAN_LABELS, GAN_SCORES, form="hinge") == approx(1.0)
    assert losscli.compute("adversarial", GAN_LABELS, GAN_SCORES, form="hinge", side="generator") == approx(0.25)
    # -mean D(fake) is positive here (the fakes score -0.25 on average), as the note allows.
    assert any("negative whenever the fakes' mean score is above 0" in note for note in get("adversarial").notes)


def test_adversarial_logits_equal_probabilities() -> None:
    logits = np.log(np.array(GAN_PROBS) / (1 - np.array(GAN_PROBS)))
    for side in ("discriminator", "generator"):
        for form in ("minimax", "non_saturating"):
            from_probs = losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, side=side, form=form)
            from_logits = losscli.compute("adversarial", GAN_LABELS, logits, side=side, form=form, from_logits=True)
            assert from_logits == approx(from_probs)


def test_adversarial_extreme_logits_stay_finite() -> None:
    # Hand-worked: -log sigmoid(800) = log(1 + e^-800) = 0 in float64; -log sigmoid(-800) = 800.
    assert losscli.compute("adversarial", [1, 0], [800.0, -800.0], from_logits=True) == approx(0.0)
    assert losscli.compute("adversarial", [1, 0], [-800.0, 800.0], from_logits=True) == approx(1600.0)
    # Generator, fake logit -800: non_saturating -log sigmoid(-800) = 800; minimax at logit 800: log sigmoid(-800) = -800.
    assert losscli.compute("adversarial", [0], [-800.0], from_logits=True, side="generator") == approx(800.0)
    minimax = losscli.compute("adversarial", [0], [800.0], from_logits=True, side="generator", form="minimax")
    assert minimax == approx(-800.0)


def test_adversarial_probabilities_at_zero_and_one_are_clipped() -> None:
    # Hand-worked: wrong answers at exactly 0 and 1 clip to eps = 1e-7: 2 * -ln(1e-7) = 32.2361913.
    assert losscli.compute("adversarial", [1, 0], [0.0, 1.0]) == approx(2 * LOG_EPS)
    # Perfect answers cost -ln(1 - 1e-7) each, about 1e-7.
    assert losscli.compute("adversarial", [1, 0], [1.0, 0.0]) == approx(-2 * math.log1p(-1e-7))
    # eps = 0 disables clipping: log 0 is -inf, so the loss is inf (null on the command line).
    with pytest.warns(RuntimeWarning, match="returning inf"):
        assert losscli.compute("adversarial", [1, 0], [0.0, 0.5], eps=0.0) == math.inf


def test_adversarial_sample_weights() -> None:
    # Hand-worked with w = [3, 1, 1, 1]: real (3 * 0.105360516 + 0.223143551)/4 = 0.134806275;
    # fake unchanged 0.366984588; sum = 0.501790863.
    real = (3 * -math.log(0.9) - math.log(0.8)) / 4
    fake = (-math.log(0.8) - math.log(0.6)) / 2
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, sample_weight=[3, 1, 1, 1]) == approx(real + fake)


def test_adversarial_halves_merged_equal_the_whole() -> None:
    rng = np.random.default_rng(11)
    labels = rng.permutation(np.arange(40) % 2).astype(float)
    probs = rng.uniform(0.01, 0.99, size=40)
    weights = rng.uniform(0.5, 2.0, size=40)
    parts = [{"y_true": labels[:13], "y_pred": probs[:13]}, {"y_true": labels[13:], "y_pred": probs[13:]}]
    for side in ("discriminator", "generator"):
        whole = losscli.compute("adversarial", labels, probs, sample_weight=weights, side=side)
        merged = evaluate_in_batches("adversarial", parts, weights=[weights[:13], weights[13:]], side=side)
        assert merged == approx(whole)


def test_adversarial_rejects_probabilities_outside_unit_interval_with_the_row() -> None:
    with pytest.raises(LossCliError, match="probability outside") as caught:
        losscli.compute("adversarial", GAN_LABELS, [0.9, 0.8, 1.5, 0.4])
    assert caught.value.row == 3 and "from_logits=True" in caught.value.hint


def test_adversarial_rejects_other_labels_with_the_row() -> None:
    with pytest.raises(LossCliError, match="real/fake label") as caught:
        losscli.compute("adversarial", [1, 2, 0, 0], GAN_PROBS)
    assert caught.value.row == 2


def test_adversarial_rejects_unknown_form() -> None:
    with pytest.raises(LossCliError, match="out of range"):
        parse_spec("adversarial:form=wgan")


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adversarial_bce_forms_match_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    real = torch.from_numpy(rng.uniform(0.01, 0.99, size=30))
    fake = torch.from_numpy(rng.uniform(0.01, 0.99, size=50))
    bce = torch.nn.BCELoss()
    discriminator = (bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))).item()
    generator = bce(fake, torch.ones_like(fake)).item()
    labels = np.concatenate([np.ones(30), np.zeros(50)])
    probs = np.concatenate([real.numpy(), fake.numpy()])
    assert losscli.compute("adversarial", labels, probs) == approx(discriminator)
    assert losscli.compute("adversarial", labels, probs, side="generator") == approx(generator)


def test_adversarial_sum_reduction_adds_every_rows_loss() -> None:
    # Hand-worked from the test above: real -ln 0.9 - ln 0.8 = 0.328504067, fake
    # -ln 0.8 - ln 0.6 = 0.733969175; sum 1.062473242. Generator (non_saturating):
    # -ln 0.2 - ln 0.4 = 2.525728644.
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, reduction="sum") == approx(1.062473242)
    assert losscli.compute("adversarial", GAN_LABELS, GAN_PROBS, side="generator", reduction="sum") == approx(2.525728644)


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1])
def test_adversarial_sum_reduction_matches_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    real = torch.from_numpy(rng.uniform(0.01, 0.99, size=30))
    fake = torch.from_numpy(rng.uniform(0.01, 0.99, size=50))
    bce = torch.nn.BCELoss(reduction="sum")
    discriminator = (bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))).item()
    generator = bce(fake, torch.ones_like(fake)).item()
    labels = np.concatenate([np.ones(30), np.zeros(50)])
    probs = np.concatenate([real.numpy(), fake.numpy()])
    assert losscli.compute("adversarial", labels, probs, reduction="sum") == approx(discriminator)
    assert losscli.compute("adversarial", labels, probs, side="generator", reduction="sum") == approx(generator)


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1])
def test_adversarial_logits_match_torch_bce_with_logits(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    real = torch.from_numpy(rng.normal(scale=4.0, size=25))
    fake = torch.from_numpy(rng.normal(scale=4.0, size=35))
    bce = torch.nn.BCEWithLogitsLoss()
    discriminator = (bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))).item()
    generator = bce(fake, torch.ones_like(fake)).item()
    labels = np.concatenate([np.ones(25), np.zeros(35)])
    logits = np.concatenate([real.numpy(), fake.numpy()])
    assert losscli.compute("adversarial", labels, logits, from_logits=True) == approx(discriminator)
    assert losscli.compute("adversarial", labels, logits, from_logits=True, side="generator") == approx(generator)


# --------------------------------------------------------------------------- perceptual

FEAT_TRUE = [[1.0, 2.0], [0.0, 0.0]]
FEAT_PRED = [[2.0, 4.0], [0.0, 1.0]]


def test_perceptual_distances_hand_worked() -> None:
    # Hand-worked: differences [[1, 2], [0, 1]].
    # l2: (1 + 4 + 0 + 1)/4 = 1.5 (MSE over all feature elements, Johnson et al.);
    assert losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED) == approx(1.5)
    # l1: (1 + 2 + 0 + 1)/4 = 1.0;
    assert losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, distance="l1") == approx(1.0)
    # cosine: row 1 parallel -> 1 - 1 = 0; row 2 target is the zero vector, norm floored at 1e-8 -> 1 - 0 = 1;
    # mean 0.5.
    assert losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, distance="cosine") == approx(0.5)


def test_perceptual_layers_weighted_sum() -> None:
    # Hand-worked, layers 1;1 with weights 1;0.5: layer 1 (column 0) squared errors [1, 0],
    # layer 2 (column 1) [4, 1] x 0.5 = [2, 0.5]; rows [3, 0.5]; mean 1.75.
    value = losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, layers=(1, 1), layer_weights=(1.0, 0.5))
    assert value == approx(1.75)


def test_perceptual_layers_from_a_spec_string() -> None:
    bound = parse_spec("perceptual:layers=1;1,layer_weights=1;0.5")
    assert bound.params["layers"] == (1.0, 1.0) and bound.params["layer_weights"] == (1.0, 0.5)
    assert losscli.compute(bound, FEAT_TRUE, FEAT_PRED) == approx(1.75)  # hand-worked above


def test_perceptual_layer_means_are_per_layer() -> None:
    # Hand-worked, layers 1;3 without weights: one row, differences [2 | 1, 1, 1]:
    # layer 1 mean 4, layer 2 mean 1; sum 5 (not the element mean 7/4).
    value = losscli.compute("perceptual", [[0.0, 0.0, 0.0, 0.0]], [[2.0, 1.0, 1.0, 1.0]], layers=(1, 3))
    assert value == approx(5.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_perceptual_l2_and_l1_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    target, output = rng.normal(size=(30, 16)), rng.normal(size=(30, 16))
    assert losscli.compute("perceptual", target, output) == approx(mean_squared_error(target, output))
    assert losscli.compute("perceptual", target, output, distance="l1") == approx(mean_absolute_error(target, output))


def test_perceptual_perfect_features_cost_nothing() -> None:
    features = [[0.5, -1.0, 2.0]]
    for distance in ("l2", "l1"):
        assert losscli.compute("perceptual", features, features, distance=distance) == 0.0
    assert losscli.compute("perceptual", features, features, distance="cosine") == pytest.approx(0.0, abs=1e-15)


def test_perceptual_sample_weights() -> None:
    # Hand-worked l2 rows [(1 + 4)/2, (0 + 1)/2] = [2.5, 0.5], w = [1, 3]: (2.5 + 1.5)/4 = 1.0.
    assert losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, sample_weight=[1, 3]) == approx(1.0)


def test_perceptual_layers_must_add_up_to_the_columns() -> None:
    with pytest.raises(LossCliError, match="add up to 3 columns but the features have 2"):
        losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, layers=(1, 2))


def test_perceptual_layer_sizes_must_be_whole_and_weights_must_match() -> None:
    with pytest.raises(LossCliError, match=r"out of range: 0\.5;1\.5") as caught:
        losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, layers=(0.5, 1.5))
    assert caught.value.hint == "valid: whole numbers >= 1 separated by ';'"
    with pytest.raises(LossCliError, match="2 layers but 3 layer_weights"):
        losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, layers=(1, 1), layer_weights=(1, 1, 1))
    with pytest.raises(LossCliError, match="needs layers="):
        losscli.compute("perceptual", FEAT_TRUE, FEAT_PRED, layer_weights=(1, 1))


def test_perceptual_rejects_mismatched_feature_widths() -> None:
    with pytest.raises(LossCliError, match="feature columns"):
        losscli.compute("perceptual", [[1.0, 2.0]], [[1.0, 2.0, 3.0]])


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptual_matches_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    target, output = rng.normal(size=(25, 12)), rng.normal(size=(25, 12))
    t, o = torch.from_numpy(target), torch.from_numpy(output)
    assert losscli.compute("perceptual", target, output) == approx(torch.nn.MSELoss()(o, t).item())
    assert losscli.compute("perceptual", target, output, distance="l1") == approx(torch.nn.L1Loss()(o, t).item())
    cosine = (1 - torch.nn.functional.cosine_similarity(o, t, dim=1, eps=1e-8)).mean().item()
    assert losscli.compute("perceptual", target, output, distance="cosine") == approx(cosine)


# --------------------------------------------------------------------------- declarations


def test_generative_losses_are_registered() -> None:
    kinds = {"wasserstein": "ratio", "wasserstein_distance": "exact", "adversarial": "ratio", "perceptual": "mean"}
    for name, kind in kinds.items():
        spec = get(name)
        assert spec.tasks == ("generative",) and spec.family == "generative" and spec.kind == kind
    assert get("emd").name == "wasserstein_distance"
    assert get("earth_movers_distance").name == "wasserstein_distance"
    assert get("wasserstein").minimum is None and get("adversarial").minimum is None


def test_generative_defaults_follow_the_spec() -> None:
    assert get("wasserstein").defaults() == {"side": "critic"}
    adversarial = get("adversarial").defaults()
    assert adversarial["side"] == "discriminator" and adversarial["form"] == "non_saturating"
    assert get("perceptual").defaults()["distance"] == "l2"


def test_generative_info_says_what_users_trip_on() -> None:
    assert any("memory" in note for note in get("wasserstein_distance").notes)
    assert any("only on the generator side" in note for note in get("adversarial").notes)
    assert "computed outside losscli" in get("perceptual").description
