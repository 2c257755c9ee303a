"""How a write run went: one summary, one JSON document, one exit status.

``import``, ``delete``, ``prune`` and ``fleet move-gateway|delete`` each make a
:class:`RunOutcome` (see :mod:`pushctl.runs.outcomes`) and the command line ends
every one of them the same way: the JSON document first (under ``--json``),
then the summary, or the error. The first rule that holds decides:

1. interrupted (Ctrl-C): 130, saying what was applied;
2. the token was refused mid-run: 4;
3. the homeserver stopped answering: 5 when some writes were applied, else 1;
4. writes failed, or got no answer (they may have been applied): 5 when some
   were applied, else the failures' own status (4 when each was an
   authentication refusal, 1 otherwise);
5. otherwise 0. Changes skipped because the server moved on since the plan
   (:mod:`pushctl.runs.guard`) are named but leave the status alone: they were
   neither applied nor failed, and running the command again plans them afresh.

Interruption comes first because what the user did (Ctrl-C) explains every
count after it: failures seen before the interruption are counted in its
message, not reported as a failure of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pushctl.errors import (
    AuthError,
    ExitStatus,
    Interrupted,
    NetworkError,
    PartialFailure,
    PushctlError,
)
from pushctl.pushers.plan import Change
from pushctl.runs.report import Outcome, Report
from pushctl.words import plural


def _key(change: Change) -> str:
    app_id, pushkey = change.key
    return f"{app_id} {pushkey}"


def _error(outcome: Outcome) -> str | None:
    return outcome.error


@dataclass(frozen=True)
class Words:
    """How a command speaks of its run."""

    #: what a write does, as a past participle: applied, deleted, moved
    verb: str = "applied"
    noun: str = "change"
    #: the way to finish the work
    again: str = "run the same command again"
    #: one change, at the start of its own line
    name: Callable[[Change], str] = field(default=_key)
    #: an outcome's error as the front end words it
    error: Callable[[Outcome], str | None] = field(default=_error)

    def why(self, outcome: Outcome) -> str:
        return self.error(outcome) or "failed"

    def count(self, number: int) -> str:
        return plural(number, self.noun)


@dataclass(frozen=True)
class RunOutcome:
    """A write run as it ended: what a person is told, what a program reads, the exit status.

    *report* is None when nothing was written (a dry run, a plan without writes):
    then there is no summary and the status is 0. *document* is the run's
    ``--json`` document, already made.
    """

    document: Any
    report: Report | None = None
    words: Words = field(default_factory=Words)

    @property
    def ending(self) -> str | PushctlError | None:
        """The summary of a run that went well, the error of one that did not, or None."""
        return None if self.report is None else judge(self.report, self.words)

    @property
    def exit_status(self) -> int:
        ending = self.ending
        return ending.exit_status if isinstance(ending, PushctlError) else ExitStatus.SUCCESS


def conclude(report: Report, words: Words | None = None) -> str:
    """The summary of a run that went well (exit 0); otherwise raises it as the error."""
    ending = judge(report, words or Words())
    if isinstance(ending, PushctlError):
        raise ending
    return ending


def judge(report: Report, words: Words) -> str | PushctlError:
    """The summary of a run that went well, or its error, in this module's order."""
    if report.interrupted:
        return Interrupted(f"interrupted: {_tally(report, words)}; {words.again} to finish")
    if report.stopped_by is not None:
        return AuthError(
            f"stopped after {len(report.applied)} of {words.count(report.total)}: "
            f"{words.why(report.stopped_by)}; {words.again} once the token works"
        )
    if report.unreachable_since is not None:
        return _unreachable(report, words)
    if report.failed or report.lost:
        return _failures(report, words)
    summary = f"{words.verb} {words.count(len(report.applied))}"
    if report.skipped:
        summary += (
            f"; {len(report.skipped)} skipped, the server changed since the plan "
            f"({words.again} to plan afresh):\n" + "\n".join(_lines(report, words))
        )
    return summary


def _tally(report: Report, words: Words) -> str:
    """``applied 3 of 20 changes, 2 failed, 1 skipped, ...`` (only the counts that are not 0)."""
    applied = len(report.applied)
    if applied:
        head = f"{words.verb} {applied} of {words.count(report.total)}"
    else:
        head = f"none of the {words.count(report.total)} was {words.verb}"
    return ", ".join([head, *_others(report, failed=True)])


def _others(report: Report, *, failed: bool) -> list[str]:
    counts = [
        (len(report.failed) if failed else 0, "failed"),
        (len(report.skipped), "skipped"),
        (len(report.not_started), "not started"),
        (len(report.unknown), "with unknown outcome (may have been applied)"),
    ]
    return [f"{number} {what}" for number, what in counts if number]


def _unreachable(report: Report, words: Words) -> PushctlError:
    assert report.unreachable_since is not None
    since = time.strftime("%H:%M:%S", time.localtime(report.unreachable_since))
    parts = [
        f"{len(report.applied)} {words.verb}",
        f"{len(report.failed)} failed",
        f"{len(report.not_started)} not started",
    ]
    if report.unknown:
        parts.append(f"{len(report.unknown)} with unknown outcome (may have been applied)")
    message = (
        f"homeserver unreachable since {since}: {', '.join(parts)}; {words.again} once it answers"
    )
    return PartialFailure(message) if report.applied else NetworkError(message)


def _failures(report: Report, words: Words) -> PushctlError:
    applied = len(report.applied)
    if report.failed:
        head = f"{len(report.failed)} of {words.count(report.total)} failed"
    else:
        head = f"{len(report.lost)} of {words.count(report.total)} got no answer"
    done = f"{applied} {words.verb}" if applied else f"none was {words.verb}"
    others = _others(report, failed=False)
    message = (
        "; ".join([head, ", ".join([done, *others])]) + ":\n" + "\n".join(_lines(report, words))
    )
    if applied:
        return PartialFailure(message)
    error = PushctlError(message)
    statuses = {o.exit_status for o in report.failed + report.lost}
    error.exit_status = statuses.pop() if len(statuses) == 1 else ExitStatus.ERROR
    return error


def _lines(report: Report, words: Words) -> list[str]:
    """One line per change that failed, got no answer, or was skipped, in plan order."""
    said: dict[int, str] = {}
    for outcome in report.failed:
        said[id(outcome.change)] = words.why(outcome)
    for outcome in report.lost:
        said[id(outcome.change)] = f"no answer, may have been applied ({words.why(outcome)})"
    for outcome in report.skipped:
        said[id(outcome.change)] = f"skipped: {outcome.skipped}"
    changes = [o.change for o in report.failed + report.lost + report.skipped]
    return [f"{words.name(c)}: {said[id(c)]}" for c in _in_order(report, changes)]


def _in_order(report: Report, changes: list[Change]) -> list[Change]:
    order = {id(c): n for n, c in enumerate(report.order)}
    return sorted(changes, key=lambda c: order.get(id(c), 0))
