"""list, set and delete against a real Synapse; the server's state is read back directly."""

from __future__ import annotations

import json

import pytest
import yaml

from pushctl.homeserver.adaptive import DEFAULT_MAXIMUM
from tests.support.accounts import GATEWAY, Account, assert_clean_failure, make_pusher

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

SET_ARGS = [
    "--app-id", "org.example.app.android",
    "--app-display-name", "Example",
    "--device-display-name", "Alice's phone",
    "--lang", "en-GB",
    "--url", GATEWAY,
]  # fmt: skip


def test_list_json_is_an_empty_array_without_pushers(account: Account, pushctl) -> None:
    result = pushctl("list", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_list_json_gives_exactly_the_servers_fields(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="k1", profile_tag="tag")
    account.add_pusher(pushkey="k2", app_id="org.example.other")
    result = pushctl("list", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == account.pushers()


def test_list_yaml_and_filters(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="k1")
    account.add_pusher(pushkey="k2", app_id="org.example.other")
    result = pushctl("list", "--yaml", "--app-id", "org.example.other", env=account.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in yaml.safe_load(result.stdout)] == ["k2"]
    result = pushctl("list", "--json", "--kind", "email", env=account.env())
    assert json.loads(result.stdout) == []


def test_list_table_shortens_pushkeys_unless_wide(account: Account, pushctl) -> None:
    long_key = "A" * 20 + "MIDDLE" + "Z" * 20
    account.add_pusher(pushkey=long_key, device_display_name="Kitchen tablet")
    table = pushctl("list", env=account.env())
    assert table.returncode == 0, table.stderr
    assert "Kitchen tablet" in table.stdout and "org.example.app.ios" in table.stdout
    assert long_key not in table.stdout and "…" in table.stdout and "MIDDLE" not in table.stdout
    wide = pushctl("list", "--wide", env=account.env())
    assert long_key in wide.stdout


def test_list_accepts_a_trailing_slash_on_the_homeserver(account: Account, pushctl) -> None:
    env = account.env(PUSHCTL_HOMESERVER=account.server.base_url + "/")
    assert pushctl("list", "--json", env=env).returncode == 0


def test_set_creates_a_pusher_on_the_server(account: Account, pushctl) -> None:
    result = pushctl(
        "set", "--pushkey", "tok-1", *SET_ARGS, "--profile-tag", "pt",
        "--format", "event_id_only", "--data", "extra=1", "--data", "n:=2",
        env=account.env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [pusher] = account.pushers()
    assert pusher["pushkey"] == "tok-1"
    assert pusher["device_display_name"] == "Alice's phone"
    assert pusher["profile_tag"] == "pt"
    assert pusher["data"] == {"url": GATEWAY, "format": "event_id_only", "extra": "1", "n": 2}


def test_set_replaces_an_existing_pusher(account: Account, pushctl) -> None:
    account.add_pusher(app_id="org.example.app.android", pushkey="tok", lang="de")
    result = pushctl("set", "--pushkey", "tok", *SET_ARGS, env=account.env())
    assert result.returncode == 0, result.stderr
    [pusher] = account.pushers()
    assert pusher["lang"] == "en-GB"


def test_set_accepts_a_multibyte_pushkey_of_exactly_512_bytes(account: Account, pushctl) -> None:
    pushkey = "é" * 256
    result = pushctl("set", "--pushkey", pushkey, *SET_ARGS, env=account.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == [pushkey]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--pushkey", "é" * 256 + "x"], "pushkey"),
        (["--pushkey", "k", "--app-id", "a" * 65], "app_id"),
        (["--pushkey", "k", "--kind", ""], "kind"),
        (["--pushkey", "k", "--url", "ftp://bad/_matrix/push/v1/notify"], "data.url"),
        (["--pushkey", "k", "--url", "https://push.example.org/notify"], "data.url"),
    ],
)
def test_set_refuses_invalid_pushers_before_sending(
    account: Account, pushctl, args: list[str], field: str
) -> None:
    # later flags win in Typer, so the bad value overrides the good one in SET_ARGS
    result = pushctl("-v", "set", *SET_ARGS, *args, env=account.env())
    assert_clean_failure(result, 3)
    assert f"{field}: " in result.stderr
    assert "POST" not in result.stderr, "nothing may be sent"
    assert account.pushers() == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--kind", "org.matrix.msc4174.webpush"], "kind"),
        (["--format", " "], "data.format"),
        (["--lang", "not a tag"], "lang"),
        (["--device-display-name", ""], "device_display_name"),
    ],
)
def test_set_warns_about_what_is_unusual_and_sends_it(
    account: Account, pushctl, args: list[str], field: str
) -> None:
    # the homeserver stores each of these (NeoChat's format, Element's empty name, ...)
    result = pushctl("set", *SET_ARGS, "--pushkey", "k", *args, env=account.env())
    assert result.returncode == 0, result.stderr
    assert f"pushctl: warning: {field}: " in result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["k"]


def test_set_without_required_flags_names_them(account: Account, pushctl) -> None:
    result = pushctl("set", "--pushkey", "k", env=account.env())
    assert_clean_failure(result, 3)
    assert "--app-id" in result.stderr and "--lang" in result.stderr
    assert account.pushers() == []


def test_set_dry_run_prints_the_body_and_sends_nothing(account: Account, pushctl) -> None:
    result = pushctl("-v", "set", "--pushkey", "k", *SET_ARGS, "--append", "--dry-run",
                     env=account.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["pushkey"] == "k" and body["append"] is True and body["kind"] == "http"
    assert "POST" not in result.stderr
    assert account.pushers() == []


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        ("k:=NaN", 2, "not JSON"),
        ("k:=-Infinity", 2, "not JSON"),
        ("k:=" + "[" * 100_000 + "]" * 100_000, 2, "not JSON"),
        ("k:=1e400", 3, "data.k: inf is not a JSON number"),
        ("k:=" + "[" * 40 + "]" * 40, 3, "data.k: nested more than 32 levels deep"),
    ],
)
@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_set_data_that_json_cannot_carry_is_refused(
    account: Account, pushctl, data: str, code: int, fragment: str, dry_run: list[str]
) -> None:
    result = pushctl("set", "--pushkey", "k", *SET_ARGS, "--data", data, *dry_run,
                     env=account.env())  # fmt: skip
    assert_clean_failure(result, code)
    assert fragment in result.stderr
    assert result.stdout == ""
    assert account.pushers() == []


def test_set_email_pusher_needs_a_verified_address(account: Account, pushctl) -> None:
    # Synapse refuses an address the user has not verified: a server error, exit 1
    result = pushctl(
        "set", "--kind", "email", "--pushkey", "alice@example.org",
        "--app-display-name", "Mail", "--device-display-name", "Inbox", "--lang", "en",
        env=account.env(),
    )  # fmt: skip
    assert_clean_failure(result, 1)
    assert "M_THREEPID_NOT_FOUND" in result.stderr


def test_delete_one_pusher(account: Account, pushctl) -> None:
    keep = account.add_pusher(pushkey="keep")
    account.add_pusher(pushkey="gone")
    result = pushctl("delete", "--app-id", keep["app_id"], "--pushkey", "gone", env=account.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["keep"]


def test_delete_selection_needs_yes_without_a_terminal(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="a")
    account.add_pusher(pushkey="b")
    result = pushctl("delete", "--all", env=account.env())
    assert_clean_failure(result, 2)
    assert "--yes" in result.stderr
    assert len(account.pushers()) == 2


def test_delete_selection_by_app_id_with_yes(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="a")
    account.add_pusher(pushkey="b")
    account.add_pusher(pushkey="c", app_id="org.example.keep")
    result = pushctl("delete", "--app-id", "org.example.app.ios", "--yes", "--json",
                     env=account.env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert sorted(p["pushkey"] for p in report["deleted"]) == ["a", "b"]
    assert report["failed"] == []
    assert [p["pushkey"] for p in account.pushers()] == ["c"]


def test_delete_by_device_name(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="a", device_display_name="Old phone")
    account.add_pusher(pushkey="b", device_display_name="New phone")
    result = pushctl("delete", "--device-name", "Old phone", "--yes", env=account.env())
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["b"]


def test_delete_all_dry_run_deletes_nothing(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="a")
    result = pushctl("delete", "--all", "--dry-run", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "Would delete 1 pusher" in result.stderr
    assert len(account.pushers()) == 1


def test_delete_nothing_matching_is_not_an_error(account: Account, pushctl) -> None:
    result = pushctl("delete", "--app-id", "org.none", "--pushkey", "x", env=account.env())
    assert result.returncode == 0
    assert "no pusher matches" in result.stderr


def test_delete_needs_a_selection(account: Account, pushctl) -> None:
    assert_clean_failure(pushctl("delete", env=account.env()), 2)
    assert_clean_failure(pushctl("delete", "--all", "--app-id", "x", env=account.env()), 2)


def test_verbose_traces_requests_without_the_token(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="a")
    result = pushctl("-v", "list", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert f"GET {account.server.base_url}/_matrix/client/v3/pushers -> 200" in result.stderr
    assert account.token not in result.stderr + result.stdout


def test_no_token_exits_4_with_a_hint(account: Account, pushctl) -> None:
    result = pushctl("list", env={"PUSHCTL_HOMESERVER": account.server.base_url})
    assert_clean_failure(result, 4)
    assert "pushctl login" in result.stderr and "PUSHCTL_ACCESS_TOKEN" in result.stderr


def test_rejected_token_exits_4_with_a_hint(account: Account, pushctl) -> None:
    result = pushctl("list", env=account.env(PUSHCTL_ACCESS_TOKEN="syt_not_a_real_token"))
    assert_clean_failure(result, 4)
    assert "M_UNKNOWN_TOKEN" in result.stderr and "pushctl login" in result.stderr


def test_pushers_of_another_user_are_not_touched(synapse, pushctl) -> None:
    from tests.support.accounts import new_account

    alice, bob = new_account(synapse), new_account(synapse)
    bob.add_pusher(pushkey="bobs")
    result = pushctl("delete", "--all", "--yes", env=alice.env())
    assert result.returncode == 0
    assert [p["pushkey"] for p in bob.pushers()] == ["bobs"]
    assert make_pusher(pushkey="bobs")["app_id"] == bob.pushers()[0]["app_id"]


def test_list_table_shows_brackets_literally(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="k", device_display_name="[old] phone")
    result = pushctl("list", env=account.env())
    assert "[old] phone" in result.stdout


def test_global_options_may_come_after_the_command(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="late")
    env = {"PUSHCTL_ACCESS_TOKEN": account.token}  # no homeserver in the environment
    result = pushctl(
        "list", "--json", "-v", "--homeserver", account.server.base_url, "--retries", "0", env=env
    )
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in json.loads(result.stdout)] == ["late"]
    assert "GET " in result.stderr and "-> 200" in result.stderr, "-v after the command traces"
    unsafe = pushctl("delete", "--all", "--homeserver", "http://pushctl.invalid", env=env)
    assert_clean_failure(unsafe, 2)
    assert "https" in unsafe.stderr


def test_delete_all_runs_in_parallel_and_names_what_failed(
    account: Account, proxy, pushctl
) -> None:
    import time

    from tests.support.proxy import Reply

    for number in range(20):
        account.add_pusher(pushkey=f"bulk-{number:02d}")

    def hook(seen):  # type: ignore[no-untyped-def]
        if not seen.is_write:
            return None
        if seen.json()["pushkey"] == "bulk-07":
            return Reply(500, {"errcode": "M_UNKNOWN", "error": "disk full"})
        time.sleep(0.05)
        return None

    proxy.hook = hook
    env = account.env(PUSHCTL_HOMESERVER=proxy.url)
    result = pushctl("delete", "--all", "--yes", "--json", env=env)
    assert_clean_failure(result, 5)
    assert "bulk-07" in result.stderr and "disk full" in result.stderr
    report = json.loads(result.stdout)
    assert len(report["deleted"]) == 19 and report["failed"][0]["pusher"]["pushkey"] == "bulk-07"
    assert [p["pushkey"] for p in account.pushers()] == ["bulk-07"]
    assert 1 < proxy.max_in_flight <= DEFAULT_MAXIMUM, "bounded concurrency, as import"
