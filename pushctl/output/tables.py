"""Tables for a terminal: a frame, a bold header, states in colour, fitted to the width.

:func:`pushctl.output.render.table` calls :func:`draw` only when stdout is a
terminal (:attr:`~pushctl.output.environment.Environment.stdout_drawn`); pipes and
files get the plain columns. This module imports rich, so it is imported only
then, never at start-up.

Fitting: when the table is wider than the terminal, the widest columns give
way first (:func:`fit_widths`); a cut value ends in ``…``, and a pushkey keeps
both ends, which is where two pushkeys differ. Every row stays one line. When
the frame would leave the columns too narrow, a lighter layout with only a
rule under the header takes its place; when even that would cut a column to
next to nothing (a terminal a few columns wide), the plain columns are printed
whole and the terminal wraps them.

Speed: rich lays out a table cell by cell, about 0.5 ms per cell (0.2 to 0.3
s for 500 pushers of 7 columns). Here the widths are decided first, every
value is cut and padded to its column, and each column goes to rich as one
cell of ready lines (:class:`_Lines`): rich draws the frame, the header and
the styles, in about 25 ms for 500 pushers.

The text is escaped (:func:`pushctl.output.escaping.escape`) before it gets here,
and rich never reads markup from it: a device named ``[bold]x[/]`` shows as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from pushctl.output.environment import Environment
from pushctl.output.escaping import escape
from pushctl.output.plain import Cell, display_width, plain_fields, plain_table

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult


#: how each state of a :class:`~pushctl.output.plain.Cell` is shown
STATE_STYLES = {
    "delivered": "green",
    "rejected": "bold red",
    "unreachable": "yellow",
    "skipped": "dim",
    "disabled": "red",
    "inactive": "magenta",
    "undecided": "yellow",
    "unknown": "dim",
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "failed": "bold red",
}
HEADER_STYLE = "bold"
BORDER_STYLE = "dim"

#: columns whose values keep both ends when cut (by their lower-case header)
KEEP_BOTH_ENDS = frozenset({"pushkey"})

#: below this many columns of text, a cut column is too narrow for the frame
ROOMY = 10
#: below this many, a cut value shows next to nothing (``a…``): no table at all
NARROWEST = 3


def draw(env: Environment, columns: Sequence[str], rows: Iterable[Sequence[str | Cell]]) -> None:
    """The table on stdout, framed if it fits well, else with a rule under its header.

    A terminal too narrow for either gets the plain columns (:func:`plain_table`).
    """
    rows = list(rows)
    header = [_Text(escape(name)) for name in columns]
    body = [[_Text.of(value) for value in row] for row in rows]
    natural = [
        max([name.width, *(row[index].width for row in body)]) for index, name in enumerate(header)
    ]
    layout = _layout(natural, env.stdout_width)
    if layout is None:
        plain_table(env, columns, rows)
        return
    framed, widths = layout
    pad = 1 if framed else 0
    table = Table(
        box=box.ROUNDED if framed else box.SIMPLE_HEAD,
        show_edge=framed,
        padding=0,
        header_style=HEADER_STYLE,
        border_style=BORDER_STYLE,
    )
    styles = {state: Style.parse(style) for state, style in STATE_STYLES.items()}
    columns_lines = []
    for index, (name, size) in enumerate(zip(header, widths, strict=True)):
        keep_ends = name.text.lower() in KEEP_BOTH_ENDS
        table.add_column(Text(name.padded(size, pad, keep_ends)), width=size + 2 * pad)
        cells = (row[index] for row in body)
        lines = [
            Segment(cell.padded(size, pad, keep_ends), styles.get(cell.state or ""))
            for cell in cells
        ]
        columns_lines.append(_Lines(lines))
    if body:
        table.add_row(*columns_lines)
    env.draw(table)


def draw_fields(env: Environment, rows: Sequence[tuple[str, str]]) -> None:
    """Labelled values (already escaped) in a frame; a long value wraps inside its cell.

    Where the values would have fewer than :data:`ROOMY` columns: ``label: value`` lines.
    """
    labels = max(display_width(label) for label, _ in rows)
    if env.stdout_width < labels + len("│  │  │") + ROOMY:
        plain_fields(env, rows)
        return
    table = Table(box=box.ROUNDED, show_header=False, border_style=BORDER_STYLE)
    table.add_column(style=HEADER_STYLE, no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    env.draw(table)


def fit_widths(natural: Sequence[int], room: int) -> list[int]:
    """Column widths adding up to at most *room*: the widest columns give way first.

    Every column keeps at least one character, even when that does not fit.
    """
    if sum(natural) <= room:
        return list(natural)
    low, high = 1, max(natural)
    while low < high:  # the largest cap under which the columns fit
        cap = (low + high + 1) // 2
        if sum(min(size, cap) for size in natural) <= room:
            low = cap
        else:
            high = cap - 1
    widths = [min(size, low) for size in natural]
    spare = room - sum(widths)
    for index, size in enumerate(natural):  # what is left, one more to each cut column
        if spare > 0 and size > widths[index]:
            widths[index] += 1
            spare -= 1
    return widths


def cut(text: str, width: int, keep_ends: bool = False) -> str:
    """*text* in at most *width* terminal columns, ``…`` where it was cut."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if not keep_ends:
        return _head(text, width - 1) + "…"
    head = (width - 1) // 2
    return _head(text, head) + "…" + _tail(text, width - 1 - head)


# -- inside ----------------------------------------------------------------------


class _Lines:
    """One column's lines, ready to show: rich draws them as one cell, without measuring."""

    def __init__(self, lines: list[Segment]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield line
            yield newline


class _Text:
    """A cell's text, escaped, with the terminal columns it takes and its state."""

    __slots__ = ("state", "text", "width")

    def __init__(self, text: str, state: str | None = None) -> None:
        self.text = text
        self.width = display_width(text)
        self.state = state

    @classmethod
    def of(cls, value: str | Cell) -> _Text:
        if isinstance(value, Cell):
            return cls(escape(value.text), value.state)
        return cls(escape(str(value)))

    def padded(self, width: int, pad: int, keep_ends: bool) -> str:
        """The text filling *width* columns, cut if it must be, with *pad* spaces each side."""
        if self.width <= width:
            shown, used = self.text, self.width
        else:
            shown = cut(self.text, width, keep_ends)
            used = display_width(shown)
        space = " " * pad
        return f"{space}{shown}{' ' * (width - used)}{space}"


def _layout(natural: list[int], width: int) -> tuple[bool, list[int]] | None:
    """Framed (``│ a │ b │``) or not (``a b``), and the columns' widths; None if neither fits."""
    framed = fit_widths(natural, width - 3 * len(natural) - 1)
    if _roomy(framed, natural, ROOMY):
        return True, framed
    bare = fit_widths(natural, width - len(natural) + 1)
    return (False, bare) if _roomy(bare, natural, NARROWEST) else None


def _roomy(widths: list[int], natural: list[int], least: int) -> bool:
    """Every column at least *least* wide, or as wide as its widest value."""
    return all(size >= min(wanted, least) for size, wanted in zip(widths, natural, strict=True))


def _head(text: str, width: int) -> str:
    return "".join(_within(text, width))


def _tail(text: str, width: int) -> str:
    return "".join(reversed(list(_within(reversed(text), width))))


def _within(chars: Iterable[str], width: int) -> Iterator[str]:
    used = 0
    for char in chars:
        used += display_width(char)
        if used > width:
            return
        yield char
