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
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

from ..workers import Pool, Task, done, stopped_by_signal, working

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()
# How often a reader waiting for room looks whether it was told to stop.
_STOP_POLL_SECONDS = 0.1


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Stop:
    """Set by the consumer, read by the reader: a plain attribute, as no
    lock may be taken where an interrupt can land (see ``losscli.workers``)."""

    requested = False


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead.

    Errors raised by the reader are re-raised in the consumer, in order; if
    the consumer stops early the reader is told to stop and is not waited on
    beyond its current batch, nor at all when a signal stops the run.

    Items pass through a ``queue.SimpleQueue``, and the room for them is
    tokens in another: a Ctrl-C can interrupt the consumer anywhere without
    leaving a lock held that the reader, or the clean-up, would wait on.
    """
    ready: queue.SimpleQueue = queue.SimpleQueue()
    room: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(depth):
        room.put(True)
    stop = _Stop()

    def produce() -> None:
        try:
            for item in items:
                while not stop.requested:
                    try:
                        room.get(timeout=_STOP_POLL_SECONDS)
                        break
                    except queue.Empty:
                        continue
                if stop.requested:
                    return
                ready.put(item)
            ready.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            ready.put(_Failure(error))
        finally:
            try:
                # The readers below stop their own threads now, on this thread.
                close = getattr(items, "close", None)
                if close is not None and stop.requested:
                    close()
            finally:
                done()

    def halt() -> None:
        stop.requested = True
        room.put(True)  # a reader waiting for room sees the stop now

    worker = threading.Thread(target=produce, name="losscli-reader", daemon=True)
    working(worker, halt)
    wait = True
    try:
        worker.start()
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            room.put(True)
            yield item
    except BaseException as error:
        # Stopped by a signal: the reader may be in the middle of a long read,
        # or waiting for a pipe, and nothing it reads is wanted. It is a
        # daemon and ends on its own (see ``losscli.workers`` for the exit).
        wait = not stopped_by_signal(error)
        raise
    finally:
        halt()
        if wait and worker.is_alive():
            worker.join()


def in_order(function: Callable[[T], R], items: Iterable[T], *, workers: int, name: str) -> Iterator[R]:
    """``function`` over ``items`` on ``workers`` threads, results in item order.

    At most ``workers`` items are taken ahead of the result being consumed,
    so memory stays bounded; an error is raised where its item's result would
    have been. If the consumer stops early, queued items never start (those
    under way finish, unwaited for).
    """
    pool = Pool(workers, name)
    try:
        source = iter(items)
        pending: deque[Task] = deque(pool.submit(function, item) for item in islice(source, workers))
        while pending:
            result = pending.popleft().result()
            pending.extend(pool.submit(function, item) for item in islice(source, 1))
            yield result
    finally:
        pool.close(wait=False)
