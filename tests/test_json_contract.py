"""The ``--json`` contract: every command's document, its keys pinned here as in the README.

Scripts read these documents; a key renamed or dropped breaks them. Each shape
below is the one the README's "JSON output" table documents. Selections and
their dry runs (``delete``, ``prune``) share one shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import Account, make_pusher

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

PROFILE_KEYS = {"profile", "homeserver", "user_id", "device_id", "kind"}
SELECTION_KEYS = {
    "dry_run", "to_delete", "undecided", "deleted", "failed", "skipped", "unknown"
}  # fmt: skip
STATE_KEYS = {
    "dry_run", "enabled", "to_change", "unchanged", "changed", "failed", "not_started", "skipped",
    "unknown",
}  # fmt: skip
SET_KEYS = {"app_id", "pushkey", "kind", "app_display_name", "device_display_name", "lang"}
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def document(result: Any) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def set_args(pushkey: str) -> list[str]:
    pusher = make_pusher(pushkey=pushkey)
    return [
        "set", "--pushkey", pushkey, "--app-id", pusher["app_id"],
        "--app-display-name", pusher["app_display_name"],
        "--device-display-name", pusher["device_display_name"],
        "--lang", pusher["lang"], "--url", pusher["data"]["url"],
    ]  # fmt: skip


def test_set_json_is_the_body_as_sent(account: Account, pushctl) -> None:
    sent = document(pushctl(*set_args("json-set"), "--json", env=account.env()))
    assert set(sent) == SET_KEYS | {"data", "append"}
    assert sent["append"] is True and sent["pushkey"] == "json-set"
    dry = document(pushctl(*set_args("json-set"), "--dry-run", env=account.env()))
    assert dry == sent, "--json after sending shows what --dry-run shows"


@pytest.mark.parametrize("dry_run", [True, False])
def test_delete_json_is_the_selection_shape(account: Account, pushctl, dry_run: bool) -> None:
    account.add_pusher(pushkey="json-delete-a")
    account.add_pusher(pushkey="json-delete-b")
    args = ["delete", "--all", "--json", "--dry-run" if dry_run else "--yes"]
    selection = document(pushctl(*args, env=account.env()))
    assert set(selection) == SELECTION_KEYS
    assert selection["dry_run"] is dry_run
    assert [set(item) for item in selection["to_delete"]] == [{"pusher", "reason"}] * 2
    assert {item["reason"] for item in selection["to_delete"]} == {None}
    assert selection["undecided"] == [] and selection["failed"] == []
    assert selection["skipped"] == [] and selection["unknown"] == []
    deleted = {p["pushkey"] for p in selection["deleted"]}
    assert deleted == (set() if dry_run else {"json-delete-a", "json-delete-b"})


def test_delete_json_with_nothing_selected(account: Account, pushctl) -> None:
    selection = document(pushctl("delete", "--all", "--yes", "--json", env=account.env()))
    assert selection == {key: [] for key in SELECTION_KEYS} | {"dry_run": False}


def test_prune_json_is_the_selection_shape(account: Account, pushctl) -> None:
    selection = document(pushctl("prune", "--rejected", "--dry-run", "--json", env=account.env()))
    assert set(selection) == SELECTION_KEYS and selection["dry_run"] is True


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("command", ["pause", "resume"])
def test_pause_and_resume_json_is_one_shape(
    admin: Account, account: Account, pushctl, command: str, dry_run: bool
) -> None:
    from tests.test_faithful_e2e import turn_on_msc3881

    turn_on_msc3881(admin, account)
    account.add_pusher(pushkey="on")
    account.add_pusher(pushkey="off", **{"org.matrix.msc3881.enabled": False})
    args = [command, "--all", "--json", "--dry-run" if dry_run else "--yes"]
    state = document(pushctl(*args, env=account.env()))
    assert set(state) == STATE_KEYS
    assert state["dry_run"] is dry_run and state["enabled"] is (command == "resume")
    to_change, unchanged = ("off", "on") if command == "resume" else ("on", "off")
    assert [p["pushkey"] for p in state["to_change"]] == [to_change]
    assert [p["pushkey"] for p in state["unchanged"]] == [unchanged]
    assert [p["pushkey"] for p in state["changed"]] == ([] if dry_run else [to_change])
    assert state["failed"] == [] and state["not_started"] == []


def test_export_json_summarises_a_file(account: Account, pushctl, tmp_path: Path) -> None:
    account.add_pusher(pushkey="json-export")
    path = tmp_path / "out.yaml"
    summary = document(pushctl("export", "-o", str(path), "--json", env=account.env()))
    assert summary == {"file": str(path), "format": "yaml", "pushers": 1}
    refused = pushctl("export", "--json", env=account.env())
    assert refused.returncode == 2 and "--format json" in refused.stderr


def test_login_status_and_logout_json(account: Account, pushctl) -> None:
    args = ["login", "--token-stdin", "--insecure-storage", "--json"]
    args += ["--homeserver", account.server.base_url]
    login = document(pushctl(*args, input=account.token + "\n", env=NO_KEYRING))
    assert set(login) == PROFILE_KEYS | {"token_location", "replaced"}
    assert login["user_id"] == account.user_id and login["replaced"] is None

    status = document(pushctl("status", "--json", env=NO_KEYRING))
    assert set(status) == PROFILE_KEYS | {"token_source", "token_location", "server_versions"}

    logout = document(pushctl("logout", "--json", env=NO_KEYRING))
    assert set(logout) == PROFILE_KEYS | {"forgotten", "revoked", "session_was_gone"}
    assert logout["forgotten"] is True and logout["revoked"] is False
    again = document(pushctl("logout", "--json", env=NO_KEYRING))
    assert again["forgotten"] is False and again["user_id"] is None


def test_validate_and_import_json(account: Account, pushctl, tmp_path: Path) -> None:
    pusher = make_pusher(pushkey="json-import")
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"pushers": [pusher]}))
    checked = document(pushctl("validate", "--json", str(path), env={}))
    assert set(checked) == {"source", "valid", "entries", "errors", "warnings"}
    summary = document(pushctl("import", str(path), "--yes", "--json", env=account.env()))
    assert set(summary) == {
        "version", "source", "dry_run", "prune", "interrupted", "planned", "applied",
        "failed", "not_started", "skipped", "changes",
    }  # fmt: skip


def test_test_json_lists_one_result_per_pusher(account: Account, pushctl) -> None:
    account.add_pusher(
        pushkey="json-test", data={"url": "https://gateway.invalid/_matrix/push/v1/notify"}
    )
    results = json.loads(pushctl("test", "--json", env=account.env()).stdout)
    assert [set(r) for r in results] == [
        {"app_id", "pushkey", "device_display_name", "url", "result", "reason", "http_status",
         "event_id"}
    ]  # fmt: skip


def test_errors_under_json_are_one_json_object(account: Account, pushctl) -> None:
    result = pushctl("list", "--json", env={**account.env(), "PUSHCTL_ACCESS_TOKEN": "bad-token"})
    assert result.returncode == 4
    assert set(json.loads(result.stderr)) == {"error"}
    assert set(json.loads(result.stderr)["error"]) == {"code", "message"}


def test_csv_columns_are_pinned(account: Account, admin: Account, pushctl) -> None:
    """``--csv`` headers are a contract too (README, "CSV output")."""
    import csv
    import io

    def header(*args: str, env: dict[str, str]) -> list[str]:
        result = pushctl(*args, "--csv", env=env)
        assert result.returncode == 0, result.stderr
        return next(csv.reader(io.StringIO(result.stdout)))

    plain = ["app_id", "pushkey", "kind", "device_display_name", "app_display_name", "lang"]
    plain.append("data.url")
    assert header("list", env=account.env()) == plain
    assert header("list", "--user", account.user_id, env=admin.env()) == [
        *plain, "device_id", "enabled"
    ]  # fmt: skip
    assert header("list", "--user", account.user_id, "--devices", env=admin.env()) == [
        *plain, "device_id", "device.display_name", "device.last_seen_ts", "enabled"
    ]  # fmt: skip
    assert header("fleet", "list", "--app-id", "org.example.none", env=admin.env()) == [
        "user_id", "app_id", "pushkey", "kind", "data.url", "device_id", "enabled"
    ]  # fmt: skip
