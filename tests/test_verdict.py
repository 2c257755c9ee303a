"""How a bulk run ends: one summary and exit status for import, delete, prune and fleet.

The order is pure (reports made by hand); a write whose answer never came is
shown against a fake homeserver that answers writes too late, which a real
Synapse cannot be made to do.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pushctl.errors import AuthError, ExitStatus, MatrixError, NetworkError, PushctlError
from pushctl.pushers.plan import Action, Change
from pushctl.runs.report import Outcome, Report
from pushctl.runs.verdict import Words, conclude
from tests.support.accounts import assert_clean_failure, make_pusher

TOKEN = "verdict-test-token-5b7e2c"


def change(number: int) -> Change:
    return Change(Action.CREATE, make_pusher(pushkey=f"k{number}"))


def failed(item: Change, error: PushctlError) -> Outcome:
    return Outcome(item, error.message, error.exit_status, error)


def ending(report: Report) -> tuple[int, str]:
    try:
        return 0, conclude(report, Words())
    except PushctlError as exc:
        return exc.exit_status, exc.message


def test_nothing_applied_and_failures_is_the_failures_status_worded_none_applied() -> None:
    items = [change(n) for n in range(3)]
    refused = MatrixError(400, "M_UNKNOWN", "no")
    report = Report(failed=[failed(c, refused) for c in items], order=items)
    status, message = ending(report)
    assert status == ExitStatus.ERROR
    assert message.startswith("3 of 3 changes failed; none was applied:")
    assert "the others were applied" not in message


def test_some_applied_and_some_failed_is_partial() -> None:
    items = [change(n) for n in range(3)]
    report = Report(
        applied=items[:1], failed=[failed(items[1], MatrixError(400, "M_UNKNOWN", "no"))],
        skipped=[Outcome(items[2], skipped="changed on the server since the plan")],
        order=items,
    )  # fmt: skip
    status, message = ending(report)
    assert status == ExitStatus.PARTIAL
    assert message.startswith("1 of 3 changes failed; 1 applied, 1 skipped:")
    assert "k2: skipped: changed on the server since the plan" in message


def test_failures_that_are_all_refusals_of_access_exit_4() -> None:
    items = [change(n) for n in range(2)]
    forbidden = MatrixError(403, "M_FORBIDDEN", "not yours")
    status, _ = ending(Report(failed=[failed(c, forbidden) for c in items], order=items))
    assert status == ExitStatus.AUTH


def test_an_interruption_is_130_even_after_failures() -> None:
    items = [change(n) for n in range(4)]
    report = Report(
        applied=items[:1], failed=[failed(items[1], MatrixError(500, "M_UNKNOWN", "x"))],
        not_started=items[2:], interrupted=True, order=items,
    )  # fmt: skip
    status, message = ending(report)
    assert status == ExitStatus.INTERRUPTED
    assert message.startswith("interrupted: applied 1 of 4 changes, 1 failed, 2 not started")


def test_a_refused_token_beats_failures_and_an_unreachable_server_is_1_when_none_applied() -> None:
    items = [change(n) for n in range(2)]
    stop = failed(items[0], AuthError("token rejected"))
    refused = Report(failed=[stop], not_started=items[1:], stopped_by=stop, order=items)
    assert ending(refused)[0] == ExitStatus.AUTH
    gone = Report(not_started=items, unreachable_since=time.time(), order=items)
    assert ending(gone)[0] == ExitStatus.ERROR
    gone.applied, gone.not_started = items[:1], items[1:]
    assert ending(gone)[0] == ExitStatus.PARTIAL


def test_skipped_changes_alone_leave_the_status_at_0_and_are_named() -> None:
    items = [change(n) for n in range(2)]
    report = Report(
        applied=items[:1],
        skipped=[Outcome(items[1], skipped="the account is deactivated")],
        order=items,
    )
    status, summary = ending(report)
    assert status == 0
    assert summary.startswith("applied 1 change; 1 skipped, the server changed since the plan")
    assert summary.endswith("k1: skipped: the account is deactivated")


def test_a_lost_answer_is_unknown_not_failed() -> None:
    items = [change(0)]
    lost = NetworkError("cannot reach the homeserver at x: timed out", unanswered=True)
    report = Report(unknown=items, lost=[failed(items[0], lost)], order=items)
    status, message = ending(report)
    assert status == ExitStatus.ERROR
    assert message.startswith("1 of 1 change got no answer; none was applied")
    assert "no answer, may have been applied (cannot reach the homeserver at x: timed out)" in (
        message
    )


# -- a homeserver that answers writes too late -------------------------------------------------


def slow_homeserver(server: HTTPServer, pushers: list[dict[str, object]]) -> threading.Event:
    """Writes answered after 2 s; the event is set once the late answer went out.

    The fake serves one request at a time: a test waits for the event, so the
    next test's requests are not held behind the late answer.
    """
    answered = threading.Event()

    def too_late(request: Request) -> Response:
        time.sleep(2)  # longer than --timeout: the answer never reaches pushctl
        answered.set()
        return Response("{}", content_type="application/json")

    server.expect_request("/_matrix/client/v3/pushers", method="GET").respond_with_json(
        {"pushers": pushers}
    )
    server.expect_request("/_matrix/client/v3/pushers/set").respond_with_handler(too_late)
    return answered


def env_for(server: HTTPServer) -> dict[str, str]:
    return {"PUSHCTL_HOMESERVER": server.url_for("/").rstrip("/"), "PUSHCTL_ACCESS_TOKEN": TOKEN}


@pytest.mark.inprocess
def test_an_import_write_that_timed_out_is_unknown(httpserver: HTTPServer, pushctl, tmp_path):  # type: ignore[no-untyped-def]
    answered = slow_homeserver(httpserver, [])
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"pushers": [make_pusher(pushkey="slow-key")]}))
    result = pushctl("--timeout", "1", "--retries", "0", "import", str(path), "--yes", "--json",
                     env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 1)
    summary = json.loads(result.stdout)
    [written] = summary["changes"]
    assert written["status"] == "unknown" and "timed out" in written["error"]
    assert summary["failed"] == 0
    assert "may have been applied" in json.loads(result.stderr)["error"]["message"]
    assert answered.wait(10), "the server did apply it, after pushctl stopped waiting"


@pytest.mark.inprocess
def test_a_delete_that_timed_out_is_unknown(httpserver: HTTPServer, pushctl) -> None:  # type: ignore[no-untyped-def]
    answered = slow_homeserver(httpserver, [make_pusher(pushkey="slow-key")])
    result = pushctl("--timeout", "1", "--retries", "0", "delete", "--all", "--yes", "--json",
                     env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 1)
    selection = json.loads(result.stdout)
    assert selection["failed"] == [] and selection["deleted"] == []
    [unknown] = selection["unknown"]
    assert unknown["pusher"]["pushkey"] == "slow-key" and "timed out" in unknown["error"]
    assert answered.wait(10)


def test_a_run_outcome_knows_its_document_summary_and_status() -> None:
    from pushctl.runs.verdict import RunOutcome

    items = [change(n) for n in range(3)]
    refused = MatrixError(400, "M_UNKNOWN", "no")
    interrupted = Report(
        applied=items[:1], failed=[failed(items[1], refused)], not_started=items[2:],
        order=items, interrupted=True,
    )  # fmt: skip
    outcome = RunOutcome({"doc": 1}, interrupted)
    assert outcome.document == {"doc": 1}
    assert outcome.exit_status == ExitStatus.INTERRUPTED, "interruption before failures"
    assert isinstance(outcome.ending, PushctlError)
    assert "1 failed" in outcome.ending.message
    done = RunOutcome({}, Report(applied=items, order=items))
    assert done.exit_status == 0 and done.ending == "applied 3 changes"
    assert RunOutcome({"dry_run": True}).ending is None, "a run that wrote nothing says nothing"
    assert RunOutcome({"dry_run": True}).exit_status == 0
