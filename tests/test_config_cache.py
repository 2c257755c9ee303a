"""The parsed Synapse configuration kept between runs, and what loading it costs.

Real files in a temporary directory; no server. Each test keeps its cache in
its own ``XDG_CACHE_HOME``, so no cache leaks from one test to another.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pushctl.homeserver_host import config, configcache
from tests.support.accounts import clean_env

SECRETS = {
    "macaroon_secret_key": "macaroon-very-secret-1",
    "registration_shared_secret": "registration-very-secret-2",
    "form_secret": "form-very-secret-3",
}
PG_PASSWORD = "pg-very-secret-4"
SQLITE = {"name": "sqlite3", "args": {"database": "/srv/synapse/homeserver.db", "cp_min": 5}}

LOAD = """\
import json, sys
from pushctl.homeserver_host import config
print(repr(config.load(json.loads(sys.argv[1]))))
print(sorted(m for m in ("yaml", "dataclasses", "inspect") if m in sys.modules))
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path / "home")


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are kept at once (one test checks the real wait)."""
    monkeypatch.setattr(configcache, "SETTLED_NS", 0)


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))  # JSON is YAML
    return path


def cache_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CACHE_HOME"]) / "pushctl" / "synapse-config.json"


def load_in_new_process(paths: list[str], env: dict[str, str]) -> tuple[str, list[str]]:
    """What a new process loads at *paths*, and which of yaml, dataclasses, inspect it imported."""
    result = subprocess.run(
        [sys.executable, "-c", LOAD, json.dumps(paths)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    loaded, modules = result.stdout.splitlines()
    return loaded, json.loads(modules.replace("'", '"'))


def next_clock_tick() -> None:
    """Let the filesystem's clock move on, so that the next change has a new change time."""
    time.sleep(0.05)


def test_config_and_database_modules_import_neither_yaml_nor_dataclasses(tmp_path: Path) -> None:
    code = "import sys, pushctl.homeserver_host.config, pushctl.homeserver_host.database\n"
    code += "print(sorted(m for m in ('yaml', 'dataclasses', 'inspect') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean_env(tmp_path), capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize(
    "lists",
    [{}, {"ip_range_blacklist": None}, {"ip_range_blacklist": ["10.0.0.0/8"],
                                         "ip_range_whitelist": ["10.1.2.3"]}],
    ids=["blocklist absent", "blocklist empty", "both lists"],
)  # fmt: skip
def test_an_unchanged_config_is_recalled_without_reading_yaml(
    tmp_path: Path, env: dict[str, str], lists: dict[str, object]
) -> None:
    conf = tmp_path / "conf.d"
    conf.mkdir()
    base = write(tmp_path / "homeserver.yaml", {"server_name": "example.org", **SECRETS})
    write(conf / "10-db.yaml", {"database": SQLITE, **lists})
    paths = [str(base), str(conf)]
    first = config.load(paths, env)
    loaded, modules = load_in_new_process(paths, env)
    assert modules == []
    assert loaded == repr(first)
    assert config.load(paths, env) == first


def test_an_edit_to_the_same_size_with_its_time_set_back_is_read_again(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE})
    assert config.load([str(path)], env).server_name == "example.org"
    assert cache_file(env).exists()
    before = path.stat()
    next_clock_tick()
    write(path, {"server_name": "example.net", "database": SQLITE})
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert config.load([str(path)], env).server_name == "example.net"


def test_a_replaced_file_is_read_again(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE})
    assert config.load([str(path)], env).server_name == "example.org"
    before = path.stat()
    new = write(tmp_path / "new.yaml", {"server_name": "example.net", "database": SQLITE})
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(new, path)
    assert path.stat().st_ino != before.st_ino
    assert config.load([str(path)], env).server_name == "example.net"


def test_a_new_file_in_a_config_directory_is_read(tmp_path: Path, env: dict[str, str]) -> None:
    conf = tmp_path / "conf.d"
    conf.mkdir()
    write(conf / "10-base.yaml", {"server_name": "example.org", "database": SQLITE})
    assert config.load([str(conf)], env).ip_allowlist == ()
    write(conf / "20-lists.yaml", {"ip_range_whitelist": ["10.1.2.3"]})
    found = config.load([str(conf)], env)
    assert found.ip_allowlist == ("10.1.2.3",)
    assert [f.name for f in found.files] == ["10-base.yaml", "20-lists.yaml"]


def test_another_set_of_paths_is_read(tmp_path: Path, env: dict[str, str]) -> None:
    base = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE})
    extra = write(tmp_path / "extra.yaml", {"ip_range_blacklist": ["192.0.2.0/24"]})
    assert config.load([str(base)], env).ip_blocklist is None
    both = config.load([str(base), str(extra)], env)
    assert both.ip_blocklist == ("192.0.2.0/24",)
    assert both.files == (base, extra)
    assert config.load([str(base)], env).ip_blocklist is None  # each set is kept apart


def test_a_relative_sqlite_path_is_not_recalled_in_another_directory(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    relative = {"name": "sqlite3", "args": {"database": "homeserver.db"}}
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": relative})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert config.load([str(path)], env).database.where == str(tmp_path / "a" / "homeserver.db")
    monkeypatch.chdir(tmp_path / "b")
    assert config.load([str(path)], env).database.where == str(tmp_path / "b" / "homeserver.db")


def test_a_postgres_password_is_never_kept_and_its_config_read_every_time(
    tmp_path: Path, env: dict[str, str]
) -> None:
    database = {
        "name": "psycopg2",
        "args": {"user": "synapse", "password": PG_PASSWORD, "host": "db.invalid"},
    }
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": database})
    paths = [str(path)]
    first = config.load(paths, env)
    _, modules = load_in_new_process(paths, env)
    assert "yaml" in modules  # parsed again
    assert config.load(paths, env) == first
    cache = Path(env["XDG_CACHE_HOME"])
    kept = [p.read_bytes() for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert not any(PG_PASSWORD.encode() in text for text in kept)


def test_the_other_secrets_are_not_kept_and_the_file_is_private(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE,
                                        **SECRETS})  # fmt: skip
    config.load([str(path)], env)
    text = cache_file(env).read_text()
    assert "example.org" in text
    assert not any(secret in text for secret in SECRETS.values())
    assert stat.S_IMODE(cache_file(env).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "damage",
    ["garbage", "list", "foreign format", "bad entries", "bad value under the key", "directory"],
)
def test_a_damaged_cache_changes_nothing_and_says_nothing(
    tmp_path: Path, env: dict[str, str], damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE,
                                        "ip_range_blacklist": None})  # fmt: skip
    expected = config.load([str(path)], clean_env(tmp_path / "elsewhere"))
    cache = cache_file(env)
    cache.parent.mkdir(parents=True)
    key = configcache.signature([path])
    bad_value = {"server_name": 5, "database": {}, "ip_blocklist": [], "ip_allowlist": []}
    contents = {
        "garbage": "\x00not json{{",
        "list": "[]",
        "foreign format": json.dumps({"format": 99, "entries": []}),
        "bad entries": json.dumps({"format": 1, "entries": [1, {"key": 2}, {"key": {}}]}),
        "bad value under the key": json.dumps(
            {"format": 1, "entries": [{"key": key, "config": bad_value}]}
        ),
    }
    if damage == "directory":
        cache.mkdir()
    else:
        cache.write_text(contents[damage])
        cache.chmod(0o600)
    for _ in range(2):
        assert config.load([str(path)], env) == expected
    assert capsys.readouterr() == ("", "")


def test_a_config_that_fails_is_never_kept(tmp_path: Path, env: dict[str, str]) -> None:
    good = write(tmp_path / "good.yaml", {"server_name": "example.org", "database": SQLITE})
    config.load([str(good)], env)
    kept = cache_file(env).read_text()
    path = write(tmp_path / "hs.yaml", {"database": SQLITE})
    for _ in range(2):
        with pytest.raises(config.ConfigError, match="no server_name"):
            config.load([str(path)], env)
    assert cache_file(env).read_text() == kept
    next_clock_tick()
    write(path, {"server_name": "example.net", "database": SQLITE})
    assert config.load([str(path)], env).server_name == "example.net"


def test_a_file_changed_within_the_last_second_is_not_kept(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(configcache, "SETTLED_NS", 10**9)
    path = write(tmp_path / "hs.yaml", {"server_name": "example.org", "database": SQLITE})
    config.load([str(path)], env)
    assert not cache_file(env).exists()


def test_the_cache_keeps_a_few_sets_of_files_the_latest_first(
    tmp_path: Path, env: dict[str, str]
) -> None:
    paths = [
        write(tmp_path / f"hs{n}.yaml", {"server_name": f"s{n}.example.org", "database": SQLITE})
        for n in range(configcache.MAX_ENTRIES + 2)
    ]
    for path in paths:
        config.load([str(path)], env)
    entries = json.loads(cache_file(env).read_text())["entries"]
    assert len(entries) == configcache.MAX_ENTRIES
    assert [e["config"]["server_name"] for e in entries[:2]] == [
        f"s{n}.example.org" for n in (len(paths) - 1, len(paths) - 2)
    ]
