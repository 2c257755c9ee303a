"""Pausing and resuming pushers: the homeserver keeps them, and stops or starts pushing.

MSC3881 gives each pusher an enabled state. A pause (or a resume) re-sends the
pusher's record exactly as the homeserver reported it, every field and unknown
ones included, with only the state changed, and ``append: true`` so that no
other account's pusher with the same key is touched. The homeserver honours a
state it is sent only where it reports one: Synapse reads and reports
``org.matrix.msc3881.enabled`` only for users the experimental feature is on
for, and otherwise stores ``enabled: true`` for every write. A pause there
would be silently undone, so :func:`require_support` refuses it before anything
is sent. Pure code: no I/O; :func:`pushctl.runs.executor.apply` applies the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pushctl.errors import ExitStatus, PushctlError
from pushctl.pushers import model
from pushctl.pushers.plan import Action, Change, Plan

#: the field a plan's update names, as ``import`` names a change of state
FIELD = "enabled"

#: how Synapse turns the feature on for a user (no other homeserver is known to offer it)
SYNAPSE_SWITCH = (
    'PUT /_synapse/admin/v1/experimental_features/<user> {"features": {"msc3881": true}}'
)


class PausingUnsupported(PushctlError):
    """The homeserver does not honour a pusher's enabled state for this account."""

    exit_status = ExitStatus.AUTH


def require_support(pushers: Iterable[model.Pusher], whose: str) -> None:
    """Refuse (exit 4) unless the homeserver reports the enabled state of every pusher."""
    if all(isinstance(p.get(model.MSC3881_ENABLED), bool) for p in pushers):
        return
    raise PausingUnsupported(
        f"the homeserver does not support pausing pushers for {whose}: it reports no "
        f"{model.MSC3881_ENABLED} (MSC3881), so it would ignore the state; nothing was "
        f"sent (on Synapse a server admin turns it on per user: {SYNAPSE_SWITCH})"
    )


def with_enabled(pusher: model.Pusher, enabled: bool) -> model.Pusher:
    """*pusher* with its enabled state set, under each name it carries it; nothing else."""
    names = [name for name in model.ENABLED_NAMES if name in pusher] or [model.MSC3881_ENABLED]
    return {**pusher, **dict.fromkeys(names, enabled)}


def state_plan(pushers: Iterable[model.Pusher], enabled: bool) -> Plan:
    """An update setting the state of each pusher not already in it; the others unchanged."""
    changes = []
    for pusher in pushers:
        if model.enabled_state(pusher) == enabled:
            changes.append(Change(Action.UNCHANGED, pusher))
        else:
            changed = with_enabled(pusher, enabled)
            changes.append(Change(Action.UPDATE, changed, fields=(FIELD,), seen=pusher))
    return Plan(changes)


def as_found(change: Change, enabled: bool) -> dict[str, Any]:
    """The pusher of a change of *state_plan(..., enabled)* as the homeserver held it."""
    if change.action is Action.UNCHANGED:
        return change.pusher
    return with_enabled(change.pusher, not enabled)
