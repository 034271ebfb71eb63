"""The progress display drawn on stderr while a large input is read."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from losscli.progress import LABEL_MOST_CHARS, progress_display, short_label, track


def _drawn(total: int | None, done: int, label: str, width: int = 80) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    display = progress_display(total, console)
    task = display.add_task(short_label(label), total=total)
    display.update(task, completed=done)
    console.print(display.make_tasks_table(display.tasks))
    return out.getvalue().rstrip("\n")


def test_a_known_total_shows_the_share_done_within_80_columns():
    line = _drawn(50_000_000, 18_000_000, "reading /data/experiments/2026-11/run-42/predictions/part-0000.parquet")
    assert "36%" in line
    assert "part-0000.parquet" in line
    assert "…" not in line.replace(short_label("reading /data/experiments/2026-11/run-42/predictions/part-0000.parquet"), "")
    assert len(line) <= 80


def test_an_unknown_total_shows_rows_read():
    line = _drawn(None, 1_234_567, "reading preds.csv")
    assert "1,234,567 rows" in line
    assert line.lstrip().split(" ", 1)[1].startswith("reading preds.csv")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("reading preds.csv", "reading preds.csv"),
        ("reading a_model_with_a_long_name_and_no_folders.parquet", "reading …name_and_no_folders.parquet"),
        ("reading /a/very/long/folder/name/that/goes/on/predictions.parquet", "reading …/on/predictions.parquet"),
    ],
)
def test_long_labels_keep_their_end(label, expected):
    assert short_label(label) == expected
    assert len(short_label(label)) <= LABEL_MOST_CHARS


def test_nothing_is_drawn_when_not_shown():
    class Batch:
        n = 3

    batches = [Batch(), Batch()]
    assert list(track(iter(batches), 6, label="reading x", show=False)) == batches
