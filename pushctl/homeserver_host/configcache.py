"""What pushctl last read from Synapse's configuration, so that unchanged files are not read again.

Reading the YAML costs more than the rest of a ``fleet list --json`` run
(importing PyYAML alone compiles a large regular expression). So
:func:`pushctl.homeserver_host.config.load` keeps what it read from the files
(the server name, the database: its engine, connection arguments and the key
it came from, and the IP block and allow lists) in
``$XDG_CACHE_HOME/pushctl/synapse-config.json`` (``~/.cache/pushctl/`` by
default): one entry per set of files, at most :data:`MAX_ENTRIES`, the latest
first; readable by its owner only and replaced whole, never half-written.

An entry is found by the files the given paths stand for (a directory is
still listed at every run, so a new ``*.yaml`` in it is seen), each with its
absolute path and ``os.stat`` signature: device, inode, size, modification
and change times in nanoseconds; and by the working directory, from which
Synapse opens a relative SQLite path. Any difference is a miss, and the files
are parsed again. The change time cannot be set back: a file edited to the
same size, its modification time restored, is still a miss. A file changed
less than :data:`SETTLED_NS` before it was read is not kept, since a second
change within the same tick of the filesystem's clock would leave the same
signature.

No secret is kept. An entry is written only when the database's connection
arguments hold no value the config module counts as a secret (with a
PostgreSQL password, say, the files are parsed at every run). The other
secrets of the configuration (``macaroon_secret_key``, ``form_secret``, ...)
are not part of what is kept, and a run that finds its entry reads none of
them.

A cache file that is missing, unreadable, not the user's own, readable by
others, corrupt or of another format is ignored, and one that cannot be
written is left as it is: either way the run parses the YAML as it would
without a cache, and says nothing.

Standard library only (with :mod:`pushctl.files`): a run that finds its entry
loads neither yaml nor dataclasses.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

from pushctl import files

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

FORMAT = 1
CACHE_NAME = "synapse-config.json"
#: sets of files remembered at most; the one stored longest ago goes first
MAX_ENTRIES = 16
#: how long ago a file must have changed to be kept (coarser than any filesystem's clock)
SETTLED_NS = 1_000_000_000


def cache_path(environ: Mapping[str, str]) -> Path:
    return files.user_dir(files.XDG_CACHE, environ) / CACHE_NAME


def signature(paths: Sequence[Path]) -> dict[str, Any] | None:
    """The key of an entry for *paths*; None when one of them cannot be looked at."""
    try:
        found = []
        for path in paths:
            absolute = os.path.abspath(path)
            status = os.stat(absolute)
            found.append(
                [absolute, status.st_dev, status.st_ino, status.st_size,
                 status.st_mtime_ns, status.st_ctime_ns]
            )  # fmt: skip
        return {"cwd": os.getcwd(), "files": found}
    except (OSError, ValueError):
        return None


def recall(key: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any] | None:
    """What was kept under *key*, or None."""
    for entry in _entries(files.read_private_document(cache_path(environ), FORMAT)):
        if entry["key"] == key:
            return entry["config"] if _usable(entry["config"]) else None
    return None


def remember(key: Mapping[str, Any], config: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """Keep *config* (JSON values, no secret) under *key*, unless a file changed just now."""
    now = time.time_ns()
    if any(now - file[5] < SETTLED_NS for file in key["files"]):
        return
    try:
        if json.loads(json.dumps(config, allow_nan=False)) != config:
            return  # not plain JSON (say, numbers as keys): it would come back different
    except (TypeError, ValueError):
        return
    path = cache_path(environ)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        kept = _entries(files.read_private_document(path, FORMAT))
        others = [e for e in kept if not _same_paths(e["key"], key)]
        entries = [{"key": dict(key), "config": dict(config)}, *others][:MAX_ENTRIES]
        text = json.dumps({"format": FORMAT, "entries": entries})
        files.replace_file(path, text, durable=False)
    except (OSError, ValueError, TypeError):
        pass  # a cache: the next run parses the files again


def _same_paths(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two keys name the same files: the older entry can never be found again."""

    def named(key: Mapping[str, Any]) -> list[Any]:
        return [key.get("cwd"), [file[0] for file in key["files"]]]

    return named(one) == named(other)


def _entries(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entries of the file whose key and value have the right shape."""
    entries = document.get("entries")
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and _key_shaped(e.get("key"))
            and isinstance(e.get("config"), dict)]  # fmt: skip


def _key_shaped(key: Any) -> bool:
    if not isinstance(key, dict) or not isinstance(key.get("files"), list):
        return False
    return all(
        isinstance(file, list) and len(file) == 6 and isinstance(file[0], str)
        and all(isinstance(n, int) for n in file[1:])
        for file in key["files"]
    )  # fmt: skip


def _usable(config: Mapping[str, Any]) -> bool:
    database = config.get("database")
    blocklist = config.get("ip_blocklist")
    return (
        isinstance(config.get("server_name"), str)
        and bool(config["server_name"])
        and isinstance(database, dict)
        and isinstance(database.get("engine"), str)
        and isinstance(database.get("args"), dict)
        and isinstance(database.get("key"), str)
        and (blocklist is None or _strings(blocklist))
        and _strings(config.get("ip_allowlist"))
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
