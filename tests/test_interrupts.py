"""Ctrl-C while pushctl waits on gateways that never answer: it stops at once.

The gateway here accepts connections and never answers, as a hung reverse
proxy would; pushctl's timeout is long, so only an immediate stop passes.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import Account, clean_env
from tests.support.signals import default_sigint

pytestmark = pytest.mark.synapse


@pytest.fixture
def silent_gateway() -> Iterator[str]:
    """A notify URL on loopback that takes connections and never answers them."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes connections; nobody reads them
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/_matrix/push/v1/notify"


def start(args: list[str], account: Account, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pushctl", "--timeout", "60", *args],
        env=clean_env(home, account.env()),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )


@pytest.mark.parametrize("command", [["test"], ["prune", "--rejected", "--yes"]])
@pytest.mark.parametrize("presses", [1, 3])
def test_ctrl_c_while_gateways_hang_stops_at_once(
    account: Account, silent_gateway: str, home: Path, command: list[str], presses: int
) -> None:
    for number in range(3):
        account.add_pusher(pushkey=f"hung-{number}", data={"url": silent_gateway})
    process = start(command, account, home)
    time.sleep(3)  # listed the pushers and is now waiting on the gateway
    assert process.poll() is None, process.communicate()
    interrupted = time.monotonic()
    for _ in range(presses):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - interrupted < 5, "Ctrl-C must not wait for the gateways"
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert len(account.pushers()) == 3, "nothing may be deleted after Ctrl-C"


def test_concurrent_reads_keep_the_items_order_and_raise_what_a_call_raised() -> None:
    from pushctl.homeserver.concurrency import map_interruptibly

    def slow_square(number: int) -> int:
        time.sleep(0.01 * (5 - number % 5))
        return number * number

    assert map_interruptibly(slow_square, list(range(12)), workers=4) == [n * n for n in range(12)]
    assert map_interruptibly(slow_square, [], workers=4) == []

    def broken(number: int) -> int:
        raise LookupError(number)

    with pytest.raises(LookupError):
        map_interruptibly(broken, [1, 2, 3])


def test_concurrent_reads_under_an_adaptive_limit_never_pass_its_cap() -> None:
    import threading

    from pushctl.homeserver.adaptive import AdaptiveLimit
    from pushctl.homeserver.concurrency import map_interruptibly

    lock = threading.Lock()
    running, most = 0, 0

    def read(number: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        return -number

    results = map_interruptibly(read, list(range(200)), limit=AdaptiveLimit(maximum=5))
    assert results == [-n for n in range(200)]
    assert 2 < most <= 5, "it grows from 2 and never passes the cap"


def test_ctrl_c_after_a_failed_delete_exits_130_like_import(
    account: Account, home: Path, proxy
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.proxy import Reply

    for number in range(30):
        account.add_pusher(pushkey=f"ctrl-c-{number:02d}")

    def hook(seen):  # type: ignore[no-untyped-def]
        if not seen.is_write:
            return None
        if seen.json()["pushkey"] == "ctrl-c-00":
            return Reply(500, {"errcode": "M_UNKNOWN", "error": "disk full"})
        time.sleep(0.3)
        return None

    proxy.hook = hook
    process = subprocess.Popen(
        [sys.executable, "-m", "pushctl", "--retries", "0", "delete", "--all", "--yes"],
        env=clean_env(home, account.env(PUSHCTL_HOMESERVER=proxy.url)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 30
    while len(proxy.writes()) < 4:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "interrupted: deleted " in stderr and "1 failed" in stderr
    assert "Traceback" not in stderr
