"""The adaptive limit of writes in flight, against simulated servers (no threads, a fake clock)."""

from __future__ import annotations

import itertools
import random
import statistics
import threading
from collections.abc import Callable

from pushctl.homeserver.adaptive import AdaptiveLimit

#: seconds one window of *writes* takes on a server that serves *capacity* at once
Server = Callable[[int, int], float]


def queueing(writes: int, capacity: int) -> float:
    """Past its capacity the server only queues: throughput stays, latency grows."""
    return 0.01 * max(1.0, writes / capacity)


def thrashing(writes: int, capacity: int) -> float:
    """Past its capacity the server loses throughput (contention, swapping)."""
    return 0.01 * max(1.0, (writes / capacity) ** 2)


def jittery(server: Server, seed: int, spread: float = 0.25) -> Server:
    """*server* with each window up to *spread* faster or slower, as on a busy machine."""
    chance = random.Random(seed)
    return lambda writes, capacity: (
        server(writes, capacity) * chance.uniform(1 - spread, 1 + spread)
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_window(
    limit: AdaptiveLimit,
    clock: Clock,
    capacity: int,
    congested: bool = False,
    server: Server = queueing,
) -> None:
    """As many writes as the limit, their answers spread over the time the server takes."""
    writes = limit.limit
    for _ in range(writes):
        assert limit.acquire()
    took = server(writes, capacity)
    for number in range(writes):
        clock.now += took / writes
        limit.release(congested=congested and number == 0)


def settle(
    capacity: int, maximum: int = 16, windows: int = 40, server: Server = queueing
) -> list[int]:
    clock = Clock()
    limit = AdaptiveLimit(maximum=maximum, clock=clock)
    seen = []
    for _ in range(windows):
        run_window(limit, clock, capacity, server=server)
        seen.append(limit.limit)
    return seen


def test_slow_start_doubles_until_throughput_falls_then_undoes_the_last_doubling() -> None:
    seen = settle(capacity=8, server=thrashing, windows=80)
    assert seen[:4] == [4, 8, 16, 8], "doubles while throughput holds, undoes the doubling"
    assert set(seen[4:]) <= {7, 8, 9, 10, 11}, seen


def test_a_server_that_only_queues_gets_the_cap() -> None:
    # there more writes in flight cost latency, never throughput; stopping short would
    seen = settle(capacity=8, server=queueing)
    assert seen[:3] == [4, 8, 16]
    # now and then one below, to check that the cap still pays
    assert set(seen[2:]) == {15, 16} and seen.count(16) > 3 * seen.count(15), seen


def test_the_limit_never_exceeds_the_cap() -> None:
    assert max(settle(capacity=100, maximum=6)) == 6
    assert max(settle(capacity=100, maximum=1)) == 1


def test_a_fast_server_gets_the_cap() -> None:
    assert settle(capacity=64, maximum=16)[-1] == 16


def test_jitter_does_not_wear_the_limit_down() -> None:
    # Single windows on a busy machine vary by a quarter either way; judged one by
    # one against the best seen, a lucky window made every later one look like a
    # fall, and the limit sank to a third of what the server takes.
    for seed in range(10):
        seen = settle(capacity=64, maximum=16, windows=60, server=jittery(queueing, seed))
        assert statistics.median(seen[10:]) >= 15, (seed, seen)


def test_an_overloaded_server_keeps_the_limit_at_its_capacity() -> None:
    seen = settle(capacity=8, maximum=32, windows=80, server=thrashing)
    assert set(seen[3:]) == {8, 9}, "one writer past the capacity costs a fifth: taken back"


def test_jitter_on_an_overloaded_server_keeps_the_limit_near_its_capacity() -> None:
    # Past the capacity each writer costs less than the last (9 -> 10 loses 10%,
    # 15 -> 16 only 6%), so jitter hides the losses further up: the limit wanders
    # above the capacity, but stays within twice it, never near the cap.
    for seed in range(10):
        seen = settle(capacity=8, maximum=32, windows=120, server=jittery(thrashing, seed))
        assert 8 <= statistics.median(seen[3:]) <= 16, (seed, seen)


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


def test_after_congestion_the_limit_climbs_back_one_at_a_time() -> None:
    clock = Clock()
    limit = AdaptiveLimit(maximum=16, clock=clock)
    for _ in range(3):
        run_window(limit, clock, capacity=64)
    run_window(limit, clock, capacity=64, congested=True)
    assert limit.limit == 8
    seen = []
    for _ in range(12):
        run_window(limit, clock, capacity=64)
        seen.append(limit.limit)
    steps = [after - before for before, after in itertools.pairwise(seen)]
    assert set(steps) <= {0, 1} and seen[-1] > 8, seen


def test_acquire_gives_up_when_the_run_stops() -> None:
    limit = AdaptiveLimit(maximum=1)
    assert limit.acquire()
    stop = threading.Event()
    stop.set()
    assert limit.acquire(stop) is False


def test_a_storm_of_server_errors_keeps_halving_once_per_window() -> None:
    clock = Clock()
    limit = AdaptiveLimit(maximum=16, clock=clock)
    for _ in range(3):
        run_window(limit, clock, capacity=64)
    seen = []
    for _ in range(30):
        writes = limit.limit
        for _ in range(writes):
            assert limit.acquire()
        for _ in range(writes):
            clock.now += 0.001
            limit.release(congested=True)  # every answer a 503
        seen.append(limit.limit)
    assert seen[0] == 8 and seen[-1] == 1, seen
    # halved again and again, but never twice within one window's answers
    assert all(after in (before, before // 2) for before, after in itertools.pairwise(seen))
    assert seen.count(4) * 4 >= 16 and seen.count(2) * 2 >= 16, seen
