"""Each mechanism pushctl has once lives in one module, and every user of it calls that.

Copies drift apart (two acting-token rules, two tests for Matrix Authentication
Service, five pluralisers): these tests fail when a second copy appears.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pushctl import importfile, words
from pushctl.pushers import model

PACKAGE = Path(__file__).resolve().parent.parent / "pushctl"


def modules_matching(pattern: str) -> list[str]:
    found = re.compile(pattern, re.MULTILINE)
    return sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if found.search(path.read_text())
    )


@pytest.mark.parametrize(
    ("what", "pattern", "home"),
    [
        ("a pluraliser", r'else "s"\)', ["words.py"]),
        ("a depth limit", r"^MAX_DEPTH = ", ["pushers/model.py"]),
        ("stripping credentials", r"headers\.pop\(\"Authorization\"", ["homeserver/sessions.py"]),
        ("detecting Matrix Authentication Service", r"auth_metadata", ["acting/admin.py"]),
        ("issuing acting tokens", r"issue_acting_token\(", ["acting/admin.py"]),
        # validation reads the raw value, to say what is wrong with it
        ("reading data.url", r"\.get\(\"url\"\)", ["pushers/kinds.py", "pushers/model.py"]),
    ],
)
def test_one_home(what: str, pattern: str, home: list[str]) -> None:
    assert modules_matching(pattern) == home, f"{what} belongs in {home[0]} only"


def test_the_pluraliser_counts() -> None:
    assert [words.plural(n, "pusher") for n in (0, 1, 2)] == ["0 pushers", "1 pusher", "2 pushers"]


def test_import_files_and_pusher_data_share_the_depth_limit() -> None:
    assert importfile.MAX_DEPTH is model.MAX_DEPTH
