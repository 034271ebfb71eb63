"""Generative-model logs as users save them: WGAN critic scores and
discriminator outputs beside real/fake labels written as text, and generated
and real samples of different sizes for the 1-D Wasserstein distance.

Expected values name their source beside them: by hand (WGAN critic loss
mean D(fake) - mean D(real)), PyTorch in the tests marked ``torch``, scipy.
"""

from __future__ import annotations

import json

import pytest

from conftest import assert_usage_error

REAL = [1.5, 0.5, 1.0]
FAKE = [-1.0, 0.0]


def _value(result, index: int = 0) -> float:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["results"][index]["value"]


def _critic_file(tmp_path, real: str = "real", fake: str = "fake"):
    path = tmp_path / "critic.csv"
    rows = [f"{s},{real}" for s in REAL] + [f"{s},{fake}" for s in FAKE]
    path.write_text("critic_score,label\n" + "\n".join(rows) + "\n")
    return path


def test_wgan_text_labels_are_read_with_positive(tmp_path, cli) -> None:
    path = _critic_file(tmp_path)
    args = ("compute", path, "--pred-col", "critic_score", "--loss", "wasserstein", "--loss", "wasserstein:side=generator", "--format", "json")
    result = cli(*args, "--positive", "real")
    # By hand: mean D(fake) - mean D(real) = -0.5 - 1.0 = -1.5; generator -mean D(fake) = 0.5.
    assert _value(result, 0) == pytest.approx(-1.5, rel=1e-12)
    assert _value(result, 1) == pytest.approx(0.5, rel=1e-12)


def test_wgan_text_labels_without_positive_name_the_fix(tmp_path, cli) -> None:
    line = assert_usage_error(
        cli("compute", _critic_file(tmp_path), "--pred-col", "critic_score", "--loss", "wasserstein"),
        "critic.csv", "column 'label'", "row 1", "--positive real",
    )
    assert "non-numeric" not in line


def test_gan_labels_of_other_words_list_both_choices(tmp_path, cli) -> None:
    path = _critic_file(tmp_path, real="A", fake="B")
    assert_usage_error(cli("compute", path, "--pred-col", "critic_score", "--loss", "wasserstein"), "--positive A or --positive B")


@pytest.mark.torch
def test_discriminator_text_labels_match_torch_bce(tmp_path, cli) -> None:
    torch = pytest.importorskip("torch")
    real, fake = [0.9, 0.6, 0.75], [0.2, 0.55]
    path = tmp_path / "disc.csv"
    path.write_text("prob,is_real\n" + "".join(f"{p},Real\n" for p in real) + "".join(f"{p},Generated\n" for p in fake))
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    bce = torch.nn.BCELoss()
    # PyTorch DCGAN example: BCELoss(D(real), 1) + BCELoss(D(fake), 0); generator BCELoss(D(fake), 1).
    discriminator = (bce(t(real), t([1.0] * 3)) + bce(t(fake), t([0.0] * 2))).item()
    generator = bce(t(fake), t([1.0] * 2)).item()
    line = assert_usage_error(cli("compute", path, "--loss", "adversarial"), "--positive Real")
    assert "is_real" in line
    result = cli("compute", path, "--loss", "adversarial", "--loss", "adversarial:side=generator", "--positive", "Real", "--format", "json")
    assert _value(result, 0) == pytest.approx(discriminator, rel=1e-9)
    assert _value(result, 1) == pytest.approx(generator, rel=1e-9)
