"""Keeping freed batch memory in the process instead of handing it back.

Every batch allocates a few arrays of a couple of megabytes and frees them
again. glibc serves blocks that size with fresh ``mmap`` calls, or trims them
off the heap on free, so the next batch faults the same pages in again: on
50M rows that was a third of the run in system time (measured with Huber).
Raising the mmap and trim thresholds lets those blocks be reused. Peak
memory does not grow: what is kept is what the previous batch already used.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 64 << 20
_TRIM_THRESHOLD = 256 << 20


def reuse_freed_memory() -> None:
    """Tune glibc's allocator for batch after batch of same-sized arrays
    (a no-op on other C libraries and systems)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


def compact_arrow_memory() -> None:
    """Decode into Arrow's jemalloc pool where pyarrow has one, unless the
    user chose a pool with ARROW_DEFAULT_MEMORY_POOL.

    Arrow's default pool, mimalloc, kept 20-45 MB more resident than jemalloc
    on every benchmark workload (MSE on 50M Parquet rows 193 to 148-156 MB,
    categorical CE on 5M x 10 CSV 180 to 135 MB) and was no faster (CE on
    Parquet 0.575 to 0.511 s, BCE 0.324 to 0.313 s, ten losses 0.905 to
    0.909 s; whole processes, interleaved medians of 7). Builds without
    jemalloc (Windows wheels) keep their default. The pool is the process's,
    so only the command line sets it: a program using the Python API keeps
    its own.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:
        pass
