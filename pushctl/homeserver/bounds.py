"""The bounds of every request: how long it may take and how much its answer may hold.

Read by the sessions that make requests (:mod:`pushctl.homeserver.sessions`) and
by the transport that enforces the bounds (:mod:`pushctl.homeserver.transport`).
"""

from __future__ import annotations

MiB = 1024 * 1024
#: the most a homeserver answer may hold: a listing of about 100,000 pushers
HOMESERVER_ANSWER_LIMIT = 64 * MiB
#: the most any other answer (push gateway, discovery) may hold
ANSWER_LIMIT = 2 * MiB
#: a whole request may take this many times its longest wait (``--timeout``)
DEADLINE_FACTOR = 3
#: requests' timeout when none is given: (connect, read)
DEFAULT_TIMEOUT = (10.0, 30.0)


def deadline_seconds(timeout: float | tuple[float, float] | None) -> float:
    """Seconds a whole request may take, given requests' *timeout* (one wait, or two).

    The server has the longest wait to start answering, as before, and twice
    that again for the connection and the rest of a long answer; a server that
    drips its answer cannot hold a request longer.
    """
    waits = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    longest = max((wait for wait in waits if wait is not None), default=max(DEFAULT_TIMEOUT))
    return DEADLINE_FACTOR * longest


def size_words(size: int) -> str:
    """``64 MiB`` for a size in bytes."""
    return f"{size / MiB:g} MiB"
