"""One clone of a client per worker thread: each thread its own HTTP session.

requests' sessions are not thread-safe, so threads that read for one run
(the guard's checks of a write run, ``fleet``'s listings) each ask for their
own clone; the run closes them all when it ends.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client


class PerThread:
    """Clones of *client*, one per thread that asks, remembered to be closed."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.local = threading.local()
        self.lock = threading.Lock()
        self.clones: list[Client] = []

    def own(self) -> Client:
        """This thread's clone, made at its first call."""
        clone: Client | None = getattr(self.local, "client", None)
        if clone is None:
            clone = self.local.client = self.client.clone()
            with self.lock:
                self.clones.append(clone)
        return clone

    def close(self) -> None:
        """Close every clone made so far (the client itself stays open)."""
        with self.lock:
            clones, self.clones = self.clones, []
        for clone in clones:
            clone.close()
