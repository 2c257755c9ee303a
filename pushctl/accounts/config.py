"""The profiles file: ``$XDG_CONFIG_HOME/pushctl/config.yaml``.

A profile is a stored login without its secret: the kind of credential, the
homeserver, the user and device, and where the token is kept. The access token
itself never enters this file. The file is written 0600 (its directory 0700),
atomically, and refused when other users could read or change it: whoever can
edit it can send the token to a homeserver of their choosing.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pushctl import files
from pushctl.errors import AuthError, PushctlError, UsageError

CONFIG_NAME = "config.yaml"
FORMAT_VERSION = 1
#: Where a profile's token is kept: the OS keyring, or a 0600 file (--insecure-storage).
STORAGE_KEYRING = "keyring"
STORAGE_FILE = "file"
STORAGES = (STORAGE_KEYRING, STORAGE_FILE)
#: The kinds of credential: a user's access token, which acts as that user (``--user``
#: goes through the Synapse admin API), and an application service's ``as_token``,
#: which acts as its sender or, through identity assertion (``?user_id=``), as any
#: user of its namespace.
KIND_USER = "user"
KIND_APPSERVICE = "appservice"
KINDS = (KIND_USER, KIND_APPSERVICE)

# patterns are compiled at first use (re's cache), not at import: every run pays for those
_PROFILE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_HEADER = (
    "# pushctl profiles (written by `pushctl login`). No access token is kept here:\n"
    "# see token_storage for where each profile's token lives.\n"
)


@dataclass
class Profile:
    """One stored login, without its token."""

    name: str
    homeserver: str
    user_id: str | None = None
    device_id: str | None = None
    #: "user" for a user's access token, "appservice" for an application service's
    #: (then ``user_id`` is the service's sender and there is no device).
    kind: str = KIND_USER
    token_storage: str = STORAGE_KEYRING

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["name"]
        return {key: value for key, value in data.items() if value is not None}


@dataclass
class Config:
    path: Path
    profiles: dict[str, Profile] = field(default_factory=dict)


def check_profile_name(name: str) -> str:
    if not re.fullmatch(_PROFILE_NAME, name):
        raise UsageError(
            f"profile name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def config_dir(environ: Mapping[str, str]) -> Path:
    return files.user_dir(files.XDG_CONFIG, environ)


def config_path(environ: Mapping[str, str]) -> Path:
    return config_dir(environ) / CONFIG_NAME


def load(environ: Mapping[str, str]) -> Config:
    """The profiles file; an empty config when it does not exist yet."""
    path = config_path(environ)
    text = read_private(path)
    if text is None:
        return Config(path)
    return Config(path, _parse(path, text))


@contextlib.contextmanager
def edit(environ: Mapping[str, str]) -> Iterator[Config]:
    """The profiles file, read, changed by the caller and saved under a lock.

    Two pushctl runs that read, change and write the file at once would each
    save their own view and lose the other's profile: the lock makes the
    second wait for the first to finish.
    """
    path = config_path(environ)
    with _locked(path.with_name(CONFIG_NAME + ".lock")):
        current = load(environ)
        yield current
        save(current)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        _make_private_dirs(path.parent)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise PushctlError(f"cannot lock {path}: {exc.strerror}") from None
    try:
        if os.name == "posix":
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield
    finally:
        os.close(handle)


def save(config: Config) -> None:
    import yaml

    body = {
        "version": FORMAT_VERSION,
        "profiles": {name: p.to_dict() for name, p in sorted(config.profiles.items())},
    }
    text = _HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=False)
    write_private(config.path, text)


def read_private(path: Path) -> str | None:
    """The text of a file only its owner may read; None when it does not exist."""
    try:
        with path.open(encoding="utf-8") as handle:
            check_private(path, os.fstat(handle.fileno()))
            return handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise PushctlError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise PushctlError(f"cannot read {path}: {exc.strerror}") from None


def check_private(path: Path, info: os.stat_result) -> None:
    """Refuse a credentials file that other users can read or change."""
    if os.name != "posix":
        return
    if info.st_uid != os.getuid():
        raise AuthError(f"refusing to use {path}: it belongs to another user (uid {info.st_uid})")
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise AuthError(
            f"refusing to use {path}: other users can read or change it (mode {mode:04o}); "
            f"run `chmod 600 {path}`"
        )


def write_private(path: Path, text: str) -> None:
    """Replace *path* atomically with a 0600 file (directories made 0700 if new)."""
    try:
        _make_private_dirs(path.parent)
        files.replace_file(path, text)
    except OSError as exc:
        raise PushctlError(f"cannot write {path}: {exc.strerror}") from None


def _make_private_dirs(directory: Path) -> None:
    """Create *directory* and any missing parents, each 0700."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for new in reversed(missing):
        new.mkdir(mode=0o700, exist_ok=True)


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PushctlError(f"cannot remove {path}: {exc.strerror}") from None


def _parse(path: Path, text: str) -> dict[str, Profile]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise PushctlError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("profiles", {}), dict):
        raise PushctlError(f"{path}: expected a mapping with a 'profiles' mapping")
    return {
        str(name): _profile(path, str(name), entry)
        for name, entry in (data.get("profiles") or {}).items()
    }


def _profile(path: Path, name: str, entry: object) -> Profile:
    if not isinstance(entry, dict):
        raise PushctlError(f"{path}: profile {name!r} must be a mapping")
    homeserver = entry.get("homeserver")
    if not isinstance(homeserver, str) or not homeserver:
        raise PushctlError(f"{path}: profile {name!r} has no homeserver")
    storage = entry.get("token_storage", STORAGE_KEYRING)
    if storage not in STORAGES:
        raise PushctlError(
            f"{path}: profile {name!r}: token_storage must be one of {', '.join(STORAGES)}"
        )
    kind = entry.get("kind", KIND_USER)
    if kind not in KINDS:
        raise PushctlError(f"{path}: profile {name!r}: kind must be one of {', '.join(KINDS)}")
    return Profile(
        name=name,
        homeserver=homeserver,
        user_id=_optional_str(entry.get("user_id")),
        device_id=_optional_str(entry.get("device_id")),
        kind=kind,
        token_storage=storage,
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
