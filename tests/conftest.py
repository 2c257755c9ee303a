"""Shared fixtures: a real local Synapse, fresh accounts, and a pushctl runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import (
    APPSERVICE_REGISTRATION,
    APPSERVICE_SENDER,
    Account,
    AppService,
    clean_env,
    new_account,
)
from tests.support.localsynapse import LocalSynapse


@pytest.fixture(scope="session")
def synapse() -> Iterator[LocalSynapse]:
    server = LocalSynapse(appservices=[APPSERVICE_REGISTRATION])
    server.start()
    yield server
    server.remove()


@pytest.fixture
def account(synapse: LocalSynapse) -> Account:
    return new_account(synapse)


@pytest.fixture
def admin(synapse: LocalSynapse) -> Account:
    """A Synapse server admin."""
    return new_account(synapse, "admin", admin=True)


@pytest.fixture
def gateway() -> Iterator[Any]:
    """A push gateway on loopback that records what it is sent (tests/support/pushgateway.py)."""
    from tests.support.pushgateway import PushGateway

    with PushGateway() as server:
        yield server


@pytest.fixture
def appservice(synapse: LocalSynapse) -> AppService:
    return AppService(
        synapse, APPSERVICE_REGISTRATION["as_token"], f"@{APPSERVICE_SENDER}:localhost"
    )


@pytest.fixture(autouse=True)
def private_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache directory of each test's own for what pushctl runs inside the test process.

    (``config.load`` keeps what it read there; a run through the ``pushctl``
    fixture has the ``home`` below.)
    """
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME (and XDG dirs) for one pushctl run."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def pushctl(home: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Run pushctl as a user would; returns the CompletedProcess.

    In a subprocess, or, for tests marked ``inprocess``, inside this process
    (:mod:`tests.support.inprocess`): the same answers without the start-up.
    """
    if request.node.get_closest_marker("inprocess") is None:
        return request.getfixturevalue("pushctl_process")

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        from tests.support import inprocess

        return inprocess.run(list(args), clean_env(home, env), input or "")

    return run


@pytest.fixture
def pushctl_process(home: Path):  # type: ignore[no-untyped-def]
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


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """GNOME Keyring on a private D-Bus session bus, for the whole test session."""
    from tests.support.secretservice import SecretService, missing_programs

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
    from tests.support.proxy import Proxy

    with Proxy(synapse.base_url) as running:
        yield running
