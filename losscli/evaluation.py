"""Evaluating losses on files: the library behind ``compute`` and ``compare``.

``evaluate_file`` reads one prediction set once and folds every requested
loss over it; the result is a :class:`Report` that the renderers print.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .engine import Batch, Outcome, UncheckedBatchFailed, evaluate, takes_deferred_batches
from .errors import LossCliError
from .group_values import GroupColumns
from .labels import MISSING
from .rate_inputs import decides_by_data
from .registry import BoundLoss, misspelled
# Result and json_params are the results module's; callers import them from here too.
from .results import GroupResults, Result, Results, json_params, overall_results, parts_of  # noqa: F401
from .shell import loss_option, quote
from .wording import counted, listed


@dataclass
class Report:
    predictions: list[str]
    labels: str | None
    rows: int
    # A list of Result, or Results whose --by groups are kept in blocks.
    results: Sequence[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Tolerant losses that rejected the data, by position in the evaluated list.
    failures: dict[int, LossCliError] = field(default_factory=dict)
    # The losses as evaluated, in the order given: a loss may read its
    # predictions as logits because of their columns' names (see
    # ``logit_names``), and its results then carry that loss, not the one given.
    losses: list[BoundLoss] = field(default_factory=list)

    def inputs(self) -> dict[str, Any]:
        return {"predictions": self.predictions, "labels": self.labels, "rows": self.rows}


def outcomes_to_results(outcomes: list[Outcome], model: str, by: str | None, *, text_labels: bool = False) -> Results:
    """``text_labels``: the --by values were read as text from CSV, and are
    shown as numbers only if all of them are (see ``losscli.labels``)."""
    shown = _shown_groups(outcomes) if text_labels else None
    parts: list[Result | GroupResults] = []
    for outcome in outcomes:
        loss, reduction = outcome.loss, outcome.reduction
        if outcome.overall is not None:
            overall = outcome.overall
            parts.append(Result(loss, overall.value, overall.n, reduction, model, None, _warning_text(loss, overall.warning)))
        if outcome.by_group is not None and by is not None:
            columns = outcome.by_group if shown is None else _in_shown_order(outcome.by_group, shown)
            groups = shown_group_values(columns.keys) if shown is None else [group_value(shown[key]) for key in columns.keys.tolist()]
            warnings = {index: _warning_text(loss, reason) for index, reason in columns.reasons.items()}
            parts.append(GroupResults(loss, reduction, model, by, groups, columns.values, columns.n, warnings))
    return Results(parts)


def _shown_groups(outcomes: list[Outcome]) -> dict[str, Any]:
    """Decided once over the groups of every loss, so all show a group alike."""
    from .labels import shown_labels

    return shown_labels(key for outcome in outcomes if outcome.by_group is not None for key in outcome.by_group.keys.tolist())


def _in_shown_order(columns: GroupColumns, shown: dict[str, Any]) -> GroupColumns:
    """The groups sorted as shown: numbers by value, not as text ("10" after "9")."""
    from .labels import label_order

    keys = columns.keys.tolist()
    return columns.taken(np.array(sorted(range(len(keys)), key=lambda index: label_order(shown[keys[index]])), dtype=np.intp))


def shown_group_values(keys: np.ndarray) -> list[Any]:
    """``group_value`` of every key, over the whole array where its type allows."""
    if keys.dtype.kind in "iu":
        return keys.tolist()
    if keys.dtype.kind == "U":
        shown = keys.tolist()
        for index in np.flatnonzero(keys == MISSING).tolist():
            shown[index] = None
        return shown
    if keys.dtype.kind == "f":
        # Whole numbers as ints, missing (-inf) and other non-finite values as None.
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(keys)
            whole = finite & (np.trunc(keys) == keys) & (np.abs(keys) < 2**53)
        shown_keys = keys.astype(object)
        shown_keys[whole] = keys[whole].astype(np.int64).astype(object)
        shown_keys[~finite] = None
        return shown_keys.tolist()
    return [group_value(key) for key in keys.tolist()]


def group_value(key: Any) -> Any:
    """A --by key as JSON shows it: a missing value (a number read as -inf,
    text as MISSING) is null, a whole number an int."""
    if key == MISSING:
        return None
    if isinstance(key, float):
        if not math.isfinite(key):
            return None
        if key.is_integer() and abs(key) < 2**53:
            return int(key)
    return key


def _warning_text(loss: BoundLoss, reason: str | None) -> str | None:
    if reason is None:
        return None
    return f"{loss.display}: {reason}; reported as null"


def evaluate_file(
    options: Any,
    losses: list[BoundLoss],
    *,
    reduction: str = "mean",
    on_rows: Callable[[Batch, list[np.ndarray | None]], None] | None = None,
    show_progress: bool = False,
    tolerant: frozenset[int] = frozenset(),
) -> tuple[Report, Any, list[Any]]:
    """Read one prediction set once and evaluate every loss on it.

    Returns the report, the input plan (which columns were used) and the
    engine's accumulators (for per-sample output). ``show_progress`` draws a
    progress bar on stderr once reading takes more than a moment. Losses at
    the positions in ``tolerant`` that reject the data are left out of the
    results, their errors in ``Report.failures``, instead of failing the run.
    """
    if on_rows is None:
        return _evaluate_file(options, losses, reduction, on_rows, show_progress, tolerant)
    evaluated = _with_rows_of_the_whole_input(options, losses, show_progress)
    report, plan, accumulators = _evaluate_file(options, evaluated, reduction, on_rows, show_progress, tolerant)
    # Results name the losses as evaluated but without the per-row parameters,
    # which the report does not show: ``report.losses`` holds them in order.
    shown = [_without_row_overrides(read, bound, original) for read, bound, original in zip(report.losses, evaluated, losses)]
    by_id = {id(read): loss for read, loss in zip(report.losses, shown)}
    for part in parts_of(report.results):
        part.loss = by_id.get(id(part.loss), part.loss)
    report.losses = shown
    return report, plan, accumulators


def _without_row_overrides(read: BoundLoss, evaluated: BoundLoss, original: BoundLoss) -> BoundLoss:
    """The loss given, or the loss as read (logits by name) without the
    parameters its per-row values took from a first pass."""
    if read is evaluated:
        return original
    return replace(read, row_overrides=original.row_overrides)


def _evaluate_file(
    options: Any,
    losses: list[BoundLoss],
    reduction: str,
    on_rows: Callable[[Batch, list[np.ndarray | None]], None] | None,
    show_progress: bool,
    tolerant: frozenset[int] = frozenset(),
) -> tuple[Report, Any, list[Any]]:
    from .io.plan import InputPlan

    plan = InputPlan(options, losses)
    # Judged on the losses as the plan reads them: bce on logits (by their
    # column's name) keeps a finite sum over an infinite logit.
    if _sums_show_missing_values(options, plan.losses, on_rows):
        # Checking every value for NaN and inf is a sixth of the time of a
        # one-loss run (measured); these losses show such values in their sums
        # anyway, so the check runs only if a sum is not finite, or a loss
        # fails, by reading again. Errors and values are as with the check.
        plan.check_missing = False
        try:
            return _evaluate_plan(plan, options, reduction, on_rows, show_progress, tolerant, unchecked=True)
        except UncheckedBatchFailed:
            pass  # read again below, once the first read's threads have stopped
        plan = InputPlan(options, losses, sources=plan.sources)
    return _evaluate_plan(plan, options, reduction, on_rows, show_progress, tolerant)


def _with_rows_of_the_whole_input(options: Any, losses: list[BoundLoss], show_progress: bool) -> list[BoundLoss]:
    """The losses, with the parameters their per-row values need from every row
    (weighted_ce's balanced class weights), found by a first pass over the input."""
    from .io.plan import InputPlan

    needing = [b for b in losses if b.spec.per_row is not None and b.spec.rows_need_totals is not None and b.spec.rows_need_totals(**b.params)]
    if not needing:
        return losses
    if _read_once(options):
        raise LossCliError(
            f"{needing[0].display}: per-row values need the class counts of every row, so the input is read "
            "twice, and stdin or a pipe can be read only once",
            hint=f"save the input to a file, or give explicit class weights ({loss_option(needing[0].name + ':weights=0.2;0.8')})",
        )
    plan = InputPlan(options, needing)
    _, _, accumulators = _evaluate_plan(plan, options, "mean", None, show_progress)
    found = {}
    for bound, read, accumulator in zip(needing, plan.losses, accumulators):
        if accumulator.totals:
            # Every group's sums together: a row has one value, whatever its group.
            stats = accumulator.totals.total()
            # With the parameters the loss was read with (logits by name), which these totals do not change.
            found[id(bound)] = bound.spec.row_params(stats[:-1], **read.params)
    return [replace(b, row_overrides=found[id(b)]) if id(b) in found else b for b in losses]


def _read_once(options: Any) -> bool:
    """Whether an input comes from stdin or a pipe, which gives its rows once."""
    from .io.piped import reads_once

    return any(reads_once(path) for path in (options.predictions, options.labels) if path)


def option_notes(options: Any, losses: list[BoundLoss], *, long_format: bool = False) -> list[str]:
    """What --weight-col and --sample-col do not do for some of ``losses``: the
    same notes whichever engine evaluated them."""
    notes = []
    if options.weight_col is not None:
        from .conventions import ROWS, ignores_sample_weights, weight_divisor

        for bound in losses:
            library = ignores_sample_weights(bound)
            if library:
                notes.append(f"{bound.display}: {library} takes no sample weights for this loss; weighted as losscli does, sum(w l) / sum(w)")
            elif weight_divisor(bound) == ROWS:
                # Otherwise a convention 'same as losscli' would stand beside a different weighted value.
                notes.append(
                    f"{bound.display}: {bound.params['convention']} divides the weighted sum by the number of rows, "
                    "sum(w l) / N, not by the sum of the weights"
                )
    if options.sample_col is not None and not long_format:
        # Only losses summed per sample (dice, iou, tversky, ...) read the ids.
        pooled = [bound.display for bound in losses if bound.spec.kind != "ratio"]
        if pooled:
            from .wording import listed

            names = listed(pooled)
            notes.append(
                f"--sample-col: {names} {'takes' if len(pooled) == 1 else 'take'} no samples: "
                f"{'it is' if len(pooled) == 1 else 'they are'} computed over all rows, as without --sample-col"
            )
    return notes


def _sums_show_missing_values(options: Any, losses: list[BoundLoss], on_rows: object) -> bool:
    """Whether a NaN or inf anywhere in the input must show as a non-finite
    loss sum (or a loss's error), so the reader need not check every value.
    Only plain runs qualify: no weights, groups or per-row output, nothing
    read from stdin or a pipe (it cannot be read twice)."""
    plain = (
        options.nan_policy == "error"
        and options.weight_col is None
        and options.by is None
        and options.sample_col is None
        and on_rows is None
        and not _read_once(options)
    )
    return plain and bool(losses) and all(bound.spec.kind == "mean" and bound.propagates_nonfinite for bound in losses)


def _evaluate_plan(
    plan: Any,
    options: Any,
    reduction: str,
    on_rows: Callable[[Batch, list[np.ndarray | None]], None] | None,
    show_progress: bool,
    tolerant: frozenset[int] = frozenset(),
    *,
    unchecked: bool = False,
) -> tuple[Report, Any, list[Any]]:
    from .conventions import folding
    from .progress import track

    # The losses as the plan reads them: predictions named as logits are read as logits.
    losses = plan.losses
    by_sample = options.sample_col is not None
    source = plan.sources["predictions"]
    # Row groups decoded by the threads that fold them, where the engine can take them.
    deferred = plan.deferred_batches() if takes_deferred_batches(on_rows) else None
    batches = track(deferred or plan.batches(), source.rows_hint(), label=f"reading {source.display}", show=show_progress, position=source.read_position)
    failures: dict[int, LossCliError] = {}
    read_notes: list[str] = []
    try:
        stream: Any = batches
        if any(decides_by_data(bound) for bound in losses):
            # How poisson reads its predictions, from the first rows before any is folded (see ``rate_inputs``).
            stream, losses, read_notes = _decided_from_first_batch(batches, losses)
        outcomes, accumulators = evaluate(
            stream,
            losses,
            reduction="sum" if reduction == "sum" else "mean",
            by_sample=by_sample,
            with_groups=options.by is not None,
            on_rows=on_rows,
            **folding(losses),
            unchecked=unchecked,
            tolerant=tolerant,
            failures=failures,
            deferred=deferred is not None,
        )
    except LossCliError as error:
        # The engine and the plan number rows over the whole input.
        raise plan.in_source_file(error) from None
    finally:
        # An abandoned read (an error, or a batch to check after all) stops its
        # reader threads and progress bar now, not when it is collected.
        batches.close()
    model = plan.sources["predictions"].display
    report = Report(
        predictions=[model],
        labels=plan.sources["labels"].display if "labels" in plan.sources else None,
        rows=plan.stats.rows,
        results=outcomes_to_results(outcomes, model, options.by, text_labels=plan.labels_are_text("by")),
        failures={index: plan.in_source_file(error) for index, error in failures.items()},
        notes=list(plan.notes) + read_notes,
        losses=list(losses),
    )
    report.notes.extend(option_notes(options, losses, long_format=plan.long_format))
    for index, bound in enumerate(losses):
        # A loss that failed (a tolerant one, skipped) kept nothing to speak of.
        if not bound.spec.streams and index not in failures:
            report.notes.append(memory_note(bound, report.rows))
    if plan.long_format and plan.stats.frame_rows:
        report.notes.append(frames_note(losses[0], plan.stats.frame_rows, plan.stats.frame_values, plan.stats.rows))
    if any(omitted for omitted, _kept in plan.stats.column_values.values()):
        # Values dropped per column (rows not paired): one note says it all.
        report.notes.append(per_column_note(plan.unpaired_losses, plan.stats.column_values, plan.stats.omitted, report.rows))
    elif plan.stats.omitted:
        report.notes.append(omitted_note(plan.stats.omitted))
        if options.weight_col is not None and plan.unpaired_losses:
            report.notes.append(weighted_rows_note(plan.unpaired_losses))
    if plan.stats.unmatched_predictions or plan.stats.unmatched_labels:
        report.notes.append(
            f"--key: {counted(plan.stats.unmatched_predictions, 'prediction row')} and "
            f"{counted(plan.stats.unmatched_labels, 'label row')} had no partner and were skipped"
        )
    return report, plan, accumulators


def _decided_from_first_batch(batches: Iterator[Any], losses: list[BoundLoss]) -> tuple[Iterator[Any], list[BoundLoss], list[str]]:
    """(the batches, first one included, the losses with what the data
    decide set, the notes saying so): the first batch is taken from the
    stream and handed on in front of the rest, so nothing is read twice.
    A row group decoded on the thread that folds it is decoded here."""
    from .engine import DeferredBatch
    from .rate_inputs import decided

    first = next(batches, None)
    if first is None:
        return iter(()), losses, []
    loaded = first.load() if isinstance(first, DeferredBatch) else [first]
    decided_losses, notes = decided(losses, loaded[0] if loaded else None)
    return itertools.chain(loaded, batches), decided_losses, notes


def memory_note(bound: BoundLoss, rows: int) -> str:
    """What a loss that cannot stream cost: exact, not approximate, so say so
    instead of failing later. Two float64 columns are kept; sorting them for
    the exact value took about five times that at its peak (30M rows: 2.4 GB)."""
    kept = max(1, rows * 16 // 1_000_000)
    return (
        f"{bound.display} cannot stream: it kept every value in memory to compute the exact value "
        f"({counted(rows, 'row')}: about {_megabytes(kept)} kept, about {_megabytes(5 * kept)} at the peak)"
    )


def frames_note(bound: BoundLoss, frame_rows: int, values: int, sequences: int) -> str:
    """What long-format frames cost: the frames of a sequence may lie anywhere
    in the input, so all of them are gathered before any is evaluated."""
    kept = max(1, values * 8 // 1_000_000)
    return (
        f"{bound.display} read one row per frame, which cannot stream: every frame was kept in memory to group "
        f"the frames by sequence ({counted(frame_rows, 'frame row')} in {counted(sequences, 'sequence')}: about {_megabytes(kept)} kept)"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1000:.1f} GB" if size >= 1000 else f"{size:,} MB"


def omitted_note(rows: int) -> str:
    """The note of --nan-policy omit: how many rows were left out."""
    if rows == 1:
        return "1 row with missing, NaN or infinite values was omitted (--nan-policy omit)"
    return f"{rows} rows with missing, NaN or infinite values were omitted (--nan-policy omit)"


def per_column_note(losses: list[BoundLoss], columns: dict[tuple[str, str], list[int]], empty_rows: int, rows: int) -> str:
    """The note of --nan-policy omit for losses whose rows are not paired: the
    values omitted from, and kept in, each column; the rows without any value,
    omitted whole; and what the rows reported count."""
    names = listed([bound.display for bound in losses])
    files = {file for file, _column in columns}
    counts = "; ".join(
        f"'{column}'{'' if len(files) == 1 else f' of {file}'}: {counted(omitted, 'value') if omitted else 'none'} omitted, {kept:,} kept"
        for (file, column), (omitted, kept) in columns.items()
    )
    where = f" ({next(iter(files))})" if len(files) == 1 else ""
    empty = f"; {counted(empty_rows, 'row')} without any value {'was' if empty_rows == 1 else 'were'} omitted" if empty_rows else ""
    return (
        f"{names} {'compares' if len(losses) == 1 else 'compare'} distributions, not rows: --nan-policy omit dropped each "
        f"missing, NaN or infinite value from its own column, each column keeping its own values{where}: {counts}{empty}; "
        f"rows ({rows:,}) counts the rows holding a value in any of these columns"
    )


def weighted_rows_note(losses: list[BoundLoss]) -> str:
    """Why --nan-policy omit dropped whole rows for losses whose rows are not paired."""
    names = listed([bound.display for bound in losses])
    return (
        f"{names}: a row's --weight-col weight belongs to both of its values, so a row missing either value was omitted "
        "whole (without --weight-col, --nan-policy omit drops missing values per column)"
    )


@dataclass(frozen=True)
class Gate:
    """One --fail-above/--fail-below LOSS=VALUE, as given."""

    loss: str
    threshold: float


def check_thresholds(report: Report, above: list[Gate], below: list[Gate]) -> list[str]:
    """Messages for every breached --fail-above/--fail-below (overall values only)."""
    checks = [(above, "above", lambda v, t: v > t), (below, "below", lambda v, t: v < t)]
    breaches = []
    for result in overall_results(report.results):
        where = f" ({result.model})" if len(report.predictions) > 1 else ""
        for gates, word, breached in checks:
            for gate in gates:
                if not names_loss(gate.loss, result.loss):
                    continue
                if result.value is None:
                    breaches.append(f"{result.loss.display}{where} has no finite value; the --fail-{word} {gate.threshold:g} gate fails")
                elif breached(result.value, gate.threshold):
                    value, threshold = distinct_texts(result.value, gate.threshold)
                    breaches.append(f"{result.loss.display}{where} = {value} is {word} the threshold {threshold}")
    return breaches


def distinct_texts(value: float, threshold: float) -> tuple[str, str]:
    """Both numbers with 6 significant digits, or as many more as it takes to
    tell them apart: a breach must not read as 0.64 above 0.64."""
    for digits in range(6, 18):
        texts = f"{value:.{digits}g}", f"{threshold:.{digits}g}"
        if texts[0] != texts[1]:
            return texts
    return repr(value), repr(threshold)


def names_loss(key: str, loss: BoundLoss) -> bool:
    """Whether a gate's LOSS names this loss: a plain name or alias names every
    variant of it; a spec string (``huber:delta=2``) names the variant whose
    parameters have those values however they are written (``delta=2.0``, or
    ``delta=1`` for the default)."""
    from .registry import parse_explicit

    if key == loss.display or key == loss.label:
        return True
    try:
        spec, explicit = parse_explicit(key)
    except LossCliError:
        return False
    return spec.name == loss.name and all(_same_param(loss.params.get(name), value) for name, value in explicit.items())


def _same_param(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, float) and isinstance(theirs, float):
        return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=0.0) or ours == theirs
    return ours == theirs


def parse_thresholds(items: list[str], option: str, losses: list[BoundLoss] | None) -> list[Gate]:
    """``LOSS=VALUE`` pairs; a loss that is not being computed is a usage error
    (``losses`` None: the caller checks the names once it knows which are).

    Every gate is kept, in order: a second gate on the same loss (a stricter
    limit added to a job's defaults) must not replace the first.
    """
    return [with_corrected_form(option, item, lambda text, known: _parse_gate(text, option, known), losses, percent=False) for item in items]


def _parse_gate(item: str, option: str, losses: list[BoundLoss] | None) -> Gate:
    name, sep, value = item.rpartition("=")
    if not sep or not name:
        raise LossCliError(f"{option} takes LOSS=VALUE, got '{item}'", hint=f"for example {option} mse=0.5")
    try:
        # Python reads 1_0 as 10: a typo for 1.0 must not loosen a gate tenfold.
        if "_" in value:
            raise ValueError(value)
        number = float(value)
    except ValueError:
        raise LossCliError(f"{option} {item}: '{value}' is not a number", hint=f"write LOSS=VALUE with a number, e.g. {option} {name}=0.5") from None
    if not math.isfinite(number):
        # A gate at nan never fails, and one at inf cannot: a templated
        # threshold that rendered as "nan" must not switch the check off.
        raise LossCliError(
            f"{option} {item}: the threshold must be a finite number",
            hint=f"a gate at nan or inf never fails; give a number, e.g. {option} {name}=0.5",
        )
    check_gate_name(option, item, name)
    if losses is not None and not any(names_loss(name, loss) for loss in losses):
        displays = list(dict.fromkeys(loss.display for loss in losses))  # a loss asked for twice, named once
        raise LossCliError(f"{option} names '{name}', which is not computed{misspelled(name, displays)}", hint=f"computed: {', '.join(displays)}")
    return Gate(name, number)


def with_corrected_form(option: str, item: str, parse: Callable[[str, Any], Any], losses: Any, *, percent: bool) -> Any:
    """``parse(item, losses)``; when it fails and the gate evidently meant
    another form (``mse==0.7``, ``mse=0,7``, ``mse=0.7%`` where a value is no
    percentage), the error shows that form, once ``parse`` accepts it as a
    gate (on any loss: one not computed is the next error, on its own)."""
    try:
        return parse(item, losses)
    except LossCliError as error:
        failure = error
    corrected = _corrected_gate(item, percent=percent)
    if corrected is not None:
        text, reasons = corrected
        try:
            parse(text, None)
        except LossCliError:
            pass
        else:
            failure = LossCliError(failure.message, hint=f"{'; '.join(reasons)}: {option} {quote(text)}")
    raise failure


def _corrected_gate(item: str, *, percent: bool) -> tuple[str, list[str]] | None:
    """(the gate as it was evidently meant, what changed), or None."""
    name, sep, value = item.rpartition("=")
    reasons = []
    if sep and name.endswith("=") and name.rstrip("="):
        name = name.rstrip("=")
        reasons.append("one '=' goes between the loss and the value")
    body, suffix = value.strip(), ""
    if body.endswith("%"):
        body = body[:-1].rstrip()
        if percent:
            suffix = "%"
        else:
            reasons.append("a threshold is the loss's own value, without '%'")
    comma = re.fullmatch(r"([+-]?\d*),(\d+)", body)
    # 0,7 and 12,5 are decimal commas; 1,000 may be a thousands separator.
    if comma and (len(comma.group(2)) != 3 or comma.group(1).lstrip("+-") in ("", "0")):
        body = f"{comma.group(1)}.{comma.group(2)}"
        reasons.append("the decimal point is '.'")
    if not reasons:
        return None
    return (f"{name}={body}{suffix}" if sep else body + suffix), reasons


def check_gate_name(option: str, item: str, name: str, form: str = "LOSS=VALUE") -> None:
    """Refuse a gate's LOSS that can name no loss, which would otherwise read
    as a loss that is not computed: several gates in one option
    (``mse=0.5,mae=0.3``), or a spec with an unknown parameter or a bad value."""
    from .registry import parse_explicit

    if any(mark in name.partition(":")[0] for mark in "=,"):
        pieces = [piece for piece in re.split(r"[\s,]+", item.strip()) if piece]
        if len(pieces) > 1:
            hint = "give each gate its own option: " + " ".join(f"{option} {piece}" for piece in pieces)
        else:
            hint = f"for example {option} {'mse=0.5' if form == 'LOSS=VALUE' else 'mse=5%'}"
        raise LossCliError(f"{option} takes one {form}, got '{item}'", hint=hint)
    if ":" in name:
        try:
            parse_explicit(name)
        except LossCliError as error:
            raise LossCliError(f"{option} {item}: {error.message}", hint=error.hint) from None
