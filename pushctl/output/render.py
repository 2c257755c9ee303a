"""Output: tables for people; JSON, YAML and CSV for programs.

:func:`show` is the one place a listing meets the format its command line
chose (:class:`Format`): the items go out whole as JSON or YAML, or through
their :class:`Column` s as a table or CSV.

Tables are written to the run's :class:`~pushctl.output.environment.Environment`,
which decides the terminal rules (styles, escaping of values from the server).
On a terminal they are drawn with borders and fitted to its width
(:mod:`pushctl.output.tables`); in a pipe or a file they are plain aligned columns,
one line per row, which scripts read. yaml and the table drawing (rich) are
imported inside the functions that need them, so that importing this module
stays cheap.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from pushctl.output import jsontext
from pushctl.output.environment import Environment
from pushctl.output.escaping import escape, escape_json, escape_yaml, hides_something
from pushctl.output.formats import Format as Format  # the name the output layer has used
from pushctl.output.plain import Cell, plain_fields, plain_table


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
    gigabyte for 100,000 pushers); :mod:`pushctl.output.jsontext` writes the same
    text with json's C encoder, an item of a list at a time.
    """

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


Item = Mapping[str, Any]


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class Column(NamedTuple):
    """One column of a listing: its table header and cell, its CSV field and value.

    The table's cell is for people (a pushkey shortened, a state in colour); the
    CSV's value is the item's own, whole (:func:`field_value` of *field* unless
    *value* says otherwise).
    """

    header: str
    #: the CSV header: the JSON field, with dots into objects (``data.url``)
    field: str
    cell: Callable[[Item], str | Cell]
    value: Callable[[Item], Any] | None = None

    def csv_value(self, item: Item) -> str:
        found = self.value(item) if self.value else field_value(item, self.field)
        return csv_text(found)


def field_value(item: Item, path: str) -> Any:
    """The value at a dotted *path* (``data.url``), or None where there is none."""
    found: Any = item
    for part in path.split("."):
        found = found.get(part) if isinstance(found, Mapping) else None
    return found


def csv_text(value: Any) -> str:
    """A value as a CSV cell: empty for none, JSON's spelling for the rest that is not text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def show(
    env: Environment,
    chosen: Format,
    items: Sequence[Item],
    columns: Sequence[Column],
    empty: str | None = None,
) -> None:
    """*items* on stdout in the *chosen* format; with no items and a table, *empty* on stderr."""
    if chosen is Format.JSON:
        write_json(env, list(items))
    elif chosen is Format.YAML:
        env.write(dump_yaml(list(items)))
    elif chosen is Format.CSV:
        env.write(dump_csv(columns, items, escaped=env.stdout_isatty))
    elif items or empty is None:
        table(env, [c.header for c in columns], [[c.cell(i) for c in columns] for i in items])
    else:
        env.info(empty)


def dump_csv(columns: Sequence[Column], items: Iterable[Item], escaped: bool = False) -> str:
    """RFC 4180 CSV: a header row of field names, then one row per item, values whole.

    Values are written as they are, a leading ``=``, ``+``, ``-`` or ``@``
    included: a pushkey may well start with ``+``, and CSV is for programs.
    *escaped* (stdout is a terminal) writes control and invisible characters as
    escapes, as everything else shown on a terminal.
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: "\r\n" ends a row; quotes only where needed
    writer.writerow([c.field for c in columns])
    for item in items:
        row = [c.csv_value(item) for c in columns]
        writer.writerow([escape(value) for value in row] if escaped else row)
    return buffer.getvalue()


def table(env: Environment, columns: Sequence[str], rows: Iterable[Sequence[str | Cell]]) -> None:
    """A table on stdout: drawn on a terminal, plain aligned columns elsewhere."""
    if env.stdout_drawn:
        from pushctl.output import tables

        tables.draw(env, columns, rows)
    else:
        plain_table(env, columns, rows)


def fields(env: Environment, rows: Sequence[tuple[str, str]]) -> None:
    """Labelled values on stdout (``status``): a two-column table on a terminal,
    ``label:  value`` lines elsewhere."""
    values = [(label, escape(value)) for label, value in rows]
    if env.stdout_drawn:
        from pushctl.output import tables

        tables.draw_fields(env, values)
        return
    plain_fields(env, values)
