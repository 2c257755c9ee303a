"""The one way pushctl takes apart a URL it did not write itself.

URLs come from flags, import files, the profiles file, the homeserver (each
pusher's ``data.url``) and ``.well-known`` answers. :func:`urllib.parse.urlsplit`
raises ``ValueError`` for some of them (``http://[::1/``, a port that is not a
number, a host that NFKC normalisation turns into ``/``) and reading ``.port``
raises for others. :func:`split_url` checks all of it at once and raises
:class:`BadUrl`, whose message says what is wrong in words that follow the
field's name: ``data.url has unmatched [ ] around its host``.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


class BadUrl(ValueError):
    """A URL that cannot be taken apart; ``str()`` is why, starting with a verb."""


def split_url(url: str) -> SplitResult:
    """*url* in parts, its port (if any) a number from 1 to 65535; :class:`BadUrl` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadUrl(_reason(str(exc))) from None
    if port == 0:
        raise BadUrl("has an invalid port")
    if "[" in parts.netloc and not _ends_after_bracket(parts.netloc):
        raise BadUrl("has something other than a port after the ] of its host")
    return parts


def split_or_none(url: str) -> SplitResult | None:
    """*url* in parts, or None where :func:`split_url` refuses it."""
    try:
        return split_url(url)
    except BadUrl:
        return None


def hostname(url: str) -> str | None:
    """The host of *url* (lower case, no brackets), or None: none, or not a URL."""
    parts = split_or_none(url)
    return parts.hostname if parts else None


def _ends_after_bracket(netloc: str) -> bool:
    after = netloc.rpartition("]")[2]
    return after == "" or after.startswith(":")


def _reason(error: str) -> str:
    if error == "Invalid IPv6 URL":
        return "has unmatched [ ] around its host"
    if error.startswith("Port"):
        return "has an invalid port"
    if "IPv4 or IPv6 address" in error:
        return "has something other than an IP address between [ ]"
    if "NFKC" in error:
        return "has a host holding characters that stand for URL delimiters (under NFKC)"
    return "cannot be read as a URL"
