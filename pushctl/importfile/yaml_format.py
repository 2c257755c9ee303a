"""The YAML front end: text -> PyYAML's node tree, composed by libyaml when present.

Only composing happens here (no object is ever constructed from a tag); the
builder walks the nodes. Syntax errors become :class:`Malformed` with the line.
A scalar whose plain tag cannot hold its text (``!!int 0b``, ``!!bool maybe``,
``!!null x``) raises :class:`ValueError` when its value is asked for.
"""

from __future__ import annotations

from typing import Any

from pushctl.importfile.document import SHAPE_HINT, Fatal, Malformed
from pushctl.importfile.tree import NULL, Tree

#: How YAML writes null (an empty scalar too).
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


def yaml_loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it, else the pure-Python one."""
    import yaml

    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def parse_yaml(text: str) -> Tree:
    """The node tree of a single YAML document."""
    import yaml

    loader = yaml_loader()(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(exc) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise Malformed(1, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise Fatal(1, f"the file holds no data (only comments?); {SHAPE_HINT}")
    constructor = yaml.constructor.SafeConstructor()
    constructors = constructor.yaml_constructors

    def plain_value(node: Any) -> Any:
        if node.tag == NULL and node.value not in _NULLS:
            raise ValueError(node.value)  # PyYAML would make null of anything
        try:
            return constructors[node.tag](constructor, node)
        except LookupError:  # "!!bool maybe", "!!int ''" (int() and float() raise ValueError)
            raise ValueError(node.value) from None

    return Tree(root, _line, plain_value)


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _reader_error(exc: Any, text: str) -> Malformed:
    # libyaml counts the position in bytes of UTF-8, the Python reader in characters
    if exc.encoding == "unicode":
        line = text.count("\n", 0, exc.position) + 1
    else:
        line = text.encode().count(b"\n", 0, exc.position) + 1
    return Malformed(line, f"malformed YAML: character #x{exc.character:04x}: {exc.reason}")


def _marked_error(exc: Any) -> Malformed:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = " ".join(str(exc.problem or "").split()).removeprefix("but ")
    message = f"malformed YAML: {problem}" + (f", column {mark.column + 1}" if mark else "")
    if exc.context:
        started = exc.context_mark.line + 1 if exc.context_mark else line
        message += f" ({exc.context}, line {started})"
    return Malformed(line, message)
