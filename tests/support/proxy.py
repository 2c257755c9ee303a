"""A recording HTTP proxy on 127.0.0.1 in front of a homeserver, for tests.

It forwards every request to the upstream server and records it, so a test can
count what pushctl really sent (writes, GETs, connections, requests in flight).
A *hook* sees each request first and may change its fate, which is how faults
are injected on chosen requests::

    def hook(seen: Seen) -> Reply | Drop | None:
        if seen.is_write and seen.number % 10 == 0:
            return Reply(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "slow"},
                         headers={"Retry-After": "1"})
        if seen.path.endswith("/pushers") and seen.method == "GET":
            return Reply(502, "<html>Bad Gateway</html>",
                         headers={"Content-Type": "text/html"})
        if seen.is_write and seen.number == 3:
            return DROP                 # close the connection, answer nothing
        time.sleep(0.2)                 # slow answers: sleep, then forward
        return None                     # forward to the homeserver

The hook runs on the proxy's thread for that connection; ``proxy.hook`` may be
replaced while the proxy runs. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
        "date",
        "server",
    }
)
WRITE_PATH = "/pushers/set"


@dataclass(frozen=True)
class Seen:
    """One request as the proxy received it."""

    number: int  # 1 for the first request the proxy saw, then 2, ...
    method: str
    path: str  # without the query string
    query: str
    headers: Mapping[str, str]
    body: bytes
    connection: tuple[str, int]  # the client's address: one per HTTP connection

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def is_write(self) -> bool:
        return self.method == "POST" and self.path.endswith(WRITE_PATH)


@dataclass(frozen=True)
class Reply:
    """An answer made up by the hook instead of the homeserver's."""

    status: int
    body: Any = b""  # bytes, str, or anything JSON (sent as application/json)
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body).encode(), headers


class Drop:
    """Close the client's connection without answering."""


DROP = Drop()

Hook = Callable[[Seen], "Reply | Drop | None"]


class Proxy:
    """Use as a context manager; ``url`` is what pushctl should call its homeserver."""

    def __init__(self, upstream: str, hook: Hook | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("the proxy forwards to a plain http:// upstream only")
        self.upstream = (parts.hostname, parts.port or 80)
        self.hook = hook
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Proxy:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what was seen ----------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        """Requests seen so far; *path* matches the end of the path."""
        with self._lock:
            seen = list(self.seen)
        return [
            s
            for s in seen
            if (method is None or s.method == method) and (path is None or s.path.endswith(path))
        ]

    def writes(self) -> list[Seen]:
        """``POST .../pushers/set`` requests: creates, updates and deletes."""
        return [s for s in self.requests() if s.is_write]

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.max_in_flight = self.in_flight

    # -- used by the handler ----------------------------------------------------

    def _record(self, seen: Callable[[int], Seen]) -> Seen:
        with self._lock:
            request = seen(len(self.seen) + 1)
            self.seen.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return request

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler_for(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        pass

    Handler.proxy = proxy
    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as pushctl's sessions expect
    proxy: Proxy
    _upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        seen = self.proxy._record(
            lambda number: Seen(
                number,
                self.command,
                path,
                query,
                dict(self.headers.items()),
                body,
                self.client_address[:2],
            )
        )
        try:
            fate = self.proxy.hook(seen) if self.proxy.hook else None
            if isinstance(fate, Drop):
                self.close_connection = True
                return
            if isinstance(fate, Reply):
                content, headers = fate.encoded()
                self._answer(fate.status, headers, content)
                return
            self._forward(body)
        finally:
            self.proxy._done()

    def _forward(self, body: bytes) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        for attempt in (1, 2):  # a kept-alive upstream connection may have been closed
            connection = self._connection(fresh=attempt == 2)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                content = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                if attempt == 2:
                    self._answer(502, {"Content-Type": "text/plain"}, b"proxy: upstream failed")
                    return
        kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
        self._answer(response.status, kept, content)

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        if fresh or self._upstream is None:
            self._upstream = http.client.HTTPConnection(*self.proxy.upstream, timeout=60)
        return self._upstream

    def _answer(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)
