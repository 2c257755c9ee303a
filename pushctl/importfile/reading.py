"""Reading an import file: bytes (a file or stdin), UTF-8 text, the format, then the document."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from pushctl.collector import paused as collector_paused
from pushctl.errors import InvalidInput
from pushctl.importfile.building import build
from pushctl.importfile.document import SHAPE_HINT, Document, Fatal, FileProblem, Malformed
from pushctl.importfile.json_format import parse_json
from pushctl.importfile.yaml_format import parse_yaml
from pushctl.output.environment import Environment

STDIN = "-"
STDIN_NAME = "<stdin>"
#: The largest file read; 50,000 pushers take about 14 MB of YAML.
MAX_BYTES = 64 * 1024 * 1024
FORMATS = ("yaml", "json")
#: How many nodes aliases and ``defaults:`` may expand to: twice as many as the
#: text has characters, and this many more.
_ALIAS_ALLOWANCE = 10_000


def source_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


def load(path: str, stdin: IO[Any] | None = None) -> Document:
    """Read and parse an import file; exit 3 (:class:`InvalidInput`) if it is unreadable.

    *stdin* is the stream ``-`` reads: the command line passes its
    :class:`~pushctl.output.environment.Environment`'s; the process's own when not given.
    """
    name = source_name(path)
    text = decode(read_bytes(path, stdin), name)
    return parse(text, name, guess_format(path, text))


def read_bytes(path: str, stdin: IO[Any] | None = None) -> bytes:
    """The file's bytes (*stdin* for ``-``), refusing more than :data:`MAX_BYTES`."""
    name = source_name(path)
    try:
        if path == STDIN:
            raw = _read_stream(stdin if stdin is not None else _process_stdin())
        else:
            with Path(path).open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"{name}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a stream already closed
        raise InvalidInput(f"{name}: cannot read: {exc}") from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput(f"{name}: larger than {MAX_BYTES // 2**20} MiB; split it into parts")
    return raw


def _read_stream(stream: IO[Any]) -> bytes:
    """Up to :data:`MAX_BYTES` + 1 bytes of a binary stream, or of a text stream's bytes."""
    data = getattr(stream, "buffer", stream).read(MAX_BYTES + 1)
    if isinstance(data, str):  # a text stream with no bytes underneath (io.StringIO)
        return data.encode("utf-8", "surrogatepass")
    return bytes(data)


def _process_stdin() -> IO[Any]:

    return Environment.create().stdin  # a closed stdin reads as empty there


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); binary and other encodings are refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fatal(name, 1, "the file is UTF-16; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise _fatal(name, _line_at(raw, nul), "binary data (a NUL byte), not YAML or JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_at(raw, exc.start)
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded"
        raise _fatal(name, line, message) from None


def guess_format(path: str, text: str) -> str:
    """``json`` for a .json file, or text starting with { or [; ``yaml`` otherwise.

    The format is decided once: text read as JSON that is not JSON is refused
    as malformed JSON, not read again as (flow-style) YAML, which would take
    ``[{"n": 1e5},]`` with its trailing comma and make ``1e5`` a string.
    """
    suffix = Path(path).suffix.lower() if path != STDIN else ""
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if _json_start(text) else "yaml"


def parse(text: str, name: str, fmt: str = "yaml") -> Document:
    """The entries of an import file's text, or :class:`InvalidInput` with the line."""
    if not text.strip():
        raise _fatal(name, 1, f"the file is empty; {SHAPE_HINT}")
    text = _with_newlines(text)
    _refuse_surrogates(text, name)
    try:
        with collector_paused():
            tree = parse_json(text) if fmt == "json" else parse_yaml(text)
            return build(tree, name, fmt, budget=2 * len(text) + _ALIAS_ALLOWANCE)
    except Malformed as exc:
        raise _fatal(name, exc.line, exc.message + _why_json(name, fmt, text)) from None
    except Fatal as exc:
        raise _fatal(name, exc.line, exc.message) from None
    except RecursionError:
        raise _fatal(name, 1, "nested too deeply to read") from None


def _json_start(text: str) -> str:
    """``{`` or ``[`` if the text starts with one (after space), else empty."""
    first = text.lstrip()[:1]
    return first if first in ("{", "[") else ""


def _why_json(name: str, fmt: str, text: str) -> str:
    """Why text that is not JSON was read as JSON, when its name does not say so."""
    first = _json_start(text)
    if fmt != "json" or not first or Path(name).suffix.lower() == ".json":
        return ""
    return f"; it starts with {first!r}, so it was read as JSON (for YAML, begin it with ---)"


def _with_newlines(text: str) -> str:
    """The text with CR LF and CR line endings as LF, so that lines count alike in both formats.

    YAML reads all three as one line break; JSON allows CR only between values.
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _refuse_surrogates(text: str, name: str) -> None:
    """Refuse text with a lone surrogate: decoded from a file it has none, but a str may."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        message = f"not Unicode text: \\u{ord(text[exc.start]):04x} is a lone surrogate"
        raise _fatal(name, line, message) from None


def _line_at(raw: bytes, end: int) -> int:
    """The line (from 1) of byte *end*, whichever line endings the file uses."""
    head = raw[:end]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _fatal(name: str, line: int, message: str) -> InvalidInput:
    problem = FileProblem(line, "", message)
    return InvalidInput(problem.format(name), [problem])
