"""A fake homeserver and push gateway that answer each endpoint as a test says.

:class:`FakeServer` answers every path on 127.0.0.1 from a table of
:class:`Answer`, keyed by the endpoint the path belongs to (:func:`endpoint_of`),
and records which endpoints it answered. :func:`baseline` is the table of valid
answers; a fuzz test replaces some of them with the strategies of
:mod:`tests.support.fuzzanswers`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "fuzz-access-token-7c41d2e9b0"
#: the short-lived token the admin API issues to act for another user
ACTING_TOKEN = "fuzz-acting-token-3f9a60c1d8"
ALICE = "@alice:localhost"
BOB = "@bob:localhost"
APP_ID = "org.example.app"
NOTIFY = "/_matrix/push/v1/notify"

_ENDPOINTS = (
    ("versions", r"/_matrix/client/versions"),
    ("whoami", r"/_matrix/client/[^/]+/account/whoami"),
    ("pushers", r"/_matrix/client/[^/]+/pushers"),
    ("set", r"/_matrix/client/[^/]+/pushers/set"),
    ("devices", r"/_matrix/client/[^/]+/devices"),
    ("login", r"/_matrix/client/[^/]+/login"),
    ("logout", r"/_matrix/client/[^/]+/logout"),
    ("admin_pushers", r"/_synapse/admin/v1/users/[^/]+/pushers"),
    ("admin_devices", r"/_synapse/admin/v2/users/[^/]+/devices"),
    ("admin_user", r"/_synapse/admin/v2/users/[^/]+"),
    ("admin_login", r"/_synapse/admin/v1/users/[^/]+/login"),
    ("notify", re.escape(NOTIFY)),
)


def endpoint_of(path: str) -> str:
    """The endpoint a request path belongs to; ``other`` for any other path."""
    for name, pattern in _ENDPOINTS:
        if re.fullmatch(pattern, path):
            return name
    return "other"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, body bytes, content type (None: no header) and headers."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, value: Any, status: int = 200) -> Answer:
        return cls(status, json.dumps(value).encode())

    def response(self) -> Response:
        response = Response(self.body, status=self.status)
        del response.headers["Content-Type"]
        if self.content_type is not None:
            response.headers["Content-Type"] = self.content_type
        for name, value in self.headers:
            response.headers[name] = value
        return response

    def __repr__(self) -> str:  # short enough for a falsifying example
        body = self.body if len(self.body) <= 200 else self.body[:200] + b"..."
        return f"Answer({self.status}, {body!r}, {self.content_type!r}, {self.headers!r})"


NOT_FOUND = Answer.of({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}, 404)


@dataclass
class FakeServer:
    """An HTTP server on 127.0.0.1 answering each endpoint from :attr:`answers`."""

    answers: dict[str, Answer] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    _server: HTTPServer = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self._server.expect_request(re.compile(".*")).respond_with_handler(self._answer)

    def start(self) -> FakeServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.clear()
        self._server.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def serve(self, answers: Mapping[str, Answer]) -> None:
        """Answer from *answers* from now on, and forget what was served."""
        with self._lock:
            self.answers = dict(answers)
            self.served = []

    def _answer(self, request: Request) -> Response:
        name = endpoint_of(request.path)
        with self._lock:
            self.served.append(name)
            answer = self.answers.get(name, NOT_FOUND)
        return answer.response()


def pusher(pushkey: str, gateway: str, **fields: Any) -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "pushkey": pushkey,
        "kind": "http",
        "app_display_name": "App",
        "device_display_name": "Phone",
        "lang": "en",
        "data": {"url": gateway + NOTIFY},
        **fields,
    }


def baseline_values(gateway: str) -> dict[str, Any]:
    """The valid answer of every endpoint, as JSON values."""
    pushers = [
        pusher("k1", gateway, **{"org.matrix.msc3881.device_id": "DEV1"}),
        pusher("k2", gateway, device_display_name="Tablet", enabled=True, device_id="DEV2"),
    ]
    devices = [
        {"device_id": "DEV1", "display_name": "Phone", "last_seen_ts": 1_000},
        {"device_id": "DEV2", "display_name": "Tablet", "last_seen_ts": None},
    ]
    return {
        "versions": {"versions": ["r0.6.1", "v1.1", "v1.11"]},
        "whoami": {"user_id": ALICE, "device_id": "DEV1"},
        "pushers": {"pushers": pushers},
        "set": {},
        "devices": {"devices": devices},
        "login": {"access_token": TOKEN, "user_id": ALICE, "device_id": "DEV9"},
        "logout": {},
        "admin_pushers": {"pushers": pushers, "total": 2},
        "admin_devices": {"devices": devices, "total": 2},
        "admin_user": {"name": BOB, "admin": False, "deactivated": False, "locked": False},
        "admin_login": {"access_token": ACTING_TOKEN},
        "notify": {"rejected": []},
    }


def baseline(gateway: str) -> dict[str, Answer]:
    return {name: Answer.of(value) for name, value in baseline_values(gateway).items()}
