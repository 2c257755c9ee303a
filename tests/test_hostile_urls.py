"""URLs Python's parser chokes on, wherever they come from: never an internal error.

From a file they are a problem at their line (exit 3), from a pusher flag an
error naming the flag (exit 3), as the homeserver a usage error (exit 2); a
pusher the server holds with such a URL is reported, not probed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.accounts import Account, assert_clean_failure

pytestmark = pytest.mark.inprocess

NOTIFY = "/_matrix/push/v1/notify"
HOSTILE = {
    "unclosed-bracket": (f"http://[::1{NOTIFY}", "unmatched [ ]"),
    "unopened-bracket": (f"http://::1]{NOTIFY}", "unmatched [ ]"),
    "no-ip-in-brackets": (f"http://[zz]{NOTIFY}", "IP address"),
    "text-after-bracket": (f"http://[::1]x{NOTIFY}", "after the ]"),
    "port-too-big": (f"https://push.example.org:99999{NOTIFY}", "invalid port"),
    "port-not-a-number": (f"https://push.example.org:８０{NOTIFY}", "invalid port"),
    "nfkc-delimiter": (f"https://push\uff03x.example.org{NOTIFY}", "NFKC"),
}
CASES = pytest.mark.parametrize(("url", "says"), HOSTILE.values(), ids=HOSTILE)
SET_FLAGS = [
    "--pushkey", "k", "--app-id", "org.example.app", "--app-display-name", "Example",
    "--device-display-name", "Phone", "--lang", "en",
]  # fmt: skip
NOWHERE = {"PUSHCTL_HOMESERVER": "http://127.0.0.1:9", "PUSHCTL_ACCESS_TOKEN": "unused"}


def one_line(stderr: str) -> str:
    [line] = stderr.strip().splitlines()
    return line


@CASES
def test_in_a_file_it_is_a_problem_of_data_url_at_its_line(
    pushctl, tmp_path: Path, url: str, says: str
) -> None:
    path = tmp_path / "pushers.yaml"
    path.write_text(
        "pushers:\n"
        "  - app_id: org.example.app\n"
        "    pushkey: k\n"
        "    app_display_name: Example\n"
        "    device_display_name: Phone\n"
        "    lang: en\n"
        f"    data: {{url: {json.dumps(url)}}}\n",
        encoding="utf-8",
    )
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    [problem] = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    assert problem.startswith(f"{path}:7: data.url: ") and says in problem


@CASES
def test_set_names_the_url_flag(pushctl, url: str, says: str) -> None:
    result = pushctl("set", "--dry-run", *SET_FLAGS, "--url", url)
    assert_clean_failure(result, 3)
    assert says in result.stderr and "(set with --url)" in result.stderr
    assert result.stdout == ""


@CASES
def test_fleet_move_gateway_names_the_to_flag(pushctl, url: str, says: str) -> None:
    result = pushctl(
        "fleet", "move-gateway", "--from", f"https://old.example.org{NOTIFY}", "--to", url,
        "--dry-run", env=NOWHERE,
    )  # fmt: skip
    assert_clean_failure(result, 3)
    assert one_line(result.stderr).startswith("pushctl: error: --to ") and says in result.stderr


@CASES
def test_as_the_homeserver_it_is_a_usage_error(pushctl, url: str, says: str) -> None:
    result = pushctl("--homeserver", url.removesuffix(NOTIFY), "list", env=NOWHERE)
    assert_clean_failure(result, 2)
    assert "homeserver URL" in one_line(result.stderr) and says in result.stderr


def test_a_server_name_that_is_no_host_names_the_user_flag(pushctl) -> None:
    result = pushctl(
        "login", "--user", "@alice:[::1", "--password-stdin", "--insecure-storage", input="pw\n"
    )
    assert_clean_failure(result, 2)
    assert one_line(result.stderr).startswith("pushctl: error: --user '@alice:[::1': ")


@pytest.mark.synapse
def test_a_stored_pusher_with_a_bad_port_is_reported_not_probed(account: Account, pushctl) -> None:
    """Synapse checks only the path, so it stores a port Python refuses to read."""
    url = HOSTILE["port-too-big"][0]
    account.add_pusher(pushkey="bad-port", data={"url": url})

    listed = pushctl("list", env=account.env())
    assert listed.returncode == 0, listed.stderr
    assert "push.example.org:99999" in listed.stdout

    tested = pushctl("test", "--json", env=account.env())
    assert "internal error" not in tested.stderr and "Traceback" not in tested.stderr
    [probe] = json.loads(tested.stdout)
    assert probe["result"] != "delivered" and "invalid port" in json.dumps(probe)

    doctor = pushctl("doctor", "--json", "--no-push", env=account.env())
    assert doctor.returncode == 6, doctor.stderr
    findings = json.loads(doctor.stdout)["findings"]
    assert [f["check"] for f in findings] == ["pusher.invalid"]
    assert "invalid port" in findings[0]["message"]
