"""Matrix user IDs: the one pattern pushctl accepts, and the server name in it.

A user ID is ``@localpart:server_name``; the server name is a host, with an
optional port (``@alice:example.org:8448``), so it never holds ``/``, ``?``,
``#`` or ``@``. Pure code, cheap to import: ``--user`` is checked with it
while the command line is parsed.
"""

from __future__ import annotations

import re

from pushctl.errors import Hint, UsageError

# patterns are compiled at first use (re's cache), not at import: every run pays for those
USER_ID = r"@[^:\s]+:(?P<server>[^\s/?#@]+)"


def check_user_id(user_id: str) -> str:
    """A full Matrix user ID such as ``@bob:example.org``; exit 2 otherwise."""
    user_id = user_id.strip()
    if not re.fullmatch(USER_ID, user_id):
        raise UsageError(
            f"{user_id!r}: expected a full Matrix user ID such as @bob:example.org",
            hint=Hint.USER_ID,
        )
    return user_id


def server_name(user_id: str) -> str:
    """The server name of a full Matrix user ID (``@alice:example.org`` -> ``example.org``)."""
    match = re.fullmatch(USER_ID, user_id)
    if not match:
        raise UsageError(
            f"{user_id!r} is not a Matrix user ID like @alice:example.org", hint=Hint.USER_ID
        )
    return match["server"]


def same_user(given: str, user_id: str) -> bool:
    """Whether *user_id* (a server's answer) is the user someone named as *given*.

    A full ID must match exactly. A bare localpart (``alice``) names no server,
    so it matches the localpart of *user_id* on any server; ``alice:example.org``
    is read as ``@alice:example.org``.
    """
    given = given.strip()
    if given.startswith("@") or ":" in given:
        return given.removeprefix("@") == user_id.removeprefix("@") and user_id.startswith("@")
    localpart, colon, _ = user_id.removeprefix("@").partition(":")
    return user_id.startswith("@") and bool(colon) and localpart == given
