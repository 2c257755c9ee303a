"""A private copy of the last listing, so that Tab can offer app IDs and pushkeys.

``pushctl list`` writes the app ID, pushkey and display names of each pusher
to ``$XDG_CACHE_HOME/pushctl/pushers-<profile>.json`` (``~/.cache/pushctl/``
by default). The file is readable by its owner only (a pushkey addresses a
device through its push gateway) and holds no token. Shell completion reads it
and never touches the network.

Standard library only (with :mod:`pushctl.files`), and nothing heavier than ``json``:
it runs at each Tab.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pushctl import files

FORMAT = 1
#: the fields kept per pusher: what completion offers and describes
KEPT_FIELDS = ("app_id", "pushkey", "app_display_name", "device_display_name")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    return files.user_dir(files.XDG_CACHE, os.environ if environ is None else environ)


def cache_path(profile: str, environ: Mapping[str, str] | None = None) -> Path:
    """One file per profile; a profile name that is not a plain file name is hex-encoded."""
    name = profile if _PLAIN_NAME.fullmatch(profile) else "x-" + profile.encode().hex()
    return cache_dir(environ) / f"pushers-{name}.json"


def remember(
    profile: str, pushers: Iterable[Mapping[str, Any]], environ: Mapping[str, str] | None = None
) -> Path:
    """Store *pushers* as the last listing of *profile*; raises OSError when it cannot."""
    import json

    path = cache_path(profile, environ)
    kept = [{k: p[k] for k in KEPT_FIELDS if isinstance(p.get(k), str)} for p in pushers]
    text = json.dumps({"format": FORMAT, "pushers": kept}, ensure_ascii=False)
    if text != _read_private(path):  # the same listing again: leave the file alone
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        files.replace_file(path, text, durable=False)  # a lost cache costs one listing
    return path


def recall(profile: str, environ: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """The last listing of *profile*, or ``[]`` when there is none or it is unusable."""
    import json

    try:
        document = json.loads(_read_private(cache_path(profile, environ)) or "{}")
    except ValueError:
        return []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return []
    entries = document.get("pushers")
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("pushkey"), str)]


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
