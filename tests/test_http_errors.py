"""Error mapping on a fake server: what a real Synapse cannot be made to answer."""

from __future__ import annotations

import json
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.accounts import assert_clean_failure, make_pusher

pytestmark = pytest.mark.inprocess

PUSHERS = "/_matrix/client/v3/pushers"
TOKEN = "secret-token-for-fake-server"


def env_for(server: HTTPServer, **extra: str) -> dict[str, str]:
    return {
        "PUSHCTL_HOMESERVER": server.url_for("/").rstrip("/"),
        "PUSHCTL_ACCESS_TOKEN": TOKEN,
        **extra,
    }


def test_bare_array_answer_is_accepted(httpserver: HTTPServer, pushctl) -> None:
    pusher = make_pusher(pushkey="bare")
    httpserver.expect_request(PUSHERS).respond_with_json([pusher])
    result = pushctl("list", "--json", env=env_for(httpserver))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [pusher]


def test_token_travels_only_in_the_authorization_header(httpserver: HTTPServer, pushctl) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(json.dumps({"pushers": []}), content_type="application/json")

    httpserver.expect_request(PUSHERS).respond_with_handler(handler)
    assert pushctl("list", env=env_for(httpserver)).returncode == 0
    [request] = seen
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.url and "access_token" not in request.url
    assert request.headers["User-Agent"].startswith("pushctl/")


@pytest.mark.parametrize(
    ("status", "body", "code", "fragment"),
    [
        (401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid token"}, 4, "pushctl login"),
        (401, {"errcode": "M_UNKNOWN_TOKEN", "error": "x", "soft_logout": True}, 4, "soft logout"),
        (401, {"errcode": "M_MISSING_TOKEN", "error": "Missing"}, 4, "M_MISSING_TOKEN"),
        (403, {"errcode": "M_FORBIDDEN", "error": "No"}, 4, "not allowed"),
        (404, {"errcode": "M_NOT_FOUND", "error": "Nope"}, 1, "M_NOT_FOUND"),
        (500, {"errcode": "M_UNKNOWN", "error": "Internal"}, 1, "HTTP 500"),
        (400, {"errcode": "M_MISSING_PARAM", "error": "Missing params"}, 1, "M_MISSING_PARAM"),
    ],
)
def test_matrix_errors_map_to_exit_codes(
    httpserver: HTTPServer, pushctl, status: int, body: dict[str, object], code: int, fragment: str
) -> None:
    httpserver.expect_request(PUSHERS).respond_with_json(body, status=status)
    result = pushctl("--retries", "0", "list", env=env_for(httpserver))
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_html_502_page_is_a_clean_error(httpserver: HTTPServer, pushctl) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    httpserver.expect_request(PUSHERS).respond_with_data(page, 502, content_type="text/html")
    result = pushctl("--retries", "0", "list", env=env_for(httpserver))
    assert_clean_failure(result, 1)
    assert "HTTP 502" in result.stderr and "text/html" in result.stderr
    assert "<html>" not in result.stderr


def test_invalid_json_is_a_clean_error(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(PUSHERS).respond_with_data(
        "{not json", 200, content_type="application/json"
    )
    result = pushctl("list", env=env_for(httpserver))
    assert_clean_failure(result, 1)
    assert "not JSON" in result.stderr


def test_unexpected_shape_is_a_clean_error(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(PUSHERS).respond_with_json({"pushers": "nope"})
    assert_clean_failure(pushctl("list", env=env_for(httpserver)), 1)


def test_connection_refused_is_a_clean_error(pushctl) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"PUSHCTL_HOMESERVER": f"http://127.0.0.1:{port}", "PUSHCTL_ACCESS_TOKEN": TOKEN}
    result = pushctl("--retries", "0", "list", env=env)
    assert_clean_failure(result, 1)
    assert "connection refused" in result.stderr


def test_429_waits_as_told_then_succeeds(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_ordered_request(PUSHERS).respond_with_json(
        {"errcode": "M_LIMIT_EXCEEDED", "error": "slow down"},
        status=429,
        headers={"Retry-After": "1"},
    )
    httpserver.expect_ordered_request(PUSHERS).respond_with_json({"pushers": []})
    started = time.monotonic()
    result = pushctl("list", "--json", env=env_for(httpserver))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert json.loads(result.stdout) == []


def test_r0_fallback_for_old_servers(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(PUSHERS).respond_with_json(
        {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}, status=404
    )
    httpserver.expect_request("/_matrix/client/versions").respond_with_json(
        {"versions": ["r0.5.0", "r0.6.1"]}
    )
    httpserver.expect_request("/_matrix/client/r0/pushers").respond_with_json(
        {"pushers": [make_pusher(pushkey="old")]}
    )
    result = pushctl("list", "--json", env=env_for(httpserver))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["pushkey"] == "old"


def test_plain_http_to_a_remote_homeserver_is_refused(pushctl) -> None:
    env = {"PUSHCTL_HOMESERVER": "http://matrix.pushctl.invalid", "PUSHCTL_ACCESS_TOKEN": TOKEN}
    result = pushctl("-v", "list", env=env)
    assert_clean_failure(result, 2)
    assert "https" in result.stderr
    assert "GET" not in result.stderr, "no request may be made"


def test_json_errors_with_json_flag(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(PUSHERS).respond_with_json(
        {"errcode": "M_FORBIDDEN", "error": "No"}, status=403
    )
    result = pushctl("list", "--json", env=env_for(httpserver))
    assert result.returncode == 4
    error = json.loads(result.stderr)["error"]
    assert error["code"] == 4 and "M_FORBIDDEN" in error["message"]


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["export"], ["test"]])
def test_an_answer_nested_a_hundred_thousand_deep_is_a_clean_error(
    httpserver: HTTPServer, pushctl, command: list[str]
) -> None:
    httpserver.expect_request(PUSHERS).respond_with_data(
        "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    result = pushctl(*command, env=env_for(httpserver))
    assert_clean_failure(result, 1)
    assert "not JSON" in result.stderr
    if "--json" in command:
        assert json.loads(result.stderr)["error"]["code"] == 1


def test_a_server_pusher_without_a_pushkey_does_not_break_delete(
    httpserver: HTTPServer, pushctl
) -> None:
    broken = {k: v for k, v in make_pusher().items() if k != "pushkey"}
    httpserver.expect_request(PUSHERS).respond_with_json({"pushers": [broken]})
    httpserver.expect_request(PUSHERS + "/set", method="POST").respond_with_json({})
    for command in (["list"], ["delete", "--all", "--yes"], ["export"]):
        result = pushctl(*command, env=env_for(httpserver))
        assert "Traceback" not in result.stderr, command
        assert result.returncode in (0, 5), (command, result.stderr)


@pytest.mark.parametrize("port", ["99999", "abc", "0"])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_homeserver_url_with_a_bad_port_is_a_usage_error(
    pushctl, port: str, json_flag: list[str]
) -> None:
    env = {"PUSHCTL_HOMESERVER": f"http://127.0.0.1:{port}", "PUSHCTL_ACCESS_TOKEN": TOKEN}
    result = pushctl("list", *json_flag, env=env)
    assert_clean_failure(result, 2)
    assert "invalid port" in result.stderr
    if json_flag:
        assert json.loads(result.stderr)["error"]["code"] == 2
