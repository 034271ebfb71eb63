"""Working ahead of the consumer: reading the next batch while the current
one is computed, and decoding the next pieces of a file on several threads.

Arrow's decoders and numpy's arithmetic both release the GIL, so a reader
thread that stays a couple of batches ahead keeps both cores busy: the wall
time approaches max(decode, compute) rather than their sum.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead.

    Errors raised by the reader are re-raised in the consumer, in order; if
    the consumer stops early the reader is told to stop and is not waited on
    beyond its current batch.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            buffer.put(_Failure(error))

    worker = threading.Thread(target=produce, name="losscli-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, then let it finish.
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def in_order(function: Callable[[T], R], items: Iterable[T], *, workers: int, name: str) -> Iterator[R]:
    """``function`` over ``items`` on ``workers`` threads, results in item order.

    At most ``workers`` items are taken ahead of the result being consumed,
    so memory stays bounded; an error is raised where its item's result would
    have been. If the consumer stops early, queued items never start (those
    under way finish).
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    source = iter(items)
    pending: deque[Future] = deque(pool.submit(function, item) for item in islice(source, workers))
    try:
        while pending:
            result = pending.popleft().result()
            pending.extend(pool.submit(function, item) for item in islice(source, 1))
            yield result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
