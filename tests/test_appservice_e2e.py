"""Application-service mode against a real Synapse: --user by identity assertion.

The session's Synapse has an application service registered (see
``APPSERVICE_REGISTRATION`` in conftest) whose namespace holds the users
created with the ``as-`` prefix. Every result is read back from the server with
the user's own token, and every pushctl run is checked for the service's token.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.accounts import (
    APPSERVICE_PREFIX,
    Account,
    AppService,
    assert_clean_failure,
    make_pusher,
    new_account,
)
from tests.support.admin import SET_ARGS
from tests.support.localsynapse import LocalSynapse
from tests.support.pushgateway import PushGateway

pytestmark = pytest.mark.synapse


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(pushctl: Run, appservice: AppService) -> Run:
    """pushctl, checking that no run ever shows the service's token."""

    def checked(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        result = pushctl(*args, **kwargs)
        assert appservice.token not in result.stdout, "the token must not be printed"
        assert appservice.token not in result.stderr, "the token must not be printed"
        return result

    return checked


@pytest.fixture
def bob(synapse: LocalSynapse) -> Account:
    """A user in the service's namespace, with a session of their own."""
    return new_account(synapse, APPSERVICE_PREFIX)


@pytest.fixture
def carol(synapse: LocalSynapse) -> Account:
    """A user outside the service's namespace."""
    return new_account(synapse, "carol")


def service_pushers(appservice: AppService) -> list[dict[str, Any]]:
    """The pushers of the service's sender, read with the token and no assertion."""
    return appservice.server.pushers(appservice.token)


def keys(pushers: list[dict[str, Any]]) -> list[str]:
    return sorted(p["pushkey"] for p in pushers)


# -- list, set, delete for a user of the namespace -------------------------------


def test_list_for_a_user_of_the_namespace(bob: Account, appservice: AppService, run: Run) -> None:
    bob.add_pusher(pushkey="bobs-key")
    result = run("list", "--user", bob.user_id, "--json", env=appservice.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == bob.pushers()
    table = run("list", "--user", bob.user_id, "--wide", env=appservice.env())
    assert table.returncode == 0, table.stderr
    assert "bobs-key" in table.stdout


def test_set_for_a_user_asserts_them_in_the_query(
    bob: Account, appservice: AppService, run: Run
) -> None:
    result = run("-v", "set", "--user", bob.user_id, "--pushkey", "k1", *SET_ARGS,
                 env=appservice.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    [pusher] = bob.pushers()
    assert pusher["pushkey"] == "k1" and pusher["device_display_name"] == "Bob's phone"
    assert service_pushers(appservice) == [], "the sender must not get the pusher"
    # the trace names the asserted user on every request, and never the token
    requests = [line for line in result.stderr.splitlines() if " -> " in line]
    assert any("/pushers/set" in line for line in requests)
    assert requests and all(f"user_id={bob.user_id}" in line for line in requests), requests
    assert "Bearer" not in result.stderr


def test_delete_one_and_a_selection_for_a_user(
    bob: Account, appservice: AppService, run: Run
) -> None:
    bob.add_pusher(pushkey="keep")
    gone = bob.add_pusher(pushkey="gone")
    bob.add_pusher(pushkey="also-gone", app_id="org.example.old")
    result = run("delete", "--user", bob.user_id, "--app-id", gone["app_id"],
                 "--pushkey", "gone", env=appservice.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert keys(bob.pushers()) == ["also-gone", "keep"]
    result = run("delete", "--user", bob.user_id, "--app-id", "org.example.old",
                 "--yes", "--json", env=appservice.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in json.loads(result.stdout)["deleted"]] == ["also-gone"]
    assert keys(bob.pushers()) == ["keep"]


def test_a_pusher_set_through_the_service_outlives_the_users_sessions(
    bob: Account, appservice: AppService, run: Run
) -> None:
    session = bob.server.login(bob.user)["access_token"]
    bob.server.call("POST", "/_matrix/client/v3/pushers/set", make_pusher(pushkey="phone"),
                    token=session)  # fmt: skip
    result = run("set", "--user", bob.user_id, "--pushkey", "provisioned", *SET_ARGS,
                 env=appservice.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert keys(bob.pushers()) == ["phone", "provisioned"]
    bob.server.call("POST", "/_matrix/client/v3/logout", {}, token=session)
    # the session's pusher went with it; the service's belongs to no device and stays
    assert keys(bob.pushers()) == ["provisioned"]


def test_without_user_the_service_acts_as_its_sender(
    bob: Account, appservice: AppService, run: Run
) -> None:
    result = run("set", "--pushkey", "sender-key", *SET_ARGS, env=appservice.env())
    assert result.returncode == 0, result.stderr
    try:
        assert keys(service_pushers(appservice)) == ["sender-key"]
        assert bob.pushers() == []
        listed = run("list", "--json", env=appservice.env())
        assert keys(json.loads(listed.stdout)) == ["sender-key"]
    finally:
        appservice.server.call(
            "POST",
            "/_matrix/client/v3/pushers/set",
            {"app_id": "org.example.app.android", "pushkey": "sender-key", "kind": None},
            token=appservice.token,
        )


def test_the_asserted_user_may_be_the_sender_itself(appservice: AppService, run: Run) -> None:
    result = run("list", "--user", appservice.sender, "--json", env=appservice.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == service_pushers(appservice)


# -- test and prune for a user of the namespace ----------------------------------


def test_test_and_prune_for_a_user(bob: Account, appservice: AppService, run: Run) -> None:
    with PushGateway() as gateway:
        gateway.reject("dead")
        bob.add_pusher(pushkey="good", data={"url": gateway.url})
        bob.add_pusher(pushkey="dead", data={"url": gateway.url})
        tested = run("test", "--user", bob.user_id, "--json", env=appservice.env())
        assert_clean_failure(tested, 5)
        outcome = {r["pushkey"]: r["result"] for r in json.loads(tested.stdout)}
        assert outcome == {"good": "delivered", "dead": "rejected"}
        assert gateway.notifications_for("good"), "the gateway must have been reached"

        pruned = run("prune", "--rejected", "--user", bob.user_id, "--yes",
                     env=appservice.env())  # fmt: skip
        assert pruned.returncode == 0, pruned.stderr
        assert keys(bob.pushers()) == ["good"]


def test_list_devices_for_a_user(bob: Account, appservice: AppService, run: Run) -> None:
    bob.add_pusher(pushkey="bobs-key")
    result = run("list", "--user", bob.user_id, "--devices", "--json", env=appservice.env())
    assert result.returncode == 0, result.stderr
    [pusher] = json.loads(result.stdout)
    # the client API gives no device for a pusher (MSC3881 is off), and pushctl says so
    assert pusher["pushkey"] == "bobs-key"
    assert pusher["device"] is None and pusher["device_unknown_reason"]


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["set", "--pushkey", "intruder", *SET_ARGS],
        ["delete", "--all", "--yes"],
        ["prune", "--rejected", "--yes"],
    ],
    ids=["list", "set", "delete", "prune"],
)
def test_a_user_outside_the_namespace_is_exit_4(
    carol: Account, appservice: AppService, run: Run, command: list[str]
) -> None:
    carol.add_pusher(pushkey="carols-key")
    result = run(command[0], "--user", carol.user_id, *command[1:], env=appservice.env())
    assert_clean_failure(result, 4)
    assert carol.user_id in result.stderr
    assert "outside its namespace" in result.stderr
    assert keys(carol.pushers()) == ["carols-key"], "nothing may change for her"


def test_a_namespaced_user_that_does_not_exist_is_exit_4(appservice: AppService, run: Run) -> None:
    ghost = f"@{APPSERVICE_PREFIX}ghost-{os.getpid()}:localhost"
    result = run("set", "--user", ghost, "--pushkey", "k", *SET_ARGS, env=appservice.env())
    assert_clean_failure(result, 4)
    assert ghost in result.stderr and "not been registered" in result.stderr


def test_a_user_token_given_as_an_application_service_touches_nothing(
    account: Account, bob: Account, appservice: AppService, pushctl: Run
) -> None:
    # homeservers ignore user_id for a user's token: without the check, this would
    # delete the token owner's own pushers instead of Bob's
    account.add_pusher(pushkey="owners-key")
    bob.add_pusher(pushkey="bobs-key")
    env = {"PUSHCTL_HOMESERVER": account.server.base_url, "PUSHCTL_APPSERVICE_TOKEN": account.token}
    result = pushctl("delete", "--user", bob.user_id, "--all", "--yes", env=env)
    assert_clean_failure(result, 4)
    assert "not an application service's token" in result.stderr
    assert account.token not in result.stdout + result.stderr
    assert keys(account.pushers()) == ["owners-key"]
    assert keys(bob.pushers()) == ["bobs-key"]


@pytest.mark.parametrize("command", [["list"], ["status"], ["status", "--json"]])
def test_both_token_variables_at_once_is_a_usage_error(
    account: Account, appservice: AppService, run: Run, command: list[str]
) -> None:
    env = appservice.env(PUSHCTL_ACCESS_TOKEN=account.token)
    result = run(*command, env=env)
    assert_clean_failure(result, 2)
    assert "PUSHCTL_ACCESS_TOKEN" in result.stderr and "PUSHCTL_APPSERVICE_TOKEN" in result.stderr
    assert account.token not in result.stderr


def test_with_a_user_token_user_still_means_the_admin_api(
    account: Account, bob: Account, pushctl: Run
) -> None:
    result = pushctl("list", "--user", bob.user_id, env=account.env())
    assert_clean_failure(result, 4)
    assert "Synapse server admin" in result.stderr


# -- status from the environment -------------------------------------------------


def test_status_names_the_application_service_and_its_sender(
    appservice: AppService, run: Run
) -> None:
    text = run("status", env=appservice.env())
    assert text.returncode == 0, text.stderr
    assert "application service" in text.stdout and appservice.sender in text.stdout
    report = json.loads(run("status", "--json", env=appservice.env()).stdout)
    assert report["kind"] == "appservice"
    assert report["user_id"] == appservice.sender
    assert report["device_id"] is None
    assert report["token_source"] == "env"
    assert "PUSHCTL_APPSERVICE_TOKEN" in report["token_location"]


# -- login --appservice with the keyring ------------------------------------------


def config_file(home: Path) -> Path:
    return home / ".config" / "pushctl" / "config.yaml"


def profiles(home: Path) -> dict[str, Any]:
    path = config_file(home)
    return dict(yaml.safe_load(path.read_text())["profiles"]) if path.exists() else {}


def assert_in_no_file(directory: Path, secret: str) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"{path} holds the secret"


def sender_of(appservice: AppService) -> str | None:
    """Who the token acts as, asked of the server; None when it no longer works."""
    try:
        answer = appservice.server.call(
            "GET", "/_matrix/client/v3/account/whoami", token=appservice.token
        )
    except urllib.error.HTTPError:
        return None
    return str(answer["user_id"])


def test_login_appservice_keeps_the_token_in_the_keyring(
    bob: Account,
    appservice: AppService,
    run: Run,
    home: Path,
    keyring_env: dict[str, str],
    secret_service: Any,
) -> None:
    login = run(
        "login", "--appservice", "--token-stdin", "--homeserver", appservice.server.base_url,
        input=appservice.token + "\n", env=keyring_env,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert appservice.sender in login.stderr and "application service" in login.stderr
    assert secret_service.secrets() == {"default": appservice.token}
    assert profiles(home) == {
        "default": {
            "homeserver": appservice.server.base_url,
            "user_id": appservice.sender,
            "kind": "appservice",
            "token_storage": "keyring",
        }
    }
    assert_in_no_file(home, appservice.token)

    text = run("status", env=keyring_env)
    assert text.returncode == 0, text.stderr
    assert "application service" in text.stdout and appservice.sender in text.stdout
    assert "keyring" in text.stdout
    report = json.loads(run("status", "--json", env=keyring_env).stdout)
    assert (report["kind"], report["user_id"], report["token_source"]) == (
        "appservice",
        appservice.sender,
        "keyring",
    )

    # every command now acts for the namespace without a token in sight
    assert run("set", "--user", bob.user_id, "--pushkey", "stored", *SET_ARGS,
               env=keyring_env).returncode == 0  # fmt: skip
    assert keys(bob.pushers()) == ["stored"]
    listed = run("list", "--user", bob.user_id, "--json", env=keyring_env)
    assert json.loads(listed.stdout) == bob.pushers()


def test_logout_forgets_the_service_token_without_calling_the_server(
    appservice: AppService, run: Run, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    login = run(
        "login", "--appservice", "--token-stdin", "--homeserver", appservice.server.base_url,
        input=appservice.token, env=keyring_env,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr

    refused = run("logout", "--revoke", "--yes", env=keyring_env)
    assert_clean_failure(refused, 2)
    assert "registration" in refused.stderr
    assert secret_service.secrets() == {"default": appservice.token}

    result = run("-v", "logout", env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert "pushctl: pushctl.http" not in result.stderr, "logout must send no request at all"
    assert "application service" in result.stderr
    assert secret_service.secrets() == {}
    assert profiles(home) == {}
    assert sender_of(appservice) == appservice.sender, "the token keeps working on the server"


def test_login_appservice_refuses_a_session_token(
    account: Account, run: Run, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    result = run(
        "login", "--appservice", "--token-stdin", "--homeserver", account.server.base_url,
        input=account.token, env=keyring_env,
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert account.user_id in result.stderr and "not to an application service" in result.stderr
    assert account.token not in result.stdout + result.stderr
    assert secret_service.secrets() == {}
    assert profiles(home) == {}


def test_login_appservice_without_a_terminal_needs_token_stdin(
    appservice: AppService, run: Run, keyring_env: dict[str, str], secret_service: Any
) -> None:
    result = run("login", "--appservice", "--homeserver", appservice.server.base_url,
                 env=keyring_env)  # fmt: skip
    assert_clean_failure(result, 2)
    assert "--token-stdin" in result.stderr
    assert secret_service.secrets() == {}


def test_a_profile_can_change_kind_and_says_what_it_replaced(
    account: Account,
    appservice: AppService,
    run: Run,
    home: Path,
    keyring_env: dict[str, str],
    secret_service: Any,
) -> None:
    as_user = run(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", input=account.user.password, env=keyring_env,
    )  # fmt: skip
    assert as_user.returncode == 0, as_user.stderr
    as_service = run(
        "login", "--appservice", "--token-stdin", "--homeserver", appservice.server.base_url,
        input=appservice.token, env=keyring_env,
    )  # fmt: skip
    assert as_service.returncode == 0, as_service.stderr
    assert "replaced the previous login" in as_service.stderr
    assert account.user_id in as_service.stderr and "stays open" in as_service.stderr
    assert profiles(home)["default"]["kind"] == "appservice"
    assert secret_service.secrets() == {"default": appservice.token}
    back = run(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", input=account.user.password, env=keyring_env,
    )  # fmt: skip
    assert back.returncode == 0, back.stderr
    assert "replaced the previous login" in back.stderr and appservice.sender in back.stderr
    assert profiles(home)["default"]["kind"] == "user"
    assert profiles(home)["default"]["user_id"] == account.user_id
