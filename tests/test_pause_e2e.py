"""pushctl pause / resume against the real local Synapse.

A paused pusher gets no real push (a message sent from another account), a
resumed one does; the write changes nothing but the state; a homeserver that
does not honour the state for the account gets nothing at all.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, assert_clean_failure, new_account
from tests.support.clientpushers import CLIENT_BODIES
from tests.support.importfiles import via
from tests.support.localsynapse import LocalSynapse
from tests.support.proxy import Proxy
from tests.support.pushgateway import PushGateway
from tests.test_faithful_e2e import real_client_account, turn_on_msc3881

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

ENABLED = "org.matrix.msc3881.enabled"


def without_state(pushers: list[dict[str, Any]]) -> list[str]:
    """Each pusher exactly as the server gives it (key order kept), its state left out."""
    return [json.dumps({k: v for k, v in p.items() if k != ENABLED}) for p in pushers]


def states(account: Account) -> dict[str, bool]:
    return {p["pushkey"]: p[ENABLED] for p in account.pushers()}


class Conversation:
    """A direct chat from *sender* to *receiver*: each message a real push to the receiver."""

    def __init__(self, synapse: LocalSynapse, sender: Account, receiver: Account) -> None:
        invite = {"invite": [receiver.user_id], "is_direct": True}
        room = synapse.call("POST", "/_matrix/client/v3/createRoom", invite, token=sender.token)
        self.path = f"/_matrix/client/v3/rooms/{quote(room['room_id'])}"
        synapse.call("POST", f"{self.path}/join", {}, token=receiver.token)
        self.synapse, self.sender, self.sent = synapse, sender, 0

    def say(self, text: str) -> str:
        self.sent += 1
        message = {"msgtype": "m.text", "body": text}
        path = f"{self.path}/send/m.room.message/t{self.sent}"
        event_id: str = self.synapse.call("PUT", path, message, token=self.sender.token)["event_id"]
        return event_id


def pushed(gateway: PushGateway, pushkey: str, event_id: str) -> bool:
    return any(
        r.notification.get("event_id") == event_id for r in gateway.notifications_for(pushkey)
    )


def test_a_paused_pusher_gets_no_push_and_a_resumed_one_does(
    synapse: LocalSynapse, admin: Account, gateway: PushGateway, pushctl
) -> None:
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    turn_on_msc3881(admin, alice)
    pusher = alice.add_pusher(pushkey="alices-phone", data={"url": gateway.url})
    chat = Conversation(synapse, bob, alice)
    one = ["--app-id", pusher["app_id"], "--pushkey", "alices-phone"]
    before = chat.say("are you there?")
    assert gateway.wait_for(lambda: pushed(gateway, "alices-phone", before)), "no push at all"

    paused = pushctl("pause", *one, env=alice.env())
    assert paused.returncode == 0, paused.stderr
    assert "paused 1 pusher" in paused.stderr
    quiet = chat.say("while paused")
    time.sleep(3)  # Synapse pushes within a fraction of a second when it pushes
    assert not pushed(gateway, "alices-phone", quiet), "a paused pusher was pushed to"

    resumed = pushctl("resume", *one, env=alice.env())
    assert resumed.returncode == 0, resumed.stderr
    after = chat.say("back?")
    assert gateway.wait_for(lambda: pushed(gateway, "alices-phone", after)), "not resumed"
    assert not pushed(gateway, "alices-phone", quiet)


def test_pausing_changes_the_state_and_nothing_else(
    admin: Account, synapse: LocalSynapse, pushctl
) -> None:
    alice = real_client_account(admin, "alice")
    shared = next(body for _, _, body in CLIENT_BODIES if body.get("append") is True)
    bob = new_account(synapse, "bob")
    bob.add_pusher(**{k: v for k, v in shared.items() if k != "append"}, append=True)
    bobs = json.dumps(bob.pushers())
    before = alice.pushers()

    result = pushctl("pause", "--all", "--yes", env=alice.env())
    assert result.returncode == 0, result.stderr
    after = alice.pushers()
    assert without_state(after) == without_state(before), "only the state may change"
    assert {p[ENABLED] for p in after} == {False}
    web = [p for p in before if p["app_id"] == "im.vector.app.web"]
    assert f"{len(before) - len(web)} pushers" in result.stderr  # Element Web's was paused
    assert "1 pusher already paused: unchanged" in result.stderr
    assert json.dumps(bob.pushers()) == bobs, "another account's pusher was touched"

    resumed = pushctl("resume", "--all", "--yes", env=alice.env())
    assert resumed.returncode == 0, resumed.stderr
    assert without_state(alice.pushers()) == without_state(before)
    assert {p[ENABLED] for p in alice.pushers()} == {True}


def test_the_write_resends_the_record_with_append_true(
    admin: Account, account: Account, proxy: Proxy, pushctl
) -> None:
    turn_on_msc3881(admin, account)
    data = {"url": "https://push.example.org/_matrix/push/v1/notify", "format": " ", "x": [1]}
    account.add_pusher(pushkey="k", profile_tag="mobile_1", data=data, lang="")
    [record] = account.pushers()
    result = pushctl("pause", "--all", "--yes", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    [write] = proxy.writes()
    sent = write.json()
    expected = {k: v for k, v in record.items() if k != "org.matrix.msc3881.device_id"}
    assert sent == {**expected, ENABLED: False, "append": True}


def test_pausing_a_paused_pusher_is_unchanged_and_sends_nothing(
    admin: Account, account: Account, proxy: Proxy, pushctl
) -> None:
    turn_on_msc3881(admin, account)
    pusher = account.add_pusher(pushkey="asleep", **{ENABLED: False})
    args = ["pause", "--app-id", pusher["app_id"], "--pushkey", "asleep", "--json"]
    result = pushctl(*args, env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["to_change"] == [] and document["changed"] == []
    assert [p["pushkey"] for p in document["unchanged"]] == ["asleep"]
    assert proxy.writes() == []
    text = pushctl(*args[:-1], env=account.env())
    assert "1 pusher already paused: unchanged" in text.stderr


def test_a_selection_is_shown_and_needs_yes_without_a_terminal(
    admin: Account, account: Account, pushctl
) -> None:
    turn_on_msc3881(admin, account)
    account.add_pusher(pushkey="a", device_display_name="Old phone")
    account.add_pusher(pushkey="b", device_display_name="New phone")
    dry = pushctl("pause", "--device-name", "Old phone", "--dry-run", env=account.env())
    assert dry.returncode == 0, dry.stderr
    assert "Would pause 1 pusher" in dry.stderr and "Old phone" in dry.stdout
    assert states(account) == {"a": True, "b": True}
    refused = pushctl("pause", "--device-name", "Old phone", env=account.env())
    assert_clean_failure(refused, 2)
    assert "--yes" in refused.stderr
    assert states(account) == {"a": True, "b": True}
    done = pushctl("pause", "--device-name", "Old phone", "--yes", env=account.env())
    assert done.returncode == 0, done.stderr
    assert states(account) == {"a": False, "b": True}


def test_an_admin_pauses_and_resumes_for_a_user(
    synapse: LocalSynapse, admin: Account, pushctl
) -> None:
    bob = new_account(synapse, "bob")
    turn_on_msc3881(admin, bob)
    bob.add_pusher(pushkey="bobs-phone")
    before = bob.pushers()
    devices = synapse.call("GET", "/_matrix/client/v3/devices", token=bob.token)
    result = pushctl("pause", "--all", "--yes", "--user", bob.user_id, env=admin.env())
    assert result.returncode == 0, result.stderr
    assert states(bob) == {"bobs-phone": False}
    assert without_state(bob.pushers()) == without_state(before)
    assert synapse.call("GET", "/_matrix/client/v3/devices", token=bob.token) == devices
    resumed = pushctl("resume", "--all", "--yes", "--user", bob.user_id, env=admin.env())
    assert resumed.returncode == 0, resumed.stderr
    assert states(bob) == {"bobs-phone": True}


@pytest.mark.parametrize("for_user", [False, True])
def test_without_msc3881_nothing_is_sent_and_it_says_so(
    synapse: LocalSynapse, admin: Account, proxy: Proxy, pushctl, for_user: bool
) -> None:
    bob = new_account(synapse, "bob")
    pusher = bob.add_pusher(pushkey="bobs-phone")
    before = json.dumps(bob.pushers())
    args = ["pause", "--app-id", pusher["app_id"], "--pushkey", "bobs-phone"]
    env = via(proxy, admin if for_user else bob)
    result = pushctl(*args, *(["--user", bob.user_id] if for_user else []), env=env)
    assert_clean_failure(result, 4)
    [line] = result.stderr.strip().splitlines()
    assert "does not support pausing" in line and ENABLED in line
    assert "msc3881" in line and "nothing was sent" in line
    assert proxy.writes() == []
    assert json.dumps(bob.pushers()) == before


def test_nothing_matching_is_not_an_error(account: Account, pushctl) -> None:
    result = pushctl("resume", "--app-id", "org.example.none", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["to_change"] == []
    assert "nothing to resume" in pushctl("resume", "--all", env=account.env()).stderr


@pytest.mark.parametrize("args", [[], ["--all", "--app-id", "x"]])
def test_pause_needs_a_selection(account: Account, pushctl, args: list[str]) -> None:
    result = pushctl("pause", *args, env=account.env())
    assert_clean_failure(result, 2)
    assert "say which pushers to pause" in result.stderr
