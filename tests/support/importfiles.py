"""Import files for the bulk tests, and the server state they should lead to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pushctl.pushers import model
from tests.support.accounts import GATEWAY, Account
from tests.support.proxy import Proxy

DEFAULTS = {
    "app_id": "org.example.app.ios",
    "app_display_name": "Example",
    "lang": "en",
    "data": {"url": GATEWAY, "format": "event_id_only"},
}


def entries(count: int, prefix: str = "key", **fields: Any) -> list[dict[str, Any]]:
    return [
        {"pushkey": f"{prefix}-{i:04d}", "device_display_name": f"Phone {i}", **fields}
        for i in range(count)
    ]


def write_file(path: Path, pushers: list[dict[str, Any]], defaults: dict[str, Any] | None = None):
    document: dict[str, Any] = {"pushers": pushers}
    if defaults is not None:
        document = {"defaults": defaults, **document}
    if path.suffix == ".json":
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    return path


def via(proxy: Proxy, account: Account) -> dict[str, str]:
    return account.env(PUSHCTL_HOMESERVER=proxy.url)


def normalised(pushers: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {model.key_of(p): model.normalise(p) for p in pushers}


def expected(pushers: list[dict[str, Any]], defaults: dict[str, Any] = DEFAULTS):
    return normalised([{"kind": "http", **defaults, **p} for p in pushers])
