"""Synapse's database, only ever read.

SQLite through the standard library, opened with a ``mode=ro`` URI; when no
``-wal`` file lies beside the database (Synapse is stopped, or never wrote
since its last checkpoint) also ``immutable=1``, since a read-only connection
to a WAL database would otherwise create ``-wal`` and ``-shm`` files beside it
and leave them there. PostgreSQL through psycopg 3 (the ``synapse`` extra), in
a read-only transaction. Writes always go through the APIs: Synapse keeps
pushers in memory too.

The reads mirror Synapse's own queries: the users the admin API lists
(``synapse/storage/databases/main/__init__.py``: not deactivated, not locked,
by name) and their pushers as ``PusherConfig.as_dict`` gives them
(``synapse/push/__init__.py``), with the columns no API returns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from urllib.parse import quote

from pushctl.errors import AuthError
from pushctl.homeserver_host.config import POSTGRES, Database

#: the oldest schema with every column read here (users.locked came in 80;
#: pushers.enabled and pushers.device_id in 73)
MIN_SCHEMA_VERSION = 80
EXTRA_HINT = "pip install 'pushctl[synapse]'"
#: rows fetched in each round trip of a PostgreSQL server-side cursor
ROWS_AT_ONCE = 5000

_PUSHER_COLUMNS = (
    "p.user_name, p.app_display_name, p.app_id, p.data, p.device_display_name, p.kind, "
    "p.lang, p.profile_tag, p.pushkey, COALESCE(p.enabled, TRUE), p.device_id, "
    "p.failing_since, p.last_success, p.access_token IS NOT NULL"
)
_LISTED_USER = "u.deactivated = 0 AND u.locked IS FALSE"


class DatabaseUnusable(AuthError):
    """The database cannot be opened or read as Synapse's (exit 4)."""


class StoredPusher(NamedTuple):
    """One row of Synapse's ``pushers`` table."""

    #: as the admin API returns it, with ``user_id`` added as ``fleet list`` does
    pusher: dict[str, Any]
    failing_since: int | None
    last_success: int | None
    #: set through an access token (old pushers, before device IDs were kept)
    has_token: bool

    @property
    def has_device(self) -> bool:
        return self.pusher.get("device_id") is not None or self.has_token


class Reader:
    """One read-only connection; SQL is written with ``?`` placeholders."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self.connection = connection
        self.placeholder = placeholder

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.each_row(sql, params))

    def each_row(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows a few thousand at a time, never all of them held at once.

        On PostgreSQL a server-side cursor, so that neither libpq nor Python
        holds the whole result (100,000 pushers: about 100 MiB).
        """
        named = {"name": "pushctl_rows"} if self.placeholder == "%s" else {}
        cursor = self.connection.cursor(**named)
        try:
            if named:
                cursor.itersize = ROWS_AT_ONCE
            cursor.execute(sql.replace("?", self.placeholder), tuple(params))
            yield from cursor
        finally:
            cursor.close()


@contextmanager
def opened(database: Database) -> Iterator[Reader]:
    """A read-only :class:`Reader` on *database*, its schema checked."""
    connection, placeholder = _connect(database)
    try:
        reader = Reader(connection, placeholder)
        check_schema(reader, database)
        yield reader
    finally:
        _close(connection)


def _connect(database: Database) -> tuple[Any, str]:
    if database.engine == POSTGRES:
        return _connect_postgres(database), "%s"
    return _connect_sqlite(database), "?"


def _unopenable(database: Database, why: object) -> DatabaseUnusable:
    reason = str(why).strip().splitlines()[0] if str(why).strip() else type(why).__name__
    return DatabaseUnusable(
        f"cannot open the Synapse database ({database.key}: {database.where}): {reason}"
    )


def _connect_sqlite(database: Database) -> Any:
    import sqlite3

    path = str(database.args["database"])
    if not os.path.isfile(path):
        raise _unopenable(database, "no such file")
    immutable = "" if os.path.exists(path + "-wal") else "&immutable=1"
    uri = f"file:{quote(path)}?mode=ro{immutable}"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise _unopenable(database, exc) from None
    return connection


def _connect_postgres(database: Database) -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseUnusable(
            f"the Synapse database ({database.key}: {database.where}) is PostgreSQL, which "
            f"needs pushctl's synapse extra: {EXTRA_HINT}"
        ) from None
    args = {"connect_timeout": 10, **database.args, "application_name": "pushctl"}
    try:
        connection = psycopg.connect(**args)
        connection.read_only = True  # every transaction of this connection: read only
    except psycopg.Error as exc:
        raise _unopenable(database, exc) from None
    return connection


def _close(connection: Any) -> None:
    try:
        connection.rollback()  # nothing was written; end the read-only transaction
    finally:
        connection.close()


def check_schema(reader: Reader, database: Database) -> int:
    """Synapse's schema version; exit 4 when it is not Synapse's or too old."""
    try:
        found = reader.rows("SELECT version FROM schema_version")
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        raise DatabaseUnusable(
            f"{database.key} ({database.where}) is not a Synapse database: no schema_version"
        ) from None
    version = int(found[0][0]) if found else 0
    if version < MIN_SCHEMA_VERSION:
        raise DatabaseUnusable(
            f"the Synapse database ({database.where}) has schema version {version}; "
            f"pushctl reads schema {MIN_SCHEMA_VERSION} or newer: upgrade Synapse"
        )
    return version


def _is_database_error(exc: Exception) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    return type(exc).__module__.startswith("psycopg")


def local_users(reader: Reader) -> list[str]:
    """The users the admin API lists: local, not deactivated, not locked, by name."""
    return [
        str(row[0])
        for row in reader.rows(f"SELECT u.name FROM users u WHERE {_LISTED_USER} ORDER BY u.name")
    ]


def pushers(reader: Reader) -> list[StoredPusher]:
    """Every pusher of those users, by user, then in the order they were made."""
    rows = reader.each_row(
        f"SELECT {_PUSHER_COLUMNS} FROM pushers p JOIN users u ON u.name = p.user_name "
        f"WHERE {_LISTED_USER} ORDER BY p.user_name, p.id"
    )
    found = []
    for row in rows:
        stored = _stored(row)
        if stored is not None:
            found.append(stored)
    return found


def _stored(row: tuple[Any, ...]) -> StoredPusher | None:
    (user, app_display_name, app_id, data, device_display_name, kind, lang, profile_tag,
     pushkey, enabled, device_id, failing_since, last_success, has_token) = row  # fmt: skip
    try:
        decoded = _decoded(data)
    except ValueError:
        return None  # Synapse drops such a row too (PusherWorkerStore._decode_pushers_rows)
    pusher = {
        "app_display_name": app_display_name,
        "app_id": app_id,
        "data": decoded,
        "device_display_name": device_display_name,
        "kind": kind,
        "lang": lang,
        "profile_tag": profile_tag,
        "pushkey": pushkey,
        "enabled": bool(enabled),
        "device_id": device_id,
        "user_id": user,
    }
    return StoredPusher(pusher, _ms(failing_since), _ms(last_success), bool(has_token))


_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _decoded(data: Any) -> Any:
    """``json.loads(data)``, a third of its cost for the compact JSON Synapse writes."""
    if not isinstance(data, str):
        return json.loads(data) if isinstance(data, bytes) else data
    try:
        value, end = _scan_json(data, 0)
    except (StopIteration, ValueError):
        end = -1
    return value if end == len(data) else json.loads(data)  # spaces around it, or not JSON


def _ms(value: Any) -> int | None:
    return None if value is None else int(value)
