"""A private Secret Service for the tests: GNOME Keyring on its own D-Bus session bus.

Nothing here touches the keyring of the person running the tests: the bus is a
new ``dbus-daemon --session``, and the keyring daemon runs with its own HOME and
XDG directories under a temporary directory, unlocked with a throwaway password.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")
SECRETS_NAME = "org.freedesktop.secrets"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if shutil.which(name) is None]


@dataclass
class SecretService:
    directory: Path
    password: str = "test keyring password"
    address: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def daemon_env(self) -> dict[str, str]:
        home = self.directory / "home"
        runtime = self.directory / "run"
        for path in (home, runtime):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(runtime),
        }
        if self.address:
            env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        return env

    @property
    def keyring_files(self) -> Path:
        """Where GNOME Keyring keeps its (encrypted) keyrings."""
        return self.directory / "home" / ".local" / "share" / "keyrings"

    def env(self) -> dict[str, str]:
        """What a pushctl run needs to use this Secret Service and nothing else."""
        return {
            "DBUS_SESSION_BUS_ADDRESS": self.address,
            "PYTHON_KEYRING_BACKEND": SECRET_SERVICE_BACKEND,
        }

    def start(self, timeout: float = 20.0) -> None:
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            env=self.daemon_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(bus)
        assert bus.stdout is not None
        self.address = bus.stdout.readline().decode().strip()
        if not self.address:
            self.stop()
            raise RuntimeError("dbus-daemon --session printed no address")
        keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=self.daemon_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(keyring)
        assert keyring.stdin is not None
        keyring.stdin.write(self.password.encode())
        keyring.stdin.close()
        deadline = time.monotonic() + timeout
        while not self._secrets_ready():
            if keyring.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gnome-keyring-daemon did not offer the Secret Service")
            time.sleep(0.1)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()

    @contextmanager
    def connection(self) -> Iterator[Any]:
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(bus=self.address)
        try:
            yield connection
        finally:
            connection.close()

    def _secrets_ready(self) -> bool:
        from jeepney import DBus

        try:
            with self.connection() as connection:
                reply = connection.send_and_get_reply(DBus().NameHasOwner(SECRETS_NAME))
                return bool(reply.body[0])
        except OSError:
            return False

    def secrets(self, service: str = "pushctl") -> dict[str, str]:
        """The keyring's entries of *service*: {username: secret}, read straight from D-Bus."""
        return read_secrets(self.address, service)

    def clear(self, service: str = "pushctl") -> None:
        import secretstorage

        with self.connection() as connection:
            collection = secretstorage.get_default_collection(connection)
            for item in collection.search_items({"service": service}):
                item.delete()

    def lock(self) -> None:
        """Lock the default collection, as a screen lock or a timeout would."""
        import secretstorage

        with self.connection() as connection:
            secretstorage.get_default_collection(connection).lock()


def read_secrets(address: str, service: str = "pushctl") -> dict[str, str]:
    """The entries of *service* in the Secret Service on bus *address*: {username: secret}."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(bus=address)
    try:
        collection = secretstorage.get_default_collection(connection)
        return {
            item.get_attributes()["username"]: item.get_secret().decode()
            for item in collection.search_items({"service": service})
        }
    finally:
        connection.close()
