"""Every local user's pushers at one moment, and the filters and counts over them: pure.

An :class:`Inventory` is read through the admin API (:mod:`pushctl.fleet.inventory`)
or from Synapse's database (:mod:`pushctl.homeserver_host.database`); ``fleet
list`` and ``fleet stats`` show it through these functions either way. Nothing
heavier than the pusher kinds is imported: the database's quick path runs this
(:mod:`pushctl.cli.quick`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from pushctl.pushers import kinds, model


class Inventory:
    """Every local user and their pushers, each pusher with ``user_id`` added."""

    # a plain class, not a dataclass: importing dataclasses costs the quick path 9 ms
    __slots__ = ("pushers", "unreadable", "users")

    def __init__(
        self,
        users: list[str] | None = None,
        pushers: list[model.Pusher] | None = None,
        unreadable: list[tuple[str, str]] | None = None,
    ) -> None:
        self.users = [] if users is None else users
        self.pushers: list[model.Pusher] = [] if pushers is None else pushers
        #: users whose pushers could not be read, with why
        self.unreadable: list[tuple[str, str]] = [] if unreadable is None else unreadable

    def users_without_pushers(self) -> int:
        counted = {p["user_id"] for p in self.pushers} | {user for user, _ in self.unreadable}
        return sum(1 for user in self.users if user not in counted)


#: the pusher's gateway URL (``data.url``); None when it has none (an email pusher)
gateway_of = kinds.gateway_url


def select(
    pushers: Iterable[model.Pusher], *, gateway: str | None = None, app_id: str | None = None
) -> list[model.Pusher]:
    """The pushers with this gateway URL and this app ID (each filter when given)."""
    return [
        p
        for p in pushers
        if (gateway is None or gateway_of(p) == gateway)
        and (app_id is None or p.get("app_id") == app_id)
    ]


def stats(pushers: list[model.Pusher], users: int, users_without: int) -> dict[str, Any]:
    """Counts by gateway and by app ID (most pushers first), and users with none."""
    return {
        "users": users,
        "users_without_pushers": users_without,
        "pushers": len(pushers),
        "by_gateway": _counts(pushers, "url", gateway_of),
        "by_app_id": _counts(pushers, "app_id", lambda p: p.get("app_id")),
    }


def _counts(pushers: list[model.Pusher], name: str, key: Any) -> list[dict[str, Any]]:
    count: Counter[Any] = Counter()
    users: defaultdict[Any, set[str]] = defaultdict(set)
    for pusher in pushers:
        value = key(pusher)
        count[value] += 1
        users[value].add(str(pusher.get("user_id")))
    ordered = sorted(count, key=lambda v: (-count[v], "" if v is None else str(v)))
    return [{name: v, "pushers": count[v], "users": len(users[v])} for v in ordered]
