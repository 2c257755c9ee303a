"""Output: rich tables for people, JSON and YAML for programs.

rich and yaml are imported inside the functions that need them, so that
importing this module stays cheap.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from pushctl.model import Pusher


def shorten(value: str, width: int = 24) -> str:
    """Keep both ends of a long value: pushkeys differ at either end."""
    if len(value) <= width:
        return value
    head = (width - 1) // 2
    tail = width - 1 - head
    return f"{value[:head]}…{value[-tail:]}"


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def dump_yaml(value: Any) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(
        value, Dumper=dumper, allow_unicode=True, sort_keys=False, default_flow_style=False
    )
    return text


def write(text: str, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(text)


PUSHER_COLUMNS: Sequence[tuple[str, str]] = (
    ("App ID", "app_id"),
    ("Pushkey", "pushkey"),
    ("Kind", "kind"),
    ("Device", "device_display_name"),
    ("App", "app_display_name"),
    ("Lang", "lang"),
    ("Gateway", "gateway"),
)


def pusher_cell(pusher: Pusher, key: str, wide: bool = True) -> str:
    if key == "gateway":
        return gateway_label(pusher, wide)
    if key.startswith("data."):
        data = pusher.get("data") or {}
        value = data.get(key[5:], "") if isinstance(data, dict) else ""
    else:
        value = pusher.get(key, "")
    return "" if value is None else str(value)


def gateway_label(pusher: Pusher, wide: bool) -> str:
    """The gateway's URL; only its origin when narrow (the path is always the same)."""
    from urllib.parse import urlsplit

    url = pusher_cell(pusher, "data.url")
    if wide or not url:
        return url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def console(stream: TextIO | None = None) -> Any:
    """A rich console; piped output is not folded to 80 columns."""
    import os

    from rich.console import Console

    stream = stream or sys.stdout
    width = None if stream.isatty() or "COLUMNS" in os.environ else 250
    return Console(file=stream, width=width)


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    no_wrap: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=title, show_lines=False, header_style="bold")
    keep = set(no_wrap)
    for name in columns:
        grid.add_column(name, overflow="fold", no_wrap=name in keep)
    for row in rows:
        # Text, not markup: a device may well be called "[old] phone".
        grid.add_row(*(Text(cell) for cell in row))
    console(stream).print(grid)


def pushers_table(
    pushers: Sequence[Pusher], wide: bool = False, extra: Sequence[tuple[str, str]] = ()
) -> None:
    columns = [*PUSHER_COLUMNS, *extra]
    rows = []
    for pusher in pushers:
        row = [pusher_cell(pusher, key, wide) for _, key in columns]
        if not wide:
            row[1] = shorten(row[1])
        rows.append(row)
    table(None, [name for name, _ in columns], rows, no_wrap=() if wide else ("Pushkey",))
