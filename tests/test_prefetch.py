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


def test_in_order_keeps_item_order_whatever_finishes_first():
    from losscli.io.prefetch import in_order

    def slow_for_even(item: int) -> int:
        time.sleep(0.003 if item % 2 == 0 else 0)
        return item * 10

    assert list(in_order(slow_for_even, range(40), workers=3, name="t")) == [i * 10 for i in range(40)]


def test_in_order_takes_at_most_workers_items_ahead():
    from losscli.io.prefetch import in_order

    taken = []

    def items():
        for i in range(20):
            taken.append(i)
            yield i

    results = in_order(lambda i: i, items(), workers=2, name="t")
    assert next(results) == 0
    # Item 0 consumed, items 1 and 2 in flight; nothing further was read.
    assert taken == [0, 1, 2]
    results.close()


def test_in_order_raises_an_error_at_its_item_and_stops_queued_work():
    from losscli.io.prefetch import in_order

    started = []

    def work(item: int) -> int:
        started.append(item)
        if item == 3:
            raise ValueError("bad piece 3")
        return item

    seen = []
    with pytest.raises(ValueError, match="bad piece 3"):
        for value in in_order(work, range(100), workers=2, name="t"):
            seen.append(value)
    assert seen == [0, 1, 2]
    time.sleep(0.05)
    assert max(started) <= 5  # no more than the items in flight when it failed


def test_a_consumer_stopped_by_a_signal_does_not_wait_for_the_reader():
    """Closing the stream on the way out of a Ctrl-C (as the engine's caller
    does in its ``finally``) leaves a reader in the middle of a long read
    (a large row group, a pipe slow to fill) to end on its own."""
    release = threading.Event()

    def items():
        yield 1
        release.wait(30)
        yield 2

    stream = prefetch(items())
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            try:
                assert next(stream) == 1
                raise KeyboardInterrupt
            finally:
                stream.close()
        assert time.monotonic() - started < 5
    finally:
        release.set()
