"""Whether the command ``recommend --data`` suggests for a loss runs on that file.

A command that fails on the file it was suggested for is worse than none:
such a loss is ranked last with the reason (see ``knowledge.rank``). Three
checks: the file's header, judged as ``compare --task`` judges it (a
missing input column, text where numbers are needed); the class labels,
read against the class columns as compute reads them (a label that names
no column stops every loss that reads class labels); and the loss run on
the values the inference read (msle needs values above -1, bce 0/1 labels).

A loss that finds no predictions under its default names may find them
under a name that ends in one of them: a GAN file's ``d_prob`` is what
adversarial's ``prob`` stands for. Its command then names that column with
``--pred-col`` (and ``--from-logits`` when the values are not probabilities).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from .errors import LossCliError
from .inference import looks_like_logits
from .logit_names import name_says_logits
from .knowledge import Context, candidates, command_role_columns, command_sample_column, command_spec
from .registry import BoundLoss, parse_spec

# Predictions to try a loss on when a file holds the labels alone: the labels
# themselves (a perfect regression), then a probability of one half. A loss
# that rejects its y_true under both rejects the labels whatever the predictions.
_STAND_IN_PREDICTIONS = ("labels", 0.5)


@dataclasses.dataclass
class CommandChecks:
    """What the checks found, per loss."""

    # Why its command fails on the file; losses not listed can read it.
    problems: dict[str, str] = dataclasses.field(default_factory=dict)
    # Losses whose other inputs (anchor, x1, ...) compute finds in the file
    # under its own names: their commands need no --col.
    inputs_found: set[str] = dataclasses.field(default_factory=set)
    # loss -> (its --pred-col, whether that column holds logits), for losses
    # that read another prediction column than the file's predictions.
    own_predictions: dict[str, tuple[str, bool]] = dataclasses.field(default_factory=dict)


def command_problems(
    context: Context,
    label_col: str | None,
    pred_col: str | None,
    input_format: str | None,
    delimiter: str | None,
    inference: Any = None,
    decimal: str = ".",
) -> CommandChecks:
    """Whether the suggested command of each loss runs on the --data file,
    and the column options that make it run."""
    from .compare import inputs_problem
    from .io.columns import PRED_SIDE
    from .io.plan import InputOptions, InputPlan

    base = InputOptions(
        predictions=context.predictions,
        pred_cols=pred_col,
        label_cols=label_col,
        nan_policy="omit" if "--nan-policy" in context.flags else "error",
        input_format=input_format,
        delimiter=delimiter,
        decimal=decimal,
        positive=context.positive,
    )
    # The file as the inference opened it: stdin ('-') cannot be read again.
    opened = getattr(inference, "source", None)
    sources = {PRED_SIDE: opened} if opened is not None else InputPlan(base, []).sources
    shared = {"from_logits": True} if context.from_logits else None
    checks = CommandChecks()
    for spec in candidates(context.task, context.conditions):
        sample = command_sample_column(spec, context)
        suggested = command_spec(spec.name, context)  # with the parameters its command passes (poisson:log_input=false)
        bound = parse_spec(suggested, shared)
        by_default = dataclasses.replace(base, role_cols={}, sample_col=sample)
        role_cols = command_role_columns(spec, context.role_columns)
        if role_cols and not context.role_columns and inputs_problem(bound, by_default, sources) is None:
            checks.inputs_found.add(spec.name)  # emb1_*, a_*: the file's names, which --col x1='x1*' would miss
            options = by_default
        else:
            options = dataclasses.replace(base, role_cols=role_cols, sample_col=sample)
        values = getattr(inference, "values_read", None)
        problem = inputs_problem(bound, options, sources)
        if problem is not None and pred_col is None:
            # Not under its default names: perhaps under a name that ends in one (d_prob).
            own = _named_prediction_column(spec, sources[PRED_SIDE], inference, sample)
            # The header first (cheap); the column's values only for a loss that can read it.
            if own is not None and inputs_problem(bound, dataclasses.replace(options, pred_cols=own), sources) is None:
                values = _values_with(sources[PRED_SIDE], inference, own)
                # Named as logits (d_logit), compute reads it as logits whatever its values.
                logits = name_says_logits(own) or (values is not None and looks_like_logits(values[1]))
                problem, bound = None, parse_spec(suggested, {"from_logits": True} if logits else None)
                checks.own_predictions[spec.name] = (own, logits)
        if spec.name not in checks.own_predictions:
            problem = problem or class_label_problem(spec, inference)
        problem = problem or value_problem(bound, values) or inputs_value_problem(bound, getattr(inference, "inputs_read", None))
        if problem:
            checks.problems[spec.name] = problem
    return checks


def _named_prediction_column(spec: Any, source: Any, inference: Any, sample: str | None) -> str | None:
    """The one numeric column whose name ends, after a separator, in a default
    name of the loss's predictions ('d_prob' for 'prob'), trying those names in
    the loss's order; never a guess between two columns."""
    from .io.columns import class_column_of

    role = next((role for role in spec.roles if role.name == "y_pred"), None)
    if role is None:
        return None
    # Not the labels, the samples, or the predictions the loss already failed to read.
    taken = set(getattr(inference, "label_columns", ())) | set(getattr(inference, "prediction_columns", ()))
    taken |= {sample, getattr(inference, "sample_column", None)}
    names = tuple(column.name for column in source.columns if column.numeric and column.name not in taken)
    for default in role.defaults:
        index = class_column_of(default, names)
        if index is not None:
            return names[index]
    return None


def _values_with(source: Any, inference: Any, prediction_column: str) -> tuple[np.ndarray, np.ndarray] | None:
    labels = getattr(inference, "label_columns", ())
    if not labels:
        return None
    from .inference import values_with_predictions

    return values_with_predictions(source, labels, (prediction_column,))


def class_label_problem(spec: Any, inference: Any) -> str | None:
    """Why compute refuses the file's class labels against its class
    columns, for a loss whose labels are classes (cce, not bce)."""
    y_true = next((role for role in spec.roles if role.name == "y_true"), None)
    if y_true is None or y_true.shape != "class":
        return None
    return getattr(inference, "class_label_problem", None)


def losses_reading_the_labels_file(
    context: Context, label_col: str | None, input_format: str | None, delimiter: str | None, inference: Any = None, decimal: str = "."
) -> set[str]:
    """For a --data file read as labels alone (no prediction column): the
    losses of other inputs (anchor, positive, negative) that compute finds in
    that file by itself, under its own names (a_*, p_*, n_*). Their commands
    read the file as it is, rather than PRED with --col names it lacks."""
    from .compare import inputs_problem
    from .io.columns import PRED_SIDE
    from .io.plan import InputOptions, InputPlan

    if context.labels_file is None:
        return set()
    options = InputOptions(predictions=context.labels_file, label_cols=label_col, input_format=input_format, delimiter=delimiter, decimal=decimal)
    found = set()
    sources = None
    for spec in candidates(context.task, context.conditions):
        if not command_role_columns(spec):
            continue
        if sources is None:
            opened = getattr(inference, "source", None)
            sources = {PRED_SIDE: opened} if opened is not None else InputPlan(options, []).sources
        if inputs_problem(parse_spec(spec.name), options, sources) is None:
            found.add(spec.name)
    return found


def quantile_forecast(
    context: Context, label_col: str | None, input_format: str | None, delimiter: str | None, inference: Any = None, decimal: str = "."
) -> str | None:
    """For a --data file read as labels alone: the --pred-col of the quantile
    forecast it holds beside them (q0.1,q0.5,q0.9), when the quantile loss is
    suggested and reads the file so; else None. Its command then reads the
    file itself, rather than PRED --labels FILE."""
    from .compare import inputs_problem
    from .inference import quantile_forecast_columns
    from .io.columns import PRED_SIDE
    from .io.plan import InputOptions, InputPlan

    source = getattr(inference, "source", None)
    if context.labels_file is None or source is None or not any(spec.name == "quantile" for spec in candidates(context.task, context.conditions)):
        return None
    columns = quantile_forecast_columns(source, getattr(inference, "label_columns", ()))
    if not columns:
        return None
    pred_col = ",".join(columns)
    options = InputOptions(predictions=context.labels_file, label_cols=label_col, pred_cols=pred_col, input_format=input_format, delimiter=delimiter, decimal=decimal)
    try:
        InputPlan(options, [parse_spec("quantile")], sources={PRED_SIDE: source})
    except LossCliError:
        return None
    return pred_col if inputs_problem(parse_spec("quantile"), options, {PRED_SIDE: source}) is None else None


def label_problems(context: Context, labels: np.ndarray | None) -> dict[str, str]:
    """The losses whose checks reject these labels whatever the predictions
    (msle and poisson on labels at or below -1), for a file of labels alone:
    the same label checks as when predictions come with them."""
    if labels is None or labels.dtype == object or labels.ndim != 1:
        return {}  # text, sequences, several columns: the checks need the predictions' columns
    problems = {}
    for spec in candidates(context.task, context.conditions):
        bound = parse_spec(spec.name)
        y_true = next((role for role in spec.roles if role.name == "y_true"), None)
        if not _reads_labels_and_predictions(bound) or y_true is None or y_true.shape == "class":
            continue  # class labels are checked against the class columns, which are not known
        for stand_in in _STAND_IN_PREDICTIONS:
            predictions = labels if stand_in == "labels" else np.full(labels.shape, stand_in)
            problem = _rejection(bound, labels, predictions)
            if problem is None or problem[0] == "y_true":
                break
        if problem is not None and problem[0] == "y_true":
            problems[spec.name] = f"{problem[1]}, in y_true"
    return problems


def value_problem(bound: BoundLoss, values: tuple[np.ndarray, np.ndarray] | None) -> str | None:
    """What the loss says of the values read, if it rejects them or gives no finite value."""
    if values is None or not _reads_labels_and_predictions(bound):
        return None
    from .api import compute

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = compute(bound, *values)
    except LossCliError as error:
        return f"{error.message}, in {error.role}" if error.role else error.message
    if not math.isfinite(value):
        said = "; ".join(str(warning.message) for warning in caught)
        return f"it gives no number on these data, only {value}" + (f" ({said})" if said else "")
    return None


def inputs_value_problem(bound: BoundLoss, inputs: dict[str, np.ndarray] | None) -> str | None:
    """What a loss of other inputs says of the values read for them (contrastive
    refuses -1/1 pair labels, which cosine_embedding reads), if it rejects them."""
    if not inputs:
        return None
    required = {role.name for role in bound.spec.roles if not role.optional}
    own = {role.name for role in bound.spec.roles}
    if not required <= set(inputs) or not set(inputs) <= own:
        return None
    from .api import compute

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compute(bound, **inputs)
    except LossCliError as error:
        return f"{error.message}, in {error.role}" if error.role else error.message
    return None


def _reads_labels_and_predictions(bound: BoundLoss) -> bool:
    return {role.name for role in bound.spec.roles if not role.optional} == {"y_true", "y_pred"}


def _rejection(bound: BoundLoss, labels: np.ndarray, predictions: np.ndarray) -> tuple[str | None, str] | None:
    """(the input the loss rejects, its message), or None when it takes both."""
    from .api import compute

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an infinite value is the predictions' doing here
            compute(bound, labels, predictions)
    except LossCliError as error:
        return error.role, error.message
    return None
