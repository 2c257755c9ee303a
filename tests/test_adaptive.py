"""The adaptive limit of writes in flight, against simulated servers (no threads, a fake clock)."""

from __future__ import annotations

import threading

from pushctl.adaptive import AdaptiveLimit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_window(limit: AdaptiveLimit, clock: Clock, capacity: int, congested: bool = False) -> None:
    """One window of writes at the limit, on a server that serves *capacity* at once."""
    writes = limit.limit
    for _ in range(writes):
        assert limit.acquire()
    # each write takes 10 ms; beyond the capacity, writes only queue
    clock.now += 0.01 * max(1.0, writes / capacity)
    for number in range(writes):
        limit.release(congested=congested and number == 0)


def settle(capacity: int, maximum: int = 16, windows: int = 40) -> list[int]:
    clock = Clock()
    limit = AdaptiveLimit(maximum=maximum, clock=clock)
    seen = []
    for _ in range(windows):
        run_window(limit, clock, capacity)
        seen.append(limit.limit)
    return seen


def test_slow_start_doubles_up_to_what_the_server_can_take() -> None:
    seen = settle(capacity=8)
    assert seen[:4] == [4, 8, 16, 8], "doubles while throughput rises, undoes the last"
    assert set(seen[4:]) <= {7, 8, 9}, seen


def test_the_limit_never_exceeds_the_cap() -> None:
    assert max(settle(capacity=100, maximum=6)) == 6
    assert max(settle(capacity=100, maximum=1)) == 1


def test_a_fast_server_gets_the_cap() -> None:
    assert settle(capacity=64, maximum=16)[-1] == 16


def test_congestion_halves_the_limit_once_per_window() -> None:
    clock = Clock()
    limit = AdaptiveLimit(maximum=16, clock=clock)
    for _ in range(3):
        run_window(limit, clock, capacity=64)
    assert limit.limit == 16
    for _ in range(limit.limit):
        limit.acquire()
    for _ in range(16):
        limit.release(congested=True)  # a storm of 429s in one window
    assert limit.limit == 8, "halved once, not to 1"


def test_acquire_gives_up_when_the_run_stops() -> None:
    limit = AdaptiveLimit(maximum=1)
    assert limit.acquire()
    stop = threading.Event()
    stop.set()
    assert limit.acquire(stop) is False
