"""A plan's writes applied concurrently, and deleting a list of pushers the same way.

:func:`apply` runs the writes on a few workers, each with its own HTTP session
(``client.clone()``); the client decides whose pushers these are, so acting
for another user is a matter of passing another client. Pure of output:
progress is reported through a callback.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pushctl.errors import ExitStatus, NetworkError, PushctlError
from pushctl.homeserver.adaptive import DEFAULT_MAXIMUM, AdaptiveLimit
from pushctl.pushers import model
from pushctl.pushers.listing_cache import Whose
from pushctl.pushers.plan import Action, Change, Plan
from pushctl.runs.report import Outcome, Report

#: writes in a row, across workers, that got no answer at all (refused, dropped,
#: timed out, each after its retries) before a run stops starting new ones
UNANSWERED_IN_A_ROW = 6


class Worker(Protocol):
    """What :func:`apply` needs of a client: a copy for each worker thread, closed after."""

    def clone(self) -> Worker: ...

    def close(self) -> None: ...


class Guard(Protocol):
    """What :func:`apply` needs of a :class:`pushctl.runs.guard.Guard` (which acts for
    accounts, so it is made by the caller and not imported here)."""

    def check(self, change: Change) -> str | None: ...

    def close(self) -> None: ...


class PusherWriter(Protocol):
    """What the default write needs of a client.

    pushctl's :class:`~pushctl.homeserver.client.Client`.
    """

    def clone(self) -> PusherWriter: ...

    def set_pusher(self, pusher: model.Pusher, append: bool = True) -> None: ...

    def delete_pusher(self, app_id: str, pushkey: str) -> None: ...

    def close(self) -> None: ...


Perform = Callable[[Any, Change], None]


def apply(
    plan: Plan,
    client: Worker,
    *,
    concurrency: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    perform: Perform | None = None,
    guard: Guard | None = None,
    whose: Whose | None = None,
) -> Report:
    """Apply the plan's writes, a few at a time.

    How many are in flight adapts to the server (:mod:`pushctl.homeserver.adaptive`), up to
    *concurrency* (default :data:`~pushctl.homeserver.adaptive.DEFAULT_MAXIMUM`). Each
    worker writes through its own ``client.clone()``. A Ctrl-C (a
    KeyboardInterrupt in the calling thread) stops new writes from starting and
    waits for those in flight; a second one stops the wait. An authentication
    failure, or a homeserver that stopped answering, stops new writes too.
    Other failures are collected per change. *perform* makes one write with a
    worker's client (default: set the pusher, or delete it).

    With a *guard* (:mod:`pushctl.runs.guard`, closed here), each write first checks
    that the server still holds what the plan saw; a change that moved on is
    skipped, with the reason. A write sent and never answered is *unknown*,
    not failed: the server may have applied it. *whose* forgets deletions from the cache.
    """
    writes = plan.writes
    if concurrency is not None and concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    limit = AdaptiveLimit(maximum=concurrency or DEFAULT_MAXIMUM)
    run = _Run(writes, client, on_outcome, limit, _guarded(perform or perform_change, guard))
    try:
        run.run(min(limit.maximum, len(writes)))
    finally:
        if guard is not None:
            guard.close()
    report = run.report()
    if whose is not None:
        whose.forget(c for c in report.applied + report.unknown if c.action is Action.DELETE)
    return report


class _Skip(Exception):
    """Raised by a guarded write that must not go ahead (not a failure)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _guarded(perform: Perform, guard: Guard | None) -> Perform:
    if guard is None:
        return perform

    def checked(client: Any, change: Change) -> None:
        reason = guard.check(change)
        if reason is not None:
            raise _Skip(reason)
        perform(client, change)

    return checked


class _Run:
    """The shared state of one :func:`apply`: a queue of writes and the workers."""

    def __init__(
        self,
        writes: Sequence[Change],
        client: Worker,
        on_outcome: Callable[[Outcome], None] | None,
        limit: AdaptiveLimit,
        perform: Perform,
    ) -> None:
        self.writes = list(writes)
        self.perform = perform
        self.limit = limit
        self.client = client
        self.on_outcome = on_outcome
        self.pending: queue.SimpleQueue[Change] = queue.SimpleQueue()
        for change in self.writes:
            self.pending.put(change)
        self.outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.started: set[int] = set()
        self.finished: dict[int, Outcome] = {}
        self.workers: list[threading.Thread] = []
        self.interrupted = False
        self.stopped_by: Outcome | None = None
        self.unanswered = 0  # writes in a row that got no answer
        self.unanswered_since: float | None = None
        self.unreachable_since: float | None = None

    def start(self, count: int) -> None:
        for number in range(count):
            worker = threading.Thread(target=self._work, name=f"pushctl-write-{number}")
            worker.daemon = True  # a second Ctrl-C must be able to end the program
            self.workers.append(worker)
            worker.start()

    def _work(self) -> None:
        client = self.client.clone()
        try:
            while self.limit.acquire(self.stop):
                outcome = None
                try:
                    change = self._next()
                    if change is None:
                        return
                    outcome = _write(client, change, self.perform)
                    with self.lock:
                        self._judge(outcome)
                    self.outcomes.put(outcome)
                finally:
                    self.limit.release(congested=outcome is not None and _congested(outcome))
        finally:
            client.close()

    def _next(self) -> Change | None:
        """The next write to start; None once there is none or the run stops."""
        with self.lock:  # checked under the lock, so a Ctrl-C sees who started
            if self.stop.is_set():
                return None
            try:
                change = self.pending.get_nowait()
            except queue.Empty:
                return None
            self.started.add(id(change))
            return change

    def _judge(self, outcome: Outcome) -> None:
        """Stop new writes when every further one would fail the same way (under the lock).

        A refused token is refused for every write; a homeserver that has not
        answered several writes in a row is taken to be down, rather than
        spending each remaining write's retries on it.
        """
        if outcome.exit_status == ExitStatus.AUTH:
            self.stopped_by = self.stopped_by or outcome
            self.stop.set()
        if not isinstance(outcome.exception, NetworkError):
            self.unanswered, self.unanswered_since = 0, None
            return
        self.unanswered += 1
        self.unanswered_since = self.unanswered_since or time.time()
        if self.unanswered >= UNANSWERED_IN_A_ROW and self.unreachable_since is None:
            self.unreachable_since = self.unanswered_since
            self.stop.set()

    def run(self, workers: int) -> None:
        """Start the workers and collect outcomes until they are done.

        Ctrl-C: no new write starts; wait again for those in flight.
        """
        try:
            self.start(workers)
            self._collect()
        except KeyboardInterrupt:
            with self.lock:
                self.interrupted = True
                self.stop.set()
            try:
                self._collect()
            except KeyboardInterrupt:
                return  # a second Ctrl-C: stop waiting for the writes in flight

    def _collect(self) -> None:
        while True:
            try:
                outcome = self.outcomes.get(timeout=0.05)
            except queue.Empty:
                if any(worker.is_alive() for worker in self.workers):
                    continue
                while not self.outcomes.empty():  # put just before a worker ended
                    self._record(self.outcomes.get())
                return
            self._record(outcome)

    def _record(self, outcome: Outcome) -> None:
        self.finished[id(outcome.change)] = outcome
        if self.on_outcome:
            self.on_outcome(outcome)

    def report(self) -> Report:
        with self.lock:
            started = set(self.started)
        report = Report(
            interrupted=self.interrupted,
            stopped_by=self.stopped_by,
            unreachable_since=self.unreachable_since,
            order=list(self.writes),
        )
        for change in self.writes:
            outcome = self.finished.get(id(change))
            if outcome is None:
                (report.unknown if id(change) in started else report.not_started).append(change)
            elif outcome.ok:
                report.applied.append(change)
            elif outcome.skipped is not None:
                report.skipped.append(outcome)
            elif outcome.lost:
                report.unknown.append(change)
                report.lost.append(outcome)
            else:
                report.failed.append(outcome)
        return report


def _congested(outcome: Outcome) -> bool:
    """Did the server say it is overwhelmed (429, 5xx, no answer), even after retries?"""
    error = outcome.exception
    if isinstance(error, NetworkError):
        return True
    status = getattr(error, "status", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def perform_change(client: PusherWriter, change: Change) -> None:
    """One write of a plan: set the pusher, or delete it."""
    if change.action is Action.DELETE:
        client.delete_pusher(*change.key)
    else:
        # append unless asked to take the pushkey over: with append false the
        # homeserver deletes every other account's pusher with the same key
        client.set_pusher(change.pusher, append=not change.take_over)


def _write(client: Worker, change: Change, perform: Perform) -> Outcome:
    try:
        perform(client, change)
    except _Skip as skip:
        return Outcome(change, skipped=skip.reason)
    except PushctlError as exc:
        return Outcome(change, exc.message, exc.exit_status, exc)
    except Exception as exc:  # a bug or an unexpected library error: keep the others going
        return Outcome(change, f"{type(exc).__name__}: {exc}", ExitStatus.ERROR)
    return Outcome(change)
