"""Run pushctl inside the test process: the answers of a subprocess, without its start-up.

A subprocess pays for Python, Typer and requests at every run (about a quarter
of a second here); most tests only look at pushctl's exit status and output.
:func:`run` calls :func:`pushctl.cli.main` with an
:class:`~pushctl.output.environment.Environment` of fake streams and the run's own
environment variables, and undoes what a run leaves behind in the process:

- ``os.environ`` *is* the run's environment while it runs: click reads
  ``PUSHCTL_HOMESERVER`` from it, requests its proxies and CA bundle;
- ``sys.stdin``, ``sys.stdout`` and ``sys.stderr`` are the fake streams too:
  click writes ``--help`` to ``sys.stdout`` (``import -`` reads the environment's stdin);
- the secrets a run registers for redaction (:mod:`pushctl.errors`) are forgotten;
- the handlers ``-v`` adds to the ``pushctl`` logger are removed;
- keyring picks its backend under the run's environment, and the old one is put back.

Tests that need a real process keep :func:`subprocess.run`: start-up imports,
signals, completion scripts, real terminals and the OS keyring.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from unittest import mock

from pushctl import errors
from pushctl.cli import main
from pushctl.output.environment import Environment


def run(
    args: list[str], environ: Mapping[str, str], input: str = ""
) -> subprocess.CompletedProcess[str]:
    """pushctl *args* with *input* on stdin; its status and output, as from a subprocess."""
    stdin, stdout, stderr = _stream(input), _stream(), _stream()
    env = Environment.create(stdin=stdin, stdout=stdout, stderr=stderr, environ=dict(environ))
    with _isolated(env):
        try:
            main(list(args), env)
        except SystemExit as exit:
            status = _status(exit.code, stderr)
        except BaseException:  # what the interpreter would do with it
            traceback.print_exc(file=stderr)
            status = 1
        else:
            status = 0
    return subprocess.CompletedProcess(["pushctl", *args], status, _text(stdout), _text(stderr))


def _stream(text: str = "") -> io.TextIOWrapper:
    """A text stream over bytes, like a pipe's: ``.buffer`` and UTF-8 included."""
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def _status(code: object, stderr: io.TextIOWrapper) -> int:
    """The exit status ``sys.exit(code)`` gives a process."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    stderr.write(f"{code}\n")
    return 1


@contextlib.contextmanager
def _isolated(env: Environment) -> Iterator[None]:
    logger = logging.getLogger("pushctl")
    handlers, level = list(logger.handlers), logger.level
    streams = sys.stdin, sys.stdout, sys.stderr
    with (
        mock.patch.dict(os.environ, env.environ, clear=True),
        mock.patch.object(errors, "_KNOWN_SECRETS", set()),
        _keyring_backend_of_this_run(),
    ):
        sys.stdin, sys.stdout, sys.stderr = env.stdin, env.stdout, env.stderr
        try:
            yield
        finally:
            sys.stdin, sys.stdout, sys.stderr = streams
            logger.handlers[:] = handlers
            logger.setLevel(level)


@contextlib.contextmanager
def _keyring_backend_of_this_run() -> Iterator[None]:
    """keyring picks its backend once per process: pick again under this run's
    environment (``PYTHON_KEYRING_BACKEND``, D-Bus), and put the old one back after."""
    if "keyring.core" not in sys.modules:
        yield  # the run imports keyring, if it needs it, under its own environment
        return
    import keyring.core

    before = keyring.core.get_keyring()
    keyring.core.init_backend()
    try:
        yield
    finally:
        keyring.core.set_keyring(before)
