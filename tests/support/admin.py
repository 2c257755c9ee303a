"""What the tests of acting for another user share: flags for `set`, and Synapse's own view."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any
from urllib.parse import quote

from tests.support.accounts import GATEWAY, Account
from tests.support.localsynapse import LocalSynapse

SET_ARGS = [
    "--app-id", "org.example.app.android",
    "--app-display-name", "Example",
    "--device-display-name", "Bob's phone",
    "--lang", "en",
    "--url", GATEWAY,
]  # fmt: skip


def admin_get(admin: Account, path: str) -> Any:
    return admin.server.call("GET", f"/_synapse/admin{path}", token=admin.token)


def devices_of(admin: Account, user: Account) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = admin_get(admin, f"/v2/users/{quote(user.user_id)}/devices")[
        "devices"
    ]
    return result


def acting_tokens(server: LocalSynapse, user_id: str) -> int:
    """Tokens an admin holds acting as *user_id*, straight from Synapse's database.

    Synapse stores them under the admin's ``user_id`` with ``puppets_user_id``
    naming the user acted for.
    """
    database = server.directory / "homeserver.db"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
        row = db.execute(
            "SELECT count(*) FROM access_tokens WHERE puppets_user_id = ?", (user_id,)
        ).fetchone()
    return int(row[0])
