"""Applying a fleet plan: each write through a short-lived token acting as its user.

One token per user, issued when that user's first write starts, renewed when
the user's writes outlast it, and revoked as soon as the user's last write is
done; whatever is left is revoked at the end of the run, after a Ctrl-C or an
error too. The tokens create no device (``POST /_synapse/admin/v1/users/<user>/login``).

Rewrites send ``append: true`` (the bulk writer does so for every update): with
``append: false`` Synapse also deletes *other users'* pushers with the same app
ID and pushkey. Synapse keeps an updated pusher on the device it was on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pushctl.errors import AuthError, MatrixError, PushctlError

if TYPE_CHECKING:
    from pushctl.client import Client
    from pushctl.executor import Outcome, Report
    from pushctl.plan import Change, Plan

#: how long each acting token may live
TOKEN_LIFETIME_S = 5 * 60
#: a token this close to its end is replaced before the next write
RENEW_MARGIN_S = 60


class ActingRefused(AuthError):
    """The homeserver does not let an admin act as its users (e.g. behind MAS)."""


def check_acting_possible(client: Client) -> None:
    """Exit 4 when the homeserver delegates authentication to Matrix Authentication Service.

    Synapse then turns off the admin "login as user" endpoint every write here
    goes through; saying so once beats failing for each user.
    """
    try:
        metadata = client.request("GET", "/_matrix/client/v1/auth_metadata", auth=False)
    except PushctlError:
        return  # no OAuth 2.0 metadata: plain Synapse login
    if isinstance(metadata, dict) and metadata.get("issuer"):
        raise ActingRefused(_MAS_REASON.format(issuer=metadata["issuer"]))


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
    (:mod:`pushctl.guard`); those changes are skipped. The pushers deleted leave
    their users' listings in the cache found through *environ*.
    """
    from pushctl import executor, guard
    from pushctl.listing_cache import Whose

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
    """The acting tokens of one run: issued on demand, renewed, revoked when done."""

    def __init__(
        self,
        admin: Client,
        plan: Plan,
        own_user: Any,
        on_revoke_failure: Callable[[str], None] | None,
    ) -> None:
        self.admin = admin
        self.own_user = own_user
        self.on_revoke_failure = on_revoke_failure
        self.left: Counter[str] = Counter(str(c.pusher["user_id"]) for c in plan.writes)
        self.current: dict[str, tuple[str, float]] = {}  # user -> (token, expires at)
        self.issued: dict[str, list[str]] = {}  # user -> tokens not yet revoked
        self.lock = threading.Lock()
        self.user_locks: dict[str, threading.Lock] = {}
        self.closed = False

    def token_for(self, user: str) -> str:
        """A token acting as *user* that lives at least RENEW_MARGIN_S longer."""
        if user == self.own_user:
            assert self.admin.token is not None
            return self.admin.token
        with self.lock:
            user_lock = self.user_locks.setdefault(user, threading.Lock())
        with user_lock:
            token, expires = self.current.get(user, ("", 0.0))
            if time.time() < expires - RENEW_MARGIN_S:
                return token
            return self._issue(user)

    def _issue(self, user: str) -> str:
        from pushctl import admin

        expires = time.time() + TOKEN_LIFETIME_S
        try:
            token = admin.issue_acting_token(self.admin, user, int(expires * 1000))
        except admin.AdminApiMissing as exc:
            raise ActingRefused(_login_refused(exc.message)) from None
        except MatrixError as exc:
            if exc.status in (400, 404) and exc.errcode == "M_UNRECOGNIZED":
                raise ActingRefused(_login_refused(exc.message)) from None
            raise
        with self.lock:
            self.issued.setdefault(user, []).append(token)
            self.current[user] = (token, expires)
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
        from pushctl.admin import interrupts_deferred

        with self.lock:
            self.closed = True
            users = list(self.issued)
        with interrupts_deferred():
            for user in users:
                self._revoke(user)

    def _revoke(self, user: str) -> None:
        from pushctl.admin import revoke_acting_token

        with self.lock:
            tokens = self.issued.pop(user, [])
            self.current.pop(user, None)
        for token in tokens:
            problem = revoke_acting_token(self.admin, token)
            if problem and self.on_revoke_failure:
                self.on_revoke_failure(
                    f"could not revoke the temporary token acting for {user} ({problem}); "
                    "it expires by itself within 5 minutes"
                )


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
        from pushctl.executor import perform_change

        user = str(change.pusher["user_id"])
        try:
            self.client.token = self.tokens.token_for(user)
            perform_change(self.client, change)
        finally:
            self.tokens.done(user)


def _perform(writer: ActingWriter, change: Change) -> None:
    writer.perform(change)
