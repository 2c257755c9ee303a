"""Export files read in-process: what the server holds, written so that it imports again."""

from __future__ import annotations

from typing import Any

from pushctl import importfile
from pushctl.output import export
from tests.support.accounts import GATEWAY


def test_export_dump_reads_back_as_the_same_pushers() -> None:
    server: list[dict[str, Any]] = [
        {
            "app_id": "org.example.app",
            "pushkey": "é" * 256,
            "kind": "http",
            "app_display_name": "Ex: ample #1",
            "device_display_name": "yes",
            "profile_tag": "",
            "lang": "en",
            "data": {"url": GATEWAY, "n": 1, "nested": {"list": [1, "2", None]}},
            "org.matrix.msc3881.enabled": True,
        },
        {
            "app_id": "org.example.app",
            "pushkey": "🔑 key\nwith newline",
            "kind": "http",
            "app_display_name": "A",
            "device_display_name": "123",
            "profile_tag": "tag",
            "lang": "zh-Hant-TW",
            "data": {"url": GATEWAY},
        },
    ]
    for fmt in importfile.FORMATS:
        text = export.dump(server, fmt)
        document = importfile.parse(text, f"export.{fmt}", fmt)
        assert [e.pusher for e in document.entries] == [export.exportable(p) for p in server]
        assert importfile.check(document) == []
    assert "profile_tag" not in export.exportable(server[0])
    assert "org.matrix.msc3881.enabled" not in export.exportable(server[0])
