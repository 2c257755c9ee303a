"""The README is a contract: its Python example runs, and its exit codes are the real ones."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from pushctl.errors import ExitStatus
from tests.support.accounts import Account

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


@pytest.mark.synapse
def test_the_python_example_runs_and_prints_what_the_readme_says(account: Account) -> None:
    text = section("Using pushctl from Python")
    [code] = blocks(text, "python")
    [expected] = blocks(text, "text")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(code, {"homeserver": account.server.base_url, "token": account.token})
    assert output.getvalue() == expected
    assert [p["pushkey"] for p in account.pushers()] == [
        "Xp/MzCt8/9DcSNE9cuiaoT5Ac55job3TdLSSmtmYl4A="
    ]


def test_the_exit_code_table_matches_the_code() -> None:
    rows = re.findall(r"^\| (\d+) \| ", section("Exit codes"), flags=re.M)
    assert sorted(int(code) for code in rows) == sorted(status.value for status in ExitStatus)
