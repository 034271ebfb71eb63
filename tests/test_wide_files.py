"""Files of tens of thousands of columns and a few rows: a language model's
logits over its vocabulary (GPT-2 has 50,257 tokens) written one column per
class. Reading one took time quadratic in the number of columns, since every
column was looked up by a scan of all of them: 40,000 columns of 3 rows took
23 s for ``compute`` and 94 s for ``recommend --data``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.io.readers import open_source

ROOT = Path(__file__).resolve().parents[1]


class _CountedColumns(list):
    """A column list that counts how often it is walked through."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_looking_up_every_column_by_name_walks_the_columns_once(tmp_path):
    names = [f"p_{i}" for i in range(2000)]
    pq.write_table(pa.table({name: [0.5] for name in names}), tmp_path / "wide.parquet")
    source = open_source(str(tmp_path / "wide.parquet"))
    source.columns = _CountedColumns(source.columns)
    _CountedColumns.walks = 0
    found = [source.column(name).name for name in names]
    assert found == names
    assert _CountedColumns.walks <= 1
    with pytest.raises(KeyError):
        source.column("absent")


def test_a_column_list_replaced_is_looked_up_anew(tmp_path):
    pq.write_table(pa.table({"a": [1.0], "b": [2.0]}), tmp_path / "t.parquet")
    source = open_source(str(tmp_path / "t.parquet"))
    assert source.column("a").name == "a"
    source.columns = [c for c in source.columns if c.name == "b"]
    assert source.column("b").name == "b"
    with pytest.raises(KeyError):
        source.column("a")


def test_a_vocabulary_wide_file_gives_its_value(tmp_path):
    # How fast such a file reads is guarded by the walk count above, not by a
    # clock; here the whole run on a wide file, as a process, gives the value.
    classes, rows = 5_000, 3
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(classes), rows)
    labels = np.array([1, 5, 7])
    path = tmp_path / "vocab.csv"
    with path.open("w") as handle:
        handle.write("y_true," + ",".join(f"p_{i}" for i in range(classes)) + "\n")
        for label, row in zip(labels, probabilities):
            handle.write(f"{label}," + ",".join(f"{v:.17g}" for v in row) + "\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    for command in (["compute", str(path), "--loss", "cce", "--pred-col", "p_*", "--normalize", "--format", "json"], ["recommend", "--data", str(path), "--format", "json"]):
        done = subprocess.run([sys.executable, "-m", "losscli", *command], capture_output=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        if command[0] == "compute":
            rows = probabilities / probabilities.sum(axis=1, keepdims=True)
            expected = -np.mean(np.log(rows[np.arange(rows.shape[0]), labels]))  # numpy, by the definition of cross-entropy
            assert json.loads(done.stdout)["results"][0]["value"] == pytest.approx(expected, rel=1e-9)
