"""Write the benchmark workloads into bench/data/ (git-ignored).

    python bench/generate.py              # full size (about 3.3 GB on disk)
    python bench/generate.py --scale 0.1  # a tenth of every row count, for a quick run

Every file is generated in fixed chunks, each from its own seeded generator, so
the same --scale always gives byte-identical data. A manifest
(bench/data/manifest.json) records what was written; bench/run.py reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).resolve().parent / "data"
CHUNK_ROWS = 1_000_000
N_CLASSES = 10

# Full-scale row counts; --scale multiplies them (the small start-up file stays 1,000 rows).
FULL_ROWS = {
    "regression_parquet": 50_000_000,
    "regression_csv": 10_000_000,
    "binary_parquet": 20_000_000,
    "multiclass": 5_000_000,
    "small_csv": 1_000,
}
# Rough on-disk bytes per row, to check the free space before writing.
BYTES_PER_ROW = {"regression_parquet": 16.5, "regression_csv": 40, "binary_parquet": 16.5, "multiclass": 88 + 210}

SEEDS = {"regression": 20_240_501, "binary": 20_240_502, "multiclass": 20_240_503, "small": 20_240_504}


# ----------------------------------------------------------------------------- data


def regression_chunk(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Positive targets spanning an order of magnitude, Gaussian noise and 2% gross
    outliers: Huber's both regimes are hit, and msle/poisson/mape are defined."""
    y_true = np.exp(rng.normal(1.0, 0.5, n))
    noise = rng.normal(0.0, 0.5, n)
    outlier = rng.random(n) < 0.02
    noise[outlier] += rng.normal(0.0, 5.0, int(outlier.sum()))
    y_pred = np.abs(y_true + noise)
    return {"y_true": y_true, "y_pred": y_pred}


def binary_chunk(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """0/1 labels and probabilities from a logit in [-6, 6]: no probability comes near
    the 1e-7 clipping, so every peer's plain log formula agrees with losscli."""
    y_true = (rng.random(n) < 0.3).astype(np.float64)
    logit = np.clip(rng.normal(0.0, 1.5, n) + 1.5 * (2 * y_true - 1), -6.0, 6.0)
    return {"y_true": y_true, "y_pred": 1.0 / (1.0 + np.exp(-logit))}


def multiclass_chunk(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Integer labels 0..9 and softmax probabilities p_0..p_9 from logits in [-5, 5]
    (every probability above 4e-6, far from clipping), the true class favoured."""
    y_true = rng.integers(0, N_CLASSES, n)
    logits = np.clip(rng.normal(0.0, 1.5, (n, N_CLASSES)), -5.0, 5.0)
    logits[np.arange(n), y_true] = np.minimum(logits[np.arange(n), y_true] + 2.0, 5.0)
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    columns = {"y_true": y_true.astype(np.int64)}
    columns.update({f"p_{c}": probs[:, c].copy() for c in range(N_CLASSES)})
    return columns


# ----------------------------------------------------------------------------- writing


def chunks(make: Callable[[np.random.Generator, int], dict], seed: int, rows: int) -> Iterator[pa.Table]:
    """Chunk i comes from default_rng([seed, i]): deterministic whatever the chunk order."""
    for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
        n = min(CHUNK_ROWS, rows - start)
        yield pa.table(make(np.random.default_rng([seed, index]), n))


def write_parquet(path: Path, tables: Iterator[pa.Table]) -> None:
    tmp = path.with_suffix(".tmp")
    writer = None
    for table in tables:
        if writer is None:
            # One row group per 1M-row chunk; snappy like most producers (Spark, pandas).
            writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=CHUNK_ROWS)
    writer.close()
    os.replace(tmp, path)


def write_csv(path: Path, tables: Iterator[pa.Table]) -> None:
    tmp = path.with_suffix(".tmp")
    # Arrow quotes header names; write a plain header ourselves. Floats are written in
    # shortest round-trip form, so CSV readers get back exactly the float64 values.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with pa.OSFile(str(tmp), "wb") as sink:
        writer = None
        for table in tables:
            if writer is None:
                sink.write((",".join(table.schema.names) + "\n").encode())
                writer = pacsv.CSVWriter(sink, table.schema, write_options=options)
            writer.write_table(table)
        writer.close()
    os.replace(tmp, path)


def plan(scale: float) -> list[dict]:
    def rows(key: str) -> int:
        return FULL_ROWS[key] if key == "small_csv" else max(1_000, int(FULL_ROWS[key] * scale))

    return [
        {"key": "regression_parquet", "file": "regression.parquet", "rows": rows("regression_parquet"), "make": regression_chunk, "seed": SEEDS["regression"], "writer": write_parquet},
        # The CSV holds the first rows of the same stream as the Parquet file.
        {"key": "regression_csv", "file": "regression.csv", "rows": rows("regression_csv"), "make": regression_chunk, "seed": SEEDS["regression"], "writer": write_csv},
        {"key": "binary_parquet", "file": "binary.parquet", "rows": rows("binary_parquet"), "make": binary_chunk, "seed": SEEDS["binary"], "writer": write_parquet},
        {"key": "multiclass_parquet", "file": "multiclass.parquet", "rows": rows("multiclass"), "make": multiclass_chunk, "seed": SEEDS["multiclass"], "writer": write_parquet},
        {"key": "multiclass_csv", "file": "multiclass.csv", "rows": rows("multiclass"), "make": multiclass_chunk, "seed": SEEDS["multiclass"], "writer": write_csv},
        {"key": "small_csv", "file": "small.csv", "rows": rows("small_csv"), "make": regression_chunk, "seed": SEEDS["small"], "writer": write_csv},
    ]


def estimated_bytes(scale: float) -> int:
    total = 0
    for key, per_row in BYTES_PER_ROW.items():
        total += int(FULL_ROWS[key] * scale * per_row)
    return total


def check_space(scale: float) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    need = estimated_bytes(scale)
    free = shutil.disk_usage(DATA_DIR).free
    print(f"need about {need / 1e9:.1f} GB, {free / 1e9:.1f} GB free on {DATA_DIR}")
    if free < need * 1.2:
        sys.exit(f"not enough disk space: need about {need / 1e9:.1f} GB (+20% margin), {free / 1e9:.1f} GB free")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every row count (default 1.0 = full size)")
    parser.add_argument("--force", action="store_true", help="rewrite files that already exist with the right row count")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")

    check_space(args.scale)
    manifest_path = DATA_DIR / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"files": {}}
    manifest = {"scale": args.scale, "chunk_rows": CHUNK_ROWS, "files": {}}
    for item in plan(args.scale):
        path = DATA_DIR / item["file"]
        entry = {"file": item["file"], "rows": item["rows"], "seed": item["seed"]}
        if not args.force and path.exists() and old["files"].get(item["key"]) == {**entry, "bytes": path.stat().st_size}:
            print(f"{item['file']:<22} {item['rows']:>12,} rows  (up to date)")
        else:
            started = time.perf_counter()
            item["writer"](path, chunks(item["make"], item["seed"], item["rows"]))
            print(f"{item['file']:<22} {item['rows']:>12,} rows  {path.stat().st_size / 1e6:>9.1f} MB  {time.perf_counter() - started:6.1f} s")
        manifest["files"][item["key"]] = {**entry, "bytes": path.stat().st_size}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
