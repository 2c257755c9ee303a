"""``pushctl fleet`` against the real Synapse: server-wide list, stats, move and delete.

The session's Synapse holds the users of every other test too, so each test
gives its pushers gateways and app IDs of its own and looks only at those.
Every user logs in on a device of their own and sets their pushers with their
own token, so each pusher belongs to that device; the writes must leave it
there, create no device and leave no acting token behind.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, assert_clean_failure, new_account
from tests.support.admin import acting_tokens, admin_get, devices_of

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

APP = "org.example.app.ios"


def gateway(name: str) -> str:
    return f"https://{name}-{secrets.token_hex(4)}.example.org/_matrix/push/v1/notify"


@dataclass
class Fleet:
    admin: Account
    users: list[Account]
    old: str
    new: str
    retired: str

    def server_pushers(self, user: Account) -> list[dict[str, Any]]:
        """The user's pushers as the admin API shows them (with ``device_id``)."""
        result: list[dict[str, Any]] = admin_get(
            self.admin, f"/v1/users/{quote(user.user_id)}/pushers"
        )["pushers"]
        return result

    def run(self, pushctl, *args: str) -> Any:  # type: ignore[no-untyped-def]
        return pushctl("fleet", *args, env=self.admin.env())


@pytest.fixture
def fleet(synapse) -> Fleet:  # type: ignore[no-untyped-def]
    """Ten users, each logged in on a device of their own.

    Two on the old gateway, one on the new, a retired app on two, four on a
    third gateway that no command here touches, two with none.
    """
    admin = new_account(synapse, "fleetadmin", admin=True)
    users = [new_account(synapse, "fleet") for _ in range(10)]
    found = Fleet(
        admin, users, gateway("old"), gateway("new"), f"org.example.retired.{secrets.token_hex(3)}"
    )
    u0, u1, u2, u3, _u4, *bystanders, _u9 = users
    elsewhere = gateway("elsewhere")
    for bystander in bystanders:
        bystander.add_pusher(app_id=APP, data={"url": elsewhere})
    u0.add_pusher(app_id=APP, data={"url": found.old, "format": "event_id_only"}, lang="de")
    u0.add_pusher(app_id=found.retired, data={"url": found.old})
    u1.add_pusher(app_id=APP, data={"url": found.old}, device_display_name="u1 phone")
    u2.add_pusher(app_id=APP, data={"url": found.new})
    u3.add_pusher(app_id=found.retired, data={"url": found.new})
    return found


def device_ids(fleet: Fleet, user: Account) -> list[str]:
    """The user's devices (their last-seen times change in the background: left out)."""
    return sorted(d["device_id"] for d in devices_of(fleet.admin, user))


def ours(fleet: Fleet, pushers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {u.user_id for u in fleet.users}
    return [p for p in pushers if p["user_id"] in names]


def test_list_shows_every_users_pushers_with_user_and_device(fleet: Fleet, pushctl) -> None:
    result = fleet.run(pushctl, "list", "--json")
    assert result.returncode == 0, result.stderr
    listed = ours(fleet, json.loads(result.stdout))
    assert len(listed) == 9
    devices = {u.user_id: u.device_id for u in fleet.users}
    assert all(p["device_id"] == devices[p["user_id"]] for p in listed)
    assert all(p["enabled"] is True for p in listed)

    on_old = json.loads(fleet.run(pushctl, "list", "--gateway", fleet.old, "--json").stdout)
    assert sorted(p["user_id"] for p in on_old) == sorted(
        [fleet.users[0].user_id] * 2 + [fleet.users[1].user_id]
    )
    retired = json.loads(
        fleet.run(
            pushctl, "list", "--app-id", fleet.retired, "--gateway", fleet.new, "--json"
        ).stdout
    )
    assert [p["user_id"] for p in retired] == [fleet.users[3].user_id]

    table = fleet.run(pushctl, "list", "--gateway", fleet.old)
    assert table.returncode == 0, table.stderr
    assert fleet.users[1].user_id in table.stdout and "Device ID" in table.stdout


def test_stats_counts_by_gateway_and_app_id(fleet: Fleet, pushctl) -> None:
    result = fleet.run(pushctl, "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert set(stats) == {
        "users", "users_without_pushers", "pushers", "by_gateway", "by_app_id", "unreadable_users",
    }  # fmt: skip
    gateways = {g["url"]: g for g in stats["by_gateway"]}
    assert gateways[fleet.old] == {"url": fleet.old, "pushers": 3, "users": 2}
    assert gateways[fleet.new] == {"url": fleet.new, "pushers": 2, "users": 2}
    apps = {a["app_id"]: a for a in stats["by_app_id"]}
    assert apps[fleet.retired] == {"app_id": fleet.retired, "pushers": 2, "users": 2}
    assert stats["users_without_pushers"] >= 2  # the admin and the fifth user at least
    assert stats["unreadable_users"] == []
    text = fleet.run(pushctl, "stats")
    assert text.returncode == 0 and fleet.old in text.stdout


def test_move_gateway_keeps_devices_and_fields_and_a_rerun_writes_nothing(
    fleet: Fleet, pushctl
) -> None:
    before = {u.user_id: fleet.server_pushers(u) for u in fleet.users}
    devices_before = {u.user_id: device_ids(fleet, u) for u in fleet.users}
    args = ["move-gateway", "--from", fleet.old, "--to", fleet.new, "--app-id", APP]

    dry = fleet.run(pushctl, *args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert planned["dry_run"] is True and planned["planned"] == 2 and planned["users"] == 2
    assert {c["status"] for c in planned["changes"]} == {"planned"}
    assert {u.user_id: fleet.server_pushers(u) for u in fleet.users} == before

    result = fleet.run(pushctl, *args, "--yes", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) == {
        "operation", "dry_run", "interrupted", "users", "planned", "applied", "failed",
        "not_started", "skipped", "changes", "unreadable_users",
    }  # fmt: skip
    assert summary["applied"] == 2 and summary["failed"] == 0
    assert set(summary["changes"][0]) == {
        "user_id", "action", "app_id", "pushkey", "device_id", "status", "error",
    }  # fmt: skip

    for user in fleet.users:
        after = fleet.server_pushers(user)
        assert len(after) == len(before[user.user_id])
        for old, new in zip(
            sorted(before[user.user_id], key=lambda p: p["pushkey"]),
            sorted(after, key=lambda p: p["pushkey"]),
            strict=True,
        ):
            moved = old["app_id"] == APP and old["data"]["url"] == fleet.old
            expected_data = {**old["data"], "url": fleet.new} if moved else old["data"]
            assert new["data"] == expected_data
            assert new["device_id"] == old["device_id"] == user.device_id, "kept on its device"
            for name in ("app_id", "pushkey", "kind", "lang", "device_display_name", "enabled"):
                assert new[name] == old[name]
        assert device_ids(fleet, user) == devices_before[user.user_id], "no device added"
        assert acting_tokens(fleet.admin.server, user.user_id) == 0, "acting tokens revoked"
    assert fleet.admin.pushers() == []

    again = fleet.run(pushctl, *args, "--yes", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["planned"] == 0, "a re-run after a complete run writes nothing"


def test_a_moved_pusher_still_goes_with_its_device(fleet: Fleet, pushctl) -> None:
    u1 = fleet.users[1]
    result = fleet.run(pushctl, "move-gateway", "--from", fleet.old, "--to", fleet.new, "--yes")
    assert result.returncode == 0, result.stderr
    [moved] = fleet.server_pushers(u1)
    assert moved["data"]["url"] == fleet.new and moved["device_id"] == u1.device_id
    u1.server.call("POST", "/_matrix/client/v3/logout", {}, token=u1.token)
    assert fleet.server_pushers(u1) == [], "logging the device out removes its pusher, as before"


def test_delete_retires_an_app_server_wide(fleet: Fleet, pushctl) -> None:
    args = ["delete", "--app-id", fleet.retired]
    dry = fleet.run(pushctl, *args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Plan (dry run): delete 2 pushers of 2 users" in dry.stderr
    assert len(fleet.server_pushers(fleet.users[3])) == 1

    only_new = fleet.run(pushctl, *args, "--gateway", fleet.new, "--yes", "--json")
    assert json.loads(only_new.stdout)["applied"] == 1
    assert fleet.server_pushers(fleet.users[3]) == []
    assert len(fleet.server_pushers(fleet.users[0])) == 2

    result = fleet.run(pushctl, *args, "--yes")
    assert result.returncode == 0, result.stderr
    assert [p["app_id"] for p in fleet.server_pushers(fleet.users[0])] == [APP]
    assert len(fleet.server_pushers(fleet.users[1])) == 1
    for user in fleet.users:
        assert acting_tokens(fleet.admin.server, user.user_id) == 0
    again = fleet.run(pushctl, *args, "--yes", "--json")
    assert json.loads(again.stdout)["planned"] == 0


def test_a_write_without_a_terminal_needs_yes(fleet: Fleet, pushctl) -> None:
    result = fleet.run(pushctl, "delete", "--app-id", fleet.retired)
    assert_clean_failure(result, 2)
    assert "--yes" in result.stderr
    assert len(fleet.server_pushers(fleet.users[3])) == 1


def test_a_bad_new_gateway_is_refused_before_anything_is_read(fleet: Fleet, pushctl) -> None:
    result = fleet.run(
        pushctl, "move-gateway", "--from", fleet.old, "--to", "https://x.example.org/"
    )
    assert_clean_failure(result, 3)


# -- other users' pushers with the same key ---------------------------------------------------


def test_moving_a_shared_pushkey_keeps_both_users_pushers(synapse, pushctl) -> None:  # type: ignore[no-untyped-def]
    admin = new_account(synapse, "fleetadmin", admin=True)
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    old, new = gateway("old"), gateway("new")
    key = f"shared-{secrets.token_hex(4)}"
    alice.add_pusher(pushkey=key, data={"url": old})
    bob.server.call("POST", "/_matrix/client/v3/pushers/set",
                    {**alice.pushers()[0], "append": True}, token=bob.token)  # fmt: skip
    result = pushctl("fleet", "move-gateway", "--from", old, "--to", new, "--yes",
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    for user in (alice, bob):
        [pusher] = user.pushers()
        assert pusher["pushkey"] == key and pusher["data"]["url"] == new, user.user_id


# -- refusals ---------------------------------------------------------------------------------


def test_a_non_admin_is_refused(account: Account, pushctl) -> None:
    for args in (["list"], ["stats", "--json"], ["delete", "--app-id", "x", "--yes"]):
        result = pushctl("fleet", *args, env=account.env())
        assert_clean_failure(result, 4)
        assert "server admin" in result.stderr


def test_moving_a_paused_pusher_keeps_it_paused(synapse, pushctl) -> None:  # type: ignore[no-untyped-def]
    admin = new_account(synapse, "fleetadmin", admin=True)
    alice = new_account(synapse, "alice")
    admin.server.call("PUT", f"/_synapse/admin/v1/experimental_features/{quote(alice.user_id)}",
                      {"features": {"msc3881": True}}, token=admin.token)  # fmt: skip
    old, new = gateway("old"), gateway("new")
    alice.add_pusher(pushkey="paused", data={"url": old}, **{"org.matrix.msc3881.enabled": False})
    result = pushctl("fleet", "move-gateway", "--from", old, "--to", new, "--yes",
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    [pusher] = alice.pushers()
    assert pusher["data"]["url"] == new
    assert pusher["org.matrix.msc3881.enabled"] is False, "a move must not resume notifications"
