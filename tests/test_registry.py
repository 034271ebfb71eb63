"""Loss specs: names, aliases, parameters and their ranges, as users type them."""

from __future__ import annotations

import pytest

import losscli
from losscli.errors import LossCliError
from losscli.registry import GLOBAL_SWITCHES, all_specs, get, parse_spec, resolve_task

SPEC_NAMES = {
    "mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile", "poisson", "gaussian_nll",
    "bce", "cce", "sparse_cce", "hinge", "squared_hinge", "categorical_hinge", "kl_div", "focal",
    "label_smoothing_ce", "weighted_ce", "contrastive", "triplet", "cosine_embedding", "ctc", "dice", "iou",
    "tversky", "wasserstein", "wasserstein_distance", "adversarial", "perceptual",
}  # fmt: skip


def test_every_canonical_name_of_the_spec_is_registered():
    assert SPEC_NAMES <= set(losscli.available())


def test_available_keeps_declaration_order_whatever_ran_first():
    # A computation before the first listing imported its loss family first,
    # and available() then began with that family: bce before mse.
    import os
    import subprocess
    import sys

    # The fresh interpreter imports the losscli under test, not an installed one.
    root = os.path.dirname(os.path.dirname(os.path.abspath(losscli.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}

    def names(first: str) -> list[str]:
        code = f"import losscli; {first}; print(','.join(losscli.available()))"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        return run.stdout.strip().split(",")

    fresh = names("pass")
    assert fresh[0] == "mse" and names("losscli.compute('bce', [1.0, 0.0], [0.9, 0.2])") == fresh
    assert names("losscli.compute('dice', [1.0, 0.0], [0.9, 0.2])") == fresh


@pytest.mark.parametrize(
    "alias, name",
    [("l2", "mse"), ("L1", "mae"), ("pinball", "quantile"), ("log_loss", "bce"), ("binary_crossentropy", "bce"),
     ("categorical_crossentropy", "cce"), ("kld", "kl_div"), ("dice_loss", "dice"), ("jaccard", "iou"),
     ("emd", "wasserstein_distance"), ("mean_squared_error", "mse"), ("Smooth-L1", "smooth_l1")],
)  # fmt: skip
def test_aliases_resolve_case_and_dash_insensitively(alias, name):
    assert get(alias).name == name


def test_spec_string_fills_defaults_and_keeps_the_label():
    bound = parse_spec("focal:gamma=3")
    assert bound.params["gamma"] == 3.0 and bound.params["alpha"] == 0.25
    assert bound.display == "focal:gamma=3"


def test_values_parse_as_numbers_booleans_and_lists():
    assert parse_spec("triplet:swap=yes,p=1").params["swap"] is True
    assert parse_spec("weighted_ce:weights=0.2;0.8").params["weights"] == (0.2, 0.8)
    assert parse_spec("weighted_ce:weights=balanced").params["weights"] == "balanced"



def test_an_integer_parameter_keeps_the_value_written():
    # Read through a float, 2**53 + 1 became 2**53 and a 20-digit blank was shown rounded.
    assert parse_spec("sparse_cce:ignore_index=9007199254740993").params["ignore_index"] == 9007199254740993
    assert parse_spec("ctc:blank=99999999999999999999").params["blank"] == 99999999999999999999
    assert parse_spec("sparse_cce:ignore_index=-100").params["ignore_index"] == -100
    assert parse_spec("ctc:blank=2.0").params["blank"] == 2  # a whole number written as a float still reads
    with pytest.raises(LossCliError, match="must be an integer"):
        parse_spec("ctc:blank=1.5")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("hubr", "did you mean 'huber'"),
        ("huber:detla=2", "did you mean 'delta'"),
        ("huber:delta=0", "out of range"),
        ("huber:delta=-1", "out of range"),
        ("focal:gamma=-0.5", "out of range"),
        ("quantile:q=1", "out of range"),
        ("quantile:q=abc", "must be a number"),
        ("huber:delta=inf", "out of range"),  # 0 * inf in the kernel: NaN, not MSE / 2
        ("smooth_l1:beta=inf", "out of range"),
        ("focal:gamma=nan", "out of range"),
        ("triplet:p=-inf", "out of range"),
        ("huber:delta", "needs a value"),
        ("huber:delta=1,delta=2", "given twice"),
        (":delta=2", "empty loss name"),
        ("triplet:swap=maybe", "true or false"),
        ("perceptual:layers=0;6", "out of range"),  # info shows whole numbers >= 1: a layer of 0 columns is none
        ("perceptual:layers=2.5;3.5", "out of range"),
    ],
)
def test_bad_specs_are_clear_errors(text, fragment):
    with pytest.raises(LossCliError, match=fragment):
        parse_spec(text)


def test_global_switches_apply_only_where_the_loss_has_them():
    bce = parse_spec("bce", {"from_logits": True, "eps": 0.01})
    assert bce.params["from_logits"] is True and bce.params["eps"] == 0.01
    # poisson's own eps is not the probability clipping switch
    assert parse_spec("poisson", {"eps": 0.01}).params["eps"] == 1e-8
    assert "from_logits" not in parse_spec("mse", {"from_logits": True}).params


def test_an_explicit_parameter_beats_the_global_switch():
    assert parse_spec("bce:eps=0", {"eps": 0.01}).params["eps"] == 0.0


def test_every_declaration_is_complete():
    for spec in all_specs():
        assert spec.formula and spec.description and spec.use_cases and spec.reference, spec.name
        assert spec.tasks and spec.roles, spec.name
        for param in spec.params:
            assert param.help, (spec.name, param.name)
            if param.default is not None and param.name not in GLOBAL_SWITCHES:
                param.validate(param.default, spec.name)  # defaults are inside their own ranges


@pytest.mark.parametrize("alias, task", [("metric-learning", "ranking"), ("gan", "generative"), ("seq2seq", "sequence"), ("imbalanced", "imbalance"), ("detection", "segmentation"), ("Speech", "sequence")])
def test_task_aliases(alias, task):
    assert resolve_task(alias) == task


def test_task_typo_suggests():
    with pytest.raises(LossCliError, match="did you mean 'segmentation'"):
        resolve_task("segmentaton")


def test_infinity_is_a_value_only_where_declared():
    # The L-infinity norm is a triplet distance; a Huber switch at infinity is not a loss.
    assert parse_spec("triplet:p=inf").params["p"] == float("inf")
    assert get("triplet").param("p").range_text() == "> 0, or inf"
    with pytest.raises(LossCliError, match="out of range: inf"):
        parse_spec("huber:delta=inf")


@pytest.mark.parametrize(
    "text, fixed, corrected",
    [
        ("weighted_ce:weights=0.2,0.8", "weights=0.2;0.8", "weighted_ce:weights=0.2;0.8"),
        ("weighted_ce:weights=1,2,3,smoothing=0.1", "weights=1;2;3", "weighted_ce:weights=1;2;3,smoothing=0.1"),
        ("perceptual:layers=6,4", "layers=6;4", "perceptual:layers=6;4"),
    ],
)
def test_a_list_split_by_the_parameter_separator_points_to_semicolons(text, fixed, corrected):
    # Reported: "parameter '0.8' needs a value", which does not say that lists take ';'.
    with pytest.raises(LossCliError) as error:
        parse_spec(text)
    message = str(error.value)
    assert f"list values are separated by ';' (quote the spec in a shell): {fixed}" in message, message
    assert f"--loss '{corrected}'" in message, message
    assert parse_spec(corrected).params  # the corrected spec parses


@pytest.mark.parametrize("text", ["huber:delta=1,5", "weighted_ce:weights=balanced,0.8", "huber:0.5"])
def test_a_bare_value_that_continues_no_list_still_needs_a_key(text):
    with pytest.raises(LossCliError, match="needs a value"):
        parse_spec(text)


@pytest.mark.parametrize("text", ["weighted_ce:weights=-1;1;1", "dice:weights=0.5;-2"])
def test_a_negative_class_weight_is_refused_with_the_range_info_shows(text):
    with pytest.raises(LossCliError) as caught:
        parse_spec(text)
    message = f"{caught.value} {caught.value.hint}"
    assert ">= 0" in message  # the range 'info' shows says weights cannot be negative
    assert "(" not in str(caught.value).split(":")[-1]  # the value as typed (-1;1;1), not a Python tuple


ALIASES = [(alias, spec.name) for spec in all_specs() for alias in spec.aliases]


@pytest.mark.parametrize("alias, name", ALIASES, ids=[alias for alias, _ in ALIASES])
def test_every_alias_list_and_info_show_resolves_to_its_loss(alias, name):
    assert get(alias).name == name
    assert get(alias.upper().replace("_", "-")).name == name


BOUNDED = [(spec, param) for spec in all_specs() for param in spec.params if param.type in (float, int) and (param.low is not None or param.high is not None)]


# triplet's p just above 0 overflows the norm to NaN, as in PyTorch: a value, not a refusal.
@pytest.mark.filterwarnings("ignore:triplet. the value is not a number")
@pytest.mark.parametrize("spec, param", BOUNDED, ids=[f"{spec.name}.{param.name}" for spec, param in BOUNDED])
def test_each_bound_info_shows_is_the_one_enforced(spec, param):
    """At, just inside and just outside each shown bound: parsing agrees with the
    range text, and a value inside the range computes on the loss's example."""
    from examples import example

    _, arrays, params, weights, samples = example(spec.name, n=30)
    step = 1 if param.type is int else 1e-6
    for bound, is_open, outward in ((param.low, param.low_open, -1), (param.high, param.high_open, 1)):
        if bound is None:
            continue
        inside = [bound - outward * step] + ([] if is_open else [bound])
        refused = [bound + outward * step] + ([bound] if is_open else [])
        for value in inside:
            value = param.type(value)
            assert parse_spec(f"{spec.name}:{param.name}={value!r}").params[param.name] == value
        # The kernel takes the extreme value (ctc's blank=1 would clash with the example's targets).
        extreme = param.type(inside[-1])
        losscli.compute(spec.name, **arrays, **{**params, param.name: extreme}, sample_weight=weights, sample_ids=samples)
        for value in refused:
            with pytest.raises(LossCliError, match="out of range") as caught:
                parse_spec(f"{spec.name}:{param.name}={param.type(value)!r}")
            assert caught.value.hint == f"valid: {param.range_text()}"


@pytest.mark.parametrize(
    ("task", "names"),
    [
        ("segmentation", ["dice", "iou", "tversky"]),
        ("gan", ["wasserstein", "wasserstein_distance", "adversarial", "perceptual"]),
        ("metric-learning", ["contrastive", "triplet", "cosine_embedding"]),
        ("binary", ["bce", "hinge", "squared_hinge", "focal"]),
    ],
)
def test_available_for_a_task_lists_that_tasks_losses(task, names):
    # The losses SPEC's table lists for each family, as `losscli list --task` shows them.
    assert losscli.available(task=task) == names


def test_available_for_an_unknown_task_suggests_one():
    with pytest.raises(losscli.LossCliError, match="unknown task 'segmentaton'; did you mean 'segmentation'"):
        losscli.available(task="segmentaton")
