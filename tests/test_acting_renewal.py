"""An admin's run for another user that outlives one acting token gets fresh ones.

Acting tokens live five minutes; a large import through ``--user`` takes
longer. Here they live four seconds and writes are slowed, so the run needs
several; every one is revoked at the end and no device is left on the account.
"""

from __future__ import annotations

import time

import pytest

from pushctl.acting import admin
from tests.support.accounts import Account, new_account
from tests.support.admin import acting_tokens, devices_of
from tests.support.importfiles import DEFAULTS, entries, expected, normalised, write_file
from tests.support.localsynapse import LocalSynapse
from tests.support.proxy import Proxy, Seen

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


def test_a_long_admin_import_renews_its_acting_token_and_revokes_them_all(
    synapse: LocalSynapse, proxy: Proxy, pushctl, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "ACTING_TOKEN_LIFETIME_S", 4)
    boss: Account = new_account(synapse, "admin", admin=True)
    bob: Account = new_account(synapse, "bob")
    devices_before = {d["device_id"] for d in devices_of(boss, bob)}

    def slow_writes(seen: Seen) -> None:
        if seen.is_write:
            time.sleep(0.3)

    proxy.hook = slow_writes
    wanted = entries(30)
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    env = boss.env(PUSHCTL_HOMESERVER=proxy.url)
    result = pushctl(
        "import", str(path), "--user", bob.user_id, "--yes", "--concurrency", "1", env=env
    )
    assert result.returncode == 0, result.stderr
    assert normalised(bob.pushers()) == expected(wanted)
    logins = [s for s in proxy.requests() if s.path.endswith("/login") and "admin" in s.path]
    assert len(logins) >= 3, "a 9-second run with 4-second tokens needs fresh ones"
    assert acting_tokens(synapse, bob.user_id) == 0, "every acting token is revoked"
    devices_after = {d["device_id"] for d in devices_of(boss, bob)}
    assert devices_after == devices_before, "no device is left on the account"
