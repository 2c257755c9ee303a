"""A private copy of each account's last listing, so that Tab can offer app IDs and pushkeys.

``pushctl list`` keeps the app ID, pushkey and display names of each pusher in
``$XDG_CACHE_HOME/pushctl/pushers.json`` (``~/.cache/pushctl/`` by default),
one listing per account: per homeserver and user ID, whichever profile or
token listed it. The file also says, per profile, whose account the profile's
token last listed as its own: Tab offers that account's listing, or the
listing of ``--user``. Each listing says when it was made, so that
``pushctl doctor`` can name the account's pushers that vanished since
(:func:`recall_listing`); pushers pushctl deleted itself are forgotten
(:func:`forget`), as they did not vanish.

The file is readable by its owner only (a pushkey addresses a device through
its push gateway) and holds no token. Shell completion reads it and never
touches the network. A file of an older format (``pushers-<profile>.json``,
kept per profile and not per account) is not read.

Standard library only (with :mod:`pushctl.files`), and nothing heavier than ``json``:
it runs at each Tab.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pushctl import files
from pushctl.errors import PushctlError

if TYPE_CHECKING:
    from pushctl.pushers.plan import Change

FORMAT = 2
CACHE_NAME = "pushers.json"
#: the fields kept per pusher: what completion offers and describes
KEPT_FIELDS = ("app_id", "pushkey", "app_display_name", "device_display_name")
#: listings kept at most; the ones made longest ago go first
MAX_LISTINGS = 200
#: a listing that is the same as the stored one is written again only this much later,
#: to keep the time it was last seen roughly right without a write at each listing
_REFRESH_MS = 3600 * 1000


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    return files.user_dir(files.XDG_CACHE, os.environ if environ is None else environ)


def cache_path(environ: Mapping[str, str] | None = None) -> Path:
    return cache_dir(environ) / CACHE_NAME


def account_key(homeserver: str) -> str:
    """The homeserver as the cache names it: no trailing slash, scheme and host in lower case."""
    scheme, _, rest = homeserver.rstrip("/").partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


class Listing:
    """The last listing of one account: whose it was, when, and its pushers."""

    # a plain class: a dataclass costs start-up time, and this module runs at each Tab
    __slots__ = ("homeserver", "listed_at_ms", "pushers", "user_id")

    def __init__(
        self, homeserver: str, user_id: str, listed_at_ms: int, pushers: list[dict[str, str]]
    ) -> None:
        self.homeserver = homeserver
        self.user_id = user_id
        self.listed_at_ms = listed_at_ms
        self.pushers = pushers


def remember(
    homeserver: str,
    user_id: str,
    pushers: Iterable[Mapping[str, Any]],
    environ: Mapping[str, str] | None = None,
    *,
    profile: str | None = None,
) -> Path:
    """Store *pushers* as the last listing of *user_id* on *homeserver*; OSError when it cannot.

    *profile* names the profile whose token's own account this is (not for ``--user``).
    """
    kept = [{k: p[k] for k in KEPT_FIELDS if isinstance(p.get(k), str)} for p in pushers]
    server = account_key(homeserver)
    now_ms = int(time.time() * 1000)
    with _changing(environ) as document:
        listings = [e for e in document["listings"] if not _is(e, server, user_id)]
        before = _find(document, server, user_id)
        owner = {"homeserver": server, "user_id": user_id}
        unchanged_owner = profile is None or document["profiles"].get(profile) == owner
        if (
            before is not None
            and before.pushers == kept
            and now_ms - before.listed_at_ms < _REFRESH_MS
            and unchanged_owner
        ):
            raise _Unchanged  # the same listing again, lately: leave the file alone
        entry = {"homeserver": server, "user_id": user_id, "listed_at": now_ms, "pushers": kept}
        document["listings"] = [entry, *listings][:MAX_LISTINGS]
        if profile is not None:
            document["profiles"][profile] = owner
    return cache_path(environ)


def forget(
    homeserver: str,
    user_id: str,
    keys: Iterable[tuple[str, str]],
    environ: Mapping[str, str] | None = None,
) -> None:
    """Drop pushers (``(app_id, pushkey)``) from the account's listing; OSError when it cannot.

    For pushers pushctl deleted itself: they did not vanish.
    """
    gone = set(keys)
    server = account_key(homeserver)
    if _find(_document(cache_path(environ)), server, user_id) is None:
        return  # nothing to forget: no write, no lock
    with _changing(environ) as document:
        for entry in document["listings"]:
            if _is(entry, server, user_id):
                kept = [p for p in entry["pushers"] if _key(p) not in gone]
                if len(kept) == len(entry["pushers"]):
                    raise _Unchanged
                entry["pushers"] = kept


class Whose:
    """Whose pushers a run writes, so that the pushers it deletes leave their listing.

    *user_id* is asked for only once a deletion went through (it may cost a
    request); None means each pusher's own ``user_id`` (a fleet run).
    """

    __slots__ = ("environ", "homeserver", "user_id")

    def __init__(
        self,
        homeserver: str,
        user_id: Callable[[], str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.homeserver = homeserver
        self.user_id = user_id
        self.environ = environ

    def forget(self, deleted: Iterable[Change]) -> None:
        """Forget *deleted* (see :func:`forget`); a cache that cannot change is only traced."""
        server = account_key(self.homeserver)
        if not _listings(_document(cache_path(self.environ)), lambda e: e["homeserver"] == server):
            return  # nothing to forget, and no need to ask whose pushers they were
        try:
            by_user: dict[str, list[tuple[str, str]]] = {}
            for change in deleted:
                user = self.user_id() if self.user_id else change.pusher.get("user_id")
                if isinstance(user, str):
                    by_user.setdefault(user, []).append(change.key)
            for user, keys in by_user.items():
                forget(self.homeserver, user, keys, self.environ)
        except (OSError, PushctlError) as exc:
            import logging

            logging.getLogger("pushctl.listing_cache").info("cannot update the cache: %s", exc)


def recall_listing(
    homeserver: str, user_id: str, environ: Mapping[str, str] | None = None
) -> Listing | None:
    """The last listing of *user_id* on *homeserver*, or None when there is none."""
    return _find(_document(cache_path(environ)), account_key(homeserver), user_id)


def recall(
    profile: str, user_id: str | None = None, environ: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """What Tab offers: the pushers of *user_id* (``--user``), else of *profile*'s own account.

    The homeserver is the one *profile* last listed its own account on; for a
    *user_id* that no profile's listing places, that user's latest listing.
    ``[]`` when there is none or the file is unusable.
    """
    document = _document(cache_path(environ))
    owner = _profiles(document).get(profile)
    owner = owner if isinstance(owner, dict) else {}
    server, own = owner.get("homeserver"), owner.get("user_id")
    wanted = user_id or own
    if not isinstance(wanted, str):
        return []
    if isinstance(server, str):
        listing = _find(document, server, wanted)
    else:
        listing = next(iter(_listings(document, lambda entry: entry["user_id"] == wanted)), None)
    return listing.pushers if listing else []


# -- the file --------------------------------------------------------------------


class _Unchanged(Exception):
    """Raised inside :func:`_changing` when there is nothing to write."""


@contextmanager
def _changing(environ: Mapping[str, str] | None) -> Iterator[dict[str, Any]]:
    """The cache's document, to change in place; written back under a lock when the block ends.

    The lock keeps two pushctl runs from each writing back their own view and
    losing the other's change (a forgotten pusher coming back would be
    reported as vanished).
    """
    path = cache_path(environ)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(path.with_name(CACHE_NAME + ".lock")):
        document = _document(path)
        document = {
            "format": FORMAT,
            "profiles": _profiles(document),
            "listings": [_entry(e) for e in _raw_listings(document) if _entry(e) is not None],
        }
        try:
            yield document
        except _Unchanged:
            return
        import json

        files.replace_file(path, json.dumps(document, ensure_ascii=False), durable=False)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the file is closed
        yield
    finally:
        os.close(fd)


def _find(document: Mapping[str, Any], server: str, user_id: str) -> Listing | None:
    found = _listings(document, lambda entry: _is(entry, server, user_id))
    return found[0] if found else None


def _listings(document: Mapping[str, Any], wanted: Any) -> list[Listing]:
    """The usable listings *wanted* picks, the latest first."""
    entries = [e for raw in _raw_listings(document) if (e := _entry(raw)) and wanted(e)]
    entries.sort(key=lambda e: -e["listed_at"])
    return [Listing(e["homeserver"], e["user_id"], e["listed_at"], e["pushers"]) for e in entries]


def _raw_listings(document: Mapping[str, Any]) -> list[Any]:
    listings = document.get("listings")
    return listings if isinstance(listings, list) else []


def _entry(raw: Any) -> dict[str, Any] | None:
    """One listing of the file, its pushers cleaned, or None when it is unusable."""
    if not isinstance(raw, dict):
        return None
    server, user, listed_at, pushers = (
        raw.get(k) for k in ("homeserver", "user_id", "listed_at", "pushers")
    )
    if not (isinstance(server, str) and isinstance(user, str) and isinstance(pushers, list)):
        return None
    if not isinstance(listed_at, int) or isinstance(listed_at, bool):
        return None
    kept = [p for p in pushers if isinstance(p, dict) and isinstance(p.get("pushkey"), str)]
    return {"homeserver": server, "user_id": user, "listed_at": listed_at, "pushers": kept}


def _profiles(document: Mapping[str, Any]) -> dict[str, Any]:
    profiles = document.get("profiles")
    return dict(profiles) if isinstance(profiles, dict) else {}


def _is(entry: Mapping[str, Any], server: str, user_id: str) -> bool:
    return entry.get("homeserver") == server and entry.get("user_id") == user_id


def _key(pusher: Mapping[str, Any]) -> tuple[Any, Any]:
    return pusher.get("app_id"), pusher.get("pushkey")


def _document(path: Path) -> dict[str, Any]:
    """The cache file's JSON object, or {} when it is missing, not ours or unusable."""
    return files.read_private_document(path, FORMAT)
