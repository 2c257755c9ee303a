"""Find a user's homeserver from their Matrix ID (client server discovery).

``@alice:example.org`` -> ``GET https://example.org/.well-known/matrix/client``
-> ``{"m.homeserver": {"base_url": "https://matrix.example.org"}}``, then the
base URL is checked with ``GET /_matrix/client/versions``. When the server name
has no ``.well-known`` (404), the server name itself is tried as the homeserver.

The server name is used as written, port included. One rule differs from the
spec, for local test servers: when the server name is a loopback host
(``localhost``, ``127.0.0.1``, ``[::1]``), ``.well-known`` is fetched over plain
http, because nothing leaves the machine. Every other server name is asked over
https only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pushctl.errors import Hint, NetworkError, PushctlError, ServerError, UsageError
from pushctl.homeserver.address import normalise_homeserver
from pushctl.homeserver.ids import server_name
from pushctl.homeserver.sessions import failure_reason, json_body, new_session
from pushctl.pushers.model import is_loopback_host
from pushctl.urls import BadUrl, split_url

WELL_KNOWN = "/.well-known/matrix/client"


def well_known_url(name: str) -> str:
    """Where the server *name* tells clients its homeserver; BadUrl for a name that is no host."""
    host = split_url(f"//{name}").hostname
    scheme = "http" if is_loopback_host(host) else "https"
    return f"{scheme}://{name}{WELL_KNOWN}"


def discover(
    user_id: str, *, allow_insecure_http: bool = False, timeout: float = 10.0, verify: Any = True
) -> str:
    """The homeserver base URL for *user_id*."""

    name = server_name(user_id)
    try:
        url = well_known_url(name)
    except BadUrl as exc:
        raise UsageError(f"{user_id!r}: the server name {exc}", hint=Hint.USER_ID) from None
    session = new_session(verify)
    try:
        base_url = _base_url_from(session, url, timeout)
        if base_url is None:  # no .well-known: the server name may be the homeserver itself
            base_url = url.removesuffix(WELL_KNOWN)
        homeserver = normalise_homeserver(base_url, allow_insecure_http)
        _check_homeserver(session, homeserver, url, timeout)
        return homeserver
    finally:
        session.close()


def _base_url_from(session: Any, url: str, timeout: float) -> str | None:
    response = _get(session, url, timeout, url)
    if response.status_code == 404:
        return None
    if not response.ok:
        raise _failed(url, f"HTTP {response.status_code}")
    try:
        body = json_body(response)
    except ValueError:
        raise _failed(url, "the answer is not JSON") from None
    homeserver = body.get("m.homeserver") if isinstance(body, dict) else None
    base_url = homeserver.get("base_url") if isinstance(homeserver, dict) else None
    if not isinstance(base_url, str) or not base_url.strip():
        raise _failed(url, "no m.homeserver.base_url in the answer")
    return base_url


def _check_homeserver(session: Any, homeserver: str, url: str, timeout: float) -> None:
    versions_url = homeserver + "/_matrix/client/versions"
    response = _get(session, versions_url, timeout, url)
    try:
        body = json_body(response) if response.ok else None
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("versions"), list)):
        raise _failed(
            url, f"{homeserver} does not answer like a Matrix homeserver ({versions_url})"
        )


def _get(session: Any, target: str, timeout: float, url: str) -> Any:
    import requests

    try:
        return session.get(target, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        host = urlsplit(target).netloc
        reason = f"cannot reach {host} ({failure_reason(exc)})"
        raise _failed(url, reason, NetworkError) from None


def _failed(url: str, reason: str, kind: type[PushctlError] = ServerError) -> PushctlError:
    return kind(f"homeserver discovery through {url} failed: {reason}", hint=Hint.DISCOVERY_FAILED)
