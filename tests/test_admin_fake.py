"""--user and prune on a fake homeserver: what a real Synapse cannot be made to do.

A server without the admin API, a write still in flight when Ctrl-C comes, a
logout that fails, a deletion that fails.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.accounts import assert_clean_failure, clean_env, make_pusher
from tests.support.pushgateway import PushGateway
from tests.support.signals import default_sigint

pytestmark = pytest.mark.inprocess

TOKEN = "admin-token-for-fake-server"
ACTING = "acting-token-for-fake-server"
BOB = "@bob:localhost"
LOGIN = f"/_synapse/admin/v1/users/{BOB}/login"
SET = "/_matrix/client/v3/pushers/set"
SET_ARGS = [
    "--app-id", "org.example.app", "--app-display-name", "Example",
    "--device-display-name", "Phone", "--lang", "en",
    "--url", "https://push.pushctl.invalid/_matrix/push/v1/notify",
]  # fmt: skip


def env_for(server: HTTPServer) -> dict[str, str]:
    return {"PUSHCTL_HOMESERVER": server.url_for("/").rstrip("/"), "PUSHCTL_ACCESS_TOKEN": TOKEN}


def as_json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def threaded() -> Iterator[HTTPServer]:
    """A fake homeserver that answers while another request is still being handled."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def serve_admin_login(server: HTTPServer, logins: list[dict[str, object]]) -> None:
    server.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": "@admin:localhost"}
    )

    def login(request: Request) -> Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        logins.append(request.get_json())
        return as_json({"access_token": ACTING})

    server.expect_request(LOGIN, method="POST").respond_with_handler(login)


def serve_no_pushers(server: HTTPServer) -> None:
    """Bob has no pushers yet: ``set`` reads them first, to keep a replaced one's state."""
    server.expect_request(f"/_synapse/admin/v1/users/{BOB}/pushers").respond_with_json(
        {"pushers": [], "total": 0}
    )


@pytest.mark.parametrize(
    "answer",
    [
        as_json({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}, 404),
        Response("<html><h1>404 Not Found</h1></html>", 404, content_type="text/html"),
    ],
    ids=["matrix-404", "proxy-html-404"],
)
def test_server_without_the_admin_api(httpserver: HTTPServer, pushctl, answer: Response) -> None:
    httpserver.expect_request(f"/_synapse/admin/v1/users/{BOB}/pushers").respond_with_response(
        answer
    )
    result = pushctl("list", "--user", BOB, env=env_for(httpserver))
    assert_clean_failure(result, 1)
    assert "does not offer the Synapse admin API" in result.stderr


def test_ctrl_c_during_a_write_still_revokes_the_acting_token(
    threaded: HTTPServer, home: Path
) -> None:
    logins: list[dict[str, object]] = []
    logouts: list[str] = []
    arrived, release = threading.Event(), threading.Event()
    serve_admin_login(threaded, logins)
    serve_no_pushers(threaded)

    def slow_set(request: Request) -> Response:
        arrived.set()
        release.wait(20)
        return as_json({})

    def logout(request: Request) -> Response:
        logouts.append(request.headers.get("Authorization", ""))
        return as_json({})

    threaded.expect_request(SET, method="POST").respond_with_handler(slow_set)
    threaded.expect_request("/_matrix/client/v3/logout").respond_with_handler(logout)
    started_ms = time.time() * 1000
    process = subprocess.Popen(
        [sys.executable, "-m", "pushctl", "set", "--user", BOB, "--pushkey", "k", *SET_ARGS],
        env=clean_env(home, env_for(threaded)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        assert arrived.wait(30), "the write never reached the server"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "pushctl: error: interrupted" in stderr
    assert logouts == [f"Bearer {ACTING}"], "the acting token must be revoked"
    [login] = logins
    valid_until = login["valid_until_ms"]
    assert isinstance(valid_until, int)
    assert started_ms < valid_until <= started_ms + 10 * 60 * 1000, "a few minutes, no more"
    assert ACTING not in stdout + stderr


def test_a_failed_revocation_is_reported(threaded: HTTPServer, pushctl) -> None:
    serve_admin_login(threaded, [])
    serve_no_pushers(threaded)
    threaded.expect_request(SET, method="POST").respond_with_json({})
    threaded.expect_request("/_matrix/client/v3/logout").respond_with_json(
        {"errcode": "M_UNKNOWN", "error": "database on fire"}, status=500
    )
    result = pushctl("set", "--user", BOB, "--pushkey", "k", *SET_ARGS, env=env_for(threaded))
    assert result.returncode == 0, result.stderr
    assert f"could not revoke the temporary token acting for {BOB}" in result.stderr
    assert "expires by itself at" in result.stderr and ACTING not in result.stderr


def test_prune_names_each_pusher_it_could_not_delete(httpserver: HTTPServer, pushctl) -> None:
    with PushGateway() as gateway:
        gateway.reject("dead", "stuck")
        pushers = [make_pusher(pushkey=k, data={"url": gateway.url}) for k in ("dead", "stuck")]
        httpserver.expect_request("/_matrix/client/v3/pushers").respond_with_json(
            {"pushers": pushers}
        )

        def delete(request: Request) -> Response:
            if request.get_json()["pushkey"] == "stuck":
                return as_json({"errcode": "M_UNKNOWN", "error": "cannot delete now"}, 500)
            return as_json({})

        httpserver.expect_request(SET, method="POST").respond_with_handler(delete)
        result = pushctl("--retries", "0", "prune", "--rejected", "--yes", "--json",
                         env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 5)
    assert "1 of 2 pushers failed; 1 deleted" in result.stderr and "stuck" in result.stderr
    report = json.loads(result.stdout)
    assert [p["pushkey"] for p in report["deleted"]] == ["dead"]
    assert [f["pusher"]["pushkey"] for f in report["failed"]] == ["stuck"]
