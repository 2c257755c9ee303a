"""What reading an import file gives: the entries with their lines, and the problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from pushctl.pushers import model

#: Said whenever the file's shape is wrong.
SHAPE_HINT = "expected a list of pushers, or a mapping with a pushers: list"

#: Field name -> line; ``data.KEY`` names a key of ``data``.
Lines = dict[str, int]


@dataclass(frozen=True, order=True)
class FileProblem:
    """One problem of a file: where it is, which field, and what is wrong."""

    line: int
    field: str
    message: str
    warning: bool = False

    def __post_init__(self) -> None:
        # a key of the file may hold a lone surrogate (JSON's "\ud800"), which no
        # output can encode: it is shown as its escape
        for name in ("field", "message"):
            text = getattr(self, name)
            if not text.isascii() and model.not_utf8(text):
                shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
                object.__setattr__(self, name, shown)

    def format(self, source: str) -> str:
        where = f"{source}:{self.line}: "
        return where + (f"{self.field}: {self.message}" if self.field else self.message)


@dataclass
class Entry:
    """One pusher of the file, with ``defaults:`` merged in, and its lines."""

    pusher: model.Pusher
    line: int
    #: line of each field given, ``data.KEY`` included (a default's own line)
    lines: Lines = field(default_factory=dict)

    def line_of(self, name: str) -> int:
        """The line of a field, else of its parent (``data``), else of the entry."""
        found = self.lines.get(name)
        if found is None and "." in name:
            found = self.lines.get(name.split(".", 1)[0])
        return self.line if found is None else found


@dataclass
class Document:
    source: str
    format: str
    entries: list[Entry]
    #: problems of structure found while reading (unknown keys, tags, ...)
    problems: list[FileProblem] = field(default_factory=list)


class Fatal(Exception):
    """A problem that stops reading the file (nothing after it can be trusted)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class Malformed(Fatal):
    """The text is not well-formed YAML or JSON."""
