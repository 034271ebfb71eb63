"""The engine's and readers' worker threads: results and errors come back
where asked for, and a run stopped by a signal never waits for them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError

import pytest

from losscli.workers import Pool, stopped_by_signal


def test_results_and_errors_come_back_where_asked_for():
    def work(item: int) -> int:
        if item == 3:
            raise ValueError("bad item 3")
        return item * 10

    with Pool(2, "t") as pool:
        tasks = [pool.submit(work, item) for item in range(6)]
        assert [tasks[i].result() for i in (0, 1, 2)] == [0, 10, 20]
        with pytest.raises(ValueError, match="bad item 3"):
            tasks[3].result()
        assert tasks[5].result() == 50


def test_threads_are_named_daemons_one_per_call_up_to_the_limit():
    names = []
    with Pool(2, "losscli-t") as pool:
        for task in [pool.submit(lambda: names.append((threading.current_thread().name, threading.current_thread().daemon))) for _ in range(5)]:
            task.result()
        assert len(pool._threads) == 2
    assert {name for name, _ in names} <= {"losscli-t_0", "losscli-t_1"}
    assert all(daemon for _, daemon in names)


def test_closing_cancels_the_calls_not_started_and_waits_for_the_one_under_way():
    started, finished = [], []
    release = threading.Event()

    def work(item: int) -> None:
        started.append(item)
        release.wait(5)
        finished.append(item)

    pool = Pool(1, "t")
    tasks = [pool.submit(work, item) for item in range(3)]
    while not started:
        time.sleep(0.001)
    threading.Timer(0.1, release.set).start()
    pool.close()
    assert started == [0] and finished == [0]
    for task in tasks[1:]:
        with pytest.raises(CancelledError):
            task.result()


def test_leaving_on_a_keyboard_interrupt_does_not_wait_for_the_call_under_way():
    release = threading.Event()
    started = threading.Event()

    def work() -> None:
        started.set()
        release.wait(30)

    begun = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            with Pool(1, "t") as pool:
                pool.submit(work)
                started.wait(5)
                raise KeyboardInterrupt
        assert time.monotonic() - begun < 5
    finally:
        release.set()


def test_a_signal_is_recognised_behind_the_errors_it_caused():
    def raised_while(first: BaseException, then: BaseException) -> BaseException:
        try:
            try:
                raise first
            finally:
                raise then
        except BaseException as error:  # noqa: BLE001 - the error is the value looked at
            return error

    assert stopped_by_signal(KeyboardInterrupt())
    assert stopped_by_signal(raised_while(KeyboardInterrupt(), GeneratorExit()))
    assert stopped_by_signal(raised_while(KeyboardInterrupt(), RuntimeError("release unlocked lock")))
    assert not stopped_by_signal(ValueError("a bad value"))
    assert not stopped_by_signal(None)


def test_the_exit_waits_for_threads_started_while_it_waits(monkeypatch):
    """A reader told to stop finishes its piece first, which may start a
    pool's threads: they too are done before the interpreter tears down
    (a thread still inside pyarrow then aborts the process)."""
    import losscli.workers as workers

    monkeypatch.setattr(workers, "_working", {})
    finished = []
    told = threading.Event()

    def later() -> None:
        time.sleep(0.2)
        finished.append("started while waiting")
        workers.done()

    def first() -> None:
        told.wait(5)
        second = threading.Thread(target=later, daemon=True)
        workers.working(second, lambda: None)
        second.start()
        finished.append("told to stop")
        workers.done()

    thread = threading.Thread(target=first, daemon=True)
    workers.working(thread, told.set)
    thread.start()
    workers._stop_working_threads()
    assert finished == ["told to stop", "started while waiting"]
    assert workers._working == {}
