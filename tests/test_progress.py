"""The progress display drawn on stderr while a large input is read."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from losscli import progress
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


class _Batch:
    def __init__(self, n: int) -> None:
        self.n = n


class _Recorded:
    """Stands in for the display: what it was started with and told."""

    def __init__(self, total):
        self.total, self.completed, self.stopped = total, [], False

    def update(self, task, completed):
        self.completed.append(completed)

    def stop(self):
        self.stopped = True


@pytest.fixture
def recorded(monkeypatch):
    started = []

    def start(label, total):
        started.append(_Recorded(total))
        return started[-1], 0

    monkeypatch.setattr(progress, "DELAY_SECONDS", -1.0)
    monkeypatch.setattr(progress, "_start", start)
    return started


def test_without_a_row_count_the_bar_follows_the_bytes_read(recorded):
    read = iter([(0, 1000), (400, 1000), (900, 1000), (1000, 1000)])
    position = lambda: next(read)  # noqa: E731
    batches = [_Batch(5), _Batch(5), _Batch(2)]
    assert list(progress.track(iter(batches), None, label="reading x.csv", show=True, position=position)) == batches
    (bar,) = recorded
    assert bar.total == 1000
    assert bar.completed == [400, 900, 1000]
    assert bar.stopped


def test_a_row_count_wins_over_the_bytes(recorded):
    batches = [_Batch(5), _Batch(7)]
    list(progress.track(iter(batches), 12, label="reading x.parquet", show=True, position=lambda: (1, 2)))
    assert recorded[0].total == 12
    assert recorded[0].completed == [5, 12]


def test_neither_known_counts_rows(recorded):
    list(progress.track(iter([_Batch(3), _Batch(4)]), None, label="reading -", show=True, position=lambda: None))
    assert recorded[0].total is None
    assert recorded[0].completed == [3, 7]


@pytest.mark.parametrize("compressed", [False, True])
def test_a_plain_csv_file_tells_how_far_it_is_read(tmp_path, compressed):
    import gzip

    from losscli.io.readers import CsvSource

    text = "y_true,y_pred\n" + "".join(f"{i},{i + 0.5}\n" for i in range(50_000))
    path = tmp_path / ("big.csv.gz" if compressed else "big.csv")
    if compressed:
        path.write_bytes(gzip.compress(text.encode()))
        source = CsvSource(str(path), "gzip")
    else:
        path.write_text(text)
        source = CsvSource(str(path), None)
    assert source.read_position() is None  # nothing read yet
    rows = sum(batch.num_rows for batch in source.batches(["y_true", "y_pred"]))
    assert rows == 50_000
    if compressed:
        assert source.read_position() is None  # no share of a compressed file's size
    else:
        assert source.read_position() == (path.stat().st_size, path.stat().st_size)


@pytest.mark.parametrize(
    "path, room, expected",
    [
        ("a/b.parquet", 11, "a/b.parquet"),  # fits: as written
        ("runs/2026/b.parquet", 14, "…/b.parquet"),  # from a folder's start, not '…026/b.parquet'

        ("predictions.parquet", 10, "…s.parquet"),  # no folder in what is left: the last characters
    ],
)
def test_path_end_keeps_the_file_name_within_room(path, room, expected):
    from losscli.wording import path_end

    shown = path_end(path, room)
    assert shown == expected and len(shown) <= room
