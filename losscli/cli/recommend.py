"""``losscli recommend``: which loss to use, and why."""

from __future__ import annotations

import io
import json
import sys
from typing import Annotated, Any, Optional

import typer

from .common import (
    INPUT,
    DecimalOpt,
    DelimiterOpt,
    FormatOpt,
    LabelColOpt,
    PredColOpt,
    SampleOpt,
    check_named_columns,
    check_named_paths,
    guarded,
    note,
    rendered,
    resolve_format,
)

TaskOpt = Annotated[
    Optional[str],
    typer.Option("--task", "-t", help="regression, classification, binary, multiclass, ranking, imbalance, segmentation, sequence or generative (aliases such as metric-learning, gan, seq2seq work).", show_default=False),
]
OutliersOpt = Annotated[bool, typer.Option("--outliers", help="The targets have outliers or heavy tails: rank robust losses up.")]
ImbalancedOpt = Annotated[bool, typer.Option("--imbalanced", help="The classes are imbalanced: rank focal and weighted losses up.")]
# Narrower than this, the recommendation table leaves out the two property columns.
_WIDTH_FOR_PROPERTIES = 80

DataOpt = Annotated[
    Optional[str],
    typer.Option("--data", "-d", help="A labels (and predictions) file: infer the task, class imbalance and outliers from it.", show_default=False),
]

# recommend reads one file: the shared help's sentence about a --labels file does not apply.
InputFormatOpt = Annotated[
    Optional[str],
    typer.Option("--input-format", help="csv, tsv, parquet, arrow or ndjson: how to read --data (default: from the file name).", rich_help_panel=INPUT),
]


@guarded
def recommend(
    task: TaskOpt = None,
    outliers: OutliersOpt = False,
    imbalanced: ImbalancedOpt = False,
    data: DataOpt = None,
    label_col: LabelColOpt = None,
    pred_col: PredColOpt = None,
    sample_col: SampleOpt = None,
    input_format: InputFormatOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = ".",
    fmt: FormatOpt = None,
) -> None:
    """Recommend losses for a task, ranked, with the reason for each.

    Encodes the loss-selection guide: its loss-by-task table, characteristics table and
    selection tips. Needs --task, --data or both.

    Examples:

      losscli recommend --task segmentation

      losscli recommend --task regression --outliers --format json

      losscli recommend --data labels.csv
    """
    from ..errors import LossCliError
    from ..knowledge import document as build

    if task is None and data is None:
        raise LossCliError(
            "recommend needs --task, --data or both",
            hint="e.g. losscli recommend --task regression, or --data labels.csv",
        )
    check_named_paths({"--data": data})
    check_named_columns({"--label-col": label_col, "--pred-col": pred_col, "--sample-col": sample_col, "--input-format": input_format, "--delimiter": delimiter})
    if data is None and (label_col or pred_col or sample_col or input_format or delimiter or decimal != "."):
        raise LossCliError("--label-col, --pred-col, --sample-col, --input-format, --delimiter and --decimal read the --data file; give --data FILE")
    document = build(
        task=task,
        outliers=outliers,
        imbalanced=imbalanced,
        data=data,
        label_col=label_col,
        pred_col=pred_col,
        sample_col=sample_col,
        input_format=input_format,
        delimiter=delimiter,
        decimal=decimal,
    )
    for flag in unused_flags(document, outliers, imbalanced):
        note(f"{flag} changes nothing for task {document['task']}: {UNUSED_WHY[flag]}")
    fmt_name = resolve_format(fmt)
    buffer = io.StringIO()
    if fmt_name == "json":
        buffer.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    elif fmt_name == "csv":
        buffer.write(csv_text(document))
    elif fmt_name == "markdown":
        buffer.write(markdown_text(document))
    else:
        buffer.write(rendered(lambda out: table(document, options(outliers, imbalanced), out), sys.stdout, table=True))
    sys.stdout.write(buffer.getvalue())


UNUSED_WHY = {
    "--imbalanced": "class imbalance is about classes, and the guide's imbalance advice (focal, weighted "
    "cross-entropy) is for losses that classify: classification, binary, multiclass, imbalance or segmentation",
    "--outliers": "none of its losses is rated for robustness to outliers",
}


def unused_flags(document: dict[str, Any], outliers: bool, imbalanced: bool) -> list[str]:
    """The condition flags no recommendation's reason cites (--imbalanced for
    regression, ranking, sequence or generative: the guide ties class imbalance
    to losses that classify), so the heading's "(--imbalanced)" is not read as
    having changed the ranking."""
    implied = {"imbalance": "--imbalanced"}.get(document["task"])  # --task imbalance is the flag's own task
    return [
        flag
        for flag in options(outliers, imbalanced)
        if flag != implied and not any(flag in item["reason"] for item in document["recommendations"])
    ]


def options(outliers: bool, imbalanced: bool) -> list[str]:
    return [flag for flag, on in (("--outliers", outliers), ("--imbalanced", imbalanced)) if on]


# --------------------------------------------------------------------------- renderings


def _yes_no(value: bool | None) -> str:
    from ..catalog import mark

    return mark(value)


def table(document: dict[str, Any], flags: list[str], stream: Any) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..render import make_console

    console = make_console(stream)
    heading = f"Recommended losses for task: {document['task']}"
    if flags:
        heading += f" ({' '.join(flags)})"
    console.print(heading, style="bold", highlight=False, markup=False)
    inferred = document["inferred"]
    if inferred is not None:
        console.print(f"Inferred: {inferred_text(inferred)}", highlight=False, markup=False)
        for line in inferred["evidence"]:
            console.print(f"  - {line}", highlight=False, soft_wrap=False, markup=False)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    recommendations = document["recommendations"]
    # On a narrow terminal the reasons keep their room; the two properties
    # are in --format json and in 'losscli list'.
    with_properties = console.width >= _WIDTH_FOR_PROPERTIES
    grid.add_column("rank", justify="right", no_wrap=True)
    grid.add_column("loss", style="bold", no_wrap=True, min_width=max((len(item["loss"]) for item in recommendations), default=4))
    if with_properties:
        grid.add_column("robust", justify="center", no_wrap=True)
        grid.add_column("smooth", justify="center", no_wrap=True)
    grid.add_column("reason", overflow="fold")
    for item in recommendations:
        props = item["properties"]
        properties = (_yes_no(props["robust_to_outliers"]), _yes_no(props["smooth_gradient"])) if with_properties else ()
        grid.add_row(str(item["rank"]), item["loss"], *properties, Text(item["reason"]))
    console.print(grid)
    # Commands below the table, one per line, so they copy and paste whole;
    # only those that run on the --data file as it is.
    console.print("commands:", style="bold", highlight=False, markup=False)
    for item in recommendations:
        if item["runs_on_data"] is not False:
            console.print(f"  {item['rank']:>2}. {item['command']}", highlight=False, soft_wrap=True, markup=False)
    failing = [item["loss"] for item in recommendations if item["runs_on_data"] is False]
    if failing:
        console.print(f"  left out (they do not run on this file as it is): {', '.join(failing)}", highlight=False, markup=False)


def inferred_text(inferred: dict[str, Any]) -> str:
    ratio = inferred["imbalance_ratio"]
    if ratio is not None:
        imbalance = f"majority:minority {ratio:.4g} ({'imbalanced' if inferred['imbalanced'] else 'not imbalanced'})"
    else:
        imbalance = "one class only" if inferred["imbalanced"] else "n/a"
    return f"task {inferred['task']}; class imbalance: {imbalance}; outliers: {'yes' if inferred['outliers'] else 'no'}"


def csv_text(document: dict[str, Any]) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "loss", "task", "reason", "tips", "robust_to_outliers", "smooth_gradient", "command", "runs_on_data"])
    for item in document["recommendations"]:
        props = item["properties"]
        writer.writerow(
            [
                item["rank"],
                item["loss"],
                document["task"],
                item["reason"],
                " | ".join(item["tips"]),
                _csv_bool(props["robust_to_outliers"]),
                _csv_bool(props["smooth_gradient"]),
                item["command"],
                _csv_bool(item["runs_on_data"]),
            ]
        )
    return buffer.getvalue()


def _csv_bool(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


def markdown_text(document: dict[str, Any]) -> str:
    from .. import markdown as md

    lines = [f"### Recommended losses for task {md.code(document['task'])}", ""]
    inferred = document["inferred"]
    if inferred is not None:
        lines += [f"Inferred from the data: {md.cell(inferred_text(inferred))}", ""]
        lines += [f"- {md.cell(line)}" for line in inferred["evidence"]] + [""]
    rows = (_markdown_cells(item) for item in document["recommendations"])
    lines += md.table(["Rank", "Loss", "Robust", "Smooth", "Reason", "Command"], [md.RIGHT, md.LEFT, md.CENTER, md.CENTER, md.LEFT, md.LEFT], rows)
    return md.document("\n".join(lines))


def _markdown_cells(item: dict[str, Any]) -> list[object]:
    from .. import markdown as md

    props = item["properties"]
    command = md.code(item["command"]) if item["runs_on_data"] is not False else "does not run on this file as it is (see the reason)"
    return [item["rank"], md.code(item["loss"]), _yes_no(props["robust_to_outliers"]), _yes_no(props["smooth_gradient"]), item["reason"], command]
