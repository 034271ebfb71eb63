"""Keeping freed batch memory in the process instead of handing it back.

Every batch allocates a few arrays of a couple of megabytes and frees them
again. glibc serves blocks that size with fresh ``mmap`` calls, or trims them
off the heap on free, so the next batch faults the same pages in again: on
50M rows that was a third of the run in system time (measured with Huber).
Raising the mmap and trim thresholds lets those blocks be reused. Peak
memory does not grow: what is kept is what the previous batch already used.
"""

from __future__ import annotations

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
