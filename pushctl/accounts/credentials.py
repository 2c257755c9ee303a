"""Where the access token comes from, and where a login keeps it, in one place.

Lookup order for a profile:

1. ``PUSHCTL_ACCESS_TOKEN`` (a user's token) or ``PUSHCTL_APPSERVICE_TOKEN`` (an
   application service's) in the environment (scripts and CI; beats everything;
   setting both is a usage error);
2. the OS keyring (through ``keyring``), one entry per profile;
3. a 0600 file, only for a profile logged in with ``--insecure-storage``.

The profile itself (homeserver, user, device, kind, which store) lives in the
config file (:mod:`pushctl.accounts.config`), which never holds the token.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pushctl.accounts import config
from pushctl.errors import AuthError, Hint, UsageError, register_secret

ENV_TOKEN = "PUSHCTL_ACCESS_TOKEN"
ENV_APPSERVICE_TOKEN = "PUSHCTL_APPSERVICE_TOKEN"
KEYRING_SERVICE = "pushctl"
#: The keyring entry written and removed to find out whether storing works at all.
KEYRING_PROBE = "pushctl-probe"

SOURCE_ENV = "env"
SOURCE_KEYRING = "keyring"
SOURCE_FILE = "file"
SOURCE_NONE = "none"

KIND_USER = config.KIND_USER
KIND_APPSERVICE = config.KIND_APPSERVICE

WAYS_FORWARD = (
    "unlock the keyring or install a keyring backend (GNOME Keyring, KWallet, macOS Keychain, "
    "Windows Credential Locker; `python -m keyring --list-backends` shows what is found), "
    f"or set {ENV_TOKEN} for each run"
)


@dataclass(frozen=True)
class Credential:
    token: str | None = field(repr=False)
    #: "env", "keyring", "file" or "none"
    source: str
    homeserver: str | None = None
    user_id: str | None = None
    device_id: str | None = None
    kind: str = KIND_USER
    #: where exactly the token came from, for people (``status``)
    detail: str = ""


def checked_token(raw: str, source: str) -> str:
    """*raw* without one final line ending; refused if it is not one line of visible ASCII.

    ``TOKEN=$(cat file)`` and ``echo TOKEN |`` leave or add a newline; anything
    else that is not visible ASCII cannot go in an HTTP header. The message names
    *source* and never the token.
    """
    token = raw.removesuffix("\n").removesuffix("\r")
    if not token:
        raise UsageError(f"{source} is empty")
    if not all("!" <= char <= "~" for char in token):
        raise UsageError(
            f"{source} contains spaces, line breaks, control or non-ASCII characters; "
            "an access token is one line of visible ASCII characters"
        )
    return token


class KeyringUnavailable(AuthError):
    """The keyring cannot store or give back a token."""


class TokenStore(Protocol):
    def get(self, profile: str) -> str | None: ...
    def put(self, profile: str, token: str) -> None: ...
    def delete(self, profile: str) -> None: ...
    def describe(self, profile: str) -> str: ...


def lookup(profile: str, environ: Mapping[str, str]) -> Credential:
    """The credential to use for *profile*; ``token`` is None when there is none."""
    config.check_profile_name(profile)
    stored = config.load(environ).profiles.get(profile)
    from_env = _from_environment(environ, stored.homeserver if stored else None)
    if from_env is not None:
        return from_env
    if stored is None:
        return Credential(token=None, source=SOURCE_NONE)
    store = store_for(stored.token_storage, environ)
    token = store.get(profile)
    if not token:
        raise AuthError(
            f"profile {profile!r} has no token in its {stored.token_storage} "
            "(removed outside pushctl?)",
            advice=": log in again",
            hint=Hint.TOKEN_MISSING,
            profile=profile,
            storage=stored.token_storage,
        )
    register_secret(token)
    return Credential(
        token=token,
        source=stored.token_storage,
        homeserver=stored.homeserver,
        user_id=stored.user_id,
        device_id=stored.device_id,
        kind=stored.kind,
        detail=store.describe(profile),
    )


def _token_variable(environ: Mapping[str, str], name: str) -> str | None:
    raw = environ.get(name)
    if not raw:
        return None
    register_secret(raw)  # before the check: its message must not show it either
    token = checked_token(raw, f"the environment variable {name}")
    register_secret(token)
    return token


def _from_environment(environ: Mapping[str, str], homeserver: str | None) -> Credential | None:
    """The token given in the environment, if any; both kinds at once is a usage error."""
    user_token = _token_variable(environ, ENV_TOKEN)
    service_token = _token_variable(environ, ENV_APPSERVICE_TOKEN)
    if user_token and service_token:
        raise UsageError(
            f"both {ENV_TOKEN} and {ENV_APPSERVICE_TOKEN} are set: pushctl would not know "
            "whether to act as a user or as an application service; unset one of them"
        )
    if not (user_token or service_token):
        return None
    variable = ENV_TOKEN if user_token else ENV_APPSERVICE_TOKEN
    return Credential(
        token=user_token or service_token,
        source=SOURCE_ENV,
        homeserver=homeserver,
        kind=KIND_USER if user_token else KIND_APPSERVICE,
        detail=f"environment variable {variable}",
    )


def store_for(storage: str, environ: Mapping[str, str]) -> TokenStore:
    if storage == config.STORAGE_FILE:
        return FileStore(config.config_dir(environ) / "tokens")
    return KeyringStore()


class KeyringStore:
    """The OS keyring: service ``pushctl``, one entry named after each profile."""

    def get(self, profile: str) -> str | None:
        token: str | None = self._call("read the token from", "get_password", profile)
        return token

    def put(self, profile: str, token: str) -> None:
        self._call("store the token in", "set_password", profile, token)

    def delete(self, profile: str) -> None:
        """Remove the entry; no error when there is none."""
        import keyring.errors

        try:
            self._call("remove the token from", "delete_password", profile)
        except KeyringUnavailable as exc:
            if not isinstance(exc.__cause__, keyring.errors.PasswordDeleteError):
                raise

    def describe(self, profile: str) -> str:
        return f"OS keyring ({self.backend_name()}, service {KEYRING_SERVICE!r}, entry {profile!r})"

    def probe(self) -> None:
        """Store and remove a dummy entry; raise :class:`KeyringUnavailable` if that fails."""
        # an entry of this run's own: parallel logins must not remove each other's
        entry = f"{KEYRING_PROBE}-{os.getpid()}-{secrets.token_hex(4)}"
        self._call("store a token in", "set_password", entry, "probe")
        self._call("store a token in", "delete_password", entry)

    @staticmethod
    def backend_name() -> str:
        try:
            import keyring

            return str(keyring.get_keyring().name)
        except Exception:  # a broken backend must not break a description
            return "unknown backend"

    @staticmethod
    def _call(what: str, method: str, *args: str) -> Any:
        import keyring

        try:
            return getattr(keyring, method)(KEYRING_SERVICE, *args)
        except Exception as exc:  # backends raise anything: D-Bus, OS, keyring errors
            reason = _keyring_reason(exc)
            raise KeyringUnavailable(
                f"cannot {what} the keyring ({reason})",
                advice=f"; ways forward: {WAYS_FORWARD}, or keep the token in a 0600 file instead",
                hint=Hint.KEYRING,
                what=what,
                reason=reason,
                ways=WAYS_FORWARD,
            ) from exc


class FileStore:
    """Tokens in plain 0600 files, one per profile (``--insecure-storage``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, profile: str) -> Path:
        return self.directory / profile

    def get(self, profile: str) -> str | None:
        text = config.read_private(self.path(profile))
        return text.strip() if text else None

    def put(self, profile: str, token: str) -> None:
        config.write_private(self.path(profile), token + "\n")

    def delete(self, profile: str) -> None:
        config.remove_file(self.path(profile))

    def describe(self, profile: str) -> str:
        return f"file {self.path(profile)} (--insecure-storage)"


def _keyring_reason(exc: Exception) -> str:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return "no keyring backend is available"
    if isinstance(exc, keyring.errors.KeyringLocked):
        return "the keyring is locked"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text and text[0] else type(exc).__name__
