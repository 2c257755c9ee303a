"""Loopback servers that answer on the notify path like things found in the wild.

``sygnal``: 405 on GET, a Push Gateway API answer on POST; ``unifiedpush``:
``{"unifiedpush": {"gateway": "matrix"}}`` on GET; ``html404``: a reverse proxy's
HTML 404 for everything; ``slow``: a Sygnal that takes a second to answer anything;
``hang``: a Sygnal whose notifications never get an answer (it holds them 30 s).
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

from tests.support.pushgateway import NOTIFY_PATH

MODES = ("sygnal", "unifiedpush", "html404", "slow", "hang")


class FakeGateway:
    def __init__(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode
        self.posts = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{NOTIFY_PATH}"

    def __enter__(self) -> FakeGateway:
        Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if fake.mode == "slow":
                    time.sleep(1)
                if fake.mode == "unifiedpush":
                    self._send(200, "application/json", {"unifiedpush": {"gateway": "matrix"}})
                elif fake.mode == "html404":
                    self._send(404, "text/html", "<html><body>Not Found</body></html>")
                else:
                    self._send(405, "application/json", {"error": "Method not allowed"})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.posts += 1
                if fake.mode == "slow":
                    time.sleep(1)
                if fake.mode == "hang":
                    time.sleep(30)
                    return
                if fake.mode == "html404":
                    self._send(404, "text/html", "<html><body>Not Found</body></html>")
                else:
                    self._send(200, "application/json", {"rejected": []})

            def _send(self, status: int, kind: str, body: Any) -> None:
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
