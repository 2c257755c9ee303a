"""Export: server pushers as an import file (the ``pushers:`` list), YAML or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pushctl.output import render
from pushctl.pushers import model

#: the name export gives the enabled state (MSC3881), whichever name the server used
ENABLED = model.ENABLED_NAMES[0]


def exportable(pusher: Mapping[str, Any]) -> model.Pusher:
    """A server pusher as a file entry that imports back to the same pusher.

    The spec's fields (an empty ``profile_tag`` left out), the enabled state as
    ``enabled`` where the server reports one, and any other field the server
    gave, as it is; what only the homeserver sets (``device_id``) is left out.
    """
    entry = {
        name: pusher[name]
        for name in model.FIELDS
        if pusher.get(name) is not None and not (name == "profile_tag" and pusher[name] == "")
    }
    state = model.enabled_state(pusher)
    if state is not None:
        entry[ENABLED] = state
    skipped = {*model.FIELDS, *model.ENABLED_NAMES, *model.SERVER_SET}
    entry.update((k, v) for k, v in pusher.items() if k not in skipped and v is not None)
    return entry


def dump(pushers: Iterable[Mapping[str, Any]], fmt: str = "yaml") -> str:
    """An import file (``pushers:`` list) holding *pushers*."""

    document = {"pushers": [exportable(p) for p in pushers]}
    return render.dump_json(document) if fmt == "json" else render.dump_yaml(document)
