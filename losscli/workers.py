"""Threads that work for the main thread, which may stop at any moment.

Ctrl-C and SIGTERM raise KeyboardInterrupt in the main thread wherever it
is, between any two steps of the code it runs (see ``output.Interrupts``).
``concurrent.futures`` and ``queue.Queue`` hand work over through locks
taken and released in Python code: raised just after ``Condition.__enter__``
took one (the main thread had waited for the lock, and then for the GIL,
while the signal came), the exception leaves the lock held for ever. The
worker that needs it next never finishes, and whatever waits for that worker
waits for ever too: the clean-up on the way out (``shutdown(wait=True)``, a
reader's ``finally``), or the interpreter's exit, which joins the
executor's threads. The run hangs and never says it was interrupted.

Here work and results pass through ``queue.SimpleQueue``, whose ``put`` and
``get`` are each one call into C: an interrupt lands before or after one,
never inside. The threads are daemons, and a run that is being stopped by a
signal does not wait for them: nothing they do is needed any more, and a
reader may be waiting for a pipe that never fills. Only when the interpreter
itself ends (not ``losscli.cli.run``, which ends the process at once) are
they told to stop and given a few seconds to finish what they are doing: a
daemon thread still inside pyarrow as the interpreter tears down is ended
with an unwinding that its C++ code cannot pass, and the process aborts
("terminate called without an active exception") instead of exiting with
the signal's code.
"""

from __future__ import annotations

import atexit
import functools
import queue
import threading
import time
from concurrent.futures import CancelledError
from typing import Any, Callable

_PENDING = object()

# How long the interpreter's exit waits for threads that are still working.
EXIT_WAIT_SECONDS = 5.0

# Threads that work for the main thread, each with how to tell it to stop.
_working: dict[threading.Thread, Callable[[], None]] = {}


def working(thread: threading.Thread, stop: Callable[[], None]) -> None:
    """Register ``thread`` (before it starts) for the wait at the interpreter's
    exit; ``stop`` tells it to stop after what it is doing now."""
    _working[thread] = stop


def done() -> None:
    """Called by a registered thread as it ends."""
    _working.pop(threading.current_thread(), None)


def _stop_working_threads() -> None:
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while True:
        # Again and again: a reader finishing its piece may still start the
        # threads of a pool (the next file, the rest of a file cut again).
        busy = [thread for thread in list(_working) if thread.is_alive()]
        if not busy or time.monotonic() >= deadline:
            return
        for stop in list(_working.values()):
            stop()
        for thread in busy:
            thread.join(max(0.0, deadline - time.monotonic()))


# Called as the interpreter's exit begins, before it waits for threads and
# tears down: where concurrent.futures stops its own workers. atexit is the
# fallback; its functions run later, but still before the tear-down.
getattr(threading, "_register_atexit", atexit.register)(_stop_working_threads)


def stopped_by_signal(error: BaseException | None) -> bool:
    """Whether ``error`` is a KeyboardInterrupt (Ctrl-C, or SIGTERM's
    ``Terminated``), or was raised while one was on its way: the
    GeneratorExit of a reader closed in a ``finally``, an error of a
    clean-up step. Then clean-up must not wait for threads."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__context__
    return False


class Task:
    """A call handed to a :class:`Pool`; ``result()`` waits for it."""

    __slots__ = ("_function", "_arguments", "_outcome", "_result", "_cancelled")

    def __init__(self, function: Callable[..., Any], arguments: tuple) -> None:
        self._function: Callable[..., Any] | None = function
        self._arguments: tuple | None = arguments
        self._outcome: queue.SimpleQueue = queue.SimpleQueue()
        self._result: Any = _PENDING
        self._cancelled = False

    def _run(self) -> None:
        function, arguments = self._function, self._arguments
        # The arguments (a batch) are not held once the call is done, only its result.
        self._function = self._arguments = None
        if self._cancelled or function is None:
            self._outcome.put((False, CancelledError()))
            return
        try:
            value = function(*arguments)
        except BaseException as error:  # handed to the waiting thread, which raises it
            self._outcome.put((False, error))
        else:
            self._outcome.put((True, value))

    def result(self) -> Any:
        """The call's value, or its error raised here (CancelledError if it never ran)."""
        if self._result is _PENDING:
            self._result = self._outcome.get()
        succeeded, value = self._result
        if succeeded:
            return value
        raise value

    def cancel(self) -> None:
        """Skip the call if no thread has started it yet."""
        self._cancelled = True


def _work(tasks: queue.SimpleQueue) -> None:
    try:
        while True:
            task = tasks.get()
            if task is None:
                return
            task._run()
            del task  # not held while waiting for the next
    finally:
        done()


class Pool:
    """Up to ``workers`` daemon threads, named ``name_0``, ``name_1``...,
    running the calls submitted to them in turn. A thread is started for
    each of the first ``workers`` calls."""

    def __init__(self, workers: int, name: str) -> None:
        self._workers = workers
        self._name = name
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def submit(self, function: Callable[..., Any], *arguments: Any) -> Task:
        task = Task(function, arguments)
        self._tasks.put(task)
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=_work, args=(self._tasks,), name=f"{self._name}_{len(self._threads)}", daemon=True)
            # Counted before it starts: an interrupt during start() must not
            # leave a thread that close() sends no stop to.
            self._threads.append(thread)
            working(thread, functools.partial(self._tasks.put, None))
            thread.start()
        return task

    def close(self, *, wait: bool = True) -> None:
        """No more calls: those not started are cancelled, and each thread
        ends after its current one. ``wait``: until they have ended."""
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task.cancel()
                task._run()  # its result() raises CancelledError rather than waiting
        for _ in self._threads:
            self._tasks.put(None)
        if wait:
            for thread in self._threads:
                if thread.is_alive():  # not if an interrupt stopped its start()
                    thread.join()

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        # A run stopped by a signal has no use for what the threads are doing.
        self.close(wait=not stopped_by_signal(error))
