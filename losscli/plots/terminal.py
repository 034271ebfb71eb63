"""Charts in the terminal, drawn with rich and nothing else.

Line charts use braille cells (2 x 4 dots per character) when colour tells
the series apart, and one marker character per series otherwise (NO_COLOR,
pipes), so a chart stays readable in plain text. Histograms and bar charts
are made of block characters. Every chart fits the width it is given.
"""

from __future__ import annotations

import io
import math
import os
from typing import Any, Sequence

import numpy as np

from ..errors import LossCliError
from .comparison import Bar, ComparisonChart
from .curves import CurveChart, Panel
from ..wording import path_end
from .distribution import DistributionChart

# The same colours as the PNG/SVG files (matplotlib's tab10), so a series looks
# alike in both; markers stand in for colour when there is none.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MARKERS = "*+xo#%@=~&"
MIN_WIDTH = 30
DEFAULT_WIDTH = 100
DEFAULT_HEIGHT = 14

# Braille dot bits by (row, column) inside a cell.
_BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BLOCKS = " ▏▎▍▌▋▊▉█"
_IMPROVED, _WORSE = "green", "red"


# =========================================================================== consoles


def chart_width(width: int | None = None) -> int:
    """The width to draw at: ``width``, else the terminal's (COLUMNS honoured)
    between 30 and 100. A terminal narrower than a chart can be gets the
    narrowest chart, which it wraps, rather than an error after the report."""
    import shutil

    if width is None:
        return max(MIN_WIDTH, min(shutil.get_terminal_size((80, 24)).columns, DEFAULT_WIDTH))
    if width < MIN_WIDTH:
        raise LossCliError(f"the chart needs at least {MIN_WIDTH} columns, got {width}", hint="widen the terminal or pass --width")
    return width


def terminal_console(stream: Any, *, width: int, colour: bool | None = None) -> Any:
    """A console writing to ``stream``; colour only on a terminal and without NO_COLOR.

    ``colour`` overrides the guess (pass the real stdout's terminal-ness when
    ``stream`` is a buffer).
    """
    from rich.console import Console

    if colour is None:
        colour = bool(getattr(stream, "isatty", lambda: False)())
    colour = colour and not os.environ.get("NO_COLOR")
    return Console(
        file=stream,
        width=width,
        force_terminal=colour,
        no_color=not colour,
        color_system="auto" if colour else None,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )


# Plain ASCII for a terminal whose encoding lacks the block and box characters
# (PYTHONIOENCODING=ascii, a latin-1 locale), which would otherwise print "?"
# for every bar: a partial block rounds the bar up to a whole "#".
_ASCII = str.maketrans(
    {**dict.fromkeys(_BLOCKS[1:], "#"), "–": "-", "─": "-", "┈": "-", "│": "|", "┤": "+", "└": "+", "┬": "+", "▼": "v", "▲": "^", "…": "~"}
)


def draws_unicode(stream: Any) -> bool:
    """Whether ``stream``'s encoding has the characters charts are drawn with."""
    import codecs

    try:
        encoding = codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name
        "█▏–─│┤└┬┈▼▲…⣿".encode(encoding)
    except (LookupError, UnicodeError):
        return False
    return True


def ascii_text(text: str) -> str:
    """A chart drawn in markers style, with its block and box characters in ASCII."""
    return text.translate(_ASCII)


def has_colour(console: Any) -> bool:
    return console.color_system is not None and not console.no_color


def render_text(chart: Any, *, width: int = 80, height: int | None = None, style: str = "markers") -> str:
    """The chart as plain text (no colour): for tests, logs and docs."""
    buffer = io.StringIO()
    draw(chart, terminal_console(buffer, width=width, colour=False), width=width, height=height, style=style)
    return buffer.getvalue()


def draw(chart: Any, console: Any, *, width: int | None = None, height: int | None = None, style: str = "auto") -> None:
    """Print any chart (curves, distribution, comparison) on ``console``.

    ``style`` is ``braille``, ``markers`` or ``auto`` (braille when the
    console has colour). ``width`` defaults to the console's.
    """
    width = chart_width(width or console.width)
    if style == "auto":
        style = "braille" if has_colour(console) else "markers"
    if style not in ("braille", "markers"):
        raise LossCliError(f"unknown chart style '{style}'", hint="braille, markers or auto")
    if isinstance(chart, CurveChart):
        parts = _curve_chart(chart, width, height or DEFAULT_HEIGHT, style)
    elif isinstance(chart, DistributionChart):
        parts = _distribution_chart(chart, width, height)
    elif isinstance(chart, ComparisonChart):
        parts = _comparison_chart(chart, width)
    else:
        raise TypeError(f"cannot draw {type(chart).__name__}")
    for part in parts:
        console.print(part, no_wrap=True, overflow="ignore", crop=False)


# =========================================================================== ticks


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) inside [low, high]."""
    step = nice_step(low, high, count)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value = first + len(ticks) * step
    return ticks


def nice_step(low: float, high: float, count: int) -> float:
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * magnitude >= raw * 0.999:
            return multiple * magnitude
    return 10.0 * magnitude


def tick_text(value: float, step: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-4:
        return f"{value:.2g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if not math.isclose(round(step, decimals), step, rel_tol=1e-9):
        decimals += 1
    return f"{value:.{decimals}f}"


def value_text(value: float | None) -> str:
    """A loss value in four significant digits; None (no value) as JSON's null,
    and an overflow as inf."""
    if value is None:
        return "null"
    return f"{value:.4g}"


# =========================================================================== line charts


class _Canvas:
    """Cells of a plot area; each cell remembers which series drew in it last."""

    def __init__(self, cols: int, rows: int, braille: bool) -> None:
        self.cols, self.rows = cols, rows
        self.braille = braille
        self.sub_x, self.sub_y = (2, 4) if braille else (1, 1)
        self.bits = np.zeros((rows, cols), dtype=np.int64)
        self.owner = np.full((rows, cols), -1, dtype=np.int64)

    @property
    def pixel_width(self) -> int:
        return self.cols * self.sub_x

    @property
    def pixel_height(self) -> int:
        return self.rows * self.sub_y

    def set(self, px: np.ndarray, py: np.ndarray, series: int) -> None:
        inside = (px >= 0) & (px < self.pixel_width) & (py >= 0) & (py < self.pixel_height)
        px, py = px[inside], py[inside]
        rows, cols = py // self.sub_y, px // self.sub_x
        if self.braille:
            bits = np.array(_BRAILLE_BITS)[py % 4, px % 2]
            np.bitwise_or.at(self.bits, (rows, cols), bits)
        else:
            self.bits[rows, cols] = 1
        self.owner[rows, cols] = series

    def segments(self, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, series: int) -> None:
        """Straight lines from (ax, ay) to (bx, by) in pixel coordinates, all at once."""
        if ax.size == 0:
            return
        steps = np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay))).astype(np.int64) + 1
        owner = np.repeat(np.arange(ax.size), steps + 1)
        starts = np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)
        t = (np.arange(owner.size) - starts) / steps[owner]
        px = np.rint(ax[owner] + (bx - ax)[owner] * t).astype(np.int64)
        py = np.rint(ay[owner] + (by - ay)[owner] * t).astype(np.int64)
        self.set(px, py, series)

    def cell(self, row: int, col: int) -> tuple[str, int]:
        owner = int(self.owner[row, col])
        if owner < 0:
            return " ", -1
        if self.braille:
            return chr(0x2800 + int(self.bits[row, col])), owner
        return MARKERS[owner % len(MARKERS)], owner


def _clip(xa: np.ndarray, ya: np.ndarray, xb: np.ndarray, yb: np.ndarray, low: float, high: float) -> tuple[np.ndarray, ...]:
    """The parts of the segments a-b with low <= y <= high (x is always in range)."""
    dy = yb - ya
    with np.errstate(divide="ignore", invalid="ignore"):
        t_low, t_high = (low - ya) / dy, (high - ya) / dy
    rising, falling = dy > 0, dy < 0
    t0 = np.where(rising, np.maximum(0.0, t_low), np.where(falling, np.maximum(0.0, t_high), 0.0))
    t1 = np.where(rising, np.minimum(1.0, t_high), np.where(falling, np.minimum(1.0, t_low), 1.0))
    flat_outside = (dy == 0) & ((ya < low) | (ya > high))
    keep = (t0 <= t1) & ~flat_outside
    t0, t1 = t0[keep], t1[keep]
    xa, ya, xb, dy = xa[keep], ya[keep], xb[keep], dy[keep]
    dx = xb - xa
    return xa + dx * t0, ya + dy * t0, xa + dx * t1, ya + dy * t1


def _y_range(panel: Panel) -> tuple[float, float]:
    if panel.y_range is not None:
        return panel.y_range
    values = np.concatenate([s.y[np.isfinite(s.y)] for s in panel.series] or [np.zeros(1)])
    if values.size == 0:
        return 0.0, 1.0
    low, high = float(values.min()), float(values.max())
    if 0 < low < 0.3 * high:
        low = 0.0  # a loss chart reads best from zero
    if low == high:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.04
    return low - (pad if low != 0 else 0.0), high + pad


def _curve_chart(chart: CurveChart, width: int, height: int, style: str) -> list[Any]:
    parts: list[Any] = _title(chart.title, width)
    labels = [s.label for s in chart.panels[0].series]
    for panel in chart.panels:
        parts.extend(_panel(panel, chart, width, max(height, 4), style))
    parts.append(_legend(labels, width, style))
    parts.extend(_notes(chart.notes, width))
    return parts


def _wrapped(text: str, width: int, style: str | None = None, indent: str = "") -> list[Any]:
    """Text wrapped to the chart's width: chart lines are never cut or wrapped by the console."""
    import textwrap

    from rich.text import Text

    return [Text(line, style=style) for line in textwrap.wrap(text, width, subsequent_indent=indent)]


def _title(text: str, width: int) -> list[Any]:
    return _wrapped(text, width, "bold")


def _notes(notes: Sequence[str], width: int) -> list[Any]:
    return [line for note in notes for line in _wrapped(f"note: {note}", width, "yellow", "  ")]


def _panel(panel: Panel, chart: CurveChart, width: int, rows: int, style: str) -> list[Any]:
    from rich.text import Text

    x0, x1 = chart.x_range
    y0, y1 = _y_range(panel)
    y_step = nice_step(y0, y1, max(3, min(6, rows // 3 + 1)))
    y_ticks = [v for v in nice_ticks(y0, y1, max(3, min(6, rows // 3 + 1)))]
    y_labels = [tick_text(v, y_step) for v in y_ticks]
    gutter = max(len(label) for label in y_labels) + 1
    cols = width - gutter - 2
    canvas = _Canvas(cols, rows, style == "braille")

    def pixel_x(x: Any) -> Any:
        return (x - x0) / (x1 - x0) * (canvas.pixel_width - 1)

    def pixel_y(y: Any) -> Any:
        return (y1 - y) / (y1 - y0) * (canvas.pixel_height - 1)

    for index, series in enumerate(panel.series):
        xs, ys = series.x, series.y
        finite = np.isfinite(ys)
        both = finite[:-1] & finite[1:]
        xa, ya, xb, yb = _clip(xs[:-1][both], ys[:-1][both], xs[1:][both], ys[1:][both], y0, y1)
        canvas.segments(pixel_x(xa), pixel_y(ya), pixel_x(xb), pixel_y(yb), index)
        # A point whose neighbours have no value is drawn on its own.
        lonely = finite & ~np.concatenate([[False], finite[:-1]]) & ~np.concatenate([finite[1:], [False]])
        lonely &= (ys >= y0) & (ys <= y1)
        canvas.set(np.rint(pixel_x(xs[lonely])).astype(np.int64), np.rint(pixel_y(ys[lonely])).astype(np.int64), index)

    tick_rows = {int(pixel_y(v) // canvas.sub_y): label for v, label in zip(y_ticks, y_labels)}
    zero_row = int(pixel_y(0.0) // canvas.sub_y) if y0 < 0 < y1 else None
    lines = [Text(" " * gutter + panel.y_label, style="italic")]
    for row in range(rows):
        line = Text(tick_rows.get(row, "").rjust(gutter - 1) + " ")
        line.append("┤" if row in tick_rows else "│", style="dim")
        _append_cells(line, canvas, row, style, zero_row == row)
        lines.append(line)
    lines.extend(_x_axis(x0, x1, gutter, cols, canvas.sub_x, chart.x_label))
    return lines


def _append_cells(line: Any, canvas: _Canvas, row: int, style: str, zero_row: bool) -> None:
    """One row of the plot area, appended in runs of the same colour (few rich spans)."""
    run, run_style = [], None
    for col in range(canvas.cols):
        char, owner = canvas.cell(row, col)
        if owner >= 0:
            cell_style = PALETTE[owner % len(PALETTE)] if style == "braille" else None
        elif zero_row:
            char, cell_style = "┈", "dim"
        else:
            cell_style = None
        if cell_style != run_style and run:
            line.append("".join(run), style=run_style)
            run = []
        run.append(char)
        run_style = cell_style
    if run:
        line.append("".join(run), style=run_style)


def _x_axis(x0: float, x1: float, gutter: int, cols: int, sub_x: int, label: str) -> list[Any]:
    from rich.text import Text

    step, ticks = _x_ticks(x0, x1, cols)
    axis = ["─"] * cols
    text = [" "] * (cols + gutter + 1)
    taken_until = -1
    for value in ticks:
        col = int(round((value - x0) / (x1 - x0) * (cols * sub_x - 1))) // sub_x
        col = min(max(col, 0), cols - 1)
        axis[col] = "┬"
        words = tick_text(value, step)
        start = gutter + 1 + col - len(words) // 2
        start = min(max(start, 0), len(text) - len(words))
        if start <= taken_until + 1:
            continue
        text[start : start + len(words)] = list(words)
        taken_until = start + len(words)
    line_axis = Text(" " * gutter + "└" + "".join(axis), style="dim")
    caption = label if len(label) <= cols else label[: cols - 1] + "…"
    centred = " " * (gutter + 1 + max(0, (cols - len(caption)) // 2)) + caption
    return [line_axis, Text("".join(text).rstrip()), Text(centred, style="italic")]


def _x_ticks(x0: float, x1: float, cols: int) -> tuple[float, list[float]]:
    """As many round ticks as fit with their labels apart (at least two columns between)."""
    for count in range(11, 2, -1):
        step = nice_step(x0, x1, count)
        ticks = nice_ticks(x0, x1, count)
        widest = max(len(tick_text(v, step)) for v in ticks)
        spacing = step / (x1 - x0) * cols
        if spacing >= widest + 2:
            return step, ticks
    step = nice_step(x0, x1, 3)
    return step, nice_ticks(x0, x1, 3)


def _legend(labels: Sequence[str], width: int, style: str) -> Any:
    from rich.text import Text

    legend = Text()
    used = 0
    for index, label in enumerate(labels):
        symbol = "⣿⣿" if style == "braille" else MARKERS[index % len(MARKERS)] * 2
        label = _fit(label, width - len(symbol) - 1)
        entry_width = len(symbol) + 1 + _cells(label)
        if used and used + 3 + entry_width > width:
            legend.append("\n")
            used = 0
        elif used:
            legend.append("   ")
            used += 3
        legend.append(symbol, style=PALETTE[index % len(PALETTE)] if style == "braille" else None)
        legend.append(" " + label)
        used += entry_width
    return legend


# =========================================================================== histograms


def _distribution_chart(chart: DistributionChart, width: int, height: int | None) -> list[Any]:
    from rich.text import Text

    bins = max(4, min(height or 12, 40))
    counts, edges = chart.histogram(bins)
    ranges = [f"{_edge(edges[i], edges[1] - edges[0])} – {_edge(edges[i + 1], edges[1] - edges[0])}" for i in range(bins)]
    range_width = max(len(r) for r in ranges)
    count_width = len(f"{counts.max():,}")
    marks_by_bin: dict[int, list[str]] = {}
    for name, value in chart.marks():
        index = int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0, bins - 1))
        marks_by_bin.setdefault(index, []).append(name)
    marks_width = max((len(" ".join(m)) for m in marks_by_bin.values()), default=0)
    bar_width = max(5, width - range_width - count_width - marks_width - 7)

    summary = "   ".join(f"{name} {value_text(value)}" for name, value in [*chart.marks(), ("max", chart.maximum)])
    parts: list[Any] = [*_title(chart.title, width), *_wrapped(summary, width)]
    parts.append(Text(f"{chart.loss} per {chart.row_label}".ljust(range_width) + "  " + f"{chart.row_label}s", style="dim"))
    for i in range(bins):
        line = Text(ranges[i].rjust(range_width) + "  ")
        line.append(_bar_text(counts[i], counts.max(), bar_width).ljust(bar_width), style="cyan")
        line.append(f" {counts[i]:>{count_width},}")
        if i in marks_by_bin:
            line.append("  " + " ".join(marks_by_bin[i]), style="bold yellow")
        parts.append(line)
    parts.extend(_worst_rows(chart, width))
    parts.extend(_notes(chart.notes, width))
    return parts


def _edge(value: float, bin_width: float) -> str:
    """A bin edge with as many decimals as the bin width needs (two significant)."""
    if abs(value) >= 1e5 or bin_width < 1e-4:
        return f"{value:.3g}"
    decimals = max(0, 1 - math.floor(math.log10(bin_width)))
    return f"{value:.{decimals}f}"


def _bar_text(count: float, largest: float, width: int) -> str:
    """A bar of eighth-blocks; any non-zero count gets at least one eighth."""
    if count <= 0 or largest <= 0:
        return ""
    eighths = max(1, int(round(count / largest * width * 8)))
    return "█" * (eighths // 8) + (_BLOCKS[eighths % 8] if eighths % 8 else "")


def _worst_rows(chart: DistributionChart, width: int) -> list[Any]:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    if not chart.worst:
        return []
    heading = f"worst {len(chart.worst)} {chart.row_label}{'s' if len(chart.worst) != 1 else ''}"
    if chart.worst_share is not None:
        heading += f": {100 * chart.worst_share:.1f}% of the total {chart.loss}"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(chart.row_label, justify="right", no_wrap=True)
    key_names = list(chart.worst[0].keys)
    key_width = max(8, width // 4)
    file_width = _file_width(chart, key_names, key_width, width)
    for name in key_names:
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=file_width if name == "file" else key_width)
    table.add_column(chart.loss, justify="right", no_wrap=True)
    for row in chart.worst:
        # A dataset's file is cut at its start, keeping the file's name.
        cells = (path_end(str(row.keys[name]), file_width) if name == "file" else str(row.keys[name]) for name in key_names)
        table.add_row(str(row.row), *cells, value_text(row.value))
    return [Text(heading, style="bold"), table]


def _file_width(chart: DistributionChart, key_names: list[str], key_width: int, width: int) -> int:
    """The room for a dataset's file: what the other columns leave of the
    width, so a path is cut only when it does not fit. The files of a hive
    or Spark dataset share their names (region=eu/part-0.parquet,
    region=us/part-0.parquet): the name alone does not tell them apart."""
    if "file" not in key_names:
        return key_width
    others = [
        max(len(chart.row_label), *(len(str(row.row)) for row in chart.worst)),
        max(len(chart.loss), *(len(value_text(row.value)) for row in chart.worst)),
        *(min(key_width, max(len(name), *(len(str(row.keys[name])) for row in chart.worst))) for name in key_names if name != "file"),
    ]
    # Three spaces between columns: a cell's padding on either side and the divider.
    return max(key_width, width - sum(others) - 3 * len(others))


# =========================================================================== bars


def _comparison_chart(chart: ComparisonChart, width: int) -> list[Any]:
    from rich.text import Text

    name_width = min(max(_cells(m) for m in chart.models), max(8, width // 4))
    value_width = max(len(value_text(bar.value)) for bar in chart.bars)
    delta_width = 0
    if chart.has_baseline:
        delta_width = max(len(_delta_text(bar)) for bar in chart.bars) + 2
    best_width = len("  best")
    bar_width = max(5, width - name_width - value_width - delta_width - best_width - 6)
    parts: list[Any] = _title(chart.title, width)
    if chart.has_baseline:
        parts.append(Text(f"change against {chart.baseline_label}: ▼ lower (better), ▲ higher (worse)", style="dim"))
    for loss in chart.losses:
        bars = chart.bars_of(loss)
        parts.append(Text(loss, style="bold"))
        scale = _scale([bar.value for bar in bars] + [bar.baseline for bar in bars])
        best = chart.best(loss)
        for bar in bars:
            colour = PALETTE[chart.models.index(bar.model) % len(PALETTE)]
            line = Text("  " + _pad(_fit(bar.model, name_width), name_width) + " ")
            line.append(_value_bar(bar.value, scale, bar_width), style=colour)
            line.append(" " + value_text(bar.value).rjust(value_width))
            if chart.has_baseline:
                line.append("  " + _delta_text(bar).ljust(delta_width - 2), style=_delta_style(bar))
            if bar.model in best:
                line.append("  best", style="bold green")
            parts.append(line)
    return parts


def _scale(values: Sequence[float | None]) -> tuple[float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    return (low, high) if high > low else (0.0, 1.0)


def _value_bar(value: float | None, scale: tuple[float, float], width: int) -> str:
    """A bar from zero to ``value``; negative values grow left of the zero mark."""
    if value is None or not math.isfinite(value):
        return "".ljust(width)
    low, high = scale
    if low >= 0:
        return _bar_text(value, high, width).ljust(width)
    zero = int(round(-low / (high - low) * width))
    length = int(round(abs(value) / (high - low) * width))
    if value < 0:
        start = zero - length
        return (" " * start + "█" * length + "│" + " " * width)[:width]
    return (" " * zero + "│" + "█" * length + " " * width)[:width]


def _delta_text(bar: Bar) -> str:
    if bar.baseline is None:
        return ""
    delta = bar.delta
    if delta is None:
        return "n/a"
    if delta == 0:
        return "= no change"
    arrow = "▼" if delta < 0 else "▲"
    pct = f" ({bar.delta_pct:+.1f}%)" if bar.delta_pct is not None else ""
    return f"{arrow} {delta:+.4g}{pct}"


def _delta_style(bar: Bar) -> str | None:
    delta = bar.delta
    if delta is None or delta == 0:
        return "dim"
    return _IMPROVED if delta < 0 else _WORSE


def _cells(text: str) -> int:
    """Terminal columns ``text`` takes: a CJK character or an emoji takes two."""
    from rich.cells import cell_len

    return cell_len(text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns, with … where it was cut."""
    if _cells(text) <= width:
        return text
    from rich.cells import set_cell_size

    return set_cell_size(text, width - 1).rstrip() + "…"


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (ljust counts characters)."""
    return text + " " * max(0, width - _cells(text))
