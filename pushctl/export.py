"""Export: server pushers as an import file (the ``pushers:`` list), YAML or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pushctl import model


def exportable(pusher: Mapping[str, Any]) -> model.Pusher:
    """The spec's fields of a server pusher, as a file entry (an empty profile_tag left out)."""
    return {
        name: pusher[name]
        for name in model.FIELDS
        if pusher.get(name) is not None and not (name == "profile_tag" and pusher[name] == "")
    }


def dump(pushers: Iterable[Mapping[str, Any]], fmt: str = "yaml") -> str:
    """An import file (``pushers:`` list) holding *pushers*."""
    from pushctl import render

    document = {"pushers": [exportable(p) for p in pushers]}
    return render.dump_json(document) if fmt == "json" else render.dump_yaml(document)
