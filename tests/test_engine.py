"""The fold itself, for every registered loss: batching, weights, order and groups
must not change a value (the engine's additive states make this exact up to
floating-point summation order)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import losscli
from losscli.engine import OVERALL, Batch, evaluate
from losscli.registry import BoundLoss, all_specs, bind

from examples import all_examples, example

REL = 1e-10


def _bound(spec, params) -> BoundLoss:
    return bind(spec, params)


def _batches(arrays, weights, samples, cuts, groups=None):
    edges = [0, *cuts, len(next(iter(arrays.values())))]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        yield Batch(
            arrays=[{k: v[lo:hi] for k, v in arrays.items()}],
            n=hi - lo,
            weights=None if weights is None else np.asarray(weights, dtype=float)[lo:hi],
            samples=None if samples is None else np.asarray(samples)[lo:hi],
            groups=None if groups is None else groups[lo:hi],
            row_offset=lo,
        )


def _value(spec, arrays, params, weights=None, samples=None, cuts=(), groups=None, reduction="mean"):
    outcomes, _ = evaluate(
        _batches(arrays, weights, samples, list(cuts), groups),
        [_bound(spec, params)],
        reduction=reduction,
        by_sample=samples is not None,
        with_groups=groups is not None,
    )
    return outcomes[0]


def _take(arrays, order):
    return {k: v[order] for k, v in arrays.items()}


def test_every_loss_has_an_example():
    missing = [s.name for s in all_specs() if s.name not in all_examples()]
    assert not missing, f"losses without an EXAMPLES entry in tests/examples_<family>.py: {missing}"


def test_every_example_names_a_registered_loss():
    names = set(losscli.available())
    assert set(all_examples()) <= names


NAMES = sorted(all_examples())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_many_batches_equal_one_batch(name, reduction):
    spec, arrays, params, weights, samples = example(name, n=97, seed=1)
    whole = _value(spec, arrays, params, weights, samples, reduction=reduction).overall
    rng = np.random.default_rng(2)
    for _ in range(3):
        cuts = sorted(rng.choice(np.arange(1, 97), size=rng.integers(1, 12), replace=False))
        split = _value(spec, arrays, params, weights, samples, cuts=cuts, reduction=reduction).overall
        assert whole.n == split.n
        if whole.value is None:
            assert split.value is None
        else:
            assert split.value == pytest.approx(whole.value, rel=REL, abs=1e-12)
    # one row per batch: the extreme of streaming
    single_rows = _value(spec, arrays, params, weights, samples, cuts=range(1, 97), reduction=reduction).overall
    assert single_rows.value == pytest.approx(whole.value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_weights_of_one_equal_no_weights(name):
    spec, arrays, params, weights, samples = example(name, n=50, seed=3)
    plain = _value(spec, arrays, params, None, samples).overall.value
    ones = _value(spec, arrays, params, np.ones(50), samples).overall.value
    assert ones == pytest.approx(plain, rel=REL, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_row_order_does_not_matter(name):
    spec, arrays, params, weights, samples = example(name, n=50, seed=4)
    base = _value(spec, arrays, params, weights, samples).overall.value
    order = np.random.default_rng(5).permutation(50)
    shuffled = _value(
        spec,
        _take(arrays, order),
        params,
        None if weights is None else np.asarray(weights)[order],
        None if samples is None else np.asarray(samples)[order],
    ).overall.value
    assert shuffled == pytest.approx(base, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_each_group_equals_the_loss_on_its_rows(name):
    spec, arrays, params, weights, samples = example(name, n=80, seed=6)
    groups = np.random.default_rng(7).choice(np.array(["a", "b", "c"]), 80)
    outcome = _value(spec, arrays, params, weights, samples, cuts=(13, 40, 41), groups=groups)
    by_key = {g.key: g.value for g in outcome.groups}
    assert set(by_key) == {OVERALL, ("a",), ("b",), ("c",)}
    for label in "abc":
        rows = np.flatnonzero(groups == label)
        alone = _value(
            spec,
            _take(arrays, rows),
            params,
            None if weights is None else np.asarray(weights)[rows],
            None if samples is None else np.asarray(samples)[rows],
        ).overall.value
        if alone is None:
            assert by_key[(label,)] is None
        else:
            assert by_key[(label,)] == pytest.approx(alone, rel=1e-9, abs=1e-12)


def test_weighted_mean_is_sum_w_l_over_sum_w():
    y = np.array([0.0, 0.0, 0.0])
    p = np.array([1.0, 2.0, 3.0])
    w = np.array([1.0, 0.0, 3.0])
    # (1*1 + 0*4 + 3*9) / (1 + 0 + 3) = 7.0, by hand
    assert losscli.compute("mse", y, p, sample_weight=w) == pytest.approx(7.0)
    # sum reduction: sum w*l = 28
    assert losscli.compute("mse", y, p, sample_weight=w, reduction="sum") == pytest.approx(28.0)


def test_overflow_becomes_null_with_a_warning():
    spec, arrays, params = losscli.info("mse"), {"y_true": np.array([0.0]), "y_pred": np.array([1e308])}, {}
    outcome = _value(spec, arrays, params)
    assert outcome.overall.value is None
    assert "infinite" in outcome.overall.warning


def test_zero_total_weight_is_null_not_a_crash():
    outcome = _value(losscli.info("mse"), {"y_true": np.zeros(2), "y_pred": np.ones(2)}, {}, weights=np.zeros(2))
    assert outcome.overall.value is None and outcome.overall.warning == "the sample weights of these rows sum to zero"


def test_losses_folded_in_parallel_equal_each_loss_alone():
    from losscli.registry import parse_spec

    rng = np.random.default_rng(11)
    n = 100_000  # above the size at which a batch's losses run on several threads
    arrays = {"y_true": rng.normal(size=n), "y_pred": rng.normal(size=n)}
    losses = [parse_spec(text) for text in ("mse", "huber:delta=0.5", "log_cosh", "quantile:q=0.2")]
    batch = Batch(arrays=[arrays] * len(losses), n=n)
    together, _ = evaluate([batch], losses)
    for bound, outcome in zip(losses, together):
        alone, _ = evaluate([Batch(arrays=[arrays], n=n)], [bound])
        assert outcome.overall.value == alone[0].overall.value


def test_the_first_failing_loss_is_reported_with_its_own_column():
    from losscli.errors import LossCliError
    from losscli.registry import parse_spec

    n = 100_000
    good = {"y_true": np.zeros(n), "y_pred": np.full(n, 0.5)}
    bad = {"y_true": np.zeros(n), "y_pred": np.full(n, 0.5)}
    bad["y_pred"][70_000] = 3.0  # not a probability: bce rejects row 70001
    batch = Batch(arrays=[good, bad], n=n, file="f.csv", role_columns=[{"y_pred": "a"}, {"y_pred": "p_bad"}])
    with pytest.raises(LossCliError) as caught:
        evaluate([batch], [parse_spec("mse"), parse_spec("bce")])
    assert caught.value.row == 70_001 and caught.value.column == "p_bad" and caught.value.file == "f.csv"


def test_losses_started_longest_first_still_report_the_first_failing_loss():
    """After the first batch the slowest losses start first; over several
    batches each value still equals the loss alone, and when two losses fail
    on the same batch the one reported is the first in loss order."""
    from losscli.errors import LossCliError
    from losscli.registry import parse_spec

    rng = np.random.default_rng(12)
    n = 50_000  # above the size at which a batch's losses run on several threads
    batches = [{"y_true": rng.uniform(0, 3, n), "y_pred": rng.uniform(0, 3, n)} for _ in range(3)]
    # poisson is cheap, msle (two log1p) is slower, so msle is started first from batch 2 on.
    losses = [parse_spec("poisson"), parse_spec("msle"), parse_spec("mse")]
    together, _ = evaluate([Batch(arrays=[b] * 3, n=n) for b in batches], losses)
    for bound, outcome in zip(losses, together):
        alone, _ = evaluate([Batch(arrays=[b], n=n) for b in batches], [bound])
        assert outcome.overall.value == alone[0].overall.value
    failing = {"y_true": batches[2]["y_true"].copy(), "y_pred": batches[2]["y_pred"]}
    failing["y_true"][123] = -5.0  # poisson: a negative count; msle: not above -1
    with pytest.raises(LossCliError, match="poisson needs non-negative counts"):
        evaluate([Batch(arrays=[b] * 3, n=n) for b in (batches[0], batches[1], failing)], losses)


def test_a_kernel_error_does_not_give_its_batch_count_as_the_inputs():
    """A kernel sees one batch, so a count of the bad rows it saw is not the
    file's count: the message names the first bad row and its value only."""
    from losscli.errors import LossCliError
    from losscli.registry import parse_spec

    clean = {"y_true": np.zeros(10), "y_pred": np.full(10, 0.5)}
    bad = {"y_true": np.zeros(10), "y_pred": np.full(10, 0.5)}
    bad["y_pred"][[2, 5, 7]] = 3.0
    batches = [Batch(arrays=[arrays], n=10, row_offset=offset, file="f.csv", role_columns=[{"y_pred": "p"}]) for arrays, offset in ((clean, 0), (bad, 10))]
    with pytest.raises(LossCliError) as caught:
        evaluate(batches, [parse_spec("bce")])
    assert str(caught.value) == "f.csv, column 'p', row 13: probability outside [0, 1] (value 3) (pass --from-logits if these are logits or raw scores)"


@pytest.mark.parametrize("seed", range(5))
def test_text_labels_find_the_groups_np_unique_finds(seed):
    from losscli.group_keys import Labels, row_keys

    rng = np.random.default_rng(seed)
    values = np.array(["b", "(missing)", "a10", "a2", "z"])[rng.permutation(5)]
    # Codes that leave some distinct values unused, as a batch of a bigger file does.
    codes = rng.integers(0, 3, size=int(rng.integers(1, 500)))
    labels = Labels(values, codes)
    expected = row_keys(values[codes], None)  # np.unique over every row's text
    found = row_keys(labels, None)
    assert found.labels == expected.labels
    np.testing.assert_array_equal(found.codes, expected.codes)
    samples = Labels(np.array(["s2", "s1"]), rng.integers(0, 2, size=len(codes)))
    paired, expected_pairs = row_keys(labels, samples), row_keys(values[codes], samples.array())
    assert paired.labels == expected_pairs.labels
    np.testing.assert_array_equal(paired.codes, expected_pairs.codes)
    assert labels[codes == codes[0]].tolist() == [values[codes[0]]] * int((codes == codes[0]).sum())


def _spread_batches(rng, sizes, offset=0):
    batches = []
    for n in sizes:
        arrays = {"y_true": rng.uniform(0, 3, n), "y_pred": rng.uniform(0, 3, n)}
        groups = rng.integers(0, 4, n).astype(np.float64)
        batches.append((arrays, groups, rng.uniform(0.5, 2, n), offset))
        offset += n
    return batches


def test_batches_folded_side_by_side_give_the_values_of_losses_folded_side_by_side():
    """Several losses and no per-row output: batches go to the cores whole, and
    their states merge in batch order, so every sum is added in the same order
    as when each batch's losses are spread over the cores (per-row output)."""
    from losscli.registry import parse_spec

    rng = np.random.default_rng(21)
    losses = [parse_spec(name) for name in ("mse", "huber", "msle", "poisson")]
    parts = _spread_batches(rng, [40_000, 70_000, 5, 40_000, 33_000])

    def batches():
        return [Batch(arrays=[a] * len(losses), n=len(g), weights=w, groups=g, row_offset=o) for a, g, w, o in parts]

    whole, _ = evaluate(batches(), losses, with_groups=True)
    rows_seen = []
    spread, _ = evaluate(batches(), losses, with_groups=True, on_rows=lambda batch, rows: rows_seen.append(batch.n))
    assert rows_seen == [len(g) for _, g, _, _ in parts]
    for a, b in zip(whole, spread):
        assert [(g.key, g.value, g.n) for g in a.groups] == [(g.key, g.value, g.n) for g in b.groups]
    # And each loss equals its own fold (numpy, all rows at once, by hand below for mse).
    y = np.concatenate([a["y_true"] for a, _, _, _ in parts])
    p = np.concatenate([a["y_pred"] for a, _, _, _ in parts])
    w = np.concatenate([w for _, _, w, _ in parts])
    assert whole[0].overall.value == pytest.approx(np.sum(w * (p - y) ** 2) / np.sum(w), rel=1e-12)


def test_the_first_failing_batch_in_file_order_is_reported_when_a_later_one_fails_sooner():
    from losscli.errors import LossCliError
    from losscli.registry import parse_spec

    rng = np.random.default_rng(22)
    losses = [parse_spec("mse"), parse_spec("poisson")]
    # A big first batch and a tiny second one: the second is folded first.
    parts = _spread_batches(rng, [400_000, 10])
    parts[0][0]["y_true"][300_000] = -1.0  # row 300,001: poisson needs non-negative counts
    parts[1][0]["y_true"][3] = -1.0  # row 400,004
    batches = [Batch(arrays=[a] * 2, n=len(g), row_offset=o, file="f.csv") for a, g, _, o in parts]
    for _ in range(3):
        with pytest.raises(LossCliError) as caught:
            evaluate(iter(batches), losses)
        assert caught.value.row == 300_001 and caught.value.file == "f.csv"


def test_an_unchecked_batch_with_a_non_finite_sum_asks_for_a_checked_read():
    from losscli.engine import UncheckedBatchFailed
    from losscli.registry import parse_spec

    rng = np.random.default_rng(23)
    parts = _spread_batches(rng, [50_000, 50_000, 50_000])
    parts[2][0]["y_pred"][7] = np.nan
    batches = [Batch(arrays=[a] * 2, n=len(g), row_offset=o) for a, g, _, o in parts]
    with pytest.raises(UncheckedBatchFailed):
        evaluate(iter(batches), [parse_spec("mse"), parse_spec("mae")], unchecked=True)


def _tolerant_case(per_row: bool, monkeypatch):
    """poisson (tolerant) fails at row 300,001 of a big first batch and at a
    row of a tiny second batch that is folded sooner; mse and mae do not."""
    from losscli.registry import parse_spec

    import losscli.engine as engine

    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)  # batches or losses on two threads
    rng = np.random.default_rng(24)
    parts = _spread_batches(rng, [400_000, 10, 30_000])
    parts[0][0]["y_true"][300_000] = -1.0
    parts[1][0]["y_true"][3] = -1.0
    losses = [parse_spec("mse"), parse_spec("poisson"), parse_spec("mae")]
    batches = [Batch(arrays=[a] * 3, n=len(g), row_offset=o, file="f.csv") for a, g, _, o in parts]
    failures: dict = {}
    on_rows = (lambda batch, rows: None) if per_row else None
    outcomes, _ = evaluate(iter(batches), losses, tolerant=frozenset({1}), failures=failures, on_rows=on_rows)
    y = np.concatenate([a["y_true"] for a, _, _, _ in parts])
    p = np.concatenate([a["y_pred"] for a, _, _, _ in parts])
    return outcomes, failures, y, p


@pytest.mark.parametrize("per_row", [False, True], ids=["batches side by side", "losses side by side"])
def test_a_tolerant_loss_that_rejects_a_batch_is_dropped_with_its_first_failing_row(per_row, monkeypatch):
    outcomes, failures, y, p = _tolerant_case(per_row, monkeypatch)
    assert list(failures) == [1]
    assert failures[1].row == 300_001 and failures[1].file == "f.csv"
    assert "non-negative" in str(failures[1]) or "negative" in str(failures[1])
    assert outcomes[1].groups == []  # no value for the dropped loss
    # The other losses are folded over every row (numpy, all rows at once).
    assert outcomes[0].overall.value == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    assert outcomes[2].overall.value == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)
    assert outcomes[0].overall.n == len(y)


def test_a_loss_not_declared_tolerant_still_stops_the_run():
    from losscli.errors import LossCliError
    from losscli.registry import parse_spec

    rng = np.random.default_rng(25)
    parts = _spread_batches(rng, [1000, 1000])
    parts[1][0]["y_true"][5] = -1.0
    batches = [Batch(arrays=[a] * 2, n=len(g), row_offset=o) for a, g, _, o in parts]
    with pytest.raises(LossCliError) as caught:
        evaluate(iter(batches), [parse_spec("mse"), parse_spec("poisson")], tolerant=frozenset({0}), failures={})
    assert caught.value.row == 1006


def test_a_tolerant_failure_in_an_unchecked_read_asks_for_a_checked_read():
    """A kernel error may be a NaN's doing: only a checked read may call it the loss's failure."""
    from losscli.engine import UncheckedBatchFailed
    from losscli.registry import parse_spec

    rng = np.random.default_rng(26)
    parts = _spread_batches(rng, [1000, 1000])
    parts[1][0]["y_true"][5] = -1.0
    batches = [Batch(arrays=[a] * 2, n=len(g), row_offset=o) for a, g, _, o in parts]
    with pytest.raises(UncheckedBatchFailed):
        evaluate(iter(batches), [parse_spec("mse"), parse_spec("poisson")], tolerant=frozenset({1}), failures={}, unchecked=True)


def _many_group_batches(parts_per_batch, *, losses):
    """Batches of (groups, y_true, y_pred, weights); every loss reads the same arrays."""
    return [
        Batch(arrays=[{"y_true": y, "y_pred": p}] * losses, n=len(g), weights=w, groups=g, row_offset=0)
        for g, y, p, w in parts_per_batch
    ]


def test_thousands_of_groups_over_many_batches_equal_numpy_per_group():
    """Groups that come and go between batches, and appear first in the last
    one, keep their own sums; a group whose weights are all zero is null."""
    from losscli.registry import parse_spec

    rng = np.random.default_rng(31)
    n = 24_000
    groups = rng.integers(0, 3_000, n)
    groups[-500:] = rng.integers(3_000, 3_100, 500)  # seen only in the last batch
    y, p = rng.normal(size=n), rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    w[groups == 7] = 0.0
    cuts = list(range(0, n + 1, 1_000))
    parts = [(groups[lo:hi], y[lo:hi], p[lo:hi], w[lo:hi]) for lo, hi in zip(cuts[:-1], cuts[1:])]
    losses = [parse_spec("mse"), parse_spec("rmse")]

    # Several losses: batches are folded on their own and merged; per-row output: one state.
    merged, _ = evaluate(_many_group_batches(parts, losses=2), losses, with_groups=True)
    single, _ = evaluate(_many_group_batches(parts, losses=2), losses, with_groups=True, on_rows=lambda batch, rows: None)

    # numpy: weighted mean of squared errors per group, sum(w l) / sum(w), and its root
    keys, codes = np.unique(groups, return_inverse=True)
    with np.errstate(invalid="ignore"):  # group 7: 0 / 0
        expected_mse = np.bincount(codes, weights=w * (p - y) ** 2) / np.bincount(codes, weights=w)
    counts = np.bincount(codes)
    for outcomes in (merged, single):
        mse, rmse = outcomes
        assert [g.key for g in mse.groups] == [OVERALL] + [(int(k),) for k in keys]
        assert [g.n for g in mse.groups[1:]] == counts.tolist()
        by_key = {g.key: g for g in mse.groups}
        assert by_key[(7,)].value is None and by_key[(7,)].warning == "the sample weights of these rows sum to zero"
        for index, key in enumerate(keys):
            if key != 7:
                assert by_key[(int(key),)].value == pytest.approx(expected_mse[index], rel=1e-12)
                assert rmse.groups[index + 1].value == pytest.approx(np.sqrt(expected_mse[index]), rel=1e-12)
        assert mse.overall.value == pytest.approx(np.sum(w * (p - y) ** 2) / np.sum(w), rel=1e-12)
        assert mse.overall.n == n


def test_per_sample_dice_by_group_over_many_batches_equals_numpy_per_image():
    """Images whose pixels are spread over many batches, in shuffled order, and grouped."""
    rng = np.random.default_rng(32)
    images, pixels = 300, 40
    image = np.repeat(np.arange(images), pixels)
    order = rng.permutation(images * pixels)
    image = image[order]
    truth = (rng.random(images * pixels) < 0.3).astype(float)
    pred = rng.random(images * pixels)
    fold = image % 4  # every image lies in one group
    spec = losscli.info("dice")
    cuts = range(700, images * pixels, 700)
    outcome = _value(spec, {"y_true": truth, "y_pred": pred}, {}, samples=image, cuts=cuts, groups=fold)

    # numpy, per image: 1 - (2 I + s) / (P + T + s), s = 1e-5 (MONAI's default smoothing)
    s = 1e-5
    intersection = np.bincount(image, weights=truth * pred)
    dice = 1 - (2 * intersection + s) / (np.bincount(image, weights=pred) + np.bincount(image, weights=truth) + s)
    image_fold = np.arange(images) % 4
    assert outcome.overall.value == pytest.approx(dice.mean(), rel=1e-12)
    assert [g.key for g in outcome.groups[1:]] == [(0,), (1,), (2,), (3,)]
    for group in outcome.groups[1:]:
        assert group.value == pytest.approx(dice[image_fold == group.key[0]].mean(), rel=1e-12)
        assert group.n == pixels * images // 4


@pytest.mark.parametrize("as_text", [False, True])
def test_groups_summed_by_key_every_few_batches_equal_pandas_groupby(monkeypatch, as_text):
    """Batches of group values wait and are summed by key with a sort, here
    every few batches: the same values, bit for bit, as summing them once."""
    import pandas as pd

    import losscli.group_keys as group_keys
    from losscli.group_keys import Labels
    from losscli.registry import parse_spec

    rng = np.random.default_rng(5)
    n = 6_000
    groups = rng.integers(0, 1_500, n)
    y, p = rng.normal(size=n), rng.normal(size=n)
    cuts = list(range(0, n + 1, 250))

    def batches():
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            part = groups[lo:hi]
            if as_text:
                distinct, codes = np.unique(part, return_inverse=True)
                part = Labels(np.array([f"g{d:04d}" for d in distinct]), codes)
            yield Batch(arrays=[{"y_true": y[lo:hi], "y_pred": p[lo:hi]}], n=hi - lo, groups=part)

    (once,), _ = evaluate(batches(), [parse_spec("mse")], with_groups=True)
    monkeypatch.setattr(group_keys, "_PENDING_ROWS", 300)
    (often,), _ = evaluate(batches(), [parse_spec("mse")], with_groups=True)

    assert [(g.key, g.value, g.n) for g in often.groups] == [(g.key, g.value, g.n) for g in once.groups]
    # pandas groupby: mean squared error and row count per group, groups sorted
    frame = pd.DataFrame({"g": groups, "e": (p - y) ** 2}).groupby("g")["e"].agg(["mean", "size"])
    shown = [f"g{k:04d}" for k in frame.index] if as_text else frame.index.tolist()
    assert [g.key for g in often.groups[1:]] == [(k,) for k in shown]
    assert [g.n for g in often.groups[1:]] == frame["size"].tolist()
    np.testing.assert_allclose([g.value for g in often.groups[1:]], frame["mean"].to_numpy(), rtol=1e-12)


def test_integer_and_float_group_values_across_batches_compare_as_python_does():
    """3 and 3.0 are one group (the first spelling names it); an int64 beyond
    2**53 is not the float next to it; a missing value (-inf) sorts first."""
    from losscli.registry import parse_spec

    big = 2**53 + 1
    parts = [
        (np.array([3, big], dtype=np.int64), [1.0, 2.0]),
        (np.array([3.0, float(2**53), -np.inf]), [4.0, 6.0, 8.0]),
    ]
    batches = [Batch(arrays=[{"y_true": np.zeros(len(e)), "y_pred": np.array(e)}], n=len(e), groups=g) for g, e in parts]
    (outcome,), _ = evaluate(batches, [parse_spec("mae")], with_groups=True)
    # Hand-worked: group 3 has |1| and |4| -> 2.5; the others one row each.
    got = [(g.key, type(g.key[0]) if g.key else None, g.value, g.n) for g in outcome.groups]
    assert got == [
        ((), None, 21.0 / 5, 5),
        ((-np.inf,), float, 8.0, 1),
        ((3,), int, 2.5, 2),
        ((float(2**53),), float, 6.0, 1),
        ((big,), int, 2.0, 1),
    ]


def test_group_values_no_sort_can_order_together_are_still_summed_by_key():
    # Text beside numbers cannot be sorted together; the sums go key by key instead.
    from losscli.group_keys import KeyedTotals, RowKeys

    totals = KeyedTotals()
    totals.add_rows(RowKeys(codes=np.array([0, 1]), values=np.array(["a", "b"], dtype=object)), np.ones((2, 4)))
    totals.add_rows(RowKeys(codes=np.array([0, 1]), values=np.array([1, "a"], dtype=object)), np.full((2, 4), 2.0))
    totals._collapse()
    keys, table = totals.keys_and_table()
    # By hand: 'a' gets 1 + 2, 'b' 1, the number 1 gets 2.
    assert keys == [("a",), ("b",), (1,)]
    assert table[:, 0].tolist() == [3.0, 1.0, 2.0]


def test_totals_of_values_no_sort_can_order_together_merge_and_finalize_by_key():
    # A dask partial state that folded a number file and a null-typed file
    # ("(missing)" text) merges into another: its waiting batches go by key.
    from losscli.group_keys import KeyedTotals, RowKeys

    part = KeyedTotals()
    part.add_rows(RowKeys(codes=np.array([0, 1]), values=np.array([0, 1])), np.ones((2, 4)))
    part.add_rows(RowKeys(codes=np.array([0]), values=np.array(["(missing)"])), np.full((1, 4), 2.0))
    total = KeyedTotals()
    total.add_rows(RowKeys(codes=np.array([0]), values=np.array([1])), np.full((1, 4), 4.0))
    total.merge(part)
    assert total.group_values_and_table() is None
    keys, table = total.keys_and_table()
    # By hand: 1 gets 4 + 1, 0 gets 1, the text 2.
    assert keys == [(1,), (0,), ("(missing)",)]
    assert table[:, 0].tolist() == [5.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "inputs, expected",
    [
        # Weights whose sum overflows: sum(w * l) / sum(w) is inf / inf.
        ({"sample_weight": [1e308, 1e308]}, None),
        # Losses whose sum overflows.
        ({}, math.inf),
    ],
)
def test_overflow_gives_a_value_or_null_but_no_numpy_warning(inputs, expected):
    import warnings

    y_true, y_pred = ([1.0, 1.0], [2.0, 3.0]) if inputs else ([1e308, 1e308], [-1e308, -1e308])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = losscli.compute("mae", y_true, y_pred, **inputs)
    # losscli's own warning names the loss; numpy's says what was "encountered" where.
    assert [str(w.message) for w in caught] == [f"mae: the value is {'not a number; returning NaN' if expected is None else 'infinite (overflow or an impossible case); returning inf'}"]
    if expected is None:
        assert math.isnan(value)
    else:
        assert value == expected


@pytest.mark.parametrize(("cores", "threads"), [(None, 1), (1, 1), (2, 2), (64, 8)])
def test_batches_are_folded_on_a_thread_per_core_up_to_eight(monkeypatch, cores, threads):
    # Each fold thread holds a batch and its temporaries: memory must not grow with the machine.
    import losscli.engine as engine

    monkeypatch.setattr(engine.os, "cpu_count", lambda: cores)
    assert engine.fold_threads() == threads
