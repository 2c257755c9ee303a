"""How many writes to keep in flight: found by watching the server, not guessed.

One homeserver takes more writes at once than another (workers, CPU cores, a
proxy's rate limit), and the best number changes during a run. The limit here
works as TCP's congestion control does, with the server's throughput (answers
per second) as the delay signal:

- **slow start**: begin with 2 writes in flight and double the limit after each
  window (as many answers as the limit) while throughput does not fall; the
  first window that falls undoes the last doubling and ends slow start;
- **additive steps**: past slow start, add one writer per window unless the
  last one added cost throughput (this window is clearly slower than the last
  one measured one writer lower), in which case take it back; at the cap, step
  one below now and then to check that the cap still pays;
- **multiplicative decrease**: halve the limit, at most once per window, when
  the server signals congestion (429, a 5xx, a timeout or a dropped
  connection), and leave slow start for good.

The limit climbs while throughput holds, not only while it rises: for a bulk
job, more writes queued at the server cost only latency, while a limit below
what the server takes costs throughput. Measured on one Synapse process on
2 cores (400 new pushers), 32 writes in flight took 2.67 s, 16 took 2.96 s
and 8 took 3.07 s (bare pools of request threads, medians of 8 rounds).

Each step is judged against the neighbouring limit measured a moment ago,
never against the best window seen: single windows are noisy (a few dozen
milliseconds each), and a lucky one made every later window look like a fall.

The limit never exceeds *maximum* (``--concurrency N`` sets it) nor falls
below 1. Threads call :meth:`acquire` before a write and :meth:`release` after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: writes in flight before anything is known of the server
INITIAL = 2
#: the cap when none is given: one Synapse process still gained from 16 to 32
DEFAULT_MAXIMUM = 32
#: a window below this share of the one before it (slow start) or of the
#: limit one lower (past it) is a fall: the last writer added cost throughput
FALL = 0.90
#: past slow start, answers per window at least: fewer measure only jitter
MIN_WINDOW = 16
#: windows after which a measurement of a neighbouring limit is too old to judge by
STALE = 8


class AdaptiveLimit:
    """A limit on writes in flight that follows the server's throughput and congestion."""

    def __init__(
        self,
        maximum: int = DEFAULT_MAXIMUM,
        initial: int = INITIAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = max(1, maximum)
        self.limit = max(1, min(initial, self.maximum))
        self.in_flight = 0
        self._clock = clock
        self._changed = threading.Condition()
        self._slow_start = True
        self._previous = 0.0  # slow start: the window before
        #: past slow start: limit -> (throughput, window number) of its last window
        self._measured: dict[int, tuple[float, int]] = {}
        self._windows = 0
        self._window_start = clock()
        self._window_done = 0
        #: answers still due for writes started under the previous limit: a
        #: window starts once they are in, so that it measures one limit only
        self._settling = 0
        self._decreased_in_window = False

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for room for one more write; False if *stop* was set meanwhile."""
        with self._changed:
            while self.in_flight >= self.limit:
                if stop is not None and stop.is_set():
                    return False
                self._changed.wait(0.05)
            self.in_flight += 1
            return True

    def release(self, congested: bool = False) -> None:
        """One write is done; *congested* if the server signalled it was overwhelmed."""
        with self._changed:
            self.in_flight -= 1
            if congested:
                self._back_off()
            if self._settling:
                self._settling -= 1
                if not self._settling:
                    self._window_start, self._window_done = self._clock(), 0
            else:
                self._window_done += 1
                if self._window_done >= self._window_size():
                    self._end_window()
            self._changed.notify_all()

    def _window_size(self) -> int:
        return self.limit if self._slow_start else max(self.limit, MIN_WINDOW)

    def _back_off(self) -> None:
        self._slow_start = False
        if not self._decreased_in_window:
            self.limit = max(1, self.limit // 2)
            self._decreased_in_window = True
            self._measured.clear()  # the server changed: measure again
            self._settling = self.in_flight

    def _end_window(self) -> None:
        now = self._clock()
        throughput = self._window_done / max(now - self._window_start, 1e-6)
        self._windows += 1
        before = self.limit
        if self._decreased_in_window:
            pass  # congestion already set the limit; this window measured the storm
        elif self._slow_start:
            self._slow_start_step(throughput)
        else:
            self._additive_step(throughput)
        self._window_start, self._window_done = now, 0
        self._decreased_in_window = False
        if self.limit != before:
            self._settling = self.in_flight

    def _slow_start_step(self, throughput: float) -> None:
        if throughput < self._previous * FALL:
            # the last doubling overwhelmed the server: undo it and go on in small steps
            self._slow_start = False
            self.limit = max(1, self.limit // 2)
            self._measured[self.limit] = (self._previous, self._windows)
        elif self.limit < self.maximum:
            self.limit = min(self.maximum, self.limit * 2)
        else:
            self._slow_start = False
            self._measured[self.limit] = (throughput, self._windows)
        self._previous = throughput

    def _additive_step(self, throughput: float) -> None:
        level = self.limit
        self._measured[level] = (throughput, self._windows)
        lower = self._recent(level - 1)
        if lower is not None and throughput < lower * FALL:
            self.limit = level - 1
        elif level < self.maximum:
            self.limit = level + 1
        elif lower is None and level > 1:
            self.limit = level - 1  # at the cap: does the last writer still pay?

    def _recent(self, level: int) -> float | None:
        """The throughput last measured at *level*, unless that is too old to judge by."""
        measured = self._measured.get(level)
        if measured is None or self._windows - measured[1] > STALE:
            return None
        return measured[0]
