"""Filters, counts and plans over every user's pushers: pure, no I/O.

A plan lists only the pushers that still differ from what is wanted: after
``move-gateway --from A --to B`` no pusher has the URL A, after ``delete``
none has the app ID. So the same command run again after a Ctrl-C or a
failure does only what is left, and after a complete run nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from pushctl.pushers import kinds, model
from pushctl.pushers.plan import Action, Change, Plan, deletion

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


def move_plan(
    pushers: Iterable[model.Pusher], old_url: str, new_url: str, app_id: str | None = None
) -> Plan:
    """Rewrite ``data.url`` from *old_url* to *new_url*, every other field unchanged."""
    if old_url == new_url:
        return Plan([])
    return Plan(
        [
            Change(Action.UPDATE, _moved(pusher, new_url), fields=("data.url",), seen=pusher)
            for pusher in select(pushers, gateway=old_url, app_id=app_id)
        ]
    )


def _moved(pusher: model.Pusher, new_url: str) -> model.Pusher:
    data = dict(pusher["data"])
    data["url"] = new_url
    return {**pusher, "data": data}


def delete_plan(pushers: Iterable[model.Pusher], app_id: str, gateway: str | None = None) -> Plan:
    """Delete the pushers of *app_id* (on *gateway* only, when given)."""
    chosen = select(pushers, gateway=gateway, app_id=app_id)
    return Plan([deletion(pusher) for pusher in chosen])


def by_user(changes: Iterable[Change]) -> dict[str, list[Change]]:
    """The changes grouped by ``user_id``, users in the order they first appear."""
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(str(change.pusher["user_id"]), []).append(change)
    return grouped


def check_gateway_url(url: str) -> list[str]:
    """What is wrong with *url* as a pusher's ``data.url`` (empty when nothing)."""
    sample = {
        "app_id": "a",
        "pushkey": "k",
        "kind": kinds.HTTP.name,
        "app_display_name": "a",
        "device_display_name": "d",
        "lang": "en",
        "data": {"url": url},
    }
    problems = model.errors_only(model.validate_pusher(sample))
    return [p.message for p in problems if p.field.startswith("data")]
