"""The node tree both front ends hand to the builder.

It is PyYAML's node model, so that libyaml's composed YAML is used as it comes
and the JSON front end builds the same shape. Every node has

- ``id``: ``"scalar"``, ``"sequence"`` or ``"mapping"``;
- ``tag``: its YAML tag (JSON's are always the plain ones);
- ``value``: a scalar's content, a sequence's list of nodes, or a mapping's
  list of ``(key node, value node)`` pairs in file order.

The two things the formats store differently are read through the
:class:`Tree`: the line of a node, and the value of a scalar with a plain tag
(YAML keeps the text, JSON the decoded value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SCALAR, SEQUENCE, MAPPING = "scalar", "sequence", "mapping"

TAG_PREFIX = "tag:yaml.org,2002:"
STR, MAP, SEQ, MERGE, TIMESTAMP = (
    TAG_PREFIX + name for name in ("str", "map", "seq", "merge", "timestamp")
)
NULL, BOOL, INT, FLOAT = (TAG_PREFIX + name for name in ("null", "bool", "int", "float"))
#: Scalars that are plain JSON data besides strings.
PLAIN_SCALARS = frozenset((NULL, BOOL, INT, FLOAT))


@dataclass(frozen=True)
class Tree:
    """A file's root node, and how to read what the formats store differently."""

    root: Any
    #: the line (from 1) where a node starts
    line: Callable[[Any], int]
    #: the Python value of a scalar whose tag is in :data:`PLAIN_SCALARS`;
    #: :class:`ValueError` if the tag cannot hold the text (``!!int 0b``)
    plain_value: Callable[[Any], Any]


def short_tag(tag: str) -> str:
    """``!!int`` for YAML's own tags; any other tag as written."""
    return "!!" + tag[len(TAG_PREFIX) :] if tag.startswith(TAG_PREFIX) else tag
