"""The Python API: the same registry and engine the CLI uses.

    >>> import losscli
    >>> losscli.compute("huber", [0, 1], [0.5, 3.0], delta=2.0)
    1.0625

Inputs are checked as the command line checks what it reads (see
``losscli/api_inputs.py``). Bad input raises :class:`LossCliError`, never
a numpy error or a silent NaN: the error names the argument
(``error.role``, e.g. ``"y_pred"``) and, where one row is at fault, its
1-based row number (``error.row``; row 1 is ``y_pred[0]``), as the command
line numbers data rows. ``str(error)`` reads
``y_pred, row 1: missing, NaN or infinite value (...)``.
"""

from __future__ import annotations

import functools
import math
import re
import shlex
import warnings
from typing import Any, Callable, TypeVar

import numpy as np

from .conventions import folding
from .losses.classification import row_sum_tolerance
from .engine import Batch, evaluate, row_losses
from .errors import LossCliError
from .api_inputs import check_finite, check_pandas_order, coarsest_float, numbers_per_row, per_row_items, same_length, sample_ids as checked_ids, sample_weights
from .registry import BoundLoss, LossSpec, bind, check_reduction, did_you_mean, get, parse_explicit


_Function = TypeVar("_Function", bound=Callable[..., Any])

# The kernels' hints name command-line switches; in Python they are keywords.
_SWITCHES_AS_KEYWORDS = {
    "--from-logits": "from_logits=True",
    "--normalize": "normalize=True",
    "--sample-col": "sample_ids",
    "--reduction sum": "reduction='sum'",
}
# A hint's ``--loss SPEC`` (quoted for the shell where it needs to be).
_LOSS_OPTION = re.compile(r"--loss ('[^']*'|\S+)")
# Hints that choose columns of a file (--pred-col, --col ROLE=...), and what
# a Python caller does instead: pass arrays of the right shape, or keywords.
_COLUMN_HINTS = (
    (re.compile(r"select the class columns with --pred-col ('[^']*'|\([^)]*\))"), "pass y_pred with one column per class"),
    (re.compile(r"select matching columns with --label-col and --pred-col"), "pass y_true and y_pred with the same number of columns"),
    (re.compile(r"give --pred-col the positive class's column"), "pass the positive class's column alone, e.g. y_pred[:, 1]"),
    (re.compile(r"for one row per frame, name the sequence with --sample-col"), "pass one frames x classes array per sequence (a list of 2-D arrays, or a (sequences, frames, classes) array), or one row per frame with sample_ids naming each frame's sequence"),
    (re.compile(r" with --col \w+=COLS"), ""),
    (re.compile(r"pass --col x1='x1_\*' --col x2='x2_\*', or --col distance=COL"), "pass x1= and x2= (the embeddings), or distance="),
    (re.compile(r"--weight-col"), "sample_weight"),
    (re.compile(r"set ctc:blank= to"), "pass blank= as"),
    (
        re.compile(r"for two other labels, --positive LABEL names the class .*"),
        "for two other labels, pass 1 for the class the predictions are the probability or score of and 0 for the other, "
        "e.g. (y_true == 1).astype(int) for -1/1 labels",
    ),
)


def _hints_in_python_terms(function: _Function) -> _Function:
    """Let an error's hint name the keywords a Python caller passes, not the
    command line's switches and ``--loss`` specs."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except LossCliError as error:
            for switch, keyword in _SWITCHES_AS_KEYWORDS.items():
                # "it is losscli's cce with --from-logits" in the message as well
                error.message = error.message.replace(f"with {switch}", f"with {keyword}")
                error.args = (error.message, *error.args[1:])
            if error.hint:
                for pattern, replacement in _COLUMN_HINTS:
                    error.hint = pattern.sub(replacement, error.hint)
                for switch, keyword in _SWITCHES_AS_KEYWORDS.items():
                    error.hint = error.hint.replace(switch, keyword)
                called = _canonical(args[0] if args else kwargs.get("loss"))
                error.hint = _LOSS_OPTION.sub(lambda match: _spec_as_keywords(match, called), error.hint)
                # "loss 'bce' from_logits=True" as the arguments of one call
                error.hint = re.sub(r"(loss '\w+') (\w+=)", r"\1, \2", error.hint)
            raise

    return wrapper  # type: ignore[return-value]


def _canonical(loss: Any) -> str | None:
    """The canonical name of the loss a call was given, None if it has none."""
    if isinstance(loss, (LossSpec, BoundLoss)):
        return _spec_of(loss).name
    try:
        return get(loss).name if isinstance(loss, str) else None
    except LossCliError:
        return None


def _spec_as_keywords(match: re.Match, called: str | None = None) -> str:
    """``--loss 'weighted_ce:weights=0.2;0.8'`` as the keywords that say the
    same in Python, ``weights=[0.2, 0.8]``, led by the loss to call when it
    is not the one called (``called``): ``loss 'focal', convention='keras'``."""
    word = match[1]
    # An unquoted spec in a sentence may have the sentence's punctuation after it.
    text = shlex.split(word)[0] if word.startswith("'") else word.rstrip(",.;)")
    try:
        spec, params = parse_explicit(text)
    except LossCliError:
        return match[0]
    words = [f"{name}={_python_literal(value)}" for name, value in params.items()]
    if spec.name != called or not params:
        # The loss to name in the call, e.g. compute('cce', ...).
        words.insert(0, f"loss '{spec.name}'")
    keywords = ", ".join(words)
    return keywords + word[len(text):] if not word.startswith("'") else keywords


def _python_literal(value: Any) -> str:
    """A parameter value as Python code writes it: a list for a list of numbers."""
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_python_literal(v) for v in value) + "]"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return repr(value)


def _split(spec: LossSpec, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate role arrays from parameters among keyword arguments."""
    role_names = {role.name for role in spec.roles}
    _check_names(spec, [k for k, v in given.items() if k not in role_names and not (k in ("y_true", "y_pred") and v is None)])
    roles = {k: v for k, v in given.items() if k in role_names and v is not None}
    # y_true/y_pred are positional with a None default; a loss without those roles ignores them.
    params = {k: v for k, v in given.items() if k not in role_names and not (k in ("y_true", "y_pred") and v is None)}
    missing = [r.name for r in spec.roles if r.name not in roles and not r.optional]
    if missing:
        raise LossCliError(
            f"loss '{spec.name}' needs input{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            hint=f"inputs of {spec.name}: {', '.join(r.name for r in spec.roles)}",
        )
    return roles, params


def _check_names(spec: LossSpec, names: list[str]) -> None:
    """Each keyword names a parameter: one that is neither that nor an input is a
    typo to point out, before a missing input hides it (``negativ=`` for ``negative=``)."""
    params = [p.name for p in spec.params]
    inputs = [r.name for r in spec.roles]
    for name in names:
        if name not in params:
            raise LossCliError(
                f"loss '{spec.name}' has no input or parameter '{name}'{did_you_mean(name, inputs + params)}",
                hint=f"inputs of {spec.name}: {', '.join(inputs)}; parameters: {', '.join(params) or 'none'}",
            )


def _as_arrays(spec: LossSpec, roles: dict[str, Any]) -> dict[str, np.ndarray]:
    """The role arrays, checked as the command line checks what it reads."""
    arrays = {}
    for role in spec.roles:
        if role.name not in roles:
            continue
        value = roles[role.name]
        if role.shape == "sequence":
            # Ragged: one array per row (frames x classes, or label ids).
            items = per_row_items(role.name, value)
            arrays[role.name] = np.empty(len(items), dtype=object)
            arrays[role.name][:] = items
        else:
            arrays[role.name] = numbers_per_row(
                role.name, value, role, elementwise=spec.family == "regression", pixels=spec.family == "segmentation"
            )
    try:
        same_length(arrays, spec.name)
    except LossCliError as error:
        _suggest_batch_first(error, spec, roles, arrays)
        raise
    for name, values in arrays.items():
        check_finite(name, values)
    return arrays


def _suggest_batch_first(error: LossCliError, spec: LossSpec, roles: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """PyTorch's ctc_loss takes log-probabilities as (frames, batch, classes);
    one sequence per row is (batch, frames, classes). When the second axis
    has the other inputs' length, say so."""
    for role in spec.roles:
        shape = getattr(roles.get(role.name), "shape", None)
        if role.shape != "sequence" or shape is None or len(shape) != 3:
            continue
        others = {len(values) for name, values in arrays.items() if name != role.name}
        if others == {shape[1]}:
            error.hint = (
                f"{role.name} has shape {tuple(shape)}, PyTorch's (frames, batch, classes) layout; pass one "
                f"(frames, classes) array per sequence: {role.name}.permute(1, 0, 2) for a tensor, "
                f"{role.name}.transpose(1, 0, 2) for a numpy array"
            )
            return


def _spec_of(loss: Any) -> LossSpec:
    if isinstance(loss, BoundLoss):
        return loss.spec
    if isinstance(loss, LossSpec):
        return loss
    return info(loss)


def _prepare(
    loss: str | LossSpec | BoundLoss, y_true: Any, y_pred: Any, kwargs: dict[str, Any], others: dict[str, Any] | None = None
) -> tuple[BoundLoss, dict[str, np.ndarray]]:
    """The bound loss and its checked role arrays; ``others`` (weights, sample
    ids) are checked for their row order beside the roles."""
    spec = _spec_of(loss)
    given = {"y_true": y_true, "y_pred": y_pred, **kwargs}
    roles, params = _split(spec, given)
    check_pandas_order({**roles, **{name: value for name, value in (others or {}).items() if value is not None}})
    if isinstance(loss, BoundLoss):
        # Keyword parameters refine an already bound loss; they never reset it to defaults.
        refined = {key: spec.param(key).validate(value, spec.name) for key, value in params.items()}
        bound = BoundLoss(spec, {**loss.params, **refined}, loss.label, given=loss.given | frozenset(refined))
    else:
        bound = bind(spec, params)
    return bound, _as_arrays(spec, roles)


def _frames_by_sequence(
    bound: BoundLoss, arrays: dict[str, np.ndarray], sample_ids: Any, sample_weight: Any
) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray] | None:
    """Long-format sequence input (one row per frame, ``sample_ids`` naming
    each frame's sequence, as ``--sample-col`` does for a file) as one row per
    sequence, in the order the sequences first appear, with each sequence's
    weight and id; None when the input already holds one sequence per row."""
    if sample_ids is None or not any(role.shape == "sequence" for role in bound.spec.roles):
        return None
    frames = arrays.get("y_pred")
    if frames is None or any(np.ndim(item) != 1 for item in frames):
        return None  # a list of frames per row: sequences already, as the command line reads them
    from .losses.sequence import group_frames, samples_of_frames

    n = len(frames)
    ids = checked_ids(sample_ids, n)
    y_pred, y_true, keys = group_frames(ids, frames, arrays["y_true"])
    if sample_weight is None:
        return {"y_pred": y_pred, "y_true": y_true}, None, keys
    weights = sample_weights(sample_weight, n)
    _, first_rows, sequence_of_row = samples_of_frames(ids)
    differs = weights != weights[first_rows][sequence_of_row]
    if differs.any():
        raise LossCliError(
            "the frames of one sequence carry different weights (this one differs from its sequence's first frame)",
            role="sample_weight",
            row=int(np.argmax(differs)) + 1,
            hint="a sequence's weight must be the same on every one of its frame rows",
        )
    return {"y_pred": y_pred, "y_true": y_true}, weights[first_rows], keys


@_hints_in_python_terms
def compute(
    loss: str | LossSpec | BoundLoss,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    sample_weight: Any = None,
    sample_ids: Any = None,
    reduction: str = "mean",
    **inputs_and_params: Any,
) -> float:
    """The loss over all rows, as ``losscli compute`` reports it.

    ``loss`` is a name or alias (``"mse"``), the declaration
    :func:`losscli.info` returns, or a bound loss. ``y_true``, ``y_pred``
    and the other inputs (``var``, ``anchor``, ...) are lists, numpy arrays,
    pandas objects or tensors (detached and moved to the CPU: the API only
    evaluates; float16 and bfloat16 are widened, and a row of bfloat16
    class probabilities may miss 1 by bfloat16's rounding, 2**-7; sparse tensors and
    scipy.sparse matrices are made dense) of real numbers, one value
    or row per sample (a pandas Series whose cells are arrays is one row per
    cell); class labels are integer indices ``0..C-1``. Parameters
    (``delta=2.0``, class ``weights=[0.2, 0.8]``; numpy and 0-d tensor
    scalars are numbers too) are keyword arguments. Unlike a file's column, whose name the
    command line reads (``logits`` is read as logits), the name of a pandas object says
    nothing sure: a Series named ``logits`` keeps its name through ``1 / (1 + np.exp(-s))``,
    so pass ``from_logits=True`` for logits. ``sample_weight`` gives per-row weights (weighted
    mean, as scikit-learn): one finite weight >= 0 per row, not all zero, or
    a single number for every row. ``sample_ids`` groups rows into samples
    for per-sample losses (``--sample-col``): the pixels of an image for
    dice, iou and tversky, the frames of a sequence for ctc given one row per
    frame (``y_pred`` a frames x classes matrix, ``y_true`` the sequence's
    target repeated on each of its frames; a sequence's frames keep their
    order, and its weight is the one on its frame rows). Rows pair by
    position, as in scikit-learn; pandas index labels do not align them.
    ``reduction`` is ``"mean"`` (weighted by ``sample_weight`` if given) or
    ``"sum"`` (``sum(w * l)`` with weights); :func:`per_sample` gives the
    per-row values that ``reduction='none'`` gives in PyTorch.

    Raises :class:`LossCliError` (a ``ValueError``) naming the argument and the 1-based row
    (``error.role``, ``error.row``; row 1 is the first element) for: a
    missing, NaN, infinite or masked value; text, complex numbers or other
    non-numbers; a single number, a ragged list or an array of more than
    two dimensions where rows are expected; a missing sample id;
    inputs of different lengths or no rows; pandas inputs whose indexes
    hold the same labels in different orders; weights of the wrong shape,
    negative or all zero; a ``loss`` that is not a name.

    A value that is not a finite number, which the command line reports as
    null, comes with a ``RuntimeWarning`` giving the reason: an infinite one
    (an overflow, an impossible CTC alignment) is returned as ``inf`` (or
    ``-inf``), as PyTorch returns it, and an undefined one (a GAN loss
    without real or fake rows, weights of zero) as NaN.
    """
    if reduction not in ("mean", "sum"):
        raise LossCliError(f"reduction must be 'mean' or 'sum' here, got '{reduction}'", hint="per_sample() gives per-row values")
    bound, arrays = _prepare(loss, y_true, y_pred, inputs_and_params, {"sample_weight": sample_weight, "sample_ids": sample_ids})
    # bfloat16 rounding that a row of probabilities may keep (None for float32 and finer)
    precision = coarsest_float([y_true, y_pred, *inputs_and_params.values()])
    check_reduction(bound, reduction, "reduction='sum'")
    sequences = _frames_by_sequence(bound, arrays, sample_ids, sample_weight)
    if sequences is not None:
        arrays, weights, _keys = sequences
        n = len(arrays["y_pred"])
        batch = Batch(arrays=[arrays], n=n, weights=weights)
    else:
        n = len(next(iter(arrays.values())))
        batch = Batch(
            arrays=[arrays],
            n=n,
            weights=None if sample_weight is None else sample_weights(sample_weight, n),
            samples=None if sample_ids is None else checked_ids(sample_ids, n),
        )
    with np.errstate(over="ignore"), row_sum_tolerance(precision):
        # A sum that overflows is reported below, with the reason, not as numpy's bare warning too.
        outcomes, _ = evaluate([batch], [bound], reduction=reduction, by_sample=batch.samples is not None, **folding([bound]))
    overall = outcomes[0].overall
    if overall.value is None:
        # The command line reports null with this reason; a float can hold an
        # overflow as inf (as PyTorch returns it), anything else needs NaN,
        # and the reason still matters.
        value = overall.infinite if overall.infinite is not None else float("nan")
        shown = "NaN" if overall.infinite is None else str(value)
        warnings.warn(f"{bound.display}: {overall.warning}; returning {shown}", RuntimeWarning, stacklevel=3)  # past the hints wrapper, to the caller
        return value
    return overall.value


@_hints_in_python_terms
def per_sample(
    loss: str | LossSpec | BoundLoss,
    y_true: Any = None,
    y_pred: Any = None,
    *,
    sample_ids: Any = None,
    **inputs_and_params: Any,
) -> np.ndarray:
    """Per-row losses (``--reduction none``); per-sample for losses such as
    dice, and per sequence for ctc given one row per frame, when
    ``sample_ids`` is given (ordered by sample id, as ``numpy.unique(sample_ids)``).

    The values are those of PyTorch's ``reduction='none'``, and their mean
    is :func:`compute`'s value except where PyTorch's mean is not a plain
    mean: ``weighted_ce`` rows carry their class weight (the mean divides
    by the sum of those weights), ``sparse_cce`` rows labelled
    ``ignore_index`` are 0 (the mean leaves them out), and ``rmse`` rows are
    the squared errors the root is taken over. Losses computed from all rows
    at once (``wasserstein_distance``; dice and the GAN losses without
    ``sample_ids``) have no per-row value.

    Inputs are given and checked as for :func:`compute`, with the same
    errors (argument name, 1-based row). Values that are not finite (an
    overflow, an impossible CTC alignment) come as inf or NaN with a
    ``RuntimeWarning`` naming the first, as the command line notes them."""
    if "sample_weight" in inputs_and_params:
        # A row's loss does not depend on its weight; weights enter the mean.
        raise LossCliError(
            "per_sample() gives each row's loss, which sample weights do not change",
            hint="weight the values yourself, or use compute(..., sample_weight=...) for the weighted mean",
        )
    bound, arrays = _prepare(loss, y_true, y_pred, inputs_and_params, {"sample_ids": sample_ids})
    with row_sum_tolerance(coarsest_float([y_true, y_pred, *inputs_and_params.values()])):
        values = _per_sample(bound, arrays, sample_ids)
    _warn_not_finite(bound, values, by_sample=sample_ids is not None)
    return values


def _warn_not_finite(bound: BoundLoss, values: np.ndarray, *, by_sample: bool) -> None:
    """A per-row value the command line writes as null (an overflow, an
    impossible CTC alignment) comes back as inf or NaN with a
    ``RuntimeWarning``, as :func:`compute`'s value does, naming the first."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    count, first = int(bad.sum()), int(np.argmax(bad)) + 1
    where = f"position {first} of the result, ordered by sample id" if by_sample else f"row {first}"
    unit = "sample" if by_sample else "row"
    many = count > 1
    warnings.warn(
        f"{bound.display}: {count} per-{unit} value{'s' if many else ''} {'are' if many else 'is'} infinite or undefined "
        f"(the first at {where}), returned as inf or NaN",
        RuntimeWarning,
        stacklevel=4,  # past this function, per_sample and the hints wrapper, to the caller
    )


def _per_sample(bound: BoundLoss, arrays: dict[str, np.ndarray], sample_ids: Any) -> np.ndarray:
    """per_sample's values from the checked inputs."""
    sequences = _frames_by_sequence(bound, arrays, sample_ids, None)
    if sequences is not None:
        # By sample id, as the per-sample values of dice come.
        by_id = np.argsort(sequences[2], kind="stable")
        arrays = {role: values[by_id] for role, values in sequences[0].items()}
    kind = bound.spec.kind
    if kind == "mean":
        return row_losses(bound, arrays)[2]
    if bound.spec.per_row is not None and sample_ids is None:
        return np.asarray(bound.spec.per_row(**arrays, **bound.params), dtype=np.float64)
    if kind == "ratio" and sample_ids is not None:
        from .conventions import pools_samples

        if pools_samples(bound):
            # One ratio over every row: a value per sample would be that one number, mislabelled.
            raise LossCliError(
                f"'{bound.name}' under convention={bound.params.get('convention')} has no per-sample value: "
                "the library pools every row into one ratio, whatever sample_ids says",
                hint=f"compute('{bound.name}', ...) gives that ratio; drop the convention for one value per sample",
            )
        samples = checked_ids(sample_ids, len(next(iter(arrays.values()))))
        outcomes_batch = Batch(arrays=[arrays], n=len(samples), samples=samples)
        _, accumulators = evaluate([outcomes_batch], [bound], by_sample=True, **folding([bound]))
        _keys, values = accumulators[0].per_sample_values()
        return values
    raise LossCliError(
        f"'{bound.name}' has no per-row value"
        + (" without sample ids" if kind == "ratio" else ": it is computed from all rows at once"),
        hint="pass sample_ids to get one value per sample" if kind == "ratio" else None,
    )


@_hints_in_python_terms
def info(loss: str) -> LossSpec:
    """The declaration of one loss, by canonical name or alias (case-insensitive).

    The result describes the loss as ``losscli info LOSS`` shows it (roles,
    parameters with defaults and ranges, characteristics, formula) and can be
    passed to :func:`compute` and :func:`per_sample` as the loss. An unknown
    name raises :class:`LossCliError` suggesting the closest one.
    """
    if not isinstance(loss, str):
        raise LossCliError(
            f"the loss must be a name such as 'mse', not {type(loss).__name__} {loss!r:.40}",
            hint=_name_instead(loss) or "losscli.available() lists the names",
        )
    if ":" in loss:
        # The command line's NAME:key=value spec; in Python the parameters are keywords.
        spec = get(loss.partition(":")[0])  # an unknown name: the closest one
        try:
            keywords = "".join(f", {name}={_python_literal(value)}" for name, value in parse_explicit(loss)[1].items())
        except LossCliError:
            keywords = ", key=value"
        raise LossCliError(
            f"the loss must be a name, not the command line's spec '{loss}'",
            hint=f"pass the parameters as keywords: compute('{spec.name}', y_true, y_pred{keywords})",
        )
    return get(loss)


def _library_name(loss: Any) -> str | None:
    """How a loss object of PyTorch, Keras, scikit-learn or optax is written as a
    name (``nn.HuberLoss``, ``F.cross_entropy``), None for any other object. The
    module counts: ``F.cross_entropy`` reads logits, a bare ``cross_entropy`` does not."""
    target = loss if isinstance(loss, type) or hasattr(loss, "__name__") else type(loss)
    name, module = getattr(target, "__name__", None), getattr(target, "__module__", None) or ""
    if not isinstance(name, str):
        return None
    if module.startswith("torch.nn.functional"):
        return f"F.{name}"
    if module.startswith("torch.nn"):
        return f"nn.{name}"
    return name if module.split(".")[0] in ("keras", "tf_keras", "tensorflow", "sklearn", "optax") else None


def _name_instead(loss: Any) -> str | None:
    """For a loss class, function or module instance passed as the loss: the
    call that names it, with an instance's settings as keywords, or what to
    write instead when losscli reads other inputs under that name."""
    name = _library_name(loss)
    if name is None:
        return None
    try:
        spec = get(name)
    except LossCliError as error:
        # e.g. BCEWithLogitsLoss: "... is losscli's bce on logits", and the loss to write
        return f"{error.message.partition(': ')[2] or error.message}; {error.hint}" if error.hint else None
    keywords = ""
    if not isinstance(loss, type) and not hasattr(loss, "__name__"):
        # An instance: nn.HuberLoss(delta=2.0) keeps delta as an attribute.
        for param in spec.params:
            value = getattr(loss, param.name, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value != param.default:
                keywords += f", {param.name}={_python_literal(float(value))}"
        if getattr(loss, "reduction", None) == "sum":
            keywords += ", reduction='sum'"
    call = "per_sample" if getattr(loss, "reduction", None) == "none" and not isinstance(loss, type) else "compute"
    return f"pass its name: losscli.{call}('{name}', y_true, y_pred{keywords})"


__all__ = ["compute", "info", "per_sample"]
