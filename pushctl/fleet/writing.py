"""Applying a fleet plan: each write through a short-lived token acting as its user.

One token per user, issued when that user's first write starts, renewed when
the user's writes outlast it (:class:`pushctl.acting.admin.TokenKeeper`), and revoked
as soon as the user's last write is done; whatever is left is revoked at the
end of the run, after a Ctrl-C or an error too. The tokens create no device
(``POST /_synapse/admin/v1/users/<user>/login``).

Rewrites send ``append: true`` (the bulk writer does so for every update): with
``append: false`` Synapse also deletes *other users'* pushers with the same app
ID and pushkey. Synapse keeps an updated pusher on the device it was on.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pushctl.acting import admin
from pushctl.errors import AuthError, MatrixError, PushctlError
from pushctl.pushers.listing_cache import Whose
from pushctl.pushers.plan import Change, Plan
from pushctl.runs import executor, guard
from pushctl.runs.executor import perform_change
from pushctl.runs.report import Outcome, Report

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client


class ActingRefused(AuthError):
    """The homeserver does not let an admin act as its users (e.g. behind MAS)."""


def check_acting_possible(client: Client) -> None:
    """Exit 4 when the homeserver delegates authentication to Matrix Authentication Service.

    Synapse then turns off the admin "login as user" endpoint every write here
    goes through; saying so once beats failing for each user.
    """
    issuer = admin.behind_mas(client)
    if issuer:
        raise ActingRefused(_MAS_REASON.format(issuer=issuer))


_MAS_REASON = (
    "the homeserver delegates authentication to {issuer} (Matrix Authentication Service), "
    "so Synapse does not let an admin act as its users: fleet changes need a homeserver "
    "without it; fleet list and fleet stats still work"
)


def apply(
    plan: Plan,
    client: Client,
    *,
    concurrency: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_revoke_failure: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """Apply *plan* (changes carrying ``user_id``) as each change's user.

    *client* carries a Synapse server admin's token. The bulk writer's rules
    hold: adaptive concurrency, Ctrl-C stops new writes, a refused token (or
    refused acting) stops the run. Before a user's first write, that user's
    account and pushers are read again: nothing is written into a deactivated
    or locked account, nor over a pusher changed or deleted since the plan
    (:mod:`pushctl.runs.guard`); those changes are skipped. The pushers deleted leave
    their users' listings in the cache found through *environ*.
    """

    own = client.whoami().get("user_id")
    tokens = ActingTokens(client, plan, own, on_revoke_failure)
    try:
        return executor.apply(
            plan,
            ActingWriter(tokens, client.clone()),
            concurrency=concurrency,
            on_outcome=on_outcome,
            perform=_perform,
            guard=guard.for_fleet(client),
            whose=Whose(client.homeserver, environ=environ),
        )
    finally:
        tokens.close()


class ActingTokens:
    """The acting tokens of one run, one :class:`pushctl.acting.admin.TokenKeeper` per user:
    issued on demand, renewed by the keeper's rule, revoked after the user's last write."""

    def __init__(
        self,
        admin_client: Client,
        plan: Plan,
        own_user: Any,
        on_revoke_failure: Callable[[str], None] | None,
    ) -> None:
        self.admin = admin_client
        self.own_user = own_user
        self.on_revoke_failure = on_revoke_failure
        self.left: Counter[str] = Counter(str(c.pusher["user_id"]) for c in plan.writes)
        self.keepers: dict[str, admin.TokenKeeper] = {}
        self.lock = threading.Lock()
        self.closed = False

    def token_for(self, user: str) -> str:
        """A token acting as *user*, renewed when little of its life is left."""
        if user == self.own_user:
            assert self.admin.token is not None
            return self.admin.token
        with self.lock:
            keeper = self.keepers.setdefault(user, admin.TokenKeeper(self.admin, user))
        try:
            token = keeper.current()
        except admin.AdminApiMissing as exc:
            raise ActingRefused(_login_refused(exc.message)) from None
        except MatrixError as exc:
            if exc.status in (400, 404) and exc.errcode == "M_UNRECOGNIZED":
                raise ActingRefused(_login_refused(exc.message)) from None
            raise
        with self.lock:
            late = self.closed
        if late:  # the run ended while this token was being issued
            self._revoke(user)
            raise PushctlError("the run has ended")
        return token

    def done(self, user: str) -> None:
        """One write for *user* finished; revoke the user's tokens after the last."""
        with self.lock:
            self.left[user] -= 1
            finished = self.left[user] <= 0
        if finished:
            self._revoke(user)

    def close(self) -> None:
        """Revoke every token still held (interrupted or failed runs); Ctrl-C waits."""
        with self.lock:
            self.closed = True
            users = list(self.keepers)
        with admin.interrupts_deferred():
            for user in users:
                self._revoke(user)

    def _revoke(self, user: str) -> None:
        with self.lock:
            keeper = self.keepers.pop(user, None)
        if keeper is not None:
            keeper.revoke_all(self.on_revoke_failure)


def _login_refused(reason: str) -> str:
    return (
        f"the homeserver refuses to let an admin act as its users ({reason}); behind "
        "Matrix Authentication Service Synapse turns this off: fleet changes need a "
        "homeserver without it"
    )


class ActingWriter:
    """A worker's client for the bulk writer: writes go out as their pusher's user."""

    def __init__(self, tokens: ActingTokens, client: Client | None = None) -> None:
        self.tokens = tokens
        self.client = client or tokens.admin.clone()

    def clone(self) -> ActingWriter:
        return ActingWriter(self.tokens, self.tokens.admin.clone())

    def close(self) -> None:
        self.client.close()

    def perform(self, change: Change) -> None:
        """Write *change* with a token acting as ``change.pusher["user_id"]``."""

        user = str(change.pusher["user_id"])
        try:
            self.client.token = self.tokens.token_for(user)
            perform_change(self.client, change)
        finally:
            self.tokens.done(user)


def _perform(writer: ActingWriter, change: Change) -> None:
    writer.perform(change)
