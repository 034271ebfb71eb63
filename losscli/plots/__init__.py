"""Pictures of losses: in the terminal (rich) and as PNG/SVG files (matplotlib).

Three kinds of chart, each built from data first and drawn second:

* :func:`curves` - each loss (and its gradient) as a function of one input,
  computed by the registered kernels through :func:`losscli.per_sample`;
* :func:`distribution` - a histogram of per-row losses with p50/p90/p99 and
  the worst rows, to see whether a mean is driven by a few outliers;
* :func:`comparison` - models side by side per loss, and their change
  against a baseline.

:func:`draw` prints any chart on a rich console; :func:`save` writes it to a
``.png`` or ``.svg`` file (needs ``pip install 'losscli[plot]'``).

    >>> from losscli import plots
    >>> chart = plots.curves(["mse", "mae", "huber"], gradient=True)
    >>> print(plots.render_text(chart, width=80))  # doctest: +SKIP
"""

from __future__ import annotations

from .comparison import Bar, ComparisonChart, comparison
from .curves import CurveChart, NotPlottable, Panel, Series, curves, parse_range, plottable_losses
from .distribution import DistributionChart, WorstRow, distribution
from .files import check_plot_file, file_format, save
from .terminal import chart_width, draw, render_text, terminal_console

__all__ = [
    "Bar",
    "ComparisonChart",
    "CurveChart",
    "DistributionChart",
    "NotPlottable",
    "Panel",
    "Series",
    "WorstRow",
    "chart_width",
    "check_plot_file",
    "comparison",
    "curves",
    "distribution",
    "draw",
    "file_format",
    "parse_range",
    "plottable_losses",
    "render_text",
    "save",
    "terminal_console",
]
