"""``fleet move-gateway --to`` is checked as ``set --url`` is, warnings included."""

from __future__ import annotations

import secrets

import pytest

from tests.support.accounts import new_account

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]

NOTIFY = "/_matrix/push/v1/notify"
PLAIN_HTTP = "pushctl: warning: --to uses plain http to push.example.org; notifications will "


@pytest.mark.parametrize(
    ("to", "warned"),
    [
        (f"http://push.example.org{NOTIFY}", True),
        (f"https://push.example.org{NOTIFY}", False),
        (f"http://127.0.0.1:5000{NOTIFY}", False),
    ],
    ids=["plain-http", "https", "loopback"],
)
def test_plain_http_to_a_host_elsewhere_warns_like_set(
    synapse,  # type: ignore[no-untyped-def]
    pushctl,  # type: ignore[no-untyped-def]
    to: str,
    warned: bool,
) -> None:
    admin = new_account(synapse, "fleetadmin", admin=True)
    old = f"https://old-{secrets.token_hex(4)}.example.org{NOTIFY}"
    result = pushctl(
        "fleet", "move-gateway", "--from", old, "--to", to, "--dry-run", env=admin.env()
    )
    assert result.returncode == 0, result.stderr
    assert (PLAIN_HTTP in result.stderr) is warned, result.stderr

    the_same_with_set = pushctl(
        "set", "--dry-run", "--pushkey", "k", "--app-id", "a", "--app-display-name", "A",
        "--device-display-name", "D", "--lang", "en", "--url", to,
    )  # fmt: skip
    assert ("uses plain http" in the_same_with_set.stderr) is warned
