"""--user through the Synapse admin API, and list --devices, against a real Synapse.

The server's state is read back directly: pushers and devices through the
APIs, and the temporary tokens from Synapse's own database.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, assert_clean_failure, new_account
from tests.support.admin import SET_ARGS, acting_tokens, admin_get, devices_of
from tests.support.localsynapse import LocalSynapse

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


@pytest.fixture
def bob(synapse: LocalSynapse) -> Account:
    return new_account(synapse, "bob")


def test_acting_tokens_are_seen_in_the_database(admin: Account, bob: Account) -> None:
    # the check above must see a live acting token, or every "revoked" assertion is empty
    token = admin.server.call(
        "POST", f"/_synapse/admin/v1/users/{quote(bob.user_id)}/login", {}, token=admin.token
    )["access_token"]
    assert acting_tokens(bob.server, bob.user_id) == 1
    bob.server.call("POST", "/_matrix/client/v3/logout", {}, token=token)
    assert acting_tokens(bob.server, bob.user_id) == 0


def assert_nothing_left_behind(admin: Account, bob: Account, devices_before: int) -> None:
    assert len(devices_of(admin, bob)) == devices_before, "no device may be created"
    assert acting_tokens(bob.server, bob.user_id) == 0, "the acting token must be revoked"


def test_list_user_shows_device_and_enabled(admin: Account, bob: Account, pushctl) -> None:
    bob.add_pusher(pushkey="bobs-key")
    result = pushctl("list", "--user", bob.user_id, "--json", env=admin.env())
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed == admin_get(admin, f"/v1/users/{quote(bob.user_id)}/pushers")["pushers"]
    [pusher] = listed
    assert pusher["device_id"] == bob.device_id and pusher["enabled"] is True
    table = pushctl("list", "--user", bob.user_id, env=admin.env())
    assert table.returncode == 0, table.stderr
    assert bob.device_id in table.stdout and "Enabled" in table.stdout and "yes" in table.stdout


def test_set_for_a_user_leaves_no_device_or_token(admin: Account, bob: Account, pushctl) -> None:
    before = len(devices_of(admin, bob))
    result = pushctl("-v", "set", "--user", bob.user_id, "--pushkey", "k1", *SET_ARGS,
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    [pusher] = bob.pushers()
    assert pusher["pushkey"] == "k1" and pusher["device_display_name"] == "Bob's phone"
    assert_nothing_left_behind(admin, bob, before)
    assert "/_synapse/admin/v1/users/" in result.stderr and "/logout -> 200" in result.stderr
    assert "syt_" not in result.stdout + result.stderr, "no token may be shown"


def test_delete_for_a_user(admin: Account, bob: Account, pushctl) -> None:
    bob.add_pusher(pushkey="keep")
    gone = bob.add_pusher(pushkey="gone")
    bob.add_pusher(pushkey="also-gone", app_id="org.example.old")
    before = len(devices_of(admin, bob))
    result = pushctl("delete", "--user", bob.user_id, "--app-id", gone["app_id"],
                     "--pushkey", "gone", env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p["pushkey"] for p in bob.pushers()) == ["also-gone", "keep"]
    result = pushctl("delete", "--user", bob.user_id, "--app-id", "org.example.old",
                     "--yes", "--json", env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in json.loads(result.stdout)["deleted"]] == ["also-gone"]
    assert [p["pushkey"] for p in bob.pushers()] == ["keep"]
    assert_nothing_left_behind(admin, bob, before)


def test_acting_token_is_revoked_when_the_write_fails(
    admin: Account, bob: Account, pushctl
) -> None:
    before = len(devices_of(admin, bob))
    result = pushctl(
        "set", "--user", bob.user_id, "--kind", "email", "--pushkey", "bob@example.org",
        "--app-display-name", "Mail", "--device-display-name", "Inbox", "--lang", "en",
        env=admin.env(),
    )  # fmt: skip
    assert_clean_failure(result, 1)
    assert "M_THREEPID_NOT_FOUND" in result.stderr
    assert_nothing_left_behind(admin, bob, before)


def test_a_pusher_set_for_a_user_outlives_the_acting_token(
    admin: Account, bob: Account, pushctl
) -> None:
    # Synapse once deleted the pushers of a token on logout; it must not here
    assert pushctl("set", "--user", bob.user_id, "--pushkey", "k", *SET_ARGS,
                   env=admin.env()).returncode == 0  # fmt: skip
    [pusher] = admin_get(admin, f"/v1/users/{quote(bob.user_id)}/pushers")["pushers"]
    assert pusher["pushkey"] == "k" and pusher["device_id"] is None


def test_admin_acting_for_themselves_uses_their_own_token(admin: Account, pushctl) -> None:
    result = pushctl("set", "--user", admin.user_id, "--pushkey", "mine", *SET_ARGS,
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in admin.pushers()] == ["mine"]


def test_non_admin_is_refused_with_exit_4(synapse: LocalSynapse, bob: Account, pushctl) -> None:
    alice = new_account(synapse, "alice")
    for args in (["list"], ["set", "--pushkey", "k", *SET_ARGS], ["prune", "--inactive", "1d"]):
        result = pushctl(*args, "--user", bob.user_id, env=alice.env())
        assert_clean_failure(result, 4)
        assert "server admin" in result.stderr and len(result.stderr.splitlines()) == 1
    assert bob.pushers() == []


def test_unknown_user(admin: Account, pushctl) -> None:
    result = pushctl("list", "--user", "@nobody-here:localhost", env=admin.env())
    assert_clean_failure(result, 1)
    assert "no user @nobody-here:localhost on this homeserver" in result.stderr


def test_remote_user(admin: Account, pushctl) -> None:
    for args in (["list"], ["set", "--pushkey", "k", *SET_ARGS]):
        result = pushctl(*args, "--user", "@bob:example.org", env=admin.env())
        assert_clean_failure(result, 1)
        assert "@bob:example.org is not a user of this homeserver" in result.stderr


def test_malformed_user_id_is_a_usage_error(admin: Account, pushctl) -> None:
    result = pushctl("-v", "list", "--user", "bob", env=admin.env())
    assert_clean_failure(result, 2)
    assert "@bob:example.org" in result.stderr and "GET" not in result.stderr


def test_list_devices_for_a_user(admin: Account, bob: Account, pushctl) -> None:
    bob.server.call("PUT", f"/_matrix/client/v3/devices/{bob.device_id}",
                    {"display_name": "Bob's [old] phone"}, token=bob.token)  # fmt: skip
    bob.add_pusher(pushkey="from-phone")
    assert pushctl("set", "--user", bob.user_id, "--pushkey", "from-admin", *SET_ARGS,
                   env=admin.env()).returncode == 0  # fmt: skip
    result = pushctl("list", "--user", bob.user_id, "--devices", "--json", env=admin.env())
    assert result.returncode == 0, result.stderr
    listed = {p["pushkey"]: p for p in json.loads(result.stdout)}
    [phone] = [d for d in devices_of(admin, bob) if d["device_id"] == bob.device_id]
    assert listed["from-phone"]["device"]["display_name"] == "Bob's [old] phone"
    assert listed["from-phone"]["device"]["last_seen_ts"] == phone["last_seen_ts"] is not None
    assert listed["from-admin"]["device"] is None
    assert "no device" in listed["from-admin"]["device_unknown_reason"]
    table = pushctl("list", "--user", bob.user_id, "--devices", env=admin.env())
    assert table.returncode == 0, table.stderr
    assert "Bob's [old] phone" in table.stdout and "Last seen" in table.stdout
    assert " UTC (" in table.stdout and "ago)" in table.stdout
    assert "device unknown for 1 pusher: the pusher belongs to no device" in table.stderr


def test_list_devices_of_own_account_without_msc3881(bob: Account, pushctl) -> None:
    bob.add_pusher(pushkey="k")
    result = pushctl("list", "--devices", "--json", env=bob.env())
    assert result.returncode == 0, result.stderr
    [pusher] = json.loads(result.stdout)
    assert pusher["device"] is None and "MSC3881" in pusher["device_unknown_reason"]
    table = pushctl("list", "--devices", env=bob.env())
    assert "unknown" in table.stdout
    assert "does not say which device set this pusher" in table.stderr


def test_list_devices_of_own_account_with_msc3881(admin: Account, bob: Account, pushctl) -> None:
    admin.server.call("PUT", f"/_synapse/admin/v1/experimental_features/{quote(bob.user_id)}",
                      {"features": {"msc3881": True}}, token=admin.token)  # fmt: skip
    bob.server.call("PUT", f"/_matrix/client/v3/devices/{bob.device_id}",
                    {"display_name": "Tablet"}, token=bob.token)  # fmt: skip
    bob.add_pusher(pushkey="k")
    result = pushctl("list", "--devices", "--json", env=bob.env())
    assert result.returncode == 0, result.stderr
    [pusher] = json.loads(result.stdout)
    assert pusher["org.matrix.msc3881.device_id"] == bob.device_id
    [device] = [d for d in bob.server.devices(bob.token) if d["device_id"] == bob.device_id]
    assert pusher["device"]["display_name"] == "Tablet"
    assert pusher["device"]["last_seen_ts"] == device["last_seen_ts"]
