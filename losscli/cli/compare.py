"""``losscli compare``: many losses x many prediction sets, side by side."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
from typing import Annotated, Iterator, Optional

import typer

from ..errors import LossCliError, ThresholdBreached
from .common import (
    GATES,
    AllowUnmatchedOpt,
    ByOpt,
    ColOpt,
    DecimalOpt,
    DelimiterOpt,
    EpsOpt,
    FailAboveOpt,
    FailBelowOpt,
    FormatOpt,
    FromLogitsOpt,
    PositiveOpt,
    InputFormatOpt,
    KeyOpt,
    LabelColOpt,
    LabelsOpt,
    NanOpt,
    NanPolicy,
    NormalizeOpt,
    INPUT,
    OutputOpt,
    QuietOpt,
    SampleOpt,
    WeightOpt,
    ConventionOpt,
    Engine,
    EngineOpt,
    SchedulerOpt,
    check_named_columns,
    check_named_paths,
    global_params,
    guarded,
    note,
    output_target,
    parse_losses,
    parse_role_cols,
    rendered,
    check_report_name,
    resolve_format,
    write_stdout,
)
from .plotting import PlotFileOpt, PlotOpt, chart_files, emit

PredictionsArg = Annotated[
    list[str],
    typer.Argument(help="Prediction files, one per model (or one file and a --pred-col per model): CSV/TSV (.gz/.bz2/.zst), Parquet file/dir/glob, Arrow/Feather, NDJSON, or '-' for stdin.", show_default=False),
]
LossOpt = Annotated[
    Optional[list[str]],
    typer.Option("--loss", "-L", help="Loss to compare: NAME or NAME:key=value,... Repeatable.", rich_help_panel="Losses"),
]
TaskOpt = Annotated[
    Optional[str],
    typer.Option("--task", "-t", help="Every loss of this task whose inputs the files provide (regression, binary, multiclass, ranking, ...).", rich_help_panel="Losses"),
]
PredColsOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--pred-col",
        "-p",
        help="Prediction column(s) of every file: a name, a comma list or a glob ('p_*') is one model's columns. "
        "Repeated, each value is a model: columns of one file (--pred-col model_a --pred-col model_b), "
        "or one value per file, paired in order.",
        rich_help_panel=INPUT,
    ),
]
ModelNameOpt = Annotated[
    Optional[list[str]],
    typer.Option("--model-name", "--name", "-n", help="Name of each model, in order (default: the file names without extension, or the --pred-col values when one file holds every model). Repeatable.", rich_help_panel="Output"),
]
BaselineOpt = Annotated[
    Optional[str],
    typer.Option("--baseline", "-b", help="An earlier 'compute'/'compare --format json' report: show the change per loss and model.", rich_help_panel=GATES),
]
ConventionsOpt = Annotated[
    bool,
    typer.Option("--conventions", help="Each --loss under every library's convention (PyTorch, Keras, scikit-learn, optax, MONAI) side by side, with what differs.", rich_help_panel="Losses"),
]
MaxIncreaseOpt = Annotated[
    Optional[list[str]],
    typer.Option("--max-increase", help="Exit 1 if a loss rose more than PCT percent over --baseline: PCT (every loss) or LOSS=PCT. Repeatable.", rich_help_panel=GATES),
]


@guarded
def compare(
    predictions: PredictionsArg,
    loss: LossOpt = None,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    key: KeyOpt = None,
    allow_unmatched: AllowUnmatchedOpt = False,
    pred_col: PredColsOpt = None,
    label_col: LabelColOpt = None,
    col: ColOpt = None,
    weight_col: WeightOpt = None,
    by: ByOpt = None,
    sample_col: SampleOpt = None,
    nan_policy: NanOpt = NanPolicy.error,
    input_format: InputFormatOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = ".",
    positive: PositiveOpt = None,
    from_logits: FromLogitsOpt = None,
    eps: EpsOpt = None,
    normalize: NormalizeOpt = False,
    model_name: ModelNameOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    baseline: BaselineOpt = None,
    fail_above: FailAboveOpt = None,
    fail_below: FailBelowOpt = None,
    max_increase: MaxIncreaseOpt = None,
    convention: ConventionOpt = None,
    conventions: ConventionsOpt = False,
    plot: PlotOpt = False,
    plot_file: PlotFileOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    per_row: Annotated[Optional[str], typer.Option("--per-row", hidden=True)] = None,
    reduction: Annotated[Optional[str], typer.Option("--reduction", hidden=True)] = None,
) -> None:
    """Compare losses across models: a loss x model matrix with the best model per loss marked.

    Lower is better for every loss; ties share the rank. With one model, each
    loss's characteristics (robust to outliers, smooth gradient, use in
    classification, use in regression) are shown beside its value.

    Examples:

      losscli compare model_a.csv model_b.csv --loss mse --loss mae --loss huber

      losscli compare preds.parquet --labels truth.csv --task regression

      losscli compare preds.csv --pred-col model_a --pred-col model_b --loss mse --loss mae

      losscli compare new.csv --task binary --baseline main.json --max-increase 5 --format markdown
    """
    from ..compare import (
        apply_baseline,
        check_gated_losses,
        check_max_increase,
        evaluate_models,
        load_baseline,
        model_inputs,
        model_names,
        parse_max_increase,
        select_losses,
        task_candidates,
    )
    from ..allocator import reuse_freed_memory
    from ..evaluation import check_thresholds, parse_thresholds
    from ..io.numbers import decimal_given
    from ..io.plan import InputOptions
    from ..output import Interrupts, atomic_writer, check_target, write_text
    from ..registry import resolve_task
    from ..render_compare import render_compare, run_notes

    if per_row is not None or reduction is not None:
        # Taken only to say where they belong: compare reports one mean per loss and model.
        raise LossCliError(
            f"compare reports means; {'--per-row' if per_row is not None else '--reduction'} belongs to compute",
            hint="run losscli compute MODEL --per-row FILE (or --reduction sum|none) for each model",
        )
    if not loss and not task:
        raise LossCliError("give --loss or --task", hint="e.g. --loss mse --loss mae, or --task regression; 'losscli list' shows every loss")
    check_named_paths({"PREDICTIONS": next((p for p in predictions if not p.strip()), None), "--labels": labels, "--output": output, "--baseline": baseline, "--plot-file": plot_file})
    check_named_columns(
        {"--key": key, "--pred-col": pred_col, "--label-col": label_col, "--weight-col": weight_col, "--by": by, "--sample-col": sample_col,
         "--input-format": input_format, "--delimiter": delimiter, "--convention": convention, "--scheduler": scheduler, "--task": task}
    )
    if max_increase and not baseline:
        raise LossCliError("--max-increase compares with a baseline; give --baseline FILE.json too")
    models = model_inputs(predictions, pred_col)
    _check_stdin(predictions, labels, len(models))
    output = output_target(output)
    reuse_freed_memory()
    shared = global_params(from_logits, eps, normalize)
    explicit = parse_losses(loss or [], shared, convention)
    canonical_task = resolve_task(task) if task else None
    candidates, unconventional = task_candidates(canonical_task, shared, convention) if canonical_task else ([], [])
    unavailable: list[str] = []
    if conventions:
        explicit, unavailable = _every_convention(explicit, task, convention)
    columns_are_models = len(models) > len(predictions)
    names = model_names([path for path, _ in models], model_name, [col for _, col in models] if columns_are_models else None)
    base_options = InputOptions(
        predictions=predictions[0],
        labels=labels,
        key=key,
        label_cols=label_col,
        role_cols=parse_role_cols(col),
        weight_col=weight_col,
        by=by,
        sample_col=sample_col,
        nan_policy=nan_policy.value,
        input_format=input_format,
        delimiter=delimiter,
        decimal=decimal_given(decimal),
        allow_unmatched=allow_unmatched,
        positive=positive,
    )
    model_options = [dataclasses.replace(base_options, predictions=path, pred_cols=col) for path, col in models]
    fmt_name = resolve_format(fmt, output)
    inputs = list(predictions) + ([labels] if labels else [])
    if output:
        _check_not_baseline(output, baseline, "--output")
        check_target(output, inputs, "--output")
        check_report_name(output, fmt)
    plot_files = chart_files(plot_file, ["comparison"], inputs)
    # The baseline is read before any data, so a bad file fails fast.
    earlier = load_baseline(baseline) if baseline else None

    # SIGTERM (a cancelled CI job, `timeout`) stops the run as Ctrl-C does: no temp file is left.
    with Interrupts() as interrupts:
        with _engine(engine, scheduler) as (evaluator, open_sources, engine_problem):
            selection = select_losses(
                model_options, explicit, candidates, task=canonical_task, open_sources=open_sources, engine_problem=engine_problem,
                skipped=unconventional,
            )
            above = parse_thresholds(fail_above or [], "--fail-above", None)
            below = parse_thresholds(fail_below or [], "--fail-below", None)
            limits = parse_max_increase(max_increase or [], None)
            gated = [("--fail-above", g.loss) for g in above] + [("--fail-below", g.loss) for g in below]
            gated += [("--max-increase", limit.loss) for limit in limits if limit.loss]
            # Fail before reading the data where the answer is known already.
            check_gated_losses(gated, selection.losses, selection.skipped, settled=not selection.tolerant)
            comparison = evaluate_models(model_options, names, selection, task=canonical_task, evaluator=evaluator)
        check_gated_losses(gated, comparison.losses, comparison.skipped)
        comparison.notes.extend(unavailable)
        breaches = check_thresholds(comparison.report(), above, below)
        if earlier is not None:
            apply_baseline(comparison, earlier)
            increase_breaches, increase_notes = check_max_increase(comparison, limits)
            breaches += increase_breaches
            comparison.notes.extend(increase_notes)

        document = rendered(lambda out: render_compare(comparison, fmt_name, out), None if output else sys.stdout, table=fmt_name == "table")
        # A Ctrl-C that a library swallowed still stops the run before anything is written.
        interrupts.check()
        if output:
            with atomic_writer(output) as handle:
                write_text(handle, document)
        else:
            write_stdout(document)
    if plot or plot_file:
        emit([("comparison", _comparison_chart(comparison))], plot=plot, files=plot_files, to_stdout=fmt_name == "table" and not output, quiet=quiet)
    # Diagnostics go to stderr whatever the format, so stdout holds only the report.
    for text in run_notes(comparison):
        note(text, quiet)
    if breaches:
        raise ThresholdBreached(breaches)


def _check_not_baseline(path: str | None, baseline: str | None, option: str) -> None:
    """The baseline is an input too: a report written over it, which happens
    when a gate fails as well, would make this run's values the next run's
    baseline, and a regression would pass from then on."""
    if not path or not baseline or path == "-" or baseline == "-":
        return
    if os.path.realpath(path) == os.path.realpath(baseline):
        raise LossCliError(
            f"{option}: '{path}' is the --baseline file; refusing to overwrite it (a failed gate would leave this run's values as the next baseline)",
            hint="write the report elsewhere; to refresh the baseline after an accepted change, write a report without --baseline over it",
        )


@contextlib.contextmanager
def _engine(engine: Engine, scheduler: str | None) -> Iterator[tuple]:
    """(evaluator, schema opener, loss filter) of the chosen engine; None means local.

    On Dask one cluster serves every model, so its start-up is paid once.
    """
    if engine == Engine.local:
        if scheduler:
            raise LossCliError("--scheduler is for --engine dask")
        yield None, None, None
        return
    from ..distributed import LOCAL_SCHEDULERS, connect, dask_problem, evaluate_dask, require_dask, schema_sources

    if scheduler in LOCAL_SCHEDULERS:
        require_dask(distributed=False)
        yield functools.partial(evaluate_dask, scheduler=scheduler), schema_sources, dask_problem
        return
    with connect(scheduler) as client:
        yield functools.partial(evaluate_dask, client=client), schema_sources, dask_problem


def _comparison_chart(comparison: object) -> object:
    """Bars per loss and model (overall values), with the baseline when there is one."""
    from ..plots import comparison as bars

    rows = [
        (comparison.losses[e.loss_index].display, e.result.model, e.result.value, e.baseline.baseline if e.baseline else None)
        for e in comparison.entries
        if not e.result.group
    ]
    return bars(rows, title="Loss per model (lower is better)")


def _every_convention(explicit: list, task: str | None, convention: str | None) -> tuple[list, list[str]]:
    """--conventions: each --loss once per library that defines it, plus why the others cannot."""
    from ..conventions import variants

    if task or convention or not explicit:
        raise LossCliError("--conventions compares the losses named with --loss under every library", hint="drop --task and --convention")
    expanded, unavailable = [], []
    for bound in explicit:
        for variant in variants(bound):
            if variant.bound is not None:
                expanded.append(variant.bound)
                if variant.entry is not None:
                    unavailable.append(f"{variant.bound.display}: {variant.entry.difference}")
            else:
                unavailable.append(f"{bound.name} has no {variant.library} convention: {variant.reason}")
    return expanded, unavailable


def _check_stdin(predictions: list[str], labels: str | None, models: int) -> None:
    """stdin can be read once: refuse a command that would need it twice.

    Each model is a pass over its file, so a file holding several models'
    columns is read once per model, which stdin or a pipe cannot give.
    """
    from ..io.piped import reads_once

    if predictions.count("-") + (labels == "-") > 1:
        raise LossCliError("only one input can come from stdin ('-')")
    if labels == "-" and models > 1:
        raise LossCliError("--labels - (stdin) is read once per model, so it works with one model only", hint="save the labels to a file first")
    if models > len(predictions) and reads_once(predictions[0]):
        where = "stdin ('-')" if predictions[0] == "-" else f"the pipe {predictions[0]}"
        raise LossCliError(
            f"{models} --pred-col models in one file read it once per model, and {where} can be read only once",
            hint="save it to a file and give the file's name",
        )
