"""A throwaway Synapse homeserver on 127.0.0.1 for the demo, tests and benchmarks.

Synapse is installed from PyPI once into ``.cache/synapse-venv`` (gitignored);
each server gets a fresh temporary directory with an SQLite database, listens
on a free loopback port only, and has rate limits raised. Users are registered
with the shared secret. Standard library only, so any script can import it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = Path(os.environ.get("PUSHCTL_SYNAPSE_CACHE", ROOT / ".cache"))
SYNAPSE_SPEC = os.environ.get("PUSHCTL_SYNAPSE_SPEC", "matrix-synapse==1.163.*")
SERVER_NAME = "localhost"
# What the venv holds besides Synapse; part of the marker, so changing it reinstalls.
SYNAPSE_EXTRAS = ["psycopg2-binary"]  # Synapse's PostgreSQL driver
VENV_MARKER = " ".join([SYNAPSE_SPEC, *SYNAPSE_EXTRAS])

RATE_UNLIMITED = {"per_second": 10000, "burst_count": 10000}


def synapse_python() -> Path:
    """The Python of a venv holding Synapse, installed on first use."""
    venv = CACHE / "synapse-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists() and marker.read_text() == VENV_MARKER:
        return python
    if venv.exists():
        shutil.rmtree(venv)
    print(f"installing {SYNAPSE_SPEC} into {venv} (once)...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SYNAPSE_SPEC,
            *SYNAPSE_EXTRAS,
        ],
        check=True,
        stderr=subprocess.DEVNULL if os.environ.get("CI") is None else None,
    )
    marker.write_text(VENV_MARKER)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class User:
    localpart: str
    user_id: str
    password: str
    admin: bool = False


@dataclass
class LocalSynapse:
    """One Synapse process; use as a context manager or call start()/stop()."""

    appservices: list[dict[str, Any]] = field(default_factory=list)
    extra_config: dict[str, Any] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    directory: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="pushctl-synapse-"))
    )
    shared_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "homeserver.log"

    def __enter__(self) -> LocalSynapse:
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()  # a throwaway server: its database, log and keys go with it

    def config(self) -> dict[str, Any]:
        data = self.directory
        appservice_files = []
        for number, registration in enumerate(self.appservices):
            path = data / f"appservice-{number}.yaml"
            path.write_text(json.dumps(registration))  # JSON is YAML
            appservice_files.append(str(path))
        config: dict[str, Any] = {
            "server_name": SERVER_NAME,
            "public_baseurl": self.base_url + "/",
            "pid_file": str(data / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(data / "homeserver.db")}},
            "media_store_path": str(data / "media"),
            "signing_key_path": str(data / "signing.key"),
            "registration_shared_secret": self.shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "enable_metrics": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "use_presence": False,
            "bcrypt_rounds": 4,
            # the tests' push gateways listen on loopback, which Synapse refuses by default
            "ip_range_whitelist": ["127.0.0.1"],
            "app_service_config_files": appservice_files,
            "rc_message": RATE_UNLIMITED,
            "rc_registration": RATE_UNLIMITED,
            "rc_login": {
                "address": RATE_UNLIMITED,
                "account": RATE_UNLIMITED,
                "failed_attempts": RATE_UNLIMITED,
            },
            "rc_joins": {"local": RATE_UNLIMITED, "remote": RATE_UNLIMITED},
            "rc_invites": {
                "per_room": RATE_UNLIMITED,
                "per_user": RATE_UNLIMITED,
                "per_issuer": RATE_UNLIMITED,
            },
            "rc_admin_redaction": RATE_UNLIMITED,
        }
        config.update(self.extra_config)
        return config

    def start(self, timeout: float = 120.0) -> None:
        python = synapse_python()
        config_path = self.directory / "homeserver.yaml"
        config_path.write_text(json.dumps(self.config(), indent=2))
        app = [str(python), "-m", "synapse.app.homeserver", "-c", str(config_path)]
        subprocess.run([*app, "--generate-keys"], check=True, capture_output=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            app, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited; see {self.log_path}:\n{self._log_tail()}")
            try:
                self.call("GET", "/_matrix/client/versions")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"Synapse did not answer within {timeout}s:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return ""

    # -- HTTP ------------------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """One request to the server; returns the JSON body, raises HTTPError otherwise."""
        request = urllib.request.Request(self.base_url + path, method=method)
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, localpart: str, password: str | None = None, admin: bool = False) -> User:
        password = password or secrets.token_urlsafe(12)
        nonce = self.call("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        result = self.call(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return User(localpart, result["user_id"], password, admin)

    def login(self, user: User, device_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user.localpart},
            "password": user.password,
        }
        if device_id:
            body["device_id"] = device_id
        result: dict[str, Any] = self.call("POST", "/_matrix/client/v3/login", body)
        return result

    def pushers(self, token: str) -> list[dict[str, Any]]:
        """The pushers of the token's user, read straight from the server."""
        result: list[dict[str, Any]] = self.call("GET", "/_matrix/client/v3/pushers", token=token)[
            "pushers"
        ]
        return result

    def devices(self, token: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.call("GET", "/_matrix/client/v3/devices", token=token)[
            "devices"
        ]
        return result


if __name__ == "__main__":
    # `python scripts/localsynapse.py`: run a server until Ctrl-C, for trying pushctl by hand.
    with LocalSynapse() as server:
        demo = server.register("demo", "demo-password")
        print(f"Synapse on {server.base_url}; user {demo.user_id}, password demo-password")
        print(f"data in {server.directory}; Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
