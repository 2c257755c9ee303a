"""Reads that run a few at a time and never keep a person waiting after Ctrl-C.

``concurrent.futures`` waits for every call in flight when its pool is left,
and again at exit, so a Ctrl-C during slow calls (a gateway that never
answers) waits for the slowest of them, and a further Ctrl-C interrupts that
wait with a traceback from thread shutdown. Here the workers are daemon
threads: on Ctrl-C the caller stops waiting at once and the calls in flight
are abandoned. Use it for reads, whose abandoned answers change nothing; the
bulk writer (:mod:`pushctl.executor`) lets its writes finish instead, so that it
can say what was applied.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: how often the waiting thread wakes, so that Ctrl-C is seen promptly everywhere
_POLL_SECONDS = 0.1


def map_interruptibly(
    function: Callable[[Item], Result], items: Sequence[Item], workers: int = 4
) -> list[Result]:
    """``[function(item) for item in items]``, *workers* at a time, in the items' order.

    *function* should not raise: an exception it raises is raised here, after
    the calls already started have been abandoned.
    """
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(items)):
        pending.put(index)
    done: queue.SimpleQueue[tuple[int, Result | None, BaseException | None]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                index = pending.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((index, function(items[index]), None))
            except BaseException as exc:  # handed to the caller, who decides
                done.put((index, None, exc))

    for number in range(min(max(1, workers), len(items))):
        threading.Thread(target=work, name=f"pushctl-read-{number}", daemon=True).start()
    results: dict[int, Result] = {}
    try:
        while len(results) < len(items):
            try:
                index, result, error = done.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if error is not None:
                raise error
            results[index] = result  # type: ignore[assignment]
    finally:
        stop.set()
    return [results[index] for index in range(len(items))]
