"""The pure parts of ``pushctl fleet``: plans, counts, and renewing acting tokens."""

from __future__ import annotations

from typing import Any

import pytest

from pushctl.acting import admin as admin_api
from pushctl.fleet import counts, planning, writing
from pushctl.pushers.plan import Action, Change, Plan
from tests.support.accounts import make_pusher

OLD = "https://old.example.org/_matrix/push/v1/notify"
NEW = "https://new.example.org/_matrix/push/v1/notify"


def owned(user: str, **fields: Any) -> dict[str, Any]:
    return {**make_pusher(**fields), "user_id": user, "device_id": "DEV", "enabled": True}


def test_a_move_rewrites_only_the_url_of_matching_pushers() -> None:
    pushers = [
        owned("@a:x", data={"url": OLD, "format": "event_id_only"}),
        owned("@a:x", data={"url": NEW}),
        owned("@b:x", data={"url": OLD}, app_id="other"),
        owned("@c:x", kind="email", app_id="m.email", data={}),
    ]
    plan = planning.move_plan(pushers, OLD, NEW, app_id=pushers[0]["app_id"])
    [change] = plan.changes
    assert change.action is Action.UPDATE and change.fields == ("data.url",)
    assert change.pusher == {**pushers[0], "data": {"url": NEW, "format": "event_id_only"}}
    assert pushers[0]["data"]["url"] == OLD, "the server's pusher is left as it was"
    assert len(planning.move_plan(pushers, OLD, NEW).changes) == 2
    assert planning.move_plan(pushers, OLD, OLD).changes == []


def test_a_delete_plan_takes_the_app_id_and_optionally_the_gateway() -> None:
    pushers = [
        owned("@a:x", app_id="gone", data={"url": OLD}),
        owned("@b:x", app_id="gone", data={"url": NEW}),
    ]
    assert len(planning.delete_plan(pushers, "gone").changes) == 2
    [change] = planning.delete_plan(pushers, "gone", gateway=NEW).changes
    assert change.pusher["user_id"] == "@b:x" and change.action is Action.DELETE


def test_stats_count_pushers_and_users_per_gateway_and_app() -> None:
    pushers = [
        owned("@a:x", data={"url": OLD}),
        owned("@a:x", data={"url": OLD}),
        owned("@b:x", data={"url": NEW}),
        owned("@c:x", kind="email", app_id="m.email", data={}),
    ]
    found = counts.stats(pushers, users=5, users_without=2)
    assert found["by_gateway"] == [
        {"url": OLD, "pushers": 2, "users": 1},
        {"url": None, "pushers": 1, "users": 1},
        {"url": NEW, "pushers": 1, "users": 1},
    ]
    assert found["by_app_id"][0] == {"app_id": "org.example.app.ios", "pushers": 3, "users": 2}
    assert (found["users"], found["users_without_pushers"], found["pushers"]) == (5, 2, 4)


def test_a_bad_new_gateway_is_named() -> None:
    assert planning.check_gateway_url(NEW) == []
    assert planning.check_gateway_url("https://x.example.org/") != []


class FakeAdmin:
    token = "admin"

    def __init__(self) -> None:
        self.issued = 0


def test_a_token_is_renewed_when_a_users_writes_outlast_it(monkeypatch: pytest.MonkeyPatch) -> None:
    admin = FakeAdmin()
    revoked: list[str] = []

    def issue(client: Any, user: str, valid_until_ms: int) -> str:
        admin.issued += 1
        return f"token-{admin.issued}"

    monkeypatch.setattr("pushctl.acting.admin.issue_acting_token", issue)
    monkeypatch.setattr("pushctl.acting.admin.revoke_acting_token", lambda c, t: revoked.append(t))
    now = [1000.0]
    monkeypatch.setattr("pushctl.acting.admin.time.time", lambda: now[0])
    plan = Plan([Change(Action.DELETE, owned("@a:x")) for _ in range(3)])
    tokens = writing.ActingTokens(admin, plan, "@admin:x", None)  # type: ignore[arg-type]
    assert tokens.token_for("@a:x") == "token-1"
    tokens.done("@a:x")
    # renewed once less than a third of its life is left (pushctl.acting.admin.TokenKeeper)
    now[0] += admin_api.ACTING_TOKEN_LIFETIME_S * 2 / 3 - 1
    assert tokens.token_for("@a:x") == "token-1"
    tokens.done("@a:x")
    now[0] += 2
    assert tokens.token_for("@a:x") == "token-2", "renewed before it runs out"
    assert revoked == []
    tokens.done("@a:x")
    assert revoked == ["token-1", "token-2"], "revoked once the user's last write is done"
    assert tokens.token_for("@admin:x") == "admin", "the admin's own account needs no token"
    tokens.close()
    assert revoked == ["token-1", "token-2"]


def test_users_without_pushers_are_counted_in_linear_time() -> None:
    """``fleet stats`` on 40,000 users used to rebuild a set of every user per user."""
    import time

    from pushctl.fleet.counts import Inventory

    users = [f"@u{n}:x" for n in range(40_000)]
    inventory = Inventory(
        users=users,
        pushers=[owned(user) for user in users[::2]],
        unreadable=[(user, "gone") for user in users[1:1000:2]],
    )
    started = time.perf_counter()
    assert inventory.users_without_pushers() == 20_000 - 500
    assert time.perf_counter() - started < 1.0  # quadratic: tens of seconds
