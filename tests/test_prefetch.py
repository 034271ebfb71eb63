"""The background reader must be invisible: same items, same order, same errors."""

from __future__ import annotations

import threading
import time

import pytest

from losscli.io.prefetch import prefetch


def test_items_arrive_in_order():
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_reader_errors_surface_in_the_consumer_after_earlier_items():
    def items():
        yield 1
        yield 2
        raise ValueError("corrupt block")

    seen = []
    with pytest.raises(ValueError, match="corrupt block"):
        for item in prefetch(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_reader():
    produced = []

    def items():
        for i in range(10_000):
            produced.append(i)
            yield i

    stream = prefetch(items(), depth=2)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.2)
    # The reader may be a few items ahead, never far: it was told to stop.
    assert len(produced) < 10
    assert not any(t.name == "losscli-reader" and t.is_alive() for t in threading.enumerate())


def test_reading_happens_in_another_thread():
    threads = []

    def items():
        for i in range(3):
            threads.append(threading.current_thread())
            yield i

    list(prefetch(items()))
    assert all(t is not threading.main_thread() for t in threads)
