"""A homeserver's address and the paths of its API: what a URL may be, how an ID is quoted.

No requests here: settings and login check an address before any session exists.
"""

from __future__ import annotations

from urllib.parse import quote

from pushctl.errors import Hint, UsageError
from pushctl.pushers.model import is_loopback_host
from pushctl.urls import BadUrl, split_url


def normalise_homeserver(url: str, allow_insecure_http: bool = False) -> str:
    """A homeserver base URL without trailing slash, refusing unsafe ones."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        parts = split_url(url)
    except BadUrl as exc:
        raise UsageError(f"homeserver URL {url!r} {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"homeserver URL {url!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username:
        raise UsageError("homeserver URL must not contain a query, fragment or user info")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: the access token would cross the network "
            "unencrypted; use https://",
            hint=Hint.INSECURE_HOMESERVER,
        )
    return url.rstrip("/")


def user_path(user_id: str) -> str:
    return quote(user_id, safe="")
