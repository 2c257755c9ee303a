"""A push gateway on 127.0.0.1 for the tests: records every notification it gets.

It answers ``POST /_matrix/push/v1/notify`` as the Push Gateway API says, with
``{"rejected": [...]}`` listing the pushkeys it was told to reject.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NOTIFY_PATH = "/_matrix/push/v1/notify"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def notification(self) -> dict[str, Any]:
        result: dict[str, Any] = self.body["notification"]
        return result

    @property
    def pushkeys(self) -> list[str]:
        return [device["pushkey"] for device in self.notification.get("devices", [])]


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class PushGateway:
    """Use as a context manager; ``url`` is the notify URL to put in ``data.url``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.received: list[Received] = []
        self.rejecting: set[str] = set()
        #: answer every notification with HTTP 500 (a gateway that is down behind its proxy)
        self.failing = False
        self.host = host
        self._lock = threading.Lock()
        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server_class((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{NOTIFY_PATH}"

    def reject(self, *pushkeys: str) -> None:
        self.rejecting.update(pushkeys)

    def __enter__(self) -> PushGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def notifications_for(self, pushkey: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if pushkey in r.pushkeys]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path != NOTIFY_PATH:
                    self._answer(404, {"errcode": "M_UNRECOGNIZED", "error": "not here"})
                    return
                try:
                    body = json.loads(raw)
                    pushkeys = [d["pushkey"] for d in body["notification"]["devices"]]
                except (ValueError, KeyError, TypeError):
                    self._answer(400, {"error": "bad notification"})
                    return
                with gateway._lock:
                    gateway.received.append(Received(self.path, dict(self.headers), body))
                if gateway.failing:
                    self._answer(500, {"error": "gateway failing"})
                    return
                self._answer(200, {"rejected": [k for k in pushkeys if k in gateway.rejecting]})

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        return Handler
