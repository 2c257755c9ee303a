"""Files pushctl writes for the user: where they live, and replacing one whole.

Standard library only and cheap to import: Tab completion reads the listing
cache (:mod:`pushctl.pushers.listing_cache`) through :func:`user_dir`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: (environment variable, fallback under the home directory) of the XDG base directories
XDG_CONFIG = ("XDG_CONFIG_HOME", ".config")
XDG_CACHE = ("XDG_CACHE_HOME", ".cache")


def user_dir(base: tuple[str, str], environ: Mapping[str, str]) -> Path:
    """pushctl's directory in an XDG base directory, such as ``~/.config/pushctl``."""
    variable, fallback = base
    root = environ.get(variable) or ""
    if not os.path.isabs(root):  # the XDG spec says to ignore relative paths
        root = os.path.join(environ.get("HOME") or os.path.expanduser("~"), fallback)
    return Path(root) / "pushctl"


def read_private(path: Path) -> str:
    """The file's text if it is ours and readable by us alone, else ""."""
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and status.st_uid != os.getuid():
                return ""  # not ours: do not trust what someone else wrote
            if status.st_mode & 0o077:
                return ""  # loosened: rewrite it private
            return handle.read().decode("utf-8")
    except (OSError, ValueError):
        return ""


def read_private_document(path: Path, format: int) -> dict[str, Any]:
    """The JSON object of a private file of pushctl's own (:func:`read_private`) whose
    ``format`` is *format*; {} when the file is missing, not ours, damaged or of
    another format (a cache: whatever it held is made again)."""
    import json  # not every run reads a document

    try:
        document = json.loads(read_private(path) or "{}")
    except (ValueError, RecursionError):
        return {}
    if not isinstance(document, dict) or document.get("format") != format:
        return {}
    return document


def replace_file(path: Path, text: str, *, durable: bool = True, mode: int = 0o600) -> None:
    """Replace *path* whole with *text*, in a file only its owner can read or change.

    (With *mode*, the new file gets those permissions instead.)

    The text goes to a temporary file in the same directory (created 0600),
    which is then renamed over *path*: a reader sees the old file or the new
    one, never half of either. With *durable* the text reaches the disk before
    the rename. Raises OSError; the temporary file is removed on any failure.
    """
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if mode != 0o600:
                os.fchmod(handle.fileno(), mode)
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_output(path: Path, text: str) -> None:
    """Write *text* to the file the user named, as a shell's ``>`` would, but never half.

    A symbolic link is followed: its target is written, the link stays. A
    regular file is replaced whole (see :func:`replace_file`) and keeps its
    permissions; a new one is made readable by its owner only. Anything else
    (``/dev/null``, ``/dev/stdout``, a named pipe) is written through, not
    replaced. A directory raises IsADirectoryError. Raises OSError.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        replace_file(target, text)
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    replace_file(target, text, mode=stat.S_IMODE(mode))
