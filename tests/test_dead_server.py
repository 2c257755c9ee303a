"""A homeserver that stops answering in the middle of a bulk run stops the run.

Once several writes in a row get no answer at all, pushctl starts no new ones,
says so once, and exits 1 (or 5 when some were applied); a re-run converges.
Before, every remaining write spent its retries and printed its own line.
"""

from __future__ import annotations

import time

import pytest

from tests.support.accounts import Account
from tests.support.importfiles import DEFAULTS, entries, expected, normalised, via, write_file
from tests.support.proxy import DROP, Proxy, Seen

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

TOTAL = 120


def dies_after(writes: int):  # type: ignore[no-untyped-def]
    """A hook: the first *writes* writes reach the homeserver; then nothing answers."""

    def hook(seen: Seen) -> object:
        if seen.is_write:
            hook.writes += 1  # type: ignore[attr-defined]
            if hook.writes > writes:  # type: ignore[attr-defined]
                return DROP
        return None

    hook.writes = 0  # type: ignore[attr-defined]
    return hook


@pytest.mark.parametrize("applied_first", [0, 20])
def test_a_dead_homeserver_stops_the_import_and_a_rerun_converges(
    account: Account, proxy: Proxy, pushctl, tmp_path, applied_first: int
) -> None:
    path = write_file(tmp_path / "p.yaml", entries(TOTAL), DEFAULTS)
    proxy.hook = dies_after(applied_first)
    started = time.monotonic()
    result = pushctl("--retries", "1", "import", str(path), "--yes", env=via(proxy, account))
    took = time.monotonic() - started

    assert result.returncode == (5 if applied_first else 1), result.stderr
    assert result.stderr.count("homeserver unreachable since") == 1, result.stderr
    assert f"{applied_first} applied" in result.stderr
    assert "Traceback" not in result.stderr
    attempted = len(proxy.writes())
    assert attempted < applied_first + 2 * (6 + 4) * 2, "new writes must stop soon"
    assert took < 60, "a dead server must not cost every write its retries"

    proxy.hook = None
    rerun = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert rerun.returncode == 0, rerun.stderr
    assert normalised(account.pushers()) == expected(entries(TOTAL))


def test_a_dead_homeserver_stops_delete_all(account: Account, proxy: Proxy, pushctl) -> None:
    for number in range(40):
        account.add_pusher(pushkey=f"doomed-{number}")
    proxy.hook = dies_after(0)
    result = pushctl("--retries", "1", "delete", "--all", "--yes", env=via(proxy, account))
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("homeserver unreachable since") == 1
    assert len(account.pushers()) == 40
