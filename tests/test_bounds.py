"""Every answer has bounds: a deadline for the whole request, and a size.

A homeserver or a push gateway that drips its answer a byte at a time is given
up at the deadline, three times ``--timeout``; an answer larger than the cap
(64 MiB from a homeserver, 2 MiB from anything else) is refused with one line,
without the process growing to its size. A gateway that timed out is not tried
again for its other pushers in the same run.

The bad servers are fakes (:mod:`tests.support.badservers`): no real server can be
made to drip; the homeserver behind the pushers, where one is needed, is Synapse.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import trustme
from pytest_httpserver import HTTPServer

from tests.support.accounts import Account, assert_clean_failure, clean_env
from tests.support.badservers import BadServer, MiB, drip, endless, silence
from tests.support.pushgateway import PushGateway

TOKEN = "bounds-test-token-5d0c3a9e71"
#: ``--timeout 1``: each request must be over within three seconds
DEADLINE = 3.0
#: what start-up and a loaded machine may add to a deadline
MARGIN = 2.5

PUSHERS = json.dumps({"pushers": []}).encode()


def homeserver_env(server: BadServer) -> dict[str, str]:
    return {"PUSHCTL_HOMESERVER": server.base_url, "PUSHCTL_ACCESS_TOKEN": TOKEN}


def timed(run: Any, *args: str, **kwargs: Any) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = run(*args, **kwargs)
    return result, time.monotonic() - started


# -- the deadline --------------------------------------------------------------


@pytest.mark.inprocess
def test_a_dripping_homeserver_is_given_up_at_the_deadline(pushctl) -> None:
    with BadServer(drip(PUSHERS)) as server:
        result, elapsed = timed(
            pushctl, "--timeout", "1", "--retries", "0", "list", env=homeserver_env(server)
        )
    assert_clean_failure(result, 1)
    assert "cannot reach the homeserver" in result.stderr and "timed out" in result.stderr
    assert elapsed < DEADLINE + MARGIN, elapsed


@pytest.mark.inprocess
def test_each_retry_of_a_dripping_homeserver_has_its_own_deadline(pushctl) -> None:
    with BadServer(drip(PUSHERS)) as server:
        result, elapsed = timed(
            pushctl, "--timeout", "1", "--retries", "1", "list", env=homeserver_env(server)
        )
    assert_clean_failure(result, 1)
    assert "timed out" in result.stderr
    assert server.connections == 2
    assert elapsed < 2 * DEADLINE + MARGIN, elapsed


@pytest.mark.inprocess
def test_a_homeserver_dripping_over_tls_is_given_up_at_the_deadline(
    pushctl, tmp_path: Path
) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with BadServer(drip(PUSHERS), tls=context) as server:
        options = ["--timeout", "1", "--retries", "0", "--ca-bundle", str(bundle)]
        result, elapsed = timed(pushctl, *options, "list", env=homeserver_env(server))
    assert_clean_failure(result, 1)
    assert "timed out" in result.stderr
    assert elapsed < DEADLINE + MARGIN, elapsed


@pytest.mark.synapse
@pytest.mark.inprocess
def test_a_dripping_gateway_is_given_up_at_the_deadline(account: Account, pushctl) -> None:
    with BadServer(drip(b'{"rejected": []}')) as gateway:
        account.add_pusher(pushkey="dripped", data={"url": gateway.notify_url})
        result, elapsed = timed(pushctl, "--timeout", "1", "test", "--json", env=account.env())
    assert result.returncode == 5, result.stderr
    [probe] = json.loads(result.stdout)
    assert (probe["result"], probe["reason"]) == ("unreachable", "timed out")
    assert elapsed < DEADLINE + MARGIN, elapsed


@pytest.mark.synapse
@pytest.mark.inprocess
def test_doctor_gives_up_a_dripping_gateway_at_the_deadline(account: Account, pushctl) -> None:
    with BadServer(drip(b'{"rejected": []}')) as gateway:
        account.add_pusher(pushkey="dripped", data={"url": gateway.notify_url})
        result, elapsed = timed(pushctl, "--timeout", "1", "doctor", env=account.env())
    assert_clean_failure(result, 6)
    assert "timed out" in result.stdout + result.stderr
    # a look at the gateway (GET) and a test push (POST), one after the other
    assert elapsed < 2 * DEADLINE + MARGIN, elapsed


def test_requests_that_ended_in_time_leave_no_deadlines_behind(httpserver: HTTPServer) -> None:
    # a bulk run makes thousands of requests within one deadline of 90 seconds
    from pushctl.homeserver import transport
    from pushctl.homeserver.sessions import new_session

    httpserver.expect_request("/").respond_with_json({})
    with new_session() as session:
        for _ in range(300):
            session.get(httpserver.url_for("/"), timeout=(10.0, 30.0))
    assert len(transport._WATCHDOG._due) <= 64 + 1


# -- the size cap --------------------------------------------------------------


def run_measured(
    home: Path, args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run pushctl in a process; its result and its peak resident memory in bytes."""
    out, err = home / "stdout", home / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pushctl", *args],
            env=clean_env(home, env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(args, process.returncode, out.read_text(), err.read_text())
    return result, usage.ru_maxrss * 1024  # Linux counts KiB


def test_a_huge_homeserver_answer_is_refused_without_holding_it(home: Path) -> None:
    offered = 512 * MiB
    with BadServer(endless(guard=offered)) as server:
        result, peak = run_measured(home, ["--retries", "0", "list"], homeserver_env(server))
        sent = server.sent
    assert_clean_failure(result, 1)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "answer larger than 64 MiB" in result.stderr
    assert sent < offered / 2, sent  # refused long before the server was done
    assert peak < 64 * MiB + 120 * MiB, peak / MiB  # the cap, and the interpreter's own


@pytest.mark.inprocess
def test_an_endless_homeserver_answer_ends_cleanly(pushctl) -> None:
    with BadServer(endless()) as server:
        result = pushctl("--retries", "0", "list", "--json", env=homeserver_env(server))
        sent = server.sent
    assert_clean_failure(result, 1)
    assert "answer larger than 64 MiB" in result.stderr
    assert json.loads(result.stderr)["error"]["code"] == 1
    assert sent < 128 * MiB, sent


@pytest.mark.inprocess
def test_an_answer_declared_too_large_is_refused_before_its_body(pushctl) -> None:
    with BadServer(endless(declared=16 * 1024 * MiB)) as server:
        result = pushctl("--retries", "0", "list", env=homeserver_env(server))
        sent = server.sent
    assert_clean_failure(result, 1)
    assert "answer larger than 64 MiB" in result.stderr
    assert sent < 32 * MiB, sent  # what the socket buffers took before pushctl hung up


@pytest.mark.synapse
@pytest.mark.inprocess
def test_an_endless_gateway_answer_makes_it_unreachable(account: Account, pushctl) -> None:
    with BadServer(endless()) as gateway:
        account.add_pusher(pushkey="flooded", data={"url": gateway.notify_url})
        result = pushctl("test", "--json", env=account.env())
        sent = gateway.sent
    assert result.returncode == 5, result.stderr
    [probe] = json.loads(result.stdout)
    assert (probe["result"], probe["reason"]) == ("unreachable", "answer larger than 2 MiB")
    assert sent < 64 * MiB, sent


# -- one timeout per gateway ---------------------------------------------------


@pytest.mark.synapse
@pytest.mark.inprocess
def test_test_waits_once_for_a_gateway_that_times_out(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    with BadServer(silence()) as silent:
        for number in range(6):
            account.add_pusher(pushkey=f"silent-{number}", data={"url": silent.notify_url})
        account.add_pusher(pushkey="fine", data={"url": gateway.url})
        result, elapsed = timed(pushctl, "--timeout", "1", "test", "--json", env=account.env())
        connections = silent.connections
    assert result.returncode == 5, result.stderr
    outcomes = {p["pushkey"]: (p["result"], p["reason"]) for p in json.loads(result.stdout)}
    assert outcomes.pop("fine") == ("delivered", "")
    assert set(outcomes.values()) == {("unreachable", "timed out")} and len(outcomes) == 6
    assert connections == 1
    assert elapsed < 1.0 + MARGIN, elapsed  # one read timeout, not two rounds of four


@pytest.mark.synapse
@pytest.mark.inprocess
def test_prune_rejected_waits_once_for_a_gateway_that_times_out(account: Account, pushctl) -> None:
    with BadServer(silence()) as silent:
        for number in range(6):
            account.add_pusher(pushkey=f"silent-{number}", data={"url": silent.notify_url})
        result = pushctl("--timeout", "1", "prune", "--rejected", "--dry-run", "--json",
                         env=account.env())  # fmt: skip
        connections = silent.connections
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["undecided"]) == 6
    assert all("unreachable: timed out" in u["reason"] for u in report["undecided"])
    assert connections == 1
