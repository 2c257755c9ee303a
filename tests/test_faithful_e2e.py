"""Pushers as real clients create them: every one round-trips, no other account is touched,
and nothing paused is turned back on. Against the real local Synapse.

The bodies come from the clients' source (``tests/support/clientpushers.py``) and
are set exactly as the clients set them: raw ``POST /pushers/set`` with the
account's own token, ``append`` as the client sends it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, new_account
from tests.support.clientpushers import CLIENT_BODIES
from tests.support.importfiles import write_file

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

EMAIL = "alice@example.invalid"


def server_state(account: Account) -> str:
    """GET /pushers exactly as the server answers it (key order kept), for byte comparison."""
    return json.dumps(account.pushers(), sort_keys=False)


def turn_on_msc3881(admin: Account, account: Account) -> None:
    admin.server.call("PUT", f"/_synapse/admin/v1/experimental_features/{quote(account.user_id)}",
                      {"features": {"msc3881": True}}, token=admin.token)  # fmt: skip


def give_email(admin: Account, account: Account, address: str = EMAIL) -> None:
    """A verified email address: Synapse refuses an email pusher for any other."""
    admin.server.call("PUT", f"/_synapse/admin/v2/users/{quote(account.user_id)}",
                      {"threepids": [{"medium": "email", "address": address}]},
                      token=admin.token)  # fmt: skip


def set_as_clients_do(account: Account, bodies: list[dict[str, Any]] | None = None) -> None:
    for body in bodies or [body for _, _, body in CLIENT_BODIES]:
        account.server.call("POST", "/_matrix/client/v3/pushers/set", body, token=account.token)


def real_client_account(admin: Account, prefix: str = "client") -> Account:
    account = new_account(admin.server, prefix)
    turn_on_msc3881(admin, account)
    give_email(admin, account, f"{prefix}-{account.device_id.lower()}@example.invalid")
    bodies = []
    for _, _, body in CLIENT_BODIES:
        if body["kind"] == "email":  # each account its own address
            address = f"{prefix}-{account.device_id.lower()}@example.invalid"
            body = {**body, "pushkey": address, "device_display_name": address}
        bodies.append(body)
    set_as_clients_do(account, bodies)
    return account


def test_every_client_body_is_stored_by_synapse(admin: Account) -> None:
    account = real_client_account(admin)
    assert len(account.pushers()) == len(CLIENT_BODIES)
    paused = [p for p in account.pushers() if p["app_id"] == "im.vector.app.web"]
    assert paused[0]["org.matrix.msc3881.enabled"] is False


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_real_clients_pushers_round_trip_exactly(admin: Account, pushctl, tmp_path, fmt) -> None:
    account = real_client_account(admin)
    before = server_state(account)
    path = tmp_path / f"export.{fmt}"
    exported = pushctl("export", "-o", str(path), env=account.env())
    assert exported.returncode == 0, exported.stderr
    assert "breaks a rule" not in exported.stderr

    validated = pushctl("validate", "--json", str(path))
    assert validated.returncode == 0, validated.stdout
    report = json.loads(validated.stdout)
    assert report["valid"] is True and report["entries"] == len(CLIENT_BODIES)
    warned = {(w["field"]) for w in report["warnings"]}
    assert {"data.format", "device_display_name", "kind"} <= warned  # NeoChat, Element, gomuks

    planned = pushctl("import", str(path), "--prune", "--dry-run", "--json", env=account.env())
    assert planned.returncode == 0, planned.stderr
    summary = json.loads(planned.stdout)
    assert summary["planned"] == {
        "create": 0, "update": 0, "unchanged": len(CLIENT_BODIES), "delete": 0,
    }  # fmt: skip
    assert summary["changes"] == []

    applied = pushctl("import", str(path), "--prune", "--yes", env=account.env())
    assert applied.returncode == 0, applied.stderr
    assert "nothing to change" in applied.stderr
    assert server_state(account) == before


def test_export_carries_the_enabled_state_and_not_the_device(admin: Account, pushctl) -> None:
    account = real_client_account(admin)
    result = pushctl("export", "--format", "json", env=account.env())
    entries = {p["app_id"] + " " + p["pushkey"]: p for p in json.loads(result.stdout)["pushers"]}
    paused = next(p for p in entries.values() if p["app_id"] == "im.vector.app.web")
    assert paused["enabled"] is False
    assert all("org.matrix.msc3881.device_id" not in p for p in entries.values())
    assert all("org.matrix.msc3881.enabled" not in p for p in entries.values())


def test_list_shows_the_enabled_state(admin: Account, pushctl) -> None:
    account = real_client_account(admin)
    table = pushctl("list", "--wide", env=account.env())
    header, *rows = table.stdout.splitlines()
    assert header.split()[-1] == "Enabled"
    web = [row for row in rows if "im.vector.app.web" in row]
    assert web[0].rstrip().endswith("no")
    as_json = json.loads(pushctl("list", "--json", env=account.env()).stdout)
    assert as_json == account.pushers()  # exactly the server's fields


def test_an_admin_import_for_a_user_leaves_every_other_account_identical(
    admin: Account, pushctl, tmp_path
) -> None:
    alice = real_client_account(admin, "alice")
    bob = new_account(admin.server, "bob")
    give_email(admin, bob, "bob@example.invalid")
    before = server_state(alice)
    path = tmp_path / "alice.yaml"
    assert pushctl("export", "-o", str(path), env=alice.env()).returncode == 0
    text = path.read_text().replace(alice_email(alice), "bob@example.invalid")
    path.write_text(text)
    result = pushctl("import", str(path), "--user", bob.user_id, "--yes", env=admin.env())
    assert result.returncode == 0, result.stderr
    assert len(bob.pushers()) == len(CLIENT_BODIES)
    assert server_state(alice) == before


def test_a_copy_of_an_export_into_a_second_account_leaves_the_first_identical(
    admin: Account, pushctl, tmp_path
) -> None:
    alice = real_client_account(admin, "alice")
    bob = new_account(admin.server, "bob")
    give_email(admin, bob, alice_email(alice))  # fails for the email pusher: not bob's address
    before = server_state(alice)
    path = tmp_path / "alice.json"
    assert pushctl("export", "-o", str(path), env=alice.env()).returncode == 0
    result = pushctl("import", str(path), "--yes", "--json", env=bob.env())
    summary = json.loads(result.stdout)
    assert summary["planned"]["create"] == len(CLIENT_BODIES)
    assert server_state(alice) == before, "no pusher of the first account may go"


def alice_email(alice: Account) -> str:
    [email] = [p["pushkey"] for p in alice.pushers() if p["kind"] == "email"]
    return str(email)


def test_a_paused_pusher_stays_paused_through_an_import_update(
    admin: Account, account: Account, pushctl, tmp_path
) -> None:
    turn_on_msc3881(admin, account)
    pusher = account.add_pusher(pushkey="paused", **{"org.matrix.msc3881.enabled": False})
    entry = {k: v for k, v in pusher.items() if k != "org.matrix.msc3881.enabled"}
    path = write_file(tmp_path / "p.yaml", [{**entry, "lang": "fr"}])
    result = pushctl("import", str(path), "--yes", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    [change] = json.loads(result.stdout)["changes"]
    assert change["fields"] == ["lang"]
    [after] = account.pushers()
    assert after["lang"] == "fr" and after["org.matrix.msc3881.enabled"] is False


@pytest.mark.parametrize("name", ["enabled", "org.matrix.msc3881.enabled"])
def test_a_change_of_state_is_a_field_change_the_plan_shows(
    admin: Account, account: Account, pushctl, tmp_path, name: str
) -> None:
    turn_on_msc3881(admin, account)
    pusher = account.add_pusher(pushkey="paused", **{"org.matrix.msc3881.enabled": False})
    entry = {k: v for k, v in pusher.items() if k != "org.matrix.msc3881.enabled"}
    path = write_file(tmp_path / "p.yaml", [{**entry, name: True}])
    dry = pushctl("import", str(path), "--dry-run", env=account.env())
    assert "~ update" in dry.stdout and "enabled" in dry.stdout
    assert pushctl("import", str(path), "--yes", env=account.env()).returncode == 0
    assert account.pushers()[0]["org.matrix.msc3881.enabled"] is True


def test_set_of_an_existing_key_keeps_it_paused(admin: Account, account: Account, pushctl) -> None:
    turn_on_msc3881(admin, account)
    pusher = account.add_pusher(pushkey="paused", **{"org.matrix.msc3881.enabled": False})
    args = ["set", "--pushkey", "paused", "--app-id", pusher["app_id"], "--app-display-name",
            "Example", "--device-display-name", "Phone", "--lang", "de", "--url",
            pusher["data"]["url"]]  # fmt: skip
    assert pushctl(*args, env=account.env()).returncode == 0
    [after] = account.pushers()
    assert after["lang"] == "de" and after["org.matrix.msc3881.enabled"] is False


def test_taking_a_pushkey_over_is_explicit_and_shown(synapse, pushctl, tmp_path) -> None:
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    pusher = alice.add_pusher(pushkey="moved-phone")
    path = write_file(tmp_path / "bob.yaml", [pusher])
    plain = pushctl("import", str(path), "--yes", env=bob.env())
    assert plain.returncode == 0, plain.stderr
    assert [p["pushkey"] for p in alice.pushers()] == ["moved-phone"], "shared by default"
    dry = pushctl("import", str(path), "--take-over", "--dry-run", env=bob.env())
    assert "removes this pushkey from every other account" in dry.stdout
    result = pushctl("import", str(path), "--take-over", "--yes", env=bob.env())
    assert result.returncode == 0, result.stderr
    assert alice.pushers() == [] and [p["pushkey"] for p in bob.pushers()] == ["moved-phone"]


def test_take_over_as_a_field_of_the_file_and_a_flag_of_set(synapse, pushctl, tmp_path) -> None:
    alice, bob, carol = (new_account(synapse, n) for n in ("alice", "bob", "carol"))
    pusher = alice.add_pusher(pushkey="moved")
    path = write_file(tmp_path / "bob.yaml", [{**pusher, "take_over": True}])
    result = pushctl("import", str(path), "--yes", "--json", env=bob.env())
    assert json.loads(result.stdout)["changes"][0]["take_over"] is True
    assert alice.pushers() == []
    args = ["set", "--pushkey", "moved", "--app-id", pusher["app_id"], "--app-display-name",
            "Example", "--device-display-name", "Phone", "--lang", "en", "--url",
            pusher["data"]["url"]]  # fmt: skip
    assert pushctl(*args, env=carol.env()).returncode == 0
    assert [p["pushkey"] for p in bob.pushers()] == ["moved"], "set shares by default"
    assert pushctl(*args, "--take-over", env=carol.env()).returncode == 0
    assert bob.pushers() == []
