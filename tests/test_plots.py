"""Pictures: loss curves, per-row distributions and model comparisons.

Curve values are checked against the losses' textbook formulas worked by
hand (independent of the kernels), the charts by what they show: axis
ranges, tick labels, series and legends, quantiles and the worst rows. File
tests parse the SVG text and look at the PNG pixels.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from losscli import plots
from losscli.cli.plot import plot_app
from losscli.errors import LossCliError
from losscli.plots.curves import NotPlottable, placement
from losscli.plots.files import figure_of
from losscli.plots.terminal import MARKERS, PALETTE
from losscli.registry import all_specs, bind, parse_spec

from conftest import assert_usage_error

ROOT = Path(__file__).resolve().parent.parent
BRAILLE = re.compile("[\u2801-\u28ff]")


def plottable_by_family() -> dict[str, list[str]]:
    """Every registered loss that has a curve (or its plottable variant), by family."""
    families: dict[str, list[str]] = defaultdict(list)
    for spec in all_specs():
        try:
            placement(bind(spec))
            families[spec.family].append(spec.name)
        except NotPlottable as why:
            if why.variant:
                families[spec.family].append(why.variant)
    return dict(families)


FAMILIES = plottable_by_family()
ALL_PLOTTABLE = [(family, name) for family, names in FAMILIES.items() for name in names]


def charts_of(family: str) -> list[list[str]]:
    """A family's plottable losses grouped by the x-axis they share: one chart each."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in FAMILIES[family]:
        groups[placement(parse_spec(name)).axis.key].append(name)
    return list(groups.values())


def recorded(chart, width: int = 72, style: str = "markers", height: int | None = None) -> str:
    console = Console(width=width, record=True, file=open(os.devnull, "w"), color_system=None)
    plots.draw(chart, console, width=width, style=style, height=height)
    text = console.export_text()
    console.file.close()
    return text


def series(chart, label: str, panel: int = 0) -> plots.Series:
    return next(s for s in chart.panels[panel].series if s.label == label)


def plot_area(text: str) -> list[str]:
    """The plot cells of a one-panel curve chart (right of the y axis)."""
    rows = [line for line in text.splitlines() if re.match(r"^\s*\S*\s*[│┤]", line)]
    return [re.split(r"[│┤]", line, maxsplit=1)[1] for line in rows]


# =========================================================================== curve values


def test_regression_curves_are_the_textbook_formulas():
    chart = plots.curves(["mse", "mae", "huber", "log_cosh", "smooth_l1:beta=0.5"], points=13)
    x = np.linspace(-3, 3, 13)
    assert chart.x_range == (-3.0, 3.0)  # the default residual range of the issue
    np.testing.assert_allclose(series(chart, "mse").y, x**2, rtol=1e-12)  # r^2
    np.testing.assert_allclose(series(chart, "mae").y, np.abs(x), rtol=1e-12)  # |r|
    # Huber, delta 1: r^2/2 for |r| <= 1, |r| - 1/2 beyond (PyTorch HuberLoss); at r=2.5: 2.0.
    huber = np.where(np.abs(x) <= 1, x**2 / 2, np.abs(x) - 0.5)
    np.testing.assert_allclose(series(chart, "huber").y, huber, rtol=1e-12)
    # log(cosh(3)) = 3 + log(1 + e^-6) - log 2 = 2.309328...
    np.testing.assert_allclose(series(chart, "log_cosh").y, np.log(np.cosh(x)), rtol=1e-9)
    # Smooth L1, beta 0.5: r^2/(2*0.5) inside, |r| - 0.25 outside (PyTorch SmoothL1Loss).
    smooth = np.where(np.abs(x) < 0.5, x**2, np.abs(x) - 0.25)
    np.testing.assert_allclose(series(chart, "smooth_l1:beta=0.5").y, smooth, rtol=1e-12)


def test_rmse_curve_is_the_rmse_of_one_row():
    chart = plots.curves(["rmse"], x_range=(-2, 2), points=5)
    # sqrt(mean(r^2)) of one row = |r|: 2, 1, 0, 1, 2.
    np.testing.assert_allclose(series(chart, "rmse").y, [2, 1, 0, 1, 2], rtol=1e-12)


def test_losses_of_the_relative_error_are_drawn_around_a_named_target():
    chart = plots.curves(["msle", "mape"], points=7)
    x = np.linspace(-3, 3, 7)
    # Around y_true = 3: msle = (log(1 + 3 + r) - log 4)^2; mape = 100 |r| / 3.
    np.testing.assert_allclose(series(chart, "msle (y_true=3)").y, (np.log1p(3 + x) - np.log(4)) ** 2, rtol=1e-9)
    np.testing.assert_allclose(series(chart, "mape (y_true=3)").y, 100 * np.abs(x) / 3, rtol=1e-9)


def test_points_outside_a_losses_domain_are_left_out():
    chart = plots.curves(["msle"], y_true=0.0, points=13)
    x = np.linspace(-3, 3, 13)
    y = series(chart, "msle").y
    # msle needs y_pred > -1: at r <= -1 (y_true 0) there is no value; above, log(1 + r)^2.
    assert np.isnan(y[x <= -1]).all()
    np.testing.assert_allclose(y[x > -1], np.log1p(x[x > -1]) ** 2, rtol=1e-9)


def test_gaussian_nll_holds_the_variance_at_one():
    chart = plots.curves(["gaussian_nll"], points=7)
    x = np.linspace(-3, 3, 7)
    # PyTorch GaussianNLLLoss, full=False: 0.5 (log var + r^2 / var) = r^2 / 2 at var 1.
    np.testing.assert_allclose(series(chart, "gaussian_nll (var=1)").y, x**2 / 2, rtol=1e-9)


def test_bce_and_focal_against_the_probability_of_the_true_class():
    specs = ["bce", "focal:gamma=2,alpha=-1", "focal:gamma=2", "cce", "kl_div"]
    chart = plots.curves(specs, points=5)
    p = np.linspace(0.01, 1.0, 5)
    assert chart.x_range == (0.01, 1.0)
    assert "probability of the true class" in chart.x_label
    ce = -np.log(np.clip(p, 1e-7, 1 - 1e-7))  # Keras clipping: at p = 1 the loss is -log(1 - 1e-7)
    np.testing.assert_allclose(series(chart, "bce").y, ce, rtol=1e-9)
    # Focal (Lin et al.): -(1 - p)^gamma log p; alpha = -1 switches the alpha term off (torchvision).
    np.testing.assert_allclose(series(chart, "focal:gamma=2,alpha=-1").y, (1 - p) ** 2 * ce, rtol=1e-9, atol=1e-15)
    # With alpha 0.25 the true (positive) class's loss is a quarter of that: at p = 0.01, 0.25 * 0.9801 * 4.60517 = 1.12838.
    np.testing.assert_allclose(series(chart, "focal:gamma=2").y[0], 1.1283818, rtol=1e-6)
    np.testing.assert_allclose(series(chart, "cce").y[:-1], -np.log(p[:-1]), rtol=1e-9)
    np.testing.assert_allclose(series(chart, "kl_div").y[:-1], -np.log(p[:-1]), rtol=1e-9)
    assert any("alpha" in note for note in chart.notes)  # the alpha-scaled focal curve is explained


def test_margin_losses_and_logistic_loss_share_the_margin_axis():
    chart = plots.curves(["hinge", "squared_hinge", "categorical_hinge", "bce:from_logits=true"], x_range=(-2, 3), points=6)
    m = np.linspace(-2, 3, 6)  # -2, -1, 0, 1, 2, 3
    assert "margin" in chart.x_label
    np.testing.assert_allclose(series(chart, "hinge").y, [3, 2, 1, 0, 0, 0], atol=1e-12)  # max(0, 1 - m)
    np.testing.assert_allclose(series(chart, "squared_hinge").y, [9, 4, 1, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(series(chart, "categorical_hinge").y, [3, 2, 1, 0, 0, 0], atol=1e-12)
    # Logistic loss log(1 + e^-m): at m = 0, log 2 = 0.693147.
    np.testing.assert_allclose(series(chart, "bce:from_logits=true").y, np.log1p(np.exp(-m)), rtol=1e-9)


def test_global_from_logits_moves_probability_losses_to_the_margin_axis():
    chart = plots.curves(["bce", "hinge"], global_params={"from_logits": True}, points=3, x_range=(-1, 1))
    np.testing.assert_allclose(series(chart, "bce").y, np.log1p(np.exp(-np.array([-1.0, 0.0, 1.0]))), rtol=1e-9)


def test_ranking_losses_draw_one_curve_per_label():
    chart = plots.curves(["contrastive"], points=5)
    d = np.linspace(0, 2, 5)
    # Hadsell et al.: similar pairs d^2, dissimilar max(0, margin - d)^2 with margin 1.
    np.testing.assert_allclose(series(chart, "contrastive, similar pair (y=1)").y, d**2, rtol=1e-12)
    np.testing.assert_allclose(series(chart, "contrastive, dissimilar pair (y=0)").y, np.maximum(0, 1 - d) ** 2, atol=1e-12)
    cosine = plots.curves(["cosine_embedding"], points=5)
    c = np.linspace(-1, 1, 5)
    # PyTorch CosineEmbeddingLoss: 1 - cos for y = 1, max(0, cos - margin) for y = -1.
    np.testing.assert_allclose(series(cosine, "cosine_embedding, similar pair (y=1)").y, 1 - c, atol=1e-9)
    np.testing.assert_allclose(series(cosine, "cosine_embedding, dissimilar pair (y=-1)").y, np.maximum(0, c), atol=1e-9)
    triplet = plots.curves(["triplet"], points=5)
    gap = np.linspace(-2, 2, 5)
    # max(0, d(a,p) - d(a,n) + margin); PyTorch's eps shifts both distances by 1e-6 alike.
    np.testing.assert_allclose(series(triplet, "triplet (d(anchor, negative)=2)").y, np.maximum(0, gap + 1), atol=1e-5)


def test_generator_losses_against_the_discriminators_output():
    chart = plots.curves(["adversarial:side=generator", "adversarial:side=generator,form=minimax"], points=3, x_range=(0.1, 0.9))
    d = np.array([0.1, 0.5, 0.9])
    # Goodfellow et al.: non-saturating -log D(G(z)); minimax log(1 - D(G(z))).
    np.testing.assert_allclose(series(chart, "adversarial:side=generator").y, -np.log(d), rtol=1e-6)
    np.testing.assert_allclose(series(chart, "adversarial:side=generator,form=minimax").y, np.log(1 - d), rtol=1e-6)
    critic = plots.curves(["wasserstein:side=generator"], points=3, x_range=(-1, 1))
    np.testing.assert_allclose(series(critic, "wasserstein:side=generator").y, [1, 0, -1], atol=1e-12)  # -D(G(z))


def test_gradients_by_central_differences():
    chart = plots.curves(["mse", "mae"], gradient=True, points=7)
    x = np.linspace(-3, 3, 7)
    assert len(chart.panels) == 2 and "gradient" in chart.panels[1].y_label
    np.testing.assert_allclose(series(chart, "mse", 1).y, 2 * x, rtol=1e-6, atol=1e-6)  # d r^2 / dr = 2r
    mae = series(chart, "mae", 1).y
    np.testing.assert_allclose(mae[x != 0], np.sign(x[x != 0]), rtol=1e-6)  # sign(r) off the kink
    assert mae[x == 0] == pytest.approx(0.0, abs=1e-9)  # at the kink: the mean of -1 and 1
    hinge = plots.curves(["hinge"], gradient=True, x_range=(-1, 3), points=5)  # m = -1, 0, 1, 2, 3
    np.testing.assert_allclose(series(hinge, "hinge", 1).y, [-1, -1, -0.5, 0, 0], atol=1e-6)


@pytest.mark.parametrize("family,name", ALL_PLOTTABLE)
def test_every_plottable_loss_has_finite_curve_and_gradient(family, name):
    chart = plots.curves([name], gradient=True, points=41)
    for panel in chart.panels:
        for s in panel.series:
            assert np.isfinite(s.y).sum() >= 10, (name, s.label)


def test_every_loss_either_plots_or_says_why_and_what_can():
    plottable = plots.plottable_losses()
    assert {"mse", "mae", "huber", "log_cosh", "bce", "hinge", "focal"} <= set(plottable)
    for spec in all_specs():
        try:
            plots.curves([spec.name], points=5)
        except LossCliError as error:
            text = str(error)
            assert spec.name in text and "losses that can be plotted: " in text, text
            assert "mse" in text.split("losses that can be plotted: ")[1]
        else:
            assert spec.name in plottable or any(p.startswith(spec.name + ":") for p in plottable)


@pytest.mark.parametrize("name", ["ctc", "dice", "wasserstein_distance", "perceptual"])
def test_losses_without_an_axis_are_a_clear_error(name):
    if name not in {spec.name for spec in all_specs()}:
        pytest.skip(f"{name} is not registered")
    with pytest.raises(NotPlottable, match="losses that can be plotted: mse, mae"):
        plots.curves([name])


def test_losses_on_different_axes_cannot_share_a_chart():
    with pytest.raises(LossCliError, match="do not share an x-axis.*bce.*hinge.*from_logits=true"):
        plots.curves(["bce", "hinge"])


def test_balanced_class_weights_need_explicit_weights_to_plot():
    with pytest.raises(NotPlottable, match="weights=0.2;0.8"):
        plots.curves(["weighted_ce"])
    chart = plots.curves(["weighted_ce:weights=0.5;2"], points=3, x_range=(0.5, 1))
    # PyTorch reduction='none' of class-weighted CE: w_true * -log p = 0.5 * log 2 at p = 0.5.
    assert series(chart, "weighted_ce:weights=0.5;2").y[0] == pytest.approx(0.5 * math.log(2), rel=1e-9)


def test_a_range_without_any_value_says_why():
    with pytest.raises(LossCliError, match=r"'msle' has no finite value on -5..-2: .*greater than -1.*--range"):
        plots.curves(["msle"], y_true=0.0, x_range=(-5, -2), points=9)
    with pytest.raises(LossCliError, match="regression losses only"):
        plots.curves(["bce"], y_true=1.0)


@pytest.mark.parametrize("text", ["3,-3", "1", "a,b", "nan,1"])
def test_bad_ranges(text):
    with pytest.raises(LossCliError, match="--range"):
        plots.parse_range(text, "--range")


# =========================================================================== terminal: curves


def test_terminal_curve_chart_shows_axes_ticks_and_legend():
    chart = plots.curves(["mse", "mae", "huber"], gradient=True)
    text = recorded(chart, width=72)
    lines = text.splitlines()
    assert all(len(line) <= 72 for line in lines)
    assert lines[0].startswith("mse, mae, huber against the residual")
    x_ticks = [line.split() for line in lines if re.fullmatch(r"[\s\d.\-]+", line) and "-3" in line.split()]
    assert x_ticks and x_ticks[0][0] == "-3" and x_ticks[0][-1] == "3" and "0" in x_ticks[0]
    assert text.count("residual  y_pred - y_true") == 2  # under both panels
    assert "gradient  d loss / dx" in text
    legend = lines[-1]
    for index, name in enumerate(["mse", "mae", "huber"]):
        assert f"{MARKERS[index] * 2} {name}" in legend
    # y ticks of the loss panel span mse's range: 0 at r = 0 up to near 9 at r = +-3.
    ticks = [float(t) for t in re.findall(r"^\s*([\d.]+)\s*┤", text.split("gradient")[0], re.M)]
    assert min(ticks) == 0 and 7 <= max(ticks) <= 9


def test_terminal_curve_is_where_the_loss_is():
    text = recorded(plots.curves(["mse"]), width=60, height=10)
    cells = plot_area(text)
    assert len(cells) == 10 and {len(row) for row in cells} == {56}  # 60 columns less the axis and its labels
    top, bottom = cells[0], cells[-1]
    marker = MARKERS[0]
    # r^2 is largest at both ends of the range (top corners) and 0 in the middle (bottom centre).
    assert top[0] == marker and top[-1] == marker and top[1:-1].strip() == ""
    middle = [i for i, ch in enumerate(bottom) if ch == marker]
    assert middle and abs(np.mean(middle) - 55 / 2) < 1 and marker not in bottom[:15] + bottom[-15:]


def test_braille_style_draws_braille_cells():
    text = recorded(plots.curves(["hinge", "squared_hinge"]), width=60, style="braille")
    assert BRAILLE.search(text)
    assert "⣿⣿ hinge" in text and "⣿⣿ squared_hinge" in text


def test_user_y_range_is_the_axis():
    text = recorded(plots.curves(["mse"], y_range=(0, 4)), width=60)
    ticks = [float(m) for m in re.findall(r"^\s*([\d.]+)\s*┤", text, re.M)]
    assert max(ticks) == 4 and min(ticks) == 0


def test_narrow_and_too_narrow_widths():
    text = recorded(plots.curves(["mse", "mae"]), width=30)
    assert all(len(line) <= 30 for line in text.splitlines())
    with pytest.raises(LossCliError, match="at least 30 columns"):
        recorded(plots.curves(["mse"]), width=20)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_draws_in_the_terminal(family):
    for names in charts_of(family):
        chart = plots.curves(names)
        text = recorded(chart, width=64)
        assert all(len(line) <= 64 for line in text.splitlines())
        assert chart.x_label[:20] in text
        for s in chart.panels[0].series:
            assert s.label in text
        legend = text.split(chart.x_label[:20])[-1]
        for index, s in enumerate(chart.panels[0].series):
            assert f"{MARKERS[index % len(MARKERS)] * 2} {s.label}" in legend.replace("\n", " ")


def test_no_color_and_colour_consoles(monkeypatch, tmp_path):
    chart = plots.curves(["mse", "mae"])
    monkeypatch.delenv("NO_COLOR", raising=False)
    with open(tmp_path / "colour.txt", "w") as handle:
        plots.draw(chart, plots.terminal_console(handle, width=70, colour=True), width=70)
    colour = (tmp_path / "colour.txt").read_text()
    assert "\x1b[" in colour and BRAILLE.search(colour)  # colour tells series apart: braille
    monkeypatch.setenv("NO_COLOR", "1")
    with open(tmp_path / "plain.txt", "w") as handle:
        plots.draw(chart, plots.terminal_console(handle, width=70, colour=True), width=70)
    plain = (tmp_path / "plain.txt").read_text()
    assert "\x1b[" not in plain and not BRAILLE.search(plain)  # no colour: one marker per series
    assert "** mse" in plain and "++ mae" in plain


# =========================================================================== distribution


HISTOGRAM_LINE = re.compile(r"^\s*(?P<low>\S+) – (?P<high>\S+)  (?P<bar>[ █▏▎▍▌▋▊▉]*) +(?P<count>\d+)(?:  (?P<marks>.+))?$")


def outlier_losses() -> tuple[np.ndarray, list[str]]:
    """95 rows at 0.1 and five outliers at 50..90, in rows 96..100."""
    values = np.array([0.1] * 95 + [50.0, 60.0, 70.0, 80.0, 90.0])
    ids = [f"r{i}" for i in range(1, 101)]
    return values, ids


def test_distribution_quantiles_and_worst_rows():
    values, ids = outlier_losses()
    chart = plots.distribution(values, loss="mse", keys={"id": ids}, worst=3)
    # numpy's linear quantiles: p50 and p90 fall among the 0.1s; p99 at position 98.01:
    # 80 + 0.01 * (90 - 80) = 80.1.
    assert chart.quantiles["p50"] == pytest.approx(0.1)
    assert chart.quantiles["p90"] == pytest.approx(0.1)
    assert chart.quantiles["p99"] == pytest.approx(80.1)
    assert chart.mean == pytest.approx((9.5 + 350) / 100)  # 95 * 0.1 + 50 + ... + 90
    assert [(r.row, r.keys["id"], r.value) for r in chart.worst] == [(100, "r100", 90.0), (99, "r99", 80.0), (98, "r98", 70.0)]
    assert chart.worst_share == pytest.approx(240 / 359.5)  # (90 + 80 + 70) / total


def test_distribution_in_the_terminal_lists_the_outliers():
    values, ids = outlier_losses()
    text = recorded(plots.distribution(values, loss="mse", keys={"id": ids}), width=70, height=10)
    assert all(len(line) <= 70 for line in text.splitlines())
    assert "Per-row mse: 100 rows" in text
    assert "p50 0.1" in text and "p99 80.1" in text and "mean 3.595" in text
    bins = [HISTOGRAM_LINE.match(line) for line in text.splitlines() if " – " in line]
    assert len(bins) == 10 and all(bins)
    assert bins[0]["low"] == "0.1" and bins[-1]["high"] == "90.0"  # the x range: min to max
    # Ten bins of width 8.99 from 0.1: the 0.1s in the first, 50 in the sixth, ... 90 in the last.
    assert [int(b["count"]) for b in bins] == [95, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert [b["bar"].strip() != "" for b in bins] == [True, False, False, False, False, True, True, True, True, True]
    assert bins[0]["marks"] == "mean p50 p90" and bins[8]["marks"] == "p99"  # 80.1 in 72.02..81.01
    assert "worst 5 rows: 97.4% of the total mse" in text  # 350 / 359.5
    for row in (96, 97, 98, 99, 100):
        assert re.search(rf"^\s*{row}\s+r{row}\s+{50 + 10 * (row - 96)}\b", text, re.M)  # row 96: r96, 50


def test_distribution_of_per_sample_values_and_non_finite_rows():
    values = np.array([0.2, np.inf, 0.4, np.nan, 0.9])
    chart = plots.distribution(values, ["img1", "img2", "img3", "img4", "img5"], loss="dice", row_label="sample", worst=3)
    assert chart.n == 3 and chart.dropped == 2
    # An infinite loss leads the worst list (it makes the mean infinite); a NaN is not ranked.
    assert [r.row for r in chart.worst] == ["img2", "img5", "img3"]
    assert chart.worst_share is None  # no share of an infinite total
    text = recorded(chart, width=60)
    assert "Per-sample dice: 3 samples" in text and "2 samples with no finite value left out of the\n  histogram" in text  # wrapped at 60
    assert re.search(r"^\s*img2\s+inf$", text, re.M) and "img4" not in text
    assert "of the total" not in text
    with pytest.raises(LossCliError, match="2 row ids for 3 losses"):
        plots.distribution([1.0, 2.0, 3.0], [1, 2])
    with pytest.raises(LossCliError, match="no finite"):
        plots.distribution([np.nan])


def test_the_worst_rows_match_a_full_stable_sort_with_ties():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 50, size=20_000).astype(float)  # many ties at every value
    chart = plots.distribution(values, loss="mse", worst=7)
    # numpy's stable argsort of the negated losses: largest first, earlier row first among ties
    expected = (np.argsort(-values, kind="stable")[:7] + 1).tolist()
    assert [r.row for r in chart.worst] == expected
    constant = plots.distribution(np.zeros(1000), loss="mse", worst=3)
    assert [r.row for r in constant.worst] == [1, 2, 3]
    few = plots.distribution([2.0, 5.0], loss="mse", worst=5)
    assert [(r.row, r.value) for r in few.worst] == [(2, 5.0), (1, 2.0)]


def test_negative_losses_have_no_share_of_the_total():
    chart = plots.distribution([-1.0, 0.5, 2.0], loss="wasserstein")
    assert chart.worst_share is None
    assert "of the total" not in recorded(chart, width=60)



@pytest.mark.parametrize("batch", [None, 1, 2])
def test_losses_whose_sum_overflows_keep_a_finite_mean_and_no_share(batch):
    # Each loss is finite (mse of a 1.3e154 error), their sum is not.
    values = np.array([1.69e308, 1.69e308, 1.0])
    chart = plots.distribution(values, loss="mse") if batch is None else _streamed(values, batch=batch).chart(loss="mse")
    expected = float(np.mean(values / 2) * 2)  # numpy.mean of the halved values, doubled: 1.1267e308
    assert chart.mean == pytest.approx(expected, rel=1e-12)
    assert chart.worst_share is None  # not inf / inf = nan
    text = recorded(chart, width=60)
    assert "mean 1.127e+308" in text and "nan" not in text and "of the total" not in text


def test_a_full_worst_list_ranks_only_the_rows_that_beat_it(monkeypatch):
    # Once five rows are listed, a batch is ranked only over its losses above the fifth:
    # a 50M-row file is not partitioned batch after batch for five rows.
    module = importlib.import_module("losscli.plots.distribution")

    ranked = []
    real = module._worst_positions
    monkeypatch.setattr(module, "_worst_positions", lambda values, finite, count: ranked.append(values.size) or real(values, finite, count))
    values = np.arange(30_000, dtype=float)[::-1].copy()  # descending: the first batch holds the 5 worst
    values[25_000] = 1e9  # beats them all, in the last batch
    chart = _streamed(values, batch=10_000).chart(loss="mse")
    assert ranked == [10_000, 0, 1]
    # numpy.argsort, stable, of the negated losses: the expected worst rows
    assert [r.row for r in chart.worst] == (np.argsort(-values, kind="stable")[:5] + 1).tolist()


def _streamed(values, *, batch, sample_values=1 << 22, worst=5):
    from losscli.plots.distribution import StreamedDistribution

    stream = StreamedDistribution(worst=worst, sample_values=sample_values)
    for lo in range(0, len(values), batch):
        part = values[lo : lo + batch]
        stream.add(part, np.arange(lo + 1, lo + len(part) + 1))
        assert stream.kept_count <= 2 * sample_values  # bounded, whatever the rows
    return stream


@pytest.mark.parametrize("batch", [1, 7, 1000, 50_000])
def test_a_distribution_streamed_in_batches_equals_the_one_of_all_rows(batch):
    rng = np.random.default_rng(8)
    values = rng.integers(0, 40, size=20_000).astype(float)  # ties across batches
    values[[5, 17_000]] = np.inf  # ranked first, in row order
    values[[9, 12_345]] = np.nan
    values[100] = -np.inf
    whole = plots.distribution(values, loss="mse", worst=6)
    streamed = _streamed(values, batch=batch, worst=6).chart(loss="mse")
    assert [(r.row, r.value) for r in streamed.worst] == [(r.row, r.value) for r in whole.worst]
    assert [r.row for r in streamed.worst][:2] == [6, 17_001]
    assert streamed.quantiles == whole.quantiles
    np.testing.assert_array_equal(streamed.values, whole.values)
    assert streamed.mean == pytest.approx(whole.mean, rel=1e-12)
    assert (streamed.dropped, streamed.notes, streamed.title) == (whole.dropped, whole.notes, whole.title)
    assert streamed.worst_share is None and whole.worst_share is None  # a row without a finite value
    counts, edges = streamed.histogram(10)
    np.testing.assert_array_equal(counts, whole.histogram(10)[0])


def test_a_long_input_is_thinned_for_the_histogram_but_mean_maximum_and_worst_rows_stay_exact():
    rng = np.random.default_rng(9)
    values = rng.exponential(size=100_000)
    values[77_777] = 1e6  # the maximum, in a row the thinning leaves out (77,777 is odd)
    stream = _streamed(values, batch=3_333, sample_values=4_000)
    chart = stream.chart(loss="mse")
    assert stream.stride == 16  # 100,000 values halved until at most 8,000 are kept
    np.testing.assert_array_equal(chart.values, values[::16])  # every 16th row, in file order
    assert chart.mean == pytest.approx(values.mean(), rel=1e-12)  # numpy over all rows
    assert chart.maximum == 1e6 and chart.worst[0].row == 77_778
    assert chart.worst_share == pytest.approx(np.sort(values)[-5:].sum() / values.sum(), rel=1e-12)
    counts, edges = chart.histogram(20)
    assert edges[0] == values.min() and edges[-1] == 1e6  # the exact extremes
    assert counts.sum() == 16 * len(values[::16])  # each kept row stands for 16
    # Quantiles of every 16th row of i.i.d. values: within a few percent of all rows'.
    for name, q in (("p50", 0.5), ("p90", 0.9)):
        assert chart.quantiles[name] == pytest.approx(np.quantile(values, q), rel=0.05)
    assert "histogram (estimated counts) and quantiles from every 16th row (6,250 of 100,000)" in chart.notes[0]
    assert "Per-row mse: 100,000 rows" in recorded(chart, width=100)



def test_a_note_of_thinning_says_2nd_not_2th():
    values = np.arange(10, dtype=float)
    chart = _streamed(values, batch=3, sample_values=4).chart(loss="mse")
    # 10 values are more than 2 * 4: every 2nd is kept, the 5 at rows 1, 3, 5, 7, 9.
    assert chart.notes == ["histogram (estimated counts) and quantiles from every 2nd row (5 of 10); the mean, maximum and worst rows from all"]


# =========================================================================== comparison


COMPARISON_ROWS = [
    ("mse", "model_a", 1.0, 1.0),
    ("mse", "model_b", 0.8, 1.0),
    ("mae", "model_a", 0.5, 0.4),
    ("mae", "model_b", 0.6, 0.4),
]


def test_comparison_bars_and_deltas_in_the_terminal():
    chart = plots.comparison(COMPARISON_ROWS)
    assert chart.losses == ["mse", "mae"] and chart.models == ["model_a", "model_b"]
    text = recorded(chart, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    mse_b = next(line for line in lines if "model_b" in line and "0.8" in line)
    assert "▼ -0.2 (-20.0%)" in mse_b and mse_b.rstrip().endswith("best")  # 0.8 - 1.0 = -0.2, -0.2/1.0
    mae_b = next(line for line in lines if "model_b" in line and "0.6" in line)
    assert "▲ +0.2 (+50.0%)" in mae_b and "best" not in mae_b  # 0.6 - 0.4 = 0.2, 0.2/0.4
    mae_a = next(line for line in lines if "model_a" in line and "0.5" in line)
    assert "▲ +0.1 (+25.0%)" in mae_a and mae_a.rstrip().endswith("best")
    # Bars are scaled per loss: the larger value has the longer bar.
    bar_a = next(line for line in lines if "model_a" in line and " 1 " in line + " ").count("█")
    assert bar_a > mse_b.count("█") > 0


def test_comparison_without_baseline_and_with_negative_values():
    chart = plots.comparison([("wasserstein", "g1", -0.5), ("wasserstein", "g2", 0.25), ("wasserstein", "g3", None)])
    assert not chart.has_baseline
    text = recorded(chart, width=60)
    assert "▼" not in text and "null" in text
    g1 = next(line for line in text.splitlines() if "g1" in line)
    g2 = next(line for line in text.splitlines() if "g2" in line)
    assert g1.index("█") < g1.index("│") < g2.index("█")  # negative bars left of the zero mark
    assert g1.rstrip().endswith("best")


def test_comparison_marks_the_models_compares_table_ranks_first():
    """Tied models share the mark, as they share rank 1 in the table; a value beside a null is best."""
    chart = plots.comparison([("mse", "a", 9.13), ("mse", "b", 9.13), ("mae", "a", None), ("mae", "b", 2.0)])
    assert chart.best("mse") == {"a", "b"} and chart.best("mae") == {"b"}
    lines = recorded(chart, width=60).splitlines()
    mse_lines = lines[lines.index("mse") + 1 : lines.index("mae")]
    assert [line.rstrip().endswith("best") for line in mse_lines] == [True, True]


def test_comparison_accepts_mappings_and_rejects_bad_rows():
    chart = plots.comparison([{"loss": "mse", "model": "a", "value": 1.0, "baseline": 2.0}])
    assert chart.bars[0].delta == -1.0 and chart.bars[0].delta_pct == -50.0
    with pytest.raises(LossCliError, match="given twice"):
        plots.comparison([("mse", "a", 1.0), ("mse", "a", 2.0)])
    with pytest.raises(LossCliError, match="expected \\(loss, model, value\\[, baseline\\]\\)"):
        plots.comparison([("mse", "a")])
    with pytest.raises(LossCliError, match="not a number"):
        plots.comparison([("mse", "a", "high")])
    with pytest.raises(LossCliError, match="nothing to compare"):
        plots.comparison([])


@pytest.mark.filterwarnings("ignore:.*infinite or undefined:RuntimeWarning")  # a GAN sample of only real rows has no value
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_distribution_and_comparison_for_every_family(family):
    """Per-row (or per-sample) losses of the family's first plottable loss on example data, then both charts."""
    import losscli
    from examples import all_examples, split

    spec_text = FAMILIES[family][0]
    bound = parse_spec(spec_text)
    arrays, params, _w, _ids = split(bound.spec, all_examples()[bound.name](np.random.default_rng(3), 40))
    params = {k: v for k, v in params.items() if k not in spec_text}  # the variant's own settings win
    if bound.spec.kind == "mean":
        values = losscli.per_sample(bound, **arrays, **params)
        label = "row"
    else:
        values = losscli.per_sample(bound, sample_ids=np.arange(40), **arrays, **params)
        label = "sample"
    chart = plots.distribution(values, loss=bound.display, worst=3, row_label=label)
    text = recorded(chart, width=70)
    finite = np.asarray(values)[np.isfinite(values)]
    assert f"Per-{label} {bound.display}: {len(finite)} {label}s" in text
    for value in np.sort(finite)[::-1][:3]:
        assert plots.terminal.value_text(float(value)) in text
    if len(finite) < 40:
        assert f"{40 - len(finite)} {label}s with no finite value left out" in text
    mean = float(finite.mean())
    comparison = recorded(plots.comparison([(bound.display, "a", mean, mean * 1.1), (bound.display, "b", float(finite.max()))]), width=70)
    assert bound.display in comparison and re.search(r"^\s+a\s", comparison, re.M) and re.search(r"^\s+b\s", comparison, re.M)


# =========================================================================== files


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(element.itertext()).strip() for element in root.iter("{http://www.w3.org/2000/svg}text")]


def svg_ticks(path: Path, axis: str) -> list[float]:
    """The tick labels of the x or y axes in an SVG (matplotlib writes U+2212 for minus)."""
    values = []
    for group in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}g"):
        if group.get("id", "").startswith(f"{axis}tick_"):
            for text in group.iter("{http://www.w3.org/2000/svg}text"):
                values.append(float("".join(text.itertext()).replace("\u2212", "-")))
    return values


def png_pixels(path: Path) -> np.ndarray:
    image = pytest.importorskip("matplotlib.image")
    return image.imread(str(path))


def has_colour(pixels: np.ndarray, hex_colour: str, at_least: int = 50) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    close = np.all(np.abs(pixels[..., :3] - rgb) < 0.02, axis=-1)
    return int(close.sum()) >= at_least


@pytest.fixture
def matplotlib():
    return pytest.importorskip("matplotlib")


def test_curves_to_svg_keep_their_text(matplotlib, tmp_path):
    path = tmp_path / "curves.svg"
    plots.save(plots.curves(["mse", "mae", "huber"], gradient=True), str(path))
    texts = svg_texts(path)
    assert "mse, mae, huber against the residual" in texts
    assert {"mse", "mae", "huber"} <= set(texts)  # legend
    assert "residual  y_pred - y_true" in texts and "loss" in texts and "gradient  d loss / dx" in texts
    assert svg_ticks(path, "x") == [-3, -2, -1, 0, 1, 2, 3]  # ticks across the whole residual range
    y_ticks = svg_ticks(path, "y")
    assert 0 in y_ticks and max(y_ticks) >= 8 and min(y_ticks) <= -6  # loss up to 9, gradient down to -6


def figure_texts(figure) -> set[str]:
    return {text.get_text() for text in figure.findobj(lambda artist: hasattr(artist, "get_text")) if text.get_text()}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_to_png_and_svg(matplotlib, tmp_path, family):
    groups = charts_of(family)
    for names in groups[1:]:
        # Every other axis of the family as a figure (saving each would only repeat the same code path).
        chart = plots.curves(names, points=101)
        texts = figure_texts(figure_of(chart))
        assert chart.title in texts and chart.x_label in texts
        assert all(s.label in texts for s in chart.panels[0].series)
    chart = plots.curves(groups[0], points=201)
    svg = tmp_path / "family.svg"
    plots.save(chart, str(svg))
    texts = svg_texts(svg)
    assert chart.title in texts and chart.x_label in texts
    assert all(s.label in texts for s in chart.panels[0].series)
    low, high = chart.x_range
    ticks = svg_ticks(svg, "x")
    assert low - 1e-9 <= min(ticks) and max(ticks) <= high + 1e-9  # the x axis is the range asked for
    assert max(ticks) - min(ticks) >= 0.5 * (high - low)

    png = tmp_path / "family.png"
    plots.save(chart, str(png))
    pixels = png_pixels(png)
    assert pixels.shape[1] == 1000 and 500 <= pixels.shape[0] <= 560  # 8 x 4.2 inches at 125 dpi
    packed = (np.rint(pixels[..., :3] * 255).astype(np.int64) * [65536, 256, 1]).sum(axis=-1)
    assert len(np.unique(packed)) > 50 and (packed != 0xFFFFFF).mean() > 0.02  # not blank
    for index in range(min(len(chart.panels[0].series), 3)):
        assert has_colour(pixels, PALETTE[index]), chart.panels[0].series[index].label  # each series drawn
    assert png.stat().st_mode & 0o044  # readable like any new file, not private like a temp file


def test_distribution_files_mark_quantiles_and_list_outliers(matplotlib, tmp_path):
    values, ids = outlier_losses()
    chart = plots.distribution(values, loss="mse", keys={"id": ids})
    svg = tmp_path / "dist.svg"
    plots.save(chart, str(svg))
    texts = " | ".join(svg_texts(svg))
    for fragment in ("Per-row mse: 100 rows", "p50 = 0.1", "p90 = 0.1", "p99 = 80.1", "mean = 3.595", "row 100: 90", "id=r100", "row 96: 50", "97.4% of the total loss", "mse per row"):
        assert fragment in texts, fragment
    png = tmp_path / "dist.png"
    plots.save(chart, str(png))
    pixels = png_pixels(png)
    assert has_colour(pixels, PALETTE[0]) and has_colour(pixels, PALETTE[3], at_least=20)  # bars and the p99 line


def test_distribution_file_notes_are_readable_side_by_side(matplotlib):
    values = np.random.default_rng(4).exponential(size=1_000)
    values[::50] = np.nan
    chart = _streamed(values, batch=128, sample_values=100).chart(loss="mse")
    assert len(chart.notes) == 2  # rows without a value, and the thinning
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = figure_of(chart)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    holders = [t for t in figure.findobj(lambda a: hasattr(a, "get_text")) if any(note in t.get_text() for note in chart.notes)]
    assert all(any(note in t.get_text() for t in holders) for note in chart.notes)
    boxes = [t.get_window_extent(renderer) for t in holders]
    page = figure.bbox
    for box in boxes:  # inside the picture, not cut at its edge
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    for i, box in enumerate(boxes):  # never drawn over one another
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])


def test_comparison_files_show_every_loss_model_and_delta(matplotlib, tmp_path):
    chart = plots.comparison(COMPARISON_ROWS, baseline_label="last week")
    svg = tmp_path / "cmp.svg"
    plots.save(chart, str(svg))
    texts = " | ".join(svg_texts(svg))
    for fragment in ("mse", "mae", "model_a", "model_b", "0.8  (best)", "-20.0%", "+50.0%", "last week"):
        assert fragment in texts, fragment
    png = tmp_path / "cmp.png"
    plots.save(chart, str(png))
    pixels = png_pixels(png)
    assert has_colour(pixels, PALETTE[0]) and has_colour(pixels, PALETTE[1])  # one colour per model


def test_unknown_picture_format(tmp_path):
    with pytest.raises(LossCliError, match="name the file .png or .svg"):
        plots.save(plots.curves(["mse"], points=5), str(tmp_path / "chart.pdf"))


def test_missing_matplotlib_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(LossCliError, match=re.escape("pip install 'losscli[plot]'")):
        plots.save(plots.curves(["mse"], points=5), str(tmp_path / "chart.png"))
    assert not (tmp_path / "chart.png").exists()


def test_docs_pictures_are_drawn_by_the_same_functions(matplotlib, tmp_path):
    spec = importlib.util.spec_from_file_location("make_pictures", ROOT / "docs" / "make_pictures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.PICTURES) == {"regression_curves.png", "focal_curves.png", "margin_curves.png", "per_row_distribution.png", "model_comparison.png"}
    for name, make in module.PICTURES.items():
        chart = make()
        assert chart.title in recorded(chart, width=100)
        assert figure_of(chart).get_axes()
        assert (ROOT / "docs" / name).is_file(), f"run docs/make_pictures.py: docs/{name} is missing"


# =========================================================================== command line


@pytest.fixture
def plot_cli():
    app = typer.Typer()
    app.add_typer(plot_app, name="plot")
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(app, ["plot", *[str(a) for a in args]], env=env, catch_exceptions=False)

    return invoke


def test_cli_curves_in_the_terminal(plot_cli):
    result = plot_cli("curves", "mse", "mae", "huber", "log_cosh", "--gradient", "--width", "70")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 70 for line in lines)
    assert "\x1b[" not in result.stdout  # not a terminal: plain text
    assert "** mse   ++ mae   xx huber   oo log_cosh" in result.stdout
    assert result.stdout.count("residual  y_pred - y_true") == 2


def test_cli_range_and_columns(plot_cli):
    result = plot_cli("curves", "hinge", "squared_hinge", "--range", "-1,2", env={"COLUMNS": "45"})
    assert result.exit_code == 0, result.stderr
    assert all(len(line) <= 45 for line in result.stdout.splitlines())
    ticks = next(line for line in result.stdout.splitlines() if line.split()[:1] in (["-1"], ["-1.0"]))
    assert float(ticks.split()[-1]) == 2


def test_cli_classification_losses_with_focal_gammas(plot_cli):
    result = plot_cli("curves", "bce", "focal:gamma=0.5", "focal:gamma=2", "--width", "80")
    assert result.exit_code == 0, result.stderr
    assert "focal:gamma=0.5" in result.stdout and "focal:gamma=2" in result.stdout
    assert "predicted probability of the true class" in result.stdout


def test_cli_errors_are_one_line(plot_cli):
    assert_usage_error(plot_cli("curves", "ctc"), "ctc", "losses that can be plotted: mse, mae")
    assert_usage_error(plot_cli("curves", "bce", "hinge"), "do not share an x-axis")
    assert_usage_error(plot_cli("curves", "mse", "--range", "3,-3"), "--range")
    assert_usage_error(plot_cli("curves", "no_such_loss"), "unknown loss")
    assert_usage_error(plot_cli("curves", "mse", "--width", "12"), "at least 30 columns")


def test_cli_writes_files(plot_cli, matplotlib, tmp_path):
    target = tmp_path / "margins.svg"
    result = plot_cli("curves", "hinge", "squared_hinge", "bce", "--from-logits", "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"wrote {target}" in result.stderr
    assert {"hinge", "squared_hinge", "bce"} <= set(svg_texts(target))
    assert_usage_error(plot_cli("curves", "mse", "-o", tmp_path / "x.pdf"), ".png or .svg")
    assert_usage_error(plot_cli("curves", "mse", "-o", tmp_path / "missing" / "x.png"), "does not exist")


def test_cli_without_matplotlib(plot_cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = plot_cli("curves", "mse", "-o", tmp_path / "x.png")
    assert_usage_error(result, "pip install 'losscli[plot]'")


def test_plot_command_module_imports_nothing_heavy():
    code = (
        "import sys, losscli.cli.plot; "
        "heavy = [m for m in ('numpy', 'matplotlib', 'pyarrow', 'pandas') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_plot_command_in_a_real_process():
    """Plain text on a pipe, and a one-line error without a traceback."""
    run = "from losscli.cli.plot import plot_app; plot_app(prog_name='losscli plot')"
    ok = subprocess.run([sys.executable, "-c", run, "curves", "mae", "--width", "50"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "\x1b[" not in ok.stdout and "++" not in ok.stdout and "** mae" in ok.stdout
    assert max(len(line) for line in ok.stdout.splitlines()) <= 50
    bad = subprocess.run([sys.executable, "-c", run, "curves", "dice"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("error: 'dice'") and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1
