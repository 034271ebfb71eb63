"""Peak memory on a Parquet file of about 5 GB: does it stay bounded?

    python bench/memory_5gb.py [--rows 330000000] [--repeat 3] [--keep]

Writes bench/data/big.parquet (two float64 columns, 1M-row row groups,
seeded, about 5.3 GB: random doubles do not compress), then runs
``losscli compute big.parquet --loss mse`` and the same MSE with polars
and the pyarrow streaming floor, each as its own process, and reports each
one's peak RSS (from os.wait4) and wall time, medians of --repeat runs.
Results go to bench/results/memory_5gb.json. The file is deleted afterwards
unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# numpy and pyarrow are imported by the writing child process only: a child
# started from this process reports at least this process's peak RSS as its
# own (Linux carries the peak over exec), so it must stay small.

BENCH_DIR = Path(__file__).resolve().parent
DATA = BENCH_DIR / "data" / "big.parquet"
RESULTS = BENCH_DIR / "results" / "memory_5gb.json"
CHUNK_ROWS = 1_000_000
SEED = 20_240_505


def write(rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    DATA.parent.mkdir(parents=True, exist_ok=True)
    need = rows * 16.5
    free = shutil.disk_usage(DATA.parent).free
    if free < need * 1.1:
        sys.exit(f"need about {need / 1e9:.1f} GB free in {DATA.parent}, have {free / 1e9:.1f} GB")
    schema = pa.schema([("y_true", pa.float64()), ("y_pred", pa.float64())])
    partial = DATA.with_suffix(".parquet.partial")
    with pq.ParquetWriter(partial, schema) as writer:
        for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
            rng = np.random.default_rng([SEED, index])
            n = min(CHUNK_ROWS, rows - start)
            y_true = rng.normal(size=n)
            writer.write_table(pa.table({"y_true": y_true, "y_pred": y_true + rng.normal(scale=0.5, size=n)}, schema=schema))
    partial.replace(DATA)


def _rows_in(path: Path) -> int:
    script = "import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)"
    return int(subprocess.run([sys.executable, "-c", script, str(path)], check=True, capture_output=True, text=True).stdout)


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        sys.exit(f"{' '.join(argv)} failed: {process.stderr.read().decode()[:500]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=330_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep bench/data/big.parquet")
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:
        write(args.rows)
        return
    if not DATA.exists() or _rows_in(DATA) != args.rows:
        print(f"writing {DATA} ({args.rows:,} rows)...", flush=True)
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write-only"], check=True)
    size = DATA.stat().st_size
    losscli = str(Path(sys.executable).with_name("losscli"))
    commands = {
        "losscli compute --loss mse": [losscli, "compute", str(DATA), "--loss", "mse", "--format", "json"],
        "polars (scan + streaming)": [sys.executable, str(BENCH_DIR / "peers.py"), "polars", "mse", str(DATA)],
        "floor: pyarrow stream only": [sys.executable, str(BENCH_DIR / "peers.py"), "floor", "mse", str(DATA)],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            runs[name].append(measure(argv))
    report = {
        "file_bytes": size,
        "rows": args.rows,
        "machine": f"{os.cpu_count()} cores, {platform.python_version()}",
        "results": {
            name: {"wall_s": statistics.median(r[0] for r in values), "peak_rss_mb": statistics.median(r[1] for r in values)}
            for name, values in runs.items()
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{size / 1e9:.2f} GB, {args.rows:,} rows, medians of {args.repeat}:")
    for name, result in report["results"].items():
        print(f"  {name:30s} {result['wall_s']:7.2f} s  {result['peak_rss_mb']:7.0f} MB")
    if not args.keep:
        DATA.unlink()


if __name__ == "__main__":
    main()
