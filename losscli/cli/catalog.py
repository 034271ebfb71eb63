"""``losscli list`` and ``losscli info``: the registry, for people and scripts."""

from __future__ import annotations

import io
import json
import sys
from typing import Annotated, Any, Optional

import typer

from .common import DocumentFormatOpt, FormatOpt, guarded, rendered, resolve_format

ListTaskOpt = Annotated[
    Optional[str],
    typer.Option("--task", "-t", help="Only the losses for this task (aliases such as metric-learning, gan work).", show_default=False),
]


def _emit(render: Any) -> None:
    sys.stdout.write(rendered(render, sys.stdout, table=True))


# --------------------------------------------------------------------------- list


@guarded
def list_losses(task: ListTaskOpt = None, fmt: FormatOpt = None) -> None:
    """List every loss: family, tasks, inputs and characteristics.

    Examples:

      losscli list

      losscli list --task segmentation --format json
    """
    from ..catalog import SCHEMA, summary
    from ..registry import all_specs, losses_for_task, resolve_task

    canonical = resolve_task(task) if task is not None else None
    specs = losses_for_task(canonical) if canonical else all_specs()
    fmt_name = resolve_format(fmt)
    if fmt_name == "json":
        document = {"schema": SCHEMA, "task": canonical, "losses": [summary(spec) for spec in specs]}
        _emit(lambda out: out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n"))
    elif fmt_name == "csv":
        _emit(lambda out: out.write(_list_csv(specs)))
    elif fmt_name == "markdown":
        _emit(lambda out: out.write(_list_markdown(specs)))
    else:
        _emit(lambda out: _list_table(specs, canonical, out))


def _list_rows(specs: list[Any]) -> list[list[Any]]:
    from ..catalog import PROPERTY_KEYS, inputs_text

    rows = []
    for spec in specs:
        values = spec.characteristics.as_dict()
        rows.append(
            [spec.name, ", ".join(spec.aliases), spec.family, ", ".join(spec.tasks), inputs_text(spec)]
            + [values[key] for key in PROPERTY_KEYS]
        )
    return rows


_LIST_HEADER = ["loss", "aliases", "family", "tasks", "inputs", "robust to outliers", "smooth gradient", "use in classification", "use in regression"]
# The table is read on terminals: short titles for the four ✔/✘ columns, explained below it.
_TABLE_TITLES = {"robust to outliers": "robust", "smooth gradient": "smooth", "use in classification": "classif.", "use in regression": "regress."}
# The terminal width each optional column needs; narrower, it is left out
# rather than squeezed into slivers (every column is in 'info' and in
# --format json/csv/markdown). The loss and its four marks always show.
_WIDTH_FOR_COLUMN = {"aliases": 160, "tasks": 120, "inputs": 120, "family": 80}
_LEGEND = (
    "robust = robust to outliers, smooth = smooth gradient, classif./regress. = use in classification/regression; "
    "✔/✘ from the guide's characteristics table where it rates the loss, else losscli's rating"
)


def _list_table(specs: list[Any], task: str | None, stream: Any) -> None:
    from rich.text import Text

    from ..catalog import mark
    from ..render import make_console, table_width_limit
    from ..table_layout import FOLD, WORDS, Column, Layout, Row, print_fitted

    console = make_console(stream)
    shown = [t for t in _LIST_HEADER if console.width >= _WIDTH_FOR_COLUMN.get(t, 0)]
    columns = []
    for title in shown:
        if title in _TABLE_TITLES:
            # A short title may break anywhere on a narrow terminal: a cut
            # title ("r…") or a column left out would hide which mark is which.
            columns.append(Column(_TABLE_TITLES[title], justify="center", header_breaks=FOLD))
        elif title in ("loss", "family"):
            # Names are never cut short on a narrow terminal: the other columns give way.
            columns.append(Column(title, style="bold" if title == "loss" else None))
        else:
            columns.append(Column(title, cells_break=WORDS))
    layout = Layout(columns)
    for row in _list_rows(specs):
        cells = dict(zip(_LIST_HEADER, row))
        layout.rows.append(Row([mark(cells[t]) if t in _TABLE_TITLES else Text(str(cells[t])) for t in shown]))
    print_fitted(console, [layout], limit=table_width_limit(console, stream))
    where = f" for task {task}" if task else ""
    console.print(f"{len(specs)} losses{where}. {_LEGEND}. 'losscli info LOSS' shows one in full.", highlight=False, markup=False)


def _list_csv(specs: list[Any]) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["loss", "aliases", "family", "tasks", "inputs", "robust_to_outliers", "smooth_gradient", "use_in_classification", "use_in_regression"])
    for row in _list_rows(specs):
        writer.writerow([row[0], ";".join(row[1].split(", ")) if row[1] else "", row[2], ";".join(row[3].split(", ")), ";".join(row[4].split(", "))] + ["" if v is None else str(v).lower() for v in row[5:]])
    return buffer.getvalue()


def _list_markdown(specs: list[Any]) -> str:
    from .. import markdown as md
    from ..catalog import mark

    rows = ([md.code(row[0]), row[1], row[2], row[3], row[4]] + [mark(v) for v in row[5:]] for row in _list_rows(specs))
    return md.document("\n".join(md.table(_LIST_HEADER, [md.LEFT] * 5 + [md.CENTER] * 4, rows)))


# --------------------------------------------------------------------------- info


@guarded
def info(
    loss: Annotated[str, typer.Argument(help="Loss name or alias (see 'losscli list'); a spec such as huber:delta=2 shows its loss.", show_default=False)],
    fmt: DocumentFormatOpt = None,
    conventions: Annotated[
        bool,
        typer.Option("--conventions", help="How PyTorch, Keras, scikit-learn, optax and MONAI define this loss, and the value each gives on a worked example."),
    ] = False,
) -> None:
    """Show one loss in full: formula, parameters, inputs, characteristics, reference.

    Examples:

      losscli info huber

      losscli info jaccard --format json

      losscli info bce --conventions
    """
    from ..catalog import SCHEMA, describe
    from ..registry import parse_explicit

    # A spec copied from a command line (huber:delta=2) shows its loss; its
    # parameters are checked as --loss checks them.
    spec, _ = parse_explicit(loss)
    if conventions:
        _conventions(spec.name, resolve_format(fmt))
        return
    document = describe(spec)
    fmt_name = resolve_format(fmt)
    if fmt_name == "json":
        payload = {"schema": SCHEMA, **document}
        _emit(lambda out: out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n"))
    elif fmt_name == "markdown":
        _emit(lambda out: out.write(_info_markdown(document)))
    else:
        _emit(lambda out: _info_table(document, out))


def _characteristic_rows(document: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    from ..catalog import PROPERTY_KEYS, PROPERTY_TITLES

    values = document["characteristics"]
    notes = values.get("notes", {})
    note_of = {"robust_to_outliers": notes.get("robust", ""), "smooth_gradient": notes.get("smooth", "")}
    return [(PROPERTY_TITLES[key], values[key], note_of.get(key, "")) for key in PROPERTY_KEYS]


def _info_table(document: dict[str, Any], stream: Any) -> None:
    from rich.table import Table

    from rich.text import Text

    from ..catalog import default_text, mark
    from ..render import make_console, table_width_limit
    from ..table_layout import WORDS, Column, Layout, Row, print_fitted

    console = make_console(stream)
    aliases = f"  (aliases: {', '.join(document['aliases'])})" if document["aliases"] else ""
    console.print(f"{document['name']}{aliases}", style="bold", highlight=False, markup=False)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("family", Text(document["family"]))
    facts.add_row("tasks", Text(", ".join(document["tasks"])))
    facts.add_row("formula", Text(document["formula"]))
    facts.add_row("description", Text(document["description"]))
    facts.add_row("use cases", Text(document["use_cases"]))
    facts.add_row("reference", Text(document["reference"]))
    streams = "yes (constant memory, any file size)" if document["streams"] else "no (needs every value in memory at once)"
    facts.add_row("streams", Text(f"{streams}; kind {document['kind']}"))
    console.print(facts)

    # The terminal's width is shared as compare's tables share it: names,
    # defaults and options keep their whole width, ranges and meanings break
    # between words, and nothing is cut short on a narrow terminal.
    limit = table_width_limit(console, stream)
    if document["parameters"]:
        params = Layout([Column("name"), Column("default"), Column("range", cells_break=WORDS), Column("meaning", cells_break=WORDS)])
        for p in document["parameters"]:
            meaning = p["help"] + (f" (global switch {p['cli_switch']})" if p["cli_switch"] else "")
            params.rows.append(Row([Text(c) for c in (p["name"], default_text(p["default"]), p["range"], meaning)]))
        console.print("parameters", highlight=False, markup=False)
        print_fitted(console, [params], limit=limit)
    else:
        console.print("parameters: none", highlight=False, markup=False)

    roles = Layout(
        [Column("role"), Column("default columns", cells_break=WORDS), Column("shape"), Column("option"), Column("meaning", cells_break=WORDS)]
    )
    for r in document["inputs"]:
        name = f"{r['name']} (optional)" if r["optional"] else r["name"]
        roles.rows.append(Row([Text(c) for c in (name, ", ".join(r["default_columns"]), r["shape"], r["option"], r["help"])]))
    console.print("inputs", highlight=False, markup=False)
    print_fitted(console, [roles], limit=limit)

    rated = document["characteristics"]["rated_by"]
    console.print(f"characteristics (rated by {rated})", highlight=False, markup=False)
    traits = Layout([Column("property"), Column("", justify="center"), Column("note", cells_break=WORDS)])
    for title, value, note in _characteristic_rows(document):
        traits.rows.append(Row([Text(title), mark(value), Text(note)]))
    print_fitted(console, [traits], limit=limit)

    for note in document["notes"]:
        console.print(f"note: {note}", highlight=False, markup=False)
    if document["example"]:
        console.print(f"example: {document['example']}", highlight=False, soft_wrap=True, markup=False)
    if document["sample_command"]:
        console.print(f"try it (from the project directory): {document['sample_command']}", highlight=False, soft_wrap=True, markup=False)


def _info_markdown(document: dict[str, Any]) -> str:
    from .. import markdown as md
    from ..catalog import default_text, mark

    lines = [f"## `{document['name']}`", ""]
    if document["aliases"]:
        lines += ["Aliases: " + ", ".join(f"`{a}`" for a in document["aliases"]), ""]
    lines += [
        f"- **Family:** {document['family']}",
        f"- **Tasks:** {', '.join(document['tasks'])}",
        f"- **Formula:** `{document['formula']}`",
        f"- **Reference:** {document['reference']}",
        f"- **Streams:** {'yes' if document['streams'] else 'no'} (kind `{document['kind']}`)",
        "",
        document["description"],
        "",
        f"**Use cases:** {document['use_cases']}",
        "",
        "### Parameters",
        "",
    ]
    if document["parameters"]:
        parameters = ([md.code(p["name"]), md.code(default_text(p["default"])), p["range"], p["help"]] for p in document["parameters"])
        lines += md.table(["Name", "Default", "Range", "Meaning"], [md.LEFT] * 4, parameters)
    else:
        lines.append("None.")
    roles = (
        [md.markup(md.code(r["name"]), " (optional)" if r["optional"] else ""), md.joined(", ", (md.code(c) for c in r["default_columns"])), r["shape"], md.code(r["option"]), r["help"]]
        for r in document["inputs"]
    )
    lines += ["", "### Inputs", ""] + md.table(["Role", "Default columns", "Shape", "Option", "Meaning"], [md.LEFT] * 5, roles)
    lines += ["", f"### Characteristics (rated by {document['characteristics']['rated_by']})", ""]
    lines += md.table(["Property", "", "Note"], [md.LEFT, md.CENTER, md.LEFT], ([title, mark(value), note] for title, value, note in _characteristic_rows(document)))
    if document["notes"]:
        lines += ["", "### Notes", ""] + [f"- {note}" for note in document["notes"]]
    examples = [c for c in (document["example"], document["sample_command"]) if c]
    if examples:
        lines += ["", "### Example", "", "```sh"] + examples + ["```"]
    return md.document("\n".join(lines))


# --------------------------------------------------------------------------- info --conventions


def _conventions(name: str, fmt: str) -> None:
    from ..catalog import SCHEMA
    from ..conventions import table
    from ..render import number

    rows = table(name)
    example = next((r["example"] for r in rows if r["example"]), "")
    if fmt == "json":
        payload = {"schema": SCHEMA, "loss": name, "example": example, "conventions": rows}
        _emit(lambda out: out.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"))
        return

    def what(row: dict[str, Any]) -> str:
        return row["difference"] if row["available"] else f"not available: {row['reason']}"

    if fmt == "markdown":
        from .. import markdown as md

        cells = ([row["library"], number(row["value"]) if row["available"] else "n/a", row["reference"], what(row)] for row in rows)
        lines = [f"**{name}** under each library's convention; worked example: {md.cell(example)}", ""]
        lines += md.table(["convention", "value", "reference", "difference"], [md.LEFT, md.RIGHT, md.LEFT, md.LEFT], cells)
        _emit(lambda out: out.write("\n".join(lines) + "\n"))
        return

    def draw(out: Any) -> None:
        from rich import box
        from rich.table import Table

        from ..render import make_console

        console = make_console(out)
        console.print(f"{name} under each library's convention", style="bold", markup=False)
        console.print(f"worked example: {example}", markup=False)
        grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column, justify in (("convention", "left"), ("value", "right"), ("weighted mean", "left"), ("difference from losscli / reference", "left")):
            grid.add_column(column, justify=justify, overflow="fold")
        for row in rows:
            value = number(row["value"]) if row["available"] else "n/a"
            detail = what(row) + (f"  [{row['reference']}]" if row["available"] and row["reference"] else "")
            grid.add_row(row["library"], value, row["weighted_mean"] or "", detail)
        console.print(grid, markup=False)
        caveats = [f"{row['library']}: {c}" for row in rows for c in row["caveats"]]
        for line in caveats:
            console.print(f"note: {line}", markup=False)

    _emit(draw)
