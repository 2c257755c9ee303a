"""Import files: YAML or JSON in, with the line of every entry and field; export out.

A file is either a list of pushers, or a mapping with an optional ``defaults:``
mapping (merged under each entry) and a ``pushers:`` list. Loading is safe
only: YAML is composed into nodes (libyaml's C parser when present) and built
into plain JSON-like data here, so no tag can construct an object; a tag other
than the plain ones is reported like any other problem.

Every problem is a :class:`FileProblem` carrying its line. The structure is
checked as the file is read; :func:`check` then applies the rules of
``pushctl set`` to every entry and looks for duplicate ``(app_id, pushkey)``.
Pure code apart from reading the file: nothing here talks to a server.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pushctl import model
from pushctl.errors import InvalidInput
from pushctl.model import type_name

STDIN = "-"
STDIN_NAME = "<stdin>"
#: The largest file read; 50,000 pushers take about 14 MB of YAML.
MAX_BYTES = 64 * 1024 * 1024
#: The deepest nesting of lists and mappings accepted (a pusher needs four levels).
MAX_DEPTH = 32
#: Fields an entry gets when neither it nor ``defaults:`` gives them (as ``pushctl set``).
BUILTIN_DEFAULTS: Mapping[str, Any] = {"kind": "http"}
TOP_LEVEL_KEYS = ("defaults", "pushers")
FORMATS = ("yaml", "json")
SHAPE_HINT = "expected a list of pushers, or a mapping with a pushers: list"

Lines = dict[str, int]


@dataclass(frozen=True, order=True)
class FileProblem:
    """One problem of a file: where it is, which field, and what is wrong."""

    line: int
    field: str
    message: str
    warning: bool = False

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


class _Fatal(Exception):
    """A problem that stops reading the file (nothing after it can be trusted)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Malformed(_Fatal):
    """The text is not well-formed YAML or JSON."""


# -- reading -------------------------------------------------------------------


def _fatal(name: str, line: int, message: str) -> InvalidInput:
    problem = FileProblem(line, "", message)
    return InvalidInput(problem.format(name), [problem])


def source_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


def read_bytes(path: str) -> bytes:
    """The file's bytes (stdin for ``-``), refusing more than :data:`MAX_BYTES`."""
    name = source_name(path)
    try:
        if path == STDIN:
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with Path(path).open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput(f"{name}: larger than {MAX_BYTES // 2**20} MiB; split it into parts")
    return raw


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); binary and other encodings are refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fatal(name, 1, "the file is UTF-16; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise _fatal(name, line, "binary data (a NUL byte), not YAML or JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded"
        raise _fatal(name, line, message) from None


def guess_format(path: str, text: str) -> str:
    """``json`` for a .json file, or text starting with { or [; ``yaml`` otherwise."""
    suffix = Path(path).suffix.lower() if path != STDIN else ""
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def load(path: str) -> Document:
    """Read and parse an import file; exit 3 (:class:`InvalidInput`) if it is unreadable."""
    name = source_name(path)
    text = decode(read_bytes(path), name)
    return parse(text, name, guess_format(path, text))


def parse(text: str, name: str, fmt: str = "yaml") -> Document:
    """The entries of an import file's text, or :class:`InvalidInput` with the line."""
    if not text.strip():
        raise _fatal(name, 1, f"the file is empty; {SHAPE_HINT}")
    try:
        if fmt == "json":
            raw, fmt = _parse_json_or_flow_yaml(text, name)
        else:
            raw = _parse_yaml(text)
    except _Fatal as exc:
        raise _fatal(name, exc.line, exc.message) from None
    except RecursionError:
        raise _fatal(name, 1, "nested too deeply to read") from None
    return _assemble(name, fmt, raw)


def _parse_json_or_flow_yaml(text: str, name: str) -> tuple[_Raw, str]:
    try:
        return _parse_json(text), "json"
    except _Malformed as json_error:
        if Path(name).suffix.lower() == ".json":
            raise
        try:  # flow-style YAML starts with { or [ too
            return _parse_yaml(text), "yaml"
        except _Malformed:
            raise json_error from None


# -- the shape shared by both formats -------------------------------------------


@dataclass
class _Raw:
    """What a parser found, before defaults are merged."""

    defaults: tuple[dict[Any, Any], Lines] | None = None
    #: (fields, line of the entry, line of each field and data key)
    entries: list[tuple[dict[Any, Any], int, Lines]] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def _assemble(name: str, fmt: str, raw: _Raw) -> Document:
    defaults, default_lines = raw.defaults or ({}, {})
    default_data = defaults.get("data")
    entries = []
    for fields, line, lines in raw.entries:
        pusher = {**BUILTIN_DEFAULTS, **defaults, **fields}
        data = fields.get("data")
        if isinstance(default_data, dict) and isinstance(data, dict):
            pusher["data"] = _merge_data(default_data, data)
        # an explicit null in an entry takes the default away
        pusher = {k: v for k, v in pusher.items() if v is not None}
        entries.append(Entry(pusher, line, {**default_lines, **lines} if default_lines else lines))
    return Document(name, fmt, entries, raw.problems)


def _merge_data(defaults: dict[Any, Any], data: dict[Any, Any]) -> dict[Any, Any]:
    """Key by key; a null in the entry takes the default's key away."""
    merged = {**defaults, **data}
    for key, value in data.items():
        if value is None and key in defaults:
            del merged[key]
    return merged


def _not_a_mapping(line: int, value: object) -> FileProblem:
    return FileProblem(line, "pusher", f"must be a mapping of fields, not {type_name(value)}")


def _unknown_top_level(line: int, key: object) -> FileProblem:
    known = ", ".join(TOP_LEVEL_KEYS)
    return FileProblem(line, str(key), f"unknown top-level key (known: {known})")


# -- YAML ------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE = (_TAG + t for t in ("str", "map", "seq", "merge"))
_TIMESTAMP = _TAG + "timestamp"
_PLAIN_SCALARS = frozenset(_TAG + t for t in ("null", "bool", "int", "float"))


def yaml_loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it, else the pure-Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def _parse_yaml(text: str) -> _Raw:
    import yaml

    loader = yaml_loader()(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_fatal(exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_fatal(exc, text) from None
    except yaml.YAMLError as exc:
        raise _Malformed(1, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise _Fatal(1, f"the file holds no data (only comments?); {SHAPE_HINT}")
    return _YamlBuilder(budget=len(text) + 10_000).document(root)


def _reader_fatal(exc: Any, text: str) -> _Fatal:
    # libyaml counts the position in bytes of UTF-8, the Python reader in characters
    if exc.encoding == "unicode":
        line = text.count("\n", 0, exc.position) + 1
    else:
        line = text.encode().count(b"\n", 0, exc.position) + 1
    return _Malformed(line, f"malformed YAML: character #x{exc.character:04x}: {exc.reason}")


def _yaml_fatal(exc: Any) -> _Fatal:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = " ".join(str(exc.problem or "").split()).removeprefix("but ")
    message = f"malformed YAML: {problem}" + (f", column {mark.column + 1}" if mark else "")
    if exc.context:
        started = exc.context_mark.line + 1 if exc.context_mark else line
        message += f" ({exc.context}, line {started})"
    return _Malformed(line, message)


class _YamlBuilder:
    """Plain data from YAML nodes, recording lines and problems on the way."""

    def __init__(self, budget: int) -> None:
        import yaml

        self.yaml = yaml
        self.constructor = yaml.constructor.SafeConstructor()
        self.problems: list[FileProblem] = []
        # aliases can make a small file expand enormously ("billion laughs")
        self.budget = budget

    def document(self, root: Any) -> _Raw:
        nodes = self.yaml.nodes
        raw = _Raw(problems=self.problems)
        if isinstance(root, nodes.SequenceNode):
            self._check_tag(root, _SEQ, "")
            raw.entries = self.entries(root)
        elif isinstance(root, nodes.MappingNode):
            raw.defaults, raw.entries = self.top_level(root)
        else:
            value = self.value(root, "", 0)
            raise _Fatal(_line(root), f"{SHAPE_HINT}, not {type_name(value)}")
        return raw

    def entries(self, sequence: Any) -> list[tuple[dict[Any, Any], int, Lines]]:
        found = (self.entry(node) for node in sequence.value)
        return [entry for entry in found if entry is not None]

    def top_level(
        self, root: Any
    ) -> tuple[tuple[dict[Any, Any], Lines] | None, list[tuple[dict[Any, Any], int, Lines]]]:
        nodes = self.yaml.nodes
        members = self.members(root, "", 0)
        for key, (_, line) in members.items():
            if key not in TOP_LEVEL_KEYS:
                self.problems.append(_unknown_top_level(line, key))
        if "pushers" not in members:
            raise _Fatal(_line(root), f"no pushers: key; {SHAPE_HINT}")
        pushers, line = members["pushers"]
        if not isinstance(pushers, nodes.SequenceNode):
            value = self.value(pushers, "pushers", 1)
            raise _Fatal(line, f"pushers: must be a list of pushers, not {type_name(value)}")
        defaults = None
        if "defaults" in members:
            node, line = members["defaults"]
            if isinstance(node, nodes.MappingNode):
                fields, lines = self.fields(node)
                defaults = (fields, lines)
            else:
                value = self.value(node, "defaults", 1)
                self.problems.append(
                    FileProblem(line, "defaults", f"must be a mapping, not {type_name(value)}")
                )
        return defaults, self.entries(pushers)

    def entry(self, node: Any) -> tuple[dict[Any, Any], int, Lines] | None:
        if not isinstance(node, self.yaml.nodes.MappingNode):
            self.problems.append(_not_a_mapping(_line(node), self.value(node, "pusher", 2)))
            return None
        fields, lines = self.fields(node)
        return fields, _line(node), lines

    def fields(self, node: Any) -> tuple[dict[Any, Any], Lines]:
        """The fields of an entry (or of defaults) and the line of each, ``data.KEY`` too."""
        fields: dict[Any, Any] = {}
        lines: Lines = {}
        for key, (value_node, line) in self.members(node, "", 2).items():
            name = key if isinstance(key, str) else str(key)
            lines[name] = line
            if name == "data" and isinstance(value_node, self.yaml.nodes.MappingNode):
                data = {}
                for data_key, (data_node, data_line) in self.members(value_node, name, 3).items():
                    where = f"data.{data_key}"
                    lines[where] = data_line
                    data[data_key] = self.value(data_node, where, 4)
                fields[key] = data
            else:
                fields[key] = self.value(value_node, name, 3)
        return fields, lines

    def members(self, node: Any, where: str, depth: int) -> dict[Any, tuple[Any, int]]:
        """Key -> (value node, line of the key), merge keys (``<<``) resolved."""
        self._check_tag(node, _MAP, where)
        own: dict[Any, tuple[Any, int]] = {}
        merged: dict[Any, tuple[Any, int]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(value_node, where, depth, merged)
                continue
            key = self.key(key_node, where, depth)
            if key is _UNUSABLE:
                continue
            line = _line(key_node)
            if key in own:
                name = f"{where}.{key}" if where else str(key)
                first = own[key][1]
                self.problems.append(
                    FileProblem(line, name, f"given twice (first at line {first})")
                )
            own[key] = (value_node, line)
        return {**merged, **own} if merged else own

    def _merge(self, node: Any, where: str, depth: int, merged: dict[Any, tuple[Any, int]]) -> None:
        nodes = self.yaml.nodes
        sources = node.value if isinstance(node, nodes.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, nodes.MappingNode):
                self.problems.append(
                    FileProblem(_line(source), where, "<< must merge a mapping or a list of them")
                )
                continue
            self._spend(source, depth)
            for key, item in self.members(source, where, depth + 1).items():
                merged.setdefault(key, item)  # the first mapping merged wins, as in YAML

    def key(self, node: Any, where: str, depth: int) -> Any:
        if not isinstance(node, self.yaml.nodes.ScalarNode):
            self.problems.append(
                FileProblem(_line(node), where, "a key must be a plain value, not a collection")
            )
            return _UNUSABLE
        return self.value(node, where, depth)

    def value(self, node: Any, where: str, depth: int) -> Any:
        """Plain JSON-like data: strings, numbers, booleans, null, lists, mappings."""
        nodes = self.yaml.nodes
        if isinstance(node, nodes.ScalarNode):
            return node.value if node.tag == _STR else self._scalar(node, where)
        self._spend(node, depth)
        if isinstance(node, nodes.SequenceNode):
            self._check_tag(node, _SEQ, where)
            return [self.value(item, where, depth + 1) for item in node.value]
        return {
            key: self.value(item, where, depth + 1)
            for key, (item, _) in self.members(node, where, depth).items()
        }

    def _scalar(self, node: Any, where: str) -> Any:
        if node.tag in _PLAIN_SCALARS:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        if node.tag == _TIMESTAMP:
            message = f"{node.value} reads as a date, which JSON has no type for; quote it"
        else:
            message = f"the tag {_short_tag(node.tag)} is not allowed (plain data only)"
        self.problems.append(FileProblem(_line(node), where, message))
        return node.value

    def _check_tag(self, node: Any, expected: str, where: str) -> None:
        if node.tag != expected:
            self.problems.append(
                FileProblem(
                    _line(node),
                    where,
                    f"the tag {_short_tag(node.tag)} is not allowed (plain data only)",
                )
            )

    def _spend(self, node: Any, depth: int) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _Fatal(_line(node), "aliases expand to far more data than the file holds")
        if depth > MAX_DEPTH:
            raise _Fatal(_line(node), f"nested more than {MAX_DEPTH} levels deep")


_UNUSABLE = object()


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


# -- JSON ------------------------------------------------------------------------

_JSON_WS = re.compile(r"[ \t\n\r]*")
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _parse_json(text: str) -> _Raw:
    """json's C parser checks the text; a walk over it then finds the lines."""
    try:
        json.loads(text, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise _Malformed(exc.lineno, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
    return _JsonWalker(text).document()


class _JsonWalker:
    """Walks valid JSON text: entries and fields by hand, their values by the C scanner."""

    def __init__(self, text: str) -> None:
        self.text = text
        decoder = json.JSONDecoder(parse_constant=float)
        self.scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once  # type: ignore[attr-defined]
        self.problems: list[FileProblem] = []
        self._counted_to = 0
        self._line = 1

    def line(self, pos: int) -> int:
        if pos < self._counted_to:
            self._counted_to, self._line = 0, 1
        self._line += self.text.count("\n", self._counted_to, pos)
        self._counted_to = pos
        return self._line

    def skip(self, pos: int) -> int:
        match = _JSON_WS.match(self.text, pos)
        return match.end() if match else pos

    def document(self) -> _Raw:
        raw = _Raw(problems=self.problems)
        pos = self.skip(0)
        if self.text[pos] == "[":
            self.elements(pos, lambda p: self._entry(p, raw))
        elif self.text[pos] == "{":
            self._top_level(pos, raw)
        else:
            value, _ = self.scan(self.text, pos)
            raise _Fatal(self.line(pos), f"{SHAPE_HINT}, not {type_name(value)}")
        return raw

    def _top_level(self, pos: int, raw: _Raw) -> None:
        found: dict[str, int] = {}

        def member(key: str, line: int, value_pos: int) -> int:
            found[key] = line
            char = self.text[value_pos]
            if key == "pushers" and char == "[":
                raw.entries = []
                return self.elements(value_pos, lambda p: self._entry(p, raw))
            if key == "defaults" and char == "{":
                fields: dict[str, Any] = {}
                lines: Lines = {}
                end = self._fields(value_pos, fields, lines)
                raw.defaults = (fields, lines)
                return end
            value, end = self.scan(self.text, value_pos)
            if key == "pushers":
                raise _Fatal(line, f"pushers: must be a list of pushers, not {type_name(value)}")
            if key == "defaults":
                message = f"must be a mapping, not {type_name(value)}"
                self.problems.append(FileProblem(line, "defaults", message))
            else:
                self.problems.append(_unknown_top_level(line, key))
            return end

        self.members(pos, member)
        if "pushers" not in found:
            raise _Fatal(self.line(pos), f"no pushers: key; {SHAPE_HINT}")

    def _entry(self, pos: int, raw: _Raw) -> int:
        line = self.line(pos)
        if self.text[pos] != "{":
            value, end = self.scan(self.text, pos)
            self.problems.append(_not_a_mapping(line, value))
            return end
        fields: dict[str, Any] = {}
        lines: Lines = {}
        end = self._fields(pos, fields, lines)
        raw.entries.append((fields, line, lines))
        return end

    def _fields(self, pos: int, fields: dict[str, Any], lines: Lines) -> int:
        def member(key: str, line: int, value_pos: int) -> int:
            self._note(lines, key, line)
            if key == "data" and self.text[value_pos] == "{":
                data: dict[str, Any] = {}

                def data_member(data_key: str, data_line: int, data_pos: int) -> int:
                    self._note(lines, f"data.{data_key}", data_line)
                    data[data_key], end = self.scan(self.text, data_pos)
                    return end

                fields[key] = data
                return self.members(value_pos, data_member)
            fields[key], end = self.scan(self.text, value_pos)
            return end

        return self.members(pos, member)

    def _note(self, lines: Lines, name: str, line: int) -> None:
        if name in lines:
            self.problems.append(
                FileProblem(line, name, f"given twice (first at line {lines[name]})")
            )
        lines[name] = line

    def members(self, pos: int, member: Callable[[str, int, int], int]) -> int:
        """Calls ``member(key, line, value_pos)`` (which returns the value's end) per member."""
        text = self.text
        pos = self.skip(pos + 1)
        if text[pos] == "}":
            return pos + 1
        while True:
            key_line = self.line(pos)
            key, pos = _scanstring(text, pos + 1)
            pos = self.skip(self.skip(pos) + 1)  # past the colon
            pos = self.skip(member(key, key_line, pos))
            if text[pos] == "}":
                return pos + 1
            pos = self.skip(pos + 1)  # past the comma

    def elements(self, pos: int, element: Callable[[int], int]) -> int:
        text = self.text
        pos = self.skip(pos + 1)
        if text[pos] == "]":
            return pos + 1
        while True:
            pos = self.skip(element(pos))
            if text[pos] == "]":
                return pos + 1
            pos = self.skip(pos + 1)


# -- checking --------------------------------------------------------------------


def check(document: Document) -> list[FileProblem]:
    """Every problem of the document (errors and warnings), each once, by line."""
    problems = list(document.problems)
    first_line: dict[tuple[str, str], int] = {}
    for entry in document.entries:
        problems += _entry_problems(entry)
        app_id, pushkey = entry.pusher.get("app_id"), entry.pusher.get("pushkey")
        if isinstance(app_id, str) and isinstance(pushkey, str):
            first = first_line.setdefault((app_id, pushkey), entry.line)
            if first != entry.line:
                message = f"the same app_id and pushkey as the entry at line {first}"
                problems.append(FileProblem(entry.line_of("pushkey"), "pushkey", message))
    return sorted(dict.fromkeys(problems))


def _entry_problems(entry: Entry) -> list[FileProblem]:
    problems = [
        FileProblem(entry.line_of(p.field), p.field, p.message, p.warning)
        for p in model.validate_pusher(entry.pusher)
    ]
    data = entry.pusher.get("data")
    if isinstance(data, dict):
        for key, value in data.items():
            reason = _not_json(value)
            if reason:
                name = f"data.{key}"
                problems.append(FileProblem(entry.line_of(name), name, reason))
    return problems


def _not_json(value: object, depth: int = 0) -> str | None:
    """Why *value* cannot travel as JSON to the push gateway, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a JSON number"
    if not isinstance(value, (list, dict)):
        return None
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "keys of nested mappings must be strings"
        value = list(value.values())
    return next((r for r in (_not_json(v, depth + 1) for v in value) if r), None)


def errors(problems: Iterable[object]) -> list[FileProblem]:
    return [p for p in problems if isinstance(p, FileProblem) and not p.warning]


def warnings(problems: Iterable[object]) -> list[FileProblem]:
    return [p for p in problems if isinstance(p, FileProblem) and p.warning]


def refuse(document: Document, problems: list[FileProblem]) -> InvalidInput:
    """The exit-3 error listing every error of the document, one per line.

    Its ``problems`` hold the warnings too, for whoever wants to show them.
    """
    found = errors(problems)
    count = f"{len(found)} error" + ("" if len(found) == 1 else "s")
    lines = "\n".join(p.format(document.source) for p in found)
    return InvalidInput(f"{document.source}: {count}; nothing was sent:\n{lines}", problems)


def load_valid(path: str) -> tuple[Document, list[FileProblem]]:
    """The document and its warnings; :class:`InvalidInput` listing all errors if any."""
    document = load(path)
    problems = check(document)
    if errors(problems):
        raise refuse(document, problems)
    return document, warnings(problems)


# -- export ----------------------------------------------------------------------


def exportable(pusher: Mapping[str, Any]) -> model.Pusher:
    """The spec's fields of a server pusher, as a file entry (an empty profile_tag left out)."""
    return {
        name: pusher[name]
        for name in model.FIELDS
        if pusher.get(name) is not None and not (name == "profile_tag" and pusher[name] == "")
    }


def dump(pushers: Iterable[Mapping[str, Any]], fmt: str = "yaml") -> str:
    """An import file (``pushers:`` list) holding *pushers*."""
    from pushctl import render

    document = {"pushers": [exportable(p) for p in pushers]}
    return render.dump_json(document) if fmt == "json" else render.dump_yaml(document)
