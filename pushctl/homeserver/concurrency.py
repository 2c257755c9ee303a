"""Reads that run a few at a time and never keep a person waiting after Ctrl-C.

``concurrent.futures`` waits for every call in flight when its pool is left,
and again at exit, so a Ctrl-C during slow calls (a gateway that never
answers) waits for the slowest of them, and a further Ctrl-C interrupts that
wait with a traceback from thread shutdown. Here the workers are daemon
threads: on Ctrl-C the caller stops waiting at once and the calls in flight
are abandoned. Use it for reads, whose abandoned answers change nothing; the
bulk writer (:mod:`pushctl.runs.executor`) lets its writes finish instead, so that it
can say what was applied.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from pushctl.homeserver.adaptive import AdaptiveLimit

Item = TypeVar("Item")
Result = TypeVar("Result")

#: how often the waiting thread wakes, so that Ctrl-C is seen promptly everywhere
_POLL_SECONDS = 0.1


def map_interruptibly(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int = 4,
    *,
    limit: AdaptiveLimit | None = None,
    congested: Callable[[Result], bool] | None = None,
) -> list[Result]:
    """``[function(item) for item in items]``, *workers* at a time, in the items' order.

    With *limit*, how many run at once adapts to the server as bulk writes do
    (:mod:`pushctl.homeserver.adaptive`), up to its maximum; *congested* tells which
    results mean the server was overwhelmed. *function* should not raise: an
    exception it raises is raised here, after the calls already started have
    been abandoned.
    """
    if limit is not None:
        workers = limit.maximum
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(items)):
        pending.put(index)
    done: queue.SimpleQueue[tuple[int, Result | None, BaseException | None]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            if limit is not None and not limit.acquire(stop):
                return
            jammed = False
            try:
                try:
                    index = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = function(items[index])
                    jammed = congested is not None and congested(result)
                    done.put((index, result, None))
                except BaseException as exc:  # handed to the caller, who decides
                    jammed = True
                    done.put((index, None, exc))
            finally:
                if limit is not None:
                    limit.release(congested=jammed)

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
