"""pushctl test and prune against a real Synapse and a push gateway on loopback.

The gateway records what it receives; pushers and devices are read back from
Synapse directly.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, assert_clean_failure, make_pusher, new_account
from tests.support.localsynapse import LocalSynapse
from tests.support.pushgateway import NOTIFY_PATH, PushGateway

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

NOWHERE = "push.pushctl.invalid"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{NOTIFY_PATH}"


def keys(pushers: list[dict[str, Any]]) -> list[str]:
    return sorted(p["pushkey"] for p in pushers)


def test_test_reports_delivered_rejected_and_unreachable(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    gateway.reject("dead")
    account.add_pusher(pushkey="good", data={"url": gateway.url, "format": "event_id_only"})
    account.add_pusher(pushkey="dead", data={"url": gateway.url})
    account.add_pusher(pushkey="refused", data={"url": closed_port_url()})
    account.add_pusher(pushkey="nowhere", data={"url": f"https://{NOWHERE}{NOTIFY_PATH}"})
    account.add_pusher(pushkey="plain", data={"url": f"http://{NOWHERE}{NOTIFY_PATH}"})
    result = pushctl("test", "--json", env=account.env())
    assert_clean_failure(result, 5)
    outcome = {r["pushkey"]: r for r in json.loads(result.stdout)}
    assert outcome["good"]["result"] == "delivered"
    assert outcome["dead"]["result"] == "rejected"
    assert outcome["refused"]["result"] == "unreachable"
    assert outcome["refused"]["reason"] == "connection refused"
    assert outcome["nowhere"]["result"] == "unreachable"
    assert outcome["nowhere"]["reason"] == "host name not found"
    assert outcome["plain"]["result"] == "skipped"
    assert "--allow-insecure-http" in outcome["plain"]["reason"]
    assert "4 of 5 pushers not delivered" in result.stderr
    for name in ("dead", "refused", "nowhere", "plain"):
        assert name in result.stderr
    assert keys(account.pushers()) == ["dead", "good", "nowhere", "plain", "refused"]


def test_the_gateway_gets_a_push_gateway_notification_and_no_token(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    payload = {"aps": {"sound": "x"}}
    data = {"url": gateway.url, "format": "event_id_only", "default_payload": payload}
    account.add_pusher(pushkey="good", data=data)
    result = pushctl("test", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    [received] = gateway.received
    assert "Authorization" not in received.headers
    assert all(account.token not in value for value in received.headers.values())
    notification = received.notification
    assert notification["event_id"] == report["event_id"]
    assert notification["event_id"].startswith("$pushctl-test-")
    assert notification["prio"] == "high" and notification["counts"] == {"unread": 1}
    [device] = notification["devices"]
    assert device["app_id"] == "org.example.app.ios" and device["pushkey"] == "good"
    assert device["data"] == {"format": "event_id_only", "default_payload": payload}
    assert isinstance(device["pushkey_ts"], int) and "tweaks" in device


def test_test_selects_by_app_id_and_pushkey(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="a", data={"url": gateway.url})
    account.add_pusher(pushkey="b", data={"url": gateway.url})
    account.add_pusher(pushkey="c", app_id="org.example.other", data={"url": gateway.url})
    result = pushctl("test", "--app-id", "org.example.app.ios", "--pushkey", "b",
                     env=account.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "delivered" in result.stdout and "Result" in result.stdout
    assert [r.pushkeys for r in gateway.received] == [["b"]]
    result = pushctl("test", "--app-id", "org.example.other", env=account.env())
    assert result.returncode == 0, result.stderr
    assert [r.pushkeys for r in gateway.received] == [["b"], ["c"]]


def test_test_for_another_user(admin: Account, gateway: PushGateway, pushctl) -> None:
    bob = new_account(admin.server, "bob")
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    result = pushctl("test", "--user", bob.user_id, "--json", env=admin.env())
    assert result.returncode == 0, result.stderr
    assert [r["result"] for r in json.loads(result.stdout)] == ["delivered"]
    assert [r.pushkeys for r in gateway.received] == [["bobs"]]


def test_prune_rejected_for_another_user(admin: Account, gateway: PushGateway, pushctl) -> None:
    bob = new_account(admin.server, "bob")
    gateway.reject("dead")
    bob.add_pusher(pushkey="good", data={"url": gateway.url})
    bob.add_pusher(pushkey="dead", data={"url": gateway.url})
    bob.add_pusher(pushkey="unknown", data={"url": closed_port_url()})
    devices_url = f"/_synapse/admin/v2/users/{quote(bob.user_id)}/devices"
    devices_before = admin.server.call("GET", devices_url, token=admin.token)["total"]

    dry = pushctl("prune", "--rejected", "--user", bob.user_id, "--dry-run", env=admin.env())
    assert dry.returncode == 0, dry.stderr
    assert "Would delete 1 pusher" in dry.stderr and "dead" in dry.stdout
    assert keys(bob.pushers()) == ["dead", "good", "unknown"]

    refused = pushctl("prune", "--rejected", "--user", bob.user_id, env=admin.env())
    assert_clean_failure(refused, 2)
    assert "--yes" in refused.stderr and len(bob.pushers()) == 3

    result = pushctl("prune", "--rejected", "--user", bob.user_id, "--yes", "--json",
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [p["pushkey"] for p in report["deleted"]] == ["dead"]
    [undecided] = report["undecided"]
    assert undecided["pusher"]["pushkey"] == "unknown"
    assert "unreachable: connection refused" in undecided["reason"]
    assert keys(bob.pushers()) == ["good", "unknown"]
    assert admin.server.call("GET", devices_url, token=admin.token)["total"] == devices_before


def test_prune_inactive_deletes_pushers_of_devices_unseen_for_that_long(
    admin: Account, pushctl
) -> None:
    server = admin.server
    bob = new_account(server, "bob")
    # A fresh login has no last-seen time until its first request: the pusher
    # set now is the first use of this device, which Synapse records as seen.
    bob.add_pusher(pushkey="old-phone")
    time.sleep(8)
    newer = server.login(bob.user)
    server.call("POST", "/_matrix/client/v3/pushers/set", make_pusher(pushkey="new-phone"),
                token=newer["access_token"])  # fmt: skip
    assert pushctl("set", "--user", bob.user_id, "--pushkey", "no-device",
                   "--app-id", "org.example.app.ios", "--app-display-name", "Example",
                   "--device-display-name", "Phone", "--lang", "en",
                   "--url", f"https://{NOWHERE}{NOTIFY_PATH}",
                   env=admin.env()).returncode == 0  # fmt: skip

    result = pushctl("prune", "--inactive", "5s", "--user", bob.user_id, "--yes", "--json",
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [doomed] = report["to_delete"]
    assert doomed["pusher"]["pushkey"] == "old-phone"
    assert f"device {bob.device_id} last seen" in doomed["reason"]
    [undecided] = report["undecided"]
    assert undecided["pusher"]["pushkey"] == "no-device"
    assert "belongs to no device" in undecided["reason"]
    assert keys(bob.pushers()) == ["new-phone", "no-device"]


def test_prune_inactive_on_own_account_without_device_info_deletes_nothing(
    account: Account, pushctl
) -> None:
    account.add_pusher(pushkey="k")
    result = pushctl("prune", "--inactive", "1s", "--yes", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "cannot be told" in result.stderr and "MSC3881" in result.stdout
    assert "nothing to delete" in result.stderr
    assert keys(account.pushers()) == ["k"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [([], "--rejected, --inactive"), (["--inactive", "90"], "--inactive '90'")],
)
def test_prune_needs_a_criterion(account: Account, pushctl, args: list[str], fragment: str) -> None:
    result = pushctl("prune", *args, env=account.env())
    assert_clean_failure(result, 2)
    assert fragment in result.stderr


def test_synapse_pushes_to_a_pusher_set_with_pushctl(
    synapse: LocalSynapse, gateway: PushGateway, pushctl
) -> None:
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    result = pushctl(
        "set", "--pushkey", "alices-phone", "--app-id", "org.example.app.android",
        "--app-display-name", "Example", "--device-display-name", "Alice's phone",
        "--lang", "en", "--url", gateway.url, env=alice.env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    invite = {"invite": [alice.user_id], "is_direct": True}
    room = synapse.call("POST", "/_matrix/client/v3/createRoom", invite, token=bob.token)
    rooms = f"/_matrix/client/v3/rooms/{quote(room['room_id'])}"
    synapse.call("POST", f"{rooms}/join", {}, token=alice.token)
    message = {"msgtype": "m.text", "body": "are you there?"}
    sent = synapse.call("PUT", f"{rooms}/send/m.room.message/t1", message, token=bob.token)

    def pushed() -> list[Any]:
        return [
            r for r in gateway.notifications_for("alices-phone")
            if r.notification.get("event_id") == sent["event_id"]
        ]  # fmt: skip

    assert gateway.wait_for(lambda: bool(pushed()), timeout=30), "Synapse never pushed"
    notification = pushed()[0].notification
    assert notification["room_id"] == room["room_id"]
    assert notification["sender"] == bob.user_id
    assert notification["devices"][0]["app_id"] == "org.example.app.android"
