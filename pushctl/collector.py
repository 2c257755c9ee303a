"""Python's cycle collector, paused while many long-lived objects are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off while a file's entries or a database's rows are made.

    They are hundreds of thousands of small objects that all live until the
    work is done, so the collector would only scan them again and again:
    `pushctl validate` of 50,000 YAML entries took twice as long with it
    running (8.1 s, not 3.8 s), `fleet health` of 100,000 pushers a third
    longer. Nothing made there needs it (a YAML alias inside itself is
    collected once it is back on).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
