"""Two users with the same pushkey: rewriting one user's pusher keeps the other's.

``POST /pushers/set`` with ``append: false`` (the spec's default) also deletes
other users' pushers with the same app ID and pushkey; a phone that switched
accounts carries the same key under both. An update must send ``append: true``.
"""

from __future__ import annotations

import json
import secrets

import pytest

from tests.support.accounts import new_account
from tests.support.importfiles import write_file

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


def test_an_import_update_keeps_another_users_pusher_with_the_same_key(
    synapse,
    pushctl,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    key = f"shared-{secrets.token_hex(4)}"
    pusher = alice.add_pusher(pushkey=key)
    bob.server.call("POST", "/_matrix/client/v3/pushers/set", {**pusher, "append": True},
                    token=bob.token)  # fmt: skip
    changed = {k: v for k, v in pusher.items()} | {"lang": "fr"}
    path = write_file(tmp_path / "alice.yaml", [changed])
    result = pushctl("import", str(path), "--yes", "--json", env=alice.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["applied"]["update"] == 1
    assert [p["lang"] for p in alice.pushers()] == ["fr"]
    assert [p["pushkey"] for p in bob.pushers()] == [key], "bob's pusher must survive"


def test_an_admin_set_for_a_user_keeps_another_users_pusher_with_the_same_key(
    synapse,
    pushctl,  # type: ignore[no-untyped-def]
) -> None:
    admin = new_account(synapse, "admin", admin=True)
    alice, bob = new_account(synapse, "alice"), new_account(synapse, "bob")
    key = f"shared-{secrets.token_hex(4)}"
    pusher = alice.add_pusher(pushkey=key)
    args = [
        "set", "--user", bob.user_id, "--pushkey", key, "--app-id", pusher["app_id"],
        "--app-display-name", "Example", "--device-display-name", "Bob's phone",
        "--lang", "en", "--url", pusher["data"]["url"],
    ]  # fmt: skip
    result = pushctl(*args, env=admin.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in bob.pushers()] == [key]
    assert [p["pushkey"] for p in alice.pushers()] == [key], "alice's pusher must survive"
