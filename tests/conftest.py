"""Shared fixtures: a real local Synapse, fresh accounts, and a pushctl runner."""

from __future__ import annotations

import itertools
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from localsynapse import LocalSynapse, User  # noqa: E402

from pushctl.cli.registry import NAMES  # noqa: E402

#: Every command, in the order of `pushctl --help` and of completion.
COMMANDS = list(NAMES)
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


@pytest.fixture(scope="session")
def synapse() -> Iterator[LocalSynapse]:
    server = LocalSynapse(appservices=[APPSERVICE_REGISTRATION])
    server.start()
    yield server
    server.remove()


def new_account(server: LocalSynapse, prefix: str = "user", admin: bool = False) -> Account:
    user = server.register(f"{prefix}{next(_counter)}-{os.getpid()}", admin=admin)
    login = server.login(user)
    return Account(server, user, login["access_token"], login["device_id"])


@pytest.fixture
def account(synapse: LocalSynapse) -> Account:
    return new_account(synapse)


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


@pytest.fixture
def appservice(synapse: LocalSynapse) -> AppService:
    return AppService(
        synapse, APPSERVICE_REGISTRATION["as_token"], f"@{APPSERVICE_SENDER}:localhost"
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME (and XDG dirs) for one pushctl run."""
    path = tmp_path / "home"
    path.mkdir()
    return path


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


@pytest.fixture
def pushctl(home: Path):  # type: ignore[no-untyped-def]
    """Run pushctl in a subprocess, as a user would; returns the CompletedProcess."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pushctl", *args],
            env=clean_env(home, env),
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> None:
    """Failed with *code*, said so on stderr, and printed no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip(), "an error must say what went wrong"


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """GNOME Keyring on a private D-Bus session bus, for the whole test session."""
    from secretservice import SecretService, missing_programs

    missing = missing_programs()
    if missing:
        pytest.skip(
            f"no Secret Service to test against: {', '.join(missing)} not installed "
            "(scripts/test installs gnome-keyring and dbus from apt when run as root)"
        )
    service = SecretService(tmp_path_factory.mktemp("secret-service"))
    service.start()
    yield service
    service.stop()


@pytest.fixture
def keyring_env(secret_service: Any) -> Iterator[dict[str, str]]:
    """Environment for pushctl runs that use the private Secret Service; emptied after."""
    yield secret_service.env()
    secret_service.clear()


@pytest.fixture
def proxy(synapse: LocalSynapse) -> Iterator[Any]:
    """A recording proxy in front of the test Synapse (see tests/proxy.py); point
    pushctl at ``proxy.url`` to count its requests or to inject faults."""
    from proxy import Proxy

    with Proxy(synapse.base_url) as running:
        yield running
