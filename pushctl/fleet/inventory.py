"""Reading every local user's pushers through the Synapse admin API.

The users come from ``GET /_synapse/admin/v2/users`` (deactivated users are
left out: they have no pushers that deliver), each user's pushers from
``GET /_synapse/admin/v1/users/<user>/pushers``, a few users at a time, each
worker thread with its own HTTP session; how many at once adapts to the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pushctl.acting import admin
from pushctl.errors import AuthError, ExitStatus, NetworkError, PushctlError
from pushctl.fleet.counts import Inventory
from pushctl.homeserver.adaptive import AdaptiveLimit
from pushctl.homeserver.clones import PerThread
from pushctl.homeserver.concurrency import map_interruptibly
from pushctl.pushers.model import Pusher

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

#: the most users read at once; how many really are adapts to the server
READ_WORKERS = 16


def read_inventory(
    client: Client,
    users: list[str],
    *,
    workers: int = READ_WORKERS,
    on_user: Callable[[bool], None] | None = None,
) -> Inventory:
    """The pushers of *users* (from :func:`list_users`), at most *workers* users at a time.

    How many are read at once adapts to the server as bulk writes do
    (:mod:`pushctl.homeserver.adaptive`): it starts at 2 and grows while throughput does.

    A user whose pushers cannot be read (deleted meanwhile, a server error) is
    listed in :attr:`Inventory.unreadable`; a refused token or an unreachable
    server stops the reading. *on_user* hears of each user read (True when it
    worked), from the reading threads.
    """

    sessions = _Sessions(client)
    try:
        results = map_interruptibly(
            sessions.reader(admin.user_pushers, on_user),
            users,
            limit=AdaptiveLimit(maximum=workers),
            congested=lambda result: isinstance(result, str),
        )
    finally:
        sessions.close()
    inventory = Inventory(users=list(users))
    for user, result in zip(users, results, strict=True):
        if isinstance(result, str):
            inventory.unreadable.append((user, result))
            continue
        inventory.pushers += [{**pusher, "user_id": user} for pusher in result]
    return inventory


def list_users(client: Client) -> list[str]:
    """Every local user that is not deactivated; exit 4 for a token that is not an admin's."""

    try:
        return admin.local_users(client)
    except AuthError as exc:
        if exc.details.get("errcode") is None:
            raise
        raise AuthError(
            "fleet commands need a Synapse server admin: this account is not one "
            f"({exc.details['errcode']}: {exc.details.get('error', '')})"
        ) from None


def _stops_everything(exc: PushctlError) -> bool:
    """A refused token or a server gone: every other user would fail the same way."""
    return exc.exit_status == ExitStatus.AUTH or isinstance(exc, NetworkError)


class _Sessions(PerThread):
    """One clone of the admin's client per worker thread, closed at the end."""

    def reader(
        self,
        read: Callable[[Client, str], list[Pusher]],
        on_user: Callable[[bool], None] | None,
    ) -> Callable[[str], list[Pusher] | str]:
        """A function of one user: its pushers, or why they could not be read."""

        def read_one(user: str) -> list[Pusher] | str:
            try:
                result: list[Pusher] | str = read(self.own(), user)
            except PushctlError as exc:
                if _stops_everything(exc):
                    raise
                result = exc.message
            if on_user:
                on_user(not isinstance(result, str))
            return result

        return read_one
