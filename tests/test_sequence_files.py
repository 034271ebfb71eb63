"""CTC from files: one row per sequence (list columns) and one row per frame
(long format with --sample-col) must give the same values."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import losscli
from losscli.cli import app

runner = CliRunner()


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.fixture()
def sequences():
    rng = np.random.default_rng(9)
    frames, targets = [], []
    for length in (3, 5, 4, 6):
        frames.append(_log_softmax(rng.normal(size=(length, 4))))
        targets.append(rng.integers(1, 4, size=int(rng.integers(1, 3))))
    return frames, targets


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_wide_and_long_format_agree_with_the_api(tmp_path, sequences):
    frames, targets = sequences
    expected = losscli.compute("ctc", targets, frames)
    wide = tmp_path / "wide.parquet"
    pq.write_table(
        pa.table({"y_pred": pa.array([f.tolist() for f in frames]), "y_true": [" ".join(map(str, t)) for t in targets]}),
        wide,
    )
    long = tmp_path / "frames.csv"
    with open(long, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["utt", "lp_0", "lp_1", "lp_2", "lp_3", "target"])
        # Interleave two utterances' frames: order within each utterance is what matters.
        rows = [(i, frame) for i, f in enumerate(frames) for frame in f]
        rows.sort(key=lambda item: (item[0] // 2, 0))
        for i, frame in rows:
            writer.writerow([f"u{i}", *frame.tolist(), " ".join(map(str, targets[i]))])
    wide_value = _json(runner.invoke(app, ["compute", str(wide), "--loss", "ctc", "-f", "json"]))["results"][0]["value"]
    long_value = _json(
        runner.invoke(app, ["compute", str(long), "--loss", "ctc", "--sample-col", "utt", "--pred-col", "lp_*", "--label-col", "target", "-f", "json"])
    )["results"][0]["value"]
    assert wide_value == pytest.approx(expected, rel=1e-12)
    assert long_value == pytest.approx(expected, rel=1e-12)


def _long_file(path, frames, targets, groups, weights) -> None:
    """One row per frame, the frames of two sequences interleaved; each frame
    row carries its sequence's target, group and weight."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["utt", "lp_0", "lp_1", "lp_2", "lp_3", "target", "split", "w"])
        rows = [(i, frame) for i, f in enumerate(frames) for frame in f]
        rows.sort(key=lambda item: (item[0] // 2, 0))
        for i, frame in rows:
            writer.writerow([f"u{i}", *frame.tolist(), " ".join(map(str, targets[i])), groups[i], weights[i]])


_LONG = ["--loss", "ctc", "--sample-col", "utt", "--pred-col", "lp_*", "--label-col", "target", "-f", "json"]


def test_long_format_by_groups_and_weights_as_the_api_gives_them(tmp_path, sequences):
    frames, targets = sequences
    groups, weights = ["dev", "test", "dev", "test"], [1.0, 2.0, 0.5, 3.0]
    path = tmp_path / "frames.csv"
    _long_file(path, frames, targets, groups, weights)
    doc = _json(runner.invoke(app, ["compute", str(path), *_LONG, "--by", "split", "--weight-col", "w"]))
    values = {json.dumps(r["group"]): r["value"] for r in doc["results"]}
    # Each group is the API's weighted mean over its own sequences (PyTorch CTCLoss per sequence).
    for split in ("dev", "test"):
        chosen = [i for i, g in enumerate(groups) if g == split]
        expected = losscli.compute("ctc", [targets[i] for i in chosen], [frames[i] for i in chosen], sample_weight=[weights[i] for i in chosen])
        assert values[json.dumps({"split": split})] == pytest.approx(expected, rel=1e-12)
    assert values["null"] == pytest.approx(losscli.compute("ctc", targets, frames, sample_weight=weights), rel=1e-12)


@pytest.mark.parametrize("column", ["split", "w"])
def test_a_sequence_whose_frames_disagree_on_group_or_weight_names_the_row(tmp_path, sequences, column):
    frames, targets = sequences
    path = tmp_path / "frames.csv"
    _long_file(path, frames, targets, ["dev", "test", "dev", "test"], [1.0, 2.0, 0.5, 3.0])
    lines = path.read_text().splitlines()
    cells = lines[2].split(",")  # the second frame row: u0's second frame
    cells[-2 if column == "split" else -1] = "other" if column == "split" else "9"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["compute", str(path), *_LONG, "--by", "split", "--weight-col", "w"])
    assert result.exit_code == 2
    assert f"column '{column}', row 2: the frames of one sequence carry different values of {column}" in result.stderr


def test_long_format_needs_sample_col(tmp_path):
    path = tmp_path / "frames.csv"
    path.write_text("lp_0,lp_1,target\n-0.1,-2.3,1\n")
    result = runner.invoke(app, ["compute", str(path), "--loss", "ctc", "--pred-col", "lp_*", "--label-col", "target"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "--sample-col" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("sample_col", [(), ("--sample-col", "utt")], ids=["wide", "long"])
def test_frames_written_as_text_in_a_csv_cell_say_how_to_lay_them_out(tmp_path, sample_col):
    # Used to ask for --sample-col (or to call the JSON text a non-numeric frame value).
    path = tmp_path / "utterances.csv"
    path.write_text('utt,log_probs,targets\na,"[[-0.1, -2.3], [-0.2, -1.7]]",1\n')
    result = runner.invoke(app, ["compute", str(path), "--loss", "ctc", *sample_col])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}, column 'log_probs': column holds text, not frames of log-probabilities (give one row per "
        "sequence as a list-of-lists column (Parquet, Arrow or NDJSON arrays; a CSV cell cannot hold a list), or one "
        "row per frame with a column per class and --sample-col naming the sequence)"
    ]


def test_target_changing_within_a_sequence_names_the_row(tmp_path):
    path = tmp_path / "frames.csv"
    path.write_text("utt,lp_0,lp_1,target\na,-0.1,-2.3,1\na,-0.2,-1.7,1 1\n")
    result = runner.invoke(app, ["compute", str(path), "--loss", "ctc", "--sample-col", "utt", "--pred-col", "lp_*", "--label-col", "target"])
    assert result.exit_code == 2
    assert "row 2" in result.stderr and "target" in result.stderr


def test_a_frame_row_without_a_sequence_id_names_the_row(tmp_path):
    # Frames without an id were gathered into one sequence of their own.
    path = tmp_path / "frames.csv"
    path.write_text("utt,lp_0,lp_1,target\na,-0.1,-2.3,1\na,-0.2,-1.7,1\n,-0.3,-1.4,1\n")
    result = runner.invoke(app, ["compute", str(path), "--loss", "ctc", "--sample-col", "utt", "--pred-col", "lp_*", "--label-col", "target"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}, column 'utt', row 3: missing sequence id "
        "(give every frame row the id of its sequence; long-format frames cannot be omitted one by one)"
    ]


def test_infeasible_alignment_is_null_with_a_warning(tmp_path):
    # T = 2 frames cannot hold the target [1, 1] (needs a blank between): inf -> null + warning.
    path = tmp_path / "wide.parquet"
    half = np.log(np.full((2, 2), 0.5)).tolist()
    pq.write_table(pa.table({"y_pred": pa.array([half]), "y_true": ["1 1"]}), path)
    document = _json(runner.invoke(app, ["compute", str(path), "--loss", "ctc", "-f", "json"]))
    assert document["results"][0]["value"] is None
    assert "infinite" in document["results"][0]["warning"]


def test_sample_file_runs(tmp_path):
    document = _json(runner.invoke(app, ["compute", "sample_data/ctc.parquet", "--loss", "ctc", "-f", "json"]))
    assert document["inputs"]["rows"] == 12
    assert np.isfinite(document["results"][0]["value"])


def test_long_format_per_row_output_names_each_sequence_by_its_id(tmp_path, sequences):
    frames, targets = sequences
    path = tmp_path / "frames.csv"
    _long_file(path, frames, targets, ["dev", "test", "dev", "test"], [1.0, 2.0, 0.5, 3.0])
    result = runner.invoke(app, ["compute", str(path), *_LONG[:-2], "--reduction", "none", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    # One line per sequence, numbered in order and named by its --sample-col id (u0 .. u3), its
    # value the API's per-sequence loss (PyTorch CTCLoss reduction='none').
    assert [(r["row"], r["utt"]) for r in rows] == [(1, "u0"), (2, "u1"), (3, "u2"), (4, "u3")]
    expected = losscli.per_sample("ctc", targets, frames)
    assert [r["ctc"] for r in rows] == pytest.approx(list(expected), rel=1e-12)


def test_long_format_says_it_kept_every_frame_in_memory(tmp_path, sequences):
    frames, targets = sequences
    path = tmp_path / "frames.csv"
    _long_file(path, frames, targets, ["dev", "test", "dev", "test"], [1.0, 2.0, 0.5, 3.0])
    doc = _json(runner.invoke(app, ["compute", str(path), *_LONG]))
    # 3 + 5 + 4 + 6 frame rows of the fixture's four sequences
    assert any("cannot stream" in text and "18 frame rows in 4 sequences" in text for text in doc["notes"]), doc["notes"]
