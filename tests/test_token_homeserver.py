"""A stored token belongs to the homeserver it was issued by, as gh ties tokens to hosts.

``--homeserver`` or ``PUSHCTL_HOMESERVER`` naming another server means "not
logged in there" (exit 4) and the token is never sent. A token in
``PUSHCTL_ACCESS_TOKEN`` is the script's explicit choice and goes where it is told.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.accounts import Account, assert_clean_failure

pytestmark = pytest.mark.synapse

FILE_ONLY = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture
def logged_in(account: Account, pushctl) -> Account:
    result = pushctl(
        "login", "--token-stdin", "--insecure-storage", "--homeserver", account.server.base_url,
        input=account.token + "\n", env=FILE_ONLY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return account


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_a_stored_token_is_not_sent_to_another_homeserver(
    logged_in: Account, pushctl, httpserver: HTTPServer, how: str
) -> None:
    other = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/_matrix/client/v3/pushers").respond_with_json({"pushers": []})
    if how == "flag":
        result = pushctl("--homeserver", other, "list", env=FILE_ONLY)
    else:
        result = pushctl("list", env={**FILE_ONLY, "PUSHCTL_HOMESERVER": other})
    assert_clean_failure(result, 4)
    assert f"not logged in on {other}" in result.stderr
    assert "'default'" in result.stderr and logged_in.server.base_url in result.stderr
    assert httpserver.log == [], "nothing may reach the other homeserver"


def test_the_same_homeserver_written_differently_still_gets_the_token(
    logged_in: Account, pushctl
) -> None:
    url = logged_in.server.base_url.replace("http://", "HTTP://") + "/"
    result = pushctl("--homeserver", url, "list", "--json", env=FILE_ONLY)
    assert result.returncode == 0, result.stderr


def test_a_token_from_the_environment_goes_where_it_is_told(
    logged_in: Account, pushctl, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(
        "/_matrix/client/v3/pushers", headers={"Authorization": "Bearer script-token"}
    ).respond_with_json({"pushers": []})
    env = {**FILE_ONLY, "PUSHCTL_ACCESS_TOKEN": "script-token"}
    result = pushctl("--homeserver", httpserver.url_for("/"), "list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    paths = [request.path for request, _ in httpserver.log]
    assert "/_matrix/client/v3/pushers" in paths  # whoami may follow, for the listing cache
    assert all(r.headers["Authorization"] == "Bearer script-token" for r, _ in httpserver.log)
