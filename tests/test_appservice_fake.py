"""Identity assertion on the wire, on a fake homeserver: what Synapse cannot show.

Synapse decodes the query before anyone can look at it, and answers refusals
only in its own words; here the raw request line and other servers' words are
visible.
"""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from tests.support.accounts import GATEWAY, assert_clean_failure

pytestmark = pytest.mark.inprocess

TOKEN = "appservice-token-for-fake-server"
#: a user ID with characters that mean something in a query string
ODD_USER = "@as-b+o/b=1&x:example.org"
ODD_QUERY = b"user_id=%40as-b%2Bo%2Fb%3D1%26x%3Aexample.org"
SET_ARGS = [
    "--app-id", "org.example.app", "--app-display-name", "Example",
    "--device-display-name", "Phone", "--lang", "en", "--url", GATEWAY,
]  # fmt: skip


def env_for(server: HTTPServer) -> dict[str, str]:
    return {
        "PUSHCTL_HOMESERVER": server.url_for("/").rstrip("/"),
        "PUSHCTL_APPSERVICE_TOKEN": TOKEN,
    }


def test_every_request_carries_the_encoded_user_and_the_token_only_in_the_header(
    httpserver: HTTPServer, pushctl
) -> None:
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": ODD_USER}
    )
    httpserver.expect_request("/_matrix/client/v3/pushers").respond_with_json({"pushers": []})
    httpserver.expect_request("/_matrix/client/v3/pushers/set", method="POST").respond_with_json({})
    listed = pushctl("list", "--user", ODD_USER, "--json", env=env_for(httpserver))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    written = pushctl(
        "-v", "set", "--user", ODD_USER, "--pushkey", "k", *SET_ARGS, env=env_for(httpserver)
    )
    assert written.returncode == 0, written.stderr
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/_matrix/client/v3/pushers/set") == 1
    for request, _ in httpserver.log:
        assert request.query_string == ODD_QUERY, (request.path, request.query_string)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.url
    assert f"user_id={ODD_USER}" in written.stderr  # the trace shows whom, readably
    for result in (listed, written):
        assert TOKEN not in result.stdout + result.stderr


def test_another_servers_refusal_still_names_the_user(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"errcode": "M_FORBIDDEN", "error": "Forbidden"}, status=403
    )
    result = pushctl("list", "--user", "@as-bob:example.org", env=env_for(httpserver))
    assert_clean_failure(result, 4)
    assert "cannot act for @as-bob:example.org" in result.stderr
    assert "namespace" in result.stderr
    paths = [request.path for request, _ in httpserver.log]
    assert paths == ["/_matrix/client/v3/account/whoami"], "nothing is read after a refusal"
