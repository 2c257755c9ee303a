"""Tag characters and variation selectors are shown, not swallowed, everywhere.

They draw nothing by themselves (a tag character) or only change how the
character before them looks (a variation selector), so two pushkeys differing
by one printed the same in a table, in ``--json`` and in messages.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from pushctl.output.environment import Environment
from tests.support.accounts import Account, assert_clean_failure

pytestmark = pytest.mark.inprocess

# (character, how a table or a message shows it, how JSON writes it)
HIDDEN = {
    "tag-a": ("\U000e0041", "\\U000e0041", "\\udb40\\udc41"),
    "cancel-tag": ("\U000e007f", "\\U000e007f", "\\udb40\\udc7f"),
    "variation-selector-16": ("\ufe0f", "\\ufe0f", "\\ufe0f"),
    "variation-selector-17": ("\U000e0100", "\\U000e0100", "\\udb40\\udd00"),
    "variation-selector-256": ("\U000e01ef", "\\U000e01ef", "\\udb40\\uddef"),
}
CASES = pytest.mark.parametrize(("hidden", "shown", "in_json"), HIDDEN.values(), ids=HIDDEN)


@CASES
@pytest.mark.synapse
def test_pushkeys_differing_by_one_look_different_in_the_table(
    account: Account, pushctl, hidden: str, shown: str, in_json: str
) -> None:
    account.add_pusher(pushkey="abcdef")
    account.add_pusher(pushkey=f"abc{hidden}def")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    assert hidden not in result.stdout
    assert f"abc{shown}def" in result.stdout and " abcdef " in result.stdout


@CASES
@pytest.mark.synapse
def test_json_writes_them_as_escapes_that_read_back_the_same(
    account: Account, pushctl, hidden: str, shown: str, in_json: str
) -> None:
    sneaky = f"key{hidden}-end"
    account.add_pusher(pushkey=sneaky)
    result = pushctl("list", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert hidden not in result.stdout
    assert f'"key{in_json}-end"' in result.stdout
    assert [p["pushkey"] for p in json.loads(result.stdout)] == [sneaky]

    as_yaml = pushctl("list", "--yaml", env=account.env())
    assert hidden not in as_yaml.stdout
    assert [p["pushkey"] for p in yaml.safe_load(as_yaml.stdout)] == [sneaky]


@CASES
def test_a_file_problem_on_stderr_shows_them(
    pushctl, tmp_path: Path, hidden: str, shown: str, in_json: str
) -> None:
    path = tmp_path / "pushers.yaml"
    url = f"ftp://push{hidden}.example.org/_matrix/push/v1/notify"
    path.write_text(
        "- {app_id: a, pushkey: k, app_display_name: A, device_display_name: D, lang: en, "
        f"data: {{url: {json.dumps(url, ensure_ascii=False)}}}}}\n",
        encoding="utf-8",
    )
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    assert hidden not in result.stderr
    assert f"push{shown}.example.org" in result.stderr


@CASES
def test_messages_on_stderr_show_them(hidden: str, shown: str, in_json: str) -> None:
    stderr = io.StringIO()
    env = Environment.create(stdin=io.StringIO(), stdout=io.StringIO(), stderr=stderr, environ={})
    env.warn(f"pusher key{hidden} failed")
    env.info(f"deleted key{hidden}")
    assert stderr.getvalue() == (
        f"pushctl: warning: pusher key{shown} failed\ndeleted key{shown}\n"
    )
