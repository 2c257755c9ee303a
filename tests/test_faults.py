"""The fault suite: imports through a proxy that injects 429 storms, HTML 502 pages,
dropped connections and slow answers on chosen requests, against the real Synapse.

Whatever the faults, the server must end up exactly as the file says, and a run
that could not finish must say which items failed and converge when re-run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.support.accounts import Account, assert_clean_failure
from tests.support.importfiles import DEFAULTS, entries, expected, normalised, via, write_file
from tests.support.proxy import DROP, Drop, Proxy, Reply, Seen

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

RATE_LIMITED = Reply(
    429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many", "retry_after_ms": 300}
)
BAD_GATEWAY = Reply(
    502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}
)


def pushkey_of(seen: Seen) -> str:
    return str(seen.json()["pushkey"])


def test_an_import_through_every_kind_of_fault_converges(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    wanted = entries(64, prefix="fault")
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    injected: Counter[str] = Counter()

    def hook(seen: Seen) -> Reply | Drop | None:
        if not seen.is_write:
            return None
        key = pushkey_of(seen)
        number = int(key.rsplit("-", 1)[1])
        with lock:
            attempts[key] += 1
            first = attempts[key] == 1
        fault: Reply | Drop | None = None
        if number < 8:  # a storm: the first eight writes are rate limited twice
            fault = RATE_LIMITED if attempts[key] <= 2 else None
        elif first and number % 5 == 0:
            fault = BAD_GATEWAY
        elif first and number % 7 == 0:
            fault = DROP
        elif first and number % 3 == 0:
            time.sleep(0.4)  # slow, then forwarded
            injected["slow"] += 1
        if fault is not None:
            injected[
                "429" if fault is RATE_LIMITED else "502" if fault is BAD_GATEWAY else "drop"
            ] += 1
        return fault

    proxy.hook = hook
    result = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account), timeout=180)
    assert result.returncode == 0, result.stderr
    assert normalised(account.pushers()) == expected(wanted)
    assert injected["429"] >= 16 and injected["502"] and injected["drop"] and injected["slow"]
    summary = json.loads(result.stdout)
    assert summary["applied"]["create"] == 64 and summary["failed"] == 0


def test_a_rate_limit_holds_back_every_worker(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    wanted = entries(40, prefix="gate")
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    arrivals: list[float] = []
    limited_at: list[float] = []
    lock = threading.Lock()

    def hook(seen: Seen) -> Reply | None:
        if not seen.is_write:
            return None
        with lock:
            now = time.monotonic()
            if len(arrivals) == 10 and not limited_at:
                limited_at.append(now)
                return Reply(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "wait"},
                             {"Retry-After": "1"})  # fmt: skip
            arrivals.append(now)
        return None

    proxy.hook = hook
    result = pushctl("import", str(path), "--yes", "--concurrency", "4", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert len(limited_at) == 1
    # Writes already on their way may still arrive just after the 429; after that,
    # no worker may send anything until the second has passed.
    quiet = [t for t in arrivals if limited_at[0] + 0.3 < t < limited_at[0] + 0.95]
    assert quiet == [], "other workers went on writing during the rate limit"
    assert normalised(account.pushers()) == expected(wanted)


def test_persistent_faults_fail_named_items_and_a_rerun_converges(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    wanted = entries(60, prefix="stuck")
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    broken = {"stuck-0007", "stuck-0031", "stuck-0052"}
    failing: dict[str, Reply | Drop] = {
        "stuck-0007": Reply(503, "<html>Service Unavailable</html>", {"Content-Type": "text/html"}),
        "stuck-0031": DROP,
        "stuck-0052": Reply(500, {"errcode": "M_UNKNOWN", "error": "Internal server error"}),
    }

    def hook(seen: Seen) -> Reply | Drop | None:
        return failing.get(pushkey_of(seen)) if seen.is_write else None

    proxy.hook = hook
    result = pushctl("--retries", "2", "import", str(path), "--yes", "--json",
                     env=via(proxy, account), timeout=180)  # fmt: skip
    assert_clean_failure(result, 5)
    summary = json.loads(result.stdout)
    # a dropped connection is no answer: the write may have been applied, so it is unknown
    failed = {c["pushkey"]: c for c in summary["changes"] if c["status"] in ("failed", "unknown")}
    assert set(failed) == broken
    assert {c["pushkey"] for c in summary["changes"] if c["status"] == "unknown"} == {"stuck-0031"}
    message = json.loads(result.stderr)["error"]["message"]
    for key in broken:
        assert key in message and f"{path}:{failed[key]['line']}:" in message
    assert "HTTP 503" in failed["stuck-0007"]["error"]
    assert "cannot reach" in failed["stuck-0031"]["error"]
    assert "M_UNKNOWN" in failed["stuck-0052"]["error"]
    on_server = {p["pushkey"] for p in account.pushers()}
    assert on_server == {e["pushkey"] for e in wanted} - broken

    proxy.hook = None
    proxy.reset()
    again = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert again.returncode == 0, again.stderr
    assert len(proxy.writes()) == 3, "only the three missing pushers are written"
    assert normalised(account.pushers()) == expected(wanted)
