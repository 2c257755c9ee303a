"""The plan (pure) and apply's bookkeeping, with an in-memory writer.

The HTTP side of apply (sessions, Ctrl-C of a real process, concurrency as
the server sees it) is tested against Synapse in test_bulk_e2e.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from pushctl.cli.hints import outcome_error
from pushctl.errors import ExitStatus, Hint, MatrixError, PushctlError
from pushctl.homeserver.answers import matrix_error
from pushctl.pushers.plan import Action, differences, make_plan
from pushctl.runs.deleting import delete_pushers
from pushctl.runs.executor import apply
from pushctl.runs.verdict import Words, conclude
from tests.support.accounts import make_pusher


@dataclass
class Wanted:
    pusher: dict[str, Any]
    line: int


@dataclass
class MemoryWriter:
    """Pushers in a dict; refuses the pushkeys in ``refuse`` with the given status."""

    store: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    refuse: dict[str, int] = field(default_factory=dict)
    clones: list[MemoryWriter] = field(default_factory=list)
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clone(self) -> MemoryWriter:
        other = MemoryWriter(self.store, self.refuse, lock=self.lock)
        self.clones.append(other)
        return other

    def set_pusher(self, pusher: dict[str, Any], append: bool = False) -> None:
        status = self.refuse.get(pusher["pushkey"])
        if status:
            raise MatrixError(status, "M_UNKNOWN", "no")
        with self.lock:
            self.store[(pusher["app_id"], pusher["pushkey"])] = pusher

    def delete_pusher(self, app_id: str, pushkey: str) -> None:
        with self.lock:
            self.store.pop((app_id, pushkey), None)

    def close(self) -> None:
        self.closed = True


def test_plan_creates_updates_keeps_and_prunes_in_file_order() -> None:
    same = make_pusher(pushkey="same")
    changed = make_pusher(pushkey="changed")
    extra = make_pusher(pushkey="extra")
    current = [{**extra}, {**same, "profile_tag": ""}, changed]
    desired = [
        Wanted(make_pusher(pushkey="new"), 3),
        Wanted(
            {**changed, "lang": "de", "data": {**changed["data"], "format": "event_id_only"}}, 7
        ),
        Wanted(same, 11),
    ]
    plan = make_plan(desired, current, prune=True)
    assert [(c.action, c.pusher["pushkey"], c.line) for c in plan.changes] == [
        (Action.CREATE, "new", 3),
        (Action.UPDATE, "changed", 7),
        (Action.UNCHANGED, "same", 11),
        (Action.DELETE, "extra", None),
    ]
    assert plan.changes[1].fields == ("lang", "data.format")
    assert plan.counts() == {"create": 1, "update": 1, "unchanged": 1, "delete": 1}
    assert [c.action for c in make_plan(desired, current).changes] == [
        Action.CREATE,
        Action.UPDATE,
        Action.UNCHANGED,
    ]


def test_an_empty_profile_tag_equals_none_but_a_tag_differs() -> None:
    pusher = make_pusher()
    assert differences({**pusher, "profile_tag": ""}, pusher) == ()
    assert differences({**pusher, "profile_tag": ""}, {**pusher, "profile_tag": "t"}) == (
        "profile_tag",
    )


def test_apply_writes_through_one_clone_per_worker_and_reports_failures() -> None:
    writer = MemoryWriter(refuse={"bad": 400})
    desired = [Wanted(make_pusher(pushkey=f"k{i}"), i) for i in range(20)]
    desired.append(Wanted(make_pusher(pushkey="bad"), 99))
    plan = make_plan(desired, [])
    seen: list[object] = []
    report = apply(plan, writer, concurrency=3, on_outcome=seen.append)
    assert len(writer.clones) == 3 and all(c.closed for c in writer.clones)
    assert len(writer.store) == 20 and len(report.applied) == 20
    [failure] = report.failed
    assert failure.change.line == 99 and "HTTP 400" in (failure.error or "")
    assert len(seen) == 21
    assert [c.line for c in report.applied] == list(range(20)), "plan order, not finish order"


def test_apply_with_nothing_to_write_starts_no_worker() -> None:
    writer = MemoryWriter()
    current = [make_pusher(pushkey="k")]
    report = apply(make_plan([Wanted(current[0], 1)], current), writer)
    assert writer.clones == [] and report.applied == [] and not report.interrupted


@dataclass
class RejectedTokenWriter(MemoryWriter):
    """Every write answered as a homeserver answers a token it no longer knows."""

    def set_pusher(self, pusher: dict[str, Any], append: bool = False) -> None:
        raise matrix_error(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Unknown token"})

    def delete_pusher(self, app_id: str, pushkey: str) -> None:
        self.set_pusher({})

    def clone(self) -> RejectedTokenWriter:
        return RejectedTokenWriter()


def test_a_rejected_token_stops_the_run_and_keeps_the_error_with_its_hint() -> None:
    plan = make_plan([Wanted(make_pusher(pushkey=f"k{i}"), i) for i in range(5)], [])
    report = apply(plan, RejectedTokenWriter(), concurrency=1)
    stopped = report.stopped_by
    assert stopped is not None and stopped.exception is not None
    assert stopped.error == stopped.exception.message
    assert stopped.exception.hint is Hint.TOKEN_REJECTED
    assert outcome_error(stopped) == (
        "the homeserver rejected the access token (M_UNKNOWN_TOKEN: Unknown token); "
        "run `pushctl login` or set PUSHCTL_ACCESS_TOKEN"
    )
    assert len(report.not_started) == 4


def test_a_deletion_stopped_by_a_refusal_concludes_with_it() -> None:
    deletion = delete_pushers(RejectedTokenWriter(), [make_pusher(pushkey="k")])
    stopped = deletion.report.stopped_by
    assert stopped is not None and stopped.exception is not None
    assert stopped.exception.hint is Hint.TOKEN_REJECTED
    with pytest.raises(PushctlError) as refused:
        conclude(deletion.report, Words("deleted", "pusher", error=outcome_error))
    assert refused.value.exit_status == ExitStatus.AUTH
    assert "stopped after 0 of 1 pusher: the homeserver rejected the access token" in str(
        refused.value
    )
    assert "pushctl login" in str(refused.value), "the way out is worded"
