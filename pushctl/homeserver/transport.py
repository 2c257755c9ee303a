"""An HTTP session whose every answer has bounds: a deadline and a size.

``timeout`` in requests limits each wait for the next bytes, not the answer: a
server that sends a byte every second holds a request for hours, and an endless
answer fills memory. In a :class:`BoundedSession` each request (connecting,
sending, every redirect and the whole of each answer) ends by a deadline
(:func:`pushctl.homeserver.bounds.deadline_seconds`), and each answer body is read in
pieces, up to a size cap, into ``response.content`` as callers expect.

At the deadline a watchdog thread shuts the request's sockets down, which ends
any read at once, TLS handshakes included; the request then raises
:class:`AnswerTimeout`, a read timeout. Sockets are shut down through a
duplicate of their file descriptor, owned here, so a descriptor that was
closed and reused meanwhile is never touched.

Imports requests and urllib3: import this module only when a session is made.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from pushctl.homeserver.bounds import deadline_seconds, size_words

_CHUNK = 64 * 1024


class AnswerTimeout(requests.exceptions.ReadTimeout):
    """The whole exchange did not end by its deadline."""


class AnswerTooLarge(requests.RequestException):
    """The answer's body is larger than the session takes."""

    def __init__(self, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(f"answer larger than {size_words(limit)}", **kwargs)


class Deadline:
    """The moment a request must be over, and the sockets to shut down then."""

    __slots__ = ("_lock", "_twins", "ended", "expired", "seconds", "when")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.when = time.monotonic() + seconds
        self.expired = False  # the watchdog came
        self.ended = False  # the request is over, whatever its outcome
        self._twins: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.when

    def watch(self, sock: socket.socket) -> None:
        """Shut *sock* down at the deadline (at once if it has passed)."""
        try:
            twin = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:  # already closed: nothing to wait on
            return
        with self._lock:
            if not self.ended:
                self._twins.append(twin)
                if self.expired:
                    _shut(twin)
                return
        twin.close()

    def expire(self) -> None:
        with self._lock:
            if self.ended:
                return
            self.expired = True
            for twin in self._twins:
                _shut(twin)

    def end(self) -> None:
        with self._lock:
            self.ended = True
            twins, self._twins = self._twins, []
        for twin in twins:
            twin.close()


def _shut(twin: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected (any more)
        twin.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires deadlines as they come, started on first use.

    Deadlines that ended in time stay in the heap until they come up or until
    they outnumber the live ones, when the heap is rebuilt without them: a bulk
    run makes thousands of requests within one deadline.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._live = 0
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._changed:
            heapq.heappush(self._due, (deadline.when, next(self._order), deadline))
            self._live += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pushctl-deadlines")
                self._thread.daemon = True
                self._thread.start()
            if self._due[0][2] is deadline:  # sooner than the thread is waiting for
                self._changed.notify()

    def disarm(self, deadline: Deadline) -> None:
        deadline.end()
        with self._changed:
            self._live -= 1
            if len(self._due) > 64 and len(self._due) > 2 * self._live:
                self._due = [entry for entry in self._due if not entry[2].ended]
                heapq.heapify(self._due)

    def _run(self) -> None:
        while True:
            for deadline in self._next_expired():
                deadline.expire()

    def _next_expired(self) -> list[Deadline]:
        with self._changed:
            while True:
                now = time.monotonic()
                expired = []
                while self._due and (self._due[0][2].ended or self._due[0][0] <= now):
                    deadline = heapq.heappop(self._due)[2]
                    if not deadline.ended:
                        expired.append(deadline)
                if expired:
                    return expired
                self._changed.wait(self._due[0][0] - now if self._due else None)


_WATCHDOG = _Watchdog()
#: the deadline of the request this thread is making, for the connections it opens
_current = threading.local()


def _watch(sock: socket.socket | None) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before any TLS handshake
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a connection kept from an earlier request, or just wrapped in TLS
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _BoundedAdapter(HTTPAdapter):
    """Reads every answer's body (each redirect's too) up to *limit* bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:  # SOCKS keeps its own connections
            manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kwargs["stream"] = True
        response: requests.Response = super().send(request, *args, **kwargs)
        _read_body(response, self.limit)
        return response


def _read_body(response: requests.Response, limit: int) -> None:
    """``response.content``, read in pieces; AnswerTooLarge past *limit* bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise AnswerTooLarge(limit, request=response.request, response=response)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()
            raise AnswerTooLarge(limit, request=response.request, response=response)
        chunks.append(chunk)
    response._content = b"".join(chunks)


class BoundedSession(requests.Session):
    """A session whose requests end by their deadline and whose answers stop at *limit* bytes.

    *bundle*, a CA bundle file, wins over ``REQUESTS_CA_BUNDLE`` and
    ``CURL_CA_BUNDLE``: requests would otherwise let those override it.
    """

    def __init__(self, limit: int, bundle: str | None = None) -> None:
        super().__init__()
        self.bundle = bundle
        adapter = _BoundedAdapter(limit)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.bundle is not None:
            settings["verify"] = self.bundle
        return settings

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        timeout = kwargs.get("timeout", args[6] if len(args) > 6 else None)
        deadline = Deadline(deadline_seconds(timeout))
        outer = getattr(_current, "deadline", None)
        _current.deadline = deadline
        _WATCHDOG.arm(deadline)
        try:
            response = super().request(method, url, *args, **kwargs)
        except AnswerTooLarge:
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.passed:
                raise _timed_out(deadline) from exc
            raise
        finally:
            _WATCHDOG.disarm(deadline)
            _current.deadline = outer
        if deadline.expired:  # a shut-down socket can look like the end of an answer
            response.close()
            raise _timed_out(deadline)
        return response


def _timed_out(deadline: Deadline) -> AnswerTimeout:
    return AnswerTimeout(f"no whole answer within {deadline.seconds:g} seconds")
