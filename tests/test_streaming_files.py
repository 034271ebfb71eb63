"""Reading a file in many small batches gives the values of reading it whole,
for every loss and format the README runs on sample_data/."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from losscli.cli import app
from losscli.io import readers

from test_readme import FAMILY_COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def _results(argv: list[str]) -> list[tuple]:
    result = CliRunner().invoke(app, [*argv, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return [(r["loss"], json.dumps(r["params"], sort_keys=True), json.dumps(r["group"]), r["value"], r["n"]) for r in document["results"]]


@pytest.mark.parametrize("command", FAMILY_COMMANDS)
def test_small_batches_equal_one_batch(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)[1:]
    whole = _results(argv)
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 1024)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 300)
    monkeypatch.setattr(readers, "NDJSON_ROW_BLOCK_BYTES", 1024)
    streamed = _results(argv)
    assert [r[:3] + r[4:] for r in streamed] == [r[:3] + r[4:] for r in whole]
    for (name, _, _, value, _), (_, _, _, expected, _) in zip(streamed, whole):
        if expected is None:
            assert value is None
        else:
            assert value == pytest.approx(expected, rel=1e-10, abs=1e-13), name


@pytest.mark.parametrize("path", ["sample_data/regression.csv", "sample_data/binary.parquet"])
def test_the_patched_sizes_really_split_the_files(path, monkeypatch):
    from losscli.io.plan import InputOptions, InputPlan
    from losscli.registry import parse_spec

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 1024)
    monkeypatch.setattr(readers, "CSV_PARALLEL_BLOCK_BYTES", 300)
    monkeypatch.setattr(readers, "NDJSON_ROW_BLOCK_BYTES", 1024)
    plan = InputPlan(InputOptions(predictions=path), [parse_spec("mse")])
    sizes = [batch.n for batch in plan.batches()]
    assert len(sizes) >= 5 and sum(sizes) == plan.stats.rows
