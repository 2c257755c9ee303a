"""Type a command line into a real interactive shell on a pseudo-terminal, Tab included.

Completion is only honest when the shell itself inserts what pushctl offers:
readline (bash), zle (zsh) and fish each quote, or fail to quote, in their own way.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Mapping

PROMPT = "READY-7f3a> "
#: the prompt as typed: split, so that the echo of typing it is not taken for it
_TYPED_PROMPT = "'READY''-7f3a> '"

#: how each shell starts without the user's files, with a prompt we can wait for
#: and the completion script of the pushctl on PATH loaded
STARTS = {
    "bash": (
        ["bash", "--norc", "--noprofile", "-i"],
        [f"PS1={_TYPED_PROMPT}", 'eval "$(pushctl completion bash)"'],
    ),
    "zsh": (
        ["zsh", "-f", "-i"],
        [
            f"PROMPT={_TYPED_PROMPT}",
            "autoload -Uz compinit && compinit -u -D",
            'eval "$(pushctl completion zsh)"',
        ],
    ),
    "fish": (
        ["fish", "--no-config", "-i"],
        [
            f"function fish_prompt; printf '%s' {_TYPED_PROMPT}; end",
            "pushctl completion fish | source",
        ],
    ),
}


def _take_the_terminal() -> None:
    """In the child: a session of its own, with the pseudo-terminal on stdin as its terminal."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A shell on a pseudo-terminal, and everything it has shown."""

    def __init__(self, shell: str, env: Mapping[str, str]) -> None:
        import pty

        argv, setup = STARTS[shell]
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm"},
            close_fds=True,
            preexec_fn=_take_the_terminal,
        )
        os.close(slave)
        self.shown = b""
        self.prompts = 0
        self.read(quiet=0.5, limit=10)  # the shell's own first prompt
        for command in setup:
            os.write(self.master, command.encode() + b"\r")
            self.read(quiet=0.3, limit=10)

    def read(self, until: bytes | None = None, quiet: float = 0.0, limit: float = 30) -> None:
        """Read until *until* is shown, or after *quiet* s of silence once something came."""
        start = len(self.shown)
        deadline = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.shown += data
                last = time.monotonic()
            if until is not None and until in self.shown[start:]:
                return
            if quiet and len(self.shown) > start and time.monotonic() - last > quiet:
                return
        if until is not None:
            raise TimeoutError(f"the shell showed no {until!r}: {self.shown[-2000:]!r}")

    def prompt(self) -> None:
        """Wait for the next prompt not waited for yet."""
        deadline = time.monotonic() + 30
        while self.shown.count(PROMPT.encode()) <= self.prompts:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no prompt: {self.shown[-6000:]!r}")
            self.read(quiet=0.05, limit=1)
        self.prompts = self.shown.count(PROMPT.encode())

    def run(self, command: str) -> None:
        """At the next prompt, type *command* and Enter."""
        self.prompt()
        os.write(self.master, command.encode() + b"\r")

    def tab(self, line: str) -> None:
        """Type *line* and press Tab once; wait until the shell has inserted its completion."""
        self.prompt()
        os.write(self.master, line.encode())
        self.read(quiet=0.3, limit=10)  # the echo of what was typed
        os.write(self.master, b"\t")
        self.read(quiet=0.5, limit=30)

    def enter(self) -> None:
        os.write(self.master, b"\r")

    def close(self) -> None:
        self.prompt()
        os.write(self.master, b"exit\r")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.master)
