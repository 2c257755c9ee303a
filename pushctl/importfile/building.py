"""The one walk of an import file's schema, whatever its format: a node tree in, a Document out.

The walk checks the structure as it goes: top-level keys, entries that are
mappings, fields and ``data`` keys given twice, merge keys (``<<``), nesting
depth, the budget of nodes that aliases and ``defaults:`` expand to, tags (only
plain data is built, so no tag can construct an object) and scalars their tag
cannot hold (``!!int 0b``, an integer longer than Python reads). It records the
line of every entry, field and ``data`` key, and merges ``defaults:`` under
each entry. The rules of ``pushctl set`` are applied afterwards, by
:mod:`pushctl.importfile.checks`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from pushctl.importfile.document import SHAPE_HINT, Document, Entry, Fatal, FileProblem, Lines
from pushctl.importfile.tree import (
    INT,
    MAP,
    MAPPING,
    MERGE,
    PLAIN_SCALARS,
    SCALAR,
    SEQ,
    SEQUENCE,
    STR,
    TIMESTAMP,
    Tree,
    short_tag,
)
from pushctl.pushers import kinds
from pushctl.pushers.model import MAX_DEPTH, type_name

#: Fields an entry gets when neither it nor ``defaults:`` gives them (as ``pushctl set``).
BUILTIN_DEFAULTS: Mapping[str, Any] = {"kind": kinds.DEFAULT.name}
TOP_LEVEL_KEYS = ("defaults", "pushers")

#: An entry's own fields, its line, and the line of each field and data key.
_Fields = tuple[dict[Any, Any], int, Lines]
#: Key -> (value node, line of the key).
_Members = dict[Any, tuple[Any, int]]
_UNUSABLE = object()
#: Tags of plain data; on a node of the wrong kind (``!!map x``) they are misused, not foreign.
_PLAIN_TAGS = frozenset((STR, MAP, SEQ, *PLAIN_SCALARS))
_LOOKS_LIKE_A_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}").match


def build(tree: Tree, source: str, fmt: str, budget: int) -> Document:
    """The document of *tree*; *budget* bounds how many nodes aliases and defaults expand to."""
    return _Builder(tree, budget).document(source, fmt)


class _Builder:
    """Plain data from the nodes, recording lines and problems on the way."""

    def __init__(self, tree: Tree, budget: int) -> None:
        self.root = tree.root
        self.line = tree.line
        self.plain_value = tree.plain_value
        self.problems: list[FileProblem] = []
        # aliases can make a small file expand enormously ("billion laughs"), and
        # so can defaults merged under many entries: every node walked is counted
        self.budget = budget
        self.max_digits = _int_max_str_digits()

    def document(self, source: str, fmt: str) -> Document:
        root = self.root
        defaults: tuple[dict[Any, Any], Lines] | None = None
        if root.id == SEQUENCE:
            entries = self.entries(root)
        elif root.id == MAPPING:
            defaults, entries = self.top_level(root)
        else:
            value = self.value(root, "", 0)
            raise Fatal(self.line(root), f"{SHAPE_HINT}, not {type_name(value)}")
        return Document(source, fmt, _with_defaults(defaults, entries), self.problems)

    def top_level(self, root: Any) -> tuple[tuple[dict[Any, Any], Lines] | None, list[_Fields]]:
        members = self.members(root, "", 0, owner="top level")
        known = ", ".join(TOP_LEVEL_KEYS)
        for key, (_, line) in members.items():
            if key not in TOP_LEVEL_KEYS:
                message = f"unknown top-level key (known: {known})"
                self.problems.append(FileProblem(line, _key_name(key), message))
        if "pushers" not in members:
            raise Fatal(self.line(root), f"no pushers: key; {SHAPE_HINT}")
        pushers, line = members["pushers"]
        if pushers.id != SEQUENCE:
            value = self.value(pushers, "pushers", 1)
            raise Fatal(line, f"pushers: must be a list of pushers, not {type_name(value)}")
        defaults, size = None, 0
        if "defaults" in members:
            node, line = members["defaults"]
            if node.id == MAPPING:
                before = self.budget
                defaults = self.fields(node, "defaults")
                size = before - self.budget
            else:
                value = self.value(node, "defaults", 1)
                message = f"must be a mapping, not {type_name(value)}"
                self.problems.append(FileProblem(line, "defaults", message))
        entries = self.entries(pushers)
        self._spend_defaults(size * len(entries), line)
        return defaults, entries

    def entries(self, sequence: Any) -> list[_Fields]:
        self._spend(sequence, 1)
        if sequence.tag != SEQ:
            self._refuse_tag(sequence, "pushers")
        found = (self.entry(node) for node in sequence.value)
        return [entry for entry in found if entry is not None]

    def entry(self, node: Any) -> _Fields | None:
        if node.id != MAPPING:
            value = self.value(node, "pusher", 2)
            message = f"must be a mapping of fields, not {type_name(value)}"
            self.problems.append(FileProblem(self.line(node), "pusher", message))
            return None
        fields, lines = self.fields(node, "pusher")
        return fields, self.line(node), lines

    def fields(self, node: Any, owner: str) -> tuple[dict[Any, Any], Lines]:
        """The fields of an entry (or of defaults) and the line of each, ``data.KEY`` too."""
        fields: dict[Any, Any] = {}
        lines: Lines = {}
        for key, (value_node, line) in self.members(node, "", 2, owner).items():
            name = key if isinstance(key, str) and key else _key_name(key)
            lines[name] = line
            if value_node.tag == STR and value_node.id == SCALAR:  # the common case, quickly
                fields[key] = value_node.value
            elif name == "data" and value_node.id == MAPPING:
                data = {}
                for data_key, (data_node, data_line) in self.members(value_node, name, 3).items():
                    where = f"data.{data_key}"
                    lines[where] = data_line
                    if data_node.tag == STR and data_node.id == SCALAR:
                        data[data_key] = data_node.value
                    else:
                        data[data_key] = self.value(data_node, where, 4)
                fields[key] = data
            else:
                fields[key] = self.value(value_node, name, 3)
        return fields, lines

    def members(self, node: Any, where: str, depth: int, owner: str = "") -> _Members:
        """Key -> (value node, line of the key), merge keys (``<<``) resolved.

        Keys given twice are named after *where* (``data.url``); problems of the
        mapping itself (its tag, its keys, merges) after *owner* (``pusher``).
        """
        self._spend(node, depth)
        owner = owner or where
        if node.tag != MAP:
            self._refuse_tag(node, owner)
        own: _Members = {}
        merged: _Members = {}
        line_of = self.line
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                self._merge(value_node, where, owner, depth, merged)
                continue
            if key_node.tag == STR and key_node.id == SCALAR:  # the common case, quickly
                key = key_node.value
            else:
                key = self.key(key_node, owner, depth)
            if key is _UNUSABLE:
                continue
            line = line_of(key_node)
            if key in own:
                name = f"{where}.{key}" if where else _key_name(key)
                message = f"given twice (first at line {own[key][1]})"
                self.problems.append(FileProblem(line, name, message))
            own[key] = (value_node, line)
        return {**merged, **own} if merged else own

    def _merge(self, node: Any, where: str, owner: str, depth: int, merged: _Members) -> None:
        sources = node.value if node.id == SEQUENCE else [node]
        for source in sources:
            if source.id != MAPPING:
                message = "<< must merge a mapping or a list of them"
                self.problems.append(FileProblem(self.line(source), owner, message))
                continue
            for key, item in self.members(source, where, depth + 1, owner).items():
                merged.setdefault(key, item)  # the first mapping merged wins, as in YAML

    def key(self, node: Any, where: str, depth: int) -> Any:
        if node.id != SCALAR:
            message = "a key must be a plain value, not a collection"
            self.problems.append(FileProblem(self.line(node), where, message))
            return _UNUSABLE
        return self.value(node, where, depth)

    def value(self, node: Any, where: str, depth: int) -> Any:
        """Plain JSON-like data: strings, numbers, booleans, null, lists, mappings."""
        kind = node.id
        if kind == SCALAR:
            return node.value if node.tag == STR else self._scalar(node, where)
        if kind == SEQUENCE:
            self._spend(node, depth)
            if node.tag != SEQ:
                self._refuse_tag(node, where)
            return [self.value(item, where, depth + 1) for item in node.value]
        return {
            key: self.value(item, where, depth + 1)
            for key, (item, _) in self.members(node, where, depth).items()
        }

    def _scalar(self, node: Any, where: str) -> Any:
        """The value of a scalar tagged other than ``!!str``; its text when that is refused."""
        tag, text = node.tag, node.value
        if tag in PLAIN_SCALARS:
            if tag == INT and isinstance(text, str) and 0 < self.max_digits < len(text):
                digits = len(text.lstrip("+-").replace("_", ""))
                if digits > self.max_digits:
                    message = f"a number of {digits} digits; at most {self.max_digits} are read"
                    self.problems.append(FileProblem(self.line(node), where, message))
                    return 0  # a number still, for the rules that follow
            try:
                return self.plain_value(node)
            except ValueError:
                self._refuse_tag(node, where)
        elif tag == TIMESTAMP and _LOOKS_LIKE_A_DATE(text):
            message = f"{text} reads as a date, which JSON has no type for; quote it"
            self.problems.append(FileProblem(self.line(node), where, message))
        else:
            self._refuse_tag(node, where)
        return text

    def _refuse_tag(self, node: Any, where: str) -> None:
        tag = short_tag(node.tag)
        if node.id == SCALAR and (node.tag in _PLAIN_TAGS or node.tag == TIMESTAMP):
            message = f"{_shown(node.value)} is not a valid {tag}"
        elif node.tag in _PLAIN_TAGS:
            message = f"a {'list' if node.id == SEQUENCE else 'mapping'} cannot be {tag}"
        else:
            message = f"the tag {tag} is not allowed (plain data only)"
        self.problems.append(FileProblem(self.line(node), where, message))

    def _spend(self, node: Any, depth: int) -> None:
        """Count the nodes in a collection about to be walked; refuse nesting too deep."""
        size = len(node.value)
        self.budget -= size + size if node.id == MAPPING else size  # a key and a value
        if self.budget < 0:
            raise Fatal(self.line(node), "aliases expand to far more data than the file holds")
        if depth > MAX_DEPTH:
            raise Fatal(self.line(node), f"nested more than {MAX_DEPTH} levels deep")

    def _spend_defaults(self, size: int, line: int) -> None:
        """Count the nodes of ``defaults:``, merged under every entry."""
        self.budget -= size
        if self.budget < 0:
            message = "merged under every entry, they come to far more data than the file holds"
            raise Fatal(line, f"defaults: {message}")


def _key_name(key: Any) -> str:
    """A key as problems name it; the empty key as ``''``, as :mod:`pushctl.pushers.model` does."""
    return str(key) or repr(key)


def _shown(text: Any) -> str:
    """A scalar's text in a message: quoted, and cut short if long."""
    text = str(text)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _int_max_str_digits() -> int:
    """How many digits int() reads from text (0: no limit, as before Python 3.10.7)."""
    limit = getattr(sys, "get_int_max_str_digits", None)
    return int(limit()) if limit else 0


def _with_defaults(
    defaults: tuple[dict[Any, Any], Lines] | None, found: list[_Fields]
) -> list[Entry]:
    """The entries with ``defaults:`` merged under each (and the defaults' lines)."""
    default_fields, default_lines = defaults or ({}, {})
    default_data = default_fields.get("data")
    entries = []
    for fields, line, lines in found:
        pusher = {**BUILTIN_DEFAULTS, **default_fields, **fields}
        data = fields.get("data")
        if isinstance(default_data, dict) and isinstance(data, dict):
            pusher["data"] = _merge_data(default_data, data)
        # an explicit null in an entry takes the default away
        pusher = {k: v for k, v in pusher.items() if v is not None}
        entries.append(Entry(pusher, line, {**default_lines, **lines} if default_lines else lines))
    return entries


def _merge_data(defaults: dict[Any, Any], data: dict[Any, Any]) -> dict[Any, Any]:
    """Key by key; a null in the entry takes the default's key away."""
    merged = {**defaults, **data}
    for key, value in data.items():
        if value is None and key in defaults:
            del merged[key]
    return merged
