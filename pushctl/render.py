"""Output: aligned tables for people, JSON and YAML for programs.

rich (for other output) and yaml are imported inside the functions that need
them, so that importing this module stays cheap.

Terminal conventions: colours and other escape codes only on a terminal and
never under ``NO_COLOR``; progress bars only when stdout and stderr are both
terminals (:func:`progress_allowed`); values from the server are shown with
their control characters escaped, so a device name cannot drive the terminal.
"""

from __future__ import annotations

import json
import os
import re
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """*value* with control characters (escape sequences, newlines) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def colour_allowed(stream: TextIO) -> bool:
    """Styles only for a terminal, never under NO_COLOR; FORCE_COLOR forces them."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream) and os.environ.get("TERM") != "dumb"


def progress_allowed() -> bool:
    """Progress bars (drawn on stderr) only when a person watches both outputs."""
    return (
        _is_terminal(sys.stdout) and _is_terminal(sys.stderr) and os.environ.get("TERM") != "dumb"
    )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def console(stream: TextIO | None = None) -> Any:
    """A rich console; piped output is not folded to 80 columns and has no styles."""
    from rich.console import Console

    stream = stream or sys.stdout
    width = None if _is_terminal(stream) or "COLUMNS" in os.environ else 250
    styled = colour_allowed(stream)
    return Console(
        file=stream,
        width=width,
        color_system="auto" if styled else None,
        force_terminal=styled or None,
        no_color=not styled,
        highlight=False,
        emoji=False,
        markup=False,
    )


BOLD, RESET = "\x1b[1m", "\x1b[0m"
COLUMN_GAP = "  "


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    no_wrap: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Aligned columns without borders, as ``kubectl get`` or ``gh`` print them.

    One line per row, so that output stays usable with grep, cut and awk; the
    header (and title) are bold on a terminal. Plain string work: a rich table
    took about 1.6 ms per row, most of a second for a few hundred pushers.
    *no_wrap* is accepted for callers written for wrapping tables; rows never wrap.
    """
    stream = stream or sys.stdout
    cells = [[printable(str(cell)) for cell in row] for row in rows]
    header = [printable(name) for name in columns]
    sizes = [[display_width(cell) for cell in row] for row in [header, *cells]]
    widths = [max(column) for column in zip(*sizes, strict=True)]
    styled = colour_allowed(stream)
    lines = []
    if title:
        lines.append(f"{BOLD}{title}{RESET}" if styled else title)
    for number, (row, row_sizes) in enumerate(zip([header, *cells], sizes, strict=True)):
        line = COLUMN_GAP.join(
            cell + " " * (width - size)
            for cell, size, width in zip(row, row_sizes, widths, strict=True)
        ).rstrip()
        lines.append(f"{BOLD}{line}{RESET}" if styled and number == 0 else line)
    stream.write("\n".join(lines) + "\n")


def display_width(text: str) -> int:
    """Terminal columns *text* takes: wide East Asian characters and emoji count twice."""
    width = len(text)
    if text.isascii():
        return width
    import unicodedata

    for char in text:
        if char < "\u0300":  # Latin, Greek and the like: one column each
            continue
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            width -= 1
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1
    return width


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
