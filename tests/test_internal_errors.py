"""A bug or an unforeseen library failure: one redacted line and exit 1, never a traceback.

``-v`` adds the traceback, with secrets still hidden. The failure is made here
by replacing a core function in-process, as a bug would break it.
"""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from pushctl.homeserver import client

pytestmark = pytest.mark.inprocess

TOKEN = "internal-error-token-0123456789"


@pytest.fixture
def broken_listing(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> dict[str, str]:
    def explode(self: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unforeseen failure near {TOKEN}")

    monkeypatch.setattr(client.Client, "get_pushers", explode)
    return {"PUSHCTL_HOMESERVER": httpserver.url_for("/"), "PUSHCTL_ACCESS_TOKEN": TOKEN}


def test_an_internal_error_is_one_redacted_line(broken_listing: dict[str, str], pushctl) -> None:
    result = pushctl("list", env=broken_listing)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "pushctl: error: internal error: RuntimeError: unforeseen failure near <redacted>"
    ]


def test_an_internal_error_under_json_is_the_json_error(
    broken_listing: dict[str, str], pushctl
) -> None:
    result = pushctl("list", "--json", env=broken_listing)
    assert result.returncode == 1
    error = json.loads(result.stderr)["error"]
    assert error["code"] == 1 and error["message"].startswith("internal error: RuntimeError")
    assert TOKEN not in result.stderr


def test_verbose_adds_the_redacted_traceback(broken_listing: dict[str, str], pushctl) -> None:
    result = pushctl("-v", "list", env=broken_listing)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "in explode" in result.stderr
    assert TOKEN not in result.stderr
    assert result.stderr.rstrip().endswith(
        "internal error: RuntimeError: unforeseen failure near <redacted>"
    )
