"""import and export for another user: as a Synapse admin and as an application service.

The user's pushers are read back with the user's own token; the admin's acting
token must be gone afterwards and no device left behind.
"""

from __future__ import annotations

import json

import pytest

from tests.support.accounts import (
    APPSERVICE_PREFIX,
    Account,
    AppService,
    assert_clean_failure,
    new_account,
)
from tests.support.admin import acting_tokens, devices_of
from tests.support.importfiles import DEFAULTS, entries, expected, normalised, write_file

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


def test_admin_imports_and_exports_for_a_user(admin: Account, pushctl, tmp_path) -> None:
    bob = new_account(admin.server, "bob")
    bob.add_pusher(pushkey="stale", app_id="org.example.old")
    devices_before = {d["device_id"] for d in devices_of(admin, bob)}
    wanted = entries(5, prefix="bob")
    path = write_file(tmp_path / "bob.yaml", wanted, DEFAULTS)

    result = pushctl("import", str(path), "--user", bob.user_id, "--prune", "--yes", "--json",
                     env=admin.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["applied"]["create"] == 5 and summary["applied"]["delete"] == 1
    assert normalised(bob.pushers()) == expected(wanted)
    assert admin.pushers() == [], "nothing may land on the admin's own account"
    devices_after = {d["device_id"] for d in devices_of(admin, bob)}
    assert devices_after == devices_before, "no device may be created for bob"
    assert acting_tokens(admin.server, bob.user_id) == 0, "the acting token must be revoked"

    exported = tmp_path / "export.yaml"
    result = pushctl("export", "--user", bob.user_id, "-o", str(exported), env=admin.env())
    assert result.returncode == 0, result.stderr
    again = pushctl("import", str(exported), "--user", bob.user_id, "--json", env=admin.env())
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["planned"]["unchanged"] == 5
    assert acting_tokens(admin.server, bob.user_id) == 0


def test_dry_run_for_a_user_creates_no_acting_token(admin: Account, pushctl, tmp_path) -> None:
    bob = new_account(admin.server, "bob")
    path = write_file(tmp_path / "bob.yaml", entries(2), DEFAULTS)
    result = pushctl("import", str(path), "--user", bob.user_id, "--dry-run", env=admin.env())
    assert result.returncode == 0, result.stderr
    assert bob.pushers() == []
    assert acting_tokens(admin.server, bob.user_id) == 0


def test_a_non_admin_cannot_import_for_another_user(account: Account, pushctl, tmp_path) -> None:
    bob = new_account(account.server, "bob")
    path = write_file(tmp_path / "bob.yaml", entries(2), DEFAULTS)
    result = pushctl("import", str(path), "--user", bob.user_id, "--yes", env=account.env())
    assert_clean_failure(result, 4)
    assert bob.pushers() == [] and account.pushers() == []
    assert_clean_failure(pushctl("export", "--user", bob.user_id, env=account.env()), 4)


def test_application_service_imports_and_exports_for_a_namespaced_user(
    appservice: AppService, pushctl, tmp_path
) -> None:
    bob = new_account(appservice.server, APPSERVICE_PREFIX)
    wanted = entries(4, prefix="as")
    path = write_file(tmp_path / "as.yaml", wanted, DEFAULTS)
    result = pushctl("-v", "import", str(path), "--user", bob.user_id, "--yes",
                     env=appservice.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert normalised(bob.pushers()) == expected(wanted)
    assert "user_id=" in result.stderr
    assert appservice.token not in result.stdout + result.stderr

    result = pushctl("export", "--user", bob.user_id, "--format", "json", env=appservice.env())
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    assert sorted(p["pushkey"] for p in exported["pushers"]) == [e["pushkey"] for e in wanted]


def test_application_service_import_outside_its_namespace_is_refused(
    appservice: AppService, pushctl, tmp_path
) -> None:
    carol = new_account(appservice.server, "carol")
    path = write_file(tmp_path / "c.yaml", entries(2), DEFAULTS)
    result = pushctl("import", str(path), "--user", carol.user_id, "--yes", env=appservice.env())
    assert_clean_failure(result, 4)
    assert carol.user_id in result.stderr and "namespace" in result.stderr
    assert carol.pushers() == []
