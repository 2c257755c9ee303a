"""The rules of ``pushctl set`` applied to every entry of a document, each problem at its line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from pushctl.collector import paused as collector_paused
from pushctl.errors import InvalidInput
from pushctl.importfile.document import Document, Entry, FileProblem
from pushctl.importfile.reading import load
from pushctl.pushers import model
from pushctl.words import plural


def load_valid(path: str, stdin: IO[Any] | None = None) -> tuple[Document, list[FileProblem]]:
    """The document and its warnings; :class:`InvalidInput` listing all errors if any.

    *stdin* is the stream ``-`` reads (see :func:`~pushctl.importfile.reading.load`).
    """
    document = load(path, stdin)
    problems = check(document)
    if errors(problems):
        raise refuse(document, problems)
    return document, warnings(problems)


def check(document: Document) -> list[FileProblem]:
    """Every problem of the document (errors and warnings), each once, by line.

    Besides each entry's own problems, an entry with the same ``(app_id, pushkey)``
    as an earlier one is refused.
    """
    problems = list(document.problems)
    first_line: dict[tuple[str, str], int] = {}
    with collector_paused():
        for entry in document.entries:
            problems += _entry_problems(entry)
            app_id, pushkey = entry.pusher.get("app_id"), entry.pusher.get("pushkey")
            if isinstance(app_id, str) and isinstance(pushkey, str):
                first = first_line.setdefault((app_id, pushkey), entry.line)
                if first != entry.line:
                    message = f"the same app_id and pushkey as the entry at line {first}"
                    problems.append(FileProblem(entry.line_of("pushkey"), "pushkey", message))
    return sorted(dict.fromkeys(problems))


def errors(problems: Iterable[object]) -> list[FileProblem]:
    return [p for p in problems if isinstance(p, FileProblem) and not p.warning]


def warnings(problems: Iterable[object]) -> list[FileProblem]:
    return [p for p in problems if isinstance(p, FileProblem) and p.warning]


def refuse(document: Document, problems: list[FileProblem]) -> InvalidInput:
    """The exit-3 error listing every error of the document, one per line.

    Its ``problems`` hold the warnings too, for whoever wants to show them.
    """
    found = errors(problems)
    count = plural(len(found), "error")
    lines = "\n".join(p.format(document.source) for p in found)
    return InvalidInput(f"{document.source}: {count}; nothing was sent:\n{lines}", problems)


def _entry_problems(entry: Entry) -> list[FileProblem]:
    problems = [
        FileProblem(entry.line_of(p.field), p.field, p.message, p.warning)
        for p in model.validate_pusher(entry.pusher)
    ]
    data = entry.pusher.get("data")
    if isinstance(data, dict):
        # the rules name a data key that is not a string, but not what is wrong with its value
        for key, value in data.items():
            reason = None if isinstance(key, str) else model.not_json(value)
            if reason:
                name = f"data.{key}"
                problems.append(FileProblem(entry.line_of(name), name, reason))
    return problems
