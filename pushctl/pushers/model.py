"""Pushers as plain JSON-like mappings, and the local validation rules.

The homeserver stores almost anything it is given (a 600-byte pushkey, an
unknown ``kind``), so these rules are the only guard. They refuse only what can
never work (the spec's MUSTs, what the homeserver or gateway refuses) and warn
about what is merely unusual: a pusher the homeserver already holds must never
be a reason to refuse a file. Pure code: no I/O.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from pushctl.pushers import kinds
from pushctl.pushers.pusherstate import ENABLED_NAMES as ENABLED_NAMES
from pushctl.pushers.pusherstate import KNOWN_EXTRA
from pushctl.pushers.pusherstate import MSC3881_DEVICE_ID as MSC3881_DEVICE_ID
from pushctl.pushers.pusherstate import MSC3881_ENABLED as MSC3881_ENABLED
from pushctl.pushers.pusherstate import SERVER_SET as SERVER_SET
from pushctl.pushers.pusherstate import TAKE_OVER as TAKE_OVER
from pushctl.pushers.pusherstate import enabled_state as enabled_state
from pushctl.pushers.pusherstate import takes_over as takes_over
from pushctl.pushers.pusherstate import with_state_of as with_state_of
from pushctl.urls import BadUrl, split_url

Pusher = dict[str, Any]

PUSHKEY_MAX_BYTES = 512
APP_ID_MAX_CHARS = 64
NOTIFY_PATH = "/_matrix/push/v1/notify"
DATA_FORMATS = ("event_id_only",)
#: how deeply lists and mappings may nest: in a value of ``data``, and in an import
#: file (whose pushers need four levels above their ``data``)
MAX_DEPTH = 32

#: The fields of a pusher as the spec defines them, in display order.
FIELDS = (
    "app_id",
    "pushkey",
    "kind",
    "app_display_name",
    "device_display_name",
    "profile_tag",
    "lang",
    "data",
)
REQUIRED = ("app_id", "pushkey", "kind", "app_display_name", "device_display_name", "lang", "data")
#: required, but an empty value works: the homeserver stores it (a warning only)
MAY_BE_EMPTY = ("app_display_name", "device_display_name", "lang")

# patterns are compiled at first use (re's cache), not at import: every run pays for those
# BCP 47-like: "en", "en-US", "zh-Hant-TW". POSIX-style "en_US" is accepted too,
# since real clients send it and the spec only says "e.g. 'en' or 'en-US'".
# Used with fullmatch: ``$`` would also match before a trailing newline.
_LANG_TAG = r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*"
# urlsplit drops tabs and newlines anywhere and strips leading spaces, so a URL
# it accepts may not be the URL the homeserver is given: refuse them first.
_URL_UNSAFE = r"[\x00-\x20\x7f]"
# Half of a UTF-16 pair, alone: JSON's "\ud800" and undecodable bytes of an
# argument give one; UTF-8 cannot encode it, so no request could carry it.
_SURROGATE = "[\ud800-\udfff]"


# a NamedTuple, not a frozen dataclass: making one costs 0.5 ms at every start
class Problem(NamedTuple):
    """One broken rule: the field it concerns and what is wrong."""

    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


#: ends the reason of a gateway not probed on plain http (``allow_insecure_http`` off,
#: not loopback: :func:`is_loopback_host`)
PLAIN_HTTP_REFUSED = "would send the pushkey unencrypted"


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_pusher(pusher: object) -> list[Problem]:
    """All problems of one pusher to be set (errors and warnings), in field order."""
    if not isinstance(pusher, Mapping):
        return [Problem("pusher", f"must be a mapping of fields, not {type_name(pusher)}")]
    problems = [
        Problem(
            str(name) or repr(name),
            "unknown field; sent to the homeserver as it is (pushctl knows "
            f"{', '.join((*FIELDS, *ENABLED_NAMES, TAKE_OVER))})",
            warning=True,
        )
        for name in pusher
        if name not in FIELDS and name not in KNOWN_EXTRA
    ]
    for name in FIELDS:
        problems += _check_field(pusher, name)
    problems += _check_extra_fields(pusher)
    if isinstance(pusher.get("kind"), str) and isinstance(pusher.get("data"), Mapping):
        problems += _check_kind(pusher)
    return problems


def _check_extra_fields(pusher: Mapping[str, Any]) -> list[Problem]:
    """The enabled state (either name, not both differing), take_over, server-set fields."""
    problems = []
    for name in (*ENABLED_NAMES, TAKE_OVER):
        value = pusher.get(name)
        if value is not None and not isinstance(value, bool):
            problems.append(Problem(name, f"must be true or false, not {type_name(value)}"))
    states = {pusher[name] for name in ENABLED_NAMES if isinstance(pusher.get(name), bool)}
    if len(states) > 1:
        message = f"says the opposite of {ENABLED_NAMES[0]}; give one of the two"
        problems.append(Problem(MSC3881_ENABLED, message))
    for name in SERVER_SET:
        if name in pusher:
            problems.append(Problem(name, "is set by the homeserver; not sent", warning=True))
    return problems


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if not p.warning]


def _check_field(pusher: Mapping[str, Any], name: str) -> list[Problem]:
    value = pusher.get(name)
    if value is None:
        return [Problem(name, "is required")] if name in REQUIRED else []
    if name == "data":
        if not isinstance(value, Mapping):
            return [Problem("data", f"must be a mapping, not {type_name(value)}")]
        return _data_problems(value)
    if not isinstance(value, str):
        return [Problem(name, f"must be a string, not {type_name(value)}")]
    if reason := not_utf8(value):
        return [Problem(name, reason)]
    if name in MAY_BE_EMPTY and not value.strip():
        return [Problem(name, _EMPTY[name], warning=True)]
    if name in REQUIRED and not value.strip():
        return [Problem(name, "must not be empty")]
    check = _FIELD_RULES.get(name)
    return check(value) if check else []


def _data_problems(data: Mapping[Any, Any]) -> list[Problem]:
    problems = []
    for key, value in data.items():
        reason: str | None = "keys must be strings"
        if isinstance(key, str):
            reason = _key_not_utf8(key) or not_json(value)
        if reason:
            problems.append(Problem(f"data.{key}", reason))
    return problems


def not_json(value: object, depth: int = 0) -> str | None:
    """Why *value* cannot travel as JSON to the push gateway, or None."""
    if isinstance(value, str):
        return not_utf8(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a JSON number"
    if not isinstance(value, (list, dict)):
        return None
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "keys of nested mappings must be strings"
        reason = next((r for r in map(_key_not_utf8, value) if r), None)
        if reason:
            return reason
        value = list(value.values())
    return next((r for r in (not_json(v, depth + 1) for v in value) if r), None)


def not_utf8(text: str) -> str | None:
    """Why *text* cannot be sent (it holds a lone surrogate), or None."""
    found = None if text.isascii() else re.search(_SURROGATE, text)
    if found is None:
        return None
    return f"contains \\u{ord(found.group()):04x}, a lone surrogate that UTF-8 cannot encode"


def _key_not_utf8(key: str) -> str | None:
    reason = not_utf8(key)
    return f"the key {reason}" if reason else None


def _check_pushkey(pushkey: str) -> list[Problem]:
    size = len(pushkey.encode("utf-8"))
    if size > PUSHKEY_MAX_BYTES:
        return [
            Problem("pushkey", f"is {size} bytes of UTF-8; the limit is {PUSHKEY_MAX_BYTES} bytes")
        ]
    return []


def _check_app_id(app_id: str) -> list[Problem]:
    if len(app_id) > APP_ID_MAX_CHARS:
        return [Problem("app_id", f"is {len(app_id)} characters; the limit is {APP_ID_MAX_CHARS}")]
    return []


_EMPTY = {
    "app_display_name": "is empty; the homeserver stores it, and lists show no app name",
    "device_display_name": "is empty; the homeserver stores it, and lists show no device name",
    "lang": "is empty; the homeserver stores it, and the push gateway gets no language",
}


def _check_kind_name(kind: str) -> list[Problem]:
    if not kinds.named(kind).known:
        message = (
            f"{kind!r} is not a kind pushctl knows ({', '.join(kinds.NAMES)}); the homeserver "
            "stores it, and Synapse pushes nothing to it"
        )
        return [Problem("kind", message, warning=True)]
    return []


def _check_lang(lang: str) -> list[Problem]:
    if not re.fullmatch(_LANG_TAG, lang):
        message = (
            f"{lang!r} is not a language tag such as 'en' or 'en-US'; the homeserver stores "
            "it, and the push gateway may not understand it"
        )
        return [Problem("lang", message, warning=True)]
    return []


_FIELD_RULES = {
    "pushkey": _check_pushkey,
    "app_id": _check_app_id,
    "kind": _check_kind_name,
    "lang": _check_lang,
}


def _check_kind(pusher: Mapping[str, Any]) -> list[Problem]:
    """Rules that depend on the kind: the gateway URL, or the email address."""
    data = pusher["data"]
    problems = []
    if "format" in data and data["format"] not in DATA_FORMATS:
        message = (
            f"is {data['format']!r}, not {' or '.join(DATA_FORMATS)}: the homeserver sends "
            "the whole event, message text included, to the push gateway"
        )
        problems.append(Problem("data.format", message, warning=True))
    kind = kinds.named(pusher["kind"])
    if kind.push_gateway:
        problems += gateway_url_problems(data.get("url"), kind)
    if kind.app_id is not None and pusher.get("app_id") != kind.app_id:
        problems.append(Problem("app_id", f"must be {kind.app_id!r} for {kind.noun}"))
    pushkey = pusher.get("pushkey")
    shape = kind.pushkey_shape
    if shape is not None and isinstance(pushkey, str) and not shape.fullmatch(pushkey):
        problems.append(Problem("pushkey", f"must be {kind.pushkey_words} for {kind.noun}"))
    return problems


def gateway_url_problems(url: object, kind: kinds.PusherKind = kinds.HTTP) -> list[Problem]:
    """What is wrong with *url* as the ``data.url`` of a pusher of *kind* (one with a
    push gateway), warnings included."""
    if url is None:
        return [Problem("data.url", f"is required for {kind.noun}")]
    if not isinstance(url, str):
        return [Problem("data.url", f"must be a string, not {type_name(url)}")]
    if not_utf8(url):
        return []  # reported with the other values of data
    if re.search(_URL_UNSAFE, url):
        return [Problem("data.url", f"must not contain spaces or control characters: {url!r}")]
    try:
        parts = split_url(url)
    except BadUrl as exc:
        return [Problem("data.url", f"{exc}: {url!r}")]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Problem("data.url", f"must be an absolute http(s) URL, not {url!r}")]
    if parts.path != NOTIFY_PATH:
        return [Problem("data.url", f"must have the path {NOTIFY_PATH}, not {parts.path or '/'!r}")]
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return [
            Problem(
                "data.url",
                f"uses plain http to {parts.hostname}; notifications will cross the network "
                "unencrypted (use https)",
                warning=True,
            )
        ]
    return []


def type_name(value: object) -> str:
    """What a JSON-like value is, as messages say it: "a string", "a list", "null", ..."""
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def key_of(pusher: Mapping[str, Any]) -> tuple[str, str]:
    """The identity of a pusher for one user: (app_id, pushkey).

    A server's pusher may lack either (another client set it, or the server is
    broken): it is then known by empty strings rather than crashing a listing.
    """
    return (str(pusher.get("app_id") or ""), str(pusher.get("pushkey") or ""))


def normalise(pusher: Mapping[str, Any]) -> Pusher:
    """The spec's fields only, with server defaults filled in, for comparison."""
    result: Pusher = {name: pusher.get(name) for name in FIELDS}
    if not result["profile_tag"]:
        result["profile_tag"] = ""
    data = result["data"]  # a server's pusher may hold anything here
    result["data"] = dict(data) if isinstance(data, Mapping) else {} if data is None else data
    return result


def same_pusher(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return normalise(a) == normalise(b)


def set_body(pusher: Mapping[str, Any], append: bool = True) -> dict[str, Any]:
    """The JSON body of ``POST /pushers/set`` that creates or replaces *pusher*.

    The spec's fields, the enabled state (as ``org.matrix.msc3881.enabled``, the
    name Synapse reads) when the pusher states one, and any field pushctl does
    not know, as given. What the homeserver sets (``device_id``) is left out.
    ``append: true`` keeps other accounts' pushers with the same app ID and
    pushkey; ``false`` removes them.
    """
    left_out = {*SERVER_SET, *ENABLED_NAMES, TAKE_OVER, "append"}
    body = {
        name: value
        for name, value in pusher.items()
        if name not in left_out and value is not None and isinstance(name, str)
    }
    if body.get("profile_tag") == "":
        del body["profile_tag"]
    state = enabled_state(pusher)
    if state is not None:
        body[MSC3881_ENABLED] = state
    body["append"] = append
    return body


def delete_body(app_id: str, pushkey: str) -> dict[str, Any]:
    return {"app_id": app_id, "pushkey": pushkey, "kind": None}


def select(
    pushers: list[Pusher],
    *,
    app_id: str | None = None,
    pushkey: str | None = None,
    kind: str | None = None,
    device_name: str | None = None,
) -> list[Pusher]:
    """The pushers that match every given filter (exact matches)."""
    wanted = {
        "app_id": app_id,
        "pushkey": pushkey,
        "kind": kind,
        "device_display_name": device_name,
    }
    return [
        p
        for p in pushers
        if all(value is None or p.get(name) == value for name, value in wanted.items())
    ]
