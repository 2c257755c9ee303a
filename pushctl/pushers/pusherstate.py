"""What a pusher carries besides the spec's fields: its enabled state, and a take-over.

MSC3881 gives each pusher an enabled state; Synapse reads and reports it as
``org.matrix.msc3881.enabled`` for users with the feature on (its admin API
says ``enabled``), and stores ``enabled: true`` for every set that does not
say otherwise. A take-over (the spec's ``append: false``) removes the same app
ID and pushkey from every other account. Pure code: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: MSC3881: whether the homeserver pushes to the pusher (the name Synapse reads and reports)
MSC3881_ENABLED = "org.matrix.msc3881.enabled"
MSC3881_DEVICE_ID = "org.matrix.msc3881.device_id"
#: the names of the enabled state a file may use; export writes the first
ENABLED_NAMES = ("enabled", MSC3881_ENABLED)
#: a file's field asking to remove the pushkey from every other account (``append: false``)
TAKE_OVER = "take_over"
#: what the homeserver (or pushctl) adds to a pusher it shows: never sent back
SERVER_SET = ("device_id", MSC3881_DEVICE_ID, "user_id", "device", "device_unknown_reason")
#: fields of an entry besides the spec's that pushctl knows
KNOWN_EXTRA = (*ENABLED_NAMES, TAKE_OVER, *SERVER_SET)


def enabled_state(pusher: Mapping[str, Any]) -> bool | None:
    """The pusher's enabled state (MSC3881) under either name; None when it states none."""
    for name in ENABLED_NAMES:
        value = pusher.get(name)
        if isinstance(value, bool):
            return value
    return None


def takes_over(pusher: Mapping[str, Any]) -> bool:
    return pusher.get(TAKE_OVER) is True


def with_state_of(pusher: dict[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """*pusher*, carrying *current*'s enabled state unless it states its own.

    A rewrite must not turn a paused pusher's notifications back on: Synapse
    stores ``enabled: true`` for a set that does not say otherwise.
    """
    state = enabled_state(current)
    if state is None or enabled_state(pusher) is not None:
        return pusher
    return {**pusher, MSC3881_ENABLED: state}
