"""Hypothesis strategies for hostile server answers, and a table of hand-picked ones.

An answer is fuzzed in its status, its headers and its body: random JSON values
of every type and depth, the valid answer with one field replaced or removed,
invalid UTF-8, HTML, empty and truncated bodies, NaN and Infinity tokens,
numbers and strings too big for their purpose, control and invisible
characters. Nothing here ever points pushctl at a host other than 127.0.0.1 or
a ``.invalid`` name: ``Location`` values carry no ``//``, so a redirect stays on
the server that sent it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from tests.support.fuzzserver import TOKEN, Answer

#: characters a hostile answer uses to move the cursor, hide text or break encoders
NASTY = (
    "\x00", "\x07", "\x08", "\x1b", "\x1b[31m", "\x1b]0;title\x07", "\r", "\n", "\t", "\x7f",
    "\x85", "\x9b", "\u202e", "\u200b", "\u2028", "\ufeff", "\ud800", "\udfff", "é", "日", "😀",
)  # fmt: skip

#: names of the fields pushctl reads, so that random objects hit them
FIELDS = (
    "pushers", "pushkey", "app_id", "kind", "data", "url", "format", "lang",
    "app_display_name", "device_display_name", "device_id", "org.matrix.msc3881.device_id",
    "enabled", "devices", "display_name", "last_seen_ts", "user_id", "access_token",
    "versions", "errcode", "error", "soft_logout", "retry_after_ms", "rejected",
)  # fmt: skip

STATUSES = (200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 409, 413, 429, 500,
            502, 503, 504)  # fmt: skip

CONTENT_TYPES = (
    "application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
    "text/html", "text/plain", "application/octet-stream", "", None,
)  # fmt: skip

LOCATIONS = (
    "/", "/elsewhere", "/_matrix/client/v3/pushers", "/_matrix/client/versions", "a:b",
    "mailto:x", "http://127.0.0.1:1/refused", "https://gateway.invalid/x", "ftp://host.invalid/y",
    "\x1b]0;title\x07", "/x\x1b[31mred", "", " ", "\u00e9t\u00e9",
)  # fmt: skip

RETRY_AFTER = ("0", "-1", "1e400", "nan", "inf", "-inf", "999999999999999999999", "abc", "",
               "Wed, 21 Oct 2015 07:28:00 GMT", "1.5", "\x1b[2J")  # fmt: skip

ENCODINGS = ("gzip", "deflate", "br", "identity", "x-unknown")

ERRCODES = ("M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_LIMIT_EXCEEDED",
            "M_UNRECOGNIZED", "M_NOT_FOUND", "M_UNKNOWN", "M_USER_IN_USE")  # fmt: skip

texts = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=5).map("".join)
#: texts for error messages and headers: these may also echo the access token
error_texts = st.one_of(texts, texts.map(lambda t: f"{t}{TOKEN}{t}"))

integers = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30, 10**308, -(10**400)]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    integers,
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.sampled_from(FIELDS),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), children, max_size=4),
    ),
    max_leaves=12,
)


def encode(value: Any, ascii_only: bool = True) -> bytes:
    """JSON as a server might send it: NaN and Infinity as bare words; lone surrogates
    as ``\\ud800`` escapes, or (not ``ascii_only``) as the bytes UTF-8 forbids."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value, the root included."""
    yield prefix
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            yield from paths(child, (*prefix, key))


@st.composite
def mutated(draw: st.DrawFn, valid: Any) -> Any:
    """*valid* with one place given a random value, or (in an object) removed."""
    path = draw(st.sampled_from(list(paths(valid))))
    if not path:
        return draw(json_values)
    value = copy.deepcopy(valid)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return value


def nasty_bodies(valid: Any) -> list[bytes]:
    """Bodies no well-behaved server sends: empty, HTML, truncated, too deep, too big."""
    whole = encode(valid)
    return [
        b"",
        b"   \n",
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"null",
        b"[]",
        b'"a string"',
        b"{",
        whole[: len(whole) // 2],
        whole + b" trailing",
        b"\xff\xfe\x00garbage\x80",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"pushers": [' * 2_000,
        b'{"pushers": ' + b"9" * 5_000 + b"}",
        b'{"retry_after_ms": ' + b"9" * 5_000 + b', "errcode": "M_LIMIT_EXCEEDED"}',
        b'{"pushers": NaN, "versions": Infinity, "user_id": -Infinity}',
        b'{"pushers": [{"pushkey": 1e400, "app_id": NaN, "data": {"url": Infinity}}]}',
        b'{"user_id": "' + b"a" * 1_000_000 + b'"}',
        encode({"pushers": [{"pushkey": "k\ud800", "app_id": "\udfff"}]}),
        encode({"user_id": "@alice\ud800:localhost"}, ascii_only=False),
    ]


def bodies(valid: Any) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(valid).map(encode),
        mutated(valid).map(lambda v: encode(v, ascii_only=False)),
        json_values.map(encode),
        st.sampled_from(nasty_bodies(valid)),
        st.binary(max_size=64),
    )


matrix_errors = st.fixed_dictionaries(
    {
        "errcode": st.one_of(st.sampled_from(ERRCODES), json_values),
        "error": st.one_of(error_texts, json_values),
    },
    optional={"soft_logout": json_values, "retry_after_ms": st.one_of(integers, st.floats())},
).map(encode)


def _header_safe(text: str) -> str:
    """What an HTTP header can carry: Latin-1 without line breaks (and, for Location,
    no ``//`` or backslash, which would lead elsewhere than 127.0.0.1)."""
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\r", "").replace("\n", "").replace("//", "/").replace("\\", "")


@st.composite
def headers(draw: st.DrawFn, status: int) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    if 300 <= status < 400 and draw(st.booleans()):
        where = draw(st.one_of(st.sampled_from(LOCATIONS), error_texts))
        found.append(("Location", _header_safe(where)))
    if status in (429, 503) and draw(st.booleans()):
        found.append(("Retry-After", _header_safe(draw(st.sampled_from(RETRY_AFTER)))))
    if draw(st.integers(0, 9)) == 0:
        found.append(("Content-Encoding", draw(st.sampled_from(ENCODINGS))))
    return tuple(found)


@st.composite
def answers(draw: st.DrawFn, valid: Any) -> Answer:
    """A hostile answer to a request whose valid answer is *valid*."""
    status = draw(st.one_of(st.sampled_from(STATUSES), st.integers(200, 599)))
    errors = matrix_errors if status >= 400 else st.nothing()
    body = draw(st.one_of(errors, bodies(valid)))
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    return Answer(status, body, content_type, draw(headers(status)))


def is_bad(answer: Answer) -> bool:
    """No request can succeed on this answer: an error, a redirect, or a body not JSON."""
    if not 200 <= answer.status < 300:
        return True
    if answer.status == 204 or not answer.body.strip():
        return False
    if any(name == "Content-Encoding" and value != "identity" for name, value in answer.headers):
        return False  # what the body decodes to (often nothing) is not judged here
    try:
        json.loads(answer.body, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return True
    return False


def _refuse(name: str) -> None:
    raise ValueError(name)
