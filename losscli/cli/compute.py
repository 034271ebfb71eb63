"""``losscli compute``: losses on one prediction set."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ..errors import LossCliError, ThresholdBreached
from .plotting import PlotFileOpt, PlotOpt, RowCollector, chart_files, distribution_charts, emit, has_values_to_draw, tee
from .common import (
    AllowUnmatchedOpt,
    ByOpt,
    check_named_columns,
    check_named_paths,
    ConventionOpt,
    Engine,
    EngineOpt,
    ColOpt,
    DecimalOpt,
    DelimiterOpt,
    EpsOpt,
    FailAboveOpt,
    FailBelowOpt,
    Format,
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
    OutputOpt,
    PredColOpt,
    QuietOpt,
    Reduction,
    SampleOpt,
    SchedulerOpt,
    WeightOpt,
    global_params,
    guarded,
    note,
    output_target,
    parse_losses,
    parse_role_cols,
    rendered,
    check_report_name,
    resolve_format,
    silence_stdout,
    write_stdout,
)

LossOpt = Annotated[
    Optional[list[str]],
    typer.Option("--loss", "-L", help="Loss to compute: NAME or NAME:key=value,... (e.g. huber:delta=2). Repeatable.", rich_help_panel="Losses"),
]
ReductionOpt = Annotated[
    Reduction,
    typer.Option("--reduction", "-r", help="mean (default), sum, or none (per-row losses; see --per-row).", rich_help_panel="Losses"),
]
PerRowOpt = Annotated[
    Optional[str],
    typer.Option("--per-row", help="Also write per-row losses to FILE (.csv, .parquet, .feather/.arrow, .jsonl, .json, .md).", rich_help_panel="Output"),
]


@guarded
def compute(
    predictions: Annotated[str, typer.Argument(help="Prediction file: CSV/TSV (.gz/.bz2/.zst), Parquet file/dir/glob, Arrow/Feather, NDJSON, or '-' for stdin.", show_default=False)],
    loss: LossOpt = None,
    labels: LabelsOpt = None,
    key: KeyOpt = None,
    allow_unmatched: AllowUnmatchedOpt = False,
    pred_col: PredColOpt = None,
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
    reduction: ReductionOpt = Reduction.mean,
    per_row: PerRowOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_above: FailAboveOpt = None,
    fail_below: FailBelowOpt = None,
    plot: PlotOpt = False,
    plot_file: PlotFileOpt = None,
    convention: ConventionOpt = None,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compute losses on one prediction set.

    Examples:

      losscli compute preds.csv --loss mse --loss huber:delta=2

      losscli compute scores.parquet --labels truth.csv --key id --loss bce --from-logits --format json
    """
    from ..allocator import reuse_freed_memory
    from ..evaluation import check_thresholds, evaluate_file, parse_thresholds
    from ..io.numbers import decimal_given
    from ..io.plan import InputOptions
    from ..output import Interrupts, check_target, held, same_target
    from ..progress import enabled as progress_enabled
    from ..registry import check_reduction
    from ..render import render

    if not loss:
        raise LossCliError("give at least one --loss", hint="e.g. --loss mse; 'losscli list' shows every loss")
    check_named_paths({"PREDICTIONS": predictions, "--labels": labels, "--output": output, "--per-row": per_row, "--plot-file": plot_file})
    check_named_columns(
        {"--key": key, "--pred-col": pred_col, "--label-col": label_col, "--weight-col": weight_col, "--by": by, "--sample-col": sample_col,
         "--input-format": input_format, "--delimiter": delimiter, "--convention": convention, "--scheduler": scheduler}
    )
    output = output_target(output)
    reuse_freed_memory()
    shared = global_params(from_logits, eps, normalize)
    losses = parse_losses(loss, shared, convention)
    for bound in losses:
        check_reduction(bound, reduction.value)
    above = parse_thresholds(fail_above or [], "--fail-above", losses)
    below = parse_thresholds(fail_below or [], "--fail-below", losses)
    options = InputOptions(
        predictions=predictions,
        labels=labels,
        key=key,
        pred_cols=pred_col,
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
        keys_per_row=bool(key) and (reduction == Reduction.none or bool(per_row)),
    )
    inputs = [predictions] + ([labels] if labels else [])
    fmt_name = resolve_format(fmt, output)
    for target, option in ((output, "--output"), (per_row, "--per-row")):
        if target:
            check_target(target, inputs, option)
    if reduction != Reduction.none:
        check_report_name(output, fmt)
    if (plot or plot_file) and not any(has_values_to_draw(b, sample_col) for b in losses):
        raise LossCliError(
            "--plot shows per-row losses, and none of these losses has per-row values",
            hint="add a per-row loss such as mse or bce, or give --sample-col to draw dice, iou or tversky per sample",
        )
    if engine == Engine.dask and (plot or plot_file):
        # The chart is drawn from every row's loss, and those stay on the workers.
        raise LossCliError(
            f"{'--plot' if plot else '--plot-file'} draws per-row losses, which stay on the Dask workers: it needs --engine local",
            hint="drop it, or use --engine local; compare --plot draws the models' values on Dask too",
        )
    plot_files = chart_files(plot_file, [b.display for b in losses if has_values_to_draw(b, sample_col)], inputs)
    if output and per_row and same_target(output, per_row):
        raise LossCliError("--output and --per-row name the same file")
    if reduction == Reduction.none and output and per_row:
        # With --reduction none there is no summary report for --output to hold.
        raise LossCliError(
            "--reduction none writes only per-row values: give --output or --per-row, not both",
            hint="drop --reduction none to get both the summary and the per-row file",
        )
    if per_row == "-" and reduction != Reduction.none and not output:
        # Two documents on one stream would break every reader of either.
        raise LossCliError(
            "--per-row - and the summary would both go to stdout",
            hint="write the summary elsewhere with --output FILE, or use --reduction none for per-row values only",
        )

    writer = None
    collector = None
    unit = "row"
    rows_not_a_table = False
    if reduction == Reduction.none or per_row:
        from ..per_row import check_per_row_losses, per_row_format

        unit = check_per_row_losses(losses, sample_col)
        rows_to_stdout = per_row is None
        if rows_to_stdout and output:
            per_row = output
            output = None
        row_format = per_row_format(per_row, fmt_name)
        # Asked for by name, a table that is not one deserves the reason.
        rows_not_a_table = reduction == Reduction.none and fmt == Format.table and row_format == "csv"
    with Interrupts() as interrupts:
        try:
            if reduction == Reduction.none or per_row:
                from ..per_row import PerRowWriter

                # The writer makes its temp file: a signal before ``writer``
                # is set would leave the file with no one to remove it.
                with held():
                    writer = PerRowWriter(per_row, row_format, losses, by, sample_col, key)
            if engine == Engine.dask:
                if writer is not None and unit == "row":
                    raise LossCliError(
                        "per-row losses stay on the Dask workers: --per-row and --reduction none need --engine local"
                    )
                from ..distributed import evaluate_dask

                report, plan, accumulators = evaluate_dask(options, losses, reduction=reduction.value, scheduler=scheduler)
            else:
                if scheduler:
                    raise LossCliError("--scheduler is for --engine dask")
                collector = RowCollector(len(losses)) if plot or plot_file else None
                report, plan, accumulators = evaluate_file(
                    options,
                    losses,
                    reduction=reduction.value,
                    on_rows=tee(writer if writer is not None and unit == "row" else None, collector),
                    show_progress=progress_enabled(quiet),
                )
            if writer is not None and unit == "sample":
                per_sample = [acc.per_sample_values() for acc in accumulators]
                writer.write_samples(
                    per_sample[0][0],
                    [values for _, values in per_sample],
                    sample_col or "sample",
                    groups_as_text=plan.labels_are_text("by"),
                    samples_as_text=plan.labels_are_text("sample"),
                )
            if writer is not None:
                # Which rows hold no number: the summary's warning says only that the mean is not one.
                report.notes.extend(writer.notes())
            breaches = check_thresholds(report, above, below)
            document = None
            if reduction != Reduction.none:
                document = rendered(lambda out: render(report, fmt_name, out), None if output else sys.stdout, table=fmt_name == "table")
            # A Ctrl-C that a library swallowed still stops the run before anything is written.
            interrupts.check()
            _commit(writer, document, output)
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
    if collector is not None:
        # Per-row values on stdout (--reduction none, --per-row -) are a document too: the chart goes to stderr.
        rows_on_stdout = writer is not None and per_row in (None, "-")
        emit(
            distribution_charts(collector, losses, report, sample_col=sample_col, accumulators=accumulators),
            plot=plot,
            files=plot_files,
            to_stdout=fmt_name == "table" and not output and not rows_on_stdout,
            quiet=quiet,
        )
    # Diagnostics go to stderr whatever the format, so stdout holds only the report.
    for text in report.notes:
        note(text, quiet)
    if rows_not_a_table:
        from ..per_row import ROWS_NOT_A_TABLE

        note(ROWS_NOT_A_TABLE, quiet)
    if breaches:
        raise ThresholdBreached(breaches)


def _commit(writer: object | None, document: str | None, output: str | None) -> None:
    """Put the per-row file and the report in place together.

    Both are complete in temp files before either is moved, so a failure
    here (a full disk) rarely leaves one without the other. A report bound
    for a device or FIFO is written last, directly. Errors name the user's
    path. When the reader of stdout goes away (``| head``), what goes to
    stdout stops there but the run goes on: the report file is still
    written and the gates still set the exit code.
    """
    from ..output import discard, publish, stage_text, write_in_place, writes_in_place, writing

    staged = None
    try:
        with writing(output):
            if document is not None and output and not writes_in_place(output):
                staged = stage_text(output, document)
        if writer is not None and staged is not None and not writer.to_stream:
            writer.complete()
            _move_both(writer, staged, output)
            staged = None
            return
        if writer is not None:
            try:
                writer.finish()
            except BrokenPipeError:
                writer.abort()
                silence_stdout()
        with writing(output):
            if staged is not None:
                publish(staged, output)
                staged = None
            elif document is not None and output:
                write_in_place(output, document)
            elif document is not None:
                write_stdout(document)
    finally:
        discard(staged)


def _move_both(writer: object, staged: str, output: str) -> None:
    """Move the finished per-row file and report into place, both or
    neither when a Ctrl-C or SIGTERM comes: it waits until both are moved,
    and the message says what was written."""
    from ..output import held, publish, writing

    moved: list[str] = []
    try:
        with held():
            writer.finish()
            moved.append("the per-row file")
            with writing(output):
                publish(staged, output)
            moved.append("the report")
    except KeyboardInterrupt as stop:
        written = f"interrupted; {' and '.join(moved)} {'was' if len(moved) == 1 else 'were'} written" if moved else ""
        raise type(stop)(written) from None
