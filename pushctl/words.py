"""How pushctl words counts: the one pluraliser of its messages."""

from __future__ import annotations


def plural(number: int, noun: str) -> str:
    """``1 pusher``, ``2 pushers``: *number* and *noun*, with an ``s`` unless it is one.

    Every noun pushctl counts takes an ``s`` (pusher, change, gateway, user, error).
    """
    return f"{number} {noun}" + ("" if number == 1 else "s")
