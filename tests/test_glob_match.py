"""Whether an input pattern would read a file not written yet: the answer
must be what glob.glob itself lists once the file exists."""

from __future__ import annotations

import glob
import os

import pytest

from losscli.glob_match import would_match

# (pattern, file to write), relative to a directory holding data/a.parquet and data/sub/b.parquet
CASES = [
    ("data/*.parquet", "data/rows.parquet"),
    ("data/*.parquet", "data/rows.csv"),
    ("data/*.parquet", "data/.rows.parquet"),  # glob skips hidden names
    ("data/.*.parquet", "data/.rows.parquet"),
    ("data/*.parquet", "data/sub/rows.parquet"),
    ("data/**/*.parquet", "data/sub/rows.parquet"),
    ("data/**/*.parquet", "data/rows.parquet"),
    ("data/**", "data/sub/rows.json"),
    ("data/**/*.parquet", "data/.cache/rows.parquet"),
    ("*/*.parquet", "data/rows.parquet"),
    ("*/*.parquet", "rows.parquet"),
    ("data/part-[0-9].parquet", "data/part-7.parquet"),
    ("data/part-[0-9].parquet", "data/part-x.parquet"),
    ("data/?.parquet", "data/z.parquet"),
    ("data/*.parquet", "other/rows.parquet"),
    ("./data/../data/*.parquet", "data/rows.parquet"),
]


@pytest.mark.parametrize("pattern, target", CASES)
def test_would_match_agrees_with_glob_once_the_file_exists(tmp_path, monkeypatch, pattern, target):
    monkeypatch.chdir(tmp_path)
    for existing in ("data/a.parquet", "data/sub/b.parquet"):
        os.makedirs(os.path.dirname(existing), exist_ok=True)
        open(existing, "w").close()
    predicted = would_match(pattern, target)
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    open(target, "w").close()
    listed = {os.path.realpath(p) for p in glob.glob(pattern, recursive=True)}
    assert predicted == (os.path.realpath(target) in listed)


def test_a_path_through_a_symlinked_directory_is_matched_where_the_files_are(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert would_match(str(tmp_path / "link" / "*.parquet"), str(tmp_path / "real" / "rows.parquet"))
    assert would_match(str(tmp_path / "real" / "*.parquet"), str(tmp_path / "link" / "rows.parquet"))


def test_a_pattern_without_wildcards_matches_nothing_new(tmp_path):
    assert not would_match(str(tmp_path / "a.parquet"), str(tmp_path / "a.parquet"))
