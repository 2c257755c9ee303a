"""Which device a pusher belongs to, when it was last seen, and how long ago.

Synapse ties each pusher to the device whose token set it. The admin API
reports that ``device_id``; the client API only with MSC3881
(``org.matrix.msc3881.device_id``). A device's ``last_seen_ts`` is null until
the device makes its first authenticated request. Pure code: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pushctl.errors import UsageError
from pushctl.pushers.model import Pusher

MSC3881_DEVICE_ID = "org.matrix.msc3881.device_id"
MSC3881_ENABLED = "org.matrix.msc3881.enabled"
#: why a pusher's device is unknown when the homeserver's API does not tell
#: (the Synapse admin API does; a front end may say how to reach it)
NO_DEVICE_FIELD = "the homeserver does not say which device set this pusher (no MSC3881)"

#: the ``last_seen_ts`` a clock can show, in ms: from 1970 to the end of the year 9999
PLAUSIBLE_MS = range(0, 253_402_300_800_000)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# patterns are compiled at first use (re's cache), not at import: every run pays for those
_DURATION = r"^\s*(\d+)\s*([smhdw])\s*$"


def has_device_field(pusher: Mapping[str, Any]) -> bool:
    return "device_id" in pusher or MSC3881_DEVICE_ID in pusher


def device_id_of(pusher: Mapping[str, Any]) -> str | None:
    value = pusher.get("device_id", pusher.get(MSC3881_DEVICE_ID))
    return value if isinstance(value, str) and value else None


def enabled_of(pusher: Mapping[str, Any]) -> bool | None:
    value = pusher.get("enabled", pusher.get(MSC3881_ENABLED))
    return value if isinstance(value, bool) else None


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class DeviceLink(NamedTuple):
    """A pusher's device, or why it cannot be known."""

    device: dict[str, Any] | None
    unknown_reason: str | None = None


def link(pusher: Mapping[str, Any], devices: Mapping[str, dict[str, Any]]) -> DeviceLink:
    """The device of *pusher* among *devices* (keyed by device ID)."""
    if not has_device_field(pusher):
        return DeviceLink(None, NO_DEVICE_FIELD)
    device_id = device_id_of(pusher)
    if device_id is None:
        return DeviceLink(
            None, "the pusher belongs to no device (set with an admin or application token)"
        )
    device = devices.get(device_id)
    if device is None:
        return DeviceLink(None, f"device {device_id} no longer exists")
    return DeviceLink(device)


def by_id(devices: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(d["device_id"]): dict(d) for d in devices if d.get("device_id")}


def with_devices(pushers: Iterable[Pusher], devices: Iterable[Mapping[str, Any]]) -> list[Pusher]:
    """Copies of *pushers*, each with ``device`` (the device object, or null) added.

    When the device is null, ``device_unknown_reason`` says why.
    """
    known = by_id(devices)
    result = []
    for pusher in pushers:
        found = link(pusher, known)
        extended = {**pusher, "device": found.device}
        if found.device is None:
            extended["device_unknown_reason"] = found.unknown_reason
        result.append(extended)
    return result


def last_seen_ms(device: Mapping[str, Any] | None) -> int | None:
    value = device.get("last_seen_ts") if device else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- inactivity ----------------------------------------------------------------


def parse_duration(text: str, flag: str = "--inactive") -> int:
    """Seconds in a duration such as ``90d``, ``12h``, ``2w``, ``30m`` or ``45s``."""
    match = re.match(_DURATION, text)
    if not match:
        raise UsageError(
            f"{flag} {text!r}: expected a whole number and a unit "
            "(s, m, h, d or w), such as 90d, 12h or 2w"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise UsageError(f"{flag} {text!r}: must be longer than zero")
    return seconds


class Activity(NamedTuple):
    """Whether a pusher's device is idle: True, False, or None (cannot tell, see reason)."""

    pusher: Pusher
    inactive: bool | None
    reason: str


def judge_activity(
    pushers: Iterable[Pusher],
    devices: Iterable[Mapping[str, Any]],
    idle_seconds: int,
    now_ms: int,
) -> list[Activity]:
    """For each pusher: has its device gone unseen for at least *idle_seconds*?"""
    known = by_id(devices)
    cutoff = now_ms - idle_seconds * 1000
    result = []
    for pusher in pushers:
        found = link(pusher, known)
        if found.device is None:
            result.append(Activity(pusher, None, found.unknown_reason or "device unknown"))
            continue
        seen = last_seen_ms(found.device)
        name = describe_device(found.device)
        if seen is None:
            result.append(
                Activity(pusher, None, f"device {name} has no last-seen time (never used)")
            )
        elif seen not in PLAUSIBLE_MS:
            result.append(Activity(pusher, None, f"device {name} has an impossible last-seen time"))
        else:
            when = describe_time(seen, now_ms)
            result.append(Activity(pusher, seen <= cutoff, f"device {name} last seen {when}"))
    return result


# -- words ---------------------------------------------------------------------


def describe_device(device: Mapping[str, Any]) -> str:
    name = device.get("display_name")
    return f"{device.get('device_id')} ({name})" if name else str(device.get("device_id"))


def describe_time(ms: int, now_ms: int) -> str:
    """``2024-05-01 12:00 UTC (3 d ago)``."""
    import time

    if ms not in PLAUSIBLE_MS:
        return "an impossible time"

    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))
    return f"{stamp} ({describe_age((now_ms - ms) // 1000)})"


def describe_age(seconds: int) -> str:
    if seconds < 0:
        return "in the future"
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"
