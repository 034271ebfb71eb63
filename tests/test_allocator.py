"""Process-wide memory settings the command line makes (losscli.allocator)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

REPO = Path(__file__).resolve().parent.parent

# Runs the command line in a fresh process, then says which pool Arrow used.
POOL_AFTER_A_RUN = """
import sys
sys.argv = ["losscli", "compute", sys.argv[1], "--loss", "mse"]
from losscli.cli import main
try:
    main()
except SystemExit:
    pass
import pyarrow as pa
print(pa.default_memory_pool().backend_name, file=sys.stderr)
"""


def _pool_after_a_run(tmp_path: Path, **env: str) -> str:
    data = tmp_path / "data.csv"
    data.write_text("y_true,y_pred\n1,1.5\n2,2.5\n")
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    environment.update(env, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", POOL_AFTER_A_RUN, str(data)], capture_output=True, text=True, env=environment, timeout=120)
    assert "mse" in done.stdout, done.stderr
    return done.stderr.strip().splitlines()[-1]


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


def test_the_command_line_decodes_into_jemalloc_where_pyarrow_has_it(tmp_path):
    expected = "jemalloc" if _has_jemalloc() else pa.default_memory_pool().backend_name
    assert _pool_after_a_run(tmp_path) == expected


def test_a_pool_the_user_chose_is_kept(tmp_path):
    assert _pool_after_a_run(tmp_path, ARROW_DEFAULT_MEMORY_POOL="system") == "system"


def test_the_python_api_leaves_the_pool_alone():
    import numpy as np

    import losscli

    before = pa.default_memory_pool().backend_name
    losscli.compute(y_true=np.array([1.0, 2.0]), y_pred=np.array([1.5, 2.5]), loss="mse")
    assert pa.default_memory_pool().backend_name == before
