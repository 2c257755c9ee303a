"""Output formats as one layer: ``--csv`` on ``list`` and ``fleet list``, the flags that
exclude each other, and ``set --data-format`` (``--format`` kept, deprecated).

CSV is read back with the csv module and compared with what the server holds.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from typing import Any

import pytest

from pushctl.output.render import csv_text
from tests.support.accounts import Account

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

#: ``list --csv``'s columns: the table's, named as the JSON fields (pinned in test_json_contract)
LIST_FIELDS = [
    "app_id", "pushkey", "kind", "device_display_name", "app_display_name", "lang", "data.url"
]  # fmt: skip


def rows_of(text: str) -> list[dict[str, str]]:
    assert "\r\n" in text, "RFC 4180 ends rows with CRLF"
    return list(csv.DictReader(io.StringIO(text, newline="")))


def flat(pusher: dict[str, Any], field: str) -> str:
    value: Any = pusher
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return csv_text(value)


def test_list_csv_parses_back_to_the_servers_values(account: Account, pushctl) -> None:
    # a pushkey that starts like a spreadsheet formula, text that needs quoting
    account.add_pusher(pushkey="+Xp/MzCt8=" + "k" * 60, device_display_name='=1+1, "quoted"')
    account.add_pusher(pushkey="-second", device_display_name="two\nlines", lang="de")
    result = pushctl("list", "--csv", env=account.env())
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert list(rows[0]) == LIST_FIELDS
    server = {p["pushkey"]: p for p in account.pushers()}
    assert {row["pushkey"] for row in rows} == set(server), "pushkeys whole, never shortened"
    for row in rows:
        assert row == {field: flat(server[row["pushkey"]], field) for field in LIST_FIELDS}


def test_list_csv_with_user_adds_the_device_and_enabled_columns(
    account: Account, admin: Account, pushctl
) -> None:
    account.add_pusher(pushkey="csv-user")
    result = pushctl("list", "--csv", "--user", account.user_id, env=admin.env())
    assert result.returncode == 0, result.stderr
    (row,) = rows_of(result.stdout)
    assert list(row) == [*LIST_FIELDS, "device_id", "enabled"]
    assert row["device_id"] == account.device_id and row["enabled"] == "true"


def test_list_csv_without_pushers_is_the_header_alone(account: Account, pushctl) -> None:
    result = pushctl("list", "--csv", env=account.env())
    assert result.returncode == 0, result.stderr
    assert result.stdout == ",".join(LIST_FIELDS) + "\r\n"


def test_fleet_list_csv_parses_back_to_the_servers_values(
    account: Account, admin: Account, pushctl
) -> None:
    url = f"https://csv-{secrets.token_hex(4)}.example.org/_matrix/push/v1/notify"
    account.add_pusher(pushkey="fleet-csv-" + "x" * 40, data={"url": url})
    result = pushctl("fleet", "list", "--csv", "--gateway", url, env=admin.env())
    assert result.returncode == 0, result.stderr
    (row,) = rows_of(result.stdout)
    assert list(row) == ["user_id", "app_id", "pushkey", "kind", "data.url", "device_id", "enabled"]
    (pusher,) = account.pushers()
    assert row["user_id"] == account.user_id and row["device_id"] == account.device_id
    assert row["pushkey"] == pusher["pushkey"] and row["data.url"] == url
    assert row["enabled"] == "true"
    listed = json.loads(
        pushctl("fleet", "list", "--json", "--gateway", url, env=admin.env()).stdout
    )
    assert [p["pushkey"] for p in listed] == [row["pushkey"]], "CSV and JSON list the same"


@pytest.mark.parametrize("flags", [["--json", "--csv"], ["--yaml", "--csv"], ["--json", "--yaml"]])
def test_output_flags_exclude_each_other(account: Account, pushctl, flags: list[str]) -> None:
    result = pushctl("list", *flags, env=account.env())
    assert result.returncode == 2
    assert f"{flags[0]} and {flags[1]} exclude each other" in result.stderr
    assert result.stdout == ""


def test_set_data_format_sets_data_format(account: Account, pushctl) -> None:
    args = ["set", "--pushkey", "df-new", "--app-id", "org.example.app.ios"]
    args += ["--app-display-name", "E", "--device-display-name", "P", "--lang", "en"]
    args += ["--url", "https://push.example.org/_matrix/push/v1/notify"]
    result = pushctl(*args, "--data-format", "event_id_only", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "deprecated" not in result.stderr
    assert account.pushers()[0]["data"]["format"] == "event_id_only"

    old = pushctl(*args, "--format", "event_id_only", env=account.env())
    assert old.returncode == 0, old.stderr
    assert old.stderr.count("deprecated") == 1 and "--data-format" in old.stderr
    assert account.pushers()[0]["data"]["format"] == "event_id_only"

    both = pushctl(*args, "--format", "x", "--data-format", "event_id_only", env=account.env())
    assert both.returncode == 2 and "--data-format" in both.stderr


def test_set_data_format_with_an_unusual_value_warns_and_sets_it(account: Account, pushctl) -> None:
    """Relaxed validation: an unusual ``data.format`` is a warning, the value is sent."""
    args = ["set", "--pushkey", "df-odd", "--app-id", "org.example.app.ios"]
    args += ["--app-display-name", "E", "--device-display-name", "P", "--lang", "en"]
    args += ["--url", "https://push.example.org/_matrix/push/v1/notify"]
    result = pushctl(*args, "--data-format", "full", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "data.format" in result.stderr and "'full'" in result.stderr
    assert account.pushers()[0]["data"]["format"] == "full"


def test_every_json_flag_is_declared_by_the_output_layer() -> None:
    """No command declares ``--json`` itself: each takes it from ``output_options``."""
    from pushctl.cli.app import make_app
    from pushctl.cli.compat import click_command
    from pushctl.cli.registry import COMMANDS

    def leaves(command: Any, path: str) -> list[tuple[str, Any]]:
        if not hasattr(command, "commands"):  # a group's are its subcommands
            return [(path, command)]
        return [
            found
            for name, inner in command.commands.items()
            for found in leaves(inner, f"{path} {name}".strip())
        ]

    # make_app builds the one command a line runs: build each in turn
    built = [
        found
        for c in COMMANDS
        for found in leaves(click_command(make_app([c.name])), "")
        if found[0].split()[0] == c.name
    ]
    with_json = [path for path, c in built if any("--json" in p.opts for p in c.params)]
    assert {"list", "pause", "resume", "fleet health", "fleet gateways"} <= set(with_json)
    own = [path for path, c in built if path in with_json and not _from_layer(c.callback)]
    assert own == [], f"--json declared outside output_options: {own}"


def _from_layer(callback: Any) -> bool:
    while callback is not None:
        if hasattr(callback, "output_formats"):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


@pytest.mark.parametrize("formats", [["--json", "--prometheus"], ["--prometheus", "--json"]])
def test_fleet_health_json_and_prometheus_exclude_each_other(pushctl, formats: list[str]) -> None:
    result = pushctl("fleet", "health", *formats, "--synapse-config", "/nonexistent.yaml")
    assert result.returncode == 2
    assert "--json and --prometheus exclude each other" in result.stderr
    assert result.stdout == ""
