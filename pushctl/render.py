"""Output: tables for people, JSON and YAML for programs.

Tables are written to the run's :class:`~pushctl.environment.Environment`,
which decides the terminal rules (styles, escaping of values from the server).
On a terminal they are drawn with borders and fitted to its width
(:mod:`pushctl.tables`); in a pipe or a file they are plain aligned columns,
one line per row, which scripts read. yaml and the table drawing (rich) are
imported inside the functions that need them, so that importing this module
stays cheap.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pushctl.environment import escape, escape_json, escape_yaml, hides_something
from pushctl.model import Pusher

if TYPE_CHECKING:
    from pushctl.environment import Environment


def shorten(value: str, width: int = 24) -> str:
    """Keep both ends of a long value: pushkeys differ at either end."""
    if len(value) <= width:
        return value
    head = (width - 1) // 2
    tail = width - 1 - head
    return f"{value[:head]}…{value[-tail:]}"


def dump_json(value: Any) -> str:
    return escape_json(json.dumps(value, indent=2, ensure_ascii=False)) + "\n"


#: characters gathered before each write of :func:`write_json`
JSON_WRITE_SIZE = 1 << 20


def write_json(env: Environment, value: Any) -> None:
    """``dump_json(value)`` written a piece at a time, for large documents.

    json's indenting encoder is written in Python and gathers the whole text
    in millions of small strings before joining them (a second and half a
    gigabyte for 100,000 pushers); :mod:`pushctl.jsontext` writes the same
    text with json's C encoder, an item of a list at a time.
    """
    from pushctl import jsontext

    gathered: list[str] = []
    size = 0
    for piece in jsontext.pieces(value):
        gathered.append(piece)
        size += len(piece)
        if size >= JSON_WRITE_SIZE:
            env.write(escape_json("".join(gathered)))
            gathered, size = [], 0
    gathered.append("\n")
    env.write(escape_json("".join(gathered)))


def dump_yaml(value: Any) -> str:
    """YAML for programs and people; invisible characters written as ``\\uNNNN`` escapes.

    PyYAML writes bidi overrides and zero-width characters raw (it counts them
    printable). A string holding one is put in double quotes, where YAML reads
    ``\\uNNNN`` back as the same character, and only then escaped.
    """
    text: str = _yaml().dump(
        value, Dumper=_yaml_dumper(), allow_unicode=True, sort_keys=False, default_flow_style=False
    )
    return escape_yaml(text)


def _yaml() -> Any:
    import yaml

    return yaml


@functools.cache
def _yaml_dumper() -> Any:
    yaml = _yaml()
    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    def represent_str(dumper: Any, data: str) -> Any:
        style = '"' if hides_something(data) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    dumper: Any = type("QuotingDumper", (base,), {})
    dumper.add_representer(str, represent_str)
    return dumper


@dataclass(frozen=True)
class Cell:
    """A table cell in a state (``rejected``, ``disabled``, …) that a terminal shows in colour.

    Plain columns show only its text. The states and their colours are in
    :data:`pushctl.tables.STATE_STYLES`.
    """

    text: str
    state: str

    def __str__(self) -> str:
        return self.text


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
    from pushctl.urls import split_or_none

    url = pusher_cell(pusher, "data.url")
    if wide or not url:
        return url
    parts = split_or_none(url)
    return f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else url


BOLD, RESET = "\x1b[1m", "\x1b[0m"
COLUMN_GAP = "  "


def table(env: Environment, columns: Sequence[str], rows: Iterable[Sequence[str | Cell]]) -> None:
    """A table on stdout: drawn on a terminal, plain aligned columns elsewhere."""
    if env.stdout_drawn:
        from pushctl import tables

        tables.draw(env, columns, rows)
    else:
        plain_table(env, columns, rows)


def plain_table(
    env: Environment, columns: Sequence[str], rows: Iterable[Sequence[str | Cell]]
) -> None:
    """Aligned columns without borders, as ``kubectl get`` or ``gh`` print them, on stdout.

    One line per row, so that output stays usable with grep, cut and awk; the
    header is bold when colour is forced. Plain string work: scripts get the
    same bytes whatever the width.
    """
    cells = [[escape(str(cell)) for cell in row] for row in rows]
    header = [escape(name) for name in columns]
    sizes = [[display_width(cell) for cell in row] for row in [header, *cells]]
    widths = [max(column) for column in zip(*sizes, strict=True)]
    styled = env.stdout_colour
    lines = []
    for number, (row, row_sizes) in enumerate(zip([header, *cells], sizes, strict=True)):
        line = COLUMN_GAP.join(
            cell + " " * (width - size)
            for cell, size, width in zip(row, row_sizes, widths, strict=True)
        ).rstrip()
        lines.append(f"{BOLD}{line}{RESET}" if styled and number == 0 else line)
    env.write("\n".join(lines) + "\n")


def fields(env: Environment, rows: Sequence[tuple[str, str]]) -> None:
    """Labelled values on stdout (``status``): a two-column table on a terminal,
    ``label:  value`` lines elsewhere."""
    values = [(label, escape(value)) for label, value in rows]
    if env.stdout_drawn:
        from pushctl import tables

        tables.draw_fields(env, values)
        return
    plain_fields(env, values)


def plain_fields(env: Environment, rows: Sequence[tuple[str, str]]) -> None:
    """``label:  value`` lines on stdout; the values already escaped."""
    width = max(len(label) for label, _ in rows) + 2
    env.write("".join(f"{label + ':':<{width}}{value}\n" for label, value in rows))


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


def pushers_table(env: Environment, pushers: Sequence[Pusher], wide: bool = False) -> None:
    rows = []
    for pusher in pushers:
        row = [pusher_cell(pusher, key, wide) for _, key in PUSHER_COLUMNS]
        if not wide:
            row[1] = shorten(row[1])
        rows.append(row)
    table(env, [name for name, _ in PUSHER_COLUMNS], rows)
