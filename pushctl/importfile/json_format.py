"""The JSON front end: text -> the same node tree the YAML front end gives, a line on every node.

json's C parser checks the text first, so its errors (with line and column)
are the ones reported. A loop over the checked text then makes the nodes,
decoding each string and number with json's own C scanner: the values are
exactly those of ``json.loads`` (``NaN`` and ``Infinity`` included, for the
checks to refuse). An integer longer than Python reads
(:func:`sys.get_int_max_str_digits`) is kept as its text, for the builder to refuse.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from typing import Any, cast

from pushctl.importfile.document import Malformed
from pushctl.importfile.tree import (
    BOOL,
    FLOAT,
    INT,
    MAP,
    MAPPING,
    NULL,
    SCALAR,
    SEQ,
    SEQUENCE,
    STR,
    Tree,
)

_Matcher = Callable[[str, int], "re.Match[str]"]
# these two match the empty string too, so their match is never None
_skip = cast(_Matcher, re.compile(r"[ \t\n\r]*").match)
#: after a value: space, then a comma (group 1) and space if another item follows
_after_value = cast(_Matcher, re.compile(r"[ \t\n\r]*(?:(,)[ \t\n\r]*)?").match)
#: ``"key": "text"`` on one line, neither with escapes (most members of a file),
#: then space, and a comma (group 3) and space if another member follows
_plain_member = re.compile(
    r'"([^"\\\x00-\x1f]*)"[ \t]*:[ \t]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*(,[ \t\n\r]*)?'
).match
# json's C scanners: a string from after its opening quote; any value but a collection
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_scan_value: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_constant=float
).scan_once
_TAGS = {bool: BOOL, int: INT, float: FLOAT, type(None): NULL}
_integer = cast(_Matcher, re.compile(r"-?[0-9]*").match)


class JsonNode:
    """One node of the tree (see :mod:`pushctl.importfile.tree`), with its line.

    Each kind of node is a subclass that fixes ``id`` (and ``tag``, but for
    numbers, booleans and null), so the many nodes of a large file are quick to make.
    """

    __slots__ = ("line", "value")
    id: str
    tag: str

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


class JsonString(JsonNode):
    __slots__ = ()
    id, tag = SCALAR, STR


class JsonMapping(JsonNode):
    __slots__ = ()
    id, tag = MAPPING, MAP


class JsonSequence(JsonNode):
    __slots__ = ()
    id, tag = SEQUENCE, SEQ


class JsonLongInteger(JsonNode):
    """An integer with more digits than Python reads; its value is its text."""

    __slots__ = ()
    id, tag = SCALAR, INT


class JsonScalar(JsonNode):
    """A number, boolean or null."""

    __slots__ = ("tag",)
    id = SCALAR

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line
        self.tag = _TAGS[type(value)]


def parse_json(text: str) -> Tree:
    """The node tree of JSON text, or :class:`Malformed` where json finds it broken."""
    try:  # only checked: integers stay text here, so that no length is refused yet
        json.loads(text, parse_constant=float, parse_int=str)
    except json.JSONDecodeError as exc:
        raise Malformed(exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
    return Tree(_nodes(text), operator.attrgetter("line"), operator.attrgetter("value"))


def _nodes(text: str) -> JsonNode:
    """The tree of well-formed JSON text; a loop, so that depth costs no recursion."""
    count = text.count
    root: list[JsonNode] = []
    open_nodes: list[JsonNode] = []  # the collections being filled, innermost last
    add: Callable[[Any], None] = root.append  # adds to the innermost collection
    in_mapping = False
    line, counted = 1, 0
    pos = _skip(text, 0).end()
    while True:  # pos is where the next value starts, or its key within a mapping
        line += count("\n", counted, pos)
        counted = pos
        if in_mapping and (member := _plain_member(text, pos)):
            name, value, comma = member.group(1, 2, 3)
            add((JsonString(name, line), JsonString(value, line)))
            pos = member.end()
            if comma:
                continue
        else:
            if in_mapping:
                key, pos = _key(text, pos, line)
                line += count("\n", counted, pos)
                counted = pos
            node, pos = _value(text, pos, line)
            add((key, node) if in_mapping else node)
            if node.id != SCALAR:
                open_nodes.append(node)
                in_mapping, add = node.id == MAPPING, node.value.append
                pos = _skip(text, pos + 1).end()
                if text[pos] not in "]}":
                    continue
                pos += 1
                open_nodes.pop()
        while True:  # after a value: close what ends here, up to the next comma
            after = _after_value(text, pos)
            pos = after.end()
            if not open_nodes:
                return root[0]
            if after.group(1):
                break
            open_nodes.pop()
            pos += 1
        in_mapping, add = open_nodes[-1].id == MAPPING, open_nodes[-1].value.append


def _key(text: str, pos: int, line: int) -> tuple[JsonNode, int]:
    """The key starting at *pos*, and where its value starts."""
    name, pos = _scanstring(text, pos + 1)
    return JsonString(name, line), _skip(text, _skip(text, pos).end() + 1).end()


def _value(text: str, pos: int, line: int) -> tuple[JsonNode, int]:
    """The node of the value starting at *pos* (a collection still empty), and its end."""
    char = text[pos]
    if char == "{":
        return JsonMapping([], line), pos
    if char == "[":
        return JsonSequence([], line), pos
    if char == '"':
        value, end = _scanstring(text, pos + 1)
        return JsonString(value, line), end
    try:
        value, end = _scan_value(text, pos)
    except ValueError:  # the text is well-formed: only int() refuses, a number too long
        end = _integer(text, pos).end()
        return JsonLongInteger(text[pos:end], line), end
    return JsonScalar(value, line), end
