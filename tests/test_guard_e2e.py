"""Writes are conditional on what was planned, against the real Synapse.

Between the listing a plan is made from and the writes, the server changes:
a phone logs out (its pusher is deleted), registers again (its pusher
changes), an admin deactivates or locks the account. The proxy in front of
Synapse changes the server at that moment: at the first read after the plan's
listing, or at the first write, whichever comes first (so the change lands
between plan and writes however pushctl reads). A change the server moved on
from is skipped, reported as such, and a re-run converges.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, new_account
from tests.support.admin import admin_get
from tests.support.importfiles import DEFAULTS, via, write_file
from tests.support.proxy import Proxy, Seen

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

DELETED = "deleted on the server since the plan"
CHANGED = "changed on the server since the plan"


def once_after_planning(  # type: ignore[no-untyped-def]
    listing: str, change: Callable[[], None], nth: int = 2
):
    """A proxy hook: *change* the server at the *nth* GET of *listing*, or the first write."""
    lock = threading.Lock()
    state = {"listings": 0, "done": False}

    def hook(seen: Seen) -> None:
        with lock:
            if seen.method == "GET" and seen.path.endswith(listing):
                state["listings"] += 1
            due = seen.is_write or state["listings"] >= nth
            if due and not state["done"]:
                state["done"] = True
                change()

    return hook


def unset(account: Account, pusher: dict[str, Any]) -> None:
    """The phone logs out: the server deletes its pusher."""
    body = {"app_id": pusher["app_id"], "pushkey": pusher["pushkey"], "kind": None}
    account.server.call("POST", "/_matrix/client/v3/pushers/set", body, token=account.token)


def by_key(pushers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p["pushkey"]: p for p in pushers}


def test_import_skips_what_changed_since_the_plan_and_a_rerun_converges(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    gone = account.add_pusher(pushkey="gone", lang="en")
    renewed = account.add_pusher(pushkey="renewed", lang="en")
    wanted = [
        {"pushkey": "fresh", "device_display_name": "New phone"},
        {"pushkey": "gone", "device_display_name": "Phone", "lang": "de"},
        {"pushkey": "renewed", "device_display_name": "Phone", "lang": "de"},
    ]
    path = write_file(tmp_path / "p.yaml", wanted, {**DEFAULTS, "data": renewed["data"]})

    def phones() -> None:
        unset(account, gone)
        account.add_pusher(**{**renewed, "device_display_name": "Phone, registered again"})

    proxy.hook = once_after_planning("/pushers", phones)
    result = pushctl("import", str(path), "--yes", "--json", "--concurrency", "1",
                     env=via(proxy, account))  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [(s["pushkey"], s["action"], s["reason"]) for s in summary["skipped"]] == [
        ("gone", "update", DELETED),
        ("renewed", "update", CHANGED),
    ]
    statuses = {c["pushkey"]: c["status"] for c in summary["changes"]}
    assert statuses == {"fresh": "applied", "gone": "skipped", "renewed": "skipped"}
    assert summary["applied"]["update"] == 0 and summary["failed"] == 0
    assert "2 skipped, the server changed since the plan" in result.stderr
    on_server = by_key(account.pushers())
    assert "gone" not in on_server, "a pusher deleted after the plan is not written back"
    assert on_server["renewed"]["device_display_name"] == "Phone, registered again"
    assert on_server["renewed"]["lang"] == "en", "the phone's fresh update is not reverted"

    proxy.hook = None
    rerun = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["skipped"] == []
    again = json.loads(pushctl("import", str(path), "--yes", "--json",
                               env=via(proxy, account)).stdout)  # fmt: skip
    assert again["planned"]["unchanged"] == 3, "a re-run after a skip converges"


def test_delete_skips_a_pusher_changed_or_gone_since_the_listing(
    account: Account, proxy: Proxy, pushctl
) -> None:
    gone = account.add_pusher(pushkey="old-gone", device_display_name="Old phone")
    renewed = account.add_pusher(pushkey="old-renewed", device_display_name="Old phone")
    account.add_pusher(pushkey="old-doomed", device_display_name="Old phone")

    def phones() -> None:
        unset(account, gone)
        account.add_pusher(**{**renewed, "device_display_name": "Old phone", "lang": "fr"})

    proxy.hook = once_after_planning("/pushers", phones)
    result = pushctl("delete", "--device-name", "Old phone", "--yes", "--json",
                     env=via(proxy, account))  # fmt: skip
    assert result.returncode == 0, result.stderr
    selection = json.loads(result.stdout)
    assert [p["pushkey"] for p in selection["deleted"]] == ["old-doomed"]
    skipped = sorted((s["pusher"]["pushkey"], s["reason"]) for s in selection["skipped"])
    assert skipped == [("old-gone", DELETED), ("old-renewed", CHANGED)]
    assert [p["pushkey"] for p in account.pushers()] == ["old-renewed"], (
        "a pusher registered again after the listing is kept"
    )
    rerun = pushctl("delete", "--device-name", "Old phone", "--yes", "--json",
                    env=via(proxy, account))  # fmt: skip
    assert rerun.returncode == 0 and account.pushers() == []


def test_prune_skips_a_pusher_registered_again_since_the_probe(
    account: Account, proxy: Proxy, pushctl, gateway
) -> None:
    dead = account.add_pusher(pushkey="dead-key", data={"url": gateway.url})
    gateway.reject("dead-key")

    def phone() -> None:  # the app is installed again and registers the same key
        account.add_pusher(**{**dead, "device_display_name": "Reinstalled"})

    proxy.hook = once_after_planning("/pushers", phone)
    result = pushctl("prune", "--rejected", "--yes", "--json", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    selection = json.loads(result.stdout)
    assert selection["deleted"] == []
    assert [(s["pusher"]["pushkey"], s["reason"]) for s in selection["skipped"]] == [
        ("dead-key", CHANGED)
    ]
    [kept] = account.pushers()
    assert kept["device_display_name"] == "Reinstalled"


# -- fleet ------------------------------------------------------------------------------------


def gateway_url(name: str) -> str:
    return f"https://{name}-{secrets.token_hex(4)}.example.org/_matrix/push/v1/notify"


def admin_call(admin: Account, method: str, path: str, body: Any) -> Any:
    return admin.server.call(method, f"/_synapse/admin{path}", body, token=admin.token)


def test_fleet_move_writes_nothing_into_what_changed_since_the_plan(
    synapse, proxy: Proxy, pushctl
) -> None:  # type: ignore[no-untyped-def]
    admin = new_account(synapse, "fleetadmin", admin=True)
    logged_out, renewed, deactivated, locked, moved = (
        new_account(synapse, "guard") for _ in range(5)
    )
    old, new = gateway_url("old"), gateway_url("new")
    pushers = {user.user_id: user.add_pusher(data={"url": old}) for user in
               (logged_out, renewed, deactivated, locked, moved)}  # fmt: skip

    def world() -> None:
        unset(logged_out, pushers[logged_out.user_id])
        renewed.add_pusher(**{**pushers[renewed.user_id], "lang": "fr"})
        admin_call(admin, "POST", f"/v1/deactivate/{quote(deactivated.user_id)}", {})
        admin_call(admin, "PUT", f"/v2/users/{quote(locked.user_id)}", {"locked": True})

    # after the inventory, before any write, whatever order pushctl reads in
    proxy.hook = once_after_planning("/auth_metadata", world, nth=1)
    args = ["fleet", "move-gateway", "--from", old, "--to", new, "--yes", "--json"]
    env = admin.env(PUSHCTL_HOMESERVER=proxy.url)
    result = pushctl(*args, env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    skipped = {s["user_id"]: s["reason"] for s in summary["skipped"]}
    assert skipped == {
        logged_out.user_id: DELETED,
        renewed.user_id: CHANGED,
        deactivated.user_id: "the account is deactivated",
        locked.user_id: "the account is locked",
    }
    assert summary["applied"] == 1 and summary["failed"] == 0
    assert "moved 1 pusher; 4 skipped" in result.stderr

    def server_pushers(user: Account) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = admin_get(admin, f"/v1/users/{quote(user.user_id)}/pushers")[
            "pushers"
        ]
        return found

    assert server_pushers(logged_out) == [], "no pusher comes back after a logout"
    assert [p["lang"] for p in server_pushers(renewed)] == ["fr"], "the update is not reverted"
    assert server_pushers(deactivated) == [], "nothing is written into a deactivated account"
    assert [p["data"]["url"] for p in server_pushers(locked)] == [old]
    assert [p["data"]["url"] for p in server_pushers(moved)] == [new]

    proxy.hook = None
    admin_call(admin, "PUT", f"/v2/users/{quote(locked.user_id)}", {"locked": False})
    rerun = json.loads(pushctl(*args, env=env).stdout)
    assert rerun["applied"] == 2 and rerun["skipped"] == []
    assert json.loads(pushctl(*args, env=env).stdout)["planned"] == 0, "converged"
