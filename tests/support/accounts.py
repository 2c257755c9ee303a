"""Accounts on the test Synapse, pushers to set, and the checks most tests share."""

from __future__ import annotations

import itertools
import os
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.localsynapse import LocalSynapse, User

GATEWAY = "https://push.example.org/_matrix/push/v1/notify"
_counter = itertools.count()

#: Users registered with this prefix (``new_account(server, APPSERVICE_PREFIX)``) are in
#: the namespace of the test server's application service; nobody else is.
APPSERVICE_PREFIX = "as-"
APPSERVICE_SENDER = "pushbridge"
#: The application service registered on the session's Synapse (no URL: the server
#: pushes nothing to it; not rate limited; a non-exclusive namespace, so that the
#: shared-secret registration of namespaced test users still works).
APPSERVICE_REGISTRATION: dict[str, Any] = {
    "id": "pushctl-tests",
    "url": None,
    "as_token": f"pushctl_as_{secrets.token_hex(20)}",
    "hs_token": secrets.token_hex(20),
    "sender_localpart": APPSERVICE_SENDER,
    "rate_limited": False,
    "namespaces": {
        "users": [{"exclusive": False, "regex": f"@{APPSERVICE_PREFIX}.*:localhost"}],
        "aliases": [],
        "rooms": [],
    },
}


@dataclass
class Account:
    """A registered user logged in once; ``token`` belongs to device ``device_id``."""

    server: LocalSynapse
    user: User
    token: str
    device_id: str

    @property
    def user_id(self) -> str:
        return self.user.user_id

    def pushers(self) -> list[dict[str, Any]]:
        return self.server.pushers(self.token)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PUSHCTL_HOMESERVER": self.server.base_url,
            "PUSHCTL_ACCESS_TOKEN": self.token,
            **extra,
        }

    def add_pusher(self, **fields: Any) -> dict[str, Any]:
        pusher = make_pusher(**fields)
        self.server.call("POST", "/_matrix/client/v3/pushers/set", pusher, token=self.token)
        return pusher


def make_pusher(**fields: Any) -> dict[str, Any]:
    pusher = {
        "app_id": "org.example.app.ios",
        "pushkey": f"key-{next(_counter)}",
        "kind": "http",
        "app_display_name": "Example",
        "device_display_name": "Phone",
        "lang": "en",
        "data": {"url": GATEWAY},
    }
    pusher.update(fields)
    return pusher


def new_account(server: LocalSynapse, prefix: str = "user", admin: bool = False) -> Account:
    user = server.register(f"{prefix}{next(_counter)}-{os.getpid()}", admin=admin)
    login = server.login(user)
    return Account(server, user, login["access_token"], login["device_id"])


@dataclass
class AppService:
    """The application service registered on the test server."""

    server: LocalSynapse
    token: str
    sender: str

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PUSHCTL_HOMESERVER": self.server.base_url,
            "PUSHCTL_APPSERVICE_TOKEN": self.token,
            **extra,
        }


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "DBUS_SESSION_BUS_ADDRESS")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "PYTHONIOENCODING": "utf-8",
            "COLUMNS": "200",
        }
    )
    env.update(extra or {})
    return env


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> None:
    """Failed with *code*, said so on stderr, and printed no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip(), "an error must say what went wrong"
