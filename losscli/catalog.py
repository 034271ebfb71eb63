"""The registry as documents: what ``losscli list`` and ``losscli info`` show.

``describe(spec)`` is the one description of a loss; the JSON, CSV, Markdown
and table renderings of ``list`` and ``info`` are all built from it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from .knowledge import compute_command, properties
from .registry import CHARACTERISTIC_KEYS, CHARACTERISTIC_TITLES, GLOBAL_SWITCHES, LossSpec, Param, Role
from .shell import pasteable

SCHEMA = 1
PROPERTY_KEYS = CHARACTERISTIC_KEYS
PROPERTY_TITLES = CHARACTERISTIC_TITLES


# --------------------------------------------------------------------------- sample data


@dataclass(frozen=True)
class SampleFile:
    """A file under sample_data/ to try a loss on, and the options it needs."""

    path: str
    options: str = ""


# Which sample file shows each loss, by family; "family:binary" and
# "family:multiclass" split classification by input layout. None: no sample
# file yet (info then shows only the declaration's own example). Paths are
# relative to the project directory.
SAMPLE_DATA: dict[str, SampleFile | None] = {
    "regression": SampleFile("sample_data/regression.csv"),
    "classification:binary": SampleFile("sample_data/binary.csv"),
    "classification:multiclass": SampleFile("sample_data/multiclass.csv"),
    "ranking": SampleFile("sample_data/pairs.csv"),
    "sequence": SampleFile("sample_data/ctc.parquet"),
    "segmentation": SampleFile("sample_data/segmentation.csv", "--sample-col image_id"),
    "generative": SampleFile("sample_data/gan.csv"),
}
# Losses that need a different file or options than their family's.
SAMPLE_DATA_BY_LOSS: dict[str, SampleFile | None] = {
    # Logits in a Parquet list column, labels in a CSV in another order, joined on id.
    "sparse_cce": SampleFile(
        "sample_data/multiclass_preds.parquet", "--labels sample_data/multiclass_labels.csv --key id --from-logits"
    ),
    # Margin losses read raw scores, not probabilities.
    "hinge": SampleFile("sample_data/binary.csv", "--pred-col logit"),
    "squared_hinge": SampleFile("sample_data/binary.csv", "--pred-col logit"),
    # regression.csv has no variance column.
    "gaussian_nll": None,
    # log1p needs values above -1; the first model predicts a few negative prices.
    "msle": SampleFile("sample_data/regression_b.csv"),
    "triplet": SampleFile("sample_data/triplets.parquet"),
    # The discriminator's probabilities; the critic column is for wasserstein.
    "adversarial": SampleFile("sample_data/gan.csv", "--pred-col d_prob"),
    "perceptual": SampleFile("sample_data/features.csv", "--pred-col 'gen_*' --label-col 'target_*'"),
    # Distributions of predicted and true values, unpaired.
    "wasserstein_distance": SampleFile("sample_data/regression.csv"),
}


def sample_file(spec: LossSpec) -> SampleFile | None:
    if spec.name in SAMPLE_DATA_BY_LOSS:
        return SAMPLE_DATA_BY_LOSS[spec.name]
    if spec.family == "classification":
        layout = "binary" if "binary" in spec.tasks else "multiclass"
        return SAMPLE_DATA.get(f"classification:{layout}")
    return SAMPLE_DATA.get(spec.family)


def sample_command(spec: LossSpec) -> str | None:
    """The ``losscli compute`` line that runs this loss on the project's sample data."""
    sample = sample_file(spec)
    if sample is None:
        return None
    options = tuple(shlex.split(sample.options)) if sample.options else ()
    return compute_command(spec, sample.path, flags=options)


# --------------------------------------------------------------------------- descriptions


def describe(spec: LossSpec) -> dict[str, Any]:
    """Everything ``info`` shows about one loss, JSON-ready."""
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "family": spec.family,
        "tasks": list(spec.tasks),
        "formula": spec.formula,
        "description": spec.description,
        "use_cases": spec.use_cases,
        "parameters": [describe_param(p) for p in spec.params],
        "inputs": [describe_role(r) for r in spec.roles],
        "characteristics": properties(spec),
        "reference": spec.reference,
        "notes": list(spec.notes),
        "kind": spec.kind,
        "streams": spec.streams,
        "example": pasteable(spec.example) if spec.example else None,
        "sample_command": sample_command(spec),
    }


# What ``list`` shows of each loss: keys of ``describe``, with the same
# values, so a script reads a loss the same way from either command.
SUMMARY_KEYS = ("name", "aliases", "family", "tasks", "inputs", "parameters", "characteristics", "streams", "reference")


def summary(spec: LossSpec) -> dict[str, Any]:
    """One loss as ``list`` shows it."""
    described = describe(spec)
    return {key: described[key] for key in SUMMARY_KEYS}


def describe_param(param: Param) -> dict[str, Any]:
    switch = GLOBAL_SWITCHES.get(param.name)
    return {
        "name": param.name,
        "type": _type_name(param.type),
        "default": _json_value(param.default),
        "range": param.range_text(),
        "help": param.help,
        "cli_switch": f"--{param.name.replace('_', '-')}" if switch is not None and switch is param else None,
    }


def describe_role(role: Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "default_columns": list(role.defaults),
        "shape": role.shape,
        "optional": role.optional,
        "help": role.help,
        "option": role_option(role),
    }


def role_option(role: Role) -> str:
    """The command-line option that names this role's columns."""
    return {"y_pred": "--pred-col", "y_true": "--label-col"}.get(role.name, f"--col {role.name}=COLS")


def inputs_text(spec: LossSpec) -> str:
    """Role names, optional ones marked with '?'."""
    return ", ".join(f"{r.name}?" if r.optional else r.name for r in spec.roles)


def _type_name(kind: Any) -> str:
    if kind == "floats":
        return "list of numbers"
    return getattr(kind, "__name__", str(kind))


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def default_text(value: Any) -> str:
    """A parameter default as a user would type it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ";".join(f"{v:g}" for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def mark(value: bool | None) -> str:
    """✔ / ✘ as in the guide's table; '-' where nobody rated it."""
    if value is None:
        return "-"
    return "✔" if value else "✘"
