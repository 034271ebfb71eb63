"""Comparing models: many losses x many prediction sets, ranked side by side.

The library behind ``losscli compare``. Three parts:

* choosing the losses: explicit specs, or every loss of a task whose inputs
  the files provide (:func:`select_losses`; the others come back as
  :class:`Skipped` with the reason);
* evaluating them: one :func:`~losscli.evaluation.evaluate_file` pass per
  model with every loss (:func:`evaluate_models`), then ranks per loss and
  group (:func:`rank_values`, :func:`summarise`);
* comparing with an earlier JSON report and gating CI on it
  (:func:`load_baseline`, :func:`apply_baseline`, :func:`check_max_increase`).

Lower is better for every loss. Ranks are competition ranks ("1, 1, 3"):
values equal up to floating-point noise share a rank, and a value that could
not be computed (null) ranks below every computed one and is never "best".
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .errors import LossCliError
from .evaluation import Report, Result, check_gate_name, distinct_texts, names_loss, evaluate_file, json_params, memory_note, with_corrected_form
from .io.formats import COMPRESSION, EXTENSIONS
from .io.piped import reads_once
from .rate_inputs import data_decided
from .registry import BoundLoss, misspelled
from .wording import counted, numbered_repeats

# Two values closer than this (relative) are the same value: they differ only
# by the order floating-point sums were taken in.
TIE_RELATIVE = 1e-12


# =========================================================================== model names


def model_inputs(paths: Sequence[str], pred_cols: Sequence[str] | None) -> list[tuple[str, str | None]]:
    """(file, --pred-col) of each model.

    One ``--pred-col`` is every file's prediction column(s); several are one
    model each: all columns of a single file (``y_true,model_a,model_b``), or
    paired in order with as many files.
    """
    cols = list(pred_cols or [])
    if len(cols) <= 1:
        return [(path, cols[0] if cols else None) for path in paths]
    if len(paths) == 1:
        return [(paths[0], col) for col in cols]
    if len(cols) == len(paths):
        return list(zip(paths, cols))
    raise LossCliError(
        f"{len(cols)} --pred-col values for {len(paths)} prediction files",
        hint="give one --pred-col (used for every file), one per file (paired in order), or several with a single file (a model per column)",
    )


def model_names(paths: Sequence[str], given: Sequence[str] | None = None, columns: Sequence[str] | None = None) -> list[str]:
    """Short unique names: ``--model-name`` values, else file stems, or
    ``columns`` (the --pred-col values) when the models are columns of one file.

    Equal stems take as many parent folders as it needs to tell them apart
    (``run1/preds``, ``run2/preds``); the same path twice is named as it would
    be once, the second time with ``#2`` (``/tmp/x/a.csv`` twice: ``a``,
    ``a#2``). A name that is the whole path keeps an absolute path's root.
    """
    if given:
        names = [name.strip() for name in given]
        if len(names) != len(paths):
            what = f"{counted(len(paths), 'model')} (one per --pred-col)" if columns else counted(len(paths), "prediction file")
            raise LossCliError(
                f"{counted(len(names), '--model-name value')} for {what}",
                hint=f"give one --model-name per {'--pred-col' if columns else 'prediction file'}, in the same order",
            )
        if any(not name for name in names):
            raise LossCliError("--model-name needs a non-empty name")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise LossCliError(f"--model-name '{duplicates[0]}' is given twice", hint="model names must be unique")
        return names
    if columns:
        return numbered_repeats([column.strip() for column in columns])
    parts = [_path_parts(path) for path in paths]
    depth = [1] * len(paths)
    while True:
        names = ["/".join(p[-d:]) for p, d in zip(parts, depth)]
        # Only different paths clash: the same path twice has no folder that
        # tells it apart (it took every one, down to the root) and is numbered.
        clashing = {name for name in names if len({_whole_path(path) for n, path in zip(names, paths) if n == name}) > 1}
        grown = False
        for index, name in enumerate(names):
            if name in clashing and depth[index] < len(parts[index]):
                depth[index] += 1
                grown = True
        if not grown:
            break
    # Stems alike down to the root (run1/preds.csv, run1/preds.parquet): the
    # extension tells them apart; only the same path twice is numbered.
    whole = {name: {_whole_path(p) for n, p in zip(names, paths) if n == name} for name in names}
    names = [_whole_path(path) if len(whole[name]) > 1 else name for name, path in zip(names, paths)]
    return numbered_repeats(names)


def _whole_path(path: str) -> str:
    if path == "-" or any(ch in path for ch in "*?["):
        return path
    normal = os.path.normpath(path).replace("\\", "/")
    # An absolute path keeps its root: /tmp/x/a.csv, not the relative-looking tmp/x/a.csv.
    root = "/" if normal.startswith("/") else ""
    return root + "/".join(p for p in normal.split("/") if p not in ("", "."))


def _path_parts(path: str) -> list[str]:
    """The path's folders and its stem (without data or compression extensions)."""
    if path == "-":
        return ["stdin"]
    if any(ch in path for ch in "*?[") or path.startswith(_DESCRIPTOR_FOLDERS):
        # A glob, or a descriptor such as bash's `<(cmd)` (/dev/fd/63), whose
        # number alone would read like a model called 63.
        return [path]
    pieces = [p for p in os.path.normpath(path).replace("\\", "/").split("/") if p not in ("", ".")]
    if not pieces:
        return [path]
    pieces[-1] = _stem(pieces[-1])
    return pieces


_DESCRIPTOR_FOLDERS = ("/dev/fd/", "/proc/self/fd/")

# Compression suffixes first: "preds.csv.gz" is the model "preds".
_EXTENSIONS = (*COMPRESSION, *EXTENSIONS)


def _stem(name: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for ext in _EXTENSIONS:
            if name.lower().endswith(ext) and len(name) > len(ext):
                name = name[: -len(ext)]
                stripped = True
    return name


# =========================================================================== choosing losses


@dataclass
class Skipped:
    """A loss of the task that is not in the comparison, and why."""

    loss: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"loss": self.loss, "reason": self.reason}


@dataclass
class LossSelection:
    """The losses to evaluate; ``tolerant`` ones (from ``--task``) are dropped
    with a reason when the data does not suit them instead of failing the run."""

    losses: list[BoundLoss]
    tolerant: set[int] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)


def task_candidates(task: str, shared: dict[str, Any], convention: str | None) -> tuple[list[BoundLoss], list[Skipped]]:
    """The losses of ``task`` under ``convention``, and those skipped because
    the library has no such loss (PyTorch has no log_cosh): ``--task`` means
    every loss that can be evaluated, so one without the convention is left
    out with the reason, as one without its inputs is."""
    from .conventions import apply, canonical_library
    from .registry import losses_for_task, parse_spec

    canonical_library(convention)  # an unknown library is the user's mistake, not a loss's
    candidates, skipped = [], []
    for spec in losses_for_task(task):
        try:
            # Chosen by losscli: how it reads its input may follow the data (see ``rate_inputs``).
            candidates.append(dataclasses.replace(apply(parse_spec(spec.name, shared), convention), chosen_by_task=True))
        except LossCliError as error:
            skipped.append(Skipped(spec.name, error.message))
    return candidates, skipped


def select_losses(
    model_options: Sequence[Any],
    explicit: Sequence[BoundLoss],
    candidates: Sequence[BoundLoss],
    *,
    task: str | None = None,
    open_sources: Callable[[Any], dict[str, Any]] | None = None,
    engine_problem: Callable[[BoundLoss], str | None] | None = None,
    skipped: Sequence[Skipped] = (),
) -> LossSelection:
    """Keep the explicit losses and every candidate whose inputs every model's files provide.

    Nothing is read but the files' headers and schemas: the input plan of
    each candidate is built on its own, which locates its columns (or fails
    naming the missing input). ``open_sources`` and ``engine_problem`` come
    from another engine (Dask): how it opens a dataset's schema, and which
    losses it cannot evaluate. ``skipped``: losses of the task already left
    out, listed with the others.
    """
    from .io.plan import InputPlan

    explicit = list(explicit)
    # A candidate whose reading of the input the data decide is the loss the
    # user named however the user set that reading (--loss poisson:log_input=false).
    candidates = [c for c in candidates if not any(_same_loss(c, e, ignoring=data_decided(c)) for e in explicit)]
    skipped = [s for s in skipped if not any(s.loss == e.name for e in explicit)]
    _check_role_overrides(model_options[0].role_cols, explicit + candidates)
    if not candidates and explicit:
        return LossSelection(explicit, skipped=skipped)
    if open_sources is None:
        opened = [InputPlan(dataclasses.replace(options, role_cols={}), []).sources for options in model_options]
    else:
        opened = [open_sources(options) for options in model_options]
    selection = LossSelection(list(explicit), skipped=list(skipped))
    for bound in candidates:
        # The first model that lacks an input gives the reason (which names its file).
        reason = engine_problem(bound) if engine_problem is not None else None
        reason = reason or next((r for r in (inputs_problem(bound, o, s) for o, s in zip(model_options, opened)) if r), None)
        if reason is None:
            selection.tolerant.add(len(selection.losses))
            selection.losses.append(bound)
        else:
            selection.skipped.append(Skipped(bound.display, reason))
    if not selection.losses:
        raise _nothing_left(selection.skipped, task)
    return selection


def _nothing_left(skipped: Sequence[Skipped], task: str | None) -> LossCliError:
    what = f"of task '{task}' " if task else ""
    reasons = "; ".join(f"{s.loss}: {s.reason}" for s in skipped) or "the task has no losses yet"
    return LossCliError(f"no loss {what}can be evaluated on these files ({reasons})", hint="name losses and columns with --loss, --pred-col, --label-col, --col")


def roles_read(losses: Sequence[BoundLoss]) -> set[str]:
    return {role.name for bound in losses for role in bound.spec.roles}


def _same_loss(a: BoundLoss, b: BoundLoss, ignoring: frozenset[str] = frozenset()) -> bool:
    if a.name != b.name:
        return False
    mine, theirs = json_params(a.params), json_params(b.params)
    return {k: v for k, v in mine.items() if k not in ignoring} == {k: v for k, v in theirs.items() if k not in ignoring}


def _check_role_overrides(role_cols: dict[str, str], losses: Sequence[BoundLoss]) -> None:
    known = roles_read(losses)
    for role in role_cols:
        if role not in known:
            raise LossCliError(
                f"--col names role '{role}', which none of the losses reads",
                hint=f"roles of these losses: {', '.join(sorted(known))}",
            )


def inputs_problem(bound: BoundLoss, options: Any, sources: dict[str, Any]) -> str | None:
    """Why this loss cannot read these files, or None when it can (judged from the schema)."""
    from .io.plan import InputPlan

    own_roles = {role.name for role in bound.spec.roles}
    # --positive is judged for the losses of binary labels; the others read the labels as written.
    positive = options.positive if bound.spec.binary_label_codes is not None else None
    probe_options = dataclasses.replace(options, role_cols={k: v for k, v in options.role_cols.items() if k in own_roles}, positive=positive)
    try:
        plan = InputPlan(probe_options, [bound], sources=sources)
    except LossCliError as error:
        return str(error)
    return _type_problem(bound, plan.role_columns[0], sources, positive=plan.positive is not None)


def _type_problem(bound: BoundLoss, located: dict[str, Any], sources: dict[str, Any], *, positive: bool = False) -> str | None:
    """A column whose type the role cannot take (text where numbers are needed, ...).
    ``positive``: --positive maps the binary labels, which may then be text."""
    import pyarrow as pa

    from .io.readers import is_list_type
    from .io.text_labels import is_label_text, schema_hint

    for role in bound.spec.roles:
        columns = located.get(role.name)
        if columns is None:
            continue
        source = sources[columns.side]
        for name in columns.names:
            kind = source.column(name).type
            text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)
            listed = is_list_type(kind)
            numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind)
            where = f"{source.display}, column '{name}'"
            if role.shape == "sequence":
                continue  # lists, "3 1 4" text or frame rows: the plan itself judges these
            pred = located.get("y_pred")
            one_column = pred is not None and not pred.list_column and len(pred.names) == 1
            if role.name == "y_true" and positive:
                continue
            if role.name == "y_true" and text and one_column and "binary" in bound.spec.tasks:
                # yes/no beside one column 'prob': the file does not say which class it is the probability of.
                if is_label_text(sources[pred.side].column(pred.names[0]).type):
                    # Beside a column of text ('pred' beside caret's 'obs'): predicted classes, which --positive cannot read.
                    return f"{where}: {role.name} of {bound.name} holds text labels beside '{pred.names[0]}', which holds text, predicted classes rather than probabilities"
                return f"{where}: {role.name} of {bound.name} holds text labels beside one probability column ({schema_hint(pred.names[0])})"
            if role.shape == "class" and text:
                if pred is None or pred.list_column or len(pred.names) < 2:
                    return f"{where}: {role.name} of {bound.name} holds class names, but the predictions are not one column per class"
            elif not (numeric or listed):
                held = "text" if text else str(kind)
                return f"{where}: {role.name} of {bound.name} needs numbers, the column holds {held}"
    return None


# =========================================================================== evaluating


@dataclass
class Model:
    name: str
    predictions: str
    rows: int = 0
    # Rows this model was not evaluated on because other models have no value
    # for them: the number per model (a row several lack counts for each).
    left_out: dict[str, int] = field(default_factory=dict)
    # --pred-col as given for this model: which columns of the file it is.
    pred_col: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "predictions": self.predictions, "rows": self.rows}
        if self.pred_col is not None:
            out["pred_col"] = self.pred_col
        if self.left_out:
            out["left_out"] = dict(self.left_out)
        return out


@dataclass
class Delta:
    """This run's value against the baseline's."""

    baseline: float | None
    delta: float | None
    delta_pct: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.baseline, "delta": self.delta, "delta_pct": self.delta_pct}


@dataclass
class Entry:
    """One cell of the matrix: a loss (by position), a group and a model."""

    loss_index: int
    result: Result
    baseline: Delta | None = None

    @property
    def group_key(self) -> tuple:
        return _group_key(self.result.group)

    def as_dict(self) -> dict[str, Any]:
        out = self.result.as_dict()
        out["rank"] = self.result.rank
        out["best"] = bool(self.result.best)
        if self.baseline is not None:
            out["baseline"] = self.baseline.as_dict()
        return out


@dataclass
class ModelSummary:
    model: str
    mean_rank: float | None
    wins: int
    best: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "mean_rank": self.mean_rank, "wins": self.wins, "best": self.best}


@dataclass
class Comparison:
    losses: list[BoundLoss]
    models: list[Model]
    labels: str | None
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: list[ModelSummary] = field(default_factory=list)
    baseline_file: str | None = None
    baseline_missing: list[str] = field(default_factory=list)
    # What the baseline's overall results are, for an error that none match.
    baseline_holds: str = ""
    # Set when the models could not be evaluated on the same rows: the
    # warning every format shows, since their ranks then compare row sets.
    row_sets_differ: str | None = None

    @property
    def by(self) -> str | None:
        for entry in self.entries:
            if entry.result.group:
                return next(iter(entry.result.group))
        return None

    @property
    def rows(self) -> int | None:
        """The row count every model shares, or None when they differ."""
        counts = {m.rows for m in self.models}
        return counts.pop() if len(counts) == 1 else None

    def report(self) -> Report:
        """The plain report (for the --fail-above/--fail-below checks and the JSON skeleton)."""
        return Report(
            predictions=[m.predictions for m in self.models],
            labels=self.labels,
            rows=self.rows or 0,
            results=[e.result for e in self.entries],
            notes=list(self.notes),
        )

    def grid(self) -> list[tuple[int, tuple, dict[str, Entry]]]:
        """Matrix rows in order: (loss index, group key, {model name: entry})."""
        rows: dict[tuple[int, tuple], dict[str, Entry]] = {}
        for entry in self.entries:
            rows.setdefault((entry.loss_index, entry.group_key), {})[entry.result.model] = entry
        return [(index, key, cells) for (index, key), cells in rows.items()]


def evaluate_models(
    model_options: Sequence[Any],
    names: Sequence[str],
    selection: LossSelection,
    *,
    task: str | None = None,
    evaluator: Callable[..., Any] | None = None,
) -> Comparison:
    """One pass over each model's file with every selected loss, then ranks.

    Every model is evaluated on the same rows: when one leaves rows out
    (``--nan-policy omit``, ``--allow-unmatched``) the others are read once
    more without them (see :func:`_align_rows`); where rows cannot be matched
    the comparison carries a warning instead.

    A tolerant loss whose kernel rejects one model's data is dropped from
    every model (a comparison needs the same losses throughout) and listed
    as skipped with the error. ``evaluator`` replaces the local engine
    (``evaluate_file``'s contract); kernel errors then stop the run, since a
    guard running on remote workers cannot report back.
    """
    losses = selection.losses
    read = roles_read(losses)
    tolerant = set() if evaluator else selection.tolerant
    model_options = [dataclasses.replace(o, role_cols={k: v for k, v in o.role_cols.items() if k in read}) for o in model_options]
    several = len(model_options) > 1
    runs = [_evaluate_one(options, losses, tolerant, evaluator or evaluate_file, several=several) for options in model_options]
    alignment = _align_rows(runs, model_options, names) if len(runs) > 1 else _RowAlignment()
    for index, exclude in alignment.exclude.items():
        runs[index] = _evaluate_one(dataclasses.replace(model_options[index], exclude_rows=exclude), losses, tolerant, evaluator or evaluate_file, several=several)
    comparison = Comparison(losses=[], models=[], labels=None, skipped=list(selection.skipped))
    evaluated_results: list[tuple[int, Result]] = []
    failed: dict[int, str] = {}
    for run in runs:
        for loss_index, reason in run.errors.items():
            failed.setdefault(loss_index, reason)
    for index, (run, name) in enumerate(zip(runs, names)):
        comparison.models.append(Model(name, run.report.predictions[0], run.report.rows, alignment.left_out.get(index, {}), model_options[index].pred_cols))
        comparison.labels = run.report.labels
        # A loss dropped for another model's data is skipped for this one too: no memory note of it.
        dropped_notes = {memory_note(losses[i], run.report.rows) for i in failed}
        notes = [text for text in run.report.notes if text not in dropped_notes]
        comparison.notes.extend(f"{name}: {text}" if len(names) > 1 else text for text in notes)
        for loss_index, result in run.results:
            result.model = name
            evaluated_results.append((loss_index, result))
    comparison.notes.extend(alignment.notes)
    if alignment.warning:
        comparison.row_sets_differ = alignment.warning
        comparison.notes.append(alignment.warning)
    kept = [i for i in range(len(losses)) if i not in failed]
    dropped = [Skipped(losses[i].display, failed[i]) for i in sorted(failed)]
    if not kept:
        raise _nothing_left([*selection.skipped, *dropped], task)
    comparison.losses = [_as_evaluated(i, losses[i], runs) for i in kept]
    comparison.skipped.extend(dropped)
    new_index = {old: new for new, old in enumerate(kept)}
    comparison.entries = _ordered([Entry(new_index[i], r) for i, r in evaluated_results if i in new_index])
    unranked = rank_entries(comparison.entries)
    from .io.quantile_names import levels_text

    for loss_index in unranked:
        levels = ", ".join(
            f"{e.result.model}: q={levels_text(e.result.loss.params['q'])}" for e in comparison.entries if e.loss_index == loss_index and e.result.group is None
        )
        comparison.notes.append(
            f"{comparison.losses[loss_index].name} scores each model at its own quantile level ({levels}): "
            "losses at different levels are not on one scale, so they are not ranked"
        )
    comparison.summary = summarise(comparison.entries, [m.name for m in comparison.models])
    return comparison


def _as_evaluated(index: int, given: BoundLoss, runs: Sequence["_Run"]) -> BoundLoss:
    """Loss ``index`` as every model evaluated it (``poisson:log_input=false``
    when each model's predictions read as rates), which the matrix rows
    show; the loss as given where the models read their inputs differently,
    each result then carrying its own."""
    read = [run.report.losses[index] if len(run.report.losses) > index else given for run in runs]
    first = read[0]
    if all(b.display == first.display and json_params(b.params) == json_params(first.params) for b in read[1:]):
        return first
    return given


@dataclass
class _Run:
    """One model's pass: its report, (loss index, result) pairs, why tolerant
    losses failed, and what the reader counted."""

    report: Report
    results: list[tuple[int, Result]]
    errors: dict[int, str]
    stats: Any


def _evaluate_one(options: Any, losses: list[BoundLoss], tolerant: set[int], evaluator: Callable[..., Any], *, several: bool = False) -> _Run:
    try:
        if tolerant:
            report, plan, _ = evaluator(options, losses, tolerant=frozenset(tolerant))
        else:
            report, plan, _ = evaluator(options, losses)
    except LossCliError as error:
        raise _one_switch_for_every_model(error, several) from None
    display = plan.sources["predictions"].display
    errors = {index: str(_one_switch_for_every_model(error, several).with_context(file=display)) for index, error in report.failures.items()}
    # The results carry the losses as evaluated (this model's predictions
    # may be read as logits by their name), in the order of ``losses``.
    position = {id(bound): i for i, bound in enumerate(report.losses or losses)}
    results = [(position[id(result.loss)], result) for result in report.results]
    return _Run(report, results, errors, plan.stats)


def _one_switch_for_every_model(error: LossCliError, several: bool) -> LossCliError:
    """With several models, a hint to pass --from-logits says that it reads
    every model's predictions as logits: followed as it stood, for one model
    of logits beside models of probabilities, it ran the sigmoid over the
    probabilities too and ranked the logits model best against its own
    probabilities. A column named as logits is read so for its model alone."""
    if several and error.hint and "--from-logits" in error.hint and "every model" not in error.hint:
        error.hint += (
            "; --from-logits reads every model's predictions as logits: if the other models' are probabilities, "
            "name this model's column 'logits' (class columns logit_0, logit_1, ...), which is read as logits for this model alone, "
            "or turn this model's logits into probabilities first (sigmoid, or softmax over the class columns)"
        )
    return error


# =========================================================================== the same rows for every model


@dataclass
class _RowAlignment:
    """What it takes to evaluate every model on the same rows: the rows to
    leave out per model (by index), how many because of which other model,
    and the notes saying so; or, where rows cannot be matched, a warning."""

    exclude: dict[int, Any] = field(default_factory=dict)
    left_out: dict[int, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warning: str | None = None


def _align_rows(runs: Sequence[_Run], model_options: Sequence[Any], names: Sequence[str]) -> _RowAlignment:
    """Leave out of every model the rows some model has no value for.

    Rows are matched by their number in the shared labels file (``--key``) or
    by position (an aligned labels file, or prediction files with labels of
    their own and as many rows as each other). A model that has to leave out
    more rows is read once more without them. Ranking models on different
    rows would favour the one that dropped its hardest rows.
    """
    import numpy as np

    left = [run.stats.left_out() for run in runs]
    spaces = {run.stats.row_space for run in runs}
    if None in spaces or len(spaces) > 1:
        return _unmatched_rows(runs, names, spaces)
    if all(np.array_equal(left[0], other) for other in left[1:]):
        return _RowAlignment()
    return _leave_out_alike(runs, model_options, names, left, spaces.pop())


def _leave_out_alike(runs: Sequence[_Run], model_options: Sequence[Any], names: Sequence[str], left: list[Any], space: int) -> _RowAlignment:
    import numpy as np

    lacking = functools.reduce(np.union1d, left)
    common = space - len(lacking)
    if common == 0:
        raise LossCliError(
            f"no row has values in every model: together {', '.join(names)} leave out all {space} rows",
            hint="compare the models on rows every one of them has values for, or run 'losscli compute' on each",
        )
    alignment = _RowAlignment()
    for index, options in enumerate(model_options):
        extra = np.setdiff1d(lacking, left[index], assume_unique=True)
        if len(extra) == 0:
            continue
        if any(reads_once(path) for path in (options.predictions, options.labels) if path):
            reason = f"{'stdin' if '-' in (options.predictions, options.labels) else 'a pipe'} cannot be read a second time to leave out the rows other models have no value for"
            return _RowAlignment(warning=_different_rows_warning(runs, names, reason))
        because = {names[j]: int(np.isin(extra, left[j]).sum()) for j in range(len(names)) if j != index}
        alignment.exclude[index] = extra
        alignment.left_out[index] = {name: count for name, count in because.items() if count}
        alignment.notes.append(_left_out_note(names[index], extra, alignment.left_out[index], common, runs[index].report.labels if options.key else None))
    return alignment


def _left_out_note(name: str, extra: Any, because: dict[str, int], common: int, labels: str | None) -> str:
    count = len(extra)
    rows = "1 row" if count == 1 else f"{count:,} rows"
    where = ("row " if count == 1 else "the first at row ") + str(int(extra[0])) + (f" of {labels}" if labels else "")
    if len(because) == 1:
        whose = f"{next(iter(because))} has no value for {'it' if count == 1 else 'them'} ({where})"
    else:
        counts = ", ".join(f"{other}: {n:,}" for other, n in because.items())
        whose = f"other models have no value for {'it' if count == 1 else 'them'} ({counts}; {where})"
    same = "the same row" if common == 1 else f"the same {common:,} rows"
    return f"{name}: {rows} left out because {whose}, so every model is evaluated on {same}"


def _unmatched_rows(runs: Sequence[_Run], names: Sequence[str], spaces: set[int | None]) -> _RowAlignment:
    """Rows that cannot be matched across models: a warning when the models
    may have been evaluated on different rows."""
    if len({run.report.rows for run in runs}) == 1 and not any(run.stats.omitted or run.stats.unmatched_labels for run in runs):
        return _RowAlignment()
    if None in spaces:
        reason = "the dask engine cannot match rows across models"
    else:
        reason = "the files have different row counts, so their rows cannot be matched; give one --labels file to match them"
    return _RowAlignment(warning=_different_rows_warning(runs, names, reason))


def _different_rows_warning(runs: Sequence[_Run], names: Sequence[str], reason: str) -> str:
    counts = ", ".join(f"{name} on {run.report.rows:,} rows" for name, run in zip(names, runs))
    return f"ranks compare different row sets ({counts}): {reason}"


def _ordered(entries: list[Entry]) -> list[Entry]:
    """Loss-major order: each loss's overall values, then its groups; models in command-line order."""
    group_order: dict[tuple, int] = {(): 0}
    for entry in entries:
        group_order.setdefault(entry.group_key, len(group_order))
    model_order = {name: i for i, name in enumerate(dict.fromkeys(e.result.model for e in entries))}
    return sorted(entries, key=lambda e: (e.loss_index, group_order[e.group_key], model_order[e.result.model]))


def _group_key(group: dict[str, Any] | None) -> tuple:
    return () if not group else tuple(sorted((str(k), _group_text(v)) for k, v in group.items()))


def _group_text(value: Any) -> str | None:
    """A group value as the matrix shows it, so that groups alike in every
    format are one row: a fold column of integers in one model's CSV and of
    text in another's JSON Lines gave two rows '0', each model best in its own.
    A whole float is its integer (a Parquet column of integers with a gap is
    float); a missing group (None) stays apart from any text."""
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


# =========================================================================== ranks


def rank_values(values: Sequence[float | None]) -> list[int]:
    """Competition ranks, lowest value first; near-equal values tie; nulls last."""
    finite = [v for v in values if _finite(v)]
    ranks = []
    for value in values:
        if _finite(value):
            ranks.append(1 + sum(1 for other in finite if other < value and not _tied(other, value)))
        else:
            ranks.append(1 + len(finite))
    return ranks


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _tied(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TIE_RELATIVE, abs_tol=0.0)


def rank_entries(entries: Sequence[Entry]) -> set[int]:
    """Set ``rank`` and ``best`` on every result, per loss and group; the
    losses left unranked (see ``_different_levels``) are returned."""
    cells: dict[tuple, list[Entry]] = {}
    for entry in entries:
        cells.setdefault((entry.loss_index, entry.group_key), []).append(entry)
    unranked: set[int] = set()
    for members in cells.values():
        if _different_levels(members):
            # No rank, no best: the pinball loss at 0.1 and at 0.9 are two losses.
            for entry in members:
                entry.result.rank, entry.result.best = None, False
            unranked.add(members[0].loss_index)
            continue
        ranks = rank_values([e.result.value for e in members])
        for entry, rank in zip(members, ranks):
            entry.result.rank = rank
            entry.result.best = rank == 1 and _finite(entry.result.value)
    return unranked


def _different_levels(members: Sequence[Entry]) -> bool:
    """Whether the models' values of a quantile loss are at different levels
    (``compare FILE --pred-col q0.1 --pred-col q0.9``: each column is scored
    at the level its name states), which no ranking compares."""
    levels = {json.dumps(json_params(e.result.loss.params).get("q")) for e in members if e.result.loss is not None and e.result.loss.name == "quantile"}
    return len(levels) > 1


def summarise(entries: Sequence[Entry], models: Sequence[str]) -> list[ModelSummary]:
    """Mean rank per model over the overall results (groups are not counted twice).

    A loss no model has a value for ranks every model first, which tells them
    apart by nothing: it is left out of the mean, and a model with no other
    rank has no mean rank and cannot be best overall.
    """
    decided = {e.loss_index for e in entries if e.result.group is None and _finite(e.result.value)}
    summary = []
    for model in models:
        ranks = [
            e.result.rank
            for e in entries
            if e.result.model == model and e.result.group is None and e.result.rank is not None and e.loss_index in decided
        ]
        wins = sum(1 for e in entries if e.result.model == model and e.result.group is None and e.result.best)
        summary.append(ModelSummary(model, sum(ranks) / len(ranks) if ranks else None, wins))
    means = [s.mean_rank for s in summary if s.mean_rank is not None]
    if means:
        lowest = min(means)
        for s in summary:
            s.best = s.mean_rank is not None and math.isclose(s.mean_rank, lowest, rel_tol=1e-12)
    return summary


# =========================================================================== baseline


@dataclass
class BaselineEntry:
    loss: str
    params: dict[str, Any]
    group: dict[str, Any] | None
    model: str | None
    value: float | None
    # None: a report that does not say (read as the mean, which compare reports).
    reduction: str | None = None
    used: bool = False


@dataclass
class Baseline:
    path: str
    entries: list[BaselineEntry]

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(e.model for e in self.entries if e.model is not None))


def load_baseline(path: str) -> Baseline:
    """Read an earlier ``compute``/``compare --format json`` report."""
    hint = "pass the output of 'losscli compute --format json' or 'losscli compare --format json'"
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise LossCliError("baseline file not found", file=path, hint="check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LossCliError(f"cannot read the baseline: {error.strerror if isinstance(error, OSError) and error.strerror else error}", file=path) from None
    except json.JSONDecodeError as error:
        raise LossCliError(f"the baseline is not valid JSON ({error.msg} at line {error.lineno})", file=path, hint=hint) from None
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise LossCliError("the baseline is not a losscli report (no 'results' list)", file=path, hint=hint)
    schema = document.get("schema")
    if schema != 1:
        raise LossCliError(f"the baseline has report schema {schema!r}; this losscli reads schema 1", file=path, hint=hint)
    return Baseline(path, [_baseline_entry(item, index, path) for index, item in enumerate(document["results"], 1)])


def _baseline_entry(item: Any, index: int, path: str) -> BaselineEntry:
    from .registry import get

    where = f"result {index} of the baseline"
    if not isinstance(item, dict) or not isinstance(item.get("loss"), str):
        raise LossCliError(f"{where} has no 'loss' name", file=path)
    value = item.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise LossCliError(f"{where} ({item['loss']}) has a value that is not a number: {value!r}", file=path)
    params = item.get("params") or {}
    group = item.get("group") or None
    model = item.get("model")
    reduction = item.get("reduction")
    if not isinstance(params, dict) or (group is not None and not isinstance(group, dict)) or (model is not None and not isinstance(model, str)) or (reduction is not None and not isinstance(reduction, str)):
        raise LossCliError(f"{where} ({item['loss']}) has malformed 'params', 'group', 'model' or 'reduction'", file=path)
    try:
        name = get(item["loss"]).name
    except LossCliError:
        name = item["loss"]  # a loss this version does not know: reported as missing
    return BaselineEntry(name, params, group, model, _finite_number(value), reduction)


def _finite_number(value: int | float | None) -> float | None:
    """A baseline value as a float, None when it is none or not finite: JSON
    reads an integer of 400 digits as an int that no float holds."""
    try:
        number = float(value) if value is not None else None
    except OverflowError:
        return None
    return number if number is not None and math.isfinite(number) else None


def apply_baseline(comparison: Comparison, baseline: Baseline) -> None:
    """Attach the baseline value and the change to every matching entry; note the rest.

    An entry matches on loss name, parameters (those both sides have), group,
    and model: by name or file, or any model when the baseline has only one.
    """
    single = len(baseline.models) <= 1
    models = {m.name: m for m in comparison.models}
    for entry in comparison.entries:
        model = models[entry.result.model]
        match = next((b for b in baseline.entries if _baseline_matches(b, entry, model, single)), None)
        if match is None:
            continue
        match.used = True
        entry.baseline = _delta(entry.result.value, match.value)
    comparison.baseline_file = baseline.path
    comparison.baseline_missing = _missing_notes(baseline)
    comparison.baseline_holds = _holds(baseline)


def _holds(baseline: Baseline) -> str:
    """'mse, mae for models a, b': the baseline's overall results, for a message."""
    labels = list(dict.fromkeys(_baseline_label(b) for b in baseline.entries if b.group is None))
    if not labels:
        return "no overall results" if baseline.entries else "no results"
    models = f" for model{'s' if len(baseline.models) > 1 else ''} {', '.join(baseline.models)}" if baseline.models else ""
    return ", ".join(labels) + models


def _baseline_matches(b: BaselineEntry, entry: Entry, model: Model, single: bool) -> bool:
    result = entry.result
    if b.loss != result.loss.name or _group_key(b.group) != entry.group_key:
        return False
    if not single and b.model not in (model.name, model.predictions):
        return False
    # A sum (compute --reduction sum) is no baseline for a mean: against the
    # sum of 200 rows any mean looked like a fall of 99%, and the gate passed.
    if (b.reduction or "mean") != result.reduction:
        return False
    ours = json_params(result.loss.params)
    return all(_same_value(b.params[k], ours[k]) for k in b.params.keys() & ours.keys())


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0) or a == b
    return a == b


def _delta(value: float | None, base: float | None) -> Delta:
    """The change, and the change in percent of the baseline; either is None
    where it is no finite number (a baseline of 0, or a difference too large
    for a float), which JSON has no way to write."""
    if not (_finite(value) and _finite(base)):
        return Delta(base, None, None)
    change = value - base
    if not math.isfinite(change):
        return Delta(base, None, None)
    if base == 0:
        return Delta(base, change, 0.0 if change == 0 else None)
    percent = 100.0 * change / abs(base)
    return Delta(base, change, percent if math.isfinite(percent) else None)


def _missing_notes(baseline: Baseline) -> list[str]:
    """One note per baseline loss and model with no counterpart in this run.

    When the loss's overall value did match, only some of its --by groups
    are missing, and the note says which rather than calling the loss missing.
    """
    missing: dict[tuple[str, str | None], list[BaselineEntry]] = {}
    matched: set[tuple[str, str | None]] = set()
    for b in baseline.entries:
        key = (_baseline_label(b), b.model if len(baseline.models) > 1 else None)
        if not b.used:
            missing.setdefault(key, []).append(b)
        elif b.group is None:
            matched.add(key)
    notes = []
    for (label, model), entries in missing.items():
        whose = f" for model {model}" if model else ""
        groups = [b.group for b in entries if b.group is not None]
        if (label, model) in matched and len(groups) == len(entries):
            notes.append(f"baseline {label}{whose}: {_groups_text(groups)} missing in this run")
            continue
        results = f" ({len(entries)} results)" if len(entries) > 1 else ""
        notes.append(f"baseline {label}{whose} is missing in this run{results}")
    return notes


def _groups_text(groups: list[dict[str, Any]], shown: int = 5) -> str:
    """'2 groups of region (north, west)', the first few named."""
    columns = list(dict.fromkeys(name for group in groups for name in group))
    values = [", ".join("(missing)" if v is None else str(v) for v in group.values()) for group in groups]
    named = "; ".join(values[:shown]) + ("; ..." if len(values) > shown else "")
    count = "1 group" if len(groups) == 1 else f"{len(groups)} groups"
    verb = "is" if len(groups) == 1 else "are"
    return f"{count} of {', '.join(columns)} ({named}) {verb}"


def _baseline_label(b: BaselineEntry) -> str:
    """``huber:delta=2`` style: the parameters that differ from the loss's
    defaults, and a reduction other than the mean (``mse (reduction sum)``)."""
    reduction = f" (reduction {b.reduction})" if b.reduction not in (None, "mean") else ""
    return _baseline_spec(b) + reduction


def _baseline_spec(b: BaselineEntry) -> str:
    from .registry import get

    try:
        defaults = json_params(get(b.loss).defaults())
    except LossCliError:
        return b.loss
    changed = {k: v for k, v in b.params.items() if k in defaults and not _same_value(v, defaults[k])}
    if not changed:
        return b.loss
    return f"{b.loss}:" + ",".join(f"{k}={_short(v)}" for k, v in changed.items())


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(_short(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# =========================================================================== gates


@dataclass(frozen=True)
class IncreaseLimit:
    """``--max-increase``: the largest rise, in percent of the baseline, a loss may show."""

    loss: str | None  # None: every loss
    percent: float


def parse_max_increase(items: Sequence[str], losses: Sequence[BoundLoss] | None) -> list[IncreaseLimit]:
    """``5``, ``5%`` (every loss) or ``LOSS=5%`` (one loss); with ``losses``,
    a LOSS none of them is is an error (None: checked later, see
    :func:`check_gated_losses`)."""
    return [with_corrected_form("--max-increase", item, _parse_limit, losses, percent=True) for item in items]


def _parse_limit(item: str, losses: Sequence[BoundLoss] | None) -> IncreaseLimit:
    name, sep, amount = item.rpartition("=")
    if sep and not name:
        raise LossCliError(f"--max-increase takes PCT or LOSS=PCT, got '{item}'", hint="for example --max-increase 5 or --max-increase mse=5%")
    text = amount.strip().rstrip("%").strip()
    try:
        # Python reads 1_0 as 10: a typo for 1.0 must not loosen a gate tenfold.
        if "_" in text:
            raise ValueError(text)
        percent = float(text)
    except ValueError:
        raise LossCliError(f"--max-increase {item}: '{amount}' is not a percentage", hint="for example --max-increase 5 (or 5%)") from None
    if not math.isfinite(percent):
        raise LossCliError(f"--max-increase {item}: the percentage must be finite")
    if percent < 0:
        # A limit below zero fails an unchanged loss: a stray minus, not a gate.
        raise LossCliError(f"--max-increase {item}: the percentage must be 0 or more", hint="for example --max-increase 5 (a rise of up to 5% passes)")
    if sep:
        check_gate_name("--max-increase", item, name, "PCT or LOSS=PCT")
    if sep and losses is not None:
        check_gated_losses([("--max-increase", name)], losses, [])
    return IncreaseLimit(name if sep else None, percent)


def check_max_increase(comparison: Comparison, limits: Sequence[IncreaseLimit]) -> tuple[list[str], list[str]]:
    """(breaches, notes) for the overall value of every loss and model against the baseline.

    A result the baseline lacks is a note, but a limit for which the baseline
    lacks every result it applies to would pass whatever the values: an error.
    """
    breaches: list[str] = []
    notes: list[str] = []
    several = len(comparison.models) > 1
    compared = [False] * len(limits)
    for entry in comparison.entries:
        result = entry.result
        if result.group is not None:
            continue
        applying = [limit for limit in limits if limit.loss is None or names_loss(limit.loss, result.loss)]
        if not applying:
            continue
        if entry.baseline is not None:
            for index, limit in enumerate(limits):
                compared[index] = compared[index] or limit in applying
        label = result.loss.display + (f" ({result.model})" if several else "")
        limit = min(applying, key=lambda lim: lim.percent)
        message = _increase_breach(label, result.value, entry.baseline, limit.percent)
        if message is None and (entry.baseline is None or entry.baseline.baseline is None):
            notes.append(f"{label}: no baseline value to compare with; --max-increase does not apply")
        elif message is not None:
            breaches.append(message)
    for limit, any_compared in zip(limits, compared):
        if not any_compared:
            raise _nothing_to_compare(comparison, limit)
    return breaches, notes


def _nothing_to_compare(comparison: Comparison, limit: IncreaseLimit) -> LossCliError:
    gate = f"--max-increase {limit.loss + '=' if limit.loss else ''}{limit.percent:g}%"
    what = f"no {limit.loss} result" if limit.loss else "none of this run's results"
    return LossCliError(
        f"{gate} compares nothing: the baseline has {what} (it holds {comparison.baseline_holds})",
        file=comparison.baseline_file,
        hint="results match on loss, parameters, reduction, --by group and, in a baseline of several models, model name; "
        "refresh the baseline or change the gate",
    )


def _increase_breach(label: str, value: float | None, baseline: Delta | None, percent: float) -> str | None:
    if baseline is None:
        return None
    base = baseline.baseline
    if not _finite(value):
        # A null fails every gate on it, also against a baseline that was null
        # too: a model that still diverges has not stayed within the limit.
        was = "null" if base is None else f"{base:.6g}"
        return f"{label} has no finite value (baseline {was}); the --max-increase {percent:g}% gate fails"
    if base is None:
        return None
    if base == 0:
        if value > 0 and percent < math.inf:
            return f"{label} = {value:.6g} rose from a baseline of 0; the --max-increase {percent:g}% gate fails"
        return None
    change = 100.0 * (value - base) / abs(base)
    # A hair of slack: a value exactly at the limit must not fail on rounding.
    if change > percent + 1e-9:
        value_text, base_text = distinct_texts(value, base)
        return (
            f"{label} = {value_text} is {_change_text(change, percent)}% against the baseline {base_text}, "
            f"above the --max-increase limit of {percent:g}%"
        )
    return None


def _change_text(change: float, percent: float) -> str:
    """The change with 2 decimals, or as many more as it takes to read above
    the limit: a breach must not read as +0.00% above a limit of 0%."""
    for decimals in range(2, 16):
        text = f"{change:+.{decimals}f}"
        if float(text) > percent:
            return text
    return f"{change:+.17g}"


def check_gated_losses(gated: Sequence[tuple[str, str]], losses: Sequence[BoundLoss], skipped: Sequence[Skipped], *, settled: bool = True) -> None:
    """Each gate, given as (option, LOSS), must name a computed loss: one on a
    skipped loss, or on none of the run's, is a usage error.

    Before the data is read ``settled`` is false when losses of ``--task`` may
    still be skipped for their data: a gate naming none of the losses then
    waits for the check after reading, so that its message lists only the
    losses that were computed.
    """
    from .registry import parse_spec

    for option, name in gated:
        if any(names_loss(name, bound) for bound in losses):
            continue
        dropped = next((item for item in skipped if names_loss(name, parse_spec(item.loss))), None)
        if dropped is not None:
            raise LossCliError(
                f"{option} names {name}, which was skipped, so there is no value to gate: {dropped.reason}",
                hint=f"remove the gate, or fix what stops {dropped.loss}",
            )
        if settled:
            displays = list(dict.fromkeys(bound.display for bound in losses))  # a loss asked for twice, named once
            raise LossCliError(f"{option} names '{name}', which is not computed{misspelled(name, displays)}", hint=f"computed: {', '.join(displays)}")
