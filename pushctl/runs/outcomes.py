"""The outcome of each write run, with its ``--json`` document.

One constructor per shape of document (the README's "JSON output" table pins
each): :func:`imported` for ``import``, :func:`deleted` for ``delete`` and
``prune`` (a selection, dry run or not), :func:`fleet_written` for ``fleet
move-gateway|delete``, :func:`switched` for ``pause`` and ``resume``. Each
returns a :class:`~pushctl.runs.verdict.RunOutcome`, which also knows the summary
and exit status (:mod:`pushctl.runs.verdict`). A report of None is a run that wrote
nothing: a dry run, or a plan without writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pushctl.pushers.pausing import as_found
from pushctl.pushers.plan import WRITES, Action, Change, Plan
from pushctl.runs.report import Report
from pushctl.runs.verdict import RunOutcome, Words

#: version of the ``import --json`` summary object; bumped only on incompatible change
SUMMARY_VERSION = 1

#: a pusher picked for deletion, and why (None for a selection by filters)
Picked = tuple[Mapping[str, Any], str | None]


def imported(
    source: str, plan: Plan, report: Report | None, words: Words, *, dry_run: bool, prune: bool
) -> RunOutcome:
    """``import``: the summary object (README, "The import --json summary")."""
    statuses = _statuses(report)
    errors = _errors(report, words)
    document = {
        "version": SUMMARY_VERSION,
        "source": source,
        "dry_run": dry_run,
        "prune": prune,
        **_counts(report),
        "planned": plan.counts(),
        "applied": {a.value: report.applied_count(a) if report else 0 for a in WRITES},
        "skipped": [
            {
                "action": o.change.action.value,
                **_key(o.change),
                "line": o.change.line,
                "reason": o.skipped,
            }
            for o in (report.skipped if report else [])
        ],
        "changes": [
            {
                "action": change.action.value,
                **_key(change),
                "line": change.line,
                "fields": list(change.fields),
                "take_over": change.take_over,
                "status": statuses.get(id(change), "planned" if report is None else "not_started"),
                "error": errors.get(id(change)),
            }
            for change in plan.writes
        ],
    }
    return RunOutcome(_ordered(document, IMPORT_KEYS), report, words)


IMPORT_KEYS = (
    "version", "source", "dry_run", "prune", "interrupted", "planned", "applied",
    "failed", "not_started", "skipped", "changes",
)  # fmt: skip


def deleted(
    to_delete: Sequence[Picked],
    report: Report | None,
    words: Words,
    *,
    dry_run: bool,
    undecided: Sequence[Picked] = (),
) -> RunOutcome:
    """``delete`` and ``prune``: one selection shape for both, dry run or not.

    ``to_delete`` and ``undecided`` list ``{"pusher", "reason"}``; ``deleted``,
    ``failed``, ``skipped`` (changed on the server since it was listed) and
    ``unknown`` (no answer) say what was done (empty when nothing was written).
    """
    lost = {id(o.change): o.error for o in report.lost} if report else {}
    document = {
        "dry_run": dry_run,
        "to_delete": [{"pusher": p, "reason": r} for p, r in to_delete],
        "undecided": [{"pusher": p, "reason": r} for p, r in undecided],
        "deleted": [c.pusher for c in report.applied] if report else [],
        "failed": [
            {"pusher": o.change.pusher, "error": o.error or "failed"}
            for o in (report.failed if report else [])
        ],
        "skipped": [
            {"pusher": o.change.pusher, "reason": o.skipped or ""}
            for o in (report.skipped if report else [])
        ],
        "unknown": [
            {"pusher": c.pusher, "error": lost.get(id(c))}
            for c in (report.unknown if report else [])
        ],
    }
    return RunOutcome(document, report, words)


def fleet_written(
    operation: str,
    plan: Plan,
    report: Report | None,
    words: Words,
    *,
    dry_run: bool,
    unreadable: Sequence[tuple[str, str]],
) -> RunOutcome:
    """``fleet move-gateway|delete``: the plan per user and what became of each change."""
    statuses = _statuses(report)
    errors = _errors(report, words)
    document = {
        "operation": operation,
        "dry_run": dry_run,
        "users": len({c.pusher["user_id"] for c in plan.changes}),
        "planned": len(plan.changes),
        "applied": len(report.applied) if report else 0,
        **_counts(report),
        "skipped": [
            {"user_id": o.change.pusher["user_id"], **_key(o.change), "reason": o.skipped}
            for o in (report.skipped if report else [])
        ],
        "changes": [
            {
                "user_id": change.pusher["user_id"],
                "action": change.action.value,
                **_key(change),
                "device_id": change.pusher.get("device_id"),
                "status": statuses.get(id(change), "planned"),
                "error": errors.get(id(change)),
            }
            for change in plan.changes
        ],
        "unreadable_users": [{"user_id": user, "error": error} for user, error in unreadable],
    }
    return RunOutcome(_ordered(document, FLEET_KEYS), report, words)


FLEET_KEYS = (
    "operation", "dry_run", "interrupted", "users", "planned", "applied", "failed",
    "not_started", "skipped", "changes", "unreadable_users",
)  # fmt: skip


def switched(
    enabled: bool, plan: Plan, report: Report | None, words: Words, *, dry_run: bool
) -> RunOutcome:
    """``pause`` and ``resume``: one document for both, dry run or not.

    *enabled* is the state asked for. Each pusher is the homeserver's record as
    it was read (:func:`pushctl.pushers.pausing.as_found`); ``unchanged`` lists those
    already in that state; ``skipped`` (changed on the server since it was read)
    and ``unknown`` (no answer) say what was not known to be written.
    """

    def found(changes: list[Change]) -> list[dict[str, Any]]:
        return [as_found(c, enabled) for c in changes]

    lost = {id(o.change): o.error for o in report.lost} if report else {}
    document = {
        "dry_run": dry_run,
        "enabled": enabled,
        "to_change": found(plan.writes),
        "unchanged": found([c for c in plan.changes if c.action is Action.UNCHANGED]),
        "changed": found(report.applied) if report else [],
        "failed": [
            {"pusher": as_found(o.change, enabled), "error": o.error}
            for o in (report.failed if report else [])
        ],
        "not_started": found(report.not_started) if report else [],
        "skipped": [
            {"pusher": as_found(o.change, enabled), "reason": o.skipped}
            for o in (report.skipped if report else [])
        ],
        "unknown": [
            {"pusher": as_found(c, enabled), "error": lost.get(id(c))}
            for c in (report.unknown if report else [])
        ],
    }
    return RunOutcome(document, report, words)


def _ordered(document: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The document with its keys in the documented order (as scripts and people read it)."""
    return {key: document[key] for key in keys}


def _key(change: Change) -> dict[str, Any]:
    return {"app_id": change.pusher.get("app_id"), "pushkey": change.pusher.get("pushkey")}


def _counts(report: Report | None) -> dict[str, Any]:
    """``interrupted``, ``failed`` and ``not_started`` (unknown ones counted with them)."""
    return {
        "interrupted": bool(report and report.interrupted),
        "failed": len(report.failed) if report else 0,
        "not_started": len(report.not_started) + len(report.unknown) if report else 0,
    }


def _statuses(report: Report | None) -> dict[int, str]:
    """Each written change's status (``applied``, ``failed``, ...), by the change's id."""
    if report is None:
        return {}
    statuses: dict[int, str] = {}
    groups: list[tuple[str, list[Change]]] = [
        ("applied", report.applied),
        ("failed", [o.change for o in report.failed]),
        ("skipped", [o.change for o in report.skipped]),
        ("not_started", report.not_started),
        ("unknown", report.unknown),
    ]
    for status, changes in groups:
        statuses.update((id(change), status) for change in changes)
    return statuses


def _errors(report: Report | None, words: Words) -> dict[int, str | None]:
    """The error of each failed or unanswered write, as the front end words it."""
    if report is None:
        return {}
    return {id(o.change): words.error(o) for o in report.failed + report.lost}
