"""pushctl.api, the library surface, against a real Synapse: what the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pushctl import api
from tests.support.accounts import Account, make_pusher

pytestmark = pytest.mark.synapse


def test_a_file_is_planned_applied_exported_and_deleted(account: Account, tmp_path: Path) -> None:
    target = api.connect(account.server.base_url, account.token, environ={})
    first, second = make_pusher(), make_pusher()
    api.set_pusher(target, first)
    imports = tmp_path / "pushers.json"
    imports.write_text(api.export([first, second], "json"))
    plan = api.plan_file(target, str(imports))
    assert [c.action for c in plan.changes] == [api.Action.UNCHANGED, api.Action.CREATE]
    report = api.apply_plan(target, plan)
    assert report.total == 1 and not report.failed
    assert sorted(p["pushkey"] for p in account.pushers()) == sorted(
        [first["pushkey"], second["pushkey"]]
    )
    with target.writer() as writer:
        deleted = api.delete_pushers(writer, api.list_pushers(target))
    assert len(deleted.deleted) == 2
    assert account.pushers() == []


def test_doctor_reports_without_pushing(account: Account) -> None:
    target = api.connect(account.server.base_url, account.token, environ={})
    report = api.doctor(target, push=False)
    assert isinstance(report, api.DoctorReport)
    assert "pushers.none" in [f.check for f in report.findings]


def test_errors_carry_the_command_lines_exit_status(account: Account) -> None:
    target = api.connect(account.server.base_url, "not-a-token", environ={})
    with pytest.raises(api.MatrixError) as raised:
        api.list_pushers(target)
    assert raised.value.exit_status is api.ExitStatus.AUTH
    assert int(raised.value.exit_status) == 4
    with pytest.raises(api.InvalidInput) as invalid:
        api.set_pusher(target, make_pusher(kind="http", data={}))
    assert invalid.value.exit_status == 3
    assert "data.url" in invalid.value.message


def test_every_promised_name_is_there_and_importing_pushctl_stays_cheap() -> None:
    assert sorted(name for name in api.__all__ if not hasattr(api, name)) == []
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, pushctl; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pushctl.api" not in loaded and "requests" not in loaded
