"""Indented JSON, exactly as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it.

json writes indented JSON with its pure-Python encoder (its C encoder knows
no indentation before Python 3.14): a second for the 100,000 pushers of a
large homeserver, the text gathered whole in millions of small strings. Here
each list or object goes to json's C encoder whole, with the separators of
its own depth (``",\n"`` and the indentation); a nested list or object is
written first, at its depth, and put in where a marker stood. Every line
break of indented JSON is between tokens (one inside a string is written
``\n``), so the pieces fit together line for line. Anything else (a subclass,
an object json refuses, a Python without json's C part) goes to json itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from json import encoder as _json
from typing import Any

INDENT = "  "
_CONTAINERS = frozenset((dict, list, tuple))
_SCALARS = frozenset((str, int, float, bool, type(None)))
_KNOWN = _CONTAINERS | _SCALARS
#: stands for a nested list or object while its container is encoded (see _with_nested)
_MARKER = "\x00nested\x00"
_MARKER_JSON = '"\\u0000nested\\u0000"'
_encode_string: Callable[[str], str] = _json.encode_basestring
_make_encoder: Any = _json.c_make_encoder  # type: ignore[attr-defined]


@functools.cache
def _encoder(depth: int) -> Callable[[Any, int], Iterable[str]]:
    """The C encoder for the items of a list or object *depth* levels deep."""
    separator = ",\n" + INDENT * depth
    # markers, default, string encoder, indent, key and item separators, sort_keys,
    # skipkeys, allow_nan: json.dumps's defaults but for the separators
    encode: Callable[[Any, int], Iterable[str]] = _make_encoder(
        None, _no_default, _encode_string, None, ": ", separator, False, False, True
    )
    return encode


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, depth: int = 0) -> str:
    """*value* as JSON indented by two spaces, its lines after the first *depth* levels in."""
    kind = type(value)
    if _make_encoder is None or kind not in _KNOWN:
        return _slow(value, depth)
    if kind in _SCALARS or not value:
        return "".join(_encoder(0)(value, 0))
    members = value.values() if kind is dict else value
    kinds = set(map(type, members))
    if not kinds <= _KNOWN:  # subclasses, objects json would refuse: as json does
        return _slow(value, depth)
    inner = depth + 1
    if kinds.isdisjoint(_CONTAINERS):
        text = "".join(_encoder(inner)(value, 0))
    else:
        written = _with_nested(value, inner)
        if written is None:
            return _slow(value, depth)
        text = written
    return f"{text[0]}\n{INDENT * inner}{text[1:-1]}\n{INDENT * depth}{text[-1]}"


def _with_nested(value: Any, inner: int) -> str | None:
    """The compact text of *value* with each nested list or object written at its depth.

    They are encoded first and replaced by a marker, which the written ones
    then replace; None if the marker is found in the data itself.
    """
    if type(value) is dict:
        places: Iterable[Any] = [k for k, v in value.items() if type(v) in _CONTAINERS and v]
        value = dict(value)
    else:
        places = [n for n, v in enumerate(value) if type(v) in _CONTAINERS and v]
        value = list(value)
    nested = [dumps(value[place], inner) for place in places]
    for place in places:
        value[place] = _MARKER
    parts = "".join(_encoder(inner)(value, 0)).split(_MARKER_JSON)
    if len(parts) != len(nested) + 1:
        return None
    return "".join(part + written for part, written in zip(parts, [*nested, ""], strict=True))


def _opens(value: Any) -> bool:
    """Is *value* a list or object written over several lines?"""
    return isinstance(value, (dict, list, tuple)) and bool(value)


def _slow(value: Any, depth: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + INDENT * depth)


def pieces(value: Any, level: int = 0) -> Iterator[str]:
    """``dumps(value, level)`` in pieces: each item of a list is one, objects are opened.

    A large document is then never held whole, nor built at once.
    """
    if not _opens(value):
        yield dumps(value, level)
        return
    pad = "\n" + INDENT * (level + 1)
    separator = pad
    if isinstance(value, dict):
        yield "{"
        for key, member in value.items():
            yield f"{separator}{_key(key)}: "
            yield from pieces(member, level + 1)
            separator = "," + pad
        yield "\n" + INDENT * level + "}"
    else:
        yield "["
        for member in value:
            yield separator + dumps(member, level + 1)
            separator = "," + pad
        yield "\n" + INDENT * level + "]"


def _key(key: Any) -> str:
    """A key as json writes it (a number, True or None as a string)."""
    return json.dumps({key: None}, ensure_ascii=False)[1:-7]
