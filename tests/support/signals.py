"""Children that a test interrupts with Ctrl-C must be able to receive it.

A shell running a job in the background starts it with SIGINT ignored, and a
child inherits that: its Python would never raise KeyboardInterrupt and a
Ctrl-C test would fail for a reason that has nothing to do with pushctl.
Pass :func:`default_sigint` as ``preexec_fn`` to every child a test sends
SIGINT to.
"""

from __future__ import annotations

import signal


def default_sigint() -> None:
    """In the child, before it runs: SIGINT back to its default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
