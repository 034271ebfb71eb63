"""``losscli.catalog.describe``: the one description of a loss behind list and info."""

from __future__ import annotations

import json
import shlex

import pytest

from losscli import catalog
from losscli.registry import FAMILIES, all_specs, get, parse_spec

SPECS = all_specs()
IDS = [spec.name for spec in SPECS]
DESCRIBE_KEYS = [
    "name",
    "aliases",
    "family",
    "tasks",
    "formula",
    "description",
    "use_cases",
    "parameters",
    "inputs",
    "characteristics",
    "reference",
    "notes",
    "kind",
    "streams",
    "example",
    "sample_command",
]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_describe_covers_every_declaration_field(spec):
    document = catalog.describe(spec)
    assert list(document) == DESCRIBE_KEYS
    json.dumps(document, allow_nan=False)  # JSON-ready as it is
    assert document["name"] == spec.name and document["aliases"] == list(spec.aliases)
    assert document["formula"] and document["description"] and document["use_cases"] and document["reference"]
    assert [p["name"] for p in document["parameters"]] == [p.name for p in spec.params]
    for described, param in zip(document["parameters"], spec.params):
        assert described["range"] == param.range_text()
        default = list(param.default) if isinstance(param.default, tuple) else param.default
        assert described["default"] == default
    assert [r["name"] for r in document["inputs"]] == [r.name for r in spec.roles]
    for described, role in zip(document["inputs"], spec.roles):
        assert described["default_columns"] == list(role.defaults)
        assert described["optional"] is role.optional
    traits = document["characteristics"]
    for key in catalog.PROPERTY_KEYS:
        assert key in traits
    assert traits["rated_by"].startswith(("guide: ", "losscli"))
    assert document["streams"] is (spec.kind != "exact")


def test_describe_huber():
    document = catalog.describe(get("huber"))
    parameters = {p["name"]: p for p in document["parameters"]}
    assert set(parameters) == {"delta", "convention"}
    delta = parameters["delta"]
    assert delta == {
        "name": "delta",
        "type": "float",
        "default": 1.0,
        "range": "> 0",
        "help": delta["help"],
        "cli_switch": None,
    }
    assert "PyTorch HuberLoss" in document["reference"]
    assert document["characteristics"]["rated_by"] == "guide: Huber"
    assert document["characteristics"]["notes"] == {"robust": "tunable with delta"}
    assert [r["option"] for r in document["inputs"]] == ["--label-col", "--pred-col"]


def test_shared_switches_are_marked_and_own_parameters_are_not():
    bce = {p["name"]: p for p in catalog.describe(get("bce"))["parameters"]}
    assert bce["from_logits"]["cli_switch"] == "--from-logits"
    assert bce["eps"]["cli_switch"] == "--eps"
    assert bce["pos_weight"]["cli_switch"] is None
    poisson = {p["name"]: p for p in catalog.describe(get("poisson"))["parameters"]}
    assert poisson["eps"]["cli_switch"] is None  # poisson's own eps is not the clipping switch


def test_list_parameters_and_roles_for_other_roles():
    triplet = catalog.describe(get("triplet"))
    assert [r["option"] for r in triplet["inputs"]] == ["--col anchor=COLS", "--col positive=COLS", "--col negative=COLS"]
    weighted = {p["name"]: p for p in catalog.describe(get("weighted_ce"))["parameters"]}
    assert weighted["weights"]["type"] == "list of numbers"
    assert weighted["weights"]["range"] == "numbers >= 0 separated by ';' or 'balanced'"
    perceptual = {p["name"]: p for p in catalog.describe(get("perceptual"))["parameters"]}
    assert perceptual["layers"]["range"] == "whole numbers >= 1 separated by ';'"  # column counts, as the kernel needs
    assert perceptual["layer_weights"]["range"] == "numbers >= 0 separated by ';'"


@pytest.mark.parametrize(
    "loss, command",
    [
        ("mse", "losscli compute sample_data/regression.csv --loss mse"),
        ("bce", "losscli compute sample_data/binary.csv --loss bce"),
        ("focal", "losscli compute sample_data/binary.csv --loss focal"),
        ("hinge", "losscli compute sample_data/binary.csv --loss hinge --pred-col logit"),
        ("cce", "losscli compute sample_data/multiclass.csv --loss cce"),
        ("kl_div", "losscli compute sample_data/multiclass.csv --loss kl_div"),
        (
            "sparse_cce",
            "losscli compute sample_data/multiclass_preds.parquet --labels sample_data/multiclass_labels.csv --key id --from-logits --loss sparse_cce",
        ),
        ("msle", "losscli compute sample_data/regression_b.csv --loss msle"),
        ("contrastive", "losscli compute sample_data/pairs.csv --loss contrastive"),
        ("triplet", "losscli compute sample_data/triplets.parquet --loss triplet --col anchor='anchor*' --col positive='positive*' --col negative='negative*'"),
        ("ctc", "losscli compute sample_data/ctc.parquet --loss ctc"),
        ("dice", "losscli compute sample_data/segmentation.csv --loss dice --sample-col image_id"),
        ("wasserstein", "losscli compute sample_data/gan.csv --loss wasserstein"),
        ("adversarial", "losscli compute sample_data/gan.csv --loss adversarial --pred-col d_prob"),
        ("perceptual", "losscli compute sample_data/features.csv --loss perceptual --pred-col 'gen_*' --label-col 'target_*'"),
        ("wasserstein_distance", "losscli compute sample_data/regression.csv --loss wasserstein_distance"),
        ("gaussian_nll", None),
    ],
)
def test_sample_commands_pick_the_file_by_family(loss, command):
    # The options a SampleFile carries are appended after the loss.
    got = catalog.sample_command(get(loss))
    if command is None:
        assert got is None
    else:
        assert shlex.split(got)[:3] == ["losscli", "compute", shlex.split(command)[2]]
        assert sorted(shlex.split(got)) == sorted(shlex.split(command))


def test_every_family_has_a_sample_data_entry():
    keys = {key.split(":")[0] for key in catalog.SAMPLE_DATA}
    assert keys == set(FAMILIES)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_example_commands_name_the_loss(spec):
    for line in filter(None, (catalog.sample_command(spec),)):
        words = shlex.split(line)
        assert parse_spec(words[words.index("--loss") + 1]).name == spec.name


@pytest.mark.parametrize("value, text", [(None, "none"), (True, "true"), (1.0, "1"), (1e-7, "1e-07"), ((0.2, 0.8), "0.2;0.8"), ("balanced", "balanced")])
def test_default_text(value, text):
    assert catalog.default_text(value) == text


def test_marks():
    assert (catalog.mark(True), catalog.mark(False), catalog.mark(None)) == ("✔", "✘", "-")
