"""Untrusted text made safe for a terminal: control and invisible characters as escapes.

Text that came from a server, a gateway or a file goes through :func:`escape`
(or, inside JSON and YAML documents, :func:`escape_json` and
:func:`escape_yaml`) before it reaches a terminal;
:meth:`pushctl.output.environment.Environment.escape` is the same function.
"""

from __future__ import annotations

import re
from functools import cache

# Besides C0 and C1 controls: characters that change how the text around them
# looks without showing themselves: bidi overrides and isolates, zero-width
# characters, the soft hyphen, line and paragraph separators, the BOM, tag
# characters and variation selectors (they only pick how the character before
# them is drawn). Two pushkeys that differ only by one of these would otherwise
# look the same.
_INVISIBLE = (
    "\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
_CONTROL = f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]"
_CONTROL_BUT_NEWLINE = f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]"
# What JSON leaves raw (it escapes only \x00-\x1f): these occur only inside strings
_RAW_IN_JSON = f"[\x7f-\x9f{_INVISIBLE}]"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # compiled at first use: the three cost a millisecond, and every run loads this
    # module (Tab and --version included), most without escaping anything
    return re.compile(pattern)


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """*text* with control and invisible characters written as escapes (``\\x1b``, ``\\u200b``).

    A device name or a server's error text then cannot move the cursor, set the
    window title or colour the terminal. Messages of several lines keep their
    line breaks with *keep_newlines*.
    """
    pattern = _CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL
    return _compiled(pattern).sub(_escaped, text)


def hides_something(text: str) -> bool:
    """Does *text* hold a C1 control or an invisible character (see :func:`escape_json`)?"""
    return _compiled(_RAW_IN_JSON).search(text) is not None


def escape_json(text: str) -> str:
    """JSON text with C1 controls and invisible characters written as ``\\uNNNN``.

    The same JSON to a program; to a terminal, nothing that moves the cursor or
    hides a difference between two strings.
    """
    if text.isascii() and "\x7f" not in text:
        return text  # the common case, found without a scan: isascii() is known of a str
    return _compiled(_RAW_IN_JSON).sub(_json_escaped, text)


def escape_yaml(text: str) -> str:
    """YAML text with C1 controls and invisible characters written as YAML escapes.

    Only for characters inside double-quoted scalars (see ``render.dump_yaml``).
    """
    return _compiled(_RAW_IN_JSON).sub(_yaml_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    """``\\xNN``, ``\\uNNNN`` or, beyond the BMP, ``\\UNNNNNNNN`` (as in Python and YAML)."""
    code = ord(match.group())
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _yaml_escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escaped(match: re.Match[str]) -> str:
    """``\\uNNNN``; beyond the BMP the UTF-16 pair JSON spells it with."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
