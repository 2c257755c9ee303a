"""Plain tables: aligned columns for pipes and files, and the cells every table shows.

Both kinds of table build on this: :func:`pushctl.output.render.table` writes
plain columns where stdout is no terminal, and :mod:`pushctl.output.tables`
(rich, only on a terminal) measures with :func:`display_width` and falls back
to plain columns when the terminal is too narrow. Plain string work, no rich.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from pushctl.output.environment import Environment
from pushctl.output.escaping import escape

BOLD, RESET = "\x1b[1m", "\x1b[0m"
COLUMN_GAP = "  "


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class Cell(NamedTuple):
    """A table cell in a state (``rejected``, ``disabled``, …) that a terminal shows in colour.

    Plain columns show only its text. The states and their colours are in
    :data:`pushctl.output.tables.STATE_STYLES`.
    """

    text: str
    state: str

    def __str__(self) -> str:
        return self.text


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
