"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests, from Debian's server binaries.

PostgreSQL refuses to run as root, so as root the cluster runs as a dedicated
unprivileged system user (:data:`SYSTEM_USER`, created when missing). Its
directory is a fresh temporary one; passwords are checked on TCP
(scram-sha-256), as on a real homeserver host. Standard library only.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.localsynapse import free_port

BIN_DIRS = [Path(os.environ.get("PUSHCTL_PG_BIN", "/usr/lib/postgresql/15/bin"))]
SYSTEM_USER = "pushctl-postgres"
SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The directory holding initdb and postgres, or None when PostgreSQL is not installed."""
    for directory in BIN_DIRS:
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    return None


def _system_user() -> tuple[int, int] | None:
    """(uid, gid) to run the cluster as: None when not root (it runs as us)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SYSTEM_USER],
            check=True,
        )  # fmt: skip
        entry = pwd.getpwnam(SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


@dataclass
class LocalPostgres:
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pushctl-pg-")))
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    process: subprocess.Popen[bytes] | None = None

    def _run_as(self) -> dict[str, Any]:
        owner = _system_user()
        return {} if owner is None else {"user": owner[0], "group": owner[1]}

    def start(self, timeout: float = 60.0) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        owner = _system_user()
        data = self.directory / "data"
        pwfile = self.directory / "pwfile"
        pwfile.write_text(self.password + "\n")
        if owner is not None:
            for path in (self.directory, pwfile):
                os.chown(path, *owner)
        self.directory.chmod(0o700)
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
             "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
             "--locale=C"],
            check=True, capture_output=True, **self._run_as(),
        )  # fmt: skip
        pwfile.unlink()
        log = (self.directory / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
             "-p", str(self.port), "-k", str(self.directory), "-c", "fsync=off"],
            stdout=log, stderr=subprocess.STDOUT, **self._run_as(),
        )  # fmt: skip
        self._wait(timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("PostgreSQL exited:\n" + self._log_tail())
            if self.psql("SELECT 1", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start:\n" + self._log_tail())

    def _log_tail(self) -> str:
        return (self.directory / "postgres.log").read_text(errors="replace")[-3000:]

    def psql(self, sql: str, database: str = "postgres", check: bool = True) -> Any:
        bin_dir = binaries()
        assert bin_dir is not None
        psql = shutil.which("psql") or str(bin_dir / "psql")
        return subprocess.run(
            [psql, "-h", str(self.directory), "-p", str(self.port), "-U", SUPERUSER,
             "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=check, capture_output=True, text=True, **self._run_as(),
        )  # fmt: skip

    def create_database(self, name: str, owner: str, password: str) -> None:
        """A database as Synapse wants it (UTF8, C collation), owned by a new role."""
        self.psql(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'")
        self.psql(
            f"CREATE DATABASE {name} OWNER {owner} ENCODING 'UTF8' LC_COLLATE 'C' "
            "LC_CTYPE 'C' TEMPLATE template0"
        )

    def synapse_database(self, name: str, owner: str, password: str) -> dict[str, Any]:
        """The ``database`` section of a Synapse config for that database."""
        return {
            "name": "psycopg2",
            "args": {
                "user": owner,
                "password": password,
                "database": name,
                "host": "127.0.0.1",
                "port": self.port,
                "cp_min": 1,
                "cp_max": 5,
            },
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: clients are cut off
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
