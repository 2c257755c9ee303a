"""The Typer application: global options, command registration and ``main``.

Commands live in one module per group; each parses its flags, calls the core
and renders. Heavy modules (requests, keyring, yaml, rich tables) are imported
inside the commands, so ``--version``, ``--help`` and Tab completion stay fast.
"""

# No ``from __future__ import annotations`` here: Typer reads the root options'
# annotations on every run, twice, and strings cost more to evaluate each time.

import gc
import os
import sys
from typing import Annotated

import typer

from pushctl import __version__
from pushctl.cli import auth, bulk, completion, pushers, support
from pushctl.cli.common import report_error, setup_verbose
from pushctl.cli.lazy import LazyGroup
from pushctl.cli.lazy import Typer as LazyTyper
from pushctl.errors import ExitStatus, PushctlError
from pushctl.settings import DEFAULT_PROFILE, ENV_HOMESERVER, Settings


# Commands are built only when run, and help is click's plain formatter rather
# than rich panels: both keep --version, --help and Tab completion fast.
def _late_global(ctx: typer.Context, name: str, value: object) -> None:
    """A global option given after the command: ``pushctl list -v --timeout 5``."""
    if name == "verbose":
        if value:
            setup_verbose()
        return
    setattr(ctx.find_root().obj, name, value)


app = LazyTyper(
    cls=LazyGroup,
    late_global=_late_global,
    rich_markup_mode=None,
    name="pushctl",
    help="Administer Matrix pushers: list, set, delete and bulk-manage them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"pushctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    homeserver: Annotated[
        str | None,
        typer.Option("--homeserver", envvar=ENV_HOMESERVER, help="Homeserver base URL."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", envvar="PUSHCTL_PROFILE", help="Stored login to use."),
    ] = DEFAULT_PROFILE,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Trace HTTP requests on stderr.")
    ] = False,
    allow_insecure_http: Annotated[
        bool,
        typer.Option("--allow-insecure-http", help="Allow http:// to a non-loopback homeserver."),
    ] = False,
    ca_bundle: Annotated[
        str | None,
        typer.Option("--ca-bundle", metavar="FILE", help="CA certificates file for a private CA."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each answer.")
    ] = 30.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a failed or rate-limited request.")
    ] = 4,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    if verbose:
        setup_verbose()
    ctx.obj = Settings(
        homeserver=homeserver,
        profile=profile,
        allow_insecure_http=allow_insecure_http,
        ca_bundle=ca_bundle,
        timeout=timeout,
        retries=retries,
    )


# The order of --help: logging in, one pusher at a time, files, support work.
auth.register(app)
pushers.register(app)
bulk.register(app)
support.register(app)


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # a process of its own, not a call from Python
        # The modules loaded so far live until exit: spare the garbage collector
        # from walking them again at each collection and at exit (a tenth of a
        # listing's CPU, and most of what importing pushctl costs over Typer).
        gc.freeze()
    args = sys.argv[1:] if argv is None else argv
    json_errors = "--json" in args
    if completion.COMPLETE_VAR in os.environ:
        completion.register()
    try:
        result = app(args=args, prog_name="pushctl", standalone_mode=False)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_closed()
    except PushctlError as exc:
        from pushctl.cli.hints import message

        report_error(message(exc), exc.exit_status, json_errors)
        sys.exit(exc.exit_status)
    except KeyboardInterrupt:
        report_error("interrupted", ExitStatus.INTERRUPTED, json_errors)
        sys.exit(ExitStatus.INTERRUPTED)
    except typer.Abort:
        report_error("aborted", ExitStatus.INTERRUPTED, json_errors)
        sys.exit(ExitStatus.INTERRUPTED)
    except Exception as exc:
        from typer._click.exceptions import ClickException

        if not isinstance(exc, ClickException):
            raise
        if json_errors:
            report_error(exc.format_message(), ExitStatus.USAGE, True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    if result == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C into a silent Exit(130)
        report_error("interrupted", ExitStatus.INTERRUPTED, json_errors)
    sys.exit(result if isinstance(result, int) else 0)


def _stdout_closed() -> None:
    """The reader of our output is gone (``| head``): stop quietly, as Unix tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that the final flush cannot fail again
    sys.exit(ExitStatus.BROKEN_PIPE)
