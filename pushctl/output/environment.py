"""The world one run of pushctl talks to: its streams, its terminal and its environment.

:func:`pushctl.cli.main` makes one :class:`Environment` and hands it down to
every command; tests make one with fake streams. Every terminal rule lives
here, so that no command decides one on its own:

- colour only for a terminal, never under ``NO_COLOR`` or ``TERM=dumb``;
  ``FORCE_COLOR`` forces it;
- tables with borders, fitted to the width, only on a terminal; plain columns
  in a pipe or a file, for scripts;
- questions only when a person can answer (stdin and stderr are terminals);
- progress only when a person watches (stdout and stderr are terminals);
- text that came from a server, a gateway or a file is shown with its control
  characters escaped (:func:`escape`), and messages never show a known secret.

rich is imported only when a progress bar or a table is drawn.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO, cast

from pushctl.errors import Interrupted, redact_known
from pushctl.output.escaping import escape

# the height rich is told: a table is printed whole whatever it is, but a console of
# no given height asks the process's environment (LINES, TERM) for one
_TABLE_HEIGHT = 25

#: what a progress bar is told after each item: did it succeed?
Advance = Callable[[bool], None]


def terminal_columns(stream: Any) -> int | None:
    """Columns of the terminal *stream* writes to, or None."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


def is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False


class OutputClosed(Exception):
    """Nobody reads stdout any more (``| head``, ``>&-``): the run should end quietly.

    Not an OSError, so that nothing on the way (click turns a broken pipe into
    exit 1) mistakes it for another failure.
    """


class _ClosedOutput:
    """Stands for a stdout the process was started without."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(9, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise ValueError("stdout is closed")


class Environment:
    """Streams, whether each is a terminal, and the environment variables of one run."""

    # a plain class, not a dataclass: importing dataclasses costs the quick path 9 ms
    __slots__ = (
        "environ",
        "stderr",
        "stderr_isatty",
        "stdin",
        "stdin_isatty",
        "stdout",
        "stdout_isatty",
    )

    def __init__(
        self,
        *,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        environ: Mapping[str, str],
        stdin_isatty: bool,
        stdout_isatty: bool,
        stderr_isatty: bool,
    ) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.environ = environ
        self.stdin_isatty = stdin_isatty
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty

    @classmethod
    def create(
        cls,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Environment:
        """The process's own streams and environment, or the ones given.

        A stream the process was started without (``<&-``, ``>&-``) is None in
        Python: closed stdin reads as empty, closed stdout as a reader gone away.
        """
        stdin = stdin or sys.stdin or open(os.devnull, encoding="utf-8")  # noqa: SIM115
        stdout = stdout or sys.stdout or cast(TextIO, _ClosedOutput())
        stderr = stderr or sys.stderr or open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        return cls(
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            environ=os.environ if environ is None else environ,
            stdin_isatty=is_terminal(stdin),
            stdout_isatty=is_terminal(stdout),
            stderr_isatty=is_terminal(stderr),
        )

    # -- terminal rules ----------------------------------------------------------

    @property
    def dumb_terminal(self) -> bool:
        return self.environ.get("TERM") == "dumb"

    def _colour(self, isatty: bool) -> bool:
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        return isatty and not self.dumb_terminal

    @property
    def stdout_colour(self) -> bool:
        """Styles (bold headers) on stdout."""
        return self._colour(self.stdout_isatty)

    @property
    def stderr_colour(self) -> bool:
        return self._colour(self.stderr_isatty)

    @property
    def can_prompt(self) -> bool:
        """A person can see a question and answer it."""
        return self.stdin_isatty and self.stderr_isatty

    def on_stderr(self) -> Environment:
        """This environment with stderr standing in for stdout.

        For what a person must see while stdout is kept for data, such as the
        plan shown before a question under ``--json``.
        """
        return Environment(
            stdin=self.stdin,
            stdout=self.stderr,
            stderr=self.stderr,
            environ=self.environ,
            stdin_isatty=self.stdin_isatty,
            stdout_isatty=self.stderr_isatty,
            stderr_isatty=self.stderr_isatty,
        )

    @property
    def progress_wanted(self) -> bool:
        """Progress bars (drawn on stderr) only when a person watches both outputs."""
        return self.stdout_isatty and self.stderr_isatty and not self.dumb_terminal

    @property
    def width(self) -> int | None:
        """Columns of the terminal: ``COLUMNS``, else the size of stderr's terminal."""
        return self._columns_variable() or (
            terminal_columns(self.stderr) if self.stderr_isatty else None
        )

    @property
    def stdout_drawn(self) -> bool:
        """Tables on stdout drawn with borders and fitted to the width, not plain columns.

        Only for a terminal that can draw them: in a pipe or a file, scripts
        read the plain columns. Colour is a separate rule (:attr:`stdout_colour`).
        """
        return self.stdout_isatty and not self.dumb_terminal

    @property
    def stdout_width(self) -> int:
        """Columns a table on stdout may take: ``COLUMNS``, else stdout's or stderr's terminal."""
        own = terminal_columns(self.stdout) if self.stdout_isatty else None
        return self._columns_variable() or own or self.width or 80

    def _columns_variable(self) -> int | None:
        columns = self.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() and int(columns) > 0 else None

    # -- output ------------------------------------------------------------------

    def write(self, text: str) -> None:
        """Data (tables, JSON, YAML) on stdout, exactly as given.

        Raises :class:`OutputClosed` when the reader has gone away.
        """
        try:
            self.stdout.write(text)
        except BrokenPipeError:
            raise OutputClosed from None

    def draw(self, renderable: Any) -> None:
        """A rich renderable (a table) on stdout, :attr:`stdout_width` wide, in colour
        only if :attr:`stdout_colour`. Its text must already be escaped."""
        import io

        from rich.console import Console

        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.stdout_width,
            color_system="standard" if self.stdout_colour else None,
            force_terminal=True,
            # each of these, left unset, rich would read from the process's environment
            # (NO_COLOR, TTY_INTERACTIVE, LINES, TERM=unknown); this Environment decides
            no_color=not self.stdout_colour,
            force_interactive=False,
            force_jupyter=False,
            height=_TABLE_HEIGHT,
            highlight=False,
            emoji=False,
            markup=False,
            legacy_windows=False,
        )
        console.print(renderable, crop=False)  # it is no wider than the console
        self.write(buffer.getvalue())

    def info(self, message: str) -> None:
        """A message for the person (stderr): what happened, what was not done."""
        self.stderr.write(f"{clean(message)}\n")

    def warn(self, message: str) -> None:
        self.stderr.write(f"pushctl: warning: {clean(message)}\n")

    def error(self, message: str, status: int, as_json: bool = False) -> None:
        """The error that ends the run: one line, or ``{"error": …}`` under ``--json``."""
        if as_json:
            import json

            error = {"code": int(status), "message": redact_known(message)}
            self.stderr.write(json.dumps({"error": error}) + "\n")
        else:
            self.stderr.write(f"pushctl: error: {clean(message)}\n")

    def flush(self) -> None:
        """Send the data on; a reader that went away shows here as BrokenPipeError."""
        self.stdout.flush()

    def discard_stdout(self) -> None:
        """The reader of stdout is gone: send what is left nowhere, so no flush fails again."""
        try:
            descriptor = self.stdout.fileno()
        except (AttributeError, ValueError, OSError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)

    # -- questions ---------------------------------------------------------------

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question, no by default; only call it when :attr:`can_prompt`.

        The whole question goes to stderr, so that stdout holds only data. Ctrl-C
        or Ctrl-D at the question stops the run as aborted (exit 130).
        """
        while True:
            self.stderr.write(f"{question} [y/N]: ")
            self.stderr.flush()
            try:
                line = self.stdin.readline()
            except KeyboardInterrupt:
                line = ""
            if not line:
                self.stderr.write("\n")
                raise Interrupted("aborted")
            answer = line.strip().lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("", "n", "no"):
                return False
            self.stderr.write("Error: invalid input\n")

    def secret(self, prompt: str) -> str:
        """A secret typed at a hidden prompt, or read whole from stdin when it is no terminal."""
        if not self.stdin_isatty:
            return self.stdin.read().rstrip("\r\n")
        import getpass

        return getpass.getpass(prompt, stream=self.stderr)

    # -- progress ----------------------------------------------------------------

    @contextlib.contextmanager
    def progress(self, label: str, total: int) -> Iterator[Advance | None]:
        """A callback advancing a bar on stderr, or None when nobody watches."""
        if not self.progress_wanted:
            yield None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            console=self._console(),
        )
        task = bar.add_task(label, total=total, failed="")
        failures = 0

        def advance(ok: bool) -> None:
            nonlocal failures
            failures += 0 if ok else 1
            bar.update(task, advance=1, failed=f"{failures} failed" if failures else "")

        with bar:
            yield advance

    def _console(self) -> Any:
        from rich.console import Console

        styled = self.stderr_colour
        return Console(
            file=self.stderr,
            width=self.width,
            color_system="auto" if styled else None,
            force_terminal=True,
            no_color=not styled,
            highlight=False,
            emoji=False,
            markup=False,
        )


def clean(message: str) -> str:
    """A message fit for a terminal: known secrets hidden, control characters escaped."""
    return escape(redact_known(message), keep_newlines=True)
