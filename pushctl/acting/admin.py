"""The Synapse admin API: another user's pushers and devices, and acting for them.

A server admin reads a user's pushers and devices through ``/_synapse/admin``.
Writes go through the ordinary client API with a short-lived token that acts
as the user (``POST /_synapse/admin/v1/users/<user>/login``). That token
creates no device for the user, lives in memory only, is registered as a
secret so it never reaches any output, and is revoked with ``/logout`` when
the work is done, also after an error or Ctrl-C (see :func:`acting_for`).

Which way a command goes (own account, this admin API, or an application
service's identity assertion) is decided in :mod:`pushctl.acting.target`.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pushctl.errors import (
    AuthError,
    Hint,
    MatrixError,
    PushctlError,
    ServerError,
    register_secret,
)
from pushctl.homeserver.address import user_path
from pushctl.homeserver.answers import parse_pushers
from pushctl.homeserver.retry import RetryPolicy
from pushctl.pushers.model import Pusher

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

ADMIN_PREFIX = "/_synapse/admin"
#: OAuth 2.0 server metadata: served when Matrix Authentication Service is in front (MSC3861)
AUTH_METADATA = "/_matrix/client/v1/auth_metadata"
#: How long an acting token may live; it is revoked as soon as the command ends.
ACTING_TOKEN_LIFETIME_S = 5 * 60


class AdminApiMissing(PushctlError):
    """The homeserver has no (reachable) Synapse admin API."""


class UnknownUser(PushctlError):
    """The homeserver has no such user, or the user is not one of its own."""


# -- reading -------------------------------------------------------------------


def user_pushers(client: Client, user_id: str) -> list[Pusher]:
    """The user's pushers with ``device_id`` and ``enabled``, exactly as Synapse gives them."""

    body = _admin(client, "GET", f"/v1/users/{_quoted(user_id)}/pushers", user_id)
    return parse_pushers(body)


def user_devices(client: Client, user_id: str) -> list[dict[str, Any]]:
    """The user's devices with ``display_name`` and ``last_seen_ts``."""
    body = _admin(client, "GET", f"/v2/users/{_quoted(user_id)}/devices", user_id)
    devices = body.get("devices") if isinstance(body, dict) else None
    if not isinstance(devices, list):
        raise ServerError("homeserver answered the admin devices request without a device list")
    return [d for d in devices if isinstance(d, dict)]


def account_state(client: Client, user_id: str) -> dict[str, Any]:
    """The user's account as ``GET /_synapse/admin/v2/users/<user>`` shows it.

    Among its fields: ``deactivated`` and ``locked`` (booleans; ``locked`` is
    missing on Synapse before 1.93).
    """
    body = _admin(client, "GET", f"/v2/users/{_quoted(user_id)}", user_id)
    if not isinstance(body, dict):
        raise ServerError("homeserver answered the admin user request without a user object")
    return body


# -- acting for a user ---------------------------------------------------------


def behind_mas(client: Client) -> str | None:
    """The issuer when the homeserver delegates authentication to Matrix Authentication
    Service (its ``auth_metadata`` names one), else None.

    Synapse then turns off the admin login as a user that acting goes through.
    The one test of it: an answer must be OAuth 2.0 metadata, which always names
    its ``issuer``; any refusal or other answer means plain Synapse login.
    """
    try:
        metadata = client.request("GET", AUTH_METADATA, auth=False)
    except PushctlError:
        return None
    issuer = metadata.get("issuer") if isinstance(metadata, dict) else None
    return str(issuer) if issuer else None


@contextmanager
def acting_for(
    client: Client,
    user_id: str,
    *,
    lifetime_s: float | None = None,
    on_revoke_failure: Callable[[str], None] | None = None,
) -> Iterator[Client]:
    """A client acting as *user_id* through a short-lived admin login token.

    *client* must carry a Synapse server admin's token. The acting token is
    revoked when the block ends, however it ends; if revoking fails,
    *on_revoke_failure* hears why (the token then expires by itself after
    *lifetime_s*, default :data:`ACTING_TOKEN_LIFETIME_S`). A run that outlives
    a token gets a new one (see :class:`TokenKeeper`). When *user_id* is the
    admin's own account, *client* itself is used: Synapse refuses an admin login
    as oneself.
    """
    if client.whoami().get("user_id") == user_id:
        yield client
        return
    tokens = TokenKeeper(client, user_id, lifetime_s)
    acting: Client | None = None
    try:
        # An interrupt while the token is being issued waits until we hold it,
        # so that the `finally` below can revoke it.
        with interrupts_deferred():
            acting = client.with_token(tokens.current())
        acting.token_source = tokens.current
        yield acting
    finally:
        if acting is not None:
            acting.close()
        with interrupts_deferred():
            tokens.revoke_all(on_revoke_failure)


class TokenKeeper:
    """The acting tokens for one user: a new one before the last expires; all revoked.

    The one keeper of acting tokens (``--user`` commands and ``fleet`` writes).
    A long run (an admin import of thousands of pushers) outlives one token:
    each request asks :meth:`current`, which issues a fresh token once less
    than a third of the last one's life is left. A third, not a fixed margin:
    it scales with the lifetime, and at five minutes its 100 s outlast a write
    and its retries. Earlier tokens stay valid for the requests still using
    them and are revoked with the last at the end.
    """

    def __init__(self, client: Client, user_id: str, lifetime_s: float | None = None) -> None:
        self.client = client
        self.user_id = user_id
        self.lifetime_s = lifetime_s or ACTING_TOKEN_LIFETIME_S
        self.issued: list[tuple[str, float]] = []  # (token, when it expires: time.time())
        self.lock = threading.Lock()

    def current(self) -> str:
        with self.lock:
            if not self.issued or time.time() > self.issued[-1][1] - self.lifetime_s / 3:
                expires = time.time() + self.lifetime_s
                token = issue_acting_token(self.client, self.user_id, int(expires * 1000))
                self.issued.append((token, expires))
            return self.issued[-1][0]

    def revoke_all(self, on_revoke_failure: Callable[[str], None] | None) -> None:
        with self.lock:
            issued, self.issued = self.issued, []
        for token, expires in issued:
            problem = revoke_acting_token(self.client, token)
            if problem and on_revoke_failure:
                expiry = time.strftime("%H:%M:%S UTC", time.gmtime(expires))
                on_revoke_failure(
                    f"could not revoke the temporary token acting for {self.user_id} "
                    f"({problem}); it expires by itself at {expiry}"
                )


def issue_acting_token(client: Client, user_id: str, valid_until_ms: int) -> str:
    """A token acting as *user_id* until *valid_until_ms*; the caller revokes it."""
    return _issue_token(client, user_id, valid_until_ms)


def revoke_acting_token(client: Client, token: str) -> str | None:
    """Log *token* out through a copy of *client*; None on success, else what went wrong."""
    acting = client.with_token(token)
    try:
        return _revoke(acting)
    finally:
        acting.close()


#: users per page of ``GET /_synapse/admin/v2/users``
USERS_PAGE = 500


def local_users(client: Client, page_size: int | None = None) -> list[str]:
    """Every local user that is not deactivated, by name, each once (paginated).

    Synapse's ``next_token`` is an offset into the list ordered by name, not a
    stable cursor: a user deactivated or created meanwhile shifts every later
    user by one place. So each page starts one user before the offset given,
    and a page must begin at or before the last name already read (it is then
    a contiguous stretch of the list as it is now); one that begins after it,
    or comes back empty, means users before it went away, and the reading
    steps back a page. Names sort by code point (Synapse requires the C
    collation), as Python compares strings.
    """
    size = page_size or USERS_PAGE
    names: set[str] = set()
    last: str | None = None
    start: str | None = "0"
    while start is not None:
        page, token = _users_page(client, start, size)
        offset = _offset(start)
        if last is not None and offset and (not page or page[0] > last):
            start = str(max(0, offset - size))
            continue
        names.update(page)
        last = max([*page, last or ""])
        start = _next_start(token, size) if page else None
    return sorted(names)


def _users_page(client: Client, start: str, size: int) -> tuple[list[str], Any]:
    query = f"/v2/users?from={quote(start)}&limit={size}&deactivated=false&order_by=name&dir=f"
    body = _admin(client, "GET", query, "")
    page = body.get("users") if isinstance(body, dict) else None
    if not isinstance(page, list):
        raise ServerError("homeserver answered the admin users request without a user list")
    names = [u["name"] for u in page if isinstance(u, dict) and isinstance(u.get("name"), str)]
    return names, body.get("next_token")


def _offset(start: str) -> int | None:
    return int(start) if start.isdecimal() else None


def _next_start(token: Any, size: int) -> str | None:
    """Where the next page starts: one before Synapse's offset, so the pages overlap."""
    if token is None:
        return None
    offset = _offset(str(token))
    if offset is None:
        return str(token)  # not an offset: the server's own cursor, used as given
    return str(max(0, offset - 1)) if size > 1 else str(offset)


def _issue_token(client: Client, user_id: str, valid_until_ms: int) -> str:
    body = _admin(
        client,
        "POST",
        f"/v1/users/{_quoted(user_id)}/login",
        user_id,
        body={"valid_until_ms": valid_until_ms},
        idempotent=False,
    )
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ServerError("homeserver answered the admin login without an access token")

    register_secret(token)
    return token


def _revoke(acting: Client) -> str | None:
    """Log the acting token out; None on success, else what went wrong."""

    acting.retry = RetryPolicy(retries=1)
    acting.timeout = (5.0, 10.0)
    try:
        acting.logout()
    except MatrixError as exc:
        if exc.status == 401:
            return None  # already expired or revoked: gone either way
        return exc.message
    except PushctlError as exc:
        return exc.message
    return None


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back during the block and deliver it afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


# -- errors --------------------------------------------------------------------


def _admin(
    client: Client,
    method: str,
    path: str,
    user_id: str,
    *,
    body: Any = None,
    idempotent: bool = True,
) -> Any:
    """One admin API request, its refusals turned into messages a person understands."""
    try:
        return client.request(method, ADMIN_PREFIX + path, body=body, idempotent=idempotent)
    except MatrixError as exc:
        raise _explain(exc, user_id) from None
    except ServerError as exc:
        if exc.status in (404, 405):
            raise _no_admin_api(f"HTTP {exc.status} without a Matrix error") from None
        if exc.status == 403:
            raise AuthError(
                "the Synapse admin API is blocked (HTTP 403 without a Matrix error, probably a "
                "reverse proxy in front of /_synapse/admin)"
            ) from None
        raise


def _explain(exc: MatrixError, user_id: str) -> PushctlError:
    if exc.errcode == "M_UNRECOGNIZED" or (exc.status == 405):
        return _no_admin_api(f"{exc.errcode}: {exc.error}")
    if exc.status == 403:
        return AuthError(
            f"this account is not a Synapse server admin ({exc.errcode}: {exc.error})",
            advice="; acting for another user needs one",
            hint=Hint.NEEDS_SERVER_ADMIN,
        )
    if exc.status == 404 and exc.errcode == "M_NOT_FOUND":
        return UnknownUser(f"no user {user_id} on this homeserver")
    if exc.status == 400 and "local user" in exc.error.lower():
        return UnknownUser(
            f"{user_id} is not a user of this homeserver: the admin API acts only for "
            "the server's own (local) users"
        )
    return exc


#: what acting through the admin API needs, however a front end names that way of acting
NEEDS_ADMIN_API = "needs Synapse with /_synapse/admin reachable (reverse proxies often block it)"


def _no_admin_api(detail: str) -> AdminApiMissing:
    return AdminApiMissing(
        f"the homeserver does not offer the Synapse admin API ({detail})",
        advice=f": acting for another user {NEEDS_ADMIN_API}",
        hint=Hint.NO_ADMIN_API,
        needs=NEEDS_ADMIN_API,
    )


def _quoted(user_id: str) -> str:

    return user_path(user_id)
