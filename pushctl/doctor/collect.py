"""Gather what ``doctor`` looks at, run every check, and return the report.

Reads only: pushers and devices through the :class:`~pushctl.acting.target.Target`
(the admin API for ``--user``), push rules, ignored users and 3PIDs through
the account's own client (for ``--user``, a token acting as the user, revoked
afterwards), the last listing from the listing cache, and the gateways.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pushctl.accounts.settings import Settings
from pushctl.acting.admin import behind_mas
from pushctl.acting.target import ASSERTION, Target
from pushctl.doctor import account, gateways, pushers, rules
from pushctl.doctor.findings import NotChecked, Report
from pushctl.errors import MatrixError, PushctlError, ServerError
from pushctl.homeserver.address import user_path
from pushctl.pushers import kinds, listing_cache
from pushctl.pushers.devices import has_device_field
from pushctl.runs.gateway import ProbeSettings

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

ACCOUNT_AREAS = "push rules, ignored users and email addresses"
ACCOUNT_STATE = "account state (deactivated, locked, shadow-banned)"
USER_ADMIN_PATH = "/_synapse/admin/v2/users"


def run(
    target: Target,
    settings: Settings,
    *,
    push: bool = True,
    on_revoke_failure: Callable[[str], None] | None = None,
) -> Report:
    """Look at *target*'s account from pushers to push rules; change nothing.

    With *push*, each pusher's gateway also gets a test notification, which
    may reach the device; never for a deactivated or locked account.
    """

    report = Report()
    now_ms = int(time.time() * 1000)
    found = target.pushers()
    blocked = _account_state(report, target)
    if blocked is None:
        report.add(pushers.check_none(found))  # its advice (open the app) cannot help otherwise
    report.add(pushers.check_disabled(found))
    report.add(pushers.check_invalid(found))
    report.add(_vanished(found, target, now_ms))
    known_devices = target.devices() if any(_has_device(p) for p in found) else []
    report.add(account.check_devices(found, known_devices, now_ms))
    probing = ProbeSettings.from_settings(settings)
    examined = gateways.examine(found, probing, push=push and blocked is None)
    report.add(gateways.check(examined))
    if blocked is not None:
        reason = f"not read while the account is {blocked}, which stops its notifications first"
        report.not_checked.append(NotChecked(ACCOUNT_AREAS, reason))
        return report
    if target.admin_api and behind_mas(target.client):
        report.not_checked.append(
            NotChecked(
                ACCOUNT_AREAS,
                "the homeserver uses Matrix Authentication Service, which turns off acting "
                "as another user through the Synapse admin API",
            )
        )
        return report
    with target.writer(on_revoke_failure=on_revoke_failure) as client:
        _account_checks(report, client, found)
    return report


def _account_state(report: Report, target: Target) -> str | None:
    """Add what the admin API says of the account's state; the state that blocks pushes, if any.

    The token's own account is active and unlocked, or it could not have read its
    pushers; another account's state is known only through the admin API.
    """

    if target.via == ASSERTION:
        unreadable = "an application service cannot read it (the Synapse admin API can)"
        report.not_checked.append(NotChecked(ACCOUNT_STATE, unreadable))
    if not target.admin_api or target.user_id is None:
        return None
    try:
        info = target.client.request("GET", f"{USER_ADMIN_PATH}/{user_path(target.user_id)}")
    except (MatrixError, ServerError) as exc:
        report.not_checked.append(NotChecked(ACCOUNT_STATE, f"the admin API refused: {exc}"))
        return None
    report.add(account.check_state(info, target.user_id))
    return account.blocked_state(info)


def _has_device(pusher: dict[str, Any]) -> bool:

    return has_device_field(pusher)


def _vanished(found: list[dict[str, Any]], target: Target, now_ms: int) -> list[Any]:
    """The pushers of this account's last listing (by homeserver and user) that are gone."""
    try:
        user_id = target.account_id()
    except PushctlError:
        return []  # cannot tell whose listing to compare with
    earlier = listing_cache.recall_listing(target.client.homeserver, user_id, target.environ)
    if earlier is None:
        return []
    return pushers.check_vanished(found, earlier.pushers, earlier.listed_at_ms, now_ms)


def _account_checks(report: Report, client: Client, found: list[dict[str, Any]]) -> None:
    user_id = str(client.whoami().get("user_id", ""))
    ruleset = client.client_request("GET", "/pushrules/")
    report.add(rules.check_master(ruleset))
    report.add(rules.check_silencing(ruleset))
    report.add(rules.check_defaults(ruleset))
    muted = rules.muted_rooms(ruleset)
    report.add(rules.check_muted(muted, {r: n for r in muted if (n := room_name(client, r))}))
    report.add(account.check_ignored(account.ignored_users(ignored_list(client, user_id))))
    if any(kinds.of(p).threepid_medium == account.EMAIL for p in found):
        threepids = client.client_request("GET", "/account/3pid")
        report.add(account.check_email(found, account.email_addresses(threepids)))


def ignored_list(client: Client, user_id: str) -> Any:
    """The ``m.ignored_user_list`` account data, or {} when there is none."""

    try:
        path = f"/user/{user_path(user_id)}/account_data/m.ignored_user_list"
        return client.client_request("GET", path)
    except MatrixError as exc:
        if exc.status == 404:
            return {}
        raise


def room_name(client: Client, room_id: str) -> str | None:
    """The room's name, where the account may read it."""

    try:
        body = client.client_request("GET", f"/rooms/{user_path(room_id)}/state/m.room.name/")
    except (MatrixError, ServerError):
        return None
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) and name else None
