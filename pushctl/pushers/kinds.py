"""What pushctl does with each kind of pusher: one spec per kind, read by every command.

A pusher's ``kind`` decides what it must hold and what each command does with
it. Those decisions live here, one :class:`PusherKind` per kind, and nowhere
else: validation (:mod:`pushctl.pushers.model`), ``set``'s defaults, which gateways
``test``, ``prune --rejected`` and ``doctor`` send a test notification to, the
addresses ``doctor`` compares the pushkey with, and which ``data.url``
``fleet list``/``stats``/``health``/``gateways`` and ``fleet move-gateway``
take for the pusher's gateway (the Gateway column of ``list`` shows
``data.url`` for every kind). A kind this version does not know
(the homeserver stores any, e.g. ``org.matrix.msc4174.webpush``) gets
:func:`unknown`: no rules beyond the common fields, no gateway probed.

Pure data: no I/O, and nothing of pushctl imported (everything else may read it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class PusherKind(NamedTuple):
    """What a pusher of one kind must hold, and what each command does with it."""

    name: str
    #: how messages name one pusher of the kind ("an http pusher")
    noun: str
    #: False for a kind this version of pushctl does not know
    known: bool = True
    #: ``data.url`` is a Matrix push gateway's notify URL: required and checked on
    #: ``set``/``import``; ``test``, ``prune --rejected`` and ``doctor`` send it a
    #: test notification (``doctor`` also looks at what answers there)
    push_gateway: bool = False
    #: the ``app_id`` a pusher of the kind must have; ``set`` fills it in
    app_id: str | None = None
    #: what the pushkey must look like (fullmatch), and those words for messages
    pushkey_shape: re.Pattern[str] | None = None
    pushkey_words: str = ""
    #: the pushkey is an address of this 3PID medium: ``doctor`` checks it is one of the account's
    threepid_medium: str | None = None
    #: its ``data.url`` is taken for its gateway by ``fleet list``, ``stats``,
    #: ``health`` and ``gateways``, and rewritten by ``fleet move-gateway``
    #: (``prune --inactive`` and ``delete`` treat every kind alike)
    listed_by_url: bool = True


HTTP = PusherKind("http", "an http pusher", push_gateway=True)
EMAIL = PusherKind(
    "email",
    "an email pusher",
    app_id="m.email",
    pushkey_shape=re.compile(r"[^@\s]+@[^@\s]+"),
    pushkey_words="an email address",
    threepid_medium="email",
)

#: every kind this version knows, in the order help and messages list them
KNOWN: tuple[PusherKind, ...] = (HTTP, EMAIL)
#: the kind of a pusher that names none (``set``, an import file's entry)
DEFAULT = HTTP
NAMES = tuple(kind.name for kind in KNOWN)
_BY_NAME = {kind.name: kind for kind in KNOWN}


def unknown(name: str) -> PusherKind:
    """The spec of a kind pushctl does not know: stored by the homeserver, never probed."""
    return PusherKind(name, f"a {name} pusher", known=False)


def named(name: object) -> PusherKind:
    """The spec of the kind called *name* (any value a server or file may give)."""
    if isinstance(name, str) and name in _BY_NAME:
        return _BY_NAME[name]
    return unknown(str(name))


def of(pusher: Mapping[str, Any]) -> PusherKind:
    """The spec of *pusher*'s kind."""
    return named(pusher.get("kind"))


def gateway_url(pusher: Mapping[str, Any]) -> str | None:
    """The pusher's ``data.url`` where its kind takes that for its gateway; else None.

    The one reader of ``data.url``: a server's pusher may hold anything there.
    """
    if not of(pusher).listed_by_url:
        return None
    data = pusher.get("data")
    url = data.get("url") if isinstance(data, Mapping) else None
    return url if isinstance(url, str) else None


def has_push_gateway(pusher: Mapping[str, Any]) -> bool:
    """True when a test notification may be sent to the pusher's gateway (see ``push_gateway``)."""
    return of(pusher).push_gateway
