"""Plans over every user's pushers: pure, no I/O.

A plan lists only the pushers that still differ from what is wanted: after
``move-gateway --from A --to B`` no pusher has the URL A, after ``delete``
none has the app ID. So the same command run again after a Ctrl-C or a
failure does only what is left, and after a complete run nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from pushctl.fleet.counts import select
from pushctl.pushers import kinds, model
from pushctl.pushers.plan import Action, Change, Plan, deletion


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
