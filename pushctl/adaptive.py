"""How many writes to keep in flight: found by watching the server, not guessed.

One homeserver takes more writes at once than another (workers, CPU cores, a
proxy's rate limit), and the best number changes during a run. The limit here
works as TCP's congestion control does:

- **slow start**: begin with 2 writes in flight and double the limit after each
  window (as many answers as the limit) while throughput keeps rising clearly;
- **additive increase**: once a doubling stops paying (it is undone), add one
  per window while throughput still rises, and take one back when it falls;
- **multiplicative decrease**: halve the limit, at most once per window, when
  the server signals congestion (429, a 5xx, a timeout or a dropped
  connection), and leave slow start for good.

The limit never exceeds *maximum* (``--concurrency N`` sets it) nor falls
below 1. Threads call :meth:`acquire` before a write and :meth:`release` after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: writes in flight before anything is known of the server
INITIAL = 2
#: the cap when none is given: past this, one Synapse only queues
DEFAULT_MAXIMUM = 16
#: a doubling must raise throughput by this much to double again
SLOW_START_GAIN = 1.10
#: past slow start, one more writer while throughput beats the best seen by this
GAIN = 1.05
#: and one fewer when it falls below the best seen by this
LOSS = 0.90


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
        self._best = 0.0
        self._window_start = clock()
        self._window_done = 0
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
            self._window_done += 1
            if congested:
                self._back_off()
            elif self._window_done >= self.limit:
                self._end_window()
            self._changed.notify_all()

    def _back_off(self) -> None:
        self._slow_start = False
        if not self._decreased_in_window:
            self.limit = max(1, self.limit // 2)
            self._decreased_in_window = True
            self._best = 0.0  # measure again at the new limit

    def _end_window(self) -> None:
        now = self._clock()
        throughput = self._window_done / max(now - self._window_start, 1e-6)
        gained = throughput >= self._best * SLOW_START_GAIN
        if self._slow_start and gained and self.limit < self.maximum:
            self.limit = min(self.maximum, self.limit * 2)
        elif self._slow_start:
            self._slow_start = False
            if not gained:  # the last doubling only queued writes at the server: undo it
                self.limit = max(1, self.limit // 2)
        elif throughput > self._best * GAIN:
            self.limit = min(self.maximum, self.limit + 1)
        elif throughput < self._best * LOSS:
            self.limit = max(1, self.limit - 1)
            self._best = throughput  # judge the next window against this one
        self._best = max(self._best * 0.99, throughput)  # forget old bests slowly
        self._window_start, self._window_done = now, 0
        self._decreased_in_window = False
