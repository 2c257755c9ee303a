"""A private copy of the last listing, so that Tab can offer app IDs and pushkeys.

``pushctl list`` writes the app ID, pushkey and display names of each pusher
to ``$XDG_CACHE_HOME/pushctl/pushers-<profile>.json`` (``~/.cache/pushctl/``
by default). The file is readable by its owner only (a pushkey addresses a
device through its push gateway) and holds no token. Shell completion reads it
and never touches the network. The file also says whose listing it is and
when it was made, so that ``pushctl doctor`` can name pushers that vanished
since (:func:`recall_listing`).

Standard library only (with :mod:`pushctl.files`), and nothing heavier than ``json``:
it runs at each Tab.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pushctl import files

FORMAT = 1
#: the fields kept per pusher: what completion offers and describes
KEPT_FIELDS = ("app_id", "pushkey", "app_display_name", "device_display_name")
#: whose listing it is, when it is the token's own account (else the user ID of ``--user``)
OWN_ACCOUNT = "own"
#: a listing that is the same as the stored one is written again only this much later,
#: to keep the time it was last seen roughly right without a write at each listing
_REFRESH_MS = 3600 * 1000
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    return files.user_dir(files.XDG_CACHE, os.environ if environ is None else environ)


def cache_path(profile: str, environ: Mapping[str, str] | None = None) -> Path:
    """One file per profile; a profile name that is not a plain file name is hex-encoded."""
    name = profile if _PLAIN_NAME.fullmatch(profile) else "x-" + profile.encode().hex()
    return cache_dir(environ) / f"pushers-{name}.json"


class Listing:
    """The last listing of a profile: whose it was, when, and its pushers."""

    # a plain class: a dataclass costs start-up time, and this module runs at each Tab
    __slots__ = ("account", "listed_at_ms", "pushers")

    def __init__(
        self, account: str | None, listed_at_ms: int | None, pushers: list[dict[str, str]]
    ) -> None:
        #: OWN_ACCOUNT, a user ID, or None for a listing written before this was kept
        self.account = account
        self.listed_at_ms = listed_at_ms
        self.pushers = pushers


def remember(
    profile: str,
    pushers: Iterable[Mapping[str, Any]],
    environ: Mapping[str, str] | None = None,
    account: str | None = None,
) -> Path:
    """Store *pushers* as the last listing of *profile*; raises OSError when it cannot.

    *account* is the user ID of ``--user``, or None for the token's own account.
    """
    import json

    path = cache_path(profile, environ)
    kept = [{k: p[k] for k in KEPT_FIELDS if isinstance(p.get(k), str)} for p in pushers]
    whose = account or OWN_ACCOUNT
    now_ms = int(time.time() * 1000)
    before = _document(path)
    if (
        before.get("pushers") == kept
        and before.get("account") == whose
        and isinstance(before.get("listed_at"), int)
        and now_ms - before["listed_at"] < _REFRESH_MS
    ):
        return path  # the same listing again, lately: leave the file alone
    document = {"format": FORMAT, "account": whose, "listed_at": now_ms, "pushers": kept}
    text = json.dumps(document, ensure_ascii=False)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    files.replace_file(path, text, durable=False)  # a lost cache costs one listing
    return path


def recall(profile: str, environ: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """The last listing of *profile*, or ``[]`` when there is none or it is unusable."""
    listing = recall_listing(profile, environ)
    return listing.pushers if listing else []


def recall_listing(profile: str, environ: Mapping[str, str] | None = None) -> Listing | None:
    """The last listing of *profile* with whose and when, or None when there is none."""
    document = _document(cache_path(profile, environ))
    entries = document.get("pushers")
    if not isinstance(entries, list):
        return None
    account = document.get("account")
    listed_at = document.get("listed_at")
    return Listing(
        account if isinstance(account, str) else None,
        listed_at if isinstance(listed_at, int) and not isinstance(listed_at, bool) else None,
        [e for e in entries if isinstance(e, dict) and isinstance(e.get("pushkey"), str)],
    )


def _document(path: Path) -> dict[str, Any]:
    """The cache file's JSON object, or {} when it is missing, not ours or unusable."""
    import json

    try:
        document = json.loads(_read_private(path) or "{}")
    except (ValueError, RecursionError):
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}
    return document


def _read_private(path: Path) -> str:
    """The file's text if it is ours and readable by us alone, else ""."""
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and status.st_uid != os.getuid():
                return ""  # not ours: do not offer what someone else wrote
            if status.st_mode & 0o077:
                return ""  # loosened: rewrite it private
            return handle.read().decode("utf-8")
    except (OSError, ValueError):
        return ""
