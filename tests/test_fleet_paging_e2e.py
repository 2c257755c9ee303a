"""``pushctl fleet`` reads every local user once, even when users come and go meanwhile.

Synapse pages ``GET /_synapse/admin/v2/users`` by offset into the list ordered
by name. Here a proxy in front of the real Synapse deactivates or registers
users just before the second page is served, as other admins and sign-ups
would; every user active throughout must still be listed exactly once.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, new_account
from tests.support.admin import admin_get
from tests.support.proxy import Proxy, Seen

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

APP = "org.example.app.ios"


def deactivate_two(synapse, admin: Account, early: list[Account]) -> None:  # type: ignore[no-untyped-def]
    for user in early[:2]:
        synapse.call(
            "POST", f"/_synapse/admin/v1/deactivate/{quote(user.user_id)}", {}, token=admin.token
        )


def register_two(synapse, admin: Account, early: list[Account]) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        new_account(synapse, "aab")


@pytest.mark.parametrize(
    ("change", "left_for_page_two"),
    [
        (deactivate_two, 3),  # later users shift back: the old reading skipped two
        (register_two, 3),  # later users shift on: the old reading listed two twice
        (deactivate_two, 1),  # the second page now starts past the end: it came back empty
    ],
    ids=["deactivated", "registered", "deactivated-before-the-end"],
)
def test_users_changing_between_pages_are_each_listed_once(
    synapse,  # type: ignore[no-untyped-def]
    pushctl,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[..., None],
    left_for_page_two: int,
) -> None:
    admin = new_account(synapse, "fleetadmin", admin=True)
    early = [new_account(synapse, "aaa") for _ in range(2)]  # sort first: on page one
    last_name = f"zzz{time.time_ns()}-"  # after every user earlier tests registered
    late = [new_account(synapse, last_name) for _ in range(5)]  # they straddle the pages
    url = f"https://paging-{secrets.token_hex(4)}.example.org/_matrix/push/v1/notify"
    for user in late:
        user.add_pusher(app_id=APP, data={"url": url})
    total = admin_get(admin, "/v2/users?limit=1&deactivated=false")["total"]
    monkeypatch.setattr("pushctl.acting.admin.USERS_PAGE", total - left_for_page_two)

    pages: list[Seen] = []

    def between_pages(seen: Seen) -> None:
        if seen.method == "GET" and seen.path.endswith("/_synapse/admin/v2/users"):
            pages.append(seen)
            if len(pages) == 2:
                change(synapse, admin, early)

    with Proxy(synapse.base_url, between_pages) as proxy:
        result = pushctl(
            "fleet", "list", "--gateway", url, "--json",
            env={"PUSHCTL_HOMESERVER": proxy.url, "PUSHCTL_ACCESS_TOKEN": admin.token},
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert len(pages) >= 2, "the users must have been read in more than one page"
    listed = Counter(p["user_id"] for p in json.loads(result.stdout))
    assert listed == Counter(user.user_id for user in late)
