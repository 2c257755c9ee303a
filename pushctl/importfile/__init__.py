"""Import files: YAML or JSON in, every entry and field with its line, every problem listed.

A file is either a list of pushers, or a mapping with an optional ``defaults:``
mapping (merged under each entry) and a ``pushers:`` list. Reading goes:

1. :mod:`~pushctl.importfile.reading`: bytes (a file, or stdin for ``-``), UTF-8
   text, the format; then the front end and the builder;
2. a front end turns the text into a node tree: :mod:`~pushctl.importfile.yaml_format`
   (libyaml's composer when present) or :mod:`~pushctl.importfile.json_format`,
   both giving the node model of :mod:`~pushctl.importfile.tree`;
3. :mod:`~pushctl.importfile.building` walks the tree once, whatever the format:
   structure problems, lines, ``defaults:`` merged, a :class:`Document`;
4. :mod:`~pushctl.importfile.checks` applies the rules of ``pushctl set`` to
   every entry and refuses duplicate ``(app_id, pushkey)``.

Every problem is a :class:`FileProblem` carrying its line. Loading is safe
only: no tag can construct an object. Pure code apart from reading the file:
nothing here talks to a server. Writing files lives in :mod:`pushctl.output.export`.
"""

from pushctl.importfile.checks import check, errors, load_valid, refuse, warnings
from pushctl.importfile.document import Document, Entry, FileProblem
from pushctl.importfile.reading import (
    FORMATS,
    MAX_BYTES,
    STDIN,
    guess_format,
    load,
    parse,
    source_name,
)
from pushctl.importfile.yaml_format import yaml_loader
from pushctl.pushers.model import MAX_DEPTH

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "STDIN",
    "Document",
    "Entry",
    "FileProblem",
    "check",
    "errors",
    "guess_format",
    "load",
    "load_valid",
    "parse",
    "refuse",
    "source_name",
    "warnings",
    "yaml_loader",
]
