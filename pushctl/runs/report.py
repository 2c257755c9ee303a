"""What a run of writes did: each write's :class:`Outcome`, and the run's :class:`Report`.

Apart from :mod:`pushctl.runs.executor`, which runs the writes, so that what
reads a report (the verdict, the outcomes, the command line's words) does not
load the threads and queues that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pushctl.errors import ExitStatus, NetworkError, PushctlError
from pushctl.pushers.plan import Action, Change


@dataclass(frozen=True)
class Outcome:
    change: Change
    #: the server's (or network's) error; None when the change was applied
    error: str | None = None
    exit_status: ExitStatus = ExitStatus.SUCCESS
    #: the error itself, with its hint and details, when it was pushctl's
    exception: PushctlError | None = None
    #: why the change was not written: the server moved on since the plan
    #: (:mod:`pushctl.runs.guard`)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.skipped is None

    @property
    def lost(self) -> bool:
        """The write got no answer (a timeout, a dropped connection): it may have been applied."""
        return isinstance(self.exception, NetworkError) and bool(
            self.exception.details.get("unanswered")
        )


@dataclass
class Report:
    """What :func:`apply` did; changes appear in plan order."""

    applied: list[Change] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    #: not written because the server moved on since the plan: neither applied nor failed
    skipped: list[Outcome] = field(default_factory=list)
    #: not started: the run was interrupted, or stopped by an authentication failure
    not_started: list[Change] = field(default_factory=list)
    #: may or may not have been applied: in flight at a second Ctrl-C, or sent and
    #: never answered (then also in :attr:`lost`)
    unknown: list[Change] = field(default_factory=list)
    #: the writes sent and never answered, with why
    lost: list[Outcome] = field(default_factory=list)
    #: every write, in plan order
    order: list[Change] = field(default_factory=list)
    interrupted: bool = False
    #: when the homeserver stopped answering (time.time()), if that stopped the run
    unreachable_since: float | None = None
    #: set when a failure makes every further write pointless (token rejected)
    stopped_by: Outcome | None = None

    def applied_count(self, action: Action) -> int:
        return sum(1 for c in self.applied if c.action is action)

    @property
    def total(self) -> int:
        groups: list[list[Any]] = [
            self.applied,
            self.failed,
            self.skipped,
            self.not_started,
            self.unknown,
        ]
        return sum(len(group) for group in groups)
