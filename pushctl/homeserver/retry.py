"""When to try a request again, and how long to wait first.

One policy serves every request. A :class:`Throttle` is shared by all the
workers of a bulk run, so that a 429 answered to one of them slows them all.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

RETRYABLE_STATUSES = frozenset({502, 503, 504})
RATE_LIMITED = 429


#: how long one run waits out rate limits in all, by default, before giving up
RATE_LIMIT_BUDGET = 600.0


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class RetryPolicy(NamedTuple):
    #: retries of a failure (5xx, dropped or timed-out connection); a 429 is not one
    retries: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    #: seconds of waiting for rate limits, shared by the whole run, before giving up
    rate_limit_budget: float = RATE_LIMIT_BUDGET

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given (0-based) attempt."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def rate_limit_wait(self, retry_after: float | None, attempt: int) -> float:
        if retry_after is None:
            return self.backoff(attempt) + self.backoff_base
        return min(max(retry_after, 0.0), self.retry_after_cap)


@dataclass
class Throttle:
    """A moment before which no worker starts a request, and how long it has held them.

    A 429 is the server saying when to come back: every worker waits, and the
    wait counts against the run's rate-limit budget, not against any request's
    retries. ``held`` counts wall-clock time once, however many workers wait.
    """

    _not_before: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    held: float = 0.0

    def defer(self, seconds: float) -> None:
        with self._lock:
            now = time.monotonic()
            until = now + seconds
            if until > self._not_before:
                self.held += until - max(self._not_before, now)
                self._not_before = until

    def wait(self) -> None:
        while True:
            with self._lock:
                delay = self._not_before - time.monotonic()
            if delay <= 0:
                return
            time.sleep(delay)


def parse_retry_after(header: str | None, body: object) -> float | None:
    """Seconds to wait from a ``Retry-After`` header or a ``retry_after_ms`` field.

    None when neither holds a number; NaN counts as none, and a number too large
    for a float as infinity (which :meth:`RetryPolicy.rate_limit_wait` caps).
    """
    if header:
        try:
            seconds = float(header)
        except ValueError:
            pass  # an HTTP date; rare from homeservers, fall back to the body
        else:
            if not math.isnan(seconds):
                return seconds
    if isinstance(body, dict):
        millis = body.get("retry_after_ms")
        if isinstance(millis, (int, float)) and not isinstance(millis, bool):
            return _seconds(millis)
    return None


def _seconds(millis: float) -> float | None:
    try:
        seconds = millis / 1000.0
    except OverflowError:  # an integer past the range of a float
        return math.inf if millis > 0 else -math.inf
    return None if math.isnan(seconds) else seconds
