"""The README is a contract: its Python example runs, and its exit codes are the real ones."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pushctl.errors import ExitStatus
from tests.support import localsynapse
from tests.support.accounts import Account, clean_env

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


@pytest.mark.synapse
def test_the_demo_sets_lists_refuses_and_leaves_nothing_behind(tmp_path: Path) -> None:
    # the README's first command ends in `python -m scripts.demo` once pushctl is installed
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = clean_env(
        tmp_path / "home",
        {"TMPDIR": str(scratch), "PUSHCTL_SYNAPSE_CACHE": str(localsynapse.CACHE)},
    )
    result = subprocess.run(
        [sys.executable, "-m", "scripts.demo"],
        cwd=localsynapse.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split("$ pushctl list\n", 1)[1]
    assert "Alice's Pixel" in listing and "Alice's iPhone" in listing
    assert "pushkey: is 600 bytes of UTF-8; the limit is 512 bytes" in result.stderr
    assert "(exit 3: refused before anything was sent)" in result.stdout
    assert list(scratch.iterdir()) == [], "the throwaway Synapse's database and keys stay behind"


def test_the_exit_code_table_matches_the_code() -> None:
    rows = re.findall(r"^\| (\d+) \| ", section("Exit codes"), flags=re.M)
    assert sorted(int(code) for code in rows) == sorted(status.value for status in ExitStatus)
