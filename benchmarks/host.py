"""How fast pushctl reads Synapse's own database (``--synapse-config``). Run by hand:

    .venv/bin/python -m benchmarks.host            # both parts, about 4 minutes
    .venv/bin/python -m benchmarks.host --part sqlite --users 1000 --rounds 15
    .venv/bin/python -m benchmarks.host --part postgres --pushers 100000 --pg-users 20000

1. SQLite, side by side in one run: a throwaway Synapse on loopback, N users
   made through the admin API, each with one pusher. Each round times, in an
   order that rotates from round to round (so a busy machine slows every case
   alike): ``pushctl fleet list --json --synapse-config`` (a new process), the
   bare 8-thread admin-API script of ``benchmarks/fleet.py`` (in this process,
   no start-up at all; target: at most 0.2 times it), a bare Python script
   selecting the pushers table with ``sqlite3`` and dumping it as JSON (a new
   process; target: at most 1.5 times it), the same script importing typer
   first (the floor for any Typer CLI) and the ``sqlite3`` command-line shell's
   ``-json`` output.
2. PostgreSQL: a throwaway cluster (``tests/support/postgres.py``, as the tests
   use), a Synapse started on it once to create its schema and stopped, then
   users, devices and pushers inserted straight into the database (the only
   place rows are written by anything but Synapse). ``fleet list --json``,
   ``fleet stats --json`` and ``fleet health --all --json`` are each timed
   (target: at most 3 s each) with the peak memory of the process
   (``ru_maxrss``).

Everything listens on 127.0.0.1 and is removed at the end. Prints medians,
per-round ratios and whether each target is met; exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bytecode import compile_pushctl
from benchmarks.fleet import bare_list, populate
from tests.support.localsynapse import LocalSynapse
from tests.support.postgres import LocalPostgres

PYTHON = sys.executable
PUSHCTL = [PYTHON, "-m", "pushctl"]
LIST_TARGET = 0.2  # of the 8-thread admin-API script
SQLITE_TARGET = 1.5  # of the bare sqlite3 script
POSTGRES_TARGET = 3.0  # seconds

BARE_SQLITE = """\
import json, sqlite3, sys
connection = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
cursor = connection.execute("SELECT * FROM pushers")
names = [column[0] for column in cursor.description]
rows = [dict(zip(names, row)) for row in cursor]
sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\\n")
"""
#: the floor of any program that finds the database in Synapse's config (YAML)
BARE_SQLITE_YAML = (
    """\
import yaml, sys
with open(sys.argv[1], "rb") as handle:
    sys.argv[1] = yaml.load(handle, Loader=yaml.CSafeLoader)["database"]["args"]["database"]
"""
    + BARE_SQLITE
)


@dataclass
class Run:
    seconds: float
    #: user and system CPU time of the process: what a busy machine does not inflate
    cpu_seconds: float
    max_rss_mib: float
    status: int


def run(argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> Run:
    """Time *argv* as a new process, stdout read to the end as a pipe's reader would."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True
    )
    assert process.stdout is not None and process.stderr is not None
    while process.stdout.read(1 << 20):
        pass
    errors = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{errors}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(took, cpu, usage.ru_maxrss / 1024, process.returncode)


@dataclass
class Case:
    label: str
    measure: Callable[[], float]
    times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load {load}, Python {platform.python_version()}"


# -- 1. SQLite: ratios in one run --------------------------------------------------


def sqlite_part(users: int, rounds: int) -> bool:
    with LocalSynapse() as server:
        admin = server.login(server.register("benchadmin", admin=True))["access_token"]
        populate(server, admin, "u", users)
        config = str(server.directory / "homeserver.yaml")
        database = str(server.directory / "homeserver.db")
        cache = Path(tempfile.mkdtemp(prefix="pushctl-bench-cache-"))
        env = {**os.environ, "PUSHCTL_SYNAPSE_CONFIG": config, "XDG_CACHE_HOME": str(cache)}
        env.pop("PUSHCTL_ACCESS_TOKEN", None)

        def anew() -> float:
            """A run that finds no config it read before: it parses Synapse's YAML."""
            shutil.rmtree(cache / "pushctl", ignore_errors=True)
            return run([*PUSHCTL, "fleet", "list", "--json"], env).seconds

        cases = [
            Case(
                "pushctl fleet list --json --synapse-config",
                lambda: run([*PUSHCTL, "fleet", "list", "--json"], env).seconds,
            ),
            Case("bare admin-API script, 8 threads (no start-up)", lambda: _timed(server, admin)),
            Case(
                "bare script: sqlite3 SELECT + JSON dump",
                lambda: run([PYTHON, "-c", BARE_SQLITE, database]).seconds,
            ),
            Case("the same, its first run (the config's YAML parsed)", anew),
            Case(
                "the bare script reading the config with PyYAML first",
                lambda: run([PYTHON, "-c", BARE_SQLITE_YAML, config]).seconds,
            ),
            Case(
                "the same script importing typer first",
                lambda: run([PYTHON, "-c", "import typer\n" + BARE_SQLITE, database]).seconds,
            ),
            Case(
                "sqlite3 shell: -json SELECT * FROM pushers",
                lambda: (
                    run(
                        ["sqlite3", "-readonly", "-json", database, "SELECT * FROM pushers"]
                    ).seconds
                ),
            ),
        ]
        _check_same_pushers(env, database, users)
        print(f"SQLite, {users} users, {rounds} rounds; {machine()}", flush=True)
        for number in range(rounds):
            shift = number % len(cases)
            for case in cases[shift:] + cases[:shift]:
                case.times.append(case.measure())
        print(f"after the rounds: {machine()}")
        shutil.rmtree(cache, ignore_errors=True)
    ours, api, bare, first, bare_yaml = cases[:5]
    for case in cases:
        print(f"  {case.label:50} median {case.median * 1000:7.0f} ms  "
              f"fastest {min(case.times) * 1000:7.0f} ms")  # fmt: skip
    print(
        f"  first run against the bare script: {first.median / bare.median:.2f}; against the "
        f"bare script reading the YAML config: {first.median / bare_yaml.median:.2f} (no target)"
    )
    met = _judge("against the admin-API script", ours, api, LIST_TARGET)
    return _judge("against the bare sqlite3 script", ours, bare, SQLITE_TARGET) and met


def _timed(server: LocalSynapse, admin: str) -> float:
    started = time.perf_counter()
    bare_list(server, admin)
    return time.perf_counter() - started


def _check_same_pushers(env: dict[str, str], database: str, users: int) -> None:
    """Both sides read every pusher: pushctl's JSON holds the rows of the table."""
    listed = json.loads(
        subprocess.run(
            [*PUSHCTL, "fleet", "list", "--json"], env=env, capture_output=True, check=True
        ).stdout
    )
    dumped = json.loads(
        subprocess.run([PYTHON, "-c", BARE_SQLITE, database], capture_output=True).stdout
    )
    if not len(listed) == len(dumped) == users:
        raise SystemExit(f"expected {users} pushers; pushctl {len(listed)}, table {len(dumped)}")


def _judge(what: str, ours: Case, baseline: Case, target: float) -> bool:
    """Met when both the ratio of the medians and the median of the rounds' ratios are.

    On a busy machine one of them alone can be a lucky draw.
    """
    ratio = ours.median / baseline.median
    rounds = statistics.median(a / b for a, b in zip(ours.times, baseline.times, strict=True))
    fastest = min(ours.times) / min(baseline.times)
    met = max(ratio, rounds) <= target
    print(
        f"  ratio {what}: {ratio:.2f} (per-round median {rounds:.2f}, fastest runs "
        f"{fastest:.2f}; target <= {target}) {'met' if met else 'NOT MET'}"
    )
    return met


# -- 2. PostgreSQL: absolute times at scale ---------------------------------------

APPS = [  # (app_id, gateway): the mix of a large homeserver
    ("im.vector.app.android", "https://matrix.gateway.unifiedpush.org/_matrix/push/v1/notify"),
    ("im.vector.app.ios.prod", "https://sygnal.element.io/_matrix/push/v1/notify"),
    ("io.element.android", "https://matrix.org/_matrix/push/v1/notify"),
    ("im.fluffychat.fluffychat", "https://push.fluffychat.im/_matrix/push/v1/notify"),
    ("org.example.selfhosted", "http://192.168.1.20:8080/_matrix/push/v1/notify"),
]

#: every row is made by PostgreSQL from generate_series: one statement per table
INSERTS = """\
INSERT INTO users (name, password_hash, creation_ts, admin, is_guest, deactivated, locked,
                   approved)
SELECT '@user' || n || ':localhost', NULL, 1700000000, 0, 0, 0, FALSE, TRUE
FROM generate_series(1, {users}) AS n;

INSERT INTO devices (user_id, device_id, display_name, last_seen, hidden)
SELECT '@user' || u || ':localhost', 'DEV' || u || '_' || d, 'Phone ' || d, NULL, FALSE
FROM generate_series(1, {users}) AS u, generate_series(1, {per_user}) AS d;

INSERT INTO pushers (id, user_name, access_token, profile_tag, kind, app_id, app_display_name,
                     device_display_name, pushkey, ts, lang, data, last_stream_ordering,
                     last_success, failing_since, enabled, device_id)
SELECT n, '@user' || u || ':localhost',
       CASE WHEN n % 50 = 1 THEN 1000000 + n END,  -- old pushers: a token, no device ID
       '', 'http', app.app_id, 'Element', 'Phone ' || d,
       repeat(md5(n::text), 4) || ':APA91b',  -- FCM-sized pushkeys, 134 characters
       1700000000000, 'en',
       json_build_object('url', app.url, 'format', 'event_id_only')::text,
       0, 1700000000000 + (n * 7919) % 86400000,  -- last successes over a day
       CASE WHEN n % 100 = 0 THEN 1700086400000 + n * 1000 END,  -- 1 % failing since
       TRUE,
       CASE WHEN n % 50 = 1 OR n % 50 = 2 THEN NULL ELSE 'DEV' || u || '_' || d END
FROM (SELECT n, (n - 1) / {per_user} + 1 AS u, (n - 1) % {per_user} + 1 AS d
      FROM generate_series(1, {pushers}) AS n) AS numbered
JOIN (VALUES {apps}) AS app(number, app_id, url) ON app.number = numbered.n % {app_count};
ANALYZE;
"""


def postgres_part(pushers: int, users: int, rounds: int) -> bool:
    if pushers % users:
        raise SystemExit("--pushers must be a multiple of --pg-users")
    with LocalPostgres() as postgres, tempfile.TemporaryDirectory(prefix="pushctl-bench-") as tmp:
        password = "bench-" + os.urandom(8).hex()
        postgres.create_database("synapse", "synapse_user", password)
        section = postgres.synapse_database("synapse", "synapse_user", password)
        started = time.perf_counter()
        with LocalSynapse(extra_config={"database": section}):
            pass  # started (its schema created), then stopped and removed
        apps = ", ".join(f"({n}, '{a}', '{u}')" for n, (a, u) in enumerate(APPS))
        sql = INSERTS.format(
            users=users, per_user=pushers // users, pushers=pushers, apps=apps, app_count=len(APPS)
        )
        postgres.psql(sql, database="synapse")
        print(f"schema and {pushers} rows in {time.perf_counter() - started:.1f} s", flush=True)
        config = Path(tmp) / "homeserver.yaml"
        config.write_text(json.dumps({"server_name": "localhost", "database": section}))
        env = {**os.environ, "PUSHCTL_SYNAPSE_CONFIG": str(config)}
        commands = {
            "fleet list --json": ["list", "--json"],
            "fleet stats --json": ["stats", "--json"],
            "fleet health --all --json": ["health", "--all", "--json"],
        }
        _check_counts(env, pushers, users)
        print(f"PostgreSQL 15, {pushers} pushers of {users} users, {rounds} rounds; {machine()}")
        results: dict[str, list[Run]] = {label: [] for label in commands}
        for number in range(rounds):
            labels = list(commands)
            shift = number % len(labels)
            for label in labels[shift:] + labels[:shift]:
                argv = [*PUSHCTL, "fleet", *commands[label]]
                results[label].append(run(argv, env, ok=(0, 6)))
        print(f"after the rounds: {machine()}")
    met = True
    for label, runs in results.items():
        median = statistics.median(r.seconds for r in runs)
        cpu = statistics.median(r.cpu_seconds for r in runs)
        memory = max(r.max_rss_mib for r in runs)
        verdict = "met" if median <= POSTGRES_TARGET else "NOT MET"
        met = met and median <= POSTGRES_TARGET
        print(
            f"  {label:28} median {median:5.2f} s  fastest {min(r.seconds for r in runs):5.2f} s  "
            f"CPU {cpu:5.2f} s  peak memory {memory:4.0f} MiB  (target <= {POSTGRES_TARGET} s) "
            f"{verdict}"
        )
    return met


def _check_counts(env: dict[str, str], pushers: int, users: int) -> None:
    stats = json.loads(
        subprocess.run(
            [*PUSHCTL, "fleet", "stats", "--json"], env=env, capture_output=True, check=True
        ).stdout
    )
    if (stats["pushers"], stats["users"]) != (pushers, users):
        raise SystemExit(f"expected {pushers} pushers of {users} users; read {stats}")


def main() -> None:
    compile_pushctl()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pushers", type=int, default=100_000)
    parser.add_argument("--pg-users", type=int, default=20_000)
    parser.add_argument("--pg-rounds", type=int, default=5)
    args = parser.parse_args()
    met = True
    if args.part in ("sqlite", "both"):
        met = sqlite_part(args.users, args.rounds) and met
    if args.part in ("postgres", "both"):
        met = postgres_part(args.pushers, args.pg_users, args.pg_rounds) and met
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
