"""pushctl doctor against a real Synapse, with push gateways on loopback.

Each test makes one cause of missing notifications for real (a push rule, an
ignored user, a gateway that rejects or is not a gateway) and checks that doctor
names it with its check ID. Host names are resolved through a fake resolver
where the private-address check matters: no test connects to a private range.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from pytest_httpserver import HTTPServer

from tests.support.accounts import APPSERVICE_PREFIX, Account, make_pusher, new_account
from tests.support.fakegateways import FakeGateway
from tests.support.pushgateway import NOTIFY_PATH, PushGateway

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

FINDING_KEYS = {"check", "severity", "message", "advice"}
PUBLIC = "93.184.215.14"  # a public address: never contacted, only "resolved" to


@pytest.fixture(autouse=True)
def public_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every gateway host "resolves" to a public address unless a test says otherwise."""
    monkeypatch.setattr("pushctl.doctor.gateways.resolve", lambda host, port: [PUBLIC])


def doctor(pushctl: Any, account: Account, *args: str, env: dict[str, str] | None = None) -> Any:
    result = pushctl("doctor", "--json", *args, env=env or account.env())
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    return result.returncode, document


def checks(document: dict[str, Any], severity: str | None = None) -> list[str]:
    return sorted(
        f["check"] for f in document["findings"] if severity is None or f["severity"] == severity
    )


def only(document: dict[str, Any], check: str) -> dict[str, Any]:
    [finding] = [f for f in document["findings"] if f["check"] == check]
    return finding


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{NOTIFY_PATH}"


def put_rule(account: Account, kind: str, rule_id: str, suffix: str, body: Any) -> None:
    path = f"/_matrix/client/v3/pushrules/global/{kind}/{quote(rule_id, safe='')}{suffix}"
    account.server.call("PUT", path, body, token=account.token)


# -- the document --------------------------------------------------------------


def test_a_healthy_account_exits_0_with_the_documented_json(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="good", data={"url": gateway.url})
    code, document = doctor(pushctl, account)
    assert code == 0
    assert set(document) == {"findings", "summary", "not_checked"}

    assert document["summary"] == {"problems": 0, "warnings": 1}
    [plain] = document["findings"]
    assert set(plain) == FINDING_KEYS | {"pusher"}
    assert plain["check"] == "gateway.plain-http" and plain["severity"] == "warning"
    assert plain["pusher"] == {"app_id": "org.example.app.ios", "pushkey": "good"}
    assert [r.pushkeys for r in gateway.received] == [["good"]]


def test_the_terminal_report_groups_by_area_and_ends_with_a_verdict(
    account: Account, pushctl
) -> None:
    put_rule(account, "override", ".m.rule.master", "/enabled", {"enabled": True})
    result = pushctl("doctor", env=account.env())
    assert result.returncode == 6, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Pushers:" and "pushers.none" in lines[1]
    assert "Push rules:" in lines and any("push-rules.master" in line for line in lines)
    assert lines[-1].startswith("Verdict: notifications are blocked or lost: 2 problems")
    assert "found 2 problems" in result.stderr


def test_no_pushers_is_a_problem(account: Account, pushctl) -> None:
    code, document = doctor(pushctl, account)
    assert code == 6
    assert checks(document) == ["pushers.none"]
    assert document["summary"] == {"problems": 1, "warnings": 0}


# -- push rules and account data -----------------------------------------------


def test_push_rules_master_defaults_and_muted_rooms(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="good", data={"url": gateway.url})
    put_rule(account, "override", ".m.rule.master", "/enabled", {"enabled": True})
    put_rule(account, "underride", ".m.rule.message", "/enabled", {"enabled": False})
    put_rule(account, "underride", ".m.rule.encrypted", "/actions", {"actions": []})
    quiet = account.server.call(
        "POST", "/_matrix/client/v3/createRoom", {"name": "Quiet corner"}, token=account.token
    )["room_id"]
    put_rule(account, "room", quiet, "", {"actions": []})
    silent = account.server.call("POST", "/_matrix/client/v3/createRoom", {}, token=account.token)
    override = {
        "actions": ["dont_notify"],
        "conditions": [{"kind": "event_match", "key": "room_id", "pattern": silent["room_id"]}],
    }
    put_rule(account, "override", silent["room_id"], "", override)
    code, document = doctor(pushctl, account)
    assert code == 6
    assert checks(document, "problem") == ["push-rules.master"]
    defaults = [f["message"] for f in document["findings"]
                if f["check"] == "push-rules.default-disabled"]  # fmt: skip
    assert len(defaults) == 2
    assert any(".m.rule.message is disabled" in m for m in defaults)
    assert any(".m.rule.encrypted no longer notifies" in m for m in defaults)
    muted = {f["room_id"]: f["message"] for f in document["findings"]
             if f["check"] == "push-rules.room-muted"}  # fmt: skip
    assert set(muted) == {quiet, silent["room_id"]}
    assert "Quiet corner" in muted[quiet]


def test_ignored_users_are_a_warning(account: Account, gateway: PushGateway, pushctl) -> None:
    account.add_pusher(pushkey="good", data={"url": gateway.url})
    ignored = {"ignored_users": {"@spam:localhost": {}, "@troll:localhost": {}}}
    path = f"/_matrix/client/v3/user/{quote(account.user_id)}/account_data/m.ignored_user_list"
    account.server.call("PUT", path, ignored, token=account.token)
    code, document = doctor(pushctl, account)
    assert code == 0
    finding = only(document, "users.ignored")
    assert "2 users" in finding["message"] and "@troll:localhost" in finding["message"]


def test_an_email_pusher_whose_address_is_no_3pid(
    account: Account, admin: Account, pushctl
) -> None:
    # Synapse sets an email pusher only for one of the user's addresses, and deletes
    # it with the address; but it deletes by the canonical (lower-case) address, so a
    # pusher set with another case outlives the address it was set for.
    address = f"Alice.{account.user.localpart}@Example.org"
    user = f"/_synapse/admin/v2/users/{quote(account.user_id)}"
    threepid = {"medium": "email", "address": address.lower()}
    account.server.call("PUT", user, {"threepids": [threepid]}, token=admin.token)
    account.add_pusher(kind="email", app_id="m.email", pushkey=address, data={})
    code, document = doctor(pushctl, account)
    assert code == 0, document  # the address is still the user's: nothing to say
    account.server.call("PUT", user, {"threepids": []}, token=admin.token)
    assert [p["pushkey"] for p in account.pushers()] == [address]
    code, document = doctor(pushctl, account)
    assert code == 6
    assert checks(document) == ["email.no-3pid"]
    assert only(document, "email.no-3pid")["pusher"]["pushkey"] == address


def test_a_pusher_another_client_set_against_the_rules_is_invalid(
    account: Account, pushctl
) -> None:
    account.add_pusher(pushkey="odd", data={"url": "ftp://bad/_matrix/push/v1/notify"})
    code, document = doctor(pushctl, account)
    assert code == 6
    assert checks(document) == ["pusher.invalid"]
    assert "data.url" in only(document, "pusher.invalid")["message"]


def test_a_pusher_of_a_kind_synapse_never_pushes_to_is_a_warning(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="odd", kind="foo", data={"url": "ftp://bad"})
    code, document = doctor(pushctl, account)
    assert code == 0
    assert checks(document) == ["pusher.unknown-kind"]
    assert "'foo'" in only(document, "pusher.unknown-kind")["message"]


def test_a_pusher_gone_since_the_last_listing_has_vanished(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="stays", data={"url": gateway.url})
    account.add_pusher(pushkey="goes", data={"url": gateway.url})
    assert pushctl("list", env=account.env()).returncode == 0
    body = {"app_id": "org.example.app.ios", "pushkey": "goes", "kind": None}
    account.server.call("POST", "/_matrix/client/v3/pushers/set", body, token=account.token)
    code, document = doctor(pushctl, account)
    assert code == 0
    finding = only(document, "pusher.vanished")
    assert finding["pusher"]["pushkey"] == "goes" and "last seen 20" in finding["message"]


def test_another_users_listing_is_not_compared(
    account: Account, admin: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="theirs", data={"url": gateway.url})
    assert pushctl("list", "--user", account.user_id, env=admin.env()).returncode == 0
    code, document = doctor(pushctl, admin)
    assert code == 6 and checks(document) == ["pushers.none"]  # not "theirs vanished"


def vanished(document: dict[str, Any]) -> list[str]:
    found = [f for f in document["findings"] if f["check"] == "pusher.vanished"]
    return sorted(f["pusher"]["pushkey"] for f in found)


def test_another_account_under_the_same_profile_is_never_shown_the_first_ones_pushers(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="alices", data={"url": gateway.url})
    assert pushctl("list", env=account.env()).returncode == 0
    bob = new_account(account.server, "bob")  # the same (default) profile, bob's token
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    code, document = doctor(pushctl, bob)
    assert code == 0 and vanished(document) == []
    assert "alices" not in json.dumps(document)


def test_an_admin_keeps_a_listing_for_each_account_listed(
    admin: Account, gateway: PushGateway, pushctl
) -> None:
    alice = new_account(admin.server, "alice")
    alice.add_pusher(pushkey="alices-phone", data={"url": gateway.url})
    alice.add_pusher(pushkey="alices-tablet", data={"url": gateway.url})
    admin.add_pusher(pushkey="admins", data={"url": gateway.url})
    assert pushctl("list", "--user", alice.user_id, env=admin.env()).returncode == 0
    assert pushctl("list", env=admin.env()).returncode == 0  # the admin's own, after
    remove_pusher(alice, "alices-tablet")
    _, document = doctor(pushctl, admin, "--user", alice.user_id)
    assert vanished(document) == ["alices-tablet"]
    code, document = doctor(pushctl, admin)
    assert code == 0 and vanished(document) == []


def remove_pusher(account: Account, pushkey: str) -> None:
    """Delete a pusher as another client would (not pushctl)."""
    body = {"app_id": "org.example.app.ios", "pushkey": pushkey, "kind": None}
    account.server.call("POST", "/_matrix/client/v3/pushers/set", body, token=account.token)


@pytest.mark.parametrize("how", ["delete", "delete-selection", "prune", "import-prune"])
def test_pushers_pushctl_deleted_have_not_vanished(
    account: Account, gateway: PushGateway, pushctl, tmp_path: Any, how: str
) -> None:
    stays = account.add_pusher(pushkey="stays", data={"url": gateway.url})
    account.add_pusher(pushkey="goes", data={"url": gateway.url}, device_display_name="Old")
    assert pushctl("list", env=account.env()).returncode == 0
    file = tmp_path / "pushers.json"
    file.write_text(json.dumps({"pushers": [stays]}))
    gateway.reject("goes")
    args = {
        "delete": ["delete", "--app-id", "org.example.app.ios", "--pushkey", "goes"],
        "delete-selection": ["delete", "--device-name", "Old", "--yes"],
        "prune": ["prune", "--rejected", "--yes"],
        "import-prune": ["import", str(file), "--prune", "--yes"],
    }[how]
    result = pushctl(*args, env=account.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["stays"]
    code, document = doctor(pushctl, account)
    assert code == 0 and vanished(document) == []


def test_pushers_pushctl_deleted_for_another_user_have_not_vanished(
    admin: Account, gateway: PushGateway, pushctl
) -> None:
    alice = new_account(admin.server, "alice")
    app = f"org.example.gone{time.monotonic_ns()}"  # fleet delete reaches every user
    alice.add_pusher(pushkey="stays", data={"url": gateway.url})
    alice.add_pusher(pushkey="goes", data={"url": gateway.url})
    alice.add_pusher(app_id=app, pushkey="fleet-goes", data={"url": gateway.url})
    assert pushctl("list", "--user", alice.user_id, env=admin.env()).returncode == 0
    deleting = ["delete", "--user", alice.user_id, "--app-id", "org.example.app.ios"]
    result = pushctl(*deleting, "--pushkey", "goes", env=admin.env())
    assert result.returncode == 0, result.stderr
    result = pushctl("fleet", "delete", "--app-id", app, "--yes", env=admin.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in alice.pushers()] == ["stays"]
    _, document = doctor(pushctl, admin, "--user", alice.user_id)
    assert vanished(document) == []


def test_a_pusher_the_server_removed_at_logout_has_still_vanished(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    account.add_pusher(pushkey="mine", data={"url": gateway.url})
    phone = account.server.login(account.user)["access_token"]
    pusher = make_pusher(pushkey="phone", data={"url": gateway.url})
    account.server.call("POST", "/_matrix/client/v3/pushers/set", pusher, token=phone)
    assert pushctl("list", env=account.env()).returncode == 0
    result = pushctl("delete", "--app-id", "org.example.app.ios", "--pushkey", "mine",
                     env=account.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    account.server.call("POST", "/_matrix/client/v3/logout", {}, token=phone)
    _, document = doctor(pushctl, account)
    assert vanished(document) == ["phone"]


# -- gateways --------------------------------------------------------------------


def test_gateways_that_reject_refuse_or_are_no_gateway(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    gateway.reject("dead")
    account.add_pusher(pushkey="dead", data={"url": gateway.url})
    account.add_pusher(pushkey="refused", data={"url": closed_port_url()})
    account.add_pusher(pushkey="nowhere",
                       data={"url": f"https://push.pushctl.invalid{NOTIFY_PATH}"})  # fmt: skip
    with (
        FakeGateway("html404") as proxy,
        FakeGateway("sygnal") as sygnal,
        FakeGateway("unifiedpush") as unified,
    ):
        account.add_pusher(pushkey="proxied", data={"url": proxy.url})
        account.add_pusher(pushkey="sygnal", data={"url": sygnal.url})
        account.add_pusher(pushkey=unified.url.replace(NOTIFY_PATH, "/up?t=1"),
                           data={"url": unified.url})  # fmt: skip
        code, document = doctor(pushctl, account)
    assert code == 6
    problems = {f["pusher"]["pushkey"]: f for f in document["findings"]
                if f["severity"] == "problem"}  # fmt: skip
    assert {k: f["check"] for k, f in problems.items()} == {
        "dead": "gateway.rejected",
        "refused": "gateway.unreachable",
        "nowhere": "gateway.unreachable",
        "proxied": "gateway.not-matrix",
    }
    assert "connection refused" in problems["refused"]["message"]
    assert "host name not found" in problems["nowhere"]["message"]
    assert "text/html, not JSON" in problems["proxied"]["message"]
    assert "pushkey.shape" not in checks(document)


def test_no_push_sends_no_notification(account: Account, pushctl) -> None:
    with FakeGateway("sygnal") as sygnal:
        account.add_pusher(pushkey="quiet", data={"url": sygnal.url})
        code, document = doctor(pushctl, account, "--no-push")
    assert code == 0
    assert sygnal.posts == 0
    assert checks(document) == ["gateway.plain-http"]


def test_without_push_a_gateway_answering_html_is_no_gateway(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    # the test gateway answers GET with http.server's HTML 501: only the test
    # notification shows that it is a push gateway after all
    account.add_pusher(pushkey="k", data={"url": gateway.url})
    code, document = doctor(pushctl, account, "--no-push")
    assert code == 6 and "gateway.not-matrix" in checks(document)
    code, document = doctor(pushctl, account)
    assert code == 0 and "gateway.not-matrix" not in checks(document)


def test_without_push_a_homeserver_is_no_gateway(
    account: Account, synapse: Any, pushctl, httpserver: HTTPServer
) -> None:
    # Synapse answers GET on the notify path with JSON 404 M_UNRECOGNIZED; another
    # homeserver may ask for a token first (JSON 401), which Synapse cannot be made to
    account.add_pusher(pushkey="hs", data={"url": synapse.base_url + NOTIFY_PATH})
    refusal = {"errcode": "M_MISSING_TOKEN", "error": "Missing access token"}
    httpserver.expect_request(NOTIFY_PATH).respond_with_json(refusal, status=401)
    account.add_pusher(pushkey="hs-401", data={"url": httpserver.url_for(NOTIFY_PATH)})
    code, document = doctor(pushctl, account, "--no-push")
    assert code == 6
    found = {f["pusher"]["pushkey"]: f["message"] for f in document["findings"]
             if f["check"] == "gateway.not-matrix"}  # fmt: skip
    assert set(found) == {"hs", "hs-401"}
    assert "404 with the Matrix error M_UNRECOGNIZED" in found["hs"]
    assert "401 with the Matrix error M_MISSING_TOKEN" in found["hs-401"]


def test_a_gateway_on_a_private_address_is_a_warning(
    account: Account, gateway: PushGateway, pushctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, int]] = []

    def lan(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["10.20.30.40", PUBLIC]

    monkeypatch.setattr("pushctl.doctor.gateways.resolve", lan)
    account.add_pusher(pushkey="a", data={"url": gateway.url})
    account.add_pusher(pushkey="b", data={"url": gateway.url})
    code, document = doctor(pushctl, account)
    assert code == 0
    finding = only(document, "gateway.private-address")  # one per gateway, not per pusher
    assert "10.20.30.40" in finding["message"] and PUBLIC not in finding["message"]
    assert "ip_range_whitelist" in finding["advice"]
    assert asked == [("127.0.0.1", gateway.port)]


def test_probes_run_concurrently(account: Account, pushctl) -> None:
    with FakeGateway("slow") as one, FakeGateway("slow") as two, FakeGateway("slow") as three:
        slow = [one, two, three]
        with FakeGateway("slow") as four, FakeGateway("slow") as five:
            slow += [four, five]
            for number, server in enumerate(slow):
                account.add_pusher(pushkey=f"slow-{number}", data={"url": server.url})
            started = time.monotonic()
            code, document = doctor(pushctl, account)
            elapsed = time.monotonic() - started
    assert code == 0, document
    assert all(server.posts == 1 for server in slow)
    # each gateway takes 1 s for the GET and 1 s for the test notification
    assert elapsed < 3.0, elapsed  # 1.5 times the slowest single probe (2 s)


# -- another user ----------------------------------------------------------------


def test_an_admin_sees_another_users_push_rules_and_leaves_no_trace(
    admin: Account, gateway: PushGateway, pushctl
) -> None:
    bob = new_account(admin.server, "bob")
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    put_rule(bob, "override", ".m.rule.master", "/enabled", {"enabled": True})
    devices_before = bob.server.devices(bob.token)
    code, document = doctor(pushctl, admin, "--user", bob.user_id)
    assert code == 6
    assert checks(document, "problem") == ["push-rules.master"]
    assert bob.server.devices(bob.token) == devices_before
    assert [r.pushkeys for r in gateway.received] == [["bobs"]]


def test_behind_mas_acting_is_unavailable_and_the_rest_is_reported(
    admin: Account, gateway: PushGateway, pushctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Synapse here has no Matrix Authentication Service: pretend auth_metadata answered
    monkeypatch.setattr("pushctl.doctor.collect.behind_mas", lambda client: True)
    bob = new_account(admin.server, "bob")
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    put_rule(bob, "override", ".m.rule.master", "/enabled", {"enabled": True})
    code, document = doctor(pushctl, admin, "--user", bob.user_id)
    assert code == 0
    [skipped] = document["not_checked"]
    assert "push rules" in skipped["area"]
    assert "Matrix Authentication Service" in skipped["reason"]


def test_a_rule_that_mutes_every_event_is_a_problem_like_the_master(
    synapse: Any, gateway: PushGateway, pushctl
) -> None:
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    alice.add_pusher(pushkey="alices-phone", data={"url": gateway.url})
    put_rule(alice, "override", "mute-all", "", {"actions": ["dont_notify"], "conditions": []})
    any_type = [{"kind": "event_match", "key": "type", "pattern": "*"}]
    put_rule(alice, "override", "any-type", "", {"actions": [], "conditions": any_type})
    code, document = doctor(pushctl, alice)
    assert code == 6
    assert checks(document, "problem") == ["push-rules.silence-all"] * 2
    assert "mute-all" in " ".join(f["message"] for f in document["findings"])

    # what doctor says is what Synapse does: nothing is pushed while the rules are on
    invite = {"invite": [alice.user_id], "is_direct": True}
    room = synapse.call("POST", "/_matrix/client/v3/createRoom", invite, token=bob.token)
    rooms = f"/_matrix/client/v3/rooms/{quote(room['room_id'])}"
    synapse.call("POST", f"{rooms}/join", {}, token=alice.token)
    text = {"msgtype": "m.text", "body": "muted?"}
    muted = synapse.call("PUT", f"{rooms}/send/m.room.message/1", text, token=bob.token)
    for rule_id in ("mute-all", "any-type"):
        put_rule(alice, "override", rule_id, "/enabled", {"enabled": False})
    heard = synapse.call("PUT", f"{rooms}/send/m.room.message/2", text, token=bob.token)

    def pushed() -> list[str]:
        return [r.notification.get("event_id") for r in gateway.notifications_for("alices-phone")]

    assert gateway.wait_for(lambda: heard["event_id"] in pushed(), timeout=30)
    assert muted["event_id"] not in pushed()  # pushes go in order: the muted one never came
    code, document = doctor(pushctl, alice)
    assert "push-rules.silence-all" not in checks(document)


# -- account state -----------------------------------------------------------------


def admin_call(admin: Account, method: str, path: str, body: Any = None) -> Any:
    return admin.server.call(method, f"/_synapse/admin{path}", body, token=admin.token)


def test_a_deactivated_account_is_a_problem_and_gets_no_test_push(admin: Account, pushctl) -> None:
    bob = new_account(admin.server, "bob")
    admin_call(admin, "POST", f"/v1/deactivate/{quote(bob.user_id)}", {})
    # deactivation deletes the pushers; a pusher written afterwards (as by a
    # token acting for the user) stays, and would be pushed to
    acting = admin_call(admin, "POST", f"/v1/users/{quote(bob.user_id)}/login", {})
    with FakeGateway("sygnal") as sygnal:
        Account(bob.server, bob.user, acting["access_token"], "").add_pusher(
            pushkey="bobs", data={"url": sygnal.url}
        )
        code, document = doctor(pushctl, admin, "--user", bob.user_id)
    assert code == 6
    assert checks(document, "problem") == ["account.deactivated"]
    assert "pushers.none" not in checks(document)
    assert sygnal.posts == 0
    assert any("deactivated" in n["reason"] for n in document["not_checked"])
    result = pushctl("doctor", "--user", bob.user_id, env=admin.env())
    assert "Devices and account:" in result.stdout and "account.deactivated" in result.stdout


def test_a_locked_account_is_a_problem_and_gets_no_test_push(admin: Account, pushctl) -> None:
    bob = new_account(admin.server, "bob")
    user = f"/v2/users/{quote(bob.user_id)}"
    with FakeGateway("sygnal") as sygnal:
        bob.add_pusher(pushkey="bobs", data={"url": sygnal.url})
        admin_call(admin, "PUT", user, {"locked": True})
        code, document = doctor(pushctl, admin, "--user", bob.user_id)
        assert code == 6
        assert checks(document, "problem") == ["account.locked"]
        assert sygnal.posts == 0
        admin_call(admin, "PUT", user, {"locked": False})
        code, document = doctor(pushctl, admin, "--user", bob.user_id)
    assert code == 0 and not any(c.startswith("account.") for c in checks(document))
    assert sygnal.posts == 1


def test_a_shadow_banned_account_is_a_warning_and_still_tested(
    admin: Account, gateway: PushGateway, pushctl
) -> None:
    bob = new_account(admin.server, "bob")
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    admin_call(admin, "POST", f"/v1/users/{quote(bob.user_id)}/shadow_ban", {})
    code, document = doctor(pushctl, admin, "--user", bob.user_id)
    assert code == 0
    assert only(document, "account.shadow-banned")["severity"] == "warning"
    assert [r.pushkeys for r in gateway.received] == [["bobs"]]


def test_an_application_service_says_it_could_not_read_the_account_state(
    appservice: Any, gateway: PushGateway, pushctl
) -> None:
    bob = new_account(appservice.server, APPSERVICE_PREFIX)
    bob.add_pusher(pushkey="bobs", data={"url": gateway.url})
    result = pushctl("doctor", "--json", "--user", bob.user_id, env=appservice.env())
    assert result.returncode == 0, result.stderr
    [skipped] = json.loads(result.stdout)["not_checked"]
    assert skipped["area"].startswith("account state")
    assert "application service" in skipped["reason"]


# -- one probe per gateway ------------------------------------------------------------


def test_a_hanging_gateway_costs_one_timeout_and_one_finding(account: Account, pushctl) -> None:
    with FakeGateway("hang") as hanging, FakeGateway("sygnal") as healthy:
        for number in range(40):
            account.add_pusher(pushkey=f"hung-{number}", data={"url": hanging.url})
        for number in range(3):
            account.add_pusher(pushkey=f"fine-{number}", data={"url": healthy.url})
        started = time.monotonic()
        code, document = doctor(pushctl, account, "--timeout", "1")
        elapsed = time.monotonic() - started
        posts = (hanging.posts, healthy.posts)
    assert code == 6
    [finding] = [f for f in document["findings"] if f["severity"] == "problem"]
    assert finding["check"] == "gateway.unreachable"
    assert "(used by 40 pushers)" in finding["message"] and "timed out" in finding["message"]
    assert "39 other pushers not tried" in finding["message"]
    assert posts == (1, 3)  # the hanging one got one test notification, the healthy all
    assert elapsed < 2.5, elapsed  # one timeout of 1 s, not one per 16 pushers


# -- pushkeys of UnifiedPush gateways ---------------------------------------------------


def test_a_unifiedpush_endpoint_elsewhere_is_left_to_the_test_notification(
    account: Account, pushctl
) -> None:
    # Element Android, Element X and SchildiChat: a generic UnifiedPush gateway and
    # the distributor's endpoint (here ntfy's) as pushkey, on another server
    endpoint = "https://ntfy.pushctl.invalid/upAbCdEf?up=1"
    with FakeGateway("unifiedpush") as unified:
        account.add_pusher(pushkey=endpoint, data={"url": unified.url})
        code, document = doctor(pushctl, account)
        assert code == 0 and unified.posts == 1
        assert "pushkey.shape" not in checks(document)  # the gateway accepted it
        code, document = doctor(pushctl, account, "--no-push")
        terminal = pushctl("doctor", "--no-push", env=account.env())
    assert code == 0
    finding = only(document, "pushkey.shape")
    assert finding["severity"] == "info" and "only a test notification" in finding["message"]
    assert document["summary"] == {"problems": 0, "warnings": 1}  # the plain-http one
    assert "  info     pushkey.shape:" in terminal.stdout


def test_loopback_plain_http_does_not_claim_to_cross_the_network(account: Account, pushctl) -> None:
    with FakeGateway("sygnal") as sygnal:
        account.add_pusher(pushkey="k", data={"url": sygnal.url})
        code, document = doctor(pushctl, account)
    assert code == 0
    message = only(document, "gateway.plain-http")["message"]
    assert "cross the network" not in message and "loopback" in message


# -- TLS words -------------------------------------------------------------------------


def test_https_to_a_plain_http_port_is_a_handshake_failure_not_a_certificate_one(
    account: Account, pushctl
) -> None:
    with FakeGateway("sygnal") as sygnal:
        plain = sygnal.url.replace("http://", "https://")
        account.add_pusher(pushkey="k", data={"url": plain})
        code, document = doctor(pushctl, account)
        # the homeserver's words are the same, without the advice for a private CA
        https = plain.removesuffix(NOTIFY_PATH)
        result = pushctl("--retries", "0", "doctor", env=account.env(PUSHCTL_HOMESERVER=https))
    assert code == 6
    finding = only(document, "gateway.unreachable")
    assert "TLS handshake failed" in finding["message"]
    assert "verification" not in finding["message"] and "certificate" not in finding["advice"]
    assert "scheme and port" in finding["advice"]
    assert result.returncode == 1 and "TLS handshake failed" in result.stderr
    assert "--ca-bundle" not in result.stderr and "verification" not in result.stderr


# -- whose CA certificates a gateway probe trusts -----------------------------------------


@pytest.fixture
def tls_gateway() -> Any:
    """A Sygnal-like gateway on https://localhost with a certificate of its own CA."""
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = HTTPServer(host="localhost", port=0, ssl_context=context)
    server.expect_request(NOTIFY_PATH, method="GET").respond_with_json({}, status=405)
    server.expect_request(NOTIFY_PATH, method="POST").respond_with_json({"rejected": []})
    server.start()
    yield server, ca
    server.clear()
    server.stop()


def test_the_homeservers_ca_bundle_is_not_the_gateways_trust_store(
    account: Account, tls_gateway: Any, pushctl, tmp_path: Any
) -> None:
    server, gateway_ca = tls_gateway
    homeserver_bundle, gateway_bundle = tmp_path / "homeserver.pem", tmp_path / "gateway.pem"
    trustme.CA().cert_pem.write_to_path(str(homeserver_bundle))  # a private CA of its own
    gateway_ca.cert_pem.write_to_path(str(gateway_bundle))
    account.add_pusher(pushkey="k", data={"url": f"https://localhost:{server.port}{NOTIFY_PATH}"})
    homeserver_ca = ("--ca-bundle", str(homeserver_bundle))

    # the default trust store does not know the gateway's test CA: refused, as it must be
    code, document = doctor(pushctl, account, *homeserver_ca)
    assert code == 6
    assert "TLS verification failed" in only(document, "gateway.unreachable")["message"]
    # the gateway's CA, by requests' variable or the option: trusted, whatever the homeserver's
    env = account.env(REQUESTS_CA_BUNDLE=str(gateway_bundle))
    code, document = doctor(pushctl, account, *homeserver_ca, env=env)
    assert code == 0, document
    trusted = ("--gateway-ca-bundle", str(gateway_bundle))
    code, document = doctor(pushctl, account, *homeserver_ca, *trusted)
    assert code == 0, document
    assert len([r for r in server.log if r[0].method == "POST"]) == 2
