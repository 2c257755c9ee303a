"""Whose pushers a command works on, and how it reaches them.

``--user @bob:example.org`` goes through the Synapse admin API
(:mod:`pushctl.admin`), for server admins. Reads go through
``/_synapse/admin``, writes through a short-lived token acting as Bob.

Without ``--user``, a command works on the token's own account.

:func:`open_target` makes that choice once. A command then reads with
:meth:`Target.pushers` and :meth:`Target.devices` and writes inside
``with target.writer() as client:``; it never needs to know which way it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pushctl.model import Pusher

if TYPE_CHECKING:
    from pushctl.client import Client
    from pushctl.settings import Settings

#: The token's own account.
OWN = "own"
#: Another user, through the Synapse admin API (a server admin's user token).
ADMIN_API = "admin-api"


@dataclass
class Target:
    """The account whose pushers a command reads and writes."""

    #: reads go through this client
    client: Client
    #: the user named by ``--user``; None for the token's own account
    user_id: str | None = None
    via: str = OWN

    @property
    def admin_api(self) -> bool:
        """True when pushers come from the admin API (with ``device_id`` and ``enabled``)."""
        return self.via == ADMIN_API

    def pushers(self) -> list[Pusher]:
        from pushctl import admin

        if self.via == ADMIN_API:
            assert self.user_id is not None
            return admin.user_pushers(self.client, self.user_id)
        return self.client.get_pushers()

    def devices(self) -> list[dict[str, Any]]:
        from pushctl import admin

        if self.via == ADMIN_API:
            assert self.user_id is not None
            return admin.user_devices(self.client, self.user_id)
        return self.client.devices()

    @contextmanager
    def writer(self, on_revoke_failure: Callable[[str], None] | None = None) -> Iterator[Client]:
        """A client whose writes land on this account.

        For ADMIN_API that is a temporary token acting as the user, revoked when
        the block ends (*on_revoke_failure* hears if that fails); otherwise it is
        :attr:`client` itself. Workers take their own session with ``clone()``.
        """
        if self.via != ADMIN_API:
            yield self.client
            return
        from pushctl import admin

        assert self.user_id is not None
        with admin.acting_for(
            self.client, self.user_id, on_revoke_failure=on_revoke_failure
        ) as acting:
            yield acting


def open_target(settings: Settings, user_id: str | None) -> Target:
    """The account a command works on: the token's own, or *user_id*'s (``--user``).

    Exit 4 when there is no token.
    """
    from pushctl.settings import authenticate

    _, client = authenticate(settings)
    if not user_id:
        return Target(client)
    return Target(client, user_id, ADMIN_API)
