"""On the homeserver's host: ``--synapse-config``, ``fleet health``, ``fleet gateways``.

Against real Synapses, one on SQLite and one on a real PostgreSQL 15 (both
module-scoped, with only this file's users). Every state comes from Synapse
itself: a direct message makes it push to gateways on loopback, which deliver,
answer HTTP 500 (failing) or are refused by the homeserver's IP lists.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.accounts import Account, assert_clean_failure, new_account
from tests.support.localsynapse import LocalSynapse
from tests.support.pushgateway import NOTIFY_PATH, PushGateway

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

_messages = itertools.count()


@dataclass
class Host:
    """A homeserver and its configuration file, as on the homeserver's host."""

    backend: str
    server: LocalSynapse
    #: the loopback address its ip_range_whitelist lets through
    allowed: str
    admin: Account
    secret: str = ""

    @property
    def config(self) -> str:
        return str(self.server.directory / "homeserver.yaml")

    @property
    def sqlite_file(self) -> Path:
        return self.server.directory / "homeserver.db"

    def pushctl_args(self) -> list[str]:
        return ["--synapse-config", self.config]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def host(request: pytest.FixtureRequest) -> Iterator[Host]:
    if request.param == "sqlite":
        with LocalSynapse(extra_config={"ip_range_whitelist": ["127.0.0.1"]}) as server:
            yield Host("sqlite", server, "127.0.0.1", new_account(server, "admin", admin=True))
        return
    from tests.support.postgres import LocalPostgres, binaries

    if binaries() is None:
        pytest.skip("PostgreSQL 15 not installed (scripts/test installs it through apt)")
    password = "pg-" + os.urandom(8).hex()
    with LocalPostgres() as postgres:
        postgres.create_database("synapse", "synapse_user", password)
        extra = {
            "database": postgres.synapse_database("synapse", "synapse_user", password),
            "ip_range_whitelist": ["127.0.0.2"],
        }
        with LocalSynapse(extra_config=extra) as server:
            admin = new_account(server, "admin", admin=True)
            yield Host("postgres", server, "127.0.0.2", admin, secret=password)


def direct_message(server: LocalSynapse, sender: Account, recipient: Account) -> str:
    """A DM from *sender* to *recipient*: Synapse pushes it to each of the recipient's pushers."""
    invite = {"invite": [recipient.user_id], "is_direct": True}
    room = server.call("POST", "/_matrix/client/v3/createRoom", invite, token=sender.token)
    rooms = f"/_matrix/client/v3/rooms/{quote(room['room_id'])}"
    server.call("POST", f"{rooms}/join", {}, token=recipient.token)
    message = {"msgtype": "m.text", "body": "are you there?"}
    txn = f"m{next(_messages)}"
    sent = server.call("PUT", f"{rooms}/send/m.room.message/{txn}", message, token=sender.token)
    return str(sent["event_id"])


def health(pushctl: Any, host: Host, *args: str) -> tuple[int, dict[str, Any], str]:
    result = pushctl("fleet", "health", "--json", *host.pushctl_args(), *args)
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def of_user(document: dict[str, Any], user_id: str) -> dict[str, dict[str, Any]]:
    return {p["pushkey"]: p for p in document["pushers"] if p["user_id"] == user_id}


def wait_until(condition: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


# -- fleet health ------------------------------------------------------------------


def test_health_shows_what_synapse_recorded_failing_delivered_and_device_less(
    host: Host, pushctl
) -> None:
    server = host.server
    alice, bob = new_account(server, "alice"), new_account(server, "bob")
    with PushGateway(host.allowed) as good, PushGateway(host.allowed) as down:
        down.failing = True
        alice.add_pusher(pushkey="good", data={"url": good.url})
        alice.add_pusher(pushkey="down", data={"url": down.url})
        # a token without a device, as the admin API's login-as gives: its pusher has no device
        path = f"/_synapse/admin/v1/users/{quote(alice.user_id)}/login"
        deviceless = server.call("POST", path, {}, token=host.admin.token)["access_token"]
        pusher = {"app_id": "org.example.bot", "pushkey": "bot", "kind": "http", "lang": "en",
                  "app_display_name": "Bot", "device_display_name": "none",
                  "data": {"url": good.url}}  # fmt: skip
        server.call("POST", "/_matrix/client/v3/pushers/set", pusher, token=deviceless)
        direct_message(server, bob, alice)

        def recorded() -> bool:
            _, document, _ = health(pushctl, host, "--all")
            mine = of_user(document, alice.user_id)
            return bool(mine["down"]["failing_since"] and mine["good"]["last_success"])

        assert wait_until(recorded), "Synapse never recorded the failure and the success"
        assert down.received, "the failing gateway was asked and answered 500"

    status, document, stderr = health(pushctl, host)
    assert status == 6, stderr
    mine = of_user(document, alice.user_id)
    assert set(mine) == {"down", "bot"}  # without --all: only pushers with a problem
    assert mine["down"]["problems"] == ["pusher.failing"]
    assert mine["down"]["failing_since"].endswith("Z")
    assert mine["down"]["last_success"] is None
    assert mine["down"]["url"] == down.url
    assert mine["down"]["device_id"] == alice.device_id
    assert mine["bot"]["problems"] == ["pusher.no-device"]
    assert mine["bot"]["device_id"] is None
    assert document["summary"]["failing"] >= 1
    assert document["summary"]["no_device"] >= 1
    gateway_row = next(g for g in document["summary"]["by_gateway"]
                       if g["gateway"] == f"http://{host.allowed}:{down.port}")  # fmt: skip
    assert gateway_row == {"gateway": f"http://{host.allowed}:{down.port}", "pushers": 1,
                           "failing": 1, "no_device": 0}  # fmt: skip

    _, everything, _ = health(pushctl, host, "--all")
    good_row = of_user(everything, alice.user_id)["good"]
    assert good_row["problems"] == [] and good_row["failing_since"] is None
    assert good_row["last_success"].endswith("Z")

    table = pushctl("fleet", "health", *host.pushctl_args())
    assert table.returncode == 6
    assert "pusher.failing" in table.stdout and "pusher.no-device" in table.stdout
    assert "1 pusher failing" in table.stderr or "pushers failing" in table.stderr


def test_prometheus_textfile_is_labelled_by_app_id_and_gateway_only(
    host: Host, pushctl, tmp_path: Path
) -> None:
    server = host.server
    carol, dave = new_account(server, "carol"), new_account(server, "dave")
    with PushGateway(host.allowed) as down:
        down.failing = True
        carol.add_pusher(pushkey="carol-key", app_id="org.example.prom", data={"url": down.url})
        direct_message(server, dave, carol)
        assert down.wait_for(lambda: bool(down.received)), "Synapse never pushed"
        assert wait_until(lambda: health(pushctl, host)[0] == 6)
    (tmp_path / "textfile").mkdir()
    out = tmp_path / "textfile" / "pushctl.prom"
    result = pushctl("fleet", "health", "--prometheus", "-o", str(out), *host.pushctl_args())
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    label = f'app_id="org.example.prom",gateway="http://{host.allowed}:{down.port}"'
    assert f"pushctl_synapse_pushers{{{label}}} 1.0" in text
    assert f"pushctl_synapse_pushers_failing{{{label}}} 1.0" in text
    assert "# TYPE pushctl_synapse_pushers_failing gauge" in text
    assert NOTIFY_PATH not in text and "carol-key" not in text and carol.user_id not in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # node_exporter reads it
    assert [p.name for p in out.parent.iterdir()] == ["pushctl.prom"]  # no temporary left


# -- fleet gateways: the verdict against what Synapse then does ----------------------


def test_gateway_verdicts_match_whether_synapse_pushes(host: Host, pushctl) -> None:
    server = host.server
    erin, frank = new_account(server, "erin"), new_account(server, "frank")
    with PushGateway("127.0.0.1") as v4, PushGateway("127.0.0.2") as v4b, \
            PushGateway("::1") as v6:  # fmt: skip
        forms = {
            "v4": f"http://127.0.0.1:{v4.port}{NOTIFY_PATH}",
            "name": f"http://localhost:{v4.port}{NOTIFY_PATH}",
            "v4b": f"http://127.0.0.2:{v4b.port}{NOTIFY_PATH}",
            "v6": f"http://[::1]:{v6.port}{NOTIFY_PATH}",
            "mapped": f"http://[::ffff:127.0.0.1]:{v4.port}{NOTIFY_PATH}",
            "mapped-b": f"http://[::ffff:127.0.0.2]:{v4b.port}{NOTIFY_PATH}",
        }
        for form, url in forms.items():
            erin.add_pusher(pushkey=f"erin-{form}", data={"url": url})
        result = pushctl("fleet", "gateways", "--json", *host.pushctl_args())
        verdicts = {g["url"]: g for g in json.loads(result.stdout)["gateways"]}
        direct_message(server, frank, erin)

        def arrived(form: str) -> bool:
            return any(g.notifications_for(f"erin-{form}") for g in (v4, v4b, v6))

        allowed = [f for f, url in forms.items() if verdicts[url]["verdict"] == "allowed"]
        assert wait_until(lambda: all(arrived(f) for f in allowed)), "an allowed push is missing"
        time.sleep(3)  # the refused ones had as long as the allowed ones needed, and more
    assert_clean_failure(result, 6)
    for form, url in forms.items():
        assert (verdicts[url]["verdict"] == "allowed") == arrived(form), (form, verdicts[url])
    allowed_v4 = "v4" if host.allowed == "127.0.0.1" else "v4b"
    refused_v4 = "v4b" if allowed_v4 == "v4" else "v4"
    assert verdicts[forms[allowed_v4]]["verdict"] == "allowed"
    assert verdicts[forms[allowed_v4]]["probe"]["result"] != "unreachable"  # it was looked at
    refused = verdicts[forms[refused_v4]]
    assert refused["verdict"] == "blocked" and refused["blocked_by"] == "127.0.0.0/8"
    assert refused["advice"].startswith(f'add "{refused["addresses"][0]}" to ip_range_whitelist')
    assert verdicts[forms["v6"]]["blocked_by"] == "::1/128"
    mapped = verdicts[forms["mapped" if host.allowed == "127.0.0.1" else "mapped-b"]]
    assert mapped["verdict"] == "unresolvable"  # allowed by the lists; Synapse cannot use it
    assert "IPv6" in mapped["reason"]
    table = pushctl("fleet", "gateways", "--no-probe", *host.pushctl_args())
    assert table.returncode == 6
    assert f"{forms[refused_v4]}: blocked: add " in table.stderr
    assert forms[refused_v4] in table.stdout


def test_a_name_is_refused_when_one_of_its_addresses_is(
    host: Host, pushctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Faked resolution: nothing is contacted (--no-probe), no private address is used."""
    user = new_account(host.server, "gina")
    split = f"https://split.pushctl.invalid{NOTIFY_PATH}"
    public = f"https://public.pushctl.invalid{NOTIFY_PATH}"
    nowhere = f"https://nowhere.pushctl.invalid{NOTIFY_PATH}"
    for number, url in enumerate((split, public, nowhere)):
        user.add_pusher(pushkey=f"gina-{number}", data={"url": url})
    answers = {
        "split.pushctl.invalid": ["93.184.215.14", "10.1.2.3"],
        "public.pushctl.invalid": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    }
    monkeypatch.setattr("pushctl.doctor.gateways.resolve", lambda name, port: answers.get(name, []))
    result = pushctl("fleet", "gateways", "--json", "--no-probe", *host.pushctl_args())
    assert_clean_failure(result, 6)
    verdicts = {g["url"]: g for g in json.loads(result.stdout)["gateways"]}
    assert verdicts[split]["verdict"] == "blocked"
    assert verdicts[split]["refused"] == [{"address": "10.1.2.3", "range": "10.0.0.0/8"}]
    assert '"10.1.2.3"' in verdicts[split]["advice"]
    assert verdicts[public]["verdict"] == "allowed" and verdicts[public]["blocked_by"] is None
    assert verdicts[nowhere]["verdict"] == "unresolvable"
    assert verdicts[public]["probe"] is None


# -- fleet list / stats from the database --------------------------------------------


def same_listing(one: Any, other: Any) -> bool:
    """Equal, but for the order of one user's pushers, which is the database's whim
    (Synapse reads them with no ORDER BY; PostgreSQL moves a row it updates)."""
    if not isinstance(one, list):
        return bool(one == other)

    def key(pusher: dict[str, Any]) -> tuple[str, str, str]:
        return (pusher["user_id"], pusher["app_id"], pusher["pushkey"])

    users = [p["user_id"] for p in one]
    return sorted(one, key=key) == sorted(other, key=key) and users == [p["user_id"] for p in other]


def test_database_list_and_stats_equal_the_admin_api(host: Host, pushctl) -> None:
    user = new_account(host.server, "hana")
    user.add_pusher(pushkey="hana-1", app_id="org.example.listed",
                    data={"url": f"https://b.pushctl.invalid{NOTIFY_PATH}"})  # fmt: skip
    user.add_pusher(pushkey="hana-2", data={"url": f"https://a.pushctl.invalid{NOTIFY_PATH}",
                                            "format": "event_id_only"})  # fmt: skip
    for args in (["list", "--json"], ["list", "--json", "--app-id", "org.example.listed"],
                 ["stats", "--json"]):  # fmt: skip
        through_api = pushctl("fleet", *args, env=host.admin.env())
        through_db = pushctl("fleet", *args, *host.pushctl_args())  # no token at all
        assert through_api.returncode == 0, through_api.stderr
        assert through_db.returncode == 0, through_db.stderr
        assert same_listing(json.loads(through_db.stdout), json.loads(through_api.stdout)), args
    table = pushctl("fleet", "list", *host.pushctl_args())
    assert "hana-1" in table.stdout


def test_database_list_csv_equals_the_admin_apis(host: Host, pushctl) -> None:
    """``fleet list --csv`` prints the same rows through the database (same path as the API)."""
    user = new_account(host.server, "ines")
    user.add_pusher(pushkey="ines-csv", data={"url": f"https://c.pushctl.invalid{NOTIFY_PATH}"})
    args = ["fleet", "list", "--csv", "--app-id", "org.example.app.ios"]
    through_api = pushctl(*args, env=host.admin.env())
    through_db = pushctl(*args, *host.pushctl_args())
    assert through_api.returncode == 0, through_api.stderr
    assert through_db.returncode == 0, through_db.stderr
    header, *rows = through_db.stdout.splitlines()
    assert header == "user_id,app_id,pushkey,kind,data.url,device_id,enabled"
    assert any(row.startswith(f"{user.user_id},") and "ines-csv" in row for row in rows)
    assert sorted(rows) == sorted(through_api.stdout.splitlines()[1:])


def test_nothing_appears_beside_a_live_sqlite_database(host: Host, pushctl) -> None:
    if host.backend != "sqlite":
        pytest.skip("SQLite only")
    before = sorted(p.name for p in host.server.directory.iterdir())
    for args in (["list"], ["stats"], ["health", "--all"], ["gateways", "--no-probe"]):
        pushctl("fleet", *args, *host.pushctl_args())
    assert sorted(p.name for p in host.server.directory.iterdir()) == before


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stopped_sqlite_database_is_left_byte_identical(
    host: Host, pushctl, tmp_path: Path
) -> None:
    """A copy of Synapse's database as Synapse leaves it when stopped: no -wal, no -shm."""
    if host.backend != "sqlite":
        pytest.skip("SQLite only")
    import sqlite3

    copy = tmp_path / "db" / "homeserver.db"
    copy.parent.mkdir()
    source = sqlite3.connect(f"file:{host.sqlite_file}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    config = tmp_path / "homeserver.yaml"
    config.write_text(json.dumps({"server_name": "localhost", "report_stats": False,
                                  "database": {"name": "sqlite3",
                                               "args": {"database": str(copy)}}}))  # fmt: skip
    before = digest(copy)
    for args in (["list"], ["stats", "--json"], ["health", "--all"], ["gateways", "--no-probe"]):
        result = pushctl("fleet", *args, "--synapse-config", str(config))
        assert result.returncode in (0, 6), result.stderr
        assert digest(copy) == before, args
        assert [p.name for p in copy.parent.iterdir()] == ["homeserver.db"], args


def test_a_wrong_database_password_is_refused_without_showing_it(
    host: Host, pushctl, tmp_path: Path
) -> None:
    if host.backend != "postgres":
        pytest.skip("PostgreSQL only")
    settings = json.loads(Path(host.config).read_text())
    settings["database"]["args"]["password"] = "wrong-" + host.secret
    config = tmp_path / "homeserver.yaml"
    config.write_text(json.dumps(settings))
    result = pushctl("-v", "fleet", "health", "--synapse-config", str(config))
    assert_clean_failure(result, 4)
    port = settings["database"]["args"]["port"]
    assert f"database: 127.0.0.1:{port}/synapse" in result.stderr
    assert "password" in result.stderr  # PostgreSQL says what failed...
    for secret in (host.secret, settings["macaroon_secret_key"], settings["form_secret"]):
        assert secret not in result.stdout + result.stderr  # ...never what it was


def test_doctor_adds_the_homeserver_side_and_drops_the_guess(host: Host, pushctl) -> None:
    server = host.server
    ivy, jack = new_account(server, "ivy"), new_account(server, "jack")
    refused = "127.0.0.2" if host.allowed == "127.0.0.1" else "127.0.0.1"
    with PushGateway(host.allowed) as down, PushGateway(refused) as elsewhere:
        down.failing = True
        ivy.add_pusher(pushkey="ivy-down", data={"url": down.url})
        ivy.add_pusher(pushkey="ivy-refused", data={"url": elsewhere.url})
        direct_message(server, jack, ivy)
        assert down.wait_for(lambda: bool(down.received)), "Synapse never pushed"
        assert wait_until(lambda: len(of_user(health(pushctl, host)[1], ivy.user_id)) == 2)
        guess = pushctl("doctor", "--json", "--no-push", env=ivy.env())
        result = pushctl("doctor", "--json", "--no-push", *host.pushctl_args(), env=ivy.env())
    assert_clean_failure(result, 6)
    assert "gateway.private-address" in guess.stdout  # without the homeserver's side
    findings = json.loads(result.stdout)["findings"]
    checks = {f["check"]: f for f in findings}
    assert "gateway.private-address" not in checks
    blocked = [f for f in findings if f["check"] == "gateway.blocked"]
    assert [f["pusher"]["pushkey"] for f in blocked] == ["ivy-refused"]
    assert f"{refused} (in 127.0.0.0/8)" in blocked[0]["message"]
    failing = {f["pusher"]["pushkey"]: f for f in findings if f["check"] == "pusher.failing"}
    assert set(failing) == {"ivy-down", "ivy-refused"}  # Synapse fails on the refused one too
    failing = failing["ivy-down"]
    assert "since 20" in failing["message"] and "last success: never" in failing["message"]
