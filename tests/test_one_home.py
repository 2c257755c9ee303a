"""Each mechanism pushctl has once lives in one module, and every user of it calls that.

Copies drift apart (two acting-token rules, two tests for Matrix Authentication
Service, five pluralisers): these tests fail when a second copy appears.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from pushctl import importfile, words
from pushctl.homeserver.client import Client
from pushctl.homeserver.clones import PerThread
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
        ("a client clone per thread", r"\.local\.client = ", ["homeserver/clones.py"]),
        ("reading a private cache file's JSON", r"json\.loads\(read_private", ["files.py"]),
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


def test_each_thread_gets_its_own_client_and_all_are_closed(monkeypatch) -> None:
    closed: list[Client] = []
    monkeypatch.setattr(Client, "close", lambda self: closed.append(self))
    client = Client("https://matrix.pushctl.invalid", "one-home-token")
    clients = PerThread(client)
    mine = clients.own()
    theirs: list[Client] = []
    worker = threading.Thread(target=lambda: theirs.append(clients.own()))
    worker.start()
    worker.join()
    assert clients.own() is mine
    assert len({id(client), id(mine), id(theirs[0])}) == 3
    assert mine.session is not theirs[0].session
    clients.close()
    assert sorted(map(id, closed)) == sorted([id(mine), id(theirs[0])]), "not the client itself"
    clients.close()
    assert len(closed) == 2, "each clone closed once"
