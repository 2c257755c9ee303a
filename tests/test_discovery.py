"""Finding the homeserver from the user ID through .well-known/matrix/client.

The working path runs against a real Synapse whose server name is its own
loopback address and port (so that its .well-known is reachable); the broken
answers come from a fake server, because Synapse cannot be made to give them.
Nothing here talks to anything but 127.0.0.1/localhost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from pushctl.errors import UsageError
from pushctl.homeserver.discovery import well_known_url
from pushctl.homeserver.ids import check_user_id, server_name
from tests.support.accounts import assert_clean_failure, new_account
from tests.support.localsynapse import LocalSynapse
from tests.support.secretservice import read_secrets

WELL_KNOWN = "/.well-known/matrix/client"


@pytest.fixture(scope="module")
def discoverable() -> Iterator[LocalSynapse]:
    """A Synapse named 127.0.0.1:<port> that serves its own .well-known."""
    server = LocalSynapse()
    server.extra_config = {
        "server_name": f"127.0.0.1:{server.port}",
        "serve_client_wellknown": True,
    }
    server.start()
    yield server
    server.remove()


def name_of(httpserver: HTTPServer) -> str:
    return f"{httpserver.host}:{httpserver.port}"


def test_server_name_and_well_known_url() -> None:
    assert server_name("@alice:example.org") == "example.org"
    assert server_name("@alice:example.org:8448") == "example.org:8448"
    assert well_known_url("example.org") == "https://example.org/.well-known/matrix/client"
    assert well_known_url("localhost:8008") == "http://localhost:8008/.well-known/matrix/client"
    assert well_known_url("127.0.0.1:1") == "http://127.0.0.1:1/.well-known/matrix/client"
    assert well_known_url("[::1]:1") == "http://[::1]:1/.well-known/matrix/client"


@pytest.mark.parametrize(
    "user_id", ["@bob:example.org/x", "@bob:example.org?x", "@bob:a#b", "@bob:a@b", "bob:a", "@bob"]
)
def test_user_ids_that_cannot_exist_are_refused_before_any_request(user_id: str) -> None:
    """One pattern for --user everywhere: a server name is a host and port, nothing more."""
    with pytest.raises(UsageError):
        check_user_id(user_id)
    with pytest.raises(UsageError):
        server_name(user_id)


def test_user_ids_are_trimmed_and_may_name_a_port() -> None:
    assert check_user_id(" @bob:example.org:8448 ") == "@bob:example.org:8448"
    assert check_user_id("@bob:[::1]:8448") == "@bob:[::1]:8448"


@pytest.mark.synapse
def test_login_discovers_the_homeserver(
    discoverable: LocalSynapse, pushctl, home: Path, keyring_env: dict[str, str]
) -> None:
    account = new_account(discoverable)
    assert account.user_id.endswith(f":127.0.0.1:{discoverable.port}")
    result = pushctl(
        "-v", "login", "--user", account.user_id, "--password-stdin",
        input=account.user.password, env=keyring_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((home / ".config/pushctl/config.yaml").read_text())
    assert config["profiles"]["default"]["homeserver"] == discoverable.base_url
    token = read_secrets(keyring_env["DBUS_SESSION_BUS_ADDRESS"])["default"]
    assert not any(token.encode() in p.read_bytes() for p in home.rglob("*") if p.is_file())
    account.add_pusher(pushkey="found-it")
    listed = pushctl("list", "--json", env=keyring_env)
    assert [p["pushkey"] for p in json.loads(listed.stdout)] == ["found-it"]


def test_bad_user_id_without_homeserver_is_a_usage_error(pushctl) -> None:
    result = pushctl("login", "--user", "alice", "--password-stdin", input="pw")
    assert_clean_failure(result, 2)
    assert "--homeserver" in result.stderr


def test_missing_well_known_falls_back_to_the_server_name(
    httpserver: HTTPServer, pushctl, home: Path
) -> None:
    user = f"@alice:{name_of(httpserver)}"
    httpserver.expect_request(WELL_KNOWN).respond_with_data("", status=404)
    httpserver.expect_request("/_matrix/client/versions").respond_with_json({"versions": ["v1.1"]})
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": user, "device_id": "FAKEDEVICE"}
    )
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = pushctl(
        "login", "--user", user, "--token-stdin", "--insecure-storage",
        input="fake-token-for-discovery", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((home / ".config/pushctl/config.yaml").read_text())
    assert config["profiles"]["default"]["homeserver"] == f"http://{name_of(httpserver)}"


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ({"status": 404}, "does not answer like a Matrix homeserver"),
        ({"response_data": "<html>", "content_type": "text/html"}, "not JSON"),
        ({"response_json": {"m.homeserver": {}}}, "base_url"),
        ({"status": 500}, "HTTP 500"),
    ],
)
def test_broken_discovery_is_a_clean_error(
    httpserver: HTTPServer, pushctl, answer: dict[str, Any], fragment: str
) -> None:
    request = httpserver.expect_request(WELL_KNOWN)
    if "response_json" in answer:
        request.respond_with_json(answer["response_json"])
    else:
        request.respond_with_data(
            answer.get("response_data", ""),
            status=answer.get("status", 200),
            content_type=answer.get("content_type"),
        )
    result = pushctl(
        "login", "--user", f"@alice:{name_of(httpserver)}", "--password-stdin",
        "--insecure-storage", input="pw",
    )  # fmt: skip
    assert_clean_failure(result, 1)
    assert fragment in result.stderr and "--homeserver" in result.stderr
    assert WELL_KNOWN in result.stderr


def test_plain_http_base_url_to_a_remote_host_is_refused(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(WELL_KNOWN).respond_with_json(
        {"m.homeserver": {"base_url": "http://matrix.pushctl.invalid"}}
    )
    result = pushctl(
        "-v", "login", "--user", f"@alice:{name_of(httpserver)}", "--password-stdin",
        "--insecure-storage", input="pw",
    )  # fmt: skip
    assert_clean_failure(result, 2)
    assert "matrix.pushctl.invalid" in result.stderr and "https" in result.stderr


def test_without_a_keyring_nothing_is_asked_of_any_server(httpserver: HTTPServer, pushctl) -> None:
    httpserver.expect_request(WELL_KNOWN).respond_with_json({"m.homeserver": {"base_url": "x"}})
    result = pushctl(
        "login", "--user", f"@alice:{name_of(httpserver)}", "--password-stdin",
        input="pw", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert httpserver.log == []
