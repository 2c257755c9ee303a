"""Deleting pushers: a plan of deletions applied as every write run is.

Used by ``delete``, ``prune`` and their ``--user`` forms; ``import --prune`` and
``fleet delete`` delete through their plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pushctl.pushers import model
from pushctl.pushers.listing_cache import Whose
from pushctl.pushers.plan import Plan, deletion
from pushctl.runs.executor import PusherWriter, apply
from pushctl.runs.guard import Guard
from pushctl.runs.report import Report


@dataclass
class Deletion:
    """What :func:`delete_pushers` did; :attr:`report` is the run's whole report."""

    report: Report = field(default_factory=Report)

    @property
    def deleted(self) -> list[model.Pusher]:
        return [change.pusher for change in self.report.applied]

    @property
    def failed(self) -> list[tuple[model.Pusher, str]]:
        return [(o.change.pusher, o.error or "failed") for o in self.report.failed]

    @property
    def skipped(self) -> list[tuple[model.Pusher, str]]:
        return [(o.change.pusher, o.skipped or "") for o in self.report.skipped]

    @property
    def unknown(self) -> list[tuple[model.Pusher, str | None]]:
        errors = {id(o.change): o.error for o in self.report.lost}
        return [(c.pusher, errors.get(id(c))) for c in self.report.unknown]

    @property
    def interrupted(self) -> bool:
        return self.report.interrupted


def delete_pushers(
    client: PusherWriter,
    pushers: Iterable[model.Pusher],
    concurrency: int | None = None,
    guard: Guard | None = None,
    whose: Whose | None = None,
) -> Deletion:
    """Delete *pushers* (the server's records) as :func:`apply` writes.

    Bounded concurrency, Ctrl-C stops new ones; with a *guard*, a pusher
    deleted or changed on the server since it was listed is skipped.
    :func:`pushctl.runs.verdict.conclude` says how the run went.
    """
    changes = [deletion(pusher) for pusher in pushers]
    if not changes:
        return Deletion()
    return Deletion(apply(Plan(changes), client, concurrency=concurrency, guard=guard, whose=whose))
