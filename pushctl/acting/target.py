"""Whose pushers a command works on, and how it reaches them.

``--user @bob:example.org`` means one of two things, by the kind of credential:

- a user's token: the Synapse admin API (:mod:`pushctl.acting.admin`), for server
  admins. Reads go through ``/_synapse/admin``, writes through a short-lived
  token acting as Bob;
- an application service's token: identity assertion
  (:mod:`pushctl.acting.appservice`). Every request, read or write, carries
  ``?user_id=@bob:example.org``; this works on any homeserver.

Without ``--user``, a command works on the token's own account (for an
application service, its sender user).

:func:`open_target` makes that choice once. A command then reads with
:meth:`Target.pushers` and :meth:`Target.devices` and writes inside
``with target.writer() as client:``; it never needs to know which way it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pushctl.accounts import credentials
from pushctl.accounts.settings import Settings, authenticate
from pushctl.acting import admin
from pushctl.acting.appservice import asserting
from pushctl.pushers.listing_cache import Whose
from pushctl.pushers.model import Pusher

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

#: The token's own account (or, for an application service, its sender).
OWN = "own"
#: Another user, through the Synapse admin API (a server admin's user token).
ADMIN_API = "admin-api"
#: Another user, through identity assertion (an application service's token).
ASSERTION = "assertion"


@dataclass
class Target:
    """The account whose pushers a command reads and writes."""

    #: reads go through this client (for ASSERTION, it carries ``?user_id=``)
    client: Client
    #: the user named by ``--user``; None for the token's own account
    user_id: str | None = None
    via: str = OWN
    #: the token's own user ID, when the profile stored it with the token
    own_user_id: str | None = None
    #: the environment the listing cache's place comes from (None: the process's)
    environ: Mapping[str, str] | None = None

    def account_id(self) -> str:
        """The user ID whose pushers these are.

        Asks the homeserver (once) only for the token's own account when no
        profile stored whose token it is (a token given in the environment).
        """
        if self.user_id:
            return self.user_id
        if self.own_user_id is None:
            self.own_user_id = str(self.client.whoami()["user_id"])
        return self.own_user_id

    def whose(self) -> Whose:
        """This account, for the listing cache to forget the pushers a run deletes."""

        return Whose(self.client.homeserver, self.account_id, self.environ)

    @property
    def admin_api(self) -> bool:
        """True when pushers come from the admin API (with ``device_id`` and ``enabled``)."""
        return self.via == ADMIN_API

    def pushers(self) -> list[Pusher]:

        if self.via == ADMIN_API:
            assert self.user_id is not None
            return admin.user_pushers(self.client, self.user_id)
        return self.client.get_pushers()

    def devices(self) -> list[dict[str, Any]]:

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

        assert self.user_id is not None
        with admin.acting_for(
            self.client, self.user_id, on_revoke_failure=on_revoke_failure
        ) as acting:
            yield acting


def open_target(settings: Settings, user_id: str | None) -> Target:
    """The account a command works on: the token's own, or *user_id*'s (``--user``).

    Exit 4 when there is no token; for an application service, also when the
    homeserver refuses to let it act for *user_id* (checked here, before any
    command reads or writes).
    """

    credential, client = authenticate(settings)
    environ = settings.environ
    if not user_id:
        stored = credential.source in (credentials.SOURCE_KEYRING, credentials.SOURCE_FILE)
        return Target(client, own_user_id=credential.user_id if stored else None, environ=environ)
    if credential.kind == credentials.KIND_APPSERVICE:
        return Target(asserting(client, user_id), user_id, ASSERTION, environ=environ)
    return Target(client, user_id, ADMIN_API, environ=environ)
