"""The retry policy on a fake server: 429 storms, 5xx pages, dropped and slow connections."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pushctl.homeserver.retry import RetryPolicy, Throttle, parse_retry_after
from tests.support.accounts import assert_clean_failure

pytestmark = pytest.mark.inprocess

PUSHERS = "/_matrix/client/v3/pushers"
TOKEN = "retry-test-token-0123456789"
EMPTY = json.dumps({"pushers": []})


def env_for(url: str) -> dict[str, str]:
    return {"PUSHCTL_HOMESERVER": url, "PUSHCTL_ACCESS_TOKEN": TOKEN}


def scripted(httpserver: HTTPServer, answers: list[Callable[[], Response]]) -> list[Request]:
    """Answer GET /pushers with the given answers in turn, then with an empty list."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        if len(seen) <= len(answers):
            return answers[len(seen) - 1]()
        return Response(EMPTY, content_type="application/json")

    httpserver.expect_request(PUSHERS).respond_with_handler(handler)
    return seen


def limited(retry_after_ms: int = 50) -> Response:
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": retry_after_ms}
    return Response(json.dumps(body), status=429, content_type="application/json")


def bad_gateway() -> Response:
    return Response("<html><h1>502 Bad Gateway</h1></html>", status=502, content_type="text/html")


def test_a_429_storm_is_waited_out(httpserver: HTTPServer, pushctl) -> None:
    seen = scripted(httpserver, [limited] * 3)
    result = pushctl("-v", "list", "--json", env=env_for(httpserver.url_for("").rstrip("/")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert len(seen) == 4
    assert result.stderr.count("retrying in") == 3


def test_rate_limits_do_not_spend_the_retries(httpserver: HTTPServer, pushctl) -> None:
    # a 429 is an instruction to wait, not a failure: --retries counts failures only
    seen = scripted(httpserver, [limited] * 10)
    result = pushctl("--retries", "2", "list", "--json", env=env_for(httpserver.url_for("")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert len(seen) == 11


def test_a_persistent_429_gives_up_after_the_wait_budget(httpserver: HTTPServer, pushctl) -> None:
    seen = scripted(httpserver, [lambda: limited(200)] * 1000)
    started = time.monotonic()
    result = pushctl(
        "--rate-limit-wait", "1", "list", env=env_for(httpserver.url_for("").rstrip("/"))
    )
    assert_clean_failure(result, 1)
    assert "M_LIMIT_EXCEEDED" in result.stderr
    assert 5 <= len(seen) <= 7, "about one second of 0.2-second waits"
    assert time.monotonic() - started < 10


def test_rate_limits_and_failures_mixed_lose_nothing(httpserver: HTTPServer, pushctl) -> None:
    # what lost items before: 429s spent the same four retries as 502s
    answers: list[Callable[[], Response]] = [limited, bad_gateway, limited, limited, bad_gateway]
    seen = scripted(httpserver, answers * 2)
    result = pushctl("--retries", "4", "list", "--json", env=env_for(httpserver.url_for("")))
    assert result.returncode == 0, result.stderr
    assert len(seen) == 11


def test_retry_after_header_is_obeyed(httpserver: HTTPServer, pushctl) -> None:
    def slow_down() -> Response:
        return Response(
            json.dumps({"errcode": "M_LIMIT_EXCEEDED", "error": "x"}),
            status=429,
            headers={"Retry-After": "1"},
            content_type="application/json",
        )

    seen = scripted(httpserver, [slow_down])
    started = time.monotonic()
    result = pushctl("list", env=env_for(httpserver.url_for("").rstrip("/")))
    assert result.returncode == 0, result.stderr
    assert len(seen) == 2
    assert time.monotonic() - started >= 1.0


def test_502_pages_are_retried(httpserver: HTTPServer, pushctl) -> None:
    seen = scripted(httpserver, [bad_gateway, bad_gateway])
    result = pushctl("list", "--json", env=env_for(httpserver.url_for("").rstrip("/")))
    assert result.returncode == 0, result.stderr
    assert len(seen) == 3


def test_other_client_errors_are_not_retried(httpserver: HTTPServer, pushctl) -> None:
    def bad_request() -> Response:
        body = {"errcode": "M_BAD_JSON", "error": "no"}
        return Response(json.dumps(body), status=400, content_type="application/json")

    seen = scripted(httpserver, [bad_request] * 5)
    result = pushctl("list", env=env_for(httpserver.url_for("").rstrip("/")))
    assert_clean_failure(result, 1)
    assert len(seen) == 1


class FlakyServer:
    """A raw HTTP server that drops or delays the first connections, then answers.

    ``connections`` counts the connections that asked for the pushers: ``list``
    also asks ``whoami`` once to key its listing cache, which is no retry.
    """

    def __init__(self, behaviours: list[str], delay: float = 2.0) -> None:
        self.behaviours = list(behaviours)
        self.delay = delay
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            request = conn.recv(65536)
            behaviour = self.behaviours.pop(0) if self.behaviours else "ok"
            self.connections += b"/whoami" not in request.split(b"\r\n", 1)[0]
            if behaviour == "drop":
                return
            body = EMPTY.encode()
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
            )
            if behaviour == "truncate":
                conn.sendall((head + "\r\n\r\n").encode() + body[:5])
                return
            if behaviour == "slow":
                time.sleep(self.delay)
            with contextlib.suppress(OSError):
                conn.sendall((head + "\r\nConnection: close\r\n\r\n").encode() + body)

    def close(self) -> None:
        self.stopped = True
        self.sock.close()


@pytest.fixture
def flaky() -> Iterator[Callable[..., FlakyServer]]:
    servers: list[FlakyServer] = []

    def make(behaviours: list[str], delay: float = 2.0) -> FlakyServer:
        servers.append(FlakyServer(behaviours, delay))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_dropped_connections_are_retried(flaky, pushctl, fault: str) -> None:
    server = flaky([fault, fault])
    result = pushctl("list", "--json", env=env_for(server.url))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert server.connections == 3


def test_dropped_connections_fail_cleanly_without_retries(flaky, pushctl) -> None:
    server = flaky(["drop"] * 5)
    result = pushctl("--retries", "0", "list", env=env_for(server.url))
    assert_clean_failure(result, 1)
    assert "cannot reach the homeserver" in result.stderr


def test_a_slow_answer_times_out_and_is_retried(flaky, pushctl) -> None:
    server = flaky(["slow"], delay=3.0)
    started = time.monotonic()
    result = pushctl("--timeout", "0.5", "list", "--json", env=env_for(server.url))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 3.0, "pushctl must not wait for the slow answer"
    assert server.connections == 2


def test_always_slow_fails_with_timed_out(flaky, pushctl) -> None:
    server = flaky(["slow"] * 5, delay=2.0)
    result = pushctl("--timeout", "0.3", "--retries", "1", "list", env=env_for(server.url))
    assert_clean_failure(result, 1)
    assert "timed out" in result.stderr


def test_redirect_to_another_host_drops_the_token(httpserver: HTTPServer, pushctl) -> None:
    other = HTTPServer(host="localhost", port=0)
    other.start()
    try:
        seen: list[Request] = []

        def record(request: Request) -> Response:
            seen.append(request)
            return Response(EMPTY, content_type="application/json")

        other.expect_request(PUSHERS).respond_with_handler(record)
        target = f"http://localhost:{other.port}{PUSHERS}"
        httpserver.expect_request(PUSHERS).respond_with_data(
            "", status=307, headers={"Location": target}
        )
        result = pushctl("list", "--json", env=env_for(httpserver.url_for("").rstrip("/")))
        assert len(seen) == 1
        assert "Authorization" not in seen[0].headers
        assert TOKEN not in json.dumps(dict(seen[0].headers)) + seen[0].url
        # without a token the other host refuses nothing here, but pushctl got no pushers of ours
        assert result.returncode == 0, result.stderr
    finally:
        other.clear()
        other.stop()


def test_parse_retry_after() -> None:
    assert parse_retry_after("2", None) == 2.0
    assert parse_retry_after(None, {"retry_after_ms": 1500}) == 1.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", {"retry_after_ms": 10}) == 0.01
    assert parse_retry_after(None, {"retry_after_ms": True}) is None
    assert parse_retry_after(None, None) is None


def test_rate_limit_wait_is_capped() -> None:
    policy = RetryPolicy(retry_after_cap=60)
    assert policy.rate_limit_wait(3600, 0) == 60
    assert policy.rate_limit_wait(-5, 0) == 0


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(backoff_base=1, backoff_cap=4)
    assert all(0 <= policy.backoff(0) <= 1 for _ in range(50))
    assert all(0 <= policy.backoff(10) <= 4 for _ in range(50))


def test_throttle_holds_back_every_worker() -> None:
    throttle = Throttle()
    throttle.defer(0.3)
    started = time.monotonic()
    finished: list[float] = []

    def wait_and_note() -> None:
        throttle.wait()
        finished.append(time.monotonic())

    workers = [threading.Thread(target=wait_and_note) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(finished) == 3
    assert all(t - started >= 0.29 for t in finished)
