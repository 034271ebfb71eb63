"""Charts as PNG or SVG files, through matplotlib (the optional ``losscli[plot]`` extra).

matplotlib is imported only here, only when a file is written, and used
without pyplot: a bare ``Figure`` renders through the Agg/SVG canvases, so
nothing needs a display and no global state is touched. SVG text stays text
(searchable, and testable), and files are written atomically.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from ..errors import LossCliError
from .comparison import ComparisonChart
from .curves import CurveChart
from .distribution import DistributionChart
from .terminal import PALETTE, value_text

FILE_FORMATS = {".png": "png", ".svg": "svg"}
INSTALL = "pip install 'losscli[plot]'"
_LINESTYLES = ("-", "--", "-.", ":")
_DPI = 125


def file_format(path: str) -> str:
    """``png`` or ``svg`` from the file name, or an error naming the choices."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FILE_FORMATS:
        raise LossCliError(f"cannot tell the picture format of '{path}'", hint="name the file .png or .svg")
    return FILE_FORMATS[suffix]


def require_matplotlib() -> Any:
    """matplotlib, or an error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise LossCliError("writing PNG or SVG files needs matplotlib", hint=f"install it with: {INSTALL}") from None
    try:
        # The parts a file needs, compiled extensions among them: a broken
        # install (built for another numpy) fails here, before any work,
        # not after the report with an internal error.
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.backends.backend_svg  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except ImportError as error:
        raise LossCliError(
            f"matplotlib is installed but does not load: {error}", hint=f"reinstall it with: pip install --force-reinstall {INSTALL[len('pip install '):]}"
        ) from None
    return matplotlib


def check_plot_file(path: str, inputs: list[str] | None = None, option: str = "--output") -> str:
    """Everything about an output picture that can fail before any work is done."""
    from ..output import check_target

    fmt = file_format(path)
    check_target(path, inputs or [], option)
    require_matplotlib()
    return fmt


def save(chart: Any, path: str) -> None:
    """Write any chart (curves, distribution, comparison) to ``path`` (.png or .svg)."""
    from ..output import atomic_writer

    fmt = file_format(path)
    figure = figure_of(chart)
    matplotlib = require_matplotlib()
    # Text as <text> elements, and no random ids or dates: the same chart gives the same bytes.
    settings = {"svg.fonttype": "none", "svg.hashsalt": "losscli"}
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context(settings), warnings.catch_warnings(), atomic_writer(path, binary=True) as handle:
        # A model name in a script the bundled font lacks (CJK) would print a
        # warning per character: in SVG the viewer's fonts draw it anyway, and
        # a PNG shows a box, which a warning on stderr does not mend.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from", category=UserWarning)
        figure.savefig(handle, format=fmt, dpi=_DPI, metadata=metadata)


def figure_of(chart: Any) -> Any:
    """A matplotlib Figure of the chart (not attached to pyplot)."""
    require_matplotlib()
    if isinstance(chart, CurveChart):
        return _curve_figure(chart)
    if isinstance(chart, DistributionChart):
        return _distribution_figure(chart)
    if isinstance(chart, ComparisonChart):
        return _comparison_figure(chart)
    raise TypeError(f"cannot draw {type(chart).__name__}")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


# =========================================================================== curves


def _curve_figure(chart: CurveChart) -> Any:
    panels = len(chart.panels)
    figure = _figure(8.0, 4.2 + 3.2 * (panels - 1))
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    figure.suptitle(chart.title, fontweight="bold")
    for ax, panel in zip(axes, chart.panels):
        for index, series in enumerate(panel.series):
            ax.plot(
                series.x,
                series.y,
                label=series.label,
                color=PALETTE[index % len(PALETTE)],
                linestyle=_LINESTYLES[(index // len(PALETTE) + index) % len(_LINESTYLES)],
                linewidth=1.8,
            )
        if panel.y_range is not None:
            ax.set_ylim(*panel.y_range)
        ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
        ax.set_ylabel(panel.y_label)
        ax.grid(True, alpha=0.3)
    axes[0].set_xlim(*chart.x_range)
    axes[-1].set_xlabel(chart.x_label)
    axes[0].legend(loc="best", fontsize="small", framealpha=0.9)
    if chart.notes:
        figure.supxlabel("\n".join(f"note: {note}" for note in chart.notes), fontsize="x-small", color="0.35")
    return figure


# =========================================================================== histograms


def _distribution_figure(chart: DistributionChart) -> Any:
    figure = _figure(9.0, 4.8)
    grid = figure.add_gridspec(1, 2, width_ratios=(2.6, 1))
    ax = figure.add_subplot(grid[0, 0])
    side = figure.add_subplot(grid[0, 1])
    figure.suptitle(chart.title, fontweight="bold")

    counts, edges = chart.histogram(min(40, max(10, int(math.sqrt(chart.n)) * 2)))
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=PALETTE[0], edgecolor="white", linewidth=0.5)
    if counts.max() > 20 * max(counts[counts > 0].min(), 1):
        # A long tail: on a linear axis the few outlying rows would be invisible.
        ax.set_yscale("log")
        ax.set_ylabel(f"{chart.row_label}s (log scale)")
    else:
        ax.set_ylabel(f"{chart.row_label}s")
    ax.set_xlabel(f"{chart.loss} per {chart.row_label}")
    ax.grid(True, axis="y", alpha=0.3)
    mark_colours = {"mean": "black", "p50": PALETTE[2], "p90": PALETTE[1], "p99": PALETTE[3]}
    for name, value in chart.marks():
        ax.axvline(value, color=mark_colours.get(name, "0.3"), linestyle="--" if name == "mean" else "-", linewidth=1.4, label=f"{name} = {value_text(value)}")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    fullest = int(np.argmax(counts))
    if counts[fullest] > 0.5 * chart.n * chart.row_weight and chart.n >= 20:
        _zoom(ax, chart, (float(edges[fullest]), float(edges[fullest + 1])), mark_colours)

    side.axis("off")
    side.set_title(_worst_heading(chart), fontsize="medium", loc="left")
    lines = []
    median = chart.quantiles["p50"]
    if median > 0 and chart.mean > 0:
        lines.append(f"mean = {chart.mean / median:.3g} x median\n")
    key_names = list(chart.worst[0].keys) if chart.worst else []
    for row in chart.worst:
        keys = "  ".join(f"{name}={row.keys[name]}" for name in key_names)
        lines.append(f"{chart.row_label} {row.row}: {value_text(row.value)}" + (f"\n    {keys}" if keys else ""))
    side.text(0.0, 1.0, "\n".join(lines) or "(none)", va="top", ha="left", family="monospace", fontsize="small", transform=side.transAxes)
    if chart.notes:
        # Under the whole figure, one line each: the side panel is too narrow
        # for a long note, and notes placed there would be drawn over each other.
        figure.supxlabel("\n".join(f"note: {note}" for note in chart.notes), fontsize="x-small", color="0.35")
    return figure


def _zoom(ax: Any, chart: DistributionChart, bounds: tuple[float, float], mark_colours: dict[str, str]) -> None:
    """An inset of the fullest bar: where most rows are when a long tail squeezes them into one."""
    low, high = bounds
    bulk = chart.values[(chart.values >= low) & (chart.values <= high)]
    inset = ax.inset_axes((0.25, 0.3, 0.42, 0.5), zorder=10)
    inset.set_facecolor("white")
    inset.hist(bulk, bins=20, range=bounds, weights=np.full(len(bulk), chart.row_weight), color=PALETTE[0], edgecolor="white", linewidth=0.5)
    for name, value in chart.marks():
        if low <= value <= high:
            inset.axvline(value, color=mark_colours.get(name, "0.3"), linestyle="--" if name == "mean" else "-", linewidth=1.2)
    rows = f"about {len(bulk) * chart.row_weight:,}" if chart.row_weight > 1 else f"{len(bulk)}"
    inset.set_title(f"zoom: the {rows} {chart.row_label}s up to {value_text(high)}", fontsize="x-small")
    inset.tick_params(labelsize="x-small")


def _worst_heading(chart: DistributionChart) -> str:
    heading = f"worst {len(chart.worst)} {chart.row_label}s"
    if chart.worst_share is not None:
        heading += f"\n{100 * chart.worst_share:.1f}% of the total loss"
    return heading


# =========================================================================== bars


def _comparison_figure(chart: ComparisonChart) -> Any:
    count = len(chart.losses)
    columns = 2 if count == 4 else min(count, 3)
    rows = math.ceil(count / columns)
    figure = _figure(max(4.0, 3.2 * columns), 0.6 + 3.0 * rows)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    figure.suptitle(chart.title, fontweight="bold")
    for ax, loss in zip(axes, chart.losses):
        _loss_bars(ax, chart, loss)
    for ax in axes[count:]:
        ax.axis("off")
    if chart.has_baseline:
        figure.supxlabel(f"black tick: {chart.baseline_label}; percentages: change against it (green lower, red higher)", fontsize="x-small", color="0.35")
    return figure


def _loss_bars(ax: Any, chart: ComparisonChart, loss: str) -> None:
    bars = chart.bars_of(loss)
    positions = np.arange(len(bars))
    values = [bar.value if bar.value is not None else np.nan for bar in bars]
    colours = [PALETTE[chart.models.index(bar.model) % len(PALETTE)] for bar in bars]
    ax.bar(positions, values, color=colours, width=0.7)
    ax.set_title(loss, fontsize="medium")
    ax.set_xticks(positions, [bar.model for bar in bars], rotation=20 if len(bars) > 3 else 0, ha="right" if len(bars) > 3 else "center", fontsize="small")
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.grid(True, axis="y", alpha=0.3)
    ax.margins(y=0.18)
    best = chart.best(loss)
    for position, bar in zip(positions, bars):
        top = bar.value if bar.value is not None else 0.0
        label = value_text(bar.value) + ("  (best)" if bar.model in best else "")
        if bar.baseline is not None:
            ax.hlines(bar.baseline, position - 0.4, position + 0.4, color="black", linewidth=2)
            if bar.delta_pct is not None:
                label += f"\n{bar.delta_pct:+.1f}%"
        colour = "0.2" if bar.delta is None or bar.delta == 0 else (PALETTE[2] if bar.delta < 0 else PALETTE[3])
        ax.annotate(label, (position, max(top, bar.baseline or top)), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize="x-small", color=colour)
