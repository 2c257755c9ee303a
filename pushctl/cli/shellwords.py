"""Shell words: how a POSIX shell splits and unquotes a command line, and how to
write a value so that bash reads it back as itself.

Tab completion reads the line the user is typing (:func:`lex`) and, for bash,
writes what readline inserts (:func:`bash_quote`). Standard library only: it
runs at each Tab.
"""

from __future__ import annotations


def split_line(line: str) -> list[str]:
    """The words of a command line as a POSIX shell splits them; an open quote is kept."""
    words, _ = lex(line)
    return words[:-1] if words[-1] == "" else words


def lex(line: str) -> tuple[list[str], str]:
    """The words of *line* with the shell's quoting removed, and the quote open at its end.

    The last word is the one the line ends in: "" when the line ends in a blank
    (a new word starts there). The quote is ``'``, ``"`` or "" (none).
    """
    words: list[str] = []
    current: list[str] = []
    started = False
    quote = ""
    chars = iter(line)
    for char in chars:
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                current.append(char)
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char == "\\":
                following = next(chars, "")
                if following not in _ESCAPED_IN_DOUBLE:
                    current.append(char)
                if following != "\n":
                    current.append(following)
            else:
                current.append(char)
        elif char in " \t\n":
            if started:
                words.append("".join(current))
                current, started = [], False
        else:
            started = True
            if char == "\\":
                following = next(chars, "")
                if following != "\n":
                    current.append(following)
            elif char in "'\"":
                quote = char
            else:
                current.append(char)
    words.append("".join(current))
    return words, quote


#: what a backslash escapes inside double quotes (before it, elsewhere, it is itself)
_ESCAPED_IN_DOUBLE = frozenset('$`"\\\n')
#: what a word may hold unquoted and mean itself, in bash (letters beyond ASCII too)
_PLAIN_IN_BASH = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+@%,:="
)


def bash_quote(text: str, quote: str = "") -> str:
    """*text* written so that bash reads it back as itself, inside *quote* if one is open."""
    if quote == "'":
        return text.replace("'", "'\\''")
    if quote == '"':
        # a backslash before ! would stay; history expansion never looks inside '...'
        return "".join("\\" + c if c in '$`"\\' else "\"'!'\"" if c == "!" else c for c in text)
    if _PLAIN_IN_BASH.issuperset(text):  # most words: a Tab on --pushkey answers 500 of them
        return text
    return "".join(c if c in _PLAIN_IN_BASH or not c.isascii() else "\\" + c for c in text)
