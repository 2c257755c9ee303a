"""import and export against a real Synapse; writes are counted by a proxy in front of it.

Each test reads the server's state straight from Synapse (not through pushctl)
and counts the requests pushctl made through ``tests/proxy.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from pushctl.homeserver.adaptive import DEFAULT_MAXIMUM
from pushctl.pushers import model
from tests.support.accounts import GATEWAY, Account, assert_clean_failure, clean_env
from tests.support.importfiles import DEFAULTS, entries, expected, normalised, via, write_file
from tests.support.proxy import DROP, Drop, Proxy, Reply, Seen
from tests.support.signals import default_sigint

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


def test_import_creates_every_pusher(account: Account, proxy: Proxy, pushctl, tmp_path) -> None:
    wanted = entries(5)
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    result = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert normalised(account.pushers()) == expected(wanted)
    assert len(proxy.writes()) == 5
    # one read to plan, one just before writing (a change since the plan is skipped)
    assert len(proxy.requests("GET", "/pushers")) == 2
    assert "5 to create" in result.stderr and "applied 5 changes" in result.stderr
    assert "create" in result.stdout  # the plan and the summary table


def test_import_updates_what_differs_and_leaves_the_rest(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    same = account.add_pusher(pushkey="same", **DEFAULTS, device_display_name="Phone")
    account.add_pusher(pushkey="changed", **DEFAULTS, device_display_name="Tablet")
    wanted = [
        {"pushkey": "same", "device_display_name": "Phone"},
        {"pushkey": "changed", "device_display_name": "Tablet", "lang": "de"},
    ]
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["planned"] == {"create": 0, "update": 1, "unchanged": 1, "delete": 0}
    [change] = summary["changes"]
    assert change["pushkey"] == "changed" and change["fields"] == ["lang"]
    assert [w.json()["pushkey"] for w in proxy.writes()] == ["changed"]
    server = normalised(account.pushers())
    assert server[("org.example.app.ios", "changed")]["lang"] == "de"
    assert server[("org.example.app.ios", "same")] == model.normalise(same)


def test_an_unchanged_file_makes_zero_writes(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    # the server reports profile_tag "" for none: that is no difference
    account.add_pusher(pushkey="a", **DEFAULTS, device_display_name="Phone")
    account.add_pusher(pushkey="b", **DEFAULTS, device_display_name="Tab", profile_tag="t")
    wanted = [
        {"pushkey": "a", "device_display_name": "Phone"},
        {"pushkey": "b", "device_display_name": "Tab", "profile_tag": "t"},
    ]
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    before = account.pushers()
    result = pushctl("import", str(path), env=via(proxy, account))  # no --yes needed
    assert result.returncode == 0, result.stderr
    assert proxy.writes() == []
    assert "nothing to change" in result.stderr
    assert account.pushers() == before


def test_prune_deletes_what_the_file_lacks_and_only_then(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    account.add_pusher(pushkey="keep", **DEFAULTS, device_display_name="Phone")
    account.add_pusher(pushkey="old", app_id="org.example.other")
    path = write_file(tmp_path / "p.yaml", [{"pushkey": "keep", "device_display_name": "Phone"}],
                      DEFAULTS)  # fmt: skip
    without = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert without.returncode == 0, without.stderr
    assert len(account.pushers()) == 2 and proxy.writes() == []
    result = pushctl("import", str(path), "--yes", "--prune", "--json", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["keep"]
    [write] = proxy.writes()
    assert write.json() == {"app_id": "org.example.other", "pushkey": "old", "kind": None}
    summary = json.loads(result.stdout)
    assert summary["applied"] == {"create": 0, "update": 0, "delete": 1}
    assert summary["changes"][0] == {
        "action": "delete",
        "app_id": "org.example.other",
        "pushkey": "old",
        "line": None,
        "fields": [],
        "take_over": False,
        "status": "applied",
        "error": None,
    }


def test_dry_run_shows_the_plan_and_changes_nothing(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    account.add_pusher(pushkey="old")
    path = write_file(tmp_path / "p.yaml", entries(3), DEFAULTS)
    result = pushctl("import", str(path), "--dry-run", "--prune", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert "Plan (dry run): 3 to create, 0 to update, 0 unchanged, 1 to delete" in result.stderr
    assert result.stdout.count("create") == 3 and "delete" in result.stdout
    assert "key-0002" in result.stdout
    as_json = pushctl("import", str(path), "--dry-run", "--json", env=via(proxy, account))
    summary = json.loads(as_json.stdout)
    assert summary["dry_run"] is True
    assert {c["status"] for c in summary["changes"]} == {"planned"}
    assert [c["line"] for c in summary["changes"]] == [9, 11, 13]
    assert proxy.writes() == []
    assert [p["pushkey"] for p in account.pushers()] == ["old"]


def test_import_from_stdin_needs_yes(account: Account, proxy: Proxy, pushctl) -> None:
    text = yaml.safe_dump({"defaults": DEFAULTS, "pushers": entries(2)})
    refused = pushctl("import", "-", input=text, env=via(proxy, account))
    assert_clean_failure(refused, 2)
    assert "--yes" in refused.stderr
    assert proxy.writes() == [] and account.pushers() == []
    result = pushctl("import", "-", "--yes", input=text, env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert normalised(account.pushers()) == expected(entries(2))


def test_json_file_and_json_summary(account: Account, proxy: Proxy, pushctl, tmp_path) -> None:
    path = write_file(tmp_path / "p.json", entries(2), DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary == {
        "version": 1,
        "source": str(path),
        "dry_run": False,
        "prune": False,
        "interrupted": False,
        "planned": {"create": 2, "update": 0, "unchanged": 0, "delete": 0},
        "applied": {"create": 2, "update": 0, "delete": 0},
        "failed": 0,
        "not_started": 0,
        "skipped": [],
        "changes": [
            {
                "action": "create",
                "app_id": "org.example.app.ios",
                "pushkey": f"key-000{i}",
                "line": line,
                "fields": [],
                "take_over": False,
                "status": "applied",
                "error": None,
            }
            for i, line in ((0, 12), (1, 16))
        ],
    }
    assert normalised(account.pushers()) == expected(entries(2))


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_is_a_no_op(
    account: Account, proxy: Proxy, pushctl, tmp_path, fmt: str
) -> None:
    account.add_pusher(pushkey="plain")
    account.add_pusher(pushkey="tagged", profile_tag="work", lang="de-DE")
    account.add_pusher(pushkey="🔔 ünïcödé 鍵", device_display_name="Téléphone de Zoë")
    account.add_pusher(
        pushkey="rich-data",
        data={"url": GATEWAY, "format": "event_id_only", "n": 1, "list": [1, "two", None]},
    )
    account.add_pusher(pushkey="yes", device_display_name="123", app_display_name="null")
    out = tmp_path / f"export.{fmt}"
    exported = pushctl("export", "-o", str(out), env=account.env())
    assert exported.returncode == 0, exported.stderr
    text = out.read_text()
    loaded = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert normalised(loaded["pushers"]) == normalised(account.pushers())
    stdout = pushctl("export", "--format", fmt, env=account.env())
    assert stdout.stdout == text
    before = account.pushers()
    result = pushctl("import", str(out), "--json", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["planned"]["unchanged"] == 5
    assert proxy.writes() == []
    assert account.pushers() == before


UNICODE_KEYS = [
    "é" * 256,  # exactly 512 bytes of UTF-8
    "🔑" * 128,  # 4-byte characters, 512 bytes
    "鍵" * 170,  # 3-byte characters, 510 bytes
    "ключ-Schlüssel-κλειδί",
    "tab\tand space and 'quotes' \"double\" and: colon # hash",
]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_unicode_and_multibyte_pushkeys(
    account: Account, proxy: Proxy, pushctl, tmp_path, suffix: str
) -> None:
    wanted = [{"pushkey": key, "device_display_name": "Zoë's 電話"} for key in UNICODE_KEYS]
    path = write_file(tmp_path / f"p{suffix}", wanted, DEFAULTS)
    result = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert normalised(account.pushers()) == expected(wanted)
    proxy.reset()
    again = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert again.returncode == 0, again.stderr
    assert proxy.writes() == []


def test_a_513_byte_pushkey_is_refused_with_its_line(account: Account, pushctl, tmp_path) -> None:
    wanted = [{"pushkey": "ok", "device_display_name": "P"},
              {"pushkey": "é" * 256 + "x", "device_display_name": "P"}]  # fmt: skip
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    result = pushctl("-v", "import", str(path), "--yes", env=account.env())
    assert_clean_failure(result, 3)
    assert f"{path}:11: pushkey: is 513 bytes of UTF-8; the limit is 512 bytes" in result.stderr
    assert "GET" not in result.stderr and "POST" not in result.stderr
    assert account.pushers() == []


def test_400_entries_import_then_reimport_with_zero_writes(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    wanted = entries(400)
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    first = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account), timeout=180)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["applied"]["create"] == 400
    assert len(proxy.writes()) == 400
    # adaptive, bounded concurrency; one HTTP connection per worker
    assert 2 < proxy.max_in_flight <= DEFAULT_MAXIMUM, "it must ramp up from 2, up to the cap"
    assert len({w.connection for w in proxy.writes()}) <= DEFAULT_MAXIMUM
    assert normalised(account.pushers()) == expected(wanted)
    proxy.reset()
    again = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["planned"]["unchanged"] == 400
    assert proxy.writes() == []
    assert [(s.method, s.path) for s in proxy.requests()] == [("GET", "/_matrix/client/v3/pushers")]


def test_concurrency_flag_bounds_the_writes_in_flight(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    proxy.hook = lambda seen: time.sleep(0.05) if seen.is_write else None
    path = write_file(tmp_path / "p.yaml", entries(12), DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--concurrency", "1", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert proxy.max_in_flight == 1 and len(proxy.writes()) == 12
    proxy.reset()
    path = write_file(tmp_path / "q.yaml", entries(60, prefix="capped"), DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--concurrency", "3", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert proxy.max_in_flight == 3, "a cap of 3 is reached and never passed"


def test_failures_are_named_with_their_line_and_the_servers_error(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    # an email pusher passes local checks, but Synapse wants a verified address
    wanted = [
        *entries(2),
        {"kind": "email", "app_id": "m.email", "pushkey": "zoe@example.org",
         "device_display_name": "Mail", "data": {}},
        *entries(2, prefix="more"),
    ]  # fmt: skip
    path = write_file(tmp_path / "p.yaml", wanted, DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--json", env=via(proxy, account))
    assert_clean_failure(result, 5)
    error = json.loads(result.stderr)["error"]["message"]
    assert f"{path}:13: create m.email zoe@example.org: homeserver refused: HTTP 400" in error
    summary = json.loads(result.stdout)
    assert summary["applied"]["create"] == 4 and summary["failed"] == 1
    [failed] = [c for c in summary["changes"] if c["status"] == "failed"]
    assert failed["line"] == 13 and "HTTP 400" in failed["error"]
    assert sorted(p["pushkey"] for p in account.pushers()) == [
        "key-0000", "key-0001", "more-0000", "more-0001"
    ]  # fmt: skip
    plain = pushctl("import", str(path), "--yes", env=via(proxy, account))
    assert_clean_failure(plain, 1)  # the only write failed: nothing was applied
    assert "1 of 1 change failed; none was applied" in plain.stderr
    assert f"{path}:13: create" in plain.stderr


def test_a_rejected_token_stops_the_run(account: Account, proxy: Proxy, pushctl, tmp_path) -> None:
    def hook(seen: Seen) -> Reply | None:
        if seen.is_write and len(proxy.writes()) > 3:
            return Reply(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Token revoked"})
        return None

    proxy.hook = hook
    path = write_file(tmp_path / "p.yaml", entries(40), DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--concurrency", "1", env=via(proxy, account))
    assert_clean_failure(result, 4)
    assert "stopped after 3 of 40 changes" in result.stderr and "M_UNKNOWN_TOKEN" in result.stderr
    assert len(proxy.writes()) == 4, "no write may start after the token was rejected"
    assert len(account.pushers()) == 3


def test_export_writes_json_by_suffix_and_needs_a_token(
    account: Account, pushctl, tmp_path
) -> None:
    account.add_pusher(pushkey="k")
    out = tmp_path / "out.json"
    result = pushctl("export", "-o", str(out), env=account.env())
    assert result.returncode == 0, result.stderr
    assert "exported 1 pusher" in result.stderr
    assert [p["pushkey"] for p in json.loads(out.read_text())["pushers"]] == ["k"]
    no_token = pushctl("export", env={"PUSHCTL_HOMESERVER": account.server.base_url})
    assert_clean_failure(no_token, 4)


def test_sigint_stops_new_writes_reports_and_a_rerun_converges(
    account: Account, proxy: Proxy, tmp_path, home
) -> None:
    total = 200
    proxy.hook = lambda seen: time.sleep(0.25) if seen.is_write else None
    path = write_file(tmp_path / "p.yaml", entries(total), DEFAULTS)
    command = [sys.executable, "-m", "pushctl", "import", str(path), "--yes", "--json"]
    process = subprocess.Popen(
        command,
        env=clean_env(home, via(proxy, account)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 60
    while len(proxy.writes()) < 12:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    summary = json.loads(stdout)
    applied = summary["applied"]["create"]
    assert summary["interrupted"] is True
    assert 12 <= applied < total
    assert summary["not_started"] == total - applied
    # the writes in flight were let finish: all the proxy saw were applied and reported
    assert len(proxy.writes()) == applied == len(account.pushers())
    assert (
        f"interrupted: applied {applied} of {total} changes"
        in json.loads(stderr)["error"]["message"]
    )

    proxy.hook = None
    proxy.reset()
    rerun = subprocess.run(
        [*command[:-1]], env=clean_env(home, via(proxy, account)), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert len(proxy.writes()) == total - applied
    assert normalised(account.pushers()) == expected(entries(total))


def test_confirmation_and_progress_on_a_terminal(
    account: Account, proxy: Proxy, tmp_path, home
) -> None:
    import pty

    path = write_file(tmp_path / "p.yaml", entries(3), DEFAULTS)

    def run_on_terminal(answer: bytes, piped: bool = True) -> tuple[int, str, str]:
        """stdin and stderr on a terminal, and stdout too unless *piped*."""
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "pushctl", "import", str(path)],
            env=clean_env(home, via(proxy, account)),
            stdin=follower,
            stdout=subprocess.PIPE if piped else follower,
            stderr=follower,
        )
        os.close(follower)
        screen = _read_until(leader, b"[y/N]")
        os.write(leader, answer + b"\n")
        stdout = process.communicate(timeout=60)[0] or b""
        screen += _read_all(leader)
        os.close(leader)
        return process.returncode, stdout.decode(), screen.decode(errors="replace")

    code, stdout, screen = run_on_terminal(b"n")
    assert code == 1 and "cancelled: nothing was changed" in screen
    assert "Apply 3 changes to" in screen
    assert stdout.startswith("ACTION") and stdout.endswith("\n"), "the question is on stderr"
    assert proxy.writes() == [] and account.pushers() == []

    code, stdout, screen = run_on_terminal(b"y")
    assert code == 0, screen
    assert "3/3" not in screen, "no progress bar when stdout is not a terminal (README)"
    assert "Applied" in stdout and "create" in stdout
    assert len(proxy.writes()) == 3 and len(account.pushers()) == 3

    write_file(path, entries(6), DEFAULTS)
    code, _, screen = run_on_terminal(b"y", piped=False)
    assert code == 0, screen
    assert "3/3" in screen, "a progress bar when a person watches stdout and stderr"
    assert "Applied" in screen and len(account.pushers()) == 6


def _read_until(fd: int, marker: bytes, timeout: float = 30) -> bytes:
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        assert time.monotonic() < deadline, data
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data += os.read(fd, 4096)
            except OSError:
                break
    return data


def _read_all(fd: int) -> bytes:
    import select

    data = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_import_rides_out_a_rate_limit_and_a_dropped_connection(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    slow_down = {"errcode": "M_LIMIT_EXCEEDED", "error": "slow down", "retry_after_ms": 200}
    faults: dict[int, Reply | Drop] = {3: Reply(429, slow_down), 5: DROP}

    def hook(seen: Seen) -> Reply | Drop | None:
        return faults.pop(len(proxy.writes()), None) if seen.is_write else None

    proxy.hook = hook
    path = write_file(tmp_path / "p.yaml", entries(8), DEFAULTS)
    result = pushctl("import", str(path), "--yes", "--concurrency", "1", env=via(proxy, account))
    assert result.returncode == 0, result.stderr
    assert faults == {}, "both faults were injected"
    assert len(proxy.writes()) == 10, "8 writes and 2 retries"
    assert normalised(account.pushers()) == expected(entries(8))


def test_an_html_error_page_instead_of_the_list_stops_before_any_write(
    account: Account, proxy: Proxy, pushctl, tmp_path
) -> None:
    page = Reply(502, "<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"})
    proxy.hook = lambda seen: page if seen.method == "GET" else None
    path = write_file(tmp_path / "p.yaml", entries(2), DEFAULTS)
    result = pushctl("--retries", "1", "import", str(path), "--yes", env=via(proxy, account))
    assert_clean_failure(result, 1)
    assert "HTTP 502" in result.stderr and "<html>" not in result.stderr
    assert len(proxy.requests("GET")) == 2 and proxy.writes() == []
    assert account.pushers() == []


def test_export_warns_about_server_pushers_that_break_a_rule(
    account: Account, pushctl, tmp_path
) -> None:
    # the homeserver stores these without complaint; the exported file would not import
    account.add_pusher(pushkey="k" * 600)
    account.add_pusher(pushkey="fine")
    path = tmp_path / "out.yaml"
    result = pushctl("export", "-o", str(path), env=account.env())
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "600 bytes" in result.stderr
    assert "fine" not in result.stderr
    assert_clean_failure(pushctl("validate", str(path)), 3)
