"""Checks on what surrounds the pushers: account state, devices, email addresses, ignored users.

Pure code: each check takes what it needs and returns findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pushctl.doctor.findings import Finding, plural, problem, warning
from pushctl.doctor.pushers import describe
from pushctl.pushers import devices, kinds, model

INACTIVE_DAYS = 90
DEACTIVATED = "deactivated"
LOCKED = "locked"
#: the 3PID medium of email addresses
EMAIL = "email"


def blocked_state(info: Any) -> str | None:
    """DEACTIVATED or LOCKED when the admin API's user record says so, else None."""
    if not isinstance(info, Mapping):
        return None
    if info.get("deactivated") is True:
        return DEACTIVATED
    if info.get("locked") is True:
        return LOCKED
    return None


def check_state(info: Any, user_id: str) -> list[Finding]:
    """Findings from ``GET /_synapse/admin/v2/users/<user>``: deactivated, locked, shadow-banned."""
    state = blocked_state(info)
    found = []
    if state == DEACTIVATED:
        found.append(
            problem(
                "account.deactivated",
                f"the account {user_id} is deactivated: it has left its rooms, no session can "
                "use it, and the homeserver sends it no notifications",
                "nothing on the phone can fix this; a server admin can reactivate the account "
                "(Synapse admin API: deactivated: false) if that was a mistake",
            )
        )
    elif state == LOCKED:
        found.append(
            problem(
                "account.locked",
                f"the account {user_id} is locked: the homeserver refuses every request of its "
                "sessions (M_USER_LOCKED), so no app can fetch or show a notification",
                "a server admin can unlock the account (Synapse admin API: locked: false)",
            )
        )
    if isinstance(info, Mapping) and info.get("shadow_banned") is True:
        # it still gets notifications: what it sends silently reaches no one
        found.append(
            warning(
                "account.shadow-banned",
                f"the account {user_id} is shadow-banned: its messages and invites seem sent "
                "but reach no one, so nobody is notified of them (its own notifications "
                "still arrive)",
                "a server admin can lift the shadow ban (Synapse admin API: "
                "DELETE /_synapse/admin/v1/users/<user>/shadow_ban)",
            )
        )
    return found


def email_addresses(threepids: Any) -> set[str]:
    """The account's email addresses from ``GET /account/3pid``, case-folded."""
    entries = threepids.get("threepids") if isinstance(threepids, Mapping) else None
    if not isinstance(entries, list):
        return set()
    return {
        str(t.get("address")).casefold()
        for t in entries
        if isinstance(t, Mapping) and t.get("medium") == EMAIL
    }


def check_email(pushers: Iterable[model.Pusher], addresses: set[str]) -> list[Finding]:
    return [
        problem(
            "email.no-3pid",
            f"email pusher {p.get('pushkey')} sends to an address that is not one of "
            "the account's email addresses: the homeserver will not mail it",
            "add and verify the address in the client, then set the email pusher again; "
            "or delete this pusher",
            pusher=p,
        )
        for p in pushers
        if kinds.of(p).threepid_medium == EMAIL
        and str(p.get("pushkey", "")).casefold() not in addresses
    ]


def check_devices(
    pushers: Iterable[model.Pusher], known: Iterable[Mapping[str, Any]], now_ms: int
) -> list[Finding]:
    """Pushers whose device is gone or unseen for INACTIVE_DAYS, where the device is known."""
    by_id = devices.by_id(known)
    found = []
    for pusher in pushers:
        device_id = devices.device_id_of(pusher)
        if device_id is None:
            continue  # not told, or set with a token of no device: nothing to say
        device = by_id.get(device_id)
        if device is None:
            found.append(
                warning(
                    "pusher.no-device",
                    f"pusher {describe(pusher)} belongs to device {device_id}, which no "
                    "longer exists",
                    "log in again on that phone; delete the pusher if the phone is gone",
                    pusher=pusher,
                )
            )
            continue
        seen = devices.last_seen_ms(device)
        if seen is not None and now_ms - seen >= INACTIVE_DAYS * 86400 * 1000:
            found.append(
                warning(
                    "device.inactive",
                    f"pusher {describe(pusher)} belongs to device "
                    f"{devices.describe_device(device)}, last seen "
                    f"{devices.describe_time(seen, now_ms)}",
                    "if that phone is no longer used, delete its pushers "
                    f"(pushctl prune --inactive {INACTIVE_DAYS}d)",
                    pusher=pusher,
                )
            )
    return found


def ignored_users(account_data: Any) -> list[str]:
    users = account_data.get("ignored_users") if isinstance(account_data, Mapping) else None
    return sorted(str(u) for u in users) if isinstance(users, Mapping) else []


def check_ignored(users: list[str]) -> list[Finding]:
    if not users:
        return []
    shown = ", ".join(users[:5]) + (", …" if len(users) > 5 else "")
    return [
        warning(
            "users.ignored",
            f"the account ignores {plural(len(users), 'user')} ({shown}): their messages "
            "never notify",
            "unignore them in the client's settings if their messages should notify",
        )
    ]
