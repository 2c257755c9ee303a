"""``--synapse-config``: finding and merging Synapse's files, and every way it can be wrong.

The verdict rules are checked against Synapse's own functions, run in the test
Synapse's venv. No server here: bad files, missing databases, closed ports.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pushctl.homeserver_host import blocklist, config
from tests.support.accounts import assert_clean_failure
from tests.support.localsynapse import free_port, synapse_python

pytestmark = pytest.mark.inprocess

SECRETS = {
    "macaroon_secret_key": "macaroon-very-secret-1",
    "registration_shared_secret": "registration-very-secret-2",
    "form_secret": "form-very-secret-3",
}


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))  # JSON is YAML
    return path


def synapse_yaml(tmp_path: Path, database: dict[str, object], **extra: object) -> Path:
    return write(
        tmp_path / "homeserver.yaml",
        {"server_name": "example.org", "report_stats": False, "database": database,
         **SECRETS, **extra},
    )  # fmt: skip


def test_files_and_directories_merge_as_synapse_merges_them(tmp_path: Path) -> None:
    conf = tmp_path / "conf.d"
    conf.mkdir()
    first = {"name": "sqlite3", "args": {"database": "/srv/first.db"}}
    base = write(tmp_path / "homeserver.yaml", {"server_name": "example.org", "database": first})
    write(conf / "20-db.yaml", {"database": {"name": "sqlite3", "args": {"database": "/srv/b.db"}}})
    write(conf / "10-lists.yaml", {"ip_range_whitelist": ["10.0.0.5"], "database": {"x": 1}})
    (conf / "30-notes.txt").write_text("server_name: not-read\n")
    (conf / "sub").mkdir()
    loaded = config.load([str(base), str(conf)])
    assert loaded.server_name == "example.org"
    assert loaded.database.args["database"] == "/srv/b.db"  # sorted: 20 after 10, whole key
    assert loaded.ip_allowlist == ("10.0.0.5",)
    assert loaded.ip_blocklist is None  # absent: Synapse's default applies
    assert [f.name for f in loaded.files] == ["homeserver.yaml", "10-lists.yaml", "20-db.yaml"]


def test_the_main_store_of_several_databases_and_psycopg2_aliases(tmp_path: Path) -> None:
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "databases": {
        "state": {"name": "psycopg2", "data_stores": ["state"], "args": {"database": "s"}},
        "main": {"name": "psycopg2", "data_stores": ["main"],
                 "args": {"database": "synapse", "host": "db.invalid", "cp_min": 5}},
    }})  # fmt: skip
    database = config.load([str(path)]).database
    assert database.key == "databases.main"
    assert dict(database.args) == {"dbname": "synapse", "host": "db.invalid"}


def test_a_missing_config_is_a_usage_error_naming_it(tmp_path: Path, pushctl) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = pushctl("fleet", "health", "--synapse-config", str(missing))
    assert_clean_failure(result, 2)
    assert str(missing) in result.stderr


def test_no_config_at_all_names_the_flag_and_the_variable(pushctl) -> None:
    result = pushctl("fleet", "gateways")
    assert_clean_failure(result, 2)
    assert "--synapse-config" in result.stderr and "PUSHCTL_SYNAPSE_CONFIG" in result.stderr


def test_the_variable_works_like_the_flag(tmp_path: Path, pushctl) -> None:
    missing = tmp_path / "from-env.yaml"
    result = pushctl("fleet", "health", env={"PUSHCTL_SYNAPSE_CONFIG": str(missing)})
    assert_clean_failure(result, 2)
    assert str(missing) in result.stderr


@pytest.mark.parametrize(
    "text", ["just: [a, list\n", "- a\n- list\n", "listeners: []\nreport_stats: false\n"]
)
def test_a_file_that_is_not_synapse_config_is_refused_naming_it(
    tmp_path: Path, pushctl, text: str
) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(text)
    result = pushctl("fleet", "stats", "--synapse-config", str(path))
    assert_clean_failure(result, 4)
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_sqlite_database_names_the_key_and_the_path(tmp_path: Path, pushctl) -> None:
    db = tmp_path / "gone" / "homeserver.db"
    path = synapse_yaml(tmp_path, {"name": "sqlite3", "args": {"database": str(db)}})
    result = pushctl("fleet", "list", "--synapse-config", str(path))
    assert_clean_failure(result, 4)
    assert f"database: {db}" in result.stderr
    assert not db.parent.exists()  # nothing created


def test_an_unreachable_postgres_names_host_never_a_secret(tmp_path: Path, pushctl) -> None:
    port = free_port()  # nothing listens there
    password = "db-very-secret-4"
    database = {"name": "psycopg2", "args": {"user": "synapse", "password": password,
                "database": "synapse", "host": "127.0.0.1", "port": port}}  # fmt: skip
    path = synapse_yaml(tmp_path, database)
    result = pushctl("-v", "fleet", "health", "--synapse-config", str(path))
    assert_clean_failure(result, 4)
    assert f"database: 127.0.0.1:{port}/synapse" in result.stderr
    for secret in (password, *SECRETS.values()):
        assert secret not in result.stdout + result.stderr


def test_postgres_without_the_extra_names_the_extra(
    tmp_path: Path, pushctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    database = {"name": "psycopg2", "args": {"database": "synapse", "host": "db.invalid"}}
    result = pushctl("fleet", "stats", "--synapse-config", str(synapse_yaml(tmp_path, database)))
    assert_clean_failure(result, 4)
    assert "pip install 'pushctl[synapse]'" in result.stderr


@pytest.mark.parametrize(("version", "words"), [(None, "not a Synapse database"),
                                                (72, "schema version 72")])  # fmt: skip
def test_a_database_that_is_not_synapse_or_too_old_is_refused(
    tmp_path: Path, pushctl, version: int | None, words: str
) -> None:
    db = tmp_path / "homeserver.db"
    connection = sqlite3.connect(db)
    if version is not None:
        connection.execute("CREATE TABLE schema_version (version INTEGER, upgraded BOOL)")
        connection.execute("INSERT INTO schema_version VALUES (?, 0)", (version,))
    connection.execute("CREATE TABLE other (x)")
    connection.commit()
    connection.close()
    path = synapse_yaml(tmp_path, {"name": "sqlite3", "args": {"database": str(db)}})
    result = pushctl("fleet", "health", "--synapse-config", str(path))
    assert_clean_failure(result, 4)
    assert words in result.stderr
    beside = sorted(p.name for p in tmp_path.iterdir())
    assert beside == ["home", "homeserver.db", "homeserver.yaml"]


# -- the verdict, against Synapse's own code ------------------------------------------

ADDRESSES = [
    "127.0.0.1", "127.0.0.2", "10.1.2.3", "172.20.0.5", "192.168.1.9", "100.64.0.1",
    "169.254.1.1", "93.184.215.14", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1",
    "::ffff:10.1.2.3", "::127.0.0.1", "2002:7f00:1::1", "2002:5db8:d70e::1", "fe80::1",
    "fd00::5", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14", "224.0.0.1",
]  # fmt: skip
CONFIGS = [
    (None, []),
    (None, ["127.0.0.1"]),
    (None, ["10.0.0.0/8", "::1"]),
    ([], []),
    (["93.184.0.0/16"], ["93.184.215.14"]),
    (None, ["0.0.0.0", "::"]),
]

SYNAPSE_SIDE = """
import json, sys
from netaddr import IPAddress
from synapse.config.server import DEFAULT_IP_RANGE_BLOCKLIST, generate_ip_set
from synapse.http.client import _is_ip_blocked
configs, addresses = json.load(sys.stdin)
out = []
for blocked, allowed in configs:
    block = generate_ip_set(DEFAULT_IP_RANGE_BLOCKLIST if blocked is None else blocked,
                            ["0.0.0.0", "::"])
    allow = generate_ip_set(allowed)
    out.append([_is_ip_blocked(IPAddress(a), allow, block) for a in addresses])
print(json.dumps([DEFAULT_IP_RANGE_BLOCKLIST, out]))
"""


def test_verdicts_agree_with_synapses_own_functions() -> None:
    python = synapse_python()
    answer = subprocess.run(
        [str(python), "-c", SYNAPSE_SIDE],
        input=json.dumps([CONFIGS, ADDRESSES]),
        capture_output=True,
        text=True,
        check=True,
    )
    default, synapse_says = json.loads(answer.stdout)
    assert tuple(default) == blocklist.DEFAULT_BLOCKLIST
    for (blocked, allowed), refused in zip(CONFIGS, synapse_says, strict=True):
        rules = blocklist.Rules.of(blocked, allowed)
        ours = [rules.refusing_range(a) is not None for a in ADDRESSES]
        assert ours == refused, (blocked, allowed)
