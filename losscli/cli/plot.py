"""``losscli plot``: pictures of losses in the terminal or as PNG/SVG files.

Registered on the main app with ``app.add_typer(plot_app, name="plot")``.
numpy, rich and matplotlib are imported inside the command bodies only.
"""

from __future__ import annotations

import io
import sys
from typing import Annotated, Optional

import typer

from .common import LOSSES, EpsOpt, OneLineUsageErrors, guarded, note

CHART = "Chart"

plot_app = typer.Typer(
    name="plot",
    help="Draw losses: in the terminal, or as PNG/SVG files with --output.",
    no_args_is_help=True,
    cls=OneLineUsageErrors,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@plot_app.callback()
def _plot() -> None:
    """Draw losses: in the terminal, or as PNG/SVG files with --output (needs `pip install 'losscli[plot]'`)."""


RangeOpt = Annotated[
    Optional[str],
    typer.Option("--range", "-x", help="x-axis range LOW,HIGH (default: -3,3 for residuals, 0.01,1 for probabilities, ...).", rich_help_panel=CHART),
]
YRangeOpt = Annotated[Optional[str], typer.Option("--y-range", help="Fix the loss axis to LOW,HIGH.", rich_help_panel=CHART)]
GradientOpt = Annotated[bool, typer.Option("--gradient", "-g", help="Also draw each loss's derivative along the x-axis.", rich_help_panel=CHART)]
YTrueOpt = Annotated[
    Optional[float],
    typer.Option("--y-true", help="Regression: the target held fixed while the prediction varies (default 0; 3 for msle, mape, poisson).", rich_help_panel=CHART),
]
PointsOpt = Annotated[int, typer.Option("--points", help="Points per curve.", min=3, max=100_000, rich_help_panel=CHART)]
TitleOpt = Annotated[Optional[str], typer.Option("--title", help="Chart title.", rich_help_panel=CHART)]
PictureOpt = Annotated[
    Optional[str],
    typer.Option("--output", "-o", help="Write the chart to FILE (.png or .svg) instead of the terminal; needs matplotlib.", rich_help_panel="Output"),
]
WidthOpt = Annotated[Optional[int], typer.Option("--width", help="Terminal chart width in columns (default: the terminal's, COLUMNS, at most 100).", rich_help_panel="Output")]
HeightOpt = Annotated[Optional[int], typer.Option("--height", help="Terminal chart height in lines, per panel.", min=4, max=200, rich_help_panel="Output")]
# No file is read here, so no column name can say what the x-axis is: a plain switch.
CurveFromLogitsOpt = Annotated[bool, typer.Option("--from-logits", help="Predictions are logits/raw scores; sigmoid or softmax is applied stably.", rich_help_panel=LOSSES)]


@plot_app.command("curves", no_args_is_help=True)
@guarded
def curves(
    losses: Annotated[list[str], typer.Argument(help="Losses to draw on one chart: NAME or NAME:key=value (focal:gamma=2).", show_default=False)],
    x_range: RangeOpt = None,
    gradient: GradientOpt = False,
    y_true: YTrueOpt = None,
    y_range: YRangeOpt = None,
    from_logits: CurveFromLogitsOpt = False,
    eps: EpsOpt = None,
    points: PointsOpt = 401,
    title: TitleOpt = None,
    output: PictureOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
) -> None:
    """Each loss (and with --gradient its derivative) as a function of one input.

    Regression losses against the residual y_pred - y_true; probability losses
    (bce, cce, focal, ...) against the predicted probability of the true class,
    or against the margin with --from-logits; hinge losses against the margin
    y*s; contrastive and cosine_embedding against the pair's distance or cosine.

    Examples:

      losscli plot curves mse mae huber log_cosh --gradient

      losscli plot curves bce focal:gamma=0.5,alpha=-1 focal:gamma=2,alpha=-1

      losscli plot curves hinge squared_hinge bce --from-logits --range -2,3 -o margins.svg
    """
    from ..plots import check_plot_file, curves as make_curves, parse_range
    from .common import global_params

    if output:
        check_plot_file(output)
    chart = make_curves(
        losses,
        x_range=parse_range(x_range, "--range") if x_range else None,
        gradient=gradient,
        points=points,
        y_true=y_true,
        y_range=parse_range(y_range, "--y-range") if y_range else None,
        global_params=global_params(from_logits or None, eps, False),
        title=title,
    )
    show(chart, output=output, width=width, height=height)


def show(chart: object, *, output: str | None, width: int | None, height: int | None) -> None:
    """Write the chart to ``output``, or draw it on stdout once it is complete."""
    from ..plots import chart_width, draw, save, terminal_console
    from ..plots.terminal import ascii_text, draws_unicode

    if output:
        save(chart, output)
        note(f"wrote {output}")
        return
    columns = chart_width(width)
    buffer = io.StringIO()
    console = terminal_console(buffer, width=columns, colour=sys.stdout.isatty())
    unicode = draws_unicode(sys.stdout)
    draw(chart, console, width=columns, height=height, style="auto" if unicode else "markers")
    sys.stdout.write(buffer.getvalue() if unicode else ascii_text(buffer.getvalue()))
