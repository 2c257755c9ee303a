"""pushctl's entry point: one run, from its command line to its exit status.

A command line goes to :mod:`pushctl.cli.quick` when it is one of the
read-only runs scripts repeat, else to the Typer app (:mod:`pushctl.cli.app`).
Either way the core's errors, Ctrl-C, a closed stdout and the unforeseen are
worded here, the same for every command. Typer is not imported here: the
quick path runs without it.
"""

import gc
import sys
from collections.abc import Callable

from pushctl.cli import quick
from pushctl.cli.scripts import COMPLETE_VAR
from pushctl.errors import ExitStatus, PushctlError
from pushctl.output.environment import Environment, OutputClosed

# -- running -------------------------------------------------------------------


def main(argv: list[str] | None = None, env: Environment | None = None) -> None:
    """Run pushctl on *argv* (default: the process's arguments) and exit with its status.

    *env* is the world the run talks to: by default the process's own streams
    and environment variables; tests hand in their own.
    """
    if argv is None:  # a process of its own, not a call from Python
        # The modules loaded so far live until exit: spare the garbage collector
        # from walking them again at each collection and at exit (a tenth of a
        # listing's CPU, and most of what importing pushctl costs over Typer).
        gc.freeze()
    args = sys.argv[1:] if argv is None else argv
    env = Environment.create() if env is None else env
    status = _run(args, env, _ignore_further_interrupts if argv is None else None)
    if argv is None:
        # and what the run loaded (requests, …) and made: Python walks every object
        # the collector tracks once more on its way out, which costs a listing 4 ms
        gc.freeze()
    sys.exit(status)


def _ignore_further_interrupts() -> None:
    """The run stops on Ctrl-C: more presses must not turn its exit 130 into
    death by SIGINT while it says so and the interpreter shuts down."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(args: list[str], env: Environment, on_interrupt: Callable[[], None] | None = None) -> int:
    """The exit status of one run; every message goes to *env*.

    *on_interrupt* is called first thing once the run is known to end on Ctrl-C.
    """
    instruction = env.environ.get(COMPLETE_VAR)
    if instruction is not None:
        from pushctl.cli import app

        return app.complete(instruction, env)
    json_errors = "--json" in args
    undecodable = _first_undecodable(args)
    if undecodable is not None:
        env.error(f"argument {undecodable} is not valid UTF-8 text", ExitStatus.USAGE, json_errors)
        return ExitStatus.USAGE
    try:
        status = quick.run(args, env)
        if status is None:  # not a line the quick path knows: Typer's
            from pushctl.cli import app

            status = app.invoke(args, env)
        env.flush()
    except (BrokenPipeError, OutputClosed):
        env.discard_stdout()  # the reader is gone (``| head``): stop quietly, as Unix tools do
        return ExitStatus.BROKEN_PIPE
    except PushctlError as exc:
        from pushctl.cli.hints import message

        if on_interrupt and exc.exit_status == ExitStatus.INTERRUPTED:
            on_interrupt()
        env.error(message(exc), exc.exit_status, json_errors)
        return exc.exit_status
    except KeyboardInterrupt:
        if on_interrupt:
            on_interrupt()
        env.error("interrupted", ExitStatus.INTERRUPTED, json_errors)
        return ExitStatus.INTERRUPTED
    except Exception as exc:  # a bug, or a library failing in a way nobody foresaw
        return _internal_error(exc, env, json_errors)
    return status


def _first_undecodable(args: list[str]) -> int | None:
    """The position (from 1) of an argument that was not UTF-8, if any.

    Python decodes such bytes to lone surrogates, which no request or terminal
    can carry further on.
    """
    for number, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return number
    return None


def _internal_error(exc: Exception, env: Environment, json_errors: bool) -> int:
    """One line naming what failed, secrets hidden; with ``-v`` the traceback too."""
    import logging

    if logging.getLogger("pushctl").isEnabledFor(logging.INFO):  # -v
        import traceback

        env.info("".join(traceback.format_exception(exc)).rstrip())
    env.error(f"internal error: {type(exc).__name__}: {exc}", ExitStatus.ERROR, json_errors)
    return ExitStatus.ERROR
