"""Synapse's configuration, found and merged as Synapse itself does.

``synapse.app.homeserver -c PATH`` (repeatable; ``--config-path``) takes files
and directories; a directory stands for its ``*.yaml`` files in sorted order.
The files are merged shallowly, a later file replacing whole top-level keys
(``synapse/config/_base.py``: ``find_config_files``, ``read_config_files``).

Of the result pushctl reads ``server_name``, the database (``database``, the
``main`` store of ``databases``, or ``database_path``; ``synapse/config/
database.py``) and ``ip_range_blacklist`` / ``ip_range_whitelist``. Every
secret of the configuration is registered with :func:`pushctl.errors.
register_secret` as soon as it is read, so no message, trace or traceback
shows it.

What was read is kept between runs (:mod:`pushctl.homeserver_host.configcache`),
without secrets: files that have not changed are not parsed again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pushctl.errors import AuthError, UsageError, register_secret
from pushctl.homeserver_host import configcache

ENV_SYNAPSE_CONFIG = "PUSHCTL_SYNAPSE_CONFIG"
SQLITE = "sqlite3"
POSTGRES = "psycopg2"

#: keys whose values are secrets wherever they appear in the configuration
_SECRET_WORDS = ("secret", "password", "passwd", "token", "private_key", "api_key")
#: Synapse's own arguments to its connection pool, not the database driver's
_POOL_PREFIX = "cp_"


class ConfigError(AuthError):
    """The configuration is not a usable Synapse configuration (exit 4)."""


# NamedTuples, not frozen dataclasses: dataclasses (and the inspect it imports) cost
# more than the whole configuration when it comes from the cache
class Database(NamedTuple):
    """Where Synapse keeps its main data store."""

    engine: str
    #: the driver's connection arguments (without Synapse's pool arguments)
    args: Mapping[str, Any]
    #: the configuration key the database came from, for messages
    key: str

    @property
    def where(self) -> str:
        """The SQLite path, or ``host:port/dbname`` of PostgreSQL; never the password."""
        if self.engine == SQLITE:
            return str(self.args.get("database", ""))
        host = self.args.get("host") or "localhost (socket)"
        port = self.args.get("port") or 5432
        name = self.args.get("dbname") or self.args.get("user") or ""
        return f"{host}:{port}/{name}"


class SynapseConfig(NamedTuple):
    files: tuple[Path, ...]
    server_name: str
    database: Database
    #: ``ip_range_blacklist`` as given; None when absent (Synapse's default applies)
    ip_blocklist: tuple[str, ...] | None = None
    ip_allowlist: tuple[str, ...] = ()


def config_files(paths: Sequence[str]) -> list[Path]:
    """The files *paths* stand for, in Synapse's order; exit 2 for a path that is not there."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(".yaml"))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"--synapse-config {given}: no such file or directory")
    if not files:
        raise UsageError(f"--synapse-config {' '.join(paths)}: no *.yaml file there")
    return files


def load(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> SynapseConfig:
    """Read and merge the Synapse configuration at *paths*, or recall it if its files are unchanged.

    *environ* (default ``os.environ``) says where the cache is.
    """
    files = config_files(paths)
    environ = os.environ if environ is None else environ
    key = configcache.signature(files)  # before reading: a file changed meanwhile is a miss
    if key is not None:
        recalled = _recalled(files, configcache.recall(key, environ))
        if recalled is not None:
            return recalled
    found = _parsed(files)
    if key is not None and not any(True for _ in _secrets(dict(found.database.args))):
        configcache.remember(key, _kept(found), environ)
    return found


def _parsed(files: Sequence[Path]) -> SynapseConfig:
    merged: dict[str, Any] = {}
    for path in files:
        merged.update(_read_file(path))
    for secret in _secrets(merged):
        register_secret(secret)
    server_name = merged.get("server_name")
    if not isinstance(server_name, str) or not server_name:
        raise ConfigError(f"{_named(files)}: not a Synapse configuration (no server_name)")
    return SynapseConfig(
        files=tuple(files),
        server_name=server_name,
        database=_database(merged, files),
        ip_blocklist=_ip_list(merged, "ip_range_blacklist", files, default=None),
        ip_allowlist=_ip_list(merged, "ip_range_whitelist", files, default=()) or (),
    )


def _kept(found: SynapseConfig) -> dict[str, Any]:
    """What the cache keeps of *found*, as JSON values (its files are the entry's key)."""
    blocklist = found.ip_blocklist
    return {
        "server_name": found.server_name,
        "database": {"engine": found.database.engine, "args": dict(found.database.args),
                     "key": found.database.key},
        "ip_blocklist": None if blocklist is None else list(blocklist),
        "ip_allowlist": list(found.ip_allowlist),
    }  # fmt: skip


def _recalled(files: Sequence[Path], kept: Mapping[str, Any] | None) -> SynapseConfig | None:
    """The configuration :func:`_kept` made *kept* of, or None."""
    if kept is None or kept["database"]["engine"] not in (SQLITE, POSTGRES):
        return None
    database = kept["database"]
    blocklist = kept["ip_blocklist"]
    return SynapseConfig(
        files=tuple(files),
        server_name=kept["server_name"],
        database=Database(database["engine"], database["args"], database["key"]),
        ip_blocklist=None if blocklist is None else tuple(blocklist),
        ip_allowlist=tuple(kept["ip_allowlist"]),
    )


def _read_file(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open("rb") as handle:
            document = yaml.load(handle, Loader=loader)  # a safe loader
    except OSError as exc:
        raise UsageError(f"--synapse-config {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "not YAML"
        raise ConfigError(f"{where}: not a Synapse configuration: {problem}") from None
    if not isinstance(document, dict):
        # Synapse ignores such a file with a warning; so does pushctl, unless it is alone
        return {}
    return document


def _named(files: Sequence[Path]) -> str:
    return str(files[0]) if len(files) == 1 else ", ".join(str(f) for f in files)


def _secrets(value: Any, secret: bool = False) -> Iterable[str]:
    """Every string under a key that names a secret, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _secrets(item, secret or any(w in str(key).lower() for w in _SECRET_WORDS))
    elif isinstance(value, list):
        for item in value:
            yield from _secrets(item, secret)
    elif secret and isinstance(value, (str, int)) and not isinstance(value, bool):
        yield str(value)


def _database(config: Mapping[str, Any], files: Sequence[Path]) -> Database:
    section, key = _database_section(config, files)
    if not isinstance(section, dict):
        raise ConfigError(f"{_named(files)}: {key} is not a mapping")
    engine = section.get("name", SQLITE)
    if engine not in (SQLITE, POSTGRES):
        raise ConfigError(f"{_named(files)}: {key}.name {engine!r} is not a Synapse database")
    raw_args = section.get("args") or {}
    if not isinstance(raw_args, dict):
        raise ConfigError(f"{_named(files)}: {key}.args is not a mapping")
    args = {k: v for k, v in raw_args.items() if not str(k).startswith(_POOL_PREFIX)}
    if engine == SQLITE:
        if key == "database_path":
            args["database"] = config["database_path"]
        path = args.get("database")
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{_named(files)}: {key}.args.database: no SQLite file named")
        # Synapse opens a relative path from its working directory, as pushctl does
        args = {"database": path if path == ":memory:" else os.path.abspath(path)}
    elif "database" in args and "dbname" not in args:
        args["dbname"] = args.pop("database")  # psycopg2's alias, unknown to libpq
    return Database(engine, args, key)


def _database_section(config: Mapping[str, Any], files: Sequence[Path]) -> tuple[Any, str]:
    if config.get("database"):
        return config["database"], "database"
    several = config.get("databases")
    if isinstance(several, dict):
        for label, section in several.items():
            stores = section.get("data_stores") if isinstance(section, dict) else None
            if stores is None or "main" in stores:
                return section, f"databases.{label}"
    if config.get("database_path"):
        return {"name": SQLITE, "args": {}}, "database_path"
    raise ConfigError(f"{_named(files)}: no database configured (database)")


def _ip_list(
    config: Mapping[str, Any], key: str, files: Sequence[Path], default: Any
) -> tuple[str, ...] | None:
    if key not in config:
        return default  # type: ignore[no-any-return]
    value = config[key]
    if value is None:
        return ()  # Synapse: present but empty is an empty list, not the default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_named(files)}: {key} is not a list of IP ranges")
    return tuple(value)
